//! Optimizers: one module per method, PyTorch's update rules, hyper-parameter names and defaults (where
//! PyTorch has the method), built from validated [`OptimizerSpec`]s.
//!
//! Each method's update is written once, generic over [`Real`]: a single run steps with `f64`, a batch with
//! lane vectors, and both take the same operations in the same order, so a lane takes the single run's steps
//! with the same roundings. The state between updates is a [`State`] of the same type.
//!
//! Every optimizer minimises: ascent is done by the run, which hands the optimizer the negated gradient and
//! Hessian (maximising f is minimising -f).

mod adadelta;
mod adagrad;
mod adam;
mod adamax;
mod lion;
mod nadam;
mod newton;
mod radam;
mod real;
mod rmsprop;
mod rprop;
mod schedule;
mod schedulefree;
pub mod search;
mod sgd;
pub(crate) mod trace;
mod training;

pub use real::Real;
pub use schedule::Schedule;
pub use training::{Noise, TrainingLoop};

use serde::Serialize;

/// What an optimizer sees at one update.
#[derive(Clone, Copy, Debug)]
pub struct Step<T> {
    /// The current position.
    pub position: [T; 2],
    /// The gradient of the objective being minimised at `position`.
    pub gradient: [T; 2],
    /// Its Hessian, when the method needs it ([`OptimizerSpec::needs_hessian`]).
    pub hessian: Option<[[T; 2]; 2]>,
    /// The learning rate for this update (after the schedule; the same for every lane).
    pub learning_rate: f64,
    /// The update's number, from 1 (the same for every lane).
    pub step: u64,
    /// What the updates so far left that is the same for every lane.
    pub shared: Shared,
}

/// Numbers an update needs that are the same for every lane but depend on the updates before it (NAdam's
/// product of momentum factors, Schedule-Free's averaging weights): kept by whoever steps (a run, a block of lanes) and advanced once before each
/// update by [`OptimizerSpec::advance`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Shared {
    /// NAdam: the product of the momentum factors of the updates up to this one.
    pub product: f64,
    /// Schedule-Free: the largest rate so far.
    pub lr_max: f64,
    /// Schedule-Free: the sum of the weights so far.
    pub weight_sum: f64,
    /// Schedule-Free: this update's weight over the sum (how far `y` moves to `z`).
    pub ckp1: f64,
}

impl Default for Shared {
    fn default() -> Shared {
        Shared {
            product: 1.0,
            lr_max: -1.0,
            weight_sum: 0.0,
            ckp1: 0.0,
        }
    }
}

/// An optimizer's state between updates: up to three pairs of values (the momentum buffer; AdaGrad's sum;
/// RMSProp's averages and buffer; Adam's moments and their maximum), made by [`OptimizerSpec::state`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct State<T> {
    /// The pairs; which is which depends on the method.
    pub s: [[T; 2]; 3],
}

/// A bad setting.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ConfigError {
    /// A value outside its range, or settings that do not go together: what and why.
    #[error("{0}")]
    Invalid(String),
    /// A hyper-parameter (by its `Options` field name) that the method does not take.
    #[error("{option} does not apply to {}; its options are: {}", .method.name(), .method.options().join(", "))]
    NotAnOption {
        /// The option given.
        option: &'static str,
        /// The method.
        method: Method,
    },
}

/// The methods, by the names used on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// Plain gradient descent: `p -= lr * g`.
    Gd,
    /// Heavy-ball momentum (PyTorch SGD with `momentum`).
    Momentum,
    /// Nesterov momentum (PyTorch SGD with `nesterov=True`).
    Nesterov,
    /// AdaGrad.
    Adagrad,
    /// RMSProp.
    Rmsprop,
    /// Adam.
    Adam,
    /// Adam with decoupled weight decay.
    Adamw,
    /// Damped Newton with a safe fallback where the Hessian is not positive definite.
    Newton,
    /// Adam with the infinity norm.
    Adamax,
    /// Adam with Nesterov momentum.
    Nadam,
    /// Rectified Adam.
    Radam,
    /// Adadelta.
    Adadelta,
    /// Resilient backpropagation: sign-based steps with per-coordinate step sizes.
    Rprop,
    /// Lion: the sign of an interpolated momentum.
    Lion,
    /// Schedule-Free AdamW.
    SfAdamw,
    /// Schedule-Free SGD.
    SfSgd,
    /// Gradient descent with a backtracking (Armijo) line search.
    GdArmijo,
    /// BFGS with a strong Wolfe line search.
    Bfgs,
    /// Nonlinear conjugate gradient, Fletcher-Reeves, with a strong Wolfe line search.
    CgFr,
    /// Nonlinear conjugate gradient, Polak-Ribiere+, with a strong Wolfe line search.
    CgPr,
    /// L-BFGS as PyTorch's.
    Lbfgs,
}

