//! The testbench side of a co-simulation: one Verilated array driven like a synchronous
//! testbench through its ports (reset, the AER input and output streams, the Wishbone host port).
//!
//! Key decisions:
//! - Each cycle the [`Harness`] sets the inputs, evaluates with the clock low, samples the
//!   handshakes (`valid && ready`, Wishbone accept and ack), then raises the clock.
//! - Input beats are held until accepted (AXI-stream rule), so random gaps on `in_valid` and
//!   random `out_ready` ([`Backpressure`]) exercise backpressure without ever dropping a beat.
//! - Every wait has a cycle limit ([`Harness::watchdog`]): a hung design is an
//!   [`Error::Timeout`], not a hung test.

use super::error::{Error, Result};
use crate::verilator::{In, Model, Out};
use golden::model::Network;
use golden::rng::SplitMix64;
use hdl::array::{Layout, Region};

/// The ports of a generated array (and of a FEAST layer, whose streams and host port are the
/// same).
pub struct Ports<'m> {
    pub(crate) clk: In<'m>,
    pub(crate) rst: In<'m>,
    pub(crate) in_valid: In<'m>,
    pub(crate) in_ready: Out<'m>,
    pub(crate) in_eot: In<'m>,
    pub(crate) in_addr: In<'m>,
    pub(crate) out_valid: Out<'m>,
    pub(crate) out_ready: In<'m>,
    pub(crate) out_eot: Out<'m>,
    pub(crate) out_addr: Out<'m>,
    pub(crate) wb_cyc: In<'m>,
    pub(crate) wb_stb: In<'m>,
    pub(crate) wb_we: In<'m>,
    pub(crate) wb_adr: In<'m>,
    pub(crate) wb_dat_w: In<'m>,
    pub(crate) wb_sel: In<'m>,
    pub(crate) wb_dat_r: Out<'m>,
    pub(crate) wb_ack: Out<'m>,
    pub(crate) wb_stall: Out<'m>,
    /// The teacher stream (designs with teach hardware).
    teach: Option<TeachPorts<'m>>,
    /// The layer tag of the output stream (a chain top with `output = "all"`).
    out_layer: Option<Out<'m>>,
}

/// The teacher stream's ports (`teach_valid`, `teach_ready`, `teach_eot`, `teach_addr`).
struct TeachPorts<'m> {
    valid: In<'m>,
    ready: Out<'m>,
    eot: In<'m>,
    addr: In<'m>,
}

impl<'m> Ports<'m> {
    /// Bind every port of the array's top module.
    pub fn bind(m: &'m Model) -> Result<Ports<'m>> {
        Ok(Ports {
            clk: m.input("clk")?,
            rst: m.input("rst")?,
            in_valid: m.input("in_valid")?,
            in_ready: m.output("in_ready")?,
            in_eot: m.input("in_eot")?,
            in_addr: m.input("in_addr")?,
            out_valid: m.output("out_valid")?,
            out_ready: m.input("out_ready")?,
            out_eot: m.output("out_eot")?,
            out_addr: m.output("out_addr")?,
            wb_cyc: m.input("wb_cyc")?,
            wb_stb: m.input("wb_stb")?,
            wb_we: m.input("wb_we")?,
            wb_adr: m.input("wb_adr")?,
            wb_dat_w: m.input("wb_dat_w")?,
            wb_sel: m.input("wb_sel")?,
            wb_dat_r: m.output("wb_dat_r")?,
            wb_ack: m.output("wb_ack")?,
            wb_stall: m.output("wb_stall")?,
            teach: None,
            out_layer: None,
        })
    }

    /// Bind the teacher stream's ports too (a design with teach hardware).
    pub fn bind_teach(&mut self, m: &'m Model) -> Result<()> {
        self.teach = Some(TeachPorts {
            valid: m.input("teach_valid")?,
            ready: m.output("teach_ready")?,
            eot: m.input("teach_eot")?,
            addr: m.input("teach_addr")?,
        });
        Ok(())
    }
}

/// The monitor ports of a chain top: layer k's output beat entering its link
/// (`l{k}_valid`, `l{k}_eot`, `l{k}_addr`), for every layer but the last.
struct Monitor<'m> {
    valid: Out<'m>,
    eot: Out<'m>,
    addr: Out<'m>,
}

