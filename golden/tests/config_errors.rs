//! Config validation: every impossible config is an `Error::Config` naming the dotted key and the
//! allowed range (or the allowed values), never a panic; and the defaults resolve as
//! docs/model.md says.

use golden::Error;
use golden::config::{Config, NeuronConfig, Reset, Rule, WeightInit};
use std::path::{Path, PathBuf};

const ARRAY: &str = "[array]\ninputs = 4\nneurons = 2\n";

fn parse(text: &str) -> Result<Config, Error> {
    Config::from_toml_str(text, Path::new("."))
}

/// The config error of `text`: its key and message.
fn config_error(text: &str) -> (String, String) {
    match parse(text) {
        Err(Error::Config { key, message }) => (key, message),
        other => panic!("expected a config error for\n{text}\ngot {other:?}"),
    }
}

/// `text` is rejected naming `key`, and the message contains every one of `want`.
#[track_caller]
fn rejects(text: &str, key: &str, want: &[&str]) {
    let (k, m) = config_error(text);
    assert_eq!(k, key, "wrong key for\n{text}\nmessage: {m}");
    for w in want {
        assert!(
            m.contains(w),
            "message for `{key}` lacks {w:?}: {m}\n{text}"
        );
    }
    let shown = parse(text).unwrap_err().to_string();
    assert!(shown.contains(key), "{shown}");
    assert!(!shown.contains('\n'), "one line: {shown}");
}

/// A config of `[array]` (4 inputs, 2 neurons) plus `rest`.
fn with(rest: &str) -> String {
    format!("{ARRAY}{rest}")
}

/// A fresh folder for files of one test.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("config_errors")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

// ---- widths ---------------------------------------------------------------------------------

#[test]
fn widths_out_of_range_name_the_key_and_range() {
    let cases: &[(&str, &str, &str)] = &[
        ("[neuron]\nv_bits = 1\n", "neuron.v_bits", "2..=32"),
        ("[neuron]\nv_bits = 33\n", "neuron.v_bits", "2..=32"),
        ("[neuron]\nacc_bits = 1\n", "neuron.acc_bits", "2..=40"),
        ("[neuron]\nacc_bits = 41\n", "neuron.acc_bits", "2..=40"),
        ("[neuron]\ntheta_bits = 0\n", "neuron.theta_bits", "1..=31"),
        ("[neuron]\ntheta_bits = 32\n", "neuron.theta_bits", "1..=31"),
        (
            "[synapse]\nweight_bits = 0\n",
            "synapse.weight_bits",
            "1..=16",
        ),
        (
            "[synapse]\nweight_bits = 17\n",
            "synapse.weight_bits",
            "1..=16",
        ),
        ("[stdp]\ntrace_bits = 0\n", "stdp.trace_bits", "1..=16"),
        ("[stdp]\ntrace_bits = 17\n", "stdp.trace_bits", "1..=16"),
    ];
    for (rest, key, range) in cases {
        rejects(&with(rest), key, &[range]);
    }
}

#[test]
fn array_sizes_out_of_range_name_the_key_and_range() {
    rejects(
        "[array]\ninputs = 0\nneurons = 2\n",
        "array.inputs",
        &["1..=65536"],
    );
    rejects(
        "[array]\ninputs = 65537\nneurons = 2\n",
        "array.inputs",
        &["1..=65536"],
    );
    rejects(
        "[array]\ninputs = 2\nneurons = -1\n",
        "array.neurons",
        &["1..=65536"],
    );
    rejects(
        "[array]\ninputs = 2\nneurons = 2\nlanes = 0\n",
        "array.lanes",
        &["1..=64"],
    );
    rejects(
        "[array]\ninputs = 2\nneurons = 128\nlanes = 128\n",
        "array.lanes",
        &["1..=64"],
    );
    // 65536 x 512 = 2^25 synapses
    rejects(
        "[array]\ninputs = 65536\nneurons = 512\n",
        "array",
        &["16777216"],
    );
    // recurrent rows count: (4096 + 4096) x 4096 = 2^25
    rejects(
        "[array]\ninputs = 4096\nneurons = 4096\nrecurrent = true\n",
        "array",
        &["16777216"],
    );
}

#[test]
fn neurons_not_a_multiple_of_lanes_is_rejected() {
    rejects(
        "[array]\ninputs = 4\nneurons = 6\nlanes = 4\n",
        "array.lanes",
        &["does not divide", "6"],
    );
    assert!(parse("[array]\ninputs = 4\nneurons = 6\nlanes = 3\n").is_ok());
}

