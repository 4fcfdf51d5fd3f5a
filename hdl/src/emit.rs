//! The one Verilog printer: IR in, Verilog-2005 text out.
//!
//! Key decisions:
//! - Deterministic: the output depends only on the IR, which depends only on the config; no
//!   hash-map iteration, no timestamps.
//! - Every node is printed so that its Verilog width and signedness equal its IR type: slices and
//!   concatenations are unsigned in Verilog, so a signed IR node built from them is wrapped in
//!   `$signed(...)`; constants are sized and carry `s` when signed; extensions are explicit
//!   replications of the sign bit. With the IR's equal-type rule this makes Verilog's
//!   context-determined sizing harmless.
//! - One module per file, named after the module (Verilator's `DECLFILENAME` rule).

use crate::ir::*;
use std::fmt::Write;

/// Print a constant of type `ty` whose low bits are `v`.
fn konst(v: u128, ty: Ty) -> String {
    let w = ty.width;
    if ty.signed {
        format!("{w}'sh{v:X}")
    } else if w <= 32 || v < (1 << 32) {
        format!("{w}'d{v}")
    } else {
        format!("{w}'h{v:X}")
    }
}

/// True when the Verilog expression printed for `e` is signed by Verilog's rules.
fn verilog_signed(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Slice(..) | ExprKind::Concat(_) => false,
        ExprKind::Un(UnOp::RedOr | UnOp::RedAnd, _) => false,
        ExprKind::Bin(op, ..) => {
            !matches!(
                op,
                BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge
            ) && e.ty.signed
        }
        _ => e.ty.signed,
    }
}

/// Print an expression as an operand (parenthesised unless atomic).
fn operand(e: &Expr) -> String {
    let s = expr(e);
    match &e.kind {
        ExprKind::Sig(..) | ExprKind::Const(_) | ExprKind::Slice(..) | ExprKind::Concat(_) => s,
        ExprKind::Cast(_) | ExprKind::MemRead(..) | ExprKind::Ext(_) => s,
        _ => format!("({s})"),
    }
}

/// Print an expression.
pub fn expr(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Sig(_, name) => name.to_string(),
        ExprKind::Const(v) => konst(*v, e.ty),
        ExprKind::Un(op, a) => {
            let o = match op {
                UnOp::Not => "~",
                UnOp::Neg => "-",
                UnOp::RedOr => "|",
                UnOp::RedAnd => "&",
            };
            format!("{o}{}", operand(a))
        }
        ExprKind::Bin(op, a, b) => {
            let o = match op {
                BinOp::Add => "+",
                BinOp::Sub => "-",
                BinOp::Mul => "*",
                BinOp::And => "&",
                BinOp::Or => "|",
                BinOp::Xor => "^",
                BinOp::Eq => "==",
                BinOp::Ne => "!=",
                BinOp::Lt => "<",
                BinOp::Le => "<=",
                BinOp::Gt => ">",
                BinOp::Ge => ">=",
            };
            format!("{} {o} {}", signed_operand(a), signed_operand(b))
        }
        ExprKind::Shl(a, k) => format!("{} << {k}", operand(a)),
        ExprKind::Shr(a, k) => format!("{} >> {k}", operand(a)),
        ExprKind::Sra(a, k) => format!("{} >>> {k}", signed_operand(a)),
        ExprKind::Mux(c, a, b) => {
            format!(
                "{} ? {} : {}",
                operand(c),
                signed_operand(a),
                signed_operand(b)
            )
        }
        ExprKind::Slice(a, hi, lo) => {
            let base = slice_base(a);
            if hi == lo {
                format!("{base}[{hi}]")
            } else {
                format!("{base}[{hi}:{lo}]")
            }
        }
        ExprKind::Concat(parts) => {
            let p: Vec<String> = parts.iter().map(unsigned_operand).collect();
            format!("{{{}}}", p.join(", "))
        }
        ExprKind::Ext(a) => {
            let k = e.ty.width - a.ty.width;
            let inner = unsigned_operand(a);
            let fill = if a.ty.signed {
                let top = a.ty.width - 1;
                let msb = format!("{}[{top}]", slice_base(a));
                if k == 1 {
                    msb
                } else {
                    format!("{{{k}{{{msb}}}}}")
                }
            } else {
                format!("{k}'d0")
            };
            let cat = format!("{{{fill}, {inner}}}");
            if e.ty.signed {
                format!("$signed({cat})")
            } else {
                cat
            }
        }
        ExprKind::Cast(a) => {
            if e.ty.signed {
                format!("$signed({})", expr(a))
            } else {
                format!("$unsigned({})", expr(a))
            }
        }
        ExprKind::MemRead(_, name, addr) => format!("{name}[{}]", expr(addr)),
        ExprKind::Invalid(m) => format!("/* invalid: {m} */"),
    }
}

