//! A model instance and its typed port handles.
//!
//! Key decision: a handle is a raw pointer to the port's storage inside the Verilated model plus
//! the port's width, borrowed from the [`Model`] so it cannot outlive it. Writes check the value
//! against the width (an error, never a silent truncation or a panic) and store it in Verilator's
//! layout (`CData`/`SData`/`IData`/`QData` by width, little-endian 32-bit words above 64 bits);
//! reads are plain loads. The model is `!Send` and `!Sync`, so all of this happens on the thread
//! that created it, and `&self` methods are enough: no Rust reference ever points into C++ memory.

use std::cell::Cell;
use std::ffi::{CStr, CString, c_char, c_int, c_void};
use std::marker::PhantomData;
use std::path::Path;
use std::sync::Arc;

use super::Direction;
use super::build::Loaded;
use super::error::{Error, ErrorKind};

/// One top-level port of a design.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Port {
    name: String,
    cxx_name: String,
    direction: Direction,
    width: u32,
    msb: i32,
    lsb: i32,
}

impl Port {
    pub(crate) fn new(
        name: String,
        cxx_name: String,
        dir: u32,
        width: u32,
        msb: i32,
        lsb: i32,
    ) -> Self {
        let direction = match dir {
            0 => Direction::Input,
            1 => Direction::Output,
            _ => Direction::Inout,
        };
        Port {
            name,
            cxx_name,
            direction,
            width,
            msb,
            lsb,
        }
    }

    /// The Verilog name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The name of the member in Verilator's C++ class (differs from [`Port::name`] for C++
    /// keywords and escaped identifiers).
    pub fn cxx_name(&self) -> &str {
        &self.cxx_name
    }

    /// Input, output or inout.
    pub fn direction(&self) -> Direction {
        self.direction
    }

    /// Width in bits.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// The range `(msb, lsb)` as the model header declares it (Verilator writes `[0:7]` as
    /// `(7, 0)`); whatever the range, bit 0 of the values the handles exchange is the port's
    /// least significant bit.
    pub fn range(&self) -> (i32, i32) {
        (self.msb, self.lsb)
    }

    /// Number of 32-bit words of the port's value (`ceil(width / 32)`).
    pub fn words(&self) -> usize {
        self.width.div_ceil(32) as usize
    }

    fn describe(&self) -> String {
        format!("{}[{}] {}", self.name, self.width, self.direction)
    }
}

/// Initial values of variables that the design does not reset (Verilator's
/// `+verilator+rand+reset`); applied when a model is created.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InitialValues {
    /// All bits zero (the default).
    #[default]
    Zeros,
    /// All bits one.
    Ones,
    /// A pseudo-random pattern from `seed`. Seed 0 is replaced by 1 (Verilator reads 0 as "seed
    /// from the clock"), so every run is reproducible.
    Random {
        /// The seed.
        seed: u32,
    },
}

type NewFn = unsafe extern "C" fn(c_int, u32, *mut c_char, usize) -> *mut c_void;
type InstFn = unsafe extern "C" fn(*mut c_void);
type InstIntFn = unsafe extern "C" fn(*mut c_void) -> c_int;
type StepFn = unsafe extern "C" fn(*mut c_void, *mut u8, u64, u64) -> c_int;

/// The shim's entry points.
#[derive(Clone, Copy)]
pub(crate) struct Api {
    pub abi: unsafe extern "C" fn() -> u32,
    pub has_trace: unsafe extern "C" fn() -> u32,
    pub port_count: unsafe extern "C" fn() -> u32,
    pub port_name: unsafe extern "C" fn(u32) -> *const c_char,
    pub port_cxx_name: unsafe extern "C" fn(u32) -> *const c_char,
    pub port_width: unsafe extern "C" fn(u32) -> u32,
    pub port_dir: unsafe extern "C" fn(u32) -> u32,
    pub port_msb: unsafe extern "C" fn(u32) -> i32,
    pub port_lsb: unsafe extern "C" fn(u32) -> i32,
    new: NewFn,
    delete: InstFn,
    port: unsafe extern "C" fn(*mut c_void, u32) -> *mut c_void,
    eval: InstIntFn,
    step: StepFn,
    final_: InstIntFn,
    set_time: unsafe extern "C" fn(*mut c_void, u64),
    error: unsafe extern "C" fn(*mut c_void) -> *const c_char,
    trace_open: unsafe extern "C" fn(*mut c_void, *const c_char) -> c_int,
    trace_dump: unsafe extern "C" fn(*mut c_void, u64),
    trace_flush: InstFn,
    trace_close: InstFn,
}