#[test]
fn name_must_be_a_verilog_identifier() {
    for bad in ["\"9net\"", "\"my-net\"", "\"\"", "\"n\u{e9}t\""] {
        rejects(&format!("name = {bad}\n{ARRAY}"), "name", &["identifier"]);
    }
    let long = "a".repeat(65);
    rejects(&format!("name = \"{long}\"\n{ARRAY}"), "name", &["64"]);
    rejects(&format!("name = \"module\"\n{ARRAY}"), "name", &["keyword"]);
    assert!(parse(&format!("name = \"_a9\"\n{ARRAY}")).is_ok());
}

// ---- weights ----------------------------------------------------------------------------------

#[test]
fn weight_bounds_must_lie_within_weight_bits() {
    rejects(
        &with("[synapse]\nw_max = 256\n"),
        "synapse.w_max",
        &["0..=255"],
    );
    rejects(
        &with("[synapse]\nw_min = -1\n"),
        "synapse.w_min",
        &["0..=255"],
    );
    rejects(
        &with("[synapse]\nsigned = true\nw_min = -129\n"),
        "synapse.w_min",
        &["-128..=127"],
    );
    rejects(
        &with("[synapse]\nweight_bits = 4\nsigned = true\nw_max = 8\n"),
        "synapse.w_max",
        &["-8..=7"],
    );
}

#[test]
fn w_min_above_w_max_is_rejected() {
    rejects(
        &with("[synapse]\nw_min = 10\nw_max = 9\ninit = \"constant\"\ninit_value = 9\n"),
        "synapse.w_min",
        &["10", "w_max = 9"],
    );
}

#[test]
fn initial_weights_must_lie_within_w_min_and_w_max() {
    rejects(
        &with("[synapse]\ninit = \"constant\"\ninit_value = 300\n"),
        "synapse.init_value",
        &["0..=255"],
    );
    rejects(
        &with("[synapse]\nw_max = 100\ninit_hi = 101\n"),
        "synapse.init_hi",
        &["0..=100"],
    );
    rejects(
        &with("[synapse]\ninit_lo = 30\ninit_hi = 20\n"),
        "synapse.init_lo",
        &["30", "init_hi = 20"],
    );
    // a default that falls outside says it is the default
    rejects(
        &with("[synapse]\nw_min = 10\n"),
        "synapse.init_lo",
        &["10..=255", "default"],
    );
    rejects(
        &with("[synapse]\nw_min = 10\ninit = \"constant\"\n"),
        "synapse.init_value",
        &["10..=255", "default"],
    );
}

#[test]
fn init_keys_of_another_init_kind_are_rejected() {
    rejects(
        &with("[synapse]\ninit_value = 3\n"),
        "synapse.init_value",
        &["uniform"],
    );
    rejects(
        &with("[synapse]\ninit = \"constant\"\ninit_hi = 3\n"),
        "synapse.init_hi",
        &["constant"],
    );
    rejects(
        &with("[synapse]\ninit = \"file\"\ninit_file = \"w.csv\"\ninit_lo = 3\n"),
        "synapse.init_lo",
        &["file"],
    );
    rejects(
        &with("[synapse]\ninit = \"uniform\"\ninit_file = \"w.csv\"\n"),
        "synapse.init_file",
        &["uniform"],
    );
    rejects(
        &with("[synapse]\ninit = \"file\"\n"),
        "synapse.init_file",
        &["missing"],
    );
}

// ---- init_file ------------------------------------------------------------------------------

/// Write `csv` as `w.csv` next to a config of 2 inputs x 3 neurons (plus `array_extra`) and load it.
fn load_with_csv(test: &str, array_extra: &str, csv: &[u8]) -> Result<Config, Error> {
    let dir = scratch(test);
    std::fs::write(dir.join("w.csv"), csv).unwrap();
    let text = format!(
        "[array]\ninputs = 2\nneurons = 3\n{array_extra}[synapse]\nw_max = 100\ninit = \"file\"\ninit_file = \"w.csv\"\n"
    );
    std::fs::write(dir.join("net.toml"), text).unwrap();
    Config::from_file(&dir.join("net.toml"))
}

#[track_caller]
fn csv_rejected(test: &str, csv: &[u8], want: &[&str]) {
    match load_with_csv(test, "", csv) {
        Err(Error::Config { key, message }) => {
            assert_eq!(key, "synapse.init_file", "{message}");
            for w in want {
                assert!(message.contains(w), "lacks {w:?}: {message}");
            }
        }
        other => panic!("expected a config error, got {other:?}"),
    }
}

