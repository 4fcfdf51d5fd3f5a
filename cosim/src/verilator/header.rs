//! Reading the top-level ports out of the model header Verilator generated.
//!
//! Key decision: the header's `VL_IN8(&name,msb,lsb)` ... `VL_OUTW(&name,msb,lsb,words)` lines are
//! exactly what the C++ shim compiles against, so they, not the Verilog, are the source of truth
//! for names, directions and widths (no second Verilog parser, no `--xml-only` run). Verilator
//! encodes Verilog names that are not C++ identifiers (`__SYM__switch`, `a__02eb` for `\a.b `);
//! the Verilog spelling is recovered for lookups.

use super::Direction;

/// One top-level port as declared in the generated header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PortDecl {
    /// The C++ member name.
    pub cxx_name: String,
    /// The Verilog name.
    pub name: String,
    pub direction: Direction,
    pub msb: i32,
    pub lsb: i32,
    pub width: u32,
}

/// Parses the port declarations of a model header.
pub(crate) fn parse_ports(header: &str) -> Result<Vec<PortDecl>, String> {
    let mut ports = Vec::new();
    for line in header.lines() {
        let line = line.trim();
        let Some(rest) = line.strip_prefix("VL_") else {
            continue;
        };
        let (direction, rest) = if let Some(r) = rest.strip_prefix("INOUT") {
            (Direction::Inout, r)
        } else if let Some(r) = rest.strip_prefix("IN") {
            (Direction::Input, r)
        } else if let Some(r) = rest.strip_prefix("OUT") {
            (Direction::Output, r)
        } else {
            continue;
        };
        let Some(open) = rest.find('(') else {
            continue;
        };
        let suffix = &rest[..open];
        if !matches!(suffix, "" | "8" | "16" | "64" | "W") {
            continue;
        }
        let Some(args) = rest[open + 1..].strip_suffix(");") else {
            return Err(format!("unexpected port declaration `{line}`"));
        };
        let args: Vec<&str> = args.split(',').map(str::trim).collect();
        let name = args[0];
        if name.starts_with("(&") {
            let bare = name
                .trim_start_matches("(&")
                .split(')')
                .next()
                .unwrap_or(name);
            return Err(format!(
                "top-level port `{}` is an unpacked array, which the binding does not support; \
                 flatten it into a packed vector",
                pretty_name(bare)
            ));
        }
        let Some(cxx_name) = name.strip_prefix('&') else {
            return Err(format!("unexpected port declaration `{line}`"));
        };
        let num = |i: usize| -> Result<i32, String> {
            args.get(i)
                .and_then(|a| a.parse().ok())
                .ok_or_else(|| format!("unexpected port declaration `{line}`"))
        };
        let (msb, lsb) = (num(1)?, num(2)?);
        let width = msb.abs_diff(lsb) + 1;
        let expected_suffix = match width {
            1..=8 => "8",
            9..=16 => "16",
            17..=32 => "",
            33..=64 => "64",
            _ => "W",
        };
        if suffix != expected_suffix {
            return Err(format!(
                "port `{cxx_name}` is {width} bits wide but declared with VL_*{suffix}: \
                 unexpected Verilator storage layout"
            ));
        }
        if suffix == "W" && num(3)? as u32 != width.div_ceil(32) {
            return Err(format!("unexpected word count in `{line}`"));
        }
        ports.push(PortDecl {
            cxx_name: cxx_name.to_string(),
            name: pretty_name(cxx_name),
            direction,
            msb,
            lsb,
            width,
        });
    }
    Ok(ports)
}

/// The Verilog spelling of a Verilator C++ name: drops the `__SYM__` prefix Verilator puts on
/// names that are C++ keywords and decodes `__0HH` escapes (hex of one byte).
pub(crate) fn pretty_name(cxx: &str) -> String {
    let s = cxx.strip_prefix("__SYM__").unwrap_or(cxx);
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i..].starts_with(b"__0")
            && i + 5 <= bytes.len()
            && let Ok(hex) = std::str::from_utf8(&bytes[i + 3..i + 5])
            && let Ok(b) = u8::from_str_radix(hex, 16)
        {
            out.push(b);
            i += 5;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| cxx.to_string())
}

