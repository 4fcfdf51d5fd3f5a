//! The exported testbench folder without a simulator: every template hole is filled, the vector
//! files have the sizes the testbench declares and the addresses the memory map gives, the export
//! is deterministic, and impossible requests are refused.

use cosim::driver::HostAction;
use golden::{Config, Stimulus};
use hdl::array::Region;
use testbenches::export::{ExportOptions, export, fill};

const NET: &str = "name = \"fnet\"\n[array]\ninputs = 6\nneurons = 4\nlanes = 2\n\
                   [neuron]\nthreshold = 30\nrefractory = 1\n\
                   [synapse]\nweight_bits = 6\nsigned = true\ninit_lo = -5\ninit_hi = 20\n";

fn cfg() -> Config {
    Config::from_toml_str(NET, std::path::Path::new(".")).unwrap()
}

fn stim() -> Stimulus {
    Stimulus {
        ticks: vec![vec![0, 1, 1, 9], vec![], vec![2, 3, 4, 5]],
        ..Default::default()
    }
}

/// The value of `localparam integer NAME = V;` in the testbench.
fn localparam(tb: &str, name: &str) -> usize {
    let key = format!("localparam integer {name} = ");
    let at = tb.find(&key).unwrap_or_else(|| panic!("{name} missing")) + key.len();
    tb[at..].split(';').next().unwrap().trim().parse().unwrap()
}

#[test]
fn vector_files_have_the_sizes_the_testbench_declares() {
    let e = export(&cfg(), &stim(), &ExportOptions::default()).unwrap();
    let tb = &e.files[&e.tb_file()];
    for (file, n, digits) in [
        ("vectors/in.hex", "N_IN", 9),
        ("vectors/out.hex", "N_OUT", 16),
        ("vectors/act.hex", "N_ACT", 26),
        ("vectors/chk.hex", "N_CHK", 40),
    ] {
        let text = &e.files[file];
        assert_eq!(text.lines().count(), localparam(tb, n), "{file}");
        assert!(
            text.lines()
                .all(|l| l.len() == digits && l.chars().all(|c| c.is_ascii_hexdigit())),
            "{file}: {text}"
        );
    }
    // 3 ticks: 8 events + 3 end-of-tick beats
    assert_eq!(localparam(tb, "N_IN"), 11);
    assert_eq!(localparam(tb, "TICKS"), 3);
    assert_eq!(e.summary.input_beats, 11);
    // the end-of-tick input beats are the only ones with bit 32 set
    let eots = e.files["vectors/in.hex"]
        .lines()
        .filter(|l| l.starts_with('1'))
        .count();
    assert_eq!(eots, 3);
    // after each of the 3 ticks: dropped, tick low and high, every per-neuron state the hardware
    // stores, x per row (STDP is on), 8 sampled weights; at the end the same, the ID and every
    // weight
    let lay = &e.generated.layout;
    let per_neuron = [Region::V, Region::Ref, Region::Theta, Region::Y]
        .iter()
        .filter(|r| lay.region_field(**r).is_some())
        .count() as u64;
    let x = if lay.f_y.is_some() { lay.r } else { 0 };
    let state = 3 + per_neuron * lay.n + x;
    assert_eq!(
        e.summary.checks as u64,
        3 * (state + 8) + 1 + state + lay.r * lay.n
    );
}

#[test]
fn every_hole_is_filled_and_no_unknown_hole_is_accepted() {
    let e = export(&cfg(), &stim(), &ExportOptions::default()).unwrap();
    for (name, text) in &e.files {
        if name.ends_with(".v") || name.ends_with(".vh") || name.ends_with(".sh") {
            let holes = text
                .match_indices("{{")
                .filter(|(i, _)| text[i + 2..].starts_with(|c: char| c.is_ascii_uppercase()))
                .count();
            assert_eq!(holes, 0, "{name} has an unfilled hole");
        }
    }
    assert!(fill("a {{X}} b", &[]).is_err());
    assert!(fill("a {{X}} b", &[("Y", "1".into())]).is_err());
    assert_eq!(
        fill("a {{X}} {{(3){1'b0}}}", &[("X", "1".into())]).unwrap(),
        "a 1 {{(3){1'b0}}}"
    );
}

#[test]
fn read_back_addresses_come_from_the_memory_map() {
    let e = export(&cfg(), &stim(), &ExportOptions::default()).unwrap();
    let lay = &e.generated.layout;
    // (ticks done, the low 128 bits)
    let tagged: Vec<(u32, u128)> = e.files["vectors/chk.hex"]
        .lines()
        .map(|l| {
            let (t, rest) = l.split_at(8);
            (
                u32::from_str_radix(t, 16).unwrap(),
                u128::from_str_radix(rest, 16).unwrap(),
            )
        })
        .collect();
    let chk: Vec<u128> = tagged.iter().map(|(_, w)| *w).collect();
    let kind = |w: &u128| (*w >> 120) as u8;
    let weights: Vec<&u128> = chk.iter().filter(|w| kind(w) == 10).collect();
    assert_eq!(weights.len() as u64, 3 * 8 + lay.r * lay.n);
    for w in weights {
        let j = (w >> 96) as u64 & 0xFF_FFFF;
        let i = (w >> 72) as u64 & 0xFF_FFFF;
        assert_eq!((w >> 32) as u64 & 0xFFFF_FFFF, lay.weight_addr(j, i));
    }
    // signed weights are sign-extended 32-bit words, as the host port returns them
    let mut net = golden::Network::new(&cfg());
    for t in &stim().ticks {
        net.step(t);
    }
    let w00 = net.weights()[[0, 0]];
    let (_, first) = tagged
        .iter()
        .find(|(t, w)| kind(w) == 10 && *t == 4)
        .unwrap();
    assert_eq!(*first as u32, w00 as u32);
    assert_eq!(
        tagged.last().copied(),
        Some((u32::MAX, 0)),
        "the list ends with its marker"
    );
    // the checks of each tick, in tick order, then the final ones (tag TICKS + 1)
    let tags: Vec<u32> = tagged[..tagged.len() - 1].iter().map(|(t, _)| *t).collect();
    assert!(tags.windows(2).all(|w| w[0] <= w[1]), "{tags:?}");
    assert_eq!(tags.first(), Some(&1));
    assert_eq!(tags.last(), Some(&4));
    for t in 1..=3 {
        // v of every neuron after every tick
        let v = tagged
            .iter()
            .filter(|(a, w)| *a == t && kind(w) == 5)
            .count();
        assert_eq!(v as u64, lay.n, "tick {t}");
    }
}

