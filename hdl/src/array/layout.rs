//! Derived sizes of the generated array: types of every datapath value, the packing of the
//! neuron-state word, the host memory map. Everything here follows from the config and the
//! target's memory read latency; the cycle-model constants come from [`golden::cycle::Arch`].

use crate::ir::Ty;
use golden::arith::{addr_bits, bits_signed, bits_unsigned, unsigned_max};
use golden::config::{Config, CubaConfig, LifConfig, NeuronConfig, Rule, StdpConfig};
use golden::cycle::Arch;
use serde::Serialize;

/// A field of the packed neuron-state word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Field {
    /// Lowest bit in the word.
    pub lo: u32,
    /// Width.
    pub width: u32,
    /// Two's complement.
    pub signed: bool,
}

impl Field {
    /// The field's type.
    pub fn ty(&self) -> Ty {
        Ty {
            width: self.width,
            signed: self.signed,
        }
    }
}

/// Host memory map regions (the top 4 bits of `wb_adr`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Region {
    /// Registers.
    Regs = 0,
    /// Weights, index `(j << (gb + lb)) | (g << lb) | l`.
    W = 1,
    /// Membrane potential, index `(g << lb) | l`.
    V = 2,
    /// Refractory counter.
    Ref = 3,
    /// Adaptive threshold.
    Theta = 4,
    /// Postsynaptic trace.
    Y = 5,
    /// Presynaptic trace, index `j`.
    X = 6,
    /// `cuba` current u, index `(g << lb) | l`.
    U = 7,
    /// Synaptic delay `d[j][i]` (designs with `synapse.max_delay > 0`), indexed like W.
    Delay = 8,
}

/// Register indices of region 0.
pub mod regs {
    /// Identification: `0x4E470001`.
    pub const ID: u64 = 0;
    /// `array.inputs`.
    pub const INPUTS: u64 = 1;
    /// `array.neurons`.
    pub const NEURONS: u64 = 2;
    /// `array.lanes`.
    pub const LANES: u64 = 3;
    /// Presynaptic rows.
    pub const ROWS: u64 = 4;
    /// Bit 0: learning enable (1 after reset).
    pub const CONTROL: u64 = 5;
    /// Write 1 to bit 0: *clear*; to bit 1: *normalize*. Reads 0.
    pub const COMMAND: u64 = 6;
    /// Bit 0: idle (between ticks, no command running).
    pub const STATUS: u64 = 7;
    /// Ticks completed since reset, low word.
    pub const TICK_LO: u64 = 8;
    /// Ticks completed since reset, high word (it takes in the low word's carry one cycle after
    /// the low word wraps).
    pub const TICK_HI: u64 = 9;
    /// Clock cycles since reset, low word.
    pub const CYCLE_LO: u64 = 10;
    /// Clock cycles since reset, high word (carry taken in one cycle after the low word wraps).
    pub const CYCLE_HI: u64 = 11;
    /// Input events dropped since reset (modulo 2^32).
    pub const DROPPED: u64 = 12;
    /// Cycles of the last tick, as the cycle model counts them.
    pub const TICK_CYCLES: u64 = 13;
    /// Spikes of the last tick.
    pub const LAST_SPIKES: u64 = 14;
    /// Bit 0: teach mode (designs with teach hardware only; after reset the config's
    /// `teach`): the neurons do not fire on their own, their spikes are the teacher's.
    pub const TEACH: u64 = 16;
    /// Teacher beats with an address `>= neurons` dropped since reset (modulo 2^32; designs
    /// with teach hardware only).
    pub const TEACH_DROPPED: u64 = 17;
    /// The identification value.
    pub const ID_VALUE: u64 = 0x4E47_0001;

    /// One bit of a control or status register.
    #[derive(Debug, Clone, Copy, serde::Serialize)]
    pub struct RegBit {
        /// The register's name.
        pub register: &'static str,
        /// The register's index.
        pub index: u64,
        /// The bit number.
        pub bit: u32,
        /// Short name of the bit.
        pub name: &'static str,
        /// `"rw"`, `"w"` (reads 0) or `"r"` (writes ignored).
        pub access: &'static str,
        /// What the bit does.
        pub meaning: &'static str,
    }

