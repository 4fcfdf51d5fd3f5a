//! `neurogen learn temporal`: one JSON object with `--json` (every K with and without delays),
//! PNG plots, the validation-only `--sweep`, and one clear error line for bad parameters.
//! Runtime: about a second.

use std::path::Path;

mod common;
use common::{is_png, json_of, neurogen};

#[test]
fn learn_temporal_reports_each_k_with_and_without_delays_and_writes_plots() {
    let dir = common::scratch("temporal_cli", "run");
    let d = dir.to_str().unwrap();
    let v = json_of(&neurogen(&[
        "learn",
        "temporal",
        "--ks",
        "2",
        "--seeds",
        "2",
        "--neurons",
        "16",
        "--train",
        "20",
        "--epochs",
        "1",
        "--test",
        "10",
        "--json",
        "-o",
        d,
    ]));
    let runs = v["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 2, "{v}");
    assert_eq!(
        (runs[0]["max_delay"].as_u64(), runs[1]["max_delay"].as_u64()),
        (Some(16), Some(0))
    );
    for r in runs {
        assert_eq!(r["per_seed"].as_array().unwrap().len(), 2, "{r}");
        let det = r["detection"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&det), "{r}");
    }
    assert!(
        runs[0]["detection"].as_f64() > runs[1]["detection"].as_f64(),
        "{v}"
    );
    let plots = v["plots"].as_array().unwrap();
    assert_eq!(plots.len(), 3, "{v}");
    for p in plots {
        is_png(Path::new(p.as_str().unwrap()));
    }
}

#[test]
fn learn_temporal_sweep_scores_every_point_and_bad_parameters_are_named() {
    let out = neurogen(&[
        "learn",
        "temporal",
        "--sweep",
        "--ks",
        "2",
        "--seeds",
        "1",
        "--neurons",
        "8",
        "--train",
        "5",
        "--epochs",
        "1",
        "--test",
        "5",
        "--threads",
        "2",
        "--json",
    ]);
    let v = json_of(&out);
    let res = v["results"].as_array().unwrap();
    assert_eq!(res.len(), 2, "with and without delays");
    // the default grid: 3 thresholds x 2 leaks x 3 offsets x 3 copies
    assert_eq!(res[0]["points"].as_array().unwrap().len(), 54);
    let bad = neurogen(&["learn", "temporal", "--ks", "1"]);
    let err = String::from_utf8_lossy(&bad.stderr);
    assert_eq!(bad.status.code(), Some(1), "{err}");
    assert!(
        err.contains("temporal: patterns") && err.contains("2..="),
        "{err}"
    );
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
}
