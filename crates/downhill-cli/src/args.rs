//! Raw command-line arguments (clap), grouped the way the commands share them. Every rule about their values
//! lives in `settings.rs`, which turns these into validated library settings; here are only their shapes, help
//! texts and the parsers of single values (numbers, points, boxes, names from a closed list).

use std::path::PathBuf;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand, ValueEnum};
use downhill::Method;

/// The examples at the end of `downhill --help`.
const EXAMPLES: &str = "\
Examples:
  downhill demo                                       every figure of the seed notebooks
  downhill run peaks --start 0,1.4 --plot fig.png     one descent, drawn over the landscape
  downhill run \"x^2 + 3y^2 + sin(3x)\" --optimizer adam --lr 0.05 --start 1,1
  downhill diff \"x^2*y + sin(x)\" --hessian            symbolic derivatives
  downhill basins himmelblau --plot map.png           which start ends where
  downhill sweep peaks --start 0,1.4 --lr 0.01,0.1,0.5 --plot lr.png
  downhill serve                                      the explorer in the browser

A FUNCTION is a catalog name (downhill functions lists them) or an expression in x and y.";

/// Gradient descent you can see: type a function of x and y, pick a start, a learning rate and an optimizer,
/// and see where it goes.
#[derive(Parser, Debug)]
#[command(name = "downhill", version, max_term_width = 110, after_help = EXAMPLES)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// List the built-in functions: formulas, domains and documented extrema.
    Functions {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Print the symbolic gradient (and Hessian) of a function.
    Diff {
        #[command(flatten)]
        function: FunctionArg,
        /// Print the Hessian too.
        #[arg(long)]
        hessian: bool,
        /// Print LaTeX.
        #[arg(long)]
        latex: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Run an optimizer from a start point and report where it ends.
    #[command(allow_negative_numbers = true)]
    Run(Box<RunArgs>),
    /// Draw a function as a heat map.
    #[command(allow_negative_numbers = true)]
    Landscape(Box<LandscapeArgs>),
    /// Draw a function as a 3-D surface.
    #[command(allow_negative_numbers = true)]
    Surface(Box<SurfaceArgs>),
    /// Run from a grid of starts and draw where each goes (basins of attraction).
    #[command(allow_negative_numbers = true)]
    Basins(Box<BasinsArgs>),
    /// Run several settings (learning rates, epochs, optimizers, seeds) and compare them.
    #[command(allow_negative_numbers = true)]
    Sweep(Box<SweepArgs>),
    /// Compare optimizers fairly: every method from the same seeded starts, each at its best learning rate.
    Compare(Box<CompareArgs>),
    /// Start the explorer in the browser: a server on 127.0.0.1 (Ctrl-C stops it).
    Serve {
        /// The port (0: any free port).
        #[arg(long, default_value_t = 8000)]
        port: u16,
        /// Open the page in the default browser.
        #[arg(long)]
        open: bool,
    },
    /// Regenerate every figure of the seed notebooks and answer their exercises.
    Demo {
        /// The directory to write the figures into (created if missing).
        #[arg(long, default_value = "downhill-demo", value_name = "DIR")]
        out: PathBuf,
        /// Dots per inch of the figures (6.4x4.8 inches, as matplotlib's default figure).
        #[arg(long, default_value_t = 125.0, value_name = "DPI")]
        dpi: f64,
    },
}

/// The function every command but `functions` takes.
#[derive(Args, Debug, Clone)]
pub struct FunctionArg {
    /// A catalog name (peaks, rosenbrock, ...) or an expression in x and y.
    #[arg(allow_hyphen_values = true, value_name = "FUNCTION")]
    pub function: String,
}

/// `downhill run`.
#[derive(Args, Debug)]
pub struct RunArgs {
    #[command(flatten)]
    pub function: FunctionArg,
    /// The start point. Without it the start is uniform in [-2,2]² drawn from --seed.
    #[arg(long, value_name = "X,Y", value_parser = parse_point)]
    pub start: Option<[f64; 2]>,
    /// Seed of the random start (printed when chosen for you, so a run can be repeated).
    #[arg(long, value_name = "N", conflicts_with = "start")]
    pub seed: Option<u64>,
    /// The optimizer.
    #[arg(long, default_value = "gd", value_name = "NAME", value_parser = optimizer_parser())]
    pub optimizer: Method,
    /// Learning rate [default: 0.01; 1 for newton and adadelta].
    #[arg(long, value_name = "LR")]
    pub lr: Option<f64>,
    /// Number of updates.
    #[arg(long, default_value_t = 1000, value_name = "N", value_parser = parse_epochs)]
    pub epochs: u64,
    #[command(flatten)]
    pub training: TrainingArgs,
    /// Stop as stalled when an update moves less than X.
    #[arg(long, value_name = "X")]
    pub xtol: Option<f64>,
    /// Stop as left_domain when the run leaves this box.
    #[arg(long = "box", value_name = "XMIN,XMAX,YMIN,YMAX", value_parser = parse_box)]
    pub bounds: Option<[f64; 4]>,
    /// Print JSON (with the whole trajectory).
    #[arg(long)]
    pub json: bool,
    /// Write the trajectory as CSV (epoch, x, y, value, gradient); - for standard output.
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
    /// Draw the run over the landscape (.png or .svg).
    #[arg(long, value_name = "FILE")]
    pub plot: Option<PathBuf>,
    /// With --plot: f and the gradient norm per epoch, as charts beside the landscape.
    #[arg(long, requires = "plot")]
    pub loss_curve: bool,
    /// Animate the run (.gif).
    #[arg(long, value_name = "FILE")]
    pub gif: Option<PathBuf>,
    #[command(flatten)]
    pub look: LookArgs,
}

/// What every run of `run`, `sweep` and `basins` shares besides its optimizer, rate and length.
#[derive(Args, Debug, Clone, Default)]
pub struct TrainingArgs {
    #[command(flatten)]
    pub options: OptimizerArgs,
    /// Learning-rate schedule: constant, step[:SIZE[:GAMMA]], exponential[:GAMMA], linear[:END_FACTOR],
    /// cosine[:ETA_MIN] (PyTorch's StepLR, ExponentialLR, LinearLR, CosineAnnealingLR over the run).
    #[arg(long, default_value = "constant", value_name = "SCHEDULE")]
    pub schedule: String,
    /// Climb to a maximum instead of descending.
    #[arg(long)]
    pub ascent: bool,
    /// Stop as converged when the gradient norm is at most G [basin maps: 1e-8; 1e-4 with --precision f32].
    #[arg(long, value_name = "G")]
    pub gtol: Option<f64>,
    /// Linear warmup: the rate rises as lr*(t+1)/N over the first N updates, then the schedule runs over the
    /// rest (PyTorch's SequentialLR of LinearLR and the schedule) [0].
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub warmup: u64,
    /// Scale each gradient the optimizer sees down to norm at most C (torch.nn.utils.clip_grad_norm_).
    #[arg(long, value_name = "C")]
    pub clip_grad_norm: Option<f64>,
    /// Add Gaussian noise of standard deviation SIGMA to each gradient the optimizer sees (a stochastic
    /// gradient), drawn from --noise-seed: every start of a map or comparison draws its own.
    #[arg(long, value_name = "SIGMA")]
    pub noise: Option<f64>,
    /// Seed of the gradient noise.
    #[arg(long, value_name = "N", default_value_t = 0, requires = "noise")]
    pub noise_seed: u64,
}

/// Optimizer hyper-parameters; the references' names. Setting one the optimizer does not have is an error.
/// `sweep` takes comma-separated lists of the numeric ones (every combination runs); the other commands one
/// value each.
#[derive(Args, Debug, Default, Clone)]
pub struct OptimizerArgs {
    /// Momentum factor [momentum, nesterov, sf-sgd: 0.9; rmsprop: 0].
    #[arg(long, value_name = "M", value_delimiter = ',')]
    pub momentum: Vec<f64>,
    /// Dampening of momentum [0].
    #[arg(long, value_name = "D", value_delimiter = ',')]
    pub dampening: Vec<f64>,
    /// Weight decay [0; adamw: 0.01].
    #[arg(long, value_name = "W", value_delimiter = ',')]
    pub weight_decay: Vec<f64>,
    /// RMSProp smoothing constant [0.99].
    #[arg(long, value_name = "A", value_delimiter = ',')]
    pub alpha: Vec<f64>,
    /// beta1 of adam, adamw, adamax, nadam, radam, lion [0.9].
    #[arg(long, value_name = "B1", value_delimiter = ',')]
    pub beta1: Vec<f64>,
    /// beta2 [0.999; lion: 0.99].
    #[arg(long, value_name = "B2", value_delimiter = ',')]
    pub beta2: Vec<f64>,
    /// Adam's betas as one pair.
    #[arg(long, value_name = "B1,B2", value_parser = parse_point, conflicts_with_all = ["beta1", "beta2"])]
    pub betas: Option<[f64; 2]>,
    /// Term added to denominators [adagrad: 1e-10; adadelta: 1e-6; others: 1e-8].
    #[arg(long, value_name = "EPS", value_delimiter = ',')]
    pub eps: Vec<f64>,
    /// AdaGrad's learning-rate decay [0].
    #[arg(long, value_name = "D", value_delimiter = ',')]
    pub lr_decay: Vec<f64>,
    /// AdaGrad's initial accumulator [0].
    #[arg(long, value_name = "V", value_delimiter = ',')]
    pub initial_accumulator_value: Vec<f64>,
    /// Centered RMSProp.
    #[arg(long)]
    pub centered: bool,
    /// AMSGrad variant of adam/adamw.
    #[arg(long)]
    pub amsgrad: bool,
    /// Newton's largest fallback step, where the Hessian is not positive definite [1].
    #[arg(long, value_name = "S", value_delimiter = ',')]
    pub max_step: Vec<f64>,
    /// NAdam's momentum decay [0.004].
    #[arg(long, value_name = "D", value_delimiter = ',')]
    pub momentum_decay: Vec<f64>,
    /// Adadelta's averaging constant [0.9].
    #[arg(long, value_name = "RHO", value_delimiter = ',')]
    pub rho: Vec<f64>,
    /// Rprop's decrease and increase factors [0.5,1.2].
    #[arg(long, value_name = "MINUS,PLUS", value_parser = parse_point)]
    pub etas: Option<[f64; 2]>,
    /// Rprop's smallest and largest step sizes [1e-6,50].
    #[arg(long, value_name = "MIN,MAX", value_parser = parse_point)]
    pub step_sizes: Option<[f64; 2]>,
    /// Schedule-Free's power of the update number in its averaging weights [0].
    #[arg(long, value_name = "R", value_delimiter = ',')]
    pub r: Vec<f64>,
    /// Schedule-Free's power of the largest rate in its averaging weights [2].
    #[arg(long, value_name = "P", value_delimiter = ',')]
    pub weight_lr_power: Vec<f64>,
    /// Sufficient decrease of a line search (gd-armijo, bfgs, cg-fr, cg-pr) [1e-4].
    #[arg(long, value_name = "C1", value_delimiter = ',')]
    pub c1: Vec<f64>,
    /// Curvature constant of the strong Wolfe line search [bfgs: 0.9; cg-fr, cg-pr: 0.1].
    #[arg(long, value_name = "C2", value_delimiter = ',')]
    pub c2: Vec<f64>,
    /// L-BFGS's number of (s, y) pairs kept [100].
    #[arg(long, value_name = "N")]
    pub history_size: Option<u32>,
    /// L-BFGS's inner iterations per epoch (one PyTorch step()) [20].
    #[arg(long, value_name = "N")]
    pub max_iter: Option<u32>,
    /// L-BFGS's evaluations per epoch after which no inner iteration starts; its line search gets what is left
    /// [max-iter * 5 / 4].
    #[arg(long, value_name = "N")]
    pub max_eval: Option<u32>,
    /// L-BFGS's line search: none (a fixed step lr) or strong_wolfe [none].
    #[arg(long, value_name = "NAME", value_parser = ["none", "strong_wolfe"])]
    pub line_search: Option<String>,
    /// L-BFGS's tolerance on the largest gradient component [1e-7].
    #[arg(long, value_name = "G", value_delimiter = ',')]
    pub tolerance_grad: Vec<f64>,
    /// L-BFGS's tolerance on changes of f and of the position, and on the directional derivative [1e-9].
    #[arg(long, value_name = "C", value_delimiter = ',')]
    pub tolerance_change: Vec<f64>,
}

/// How a landscape figure looks (run, sweep, landscape, basins). Sizes are in inches at --dpi dots per inch,
/// as in matplotlib.
#[derive(Args, Debug, Clone)]
pub struct LookArgs {
    /// The plotted region [default: the catalog's domain, else -3,3,-3,3].
    #[arg(long, value_name = "XMIN,XMAX,YMIN,YMAX", value_parser = parse_box)]
    pub domain: Option<[f64; 4]>,
    /// Colour map [default: jet; viridis for an ascent].
    #[arg(long, value_name = "NAME", value_parser = colormap_parser())]
    pub colormap: Option<downhill_plot::Colormap>,
    /// Values at or below this get the lowest colour [peaks: -5, as in the seed; else the minimum].
    #[arg(long, value_name = "V")]
    pub vmin: Option<f64>,
    /// Values at or above this get the highest colour [peaks: 5; else the maximum].
    #[arg(long, value_name = "V")]
    pub vmax: Option<f64>,
    /// Colour by the logarithm of f - vmin (Rosenbrock's valley is one colour in a linear scale).
    #[arg(long)]
    pub log_color: bool,
    /// Draw N contour lines (10 when given without a number).
    #[arg(long, value_name = "N", num_args = 0..=1, default_missing_value = "10", value_parser = parse_contours)]
    pub contours: Option<usize>,
    /// Draw the direction of steepest descent as arrows.
    #[arg(long)]
    pub quiver: bool,
    /// equal: one unit of x as long as one of y, as matplotlib's imshow; auto: fill the figure.
    #[arg(long, value_enum, default_value_t = AspectArg::Equal)]
    pub aspect: AspectArg,
    #[command(flatten)]
    pub size: SizeArgs,
}

/// A figure's size.
#[derive(Args, Debug, Clone)]
pub struct SizeArgs {
    /// Figure size in inches.
    #[arg(long, value_name = "W,H", value_parser = parse_point, default_value = "6.4,4.8")]
    pub size: [f64; 2],
    /// Dots per inch.
    #[arg(long, default_value_t = 125.0, value_name = "DPI")]
    pub dpi: f64,
}

/// `--aspect`.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum AspectArg {
    /// One unit of x as long as one unit of y.
    Equal,
    /// The plot fills the figure.
    Auto,
}