    /// Every implemented bit of CONTROL, COMMAND and STATUS (the host port's behaviour; the
    /// other bits read 0 and ignore writes). Writes to these registers take effect only with
    /// `wb_sel[0]` set.
    pub const BITS: &[RegBit] = &[
        RegBit {
            register: "CONTROL",
            index: CONTROL,
            bit: 0,
            name: "learn_enable",
            access: "rw",
            meaning: "learning enable, 1 after reset: when 0 no weight changes (no STDP weight \
                      updates, no periodic scaling; a host normalize still runs); traces and \
                      theta evolve as usual",
        },
        RegBit {
            register: "COMMAND",
            index: COMMAND,
            bit: 0,
            name: "clear",
            access: "w",
            meaning: "write 1: clear v, refractory, x, y and the previous tick's spikes \
                      (weights, theta and t kept) with the reset sweep, started after the \
                      write is acknowledged; the register reads 0",
        },
        RegBit {
            register: "COMMAND",
            index: COMMAND,
            bit: 1,
            name: "normalize",
            access: "w",
            meaning: "write 1: synaptic scaling of the current weights, started after the \
                      write is acknowledged; ignored when bit 0 is written 1 in the same write \
                      (only clear runs) and by designs without scaling hardware (STDP off or \
                      normalize_target = 0); the register reads 0",
        },
        RegBit {
            register: "STATUS",
            index: STATUS,
            bit: 0,
            name: "idle",
            access: "r",
            meaning: "the sequencer is idle: between ticks, no clear, normalize or reset sweep \
                      running; the host port serves accesses only then, so a completed read \
                      returns 1",
        },
        RegBit {
            register: "TEACH",
            index: TEACH,
            bit: 0,
            name: "teach",
            access: "rw",
            meaning: "teach mode (only in designs with teach hardware; the config's teach after \
                      reset): the neurons do not fire on their own, their spikes are exactly \
                      the teacher stream's, v (and u) held at 0 (docs/model.md, Teach mode)",
        },
    ];
}

/// Why UP5K SPRAM pair mode (two weights per 16-bit word) cannot hold the weights of `groups`
/// groups x `lanes` lanes x `rows` rows of `weight_bits` bits, or `None` when it can: it needs
/// an even number of groups, at most 4 SPRAMs (16K x 16 bits each) for all lanes, and at most
/// 16384 words per SPRAM. The one home of this rule and its wording.
pub fn pair_refusal(groups: u64, lanes: u64, rows: u64, weight_bits: u32) -> Option<String> {
    let per_lane = (2 * weight_bits as u64).div_ceil(16);
    if !groups.is_multiple_of(2) {
        Some(format!(
            "SPRAM pair mode needs an even number of groups (neurons / lanes = {groups})"
        ))
    } else if lanes * per_lane > 4 {
        Some(format!(
            "SPRAM pair mode needs {} SPRAMs ({lanes} lanes x {per_lane}), the UP5K has 4",
            lanes * per_lane
        ))
    } else if rows * groups / 2 > 16384 {
        Some(format!(
            "SPRAM pair mode needs rows x groups / 2 = {} words per lane, one SPRAM has 16384",
            rows * groups / 2
        ))
    } else {
        None
    }
}

/// Bits to index `n` items with a power-of-two field (0 when `n == 1`).
pub fn field_bits(n: u64) -> u32 {
    if n <= 1 { 0 } else { addr_bits(n) }
}

/// How a `cuba` lane multiplies u and v by their decay constants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum CubaMul {
    /// Verilog products of the whole u and v, for the tool to map (to DSP blocks where there
    /// are enough: two 16x16 blocks per multiply).
    Dsp,
    /// One 16x16 block per multiply: the product of the high 16 bits of u (v) with the
    /// constant, plus the addend, in the block's adder (a Verilog `a * k + c`); the low 9 (8)
    /// bits times the constant by shift-and-add (the iCE40 UP5K's 8 `SB_MAC16` for 4 lanes).
    Split,
    /// Shift-and-add over the constant's canonical signed digits (no DSP blocks).
    Logic,
}

