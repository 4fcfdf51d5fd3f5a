//! A small typed IR of synthesizable Verilog: modules, ports, signals with width and signedness,
//! clocked and combinational processes, memories and instances.
//!
//! Key decisions:
//! - Every expression node carries its type ([`Ty`]: width and signedness), computed when it is
//!   built. Binary operators require operands of exactly the same type, and an assignment requires
//!   the value's type to equal the target's: widening, truncation and sign changes are explicit
//!   ([`Expr::ext`], [`Expr::trunc`], [`Expr::as_signed`]). Verilog's context-dependent widths and
//!   signed/unsigned mixing therefore never change the meaning of the emitted code.
//! - A type error does not panic: the faulty node becomes [`ExprKind::Invalid`] carrying the
//!   message, and the module records it, naming the signal being assigned, when the expression is
//!   used. [`Module::check`] returns the errors; the emitter refuses a module that has any.
//! - Memories are first-class ([`Memory`]) so Yosys sees the array pattern it maps to block RAM:
//!   reads and writes happen in clocked processes through [`Expr::mem_read`] and
//!   [`Stmt::MemWrite`].

use std::fmt;
use std::rc::Rc;

/// Width and signedness of a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Ty {
    /// Bits, at least 1.
    pub width: u32,
    /// Two's complement when true.
    pub signed: bool,
}

impl Ty {
    /// Unsigned of `width` bits.
    pub const fn u(width: u32) -> Ty {
        Ty {
            width,
            signed: false,
        }
    }
    /// Signed of `width` bits.
    pub const fn s(width: u32) -> Ty {
        Ty {
            width,
            signed: true,
        }
    }
    /// One bit, unsigned.
    pub const BIT: Ty = Ty::u(1);
}

impl fmt::Display for Ty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", if self.signed { "s" } else { "u" }, self.width)
    }
}

/// Index of a signal in its module.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SigId(pub usize);

/// Index of a memory in its module.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MemId(pub usize);

/// What a signal is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SigKind {
    /// Module input port.
    Input,
    /// Module output port driven by a continuous assignment or an instance.
    Output,
    /// Module output port that is a register (assigned in a clocked process).
    OutputReg,
    /// Internal net.
    Wire,
    /// Internal register (assigned in a clocked process, or a combinational process).
    Reg,
}

/// A declared signal.
#[derive(Debug, Clone)]
pub struct Signal {
    /// Verilog name.
    pub name: String,
    /// Type.
    pub ty: Ty,
    /// Kind.
    pub kind: SigKind,
    /// Comment printed after the declaration.
    pub comment: Option<String>,
    /// Bits of this signal are read by design only in part (protocol-defined inputs); the emitter
    /// wraps the declaration in a Verilator `UNUSEDSIGNAL` waiver naming this reason.
    pub partly_unused: Option<String>,
}

/// Unary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnOp {
    /// Bitwise not.
    Not,
    /// Two's complement negation (signed operands only).
    Neg,
    /// Reduction or (result 1 bit).
    RedOr,
    /// Reduction and (result 1 bit).
    RedAnd,
}

/// Binary operators (operands of equal type).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    /// Wrapping addition.
    Add,
    /// Wrapping subtraction.
    Sub,
    /// Full product (result width is the sum of the widths).
    Mul,
    /// Bitwise and.
    And,
    /// Bitwise or.
    Or,
    /// Bitwise xor.
    Xor,
    /// Equal (1 bit).
    Eq,
    /// Not equal (1 bit).
    Ne,
    /// Less than, signed or unsigned by the operands' type (1 bit).
    Lt,
    /// Less or equal (1 bit).
    Le,
    /// Greater than (1 bit).
    Gt,
    /// Greater or equal (1 bit).
    Ge,
}

/// An expression node.
#[derive(Debug, Clone)]
pub enum ExprKind {
    /// A signal.
    Sig(SigId, Rc<str>),
    /// A constant: the low `ty.width` bits of the value.
    Const(u128),
    /// Unary operation.
    Un(UnOp, Box<Expr>),
    /// Binary operation.
    Bin(BinOp, Box<Expr>, Box<Expr>),
    /// Logical shift left by a constant (same width).
    Shl(Box<Expr>, u32),
    /// Logical shift right by a constant (unsigned operand).
    Shr(Box<Expr>, u32),
    /// Arithmetic shift right by a constant (signed operand).
    Sra(Box<Expr>, u32),
    /// `cond ? a : b`.
    Mux(Box<Expr>, Box<Expr>, Box<Expr>),
    /// Bits `hi..=lo` (unsigned result).
    Slice(Box<Expr>, u32, u32),
    /// Concatenation, most significant first (unsigned result).
    Concat(Vec<Expr>),
    /// Sign-extension (signed operand) or zero-extension (unsigned) to the node's width.
    Ext(Box<Expr>),
    /// Same bits, other signedness.
    Cast(Box<Expr>),
    /// Read of a memory word (clocked processes only).
    MemRead(MemId, Rc<str>, Box<Expr>),
    /// A type error; the message says what went wrong.
    Invalid(Rc<str>),
}

