//! The byte framing of the board's UART host link, and a host-side client that speaks it over
//! any byte [`Transport`] (a serial port in the CLI, a simulated UART in the tests).
//!
//! Key decisions:
//! - One table ([`COMMANDS`], [`REPLIES`]) gives every frame's code and payload length; the
//!   hardware parser ([`super::link`]) and the host encoder and decoder here are both built from
//!   it, so the two sides cannot disagree. Multi-byte fields are little-endian.
//! - Flow control is by credit: the board buffers [`super::BoardOptions::fifo_depth`] received
//!   bytes; the client never has more than that in flight. Between the bytes of a long tick it
//!   sends a `SYNC` and waits for its echo, which proves the board consumed everything before it.
//! - The client is pure protocol: no I/O of its own, no timing. A transport that delivers
//!   nothing within its own timeout makes the call fail with the transport's message.
//!
//! The framing is documented for users in `docs/board.md`.

use std::collections::VecDeque;
use std::fmt;

/// Host-to-board command codes.
pub mod cmd {
    /// No operation (padding; ignored).
    pub const NOP: u8 = 0x00;
    /// Input event: 2-byte presynaptic address.
    pub const EVENT: u8 = 0x01;
    /// End of tick: the board answers with the tick's spikes, then [`super::reply::END_TICK`].
    pub const END_TICK: u8 = 0x02;
    /// Host-port read: 4-byte word address; answered by [`super::reply::READ`].
    pub const READ: u8 = 0x03;
    /// Host-port write: 4-byte word address, 4-byte data; answered by [`super::reply::WRITE`].
    pub const WRITE: u8 = 0x04;
    /// Synchronise: 1-byte tag, echoed by [`super::reply::SYNC`] once every earlier byte is
    /// consumed.
    pub const SYNC: u8 = 0x05;
    /// Teacher beat of the current tick (boards with teach hardware): 2-byte neuron of the
    /// teacher layer; after the tick's [`END_TICK`].
    pub const TEACH: u8 = 0x06;
    /// End of the teacher's list of the current tick (boards with teach hardware): the tick
    /// can end.
    pub const TEACH_END: u8 = 0x07;
}

/// Board-to-host reply codes.
pub mod reply {
    /// Output spike: 2-byte neuron index.
    pub const SPIKE: u8 = 0x81;
    /// End of the tick's output.
    pub const END_TICK: u8 = 0x82;
    /// Read data: 4 bytes.
    pub const READ: u8 = 0x83;
    /// Write done.
    pub const WRITE: u8 = 0x84;
    /// Sync echo: the 1-byte tag.
    pub const SYNC: u8 = 0x85;
    /// Output spike tagged with its layer (a network of layers with `[network] output =
    /// "all"`, in place of [`SPIKE`]): 1-byte layer, 2-byte neuron index in that layer.
    pub const LAYER_SPIKE: u8 = 0x86;
    /// Error: 1-byte code (see [`super::error_code`]).
    pub const ERROR: u8 = 0x8E;
}

/// Codes of [`reply::ERROR`] frames.
pub mod error_code {
    /// A host read or write arrived between a tick's first event and its end (ignored: the
    /// host port is available between ticks only).
    pub const ACCESS_IN_TICK: u8 = 1;
    /// An unknown command byte (skipped).
    pub const UNKNOWN_COMMAND: u8 = 2;
    /// A frame stayed incomplete longer than the frame timeout (discarded).
    pub const TIMEOUT: u8 = 3;
    /// A byte arrived while the receive buffer was full (lost).
    pub const OVERRUN: u8 = 4;
    /// A byte had no stop bit (lost).
    pub const FRAMING: u8 = 5;
    /// A host address wider than the array's Wishbone address (ignored).
    pub const BAD_ADDRESS: u8 = 6;
    /// A frame out of the teacher's order (boards with teach hardware; ignored): `TEACH` or
    /// `TEACH_END` before the tick's `END_TICK`, or `EVENT` or `END_TICK` after it and before
    /// its `TEACH_END`.
    pub const TEACH_ORDER: u8 = 7;
}