impl Api {
    pub(crate) fn load(lib: &libloading::Library) -> Result<Api, String> {
        macro_rules! sym {
            ($name:literal) => {
                // SAFETY: the symbol's type is the one the shim declares (same ABI version).
                *unsafe { lib.get(concat!($name, "\0").as_bytes()) }
                    .map_err(|e| format!("missing shim symbol `{}`: {e}", $name))?
            };
        }
        Ok(Api {
            abi: sym!("ng_abi"),
            has_trace: sym!("ng_has_trace"),
            port_count: sym!("ng_port_count"),
            port_name: sym!("ng_port_name"),
            port_cxx_name: sym!("ng_port_cxx_name"),
            port_width: sym!("ng_port_width"),
            port_dir: sym!("ng_port_dir"),
            port_msb: sym!("ng_port_msb"),
            port_lsb: sym!("ng_port_lsb"),
            new: sym!("ng_new"),
            delete: sym!("ng_delete"),
            port: sym!("ng_port"),
            eval: sym!("ng_eval"),
            step: sym!("ng_step"),
            final_: sym!("ng_final"),
            set_time: sym!("ng_set_time"),
            error: sym!("ng_error"),
            trace_open: sym!("ng_trace_open"),
            trace_dump: sym!("ng_trace_dump"),
            trace_flush: sym!("ng_trace_flush"),
            trace_close: sym!("ng_trace_close"),
        })
    }
}

/// One instance of a Verilated design. Not `Send`: create it and evaluate it on one thread.
pub struct Model {
    inst: *mut c_void,
    eval_fn: InstIntFn,
    step_fn: StepFn,
    loaded: Arc<Loaded>,
    ptrs: Vec<*mut u8>,
    tracing: Cell<bool>,
    finished: Cell<bool>,
    final_done: Cell<bool>,
    failed: Cell<bool>,
    // Raw pointers already make the type !Send and !Sync; this says so on purpose.
    _not_send: PhantomData<*mut ()>,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Model")
            .field("top", &self.loaded.top)
            .field("finished", &self.finished.get())
            .finish_non_exhaustive()
    }
}

impl Model {
    pub(crate) fn new(loaded: Arc<Loaded>, init: InitialValues) -> Result<Model, Error> {
        let (mode, seed) = match init {
            InitialValues::Zeros => (0, 0),
            InitialValues::Ones => (1, 0),
            InitialValues::Random { seed } => (2, seed.max(1)),
        };
        let mut err = [0 as c_char; 1024];
        // SAFETY: `err` is writable for its length; the shim NUL-terminates what it writes.
        let inst = unsafe { (loaded.api.new)(mode, seed, err.as_mut_ptr(), err.len()) };
        if inst.is_null() {
            // SAFETY: see above.
            let message = unsafe { CStr::from_ptr(err.as_ptr()) }
                .to_string_lossy()
                .into_owned();
            return Err(ErrorKind::Simulation { message }.into());
        }
        let ptrs = (0..loaded.ports.len() as u32)
            // SAFETY: `inst` is live and the index is in the port table.
            .map(|i| unsafe { (loaded.api.port)(inst, i) }.cast::<u8>())
            .collect();
        Ok(Model {
            inst,
            eval_fn: loaded.api.eval,
            step_fn: loaded.api.step,
            loaded,
            ptrs,
            tracing: Cell::new(false),
            finished: Cell::new(false),
            final_done: Cell::new(false),
            failed: Cell::new(false),
            _not_send: PhantomData,
        })
    }

    /// The top-level ports.
    pub fn ports(&self) -> &[Port] {
        &self.loaded.ports
    }

    fn find(&self, name: &str) -> Result<(usize, &Port), Error> {
        match self.loaded.index.get(name) {
            Some(&i) => Ok((i, &self.loaded.ports[i])),
            None => Err(ErrorKind::UnknownPort {
                name: name.to_string(),
                available: self.loaded.ports.iter().map(Port::describe).collect(),
            }
            .into()),
        }
    }

