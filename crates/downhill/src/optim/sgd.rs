//! Gradient descent, heavy-ball momentum and Nesterov momentum: PyTorch's `SGD`.
//!
//! `b = momentum * b + (1 - dampening) * g` (the first step sets `b = g`); the step direction is `b`, or
//! `g + momentum * b` for Nesterov; `p -= lr * direction`. With momentum 0 this is the seed's plain update.

use super::{with_weight_decay, Optimizer, StepInput};

pub(super) struct Sgd {
    momentum: f64,
    dampening: f64,
    weight_decay: f64,
    nesterov: bool,
    buffer: Option<[f64; 2]>,
}

impl Sgd {
    pub(super) fn new(momentum: f64, dampening: f64, weight_decay: f64, nesterov: bool) -> Sgd {
        Sgd {
            momentum,
            dampening,
            weight_decay,
            nesterov,
            buffer: None,
        }
    }
}

impl Optimizer for Sgd {
    fn step(&mut self, s: &StepInput) -> [f64; 2] {
        let g = with_weight_decay(s.gradient, s.position, self.weight_decay);
        let d = if self.momentum == 0.0 {
            g
        } else {
            let b = match self.buffer {
                None => g,
                Some(b) => std::array::from_fn(|i| self.momentum * b[i] + (1.0 - self.dampening) * g[i]),
            };
            self.buffer = Some(b);
            if self.nesterov {
                std::array::from_fn(|i| g[i] + self.momentum * b[i])
            } else {
                b
            }
        };
        std::array::from_fn(|i| s.position[i] - s.learning_rate * d[i])
    }
}
