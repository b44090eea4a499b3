//! Animations: a figure's paths drawn step by step as a GIF, all paths at the same step, with the step shown in
//! a corner. The frames are spread over the motion, not over the steps: a run that arrives in 50 of its 1000
//! epochs gets most frames in those 50, not a still picture for the rest. The first frame (the starts alone) is
//! whole; every later frame holds only the rectangle that changed (with its own palette), so files stay small.

use crate::figure::{render_rgb, Figure};
use crate::PlotError;

/// Frame delay in hundredths of a second, and how long the final frame is held.
const DELAY: u16 = 6;
const HOLD: u16 = 200;

/// How many points (the start and the steps after it) every path shows in each of `frames` frames: the first
/// frame the start alone, the last every point, and between them equal shares of the paths' motion (the sum of
/// their step lengths, in units of the domain's width and height, each step counted as at most one such unit
/// so a divergence does not take every frame).
pub fn frame_cuts(fig: &Figure, frames: usize) -> Vec<usize> {
    let longest = fig
        .panels
        .iter()
        .flat_map(|p| p.paths.iter().map(|q| q.points.len()))
        .max()
        .unwrap_or(1)
        .max(1);
    if frames <= 1 {
        return vec![longest];
    }
    // Motion at each step index, summed over every path of every panel.
    let mut motion = vec![0.0f64; longest];
    for panel in &fig.panels {
        let d = panel.domain;
        let (w, h) = (d[1] / 2.0 - d[0] / 2.0, d[3] / 2.0 - d[2] / 2.0);
        for path in &panel.paths {
            for (i, pair) in path.points.windows(2).enumerate() {
                let (dx, dy) = (
                    (pair[1][0] - pair[0][0]) / (2.0 * w),
                    (pair[1][1] - pair[0][1]) / (2.0 * h),
                );
                let step = dx.hypot(dy);
                motion[i + 1] += if step.is_finite() { step.min(1.0) } else { 1.0 };
            }
        }
    }
    let total: f64 = motion.iter().sum();
    let mut cuts = Vec::with_capacity(frames);
    let (mut shown, mut so_far) = (1usize, 0.0f64);
    for k in 0..frames {
        if k + 1 == frames || total <= 0.0 {
            cuts.push(if k + 1 == frames {
                longest
            } else {
                1 + (longest - 1) * k / (frames - 1)
            });
            continue;
        }
        let target = total * k as f64 / (frames - 1) as f64;
        while shown < longest && so_far + motion[shown] <= target {
            so_far += motion[shown];
            shown += 1;
        }
        cuts.push(shown);
    }
    cuts
}

