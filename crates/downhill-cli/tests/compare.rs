//! `downhill compare` and the training-loop options as a user meets them: tables, JSON, reproducibility and
//! bad input (exit 2 and a message).

mod support;

use serde_json::Value;
use support::{bad, json, output};

#[test]
fn compare_tunes_every_method_on_the_same_starts() {
    let args = [
        "compare",
        "himmelblau",
        "--optimizer",
        "gd,adam,rprop,lion",
        "--tune-lr",
        "1e-4,0.1,7",
        "--starts",
        "64",
        "--epochs",
        "400",
        "--json",
    ];
    let v = json(&args);
    assert_eq!(v["starts"], 64);
    assert_eq!(v["criterion"]["name"], "reach_global");
    // Himmelblau's four minima are all global: 4 documented.
    assert_eq!(v["criterion"]["points"].as_array().unwrap().len(), 4);
    let grid: Vec<f64> = v["tuned_over"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_f64().unwrap())
        .collect();
    assert_eq!(grid.len(), 7);
    assert_eq!((grid[0], grid[6]), (1e-4, 0.1));
    let methods = v["methods"].as_array().unwrap();
    assert_eq!(methods.len(), 4);
    for m in methods {
        let lr = m["learning_rate"].as_f64().unwrap();
        assert!(grid.contains(&lr), "{m}");
        let sensitivity = m["sensitivity"].as_array().unwrap();
        assert_eq!(sensitivity.len(), 7);
        // The chosen rate has the best score of the grid, and no better-or-equal score at a larger rate.
        let best = m["outcome"]["score"].as_f64().unwrap();
        for o in sensitivity {
            let (s, r) = (
                o["score"].as_f64().unwrap_or(f64::NAN),
                o["learning_rate"].as_f64().unwrap(),
            );
            // (A NaN score, nothing finite, is never better.)
            assert!(s.is_nan() || s <= best, "{m}");
            assert!(s != best || r <= lr, "{m}");
        }
    }
    // Gradient descent at its best rate takes nearly every start to one of the four minima in 400 epochs.
    let gd = &methods[0]["outcome"];
    assert!(gd["reached"].as_f64().unwrap() >= 0.9, "{gd}");
    // The same seed gives the same comparison.
    let mut again = json(&args);
    let mut first = v.clone();
    for x in [&mut first, &mut again] {
        x.as_object_mut().unwrap().remove("elapsed_s");
    }
    assert_eq!(first, again);
    // The table names the criterion and every method.
    let (code, table, _) = output(&args[..args.len() - 1]);
    assert_eq!(code, 0);
    assert!(table.contains("within 0.1 of the global minimum"), "{table}");
    for name in ["gd", "adam", "rprop", "lion", "REACHED", "EPOCHS TO GTOL"] {
        assert!(table.contains(name), "{name} missing in\n{table}");
    }
}

#[test]
fn compare_without_a_documented_minimum_uses_the_median_value() {
    let v = json(&[
        "compare",
        "x^2 + 3*y^2 + 1",
        "--optimizer",
        "gd,nadam",
        "--starts",
        "16",
        "--epochs",
        "300",
        "--json",
    ]);
    assert_eq!(v["criterion"]["name"], "median_value");
    assert!(v["tuned_over"].is_null());
    for m in v["methods"].as_array().unwrap() {
        assert_eq!(m["learning_rate"], 0.01);
        // No f*: the gap is f itself, which tends to 1.
        let median = m["outcome"]["final_gap"]["median"].as_f64().unwrap();
        assert!((1.0..1.5).contains(&median), "{m}");
    }
}

#[test]
fn the_new_training_options_reach_a_run() {
    let v = json(&[
        "run",
        "rosenbrock",
        "--start=-1.2,1",
        "--optimizer",
        "sf-adamw",
        "--lr",
        "0.01",
        "--epochs",
        "50",
        "--warmup",
        "10",
        "--clip-grad-norm",
        "1",
        "--json",
    ]);
    assert_eq!(v["warmup"], 10);
    assert_eq!(v["clip_grad_norm"], 1.0);
    let averaged = &v["averaged"];
    assert_eq!(averaged["trajectory"].as_array().unwrap().len(), 50);
    assert_eq!(averaged["end"], averaged["trajectory"][49]);
    assert_ne!(averaged["end"], v["end"]);
    // Other methods have no averaged point.
    let gd = json(&["run", "peaks", "--start", "0,1", "--epochs", "5", "--json"]);
    assert!(gd.get("averaged").is_none());
}

