//! Learning-rate schedules, as PyTorch's schedulers with the run's length as their horizon. The rate of
//! update `t` (from 0) of a run of `epochs` updates:

use serde::Serialize;

use super::ConfigError;

/// How the learning rate changes over a run.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(tag = "name", rename_all = "lowercase")]
pub enum Schedule {
    /// The same rate throughout.
    Constant,
    /// Multiplied by `gamma` every `step_size` updates (PyTorch `StepLR`).
    Step {
        /// Updates between decays.
        step_size: u64,
        /// Factor per decay.
        gamma: f64,
    },
    /// Multiplied by `gamma` every update (PyTorch `ExponentialLR`).
    Exponential {
        /// Factor per update.
        gamma: f64,
    },
    /// Linear from the rate to `end_factor` times it over the run (PyTorch `LinearLR` from 1).
    Linear {
        /// The fraction left at the end.
        end_factor: f64,
    },
    /// Half a cosine from the rate down to `eta_min` over the run (PyTorch `CosineAnnealingLR`).
    Cosine {
        /// The final rate.
        eta_min: f64,
    },
}

impl Schedule {
    /// Parses `constant`, `step`, `step:STEP_SIZE:GAMMA`, `exponential:GAMMA`, `linear:END_FACTOR`,
    /// `cosine:ETA_MIN` (defaults: step 100 updates and gamma 0.1; exponential 0.99; linear 0; cosine 0).
    pub fn parse(text: &str) -> Result<Schedule, ConfigError> {
        let mut parts = text.trim().split(':');
        let name = parts.next().unwrap_or("").to_ascii_lowercase();
        let args: Vec<&str> = parts.collect();
        let num = |i: usize, default: f64| -> Result<f64, ConfigError> {
            match args.get(i) {
                None => Ok(default),
                Some(a) => a
                    .parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .ok_or_else(|| ConfigError::Invalid(format!("schedule '{text}': '{a}' is not a number"))),
            }
        };
        let max_args = match name.as_str() {
            "constant" => 0,
            "step" => 2,
            _ => 1,
        };
        if args.len() > max_args {
            return Err(ConfigError::Invalid(format!(
                "schedule '{text}' has too many ':' parts"
            )));
        }
        let schedule = match name.as_str() {
            "constant" => Schedule::Constant,
            "step" => {
                let size = num(0, 100.0)?;
                if size < 1.0 || size.fract() != 0.0 {
                    return Err(ConfigError::Invalid(format!("schedule '{text}': the step size must be a whole number ≥ 1")));
                }
                Schedule::Step { step_size: size as u64, gamma: num(1, 0.1)? }
            }
            "exponential" | "exp" => Schedule::Exponential { gamma: num(0, 0.99)? },
            "linear" => Schedule::Linear { end_factor: num(0, 0.0)? },
            "cosine" => Schedule::Cosine { eta_min: num(0, 0.0)? },
            _ => {
                return Err(ConfigError::Invalid(format!(
                    "unknown schedule '{name}' (constant, step:SIZE:GAMMA, exponential:GAMMA, linear:END_FACTOR, cosine:ETA_MIN)"
                )))
            }
        };
        let ok = match schedule {
            Schedule::Step { gamma, .. } | Schedule::Exponential { gamma } => gamma > 0.0 && gamma <= 1.0,
            Schedule::Linear { end_factor } => (0.0..=1.0).contains(&end_factor),
            Schedule::Cosine { eta_min } => eta_min >= 0.0,
            Schedule::Constant => true,
        };
        if !ok {
            return Err(ConfigError::Invalid(format!(
                "schedule '{text}': gamma must be in (0, 1], the end factor in [0, 1], eta_min ≥ 0"
            )));
        }
        Ok(schedule)
    }

    /// The rate of update `t` (from 0) of a run of `epochs` updates with base rate `lr`.
    pub fn rate(&self, lr: f64, t: u64, epochs: u64) -> f64 {
        let epochs = epochs.max(1) as f64;
        let t = t as f64;
        match *self {
            Schedule::Constant => lr,
            Schedule::Step { step_size, gamma } => lr * gamma.powf((t / step_size as f64).floor()),
            Schedule::Exponential { gamma } => lr * gamma.powf(t),
            Schedule::Linear { end_factor } => lr * (1.0 + (end_factor - 1.0) * (t / epochs).min(1.0)),
            Schedule::Cosine { eta_min } => {
                eta_min + (lr - eta_min) * (1.0 + (std::f64::consts::PI * t / epochs).cos()) / 2.0
            }
        }
    }
}