    /// A write handle on input (or inout) port `name`, of any width.
    pub fn input(&self, name: &str) -> Result<In<'_>, Error> {
        let (i, port) = self.find(name)?;
        if port.direction == Direction::Output {
            return Err(ErrorKind::WrongDirection {
                port: port.name.clone(),
                direction: port.direction,
                wanted: "written",
            }
            .into());
        }
        let mask = if port.width >= 64 {
            u64::MAX
        } else {
            (1u64 << port.width) - 1
        };
        Ok(In {
            ptr: self.ptrs[i],
            mask,
            width: port.width,
            port,
        })
    }

    /// A read handle on output (or inout) port `name` of at most 64 bits.
    pub fn output(&self, name: &str) -> Result<Out<'_>, Error> {
        let (i, port) = self.readable(name)?;
        if port.width > 64 {
            return Err(ErrorKind::TooWideForU64 {
                port: port.name.clone(),
                width: port.width,
            }
            .into());
        }
        Ok(Out {
            ptr: self.ptrs[i],
            width: port.width,
            port,
        })
    }

    /// A read handle on output (or inout) port `name` of any width, read as 32-bit words.
    pub fn output_wide(&self, name: &str) -> Result<WideOut<'_>, Error> {
        let (i, port) = self.readable(name)?;
        Ok(WideOut {
            ptr: self.ptrs[i],
            port,
        })
    }

    fn readable(&self, name: &str) -> Result<(usize, &Port), Error> {
        let (i, port) = self.find(name)?;
        if port.direction == Direction::Input {
            return Err(ErrorKind::WrongDirection {
                port: port.name.clone(),
                direction: port.direction,
                wanted: "read as an output",
            }
            .into());
        }
        Ok((i, port))
    }

    /// A [`Clock`] driving the 1-bit input `name`. It sets the port to 0 and evaluates, so that
    /// the first [`Clock::step`] is a rising edge (Verilator takes the level seen at the first
    /// evaluation as the starting level, not as an edge).
    pub fn clock(&self, name: &str) -> Result<Clock<'_>, Error> {
        let port = self.input(name)?;
        if port.width != 1 {
            return Err(Error::unsupported(format!(
                "clock port `{}` is {} bits wide; a clock is a 1-bit input",
                port.port.name, port.width
            )));
        }
        port.store(0);
        self.eval()?;
        Ok(Clock {
            model: self,
            port,
            time: 0,
            half_period: 1,
            cycles: 0,
        })
    }

    /// Evaluates the model after inputs changed. Fails once the simulation stopped with an error
    /// (`$stop`, `$error`, `$fatal`); after `$finish` it succeeds and [`Model::finished`] is true.
    #[inline]
    pub fn eval(&self) -> Result<(), Error> {
        // SAFETY: `inst` is live for as long as `self`, and only used on this thread.
        let rc = unsafe { (self.eval_fn)(self.inst) };
        if rc == 0 {
            Ok(())
        } else {
            self.eval_status(rc)
        }
    }

    #[cold]
    #[inline(never)]
    fn eval_status(&self, rc: c_int) -> Result<(), Error> {
        if rc == 1 {
            self.finished.set(true);
            return Ok(());
        }
        self.failed.set(true);
        Err(ErrorKind::Simulation {
            message: self.last_error(),
        }
        .into())
    }

    fn last_error(&self) -> String {
        // SAFETY: the shim returns a NUL-terminated string owned by the live instance.
        unsafe { CStr::from_ptr((self.loaded.api.error)(self.inst)) }
            .to_string_lossy()
            .into_owned()
    }

    /// Port `i`'s value as words, whatever its direction (for the benchmark's comparison).
    pub(crate) fn port_words(&self, i: usize) -> Vec<u32> {
        let port = &self.loaded.ports[i];
        let mut out = vec![0; port.words()];
        // SAFETY: `ptrs[i]` is port `i`'s storage in this live model.
        unsafe { load_words(self.ptrs[i], port.width, &mut out) };
        out
    }

    /// Whether the design executed `$finish`.
    pub fn finished(&self) -> bool {
        self.finished.get()
    }

    /// Sets the simulation time that `$time` reports (the VCD times are [`Model::dump`]'s).
    pub fn set_time(&self, time: u64) {
        // SAFETY: live instance.
        unsafe { (self.loaded.api.set_time)(self.inst, time) }
    }

    /// Runs the design's `final` blocks. Done at most once; dropping the model does it if this
    /// was not called.
    pub fn run_final(&self) -> Result<(), Error> {
        if self.final_done.replace(true) || self.failed.get() {
            return Ok(());
        }
        // SAFETY: live instance.
        let rc = unsafe { (self.loaded.api.final_)(self.inst) };
        if rc != 0 {
            self.failed.set(true);
            return Err(ErrorKind::Simulation {
                message: self.last_error(),
            }
            .into());
        }
        Ok(())
    }

    /// Opens a VCD file at `path` (replacing one already open) and traces every signal into it
    /// at each [`Model::dump`]. The design must have been built with [`super::Build::trace`].
    pub fn trace_open(&self, path: impl AsRef<Path>) -> Result<(), Error> {
        use std::os::unix::ffi::OsStrExt;
        let path = path.as_ref();
        if !self.loaded.trace {
            return Err(ErrorKind::Trace {
                message: format!(
                    "design `{}` was built without tracing: build it with `.trace(true)` to \
                     write {}",
                    self.loaded.top,
                    path.display()
                ),
            }
            .into());
        }
        let c = CString::new(path.as_os_str().as_bytes()).map_err(|_| ErrorKind::Trace {
            message: format!("VCD path {} contains a NUL byte", path.display()),
        })?;
        // SAFETY: live instance, NUL-terminated path.
        match unsafe { (self.loaded.api.trace_open)(self.inst, c.as_ptr()) } {
            0 => {
                self.tracing.set(true);
                Ok(())
            }
            _ => Err(ErrorKind::Trace {
                message: format!("cannot open VCD file {}", path.display()),
            }
            .into()),
        }
    }

    /// Whether a VCD file is open.
    pub fn is_tracing(&self) -> bool {
        self.tracing.get()
    }

    /// Writes the current value of every signal to the open VCD at `time` (no-op without one).
    /// Times must not decrease.
    #[inline]
    pub fn dump(&self, time: u64) {
        if self.tracing.get() {
            // SAFETY: live instance.
            unsafe { (self.loaded.api.trace_dump)(self.inst, time) }
        }
    }

    /// Flushes the open VCD file to disk.
    pub fn trace_flush(&self) {
        if self.tracing.get() {
            // SAFETY: live instance.
            unsafe { (self.loaded.api.trace_flush)(self.inst) }
        }
    }

    /// Closes the open VCD file (also done when the model is dropped).
    pub fn trace_close(&self) {
        if self.tracing.replace(false) {
            // SAFETY: live instance.
            unsafe { (self.loaded.api.trace_close)(self.inst) }
        }
    }
}

