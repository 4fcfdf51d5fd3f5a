//! The on-disk build cache: where entries live, their keys, locks and atomic installation.
//!
//! Key decision: an entry is a directory named by a 128-bit hash of everything that went into it
//! (sources, flags, tool versions, this binding's version). It is built in a private temporary
//! directory next to it and renamed into place, so a reader never sees half an entry; builders
//! of the same key serialise on an exclusive `flock` of `<entry>.lock` (one open file per
//! builder, so threads of one process exclude each other exactly as processes do). Readers of a
//! finished entry take no lock.

use std::fs::{self, File, OpenOptions};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::error::Error;

/// The cache root: `$NEUROGEN_CACHE/verilator`, else `$XDG_CACHE_HOME/neurogen/verilator`, else
/// `~/.cache/neurogen/verilator`, else a directory under the system temp dir.
pub fn default_dir() -> PathBuf {
    let env = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if let Some(d) = env("NEUROGEN_CACHE") {
        return d.join("verilator");
    }
    if let Some(d) = env("XDG_CACHE_HOME") {
        return d.join("neurogen").join("verilator");
    }
    if let Some(h) = env("HOME") {
        return h.join(".cache").join("neurogen").join("verilator");
    }
    std::env::temp_dir().join("neurogen-verilator-cache")
}

pub(crate) use crate::fnv::KeyHasher;

/// The hash of a file's contents, or `None` when it cannot be read.
pub(crate) fn file_hash(path: &Path) -> Option<String> {
    let bytes = fs::read(path).ok()?;
    Some(KeyHasher::new("file").field(&bytes).hex())
}

/// An exclusive lock, held until dropped (closing the file releases the `flock`).
pub(crate) struct Lock {
    _file: File,
}

/// Blocks until the exclusive lock at `path` is ours.
pub(crate) fn lock(path: &Path) -> Result<Lock, Error> {
    if let Some(dir) = path.parent() {
        create_dir_all(dir)?;
    }
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(|e| Error::io(format!("cannot open lock file {}", path.display()), e))?;
    file.lock()
        .map_err(|e| Error::io(format!("cannot lock {}", path.display()), e))?;
    Ok(Lock { _file: file })
}

pub(crate) fn create_dir_all(dir: &Path) -> Result<(), Error> {
    fs::create_dir_all(dir)
        .map_err(|e| Error::io(format!("cannot create directory {}", dir.display()), e))
}

/// A new, empty, uniquely named directory `<parent>/<stem>.tmp-<pid>-<n>`, removed on drop unless
/// [`TempDir::install`]ed.
pub(crate) struct TempDir {
    path: PathBuf,
    keep: bool,
}

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

impl TempDir {
    pub fn new(parent: &Path, stem: &str) -> Result<Self, Error> {
        create_dir_all(parent)?;
        loop {
            let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
            let path = parent.join(format!("{stem}.tmp-{}-{n}", std::process::id()));
            match fs::create_dir(&path) {
                Ok(()) => return Ok(TempDir { path, keep: false }),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => {
                    return Err(Error::io(
                        format!("cannot create directory {}", path.display()),
                        e,
                    ));
                }
            }
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Renames this directory to `dest`, first moving aside (and deleting) whatever is there.
    /// The caller holds the entry's lock.
    pub fn install(mut self, dest: &Path) -> Result<(), Error> {
        if dest.exists() {
            let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
            let stale = dest.with_extension(format!("stale-{}-{n}", std::process::id()));
            fs::rename(dest, &stale)
                .map_err(|e| Error::io(format!("cannot move aside stale {}", dest.display()), e))?;
            // A process may still have the old shared object mapped; unlinking is safe on Unix.
            let _ = fs::remove_dir_all(&stale);
        }
        fs::rename(&self.path, dest).map_err(|e| {
            Error::io(
                format!("cannot move {} to {}", self.path.display(), dest.display()),
                e,
            )
        })?;
        self.keep = true;
        Ok(())
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if !self.keep {
            let _ = fs::remove_dir_all(&self.path);
        }
    }
}

/// Removes `<parent>/<stem>.tmp-*` and `<parent>/<stem>.stale-*` left by builders that died.
/// Call it holding the lock of `<stem>`: nobody else can be building it.
pub(crate) fn remove_leftovers(parent: &Path, stem: &str) {
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    let (tmp, stale) = (format!("{stem}.tmp-"), format!("{stem}.stale-"));
    for e in entries.flatten() {
        let name = e.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(&tmp) || name.starts_with(&stale) {
            let _ = fs::remove_dir_all(e.path());
        }
    }
}

/// Writes `contents` to `path`, naming the file in the error.
pub(crate) fn write(path: &Path, contents: impl AsRef<[u8]>) -> Result<(), Error> {
    fs::write(path, contents).map_err(|e| Error::io(format!("cannot write {}", path.display()), e))
}

/// Reads `path` as UTF-8 text, naming the file in the error.
pub(crate) fn read_to_string(path: &Path) -> Result<String, Error> {
    fs::read_to_string(path).map_err(|e| Error::io(format!("cannot read {}", path.display()), e))
}