/// Every derived size of one generated array.
#[derive(Debug, Clone, Serialize)]
pub struct Layout {
    /// The timing architecture (shared with the cycle model).
    pub arch: Arch,
    /// Top module name (and prefix of submodules).
    pub name: String,
    /// Neurons N.
    pub n: u64,
    /// Lanes L.
    pub l: u64,
    /// Groups G = N / L.
    pub g: u64,
    /// Rows R.
    pub r: u64,
    /// External inputs.
    pub inputs: u64,
    /// Memory read latency.
    pub rl: u64,
    /// Bits of a group index (at least 1).
    pub gb: u32,
    /// Bits of a row index (at least 1).
    pub rb: u32,
    /// Bits of a neuron index (at least 1): the width of `out_addr`.
    pub nb: u32,
    /// Bits of a lane's weight address (R * G words).
    pub wab: u32,
    /// Weight type.
    pub w_ty: Ty,
    /// Weight bounds.
    pub w_min: i64,
    /// Weight bounds.
    pub w_max: i64,
    /// Accumulator type.
    pub acc_ty: Ty,
    /// Membrane type.
    pub v_ty: Ty,
    /// Membrane bounds (`sat_v`).
    pub v_lo: i64,
    /// Membrane bounds.
    pub v_hi: i64,
    /// Neuron-state word fields.
    pub f_v: Field,
    /// `cuba` current u (`golden::rules::CUBA_U_BITS` = 26 bits).
    pub f_u: Option<Field>,
    /// `cuba`: how the decay multiplies are built ([`CubaMul`]).
    pub mul: CubaMul,
    /// `cuba` with biases that differ between neurons: each lane takes its neuron's bias
    /// (`nu_bias`, 20 bits signed) from a constant table of the top, indexed by the group.
    pub bias_per_neuron: bool,
    /// Refractory counter field (when `refractory > 0`).
    pub f_ref: Option<Field>,
    /// Theta field (when `theta_plus > 0`).
    pub f_theta: Option<Field>,
    /// y field (when STDP is on).
    pub f_y: Option<Field>,
    /// Spiked-last-tick flag (when `inhibition > 0`).
    pub f_sprev: Option<Field>,
    /// Width of the neuron-state word.
    pub st_width: u32,
    /// Trace bits.
    pub tb: u32,
    /// Bits of an x-memory address (when STDP is on).
    pub xab: u32,
    /// log2 of traces per x word.
    pub xpb: u32,
    /// Weights in single-port memory, two per word (UP5K SPRAM): needs an even G, at most 4
    /// SPRAMs (16K x 16 bit each) for all lanes.
    pub pair: bool,
    /// Whether read-modify-write forwarding is generated (needed when G <= RL + event stages).
    pub forwarding: bool,
    /// The x memory registers its read address (one of its `rl` cycles) instead of its read
    /// data, and is LUT RAM (`ram_style`, on ECP5 only: the generic output leaves the choice to
    /// the tool, iCE40 has no LUT RAM): when it is at most 16 words deep (many lanes; one LUT
    /// RAM deep) and asked for (not on iCE40). Its address comes from the sequencer's multiplexer and it
    /// spreads over the fabric. A write in the cycle that presents the address is then seen by
    /// the read; the forwarding covers that write either way. (Deeper x memories stay block
    /// RAM with the data register: a block RAM's read data needs a register after it.)
    pub x_addr_reg: bool,
    /// Bits of the inhibition total `inhibition * spikes(t-1)`.
    pub inh_bits: u32,
    /// Type of a per-neuron weight sum (synaptic scaling).
    pub sum_ty: Ty,
    /// Whether scaling hardware exists (STDP on and `normalize_target > 0`).
    pub scaling: bool,
    /// Host index field bits: row, group and lane fields of the weight index.
    pub host_rb: u32,
    /// Host group field bits.
    pub host_gb: u32,
    /// Host lane field bits.
    pub host_lb: u32,
    /// Bits of the index part of `wb_adr`.
    pub host_ib: u32,
    /// Width of `wb_adr` (4 region bits + index bits).
    pub aw: u32,
    /// Teach hardware (`Config::teach_hardware`): the TEACH register, the teacher stream
    /// (`teach_*` ports) and the taught neuron update.
    pub teach: bool,
    /// The TEACH register after reset (`array.teach`).
    pub teach_reset: bool,
    /// Bits of a register index in region 0: 4, or 5 with teach hardware (TEACH = 16).
    pub reg_bits: u32,
    /// Synaptic delays D (`synapse.max_delay`; 0: none, and no delay hardware).
    pub delay: u64,
    /// Bits of a delay and of a ring slot (`bits(D - 1)`, at least 1; with delays only).
    pub db: u32,
    /// Bits of an accumulator address: `G` words, with delays `D x G` (`slot * G + g`).
    pub acc_ab: u32,
    /// A layer after the first of a chain (set by [`super::chain`]): its input stream is the
    /// previous layer's output inside the chip, whose addresses are always below `inputs`, so
    /// it has no input range check and no dropped-beat counter, and it keeps no tick and cycle
    /// counters of its own (the chip's are layer 0's): its DROPPED, TICK_LO/HI, CYCLE_LO/HI
    /// and TICK_CYCLES registers are absent (read 0, not listed in its manifest).
    pub chained: bool,
}

