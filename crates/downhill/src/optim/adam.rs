//! Adam and AdamW (PyTorch's `Adam` and `AdamW`): `m = b1 m + (1 - b1) g`, `v = b2 v + (1 - b2) g^2`,
//! `p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)`. Adam's weight decay is L2 (added to the
//! gradient); AdamW's is decoupled (`p *= 1 - lr * wd` before the update). AMSGrad uses the running maximum
//! of `v`.

use super::{with_weight_decay, Optimizer, StepInput};

pub(super) struct Adam {
    betas: [f64; 2],
    eps: f64,
    weight_decay: f64,
    decoupled: bool,
    amsgrad: bool,
    m: [f64; 2],
    v: [f64; 2],
    v_max: [f64; 2],
}

impl Adam {
    pub(super) fn new(betas: [f64; 2], eps: f64, weight_decay: f64, decoupled: bool, amsgrad: bool) -> Adam {
        Adam {
            betas,
            eps,
            weight_decay,
            decoupled,
            amsgrad,
            m: [0.0; 2],
            v: [0.0; 2],
            v_max: [0.0; 2],
        }
    }
}

impl Optimizer for Adam {
    fn step(&mut self, s: &StepInput) -> [f64; 2] {
        let [b1, b2] = self.betas;
        let (mut p, g) = if self.decoupled {
            let shrink = 1.0 - s.learning_rate * self.weight_decay;
            ([s.position[0] * shrink, s.position[1] * shrink], s.gradient)
        } else {
            (s.position, with_weight_decay(s.gradient, s.position, self.weight_decay))
        };
        let t = s.step as i32;
        let bias1 = 1.0 - b1.powi(t);
        let bias2_sqrt = (1.0 - b2.powi(t)).sqrt();
        let step_size = s.learning_rate / bias1;
        for i in 0..2 {
            self.m[i] = b1 * self.m[i] + (1.0 - b1) * g[i];
            self.v[i] = b2 * self.v[i] + (1.0 - b2) * g[i] * g[i];
            let v = if self.amsgrad {
                self.v_max[i] = self.v_max[i].max(self.v[i]);
                self.v_max[i]
            } else {
                self.v[i]
            };
            let denom = v.sqrt() / bias2_sqrt + self.eps;
            p[i] -= step_size * self.m[i] / denom;
        }
        p
    }
}
