//! The line-search methods (gd-armijo, bfgs, cg-fr, cg-pr, lbfgs) from the command line: runs, basin maps and
//! comparisons, and their options' bad input (exit 2 and a message).

mod support;

use support::{bad, json, output};

#[test]
fn line_search_methods_run_map_and_compare() {
    // Rosenbrock from (-1.2, 1), Nocedal and Wright's problem.
    for (method, most) in [("bfgs", 40), ("cg-pr", 40), ("gd-armijo", 20000)] {
        let r = json(&[
            "run",
            "rosenbrock",
            "--optimizer",
            method,
            "--start=-1.2,1",
            "--gtol",
            "1e-5",
            "--epochs",
            "100000",
            "--json",
        ]);
        assert_eq!(r["termination"], "converged", "{method}");
        let n = r["epochs_run"].as_u64().unwrap();
        assert!(n <= most, "{method}: {n}");
        assert!(r["evaluations"].as_u64().unwrap() > n, "{method}");
        assert_eq!(r["optimizer"], method);
    }
    // PyTorch's L-BFGS stops by its own tolerances (stalled) before a tight gtol.
    let r = json(&[
        "run",
        "rosenbrock",
        "--optimizer",
        "lbfgs",
        "--start=-1.2,1",
        "--gtol",
        "1e-9",
        "--json",
    ]);
    assert_eq!(r["termination"], "stalled");
    assert_eq!(r["options"]["history_size"], 100);
    // A basin map of Himmelblau by BFGS, or by L-BFGS (whose own tolerances stop it above the map's gtol
    // unless --tolerance-change 0), finds its four minima, and nearly every start arrives at one.
    for method in ["bfgs", "lbfgs"] {
        let m = json(&["basins", "himmelblau", "--optimizer", method, "--grid", "40", "--json"]);
        assert_eq!(m["attractors"].as_array().unwrap().len(), 4, "{method}: {m}");
        let m = json(&[
            "basins",
            "himmelblau",
            "--optimizer",
            method,
            "--grid",
            "40",
            "--json",
            if method == "lbfgs" {
                "--tolerance-change=0"
            } else {
                "--c1=1e-4"
            },
        ]);
        let minima = m["attractors"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["kind"] == "minimum")
            .count();
        assert_eq!(minima, 4, "{method}: {m}");
        assert!(m["unconverged_fraction"].as_f64().unwrap() < 0.01, "{method}: {m}");
    }
    // compare: every start of Himmelblau reaches a global minimum by BFGS and CG.
    let c = json(&[
        "compare",
        "himmelblau",
        "--optimizer",
        "bfgs,cg-pr,lbfgs",
        "--starts",
        "64",
        "--lr",
        "1",
        "--json",
    ]);
    for method in c["methods"].as_array().unwrap().iter().take(2) {
        let reached = method["outcome"]["reached"].as_f64().unwrap();
        assert_eq!(reached, 1.0, "{method}");
    }
}

#[test]
fn line_search_options_refuse_bad_input() {
    bad(
        &["run", "peaks", "--optimizer", "bfgs", "--noise", "0.1"],
        "exact gradient",
    );
    bad(
        &["basins", "peaks", "--optimizer", "cg-fr", "--clip-grad-norm", "1"],
        "exact gradient",
    );
    bad(
        &["compare", "peaks", "--optimizer", "gd,lbfgs", "--noise", "0.1"],
        "exact gradient",
    );
    bad(
        &["run", "peaks", "--optimizer", "lbfgs", "--line-search", "wolfe"],
        "invalid value 'wolfe'",
    );
    bad(
        &["run", "peaks", "--optimizer", "lbfgs", "--history-size", "0"],
        "history size must be from 1",
    );
    bad(
        &["run", "peaks", "--optimizer", "gd", "--max-iter", "3"],
        "--max-iter does not apply to gd",
    );
    bad(
        &["run", "peaks", "--optimizer", "bfgs", "--c1", "0.5", "--c2", "0.4"],
        "c1 must be below c2",
    );
    bad(
        &["run", "peaks", "--optimizer", "lbfgs", "--epochs", "9000000"],
        "evaluations of f",
    );
    bad(
        &["run", "peaks", "--optimizer", "gd-armijo", "--rho", "1"],
        "rho must be in (0, 1)",
    );
}

#[test]
fn the_summary_says_what_a_line_search_cost_and_where_schedule_free_averages() {
    let (code, out, err) = output(&[
        "run",
        "rosenbrock",
        "--optimizer",
        "bfgs",
        "--start=-1.2,1",
        "--gtol",
        "1e-5",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("evaluated  f and its gradient 40 times"), "{out}");
    let (code, out, err) = output(&["run", "rosenbrock", "--optimizer", "lbfgs", "--start=-1.2,1"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("stalled: lbfgs met its own stopping test"), "{out}");
    let (code, out, err) = output(&[
        "run",
        "himmelblau",
        "--optimizer",
        "sf-adamw",
        "--start",
        "0,0",
        "--lr",
        "0.1",
    ]);
    assert_eq!(code, 0, "{err}");
    let row = out
        .lines()
        .find(|l| l.trim_start().starts_with("averaged"))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(row.contains("the point eval() gives"), "{row}");
    let (_, out, _) = output(&["run", "himmelblau", "--optimizer", "adam", "--start", "0,0"]);
    assert!(!out.contains("averaged") && !out.contains("evaluated"), "{out}");
}
