//! `manifest.json` as a host program reads it: the bits of CONTROL, COMMAND and STATUS, and
//! where the weights are (with the reason when the UP5K generator fell back from SPRAM pair
//! mode). Runtime: well under a second (four small generations).

use golden::Config;
use hdl::array::{Options, Target, generate};
use serde_json::Value;
use std::path::Path;

fn manifest(toml: &str, target: Target) -> Value {
    let cfg = Config::from_toml_str(toml, Path::new(".")).expect("test config is valid");
    let g = generate(
        &cfg,
        &Options {
            target,
            ..Options::default()
        },
    )
    .expect("generates");
    serde_json::from_str(&g.manifest).expect("manifest.json is JSON")
}

/// 6 neurons on 2 lanes: 3 groups, odd, so no SPRAM pair mode on the UP5K.
const ODD_GROUPS: &str = r#"
name = "odd"
[array]
inputs = 4
neurons = 6
lanes = 2
"#;

/// 8 neurons on 2 lanes: 4 groups, SPRAM pair mode fits.
const EVEN_GROUPS: &str = r#"
name = "even"
[array]
inputs = 4
neurons = 8
lanes = 2
"#;

/// 16 neurons on 8 lanes: 2 groups, but 8 SPRAMs.
const MANY_LANES: &str = r#"
name = "wide"
[array]
inputs = 4
neurons = 16
lanes = 8
"#;

/// The (register index, bit, access) of the entry of `register` named `name`.
fn bit(m: &Value, register: &str, name: &str) -> (u64, u64, String) {
    let bits = m["host"]["register_bits"]
        .as_array()
        .expect("host.register_bits is a list");
    let e = bits
        .iter()
        .find(|b| b["register"] == register && b["name"] == name)
        .unwrap_or_else(|| panic!("no {register}.{name} in register_bits"));
    assert!(
        e["meaning"].as_str().is_some_and(|s| !s.is_empty()),
        "{register}.{name} has a meaning"
    );
    (
        e["index"].as_u64().unwrap(),
        e["bit"].as_u64().unwrap(),
        e["access"].as_str().unwrap().to_string(),
    )
}

#[test]
fn register_bits_match_the_register_map() {
    let m = manifest(EVEN_GROUPS, Target::Generic);
    // the register indices as the same manifest's `registers` pairs give them
    let index = |name: &str| {
        m["host"]["registers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p[0] == name)
            .and_then(|p| p[1].as_u64())
            .unwrap_or_else(|| panic!("no register {name}"))
    };
    assert_eq!(
        bit(&m, "CONTROL", "learn_enable"),
        (index("CONTROL"), 0, "rw".into())
    );
    assert_eq!(
        bit(&m, "COMMAND", "clear"),
        (index("COMMAND"), 0, "w".into())
    );
    assert_eq!(
        bit(&m, "COMMAND", "normalize"),
        (index("COMMAND"), 1, "w".into())
    );
    assert_eq!(bit(&m, "STATUS", "idle"), (index("STATUS"), 0, "r".into()));
    assert_eq!(
        (index("CONTROL"), index("COMMAND"), index("STATUS")),
        (5, 6, 7)
    );
    // exactly these four bits: the host port implements no others
    assert_eq!(m["host"]["register_bits"].as_array().unwrap().len(), 4);
}

#[test]
fn up5k_weights_placement_and_reason() {
    let odd = manifest(ODD_GROUPS, Target::Ice40Up5k);
    assert_eq!(odd["weights"]["memory"], "block-ram");
    assert_eq!(odd["weights_via_host"], false);
    assert_eq!(
        odd["weights"]["reason"],
        "SPRAM pair mode needs an even number of groups (neurons / lanes = 3)"
    );
    let wide = manifest(MANY_LANES, Target::Ice40Up5k);
    assert_eq!(wide["weights"]["memory"], "block-ram");
    assert_eq!(
        wide["weights"]["reason"],
        "SPRAM pair mode needs 8 SPRAMs (8 lanes x 1), the UP5K has 4"
    );
    // controls: pair mode when it fits, and no reason off the UP5K
    let even = manifest(EVEN_GROUPS, Target::Ice40Up5k);
    assert_eq!(even["weights"]["memory"], "spram-pair");
    assert_eq!(even["weights_via_host"], true);
    assert!(even["weights"].get("reason").is_none());
    let generic = manifest(ODD_GROUPS, Target::Generic);
    assert_eq!(generic["weights"]["memory"], "block-ram");
    assert!(generic["weights"].get("reason").is_none());
}

#[test]
fn ecp5_weights_in_dp16kd() {
    let m = manifest(EVEN_GROUPS, Target::Ecp5);
    assert_eq!(m["weights"]["memory"], "dp16kd");
    assert!(m["weights"].get("reason").is_none());
}