/// `downhill landscape`.
#[derive(Args, Debug)]
pub struct LandscapeArgs {
    #[command(flatten)]
    pub function: FunctionArg,
    /// The image to write (.png or .svg).
    #[arg(long, value_name = "FILE")]
    pub plot: PathBuf,
    #[command(flatten)]
    pub look: LookArgs,
}

/// `downhill surface`.
#[derive(Args, Debug)]
pub struct SurfaceArgs {
    #[command(flatten)]
    pub function: FunctionArg,
    /// The image to write (.png or .svg).
    #[arg(long, value_name = "FILE")]
    pub plot: PathBuf,
    /// Viewing elevation in degrees (the seed: 30).
    #[arg(long, default_value_t = 30.0)]
    pub elev: f64,
    /// Viewing azimuth in degrees (the seed: 250).
    #[arg(long, default_value_t = 250.0)]
    pub azim: f64,
    /// Draw the descent from this start on the surface (gd, lr 0.01, 1000 epochs, or the given --lr/--epochs).
    #[arg(long, value_name = "X,Y", value_parser = parse_point)]
    pub start: Option<[f64; 2]>,
    /// Learning rate of the drawn descent.
    #[arg(long, default_value_t = 0.01, value_name = "LR")]
    pub lr: f64,
    /// Epochs of the drawn descent.
    #[arg(long, default_value_t = 1000, value_name = "N", value_parser = parse_epochs)]
    pub epochs: u64,
    /// The plotted region [default: the catalog's domain, else -3,3,-3,3].
    #[arg(long, value_name = "XMIN,XMAX,YMIN,YMAX", value_parser = parse_box)]
    pub domain: Option<[f64; 4]>,
    /// Colour map [default: jet].
    #[arg(long, value_name = "NAME", value_parser = colormap_parser())]
    pub colormap: Option<downhill_plot::Colormap>,
    /// Heights below this are drawn at it [default: the surface's minimum].
    #[arg(long, value_name = "Z")]
    pub zmin: Option<f64>,
    /// Heights above this are drawn at it [default: the surface's maximum].
    #[arg(long, value_name = "Z")]
    pub zmax: Option<f64>,
    #[command(flatten)]
    pub size: SizeArgs,
}

