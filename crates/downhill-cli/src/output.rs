//! Output files: checked before any work is done, then written whole or not at all.
//!
//! [`prepare`] runs before the work: it decides how the file will be written and proves that it can be.
//! - `-` is standard output.
//! - A path that exists and is not a regular file (a pipe, `/dev/stdout`, a terminal, `>(cat)`) is opened
//!   for writing then and written directly: there is nothing to replace atomically.
//! - Anything else (a new file, a regular file, a symbolic link to one) becomes a temporary file created
//!   then beside the real target, so a directory that cannot take the file fails before the work, and it is
//!   renamed over the target when complete. A symbolic link is followed, not replaced: the file it points to
//!   is what is written.
//!
//! Temporary files are registered while they exist, and removed by Ctrl-C or SIGTERM ([`install_signals`]),
//! so an interrupted write leaves nothing behind.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use anyhow::Context;

use crate::diagnostic::CliError;

/// Temporary files not yet renamed into place.
static PENDING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Set by Ctrl-C or SIGTERM while long work polls it ([`interrupted`]); work that does not poll is ended by
/// the signal itself.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);
/// Whether long work is polling [`INTERRUPTED`], so a signal should let it stop cleanly.
static POLLING: AtomicBool = AtomicBool::new(false);

/// Installs the Ctrl-C and SIGTERM handler: temporary files are removed, then work that polls
/// [`interrupted`] is asked to stop, and anything else ends at once with exit code 130.
pub fn install_signals() {
    let _ = ctrlc::set_handler(|| {
        remove_pending();
        if POLLING.load(Ordering::SeqCst) && !INTERRUPTED.swap(true, Ordering::SeqCst) {
            return;
        }
        let _ = writeln!(io::stderr(), "interrupted: nothing was written");
        std::process::exit(130);
    });
}

/// The flag long work polls to stop early after Ctrl-C; while the returned guard lives, a signal sets it
/// instead of ending the process (a second signal still ends it).
pub fn interrupted() -> (&'static AtomicBool, PollGuard) {
    POLLING.store(true, Ordering::SeqCst);
    (&INTERRUPTED, PollGuard)
}

/// Ends the polling of [`interrupted`] when dropped.
pub struct PollGuard;

impl Drop for PollGuard {
    fn drop(&mut self) {
        POLLING.store(false, Ordering::SeqCst);
    }
}

fn remove_pending() {
    let pending = PENDING.lock().unwrap_or_else(|e| e.into_inner());
    for path in pending.iter() {
        let _ = fs::remove_file(path);
    }
}

fn register(path: &Path) {
    PENDING
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(path.to_path_buf());
}

fn unregister(path: &Path) {
    PENDING.lock().unwrap_or_else(|e| e.into_inner()).retain(|p| p != path);
}

/// An output checked before the work, written once after it.
#[derive(Debug)]
pub struct Output {
    /// The path as the user gave it, for messages.
    shown: PathBuf,
    how: How,
}

#[derive(Debug)]
enum How {
    Stdout,
    /// An existing file that is not a regular file, already opened.
    Direct(fs::File),
    /// A temporary file (created, empty) to be renamed to `target`.
    Atomic {
        tmp: PathBuf,
        target: PathBuf,
    },
}

/// Where a symbolic link finally points (links followed one by one, relative ones from their directory),
/// or the path itself.
fn resolve_links(path: &Path) -> io::Result<PathBuf> {
    let mut path = path.to_path_buf();
    for _ in 0..40 {
        match fs::symlink_metadata(&path) {
            Ok(m) if m.file_type().is_symlink() => {
                let link = fs::read_link(&path)?;
                path = if link.is_absolute() {
                    link
                } else {
                    parent(&path).join(link)
                };
            }
            _ => return Ok(path),
        }
    }
    Err(io::Error::other("too many levels of symbolic links"))
}

