//! Optimizers: one module per method, PyTorch's update rules, hyper-parameter names and defaults (where
//! PyTorch has the method), built from validated [`OptimizerSpec`]s.
//!
//! Each method's update is written once, generic over [`Real`]: a single run steps with `f64`, a batch with
//! lane vectors, and both take the same operations in the same order, so a lane takes the single run's steps
//! with the same roundings. The state between updates is a [`State`] of the same type.
//!
//! Every optimizer minimises: ascent is done by the run, which hands the optimizer the negated gradient and
//! Hessian (maximising f is minimising -f).

mod adagrad;
mod adam;
mod newton;
mod real;
mod rmsprop;
mod schedule;
mod sgd;

pub use real::Real;
pub use schedule::Schedule;

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
}

impl Method {
    /// Every method with its name.
    pub const ALL: [(Method, &'static str); 8] = [
        (Method::Gd, "gd"),
        (Method::Momentum, "momentum"),
        (Method::Nesterov, "nesterov"),
        (Method::Adagrad, "adagrad"),
        (Method::Rmsprop, "rmsprop"),
        (Method::Adam, "adam"),
        (Method::Adamw, "adamw"),
        (Method::Newton, "newton"),
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

    /// The hyper-parameters the method takes, by their `Options` field names.
    pub fn options(self) -> &'static [&'static str] {
        match self {
            Method::Gd => &["weight_decay"],
            Method::Momentum | Method::Nesterov => &["momentum", "dampening", "weight_decay"],
            Method::Adagrad => &["lr_decay", "initial_accumulator_value", "eps", "weight_decay"],
            Method::Rmsprop => &["alpha", "eps", "momentum", "centered", "weight_decay"],
            Method::Adam | Method::Adamw => &["beta1", "beta2", "eps", "weight_decay", "amsgrad"],
            Method::Newton => &["max_step"],
        }
    }

    /// The default learning rate: 0.01 as in the seed notebooks, 1 (a full step) for Newton.
    pub fn default_learning_rate(self) -> f64 {
        match self {
            Method::Newton => 1.0,
            _ => 0.01,
        }
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
        }
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