/// A typed expression.
#[derive(Debug, Clone)]
pub struct Expr {
    /// The node.
    pub kind: ExprKind,
    /// Its type.
    pub ty: Ty,
}

fn mask(width: u32) -> u128 {
    if width >= 128 {
        u128::MAX
    } else {
        (1u128 << width) - 1
    }
}

impl Expr {
    fn invalid(msg: String) -> Expr {
        Expr {
            kind: ExprKind::Invalid(msg.into()),
            ty: Ty::BIT,
        }
    }

    /// The first type error inside this expression, if any.
    pub fn error(&self) -> Option<Rc<str>> {
        match &self.kind {
            ExprKind::Invalid(m) => Some(m.clone()),
            ExprKind::Sig(..) | ExprKind::Const(_) => None,
            ExprKind::Un(_, a)
            | ExprKind::Shl(a, _)
            | ExprKind::Shr(a, _)
            | ExprKind::Sra(a, _)
            | ExprKind::Slice(a, _, _)
            | ExprKind::Ext(a)
            | ExprKind::Cast(a)
            | ExprKind::MemRead(_, _, a) => a.error(),
            ExprKind::Bin(_, a, b) => a.error().or_else(|| b.error()),
            ExprKind::Mux(c, a, b) => c.error().or_else(|| a.error()).or_else(|| b.error()),
            ExprKind::Concat(v) => v.iter().find_map(Expr::error),
        }
    }

    /// An unsigned constant of `width` bits; a value that does not fit is a type error.
    pub fn uconst(value: u128, width: u32) -> Expr {
        if width == 0 || width > 128 || value > mask(width) {
            return Expr::invalid(format!("constant {value} does not fit u{width}"));
        }
        Expr {
            kind: ExprKind::Const(value),
            ty: Ty::u(width),
        }
    }

    /// A signed constant of `width` bits; a value that does not fit is a type error.
    pub fn sconst(value: i128, width: u32) -> Expr {
        if width == 0 || width > 127 {
            return Expr::invalid(format!("constant {value} does not fit s{width}"));
        }
        let lo = -(1i128 << (width - 1));
        let hi = (1i128 << (width - 1)) - 1;
        if value < lo || value > hi {
            return Expr::invalid(format!("constant {value} does not fit s{width}"));
        }
        Expr {
            kind: ExprKind::Const((value as u128) & mask(width)),
            ty: Ty::s(width),
        }
    }

    /// A constant of type `ty` from a signed value (two's complement when signed).
    pub fn konst(value: i128, ty: Ty) -> Expr {
        if ty.signed {
            Expr::sconst(value, ty.width)
        } else if value < 0 {
            Expr::invalid(format!("constant {value} does not fit {ty}"))
        } else {
            Expr::uconst(value as u128, ty.width)
        }
    }

    /// Logic 0 / 1 as one bit.
    pub fn bit(b: bool) -> Expr {
        Expr::uconst(b as u128, 1)
    }

    /// Zero of type `ty`.
    pub fn zero(ty: Ty) -> Expr {
        Expr {
            kind: ExprKind::Const(0),
            ty,
        }
    }

    fn un(self, op: UnOp) -> Expr {
        if self.error().is_some() {
            return self;
        }
        let ty = match op {
            UnOp::Not => self.ty,
            UnOp::Neg => {
                if !self.ty.signed {
                    return Expr::invalid(format!("negation of unsigned {}", self.ty));
                }
                self.ty
            }
            UnOp::RedOr | UnOp::RedAnd => Ty::BIT,
        };
        Expr {
            kind: ExprKind::Un(op, Box::new(self)),
            ty,
        }
    }

    fn bin(self, op: BinOp, rhs: Expr) -> Expr {
        if let Some(e) = self.error().or_else(|| rhs.error()) {
            return Expr::invalid(e.to_string());
        }
        if self.ty != rhs.ty {
            return Expr::invalid(format!(
                "operands of {op:?} differ: {} and {}",
                self.ty, rhs.ty
            ));
        }
        if let Some(folded) = fold(op, &self, &rhs) {
            return folded;
        }
        let ty = match op {
            BinOp::Add | BinOp::Sub | BinOp::And | BinOp::Or | BinOp::Xor => self.ty,
            BinOp::Mul => Ty {
                width: self.ty.width * 2,
                signed: self.ty.signed,
            },
            _ => Ty::BIT,
        };
        Expr {
            kind: ExprKind::Bin(op, Box::new(self), Box::new(rhs)),
            ty,
        }
    }

