//! ECP5 weight memories: DP16KD block RAMs instantiated with their output register.
//!
//! Key decisions:
//! - Yosys maps the behavioural memory (`ram_module`) to a DP16KD *without* its output register
//!   and puts the second read register in the fabric, so the RAM's clock-to-out (about 8.5 ns)
//!   plus routing ends at a fabric flop and becomes the critical path. Here the weights use the
//!   DP16KD output register (`REGMODE_B = "OUTREG"`): address registered in the RAM at cycle 1,
//!   data registered in the RAM's output register at cycle 2, so the read latency stays exactly
//!   [`super::Target::read_latency`] = 2 and the path out of the RAM starts at a register.
//! - Pseudo-dual-port use: port A only writes, port B only reads, one data-width configuration
//!   (1, 2, 4, 9 or 18 bits) on both ports. Tiles split the word by bits, never the depth, so no
//!   output multiplexer follows the RAMs; the configuration is the one that holds the depth with
//!   the fewest tiles (the narrowest of equals).
//! - Initial contents are the generator's own `INITVAL_00..3F` parameters, computed from the
//!   same weights it writes to the lane's `$readmemh` file, so each lane has its own module
//!   (`{top}_wmem_l{k}`). Layout (the one Yosys' `brams_map.v` and `memory_libmap` use): 1024
//!   rows of 18 bits, row `16 * nn + i` in bits `20 * i .. 20 * i + 17` of `INITVAL_nn`; a row
//!   holds one 18-bit word, or two 9-bit words (word `2r + h` in bits `9h..`), and in the
//!   1/2/4-bit configurations each 9-bit half holds `8 / w` words from bit 0 up (its ninth bit
//!   unused).
//! - The primitives are under `` `ifdef SYNTHESIS `` (Yosys defines it); simulators see the
//!   behavioural model with the same ports, latency and `$readmemh` of `INIT_FILE`.

use super::build::ram_module;
use crate::ir::*;

/// The Yosys command that declares the ECP5 cell library (DP16KD among them), to run before
/// `hierarchy -check` of a design that instantiates these memories.
pub const YOSYS_READ_CELLS: &str =
    "read_verilog -lib -specify +/ecp5/cells_sim.v +/ecp5/cells_bb.v";

/// Most words a DP16KD holds (in its 1-bit configuration).
pub const MAX_DEPTH: u64 = 16384;

/// The DP16KD data-width configurations and their depths.
pub const CONFIGS: [(u32, u64); 5] = [(1, 16384), (2, 8192), (4, 4096), (9, 2048), (18, 1024)];

/// DP16KD tiling of a `width`-bit memory of `depth` words: (configuration width, tiles), or
/// `None` when the depth exceeds one DP16KD.
pub fn tiling(width: u32, depth: u64) -> Option<(u32, u32)> {
    CONFIGS
        .iter()
        .filter(|(_, d)| depth <= *d)
        .map(|&(c, _)| (c, width.div_ceil(c)))
        .min_by_key(|&(c, tiles)| (tiles, c))
}

/// The lowest address pin a configuration uses (`AD[13:lsb]` carry the word address).
fn addr_lsb(c: u32) -> u32 {
    match c {
        1 => 0,
        2 => 1,
        4 => 2,
        9 => 3,
        _ => 4,
    }
}

/// Bit position of word `a` of a `c`-bit configuration in the 1024 x 18 array: (row, bit).
pub fn word_position(c: u32, a: u64) -> (u64, u32) {
    match c {
        18 => (a, 0),
        9 => (a / 2, 9 * (a % 2) as u32),
        _ => {
            let per_half = (8 / c) as u64;
            let half = ((a / per_half) % 2) as u32;
            (a / (2 * per_half), 9 * half + c * (a % per_half) as u32)
        }
    }
}

