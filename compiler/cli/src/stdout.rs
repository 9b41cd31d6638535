//! Writing a command's result (YAML, a diff, an explanation) to stdout without panicking
//! when the reader goes away, as in `meshc explain E0001 | head`.

use std::io::{ErrorKind, Write};

use crate::error::Fatal;

pub fn print(text: &str) -> Result<(), Fatal> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        // The reader has seen all it wanted; that is not a failure of meshc.
        Err(error) if error.kind() == ErrorKind::BrokenPipe => Ok(()),
        Err(error) => Err(Fatal::new(format!("cannot write to stdout: {error}"))),
    }
}
