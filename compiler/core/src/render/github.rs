//! GitHub Actions workflow commands, so `meshc check --message-format github` in a workflow
//! puts each diagnostic as an annotation on the pull request's diff:
//! `::error file=F,line=L,col=C,endLine=L2,endColumn=C2,title=E0101::message`.
//!
//! Escaping follows GitHub's toolkit (`@actions/core`, `command.ts`): in the message `%`,
//! `\r` and `\n` become `%25`, `%0D` and `%0A`; in properties `:` and `,` also become `%3A`
//! and `%2C`.

use crate::{Diagnostic, Sources};

/// Renders every diagnostic as one workflow command line, each ending with `\n`.
///
/// GitHub resolves `file` against the repository root while `Sources` names files relative
/// to the project directory, so `path_prefix` (the project directory as given on the
/// command line, or `""`) is joined in front of every file name.
pub fn render(sources: &Sources, diagnostics: &[Diagnostic], path_prefix: &str) -> String {
    diagnostics.iter().map(|diagnostic| render_one(sources, diagnostic, path_prefix) + "\n").collect()
}

/// Renders one diagnostic as a workflow command, without the final newline.
///
/// An annotation has one location, so secondary labels (which may be in other files) are
/// written into the message as `file:line:column: text` lines, after the primary label
/// and before the notes and the help.
pub fn render_one(sources: &Sources, diagnostic: &Diagnostic, path_prefix: &str) -> String {
    let mut properties = Vec::new();
    if let Some(at) = super::locate(sources, diagnostic.span) {
        properties.push(("file", join(path_prefix, at.file)));
        properties.push(("line", at.line.to_string()));
        properties.push(("col", at.column.to_string()));
        properties.push(("endLine", at.end_line.to_string()));
        properties.push(("endColumn", at.end_column.to_string()));
    }
    properties.push(("title", diagnostic.code.to_string()));
    let properties: Vec<String> =
        properties.iter().map(|(key, value)| format!("{key}={}", escape_property(value))).collect();

    let mut message = vec![diagnostic.message.clone()];
    if !diagnostic.span_label.is_empty() {
        message.push(diagnostic.span_label.clone());
    }
    for label in &diagnostic.labels {
        match super::locate(sources, label.span) {
            Some(at) => {
                message.push(format!("{}:{}:{}: {}", join(path_prefix, at.file), at.line, at.column, label.message))
            }
            None => message.push(label.message.clone()),
        }
    }
    message.extend(diagnostic.notes.iter().map(|note| format!("note: {note}")));
    if let Some(suggestion) = &diagnostic.suggestion {
        message.push(format!("help: {}", super::help_text(suggestion)));
    }

    format!(
        "::{} {}::{}",
        super::severity_word(diagnostic.severity),
        properties.join(","),
        escape_data(&message.join("\n"))
    )
}

fn join(prefix: &str, name: &str) -> String {
    let prefix = prefix.trim_end_matches('/');
    if prefix.is_empty() || prefix == "." {
        name.to_string()
    } else {
        format!("{prefix}/{name}")
    }
}

/// Escapes a workflow command's message (GitHub's `escapeData`).
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escapes a workflow command's property value (GitHub's `escapeProperty`).
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::fixture;
    use crate::{FileId, Span};

    #[test]
    fn an_error_with_labels_notes_and_help() {
        let sources = fixture::sources();
        let out = render(&sources, &[fixture::unknown_service()], "");
        assert_eq!(
            out,
            "::error file=routes.mesh,line=2,col=6,endLine=2,endColumn=17,title=E0101::\
             unknown service `auth-servce`%0A\
             no service of this name%0A\
             services/auth.mesh:1:9: a similar service is declared here%0A\
             note: routes may only send traffic to declared services%0A\
             help: did you mean `auth-service`?\n"
        );
    }

    #[test]
    fn a_warning_under_a_project_directory() {
        let sources = fixture::sources();
        let out = render_one(&sources, &fixture::bare_warning(), "examples/shop/");
        assert_eq!(
            out,
            "::warning file=examples/shop/services/auth.mesh,line=2,col=13,endLine=2,endColumn=17,title=W0001::\
             port 3000, is it: plain?"
        );
        assert_eq!(
            render_one(&sources, &fixture::bare_warning(), "."),
            render_one(&sources, &fixture::bare_warning(), "")
        );
    }

    #[test]
    fn escapes_as_github_documents() {
        assert_eq!(escape_data("100% a\r\nb: c, d"), "100%25 a%0D%0Ab: c, d");
        assert_eq!(escape_property("100% a\r\nb: c, d"), "100%25 a%0D%0Ab%3A c%2C d");
        let mut sources = Sources::new();
        sources.add("we,ird:name.mesh", "x\n");
        let diagnostic = Diagnostic::error("E0001", Span::new(FileId(0), 0, 1), "50%\nmore");
        assert_eq!(
            render_one(&sources, &diagnostic, ""),
            "::error file=we%2Cird%3Aname.mesh,line=1,col=1,endLine=1,endColumn=2,title=E0001::50%25%0Amore"
        );
    }

    #[test]
    fn an_unknown_file_gives_an_annotation_without_location() {
        let sources = fixture::sources();
        let diagnostic = Diagnostic::error("E0001", Span::new(FileId(5), 0, 1), "lost");
        assert_eq!(render_one(&sources, &diagnostic, ""), "::error title=E0001::lost");
    }
}