impl Drop for Model {
    fn drop(&mut self) {
        let _ = self.run_final();
        self.trace_close();
        // SAFETY: the instance is deleted exactly once, after every handle (they borrow `self`).
        unsafe { (self.loaded.api.delete)(self.inst) }
    }
}

/// Stores `value` (already checked against `width`) at a port of `width` bits.
///
/// # Safety
/// `ptr` points to the storage of a port of `width` bits of a live model.
#[inline]
unsafe fn store(ptr: *mut u8, width: u32, value: u64) {
    // SAFETY (all arms): Verilator's storage for the width, see the module docs; aligned.
    unsafe {
        match width {
            0..=8 => ptr.write(value as u8),
            9..=16 => ptr.cast::<u16>().write(value as u16),
            17..=32 => ptr.cast::<u32>().write(value as u32),
            33..=64 => ptr.cast::<u64>().write(value),
            _ => {
                let w = ptr.cast::<u32>();
                w.write(value as u32);
                w.add(1).write((value >> 32) as u32);
                for i in 2..width.div_ceil(32) as usize {
                    w.add(i).write(0);
                }
            }
        }
    }
}

/// Loads the value of a port of at most 64 bits.
///
/// # Safety
/// As for [`store`], with `width <= 64`.
#[inline]
unsafe fn load(ptr: *const u8, width: u32) -> u64 {
    // SAFETY (all arms): as in `store`.
    unsafe {
        match width {
            0..=8 => u64::from(ptr.read()),
            9..=16 => u64::from(ptr.cast::<u16>().read()),
            17..=32 => u64::from(ptr.cast::<u32>().read()),
            _ => ptr.cast::<u64>().read(),
        }
    }
}

