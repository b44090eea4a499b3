//! RMSProp (PyTorch's `RMSprop`): `v = alpha * v + (1 - alpha) * g^2`; centered subtracts the squared mean
//! gradient; with momentum `b = momentum * b + g / (sqrt(v) + eps)` and `p -= lr * b`, else
//! `p -= lr * g / (sqrt(v) + eps)`.

use super::{with_weight_decay, Optimizer, StepInput};

pub(super) struct Rmsprop {
    alpha: f64,
    eps: f64,
    momentum: f64,
    centered: bool,
    weight_decay: f64,
    square_avg: [f64; 2],
    grad_avg: [f64; 2],
    buffer: [f64; 2],
}

impl Rmsprop {
    pub(super) fn new(alpha: f64, eps: f64, momentum: f64, centered: bool, weight_decay: f64) -> Rmsprop {
        Rmsprop {
            alpha,
            eps,
            momentum,
            centered,
            weight_decay,
            square_avg: [0.0; 2],
            grad_avg: [0.0; 2],
            buffer: [0.0; 2],
        }
    }
}

impl Optimizer for Rmsprop {
    fn step(&mut self, s: &StepInput) -> [f64; 2] {
        let g = with_weight_decay(s.gradient, s.position, self.weight_decay);
        std::array::from_fn(|i| {
            self.square_avg[i] = self.alpha * self.square_avg[i] + (1.0 - self.alpha) * g[i] * g[i];
            let avg = if self.centered {
                self.grad_avg[i] = self.alpha * self.grad_avg[i] + (1.0 - self.alpha) * g[i];
                (self.square_avg[i] - self.grad_avg[i] * self.grad_avg[i]).sqrt() + self.eps
            } else {
                self.square_avg[i].sqrt() + self.eps
            };
            if self.momentum > 0.0 {
                self.buffer[i] = self.momentum * self.buffer[i] + g[i] / avg;
                s.position[i] - s.learning_rate * self.buffer[i]
            } else {
                s.position[i] - s.learning_rate * g[i] / avg
            }
        })
    }
}