/// The generated classes to compile, in order, from `<prefix>_classes.mk`
/// (`VM_CLASSES_FAST/SLOW`, `VM_SUPPORT_FAST/SLOW`), and the runtime files it asks for
/// (`VM_GLOBAL_FAST/SLOW`).
pub(crate) fn parse_classes(mk: &str) -> (Vec<String>, Vec<String>) {
    let mut classes = Vec::new();
    let mut globals = Vec::new();
    let mut current: Option<bool> = None; // Some(true): a class list, Some(false): a global list
    for line in mk.lines() {
        let t = line.trim();
        if let Some((var, _)) = t.split_once("+=") {
            let var = var.trim();
            current = match var {
                "VM_CLASSES_FAST" | "VM_CLASSES_SLOW" | "VM_SUPPORT_FAST" | "VM_SUPPORT_SLOW" => {
                    Some(true)
                }
                "VM_GLOBAL_FAST" | "VM_GLOBAL_SLOW" => Some(false),
                _ => None,
            };
            continue;
        }
        if t.is_empty() || t.starts_with('#') || t.contains('=') {
            current = None;
            continue;
        }
        let name = t.trim_end_matches('\\').trim();
        if name.is_empty() {
            continue;
        }
        match current {
            Some(true) => classes.push(name.to_string()),
            Some(false) => globals.push(name.to_string()),
            None => {}
        }
    }
    (classes, globals)
}

/// Input files Verilator read (the sources, included files, library modules), from the `S` lines
/// of `<prefix>__verFiles.dat`; Verilator's own binary is left out.
pub(crate) fn parse_ver_files(dat: &str) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for line in dat.lines() {
        if !line.starts_with("S ") {
            continue;
        }
        let (Some(a), Some(b)) = (line.find('"'), line.rfind('"')) else {
            continue;
        };
        if b <= a {
            continue;
        }
        let path = std::path::PathBuf::from(&line[a + 1..b]);
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with("verilator_bin") {
            continue;
        }
        out.push(path);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_storage_class() {
        let h = "    VL_IN8(&clk,0,0);\n    VL_OUT8(&__SYM__switch,3,0);\n    VL_IN8(&off,8,1);\n    \
                 VL_INOUT8(&io,3,0);\n    VL_IN(&a17,16,0);\n    VL_INW(&a100,99,0,4);\n    \
                 VL_OUT64(&a33,32,0);\n    VL_IN16(&rev,0,15);\n    VL_OUT8(&weird__02ename,0,0);\n";
        let p = parse_ports(h).unwrap();
        let summary: Vec<(String, Direction, u32)> = p
            .iter()
            .map(|p| (p.name.clone(), p.direction, p.width))
            .collect();
        assert_eq!(
            summary,
            vec![
                ("clk".into(), Direction::Input, 1),
                ("switch".into(), Direction::Output, 4),
                ("off".into(), Direction::Input, 8),
                ("io".into(), Direction::Inout, 4),
                ("a17".into(), Direction::Input, 17),
                ("a100".into(), Direction::Input, 100),
                ("a33".into(), Direction::Output, 33),
                ("rev".into(), Direction::Input, 16),
                ("weird.name".into(), Direction::Output, 1),
            ]
        );
        assert_eq!(p[1].cxx_name, "__SYM__switch");
    }

    #[test]
    fn rejects_unpacked_array_ports() {
        let e = parse_ports("    VL_IN8((&arr)[4],7,0);\n").unwrap_err();
        assert!(e.contains("`arr` is an unpacked array"), "{e}");
    }

    #[test]
    fn decodes_escaped_names() {
        assert_eq!(pretty_name("a___05Fb"), "a__b");
        assert_eq!(pretty_name("plain_name"), "plain_name");
    }

    #[test]
    fn reads_class_lists() {
        let mk = "VM_CLASSES_FAST += \\\n\tVx \\\n\tVx___024root__0 \\\n\nVM_SUPPORT_SLOW += \\\n\tVx__Syms \\\n\nVM_GLOBAL_FAST += \\\n\tverilated \\\n\tverilated_threads \\\n\n";
        let (c, g) = parse_classes(mk);
        assert_eq!(c, vec!["Vx", "Vx___024root__0", "Vx__Syms"]);
        assert_eq!(g, vec!["verilated", "verilated_threads"]);
    }
}