/// Loads any port as 32-bit words, least significant first.
///
/// # Safety
/// As for [`store`]; `out.len() == width.div_ceil(32)`.
unsafe fn load_words(ptr: *const u8, width: u32, out: &mut [u32]) {
    if width <= 64 {
        // SAFETY: forwarded.
        let v = unsafe { load(ptr, width) };
        out[0] = v as u32;
        if let Some(w) = out.get_mut(1) {
            *w = (v >> 32) as u32;
        }
    } else {
        for (i, o) in out.iter_mut().enumerate() {
            // SAFETY: `i` < the port's word count.
            *o = unsafe { ptr.cast::<u32>().add(i).read() };
        }
    }
}

/// A write handle on an input port, valid while the model lives.
#[derive(Clone, Copy)]
pub struct In<'m> {
    ptr: *mut u8,
    mask: u64,
    width: u32,
    port: &'m Port,
}

impl<'m> In<'m> {
    /// The port.
    pub fn port(&self) -> &'m Port {
        self.port
    }

    /// Width in bits.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Sets the port to `value`, which must fit its width (on ports wider than 64 bits the upper
    /// words become 0). Takes effect at the next [`Model::eval`].
    #[inline]
    pub fn set(&self, value: u64) -> Result<(), Error> {
        if value & !self.mask != 0 {
            return Err(self.too_wide(value));
        }
        self.store(value);
        Ok(())
    }

    /// Sets the port to the two's-complement encoding of `value`, which must be representable
    /// in the port's width.
    pub fn set_signed(&self, value: i64) -> Result<(), Error> {
        let w = self.width.min(64);
        let fits = w == 64 || {
            let min = -(1i64 << (w - 1));
            let max = (1i64 << (w - 1)) - 1;
            (min..=max).contains(&value)
        };
        if !fits {
            return Err(self.too_wide(value as u64));
        }
        if self.width > 64 {
            // Sign-extend into the upper words.
            let mut words = vec![if value < 0 { u32::MAX } else { 0 }; self.port.words()];
            words[0] = value as u32;
            words[1] = (value >> 32) as u32;
            let top = self.width % 32;
            if top != 0 {
                let last = words.len() - 1;
                words[last] &= (1u32 << top) - 1;
            }
            return self.set_words(&words);
        }
        self.store(value as u64 & self.mask);
        Ok(())
    }

    /// Sets the port from 32-bit words, least significant first; exactly [`Port::words`] of them,
    /// with no bit set above the width.
    pub fn set_words(&self, words: &[u32]) -> Result<(), Error> {
        let expected = self.port.words();
        if words.len() != expected {
            return Err(ErrorKind::WordCount {
                port: self.port.name.clone(),
                width: self.width,
                expected,
                got: words.len(),
            }
            .into());
        }
        let top = self.width % 32;
        let last = words[expected - 1];
        if top != 0 && last >> top != 0 {
            return Err(ErrorKind::WordsTooWide {
                port: self.port.name.clone(),
                width: self.width,
                top_word: last,
            }
            .into());
        }
        if self.width <= 64 {
            let v = u64::from(words[0]) | words.get(1).map_or(0, |&w| u64::from(w) << 32);
            self.store(v);
        } else {
            for (i, &w) in words.iter().enumerate() {
                // SAFETY: `i` < the port's word count; the model outlives `'m`.
                unsafe { self.ptr.cast::<u32>().add(i).write(w) };
            }
        }
        Ok(())
    }

    #[inline]
    fn store(&self, value: u64) {
        // SAFETY: `ptr` is this port's storage in a model that outlives `'m`; `value` fits.
        unsafe { store(self.ptr, self.width, value) }
    }

    #[cold]
    #[inline(never)]
    fn too_wide(&self, value: u64) -> Error {
        ErrorKind::ValueTooWide {
            port: self.port.name.clone(),
            width: self.width,
            value,
        }
        .into()
    }
}

/// A read handle on an output port of at most 64 bits, valid while the model lives.
#[derive(Clone, Copy)]
pub struct Out<'m> {
    ptr: *const u8,
    width: u32,
    port: &'m Port,
}

