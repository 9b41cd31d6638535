//! Writing a command's result (YAML, a diff, an explanation) to stdout without panicking
//! when the reader goes away, as in `meshc explain E0001 | head`.

use std::io::{self, BufWriter, ErrorKind, Write};

use crate::error::Fatal;

pub fn print(text: &str) -> Result<(), Fatal> {
    let mut out = io::stdout().lock();
    outcome(out.write_all(text.as_bytes()).and_then(|()| out.flush()))
}

/// Writes a long result piece by piece (`meshc build --stdout`) through one buffer, so it
/// need not be held whole, with `print`'s handling of a reader that goes away.
pub fn stream(write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> Result<(), Fatal> {
    // Stdout is line-buffered; thousands of short lines are cheaper through one large buffer.
    let mut out = BufWriter::with_capacity(1 << 16, io::stdout().lock());
    let written = write(&mut out).and_then(|()| out.flush());
    outcome(written)
}

fn outcome(written: io::Result<()>) -> Result<(), Fatal> {
    match written {
        Ok(()) => Ok(()),
        // The reader has seen all it wanted; that is not a failure of meshc.
        Err(error) if error.kind() == ErrorKind::BrokenPipe => Ok(()),
        Err(error) => Err(Fatal::new(format!("cannot write to stdout: {error}"))),
    }
}
