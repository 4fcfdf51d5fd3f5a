//! Errors of the Verilator binding.
//!
//! Key decision: one boxed error type for the whole boundary, so that the `Result<(), Error>` of
//! the per-cycle calls (`set`, `eval`) stays one pointer wide, and every message names what the
//! user can act on: the port and its width, the tool and the setup command, or the first lines a
//! failing tool printed (never a wall of text).

use std::fmt;
use std::io;
use std::path::PathBuf;

use super::Direction;

/// The command that installs the simulation toolchain on a fresh Debian machine.
pub const SETUP_COMMAND: &str = "./scripts/setup.sh";

/// An error of the Verilator binding. [`Error::kind`] tells which.
pub struct Error(Box<ErrorKind>);

/// What went wrong.
#[derive(Debug)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A tool (`verilator` or `g++`) is not on `PATH`.
    ToolMissing {
        /// The program that was looked for.
        tool: String,
    },
    /// Verilator rejected the design.
    Verilator {
        /// The top module that was being built.
        top: String,
        /// The first messages Verilator printed.
        summary: String,
        /// Where its whole output was saved, if it could be.
        log: Option<PathBuf>,
    },
    /// The C++ compiler failed.
    Compiler {
        /// What was being compiled.
        what: String,
        /// The first errors it printed.
        summary: String,
        /// Where its whole output was saved, if it could be.
        log: Option<PathBuf>,
    },
    /// A file-system operation failed.
    Io {
        /// What was being done.
        context: String,
        /// The underlying error.
        source: io::Error,
    },
    /// The built shared object could not be loaded, or is not what this binding built.
    Load {
        /// The shared object.
        path: PathBuf,
        /// What the loader said.
        message: String,
    },
    /// Verilator generated something this binding does not understand or support.
    Unsupported {
        /// What and why.
        message: String,
    },
    /// No top-level port has this name.
    UnknownPort {
        /// The name asked for.
        name: String,
        /// The ports the model has, as `name[width] direction`.
        available: Vec<String>,
    },
    /// The port exists but cannot be used that way (e.g. writing an output).
    WrongDirection {
        /// The port.
        port: String,
        /// Its direction.
        direction: Direction,
        /// What was asked of it.
        wanted: &'static str,
    },
    /// A value has bits set above the port's width.
    ValueTooWide {
        /// The port.
        port: String,
        /// Its width in bits.
        width: u32,
        /// The rejected value.
        value: u64,
    },
    /// The top word of a word write has bits set above the port's width.
    WordsTooWide {
        /// The port.
        port: String,
        /// Its width in bits.
        width: u32,
        /// The rejected top word.
        top_word: u32,
    },
    /// A word slice does not have the port's number of 32-bit words.
    WordCount {
        /// The port.
        port: String,
        /// Its width in bits.
        width: u32,
        /// `ceil(width / 32)`.
        expected: usize,
        /// The slice length given.
        got: usize,
    },
    /// A port wider than 64 bits was opened as a 64-bit value.
    TooWideForU64 {
        /// The port.
        port: String,
        /// Its width in bits.
        width: u32,
    },
    /// Tracing was asked of a design built without `trace(true)`, or the VCD could not be opened.
    Trace {
        /// What went wrong.
        message: String,
    },
    /// The simulation stopped with an error: `$stop`, `$error`, `$fatal` or a Verilator runtime
    /// error. The model cannot be evaluated any more.
    Simulation {
        /// Verilator's message, with file and line.
        message: String,
    },
}

impl Error {
    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.0
    }

    pub(crate) fn io(context: impl Into<String>, source: io::Error) -> Self {
        ErrorKind::Io {
            context: context.into(),
            source,
        }
        .into()
    }

    pub(crate) fn unsupported(message: impl Into<String>) -> Self {
        ErrorKind::Unsupported {
            message: message.into(),
        }
        .into()
    }
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Self {
        Error(Box::new(kind))
    }
}

