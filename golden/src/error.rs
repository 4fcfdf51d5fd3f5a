//! The one error type of the golden crate.
//!
//! Every message names what was wrong (the config key, the file and place, the stimulus tick) and
//! what is allowed, so the CLI can print it as is: one line, no backtrace.

use std::fmt;
use std::path::PathBuf;

/// Errors of config, stimulus and weight-file handling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// A config value is invalid: `key` is the dotted TOML key (`neuron.threshold`).
    Config {
        /// Dotted key, e.g. `synapse.w_max`.
        key: String,
        /// What is wrong and what is allowed.
        message: String,
    },
    /// A file could not be read or written.
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's message.
        message: String,
    },
    /// A file was read but its content is malformed.
    Parse {
        /// The file (or `<string>`).
        path: PathBuf,
        /// Where and what, from the parser.
        message: String,
    },
    /// A stimulus is malformed.
    Stimulus {
        /// What is wrong, naming the tick and position.
        message: String,
    },
    /// A request to the model is out of range (host access with a bad index, etc.).
    Range {
        /// What is wrong.
        message: String,
    },
}

impl Error {
    /// A config error for `key`.
    pub fn config(key: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Config {
            key: key.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Config { key, message } => write!(f, "config: `{key}`: {message}"),
            Error::Io { path, message } => write!(f, "{}: {message}", path.display()),
            Error::Parse { path, message } => {
                write!(f, "{}: {}", path.display(), message.trim_end())
            }
            Error::Stimulus { message } => write!(f, "stimulus: {message}"),
            Error::Range { message } => write!(f, "{message}"),
        }
    }
}

impl std::error::Error for Error {}

/// Result with the golden crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

/// Read a whole text file, mapping failures (missing file, not UTF-8) to [`Error`].
pub fn read_text(path: &std::path::Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| Error::Io {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    String::from_utf8(bytes).map_err(|e| Error::Parse {
        path: path.to_path_buf(),
        message: format!(
            "not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        ),
    })
}
