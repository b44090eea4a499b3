//! The training-loop options every method takes, as a PyTorch loop would apply them around `optimizer.step()`:
//! a linear warmup before the schedule (PyTorch's `SequentialLR` of a `LinearLR` and the schedule) and
//! clipping of the gradient's norm (`torch.nn.utils.clip_grad_norm_`).

use serde::Serialize;

use super::{ConfigError, Real, Schedule};

/// Options of the loop around the updates.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct TrainingLoop {
    /// The rate rises linearly over this many first updates, `lr * (t + 1) / warmup` for update `t` from 0;
    /// the schedule then starts, over the updates that remain.
    pub warmup: u64,
    /// The gradient the optimizer sees is scaled down to at most this norm: multiplied by
    /// `min(1, C / (|g| + 1e-6))`, as PyTorch's `clip_grad_norm_`.
    pub clip_grad_norm: Option<f64>,
}

impl TrainingLoop {
    /// Checks the options for a run of `epochs` updates.
    pub fn validate(&self, epochs: u64) -> Result<(), ConfigError> {
        if self.warmup > epochs {
            return Err(ConfigError::Invalid(format!(
                "the warmup ({} updates) is longer than the run ({epochs} epochs)",
                self.warmup
            )));
        }
        if let Some(c) = self.clip_grad_norm {
            if !(c.is_finite() && c > 0.0) {
                return Err(ConfigError::Invalid(format!(
                    "the gradient-norm clip must be finite and positive (got {})",
                    crate::run::shown(c)
                )));
            }
        }
        Ok(())
    }

    /// The learning rate of update `t` (from 0) of a run of `epochs` updates at base rate `lr`.
    pub fn rate(&self, schedule: &Schedule, lr: f64, t: u64, epochs: u64) -> f64 {
        if t < self.warmup {
            lr * (t + 1) as f64 / self.warmup as f64
        } else {
            schedule.rate(lr, t - self.warmup, epochs - self.warmup)
        }
    }

    /// The gradient handed to the optimizer: clipped to the norm (the lanes' own tests see the gradient
    /// itself).
    #[inline(always)]
    pub fn gradient<T: Real>(&self, g: [T; 2]) -> [T; 2] {
        match self.clip_grad_norm {
            None => g,
            Some(c) => {
                let one = T::splat(1.0);
                let norm = (g[0] * g[0] + g[1] * g[1]).sqrt();
                let coef = T::splat(c) / (norm + T::splat(1e-6));
                let coef = T::select(coef.gt(one), one, coef);
                [g[0] * coef, g[1] * coef]
            }
        }
    }

    /// Whether the loop leaves the updates as they are (plain gradient descent may then take its own path).
    pub fn is_plain(&self) -> bool {
        self.warmup == 0 && self.clip_grad_norm.is_none()
    }
}
