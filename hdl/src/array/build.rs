//! A thin builder over [`Module`] for clocked logic: registers with and without reset, delay
//! lines, and memory instances, collected into one reset process and one datapath process.
//!
//! Key decision: control registers (valid bits, counters, FSM state) are reset synchronously by
//! `rst`; datapath registers are not reset (smaller, faster, and their values are qualified by a
//! valid bit), following the usual FPGA practice.

use crate::ir::stmt::*;
use crate::ir::*;

/// A module under construction with its clock, reset and collected clocked statements.
pub struct B {
    /// The module.
    pub m: Module,
    /// `clk`.
    pub clk: Sig,
    /// `rst` (synchronous, active high).
    pub rst: Sig,
    on_rst: Vec<Stmt>,
    ctl: Vec<Stmt>,
    data: Vec<Stmt>,
    mems: Vec<MemUse>,
}

/// A module built by [`B`], with the memory instances it holds as data (module, shape,
/// instance name), so nothing downstream parses a module name.
pub struct Built {
    /// The module.
    pub module: Module,
    /// Its memory instances, in the order they were made.
    pub memories: Vec<MemUse>,
}

/// The states of a state machine built with [`B::fsm`]: a `Copy` enum whose discriminants are
/// the register's values (see [`fsm_states!`](crate::fsm_states)).
pub trait FsmState: Copy + 'static {
    /// Every state; the largest code sets the register's width.
    const ALL: &'static [Self];
    /// The register value of this state.
    fn code(self) -> u128;
}

