//! The `.mesh` program an import produces: declarations as text, each remembering the
//! Istio objects it came from, printed in the order a reader expects (mesh, providers,
//! services, externals, gateways, routes, security, limits, sidecars, telemetry) and laid
//! out by the formatter.

use std::ops::Range;

use crate::objects::ObjId;

/// The kinds of declaration, in the order they are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Family {
    Mesh,
    Provider,
    Service,
    External,
    Gateway,
    Route,
    Policy,
    Jwt,
    Limit,
    Sidecar,
    Telemetry,
    /// Objects kept verbatim, written by `template` declarations.
    Template,
}

impl Family {
    /// The file a family goes to when the program is split (see [`Program::files`]).
    fn file(self) -> &'static str {
        match self {
            Family::Mesh | Family::Provider => "mesh.mesh",
            Family::Service | Family::External => "services.mesh",
            Family::Gateway | Family::Route => "routes.mesh",
            Family::Policy | Family::Jwt => "security.mesh",
            Family::Limit | Family::Sidecar | Family::Telemetry => "workloads.mesh",
            Family::Template => "unsupported.mesh",
        }
    }
}

/// A statement, with the statements of its `{ }` block if it has one (route rules).
#[derive(Debug, Clone, PartialEq)]
pub struct Stmt {
    pub text: String,
    pub block: Vec<String>,
}

impl Stmt {
    pub fn line(text: impl Into<String>) -> Self {
        Stmt { text: text.into(), block: Vec::new() }
    }
}

/// One top-level declaration.
#[derive(Debug, Clone, PartialEq)]
pub struct Decl {
    pub family: Family,
    /// `service api`, `route web via public, mesh`.
    pub head: String,
    pub body: Vec<Stmt>,
    /// The input objects it stands for; they fall back together when it fails to check.
    pub objects: Vec<ObjId>,
    /// A comment line printed above it.
    pub comment: Option<String>,
}

impl Decl {
    fn print_without_comment(&self, out: &mut String) {
        Decl { comment: None, ..self.clone() }.print(out);
    }

    pub fn new(family: Family, head: impl Into<String>) -> Self {
        Decl { family, head: head.into(), body: Vec::new(), objects: Vec::new(), comment: None }
    }

    pub fn line(&mut self, text: impl Into<String>) {
        self.body.push(Stmt::line(text));
    }

    /// A declaration of one simple statement is written on one line, as `meshc fmt` would.
    fn is_one_line(&self) -> bool {
        self.body.is_empty() || (self.body.len() == 1 && self.body[0].block.is_empty())
    }

    /// Whether `self` is printed right under `previous`, without a blank line: one-line
    /// declarations of a kind that share their comment form one group.
    fn joins(&self, previous: &Decl) -> bool {
        self.family == previous.family
            && self.is_one_line()
            && previous.is_one_line()
            && self.comment == previous.comment
    }

    fn print(&self, out: &mut String) {
        if let Some(comment) = &self.comment {
            for line in comment.lines() {
                out.push_str(&format!("# {line}\n"));
            }
        }
        if self.body.is_empty() {
            out.push_str(&format!("{}\n", self.head));
            return;
        }
        if self.is_one_line() {
            out.push_str(&format!("{} {{ {} }}\n", self.head, self.body[0].text));
            return;
        }
        out.push_str(&format!("{} {{\n", self.head));
        for stmt in &self.body {
            if stmt.block.is_empty() {
                out.push_str(&format!("  {}\n", stmt.text));
            } else {
                out.push_str(&format!("  {} {{\n", stmt.text));
                for line in &stmt.block {
                    out.push_str(&format!("    {line}\n"));
                }
                out.push_str("  }\n");
            }
        }
        out.push_str("}\n");
    }
}

/// The whole program.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Program {
    pub decls: Vec<Decl>,
}

/// A program printed as one text, with the byte range of every declaration in it.
pub struct Printed {
    pub text: String,
    pub ranges: Vec<Range<usize>>,
}

/// Above this many lines, the program is split into one file per family of declarations.
pub const SPLIT_LINES: usize = 250;

impl Program {
    /// The declarations in print order: by family, then in the order they were added.
    fn ordered(&self) -> Vec<&Decl> {
        let mut decls: Vec<&Decl> = self.decls.iter().collect();
        decls.sort_by_key(|d| d.family);
        decls
    }