fn parent(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Checks, before any work is done, that the `what` file can be written at `path`, and gets it ready (see
/// the module documentation). A path that cannot be written is the user's input: an input error (exit 2).
pub fn prepare(path: &Path, what: &str) -> Result<Output, CliError> {
    let shown = path.to_path_buf();
    let refuse = |why: String| CliError::input(format!("cannot write the {what} to '{}': {why}", path.display()));
    if path.as_os_str().is_empty() {
        return Err(CliError::input(format!("the {what} file name is empty")));
    }
    if path.as_os_str() == "-" {
        return Ok(Output {
            shown,
            how: How::Stdout,
        });
    }
    let target = match fs::metadata(path) {
        Ok(m) if m.is_dir() => return Err(refuse("it is a directory".into())),
        Ok(m) if !m.is_file() => {
            // Opened through the path, as the kernel resolves it (/dev/stdout is a link to a pipe's name).
            let file = fs::OpenOptions::new()
                .write(true)
                .open(path)
                .map_err(|e| refuse(e.to_string()))?;
            return Ok(Output {
                shown,
                how: How::Direct(file),
            });
        }
        Ok(_) => fs::canonicalize(path).map_err(|e| refuse(e.to_string()))?,
        // A new file, or a link to one that does not exist yet.
        Err(_) => resolve_links(path).map_err(|e| refuse(e.to_string()))?,
    };
    let dir = parent(&target);
    if !dir.is_dir() {
        return Err(refuse(format!("the directory '{}' does not exist", dir.display())));
    }
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    register(&tmp);
    if let Err(e) = fs::OpenOptions::new().write(true).create_new(true).open(&tmp) {
        unregister(&tmp);
        return Err(refuse(e.to_string()));
    }
    Ok(Output {
        shown,
        how: How::Atomic { tmp, target },
    })
}

impl Output {
    /// Whether this output is standard output (so the summary should go elsewhere).
    pub fn is_stdout(&self) -> bool {
        matches!(self.how, How::Stdout)
    }

    /// Writes the file: `fill` writes the content; a temporary file is renamed into place only when `fill`
    /// and the flush succeed, and removed otherwise. A closed pipe on standard output is not an error. Returns
    /// the path written, for a "wrote" note (none for standard output).
    pub fn write(mut self, fill: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> Result<Option<PathBuf>, CliError> {
        let shown = self.shown.clone();
        let note = (!self.is_stdout()).then(|| shown.clone());
        // Taken out, so that dropping `self` afterwards removes nothing.
        let result = match std::mem::replace(&mut self.how, How::Stdout) {
            How::Stdout => {
                let mut out = io::BufWriter::new(io::stdout().lock());
                match fill(&mut out).and_then(|_| out.flush()) {
                    Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
                    other => other,
                }
            }
            How::Direct(file) => {
                let mut w = io::BufWriter::new(file);
                match fill(&mut w).and_then(|_| w.flush()) {
                    Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
                    other => other,
                }
            }
            How::Atomic { tmp, target } => {
                let result = (|| -> io::Result<()> {
                    let file = fs::OpenOptions::new().write(true).truncate(true).open(&tmp)?;
                    let mut w = io::BufWriter::new(file);
                    fill(&mut w)?;
                    let file = w.into_inner().map_err(|e| e.into_error())?;
                    file.sync_all()?;
                    fs::rename(&tmp, &target)
                })();
                if result.is_err() {
                    let _ = fs::remove_file(&tmp);
                }
                unregister(&tmp);
                result
            }
        };
        result
            .with_context(|| format!("could not write '{}'", shown.display()))
            .map_err(CliError::Failure)?;
        Ok(note)
    }

    /// Writes bytes whole or not at all.
    pub fn write_bytes(self, bytes: &[u8]) -> Result<Option<PathBuf>, CliError> {
        self.write(|w| w.write_all(bytes))
    }
}

impl Drop for Output {
    /// An output prepared but never written (the work failed) leaves no temporary file.
    fn drop(&mut self) {
        if let How::Atomic { tmp, .. } = &self.how {
            if fs::remove_file(tmp).is_ok() {
                unregister(tmp);
            }
        }
    }
}

/// "wrote PATH" for each file written, one per line.
pub fn notes(written: &[Option<PathBuf>]) -> String {
    written
        .iter()
        .flatten()
        .map(|p| format!("wrote {}\n", p.display()))
        .collect()
}