/// Declare a state enum and its [`FsmState`] impl: `fsm_states! { pub enum S { A = 0, B = 1 } }`.
/// The explicit codes are the values in the emitted Verilog.
#[macro_export]
macro_rules! fsm_states {
    ($(#[$m:meta])* $vis:vis enum $name:ident { $($(#[$vm:meta])* $v:ident = $c:expr),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        $vis enum $name { $($(#[$vm])* $v = $c),+ }
        impl $crate::array::build::FsmState for $name {
            const ALL: &'static [Self] = &[$($name::$v),+];
            fn code(self) -> u128 {
                self as u128
            }
        }
    };
}

/// A state machine: its state register (a control register) and typed tests and transitions,
/// in the spirit of Amaranth's `m.FSM()`; the codes and thus the Verilog are the enum's.
pub struct Fsm<S> {
    /// The state register.
    pub state: Sig,
    _s: std::marker::PhantomData<S>,
}

impl<S: FsmState> Fsm<S> {
    /// The code of state `s` as a constant of the register's width.
    pub fn k(&self, s: S) -> Expr {
        Expr::uconst(s.code(), self.state.ty.width)
    }

    /// `state == s`.
    pub fn is(&self, s: S) -> Expr {
        self.state.e().eq(self.k(s))
    }

    /// `state != s`.
    pub fn is_not(&self, s: S) -> Expr {
        self.state.e().ne(self.k(s))
    }

    /// `state <= s`.
    pub fn goto(&self, s: S) -> Stmt {
        set(&self.state, self.k(s))
    }

    /// `case (state)`: one arm per listed state, `others` for the rest.
    pub fn switch(&self, arms: Vec<(S, Vec<Stmt>)>, others: Vec<Stmt>) -> Stmt {
        Stmt::Case(
            self.state.e(),
            arms.into_iter()
                .map(|(s, body)| (vec![s.code()], body))
                .collect(),
            others,
        )
    }
}

impl B {
    /// A module with `clk` and `rst` inputs.
    pub fn new(name: &str) -> B {
        let mut m = Module::new(name);
        let clk = m.input("clk", Ty::BIT);
        let rst = m.input("rst", Ty::BIT);
        B {
            m,
            clk,
            rst,
            on_rst: Vec::new(),
            ctl: Vec::new(),
            data: Vec::new(),
            mems: Vec::new(),
        }
    }

    /// A state machine whose state register `name` is reset to `init` (a control register as
    /// wide as the largest state code).
    pub fn fsm<S: FsmState>(&mut self, name: &str, init: S) -> Fsm<S> {
        let top = S::ALL.iter().map(|s| s.code()).max().unwrap_or(0);
        let width = golden::arith::bits_unsigned(top as u64);
        Fsm {
            state: self.ctl_reg(name, Ty::u(width), init.code() as i128),
            _s: std::marker::PhantomData,
        }
    }

    /// Instantiate a 1-read 1-write memory of `shape` (module named by
    /// [`MemShape::module_name`] under the design's `top`) as `u_{name}`, and record it.
    pub fn ram(
        &mut self,
        top: &str,
        name: &str,
        shape: MemShape,
        init_file: Option<String>,
    ) -> Ram {
        let module = shape.module_name(top);
        self.ram_named(name, &module, shape, init_file)
    }

    /// [`B::ram`] for a memory module of another name (ECP5 per-lane weights).
    pub fn ram_named(
        &mut self,
        name: &str,
        module: &str,
        shape: MemShape,
        init_file: Option<String>,
    ) -> Ram {
        self.mems.push(MemUse {
            instance: format!("u_{name}"),
            module: module.to_string(),
            shape,
        });
        ram(self, module, name, shape.ty, shape.depth, init_file)
    }

    /// Instantiate a single-port memory of `shape` (named under the design's `top`) as
    /// `u_{name}`, and record it.
    pub fn spram(&mut self, top: &str, name: &str, shape: MemShape) -> SpRam {
        let module = shape.module_name(top);
        self.mems.push(MemUse {
            instance: format!("u_{name}"),
            module: module.clone(),
            shape,
        });
        spram(self, &module, name, shape.ty, shape.depth)
    }

    /// A datapath register loaded with `next` every cycle.
    pub fn reg(&mut self, name: &str, next: Expr) -> Sig {
        let r = self.m.reg(name, next.ty);
        self.data.push(set(&r, next));
        r
    }

    /// A datapath register loaded with `next` when `en`.
    pub fn reg_en(&mut self, name: &str, en: Expr, next: Expr) -> Sig {
        let r = self.m.reg(name, next.ty);
        self.data.push(when(en, vec![set(&r, next)]));
        r
    }

    /// A control register reset to `init`, loaded with `next` every cycle otherwise.
    pub fn reg_r(&mut self, name: &str, init: i128, next: Expr) -> Sig {
        let r = self.m.reg(name, next.ty);
        self.on_rst.push(set(&r, Expr::konst(init, next.ty)));
        self.ctl.push(set(&r, next));
        r
    }

    /// Declare a control register reset to `init`, assigned by statements added with [`B::ctl`].
    pub fn ctl_reg(&mut self, name: &str, ty: Ty, init: i128) -> Sig {
        let r = self.m.reg(name, ty);
        self.on_rst.push(set(&r, Expr::konst(init, ty)));
        r
    }

    /// Declare a datapath register assigned by statements added with [`B::data`].
    pub fn data_reg(&mut self, name: &str, ty: Ty) -> Sig {
        self.m.reg(name, ty)
    }

    /// Add a statement to the control process (executed when not in reset).
    pub fn ctl(&mut self, s: Stmt) {
        self.ctl.push(s);
    }

    /// Add a statement to the datapath process.
    pub fn data(&mut self, s: Stmt) {
        self.data.push(s);
    }

    /// `n` datapath registers in a chain: element k is `e` delayed by k + 1 cycles.
    pub fn delay(&mut self, name: &str, e: Expr, n: u64) -> Vec<Sig> {
        let mut out = Vec::new();
        let mut prev = e;
        for k in 1..=n {
            let r = self.reg(&format!("{name}_d{k}"), prev);
            prev = r.e();
            out.push(r);
        }
        out
    }

    /// `n` control registers (reset to 0) in a chain.
    pub fn delay_r(&mut self, name: &str, e: Expr, n: u64) -> Vec<Sig> {
        let mut out = Vec::new();
        let mut prev = e;
        for k in 1..=n {
            let r = self.reg_r(&format!("{name}_d{k}"), 0, prev);
            prev = r.e();
            out.push(r);
        }
        out
    }

    /// `e` delayed by `n` cycles (datapath); `n = 0` gives `e`.
    pub fn delayed(&mut self, name: &str, e: Expr, n: u64) -> Expr {
        if n == 0 {
            e
        } else {
            self.delay(name, e, n).last().unwrap().e()
        }
    }

    /// `e` delayed by `n` cycles (control, reset to 0); `n = 0` gives `e`.
    pub fn delayed_r(&mut self, name: &str, e: Expr, n: u64) -> Expr {
        if n == 0 {
            e
        } else {
            self.delay_r(name, e, n).last().unwrap().e()
        }
    }

    /// A wire driven by `e`.
    pub fn net(&mut self, name: &str, e: Expr) -> Sig {
        self.m.net(name, e)
    }

    /// Finish: emit the control process (with reset) and the datapath process.
    pub fn finish(self) -> Module {
        self.build().module
    }

    /// [`B::finish`], keeping the record of the memory instances.
    pub fn build(mut self) -> Built {
        if !self.on_rst.is_empty() || !self.ctl.is_empty() {
            let body = vec![if_else(self.rst.e(), self.on_rst, self.ctl)];
            self.m.clocked("control: synchronous reset", body);
        }
        if !self.data.is_empty() {
            self.m.clocked("datapath", self.data);
        }
        Built {
            module: self.m,
            memories: self.mems,
        }
    }
}

/// What a memory module is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemKind {
    /// [`ram_module`]: 1 read and 1 write port, optionally preloaded (`init`), optionally
    /// registering the read address instead of the read data (`addr_reg`).
    Ram {
        /// Preloaded by `$readmemh` of its `INIT_FILE` parameter.
        init: bool,
        /// The first read cycle registers the address.
        addr_reg: bool,
    },
    /// [`spram_module`]: single-port, no initial contents (UP5K SPRAM).
    SpRam,
    /// An ECP5 weight memory of its own ([`super::ecp5::wmem_module`]): DP16KD under
    /// `SYNTHESIS`, preloaded with one lane's weights.
    Ecp5Weights,
}

