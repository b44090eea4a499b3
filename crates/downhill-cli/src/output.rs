//! Files written whole or not at all: a temporary file beside the target, renamed over it when complete.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::diagnostic::CliError;

/// Checks, before any work is done, that a file can be created at `path`: its directory exists and it is not
/// a directory itself. A bad path is the user's input, so this is an input error (exit 2).
pub fn check_writable(path: &Path, what: &str) -> Result<(), CliError> {
    if path.as_os_str().is_empty() {
        return Err(CliError::input(format!("the {what} file name is empty")));
    }
    if path.is_dir() {
        return Err(CliError::input(format!(
            "cannot write the {what} to '{}': it is a directory",
            path.display()
        )));
    }
    let dir = parent(path);
    if !dir.is_dir() {
        return Err(CliError::input(format!(
            "cannot write the {what} to '{}': the directory '{}' does not exist",
            path.display(),
            dir.display()
        )));
    }
    Ok(())
}

fn parent(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Writes a file atomically: `fill` writes into a temporary file in the same directory, which is renamed to
/// `path` only when `fill` and the flush succeed. On any error the temporary file is removed and `path` is
/// left as it was.
pub fn write_atomically(path: &Path, fill: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> anyhow::Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = parent(path).join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| -> io::Result<()> {
        let file = fs::File::create(&tmp)?;
        let mut w = io::BufWriter::new(file);
        fill(&mut w)?;
        let file = w.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.with_context(|| format!("could not write '{}'", path.display()))
}
