//! Hostile and absurd input, as an adversarial campaign found it: every command ends, with a clear message and
//! exit code 2 for bad input, never a hang, a panic, a wrong answer or a stray file. Each test is named after
//! what it guards.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use assert_cmd::Command;

fn downhill() -> Command {
    Command::cargo_bin("downhill").unwrap()
}

/// Runs and returns (exit code, stdout, stderr), killing the process if it takes longer than a minute.
fn output(args: &[&str]) -> (i32, String, String) {
    let out = downhill().args(args).timeout(Duration::from_secs(60)).output().unwrap();
    let code = out
        .status
        .code()
        .expect("exited normally, not by a signal or the timeout");
    (
        code,
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Asserts a bad-input failure: exit code 2, the message, no panic.
fn bad(args: &[&str], message: &str) -> String {
    let (code, _, stderr) = output(args);
    assert_eq!(code, 2, "{:?}: {stderr}", &args[..args.len().min(4)]);
    assert!(stderr.contains(message), "expected {message:?} in\n{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

fn ok(args: &[&str]) -> String {
    let (code, stdout, stderr) = output(args);
    assert_eq!(code, 0, "{args:?}: {stderr}");
    stdout
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn infinite_and_enormous_plotted_ranges_draw_or_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("a.png");
    ok(&["landscape", "1e308*sin(x)", "--plot", s(&png)]);
    assert!(png.metadata().unwrap().len() > 1000);
    ok(&[
        "run",
        "peaks",
        "--start",
        "0,1.4",
        "--vmin=-1e308",
        "--vmax",
        "1e308",
        "--plot",
        s(&png),
    ]);
    ok(&[
        "sweep",
        "peaks",
        "--start",
        "0,1.4",
        "--lr",
        "0.01,0.1",
        "--vmin=-1e308",
        "--plot",
        s(&png),
    ]);
    bad(
        &["run", "peaks", "--start", "0,1.4", "--vmax", "inf", "--plot", s(&png)],
        "--vmax must be a finite number",
    );
    bad(
        &["run", "peaks", "--vmin=-inf", "--plot", s(&png)],
        "--vmin must be a finite number",
    );
    bad(
        &[
            "landscape",
            "peaks",
            "--domain=-1e308,1e308,-1e308,1e308",
            "--plot",
            s(&png),
        ],
        "--domain is too wide",
    );
    bad(
        &[
            "sweep",
            "peaks",
            "--start",
            "0,0",
            "--domain=-1e308,1e308,-1,1",
            "--plot",
            s(&png),
        ],
        "too wide",
    );
    bad(
        &[
            "landscape",
            "peaks",
            "--domain=1e16,1.0000000000000002e16,0,1",
            "--plot",
            s(&png),
        ],
        "too narrow",
    );
}

#[test]
fn a_catalog_name_with_a_sign_is_not_the_catalog_function() {
    for text in ["-peaks", "- peaks", "--peaks"] {
        bad(&["run", text, "--start", "0,0"], "'peaks' is a catalog function");
    }
}

#[test]
fn basin_maps_of_functions_finite_nowhere_are_refused() {
    // Constants that are not numbers are refused where they are written, for every command.
    for (text, why) in [
        ("ln(-1) + x", "ln of a negative number"),
        ("1/0 + x", "division by zero"),
        ("exp(1000) + y", "overflow"),
        ("(-1)^0.5 + x", "fractional power"),
    ] {
        bad(&["basins", text, "--grid", "8"], why);
        bad(&["run", text], why);
    }
    // A function defined nowhere on the domain: nothing to map.
    let err = bad(
        &["basins", "sqrt(-1 - x^2) + y", "--grid", "8", "--epochs", "5"],
        "nothing to map",
    );
    assert!(err.contains("sqrt of a negative number"), "{err}");
    // Defined on part of it: the rest is labelled, exit 0.
    let out = ok(&[
        "basins",
        "0.001*sqrt(x + 2) + (x - 1)^2 + y^2",
        "--grid",
        "12",
        "--epochs",
        "300",
    ]);
    assert!(out.contains("f not finite at the end"), "{out}");
}

#[test]
fn undefined_parts_are_refused_where_they_are() {
    for (text, caret) in [
        ("0/0 + x", "  ^^^"),
        ("(x-x)/(x-x) + y", "  ^^^^^^^^^^^"),
        ("0*(1/0) + x", "    ^^^^^"),
        ("0*ln(0) + x", "    ^^^^^"),
        ("ln(0)-ln(0)+x", "  ^^^^^"),
        ("(1/0)-(1/0)+x^2", "  ^^^^^"),
        ("sqrt(-1)*0 + x", "  ^^^^^^^^"),
    ] {
        let err = bad(&["run", text], "this part is undefined");
        assert!(err.lines().any(|l| l == caret), "{text}: {err}");
    }
}

#[test]
fn the_known_line_names_the_minimum_for_descent_and_the_maximum_for_ascent() {
    // lr 0.5 jumps away from every documented point.
    let out = ok(&["run", "peaks", "--start", "0,1.4", "--lr", "0.5"]);
    assert!(
        out.contains("not at a documented point of peaks; the global minimum is -6.55113"),
        "{out}"
    );
    assert!(!out.contains("maximum is"), "{out}");
    let out = ok(&["run", "peaks", "--start", "2.5,-2.5", "--ascent", "--epochs", "3"]);
    assert!(out.contains("the global maximum is 8.10621"), "{out}");
    assert!(!out.contains("minimum is"), "{out}");
}

#[test]
fn runs_that_leave_the_domain_are_not_attractors() {
    let out = ok(&[
        "basins",
        "peaks",
        "--optimizer",
        "momentum",
        "--grid",
        "64",
        "--epochs",
        "1000",
    ]);
    assert!(out.contains("left the domain"), "{out}");
    let attractors: usize = out
        .lines()
        .next()
        .and_then(|l| l.split(", ").nth(1))
        .and_then(|p| p.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap();
    assert!(attractors <= 8, "{out}");
}

#[test]
fn csv_follows_symbolic_links_writes_to_pipes_and_takes_a_dash() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real.csv");
    let link = dir.path().join("link.csv");
    std::fs::write(&real, "old").unwrap();
    std::os::unix::fs::symlink(&real, &link).unwrap();
    ok(&["run", "peaks", "--start", "0,1.4", "--epochs", "5", "--csv", s(&link)]);
    assert!(
        link.symlink_metadata().unwrap().file_type().is_symlink(),
        "the link was replaced"
    );
    let text = std::fs::read_to_string(&real).unwrap();
    assert!(
        text.starts_with("epoch,x,y,value,grad_x,grad_y\n0,0,1.4,") && text.lines().count() == 7,
        "{text}"
    );
    // '-' is standard output; the summary moves to standard error.
    let (code, stdout, stderr) = output(&["run", "peaks", "--start", "0,1.4", "--epochs", "5", "--csv", "-"]);
    assert_eq!(code, 0);
    assert!(
        stdout.starts_with("epoch,x,y") && stdout.lines().count() == 7,
        "{stdout}"
    );
    assert!(stderr.contains("end point"), "{stderr}");
    // A pipe that is not standard output: /dev/stdout of a child whose stdout is a pipe.
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("downhill"))
        .args([
            "run",
            "peaks",
            "--start",
            "0,1.4",
            "--epochs",
            "3",
            "--csv",
            "/dev/stdout",
            "--json",
        ])
        .stdout(Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.contains("epoch,x,y") && stdout.contains("\"trajectory\""),
        "{stdout}"
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2, "stray files");
}

#[test]
fn unwritable_outputs_are_refused_before_the_work() {
    let started = Instant::now();
    let err = bad(
        &["basins", "peaks", "--grid", "4096", "--plot", "/proc/x.png"],
        "cannot write the figure to '/proc/x.png'",
    );
    assert!(started.elapsed() < Duration::from_secs(20), "{err}");
    bad(&["run", "peaks", "--csv", "/proc/x.csv"], "cannot write the CSV");
    bad(&["run", "peaks", "--gif", "/proc/x.gif"], "cannot write the animation");
    bad(
        &["basins", "peaks", "--grid", "4", "--labels", "/proc/x.csv"],
        "cannot write the labels",
    );
}

#[test]
fn an_interrupted_write_leaves_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("downhill"))
        .args(["basins", "peaks", "--grid", "6000", "--labels"])
        .arg(dir.path().join("labels.csv"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // The temporary file exists from the start (the output is prepared before the work).
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::fs::read_dir(dir.path()).unwrap().count() == 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "the temporary file");
    // SIGTERM.
    unsafe_kill(child.id(), 15);
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "stray files");
}

fn unsafe_kill(pid: u32, signal: i32) {
    std::process::Command::new("kill")
        .args([format!("-{signal}"), pid.to_string()])
        .status()
        .unwrap();
}

#[test]
fn a_full_standard_error_is_not_a_panic() {
    let full = std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("downhill"))
        .args(["diff", "x+"])
        .stderr(full)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn messages_escape_what_would_act_on_the_terminal_and_cut_long_echoes() {
    let err = bad(&["diff", "x\u{1b}[31m + y"], "unexpected character '\\u{1b}'");
    assert!(!err.contains('\u{1b}'), "{err:?}");
    let err = bad(&["run", "peaks", "--optimizer", "ad\u{202e}m"], "invalid value");
    assert!(!err.contains('\u{202e}') && err.contains("\\u{202e}"), "{err:?}");
    let err = bad(&["run", "peaks", "--schedule", "ste\u{2028}p"], "unknown schedule");
    assert!(!err.contains('\u{2028}') && err.contains("\\u{2028}"), "{err:?}");
    // Wide characters: the caret sits under exq.
    let err = bad(&["diff", "\u{3000}\u{3000}x + exq(y)"], "unknown function 'exq'");
    let lines: Vec<&str> = err.lines().collect();
    let (line, marks) = (lines[1], lines[2]);
    let column = |s: &str, upto: usize| unicode_columns(&s[..upto]);
    assert_eq!(
        column(marks, marks.find('^').unwrap()),
        column(line, line.find("exq").unwrap()),
        "{err}"
    );
    let name = "z".repeat(10_000);
    let err = bad(&["diff", &name], "unknown name");
    assert!(err.lines().all(|l| l.chars().count() < 200), "{err}");
    let err = bad(
        &["run", "peaks", "--vmin", "1e308", "--vmax", "1"],
        "--vmin (1e308) must be below --vmax (1)",
    );
    assert!(err.len() < 200, "{err}");
}

fn unicode_columns(s: &str) -> usize {
    s.chars()
        .map(|c| if ('\u{3000}'..='\u{9fff}').contains(&c) { 2 } else { 1 })
        .sum()
}

#[test]
fn out_of_range_values_say_so() {
    bad(
        &["run", "peaks", "--gtol", "-1"],
        "gtol must be finite and non-negative (got -1)",
    );
    bad(
        &["run", "peaks", "--epochs", "-1"],
        "expected a number of epochs: a whole number, 1 or more",
    );
    bad(&["basins", "peaks", "--grid", "-1"], "a whole number from 2 to 8192");
    bad(
        &["basins", "peaks", "--gtol=-1"],
        "--gtol must be finite and non-negative",
    );
    let err = bad(
        &["basins", "peaks", "--domain=-1e308,1e308,-1e308,1e308"],
        "--domain is too wide",
    );
    assert!(!err.contains("cluster-tol"), "{err}");
    // exp(x^2)'s gradient overflows at x = 26.7 while the function itself is finite there.
    bad(
        &["run", "exp(x^2)", "--start", "26.6,0"],
        "the gradient is not finite at the start point (26.6, 0): it overflows",
    );
    // Exactly 100 nested parentheses are fine.
    let nested = format!("{}x{} + y", "(".repeat(100), ")".repeat(100));
    ok(&["diff", &nested]);
}

/// Ctrl-C stops the server promptly even while a long request's work runs: the work is cancelled and the
/// process does not wait for it.
#[test]
fn ctrl_c_stops_the_server_during_long_work() {
    use std::io::{BufRead, Read, Write};
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("downhill"))
        .args(["serve", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    // "downhill explorer at http://127.0.0.1:PORT/ (Ctrl-C stops it)"
    let addr = line
        .split("http://")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_string();
    let body =
        r#"{"function": "sin(x)*sin(y)+sin(2*x)+sin(3*y)+sin(x*y)", "grid": 256, "epochs": 1000, "optimizer": "adam"}"#;
    let mut stream = std::net::TcpStream::connect(&addr).unwrap();
    write!(
        stream,
        "POST /api/basins HTTP/1.1\r\nHost: localhost\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    unsafe_kill(child.id(), 2);
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "{status:?}");
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(8), "the server did not stop");
        std::thread::sleep(Duration::from_millis(50));
    }
    let mut rest = Vec::new();
    let _ = stream.read_to_end(&mut rest);
}
