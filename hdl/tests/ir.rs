//! Type errors of the Verilog IR, through its public API: every mistake a generator can make with
//! widths, signedness, memories and instances is reported when the IR is built, naming the module
//! and the signal, and never reaches the emitter (complements the unit tests in `src/emit.rs`).

use hdl::emit;
use hdl::ir::stmt::*;
use hdl::ir::*;

fn err_of(m: &Module) -> String {
    m.check().expect_err("the module should have a type error")
}

#[test]
fn zero_width_and_twice_declared_signals_are_reported() {
    let mut m = Module::new("t");
    m.wire("nothing", Ty::u(0));
    m.input("a", Ty::u(1));
    m.wire("a", Ty::u(2));
    let e = err_of(&m);
    assert!(e.contains("signal nothing: zero width"), "{e}");
    assert!(e.contains("signal a: declared twice"), "{e}");
}

#[test]
fn zero_width_constants_are_type_errors_not_panics() {
    for e in [
        Expr::uconst(0, 0),
        Expr::sconst(0, 0),
        Expr::konst(0, Ty::s(0)),
    ] {
        assert!(e.error().is_some(), "{e:?}");
    }
    assert!(Expr::sconst(0, 128).error().is_some());
    assert!(Expr::uconst(u128::MAX, 128).error().is_none());
}

#[test]
fn constants_out_of_range_name_the_value_and_type() {
    assert!(
        Expr::uconst(16, 4)
            .error()
            .unwrap()
            .contains("constant 16 does not fit u4")
    );
    assert!(
        Expr::sconst(-9, 4)
            .error()
            .unwrap()
            .contains("constant -9 does not fit s4")
    );
    assert!(Expr::konst(-1, Ty::u(8)).error().is_some());
    assert!(Expr::sconst(-8, 4).error().is_none());
    assert!(Expr::sconst(7, 4).error().is_none());
}

#[test]
fn narrowing_extension_widening_truncation_and_bad_slices_are_reported() {
    let mut m = Module::new("t");
    let a = m.input("a", Ty::u(8));
    let y = m.output("y", Ty::u(4));
    let z = m.output("z", Ty::u(16));
    let w = m.output("w", Ty::u(3));
    m.assign(&y, a.e().ext(4));
    m.assign(&z, a.e().trunc(16));
    m.assign(&w, a.e().slice(9, 7));
    let e = err_of(&m);
    assert!(
        e.contains("t: assignment to y: extension of u8 to 4 bits narrows"),
        "{e}"
    );
    assert!(
        e.contains("t: assignment to z: truncation of u8 to 16 bits widens"),
        "{e}"
    );
    assert!(e.contains("t: assignment to w: slice [9:7] of u8"), "{e}");
}

#[test]
fn shifts_and_negation_check_signedness() {
    let mut m = Module::new("t");
    let s = m.input("s", Ty::s(8));
    let u = m.input("u", Ty::u(8));
    let a = m.output("a", Ty::s(8));
    let b = m.output("b", Ty::u(8));
    m.assign(&a, s.e().lsr(1));
    m.assign(&b, -u.e());
    let e = err_of(&m);
    assert!(e.contains("logical shift of signed s8"), "{e}");
    assert!(e.contains("negation of unsigned u8"), "{e}");
}

#[test]
fn mux_needs_a_one_bit_condition_and_equal_arms() {
    let mut m = Module::new("t");
    let c = m.input("c", Ty::u(2));
    let p = m.input("p", Ty::u(8));
    let q = m.input("q", Ty::s(8));
    let y = m.output("y", Ty::u(8));
    let z = m.output("z", Ty::u(8));
    m.assign(&y, Expr::mux(c.e(), p.e(), p.e()));
    m.assign(&z, Expr::mux(c.e().any(), p.e(), q.e()));
    let e = err_of(&m);
    assert!(
        e.contains("assignment to y: mux condition is u2, not u1"),
        "{e}"
    );
    assert!(
        e.contains("assignment to z: mux arms differ: u8 and s8"),
        "{e}"
    );
}

#[test]
fn an_error_deep_inside_an_expression_reaches_the_assignment() {
    let mut m = Module::new("deep");
    let a = m.input("a", Ty::u(4));
    let b = m.input("b", Ty::u(5));
    let c = m.input("c", Ty::BIT);
    let y = m.output("y", Ty::u(4));
    let bad = a.e() + b.e();
    m.assign(&y, Expr::mux(c.e(), Expr::concat(vec![bad]), a.e()));
    let e = err_of(&m);
    assert!(
        e.contains("deep: assignment to y: operands of Add differ: u4 and u5"),
        "{e}"
    );
}

#[test]
fn an_error_survives_slicing_and_shifting_with_its_own_message() {
    // every operation applied to an ill-typed operand must keep the operand's error, not replace
    // it (or, worse, fold it away: a shift by at least the width used to return a clean zero)
    let a = Expr::uconst(1, 4);
    let b = Expr::uconst(1, 5);
    let bad = || a.clone() + b.clone();
    let want = "operands of Add differ: u4 and u5";
    for (what, e) in [
        ("slice", bad().slice(3, 0)),
        ("trunc", bad().trunc(2)),
        ("lsl", bad().lsl(3)),
        ("lsr", bad().lsr(3)),
        ("sra", bad().as_signed().sra(3)),
        ("as_signed", bad().as_signed()),
        ("to_signed_wide", bad().to_signed_wide()),
        ("not", !bad()),
        ("any", bad().any()),
        ("msb", bad().msb()),
    ] {
        let err = e
            .error()
            .unwrap_or_else(|| panic!("{what}: the error was lost"));
        assert!(err.contains(want), "{what}: {err}");
    }
}