/// `(code, payload bytes, name)` of every command.
pub const COMMANDS: [(u8, usize, &str); 8] = [
    (cmd::NOP, 0, "NOP"),
    (cmd::EVENT, 2, "EVENT"),
    (cmd::END_TICK, 0, "END_TICK"),
    (cmd::READ, 4, "READ"),
    (cmd::WRITE, 8, "WRITE"),
    (cmd::SYNC, 1, "SYNC"),
    (cmd::TEACH, 2, "TEACH"),
    (cmd::TEACH_END, 0, "TEACH_END"),
];

/// Whether command `code` exists only on boards with teach hardware.
pub fn teach_only(code: u8) -> bool {
    matches!(code, cmd::TEACH | cmd::TEACH_END)
}

/// The commands a board's link knows: all of [`COMMANDS`] with teach hardware, else all but
/// the teacher's (which it then skips as unknown, error 2).
pub fn commands(teach: bool) -> impl Iterator<Item = (u8, usize, &'static str)> {
    COMMANDS
        .into_iter()
        .filter(move |c| teach || !teach_only(c.0))
}

/// `(code, payload bytes, name)` of every reply.
pub const REPLIES: [(u8, usize, &str); 7] = [
    (reply::SPIKE, 2, "SPIKE"),
    (reply::LAYER_SPIKE, 3, "LAYER_SPIKE"),
    (reply::END_TICK, 0, "END_TICK"),
    (reply::READ, 4, "READ"),
    (reply::WRITE, 0, "WRITE"),
    (reply::SYNC, 1, "SYNC"),
    (reply::ERROR, 1, "ERROR"),
];

/// The longest frame in either direction, in bytes.
pub const MAX_FRAME: usize = 9;

/// Payload length of a command code, `None` when unknown.
pub fn command_payload(code: u8) -> Option<usize> {
    COMMANDS.iter().find(|c| c.0 == code).map(|c| c.1)
}

/// Payload length of a reply code, `None` when unknown.
pub fn reply_payload(code: u8) -> Option<usize> {
    REPLIES.iter().find(|c| c.0 == code).map(|c| c.1)
}

/// Human-readable meaning of an error code.
pub fn error_text(code: u8) -> &'static str {
    match code {
        error_code::ACCESS_IN_TICK => "host access inside a tick (ignored)",
        error_code::UNKNOWN_COMMAND => "unknown command byte (skipped)",
        error_code::TIMEOUT => "incomplete frame timed out (discarded)",
        error_code::OVERRUN => "receive buffer overrun (byte lost)",
        error_code::FRAMING => "UART framing error (byte lost)",
        error_code::BAD_ADDRESS => "host address out of range (ignored)",
        error_code::TEACH_ORDER => {
            "frame out of the teacher's order (ignored): per tick EVENT..., END_TICK, TEACH..., \
             TEACH_END"
        }
        _ => "unknown error code",
    }
}

/// A host-to-board frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// Padding.
    Nop,
    /// Input event.
    Event(u16),
    /// End of tick.
    EndTick,
    /// Host-port read of a word address.
    Read(u32),
    /// Host-port write.
    Write(u32, u32),
    /// Synchronise with a tag.
    Sync(u8),
    /// Teacher beat (a neuron of the teacher layer).
    Teach(u16),
    /// End of the teacher's list.
    TeachEnd,
}

impl Command {
    /// Append the frame's bytes to `out`.
    pub fn encode(&self, out: &mut Vec<u8>) {
        match *self {
            Command::Nop => out.push(cmd::NOP),
            Command::Event(a) => {
                out.push(cmd::EVENT);
                out.extend_from_slice(&a.to_le_bytes());
            }
            Command::EndTick => out.push(cmd::END_TICK),
            Command::Read(a) => {
                out.push(cmd::READ);
                out.extend_from_slice(&a.to_le_bytes());
            }
            Command::Write(a, d) => {
                out.push(cmd::WRITE);
                out.extend_from_slice(&a.to_le_bytes());
                out.extend_from_slice(&d.to_le_bytes());
            }
            Command::Sync(t) => {
                out.push(cmd::SYNC);
                out.push(t);
            }
            Command::Teach(a) => {
                out.push(cmd::TEACH);
                out.extend_from_slice(&a.to_le_bytes());
            }
            Command::TeachEnd => out.push(cmd::TEACH_END),
        }
    }
}