impl Layout {
    /// The layout of `cfg` for memories of read latency `rl`.
    pub fn new(
        cfg: &Config,
        rl: u64,
        forwarding: bool,
        want_pair: bool,
        x_addr_reg: bool,
    ) -> Result<Layout, String> {
        let cuba = cfg.cuba();
        let bias_per_neuron =
            cuba.is_some_and(|c| (0..cfg.neurons()).any(|i| c.bias(i) != c.bias(0)));
        let lif_owned = Params::lif_of(cfg);
        let lif = &lif_owned;
        let mut arch = Arch::new(cfg, rl);
        let (n, l, g, r) = (arch.neurons, arch.lanes, arch.groups, arch.rows);
        let s = &cfg.synapse;
        let w_ty = Ty {
            width: s.weight_bits,
            signed: s.signed,
        };
        let v_ty = Ty::s(lif.v_bits);
        let (v_lo, v_hi) = golden::rules::v_range(lif);
        let mut lo = 0;
        let mut field = |width: u32, signed: bool| {
            let f = Field { lo, width, signed };
            lo += width;
            f
        };
        let f_v = field(lif.v_bits, true);
        let f_u = cuba.map(|_| field(golden::rules::CUBA_U_BITS, true));
        let f_ref =
            (lif.refractory > 0).then(|| field(bits_unsigned(lif.refractory as u64), false));
        let f_theta = (lif.theta_plus > 0).then(|| field(lif.theta_bits, false));
        let stdp = cfg.stdp.enabled;
        let tb = cfg.stdp.trace_bits;
        let f_y = stdp.then(|| field(tb, false));
        let f_sprev = (lif.inhibition > 0).then(|| field(1, false));
        let st_width = lo;
        let xpb = arch.x_per_word.trailing_zeros();
        let delay = arch.max_delay;
        // with delays the x memory holds D slots of x_words words (`slot * x_words + word`)
        let xab = if stdp {
            addr_bits(arch.x_words * delay.max(1))
        } else {
            1
        };
        let max_abs_w = s.w_min.unsigned_abs().max(s.w_max.unsigned_abs()) as i64;
        // at least 2 bits: the divisor is the sum without its sign bit
        let sum_bits = bits_signed(-(max_abs_w * r as i64), max_abs_w * r as i64)
            .max(s.weight_bits + !s.signed as u32)
            .max(2);
        let inh_max = lif.inhibition as u64 * n;
        let host_rb = field_bits(r);
        let host_gb = field_bits(g);
        let host_lb = field_bits(l);
        let teach = cfg.teach_hardware();
        let reg_bits = if teach { 5 } else { 4 };
        let host_ib = (host_rb + host_gb + host_lb)
            .max(field_bits(r))
            .max(reg_bits);
        if host_ib > 28 {
            return Err(format!(
                "the host address map needs {host_ib} index bits; at most 28 fit a 32-bit Wishbone address"
            ));
        }
        // with delays the weights stay in block RAM: the potentiation's longer pipeline has no
        // room in pair mode's read/write alternation of the single port
        let pair = want_pair && delay == 0 && pair_refusal(g, l, r, s.weight_bits).is_none();
        arch.pair_mode = pair;
        Ok(Layout {
            pair,
            name: cfg.name.clone(),
            n,
            l,
            g,
            r,
            inputs: arch.inputs,
            rl,
            gb: addr_bits(g),
            rb: addr_bits(r),
            nb: addr_bits(n),
            wab: addr_bits(r * g),
            w_ty,
            w_min: s.w_min,
            w_max: s.w_max,
            acc_ty: Ty::s(lif.acc_bits),
            v_ty,
            v_lo,
            v_hi,
            f_v,
            f_u,
            mul: CubaMul::Dsp,
            bias_per_neuron,
            f_ref,
            f_theta,
            f_y,
            f_sprev,
            st_width,
            tb,
            xab,
            xpb,
            forwarding: forwarding && g <= rl + arch.event_stages + pair as u64,
            x_addr_reg: x_addr_reg && rl >= 2 && arch.x_words * delay.max(1) <= 16,
            inh_bits: bits_unsigned(inh_max),
            sum_ty: Ty::s(sum_bits),
            scaling: stdp && cfg.stdp.normalize_target > 0,
            host_rb,
            host_gb,
            host_lb,
            host_ib,
            aw: host_ib + 4,
            arch,
            teach,
            teach_reset: cfg.array.teach,
            reg_bits,
            delay,
            db: bits_unsigned(delay.saturating_sub(1)).max(1),
            acc_ab: addr_bits(g * delay.max(1)),
            chained: false,
        })
    }