/// The 64 `INITVAL` parameters (320 bits each, least significant first) of tile `tile` of a
/// `c`-bit configuration holding `words` (each word's bits `tile * c ..`).
pub fn initvals(c: u32, tile: u32, words: &[u64]) -> Vec<Vec<bool>> {
    let mut p = vec![vec![false; 320]; 64];
    for (a, w) in words.iter().enumerate() {
        let (row, bit) = word_position(c, a as u64);
        let (nn, slot) = ((row / 16) as usize, (row % 16) as u32);
        for k in 0..c {
            let b = tile * c + k;
            if b < 64 && (w >> b) & 1 == 1 {
                p[nn][(20 * slot + bit + k) as usize] = true;
            }
        }
    }
    p
}

/// The weight memory of one lane: `depth` words of `ty` preloaded with `words` (the low
/// `ty.width` bits of each), read latency `rl`; DP16KD primitives under `SYNTHESIS` when
/// `rl == 2` and the depth fits one DP16KD, else only the behavioural model.
pub fn wmem_module(name: &str, ty: Ty, depth: u64, rl: u64, words: &[u64]) -> Module {
    let mut m = ram_module(name, ty, depth, rl, true, false);
    let tiling = tiling(ty.width, depth).filter(|_| rl == 2);
    let Some((c, tiles)) = tiling else {
        m.doc.push(format!(
            "Behavioural only (inferred block RAM): {depth} words exceed one DP16KD ({MAX_DEPTH}) \
             or the read latency is not 2."
        ));
        return m;
    };
    m.doc = vec![
        format!(
            "{depth} x {} bit weight memory, 1 write port, 1 read port, read latency {rl}.",
            ty.width
        ),
        format!(
            "Synthesis (`SYNTHESIS`): {tiles} ECP5 DP16KD in the {c}-bit configuration, port A \
             writes, port B reads through its output register (REGMODE_B = \"OUTREG\"): address \
             registered in the RAM, data in its output register, so the read latency is {rl}."
        ),
        "Simulation: the behavioural model with the same ports and latency, preloaded by \
         `$readmemh(INIT_FILE)`; synthesis takes the same words from the INITVAL parameters."
            .into(),
        "Read-during-write of one address: the behavioural model returns the old word; DP16KD \
         gives no defined result for a read on port B of the address port A writes in the same \
         cycle. Harmless: the array never uses such a word (its event pipeline forwards every \
         write of the last rl + 2 cycles, which includes the same cycle; phases are exclusive)."
            .into(),
    ];
    let mut s = Module::new(name);
    let clk = s.input("clk", Ty::BIT);
    let we = s.input("we", Ty::BIT);
    let aw = addr_width(depth);
    let waddr = s.input("waddr", Ty::u(aw));
    let wdata = s.input("wdata", ty);
    let raddr = s.input("raddr", Ty::u(aw));
    let rdata = s.output("rdata", ty);
    let lsb = addr_lsb(c);
    let addr_pins = |port: char, addr: &Sig, low: bool| -> Vec<(String, Expr)> {
        (0..14)
            .map(|i| {
                let e = if i < lsb {
                    // x18 write port: AD1..0 are the byte-write enables
                    Expr::bit(low)
                } else if i - lsb < aw {
                    addr.e().bit_at(i - lsb)
                } else {
                    Expr::bit(false)
                };
                (format!("AD{port}{i}"), e)
            })
            .collect()
    };
    let mut parts = Vec::new();
    for t in 0..tiles {
        let bits = c.min(ty.width - t * c);
        let dob = s.wire(&format!("dob_t{t}"), Ty::u(18));
        if bits < 18 {
            s.partly_unused(&dob, "the configuration drives only the low data pins");
        }
        parts.push(dob.e().slice(bits - 1, 0));
        let str_p = |n: &str, v: &str| (n.to_string(), ParamValue::Str(v.into()));
        let mut params = vec![
            ("DATA_WIDTH_A".to_string(), ParamValue::Int(c as i64)),
            ("DATA_WIDTH_B".to_string(), ParamValue::Int(c as i64)),
            str_p("REGMODE_A", "NOREG"),
            str_p("REGMODE_B", "OUTREG"),
            str_p("RESETMODE", "SYNC"),
            str_p("ASYNC_RESET_RELEASE", "SYNC"),
            str_p("CSDECODE_A", "0b000"),
            str_p("CSDECODE_B", "0b000"),
            str_p("WRITEMODE_A", "NORMAL"),
            str_p("WRITEMODE_B", "NORMAL"),
            str_p("GSR", "DISABLED"),
        ];
        for (nn, v) in initvals(c, t, words).into_iter().enumerate() {
            params.push((format!("INITVAL_{nn:02X}"), ParamValue::Bits(v)));
        }
        let mut conns: Vec<(String, Expr)> = vec![
            ("CLKA".into(), clk.e()),
            ("CEA".into(), Expr::bit(true)),
            ("OCEA".into(), Expr::bit(true)),
            ("WEA".into(), we.e()),
            ("RSTA".into(), Expr::bit(false)),
            ("CLKB".into(), clk.e()),
            ("CEB".into(), Expr::bit(true)),
            ("OCEB".into(), Expr::bit(true)),
            ("WEB".into(), Expr::bit(false)),
            ("RSTB".into(), Expr::bit(false)),
        ];
        for port in ['A', 'B'] {
            for k in 0..3 {
                conns.push((format!("CS{port}{k}"), Expr::bit(false)));
            }
        }
        conns.extend(addr_pins('A', &waddr, true));
        conns.extend(addr_pins('B', &raddr, false));
        for k in 0..18 {
            let d = if k < bits {
                wdata.e().bit_at(t * c + k)
            } else {
                Expr::bit(false)
            };
            conns.push((format!("DIA{k}"), d));
        }
        for k in 0..18 {
            conns.push((format!("DIB{k}"), Expr::bit(false)));
        }
        for k in 0..18 {
            conns.push((format!("DOB{k}"), dob.e().bit_at(k)));
        }
        s.instance(Instance {
            module: "DP16KD".into(),
            name: format!("u_bram{t}"),
            params,
            conns,
        });
    }
    parts.reverse();
    let word = Expr::concat(parts);
    let word = if ty.signed { word.as_signed() } else { word };
    s.assign(&rdata, word);
    m.set_alt("SYNTHESIS", s);
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiling_picks_fewest_tiles_without_depth_multiplexing() {
        assert_eq!(tiling(8, 4096), Some((4, 2)));
        assert_eq!(tiling(8, 16384), Some((1, 8)));
        assert_eq!(tiling(8, 2048), Some((9, 1)));
        assert_eq!(tiling(8, 1024), Some((9, 1)));
        assert_eq!(tiling(16, 1024), Some((18, 1)));
        assert_eq!(tiling(16, 1025), Some((9, 2)));
        assert_eq!(tiling(3, 5000), Some((2, 2)));
        assert_eq!(tiling(8, 16385), None);
    }

    #[test]
    fn word_positions_follow_the_18_bit_rows() {
        // 4-bit: nibbles at bits 0, 4, 9, 13 of a row
        let p: Vec<_> = (0..5).map(|a| word_position(4, a)).collect();
        assert_eq!(p, vec![(0, 0), (0, 4), (0, 9), (0, 13), (1, 0)]);
        assert_eq!(word_position(1, 8), (0, 9));
        assert_eq!(word_position(1, 16), (1, 0));
        assert_eq!(word_position(2, 5), (0, 11));
        assert_eq!(word_position(9, 3), (1, 9));
        assert_eq!(word_position(18, 17), (17, 0));
    }

    #[test]
    fn initvals_place_rows_in_20_bit_slots() {
        // 9-bit words 0x005 and 0x02A in row 0, 0x1FF at row 17 (INITVAL_01, slot 1)
        let mut words = vec![0u64; 36];
        words[0] = 0x005;
        words[1] = 0x02A;
        words[35] = 0x1FF;
        let p = initvals(9, 0, &words);
        let val =
            |v: &[bool], lo: usize, n: usize| (0..n).fold(0u64, |a, k| a | (v[lo + k] as u64) << k);
        assert_eq!(val(&p[0], 0, 20), 0x05405);
        assert_eq!(val(&p[1], 20, 20), 0x1FF << 9);
        assert_eq!(p.iter().flatten().filter(|b| **b).count(), 2 + 3 + 9);
    }
}