/// `downhill basins`.
#[derive(Args, Debug)]
pub struct BasinsArgs {
    #[command(flatten)]
    pub function: FunctionArg,
    /// map: every start a pixel, coloured by the attractor it reaches; trajectories: every path drawn, as in
    /// the seed's figure25.
    #[arg(long, value_enum, default_value_t = StyleArg::Map)]
    pub style: StyleArg,
    /// Starts per side, N or NXxNY [map: 400; trajectories: 25].
    #[arg(long, value_name = "N|NXxNY", value_parser = parse_grid)]
    pub grid: Option<[usize; 2]>,
    /// trajectories only: where the grid of starts lies [default: the domain shrunk by 1/12 on each side, so
    /// peaks' [-3,3] gives the seed's [-2.5,2.5]].
    #[arg(long, value_name = "XMIN,XMAX,YMIN,YMAX", value_parser = parse_box)]
    pub starts: Option<[f64; 4]>,
    /// The optimizer.
    #[arg(long, default_value = "gd", value_name = "NAME", value_parser = optimizer_parser())]
    pub optimizer: Method,
    /// Learning rate [default: 0.01; 1 for newton and adadelta].
    #[arg(long, value_name = "LR")]
    pub lr: Option<f64>,
    /// Updates per start [map: 1000; trajectories: 100, as in the seed].
    #[arg(long, value_name = "N", value_parser = parse_epochs)]
    pub epochs: Option<u64>,
    #[command(flatten)]
    pub training: TrainingArgs,
    /// map: end points closer than this are one attractor [default: 1% of the domain's larger side].
    #[arg(long, value_name = "D")]
    pub cluster_tol: Option<f64>,
    /// Runs per start, each drawing its own gradient noise (needs --noise): a probability map, each start
    /// coloured by the attractor most of its runs reached, paler where they disagree [1].
    #[arg(long, value_name = "K", default_value_t = 1)]
    pub repeats: usize,
    /// map: f64, or f32 for about twice the speed.
    #[arg(long, default_value = "f64", value_name = "PRECISION", value_parser = ["f64", "f32"])]
    pub precision: String,
    /// The image to write (.png or .svg); required for trajectories.
    #[arg(long, value_name = "FILE")]
    pub plot: Option<PathBuf>,
    /// map: write the label of every start as CSV (one row per y from ymin, one column per x; attractor
    /// index, -1 diverged, -2 not converged, -3 left the domain, -4 f not finite where the run ended); - for
    /// standard output.
    #[arg(long, value_name = "FILE.csv")]
    pub labels: Option<PathBuf>,
    /// map: print JSON.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub look: LookArgs,
}

