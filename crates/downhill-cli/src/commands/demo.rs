//! `downhill demo`: every figure of the two seed notebooks, and their exercises answered with numbers.

use std::path::Path;

use downhill::catalog::{self, ExtremumKind};
use downhill::{Function, Method, OptimizerSpec, RunConfig, RunResult, Termination};
use downhill_plot::{Figure, Format, Surface};

use super::plot;
use super::sweep::{self, Setting};
use crate::args::{AspectArg, LookArgs, SizeArgs};
use crate::diagnostic::CliError;
use crate::format::{num, point};
use crate::settings::{Look, Training};

/// The exercise start of the first notebook.
const EXERCISE_START: [f64; 2] = [0.0, 1.4];
/// A start from which gradient ascent on peaks climbs to a local (not the global) maximum.
const ASCENT_START: [f64; 2] = [1.0, -0.5];

fn default_look(f: &Function, ascent: bool, dpi: f64) -> Result<Look, CliError> {
    let args = LookArgs {
        domain: None,
        colormap: None,
        vmin: None,
        vmax: None,
        log_color: false,
        contours: None,
        quiver: false,
        aspect: AspectArg::Equal,
        size: SizeArgs { size: [6.4, 4.8], dpi },
    };
    Look::new(&args, f, ascent)
}

/// The seed's runs: plain gradient descent, constant rate, no tolerance.
fn seed_training(ascent: bool) -> Training {
    Training {
        schedule: downhill::Schedule::Constant,
        ascent,
        gtol: None,
        around: downhill::optim::TrainingLoop::default(),
    }
}

fn gd(f: &Function, start: [f64; 2], lr: f64, epochs: u64, ascent: bool) -> Result<RunResult, CliError> {
    let config = RunConfig::new(start).learning_rate(lr).epochs(epochs).ascent(ascent);
    downhill::run(f, &config, &OptimizerSpec::gd()).map_err(|e| CliError::input(e.to_string()))
}

fn save(dir: &Path, name: &str, bytes: &[u8], written: &mut Vec<String>) -> Result<(), CliError> {
    crate::output::prepare(&dir.join(name), "figure")?.write_bytes(bytes)?;
    written.push(name.to_string());
    Ok(())
}

fn png(fig: &Figure) -> Result<Vec<u8>, CliError> {
    downhill_plot::render(fig, Format::Png).map_err(plot::failed)
}