/// A board-to-host frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reply {
    /// Output spike of a neuron.
    Spike(u16),
    /// Output spike of a neuron of a layer: (layer, neuron).
    LayerSpike(u8, u16),
    /// End of the tick's output.
    EndTick,
    /// Read data.
    ReadData(u32),
    /// Write done.
    WriteDone,
    /// Sync echo.
    Sync(u8),
    /// Error report.
    Error(u8),
}

impl Reply {
    /// Append the frame's bytes to `out` (what the board sends; used by tests and models).
    pub fn encode(&self, out: &mut Vec<u8>) {
        match *self {
            Reply::Spike(n) => {
                out.push(reply::SPIKE);
                out.extend_from_slice(&n.to_le_bytes());
            }
            Reply::LayerSpike(l, n) => {
                out.push(reply::LAYER_SPIKE);
                out.push(l);
                out.extend_from_slice(&n.to_le_bytes());
            }
            Reply::EndTick => out.push(reply::END_TICK),
            Reply::ReadData(d) => {
                out.push(reply::READ);
                out.extend_from_slice(&d.to_le_bytes());
            }
            Reply::WriteDone => out.push(reply::WRITE),
            Reply::Sync(t) => {
                out.push(reply::SYNC);
                out.push(t);
            }
            Reply::Error(c) => {
                out.push(reply::ERROR);
                out.push(c);
            }
        }
    }
}

impl fmt::Display for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reply::Spike(n) => write!(f, "SPIKE {n}"),
            Reply::LayerSpike(l, n) => write!(f, "LAYER_SPIKE layer {l} neuron {n}"),
            Reply::EndTick => write!(f, "END_TICK"),
            Reply::ReadData(d) => write!(f, "READ 0x{d:08x}"),
            Reply::WriteDone => write!(f, "WRITE done"),
            Reply::Sync(t) => write!(f, "SYNC {t}"),
            Reply::Error(c) => write!(f, "ERROR {c}: {}", error_text(*c)),
        }
    }
}

/// Reassembles replies from received bytes.
#[derive(Debug, Default, Clone)]
pub struct Decoder {
    buf: VecDeque<u8>,
}

impl Decoder {
    /// An empty decoder.
    pub fn new() -> Decoder {
        Decoder::default()
    }

    /// Add received bytes.
    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend(bytes);
    }

    /// The next complete reply, `None` when more bytes are needed; an unknown code is an error
    /// (the byte is dropped so decoding can go on).
    pub fn next_reply(&mut self) -> Option<Result<Reply, String>> {
        let &code = self.buf.front()?;
        let Some(n) = reply_payload(code) else {
            self.buf.pop_front();
            return Some(Err(format!(
                "unknown reply byte 0x{code:02x} from the board"
            )));
        };
        if self.buf.len() < 1 + n {
            return None;
        }
        self.buf.pop_front();
        let p: Vec<u8> = self.buf.drain(..n).collect();
        let u16le = |p: &[u8]| u16::from_le_bytes([p[0], p[1]]);
        let u32le = |p: &[u8]| u32::from_le_bytes([p[0], p[1], p[2], p[3]]);
        Some(Ok(match code {
            reply::SPIKE => Reply::Spike(u16le(&p)),
            reply::LAYER_SPIKE => Reply::LayerSpike(p[0], u16le(&p[1..])),
            reply::END_TICK => Reply::EndTick,
            reply::READ => Reply::ReadData(u32le(&p)),
            reply::WRITE => Reply::WriteDone,
            reply::SYNC => Reply::Sync(p[0]),
            _ => Reply::Error(p[0]),
        }))
    }
}

