//! Colour maps: value in [0, 1] to RGB, as matplotlib draws them.

/// matplotlib's tab10 qualitative colours, in matplotlib's order: for things that are different, not more or
/// less.
pub const TAB10: [[u8; 3]; 10] = [
    [31, 119, 180],
    [255, 127, 14],
    [44, 160, 44],
    [214, 39, 40],
    [148, 103, 189],
    [140, 86, 75],
    [227, 119, 194],
    [127, 127, 127],
    [188, 189, 34],
    [23, 190, 207],
];

/// A colour map by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Colormap {
    /// matplotlib's `jet` (the first seed notebook).
    Jet,
    /// matplotlib's `viridis` (the second seed notebook and matplotlib's default).
    Viridis,
    /// matplotlib's `magma`.
    Magma,
    /// matplotlib's `plasma`.
    Plasma,
    /// matplotlib's `coolwarm` (diverging).
    Coolwarm,
    /// Black to white.
    Gray,
}

/// Anchor colours sampled from matplotlib at eleven evenly spaced points; between them colours are
/// interpolated linearly (the largest error against matplotlib's 256-entry tables is about 2/255).
const VIRIDIS: [[u8; 3]; 11] = [
    [68, 1, 84],
    [72, 36, 117],
    [65, 68, 135],
    [53, 95, 141],
    [42, 120, 142],
    [33, 145, 140],
    [34, 168, 132],
    [68, 191, 112],
    [122, 209, 81],
    [189, 223, 38],
    [253, 231, 37],
];
const MAGMA: [[u8; 3]; 11] = [
    [0, 0, 4],
    [20, 14, 54],
    [59, 15, 112],
    [100, 26, 128],
    [140, 41, 129],
    [183, 55, 121],
    [222, 73, 104],
    [247, 112, 92],
    [254, 159, 109],
    [254, 207, 146],
    [252, 253, 191],
];
const PLASMA: [[u8; 3]; 11] = [
    [13, 8, 135],
    [65, 4, 157],
    [106, 0, 168],
    [143, 13, 164],
    [177, 42, 144],
    [204, 71, 120],
    [225, 100, 98],
    [242, 132, 75],
    [252, 166, 54],
    [252, 206, 37],
    [240, 249, 33],
];
const COOLWARM: [[u8; 3]; 11] = [
    [59, 76, 192],
    [85, 114, 227],
    [115, 149, 249],
    [147, 179, 254],
    [179, 202, 246],
    [208, 218, 232],
    [233, 212, 199],
    [244, 189, 164],
    [245, 157, 127],
    [234, 120, 93],
    [213, 80, 63],
];

impl Colormap {
    /// Every map with its name.
    pub const ALL: [(Colormap, &'static str); 6] = [
        (Colormap::Jet, "jet"),
        (Colormap::Viridis, "viridis"),
        (Colormap::Magma, "magma"),
        (Colormap::Plasma, "plasma"),
        (Colormap::Coolwarm, "coolwarm"),
        (Colormap::Gray, "gray"),
    ];

    /// The map with this name (case does not matter).
    pub fn from_name(name: &str) -> Option<Colormap> {
        let name = name.trim().to_ascii_lowercase();
        let name = if name == "grey" { "gray".to_string() } else { name };
        Colormap::ALL.iter().find(|(_, n)| *n == name).map(|(c, _)| *c)
    }

    /// The colour at `t` in [0, 1] (clamped; NaN gives the lowest colour).
    pub fn rgb(self, t: f64) -> [u8; 3] {
        let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
        match self {
            Colormap::Jet => jet(t),
            Colormap::Viridis => table(&VIRIDIS, t),
            Colormap::Magma => table(&MAGMA, t),
            Colormap::Plasma => table(&PLASMA, t),
            Colormap::Coolwarm => table(&COOLWARM, t),
            Colormap::Gray => {
                let v = (t * 255.0).round() as u8;
                [v, v, v]
            }
        }
    }
}

fn table(anchors: &[[u8; 3]], t: f64) -> [u8; 3] {
    let x = t * (anchors.len() - 1) as f64;
    let i = (x.floor() as usize).min(anchors.len() - 2);
    let f = x - i as f64;
    let (a, b) = (anchors[i], anchors[i + 1]);
    std::array::from_fn(|k| (a[k] as f64 + (b[k] as f64 - a[k] as f64) * f).round() as u8)
}

/// matplotlib's jet: piecewise linear ramps of red, green and blue.
fn jet(t: f64) -> [u8; 3] {
    let ramp = |points: &[(f64, f64)]| {
        let mut v = points[0].1;
        for w in points.windows(2) {
            let ((x0, y0), (x1, y1)) = (w[0], w[1]);
            if t >= x0 && t <= x1 {
                v = y0 + (y1 - y0) * (t - x0) / (x1 - x0);
                break;
            }
        }
        (v * 255.0).round() as u8
    };
    let r = ramp(&[(0.0, 0.0), (0.35, 0.0), (0.66, 1.0), (0.89, 1.0), (1.0, 0.5)]);
    let g = ramp(&[
        (0.0, 0.0),
        (0.125, 0.0),
        (0.375, 1.0),
        (0.64, 1.0),
        (0.91, 0.0),
        (1.0, 0.0),
    ]);
    let b = ramp(&[(0.0, 0.5), (0.11, 1.0), (0.34, 1.0), (0.65, 0.0), (1.0, 0.0)]);
    [r, g, b]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ends_match_matplotlib() {
        assert_eq!(Colormap::Jet.rgb(0.0), [0, 0, 128]);
        assert_eq!(Colormap::Jet.rgb(1.0), [128, 0, 0]);
        // matplotlib's 256-entry jet gives (125, 255, 122) at 0.5; the exact ramps differ by a sample.
        let mid = Colormap::Jet.rgb(0.5);
        assert!(
            mid.iter().zip([125, 255, 122]).all(|(a, b)| (*a as i32 - b).abs() <= 3),
            "{mid:?}"
        );
        assert_eq!(Colormap::Viridis.rgb(0.0), [68, 1, 84]);
        assert_eq!(Colormap::Viridis.rgb(1.0), [253, 231, 37]);
        assert_eq!(Colormap::from_name("Viridis"), Some(Colormap::Viridis));
        assert_eq!(Colormap::from_name("rainbow"), None);
    }
}
