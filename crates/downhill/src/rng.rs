//! A small deterministic generator for random start points (SplitMix64), so that a seed gives the same start
//! on every machine and in every version, independent of any crate's choice of algorithm.

/// SplitMix64.
#[derive(Clone, Debug)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator from a seed.
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
}

/// SplitMix64's output function applied to `z`: a 64-bit hash.
fn mix(z: u64) -> u64 {
    SplitMix64::new(z).next_u64()
}

/// Two independent standard normal numbers for update `step` of noise stream `stream` under `seed`, by
/// Box-Muller from a hash of the three: any stream's noise at any update is computed on its own, so a lane of a
/// batch draws the same numbers as a single run of its stream, whatever the threads and blocks.
pub fn gaussian_pair(seed: u64, stream: u64, step: u64) -> [f64; 2] {
    let mut r = SplitMix64::new(mix(mix(mix(seed) ^ stream) ^ step));
    // u1 in (0, 1], so its logarithm is finite.
    let u1 = 1.0 - r.next_f64();
    let u2 = r.next_f64();
    let radius = (-2.0 * u1.ln()).sqrt();
    let (s, c) = (std::f64::consts::TAU * u2).sin_cos();
    [radius * c, radius * s]
}

/// The seed notebooks' random start, `rand(2)*4 - 2`: uniform in [-2, 2]², drawn from `seed`.
pub fn random_start(seed: u64) -> [f64; 2] {
    let mut r = SplitMix64::new(seed);
    let x = r.next_f64() * 4.0 - 2.0;
    let y = r.next_f64() * 4.0 - 2.0;
    [x, y]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaussian_pairs_are_standard_normal_and_independent() {
        let n = 200_000u64;
        let (mut sum, mut sq, mut cross, mut beyond) = ([0.0f64; 2], [0.0f64; 2], 0.0, 0usize);
        for k in 0..n {
            // Streams and steps both vary, as in a batch.
            let z = gaussian_pair(7, k % 1000, k / 1000 + 1);
            for i in 0..2 {
                sum[i] += z[i];
                sq[i] += z[i] * z[i];
            }
            cross += z[0] * z[1];
            beyond += usize::from(z[0].abs() > 1.959_963_984_540_054);
        }
        let n = n as f64;
        for i in 0..2 {
            // Standard errors: 1/sqrt(n) = 0.0022 for the mean, sqrt(2/n) = 0.0032 for the variance.
            assert!((sum[i] / n).abs() < 0.01, "mean {}", sum[i] / n);
            assert!((sq[i] / n - 1.0).abs() < 0.015, "variance {}", sq[i] / n);
        }
        assert!((cross / n).abs() < 0.01, "covariance {}", cross / n);
        // 5% of a standard normal lies beyond 1.96.
        assert!((beyond as f64 / n - 0.05).abs() < 0.003, "{beyond}");
        // The same key, the same numbers; another seed, stream or step, others.
        assert_eq!(gaussian_pair(1, 2, 3), gaussian_pair(1, 2, 3));
        assert_ne!(gaussian_pair(1, 2, 3), gaussian_pair(2, 2, 3));
        assert_ne!(gaussian_pair(1, 2, 3), gaussian_pair(1, 3, 3));
        assert_ne!(gaussian_pair(1, 2, 3), gaussian_pair(1, 2, 4));
    }

    #[test]
    fn known_values_and_range() {
        // Reference values of SplitMix64 from seed 0 (Vigna's reference implementation).
        let mut r = SplitMix64::new(0);
        assert_eq!(r.next_u64(), 0xe220_a839_7b1d_cdaf);
        assert_eq!(r.next_u64(), 0x6e78_9e6a_a1b9_65f4);
        for seed in 0..1000 {
            let p = random_start(seed);
            assert!(p.iter().all(|v| (-2.0..2.0).contains(v)));
        }
        assert_eq!(random_start(7), random_start(7));
        assert_ne!(random_start(7), random_start(8));
    }
}