/// The spikes of a tick from a board without layer tags (`SPIKE` frames only).
fn untagged(spikes: Vec<(Option<u8>, u32)>) -> Result<Vec<u32>, String> {
    spikes
        .into_iter()
        .map(|(l, n)| match l {
            None => Ok(n),
            Some(l) => Err(format!(
                "the board sent a spike tagged with layer {l} (LAYER_SPIKE): its network has \
                 [network] output = \"all\"; read its ticks with the layers (tick_layers)"
            )),
        })
        .collect()
}

/// The spikes of a tick from a board with layer tags (`LAYER_SPIKE` frames only).
fn tagged(spikes: Vec<(Option<u8>, u32)>) -> Result<Vec<(u8, u32)>, String> {
    spikes
        .into_iter()
        .map(|(l, n)| {
            l.map(|l| (l, n)).ok_or_else(|| {
                format!(
                    "the board sent spike {n} without a layer tag (SPIKE): its network's spike \
                     frames carry the last layer's only ([network] output = \"last\")"
                )
            })
        })
        .collect()
}

/// A byte link to the board.
pub trait Transport {
    /// Send bytes (they may still be in flight when this returns).
    fn send(&mut self, bytes: &[u8]) -> Result<(), String>;
    /// Wait for received bytes: at least one, or an error when none came within the transport's
    /// timeout.
    fn receive(&mut self) -> Result<Vec<u8>, String>;
}

/// Host side of the link: ticks, host-port reads and writes, over a [`Transport`].
pub struct Client<T: Transport> {
    link: T,
    dec: Decoder,
    window: usize,
    tag: u8,
    /// Error frames the board sent, in order (they do not fail a call by themselves unless the
    /// call was waiting for the reply they replaced).
    pub errors: Vec<u8>,
}

impl<T: Transport> Client<T> {
    /// A client for a board with a receive buffer of `fifo_depth` bytes.
    pub fn new(link: T, fifo_depth: usize) -> Client<T> {
        Client {
            link,
            dec: Decoder::new(),
            window: fifo_depth.saturating_sub(MAX_FRAME).max(MAX_FRAME),
            tag: 0,
            errors: Vec::new(),
        }
    }

    /// The transport.
    pub fn link(&mut self) -> &mut T {
        &mut self.link
    }

    /// Give the transport back.
    pub fn into_inner(self) -> T {
        self.link
    }

    fn send(&mut self, cmds: &[Command]) -> Result<(), String> {
        let mut bytes = Vec::new();
        for c in cmds {
            c.encode(&mut bytes);
        }
        self.link.send(&bytes)
    }

    /// The next reply that is not an error frame; error frames are recorded. An error frame
    /// arriving while `fail_on_error` makes the call fail.
    fn next(&mut self, fail_on_error: bool) -> Result<Reply, String> {
        loop {
            match self.dec.next_reply() {
                Some(Ok(Reply::Error(c))) => {
                    self.errors.push(c);
                    if fail_on_error {
                        return Err(format!("the board reported error {c}: {}", error_text(c)));
                    }
                }
                Some(Ok(r)) => return Ok(r),
                Some(Err(e)) => return Err(e),
                None => {
                    let bytes = self.link.receive()?;
                    self.dec.push(&bytes);
                }
            }
        }
    }

    fn unexpected(r: Reply, waiting: &str) -> String {
        format!("protocol error: got {r} while waiting for {waiting}")
    }

    /// Send a `SYNC` and wait for its echo: afterwards the board has consumed every byte sent.
    pub fn sync(&mut self) -> Result<(), String> {
        self.tag = self.tag.wrapping_add(1);
        let tag = self.tag;
        self.send(&[Command::Sync(tag)])?;
        loop {
            match self.next(true)? {
                Reply::Sync(t) if t == tag => return Ok(()),
                Reply::Sync(_) => {} // an older echo
                r => return Err(Self::unexpected(r, "a SYNC echo")),
            }
        }
    }

    /// Run one tick: send its events (addresses must fit 16 bits) and the end-of-tick, and return
    /// the spiking neurons in the order the board sent them.
    pub fn tick(&mut self, events: &[u32]) -> Result<Vec<u32>, String> {
        self.beats(events, "event address", Command::Event)?;
        self.send(&[Command::EndTick])?;
        untagged(self.spikes()?)
    }

