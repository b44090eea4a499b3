//! The `downhill` command as a user runs it: every subcommand, and bad input (exit 2, a located message, no
//! panic, no file left behind).

mod support;

use support::{bad, json, output};

#[test]
fn run_reproduces_the_seed_exercise() {
    let (code, stdout, _) = output(&["run", "peaks", "--start", "0,1.4", "--lr", "0.01", "--epochs", "1000"]);
    assert_eq!(code, 0);
    for line in [
        "end        (0.296446, 0.320196)",
        "max_epochs",
        "end point  minimum",
        "a local minimum of peaks",
    ] {
        assert!(stdout.contains(line), "{line:?} missing from\n{stdout}");
    }
}

#[test]
fn run_json_has_the_documented_fields() {
    let v = json(&[
        "run",
        "x^2 + 3y^2 + sin(3x)",
        "--optimizer",
        "adam",
        "--lr",
        "0.05",
        "--epochs",
        "500",
        "--json",
    ]);
    for key in [
        "function",
        "expression",
        "optimizer",
        "ascent",
        "learning_rate",
        "epochs",
        "start",
        "end",
        "value",
        "gradient",
        "epochs_run",
        "termination",
        "stationary_point",
        "trajectory",
    ] {
        assert!(v.get(key).is_some(), "{key} missing");
    }
    assert_eq!(v["optimizer"], "adam");
    assert_eq!(v["function"], "x^2 + 3y^2 + sin(3x)");
    assert_eq!(v["trajectory"].as_array().unwrap().len(), 500);
    assert_eq!(v["termination"], "max_epochs");
    // The end is the minimum of x^2 + 3y^2 + sin(3x) that Adam reaches; its gradient vanishes there.
    let g = &v["gradient"];
    assert!(g[0].as_f64().unwrap().abs() < 1e-6 && g[1].as_f64().unwrap().abs() < 1e-6);
    assert_eq!(v["stationary_point"], "minimum");
    // Seed given: the random start is reproducible and reported.
    let a = json(&["run", "peaks", "--seed", "42", "--json", "--epochs", "10"]);
    let b = json(&["run", "peaks", "--seed", "42", "--json", "--epochs", "10"]);
    assert_eq!(a["start"], b["start"]);
    assert_eq!(a["seed"], 42);
    let s = a["start"].as_array().unwrap();
    assert!(s.iter().all(|c| c.as_f64().unwrap().abs() <= 2.0));
}

#[test]
fn run_without_a_start_prints_the_seed_that_repeats_it() {
    let (code, stdout, _) = output(&["run", "peaks", "--epochs", "5"]);
    assert_eq!(code, 0);
    let seed = stdout
        .split("--seed ")
        .nth(1)
        .unwrap()
        .split(')')
        .next()
        .unwrap()
        .to_string();
    let first: Vec<&str> = stdout.lines().filter(|l| l.contains("end ")).collect();
    let (_, again, _) = output(&["run", "peaks", "--epochs", "5", "--seed", &seed]);
    assert!(again.contains(first[0]), "{stdout}\n{again}");
}

#[test]
fn ascent_and_optimizer_options() {
    let v = json(&["run", "peaks", "--start", "0,1.4", "--ascent", "--json"]);
    assert_eq!(v["stationary_point"], "maximum");
    assert_eq!(v["ascent"], true);
    let v = json(&[
        "run",
        "rosenbrock",
        "--start=-1.2,1",
        "--optimizer",
        "newton",
        "--gtol",
        "1e-10",
        "--json",
    ]);
    assert_eq!(v["termination"], "converged");
    assert_eq!(v["learning_rate"], 1.0);
    let v = json(&[
        "run",
        "peaks",
        "--start",
        "1,1",
        "--optimizer",
        "adam",
        "--betas",
        "0.8,0.99",
        "--json",
    ]);
    assert_eq!(v["options"]["betas"][0], 0.8);
    let v = json(&[
        "run",
        "peaks",
        "--start",
        "1,1",
        "--optimizer",
        "momentum",
        "--momentum",
        "0.5",
        "--json",
    ]);
    assert_eq!(v["options"]["momentum"], 0.5);
    let v = json(&["run", "x^4", "--start", "3,0", "--lr", "1", "--json"]);
    assert_eq!(v["termination"], "diverged");
}

