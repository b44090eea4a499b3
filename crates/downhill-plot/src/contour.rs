//! Contour lines by marching squares on the sampled grid.

use crate::figure::Samples;

/// Line segments (in data coordinates) of the contours at these levels.
pub fn segments(s: &Samples, levels: &[f64]) -> Vec<((f64, f64), (f64, f64))> {
    let d = s.domain;
    let x = |fi: f64| d[0] + (d[1] - d[0]) * fi / (s.nx - 1) as f64;
    let y = |fj: f64| d[2] + (d[3] - d[2]) * fj / (s.ny - 1) as f64;
    let mut out = Vec::new();
    for &level in levels {
        for j in 0..s.ny - 1 {
            for i in 0..s.nx - 1 {
                let z = |a: usize, b: usize| s.values[(j + b) * s.nx + i + a];
                // Corners counter-clockwise from the lower left.
                let c = [z(0, 0), z(1, 0), z(1, 1), z(0, 1)];
                if !c.iter().all(|v| v.is_finite()) {
                    continue;
                }
                let pos = [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)];
                // Crossing points on the four edges (edge e joins corner e and e+1).
                let mut crossings = Vec::with_capacity(4);
                for e in 0..4 {
                    let (a, b) = (c[e], c[(e + 1) % 4]);
                    if (a < level) != (b < level) {
                        let t = (level - a) / (b - a);
                        let (p, q) = (pos[e], pos[(e + 1) % 4]);
                        crossings.push((p.0 + (q.0 - p.0) * t, p.1 + (q.1 - p.1) * t));
                    }
                }
                let to_data = |(u, v): (f64, f64)| (x(i as f64 + u), y(j as f64 + v));
                match crossings.len() {
                    2 => out.push((to_data(crossings[0]), to_data(crossings[1]))),
                    4 => {
                        // A saddle cell: pair the crossings by the centre value.
                        let centre = c.iter().sum::<f64>() / 4.0;
                        let (a, b, cc, dd) = (crossings[0], crossings[1], crossings[2], crossings[3]);
                        if (centre < level) == (c[0] < level) {
                            out.push((to_data(a), to_data(dd)));
                            out.push((to_data(b), to_data(cc)));
                        } else {
                            out.push((to_data(a), to_data(b)));
                            out.push((to_data(cc), to_data(dd)));
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use downhill::Function;

    #[test]
    fn circles_of_a_bowl_have_the_right_radius() {
        let f = Function::parse("x^2 + y^2").unwrap();
        let s = Samples::new(&f, [-2.0, 2.0, -2.0, 2.0], 101, 101);
        // One level: halfway between 0 and 2, the circle of radius 1.
        let segs = segments(&s, &[1.0]);
        assert!(segs.len() > 40);
        for (a, b) in segs {
            for p in [a, b] {
                assert!((p.0.hypot(p.1) - 1.0).abs() < 0.01, "{p:?}");
            }
        }
    }
}