/// The shape of a memory: its word, depth, read latency and kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemShape {
    /// Word type.
    pub ty: Ty,
    /// Words.
    pub depth: u64,
    /// Read latency in cycles.
    pub read_latency: u64,
    /// Kind.
    pub kind: MemKind,
}

impl MemShape {
    /// A 1-read 1-write memory.
    pub fn ram(ty: Ty, depth: u64, read_latency: u64, init: bool, addr_reg: bool) -> MemShape {
        MemShape {
            ty,
            depth,
            read_latency,
            kind: MemKind::Ram { init, addr_reg },
        }
    }

    /// The module name of this shape under the top `top` (one module per distinct shape):
    /// `{top}_ram[r]_[s]{width}x{depth}[_init][_ra]` or `{top}_spram_{width}x{depth}`. (An
    /// ECP5 weight memory is named per lane by the generator; this is its behavioural shape's.)
    pub fn module_name(&self, top: &str) -> String {
        let (init, addr_reg) = match self.kind {
            MemKind::SpRam => return format!("{top}_spram_{}x{}", self.ty.width, self.depth),
            MemKind::Ram { init, addr_reg } => (init, addr_reg),
            MemKind::Ecp5Weights => (true, false),
        };
        format!(
            "{}{}",
            ram_module_name(top, self.ty, self.depth, self.read_latency, init),
            if addr_reg { ADDR_REG_SUFFIX } else { "" }
        )
    }

    /// The memory module of this shape named `name` (not for [`MemKind::Ecp5Weights`], whose
    /// contents the shape does not hold).
    pub fn module(&self, name: &str) -> Module {
        match self.kind {
            MemKind::Ram { init, addr_reg } => {
                ram_module(name, self.ty, self.depth, self.read_latency, init, addr_reg)
            }
            MemKind::SpRam => spram_module(name, self.ty, self.depth, self.read_latency),
            MemKind::Ecp5Weights => unreachable!("ECP5 weight memories are built with their words"),
        }
    }
}

/// One memory instance of a module: its instance name, its module and that module's shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemUse {
    /// Instance name (`u_wmem`, `u_x`, ...).
    pub instance: String,
    /// Memory module.
    pub module: String,
    /// Its shape.
    pub shape: MemShape,
}