/// An operand whose Verilog signedness must equal its IR type.
fn signed_operand(e: &Expr) -> String {
    if e.ty.signed && !verilog_signed(e) {
        format!("$signed({})", expr(e))
    } else {
        operand(e)
    }
}

/// An operand inside a concatenation (signedness irrelevant).
fn unsigned_operand(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Cast(a) => unsigned_operand(a),
        _ => operand(e),
    }
}

/// The base of a part-select: Verilog-2005 can slice only a name; other expressions are not
/// sliceable, so the IR builder only slices signals, memories' read registers or casts of them.
fn slice_base(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Sig(_, name) => name.to_string(),
        ExprKind::Cast(a) => slice_base(a),
        _ => unreachable!("slices of compound expressions are hoisted by `lower`"),
    }
}

fn range(ty: Ty) -> String {
    let s = if ty.signed { "signed " } else { "" };
    if ty.width == 1 && !ty.signed {
        String::new()
    } else {
        format!("{s}[{}:0] ", ty.width - 1)
    }
}

fn stmts(out: &mut String, body: &[Stmt], ind: usize, clocked: bool) {
    let pad = "    ".repeat(ind);
    let op = if clocked { "<=" } else { "=" };
    for s in body {
        match s {
            Stmt::Assign(_, name, v) => {
                let _ = writeln!(out, "{pad}{name} {op} {};", expr(v));
            }
            Stmt::If(c, a, b) => {
                let _ = writeln!(out, "{pad}if ({}) begin", expr(c));
                stmts(out, a, ind + 1, clocked);
                if b.is_empty() {
                    let _ = writeln!(out, "{pad}end");
                } else if b.len() == 1 && matches!(b[0], Stmt::If(..)) {
                    // else-if chain
                    let mut inner = String::new();
                    stmts(&mut inner, b, ind, clocked);
                    let _ = write!(out, "{pad}end else {}", inner.trim_start());
                } else {
                    let _ = writeln!(out, "{pad}end else begin");
                    stmts(out, b, ind + 1, clocked);
                    let _ = writeln!(out, "{pad}end");
                }
            }
            Stmt::Case(sel, arms, def) => {
                let _ = writeln!(out, "{pad}case ({})", expr(sel));
                for (labels, a) in arms {
                    let l: Vec<String> = labels
                        .iter()
                        .map(|v| konst(*v, Ty::u(sel.ty.width)))
                        .collect();
                    let _ = writeln!(out, "{pad}    {}: begin", l.join(", "));
                    stmts(out, a, ind + 2, clocked);
                    let _ = writeln!(out, "{pad}    end");
                }
                let _ = writeln!(out, "{pad}    default: begin");
                stmts(out, def, ind + 2, clocked);
                let _ = writeln!(out, "{pad}    end");
                let _ = writeln!(out, "{pad}endcase");
            }
            Stmt::MemWrite(_, name, addr, data) => {
                let _ = writeln!(out, "{pad}{name}[{}] <= {};", expr(addr), expr(data));
            }
        }
    }
}

fn param_value(v: &ParamValue) -> String {
    match v {
        ParamValue::Str(s) => format!("\"{s}\""),
        ParamValue::Int(i) => i.to_string(),
        ParamValue::Raw(r) => r.clone(),
        ParamValue::Bits(b) => bits_hex(b),
    }
}

