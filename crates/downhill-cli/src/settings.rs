//! Raw arguments (`args.rs`) turned into validated library settings: every rule about a value the user gives
//! is here, once, and every fault is an input error (exit code 2) that names the option.

use downhill::catalog;
use downhill::optim::{ConfigError, Noise, TrainingLoop};
use downhill::{rng, Function, Method, OptimizerSpec, Options, ParseErrorKind, RunConfig, Schedule};
use downhill_plot::{Aspect, Colormap, Figure, Panel};

use crate::args::{AspectArg, LookArgs, OptimizerArgs, SizeArgs, TrainingArgs};
use crate::diagnostic::CliError;

/// A catalog name or an expression, with a located error for bad input and, where a user probably meant
/// something else, a hint.
pub fn function(spec: &str) -> Result<Function, CliError> {
    Function::resolve(spec).map_err(|e| {
        let mut message = e.to_string();
        match &e.kind {
            // A lone unknown word may be a catalog name the user half remembers.
            ParseErrorKind::UnknownName { name, .. } if spec.trim() == name.as_str() => {
                message.push_str("; `downhill functions` lists the built-in functions");
            }
            // NumPy's and SymPy's prefixes: np.exp(x), math.sin(x).
            ParseErrorKind::UnexpectedChar { ch: '.', .. } => {
                let before = spec[..e.span.start].trim_end();
                if let Some(prefix) = ["np", "numpy", "math", "sp", "sympy", "torch", "jnp"]
                    .into_iter()
                    .find(|p| before.ends_with(p))
                {
                    message =
                        format!("{message}; drop the '{prefix}.' prefix: downhill's functions are plain exp, sin, ...");
                }
            }
            _ => {}
        }
        CliError::at(message, spec, e.span)
    })
}

pub fn input(e: impl ToString) -> CliError {
    CliError::input(e.to_string())
}

/// A library's setting error in the command line's words: options by their flags.
fn config(e: ConfigError) -> CliError {
    let flag = |name: &str| format!("--{}", name.replace('_', "-"));
    match e {
        ConfigError::NotAnOption { option, method } => CliError::input(format!(
            "{} does not apply to {}; its options are: {}",
            flag(option),
            method.name(),
            method.options().iter().map(|o| flag(o)).collect::<Vec<_>>().join(", ")
        )),
        other => input(other),
    }
}

/// The largest side of a figure in pixels.
pub const MAX_PIXELS: f64 = 8000.0;

/// A figure's size in pixels and its text and line scale.
#[derive(Clone, Copy, Debug)]
pub struct Size {
    /// Pixels.
    pub width: u32,
    /// Pixels.
    pub height: u32,
    /// dpi / 100.
    pub scale: f64,
}

impl Size {
    /// `--size` and `--dpi`, checked.
    pub fn new(a: &SizeArgs) -> Result<Size, CliError> {
        if !(a.dpi.is_finite() && (20.0..=1200.0).contains(&a.dpi)) {
            return Err(CliError::input(format!(
                "--dpi must be between 20 and 1200 (got {})",
                downhill::run::shown(a.dpi)
            )));
        }
        let (w, h) = (a.size[0] * a.dpi, a.size[1] * a.dpi);
        if !(200.0..=MAX_PIXELS).contains(&w) || !(150.0..=MAX_PIXELS).contains(&h) {
            return Err(CliError::input(format!(
                "--size {},{} at --dpi {} is {w:.0}x{h:.0} pixels; a figure must be 200x150 to {MAX_PIXELS}x{MAX_PIXELS}",
                a.size[0], a.size[1], a.dpi
            )));
        }
        Ok(Size {
            width: w.round() as u32,
            height: h.round() as u32,
            scale: a.dpi / 100.0,
        })
    }
}

/// The plotted region: `--domain`, else the catalog's, else [-3, 3]², checked.
pub fn domain(given: Option<[f64; 4]>, f: &Function) -> Result<[f64; 4], CliError> {
    let entry = f.name().and_then(catalog::lookup);
    let d = given.or(entry.map(|e| e.domain)).unwrap_or([-3.0, 3.0, -3.0, 3.0]);
    downhill::run::check_region("--domain", d).map_err(input)
}