fn plural(n: u32) -> &'static str {
    if n == 1 { "" } else { "s" }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::ToolMissing { tool } => write!(
                f,
                "`{tool}` was not found on PATH; run `{SETUP_COMMAND}` to install the \
                 simulation toolchain (Verilator and g++)"
            ),
            ErrorKind::Verilator { top, summary, log } => {
                write!(f, "Verilator rejected top module `{top}`:\n{summary}")?;
                if let Some(log) = log {
                    write!(f, "\n(full output: {})", log.display())?;
                }
                Ok(())
            }
            ErrorKind::Compiler { what, summary, log } => {
                write!(f, "g++ failed to compile {what}:\n{summary}")?;
                if let Some(log) = log {
                    write!(f, "\n(full output: {})", log.display())?;
                }
                Ok(())
            }
            ErrorKind::Io { context, source } => write!(f, "{context}: {source}"),
            ErrorKind::Load { path, message } => {
                write!(f, "cannot load model {}: {message}", path.display())
            }
            ErrorKind::Unsupported { message } => write!(f, "{message}"),
            ErrorKind::UnknownPort { name, available } => write!(
                f,
                "no top-level port `{name}`; the ports are: {}",
                if available.is_empty() {
                    "(none)".to_string()
                } else {
                    available.join(", ")
                }
            ),
            ErrorKind::WrongDirection {
                port,
                direction,
                wanted,
            } => write!(f, "port `{port}` is an {direction}: it cannot be {wanted}"),
            ErrorKind::ValueTooWide { port, width, value } => write!(
                f,
                "value {value:#x} does not fit port `{port}` ({width} bit{})",
                plural(*width)
            ),
            ErrorKind::WordsTooWide {
                port,
                width,
                top_word,
            } => write!(
                f,
                "top word {top_word:#x} does not fit port `{port}` ({width} bits): bits above \
                 bit {} are set",
                width - 1
            ),
            ErrorKind::WordCount {
                port,
                width,
                expected,
                got,
            } => write!(
                f,
                "port `{port}` ({width} bit{}) takes {expected} 32-bit word{}, got {got}",
                plural(*width),
                if *expected == 1 { "" } else { "s" }
            ),
            ErrorKind::TooWideForU64 { port, width } => write!(
                f,
                "port `{port}` is {width} bits wide, more than a u64 holds: open it with \
                 `output_wide` and read it with `get_words`"
            ),
            ErrorKind::Trace { message } => write!(f, "{message}"),
            ErrorKind::Simulation { message } => write!(f, "simulation stopped: {message}"),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `{:?}` (as printed by `unwrap` and by `main` returning an error) shows the message.
        write!(f, "{self}")
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &*self.0 {
            ErrorKind::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// The first messages of Verilator's output: each `%Error`/`%Warning` line with its indented
/// context, at most `MAX_BLOCKS` of them, then a count of the rest.
pub(crate) fn summarize_verilator(stderr: &str) -> String {
    const MAX_BLOCKS: usize = 6;
    const MAX_CONTEXT: usize = 5;
    let mut blocks: Vec<Vec<&str>> = Vec::new();
    for line in stderr.lines() {
        if line.starts_with('%') {
            blocks.push(vec![line]);
        } else if let Some(block) = blocks.last_mut()
            && (line.starts_with(' ') || line.starts_with('\t'))
            && block.len() <= MAX_CONTEXT
        {
            block.push(line);
        }
    }
    if blocks.is_empty() {
        return tail(stderr, 15);
    }
    let total = blocks.len();
    // The closing "%Error: Exiting due to N error(s)" is worth keeping even past the limit.
    let closing = blocks
        .last()
        .filter(|b| b[0].contains("Exiting due to"))
        .map(|b| b[0]);
    let out: Vec<&str> = blocks.iter().take(MAX_BLOCKS).flatten().copied().collect();
    if total > MAX_BLOCKS {
        let skipped = total - MAX_BLOCKS - usize::from(closing.is_some());
        let note = format!("... {skipped} more message(s)");
        let mut s = out.join("\n");
        s.push('\n');
        s.push_str(&note);
        if let Some(c) = closing {
            s.push('\n');
            s.push_str(c);
        }
        return s;
    }
    out.join("\n")
}

/// The first errors of g++'s output (`error:` lines with two lines of context), or its tail when
/// it printed no such line.
pub(crate) fn summarize_gxx(stderr: &str) -> String {
    const MAX_ERRORS: usize = 5;
    let lines: Vec<&str> = stderr.lines().collect();
    let mut out: Vec<&str> = Vec::new();
    let mut errors = 0usize;
    for (i, line) in lines.iter().enumerate() {
        if line.contains("error:") || line.contains("undefined reference") {
            errors += 1;
            if errors <= MAX_ERRORS {
                out.push(line);
                out.extend(
                    lines[i + 1..]
                        .iter()
                        .take(2)
                        .take_while(|l| l.starts_with(' ')),
                );
            }
        }
    }
    if errors == 0 {
        return tail(stderr, 15);
    }
    let mut s = out.join("\n");
    if errors > MAX_ERRORS {
        s.push_str(&format!("\n... {} more error(s)", errors - MAX_ERRORS));
    }
    s
}

fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.len().saturating_sub(n);
    let mut s = String::new();
    if start > 0 {
        s.push_str("...\n");
    }
    s.push_str(&lines[start..].join("\n"));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verilator_summary_keeps_first_messages_and_their_context() {
        let stderr = "%Error: a.v:3:5: syntax error, unexpected IDENTIFIER\n    3 | foo bar;\n      | ^~~\nnoise\n%Error: Exiting due to 1 error(s)\n";
        let s = summarize_verilator(stderr);
        assert!(s.starts_with("%Error: a.v:3:5: syntax error"), "{s}");
        assert!(s.contains("    3 | foo bar;"), "{s}");
        assert!(!s.contains("noise"), "{s}");
        assert!(s.ends_with("Exiting due to 1 error(s)"), "{s}");
    }

    #[test]
    fn verilator_summary_is_bounded() {
        let stderr: String = (0..50)
            .map(|i| format!("%Warning-WIDTH: a.v:{i}:1: width\n   : context\n"))
            .chain(std::iter::once(
                "%Error: Exiting due to 50 warning(s)\n".to_string(),
            ))
            .collect();
        let s = summarize_verilator(&stderr);
        assert!(s.lines().count() < 20, "{s}");
        assert!(s.contains("... 44 more message(s)"), "{s}");
        assert!(s.ends_with("Exiting due to 50 warning(s)"), "{s}");
    }

    #[test]
    fn gxx_summary_keeps_error_lines() {
        let stderr = "In file included from x.cpp:1:\nx.h:2:3: error: 'foo' was not declared\n    2 | foo();\n      | ^~~\nx.h:9:1: note: something\n";
        let s = summarize_gxx(stderr);
        assert!(s.starts_with("x.h:2:3: error: 'foo'"), "{s}");
        assert!(s.contains("foo();"), "{s}");
        assert!(!s.contains("note"), "{s}");
    }
}
