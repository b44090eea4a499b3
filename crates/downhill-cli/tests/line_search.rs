//! The line-search methods (gd-armijo, bfgs, cg-fr, cg-pr, lbfgs) from the command line: runs, basin maps and
//! comparisons, and their options' bad input (exit 2 and a message).

mod support;

use support::{bad, json};

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
    // A basin map of Himmelblau by BFGS finds its four minima.
    let m = json(&["basins", "himmelblau", "--optimizer", "bfgs", "--grid", "40", "--json"]);
    let minima = m["attractors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["kind"] == "minimum")
        .count();
    assert_eq!(minima, 4, "{m}");
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
