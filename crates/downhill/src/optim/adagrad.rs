//! AdaGrad (PyTorch's `Adagrad`): `sum += g^2`, `clr = lr / (1 + (t - 1) * lr_decay)`,
//! `p -= clr * g / (sqrt(sum) + eps)`.

use super::{with_weight_decay, Optimizer, StepInput};

pub(super) struct Adagrad {
    lr_decay: f64,
    eps: f64,
    weight_decay: f64,
    sum: [f64; 2],
}

impl Adagrad {
    pub(super) fn new(lr_decay: f64, initial_accumulator_value: f64, eps: f64, weight_decay: f64) -> Adagrad {
        Adagrad {
            lr_decay,
            eps,
            weight_decay,
            sum: [initial_accumulator_value; 2],
        }
    }
}

impl Optimizer for Adagrad {
    fn step(&mut self, s: &StepInput) -> [f64; 2] {
        let g = with_weight_decay(s.gradient, s.position, self.weight_decay);
        let clr = s.learning_rate / (1.0 + (s.step - 1) as f64 * self.lr_decay);
        std::array::from_fn(|i| {
            self.sum[i] += g[i] * g[i];
            s.position[i] - clr * g[i] / (self.sum[i].sqrt() + self.eps)
        })
    }
}
