//! The training-loop options every method takes, as a PyTorch loop would apply them around `optimizer.step()`:
//! a linear warmup before the schedule (PyTorch's `SequentialLR` of a `LinearLR` and the schedule), Gaussian
//! noise added to each gradient (what makes a descent stochastic) and clipping of the gradient's norm
//! (`torch.nn.utils.clip_grad_norm_`), in that order.

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
    /// Gaussian noise added to each gradient the optimizer sees.
    pub noise: Option<Noise>,
}

/// Gaussian noise on the gradient: `sigma` times independent standard normal numbers in each coordinate at
/// each update, drawn from `seed` ([`crate::rng::gaussian_pair`]). A single run draws stream `stream`; lane
/// `i` of a batch draws stream `stream + i`, so every lane's noise is its own and a run is repeated exactly.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Noise {
    /// The standard deviation.
    pub sigma: f64,
    /// The seed.
    pub seed: u64,
    /// The first stream.
    pub stream: u64,
}

impl Noise {
    /// The noise of a run of stream `stream` at update `step` (from 1).
    #[inline(always)]
    pub fn at(&self, stream: u64, step: u64) -> [f64; 2] {
        let z = crate::rng::gaussian_pair(self.seed, self.stream.wrapping_add(stream), step);
        [self.sigma * z[0], self.sigma * z[1]]
    }
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
        if let Some(n) = self.noise {
            if !(n.sigma.is_finite() && n.sigma >= 0.0) {
                return Err(ConfigError::Invalid(format!(
                    "the gradient noise must be finite and non-negative (got {})",
                    crate::run::shown(n.sigma)
                )));
            }
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

    /// The gradient handed to the optimizer: `noise` ([`Noise::at`], when there is noise) added, then clipped
    /// to the norm (the lanes' own tests see the gradient itself).
    #[inline(always)]
    pub fn gradient<T: Real>(&self, g: [T; 2], noise: Option<[T; 2]>) -> [T; 2] {
        let g = match noise {
            Some(n) => [g[0] + n[0], g[1] + n[1]],
            None => g,
        };
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

    /// Whether the optimizer sees the gradient itself (the line-search methods need it so).
    pub fn leaves_gradient(&self) -> bool {
        self.clip_grad_norm.is_none() && self.noise.is_none()
    }
}
