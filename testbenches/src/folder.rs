//! The files of an exported testbench folder, held in memory by path: the ones every folder has
//! (the RTL, the testbench and the includes it shares, the compile list, the run script),
//! writing them out, patching one (mutation tests), and the index width of a vector memory.
//! Shared by the array's export ([`crate::export`]) and the FEAST layer's
//! ([`crate::export_feast`]).
//!
//! Key decision: what the testbenches share is Verilog included from `tb/` (`+incdir+tb` in
//! `files.f`, which both simulators read): `tb_common.vh` (clock, settings, the host's reset,
//! writes and read-backs) and `nf_dut.vh` (the design's instance, [`hdl::DUT_VH`], which the
//! formal harness includes too), copied unchanged into every folder.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

/// The Verilog every exported testbench includes (`tb/tb_common.vh`).
pub const TB_COMMON_VH: &str = include_str!("../templates/tb_common.vh");

/// The files every exported folder has besides its vectors and init files: the Verilog files of
/// `rtl` under `rtl/`, the testbench `tb` as `tb/<tb_name>.v` and the includes it shares
/// ([`TB_COMMON_VH`], [`hdl::DUT_VH`]) under `tb/`, the compile list `files.f` (the include
/// folder, then the RTL and the testbench) and the run script `run`.
pub fn bench_files(
    rtl: &[(String, String)],
    tb_name: &str,
    tb: String,
    run: String,
) -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    let mut list = String::from("+incdir+tb\n");
    for (n, t) in rtl {
        files.insert(format!("rtl/{n}"), t.clone());
        if n.ends_with(".v") {
            let _ = writeln!(list, "rtl/{n}");
        }
    }
    let tb_path = format!("tb/{tb_name}.v");
    let _ = writeln!(list, "{tb_path}");
    files.insert(tb_path, tb);
    files.insert("tb/tb_common.vh".into(), TB_COMMON_VH.into());
    files.insert("tb/nf_dut.vh".into(), hdl::DUT_VH.into());
    files.insert("files.f".into(), list);
    files.insert("run.sh".into(), run);
    files
}

/// The first line of the first RTL file without its `// `: the generator's header, which the
/// testbench and the run script repeat.
pub fn rtl_header(rtl: &[(String, String)]) -> String {
    rtl.first()
        .and_then(|(_, t)| t.lines().next())
        .unwrap_or("")
        .trim_start_matches("// ")
        .to_string()
}

/// Write every file of `files` (paths relative to `dir`) under `dir`, creating folders as
/// needed; a `.sh` file is made executable.
pub fn write_files(files: &BTreeMap<String, String>, dir: &Path) -> Result<(), String> {
    for (rel, text) in files {
        let p = dir.join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        std::fs::write(&p, text).map_err(|e| format!("{}: {e}", p.display()))?;
        if rel.ends_with(".sh") {
            set_executable(&p)?;
        }
    }
    Ok(())
}

/// Replace the first occurrence of `from` by `to` in file `rel` of `files` (mutation tests); an
/// error when the file or the text is missing, so a mutation never silently tests nothing.
pub fn patch_file(
    files: &mut BTreeMap<String, String>,
    rel: &str,
    from: &str,
    to: &str,
) -> Result<(), String> {
    let text = files
        .get_mut(rel)
        .ok_or_else(|| format!("patch: no file {rel}"))?;
    if !text.contains(from) {
        return Err(format!("patch: `{from}` not found in {rel}"));
    }
    *text = text.replacen(from, to, 1);
    Ok(())
}

/// Append to `hex` the `act.hex` word of a host action before tick `tick`, in the format
/// `tb_common.vh` reads: `{tick[103:72], kind[71:64], addr[63:32], data[31:0]}` (kind 1: a
/// Wishbone write of `data` to word `addr`; the others are the array testbench's own).
pub fn act_word(hex: &mut String, tick: u32, kind: u8, addr: u64, data: u32) {
    let w = (tick as u128) << 72 | (kind as u128) << 64 | (addr as u128) << 32 | data as u128;
    let _ = writeln!(hex, "{w:026x}");
}

/// Append to `hex` the `chk.hex` word of a read-back check made when `after` ticks are done, in
/// the format `tb_common.vh` reads: `{after[159:128], kind[127:120], j[119:96], i[95:72],
/// addr[63:32], word[31:0]}` (`word`: the value expected at word `addr`; `kind`, `j` and `i`
/// name it in messages).
pub fn chk_word(hex: &mut String, after: u32, kind: u8, j: u64, i: u64, addr: u64, word: u32) {
    let _ = write!(hex, "{after:08x}");
    let w = (kind as u128) << 120
        | ((j & 0xFF_FFFF) as u128) << 96
        | ((i & 0xFF_FFFF) as u128) << 72
        | (addr as u128) << 32
        | word as u128;
    let _ = writeln!(hex, "{w:032x}");
}

/// Bits to index `n` entries of a vector memory (at least 1).
pub fn index_bits(n: usize) -> u32 {
    (usize::BITS - (n.max(2) - 1).leading_zeros()).max(1)
}

#[cfg(unix)]
fn set_executable(p: &Path) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    let mut perm = std::fs::metadata(p)
        .map_err(|e| format!("{}: {e}", p.display()))?
        .permissions();
    perm.set_mode(0o755);
    std::fs::set_permissions(p, perm).map_err(|e| format!("{}: {e}", p.display()))
}

#[cfg(not(unix))]
fn set_executable(_: &Path) -> Result<(), String> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_bits_cover_every_entry() {
        assert_eq!(index_bits(0), 1);
        assert_eq!(index_bits(2), 1);
        assert_eq!(index_bits(3), 2);
        assert_eq!(index_bits(4), 2);
        assert_eq!(index_bits(5), 3);
        assert_eq!(index_bits(1024), 10);
        assert_eq!(index_bits(1025), 11);
    }

    #[test]
    fn a_patch_that_matches_nothing_is_an_error() {
        let mut f = BTreeMap::from([("a.v".to_string(), "x = 1; x = 1;".to_string())]);
        patch_file(&mut f, "a.v", "x = 1", "x = 2").unwrap();
        assert_eq!(f["a.v"], "x = 2; x = 1;");
        assert!(
            patch_file(&mut f, "a.v", "y", "z")
                .unwrap_err()
                .contains("not found")
        );
        assert!(
            patch_file(&mut f, "b.v", "x", "z")
                .unwrap_err()
                .contains("no file b.v")
        );
    }
}