#[test]
fn host_actions_become_writes_before_their_tick() {
    let opts = ExportOptions {
        actions: vec![
            (1, HostAction::Clear),
            (1, HostAction::WriteWeight { j: 2, i: 3, w: -4 }),
            (3, HostAction::Normalize),
            (2, HostAction::Reset),
        ],
        ..Default::default()
    };
    let e = export(&cfg(), &stim(), &opts).unwrap();
    let lay = &e.generated.layout;
    let acts: Vec<(u32, u8, u64, u32)> = e.files["vectors/act.hex"]
        .lines()
        .map(|l| {
            let w = u128::from_str_radix(l, 16).unwrap();
            (
                (w >> 72) as u32,
                (w >> 64) as u8,
                (w >> 32) as u64 & 0xFFFF_FFFF,
                w as u32,
            )
        })
        .collect();
    assert_eq!(
        acts,
        vec![
            (1, 1, 6, 1),
            (1, 1, lay.weight_addr(2, 3), (-4i32) as u32),
            (2, 2, 0, 0),
            (3, 1, 6, 2),
            (u32::MAX, 0, 0, 0),
        ]
    );
    assert_eq!(e.summary.actions, 4);
}

#[test]
fn backpressure_is_switched_per_tick_by_action_kind_3() {
    let opts = ExportOptions {
        backpressure_permille: 300,
        bp_ticks: vec![false, false, true],
        full_every: 2,
        ..Default::default()
    };
    let e = export(&cfg(), &stim(), &opts).unwrap();
    let acts: Vec<&str> = e.files["vectors/act.hex"].lines().collect();
    // off before tick 0, on before tick 2; not counted as host actions
    assert_eq!(acts.len(), 3, "{acts:?}");
    assert_eq!(&acts[0][..10], "0000000003");
    assert_eq!(&acts[1][..10], "0000000203");
    assert!(acts[0].ends_with('0') && acts[1].ends_with('1'));
    assert_eq!(e.summary.actions, 0);
    // every weight after tick 1 (the second), as full_every = 2 asks
    let lay = &e.generated.layout;
    let after_1 = e.files["vectors/chk.hex"]
        .lines()
        .filter(|l| l.starts_with("000000020a"))
        .count();
    assert_eq!(after_1 as u64, lay.r * lay.n);
    let wrong = ExportOptions {
        bp_ticks: vec![true],
        ..Default::default()
    };
    assert!(export(&cfg(), &stim(), &wrong).is_err());
}

#[test]
fn host_weights_write_every_initial_weight_and_zero_the_init_files() {
    let opts = ExportOptions {
        host_weights: true,
        ..Default::default()
    };
    let e = export(&cfg(), &stim(), &opts).unwrap();
    let lay = &e.generated.layout;
    assert_eq!(e.summary.actions as u64, lay.r * lay.n);
    for (name, text) in &e.files {
        if name.ends_with(".hex") && name.starts_with("rtl/") {
            assert!(text.lines().all(|l| l.chars().all(|c| c == '0')), "{name}");
        }
    }
}

#[test]
fn the_export_is_deterministic() {
    let a = export(&cfg(), &stim(), &ExportOptions::default()).unwrap();
    let b = export(&cfg(), &stim(), &ExportOptions::default()).unwrap();
    assert_eq!(a.files, b.files);
}

#[test]
fn impossible_requests_are_refused() {
    let empty = Stimulus::new(vec![]);
    let err = export(&cfg(), &empty, &ExportOptions::default()).unwrap_err();
    assert!(err.contains("no ticks"), "{err}");
    let late = ExportOptions {
        actions: vec![(4, HostAction::Clear)],
        ..Default::default()
    };
    let err = export(&cfg(), &stim(), &late).unwrap_err();
    assert!(err.contains("tick 4"), "{err}");
    let bad_w = ExportOptions {
        actions: vec![(0, HostAction::WriteWeight { j: 99, i: 0, w: 0 })],
        ..Default::default()
    };
    assert!(export(&cfg(), &stim(), &bad_w).is_err());
    let bp = ExportOptions {
        backpressure_permille: 1000,
        ..Default::default()
    };
    assert!(export(&cfg(), &stim(), &bp).is_err());
}

#[test]
fn patch_refuses_a_mutation_that_changes_nothing() {
    let mut e = export(&cfg(), &stim(), &ExportOptions::default()).unwrap();
    assert!(e.patch("rtl/fnet.v", "no such text", "x").is_err());
    assert!(e.patch("rtl/none.v", "module", "x").is_err());
    assert!(e.patch("rtl/fnet.v", "module fnet", "module fnet").is_ok());
}