#[test]
fn csv_holds_the_start_and_every_update() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("path.csv");
    let (code, ..) = output(&[
        "run",
        "peaks",
        "--start",
        "0,1.4",
        "--epochs",
        "50",
        "--csv",
        path.to_str().unwrap(),
    ]);
    assert_eq!(code, 0);
    let mut reader = csv::Reader::from_path(&path).unwrap();
    assert_eq!(
        reader.headers().unwrap(),
        vec!["epoch", "x", "y", "value", "grad_x", "grad_y"]
    );
    let rows: Vec<Vec<f64>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(|c| c.parse().unwrap()).collect())
        .collect();
    assert_eq!(rows.len(), 51);
    assert_eq!(&rows[0][..3], &[0.0, 0.0, 1.4]);
    // Each row is the previous one minus lr times its gradient.
    for w in rows.windows(2) {
        assert!((w[1][1] - (w[0][1] - 0.01 * w[0][4])).abs() < 1e-12);
        assert!((w[1][2] - (w[0][2] - 0.01 * w[0][5])).abs() < 1e-12);
    }
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "a temporary file was left behind"
    );
}

#[test]
fn diff_prints_gradients_hessians_latex_and_json() {
    let (code, stdout, _) = output(&["diff", "x^2*y + sin(x)"]);
    assert_eq!(code, 0);
    assert!(
        stdout.contains("df/dx    = 2*x*y + cos(x)") || stdout.contains("df/dx    = cos(x) + 2*x*y"),
        "{stdout}"
    );
    assert!(stdout.contains("df/dy    = x^2"), "{stdout}");
    let (_, stdout, _) = output(&["diff", "x^2*y", "--hessian"]);
    assert!(stdout.contains("d2f/dx2  = 2*y") && stdout.contains("d2f/dxdy = 2*x") && stdout.contains("d2f/dy2  = 0"));
    let (_, stdout, _) = output(&["diff", "exp(-x^2)/y", "--latex"]);
    assert!(
        stdout.contains("\\frac{\\partial f}{\\partial x}") && stdout.contains("e^{"),
        "{stdout}"
    );
    let v = json(&["diff", "peaks", "--hessian", "--json"]);
    assert_eq!(v["function"], "peaks");
    assert_eq!(v["gradient"].as_array().unwrap().len(), 2);
    assert_eq!(v["hessian"][0][1], v["hessian"][1][0]);
    // The printed derivative is an expression downhill can read back.
    let dx = v["gradient"][0].as_str().unwrap();
    let (code, ..) = output(&["diff", dx]);
    assert_eq!(code, 0);
}

#[test]
fn functions_lists_the_catalog() {
    let (code, stdout, _) = output(&["functions"]);
    assert_eq!(code, 0);
    assert!(
        stdout.contains("peaks") && stdout.contains("rosenbrock") && stdout.contains("3 minima, 3 maxima, 3 saddles")
    );
    let v = json(&["functions", "--json"]);
    let entries = v.as_array().unwrap();
    assert!(entries.len() >= 21);
    assert_eq!(entries[0]["name"], "peaks");
    for key in ["title", "formula", "domain", "extrema", "source"] {
        assert!(entries[0].get(key).is_some(), "{key}");
    }
}