    /// Reduction or.
    pub fn any(self) -> Expr {
        self.un(UnOp::RedOr)
    }
    /// Reduction and.
    pub fn all(self) -> Expr {
        self.un(UnOp::RedAnd)
    }
    /// Full product: both operands extended to the sum of their widths first.
    pub fn mul_full(self, b: Expr) -> Expr {
        let w = self.ty.width + b.ty.width;
        let a = self.ext(w);
        let b = b.ext(w);
        match a.bin(BinOp::Mul, b) {
            e @ Expr {
                kind: ExprKind::Invalid(_),
                ..
            } => e,
            e => Expr {
                ty: Ty {
                    width: w,
                    signed: e.ty.signed,
                },
                ..e
            },
        }
    }
    /// Bitwise and.
    pub fn and(self, b: Expr) -> Expr {
        self.bin(BinOp::And, b)
    }
    /// Bitwise or.
    pub fn or(self, b: Expr) -> Expr {
        self.bin(BinOp::Or, b)
    }
    /// Bitwise xor.
    pub fn xor(self, b: Expr) -> Expr {
        self.bin(BinOp::Xor, b)
    }
    /// `==`.
    pub fn eq(self, b: Expr) -> Expr {
        self.bin(BinOp::Eq, b)
    }
    /// `!=`.
    pub fn ne(self, b: Expr) -> Expr {
        self.bin(BinOp::Ne, b)
    }
    /// `<`.
    pub fn lt(self, b: Expr) -> Expr {
        self.bin(BinOp::Lt, b)
    }
    /// `<=`.
    pub fn le(self, b: Expr) -> Expr {
        self.bin(BinOp::Le, b)
    }
    /// `>`.
    pub fn gt(self, b: Expr) -> Expr {
        self.bin(BinOp::Gt, b)
    }
    /// `>=`.
    pub fn ge(self, b: Expr) -> Expr {
        self.bin(BinOp::Ge, b)
    }
    /// Compare with a constant of the same type.
    pub fn eq_k(self, k: i128) -> Expr {
        let ty = self.ty;
        self.eq(Expr::konst(k, ty))
    }
    /// `self + 1` (wrapping).
    pub fn inc(self) -> Expr {
        let ty = self.ty;
        self + Expr::konst(1, ty)
    }
    /// `self - 1` (wrapping).
    pub fn dec(self) -> Expr {
        let ty = self.ty;
        self - Expr::konst(1, ty)
    }
    /// Add a constant of the same type.
    pub fn add_k(self, k: i128) -> Expr {
        let ty = self.ty;
        self + Expr::konst(k, ty)
    }

    /// Logical shift left by a constant, same width.
    pub fn lsl(self, k: u32) -> Expr {
        if self.error().is_some() {
            return self;
        }
        if k >= self.ty.width {
            let ty = self.ty;
            return Expr::zero(ty);
        }
        let ty = self.ty;
        Expr {
            kind: ExprKind::Shl(Box::new(self), k),
            ty,
        }
    }

    /// Logical shift right by a constant (unsigned operand).
    pub fn lsr(self, k: u32) -> Expr {
        if self.error().is_some() {
            return self;
        }
        if self.ty.signed {
            return Expr::invalid(format!("logical shift of signed {}; use sra", self.ty));
        }
        if k == 0 {
            return self;
        }
        if k >= self.ty.width {
            let ty = self.ty;
            return Expr::zero(ty);
        }
        let ty = self.ty;
        Expr {
            kind: ExprKind::Shr(Box::new(self), k),
            ty,
        }
    }

    /// Arithmetic shift right by a constant (signed operand), same width; `k` may exceed the width.
    pub fn sra(self, k: u32) -> Expr {
        if self.error().is_some() {
            return self;
        }
        if !self.ty.signed {
            return Expr::invalid(format!("arithmetic shift of unsigned {}", self.ty));
        }
        if k == 0 {
            return self;
        }
        let k = k.min(self.ty.width - 1);
        let ty = self.ty;
        Expr {
            kind: ExprKind::Sra(Box::new(self), k),
            ty,
        }
    }

    /// Bits `hi..=lo`, unsigned.
    pub fn slice(self, hi: u32, lo: u32) -> Expr {
        if self.error().is_some() {
            return self;
        }
        if hi < lo || hi >= self.ty.width {
            return Expr::invalid(format!("slice [{hi}:{lo}] of {}", self.ty));
        }
        if lo == 0 && hi + 1 == self.ty.width && !self.ty.signed {
            return self;
        }
        Expr {
            kind: ExprKind::Slice(Box::new(self), hi, lo),
            ty: Ty::u(hi - lo + 1),
        }
    }

    /// One bit.
    pub fn bit_at(self, i: u32) -> Expr {
        self.slice(i, i)
    }

    /// The most significant bit.
    pub fn msb(self) -> Expr {
        let w = self.ty.width;
        self.slice(w - 1, w - 1)
    }

    /// Concatenation, most significant first.
    pub fn concat(parts: Vec<Expr>) -> Expr {
        if let Some(e) = parts.iter().find_map(Expr::error) {
            return Expr::invalid(e.to_string());
        }
        if parts.is_empty() {
            return Expr::invalid("empty concatenation".into());
        }
        if parts.len() == 1 && !parts[0].ty.signed {
            return parts.into_iter().next().unwrap();
        }
        let w = parts.iter().map(|p| p.ty.width).sum();
        Expr {
            kind: ExprKind::Concat(parts),
            ty: Ty::u(w),
        }
    }

    /// Extend to `width` (sign-extend signed, zero-extend unsigned); `width` >= current.
    pub fn ext(self, width: u32) -> Expr {
        if self.error().is_some() {
            return self;
        }
        if width < self.ty.width {
            return Expr::invalid(format!("extension of {} to {width} bits narrows", self.ty));
        }
        if width == self.ty.width {
            return self;
        }
        let ty = Ty {
            width,
            signed: self.ty.signed,
        };
        Expr {
            kind: ExprKind::Ext(Box::new(self)),
            ty,
        }
    }

