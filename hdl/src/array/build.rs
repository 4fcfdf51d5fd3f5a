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
        }
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
    pub fn finish(mut self) -> Module {
        if !self.on_rst.is_empty() || !self.ctl.is_empty() {
            let body = vec![if_else(self.rst.e(), self.on_rst, self.ctl)];
            self.m.clocked("control: synchronous reset", body);
        }
        if !self.data.is_empty() {
            self.m.clocked("datapath", self.data);
        }
        self.m
    }
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