impl Method {
    /// Every method with its name.
    pub const ALL: [(Method, &'static str); 21] = [
        (Method::Gd, "gd"),
        (Method::Momentum, "momentum"),
        (Method::Nesterov, "nesterov"),
        (Method::Adagrad, "adagrad"),
        (Method::Rmsprop, "rmsprop"),
        (Method::Adam, "adam"),
        (Method::Adamw, "adamw"),
        (Method::Newton, "newton"),
        (Method::Adamax, "adamax"),
        (Method::Nadam, "nadam"),
        (Method::Radam, "radam"),
        (Method::Adadelta, "adadelta"),
        (Method::Rprop, "rprop"),
        (Method::Lion, "lion"),
        (Method::SfAdamw, "sf-adamw"),
        (Method::SfSgd, "sf-sgd"),
        (Method::GdArmijo, "gd-armijo"),
        (Method::Bfgs, "bfgs"),
        (Method::CgFr, "cg-fr"),
        (Method::CgPr, "cg-pr"),
        (Method::Lbfgs, "lbfgs"),
    ];

    /// The method of that name (`sgd` is accepted for `gd`).
    pub fn from_name(name: &str) -> Option<Method> {
        let name = name.trim().to_ascii_lowercase();
        if name == "sgd" {
            return Some(Method::Gd);
        }
        Method::ALL.iter().find(|(_, n)| *n == name).map(|(m, _)| *m)
    }

    /// The name.
    pub fn name(self) -> &'static str {
        Method::ALL
            .iter()
            .find(|(m, _)| *m == self)
            .map(|(_, n)| *n)
            .unwrap_or("?")
    }

    /// The name in prose ("gradient descent", "Nesterov momentum", "AdaGrad").
    pub fn title(self) -> &'static str {
        match self {
            Method::Gd => "gradient descent",
            Method::Momentum => "momentum",
            Method::Nesterov => "Nesterov momentum",
            Method::Adagrad => "AdaGrad",
            Method::Rmsprop => "RMSProp",
            Method::Adam => "Adam",
            Method::Adamw => "AdamW",
            Method::Newton => "Newton",
            Method::Adamax => "Adamax",
            Method::Nadam => "NAdam",
            Method::Radam => "RAdam",
            Method::Adadelta => "Adadelta",
            Method::Rprop => "Rprop",
            Method::Lion => "Lion",
            Method::SfAdamw => "Schedule-Free AdamW",
            Method::SfSgd => "Schedule-Free SGD",
            Method::GdArmijo => "gradient descent with backtracking",
            Method::Bfgs => "BFGS",
            Method::CgFr => "conjugate gradient (Fletcher-Reeves)",
            Method::CgPr => "conjugate gradient (Polak-Ribiere+)",
            Method::Lbfgs => "L-BFGS",
        }
    }

    /// The hyper-parameters the method takes, by their `Options` field names.
    pub fn options(self) -> &'static [&'static str] {
        match self {
            Method::Gd => &["weight_decay"],
            Method::Momentum | Method::Nesterov => &["momentum", "dampening", "weight_decay"],
            Method::Adagrad => &["lr_decay", "initial_accumulator_value", "eps", "weight_decay"],
            Method::Rmsprop => &["alpha", "eps", "momentum", "centered", "weight_decay"],
            Method::Adam | Method::Adamw => &["beta1", "beta2", "eps", "weight_decay", "amsgrad"],
            Method::Newton => &["max_step"],
            Method::Adamax | Method::Radam => &["beta1", "beta2", "eps", "weight_decay"],
            Method::Nadam => &["beta1", "beta2", "eps", "weight_decay", "momentum_decay"],
            Method::Adadelta => &["rho", "eps", "weight_decay"],
            Method::Rprop => &["etas", "step_sizes"],
            Method::Lion => &["beta1", "beta2", "weight_decay"],
            Method::SfAdamw => &["beta1", "beta2", "eps", "weight_decay", "r", "weight_lr_power"],
            Method::SfSgd => &["momentum", "weight_decay", "r", "weight_lr_power"],
            Method::GdArmijo => &["c1", "rho"],
            Method::Bfgs | Method::CgFr | Method::CgPr => &["c1", "c2"],
            Method::Lbfgs => &[
                "history_size",
                "max_iter",
                "max_eval",
                "line_search",
                "tolerance_grad",
                "tolerance_change",
            ],
        }
    }

    /// The default learning rate: 0.01 as in the seed notebooks; 1 for Newton (a full step), Adadelta
    /// (whose rate is a factor on a step that has the units of the position, PyTorch's default) and the
    /// line-search methods (whose rate is the first step they try; PyTorch's default for L-BFGS).
    pub fn default_learning_rate(self) -> f64 {
        match self {
            Method::Newton | Method::Adadelta => 1.0,
            m if m.is_line_search() => 1.0,
            _ => 0.01,
        }
    }

    /// Whether the method chooses its step by evaluating f along a direction ([`search`]): it then runs one
    /// start at a time, in `f64`, and takes exact gradients (no noise, no clipping).
    pub fn is_line_search(self) -> bool {
        matches!(
            self,
            Method::GdArmijo | Method::Bfgs | Method::CgFr | Method::CgPr | Method::Lbfgs
        )
    }
}

