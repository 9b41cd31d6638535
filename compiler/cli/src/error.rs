//! Errors that stop a command before it can judge the program (IO, unknown names on the
//! command line): they exit with status 2, unlike diagnostics, which exit with 1.

use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fatal {
    /// Lowercase, no final period, like a diagnostic's message.
    pub message: String,
    /// Lines printed after the message as `help: …`.
    pub help: Vec<String>,
    /// The file the error is about, when there is one, for annotations.
    pub path: Option<PathBuf>,
}

impl Fatal {
    pub fn new(message: impl Into<String>) -> Self {
        Fatal { message: message.into(), help: Vec::new(), path: None }
    }

    /// An IO error about `path`; the message names the path so the user can find it.
    pub fn io(what: &str, path: &Path, error: &std::io::Error) -> Self {
        Fatal {
            message: format!("{what} {}: {error}", path.display()),
            help: Vec::new(),
            path: Some(path.to_path_buf()),
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help.push(help.into());
        self
    }

    pub fn with_path(mut self, path: &Path) -> Self {
        self.path = Some(path.to_path_buf());
        self
    }
}
