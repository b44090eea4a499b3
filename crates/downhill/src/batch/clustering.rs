//! Clustering the end points of a basin map into attractors as they arrive: one pass, memory for the
//! attractors only.

use std::collections::HashMap;

/// Groups end points: a hash of grid cells the size of the tolerance, searched 3x3 around each point.
pub(super) struct Clusterer {
    pub(super) tol: f64,
    pub(super) cells: HashMap<(i64, i64), Vec<usize>>,
    pub(super) first: Vec<[f64; 2]>,
    pub(super) sum: Vec<[f64; 2]>,
    pub(super) count: Vec<u64>,
}

impl Clusterer {
    pub(super) fn new(tol: f64) -> Clusterer {
        Clusterer {
            tol,
            cells: HashMap::new(),
            first: Vec::new(),
            sum: Vec::new(),
            count: Vec::new(),
        }
    }

    fn cell(&self, p: [f64; 2]) -> (i64, i64) {
        ((p[0] / self.tol).floor() as i64, (p[1] / self.tol).floor() as i64)
    }

    pub(super) fn assign(&mut self, p: [f64; 2]) -> usize {
        let (cx, cy) = self.cell(p);
        for dx in -1..=1 {
            for dy in -1..=1 {
                if let Some(list) = self.cells.get(&(cx + dx, cy + dy)) {
                    for &a in list {
                        let q = self.first[a];
                        if (p[0] - q[0]).hypot(p[1] - q[1]) <= self.tol {
                            self.sum[a][0] += p[0];
                            self.sum[a][1] += p[1];
                            self.count[a] += 1;
                            return a;
                        }
                    }
                }
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
