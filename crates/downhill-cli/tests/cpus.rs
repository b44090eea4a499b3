//! The binary on CPUs without AVX2 (and without AVX-512), as qemu's user-mode emulator presents them: it runs
//! (the machine code and the vector loops are chosen at run time) and gives the same answers. `.ci/run` installs
//! qemu-user and sets DOWNHILL_REQUIRE_QEMU=1, so there the emulator's absence is a failure, not a skip.

use std::process::Command;

fn qemu() -> Option<&'static str> {
    let found = Command::new("qemu-x86_64")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found && std::env::var("DOWNHILL_REQUIRE_QEMU").is_ok_and(|v| v == "1") {
        panic!("qemu-x86_64 is required here (DOWNHILL_REQUIRE_QEMU=1): install Debian's qemu-user");
    }
    found.then_some("qemu-x86_64")
}

/// Runs the binary natively (cpu None) or under qemu as that CPU; returns stdout.
fn downhill(cpu: Option<&str>, args: &[&str]) -> String {
    let bin = assert_cmd::cargo::cargo_bin("downhill");
    let out = match cpu {
        None => Command::new(&bin).args(args).output(),
        Some(cpu) => Command::new("qemu-x86_64")
            .args(["-cpu", cpu])
            .arg(&bin)
            .args(args)
            .output(),
    }
    .unwrap();
    assert!(
        out.status.success(),
        "{cpu:?} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[cfg(target_arch = "x86_64")]
#[test]
fn the_binary_runs_without_avx2_and_gives_the_same_answers() {
    let Some(_) = qemu() else {
        eprintln!("skipped: qemu-x86_64 is not installed");
        return;
    };
    let run = ["run", "peaks", "--start", "0,1.4", "--json"];
    let native: serde_json::Value = serde_json::from_str(&downhill(None, &run)).unwrap();
    // f32 maps compute the same bits in every instruction set; a small one keeps the emulator quick.
    let map = [
        "basins",
        "himmelblau",
        "--grid",
        "24",
        "--epochs",
        "300",
        "--precision",
        "f32",
        "--labels",
        "-",
    ];
    let native_map = downhill(None, &map);
    for cpu in ["Nehalem", "Haswell"] {
        let emulated: serde_json::Value = serde_json::from_str(&downhill(Some(cpu), &run)).unwrap();
        assert_eq!(emulated["end"], native["end"], "{cpu}");
        assert_eq!(emulated["trajectory"], native["trajectory"], "{cpu}");
        assert_eq!(downhill(Some(cpu), &map), native_map, "{cpu}: basin labels");
    }
}