/// A bit vector (least significant first) as a sized hexadecimal constant, all digits printed.
fn bits_hex(b: &[bool]) -> String {
    let digits: String = b
        .chunks(4)
        .rev()
        .map(|c| {
            let v = c.iter().rev().fold(0u32, |a, &x| a << 1 | x as u32);
            char::from_digit(v, 16).unwrap().to_ascii_uppercase()
        })
        .collect();
    format!("{}'h{digits}", b.len())
}

fn sliceable(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Sig(..) => true,
        ExprKind::Cast(a) => sliceable(a),
        _ => false,
    }
}

/// Replace slices (and sign extensions, which slice the sign bit) of compound expressions by
/// slices of new wires, since Verilog-2005 part-selects apply only to names.
fn hoist(e: &Expr, m: &mut Module, n: &mut usize) -> Expr {
    let sub = |a: &Expr, m: &mut Module, n: &mut usize| -> Box<Expr> { Box::new(hoist(a, m, n)) };
    let named = |a: Box<Expr>, m: &mut Module, n: &mut usize| -> Box<Expr> {
        if sliceable(&a) {
            return a;
        }
        let name = loop {
            *n += 1;
            let name = format!("t{n}_");
            if !m.signals.iter().any(|s| s.name == name) {
                break name;
            }
        };
        let t = m.net(&name, *a);
        m.partly_unused(
            &t,
            "temporary for a part-select; the other bits are not needed",
        );
        Box::new(t.e())
    };
    let kind = match &e.kind {
        ExprKind::Sig(..) | ExprKind::Const(_) | ExprKind::Invalid(_) => e.kind.clone(),
        ExprKind::Un(op, a) => ExprKind::Un(*op, sub(a, m, n)),
        ExprKind::Bin(op, a, b) => ExprKind::Bin(*op, sub(a, m, n), sub(b, m, n)),
        ExprKind::Shl(a, k) => ExprKind::Shl(sub(a, m, n), *k),
        ExprKind::Shr(a, k) => ExprKind::Shr(sub(a, m, n), *k),
        ExprKind::Sra(a, k) => ExprKind::Sra(sub(a, m, n), *k),
        ExprKind::Mux(c, a, b) => ExprKind::Mux(sub(c, m, n), sub(a, m, n), sub(b, m, n)),
        ExprKind::Slice(a, hi, lo) => {
            let a = sub(a, m, n);
            ExprKind::Slice(named(a, m, n), *hi, *lo)
        }
        ExprKind::Concat(v) => ExprKind::Concat(v.iter().map(|p| hoist(p, m, n)).collect()),
        ExprKind::Ext(a) => {
            let a = sub(a, m, n);
            ExprKind::Ext(if a.ty.signed { named(a, m, n) } else { a })
        }
        ExprKind::Cast(a) => ExprKind::Cast(sub(a, m, n)),
        ExprKind::MemRead(id, name, a) => ExprKind::MemRead(*id, name.clone(), sub(a, m, n)),
    };
    Expr { kind, ty: e.ty }
}

fn hoist_stmts(body: &[Stmt], m: &mut Module, n: &mut usize) -> Vec<Stmt> {
    body.iter()
        .map(|s| match s {
            Stmt::Assign(id, name, v) => Stmt::Assign(*id, name.clone(), hoist(v, m, n)),
            Stmt::If(c, a, b) => {
                Stmt::If(hoist(c, m, n), hoist_stmts(a, m, n), hoist_stmts(b, m, n))
            }
            Stmt::Case(sel, arms, def) => Stmt::Case(
                hoist(sel, m, n),
                arms.iter()
                    .map(|(l, a)| (l.clone(), hoist_stmts(a, m, n)))
                    .collect(),
                hoist_stmts(def, m, n),
            ),
            Stmt::MemWrite(id, name, a, d) => {
                Stmt::MemWrite(*id, name.clone(), hoist(a, m, n), hoist(d, m, n))
            }
        })
        .collect()
}

