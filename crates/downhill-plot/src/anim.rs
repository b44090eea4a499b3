//! Animations: a figure's paths drawn step by step as a GIF. The first frame is whole; every later frame
//! holds only the rectangle that changed (with its own palette), so files stay small.

use crate::figure::{render_rgb, Figure};
use crate::PlotError;

/// Frame delay in hundredths of a second, and how long the final frame is held.
const DELAY: u16 = 6;
const HOLD: u16 = 200;

/// The number of path points shown in frame `k` of `frames` for a path of `n` points: quadratic in k, so
/// the fast early steps get more frames than the slow crawl at the end.
pub fn points_in_frame(k: usize, frames: usize, n: usize) -> usize {
    if frames <= 1 || n <= 1 {
        return n;
    }
    let t = k as f64 / (frames - 1) as f64;
    ((n as f64 * t * t).round() as usize).max(k + 1).min(n)
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
        for k in 0..frames {
            let mut frame_fig = fig.clone();
            for panel in &mut frame_fig.panels {
                for path in &mut panel.paths {
                    let n = points_in_frame(k, frames, path.points.len());
                    path.points.truncate(n);
                }
            }
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

    #[test]
    fn frames_cover_the_path_and_end_with_all_of_it() {
        let counts: Vec<usize> = (0..60).map(|k| points_in_frame(k, 60, 1001)).collect();
        assert_eq!(counts[59], 1001);
        assert!(counts.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(points_in_frame(0, 1, 5), 5);
    }
}