    /// [`Client::tick`] on a board whose spike frames carry the layer (a network of layers with
    /// `[network] output = "all"`, `LAYER_SPIKE` frames): every layer's spikes of the tick as
    /// (layer, neuron), in the order the board sent them.
    pub fn tick_layers(&mut self, events: &[u32]) -> Result<Vec<(u8, u32)>, String> {
        self.beats(events, "event address", Command::Event)?;
        self.send(&[Command::EndTick])?;
        tagged(self.spikes()?)
    }

    /// [`Client::tick`] on a board with teach hardware: the events, the end-of-tick, then the
    /// teacher's list of the tick (neurons of the teacher layer; must fit 16 bits; neurons past
    /// the layer are dropped and counted by the board) and its end, which every tick of such a
    /// board needs, also with an empty list.
    pub fn tick_taught(&mut self, events: &[u32], teach: &[u32]) -> Result<Vec<u32>, String> {
        self.send_taught(events, teach)?;
        untagged(self.spikes()?)
    }

    /// [`Client::tick_taught`] on a board whose spike frames carry the layer
    /// ([`Client::tick_layers`]).
    pub fn tick_taught_layers(
        &mut self,
        events: &[u32],
        teach: &[u32],
    ) -> Result<Vec<(u8, u32)>, String> {
        self.send_taught(events, teach)?;
        tagged(self.spikes()?)
    }

    /// The frames of a taught tick: events, end of tick, the teacher's list and its end.
    fn send_taught(&mut self, events: &[u32], teach: &[u32]) -> Result<(), String> {
        // checked before anything is sent, so a bad teacher leaves no tick half sent
        if let Some(a) = teach.iter().find(|&&a| a > u16::MAX as u32) {
            return Err(format!(
                "teacher neuron {a} does not fit the link's 16-bit teacher frame"
            ));
        }
        self.beats(events, "event address", Command::Event)?;
        self.send(&[Command::EndTick])?;
        if !events.is_empty() && !teach.is_empty() {
            // the events' last chunk and the teacher's first must not fill the buffer together
            self.sync()?;
        }
        self.beats(teach, "teacher neuron", Command::Teach)?;
        self.send(&[Command::TeachEnd])
    }

    /// Send 16-bit beats in chunks that fit the board's buffer, with a SYNC between chunks.
    fn beats(&mut self, list: &[u32], what: &str, frame: fn(u16) -> Command) -> Result<(), String> {
        let per_chunk = (self.window - 2) / 3;
        let mut cmds = Vec::with_capacity(per_chunk + 1);
        let chunks: Vec<&[u32]> = list.chunks(per_chunk.max(1)).collect();
        for (k, chunk) in chunks.iter().enumerate() {
            cmds.clear();
            for &a in *chunk {
                let a = u16::try_from(a)
                    .map_err(|_| format!("{what} {a} does not fit the link's 16-bit frame"))?;
                cmds.push(frame(a));
            }
            self.send(&cmds)?;
            if k + 1 < chunks.len() {
                self.sync()?;
            }
        }
        Ok(())
    }

    /// The spikes of the tick, until its end-of-tick reply: (layer of a `LAYER_SPIKE`, neuron).
    fn spikes(&mut self) -> Result<Vec<(Option<u8>, u32)>, String> {
        let mut spikes = Vec::new();
        loop {
            match self.next(true)? {
                Reply::Spike(n) => spikes.push((None, n as u32)),
                Reply::LayerSpike(l, n) => spikes.push((Some(l), n as u32)),
                Reply::EndTick => return Ok(spikes),
                Reply::Sync(_) => {}
                r => return Err(Self::unexpected(r, "the tick's spikes")),
            }
        }
    }

    /// Host-port read of a word address (between ticks).
    pub fn read(&mut self, addr: u32) -> Result<u32, String> {
        self.send(&[Command::Read(addr)])?;
        match self.next(true)? {
            Reply::ReadData(d) => Ok(d),
            r => Err(Self::unexpected(r, "read data")),
        }
    }

