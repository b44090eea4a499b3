//! Whole-process figures for the README: `cargo bench -p downhill-cli --bench figures`.
//!
//! Each command is timed as a whole process (median of repeats), beside `downhill --version` (process start
//! alone) measured in the same run. Targets (issue 3): a run with `--plot fig.png` under 50 ms, the demo under
//! 10 s.

use std::process::Command;
use std::time::Instant;

fn median_ms(args: &[&str], reps: usize) -> f64 {
    let exe = env!("CARGO_BIN_EXE_downhill");
    let mut times: Vec<f64> = (0..reps)
        .map(|_| {
            let t = Instant::now();
            let out = Command::new(exe).args(args).output().expect("downhill runs");
            assert!(
                out.status.success(),
                "{args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[reps / 2]
}

fn main() {
    let dir = std::env::temp_dir().join(format!("downhill-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let fig = dir.join("fig.png");
    let svg = dir.join("fig.svg");
    let gif = dir.join("run.gif");
    let demo = dir.join("demo");
    let p = |p: &std::path::Path| p.to_str().unwrap().to_string();
    let start = median_ms(&["--version"], 21);
    let rows: Vec<(&str, Vec<String>, usize, Option<f64>)> = vec![
        (
            "run peaks --start 0,1.4",
            vec!["run".into(), "peaks".into(), "--start".into(), "0,1.4".into()],
            21,
            None,
        ),
        (
            "run peaks --start 0,1.4 --plot fig.png",
            vec![
                "run".into(),
                "peaks".into(),
                "--start".into(),
                "0,1.4".into(),
                "--plot".into(),
                p(&fig),
            ],
            21,
            Some(50.0),
        ),
        (
            "run peaks --start 0,1.4 --plot fig.svg",
            vec![
                "run".into(),
                "peaks".into(),
                "--start".into(),
                "0,1.4".into(),
                "--plot".into(),
                p(&svg),
            ],
            11,
            None,
        ),
        (
            "run peaks --start 0,1.4 --gif run.gif",
            vec![
                "run".into(),
                "peaks".into(),
                "--start".into(),
                "0,1.4".into(),
                "--gif".into(),
                p(&gif),
            ],
            5,
            None,
        ),
        ("demo", vec!["demo".into(), "--out".into(), p(&demo)], 3, Some(10_000.0)),
    ];
    println!("{:<42} {:>10} {:>10} {:>10}", "command", "ms", "/ start", "target ms");
    println!(
        "{:<42} {:>10.1} {:>10} {:>10}",
        "--version (process start)", start, "1.0", ""
    );
    for (name, args, reps, target) in rows {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let ms = median_ms(&args, reps);
        let verdict = match target {
            Some(t) if ms <= t => format!("{t:.0} ok"),
            Some(t) => format!("{t:.0} MISSED"),
            None => String::new(),
        };
        println!("{name:<42} {ms:>10.1} {:>10.1} {verdict:>10}", ms / start);
    }
    std::fs::remove_dir_all(&dir).ok();
}
