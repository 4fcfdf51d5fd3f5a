//! The driver's error type: what stopped a run before it could compare (files, the simulator,
//! the generator, the hand-shake protocol), each variant keeping the underlying error.
//!
//! Key decision: a difference between the RTL and the golden model is not an error of the run
//! ([`super::Report::mismatch`] carries it); [`Error::Mismatch`] exists for callers that want a
//! mismatch as an error ([`super::Report::into_result`]).

use super::compare::Mismatch;
use crate::verilator;
use std::fmt;
use std::path::PathBuf;

/// The result type of the driver.
pub type Result<T> = std::result::Result<T, Error>;

/// Why a co-simulation run could not complete.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// A file or folder could not be read or written.
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What was being done (`read`, `write`, `create`).
        op: &'static str,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The Verilator binding failed: a tool missing, Verilator or g++ rejecting the design, the
    /// shared object not loading, a port missing, `$stop`/`$error` during evaluation.
    Verilator(verilator::Error),
    /// The generator rejected the network (or its target).
    Generate(String),
    /// The golden model rejected a request (for example a weight out of range).
    Golden(golden::Error),
    /// A text substitution of [`super::RunOptions::patches`] found nothing to replace.
    Patch(String),
    /// An RTL folder ([`super::RunOptions::rtl`]) is incomplete or is not the network's.
    Rtl(String),
    /// The array did not answer within the harness's cycle limit.
    Timeout {
        /// What was waited for.
        what: String,
        /// Cycles waited.
        cycles: u64,
    },
    /// The array broke the stream or bus protocol.
    Protocol(String),
    /// The RTL differs from the golden model.
    Mismatch(Box<Mismatch>),
    /// Where in the run an error happened (tick, host command), around the error itself.
    At {
        /// The place (`tick 12`, `clear after tick 40`).
        place: String,
        /// The error.
        source: Box<Error>,
    },
}

impl Error {
    /// `self`, said to have happened at `place`.
    pub fn at(self, place: impl Into<String>) -> Error {
        Error::At {
            place: place.into(),
            source: Box::new(self),
        }
    }

    /// The error without its [`Error::At`] places.
    pub fn root(&self) -> &Error {
        match self {
            Error::At { source, .. } => source.root(),
            e => e,
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, op: &'static str, source: std::io::Error) -> Error {
        Error::Io {
            path: path.into(),
            op,
            source,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io { path, op, source } => write!(f, "cannot {op} {}: {source}", path.display()),
            Error::Verilator(e) => write!(f, "{e}"),
            Error::Generate(e) => write!(f, "the generator rejected the network: {e}"),
            Error::Golden(e) => write!(f, "golden model: {e}"),
            Error::Patch(e) => write!(f, "patch: {e}"),
            Error::Rtl(e) => write!(f, "{e}"),
            Error::Timeout { what, cycles } => write!(f, "{what} within {cycles} cycles"),
            Error::Protocol(e) => write!(f, "protocol error: {e}"),
            Error::Mismatch(m) => write!(f, "{m}"),
            Error::At { place, source } => write!(f, "{place}: {source}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            Error::Verilator(e) => Some(e),
            Error::Golden(e) => Some(e),
            Error::At { source, .. } => Some(source.as_ref()),
            _ => None,
        }
    }
}

impl From<verilator::Error> for Error {
    fn from(e: verilator::Error) -> Self {
        Error::Verilator(e)
    }
}

impl From<golden::Error> for Error {
    fn from(e: golden::Error) -> Self {
        Error::Golden(e)
    }
}

impl From<Mismatch> for Error {
    fn from(m: Mismatch) -> Self {
        Error::Mismatch(Box::new(m))
    }
}

/// The message, for callers whose errors are text (the command line's `Result<_, String>`).
impl From<Error> for String {
    fn from(e: Error) -> Self {
        e.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    #[test]
    fn the_underlying_error_stays_reachable_through_places() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "gone");
        let e = Error::io("/x/y.v", "read", io).at("tick 3");
        assert_eq!(e.to_string(), "tick 3: cannot read /x/y.v: gone");
        assert!(matches!(e.root(), Error::Io { op: "read", .. }));
        let inner = e.source().expect("the place wraps the error");
        let io = inner.source().expect("the io error");
        let io = io.downcast_ref::<std::io::Error>().expect("an io::Error");
        assert_eq!(io.kind(), std::io::ErrorKind::NotFound);
        let s: String = Error::Protocol("late".into()).into();
        assert_eq!(s, "protocol error: late");
    }
}