    /// Host-port write (between ticks).
    pub fn write(&mut self, addr: u32, data: u32) -> Result<(), String> {
        self.send(&[Command::Write(addr, data)])?;
        match self.next(true)? {
            Reply::WriteDone => Ok(()),
            r => Err(Self::unexpected(r, "a write acknowledgement")),
        }
    }

    /// Host-port writes, pipelined: as many frames in flight as the board's buffer holds.
    pub fn write_many(&mut self, words: &[(u32, u32)]) -> Result<(), String> {
        let per = (self.window / MAX_FRAME).max(1);
        for chunk in words.chunks(per) {
            let cmds: Vec<Command> = chunk.iter().map(|&(a, d)| Command::Write(a, d)).collect();
            self.send(&cmds)?;
            for _ in chunk {
                match self.next(true)? {
                    Reply::WriteDone => {}
                    r => return Err(Self::unexpected(r, "a write acknowledgement")),
                }
            }
        }
        Ok(())
    }

    /// Host-port reads, pipelined like [`Client::write_many`].
    pub fn read_many(&mut self, addrs: &[u32]) -> Result<Vec<u32>, String> {
        let per = (self.window / MAX_FRAME).max(1);
        let mut out = Vec::with_capacity(addrs.len());
        for chunk in addrs.chunks(per) {
            let cmds: Vec<Command> = chunk.iter().map(|&a| Command::Read(a)).collect();
            self.send(&cmds)?;
            for _ in chunk {
                match self.next(true)? {
                    Reply::ReadData(d) => out.push(d),
                    r => return Err(Self::unexpected(r, "read data")),
                }
            }
        }
        Ok(out)
    }