    /// Keep the low `width` bits, same signedness; `width` <= current.
    pub fn trunc(self, width: u32) -> Expr {
        if self.error().is_some() {
            return self;
        }
        if width > self.ty.width {
            return Expr::invalid(format!("truncation of {} to {width} bits widens", self.ty));
        }
        if width == self.ty.width {
            return self;
        }
        let signed = self.ty.signed;
        let s = self.slice(width - 1, 0);
        if signed { s.as_signed() } else { s }
    }

    /// Resize to `width` by extension or truncation.
    pub fn resize(self, width: u32) -> Expr {
        if width >= self.ty.width {
            self.ext(width)
        } else {
            self.trunc(width)
        }
    }

    /// Reinterpret as signed.
    pub fn as_signed(self) -> Expr {
        if self.error().is_some() {
            return self;
        }
        if self.ty.signed {
            return self;
        }
        let ty = Ty::s(self.ty.width);
        Expr {
            kind: ExprKind::Cast(Box::new(self)),
            ty,
        }
    }

    /// Reinterpret as unsigned.
    pub fn as_unsigned(self) -> Expr {
        if self.error().is_some() {
            return self;
        }
        if !self.ty.signed {
            return self;
        }
        let ty = Ty::u(self.ty.width);
        Expr {
            kind: ExprKind::Cast(Box::new(self)),
            ty,
        }
    }

    /// Unsigned value made signed one bit wider (always non-negative).
    pub fn to_signed_wide(self) -> Expr {
        if self.error().is_some() {
            return self;
        }
        if self.ty.signed {
            return self;
        }
        let w = self.ty.width + 1;
        self.ext(w).as_signed()
    }

    /// `cond ? a : b` (cond 1 bit; a, b same type).
    pub fn mux(cond: Expr, a: Expr, b: Expr) -> Expr {
        if let Some(e) = cond.error().or_else(|| a.error()).or_else(|| b.error()) {
            return Expr::invalid(e.to_string());
        }
        if cond.ty != Ty::BIT {
            return Expr::invalid(format!("mux condition is {}, not u1", cond.ty));
        }
        if a.ty != b.ty {
            return Expr::invalid(format!("mux arms differ: {} and {}", a.ty, b.ty));
        }
        if let Some(c) = cond.const_value() {
            return if c != 0 { a } else { b };
        }
        let ty = a.ty;
        Expr {
            kind: ExprKind::Mux(Box::new(cond), Box::new(a), Box::new(b)),
            ty,
        }
    }

    /// Clamp a value to `[lo, hi]` and narrow it to `ty` (which must hold both bounds). A bound
    /// that is the limit of `ty` itself is tested on the high bits (all equal to the sign), with
    /// no comparator; other bounds use a comparison.
    pub fn clamp_to(self, lo: i128, hi: i128, ty: Ty) -> Expr {
        let st = self.ty;
        let (ty_lo, ty_hi) = Expr::zero(ty).range();
        let w = st.width;
        // bits of the source above the target's value bits; when all equal the sign (signed
        // source) or all zero (unsigned source), the value fits the target
        let keep = if ty.signed { ty.width - 1 } else { ty.width };
        let high = if st.signed {
            if keep + 1 >= w {
                None
            } else {
                Some(self.clone().slice(w - 2, keep))
            }
        } else if keep >= w {
            None
        } else {
            Some(self.clone().slice(w - 1, keep))
        };
        let sign = if st.signed {
            self.clone().msb()
        } else {
            Expr::bit(false)
        };
        let over_full = match &high {
            Some(h) => (!sign.clone()).and(h.clone().any()),
            None => Expr::bit(false),
        };
        let under_full = if !st.signed {
            Expr::bit(false)
        } else if ty.signed {
            match &high {
                Some(h) => sign.clone().and(!h.clone().all()),
                None => Expr::bit(false),
            }
        } else {
            sign.clone()
        };
        let under = if lo == ty_lo {
            under_full
        } else {
            self.clone().lt(Expr::konst(lo, st))
        };
        let over = if hi == ty_hi {
            over_full
        } else {
            self.clone().gt(Expr::konst(hi, st))
        };
        let narrowed = if ty.signed == st.signed {
            self.trunc(ty.width)
        } else if ty.signed {
            self.trunc(ty.width).as_signed()
        } else {
            self.as_unsigned().trunc(ty.width)
        };
        Expr::mux(
            under,
            Expr::konst(lo, ty),
            Expr::mux(over, Expr::konst(hi, ty), narrowed),
        )
    }

    /// Read of `mem[addr]` (use inside clocked processes).
    pub fn mem_read(mem: &MemHandle, addr: Expr) -> Expr {
        if let Some(e) = addr.error() {
            return Expr::invalid(e.to_string());
        }
        if addr.ty != Ty::u(mem.addr_width) {
            return Expr::invalid(format!(
                "address of memory {} is {}, expected u{}",
                mem.name, addr.ty, mem.addr_width
            ));
        }
        Expr {
            kind: ExprKind::MemRead(mem.id, mem.name.clone(), Box::new(addr)),
            ty: mem.ty,
        }
    }
}