/// The parent-side wires of a 1-read 1-write memory instance.
pub struct Ram {
    /// Write enable.
    pub we: Sig,
    /// Write address.
    pub waddr: Sig,
    /// Write data.
    pub wdata: Sig,
    /// Read address.
    pub raddr: Sig,
    /// Read data, valid `read_latency` cycles after `raddr`.
    pub rdata: Sig,
}

/// Name of the memory module of a word type, depth and read latency.
pub fn ram_module_name(top: &str, ty: Ty, depth: u64, rl: u64, init: bool) -> String {
    format!(
        "{top}_ram{}_{}{}x{}{}",
        if rl > 1 { "r" } else { "" },
        if ty.signed { "s" } else { "" },
        ty.width,
        depth,
        if init { "_init" } else { "" }
    )
}

/// Suffix of a memory module's name whose first read cycle registers the address.
pub const ADDR_REG_SUFFIX: &str = "_ra";

/// The memory module: `depth` words of `ty`, one synchronous read port with `rl` cycles of
/// latency (one array read register, then `rl - 1` output registers) and one write port,
/// optionally preloaded by `$readmemh` from the `INIT_FILE` parameter. With `addr_reg` (and
/// `rl >= 2`) the first cycle registers the read address instead and the array is read from
/// it, so a read also sees the write of the cycle that presented its address.
pub fn ram_module(name: &str, ty: Ty, depth: u64, rl: u64, init: bool, addr_reg: bool) -> Module {
    assert!(
        !addr_reg || rl >= 2,
        "an address register needs a read latency of 2 or more"
    );
    let aw = addr_width(depth);
    let mut m = Module::new(name);
    m.doc.push(format!(
        "{depth} x {} bit memory, 1 write port, 1 read port, read latency {rl}{}.",
        ty.width,
        if addr_reg {
            " (the first cycle registers the address)"
        } else {
            ""
        }
    ));
    m.doc.push(
        if addr_reg {
            "A read sees the writes up to the cycle that presents its address; the array forwards."
        } else {
            "Read-during-write of one address returns the old word; the array forwards."
        }
        .into(),
    );
    if init {
        m.param("INIT_FILE", "");
    }
    let _clk = m.input("clk", Ty::BIT);
    let we = m.input("we", Ty::BIT);
    let waddr = m.input("waddr", Ty::u(aw));
    let wdata = m.input("wdata", ty);
    let raddr = m.input("raddr", Ty::u(aw));
    let rdata = m.output("rdata", ty);
    let mem = m.memory(
        "mem",
        ty,
        depth,
        if init {
            MemInit::HexParam("INIT_FILE".into())
        } else {
            MemInit::None
        },
    );
    m.mem_attr(&mem, "no_rw_check", "");
    if init {
        // the weights (the only preloaded memories) always go to block RAM, however small
        m.mem_attr(&mem, "ram_style", "\"block\"");
    } else if addr_reg {
        // read from a registered address: LUT RAM (a block RAM's data would leave unregistered)
        m.mem_attr(&mem, "ram_style", "\"distributed\"");
    }
    let mut body = vec![when(we.e(), vec![mem_write(&mem, waddr.e(), wdata.e())])];
    let read_at = if addr_reg {
        let ra = m.reg("ra", Ty::u(aw));
        body.push(set(&ra, raddr.e()));
        ra
    } else {
        raddr
    };
    let q0 = m.reg("q0", ty);
    body.push(set(&q0, Expr::mem_read(&mem, read_at.e())));
    let mut last = q0;
    for k in 1..rl - addr_reg as u64 {
        let q = m.reg(&format!("q{k}"), ty);
        body.push(set(&q, last.e()));
        last = q;
    }
    m.clocked("", body);
    m.assign(&rdata, last.e());
    m
}