#[test]
fn init_file_loads_relative_to_the_config_folder() {
    let cfg = load_with_csv("csv_ok", "", b"1, 2, 3\n\n-0,100,+7\n").unwrap();
    let w = cfg.initial_weights();
    assert_eq!(w.dim(), (2, 3));
    assert_eq!(w.as_slice().unwrap(), &[1, 2, 3, 0, 100, 7]);
    // CRLF line ends are fine too
    let cfg = load_with_csv("csv_crlf", "", b"1,2,3\r\n4,5,6\r\n").unwrap();
    assert_eq!(
        cfg.initial_weights().as_slice().unwrap(),
        &[1, 2, 3, 4, 5, 6]
    );
}

#[test]
fn init_file_with_the_wrong_shape_is_rejected() {
    csv_rejected("rows_few", b"1,2,3\n", &["has 1 rows, expected 2"]);
    csv_rejected(
        "rows_many",
        b"1,2,3\n1,2,3\n1,2,3\n",
        &["has 3 rows, expected 2"],
    );
    csv_rejected(
        "cols_few",
        b"1,2,3\n1,2\n",
        &["row 2", "has 2 values, expected 3"],
    );
    csv_rejected("cols_many", b"1,2,3,4\n1,2,3\n", &["row 1", "has 4 values"]);
    csv_rejected(
        "trailing_comma",
        b"1,2,3,\n1,2,3\n",
        &["row 1", "has 4 values"],
    );
    csv_rejected("empty_file", b"", &["has 0 rows, expected 2"]);
    // recurrent: one row per input, then one per neuron
    match load_with_csv("recurrent", "recurrent = true\n", b"1,2,3\n1,2,3\n") {
        Err(Error::Config { key, message }) => {
            assert_eq!(key, "synapse.init_file");
            assert!(message.contains("expected 5") && message.contains("inputs + neurons"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn init_file_values_out_of_range_or_not_integers_are_rejected() {
    csv_rejected(
        "too_big",
        b"1,2,3\n1,101,3\n",
        &["row 2 column 2", "101", "0..=100"],
    );
    csv_rejected(
        "negative",
        b"1,2,-1\n1,2,3\n",
        &["row 1 column 3", "0..=100"],
    );
    csv_rejected(
        "float",
        b"1,2,3\n1.5,2,3\n",
        &["row 2 column 1", "not an integer"],
    );
    csv_rejected("word", b"1,abc,3\n1,2,3\n", &["row 1 column 2", "\"abc\""]);
    csv_rejected(
        "blank_field",
        b"1,,3\n1,2,3\n",
        &["row 1 column 2", "not an integer"],
    );
    csv_rejected(
        "huge",
        b"1,2,3\n1,2,99999999999999999999999\n",
        &["not an integer"],
    );
    csv_rejected("not_utf8", b"1,2,3\n\xff\xfe,2,3\n", &["UTF-8"]);
}

#[test]
fn missing_init_file_is_a_config_error_naming_the_path() {
    let dir = scratch("csv_missing");
    let text =
        "[array]\ninputs = 2\nneurons = 3\n[synapse]\ninit = \"file\"\ninit_file = \"nope.csv\"\n";
    std::fs::write(dir.join("net.toml"), text).unwrap();
    match Config::from_file(&dir.join("net.toml")) {
        Err(Error::Config { key, message }) => {
            assert_eq!(key, "synapse.init_file");
            assert!(message.contains("nope.csv"), "{message}");
        }
        other => panic!("{other:?}"),
    }
}

// ---- neuron values --------------------------------------------------------------------------

#[test]
fn thresholds_and_potentials_that_v_bits_cannot_hold_are_rejected() {
    rejects(
        &with("[neuron]\nthreshold = 32768\n"),
        "neuron.threshold",
        &["-32768..=32767"],
    );
    rejects(
        &with("[neuron]\nv_bits = 8\nthreshold = 200\n"),
        "neuron.threshold",
        &["-128..=127"],
    );
    // the default threshold 256 does not fit 8 bits: the message says it is the default
    rejects(
        &with("[neuron]\nv_bits = 8\n"),
        "neuron.threshold",
        &["-128..=127", "default"],
    );
    rejects(
        &with("[neuron]\nv_min = 1\n"),
        "neuron.v_min",
        &["-32768..=0"],
    );
    rejects(
        &with("[neuron]\nv_min = -32769\n"),
        "neuron.v_min",
        &["-32768..=0"],
    );
    rejects(
        &with("[neuron]\nv_min = -10\nv_reset = -11\n"),
        "neuron.v_reset",
        &["-10..=32767"],
    );
    rejects(
        &with("[neuron]\nv_reset = 32768\n"),
        "neuron.v_reset",
        &["..=32767"],
    );
    rejects(
        &with("[neuron]\ninhibition = -1\n"),
        "neuron.inhibition",
        &["0..=32767"],
    );
    rejects(
        &with("[neuron]\ninhibition = 32768\n"),
        "neuron.inhibition",
        &["0..=32767"],
    );
}

#[test]
fn neuron_shifts_counts_and_theta_out_of_range_are_rejected() {
    let cases: &[(&str, &str, &str)] = &[
        ("[neuron]\nleak_shift = 17\n", "neuron.leak_shift", "0..=16"),
        ("[neuron]\nleak_shift = -1\n", "neuron.leak_shift", "0..=16"),
        (
            "[neuron]\nrefractory = 65536\n",
            "neuron.refractory",
            "0..=65535",
        ),
        (
            "[neuron]\ntheta_bits = 4\ntheta_plus = 16\n",
            "neuron.theta_plus",
            "0..=15",
        ),
        (
            "[neuron]\ntheta_plus = -1\n",
            "neuron.theta_plus",
            "0..=65535",
        ),
        (
            "[neuron]\ntheta_bits = 4\ntheta_decay_shift = 5\n",
            "neuron.theta_decay_shift",
            "0..=4",
        ),
    ];
    for (rest, key, range) in cases {
        rejects(&with(rest), key, &[range]);
    }
}

#[test]
fn stdp_values_out_of_range_are_rejected() {
    let cases: &[(&str, &str, &str)] = &[
        ("[stdp]\npre_inc = 256\n", "stdp.pre_inc", "0..=255"),
        ("[stdp]\npost_inc = -1\n", "stdp.post_inc", "0..=255"),
        (
            "[stdp]\ntrace_bits = 4\npre_inc = 16\n",
            "stdp.pre_inc",
            "0..=15",
        ),
        (
            "[stdp]\npre_decay_shift = 9\n",
            "stdp.pre_decay_shift",
            "0..=8",
        ),
        (
            "[stdp]\npost_decay_shift = 9\n",
            "stdp.post_decay_shift",
            "0..=8",
        ),
        ("[stdp]\nltp_shift = 9\n", "stdp.ltp_shift", "0..=8"),
        ("[stdp]\nltd_shift = -1\n", "stdp.ltd_shift", "0..=8"),
        (
            "[stdp]\nltp_offset = 65536\n",
            "stdp.ltp_offset",
            "0..=65535",
        ),
        (
            "[stdp]\nnormalize_target = -1\n",
            "stdp.normalize_target",
            "0..=4294967295",
        ),
        (
            "[stdp]\nnormalize_target = 4294967296\n",
            "stdp.normalize_target",
            "0..=4294967295",
        ),
        (
            "[stdp]\nnormalize_every = 4294967296\n",
            "stdp.normalize_every",
            "0..=4294967295",
        ),
        ("[synapse]\nseed = -1\n", "synapse.seed", "0..="),
    ];
    for (rest, key, range) in cases {
        rejects(&with(rest), key, &[range]);
    }
}

#[test]
fn cuba_values_out_of_range_are_rejected() {
    let cuba = |rest: &str| with(&format!("[neuron]\nmodel = \"cuba\"\n{rest}"));
    rejects(&cuba("du = 4096\n"), "neuron.du", &["0..=4095"]);
    rejects(&cuba("dv = -1\n"), "neuron.dv", &["0..=4095"]);
    rejects(&cuba("vth = 131072\n"), "neuron.vth", &["0..=131071"]);
    rejects(
        &cuba("bias_mant = 4096\n"),
        "neuron.bias_mant",
        &["-4096..=4095"],
    );
    rejects(
        &cuba("bias_mant = -4097\n"),
        "neuron.bias_mant",
        &["-4096..=4095"],
    );
    rejects(&cuba("bias_exp = 8\n"), "neuron.bias_exp", &["0..=7"]);
    rejects(
        &format!("{ARRAY}[neuron]\nmodel = \"cuba\"\n[synapse]\nweight_exp = 8\n"),
        "synapse.weight_exp",
        &["-8..=7"],
    );
    rejects(
        &format!("{ARRAY}[neuron]\nmodel = \"cuba\"\n[synapse]\nweight_exp = -9\n"),
        "synapse.weight_exp",
        &["-8..=7"],
    );
}

#[test]
fn keys_of_the_other_neuron_model_are_rejected() {
    rejects(
        &with("[neuron]\nmodel = \"cuba\"\nthreshold = 5\n"),
        "neuron.threshold",
        &["cuba", "vth"],
    );
    rejects(
        &with("[neuron]\nmodel = \"cuba\"\nrefractory = 2\n"),
        "neuron.refractory",
        &["cuba"],
    );
    rejects(
        &with("[neuron]\nmodel = \"cuba\"\nreset = \"zero\"\n"),
        "neuron.reset",
        &["cuba"],
    );
    rejects(
        &with("[neuron]\nvth = 5\n"),
        "neuron.vth",
        &["lif", "threshold"],
    );
    rejects(&with("[neuron]\ndu = 5\n"), "neuron.du", &["lif"]);
    rejects(
        &with("[synapse]\nweight_exp = 1\n"),
        "synapse.weight_exp",
        &["lif"],
    );
}

// ---- the file's form: keys, enum values, types, sections --------------------------------------

#[test]
fn unknown_keys_are_rejected_naming_the_dotted_key_and_the_allowed_keys() {
    rejects(
        &with("[neuron]\ntreshold = 5\n"),
        "neuron.treshold",
        &["threshold", "leak_shift"],
    );
    rejects(
        "[array]\ninputs = 4\nneurons = 2\nfoo = 1\n",
        "array.foo",
        &["inputs, neurons, lanes, recurrent"],
    );
    rejects(&format!("foo = 1\n{ARRAY}"), "foo", &["[array]"]);
    rejects(&with("[bogus]\nx = 1\n"), "bogus", &["[stdp]"]);
    rejects(
        &with("[stdp.extra]\nx = 1\n"),
        "stdp.extra",
        &["unknown key"],
    );
    rejects(
        &with("[synapse]\nInit = \"constant\"\n"),
        "synapse.Init",
        &["init"],
    );
}

#[test]
fn unknown_enum_values_are_rejected_with_the_allowed_values() {
    rejects(
        &with("[neuron]\nmodel = \"izhikevich\"\n"),
        "neuron.model",
        &["\"lif\" | \"cuba\""],
    );
    rejects(
        &with("[neuron]\nreset = \"hard\"\n"),
        "neuron.reset",
        &["\"zero\" | \"subtract\""],
    );
    rejects(
        &with("[synapse]\ninit = \"gaussian\"\n"),
        "synapse.init",
        &["\"constant\" | \"uniform\" | \"file\""],
    );
    rejects(
        &with("[stdp]\nrule = \"Additive\"\n"),
        "stdp.rule",
        &["\"additive\" | \"symmetric\""],
    );
}

#[test]
fn values_of_the_wrong_type_are_rejected_naming_the_key() {
    rejects(
        "[array]\ninputs = \"4\"\nneurons = 2\n",
        "array.inputs",
        &["integer", "string"],
    );
    rejects(
        "[array]\ninputs = 4.0\nneurons = 2\n",
        "array.inputs",
        &["integer", "4.0"],
    );
    rejects(
        "[array]\ninputs = [4]\nneurons = 2\n",
        "array.inputs",
        &["integer", "array"],
    );
    rejects(
        &with("[neuron]\nthreshold = true\n"),
        "neuron.threshold",
        &["integer"],
    );
    rejects(
        "[array]\ninputs = 4\nneurons = 2\nrecurrent = 1\n",
        "array.recurrent",
        &["boolean"],
    );
    rejects(
        &with("[synapse]\nsigned = \"yes\"\n"),
        "synapse.signed",
        &["boolean"],
    );
    rejects(
        &with("[stdp]\nenabled = \"true\"\n"),
        "stdp.enabled",
        &["boolean"],
    );
    rejects(
        &with("[neuron]\nmodel = 1\n"),
        "neuron.model",
        &["\"lif\" | \"cuba\"", "integer"],
    );
    rejects(&format!("name = 5\n{ARRAY}"), "name", &["string"]);
    rejects(
        &with("[synapse]\ninit = \"file\"\ninit_file = 3\n"),
        "synapse.init_file",
        &["string"],
    );
    rejects("array = 5\n", "array", &["table"]);
    rejects(&format!("neuron = \"lif\"\n{ARRAY}"), "neuron", &["table"]);
    rejects(
        &with("[neuron]\nthreshold = 1979-05-27\n"),
        "neuron.threshold",
        &["integer"],
    );
}

#[test]
fn missing_array_section_or_keys_are_rejected() {
    rejects("", "array", &["array.inputs", "array.neurons"]);
    rejects("# only a comment\n\n", "array", &["missing"]);
    rejects("[neuron]\nthreshold = 5\n", "array", &["missing"]);
    rejects("[array]\nneurons = 2\n", "array.inputs", &["missing"]);
    rejects("[array]\ninputs = 2\n", "array.neurons", &["missing"]);
}

#[test]
fn toml_syntax_errors_give_line_and_column_on_one_line() {
    let cases = [
        ("[array\ninputs = 4\n", "line 1"),
        ("[array]\ninputs = 4\nneurons = 2\ninputs = 5\n", "line 4"),
        (
            "[array]\ninputs = 99999999999999999999999\nneurons = 2\n",
            "line 2",
        ),
        ("[array]\ninputs = 4\nneurons = \n", "line 3"),
        ("\u{0}\u{1}{{{", "line 1"),
    ];
    for (text, want) in cases {
        match parse(text) {
            Err(e @ Error::Parse { .. }) => {
                let shown = e.to_string();
                assert!(shown.contains(want), "{text:?}: {shown}");
                assert!(!shown.contains('\n'), "one line: {shown}");
            }
            other => panic!("{text:?}: expected a parse error, got {other:?}"),
        }
    }
}

#[test]
fn garbage_bytes_and_missing_files_are_errors_naming_the_file() {
    let dir = scratch("garbage");
    let bin = dir.join("garbage.toml");
    std::fs::write(&bin, b"\x00\xff\xfe\x80[array]\n").unwrap();
    match Config::from_file(&bin) {
        Err(e @ Error::Parse { .. }) => {
            let shown = e.to_string();
            assert!(
                shown.contains("garbage.toml") && shown.contains("UTF-8"),
                "{shown}"
            );
        }
        other => panic!("{other:?}"),
    }
    let empty = dir.join("empty.toml");
    std::fs::write(&empty, b"").unwrap();
    assert!(matches!(
        Config::from_file(&empty),
        Err(Error::Config { key, .. }) if key == "array"
    ));
    match Config::from_file(&dir.join("absent.toml")) {
        Err(e @ Error::Io { .. }) => assert!(e.to_string().contains("absent.toml")),
        other => panic!("{other:?}"),
    }
    assert!(matches!(Config::from_file(&dir), Err(Error::Io { .. })));
    // a syntax error in a file names the file
    let broken = dir.join("broken.toml");
    std::fs::write(&broken, "[array\n").unwrap();
    let shown = Config::from_file(&broken).unwrap_err().to_string();
    assert!(
        shown.contains("broken.toml") && shown.contains("line 1"),
        "{shown}"
    );
}

// ---- defaults ---------------------------------------------------------------------------------

#[test]
fn defaults_resolve_as_documented() {
    let c = parse(ARRAY).unwrap();
    assert_eq!(c.name, "net");
    assert_eq!(
        (
            c.array.inputs,
            c.array.neurons,
            c.array.lanes,
            c.array.recurrent
        ),
        (4, 2, 1, false)
    );
    let NeuronConfig::Lif(l) = &c.neuron else {
        panic!("default model is lif")
    };
    assert_eq!((l.v_bits, l.acc_bits, l.threshold), (16, 20, 256));
    assert_eq!((l.reset, l.v_reset, l.v_min), (Reset::Zero, 0, -32768));
    assert_eq!((l.leak_shift, l.refractory, l.inhibition), (4, 0, 0));
    assert_eq!(
        (l.theta_plus, l.theta_decay_shift, l.theta_bits),
        (0, 0, 16)
    );
    let s = &c.synapse;
    assert_eq!(
        (s.weight_bits, s.signed, s.w_min, s.w_max),
        (8, false, 0, 255)
    );
    assert_eq!(
        s.init,
        WeightInit::Uniform {
            lo: 0,
            hi: 63,
            seed: 1
        }
    );
    let t = &c.stdp;
    assert!(t.enabled);
    assert_eq!(
        (t.rule, t.trace_bits, t.pre_inc, t.post_inc),
        (Rule::Additive, 8, 64, 64)
    );
    assert_eq!(
        (
            t.pre_decay_shift,
            t.post_decay_shift,
            t.ltp_shift,
            t.ltd_shift
        ),
        (3, 3, 4, 4)
    );
    assert_eq!(
        (t.ltp_offset, t.normalize_target, t.normalize_every),
        (0, 0, 0)
    );
    assert_eq!(c.rows(), 4);
}

#[test]
fn dependent_defaults_follow_the_keys_they_depend_on() {
    let c = parse(&with("[neuron]\nv_bits = 10\nthreshold = 100\n")).unwrap();
    let l = c.lif().unwrap();
    assert_eq!((l.acc_bits, l.v_min), (14, -512));
    // signed weights: full signed range, init_hi = w_max / 4
    let c = parse(&with("[synapse]\nsigned = true\n")).unwrap();
    assert_eq!((c.synapse.w_min, c.synapse.w_max), (-128, 127));
    assert_eq!(
        c.synapse.init,
        WeightInit::Uniform {
            lo: 0,
            hi: 31,
            seed: 1
        }
    );
    let c = parse(&with("[synapse]\nweight_bits = 4\nsigned = true\n")).unwrap();
    assert_eq!((c.synapse.w_min, c.synapse.w_max), (-8, 7));
    let c = parse(&with("[synapse]\nw_max = 100\n")).unwrap();
    assert!(matches!(c.synapse.init, WeightInit::Uniform { hi: 25, .. }));
    // recurrent rows
    let c = parse("[array]\ninputs = 4\nneurons = 2\nrecurrent = true\n").unwrap();
    assert_eq!(c.rows(), 6);
    assert_eq!(c.initial_weights().dim(), (6, 2));
    // narrow traces: the default increments and shifts shrink to fit trace_bits
    let c = parse(&with("[stdp]\ntrace_bits = 2\n")).unwrap();
    assert_eq!((c.stdp.pre_inc, c.stdp.post_inc), (3, 3));
    assert_eq!(
        (c.stdp.pre_decay_shift, c.stdp.ltp_shift, c.stdp.ltd_shift),
        (2, 2, 2)
    );
}

#[test]
fn narrow_v_bits_with_a_fitting_threshold_is_valid() {
    // v_bits = 3 holds -4..=3; the default leak_shift (4) shrinks to v_bits like the trace shifts
    let c = parse(&with("[neuron]\nv_bits = 3\nthreshold = 3\n")).unwrap();
    assert_eq!(c.lif().unwrap().leak_shift, 3);
}

#[test]
fn cuba_defaults_resolve_as_documented() {
    let c = parse(&with("[neuron]\nmodel = \"cuba\"\n")).unwrap();
    let NeuronConfig::Cuba(k) = &c.neuron else {
        panic!("cuba")
    };
    assert_eq!((k.du, k.dv, k.vth), (0, 0, 10));
    assert_eq!(
        (&k.bias_mant[..], &k.bias_exp[..], k.weight_exp, k.acc_bits),
        (&[0, 0][..], &[0, 0][..], 0, 24)
    );
}

#[test]
fn cuba_bias_is_one_value_or_one_per_neuron() {
    let cuba = |rest: &str| with(&format!("[neuron]\nmodel = \"cuba\"\n{rest}"));
    let c = parse(&cuba("bias_mant = [68, -34]\nbias_exp = 3\n")).unwrap();
    let k = c.cuba().unwrap();
    assert_eq!(
        (&k.bias_mant[..], &k.bias_exp[..]),
        (&[68, -34][..], &[3, 3][..])
    );
    assert_eq!((k.bias(0), k.bias(1)), (68 << 3, -34 << 3));
    let c = parse(&cuba("bias_mant = 5\nbias_exp = [0, 7]\n")).unwrap();
    let k = c.cuba().unwrap();
    assert_eq!((k.bias(0), k.bias(1)), (5, 5 << 7));
    // each error names the key, the index and the range
    rejects(
        &cuba("bias_mant = [1, 4096]\n"),
        "neuron.bias_mant[1]",
        &["4096", "-4096..=4095", "13-bit signed"],
    );
    rejects(
        &cuba("bias_exp = [8, 0]\n"),
        "neuron.bias_exp[0]",
        &["8", "0..=7"],
    );
    rejects(
        &cuba("bias_mant = [1, 2, 3]\n"),
        "neuron.bias_mant",
        &["3 values", "array.neurons = 2"],
    );
    rejects(
        &cuba("bias_exp = [1, \"x\"]\n"),
        "neuron.bias_exp[1]",
        &["expected an integer", "the string \"x\""],
    );
    rejects(
        &cuba("bias_mant = 1.5\n"),
        "neuron.bias_mant",
        &["an integer or an array of integers"],
    );
    rejects(
        &with("[neuron]\nbias_mant = [1, 2]\n"),
        "neuron.bias_mant",
        &["lif"],
    );
}

#[test]
fn uniform_init_draws_row_major_from_splitmix64() {
    // expected values from the formula of docs/model.md, computed outside the model:
    // lo + ((next_u64() * (hi - lo + 1)) >> 64), SplitMix64 seeded with `seed`
    let c = parse(
        "[array]\ninputs = 2\nneurons = 3\n[synapse]\ninit_lo = 5\ninit_hi = 20\nseed = 42\n",
    )
    .unwrap();
    assert_eq!(
        c.initial_weights().as_slice().unwrap(),
        &[16, 7, 9, 10, 5, 18]
    );
    let c = parse("[array]\ninputs = 4\nneurons = 2\n").unwrap();
    assert_eq!(
        c.initial_weights().as_slice().unwrap(),
        &[36, 47, 62, 28, 28, 48, 56, 33]
    );
}

#[test]
fn lava_weight_bits_preprocess_the_weight_file_as_lavas_dense_does() {
    let dir = scratch("lava_bits");
    std::fs::write(dir.join("w.csv"), "5,-5,127\n-128,0,-127\n").unwrap();
    let text = |extra: &str| {
        format!(
            "[array]\ninputs = 2\nneurons = 3\n[neuron]\nmodel = \"cuba\"\n[synapse]\n\
             weight_bits = 9\nsigned = true\ninit = \"file\"\ninit_file = \"w.csv\"\n{extra}"
        )
    };
    let load = |extra: &str| {
        std::fs::write(dir.join("net.toml"), text(extra)).unwrap();
        Config::from_file(&dir.join("net.toml"))
    };
    // without the key the weights are the file's; with it, a mixed matrix loses its LSB
    let w = load("").unwrap().initial_weights();
    assert_eq!(w.row(0).to_vec(), vec![5, -5, 127]);
    let w = load("lava_weight_bits = 8\n").unwrap().initial_weights();
    assert_eq!(w.row(0).to_vec(), vec![4, -6, 126]);
    assert_eq!(w.row(1).to_vec(), vec![-128, 0, -128]);
    // a result outside w_min..=w_max names the key and the weight
    std::fs::write(dir.join("w.csv"), "5,-127,1\n0,0,0\n").unwrap();
    match load("w_min = -127\nlava_weight_bits = 8\n") {
        Err(Error::Config { key, message }) => {
            assert_eq!(key, "synapse.lava_weight_bits", "{message}");
            assert!(message.contains("W[0][1] = -127 into -128"), "{message}");
        }
        other => panic!("expected a config error, got {other:?}"),
    }
    rejects(
        &format!("{ARRAY}[synapse]\ninit = \"uniform\"\nlava_weight_bits = 8\n"),
        "synapse.lava_weight_bits",
        &["uniform"],
    );
    match load("lava_weight_bits = 9\n") {
        Err(Error::Config { key, message }) => {
            assert_eq!(key, "synapse.lava_weight_bits");
            assert!(message.contains("1..=8"), "{message}");
        }
        other => panic!("expected a config error, got {other:?}"),
    }
}

#[test]
fn bcast_stages_is_one_or_two_per_layer() {
    rejects(
        "[array]\ninputs = 2\nneurons = 2\nbcast_stages = 0\n",
        "array.bcast_stages",
        &["1..=2", "register stages"],
    );
    rejects(
        "[array]\ninputs = 2\nneurons = 2\nbcast_stages = 3\n",
        "array.bcast_stages",
        &["1..=2"],
    );
    rejects(
        "[array]\ninputs = 2\nneurons = 2\n[[layer]]\nneurons = 2\nbcast_stages = 5\n",
        "layer[1].bcast_stages",
        &["1..=2"],
    );
    let c = parse("[array]\ninputs = 2\nneurons = 2\n[[layer]]\nneurons = 2\nbcast_stages = 2\n")
        .unwrap();
    assert_eq!(c.array.bcast_stages, 1);
    assert_eq!(c.layers[0].array.bcast_stages, 2);
    let arch = golden::cycle::Arch::new(&c.layer_configs()[1], 2);
    assert_eq!(arch.bcast_stages, 2);
}