/// Hyper-parameters as given by a user: unset ones take the method's defaults, and setting one the method does
/// not have is an error.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Options {
    /// Momentum factor (momentum, nesterov: default 0.9; rmsprop: default 0).
    pub momentum: Option<f64>,
    /// Dampening for momentum (default 0).
    pub dampening: Option<f64>,
    /// L2 penalty (default 0; adamw: decoupled, default 0.01).
    pub weight_decay: Option<f64>,
    /// Smoothing constant of RMSProp (default 0.99).
    pub alpha: Option<f64>,
    /// Adam's first-moment decay (default 0.9).
    pub beta1: Option<f64>,
    /// Adam's second-moment decay (default 0.999).
    pub beta2: Option<f64>,
    /// Term added to denominators (adagrad 1e-10, rmsprop and adam 1e-8).
    pub eps: Option<f64>,
    /// AdaGrad's learning-rate decay (default 0).
    pub lr_decay: Option<f64>,
    /// AdaGrad's initial accumulator (default 0).
    pub initial_accumulator_value: Option<f64>,
    /// Centered RMSProp.
    pub centered: bool,
    /// AMSGrad variant of Adam/AdamW.
    pub amsgrad: bool,
    /// Newton's largest fallback step (default 1): a trust radius for steps where the Hessian is not positive
    /// definite.
    pub max_step: Option<f64>,
    /// NAdam's momentum decay (default 0.004).
    pub momentum_decay: Option<f64>,
    /// Adadelta's averaging constant (default 0.9).
    pub rho: Option<f64>,
    /// Rprop's decrease and increase factors (default 0.5, 1.2).
    pub etas: Option<[f64; 2]>,
    /// Rprop's smallest and largest step sizes (default 1e-6, 50).
    pub step_sizes: Option<[f64; 2]>,
    /// Schedule-Free's power of the update number in the averaging weights (default 0).
    pub r: Option<f64>,
    /// Schedule-Free's power of the largest rate in the averaging weights (default 2).
    pub weight_lr_power: Option<f64>,
    /// The sufficient-decrease constant of a line search (default 1e-4).
    pub c1: Option<f64>,
    /// The curvature constant of a strong Wolfe line search (bfgs 0.9, cg 0.1).
    pub c2: Option<f64>,
    /// L-BFGS's number of pairs kept (default 100).
    pub history_size: Option<u32>,
    /// L-BFGS's inner iterations per update (default 20).
    pub max_iter: Option<u32>,
    /// L-BFGS's evaluations per update after which no inner iteration starts (default max_iter * 5 / 4).
    pub max_eval: Option<u32>,
    /// L-BFGS with the strong Wolfe line search (PyTorch's `line_search_fn="strong_wolfe"`).
    pub strong_wolfe: bool,
    /// L-BFGS's tolerance on the largest gradient component (default 1e-7).
    pub tolerance_grad: Option<f64>,
    /// L-BFGS's tolerance on changes of f, of the position and on the directional derivative (default 1e-9).
    pub tolerance_change: Option<f64>,
}

/// A method with every hyper-parameter resolved and validated.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(tag = "name", rename_all = "lowercase")]
pub enum OptimizerSpec {
    /// Plain gradient descent.
    Gd {
        /// L2 penalty.
        weight_decay: f64,
    },
    /// Heavy-ball momentum or Nesterov momentum (PyTorch SGD).
    Momentum {
        /// Momentum factor.
        momentum: f64,
        /// Dampening.
        dampening: f64,
        /// L2 penalty.
        weight_decay: f64,
        /// Nesterov's variant.
        nesterov: bool,
    },
    /// AdaGrad.
    Adagrad {
        /// Learning-rate decay.
        lr_decay: f64,
        /// Initial accumulator.
        initial_accumulator_value: f64,
        /// Denominator term.
        eps: f64,
        /// L2 penalty.
        weight_decay: f64,
    },
    /// RMSProp.
    Rmsprop {
        /// Smoothing constant.
        alpha: f64,
        /// Denominator term.
        eps: f64,
        /// Momentum factor.
        momentum: f64,
        /// Centered variant.
        centered: bool,
        /// L2 penalty.
        weight_decay: f64,
    },
    /// Adam or AdamW.
    Adam {
        /// Decay rates of the moment estimates.
        betas: [f64; 2],
        /// Denominator term.
        eps: f64,
        /// Weight decay: L2 for Adam, decoupled for AdamW.
        weight_decay: f64,
        /// Decoupled weight decay (AdamW).
        decoupled: bool,
        /// AMSGrad.
        amsgrad: bool,
    },
    /// Damped Newton.
    Newton {
        /// Largest step length.
        max_step: f64,
    },
    /// Adamax.
    Adamax {
        /// Decay rates of the first moment and the infinity norm.
        betas: [f64; 2],
        /// Denominator term.
        eps: f64,
        /// L2 penalty.
        weight_decay: f64,
    },
    /// NAdam.
    Nadam {
        /// Decay rates of the moment estimates.
        betas: [f64; 2],
        /// Denominator term.
        eps: f64,
        /// L2 penalty.
        weight_decay: f64,
        /// Momentum decay of Dozat's schedule.
        momentum_decay: f64,
    },
    /// RAdam.
    Radam {
        /// Decay rates of the moment estimates.
        betas: [f64; 2],
        /// Denominator term.
        eps: f64,
        /// L2 penalty.
        weight_decay: f64,
    },
    /// Adadelta.
    Adadelta {
        /// Averaging constant.
        rho: f64,
        /// Term added inside the square roots.
        eps: f64,
        /// L2 penalty.
        weight_decay: f64,
    },
    /// Rprop.
    Rprop {
        /// Decrease and increase factors.
        etas: [f64; 2],
        /// Smallest and largest step sizes.
        step_sizes: [f64; 2],
    },
    /// Lion.
    Lion {
        /// Interpolation factor of the update and decay rate of the momentum.
        betas: [f64; 2],
        /// Decoupled weight decay.
        weight_decay: f64,
    },
    /// Gradient descent with a backtracking line search.
    #[serde(rename = "gd-armijo")]
    GdArmijo {
        /// The sufficient decrease.
        c1: f64,
        /// The factor each rejected step is multiplied by.
        rho: f64,
    },
    /// BFGS.
    Bfgs {
        /// The sufficient decrease.
        c1: f64,
        /// The curvature condition.
        c2: f64,
    },
    /// Nonlinear conjugate gradient.
    Cg {
        /// Polak-Ribiere+ (else Fletcher-Reeves).
        polak_ribiere: bool,
        /// The sufficient decrease.
        c1: f64,
        /// The curvature condition.
        c2: f64,
    },
    /// L-BFGS.
    Lbfgs {
        /// Pairs kept.
        history_size: usize,
        /// Inner iterations per update.
        max_iter: u32,
        /// Evaluations per update after which no further inner iteration starts (PyTorch: max_iter * 5 / 4).
        max_eval: u32,
        /// The strong Wolfe line search (else a fixed step).
        strong_wolfe: bool,
        /// Tolerance on the largest gradient component.
        tolerance_grad: f64,
        /// Tolerance on changes and on the directional derivative.
        tolerance_change: f64,
    },
    /// Schedule-Free AdamW or SGD.
    ScheduleFree {
        /// AdamW (the gradient normalised by its second moment), else SGD.
        adam: bool,
        /// The interpolation `b1` (SGD's momentum) and the decay of the second moment (unused by SGD).
        betas: [f64; 2],
        /// Denominator term (AdamW).
        eps: f64,
        /// Weight decay, added to the (normalised) gradient at `y`.
        weight_decay: f64,
        /// Power of the update number in the averaging weights.
        r: f64,
        /// Power of the largest rate in the averaging weights.
        weight_lr_power: f64,
    },
}