/// `--style`.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum StyleArg {
    /// Every start a pixel, coloured by the attractor it reaches.
    Map,
    /// Every start's path drawn over the landscape (the seed's figure25).
    Trajectories,
}

/// `downhill sweep`.
#[derive(Args, Debug)]
pub struct SweepArgs {
    #[command(flatten)]
    pub function: FunctionArg,
    /// The start shared by every run. Without it, each --seed gives a random start.
    #[arg(long, value_name = "X,Y", value_parser = parse_point)]
    pub start: Option<[f64; 2]>,
    /// Seeds of random starts, comma-separated.
    #[arg(long, value_name = "N,..", value_delimiter = ',', conflicts_with = "start")]
    pub seed: Vec<u64>,
    /// Optimizers, comma-separated.
    #[arg(long, value_name = "NAME,..", value_delimiter = ',', default_value = "gd", value_parser = optimizer_parser())]
    pub optimizer: Vec<Method>,
    /// Learning rates, comma-separated [default: 0.01; 1 for newton and adadelta].
    #[arg(long, value_name = "LR,..", value_delimiter = ',')]
    pub lr: Vec<f64>,
    /// Epoch counts, comma-separated.
    #[arg(long, value_name = "N,..", value_delimiter = ',', default_value = "1000", value_parser = parse_epochs)]
    pub epochs: Vec<u64>,
    #[command(flatten)]
    pub training: TrainingArgs,
    /// panels: one panel per run; overlay: every path on one panel [default: panels up to 9 runs].
    #[arg(long, value_enum)]
    pub layout: Option<LayoutArg>,
    /// Print JSON: one entry per run.
    #[arg(long)]
    pub json: bool,
    /// The figure to write (.png or .svg).
    #[arg(long, value_name = "FILE")]
    pub plot: Option<PathBuf>,
    /// With --plot: every run's f and gradient norm per epoch, as charts beside the landscapes (one line per run,
    /// in its path's colour with --layout overlay).
    #[arg(long, requires = "plot")]
    pub loss_curve: bool,
    /// Animate the runs together (.gif).
    #[arg(long, value_name = "FILE")]
    pub gif: Option<PathBuf>,
    #[command(flatten)]
    pub look: LookArgs,
}

