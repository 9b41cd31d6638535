//! meshc's pure core: sources in, diagnostics and a checked mesh model out. No IO here.

mod check;
pub mod codes;
pub mod diagnostic;
pub mod index;
pub mod model;
pub mod modules;
pub mod render;
pub mod schema;
pub mod sources;
pub mod suggest;
pub mod units;

pub use diagnostic::{Diagnostic, Label, Severity, Suggestion};
pub use meshc_syntax::{FileId, Span};
pub use sources::{SourceFile, Sources};

pub use check::vocabulary;
pub use index::{DefKind, Definition, Index, Reference};
pub use meshc_syntax::ast;

/// Everything one run of the compiler knows about a set of sources.
#[derive(Debug, Default)]
pub struct Analysis {
    /// Every diagnostic of the run, in a deterministic order (file, offset, code).
    pub diagnostics: Vec<Diagnostic>,
    /// The syntax tree of every file, in `Sources` order; broken declarations are missing.
    pub files: Vec<(FileId, ast::File)>,
    /// Declarations and references, for navigation.
    pub index: Index,
    /// The checked mesh of each environment, in declaration order. Complete only when
    /// there are no errors; lowering must not run otherwise.
    pub meshes: Vec<model::Mesh>,
}

impl Analysis {
    /// The environments the program declares, in declaration order.
    pub fn environments(&self) -> Vec<String> {
        self.meshes.iter().map(|m| m.env.clone()).collect()
    }

    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    pub fn mesh(&self, env: &str) -> Option<&model::Mesh> {
        self.meshes.iter().find(|m| m.env == env)
    }
}

/// The single entry point shared by `meshc build`, `meshc lsp` and `meshc watch`:
/// parse every file, resolve names, check every environment and build its model.
pub fn analyze(sources: &Sources) -> Analysis {
    let mut diagnostics = Vec::new();
    let mut files = Vec::with_capacity(sources.len());
    // Other files (templates) are read by the declarations that name them.
    for (id, file) in sources.iter().filter(|(_, f)| f.name.ends_with(".mesh")) {
        let (tree, errors) = meshc_syntax::parse(id, &file.text);
        diagnostics.extend(errors.into_iter().map(syntax_diagnostic));
        files.push((id, tree));
    }
    let mut index = Index::default();
    let (meshes, more) = check_all(sources, &files, &mut index);
    diagnostics.extend(more);
    sort_and_dedup(sources, &mut diagnostics);
    Analysis { diagnostics, files, index, meshes }
}

fn check_all(
    sources: &Sources,
    files: &[(FileId, ast::File)],
    index: &mut Index,
) -> (Vec<model::Mesh>, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let decls = check::Decls::collect(files, index, &mut diagnostics);
    let modules = check::modules::Modules::resolve(sources, files, index, &mut diagnostics);
    if decls.mesh.is_none() && files.iter().any(|(_, f)| !f.items.is_empty()) {
        if let Some((id, _)) = files.iter().find(|(_, f)| !f.items.is_empty()) {
            diagnostics.push(
                Diagnostic::error("E0302", Span::new(*id, 0, 0), "the program has no `mesh` declaration")
                    .with_span_label("expected `mesh <name> { namespace … environments … }` in one of the files")
                    .with_note("the `mesh` declaration names the namespace and the environments to build"),
            );
        }
    }
    let scopes = check::environments::scopes(&decls, &mut diagnostics);
    let mut meshes = Vec::with_capacity(scopes.len());
    // Environments are independent: the first records navigation data on this thread while
    // the others are checked on their own threads. Results are joined in declaration order,
    // so the output does not depend on scheduling.
    let Some((first, rest)) = scopes.split_first() else { return (meshes, diagnostics) };
    let results = std::thread::scope(|scope| {
        let handles: Vec<_> = rest
            .iter()
            .map(|env| {
                let (decls, modules) = (&decls, &modules);
                scope.spawn(move || compact(check::Checker::new(sources, decls, modules, env, None).check()))
            })
            .collect();
        let mut results = vec![compact(check::Checker::new(sources, &decls, &modules, first, Some(index)).check())];
        for handle in handles {
            // A panic in a checker thread is a bug; re-raise it rather than lose an environment.
            results.push(handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)));
        }
        results
    });
    for (mesh, found) in results {
        diagnostics.extend(found);
        meshes.push(mesh);
    }
    (meshes, diagnostics)
}

/// A finished environment without the spare room its lists grew: done on the environment's
/// own thread, while the others are still being checked.
fn compact((mut mesh, diagnostics): (model::Mesh, Vec<Diagnostic>)) -> (model::Mesh, Vec<Diagnostic>) {
    mesh.shrink_to_fit();
    (mesh, diagnostics)
}

/// The diagnostic of a syntax error, as `analyze` reports it; `meshc fmt` reports the
/// errors of a file it cannot format with it.
pub fn syntax_diagnostic(error: meshc_syntax::SyntaxError) -> Diagnostic {
    Diagnostic::error("E0001", error.span, error.message).with_span_label("unexpected here")
}

/// Diagnostics from several environment passes are often identical: keep one of each,
/// ordered by file, position and code so output is deterministic.
fn sort_and_dedup(sources: &Sources, diagnostics: &mut Vec<Diagnostic>) {
    let _ = sources;
    diagnostics.sort_by(|a, b| {
        (a.span.file, a.span.start, a.span.end, a.code, &a.message).cmp(&(
            b.span.file,
            b.span.start,
            b.span.end,
            b.code,
            &b.message,
        ))
    });
    diagnostics.dedup_by(|a, b| a.code == b.code && a.span == b.span && a.message == b.message);
}