fn check(name: &str, v: f64, ok: bool, rule: &str) -> Result<f64, ConfigError> {
    if v.is_finite() && ok {
        Ok(v)
    } else {
        Err(ConfigError::Invalid(format!(
            "{name} must be {rule} (got {})",
            crate::run::shown(v)
        )))
    }
}

fn unit(name: &str, v: Option<f64>, default: f64) -> Result<f64, ConfigError> {
    let v = v.unwrap_or(default);
    check(name, v, (0.0..1.0).contains(&v), "in [0, 1)")
}

fn open_unit(name: &str, v: Option<f64>, default: f64) -> Result<f64, ConfigError> {
    let v = v.unwrap_or(default);
    check(name, v, 0.0 < v && v < 1.0, "in (0, 1)")
}

/// L-BFGS's largest history (PyTorch's default is 100).
pub const MAX_HISTORY: u32 = 10_000;
/// L-BFGS's most inner iterations per update (PyTorch's default is 20).
pub const MAX_INNER_ITERATIONS: u32 = 10_000;

fn non_negative(name: &str, v: Option<f64>, default: f64) -> Result<f64, ConfigError> {
    let v = v.unwrap_or(default);
    check(name, v, v >= 0.0, "finite and non-negative")
}

fn positive(name: &str, v: Option<f64>, default: f64) -> Result<f64, ConfigError> {
    let v = v.unwrap_or(default);
    check(name, v, v > 0.0, "finite and positive")
}

/// Checks a learning rate: finite and positive.
pub fn check_learning_rate(lr: f64) -> Result<f64, ConfigError> {
    check("the learning rate", lr, lr > 0.0, "finite and positive")
}

impl Options {
    /// The names of the options that are set.
    pub fn given(&self) -> Vec<&'static str> {
        let set = [
            ("momentum", self.momentum.is_some()),
            ("dampening", self.dampening.is_some()),
            ("weight_decay", self.weight_decay.is_some()),
            ("alpha", self.alpha.is_some()),
            ("beta1", self.beta1.is_some()),
            ("beta2", self.beta2.is_some()),
            ("eps", self.eps.is_some()),
            ("lr_decay", self.lr_decay.is_some()),
            ("initial_accumulator_value", self.initial_accumulator_value.is_some()),
            ("centered", self.centered),
            ("amsgrad", self.amsgrad),
            ("max_step", self.max_step.is_some()),
            ("momentum_decay", self.momentum_decay.is_some()),
            ("rho", self.rho.is_some()),
            ("etas", self.etas.is_some()),
            ("step_sizes", self.step_sizes.is_some()),
            ("r", self.r.is_some()),
            ("weight_lr_power", self.weight_lr_power.is_some()),
            ("c1", self.c1.is_some()),
            ("c2", self.c2.is_some()),
            ("history_size", self.history_size.is_some()),
            ("max_iter", self.max_iter.is_some()),
            ("max_eval", self.max_eval.is_some()),
            ("line_search", self.strong_wolfe),
            ("tolerance_grad", self.tolerance_grad.is_some()),
            ("tolerance_change", self.tolerance_change.is_some()),
        ];
        set.iter().filter(|(_, on)| *on).map(|(n, _)| *n).collect()
    }

    /// These options without the ones `method` does not take (for comparing methods with one set of options).
    pub fn for_method(&self, method: Method) -> Options {
        let keep = method.options();
        let has = |name: &str| keep.contains(&name);
        Options {
            momentum: self.momentum.filter(|_| has("momentum")),
            dampening: self.dampening.filter(|_| has("dampening")),
            weight_decay: self.weight_decay.filter(|_| has("weight_decay")),
            alpha: self.alpha.filter(|_| has("alpha")),
            beta1: self.beta1.filter(|_| has("beta1")),
            beta2: self.beta2.filter(|_| has("beta2")),
            eps: self.eps.filter(|_| has("eps")),
            lr_decay: self.lr_decay.filter(|_| has("lr_decay")),
            initial_accumulator_value: self
                .initial_accumulator_value
                .filter(|_| has("initial_accumulator_value")),
            centered: self.centered && has("centered"),
            amsgrad: self.amsgrad && has("amsgrad"),
            max_step: self.max_step.filter(|_| has("max_step")),
            momentum_decay: self.momentum_decay.filter(|_| has("momentum_decay")),
            rho: self.rho.filter(|_| has("rho")),
            etas: self.etas.filter(|_| has("etas")),
            step_sizes: self.step_sizes.filter(|_| has("step_sizes")),
            r: self.r.filter(|_| has("r")),
            weight_lr_power: self.weight_lr_power.filter(|_| has("weight_lr_power")),
            c1: self.c1.filter(|_| has("c1")),
            c2: self.c2.filter(|_| has("c2")),
            history_size: self.history_size.filter(|_| has("history_size")),
            max_iter: self.max_iter.filter(|_| has("max_iter")),
            max_eval: self.max_eval.filter(|_| has("max_eval")),
            strong_wolfe: self.strong_wolfe && has("line_search"),
            tolerance_grad: self.tolerance_grad.filter(|_| has("tolerance_grad")),
            tolerance_change: self.tolerance_change.filter(|_| has("tolerance_change")),
        }
    }
}