/// The single-port memory that Yosys maps to iCE40 UP5K SPRAM (`SB_SPRAM256KA`): one address,
/// write when `we`, otherwise read (the pattern the inference needs: read in the `else` branch,
/// no initial contents), then `rl - 1` output registers. The read register holds its word while
/// the port writes.
pub fn spram_module(name: &str, ty: Ty, depth: u64, rl: u64) -> Module {
    let aw = addr_width(depth);
    let mut m = Module::new(name);
    m.doc.push(format!(
        "{depth} x {} bit single-port memory (UP5K SPRAM), read latency {rl}; no initial contents.",
        ty.width
    ));
    let _clk = m.input("clk", Ty::BIT);
    let we = m.input("we", Ty::BIT);
    let addr = m.input("addr", Ty::u(aw));
    let wdata = m.input("wdata", ty);
    let rdata = m.output("rdata", ty);
    let mem = m.memory("mem", ty, depth, MemInit::None);
    m.mem_attr(&mem, "ram_style", "\"huge\"");
    let q0 = m.reg("q0", ty);
    let mut body = vec![if_else(
        we.e(),
        vec![mem_write(&mem, addr.e(), wdata.e())],
        vec![set(&q0, Expr::mem_read(&mem, addr.e()))],
    )];
    let mut last = q0;
    for k in 1..rl {
        let q = m.reg(&format!("q{k}"), ty);
        body.push(set(&q, last.e()));
        last = q;
    }
    m.clocked("", body);
    m.assign(&rdata, last.e());
    m
}

/// The parent-side wires of a single-port memory instance.
pub struct SpRam {
    /// Write enable (else the port reads).
    pub we: Sig,
    /// Address.
    pub addr: Sig,
    /// Write data.
    pub wdata: Sig,
    /// Read data.
    pub rdata: Sig,
}

/// Instantiate a single-port memory in `b`.
pub fn spram(b: &mut B, module: &str, name: &str, ty: Ty, depth: u64) -> SpRam {
    let aw = addr_width(depth);
    let we = b.m.wire(&format!("{name}_we"), Ty::BIT);
    let addr = b.m.wire(&format!("{name}_addr"), Ty::u(aw));
    let wdata = b.m.wire(&format!("{name}_wdata"), ty);
    let rdata = b.m.wire(&format!("{name}_rdata"), ty);
    b.m.instance(Instance {
        module: module.into(),
        name: format!("u_{name}"),
        params: Vec::new(),
        conns: vec![
            ("clk".into(), b.clk.e()),
            ("we".into(), we.e()),
            ("addr".into(), addr.e()),
            ("wdata".into(), wdata.e()),
            ("rdata".into(), rdata.e()),
        ],
    });
    SpRam {
        we,
        addr,
        wdata,
        rdata,
    }
}

/// Instantiate a memory in `b`, returning the parent-side wires (`name_we`, ...).
pub fn ram(
    b: &mut B,
    module: &str,
    name: &str,
    ty: Ty,
    depth: u64,
    init_file: Option<String>,
) -> Ram {
    let aw = addr_width(depth);
    let we = b.m.wire(&format!("{name}_we"), Ty::BIT);
    let waddr = b.m.wire(&format!("{name}_waddr"), Ty::u(aw));
    let wdata = b.m.wire(&format!("{name}_wdata"), ty);
    let raddr = b.m.wire(&format!("{name}_raddr"), Ty::u(aw));
    let rdata = b.m.wire(&format!("{name}_rdata"), ty);
    let params = match init_file {
        Some(f) => vec![("INIT_FILE".to_string(), ParamValue::Str(f))],
        None => Vec::new(),
    };
    b.m.instance(Instance {
        module: module.into(),
        name: format!("u_{name}"),
        params,
        conns: vec![
            ("clk".into(), b.clk.e()),
            ("we".into(), we.e()),
            ("waddr".into(), waddr.e()),
            ("wdata".into(), wdata.e()),
            ("raddr".into(), raddr.e()),
            ("rdata".into(), rdata.e()),
        ],
    });
    Ram {
        we,
        waddr,
        wdata,
        raddr,
        rdata,
    }
}

/// Drive a memory's write port from exclusive write sources `(enable, address, data)`.
pub fn write_port(b: &mut B, ram: &Ram, sources: &[(Expr, Expr, Expr)]) {
    let (aty, dty) = (ram.waddr.ty, ram.wdata.ty);
    let we = any(sources.iter().map(|c| c.0.clone()).collect());
    b.m.assign(&ram.we, no_write_in_reset(b, we));
    b.m.assign(
        &ram.waddr,
        onehot(
            aty,
            sources.iter().map(|c| (c.0.clone(), c.1.clone())).collect(),
        ),
    );
    b.m.assign(
        &ram.wdata,
        onehot(
            dty,
            sources.iter().map(|c| (c.0.clone(), c.2.clone())).collect(),
        ),
    );
}