/// Animates a figure's paths as a GIF of `frames` frames (0: as many as the longest path has points, at
/// most 60), the last frame held for two seconds.
pub fn animate(fig: &Figure, frames: usize) -> Result<Vec<u8>, PlotError> {
    let longest = fig
        .panels
        .iter()
        .flat_map(|p| p.paths.iter().map(|q| q.points.len()))
        .max()
        .unwrap_or(1);
    let frames = if frames == 0 {
        longest.clamp(1, 60)
    } else {
        frames.min(longest).max(1)
    };
    let (w, h) = (fig.width, fig.height);
    if w > u16::MAX as u32 || h > u16::MAX as u32 {
        return Err(PlotError::BadSetting("the animation is too large for a GIF".into()));
    }
    let mut out = Vec::new();
    {
        let mut encoder = gif::Encoder::new(&mut out, w as u16, h as u16, &[]).map_err(encode)?;
        encoder.set_repeat(gif::Repeat::Infinite).map_err(encode)?;
        let mut previous: Option<Vec<u8>> = None;
        let cuts = frame_cuts(fig, frames);
        // The step of the longest path's points (its stride: thinned paths keep every stride-th position).
        let stride = fig
            .panels
            .iter()
            .flat_map(|p| p.paths.iter())
            .max_by_key(|q| q.points.len())
            .map_or(1, |q| q.stride.max(1));
        for (k, &shown) in cuts.iter().enumerate() {
            let mut frame_fig = fig.clone();
            for panel in &mut frame_fig.panels {
                for path in &mut panel.paths {
                    path.points.truncate(shown);
                }
            }
            frame_fig.note = Some(format!(
                "epoch {} of {}",
                (shown as u64 - 1) * stride,
                (longest as u64 - 1) * stride
            ));
            let rgb = render_rgb(&frame_fig)?;
            let delay = if k + 1 == frames { HOLD } else { DELAY };
            let (x0, y0, x1, y1) = match &previous {
                None => (0, 0, w, h),
                Some(prev) => changed_box(prev, &rgb, w, h).unwrap_or((0, 0, 1, 1)),
            };
            let (fw, fh) = (x1 - x0, y1 - y0);
            let mut sub = Vec::with_capacity((fw * fh * 3) as usize);
            for y in y0..y1 {
                let row = ((y * w + x0) * 3) as usize;
                sub.extend_from_slice(&rgb[row..row + (fw * 3) as usize]);
            }
            let mut frame = gif::Frame::from_rgb_speed(fw as u16, fh as u16, &sub, 10);
            frame.left = x0 as u16;
            frame.top = y0 as u16;
            frame.delay = delay;
            encoder.write_frame(&frame).map_err(encode)?;
            previous = Some(rgb);
        }
    }
    Ok(out)
}

fn encode(e: impl std::fmt::Display) -> PlotError {
    PlotError::Encode(e.to_string())
}

/// The smallest rectangle (x0, y0, x1, y1) holding every pixel that differs.
fn changed_box(a: &[u8], b: &[u8], w: u32, h: u32) -> Option<(u32, u32, u32, u32)> {
    let (mut x0, mut y0, mut x1, mut y1) = (w, h, 0, 0);
    for y in 0..h {
        let row = (y * w * 3) as usize;
        for x in 0..w {
            let i = row + (x * 3) as usize;
            if a[i..i + 3] != b[i..i + 3] {
                x0 = x0.min(x);
                x1 = x1.max(x + 1);
                y0 = y0.min(y);
                y1 = y1.max(y + 1);
            }
        }
    }
    (x0 < x1).then_some((x0, y0, x1, y1))
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::figure::{Panel, Path};

    fn figure_of(f: &downhill::Function, points: Vec<[f64; 2]>) -> Figure<'_> {
        let mut panel = Panel::new(f, [-1.0, 1.0, -1.0, 1.0]);
        panel.paths.push(Path {
            points,
            color: [255, 0, 0],
            alpha: 1.0,
            width: 1.0,
            start: None,
            end: None,
            stride: 1,
        });
        Figure {
            width: 320,
            height: 240,
            scale: 1.0,
            suptitle: None,
            panels: vec![panel],
            columns: 1,
            note: None,
            charts: Vec::new(),
            charts_beside: None,
        }
    }

    #[test]
    fn frames_follow_the_motion_from_the_start_to_the_end() {
        let f = downhill::Function::parse("x^2 + y^2").unwrap();
        // 1001 points: the first 50 steps move, the other 950 stand still.
        let points: Vec<[f64; 2]> = (0..1001).map(|i| [-0.9 + 0.018 * (i.min(50) as f64), 0.0]).collect();
        let cuts = frame_cuts(&figure_of(&f, points), 60);
        assert_eq!((cuts[0], cuts[59]), (1, 1001));
        assert!(cuts.windows(2).all(|w| w[0] <= w[1]));
        // Every frame but the last shows the motion: none waits among the still points.
        assert!(cuts[..59].iter().all(|&c| c <= 51), "{cuts:?}");
        // A path that never moves still gets frames spread over its steps.
        let still = frame_cuts(&figure_of(&f, vec![[0.0, 0.0]; 11]), 6);
        assert_eq!(still, vec![1, 3, 5, 7, 9, 11]);
    }
}