impl OptimizerSpec {
    /// Plain gradient descent with no weight decay: the seed notebooks' method.
    pub fn gd() -> OptimizerSpec {
        OptimizerSpec::Gd { weight_decay: 0.0 }
    }

    /// Resolves the options for a method: defaults filled in, values checked, options the method does not
    /// have refused.
    pub fn new(method: Method, o: &Options) -> Result<OptimizerSpec, ConfigError> {
        let allowed = method.options();
        if let Some(option) = o.given().into_iter().find(|n| !allowed.contains(n)) {
            return Err(ConfigError::NotAnOption { option, method });
        }
        let wd = |default| non_negative("weight decay", o.weight_decay, default);
        let betas = |beta2| -> Result<[f64; 2], ConfigError> {
            Ok([unit("beta1", o.beta1, 0.9)?, unit("beta2", o.beta2, beta2)?])
        };
        Ok(match method {
            Method::Gd => OptimizerSpec::Gd { weight_decay: wd(0.0)? },
            Method::Momentum | Method::Nesterov => {
                let momentum = unit("momentum", o.momentum, 0.9)?;
                let dampening = unit("dampening", o.dampening, 0.0)?;
                let nesterov = method == Method::Nesterov;
                if nesterov && (momentum == 0.0 || dampening != 0.0) {
                    return Err(ConfigError::Invalid(
                        "Nesterov momentum needs a momentum above 0 and zero dampening".into(),
                    ));
                }
                OptimizerSpec::Momentum {
                    momentum,
                    dampening,
                    weight_decay: wd(0.0)?,
                    nesterov,
                }
            }
            Method::Adagrad => OptimizerSpec::Adagrad {
                lr_decay: non_negative("lr decay", o.lr_decay, 0.0)?,
                initial_accumulator_value: non_negative(
                    "the initial accumulator value",
                    o.initial_accumulator_value,
                    0.0,
                )?,
                eps: positive("eps", o.eps, 1e-10)?,
                weight_decay: wd(0.0)?,
            },
            Method::Rmsprop => OptimizerSpec::Rmsprop {
                alpha: unit("alpha", o.alpha, 0.99)?,
                eps: positive("eps", o.eps, 1e-8)?,
                momentum: unit("momentum", o.momentum, 0.0)?,
                centered: o.centered,
                weight_decay: wd(0.0)?,
            },
            Method::Adam | Method::Adamw => {
                let decoupled = method == Method::Adamw;
                OptimizerSpec::Adam {
                    betas: [unit("beta1", o.beta1, 0.9)?, unit("beta2", o.beta2, 0.999)?],
                    eps: positive("eps", o.eps, 1e-8)?,
                    weight_decay: wd(if decoupled { 0.01 } else { 0.0 })?,
                    decoupled,
                    amsgrad: o.amsgrad,
                }
            }
            Method::Newton => OptimizerSpec::Newton {
                max_step: positive("max step", o.max_step, 1.0)?,
            },
            Method::Adamax => OptimizerSpec::Adamax {
                betas: betas(0.999)?,
                eps: positive("eps", o.eps, 1e-8)?,
                weight_decay: wd(0.0)?,
            },
            Method::Nadam => OptimizerSpec::Nadam {
                betas: betas(0.999)?,
                eps: positive("eps", o.eps, 1e-8)?,
                weight_decay: wd(0.0)?,
                momentum_decay: non_negative("momentum decay", o.momentum_decay, 0.004)?,
            },
            Method::Radam => OptimizerSpec::Radam {
                betas: betas(0.999)?,
                eps: positive("eps", o.eps, 1e-8)?,
                weight_decay: wd(0.0)?,
            },
            Method::Adadelta => {
                let rho = o.rho.unwrap_or(0.9);
                OptimizerSpec::Adadelta {
                    rho: check("rho", rho, (0.0..=1.0).contains(&rho), "in [0, 1]")?,
                    eps: positive("eps", o.eps, 1e-6)?,
                    weight_decay: wd(0.0)?,
                }
            }
            Method::Rprop => {
                let [minus, plus] = o.etas.unwrap_or([0.5, 1.2]);
                let [lo, hi] = o.step_sizes.unwrap_or([1e-6, 50.0]);
                if !(0.0 < minus && minus < 1.0 && 1.0 < plus && plus.is_finite()) {
                    return Err(ConfigError::Invalid(format!(
                        "etas must be a decrease factor in (0, 1) and an increase factor above 1, finite (got {}, {})",
                        crate::run::shown(minus),
                        crate::run::shown(plus)
                    )));
                }
                if !(0.0 <= lo && lo <= hi && hi.is_finite()) {
                    return Err(ConfigError::Invalid(format!(
                        "step sizes must be a smallest and a largest, 0 <= smallest <= largest, finite (got {}, {})",
                        crate::run::shown(lo),
                        crate::run::shown(hi)
                    )));
                }
                OptimizerSpec::Rprop {
                    etas: [minus, plus],
                    step_sizes: [lo, hi],
                }
            }
            Method::Lion => OptimizerSpec::Lion {
                betas: betas(0.99)?,
                weight_decay: wd(0.0)?,
            },
            Method::SfAdamw | Method::SfSgd => {
                let adam = method == Method::SfAdamw;
                let betas = if adam {
                    betas(0.999)?
                } else {
                    let m = o.momentum.unwrap_or(0.9);
                    [check("momentum", m, 0.0 < m && m < 1.0, "in (0, 1)")?, 0.0]
                };
                if betas[0] == 0.0 {
                    return Err(ConfigError::Invalid(
                        "beta1 must be above 0 for Schedule-Free (the averaged point divides by it)".into(),
                    ));
                }
                OptimizerSpec::ScheduleFree {
                    adam,
                    betas,
                    eps: positive("eps", o.eps, 1e-8)?,
                    weight_decay: wd(0.0)?,
                    r: non_negative("r", o.r, 0.0)?,
                    weight_lr_power: non_negative("weight_lr_power", o.weight_lr_power, 2.0)?,
                }
            }
            Method::GdArmijo => {
                let rho = o.rho.unwrap_or(0.5);
                OptimizerSpec::GdArmijo {
                    c1: open_unit("c1", o.c1, 1e-4)?,
                    rho: check("rho", rho, 0.0 < rho && rho < 1.0, "in (0, 1)")?,
                }
            }
            Method::Bfgs | Method::CgFr | Method::CgPr => {
                let c1 = open_unit("c1", o.c1, 1e-4)?;
                let c2 = open_unit("c2", o.c2, if method == Method::Bfgs { 0.9 } else { 0.1 })?;
                if c1 >= c2 {
                    return Err(ConfigError::Invalid(format!(
                        "c1 must be below c2 for a Wolfe line search (got c1 {}, c2 {})",
                        crate::run::shown(c1),
                        crate::run::shown(c2)
                    )));
                }
                match method {
                    Method::Bfgs => OptimizerSpec::Bfgs { c1, c2 },
                    _ => OptimizerSpec::Cg {
                        polak_ribiere: method == Method::CgPr,
                        c1,
                        c2,
                    },
                }
            }
            Method::Lbfgs => {
                let history_size = o.history_size.unwrap_or(100);
                let max_iter = o.max_iter.unwrap_or(20);
                if !(1..=MAX_HISTORY).contains(&history_size) {
                    return Err(ConfigError::Invalid(format!(
                        "history size must be from 1 to {MAX_HISTORY} (got {history_size})"
                    )));
                }
                if !(1..=MAX_INNER_ITERATIONS).contains(&max_iter) {
                    return Err(ConfigError::Invalid(format!(
                        "max iter must be from 1 to {MAX_INNER_ITERATIONS} (got {max_iter})"
                    )));
                }
                let max_eval = o.max_eval.unwrap_or(max_iter * 5 / 4);
                if !(1..=MAX_INNER_ITERATIONS * 2).contains(&max_eval) {
                    return Err(ConfigError::Invalid(format!(
                        "max eval must be from 1 to {} (got {max_eval})",
                        MAX_INNER_ITERATIONS * 2
                    )));
                }
                OptimizerSpec::Lbfgs {
                    history_size: history_size as usize,
                    max_iter,
                    max_eval,
                    strong_wolfe: o.strong_wolfe,
                    tolerance_grad: non_negative("tolerance grad", o.tolerance_grad, search::TOLERANCE_GRAD)?,
                    tolerance_change: non_negative("tolerance change", o.tolerance_change, search::TOLERANCE_CHANGE)?,
                }
            }
        })
    }