#[test]
fn memory_addresses_and_data_are_checked() {
    let mut m = Module::new("t");
    let _clk = m.input("clk", Ty::BIT);
    let a3 = m.input("a3", Ty::u(3));
    let a4 = m.input("a4", Ty::u(4));
    let d = m.input("d", Ty::u(9));
    let q = m.reg("q", Ty::u(8));
    let mem = m.memory("store", Ty::u(8), 16, MemInit::None);
    m.clocked(
        "",
        vec![
            mem_write(&mem, a3.e(), Expr::zero(Ty::u(8))),
            mem_write(&mem, a4.e(), d.e()),
            set(&q, Expr::mem_read(&mem, a3.e())),
        ],
    );
    let e = err_of(&m);
    assert!(
        e.contains("assignment to store address: value is u3, store address is u4"),
        "{e}"
    );
    assert!(
        e.contains("assignment to store data: value is u9, store data is u8"),
        "{e}"
    );
    assert!(
        e.contains("address of memory store is u3, expected u4"),
        "{e}"
    );
}

#[test]
fn if_conditions_must_be_one_bit() {
    let mut m = Module::new("t");
    let _clk = m.input("clk", Ty::BIT);
    let c = m.input("c", Ty::u(3));
    let r = m.reg("r", Ty::BIT);
    m.clocked("", vec![when(c.e(), vec![set(&r, Expr::bit(true))])]);
    let e = err_of(&m);
    assert!(
        e.contains("assignment to if condition: value is u3, if condition is u1"),
        "{e}"
    );
}

#[test]
fn clamp_bounds_that_do_not_fit_the_target_type_are_reported() {
    let mut m = Module::new("t");
    let a = m.input("a", Ty::s(10));
    let y = m.output("y", Ty::u(4));
    m.assign(&y, a.e().clamp_to(0, 16, Ty::u(4)));
    let e = err_of(&m);
    assert!(e.contains("constant 16 does not fit u4"), "{e}");
}

#[test]
fn full_product_is_as_wide_as_both_operands() {
    let a = Expr::uconst(3, 5);
    let b = Expr::uconst(2, 7);
    let p = a.mul_full(b);
    assert!(p.error().is_none());
    assert_eq!(p.ty, Ty::u(12));
    let s = Expr::sconst(-3, 5).mul_full(Expr::sconst(2, 4));
    assert_eq!(s.ty, Ty::s(9));
}

#[test]
fn comparisons_decided_by_the_operand_range_fold_to_constants() {
    let mut m = Module::new("t");
    let a = m.input("a", Ty::u(4));
    // a 4-bit unsigned value is always below 16 and never negative
    assert_eq!(a.e().lt(Expr::uconst(15, 4)).const_value(), None);
    let s = m.input("s", Ty::s(4));
    assert_eq!(s.e().ge(Expr::sconst(-8, 4)).const_value(), Some(1));
    assert_eq!(s.e().gt(Expr::sconst(7, 4)).const_value(), Some(0));
}

#[test]
fn instance_ports_are_checked_against_the_instantiated_module() {
    let mut sub = Module::new("sub");
    let i = sub.input("i", Ty::u(4));
    let o = sub.output("o", Ty::s(4));
    sub.assign(&o, i.e().as_signed());
    let mut top = Module::new("top");
    let a = top.input("a", Ty::u(4));
    let b = top.wire("b", Ty::u(4));
    top.instance(Instance {
        module: "sub".into(),
        name: "u_sub".into(),
        params: Vec::new(),
        conns: vec![("i".into(), a.e()), ("o".into(), b.e())],
    });
    top.instance(Instance {
        module: "sub".into(),
        name: "u_other".into(),
        params: Vec::new(),
        conns: vec![("x".into(), a.e())],
    });
    let d = Design {
        modules: vec![top, sub],
        top: "top".into(),
    };
    let e = d.check().unwrap_err();
    assert!(
        e.contains("top: instance u_sub port o: connected u4, port is s4"),
        "{e}"
    );
    assert!(
        e.contains("top: instance u_other: sub has no port x"),
        "{e}"
    );
    assert!(
        e.contains("top: instance u_other: port i not connected"),
        "{e}"
    );
    assert!(
        e.contains("top: instance u_other: port o not connected"),
        "{e}"
    );
}

#[test]
fn the_emitter_refuses_a_module_with_type_errors() {
    let mut m = Module::new("t");
    let a = m.input("a", Ty::u(8));
    let y = m.output("y", Ty::u(7));
    m.assign(&y, a.e());
    let err = emit::module(&m, &[]).unwrap_err();
    assert!(err.contains("value is u8, y is u7"), "{err}");
    let d = Design {
        modules: vec![m],
        top: "t".into(),
    };
    assert!(emit::design(&d, &[]).is_err());
}