impl Expr {
    /// The value of a constant node (sign-extended when signed), if this is one.
    pub fn const_value(&self) -> Option<i128> {
        match self.kind {
            ExprKind::Const(v) => Some(
                if self.ty.signed && self.ty.width < 128 && v >> (self.ty.width - 1) & 1 == 1 {
                    (v | !mask(self.ty.width)) as i128
                } else {
                    v as i128
                },
            ),
            _ => None,
        }
    }

    /// The range of values this expression's type can hold.
    fn range(&self) -> (i128, i128) {
        let w = self.ty.width.min(120);
        if self.ty.signed {
            (-(1i128 << (w - 1)), (1i128 << (w - 1)) - 1)
        } else {
            (0, (1i128 << w) - 1)
        }
    }
}

/// Fold an operation whose result does not depend on its non-constant operand: comparisons
/// decided by the operand's range (so the emitted Verilog has no constant comparisons, which
/// Verilator's lint rejects) and and/or with an all-zero or all-one constant.
fn fold(op: BinOp, a: &Expr, b: &Expr) -> Option<Expr> {
    let ty = a.ty;
    let all_ones = |e: &Expr| matches!(e.kind, ExprKind::Const(v) if v == mask(e.ty.width));
    let zero = |e: &Expr| matches!(e.kind, ExprKind::Const(0));
    match op {
        BinOp::Add | BinOp::Or | BinOp::Xor if zero(b) => return Some(a.clone()),
        BinOp::Add | BinOp::Or | BinOp::Xor if zero(a) => return Some(b.clone()),
        BinOp::Sub if zero(b) => return Some(a.clone()),
        BinOp::And if zero(a) || zero(b) => return Some(Expr::zero(ty)),
        BinOp::And if all_ones(a) => return Some(b.clone()),
        BinOp::And if all_ones(b) => return Some(a.clone()),
        BinOp::Or if zero(a) => return Some(b.clone()),
        BinOp::Or if zero(b) => return Some(a.clone()),
        BinOp::Or if all_ones(a) || all_ones(b) => {
            return Some(Expr {
                kind: ExprKind::Const(mask(ty.width)),
                ty,
            });
        }
        _ => {}
    }
    let (x, c, flipped) = match (a.const_value(), b.const_value()) {
        (Some(ca), Some(cb)) => {
            let r = match op {
                BinOp::Eq => ca == cb,
                BinOp::Ne => ca != cb,
                BinOp::Lt => ca < cb,
                BinOp::Le => ca <= cb,
                BinOp::Gt => ca > cb,
                BinOp::Ge => ca >= cb,
                _ => return None,
            };
            return Some(Expr::bit(r));
        }
        (None, Some(c)) => (a, c, false),
        (Some(c), None) => (b, c, true),
        (None, None) => return None,
    };
    // normalise to `x op c`
    let op = if flipped {
        match op {
            BinOp::Lt => BinOp::Gt,
            BinOp::Le => BinOp::Ge,
            BinOp::Gt => BinOp::Lt,
            BinOp::Ge => BinOp::Le,
            o => o,
        }
    } else {
        op
    };
    let (lo, hi) = x.range();
    let decided = match op {
        BinOp::Lt if hi < c => Some(true),
        BinOp::Lt if lo >= c => Some(false),
        BinOp::Le if hi <= c => Some(true),
        BinOp::Le if lo > c => Some(false),
        BinOp::Gt if lo > c => Some(true),
        BinOp::Gt if hi <= c => Some(false),
        BinOp::Ge if lo >= c => Some(true),
        BinOp::Ge if hi < c => Some(false),
        BinOp::Eq if c < lo || c > hi => Some(false),
        BinOp::Ne if c < lo || c > hi => Some(true),
        _ => None,
    };
    decided.map(Expr::bit)
}

/// Wrapping add of equal types.
impl std::ops::Add for Expr {
    type Output = Expr;
    fn add(self, b: Expr) -> Expr {
        self.bin(BinOp::Add, b)
    }
}

/// Wrapping subtract of equal types.
impl std::ops::Sub for Expr {
    type Output = Expr;
    fn sub(self, b: Expr) -> Expr {
        self.bin(BinOp::Sub, b)
    }
}

/// Bitwise not.
impl std::ops::Not for Expr {
    type Output = Expr;
    fn not(self) -> Expr {
        self.un(UnOp::Not)
    }
}

/// Two's complement negation (signed only).
impl std::ops::Neg for Expr {
    type Output = Expr;
    fn neg(self) -> Expr {
        self.un(UnOp::Neg)
    }
}

/// A handle to a signal: its id, name and type, usable as an expression.
#[derive(Debug, Clone)]
pub struct Sig {
    /// Id in its module.
    pub id: SigId,
    /// Name.
    pub name: Rc<str>,
    /// Type.
    pub ty: Ty,
}

impl Sig {
    /// The signal as an expression.
    pub fn e(&self) -> Expr {
        Expr {
            kind: ExprKind::Sig(self.id, self.name.clone()),
            ty: self.ty,
        }
    }
}