/// A write enable that is low while `rst` is high: on the first reset edge the control flops may
/// still hold their power-up values, and the weights must survive reset.
pub fn no_write_in_reset(b: &B, we: Expr) -> Expr {
    we.and(!b.rst.e())
}

/// One-hot select: the OR of `value_k & {w{sel_k}}`; callers guarantee at most one `sel_k` is
/// high (phases are exclusive), which keeps the multiplexer shallow.
pub fn onehot(ty: Ty, cases: Vec<(Expr, Expr)>) -> Expr {
    let mut acc: Option<Expr> = None;
    for (sel, v) in cases {
        let term = Expr::mux(sel, v, Expr::zero(ty));
        acc = Some(match acc {
            None => term,
            Some(a) => a.or(term),
        });
    }
    acc.unwrap_or_else(|| Expr::zero(ty))
}

/// Or of one-bit expressions (0 when empty).
pub fn any(bits: Vec<Expr>) -> Expr {
    bits.into_iter()
        .reduce(|a, b| a.or(b))
        .unwrap_or_else(|| Expr::bit(false))
}

/// Multiply an unsigned expression by a constant, giving `width` bits (the product must fit).
pub fn mul_const(e: Expr, k: u64, width: u32) -> Expr {
    let e = e.resize(width);
    if k == 0 {
        return Expr::zero(Ty::u(width));
    }
    if k.is_power_of_two() {
        return e.lsl(k.trailing_zeros());
    }
    // shift-and-add over the set bits of k
    let mut acc: Option<Expr> = None;
    for bit in 0..64 {
        if k >> bit & 1 == 1 {
            let t = e.clone().lsl(bit);
            acc = Some(match acc {
                None => t,
                Some(a) => a + t,
            });
        }
    }
    acc.unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;

    crate::fsm_states! {
        enum T {
            A = 0,
            B = 1,
            C = 5,
        }
    }

    #[test]
    fn fsm_register_is_as_wide_as_the_largest_code_and_uses_the_enum_codes() {
        let mut b = B::new("m");
        let f = b.fsm("st", T::B);
        assert_eq!(f.state.ty, Ty::u(3));
        let Stmt::Assign(_, name, e) = f.goto(T::C) else {
            panic!("goto is an assignment")
        };
        assert_eq!((&*name, e.const_value(), e.ty), ("st", Some(5), Ty::u(3)));
        let Stmt::Case(_, arms, others) = f.switch(vec![(T::C, vec![]), (T::A, vec![])], vec![])
        else {
            panic!("switch is a case")
        };
        let labels: Vec<_> = arms.iter().map(|a| a.0.clone()).collect();
        assert_eq!((labels, others.len()), (vec![vec![5], vec![0]], 0));
        let is_b = format!("{:?}", f.is(T::B));
        assert_eq!(is_b, format!("{:?}", f.state.e().eq(Expr::uconst(1, 3))));
    }

    #[test]
    fn memory_module_names_spell_the_shape() {
        let name = |s: MemShape| s.module_name("demo");
        assert_eq!(
            name(MemShape::ram(Ty::s(20), 2, 2, false, false)),
            "demo_ramr_s20x2"
        );
        assert_eq!(
            name(MemShape::ram(Ty::u(8), 128, 2, true, false)),
            "demo_ramr_8x128_init"
        );
        assert_eq!(
            name(MemShape::ram(Ty::u(32), 16, 2, false, true)),
            "demo_ramr_32x16_ra"
        );
        assert_eq!(
            name(MemShape::ram(Ty::u(4), 3, 1, false, false)),
            "demo_ram_4x3"
        );
        let sp = MemShape {
            kind: MemKind::SpRam,
            ..MemShape::ram(Ty::u(16), 256, 2, false, false)
        };
        assert_eq!(name(sp), "demo_spram_16x256");
    }
}