/// The module with every slice of a compound expression hoisted into a wire.
fn lower(src: &Module) -> Module {
    let mut m = src.clone();
    m.assigns.clear();
    m.processes.clear();
    m.instances.clear();
    let mut n = 0;
    for (id, name, v) in &src.assigns {
        let v = hoist(v, &mut m, &mut n);
        m.assigns.push((*id, name.clone(), v));
    }
    for p in &src.processes {
        let body = hoist_stmts(&p.body, &mut m, &mut n);
        m.processes.push(Process { body, ..p.clone() });
    }
    for i in &src.instances {
        let conns = i
            .conns
            .iter()
            .map(|(p, e)| (p.clone(), hoist(e, &mut m, &mut n)))
            .collect();
        m.instances.push(Instance { conns, ..i.clone() });
    }
    m
}

/// Print one module. `header` lines are printed as `//` comments at the top of the file.
pub fn module(m: &Module, header: &[String]) -> Result<String, String> {
    m.check()?;
    let m = &lower(m);
    let mut out = String::new();
    for h in header {
        let _ = writeln!(out, "// {h}");
    }
    for d in &m.doc {
        let _ = writeln!(out, "// {d}");
    }
    let ports: Vec<&Signal> = m.ports().collect();
    if m.params.is_empty() {
        let _ = writeln!(out, "module {} (", m.name);
    } else {
        let _ = writeln!(out, "module {} #(", m.name);
        for (k, p) in m.params.iter().enumerate() {
            let comma = if k + 1 < m.params.len() { "," } else { "" };
            let _ = writeln!(out, "    parameter {} = \"{}\"{comma}", p.name, p.default);
        }
        let _ = writeln!(out, ") (");
    }
    for (k, s) in ports.iter().enumerate() {
        let dir = match s.kind {
            SigKind::Input => "input  wire",
            SigKind::Output => "output wire",
            _ => "output reg ",
        };
        let comma = if k + 1 < ports.len() { "," } else { "" };
        let c = s
            .comment
            .as_ref()
            .map(|c| format!(" // {c}"))
            .unwrap_or_default();
        if let Some(r) = &s.partly_unused {
            let _ = writeln!(out, "    /* verilator lint_off UNUSEDSIGNAL */ // {r}");
        }
        let _ = writeln!(out, "    {dir} {}{}{comma}{c}", range(s.ty), s.name);
        if s.partly_unused.is_some() {
            let _ = writeln!(out, "    /* verilator lint_on UNUSEDSIGNAL */");
        }
    }
    let _ = writeln!(out, ");");
    match &m.alt {
        Some(alt) => {
            let _ = writeln!(out, "`ifdef {}", alt.define);
            body(&mut out, &lower(&alt.body));
            let _ = writeln!(out, "`else");
            body(&mut out, m);
            let _ = writeln!(out, "`endif");
        }
        None => body(&mut out, m),
    }
    let _ = writeln!(out, "endmodule");
    Ok(out)
}