/// The look of a landscape figure, validated.
#[derive(Clone, Debug)]
pub struct Look {
    /// The plotted region.
    pub domain: [f64; 4],
    /// Colour map.
    pub colormap: Colormap,
    /// Colour clipping.
    pub vmin: Option<f64>,
    /// Colour clipping.
    pub vmax: Option<f64>,
    /// Colours by log(f - vmin).
    pub log_color: bool,
    /// Contour levels.
    pub contours: usize,
    /// Gradient field.
    pub quiver: bool,
    /// Equal or filling axes.
    pub aspect: Aspect,
    /// Pixels and scale.
    pub size: Size,
}

impl Look {
    /// Resolves the options for a function; `ascent` picks the second notebook's colour map by default.
    pub fn new(a: &LookArgs, f: &Function, ascent: bool) -> Result<Look, CliError> {
        let domain = domain(a.domain, f)?;
        for (flag, v) in [("--vmin", a.vmin), ("--vmax", a.vmax)] {
            if let Some(v) = v.filter(|v| !v.is_finite()) {
                return Err(CliError::input(format!("{flag} must be a finite number (got {v})")));
            }
        }
        // The seed draws peaks with vmin=-5, vmax=5.
        let seed_clip = f.name() == Some("peaks");
        let vmin = a.vmin.or(seed_clip.then_some(-5.0));
        let vmax = a.vmax.or(seed_clip.then_some(5.0));
        if let (Some(lo), Some(hi)) = (vmin, vmax) {
            if lo >= hi {
                return Err(CliError::input(format!(
                    "--vmin ({}) must be below --vmax ({})",
                    downhill::run::shown(lo),
                    downhill::run::shown(hi)
                )));
            }
        }
        Ok(Look {
            domain,
            colormap: a
                .colormap
                .unwrap_or(if ascent { Colormap::Viridis } else { Colormap::Jet }),
            vmin,
            vmax,
            log_color: a.log_color,
            contours: a.contours.unwrap_or(0),
            quiver: a.quiver,
            aspect: match a.aspect {
                AspectArg::Equal => Aspect::Equal,
                AspectArg::Auto => Aspect::Auto,
            },
            size: Size::new(&a.size)?,
        })
    }

    /// A landscape panel in this look.
    pub fn panel<'a>(&self, f: &'a Function) -> Panel<'a> {
        let mut panel = Panel::new(f, self.domain);
        panel.colormap = self.colormap;
        panel.vmin = self.vmin;
        panel.vmax = self.vmax;
        panel.log_color = self.log_color;
        panel.contours = self.contours;
        panel.quiver = self.quiver;
        panel.aspect = self.aspect;
        panel
    }

    /// A one-panel figure of this look's size.
    pub fn figure<'a>(&self, suptitle: Option<String>, panel: Panel<'a>) -> Figure<'a> {
        Figure {
            width: self.size.width,
            height: self.size.height,
            scale: self.size.scale,
            suptitle,
            panels: vec![panel],
            columns: 1,
            note: None,
            charts: Vec::new(),
            charts_beside: None,
        }
    }
}

/// The look options that colour a landscape do nothing on a basin map (coloured by attractor): refused, so
/// none is silently ignored.
pub fn refuse_landscape_colours(a: &LookArgs) -> Result<(), CliError> {
    let given = [
        ("--colormap", a.colormap.is_some()),
        ("--vmin", a.vmin.is_some()),
        ("--vmax", a.vmax.is_some()),
        ("--log-color", a.log_color),
        ("--quiver", a.quiver),
    ];
    match given.iter().find(|(_, on)| *on) {
        Some((flag, _)) => Err(CliError::input(format!(
            "{flag} colours a landscape; a basin map is coloured by attractor (--style trajectories draws the \
             landscape)"
        ))),
        None => Ok(()),
    }
}