impl<'m> Out<'m> {
    /// The port.
    pub fn port(&self) -> &'m Port {
        self.port
    }

    /// Width in bits.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// The port's value after the last [`Model::eval`].
    #[inline]
    pub fn get(&self) -> u64 {
        // SAFETY: `ptr` is this port's storage in a model that outlives `'m`; width <= 64.
        unsafe { load(self.ptr, self.width) }
    }

    /// The value read as a two's-complement number of the port's width.
    pub fn get_signed(&self) -> i64 {
        let shift = 64 - self.width;
        ((self.get() << shift) as i64) >> shift
    }
}

/// A read handle on an output port of any width, read as 32-bit words.
#[derive(Clone, Copy)]
pub struct WideOut<'m> {
    ptr: *const u8,
    port: &'m Port,
}

impl<'m> WideOut<'m> {
    /// The port.
    pub fn port(&self) -> &'m Port {
        self.port
    }

    /// Width in bits.
    pub fn width(&self) -> u32 {
        self.port.width
    }

    /// The value as [`Port::words`] 32-bit words, least significant first.
    pub fn get_words(&self) -> Vec<u32> {
        let mut out = vec![0; self.port.words()];
        // SAFETY: `ptr` is this port's storage in a model that outlives `'m`; `out` has its words.
        unsafe { load_words(self.ptr, self.port.width, &mut out) };
        out
    }

    /// Reads the value into `out`, which must hold exactly [`Port::words`] words (no allocation).
    pub fn read_words(&self, out: &mut [u32]) -> Result<(), Error> {
        if out.len() != self.port.words() {
            return Err(ErrorKind::WordCount {
                port: self.port.name.clone(),
                width: self.port.width,
                expected: self.port.words(),
                got: out.len(),
            }
            .into());
        }
        // SAFETY: as in `get_words`.
        unsafe { load_words(self.ptr, self.port.width, out) };
        Ok(())
    }
}

/// Drives a clock input: [`Clock::step`] makes one rising and one falling edge, evaluating after
/// each and dumping both instants to the VCD when one is open.
#[derive(Clone)]
pub struct Clock<'m> {
    model: &'m Model,
    port: In<'m>,
    time: u64,
    half_period: u64,
    cycles: u64,
}

impl<'m> Clock<'m> {
    /// Sets how far VCD time advances per edge (default 1, i.e. a period of 2 time units).
    pub fn with_half_period(mut self, half_period: u64) -> Self {
        self.half_period = half_period;
        self
    }

    /// One clock cycle: clock to 1, eval, dump; clock to 0, eval, dump. Inputs set before the
    /// call are sampled at the rising edge; outputs read after it show the registered result.
    /// The cycle is one call into the model (the same work as setting the port and calling
    /// [`Model::eval`] twice, at half the crossings).
    #[inline]
    pub fn step(&mut self) -> Result<(), Error> {
        let m = self.model;
        // SAFETY: live instance on this thread; `port.ptr` is this 1-bit port's `CData` storage.
        let rc = unsafe { (m.step_fn)(m.inst, self.port.ptr, self.time, self.half_period) };
        self.time += 2 * self.half_period;
        self.cycles += 1;
        if rc == 0 { Ok(()) } else { m.eval_status(rc) }
    }

    /// `n` cycles of [`Clock::step`].
    pub fn run(&mut self, n: u64) -> Result<(), Error> {
        for _ in 0..n {
            self.step()?;
        }
        Ok(())
    }

    /// Cycles stepped so far.
    pub fn cycles(&self) -> u64 {
        self.cycles
    }

    /// The VCD time of the next edge.
    pub fn time(&self) -> u64 {
        self.time
    }
}

impl std::fmt::Debug for In<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "In({})", self.port.describe())
    }
}

impl std::fmt::Debug for Out<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Out({} = {:#x})", self.port.describe(), self.get())
    }
}

impl std::fmt::Debug for WideOut<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "WideOut({} = {:x?})",
            self.port.describe(),
            self.get_words()
        )
    }
}

impl std::fmt::Debug for Clock<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Clock")
            .field("port", &self.port.port.name)
            .field("cycles", &self.cycles)
            .field("time", &self.time)
            .finish()
    }
}
