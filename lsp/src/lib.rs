//! `meshc lsp`: the language server. It keeps the workspace's `.mesh` files overlaid with
//! the editor's buffers, runs the compiler's one `analyze()` on every change, and answers
//! the editor from that analysis: diagnostics, navigation, hover, symbols, rename,
//! completion, semantic tokens, quick fixes and formatting. This is the only crate that
//! knows the LSP types.

mod actions;
mod completion;
mod diagnostics;
mod formatting;
mod hover;
mod keywords;
mod lexer;
mod navigation;
mod position;
mod semantic;
mod server;
mod snapshot;
mod state;
mod symbols;
#[cfg(test)]
mod totality;
mod workspace;

use tower_lsp_server::{LspService, Server};

/// Serves LSP on stdin/stdout until the client sends `exit` or closes the stream.
pub fn run_stdio() -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        let (service, socket) = LspService::new(server::Backend::new);
        Server::new(tokio::io::stdin(), tokio::io::stdout(), socket).serve(service).await;
    });
    // An analysis still running on a blocking thread must not keep the process alive.
    runtime.shutdown_background();
    Ok(())
}