/// Writes the figures into `out` and prints what each exercise shows.
pub fn run(out: &Path, dpi: f64) -> Result<(), CliError> {
    if out.exists() && !out.is_dir() {
        return Err(CliError::input(format!(
            "--out '{}' exists and is not a directory",
            out.display()
        )));
    }
    // Checked before the directory is made, so a bad setting leaves nothing behind.
    let probe = Function::resolve("peaks").map_err(|e| CliError::input(e.to_string()))?;
    default_look(&probe, false, dpi)?;
    std::fs::create_dir_all(out)
        .map_err(|e| CliError::input(format!("cannot create the directory '{}': {e}", out.display())))?;
    let started = std::time::Instant::now();
    let f = Function::resolve("peaks").map_err(|e| CliError::input(e.to_string()))?;
    let peaks = catalog::lookup("peaks").expect("peaks is in the catalog");
    let global_min = peaks
        .extrema
        .iter()
        .find(|e| e.kind == ExtremumKind::GlobalMinimum)
        .expect("documented");
    let look = default_look(&f, false, dpi)?;
    let mut written = Vec::new();
    let mut text = String::new();

    // Notebook 1: the landscape.
    let mut panel = look.panel(&f);
    panel.title = Some("peaks(x, y), vmin=-5, vmax=5".into());
    let fig = look.figure(None, panel);
    save(out, "landscape.png", &png(&fig)?, &mut written)?;

    // Exercise 1 and the figure16 trajectory.
    let ex1 = gd(&f, EXERCISE_START, 0.01, 1000, false)?;
    let settings = super::run::Settings {
        function: f.clone(),
        config: RunConfig::new(EXERCISE_START).learning_rate(0.01).epochs(1000),
        method: Method::Gd,
        spec: OptimizerSpec::gd(),
        seed: None,
    };
    let fig16 = super::run::figure(&settings, &ex1, &look);
    save(out, "figure16_gradient_descent_2d.png", &png(&fig16)?, &mut written)?;
    save(
        out,
        "descent.gif",
        &downhill_plot::animate(&fig16, 0).map_err(plot::failed)?,
        &mut written,
    )?;
    text.push_str(&format!(
        "Exercise 1 (start at [0, 1.4], lr 0.01, 1000 epochs): the descent ends at {} with value {}, a {} but a poor \
         one: the global minimum is {} at {}.\n",
        point(ex1.end),
        num(ex1.value),
        ex1.stationary_point.name(),
        num(global_min.value),
        point(global_min.point)
    ));

    // The 3-D surface (figure24).
    let surface = Surface {
        function: &f,
        domain: look.domain,
        colormap: look.colormap,
        zmin: None,
        zmax: None,
        elev: 30.0,
        azim: 250.0,
        path: None,
        title: Some("3D Surface Plot".into()),
        width: look.size.width,
        height: look.size.height,
        scale: look.size.scale,
    };
    save(
        out,
        "figure24_gradient_descent_2d.png",
        &downhill_plot::render_surface(&surface, Format::Png).map_err(plot::failed)?,
        &mut written,
    )?;

    // Basins as trajectories (figure25): 25x25 starts on [-2.5, 2.5]², 100 epochs.
    let (fig25, basin_runs) = super::basins::trajectories(
        &f,
        &look,
        [-2.5, 2.5, -2.5, 2.5],
        [25, 25],
        0.01,
        100,
        &seed_training(false),
        Method::Gd,
        &OptimizerSpec::gd(),
    )?;
    save(out, "figure25_gradient_descent_2d.png", &png(&fig25)?, &mut written)?;
    let at_global = basin_runs
        .iter()
        .filter(|r| (r.end[0] - global_min.point[0]).hypot(r.end[1] - global_min.point[1]) < 0.05)
        .count();
    text.push_str(&format!(
        "Basins (25x25 starts on [-2.5, 2.5]², 100 epochs): {at_global} of {} starts ({:.0}%) reach the global \
         minimum's neighbourhood; the rest settle in other basins or are still moving after 100 epochs.\n",
        basin_runs.len(),
        100.0 * at_global as f64 / basin_runs.len() as f64
    ));

    // Exercises 1 and 3 as one sweep of learning rates; exercise 2 as a sweep of epochs.
    let lr_settings: Vec<Setting> = [0.01, 0.1, 0.5, 0.00001]
        .iter()
        .map(|&lr| Setting {
            method: Method::Gd,
            spec: OptimizerSpec::gd(),
            options: Default::default(),
            lr,
            epochs: 1000,
            seed: None,
            start: EXERCISE_START,
        })
        .collect();
    let lr_runs = sweep::execute(&f, &lr_settings, &seed_training(false))?;
    let labels = sweep::labels(&lr_settings);
    let fig = sweep::figure(&f, &look, &lr_settings, &lr_runs, &labels, true);
    save(out, "exercises_learning_rates.png", &png(&fig)?, &mut written)?;
    let epoch_settings: Vec<Setting> = [1000, 10_000]
        .iter()
        .map(|&epochs| Setting {
            method: Method::Gd,
            spec: OptimizerSpec::gd(),
            options: Default::default(),
            lr: 0.01,
            epochs,
            seed: None,
            start: EXERCISE_START,
        })
        .collect();
    let epoch_runs = sweep::execute(&f, &epoch_settings, &seed_training(false))?;
    let labels = sweep::labels(&epoch_settings);
    let fig = sweep::figure(&f, &look, &epoch_settings, &epoch_runs, &labels, true);
    save(out, "exercise2_epochs.png", &png(&fig)?, &mut written)?;
    let moved = |a: [f64; 2], b: [f64; 2]| (a[0] - b[0]).hypot(a[1] - b[1]);
    text.push_str(&format!(
        "Exercise 2 (10,000 epochs instead of 1000): the end is {}, {} from the 1000-epoch end: more epochs do not \
         leave the basin.\n",
        point(epoch_runs[1].end),
        num(moved(epoch_runs[0].end, epoch_runs[1].end))
    ));
    let (r1, r5, r00001) = (&lr_runs[1], &lr_runs[2], &lr_runs[3]);
    let xs = r5.trajectory.iter().map(|p| p[0]);
    let (x_lo, x_hi) = (
        xs.clone().fold(f64::INFINITY, f64::min),
        xs.fold(f64::NEG_INFINITY, f64::max),
    );
    text.push_str(&format!(
        "Exercise 3: lr 0.1 ends at {} (the same poor minimum, reached faster); lr 0.5 overshoots and jumps across \
         the landscape (x from {} to {}), ending at {}, {}; lr 0.00001 moves only {} from the start in 1000 epochs \
         (gradient norm still {}).\n",
        point(r1.end),
        num(x_lo),
        num(x_hi),
        point(r5.end),
        match (r5.termination, r5.stationary_point.name()) {
            (Termination::Diverged, _) => "diverged".to_string(),
            (_, "none") => "not a stationary point".to_string(),
            (_, kind) => format!("a {kind}"),
        },
        num(moved(r00001.end, EXERCISE_START)),
        num(r00001.gradient[0].hypot(r00001.gradient[1]))
    ));

    // Notebook 2: gradient ascent, viridis.
    let ascent_look = default_look(&f, true, dpi)?;
    let up = gd(&f, ASCENT_START, 0.01, 1000, true)?;
    let settings = super::run::Settings {
        function: f.clone(),
        config: RunConfig::new(ASCENT_START)
            .learning_rate(0.01)
            .epochs(1000)
            .ascent(true),
        method: Method::Gd,
        spec: OptimizerSpec::gd(),
        seed: None,
    };
    let fig = super::run::figure(&settings, &up, &ascent_look);
    save(out, "gradient_ascent.png", &png(&fig)?, &mut written)?;
    let global_max = peaks
        .extrema
        .iter()
        .find(|e| e.kind == ExtremumKind::GlobalMaximum)
        .expect("documented");
    text.push_str(&format!(
        "Gradient ascent (second notebook, start {}): climbs to {} with value {}, a local {}; the global maximum \
         is {} at {}.\n",
        point(ASCENT_START),
        point(up.end),
        num(up.value),
        up.stationary_point.name(),
        num(global_max.value),
        point(global_max.point)
    ));

    let mut report = format!(
        "Wrote {} files to {} in {:.2} s:\n",
        written.len(),
        out.display(),
        started.elapsed().as_secs_f64()
    );
    for name in &written {
        report.push_str(&format!("  {name}\n"));
    }
    report.push('\n');
    report.push_str(&text);
    crate::emit(&report)
}