/// The numeric hyper-parameters that `sweep` takes as lists, by their `Options` names, with the values given.
pub fn option_lists(a: &OptimizerArgs) -> [(&'static str, &[f64]); 18] {
    [
        ("momentum", &a.momentum),
        ("dampening", &a.dampening),
        ("weight_decay", &a.weight_decay),
        ("alpha", &a.alpha),
        ("beta1", &a.beta1),
        ("beta2", &a.beta2),
        ("eps", &a.eps),
        ("lr_decay", &a.lr_decay),
        ("initial_accumulator_value", &a.initial_accumulator_value),
        ("max_step", &a.max_step),
        ("momentum_decay", &a.momentum_decay),
        ("rho", &a.rho),
        ("r", &a.r),
        ("weight_lr_power", &a.weight_lr_power),
        ("c1", &a.c1),
        ("c2", &a.c2),
        ("tolerance_grad", &a.tolerance_grad),
        ("tolerance_change", &a.tolerance_change),
    ]
}

/// The value of one of [`option_lists`]' hyper-parameters in `o`.
pub fn option_value(o: &Options, name: &str) -> Option<f64> {
    match name {
        "momentum" => o.momentum,
        "dampening" => o.dampening,
        "weight_decay" => o.weight_decay,
        "alpha" => o.alpha,
        "beta1" => o.beta1,
        "beta2" => o.beta2,
        "eps" => o.eps,
        "lr_decay" => o.lr_decay,
        "initial_accumulator_value" => o.initial_accumulator_value,
        "max_step" => o.max_step,
        "momentum_decay" => o.momentum_decay,
        "rho" => o.rho,
        "r" => o.r,
        "weight_lr_power" => o.weight_lr_power,
        "c1" => o.c1,
        "c2" => o.c2,
        "tolerance_grad" => o.tolerance_grad,
        "tolerance_change" => o.tolerance_change,
        _ => None,
    }
}

/// The hyper-parameters as given, with `pick(values)` chosen from each list.
fn options_with(a: &OptimizerArgs, pick: impl Fn(&str, &[f64]) -> Option<f64>) -> Options {
    let lists = option_lists(a);
    let v = |name: &str| {
        lists
            .iter()
            .find(|(n, _)| *n == name)
            .and_then(|(n, vals)| pick(n, vals))
    };
    Options {
        momentum: v("momentum"),
        dampening: v("dampening"),
        weight_decay: v("weight_decay"),
        alpha: v("alpha"),
        beta1: a.betas.map(|b| b[0]).or(v("beta1")),
        beta2: a.betas.map(|b| b[1]).or(v("beta2")),
        eps: v("eps"),
        lr_decay: v("lr_decay"),
        initial_accumulator_value: v("initial_accumulator_value"),
        centered: a.centered,
        amsgrad: a.amsgrad,
        max_step: v("max_step"),
        momentum_decay: v("momentum_decay"),
        rho: v("rho"),
        etas: a.etas,
        step_sizes: a.step_sizes,
        r: v("r"),
        weight_lr_power: v("weight_lr_power"),
        c1: v("c1"),
        c2: v("c2"),
        history_size: a.history_size,
        max_iter: a.max_iter,
        max_eval: a.max_eval,
        strong_wolfe: a.line_search.as_deref() == Some("strong_wolfe"),
        tolerance_grad: v("tolerance_grad"),
        tolerance_change: v("tolerance_change"),
    }
}

/// The hyper-parameters as given: one value each (only `sweep` takes lists).
pub fn options(a: &OptimizerArgs) -> Result<Options, CliError> {
    if let Some((name, values)) = option_lists(a).into_iter().find(|(_, v)| v.len() > 1) {
        return Err(CliError::input(format!(
            "--{} takes one value here (got {}); sweep takes lists",
            name.replace('_', "-"),
            values.len()
        )));
    }
    Ok(options_with(a, |_, values| values.first().copied()))
}

/// Every combination of the hyper-parameters' lists (`sweep`), at most `limit` of them.
pub fn option_grid(a: &OptimizerArgs, limit: usize) -> Result<Vec<Options>, CliError> {
    let lists = option_lists(a);
    let count = lists.iter().fold(1usize, |n, (_, v)| n.saturating_mul(v.len().max(1)));
    if count > limit {
        return Err(CliError::input(format!(
            "the hyper-parameter lists make {count} combinations; at most {limit}"
        )));
    }
    Ok((0..count)
        .map(|k| {
            // The k-th combination, the first list varying slowest.
            let mut rest = k;
            let mut index = std::collections::HashMap::new();
            for (name, values) in lists.iter().rev() {
                let n = values.len().max(1);
                index.insert(*name, rest % n);
                rest /= n;
            }
            options_with(a, |name, values| values.get(index[name]).copied())
        })
        .collect())
}

/// A method with its hyper-parameters, checked (an option the method does not take is an error).
pub fn optimizer(method: Method, a: &OptimizerArgs) -> Result<OptimizerSpec, CliError> {
    OptimizerSpec::new(method, &options(a)?).map_err(config)
}

/// Several methods with one set of hyper-parameters: each takes the options it has, and an option none of
/// them has is an error.
pub fn optimizers(methods: &[Method], a: &OptimizerArgs) -> Result<Vec<OptimizerSpec>, CliError> {
    let o = options(a)?;
    refuse_unused(methods, &o)?;
    methods
        .iter()
        .map(|&m| OptimizerSpec::new(m, &o.for_method(m)).map_err(config))
        .collect()
}

/// An option that none of `methods` takes is an error.
pub fn refuse_unused(methods: &[Method], o: &Options) -> Result<(), CliError> {
    match o
        .given()
        .into_iter()
        .find(|n| !methods.iter().any(|m| m.options().contains(n)))
    {
        Some(name) => {
            let names: Vec<&str> = methods.iter().map(|m| m.name()).collect();
            Err(CliError::input(format!(
                "--{} does not apply to {}",
                name.replace('_', "-"),
                names.join(", ")
            )))
        }
        None => Ok(()),
    }
}

/// A method with its hyper-parameters in the command line's words (an error names flags).
pub fn spec(method: Method, o: &Options) -> Result<OptimizerSpec, CliError> {
    OptimizerSpec::new(method, o).map_err(config)
}

/// A learning rate: the given one, else the method's default, checked.
pub fn learning_rate(method: Method, given: Option<f64>) -> Result<f64, CliError> {
    downhill::optim::check_learning_rate(given.unwrap_or(method.default_learning_rate())).map_err(input)
}

/// What the runs share besides method, rate and length: schedule, ascent and tolerance.
#[derive(Clone, Debug)]
pub struct Training {
    /// The schedule.
    pub schedule: Schedule,
    /// Climb instead of descend.
    pub ascent: bool,
    /// Converged at this gradient norm.
    pub gtol: Option<f64>,
    /// Warmup and clipping.
    pub around: TrainingLoop,
}

impl Training {
    /// Checked.
    pub fn new(a: &TrainingArgs) -> Result<Training, CliError> {
        if let Some(g) = a.gtol {
            if !(g.is_finite() && g >= 0.0) {
                return Err(CliError::input(format!(
                    "--gtol must be finite and non-negative (got {})",
                    downhill::run::shown(g)
                )));
            }
        }
        let around = TrainingLoop {
            warmup: a.warmup,
            clip_grad_norm: a.clip_grad_norm,
            noise: a.noise.map(|sigma| Noise {
                sigma,
                seed: a.noise_seed,
                stream: 0,
            }),
        };
        // The warmup is checked against each command's epochs where they are known.
        around.validate(u64::MAX).map_err(input)?;
        Ok(Training {
            schedule: Schedule::parse(&a.schedule).map_err(input)?,
            ascent: a.ascent,
            gtol: a.gtol,
            around,
        })
    }

    /// A run's configuration from a start with these settings.
    pub fn config(&self, start: [f64; 2], learning_rate: f64, epochs: u64) -> RunConfig {
        let mut config = RunConfig::new(start)
            .learning_rate(learning_rate)
            .epochs(epochs)
            .ascent(self.ascent);
        config.schedule = self.schedule;
        config.training = self.around;
        config.gtol = self.gtol;
        config
    }
}

/// A start: the given point, else a uniform one in [-2, 2]² from the seed (a fresh one, printed, when none
/// is given). Returns the start and the seed when it was random.
pub fn start(given: Option<[f64; 2]>, seed: Option<u64>) -> ([f64; 2], Option<u64>) {
    match (given, seed) {
        (Some(p), _) => (p, None),
        (None, Some(s)) => (rng::random_start(s), Some(s)),
        (None, None) => {
            let s = fresh_seed();
            (rng::random_start(s), Some(s))
        }
    }
}

/// A seed for a random start when none is given: from the clock and the process id, kept to 32 bits so it
/// is easy to type back.
fn fresh_seed() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    let mut mixer = rng::SplitMix64::new(nanos ^ (u64::from(std::process::id()) << 32));
    mixer.next_u64() >> 32
}