/// Print a module's body: internal declarations, memories, assignments, processes, instances.
fn body(out: &mut String, m: &Module) {
    let internal: Vec<&Signal> = m
        .signals
        .iter()
        .filter(|s| matches!(s.kind, SigKind::Wire | SigKind::Reg))
        .collect();
    if !internal.is_empty() {
        out.push('\n');
    }
    for s in internal {
        let kw = if s.kind == SigKind::Wire {
            "wire"
        } else {
            "reg "
        };
        let c = s
            .comment
            .as_ref()
            .map(|c| format!(" // {c}"))
            .unwrap_or_default();
        if let Some(r) = &s.partly_unused {
            let _ = writeln!(out, "    /* verilator lint_off UNUSEDSIGNAL */ // {r}");
        }
        let _ = writeln!(out, "    {kw} {}{};{c}", range(s.ty), s.name);
        if s.partly_unused.is_some() {
            let _ = writeln!(out, "    /* verilator lint_on UNUSEDSIGNAL */");
        }
    }
    for mem in &m.memories {
        out.push('\n');
        let attrs: Vec<String> = mem
            .attrs
            .iter()
            .map(|(k, v)| {
                if v.is_empty() {
                    k.clone()
                } else {
                    format!("{k} = {v}")
                }
            })
            .collect();
        if !attrs.is_empty() {
            let _ = writeln!(out, "    (* {} *)", attrs.join(", "));
        }
        let _ = writeln!(
            out,
            "    reg {}{} [0:{}];",
            range(mem.ty),
            mem.name,
            mem.depth - 1
        );
        if let MemInit::HexParam(p) = &mem.init {
            let _ = writeln!(out, "    initial begin");
            let _ = writeln!(
                out,
                "        if ({p} != \"\") $readmemh({p}, {});",
                mem.name
            );
            let _ = writeln!(out, "    end");
        }
    }
    if !m.assigns.is_empty() {
        out.push('\n');
    }
    for (_, name, v) in &m.assigns {
        let _ = writeln!(out, "    assign {name} = {};", expr(v));
    }
    for p in &m.processes {
        out.push('\n');
        if let Some(c) = &p.comment {
            for line in c.lines() {
                let _ = writeln!(out, "    // {line}");
            }
        }
        let keep = if p.keep { "(* keep *) " } else { "" };
        if p.clocked {
            let _ = writeln!(out, "    {keep}always @(posedge clk) begin");
        } else {
            let _ = writeln!(out, "    always @* begin");
        }
        stmts(out, &p.body, 2, p.clocked);
        let _ = writeln!(out, "    end");
    }
    for inst in &m.instances {
        out.push('\n');
        for (_, attrs) in m.instance_attrs.iter().filter(|a| a.0 == inst.name) {
            for (k, v) in attrs {
                let _ = writeln!(out, "    (* {k} = {v} *)");
            }
        }
        if inst.params.is_empty() {
            let _ = writeln!(out, "    {} {} (", inst.module, inst.name);
        } else {
            let _ = writeln!(out, "    {} #(", inst.module);
            for (k, (n, v)) in inst.params.iter().enumerate() {
                let comma = if k + 1 < inst.params.len() { "," } else { "" };
                let _ = writeln!(out, "        .{n}({}){comma}", param_value(v));
            }
            let _ = writeln!(out, "    ) {} (", inst.name);
        }
        for (k, (p, e)) in inst.conns.iter().enumerate() {
            let comma = if k + 1 < inst.conns.len() { "," } else { "" };
            let _ = writeln!(out, "        .{p}({}){comma}", expr(e));
        }
        let _ = writeln!(out, "    );");
    }
}