#[test]
fn bad_expressions_point_at_the_fault() {
    let err = bad(&["diff", "x +"], "expected an expression after '+'");
    assert!(err.contains("  x +\n    ^"), "{err}");
    let err = bad(&["run", "exq(x) + y"], "unknown function 'exq' (did you mean 'exp'?)");
    assert!(err.contains("  exq(x) + y\n  ^^^"), "{err}");
    bad(&["diff", "(x + 1"], "unbalanced parenthesis");
    bad(&["diff", "x + 1)"], "unbalanced parenthesis");
    bad(&["diff", "rosenbrok"], "did you mean the catalog function 'rosenbrock'");
    bad(
        &["diff", "rosenbrokk"],
        "`downhill functions` lists the built-in functions",
    );
    let err = bad(&["run", "np.exp(-x**2) + y**2"], "drop the 'np.' prefix");
    assert!(err.contains("  np.exp(-x**2) + y**2\n    ^"), "{err}");
    bad(&["diff", ""], "empty");
    bad(&["diff", &"(".repeat(100_000)], "too long");
    bad(
        &["diff", &format!("{}x{}", "(".repeat(2000), ")".repeat(2000))],
        "nested too deeply",
    );
    bad(&["diff", &format!("{}x", "sin(".repeat(300))], "nested too deeply");
    bad(&["diff", &format!("{}x", "-".repeat(3000))], "nested too deeply");
    bad(&["diff", "x ^^ 2"], "");
    bad(&["diff", "2 3"], "operator");
    bad(&["diff", "x $ y"], "");
    bad(&["diff", "é + x"], "");
}

#[test]
fn non_finite_values_are_reported() {
    let err = bad(&["run", "ln(x) + y", "--start=-1,0"], "ln of a negative number");
    assert!(err.contains("ln(x) + y\n  ^^^^^"), "{err}");
    bad(&["run", "exp(x)", "--start", "1000,0"], "overflow");
    // A run that walks into a NaN is a result (exit 0), and says so.
    let (code, stdout, _) = output(&["run", "ln(x)", "--start", "1,0", "--lr", "2"]);
    assert_eq!(code, 0);
    assert!(
        stdout.contains("diverged") && stdout.contains("ln of a negative number"),
        "{stdout}"
    );
}

#[test]
fn bad_settings_are_usage_errors() {
    bad(
        &["run", "peaks", "--lr", "-1"],
        "learning rate must be finite and positive",
    );
    bad(&["run", "peaks", "--lr", "0"], "learning rate");
    let err = bad(
        &["run", "peaks", "--optimizer", "adm"],
        "invalid value 'adm' for '--optimizer <NAME>'",
    );
    assert!(
        err.contains("possible values: gd, momentum") && err.contains("a similar value exists: 'adam'"),
        "{err}"
    );
    bad(
        &["run", "peaks", "--momentum", "0.9"],
        "--momentum does not apply to gd",
    );
    bad(
        &["run", "peaks", "--optimizer", "adam", "--beta1", "1"],
        "beta1 must be in [0, 1)",
    );
    bad(&["run", "peaks", "--epochs", "100000000000"], "too many");
    bad(&["run", "peaks", "--start", "1"], "X,Y");
    bad(&["run", "peaks", "--start", "nan,0"], "not a finite number");
    bad(&["run", "peaks", "--schedule", "sawtooth"], "unknown schedule");
    bad(
        &["run", "peaks", "--start", "0,1.4", "--box=-1,1,-1,1"],
        "outside the box",
    );
    bad(
        &["run", "peaks", "--start", "0,0", "--seed", "3"],
        "cannot be used with",
    );
    bad(&["frobnicate"], "unrecognized subcommand");
}

#[test]
fn an_unwritable_csv_path_is_refused_before_the_run_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no/such/dir/out.csv");
    bad(&["run", "peaks", "--csv", missing.to_str().unwrap()], "does not exist");
    bad(
        &["run", "peaks", "--csv", dir.path().to_str().unwrap()],
        "is a directory",
    );
    // A run that cannot start writes no CSV.
    let path = dir.path().join("out.csv");
    bad(
        &["run", "ln(x)", "--start=-1,0", "--csv", path.to_str().unwrap()],
        "not finite",
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}