/// A handle to a memory.
#[derive(Debug, Clone)]
pub struct MemHandle {
    /// Id in its module.
    pub id: MemId,
    /// Name.
    pub name: Rc<str>,
    /// Word type.
    pub ty: Ty,
    /// Address bits.
    pub addr_width: u32,
}

/// A statement of a process.
#[derive(Debug, Clone)]
pub enum Stmt {
    /// `dst <= value` in clocked, `dst = value` in combinational processes.
    Assign(SigId, Rc<str>, Expr),
    /// `if (cond) then else els`.
    If(Expr, Vec<Stmt>, Vec<Stmt>),
    /// `case (sel)` with constant labels and a default.
    Case(Expr, Vec<(Vec<u128>, Vec<Stmt>)>, Vec<Stmt>),
    /// `mem[addr] <= data`.
    MemWrite(MemId, Rc<str>, Expr, Expr),
}

/// A process.
#[derive(Debug, Clone)]
pub struct Process {
    /// Clocked (`always @(posedge clk)`) or combinational (`always @*`).
    pub clocked: bool,
    /// Statements.
    pub body: Vec<Stmt>,
    /// Comment printed above.
    pub comment: Option<String>,
    /// Printed as `(* keep *) always ...`: synthesis keeps its flip-flops even where another
    /// flip-flop computes the same value (a replicated register, [`Module::clocked_keep`]).
    pub keep: bool,
}

/// How a memory gets its initial contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MemInit {
    /// No initial contents (cleared by a sweep, or written through the host port).
    None,
    /// `$readmemh` of the module's string parameter of this name, when it is not empty.
    HexParam(String),
}

/// A memory array.
#[derive(Debug, Clone)]
pub struct Memory {
    /// Name.
    pub name: String,
    /// Word type.
    pub ty: Ty,
    /// Words.
    pub depth: u64,
    /// Initial contents.
    pub init: MemInit,
    /// Verilog attributes, e.g. `("no_rw_check", "")` or `("ram_style", "\"huge\"")`.
    pub attrs: Vec<(String, String)>,
}

/// A parameter value of an instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParamValue {
    /// A string.
    Str(String),
    /// An integer.
    Int(i64),
    /// Verbatim text (e.g. `"0x000"` for vendor primitives' string parameters).
    Raw(String),
    /// A bit vector, least significant bit first, printed as a sized hexadecimal constant
    /// (`320'h...`): vendor primitives' initial contents.
    Bits(Vec<bool>),
}

/// An instance of another module or primitive.
#[derive(Debug, Clone)]
pub struct Instance {
    /// The module.
    pub module: String,
    /// Instance name.
    pub name: String,
    /// Parameters.
    pub params: Vec<(String, ParamValue)>,
    /// Port connections: port name and expression (inputs) or signal (outputs).
    pub conns: Vec<(String, Expr)>,
}

/// A string parameter of a module (used for init file names).
#[derive(Debug, Clone)]
pub struct Param {
    /// Name.
    pub name: String,
    /// Default value.
    pub default: String,
}

/// A body that replaces a module's own body when a preprocessor macro is defined: the module
/// prints as `` `ifdef MACRO `` this body `` `else `` its own body `` `endif `` under one port
/// list (e.g. vendor primitives for synthesis, a behavioural model for simulation).
#[derive(Debug, Clone)]
pub struct AltBody {
    /// The macro, e.g. `SYNTHESIS` (Yosys defines it in `read_verilog`).
    pub define: String,
    /// A module with the same ports (names, types, kinds, order) and no parameters of its own;
    /// its internal signals, memories, assignments, processes and instances form the body.
    pub body: Module,
}

/// A module being built.
#[derive(Debug, Clone)]
pub struct Module {
    /// Name.
    pub name: String,
    /// Comment lines printed above the module.
    pub doc: Vec<String>,
    /// String parameters.
    pub params: Vec<Param>,
    /// Signals in declaration order (ports first as declared).
    pub signals: Vec<Signal>,
    /// Memories.
    pub memories: Vec<Memory>,
    /// Continuous assignments.
    pub assigns: Vec<(SigId, Rc<str>, Expr)>,
    /// Processes.
    pub processes: Vec<Process>,
    /// Instances.
    pub instances: Vec<Instance>,
    /// Verilog attributes printed before an instance: (instance name, (name, value) pairs),
    /// e.g. a vendor primitive's `(* ICP_CURRENT = "12" *)`.
    pub instance_attrs: Vec<(String, Vec<(String, String)>)>,
    /// Type errors recorded while building.
    pub errors: Vec<String>,
    /// The body used instead of this one when a macro is defined.
    pub alt: Option<Box<AltBody>>,
}

impl Module {
    /// An empty module.
    pub fn new(name: impl Into<String>) -> Module {
        Module {
            name: name.into(),
            doc: Vec::new(),
            params: Vec::new(),
            signals: Vec::new(),
            memories: Vec::new(),
            assigns: Vec::new(),
            processes: Vec::new(),
            instances: Vec::new(),
            instance_attrs: Vec::new(),
            errors: Vec::new(),
            alt: None,
        }
    }