/// `downhill compare`.
#[derive(Args, Debug)]
pub struct CompareArgs {
    #[command(flatten)]
    pub function: FunctionArg,
    /// Optimizers, comma-separated.
    #[arg(long, value_name = "NAME,..", value_delimiter = ',', default_value = "gd,momentum,adam", value_parser = optimizer_parser())]
    pub optimizer: Vec<Method>,
    /// Random starts, uniform in --domain, drawn from --seed [256].
    #[arg(long, value_name = "N", conflicts_with = "start")]
    pub starts: Option<usize>,
    /// One start shared by every method, instead of random ones.
    #[arg(long, value_name = "X,Y", value_parser = parse_point)]
    pub start: Option<[f64; 2]>,
    /// Seed of the random starts.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub seed: u64,
    /// One learning rate for every method [each method's default: 0.01; 1 for newton and adadelta].
    #[arg(long, value_name = "LR", conflicts_with = "tune_lr")]
    pub lr: Option<f64>,
    /// Pick each method's learning rate from COUNT values evenly spaced in log scale from LO to HI, by the
    /// printed criterion [1e-5,1,16].
    #[arg(long, value_name = "LO,HI,COUNT", num_args = 0..=1, default_missing_value = "1e-5,1,16", value_parser = parse_tune)]
    pub tune_lr: Option<(f64, f64, usize)>,
    /// Updates per start.
    #[arg(long, default_value_t = 1000, value_name = "N", value_parser = parse_epochs)]
    pub epochs: u64,
    #[command(flatten)]
    pub training: TrainingArgs,
    /// An end within R of a documented global minimum counts as reaching it [1% of the domain's shorter side].
    #[arg(long, value_name = "R")]
    pub reach: Option<f64>,
    /// Lane precision: f64, or f32 (about twice as fast).
    #[arg(long, default_value = "f64", value_parser = ["f64", "f32"])]
    pub precision: String,
    /// Print JSON: the settings, the criterion, and per method the chosen rate, its outcome and every rate's.
    #[arg(long)]
    pub json: bool,
    /// Write figures PREFIX-paths (every method's path from one start over the landscape), PREFIX-loss (median
    /// loss curves with quartile bands over the starts) and, with --tune-lr, PREFIX-lr (the criterion against
    /// the learning rate); .png unless PREFIX ends in .svg or .png.
    #[arg(long, value_name = "PREFIX")]
    pub plot: Option<PathBuf>,
    #[command(flatten)]
    pub look: LookArgs,
}

