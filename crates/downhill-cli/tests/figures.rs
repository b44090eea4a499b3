//! Figures from the command line: the files are right, bad paths and extensions are refused before any work
//! and leave nothing behind.

use std::path::Path;

use assert_cmd::Command;

fn downhill(args: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("downhill").unwrap().args(args).output().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn picture(path: &Path) -> downhill_plot::Picture {
    downhill_plot::decode_png(&std::fs::read(path).unwrap()).unwrap()
}

fn png_size(path: &Path) -> (u32, u32) {
    let img = picture(path);
    (img.width, img.height)
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn run_plot_writes_the_seed_figure() {
    let dir = tempfile::tempdir().unwrap();
    let fig = dir.path().join("fig16.png");
    let (code, stdout, stderr) = downhill(&["run", "peaks", "--start", "0,1.4", "--plot", s(&fig)]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("minimum"));
    assert_eq!(png_size(&fig), (800, 600));
    let img = picture(&fig);
    // The red end circle and the blue start square are drawn.
    assert!(img.pixels().filter(|p| *p == [255, 0, 0]).count() > 30);
    assert!(img.pixels().filter(|p| *p == [0, 0, 255]).count() > 30);
    // Size and dpi.
    let small = dir.path().join("small.svg");
    let (code, ..) = downhill(&[
        "run",
        "peaks",
        "--start",
        "0,1.4",
        "--plot",
        s(&small),
        "--size",
        "4,3",
        "--dpi",
        "100",
        "--contours",
    ]);
    assert_eq!(code, 0);
    let svg = std::fs::read_to_string(&small).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("width=\"400\"") && svg.contains("data:image/png;base64,"));
}

#[test]
fn gif_animates_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let gif = dir.path().join("run.gif");
    let (code, _, stderr) = downhill(&[
        "run",
        "peaks",
        "--start",
        "0,1.4",
        "--epochs",
        "30",
        "--gif",
        s(&gif),
        "--size",
        "4,3",
        "--dpi",
        "80",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let bytes = std::fs::read(&gif).unwrap();
    assert_eq!(&bytes[..6], b"GIF89a");
}

#[test]
fn landscape_surface_basins_and_sweep() {
    let dir = tempfile::tempdir().unwrap();
    let land = dir.path().join("land.png");
    assert_eq!(
        downhill(&[
            "landscape",
            "himmelblau",
            "--plot",
            s(&land),
            "--contours",
            "12",
            "--colormap",
            "viridis"
        ])
        .0,
        0
    );
    assert_eq!(png_size(&land), (800, 600));
    let surf = dir.path().join("surf.png");
    let (code, _, stderr) = downhill(&[
        "surface",
        "peaks",
        "--plot",
        s(&surf),
        "--elev",
        "40",
        "--azim",
        "-60",
        "--start",
        "0,1.4",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(png_size(&surf), (800, 600));
    let basins = dir.path().join("basins.png");
    let (code, stdout, stderr) = downhill(&[
        "basins",
        "himmelblau",
        "--style",
        "trajectories",
        "--grid",
        "9",
        "--epochs",
        "300",
        "--plot",
        s(&basins),
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("81 starts"), "{stdout}");
    assert!(stdout.contains("global_minimum"), "{stdout}");
    let sweep = dir.path().join("sweep.png");
    let (code, stdout, stderr) = downhill(&[
        "sweep",
        "peaks",
        "--start",
        "0,1.4",
        "--lr",
        "0.01,0.1,0.5,0.00001",
        "--plot",
        s(&sweep),
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout.lines().count(), 6, "{stdout}");
    assert!(stdout.ends_with(&format!("wrote {}\n", sweep.display())), "{stdout}");
    assert!(stdout.contains("0.296446, 0.320196"));
    assert!(sweep.exists());
    let (code, stdout, _) = downhill(&[
        "sweep",
        "peaks",
        "--start",
        "1,1",
        "--optimizer",
        "gd,momentum,adam",
        "--json",
    ]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let runs = v["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 3);
    assert_eq!(runs[2]["optimizer"], "adam");
    for key in [
        "learning_rate",
        "epochs",
        "start",
        "end",
        "value",
        "termination",
        "stationary_point",
    ] {
        assert!(runs[0].get(key).is_some(), "{key}");
    }
    let (code, stdout, _) = downhill(&["sweep", "peaks", "--seed", "1,2,3", "--json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["runs"][1]["seed"], 2);
}

#[test]
fn the_demo_writes_every_figure_and_answers_the_exercises() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("demo");
    let (code, stdout, stderr) = downhill(&["demo", "--out", s(&out)]);
    assert_eq!(code, 0, "{stderr}");
    for name in [
        "landscape.png",
        "figure16_gradient_descent_2d.png",
        "figure24_gradient_descent_2d.png",
        "figure25_gradient_descent_2d.png",
        "exercises_learning_rates.png",
        "exercise2_epochs.png",
        "gradient_ascent.png",
        "descent.gif",
    ] {
        assert!(out.join(name).metadata().unwrap().len() > 1000, "{name}");
    }
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 8, "stray files");
    for line in [
        "Exercise 1",
        "(0.296446, 0.320196)",
        "Exercise 2",
        "Exercise 3",
        "Gradient ascent",
        "local maximum",
    ] {
        assert!(stdout.contains(line), "{line:?} missing from\n{stdout}");
    }
}

#[test]
fn bad_figure_requests_are_refused_and_leave_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let bad = |args: &[&str], message: &str| {
        let (code, _, stderr) = downhill(args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"));
    };
    bad(
        &["run", "peaks", "--plot", s(&d.join("fig.jpg"))],
        "cannot tell the image format",
    );
    bad(
        &["run", "peaks", "--plot", s(&d.join("fig.gif"))],
        "the figure can be .png or .svg",
    );
    bad(
        &["run", "peaks", "--gif", s(&d.join("anim.png"))],
        "the animation can be .gif",
    );
    bad(
        &["run", "peaks", "--plot", s(&d.join("missing/fig.png"))],
        "does not exist",
    );
    bad(
        &[
            "landscape",
            "peaks",
            "--plot",
            s(&d.join("x.png")),
            "--colormap",
            "rainbow",
        ],
        "invalid value 'rainbow' for '--colormap <NAME>'",
    );
    bad(
        &[
            "landscape",
            "peaks",
            "--plot",
            s(&d.join("x.png")),
            "--vmin",
            "3",
            "--vmax",
            "1",
        ],
        "must be below",
    );
    bad(
        &["landscape", "peaks", "--plot", s(&d.join("x.png")), "--size", "100,100"],
        "pixels",
    );
    bad(
        &["landscape", "peaks", "--plot", s(&d.join("x.png")), "--domain=1,0,0,1"],
        "XMIN < XMAX",
    );
    bad(
        &["basins", "peaks", "--plot", s(&d.join("x.png")), "--grid", "1"],
        "a whole number from 2 to 8192",
    );
    bad(
        &[
            "basins",
            "peaks",
            "--plot",
            s(&d.join("x.png")),
            "--style",
            "trajectories",
            "--grid",
            "200",
        ],
        "at most",
    );
    bad(&["basins", "peaks", "--style", "trajectories"], "needs --plot");
    bad(
        &["basins", "peaks", "--style", "maps"],
        "invalid value 'maps' for '--style <STYLE>'",
    );
    bad(
        &["basins", "peaks", "--precision", "f16"],
        "invalid value 'f16' for '--precision <PRECISION>'",
    );
    bad(
        &["basins", "peaks", "--starts=0,1,0,1"],
        "--starts belongs to --style trajectories",
    );
    bad(&["basins", "peaks", "--grid", "9000"], "a whole number from 2 to 8192");
    bad(&["basins", "peaks", "--lr", "0"], "learning rate");
    bad(
        &["basins", "peaks", "--labels", s(&d.join("missing/l.csv"))],
        "does not exist",
    );
    bad(&["sweep", "peaks", "--start", "0,0", "--lr", "0.1,-1"], "learning rate");
    bad(&["sweep", "peaks"], "--start");
    bad(
        &["sweep", "peaks", "--start", "0,0", "--layout", "grid"],
        "invalid value 'grid' for '--layout <LAYOUT>'",
    );
    bad(
        &["surface", "exq(x)", "--plot", s(&d.join("x.png"))],
        "unknown function",
    );
    assert_eq!(std::fs::read_dir(d).unwrap().count(), 0, "files were left behind");
}

#[test]
fn basin_maps_find_himmelblaus_four_minima_and_label_every_start() {
    let dir = tempfile::tempdir().unwrap();
    let labels = dir.path().join("labels.csv");
    let map = dir.path().join("map.png");
    let (code, stdout, stderr) = downhill(&[
        "basins",
        "himmelblau",
        "--grid",
        "61",
        "--json",
        "--labels",
        s(&labels),
        "--plot",
        s(&map),
        "--lr",
        "0.005",
        "--epochs",
        "3000",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    for key in [
        "grid",
        "domain",
        "attractors",
        "diverged_fraction",
        "unconverged_fraction",
        "elapsed_s",
        "point_steps",
    ] {
        assert!(v.get(key).is_some(), "{key} missing");
    }
    let attractors = v["attractors"].as_array().unwrap();
    let minima: Vec<_> = attractors.iter().filter(|a| a["kind"] == "minimum").collect();
    assert_eq!(minima.len(), 4, "{attractors:?}");
    let total: f64 = attractors.iter().map(|a| a["fraction"].as_f64().unwrap()).sum::<f64>()
        + v["diverged_fraction"].as_f64().unwrap()
        + v["unconverged_fraction"].as_f64().unwrap();
    assert!((total - 1.0).abs() < 1e-9);
    // Labels: 61 rows from ymin, 61 columns from xmin. The start (3, 2) is column 48, row 42, and it is
    // already the minimum (3, 2).
    let text = std::fs::read_to_string(&labels).unwrap();
    let rows: Vec<Vec<i32>> = text
        .lines()
        .map(|l| l.split(',').map(|c| c.parse().unwrap()).collect())
        .collect();
    assert_eq!((rows.len(), rows[0].len()), (61, 61));
    let index = attractors
        .iter()
        .position(|a| {
            (a["point"][0].as_f64().unwrap() - 3.0).abs() < 1e-4 && (a["point"][1].as_f64().unwrap() - 2.0).abs() < 1e-4
        })
        .unwrap();
    assert_eq!(rows[42][48], index as i32);
    // The lower-left corner (-5, -5) is row 0, column 0: in the basin of (-3.78, -3.28).
    let lower_left = attractors
        .iter()
        .position(|a| a["point"][0].as_f64().unwrap() < -3.0 && a["point"][1].as_f64().unwrap() < -3.0)
        .unwrap();
    assert_eq!(rows[0][0], lower_left as i32);
    assert_eq!(png_size(&map), (800, 600));
}

#[test]
fn ctrl_c_stops_a_basin_map_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (plot, labels) = (dir.path().join("map.png"), dir.path().join("labels.csv"));
    let exe = assert_cmd::cargo::cargo_bin("downhill");
    let child = std::process::Command::new(exe)
        .args([
            "basins",
            "peaks",
            "--grid",
            "4000",
            "--epochs",
            "100000",
            "--gtol",
            "0",
            "--plot",
            s(&plot),
            "--labels",
            s(&labels),
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let killed = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let started = std::time::Instant::now();
    let out = child.wait_with_output().unwrap();
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "took {:?} to stop",
        started.elapsed()
    );
    assert_eq!(out.status.code(), Some(130), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("interrupted"));
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "files were left behind"
    );
}

/// Every look option a command takes does something; the others are refused with a message, never silently
/// ignored.
#[test]
fn look_options_that_would_do_nothing_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("x.png");
    let refused = |args: &[&str], message: &str| {
        let (code, _, stderr) = downhill(args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    };
    // A basin map is coloured by attractor.
    for flag in [["--colormap", "viridis"], ["--vmin", "0"], ["--vmax", "1"]] {
        refused(
            &["basins", "peaks", "--grid", "8", "--plot", s(&png), flag[0], flag[1]],
            &format!("{} colours a landscape", flag[0]),
        );
    }
    refused(
        &["basins", "peaks", "--grid", "8", "--log-color"],
        "--log-color colours a landscape",
    );
    // A surface has no contours, gradient field, aspect or ascent.
    for flag in ["--contours", "--quiver", "--log-color"] {
        refused(
            &["surface", "peaks", "--plot", s(&png), flag],
            &format!("unexpected argument '{flag}'"),
        );
    }
    refused(
        &["landscape", "peaks", "--plot", s(&png), "--ascent"],
        "unexpected argument '--ascent'",
    );
    // The ones that are taken work, and the file written is named.
    let (code, stdout, stderr) = downhill(&[
        "landscape",
        "rosenbrock",
        "--plot",
        s(&png),
        "--log-color",
        "--aspect",
        "auto",
        "--contours",
        "5",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, format!("wrote {}\n", png.display()));
    let (code, stdout, _) = downhill(&["surface", "peaks", "--plot", s(&png), "--zmin=-2", "--zmax", "2"]);
    assert_eq!(code, 0);
    assert!(stdout.starts_with("wrote "));
}

/// How many pixels of `color` lie in the columns from `x0` on.
fn count_right_of(img: &downhill_plot::Picture, x0: u32, color: [u8; 3]) -> usize {
    (0..img.height)
        .flat_map(|y| (x0..img.width).map(move |x| (x, y)))
        .filter(|&(x, y)| img.pixel(x, y) == color)
        .count()
}

#[test]
fn loss_curves_stand_beside_the_landscape() {
    let dir = tempfile::tempdir().unwrap();
    // run: the landscape keeps its 800 pixels, the charts take a column of 533 beside it, with the run's red.
    let fig = dir.path().join("run.png");
    let (code, _, stderr) = downhill(&["run", "peaks", "--start", "0,1.4", "--plot", s(&fig), "--loss-curve"]);
    assert_eq!(code, 0, "{stderr}");
    let img = picture(&fig);
    assert_eq!((img.width, img.height), (1333, 600));
    assert!(count_right_of(&img, 820, [255, 0, 0]) > 300);
    // sweep: one line per run in the charts, in the overlay's colours (tab10 blue and orange).
    let sweep = dir.path().join("sweep.png");
    let (code, _, stderr) = downhill(&[
        "sweep",
        "peaks",
        "--start",
        "0,1.4",
        "--lr",
        "0.01,0.1",
        "--layout",
        "overlay",
        "--plot",
        s(&sweep),
        "--loss-curve",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let img = picture(&sweep);
    assert!(img.width > 1300);
    for color in [downhill_plot::TAB10[0], downhill_plot::TAB10[1]] {
        assert!(count_right_of(&img, 820, color) > 200, "{color:?}");
    }
    // --loss-curve belongs to a figure.
    let (code, _, stderr) = downhill(&["run", "peaks", "--loss-curve"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--plot"), "{stderr}");
}

#[test]
fn compare_draws_paths_loss_curves_and_sensitivity() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("cmp");
    let args = [
        "compare",
        "himmelblau",
        "--optimizer",
        "gd,adam",
        "--tune-lr",
        "1e-3,0.1,5",
        "--starts",
        "64",
        "--epochs",
        "300",
        "--plot",
        s(&prefix),
    ];
    let (code, stdout, stderr) = downhill(&args);
    assert_eq!(code, 0, "{stderr}");
    for name in ["cmp-paths.png", "cmp-loss.png", "cmp-lr.png"] {
        let path = dir.path().join(name);
        assert!(stdout.contains(&format!("wrote {}", path.display())), "{stdout}");
        let img = picture(&path);
        // Each method in its colour.
        for color in [downhill_plot::TAB10[0], downhill_plot::TAB10[1]] {
            assert!(img.pixels().filter(|p| *p == color).count() > 50, "{name}: {color:?}");
        }
    }
    // The two loss charts side by side, each the figure size.
    assert_eq!(png_size(&dir.path().join("cmp-loss.png")), (1600, 600));
    // Without tuning there is no sensitivity figure; a prefix ending in .svg gives SVG.
    let svg = dir.path().join("one.svg");
    let (code, stdout, stderr) = downhill(&[
        "compare",
        "peaks",
        "--start=-0.5,1.5",
        "--optimizer",
        "gd,momentum",
        "--plot",
        s(&svg),
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("one-loss.svg") && !stdout.contains("one-lr"),
        "{stdout}"
    );
    let text = std::fs::read_to_string(dir.path().join("one-loss.svg")).unwrap();
    assert!(text.starts_with("<svg") && text.contains("polyline"));
    assert!(!dir.path().join("one-lr.svg").exists());
    // Bad prefixes: refused before any work, nothing written.
    for (prefix, message) in [("out.gif", "can be .png or .svg"), ("sub/", "give a prefix")] {
        let path = format!("{}/{prefix}", dir.path().display());
        let (code, _, stderr) = downhill(&["compare", "peaks", "--plot", &path]);
        assert_eq!(code, 2, "{prefix}: {stderr}");
        assert!(stderr.contains(message), "{prefix}: {stderr}");
    }
    assert!(!dir.path().join("out.gif-paths.png").exists());
}
