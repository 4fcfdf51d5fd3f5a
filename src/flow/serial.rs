//! A serial port as a [`Transport`] for the board protocol: plain file I/O on the tty, set up by
//! `stty` (raw, 8N1, no flow control, reads that return after 0.1 s without data).
//!
//! Key decision: no serial-port crate. The link needs one baud rate, raw mode and a read
//! timeout; `stty` sets all three, and `std::fs::File` does the rest.

use super::tool::{self, Tool};
use hdl::board::protocol::Transport;
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// An open serial port.
pub struct SerialPort {
    file: File,
    path: PathBuf,
    /// How long [`Transport::receive`] waits for a byte.
    pub timeout: Duration,
}

impl SerialPort {
    /// Configure `path` for `baud` and open it.
    pub fn open(path: &Path, baud: u64) -> Result<SerialPort, String> {
        if !path.exists() {
            return Err(format!("serial port {} does not exist", path.display()));
        }
        let p = path.display().to_string();
        let b = baud.to_string();
        tool::run_quiet(
            Tool::Stty,
            &[
                "-F", &p, &b, "raw", "-echo", "-echoe", "-echok", "-echoctl", "-echoke", "-ixon",
                "-ixoff", "-crtscts", "cs8", "-cstopb", "-parenb", "clocal", "min", "0", "time",
                "1",
            ],
        )?;
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
            .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
        let mut port = SerialPort {
            file,
            path: path.to_path_buf(),
            timeout: Duration::from_secs(2),
        };
        port.drain();
        Ok(port)
    }

    /// Discard whatever the board sent before we listened.
    fn drain(&mut self) {
        let mut buf = [0u8; 4096];
        while matches!(self.file.read(&mut buf), Ok(n) if n > 0) {}
    }
}

impl Transport for SerialPort {
    fn send(&mut self, bytes: &[u8]) -> Result<(), String> {
        self.file
            .write_all(bytes)
            .and_then(|_| self.file.flush())
            .map_err(|e| format!("{}: {e}", self.path.display()))
    }

    fn receive(&mut self) -> Result<Vec<u8>, String> {
        let start = Instant::now();
        let mut buf = vec![0u8; 4096];
        loop {
            let n = self
                .file
                .read(&mut buf)
                .map_err(|e| format!("{}: {e}", self.path.display()))?;
            if n > 0 {
                buf.truncate(n);
                return Ok(buf);
            }
            if start.elapsed() > self.timeout {
                return Err(format!(
                    "no reply from the board on {} within {:.1} s (bitstream loaded? same baud rate? \
                     the iCEBreaker's UART is the FTDI's second port)",
                    self.path.display(),
                    self.timeout.as_secs_f64()
                ));
            }
        }
    }
}
