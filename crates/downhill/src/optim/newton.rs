//! Damped Newton: `p -= lr * H^-1 g` where the Hessian is positive definite. Elsewhere (a saddle, a maximum,
//! a flat direction) the plain Newton step would climb or explode, so the Hessian is replaced by its
//! "absolute value" `Q |Λ| Q^T` with eigenvalues floored at `1e-6 * max(1, |λ|max)` (saddle-free Newton),
//! which always points downhill, and such a fallback step is no longer than `max_step` (a trust radius: the
//! floored eigenvalues could otherwise send it far away). Where the Hessian is positive definite the step is
//! the plain damped Newton step, uncapped, so a quadratic is solved in one step at `lr = 1`.

use super::{Optimizer, StepInput};
use crate::linalg::symmetric_eigen;

pub(super) struct Newton {
    max_step: f64,
}

impl Newton {
    pub(super) fn new(max_step: f64) -> Newton {
        Newton { max_step }
    }
}

impl Optimizer for Newton {
    fn needs_hessian(&self) -> bool {
        true
    }

    fn step(&mut self, s: &StepInput) -> [f64; 2] {
        let g = s.gradient;
        let h = s.hessian.unwrap_or([[1.0, 0.0], [0.0, 1.0]]);
        let (l, v) = symmetric_eigen(h);
        let floor = 1e-6 * l[0].abs().max(l[1].abs()).max(1.0);
        let positive_definite = l[0] > floor;
        let mut d = [0.0; 2];
        for k in 0..2 {
            let lam = l[k].abs().max(floor);
            let proj = (v[k][0] * g[0] + v[k][1] * g[1]) / lam;
            d[0] += proj * v[k][0];
            d[1] += proj * v[k][1];
        }
        let mut step = [s.learning_rate * d[0], s.learning_rate * d[1]];
        let len = (step[0] * step[0] + step[1] * step[1]).sqrt();
        if !positive_definite && len > self.max_step {
            let scale = self.max_step / len;
            step = [step[0] * scale, step[1] * scale];
        }
        [s.position[0] - step[0], s.position[1] - step[1]]
    }
}