/// Print every module of a design: (file name, text) pairs in the design's order.
pub fn design(d: &Design, header: &[String]) -> Result<Vec<(String, String)>, String> {
    d.check()?;
    d.modules
        .iter()
        .map(|m| Ok((format!("{}.v", m.name), module(m, header)?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::stmt::*;

    #[test]
    fn width_mismatch_is_reported_naming_the_signal() {
        let mut m = Module::new("t");
        let a = m.input("a", Ty::u(8));
        let b = m.input("b", Ty::u(9));
        let y = m.output("y", Ty::u(8));
        m.assign(&y, a.e() + b.e());
        let err = m.check().unwrap_err();
        assert!(
            err.contains("assignment to y") && err.contains("u8 and u9"),
            "{err}"
        );
    }

    #[test]
    fn assignment_of_wrong_width_is_reported() {
        let mut m = Module::new("t");
        let a = m.input("a", Ty::u(8));
        let y = m.output("y", Ty::u(9));
        m.assign(&y, a.e());
        let err = m.check().unwrap_err();
        assert!(err.contains("value is u8, y is u9"), "{err}");
        assert!(module(&m, &[]).is_err());
    }

    #[test]
    fn signedness_mismatch_and_bad_shift_are_reported() {
        let mut m = Module::new("t");
        let a = m.input("a", Ty::s(8));
        let b = m.input("b", Ty::u(8));
        let y = m.output("y", Ty::BIT);
        m.assign(&y, a.e().lt(b.e()));
        let z = m.output("z", Ty::u(8));
        m.assign(&z, b.e().sra(2));
        let err = m.check().unwrap_err();
        assert!(err.contains("s8 and u8"), "{err}");
        assert!(err.contains("arithmetic shift of unsigned"), "{err}");
    }

    #[test]
    fn constants_that_do_not_fit_are_reported() {
        let mut m = Module::new("t");
        let y = m.output("y", Ty::s(4));
        m.assign(&y, Expr::sconst(8, 4));
        assert!(m.check().unwrap_err().contains("does not fit s4"));
    }

    #[test]
    fn sign_extension_and_signed_compare_print_explicitly() {
        let mut m = Module::new("t");
        let a = m.input("a", Ty::s(4));
        let b = m.input("b", Ty::u(3));
        let y = m.output("y", Ty::BIT);
        let w = m.output("w", Ty::s(6));
        m.assign(&y, a.e().ext(6).lt(b.e().to_signed_wide().ext(6)));
        m.assign(&w, a.e().ext(6) + Expr::sconst(-3, 6));
        let v = module(&m, &[]).unwrap();
        assert!(v.contains("assign t1_ = $signed({1'd0, b});"), "{v}");
        assert!(
            v.contains("assign y = $signed({{2{a[3]}}, a}) < $signed({{2{t1_[3]}}, t1_});"),
            "{v}"
        );
        assert!(
            v.contains("assign w = $signed({{2{a[3]}}, a}) + 6'sh3D;"),
            "{v}"
        );
    }

    #[test]
    fn memory_with_init_parameter_and_clocked_process() {
        let mut m = Module::new("ram");
        m.param("INIT_FILE", "");
        let _clk = m.input("clk", Ty::BIT);
        let we = m.input("we", Ty::BIT);
        let addr = m.input("addr", Ty::u(4));
        let d = m.input("d", Ty::u(8));
        let q = m.output_reg("q", Ty::u(8));
        let mem = m.memory("mem", Ty::u(8), 16, MemInit::HexParam("INIT_FILE".into()));
        m.mem_attr(&mem, "no_rw_check", "");
        m.clocked(
            "",
            vec![
                when(we.e(), vec![mem_write(&mem, addr.e(), d.e())]),
                set(&q, Expr::mem_read(&mem, addr.e())),
            ],
        );
        let v = module(&m, &["header".into()]).unwrap();
        assert!(v.starts_with("// header\nmodule ram #(\n    parameter INIT_FILE = \"\"\n) ("));
        assert!(v.contains("(* no_rw_check *)\n    reg [7:0] mem [0:15];"));
        assert!(v.contains("if (INIT_FILE != \"\") $readmemh(INIT_FILE, mem);"));
        assert!(v.contains("mem[addr] <= d;"));
        assert!(v.contains("q <= mem[addr];"));
    }

    #[test]
    fn ifdef_body_and_bit_vector_parameters() {
        let ports = |m: &mut Module| {
            let clk = m.input("clk", Ty::BIT);
            let d = m.input("d", Ty::u(2));
            let q = m.output("q", Ty::u(2));
            (clk, d, q)
        };
        let mut m = Module::new("t");
        let (_, d, q) = ports(&mut m);
        let r = m.reg("r", Ty::u(2));
        m.clocked("", vec![set(&r, d.e())]);
        m.assign(&q, r.e());
        let mut alt = Module::new("t");
        let (clk, d, q) = ports(&mut alt);
        let mut bits = vec![false; 10];
        bits[0] = true;
        bits[9] = true; // 0x201
        alt.instance(Instance {
            module: "PRIM".into(),
            name: "u_p".into(),
            params: vec![("INIT".into(), ParamValue::Bits(bits))],
            conns: vec![
                ("C".into(), clk.e()),
                ("D".into(), d.e()),
                ("Q".into(), q.e()),
            ],
        });
        m.set_alt("SYNTHESIS", alt);
        let v = module(&m, &[]).unwrap();
        let expect = "module t (
    input  wire clk,
    input  wire [1:0] d,
    output wire [1:0] q
);
`ifdef SYNTHESIS

    PRIM #(
        .INIT(10'h201)
    ) u_p (
        .C(clk),
        .D(d),
        .Q(q)
    );
`else

    reg  [1:0] r;

    assign q = r;

    always @(posedge clk) begin
        r <= d;
    end
`endif
endmodule
";
        assert_eq!(v, expect);
        // the alternative body must have the module's ports
        let mut bad = Module::new("t");
        let _ = bad.input("clk", Ty::BIT);
        m.set_alt("SYNTHESIS", bad);
        assert!(m.check().unwrap_err().contains("ports differ"));
    }
}
