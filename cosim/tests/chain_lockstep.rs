//! The chain lockstep chip (`cosim::driver::chain_lockstep`) runs the supervised digits
//! readout (`golden::learn::readout`, issue 15) on the generated two-layer chain top: the
//! hidden layer's weights written and its learning switched off through the host port, the
//! label neuron's teacher on the teacher stream, teach mode and learning switched off in the
//! readout only, theta written back before every image. The result must be the golden model's,
//! and mutants of the chip must be caught naming the layer. Runtime: about a minute on two
//! cores (three Verilator builds of a 64 -> 10 -> 10 chain, cached after the first run; a few
//! hundred ticks each).

use cosim::driver::{ChainLockstepReport, RunOptions, chain_lockstep};
use golden::Config;
use golden::learn::digits::{Dataset, DigitsParams, RuleSet};
use golden::learn::readout::{
    Chips, Front, GoldenChips, Hidden, ReadoutParams, ReadoutRun, train_hidden, train_readout,
    train_readout_on,
};
use golden::learn::{ChainChip, Chip};

static DIGITS: &[u8] = include_bytes!("../../data/digits.csv.gz");

/// The hidden layer on the golden model, each readout chip on the hardware.
struct ChainHardware {
    opts: RunOptions,
    reports: Vec<ChainLockstepReport>,
}

impl Chips for ChainHardware {
    fn one_layer(&mut self, cfg: &Config, f: &mut dyn FnMut(&mut dyn Chip)) -> golden::Result<()> {
        GoldenChips.one_layer(cfg, f)
    }

    fn network(
        &mut self,
        cfg: &Config,
        f: &mut dyn FnMut(&mut dyn ChainChip),
    ) -> golden::Result<()> {
        let ((), rep) = chain_lockstep(cfg, &self.opts, None, |chip| f(chip))
            .unwrap_or_else(|e| panic!("the co-simulation failed to run: {e}"));
        self.reports.push(rep);
        Ok(())
    }
}

struct Setup {
    data: Dataset,
    p: DigitsParams,
    o: ReadoutParams,
    hidden: Hidden,
    train: Vec<usize>,
    test: Vec<usize>,
}

/// 10 hidden neurons trained on 4 images (golden), a readout of 60 ticks per image.
fn setup() -> Setup {
    let data = Dataset::from_bytes(DIGITS).unwrap();
    let p = DigitsParams {
        neurons: 10,
        train: 4,
        test: 3,
        epochs: 1,
        raster_images: 3,
        ..DigitsParams::for_rules(RuleSet::Full).shortened()
    };
    let o = ReadoutParams {
        ticks: 60,
        ..ReadoutParams::default()
    };
    let hidden = train_hidden(&data, &p, Front::Trained, &mut |_| {}).unwrap();
    let (train, test) = data.split(p.train, p.test, p.seed);
    Setup {
        data,
        p,
        o,
        hidden,
        train,
        test,
    }
}

impl Setup {
    /// The taught readout trained and tested by the golden model.
    fn golden(&self) -> ReadoutRun {
        train_readout(
            &self.data,
            &self.p,
            &self.o,
            &self.hidden,
            &self.train,
            &self.test,
            true,
            1,
            &mut |_| {},
        )
        .unwrap()
    }
}

fn on_hardware(s: &Setup, opts: RunOptions) -> (ReadoutRun, ChainLockstepReport) {
    let mut chips = ChainHardware {
        opts,
        reports: Vec::new(),
    };
    let r = train_readout_on(
        &s.data,
        &s.p,
        &s.o,
        &s.hidden,
        &s.train,
        &s.test,
        true,
        &mut chips,
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(chips.reports.len(), 1);
    (r, chips.reports.pop().unwrap())
}

#[test]
fn the_taught_readout_on_the_chain_top_equals_the_golden_run() {
    let s = setup();
    let golden = s.golden();
    let (r, rep) = on_hardware(&s, RunOptions::default());
    let run = &rep.lockstep.run;
    assert!(run.mismatch.is_none(), "{}", run.mismatch.as_ref().unwrap());
    assert!(rep.lockstep.complete);
    // 4 training and 3 test images of 60 ticks, each shown as `windows` samples (a *clear*
    // before each window)
    assert_eq!(s.o.windows, 5);
    assert_eq!(rep.lockstep.samples, 7 * 5);
    assert_eq!(run.ticks, 7 * 60);
    // both layers fired, and the teacher taught the readout something
    assert!(
        rep.layer_spikes.iter().all(|&n| n > 0),
        "{:?}",
        rep.layer_spikes
    );
    assert!(r.teacher_spikes > 0 && r.weights.iter().any(|&w| w > 0));
    assert_eq!(r, golden);
}

/// Run a mutant of the chain top (`file` of the generated design, `from` -> `to`); its first
/// difference.
fn mutant(s: &Setup, what: &str, file: &str, from: &str, to: &str) -> String {
    let opts = RunOptions {
        patches: vec![(file.into(), from.into(), to.into())],
        ..RunOptions::default()
    };
    let (r, rep) = on_hardware(s, opts);
    let m = rep
        .lockstep
        .run
        .mismatch
        .unwrap_or_else(|| panic!("the mutant \"{what}\" was not caught"));
    assert!(!rep.lockstep.complete);
    // the golden chain carried the experiment to its end
    let golden = s.golden();
    assert_eq!(r, golden);
    let text = m.to_string();
    eprintln!("{what}: caught: {text}");
    text
}

#[test]
fn mutants_of_the_chain_top_are_caught_naming_the_layer() {
    let s = setup();
    // a host write to the hidden layer (its weights, its learning enable, its theta) also
    // reaches the readout
    let m = mutant(
        &s,
        "layer 0's host writes reach layer 1",
        "digits_supervised.v",
        "l1_wb_req <= (wb_layer == 2'd1) | (wb_layer == 2'd2);",
        "l1_wb_req <= (wb_layer != 2'd3) | (wb_layer == 2'd2);",
    );
    assert!(m.contains("layer[1]"), "{m}");
    // the teacher's forced spikes of the readout do not enter its potentiation list
    let m = mutant(
        &s,
        "the teacher does not drive the readout's STDP",
        "digits_supervised_l1_lane.v",
        "assign listmem_we = n4_spike & (~rst);",
        "assign listmem_we = (n4_spike & (~teach)) & (~rst);",
    );
    assert!(m.contains("layer[1]"), "{m}");
}