/// `--layout`.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum LayoutArg {
    /// One panel per run.
    Panels,
    /// Every path on one panel, with a legend.
    Overlay,
}

/// The optimizers by their names, listed in `--help`, from the library's one list.
fn optimizer_parser() -> impl clap::builder::TypedValueParser<Value = Method> {
    let mut names: Vec<&'static str> = Method::ALL.iter().map(|(_, n)| *n).collect();
    names.push("sgd");
    PossibleValuesParser::new(names).map(|name| Method::from_name(&name).expect("a name from the list"))
}

/// The colour maps by their names, from the plotting library's one list.
fn colormap_parser() -> impl clap::builder::TypedValueParser<Value = downhill_plot::Colormap> {
    let names: Vec<&'static str> = downhill_plot::Colormap::ALL.iter().map(|(_, n)| *n).collect();
    PossibleValuesParser::new(names)
        .map(|name| downhill_plot::Colormap::from_name(&name).expect("a name from the list"))
}

fn parse_numbers<const N: usize>(text: &str, what: &str) -> Result<[f64; N], String> {
    let parts: Vec<&str> = text.split(',').map(str::trim).collect();
    if parts.len() != N {
        return Err(format!("expected {what}, {N} numbers separated by commas"));
    }
    let mut out = [0.0; N];
    for (o, p) in out.iter_mut().zip(&parts) {
        *o = p
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| format!("'{p}' is not a finite number"))?;
    }
    Ok(out)
}