    /// One text holding every declaration (what the import checks), with their ranges.
    pub fn print(&self) -> (Printed, Vec<&Decl>) {
        let decls = self.ordered();
        let mut text = String::new();
        let mut ranges = Vec::with_capacity(decls.len());
        for (i, decl) in decls.iter().enumerate() {
            let start = text.len();
            match i.checked_sub(1).map(|p| decls[p]) {
                Some(previous) if decl.joins(previous) => decl.print_without_comment(&mut text),
                Some(_) => {
                    text.push('\n');
                    decl.print(&mut text);
                }
                None => decl.print(&mut text),
            }
            ranges.push(start..text.len());
        }
        (Printed { text, ranges }, decls)
    }

    /// The files to write: `mesh.mesh` alone when the program is short, otherwise one file
    /// per family (`mesh.mesh`, `services.mesh`, `routes.mesh`, `security.mesh`,
    /// `workloads.mesh`), each laid out by `meshc fmt`'s formatter.
    pub fn files(&self, header: &str) -> Vec<(String, String)> {
        let (printed, _) = self.print();
        let split = printed.text.lines().count() > SPLIT_LINES;
        let mut files: Vec<(String, String)> = Vec::new();
        let mut previous: Option<&Decl> = None;
        for decl in self.ordered() {
            let name = if split { decl.family.file() } else { "mesh.mesh" };
            let mut text = String::new();
            let joins = previous.is_some_and(|p| decl.joins(p) && (!split || p.family.file() == name));
            if joins {
                decl.print_without_comment(&mut text);
            } else {
                decl.print(&mut text);
            }
            previous = Some(decl);
            match files.iter_mut().find(|(n, _)| n == name) {
                Some((_, body)) => {
                    if !joins {
                        body.push('\n');
                    }
                    body.push_str(&text);
                }
                None => files.push((name.to_string(), format!("{header}\n{text}"))),
            }
        }
        files
            .into_iter()
            .map(|(name, text)| {
                // The formatter only moves whitespace; a text it cannot parse is written as
                // printed, and the check that follows the import reports it.
                let formatted = meshc_syntax::format::format(&text).unwrap_or(text);
                (name, formatted)
            })
            .collect()
    }
}

/// `"text"` with the escapes the grammar reads: `\"`, `\\`, `\n`, `\t`, `\r`, and `\${`
/// so that `${` is not taken for an interpolation.
pub fn string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '$' if chars.peek() == Some(&'{') => out.push_str("\\$"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Whether `text` is a name the grammar reads as one identifier.
pub fn is_name(text: &str) -> bool {
    let mut chars = text.chars();
    let starts = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    starts
        && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && !text.contains("->")
        && !text.ends_with('-')
}

/// A percentage as `.mesh` writes it: `10%`, `0.5%`.
pub fn percent(value: f64) -> String {
    let text = format!("{value}");
    format!("{text}%")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_escape_what_the_grammar_reads() {
        assert_eq!(string("a\"b\\c\n${x} $y"), r#""a\"b\\c\n\${x} $y""#);
        assert_eq!(percent(10.0), "10%");
        assert_eq!(percent(0.5), "0.5%");
        assert!(is_name("auth-service"));
        assert!(!is_name("9lives"));
        assert!(!is_name("a.b"));
    }

    #[test]
    fn long_programs_are_split_by_family() {
        let mut program = Program::default();
        program.decls.push(Decl::new(Family::Mesh, "mesh shop"));
        for i in 0..SPLIT_LINES {
            let mut service = Decl::new(Family::Service, format!("service s{i}"));
            service.line("port http 80");
            program.decls.push(service);
            let mut route = Decl::new(Family::Route, format!("route r{i}"));
            route.line(format!("hosts s{i}"));
            route.line(format!("any -> s{i}"));
            program.decls.push(route);
        }
        let names: Vec<String> = program.files("# header").into_iter().map(|(name, _)| name).collect();
        assert_eq!(names, ["mesh.mesh", "services.mesh", "routes.mesh"]);
        let short = Program { decls: program.decls[..3].to_vec() };
        let names: Vec<String> = short.files("# header").into_iter().map(|(name, _)| name).collect();
        assert_eq!(names, ["mesh.mesh"]);
    }

    #[test]
    fn declarations_print_in_family_order() {
        let mut program = Program::default();
        let mut route = Decl::new(Family::Route, "route api");
        route.line("hosts api");
        route.body.push(Stmt { text: "any -> api".into(), block: vec!["timeout 1s".into()] });
        program.decls.push(route);
        let mut service = Decl::new(Family::Service, "service api");
        service.line("port http 80");
        program.decls.push(service);
        let (printed, _) = program.print();
        assert_eq!(
            printed.text,
            "service api { port http 80 }\n\nroute api {\n  hosts api\n  any -> api {\n    timeout 1s\n  }\n}\n"
        );
        assert_eq!(&printed.text[printed.ranges[0].clone()], "service api { port http 80 }\n");
    }
}