    /// The method this spec runs.
    pub fn method(&self) -> Method {
        match *self {
            OptimizerSpec::Gd { .. } => Method::Gd,
            OptimizerSpec::Momentum { nesterov: true, .. } => Method::Nesterov,
            OptimizerSpec::Momentum { .. } => Method::Momentum,
            OptimizerSpec::Adagrad { .. } => Method::Adagrad,
            OptimizerSpec::Rmsprop { .. } => Method::Rmsprop,
            OptimizerSpec::Adam { decoupled: true, .. } => Method::Adamw,
            OptimizerSpec::Adam { .. } => Method::Adam,
            OptimizerSpec::Newton { .. } => Method::Newton,
            OptimizerSpec::Adamax { .. } => Method::Adamax,
            OptimizerSpec::Nadam { .. } => Method::Nadam,
            OptimizerSpec::Radam { .. } => Method::Radam,
            OptimizerSpec::Adadelta { .. } => Method::Adadelta,
            OptimizerSpec::Rprop { .. } => Method::Rprop,
            OptimizerSpec::Lion { .. } => Method::Lion,
            OptimizerSpec::ScheduleFree { adam: true, .. } => Method::SfAdamw,
            OptimizerSpec::ScheduleFree { .. } => Method::SfSgd,
            OptimizerSpec::GdArmijo { .. } => Method::GdArmijo,
            OptimizerSpec::Bfgs { .. } => Method::Bfgs,
            OptimizerSpec::Cg {
                polak_ribiere: true, ..
            } => Method::CgPr,
            OptimizerSpec::Cg { .. } => Method::CgFr,
            OptimizerSpec::Lbfgs { .. } => Method::Lbfgs,
        }
    }

    /// Whether the method chooses its step by evaluating f along a direction ([`Method::is_line_search`]).
    pub fn is_line_search(&self) -> bool {
        self.method().is_line_search()
    }