/// What one layer of a chain (but the last) produced in a tick, seen on its monitor ports.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LayerObs {
    /// Spike addresses in output order.
    pub spikes: Vec<u32>,
    /// Cycle of each spike beat, relative to the tick's cycle 0.
    pub beat_cycles: Vec<u64>,
    /// Cycle of the layer's end-of-tick beat, if seen.
    pub eot: Option<u64>,
}

/// What one tick produced on the hardware side.
#[derive(Debug, Clone, Default)]
pub struct TickObs {
    /// Spike addresses in output order.
    pub spikes: Vec<u32>,
    /// Cycle of each spike beat, relative to the tick's cycle 0.
    pub beat_cycles: Vec<u64>,
    /// Cycles from cycle 0 to the end-of-tick beat, inclusive.
    pub cycles: u64,
    /// Cycles during which input beats were accepted, relative to cycle 0.
    pub accept_cycles: Vec<u64>,
    /// The layer tag (`out_layer`) of each spike beat (a chain top with `output = "all"`;
    /// empty otherwise).
    pub spike_layers: Vec<u32>,
    /// A chain's layers but the last, first to last (empty for one layer).
    pub layers: Vec<LayerObs>,
}

/// Backpressure settings: probability per cycle of a gap on `in_valid` (before presenting a
/// beat) and of `out_ready` low.
#[derive(Debug, Clone, Copy, Default)]
pub struct Backpressure {
    /// Probability of not presenting the next input beat in a cycle.
    pub input: f64,
    /// Probability of `out_ready = 0` in a cycle.
    pub output: f64,
}

/// One Verilated array and its testbench state.
pub struct Harness<'m> {
    model: &'m Model,
    p: Ports<'m>,
    /// The array's layout (sizes and memory map).
    pub lay: Layout,
    cycle: u64,
    time: u64,
    tracing: bool,
    rng: SplitMix64,
    /// Backpressure of ticks.
    pub bp: Backpressure,
    /// Cycle limit of one tick or one host access before the harness reports a hang.
    pub watchdog: u64,
    /// Added to every host address (a chain's layer base, see [`hdl::array::chain::ChainHost`]).
    pub base: u64,
    monitors: Vec<Monitor<'m>>,
}