#[test]
fn bad_comparisons_and_training_options_are_usage_errors() {
    bad(&["compare", "peaks", "--tune-lr", "1,0.1,8"], "0 < LO < HI");
    bad(
        &["compare", "peaks", "--tune-lr", "1e-5,1,1"],
        "COUNT must be a whole number from 2 to 64",
    );
    bad(&["compare", "peaks", "--tune-lr", "1e-5,1"], "LO,HI,COUNT");
    bad(&["compare", "peaks", "--tune-lr", "--lr", "0.1"], "cannot be used with");
    bad(&["compare", "peaks", "--starts", "0"], "give from 1 to");
    bad(
        &["compare", "peaks", "--reach=-1"],
        "--reach must be finite and positive",
    );
    bad(&["compare", "peaks", "--optimizer", "gd,adm"], "invalid value 'adm'");
    bad(
        &[
            "compare",
            "peaks",
            "--starts",
            "1000000",
            "--tune-lr",
            "--epochs",
            "100000",
        ],
        "point-steps (a line search counted",
    );
    bad(&["compare", "peaks", "--warmup", "2000"], "longer than the run");
    bad(&["run", "peaks", "--warmup", "2000"], "longer than the run");
    bad(
        &["run", "peaks", "--clip-grad-norm", "0"],
        "clip must be finite and positive",
    );
    bad(&["run", "peaks", "--etas", "0.5,1.2"], "--etas does not apply to gd");
    bad(
        &["run", "peaks", "--optimizer", "rprop", "--etas", "2,3"],
        "etas must be",
    );
    bad(
        &["run", "peaks", "--optimizer", "adam", "--r", "1"],
        "--r does not apply to adam",
    );
    bad(
        &["run", "peaks", "--optimizer", "adadelta", "--rho", "2"],
        "rho must be in [0, 1]",
    );
    bad(
        &["basins", "peaks", "--warmup", "5000", "--grid", "8"],
        "longer than the run",
    );
}

#[test]
fn gradient_noise_is_seeded_and_checked() {
    let run = |seed: &str| {
        json(&[
            "run",
            "peaks",
            "--start",
            "0,1.4",
            "--epochs",
            "200",
            "--noise",
            "1",
            "--noise-seed",
            seed,
            "--json",
        ])
    };
    let (a, b, c) = (run("3"), run("3"), run("4"));
    assert_eq!(a["trajectory"], b["trajectory"]);
    assert_ne!(a["trajectory"], c["trajectory"]);
    assert_eq!(a["noise"]["sigma"], 1.0);
    assert_eq!(a["noise"]["seed"], 3);
    bad(&["run", "peaks", "--noise=-1"], "noise must be finite and non-negative");
    bad(&["run", "peaks", "--noise-seed", "3"], "--noise <SIGMA>");
}

#[test]
fn sweep_takes_hyper_parameter_lists_as_a_product() {
    let v = json(&[
        "sweep",
        "peaks",
        "--start",
        "0,1.4",
        "--optimizer",
        "momentum,adam",
        "--momentum",
        "0.5,0.9",
        "--beta1",
        "0.8,0.9",
        "--epochs",
        "500",
        "--json",
    ]);
    // momentum takes momentum (2 values), adam takes beta1 (2 values): 4 runs, not 8.
    let runs = v["runs"].as_array().unwrap();
    let got: Vec<(String, Value)> = runs
        .iter()
        .map(|r| {
            let o = &r["options"];
            let value = if r["optimizer"] == "momentum" {
                o["momentum"].clone()
            } else {
                o["betas"][0].clone()
            };
            (r["optimizer"].as_str().unwrap().to_string(), value)
        })
        .collect();
    let want = [("momentum", 0.5), ("momentum", 0.9), ("adam", 0.8), ("adam", 0.9)];
    assert_eq!(got.len(), 4, "{got:?}");
    for ((m, v), (wm, wv)) in got.iter().zip(want) {
        assert_eq!((m.as_str(), v.as_f64().unwrap()), (wm, wv));
    }
    // Momentum 0.9 carries the seed's exercise start over the poor minimum into the global one; 0.5 does not.
    assert!((runs[0]["value"].as_f64().unwrap() + 0.0649359).abs() < 1e-6);
    assert!((runs[1]["value"].as_f64().unwrap() + 6.55113).abs() < 1e-5);
    // Every run says when its gradient norm first fell to 1e-8.
    assert_eq!(runs[0]["first_below_gtol"]["gtol"], 1e-8);
    assert!(runs[0]["first_below_gtol"]["epoch"].as_u64().unwrap() < 500);
    // The table has a column for what varies.
    let (code, table, _) = output(&[
        "sweep",
        "peaks",
        "--start",
        "0,1.4",
        "--optimizer",
        "momentum",
        "--momentum",
        "0.5,0.9",
    ]);
    assert_eq!(code, 0);
    assert!(table.contains("MOMENTUM") && table.contains("|G| ≤ 1E-8 AT"), "{table}");
    let (_, seeds, _) = output(&["sweep", "peaks", "--seed", "1,2", "--epochs", "10"]);
    assert!(seeds.contains("SEED"), "{seeds}");
    bad(
        &["run", "peaks", "--optimizer", "momentum", "--momentum", "0.5,0.9"],
        "--momentum takes one value here (got 2); sweep takes lists",
    );
    bad(
        &[
            "sweep",
            "peaks",
            "--start",
            "0,0",
            "--optimizer",
            "adam",
            "--beta1",
            "0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9",
            "--beta2",
            "0.9,0.91,0.92,0.93,0.94,0.95,0.96,0.97,0.98",
        ],
        "81 combinations; at most 64",
    );
    let run = json(&["run", "peaks", "--start", "0,1.4", "--epochs", "100", "--json"]);
    assert_eq!(run["first_below_gtol"]["epoch"], Value::Null);
}