    /// The most evaluations of f and its gradient one update can take (1 for a method without a line search):
    /// what bounds a run's work.
    pub fn evaluations_per_update(&self) -> u64 {
        match *self {
            OptimizerSpec::GdArmijo { .. } => u64::from(search::MAX_BACKTRACKS),
            OptimizerSpec::Bfgs { .. } | OptimizerSpec::Cg { .. } => u64::from(search::MAX_LINE_SEARCH),
            OptimizerSpec::Lbfgs { max_eval, max_iter, .. } => {
                u64::from(max_eval.max(max_iter)) + u64::from(search::MAX_LINE_SEARCH)
            }
            _ => 1,
        }
    }

    /// Refuses the training-loop options a method cannot take: a line search needs the exact gradient of
    /// the f it evaluates, so no noise and no clipping.
    pub fn check_training(&self, training: &TrainingLoop) -> Result<(), ConfigError> {
        if self.is_line_search() && !training.leaves_gradient() {
            return Err(ConfigError::Invalid(format!(
                "{} takes the exact gradient of the f its line search evaluates: gradient noise and clipping do not \
                 apply to it",
                self.method().name()
            )));
        }
        Ok(())
    }

    /// Whether the method steps with the Hessian (Newton).
    pub fn needs_hessian(&self) -> bool {
        matches!(self, OptimizerSpec::Newton { .. })
    }

    /// The state before the first update: zeros (AdaGrad's sum at its initial accumulator value).
    pub fn state<T: Real>(&self) -> State<T> {
        let start = match *self {
            OptimizerSpec::Adagrad {
                initial_accumulator_value,
                ..
            } => initial_accumulator_value,
            _ => 0.0,
        };
        let zero = T::splat(0.0);
        State {
            s: [[T::splat(start); 2], [zero; 2], [zero; 2]],
        }
    }

    /// Advances what is shared by every lane to update `step` (from 1) at rate `learning_rate`: called once
    /// before each update, with the same values a lane's update then sees.
    pub fn advance(&self, shared: &mut Shared, step: u64, learning_rate: f64) {
        match *self {
            OptimizerSpec::Nadam {
                betas, momentum_decay, ..
            } => shared.product *= nadam::mu(betas[0], momentum_decay, step),
            OptimizerSpec::ScheduleFree { r, weight_lr_power, .. } => {
                schedulefree::advance(shared, r, weight_lr_power, step, learning_rate)
            }
            _ => {}
        }
    }

    /// The point a method reports besides the one whose gradient it takes, from its state and that position:
    /// Schedule-Free's averaged `x` (what its `eval()` hands back). `None` for every other method.
    pub fn averaged<T: Real>(&self, state: &State<T>, position: [T; 2]) -> Option<[T; 2]> {
        match *self {
            OptimizerSpec::ScheduleFree { betas, .. } => Some(schedulefree::averaged(betas[0], state, position)),
            _ => None,
        }
    }

    /// The position after one update, for a number or for lanes.
    #[inline(always)]
    pub fn step<T: Real>(&self, state: &mut State<T>, input: &Step<T>) -> [T; 2] {
        struct One<'a, T> {
            state: &'a mut State<T>,
            input: &'a Step<T>,
        }
        impl<T: Real> WithUpdate<T> for One<'_, T> {
            type Output = [T; 2];
            #[inline(always)]
            fn with<U: Update>(self, update: U) -> [T; 2] {
                update.step(self.state, self.input)
            }
        }
        self.dispatch(One { state, input })
    }

    /// Hands `user` this method's update as a value of its own type ([`Update`]), its hyper-parameters inside:
    /// a loop over many lanes written inside [`WithUpdate::with`] is compiled once per method, with no choice of
    /// method left inside it. [`OptimizerSpec::step`] is the same update, once.
    #[inline(always)]
    pub fn dispatch<T: Real, W: WithUpdate<T>>(&self, user: W) -> W::Output {
        match *self {
            OptimizerSpec::Gd { weight_decay: 0.0 } => user.with(Sgd {
                momentum: 0.0,
                dampening: 0.0,
                weight_decay: 0.0,
                nesterov: false,
            }),
            OptimizerSpec::Gd { weight_decay } => user.with(Sgd {
                momentum: 0.0,
                dampening: 0.0,
                weight_decay,
                nesterov: false,
            }),
            OptimizerSpec::Momentum {
                momentum,
                dampening,
                weight_decay,
                nesterov,
            } => user.with(Sgd {
                momentum,
                dampening,
                weight_decay,
                nesterov,
            }),
            OptimizerSpec::Adagrad {
                lr_decay,
                eps,
                weight_decay,
                ..
            } => user.with(Adagrad {
                lr_decay,
                eps,
                weight_decay,
            }),
            OptimizerSpec::Rmsprop {
                alpha,
                eps,
                momentum,
                centered,
                weight_decay,
            } => user.with(Rmsprop {
                alpha,
                eps,
                momentum,
                centered,
                weight_decay,
            }),
            OptimizerSpec::Adam {
                betas,
                eps,
                weight_decay,
                decoupled,
                amsgrad,
            } => user.with(Adam {
                betas,
                eps,
                weight_decay,
                decoupled,
                amsgrad,
            }),
            OptimizerSpec::Newton { max_step } => user.with(Newton { max_step }),
            OptimizerSpec::Adamax {
                betas,
                eps,
                weight_decay,
            } => user.with(Adamax {
                betas,
                eps,
                weight_decay,
            }),
            OptimizerSpec::Nadam {
                betas,
                eps,
                weight_decay,
                momentum_decay,
            } => user.with(Nadam {
                betas,
                eps,
                weight_decay,
                momentum_decay,
            }),
            OptimizerSpec::Radam {
                betas,
                eps,
                weight_decay,
            } => user.with(Radam {
                betas,
                eps,
                weight_decay,
            }),
            OptimizerSpec::Adadelta { rho, eps, weight_decay } => user.with(Adadelta { rho, eps, weight_decay }),
            OptimizerSpec::Rprop { etas, step_sizes } => user.with(Rprop { etas, step_sizes }),
            OptimizerSpec::Lion { betas, weight_decay } => user.with(Lion { betas, weight_decay }),
            OptimizerSpec::ScheduleFree {
                adam,
                betas,
                eps,
                weight_decay,
                ..
            } => user.with(ScheduleFree {
                adam,
                betas,
                eps,
                weight_decay,
            }),
            // Line searches step through `search::step` (run and run_batch send them there); were one to come
            // here it would stay where it is.
            OptimizerSpec::GdArmijo { .. }
            | OptimizerSpec::Bfgs { .. }
            | OptimizerSpec::Cg { .. }
            | OptimizerSpec::Lbfgs { .. } => user.with(Stay {}),
        }
    }
}