fn parse_point(text: &str) -> Result<[f64; 2], String> {
    parse_numbers(text, "X,Y")
}

fn parse_box(text: &str) -> Result<[f64; 4], String> {
    parse_numbers(text, "XMIN,XMAX,YMIN,YMAX")
}

/// A whole number from `min` to `max`, or a message that says so.
fn whole(text: &str, min: u64, max: u64, what: &str) -> Result<u64, String> {
    match text.trim().parse::<u64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ if max == u64::MAX => Err(format!("expected {what}: a whole number, {min} or more")),
        _ => Err(format!("expected {what}: a whole number from {min} to {max}")),
    }
}

fn parse_epochs(text: &str) -> Result<u64, String> {
    whole(text, 1, u64::MAX, "a number of epochs")
}

/// `--tune-lr LO,HI,COUNT`: 0 < LO < HI finite, COUNT from 2 to 64.
fn parse_tune(text: &str) -> Result<(f64, f64, usize), String> {
    let [lo, hi, count] = parse_numbers::<3>(text, "LO,HI,COUNT")?;
    if !(lo > 0.0 && lo < hi) {
        return Err(format!("the rates must satisfy 0 < LO < HI (got {lo} and {hi})"));
    }
    if !(count.fract() == 0.0 && (2.0..=64.0).contains(&count)) {
        return Err(format!("COUNT must be a whole number from 2 to 64 (got {count})"));
    }
    Ok((lo, hi, count as usize))
}

fn parse_contours(text: &str) -> Result<usize, String> {
    whole(text, 1, 100, "a number of contour levels").map(|n| n as usize)
}

fn parse_grid(text: &str) -> Result<[usize; 2], String> {
    let parse = |t: &str| whole(t, 2, 8192, "starts per side").map(|n| n as usize);
    match text.split_once(['x', 'X']) {
        Some((a, b)) => Ok([parse(a)?, parse(b)?]),
        None => {
            let n = parse(text)?;
            Ok([n, n])
        }
    }
}
