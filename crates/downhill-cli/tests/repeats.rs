//! `basins --repeats K`: a probability map from noisy repeats of every start, as a user meets it.

mod support;

use support::{bad, json, output};

#[test]
fn repeats_make_a_reproducible_probability_map() {
    let args = [
        "basins",
        "himmelblau",
        "--grid",
        "32",
        "--epochs",
        "300",
        "--lr",
        "0.01",
        "--schedule",
        "cosine",
        "--noise",
        "20",
        "--noise-seed",
        "3",
        "--repeats",
        "6",
        "--json",
    ];
    let m = json(&args);
    assert_eq!(m["repeats"], 6);
    let mixed = m["mixed_fraction"].as_f64().unwrap();
    assert!(mixed > 0.05 && mixed < 1.0, "{m}");
    // The shares are of all runs: they add up to 1 with the other outcomes.
    let sum: f64 = m["attractors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["fraction"].as_f64().unwrap())
        .sum::<f64>()
        + ["diverged", "unconverged", "left_domain", "undefined"]
            .iter()
            .map(|k| m[format!("{k}_fraction")].as_f64().unwrap())
            .sum::<f64>();
    assert!((sum - 1.0).abs() < 1e-9, "{sum}");
    // The same seed repeats the map exactly; another seed draws another one.
    let strip = |mut v: serde_json::Value| {
        v.as_object_mut().unwrap().remove("elapsed_s");
        v
    };
    assert_eq!(strip(json(&args)), strip(m.clone()));
    let mut other = args;
    other[13] = "4";
    assert_ne!(strip(json(&other)), strip(m));
    // The text summary says how many starts are mixed; the figure renders.
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("p.png");
    let (code, out, err) = output(&[
        "basins",
        "himmelblau",
        "--grid",
        "32",
        "--epochs",
        "300",
        "--lr",
        "0.01",
        "--schedule",
        "cosine",
        "--noise",
        "20",
        "--repeats",
        "4",
        "--plot",
        png.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("4 runs per start") && out.contains("ended in more than one basin"),
        "{out}"
    );
    assert!(std::fs::metadata(&png).unwrap().len() > 1000);
}

#[test]
fn repeats_refuse_bad_input() {
    bad(&["basins", "himmelblau", "--repeats", "4"], "give --noise SIGMA");
    bad(
        &["basins", "himmelblau", "--repeats", "0", "--noise", "1"],
        "--repeats must be from 1 to 256",
    );
    bad(
        &[
            "basins",
            "himmelblau",
            "--grid",
            "4000",
            "--repeats",
            "8",
            "--noise",
            "1",
        ],
        "runs; at most 67108864",
    );
    bad(
        &[
            "basins",
            "himmelblau",
            "--style",
            "trajectories",
            "--repeats",
            "2",
            "--noise",
            "1",
        ],
        "--repeats makes a probability map",
    );
}