    /// Choose how the `cuba` decay multiplies are built, for a device with `dsp_blocks` 16x16
    /// multipliers (`None`: many, or a generic target that leaves the choice to the tool):
    /// whole products when every lane's two multiplies (two blocks each: u is 25 bits, v 24) fit
    /// beside the scaling multiplies (two blocks per lane), else one block per multiply (the
    /// high 16 bits of u or v, [`CubaMul::Split`]) when those fit, else shift-and-add.
    pub fn choose_mul(&mut self, dsp_blocks: Option<u64>) {
        let scal = if self.scaling { 2 } else { 0 };
        let fits = |per_lane: u64| dsp_blocks.is_none_or(|n| self.l * (per_lane + scal) <= n);
        self.mul = if fits(4) {
            CubaMul::Dsp
        } else if fits(2) {
            CubaMul::Split
        } else {
            CubaMul::Logic
        };
    }

    /// The largest value of an unsigned trace (`golden::rules::trace_max`).
    pub fn trace_max(&self) -> i64 {
        unsigned_max(self.tb)
    }
}

/// The config's neuron and STDP parameters the datapath needs besides sizes, as golden's config
/// holds them (one name per parameter: `p.stdp.pre_decay_shift` is the config's key).
#[derive(Debug, Clone)]
pub struct Params {
    /// `[neuron]` of `lif`; for `cuba`, [`Params::lif_of`]'s inert stand-in (24-bit v, no
    /// leak, refractory, theta or inhibition), so the parts of the datapath `cuba` shares see
    /// none of the `lif`-only state.
    pub lif: LifConfig,
    /// `[neuron]` of `cuba`.
    pub cuba: Option<CubaConfig>,
    /// `[stdp]`.
    pub stdp: StdpConfig,
}

impl Params {
    /// Extract from a config.
    pub fn new(cfg: &Config) -> Params {
        Params {
            lif: Self::lif_of(cfg),
            cuba: cfg.cuba().cloned(),
            stdp: cfg.stdp.clone(),
        }
    }

    /// The `lif` parameters, or for `cuba` an inert stand-in: 24-bit v clamped to
    /// `+-(2^23 - 1)` (`golden::rules::CUBA_V_MAX`), the accumulator's width, and nothing else.
    pub fn lif_of(cfg: &Config) -> LifConfig {
        match &cfg.neuron {
            NeuronConfig::Lif(l) => l.clone(),
            NeuronConfig::Cuba(c) => LifConfig {
                v_bits: 24,
                acc_bits: c.acc_bits,
                threshold: 0,
                reset: golden::config::Reset::Zero,
                v_reset: 0,
                v_min: -golden::rules::CUBA_V_MAX,
                leak_shift: 0,
                refractory: 0,
                inhibition: 0,
                theta_plus: 0,
                theta_decay_shift: 0,
                theta_bits: 1,
                theta_file: None,
            },
        }
    }

    /// The symmetric STDP rule (depression moves weights up).
    pub fn symmetric(&self) -> bool {
        self.stdp.rule == Rule::Symmetric
    }
}

impl Layout {
    /// Why UP5K SPRAM pair mode cannot hold this layout's weights ([`pair_refusal`]), or `None`.
    pub fn pair_refusal(&self) -> Option<String> {
        pair_refusal(self.g, self.l, self.r, self.w_ty.width)
    }