    fn declare(&mut self, name: &str, ty: Ty, kind: SigKind) -> Sig {
        if ty.width == 0 {
            self.errors.push(format!("signal {name}: zero width"));
        }
        if self.signals.iter().any(|s| s.name == name) {
            self.errors.push(format!("signal {name}: declared twice"));
        }
        let id = SigId(self.signals.len());
        self.signals.push(Signal {
            name: name.to_string(),
            ty,
            kind,
            comment: None,
            partly_unused: None,
        });
        Sig {
            id,
            name: name.into(),
            ty,
        }
    }

    /// Declare an input port.
    pub fn input(&mut self, name: &str, ty: Ty) -> Sig {
        self.declare(name, ty, SigKind::Input)
    }
    /// Declare an output port driven by an assignment or an instance.
    pub fn output(&mut self, name: &str, ty: Ty) -> Sig {
        self.declare(name, ty, SigKind::Output)
    }
    /// Declare an output port that is a register.
    pub fn output_reg(&mut self, name: &str, ty: Ty) -> Sig {
        self.declare(name, ty, SigKind::OutputReg)
    }
    /// Declare a wire.
    pub fn wire(&mut self, name: &str, ty: Ty) -> Sig {
        self.declare(name, ty, SigKind::Wire)
    }
    /// Declare a register.
    pub fn reg(&mut self, name: &str, ty: Ty) -> Sig {
        self.declare(name, ty, SigKind::Reg)
    }

    /// Declare a wire and drive it with `value`.
    pub fn net(&mut self, name: &str, value: Expr) -> Sig {
        let s = self.wire(name, value.ty);
        self.assign(&s, value);
        s
    }

    /// Attach a comment to a signal's declaration.
    pub fn comment(&mut self, s: &Sig, text: &str) {
        self.signals[s.id.0].comment = Some(text.to_string());
    }

    /// Mark an input as read only in part, with the reason (emits a Verilator waiver).
    pub fn partly_unused(&mut self, s: &Sig, reason: &str) {
        self.signals[s.id.0].partly_unused = Some(reason.to_string());
    }

    /// Add a string parameter.
    pub fn param(&mut self, name: &str, default: &str) {
        self.params.push(Param {
            name: name.into(),
            default: default.into(),
        });
    }

    /// Declare a memory.
    pub fn memory(&mut self, name: &str, ty: Ty, depth: u64, init: MemInit) -> MemHandle {
        let id = MemId(self.memories.len());
        self.memories.push(Memory {
            name: name.into(),
            ty,
            depth,
            init,
            attrs: Vec::new(),
        });
        MemHandle {
            id,
            name: name.into(),
            ty,
            addr_width: crate::ir::addr_width(depth),
        }
    }

    /// Add an attribute to a memory.
    pub fn mem_attr(&mut self, m: &MemHandle, key: &str, value: &str) {
        self.memories[m.id.0].attrs.push((key.into(), value.into()));
    }

    fn check_expr(&mut self, target: &str, value: &Expr, ty: Option<Ty>) {
        if let Some(e) = value.error() {
            self.errors
                .push(format!("{}: assignment to {target}: {e}", self.name));
        } else if let Some(ty) = ty
            && ty != value.ty
        {
            self.errors.push(format!(
                "{}: assignment to {target}: value is {}, {target} is {ty}",
                self.name, value.ty
            ));
        }
    }

    /// Continuous assignment `assign dst = value`.
    pub fn assign(&mut self, dst: &Sig, value: Expr) {
        self.check_expr(&dst.name, &value, Some(dst.ty));
        self.assigns.push((dst.id, dst.name.clone(), value));
    }

    /// Add a clocked process.
    pub fn clocked(&mut self, comment: &str, body: Vec<Stmt>) {
        self.check_stmts(&body);
        let comment = (!comment.is_empty()).then(|| comment.to_string());
        self.processes.push(Process {
            clocked: true,
            body,
            comment,
            keep: false,
        });
    }

    /// A clocked process whose flip-flops synthesis keeps although another flip-flop holds the
    /// same value (Yosys merges equal flip-flops otherwise): a register replicated so that each
    /// copy is placed near its own loads, e.g. a reset's per-layer copies.
    pub fn clocked_keep(&mut self, comment: &str, body: Vec<Stmt>) {
        self.clocked(comment, body);
        if let Some(p) = self.processes.last_mut() {
            p.keep = true;
        }
    }

    /// Add a combinational process (every target must be assigned on every path; the emitter
    /// does not check that, so start the body with default assignments).
    pub fn comb(&mut self, comment: &str, body: Vec<Stmt>) {
        self.check_stmts(&body);
        let comment = (!comment.is_empty()).then(|| comment.to_string());
        self.processes.push(Process {
            clocked: false,
            body,
            comment,
            keep: false,
        });
    }