    /// Send raw bytes and collect every reply until one satisfies `done` (for tests of error
    /// handling); error frames are returned like any other reply.
    pub fn raw(
        &mut self,
        bytes: &[u8],
        mut done: impl FnMut(&Reply) -> bool,
    ) -> Result<Vec<Reply>, String> {
        self.link.send(bytes)?;
        let mut out = Vec::new();
        loop {
            let r = loop {
                match self.dec.next_reply() {
                    Some(r) => break r?,
                    None => {
                        let b = self.link.receive()?;
                        self.dec.push(&b);
                    }
                }
            };
            let stop = done(&r);
            out.push(r);
            if stop {
                return Ok(out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A board stand-in answering from a script: each `send` is recorded, and `receive` hands out
    /// canned reply bytes.
    struct Script {
        sent: Vec<u8>,
        replies: VecDeque<Vec<u8>>,
    }

    impl Transport for Script {
        fn send(&mut self, bytes: &[u8]) -> Result<(), String> {
            self.sent.extend_from_slice(bytes);
            Ok(())
        }
        fn receive(&mut self) -> Result<Vec<u8>, String> {
            self.replies
                .pop_front()
                .ok_or_else(|| "timeout: no reply".to_string())
        }
    }

    fn frames(rs: &[Reply]) -> Vec<u8> {
        let mut v = Vec::new();
        for r in rs {
            r.encode(&mut v);
        }
        v
    }

    #[test]
    fn commands_encode_little_endian_with_table_lengths() {
        let all = [
            Command::Nop,
            Command::Event(0x1234),
            Command::EndTick,
            Command::Read(0x0102_0304),
            Command::Write(0x0A0B_0C0D, 0xDEAD_BEEF),
            Command::Sync(7),
            Command::Teach(0x0102),
            Command::TeachEnd,
        ];
        for c in all {
            let mut v = Vec::new();
            c.encode(&mut v);
            assert_eq!(command_payload(v[0]), Some(v.len() - 1), "{c:?}");
            assert!(v.len() <= MAX_FRAME);
        }
        let mut v = Vec::new();
        Command::Write(0x0A0B_0C0D, 0xDEAD_BEEF).encode(&mut v);
        assert_eq!(v, [4, 0x0D, 0x0C, 0x0B, 0x0A, 0xEF, 0xBE, 0xAD, 0xDE]);
    }

    #[test]
    fn decoder_reassembles_split_frames() {
        let bytes = frames(&[
            Reply::Spike(300),
            Reply::ReadData(0xCAFE_F00D),
            Reply::EndTick,
        ]);
        let mut d = Decoder::new();
        let mut got = Vec::new();
        for b in bytes {
            d.push(&[b]);
            while let Some(r) = d.next_reply() {
                got.push(r.unwrap());
            }
        }
        assert_eq!(
            got,
            [
                Reply::Spike(300),
                Reply::ReadData(0xCAFE_F00D),
                Reply::EndTick
            ]
        );
        d.push(&[0x42]);
        assert!(d.next_reply().unwrap().is_err());
    }

    #[test]
    fn tick_collects_spikes_and_syncs_long_ticks() {
        let events: Vec<u32> = (0..40).collect();
        let script = Script {
            sent: Vec::new(),
            replies: VecDeque::from([
                frames(&[Reply::Sync(1)]),
                frames(&[Reply::Spike(3), Reply::Spike(5)]),
                frames(&[Reply::EndTick]),
            ]),
        };
        // 64-byte buffer: window 55 bytes, 17 events per chunk -> 3 chunks, 2 syncs
        let mut c = Client::new(script, 64);
        let err = c.tick(&events).unwrap_err();
        assert!(err.contains("SYNC echo"), "{err}");
        let script = Script {
            sent: Vec::new(),
            replies: VecDeque::from([
                frames(&[Reply::Sync(1)]),
                frames(&[Reply::Sync(2)]),
                frames(&[Reply::Spike(3), Reply::Spike(5)]),
                frames(&[Reply::EndTick]),
            ]),
        };
        let mut c = Client::new(script, 64);
        assert_eq!(c.tick(&events).unwrap(), [3, 5]);
        let sent = &c.link().sent;
        assert_eq!(sent.len(), 40 * 3 + 2 * 2 + 1);
        assert_eq!(sent[17 * 3], cmd::SYNC);
        assert_eq!(*sent.last().unwrap(), cmd::END_TICK);
    }

    #[test]
    fn layer_spikes_decode_and_are_kept_apart_from_untagged_spikes() {
        let mut v = Vec::new();
        Reply::LayerSpike(2, 0x0304).encode(&mut v);
        assert_eq!(v, [reply::LAYER_SPIKE, 2, 0x04, 0x03]);
        assert_eq!(reply_payload(v[0]), Some(v.len() - 1));
        let tick = frames(&[
            Reply::LayerSpike(0, 5),
            Reply::LayerSpike(1, 300),
            Reply::LayerSpike(0, 7),
            Reply::EndTick,
        ]);
        let script = |bytes: &[u8]| Script {
            sent: Vec::new(),
            replies: VecDeque::from([bytes.to_vec()]),
        };
        let mut c = Client::new(script(&tick), 512);
        assert_eq!(c.tick_layers(&[1]).unwrap(), [(0, 5), (1, 300), (0, 7)]);
        // a tagged tick read as untagged, and the reverse, are refused
        let mut c = Client::new(script(&tick), 512);
        assert!(c.tick(&[1]).unwrap_err().contains("layer 0"));
        let plain = frames(&[Reply::Spike(4), Reply::EndTick]);
        let mut c = Client::new(script(&plain), 512);
        assert!(
            c.tick_layers(&[1])
                .unwrap_err()
                .contains("without a layer tag")
        );
    }

    #[test]
    fn error_frames_fail_the_waiting_call_and_are_recorded() {
        let script = Script {
            sent: Vec::new(),
            replies: VecDeque::from([frames(&[Reply::Error(error_code::ACCESS_IN_TICK)])]),
        };
        let mut c = Client::new(script, 512);
        let e = c.read(0).unwrap_err();
        assert!(e.contains("inside a tick"), "{e}");
        assert_eq!(c.errors, [error_code::ACCESS_IN_TICK]);
        assert!(c.tick(&[70000]).unwrap_err().contains("16-bit"));
    }
}