/// One method's update with its hyper-parameters: the position after one update, for a number or for lanes.
/// (A trait method rather than a closure, so that it is always inlined into the loop that calls it, and with
/// it the loop's instruction set: a closure left as a call runs its lane operations without AVX.)
pub trait Update: Copy {
    /// One update.
    fn step<T: Real>(&self, state: &mut State<T>, input: &Step<T>) -> [T; 2];
}

/// Something done with a method's update (see [`OptimizerSpec::dispatch`]).
pub trait WithUpdate<T: Real> {
    /// What it gives back.
    type Output;
    /// Does it with `update`.
    fn with<U: Update>(self, update: U) -> Self::Output;
}

macro_rules! update {
    ($name:ident { $($field:ident: $ty:ty),* } => |$state:ident, $input:ident| $body:expr) => {
        #[derive(Clone, Copy)]
        struct $name {
            $($field: $ty),*
        }
        impl Update for $name {
            #[inline(always)]
            fn step<T: Real>(&self, $state: &mut State<T>, $input: &Step<T>) -> [T; 2] {
                let $name { $($field),* } = *self;
                $body
            }
        }
    };
}

update!(Sgd { momentum: f64, dampening: f64, weight_decay: f64, nesterov: bool }
    => |state, input| sgd::step(momentum, dampening, weight_decay, nesterov, state, input));
update!(Adagrad { lr_decay: f64, eps: f64, weight_decay: f64 }
    => |state, input| adagrad::step(lr_decay, eps, weight_decay, state, input));
update!(Rmsprop { alpha: f64, eps: f64, momentum: f64, centered: bool, weight_decay: f64 }
    => |state, input| rmsprop::step(alpha, eps, momentum, centered, weight_decay, state, input));
update!(Adam { betas: [f64; 2], eps: f64, weight_decay: f64, decoupled: bool, amsgrad: bool }
    => |state, input| adam::step(betas, eps, weight_decay, decoupled, amsgrad, state, input));
update!(Newton { max_step: f64 } => |_state, input| newton::step(max_step, input));
update!(Adamax { betas: [f64; 2], eps: f64, weight_decay: f64 }
    => |state, input| adamax::step(betas, eps, weight_decay, state, input));
update!(Nadam { betas: [f64; 2], eps: f64, weight_decay: f64, momentum_decay: f64 }
    => |state, input| nadam::step(betas, eps, weight_decay, momentum_decay, state, input));
update!(Radam { betas: [f64; 2], eps: f64, weight_decay: f64 }
    => |state, input| radam::step(betas, eps, weight_decay, state, input));
update!(Adadelta { rho: f64, eps: f64, weight_decay: f64 }
    => |state, input| adadelta::step(rho, eps, weight_decay, state, input));
update!(Rprop { etas: [f64; 2], step_sizes: [f64; 2] } => |state, input| rprop::step(etas, step_sizes, state, input));
update!(Lion { betas: [f64; 2], weight_decay: f64 } => |state, input| lion::step(betas, weight_decay, state, input));
update!(Stay {} => |_state, input| input.position);
update!(ScheduleFree { adam: bool, betas: [f64; 2], eps: f64, weight_decay: f64 }
    => |state, input| schedulefree::step(adam, betas, eps, weight_decay, state, input));

/// The sign of each value: -1, 0 or 1 (0 for NaN).
#[inline(always)]
fn sign<T: Real>(v: T) -> T {
    let (zero, one) = (T::splat(0.0), T::splat(1.0));
    T::select(v.gt(zero), one, T::select(zero.gt(v), -one, zero))
}

/// An update's count as the exponent of a bias correction (`beta.powi`): the count itself up to `i32::MAX`, and
/// `i32::MAX` past it (where `beta^t` is 0 for any beta short of 1 by more than 1e-8), where a plain `as i32`
/// wrapped around to 0 or below after 2^31 updates and made the correction 0.
fn power_of(step: u64) -> i32 {
    step.min(i32::MAX as u64) as i32
}

/// `g + wd * p`: PyTorch's L2 weight decay, folded into the gradient.
#[inline(always)]
fn with_weight_decay<T: Real>(g: [T; 2], p: [T; 2], wd: f64) -> [T; 2] {
    if wd == 0.0 {
        g
    } else {
        let wd = T::splat(wd);
        [g[0] + wd * p[0], g[1] + wd * p[1]]
    }
}

#[cfg(test)]
mod tests;
