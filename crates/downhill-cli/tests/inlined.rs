//! The engine's AVX2 and AVX-512 compilations (`functions_avx2`, `interpret_avx2`, `run_avx2`, ...,
//! `functions_avx512`) keep their intrinsics inline. A function or closure they call that the compiler leaves out of line is compiled without AVX, and
//! every intrinsic in it becomes a call of its own: powers in Newton's Hessians once took 8 to 12 times as long
//! that way with identical results, which no other test sees. This disassembles the release binary (binutils'
//! `objdump`, which is wherever Rust links) and follows the calls from every such function through the
//! engine's own code.

use std::collections::{HashMap, HashSet};
use std::process::Command;

/// A call's target in objdump's listing (`call 4d1360 <name>` or `<name+0x10>`).
fn target(line: &str) -> Option<&str> {
    let (_, rest) = line.split_once("\tcall ")?;
    let name = rest.split_once('<')?.1.strip_suffix('>')?;
    Some(name.rsplit_once("+0x").map_or(name, |(n, _)| n))
}

#[test]
fn avx2_and_avx512_code_calls_no_intrinsic_out_of_line() {
    if cfg!(debug_assertions) || !cfg!(target_arch = "x86_64") {
        // A debug build inlines nothing; the README's test command builds for release.
        return;
    }
    let out = Command::new("objdump")
        .args(["-d", "--no-show-raw-insn", "-C", env!("CARGO_BIN_EXE_downhill")])
        .output()
        .expect("objdump (binutils) disassembles the binary");
    assert!(out.status.success(), "objdump failed");
    let text = String::from_utf8_lossy(&out.stdout);
    let mut calls: HashMap<&str, Vec<&str>> = HashMap::new();
    let mut current = "";
    for line in text.lines() {
        if let Some(name) = line.strip_suffix(">:").and_then(|l| l.split_once(" <")).map(|(_, n)| n) {
            current = name;
            calls.entry(current).or_default();
        } else if let Some(t) = target(line) {
            calls.entry(current).or_default().push(t);
        }
    }
    let roots: Vec<&str> = calls
        .keys()
        .copied()
        .filter(|f| f.starts_with("downhill::batch::") && (f.ends_with("_avx2") || f.ends_with("_avx512")))
        .collect();
    assert!(
        ["functions_avx2", "interpret_avx2", "functions_avx512"]
            .iter()
            .all(|name| roots.iter().any(|f| f.ends_with(name))),
        "the AVX2 compilations are in the listing: {roots:?}"
    );
    // Through the engine's code and the shims that call closures, not into the standard library's.
    let ours = |f: &str| f.contains("downhill::") || f.starts_with("core::ops::function::");
    let mut seen: HashSet<&str> = roots.iter().copied().collect();
    let mut stack: Vec<(&str, &str)> = roots.iter().map(|&r| (r, r)).collect();
    let mut out_of_line = Vec::new();
    while let Some((f, root)) = stack.pop() {
        for &callee in calls.get(f).map_or(&[][..], Vec::as_slice) {
            if callee.starts_with("core::core_arch::") {
                out_of_line.push(format!("{root} -> {f} -> {callee}"));
            } else if ours(callee) && seen.insert(callee) {
                stack.push((callee, root));
            }
        }
    }
    out_of_line.sort();
    out_of_line.dedup();
    assert!(
        out_of_line.is_empty(),
        "{} intrinsic calls out of line, e.g. {:#?}",
        out_of_line.len(),
        &out_of_line[..out_of_line.len().min(8)]
    );
}
