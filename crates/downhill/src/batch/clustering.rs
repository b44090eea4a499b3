//! Clustering the end points of a basin map into attractors as they arrive: one pass, memory for the
//! attractors only.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Groups end points: a hash of grid cells the size of the tolerance, searched 3x3 around each point.
pub(super) struct Clusterer {
    pub(super) tol: f64,
    pub(super) cells: HashMap<(i64, i64), Vec<usize>, BuildHasherDefault<CellHasher>>,
    pub(super) first: Vec<[f64; 2]>,
    pub(super) sum: Vec<[f64; 2]>,
    pub(super) count: Vec<u64>,
    /// The last point's cell, the number of attractors then, and the attractors of its 3x3 cells in search
    /// order: the next point in the same cell, with no attractor added since, searches the same list.
    last: Option<((i64, i64), usize)>,
    near: Vec<usize>,
}

/// A multiply-and-rotate hash for cell keys: the standard SipHash took a third of a basin map's time when the
/// runs converge in a few steps (Rosenbrock with Newton), and these keys come from our own grid, not from an
/// adversary.
#[derive(Default)]
pub(super) struct CellHasher(u64);

impl Hasher for CellHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_i64(&mut self, i: i64) {
        self.write_u64(i as u64);
    }

    fn write_u64(&mut self, i: u64) {
        self.0 = (self.0.rotate_left(5) ^ i).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn finish(&self) -> u64 {
        // The table takes its buckets from the low bits and its tags from the high ones: mix both.
        self.0 ^ (self.0 >> 29)
    }
}

/// Whether `p` and `q` are within `tol` of each other, as `hypot(dx, dy) <= tol` says, but without `hypot`
/// unless the squares are too close to the boundary to tell (their rounding is some 1e-16 of it).
fn within(p: [f64; 2], q: [f64; 2], tol: f64) -> bool {
    let (dx, dy) = (p[0] - q[0], p[1] - q[1]);
    let (d2, t2) = (dx * dx + dy * dy, tol * tol);
    let exact = || dx.hypot(dy) <= tol;
    if !(1e-290..1e290).contains(&t2) {
        exact()
    } else if d2 < t2 * (1.0 - 1e-9) {
        true
    } else if d2 > t2 * (1.0 + 1e-9) {
        false
    } else {
        exact()
    }
}

impl Clusterer {
    pub(super) fn new(tol: f64) -> Clusterer {
        Clusterer {
            tol,
            cells: HashMap::default(),
            first: Vec::new(),
            sum: Vec::new(),
            count: Vec::new(),
            last: None,
            near: Vec::new(),
        }
    }

    fn cell(&self, p: [f64; 2]) -> (i64, i64) {
        ((p[0] / self.tol).floor() as i64, (p[1] / self.tol).floor() as i64)
    }

    pub(super) fn assign(&mut self, p: [f64; 2]) -> usize {
        let (cx, cy) = self.cell(p);
        if self.last != Some(((cx, cy), self.first.len())) {
            self.near.clear();
            for dx in -1..=1 {
                for dy in -1..=1 {
                    let key = (cx.saturating_add(dx), cy.saturating_add(dy));
                    if let Some(list) = self.cells.get(&key) {
                        self.near.extend_from_slice(list);
                    }
                }
            }
            self.last = Some(((cx, cy), self.first.len()));
        }
        for &a in &self.near {
            if within(p, self.first[a], self.tol) {
                self.sum[a][0] += p[0];
                self.sum[a][1] += p[1];
                self.count[a] += 1;
                return a;
            }
        }
        let a = self.first.len();
        self.first.push(p);
        self.sum.push(p);
        self.count.push(1);
        self.cells.entry((cx, cy)).or_default().push(a);
        a
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The assignment of the plain search: every cell of the 3x3 looked up, `hypot` for the distance.
    fn reference(tol: f64, points: &[[f64; 2]]) -> Vec<usize> {
        let mut cells: HashMap<(i64, i64), Vec<usize>> = HashMap::new();
        let mut first: Vec<[f64; 2]> = Vec::new();
        let cell = |p: [f64; 2]| ((p[0] / tol).floor() as i64, (p[1] / tol).floor() as i64);
        points
            .iter()
            .map(|&p| {
                let (cx, cy) = cell(p);
                for dx in -1..=1 {
                    for dy in -1..=1 {
                        for &a in cells.get(&(cx + dx, cy + dy)).into_iter().flatten() {
                            let q: [f64; 2] = first[a];
                            if (p[0] - q[0]).hypot(p[1] - q[1]) <= tol {
                                return a;
                            }
                        }
                    }
                }
                first.push(p);
                cells.entry((cx, cy)).or_default().push(first.len() - 1);
                first.len() - 1
            })
            .collect()
    }

    #[test]
    fn assigns_as_the_plain_search_does() {
        // Points in runs near a few centres (as a basin map's ends arrive), some exactly tol from a centre,
        // some between two centres, at several scales of the tolerance.
        for tol in [1e-3, 0.1, 0.37, 1e-150, 1e150] {
            let mut seed = 7u64;
            let mut next = || {
                seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                (seed >> 11) as f64 / (1u64 << 53) as f64
            };
            let centres = [[0.0, 0.0], [tol * 1.5, 0.0], [3.0 * tol, 2.0 * tol], [-tol, tol]];
            let mut points = Vec::new();
            for k in 0..4000 {
                let c = centres[(k / 37) % centres.len()];
                let (r, t) = (1.6 * tol * next(), std::f64::consts::TAU * next());
                points.push([c[0] + r * t.cos(), c[1] + r * t.sin()]);
                if k % 97 == 0 {
                    points.push([c[0] + tol, c[1]]);
                    points.push([c[0], c[1] - tol]);
                }
            }
            let mut c = Clusterer::new(tol);
            let ours: Vec<usize> = points.iter().map(|&p| c.assign(p)).collect();
            assert_eq!(ours, reference(tol, &points), "tol {tol}");
            assert!(c.first.len() > 4, "tol {tol}: {} attractors", c.first.len());
        }
    }

    #[test]
    fn the_boundary_is_hypots() {
        let tol = 0.1;
        for k in 0..10_000 {
            let t = k as f64 * 1e-3;
            let q = [tol * t.cos(), tol * t.sin()];
            for p in [q, [q[0] * (1.0 + 1e-15), q[1]], [q[0] * (1.0 - 1e-15), q[1]]] {
                assert_eq!(within(p, [0.0, 0.0], tol), p[0].hypot(p[1]) <= tol, "{p:?}");
            }
        }
    }
}
