//! What the command-line tests share: running the binary and reading what it says.

#![allow(dead_code)]

use assert_cmd::Command;
use serde_json::Value;

/// The `downhill` binary.
pub fn downhill() -> Command {
    Command::cargo_bin("downhill").unwrap()
}

/// Runs and returns (exit code, stdout, stderr).
pub fn output(args: &[&str]) -> (i32, String, String) {
    let out = downhill().args(args).output().unwrap();
    let code = out.status.code().expect("exited normally, not by a signal");
    (
        code,
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// Runs, expects success, and parses standard output as JSON.
pub fn json(args: &[&str]) -> Value {
    let (code, stdout, stderr) = output(args);
    assert_eq!(code, 0, "{stderr}");
    serde_json::from_str(&stdout).unwrap()
}

/// Asserts a bad-input failure: exit code 2, the message, no panic, nothing on standard output.
pub fn bad(args: &[&str], message: &str) -> String {
    let (code, stdout, stderr) = output(args);
    assert_eq!(
        code,
        2,
        "{}: {stderr}",
        args.join(" ").chars().take(80).collect::<String>()
    );
    assert!(stderr.contains(message), "expected {message:?} in\n{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    stderr
}