    /// Word address of a register.
    pub fn reg_addr(&self, index: u64) -> u64 {
        index
    }

    /// Word address of weight `W[j][i]`.
    pub fn weight_addr(&self, j: u64, i: u64) -> u64 {
        let (g, l) = (i / self.l, i % self.l);
        ((Region::W as u64) << self.host_ib)
            | (j << (self.host_gb + self.host_lb))
            | (g << self.host_lb)
            | l
    }

    /// Word address of neuron `i`'s value in a per-neuron region (V, Ref, Theta, Y).
    pub fn neuron_addr(&self, region: Region, i: u64) -> u64 {
        let (g, l) = (i / self.l, i % self.l);
        ((region as u64) << self.host_ib) | (g << self.host_lb) | l
    }

    /// Word address of the presynaptic trace of row `j`.
    pub fn x_addr(&self, j: u64) -> u64 {
        ((Region::X as u64) << self.host_ib) | j
    }

    /// Word address of the delay `d[j][i]` (designs with delays).
    pub fn delay_addr(&self, j: u64, i: u64) -> u64 {
        let w = self.weight_addr(j, i) & !((0xF) << self.host_ib);
        ((Region::Delay as u64) << self.host_ib) | w
    }

    /// Word address of a state value the host can write (`index`: the neuron, or the row for
    /// x), or `None` when this array has no such field (writes to it would be ignored): v always,
    /// refractory and theta when the config uses them, x and y with STDP, u of `cuba`.
    pub fn state_addr(&self, kind: golden::model::StateKind, index: u64) -> Option<u64> {
        use golden::model::StateKind as K;
        match kind {
            K::V => Some(self.neuron_addr(Region::V, index)),
            K::Refractory => self.f_ref.map(|_| self.neuron_addr(Region::Ref, index)),
            K::Theta => self.f_theta.map(|_| self.neuron_addr(Region::Theta, index)),
            K::Y => self.f_y.map(|_| self.neuron_addr(Region::Y, index)),
            K::X => self.f_y.map(|_| self.x_addr(index)),
            K::U => self.f_u.map(|_| self.neuron_addr(Region::U, index)),
        }
    }

    /// Cycles a host access waits for its read data in the port's read state: the memory read,
    /// the broadcast stage, the capture stages, and the lane multiplexer's register with more
    /// than 4 lanes.
    pub fn host_wait(&self) -> u64 {
        self.rl + self.arch.bcast_stages + 1 + (self.l > 4) as u64
    }

    /// The most cycles from the cycle that accepts a host request (`wb_cyc`, `wb_stb` high and
    /// `wb_stall` low) to the cycle with its `wb_ack`: decode, the read state (`host_wait() + 1`
    /// cycles), the response, the write (writes only), and the acknowledge register. Reads take
    /// one cycle less. `manifest.json`: `host.max_ack_cycles`.
    pub fn host_ack_max(&self) -> u64 {
        // a write also waits for its strobes to cross the extra broadcast stages
        self.host_wait() + 5 + (self.arch.bcast_stages - 1)
    }

    /// The field of a per-neuron region, if the hardware stores it.
    pub fn region_field(&self, region: Region) -> Option<Field> {
        match region {
            Region::V => Some(self.f_v),
            Region::Ref => self.f_ref,
            Region::Theta => self.f_theta,
            Region::Y => self.f_y,
            Region::U => self.f_u,
            Region::X => self.f_y.map(|_| Field {
                lo: 0,
                width: self.tb,
                signed: false,
            }),
            Region::W => Some(Field {
                lo: 0,
                width: self.w_ty.width,
                signed: self.w_ty.signed,
            }),
            Region::Delay => (self.delay > 0).then_some(Field {
                lo: 0,
                width: self.db,
                signed: false,
            }),
            Region::Regs => Some(Field {
                lo: 0,
                width: 32,
                signed: false,
            }),
        }
    }

    /// Decode a 32-bit host read of `region` into its value (sign-extended when signed).
    pub fn decode(&self, region: Region, word: u32) -> i64 {
        match self.region_field(region) {
            Some(f) if f.signed && f.width < 64 => {
                let sh = 64 - f.width;
                ((word as u64) << sh) as i64 >> sh
            }
            _ => word as i64,
        }
    }
}