impl<'m> Harness<'m> {
    /// Bind a harness to a model of the array `lay`.
    pub fn new(model: &'m Model, lay: Layout, seed: u64) -> Result<Harness<'m>> {
        let mut p = Ports::bind(model)?;
        if lay.teach {
            p.bind_teach(model)?;
        }
        let watchdog = 1000
            + 4 * lay.arch.scale_cycles()
            + 4 * lay.arch.ltp_cycles(lay.g)
            + 64 * (lay.g + lay.r + lay.arch.x_words);
        Ok(Harness {
            model,
            p,
            lay,
            cycle: 0,
            time: 0,
            tracing: false,
            rng: SplitMix64::new(seed),
            bp: Backpressure::default(),
            watchdog,
            base: 0,
            monitors: Vec::new(),
        })
    }

    /// Bind the monitor ports of a chain top of `layers` layers (see [`LayerObs`]).
    pub fn bind_monitors(&mut self, layers: usize) -> Result<()> {
        let m = self.model;
        self.monitors = (0..layers.saturating_sub(1))
            .map(|k| {
                Ok(Monitor {
                    valid: m.output(&format!("l{k}_valid"))?,
                    eot: m.output(&format!("l{k}_eot"))?,
                    addr: m.output(&format!("l{k}_addr"))?,
                })
            })
            .collect::<Result<_>>()?;
        Ok(())
    }

    /// Bind the output stream's layer tag `out_layer` (a chain top with `output = "all"`).
    pub fn bind_out_layer(&mut self) -> Result<()> {
        self.p.out_layer = Some(self.model.output("out_layer")?);
        Ok(())
    }

    /// Clock cycles run so far.
    pub fn cycles(&self) -> u64 {
        self.cycle
    }

    /// Dump VCD samples from now on (the model must have been built with tracing).
    pub fn set_tracing(&mut self, on: bool) {
        self.tracing = on;
    }

    /// Evaluate with the clock low (inputs of this cycle applied).
    fn settle(&mut self) -> Result<()> {
        self.p.clk.set(0)?;
        self.model.eval()?;
        if self.tracing {
            self.model.dump(self.time);
        }
        self.time += 5;
        Ok(())
    }

    /// Raise the clock: the state advances.
    fn edge(&mut self) -> Result<()> {
        self.p.clk.set(1)?;
        self.model.eval()?;
        if self.tracing {
            self.model.dump(self.time);
        }
        self.time += 5;
        self.cycle += 1;
        Ok(())
    }

    fn idle_inputs(&mut self) -> Result<()> {
        for i in [
            &self.p.in_valid,
            &self.p.in_eot,
            &self.p.wb_cyc,
            &self.p.wb_stb,
            &self.p.wb_we,
        ] {
            i.set(0)?;
        }
        if let Some(t) = &self.p.teach {
            t.valid.set(0)?;
            t.eot.set(0)?;
        }
        self.p.out_ready.set(1)?;
        Ok(())
    }

    /// Assert `rst` for two cycles, then run until the clearing sweep is done and the host port
    /// accepts requests. Returns the cycles spent after `rst` fell.
    pub fn reset(&mut self) -> Result<u64> {
        self.idle_inputs()?;
        self.p.rst.set(1)?;
        for _ in 0..2 {
            self.settle()?;
            self.edge()?;
        }
        self.p.rst.set(0)?;
        self.wait_idle()
    }

    /// Run idle cycles until `wb_stall` is low (between ticks, no command running).
    pub fn wait_idle(&mut self) -> Result<u64> {
        self.idle_inputs()?;
        let start = self.cycle;
        loop {
            self.settle()?;
            if self.p.wb_stall.get() == 0 {
                return Ok(self.cycle - start);
            }
            self.edge()?;
            if self.cycle - start > self.watchdog {
                return Err(Error::Timeout {
                    what: "the array did not become idle".into(),
                    cycles: self.watchdog,
                });
            }
        }
    }

    fn wishbone(&mut self, we: bool, addr: u64, data: u32, sel: u32) -> Result<u32> {
        self.idle_inputs()?;
        let p = &self.p;
        p.wb_cyc.set(1)?;
        p.wb_stb.set(1)?;
        p.wb_we.set(we as u64)?;
        p.wb_adr.set(addr | self.base)?;
        p.wb_dat_w.set(data as u64)?;
        p.wb_sel.set(sel as u64)?;
        let start = self.cycle;
        let mut accepted = false;
        loop {
            self.settle()?;
            if accepted && self.p.wb_ack.get() == 1 {
                let v = self.p.wb_dat_r.get() as u32;
                self.edge()?;
                self.p.wb_cyc.set(0)?;
                return Ok(v);
            }
            if !accepted && self.p.wb_stall.get() == 0 {
                accepted = true;
                self.edge()?;
                self.p.wb_stb.set(0)?;
            } else {
                self.edge()?;
            }
            if self.cycle - start > self.watchdog {
                return Err(Error::Timeout {
                    what: format!("Wishbone access to 0x{addr:x} not acknowledged"),
                    cycles: self.watchdog,
                });
            }
        }
    }

    /// Host read of one word.
    pub fn read(&mut self, addr: u64) -> Result<u32> {
        self.wishbone(false, addr, 0, 0)
    }

    /// Host write of one word (all bytes).
    pub fn write(&mut self, addr: u64, data: u32) -> Result<()> {
        self.wishbone(true, addr, data, 0xF).map(|_| ())
    }

    /// Host write with byte selects.
    pub fn write_sel(&mut self, addr: u64, data: u32, sel: u32) -> Result<()> {
        self.wishbone(true, addr, data, sel).map(|_| ())
    }

    /// Read a weight.
    pub fn weight(&mut self, j: u64, i: u64) -> Result<i64> {
        let a = self.lay.weight_addr(j, i);
        let word = self.read(a)?;
        Ok(self.lay.decode(Region::W, word))
    }

    /// Read a per-neuron state value.
    pub fn neuron_state(&mut self, region: Region, i: u64) -> Result<i64> {
        let a = self.lay.neuron_addr(region, i);
        let word = self.read(a)?;
        Ok(self.lay.decode(region, word))
    }

    /// Read a presynaptic trace.
    pub fn x(&mut self, j: u64) -> Result<i64> {
        let a = self.lay.x_addr(j);
        Ok(self.read(a)? as i64)
    }

    /// Write a whole weight matrix `W[j][i]` through the host port (memories that cannot be
    /// preloaded, such as UP5K SPRAM, get their initial weights this way).
    pub fn load_weights(&mut self, net: &Network) -> Result<()> {
        for j in 0..self.lay.r {
            for i in 0..self.lay.n {
                let v = net.weight(j as usize, i as usize);
                self.write(self.lay.weight_addr(j, i), v as u32)?;
            }
        }
        Ok(())
    }

    /// Write the network's nonzero theta (the initial theta of `neuron.theta_file`: the
    /// hardware's reset sweep leaves theta 0) through the host port.
    pub fn load_theta(&mut self, net: &Network) -> Result<()> {
        for (i, &th) in net.theta().iter().enumerate() {
            if th == 0 {
                continue;
            }
            let a = self
                .lay
                .state_addr(golden::model::StateKind::Theta, i as u64)
                .ok_or_else(|| {
                    super::Error::Protocol(
                        "the config sets an initial theta but the array has no theta".into(),
                    )
                })?;
            self.write(a, th as u32)?;
        }
        Ok(())
    }

    /// Run the *clear* command and wait for it.
    pub fn clear(&mut self) -> Result<()> {
        self.write(self.lay.reg_addr(hdl::array::layout::regs::COMMAND), 1)?;
        self.wait_idle().map(|_| ())
    }

    /// Run the *normalize* command and wait for it.
    pub fn normalize(&mut self) -> Result<()> {
        self.write(self.lay.reg_addr(hdl::array::layout::regs::COMMAND), 2)?;
        self.wait_idle().map(|_| ())
    }

    /// Set the learning-enable register.
    pub fn set_learning(&mut self, on: bool) -> Result<()> {
        self.write(
            self.lay.reg_addr(hdl::array::layout::regs::CONTROL),
            on as u32,
        )
    }

    /// Set the teach-mode register (TEACH bit 0; designs with teach hardware).
    pub fn set_teach(&mut self, on: bool) -> Result<()> {
        if !self.lay.teach {
            return Err(Error::Protocol(
                "teach mode: this design has no teach hardware (set teach = true on a layer or \
                 [network] teacher_layer in the config)"
                    .into(),
            ));
        }
        self.write(
            self.lay.reg_addr(hdl::array::layout::regs::TEACH),
            on as u32,
        )
    }

    /// Run one tick: present the events then the end-of-tick beat (honouring backpressure),
    /// collect the output until its end-of-tick beat.
    pub fn tick(&mut self, events: &[u32]) -> Result<TickObs> {
        self.tick_taught(events, &[])
    }

    /// [`Harness::tick`] with the teacher's list of the tick on the teacher stream (its beats,
    /// then its end-of-tick beat, each held until taken, with the input's backpressure); a
    /// design without teach hardware takes only an empty list.
    pub fn tick_taught(&mut self, events: &[u32], teach: &[u32]) -> Result<TickObs> {
        if self.p.teach.is_none() && !teach.is_empty() {
            return Err(Error::Protocol(
                "the stimulus has a teacher (key \"teach\") but this design has no teach \
                 hardware (set teach = true on a layer or [network] teacher_layer in the config)"
                    .into(),
            ));
        }
        self.idle_inputs()?;
        let tn = teach.len();
        let mut tnext = 0; // teacher beat offered (tn = its end of tick)
        let mut tpresenting = false;
        let n = events.len();
        let mut next = 0; // index of the beat being offered (n = end of tick)
        let mut presenting = false;
        let mut start: Option<u64> = None;
        let mut obs = TickObs {
            layers: vec![LayerObs::default(); self.monitors.len()],
            ..Default::default()
        };
        let begin = self.cycle;
        loop {
            if !presenting && next <= n {
                presenting = !(self.bp.input > 0.0 && self.rng.chance(self.bp.input));
            }
            let p = &self.p;
            p.in_valid.set(presenting as u64)?;
            p.in_eot.set((next == n) as u64)?;
            p.in_addr
                .set(if next < n { events[next] as u64 } else { 0 })?;
            if let Some(tp) = &p.teach {
                if !tpresenting && tnext <= tn {
                    tpresenting = !(self.bp.input > 0.0 && self.rng.chance(self.bp.input));
                }
                tp.valid.set(tpresenting as u64)?;
                tp.eot.set((tnext == tn) as u64)?;
                tp.addr
                    .set(if tnext < tn { teach[tnext] as u64 } else { 0 })?;
            }
            let ready_out = !(self.bp.output > 0.0 && self.rng.chance(self.bp.output));
            self.p.out_ready.set(ready_out as u64)?;
            self.settle()?;
            if presenting && start.is_none() {
                start = Some(self.cycle);
            }
            let t0 = start.unwrap_or(self.cycle);
            if presenting && self.p.in_ready.get() == 1 {
                obs.accept_cycles.push(self.cycle - t0);
                next += 1;
                presenting = false;
            }
            if let Some(tp) = &self.p.teach
                && tpresenting
                && tp.ready.get() == 1
            {
                tnext += 1;
                tpresenting = false;
            }
            for (mon, lo) in self.monitors.iter().zip(obs.layers.iter_mut()) {
                if mon.valid.get() == 1 {
                    if mon.eot.get() == 1 {
                        lo.eot = Some(self.cycle - t0);
                    } else {
                        lo.spikes.push(mon.addr.get() as u32);
                        lo.beat_cycles.push(self.cycle - t0);
                    }
                }
            }
            let mut done = false;
            if self.p.out_valid.get() == 1 && ready_out {
                if self.p.out_eot.get() == 1 {
                    obs.cycles = self.cycle - t0 + 1;
                    done = true;
                } else {
                    obs.spikes.push(self.p.out_addr.get() as u32);
                    obs.beat_cycles.push(self.cycle - t0);
                    if let Some(l) = &self.p.out_layer {
                        obs.spike_layers.push(l.get() as u32);
                    }
                }
            }
            self.edge()?;
            if done {
                if next <= n {
                    return Err(Error::Protocol(
                        "the array ended the tick before accepting its end-of-tick beat".into(),
                    ));
                }
                if self.p.teach.is_some() && tnext <= tn {
                    return Err(Error::Protocol(
                        "the array ended the tick before accepting the teacher's end-of-tick beat"
                            .into(),
                    ));
                }
                self.idle_inputs()?;
                return Ok(obs);
            }
            if self.cycle - begin > self.watchdog + 64 * (n + tn) as u64 * self.lay.g {
                return Err(Error::Timeout {
                    what: "the tick did not end".into(),
                    cycles: self.cycle - begin,
                });
            }
        }
    }
}