    fn check_stmts(&mut self, body: &[Stmt]) {
        for s in body {
            match s {
                Stmt::Assign(id, name, v) => {
                    let ty = self.signals[id.0].ty;
                    self.check_expr(name, v, Some(ty));
                }
                Stmt::If(c, a, b) => {
                    self.check_expr("if condition", c, Some(Ty::BIT));
                    self.check_stmts(a);
                    self.check_stmts(b);
                }
                Stmt::Case(sel, arms, def) => {
                    self.check_expr("case selector", sel, None);
                    for (_, a) in arms {
                        self.check_stmts(a);
                    }
                    self.check_stmts(def);
                }
                Stmt::MemWrite(m, name, addr, data) => {
                    let mem = &self.memories[m.0];
                    let (ty, aw) = (mem.ty, addr_width(mem.depth));
                    self.check_expr(&format!("{name} address"), addr, Some(Ty::u(aw)));
                    self.check_expr(&format!("{name} data"), data, Some(ty));
                }
            }
        }
    }

    /// Instantiate a module.
    pub fn instance(&mut self, inst: Instance) {
        for (p, e) in &inst.conns {
            if let Some(err) = e.error() {
                self.errors.push(format!(
                    "{}: instance {} port {p}: {err}",
                    self.name, inst.name
                ));
            }
        }
        self.instances.push(inst);
    }

    /// Use `body` instead of this module's body when the macro `define` is defined.
    pub fn set_alt(&mut self, define: &str, body: Module) {
        self.alt = Some(Box::new(AltBody {
            define: define.into(),
            body,
        }));
    }

    /// Type errors recorded while building (in the alternative body too, whose ports must
    /// equal this module's), or Ok.
    pub fn check(&self) -> Result<(), String> {
        let mut errs = self.errors.clone();
        if let Some(alt) = &self.alt {
            if let Err(e) = alt.body.check() {
                errs.push(e);
            }
            let sig = |s: &Signal| (s.name.clone(), s.ty, s.kind);
            let mine: Vec<_> = self.ports().map(sig).collect();
            let theirs: Vec<_> = alt.body.ports().map(sig).collect();
            if mine != theirs {
                errs.push(format!(
                    "{}: the `ifdef {} body's ports differ from the module's",
                    self.name, alt.define
                ));
            }
            if !alt.body.params.is_empty() {
                errs.push(format!(
                    "{}: the `ifdef {} body declares parameters",
                    self.name, alt.define
                ));
            }
        }
        if errs.is_empty() {
            Ok(())
        } else {
            Err(errs.join("\n"))
        }
    }

    /// The port signals, in declaration order.
    pub fn ports(&self) -> impl Iterator<Item = &Signal> {
        self.signals.iter().filter(|s| {
            matches!(
                s.kind,
                SigKind::Input | SigKind::Output | SigKind::OutputReg
            )
        })
    }
}

/// Address bits of a memory of `depth` words (at least 1).
pub fn addr_width(depth: u64) -> u32 {
    golden::arith::addr_bits(depth)
}

/// Statement helpers.
pub mod stmt {
    use super::*;

    /// `dst <= value`.
    pub fn set(dst: &Sig, value: Expr) -> Stmt {
        Stmt::Assign(dst.id, dst.name.clone(), value)
    }
    /// `if (c) { a }`.
    pub fn when(c: Expr, a: Vec<Stmt>) -> Stmt {
        Stmt::If(c, a, Vec::new())
    }
    /// `if (c) { a } else { b }`.
    pub fn if_else(c: Expr, a: Vec<Stmt>, b: Vec<Stmt>) -> Stmt {
        Stmt::If(c, a, b)
    }
    /// `mem[addr] <= data`.
    pub fn mem_write(m: &MemHandle, addr: Expr, data: Expr) -> Stmt {
        Stmt::MemWrite(m.id, m.name.clone(), addr, data)
    }
}

/// A set of modules with a top.
#[derive(Debug, Clone)]
pub struct Design {
    /// Modules in emission order.
    pub modules: Vec<Module>,
    /// Name of the top module.
    pub top: String,
}

impl Design {
    /// Check every module's types and every instance's ports against the instantiated module.
    pub fn check(&self) -> Result<(), String> {
        let mut errs = Vec::new();
        for m in &self.modules {
            if let Err(e) = m.check() {
                errs.push(e);
            }
            let alt = m.alt.iter().flat_map(|a| a.body.instances.iter());
            for inst in m.instances.iter().chain(alt) {
                let Some(sub) = self.modules.iter().find(|s| s.name == inst.module) else {
                    continue; // a vendor primitive
                };
                for (p, e) in &inst.conns {
                    match sub.ports().find(|s| &s.name == p) {
                        None => errs.push(format!(
                            "{}: instance {}: {} has no port {p}",
                            m.name, inst.name, sub.name
                        )),
                        Some(s) if s.ty != e.ty => errs.push(format!(
                            "{}: instance {} port {p}: connected {}, port is {}",
                            m.name, inst.name, e.ty, s.ty
                        )),
                        _ => {}
                    }
                }
                for s in sub.ports() {
                    if !inst.conns.iter().any(|(p, _)| p == &s.name) {
                        errs.push(format!(
                            "{}: instance {}: port {} not connected",
                            m.name, inst.name, s.name
                        ));
                    }
                }
            }
        }
        if errs.is_empty() {
            Ok(())
        } else {
            Err(errs.join("\n"))
        }
    }
}
