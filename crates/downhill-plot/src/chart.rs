//! Line charts beside the landscapes: loss curves (a value per epoch, a median line with a quartile band per
//! method) and learning-rate sensitivity (a score per rate, with markers). Linear or log axes; values a log
//! axis cannot show (zero, negative) and values past the axis's range are drawn on its edge, never dropped
//! silently nor drawn outside the plot; a gap in the data (NaN) breaks the line.

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::figure::{draw_legend, draw_ticks, drawing, measure_legend, rgb, write, Glyph, LegendBox, Out, Sizes};
use crate::scale::{fraction, label, nice_ticks};
use crate::text::{self, Align, Valign};
use crate::PlotError;

/// One line of a chart, with an optional band around it.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// The points (x, y), x increasing.
    pub points: Vec<[f64; 2]>,
    /// A band (x, low, high) drawn under the line, pale.
    pub band: Vec<[f64; 3]>,
    /// Colour of the line and its band.
    pub color: [u8; 3],
    /// Line width in pixels at scale 1.
    pub width: f64,
    /// Draw a small circle at every point (a few points, such as a grid of learning rates).
    pub markers: bool,
    /// A point drawn as a larger ring (the learning rate chosen).
    pub emphasis: Option<[f64; 2]>,
    /// Whether the series' values set the axes' range: a series that runs away (most of its runs diverge) can
    /// be left out, and leaves the chart at its edge, so that the others stay readable.
    pub ranged: bool,
}

impl Series {
    /// A plain line of this colour.
    pub fn line(points: Vec<[f64; 2]>, color: [u8; 3]) -> Series {
        Series {
            points,
            band: Vec::new(),
            color,
            width: 1.8,
            markers: false,
            emphasis: None,
            ranged: true,
        }
    }
}

/// A line chart: one grid cell of a [`crate::Figure`].
#[derive(Clone, Debug, PartialEq)]
pub struct Chart {
    /// The title over the chart.
    pub title: Option<String>,
    /// What x is ("epoch").
    pub x_label: String,
    /// What y is, written over the y axis ("f - f*").
    pub y_label: String,
    /// Log scale along x (the values must be positive to be shown).
    pub log_x: bool,
    /// Log scale along y.
    pub log_y: bool,
    /// The lines, drawn in order (bands first).
    pub series: Vec<Series>,
    /// Legend entries, in the corner the lines cross least (or beside the plot).
    pub legend: Vec<(String, Glyph)>,
    /// Put the legend on the right of the plot instead of in a corner inside it.
    pub legend_outside: bool,
    /// A fixed y range (`[low, high]`) instead of the data's (a share from 0 to 1).
    pub y_range: Option<[f64; 2]>,
}

impl Chart {
    /// An empty chart with these axis names.
    pub fn new(x_label: &str, y_label: &str) -> Chart {
        Chart {
            title: None,
            x_label: x_label.into(),
            y_label: y_label.into(),
            log_x: false,
            log_y: false,
            series: Vec::new(),
            legend: Vec::new(),
            legend_outside: false,
            y_range: None,
        }
    }
}

/// The widest range a log axis spans, in decades (below it values sit on the axis's bottom edge).
const MAX_DECADES: f64 = 20.0;

/// One axis: its range and how a value maps onto it.
#[derive(Clone, Copy, Debug)]
struct Axis {
    lo: f64,
    hi: f64,
    log: bool,
}

impl Axis {
    /// The axis over `values` (the finite ones; the positive ones on a log axis), widened to round ends.
    fn over(values: impl Iterator<Item = f64>, log: bool, fixed: Option<[f64; 2]>) -> Axis {
        if let Some([lo, hi]) = fixed {
            return Axis { lo, hi, log };
        }
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for v in values.filter(|v| v.is_finite() && (!log || *v > 0.0)) {
            lo = lo.min(v);
            hi = hi.max(v);
        }
        if lo > hi {
            // Nothing to show: a unit range.
            return if log {
                Axis { lo: 0.1, hi: 10.0, log }
            } else {
                Axis { lo: 0.0, hi: 1.0, log }
            };
        }
        if log {
            let top = hi.log10().ceil();
            let bottom = lo.log10().floor().max(top - MAX_DECADES);
            let bottom = if bottom >= top { top - 1.0 } else { bottom };
            Axis {
                lo: 10f64.powf(bottom),
                hi: 10f64.powf(top),
                log,
            }
        } else {
            let pad = if hi > lo {
                0.04 * (hi / 2.0 - lo / 2.0) * 2.0
            } else {
                lo.abs().max(1.0) * 0.5
            };
            Axis {
                lo: lo - pad,
                hi: hi + pad,
                log,
            }
        }
    }

    /// Where `v` falls, as a fraction of the axis, held to [0, 1] (off-scale values on the edge); NaN stays.
    fn at(&self, v: f64) -> f64 {
        if v.is_nan() {
            return f64::NAN;
        }
        let t = if self.log {
            if v <= 0.0 {
                0.0
            } else {
                fraction(v.log10(), self.lo.log10(), self.hi.log10())
            }
        } else {
            fraction(v, self.lo, self.hi)
        };
        t.clamp(0.0, 1.0)
    }

    /// Round tick values within the axis.
    fn ticks(&self, target: usize) -> Vec<f64> {
        if !self.log {
            return nice_ticks(self.lo, self.hi, target);
        }
        let (a, b) = (self.lo.log10().round() as i32, self.hi.log10().round() as i32);
        // Every decade, or every 2nd, 3rd, 5th, ...: the powers of ten that are multiples of the step.
        let span = (b - a).max(1);
        let step = [1, 2, 3, 4, 5, 10, 20, 50, 100]
            .into_iter()
            .find(|&step| span / step < target.max(1) as i32)
            .unwrap_or(span);
        (a..=b)
            .filter(|k| k.rem_euclid(step) == 0)
            .map(|k| 10f64.powi(k))
            .collect()
    }
}

/// Draws a chart in its grid cell.
pub(crate) fn draw_chart<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    c: &Chart,
    s: f64,
    out: &mut Out,
) -> Result<(), PlotError> {
    let (aw, ah) = area.dim_in_pixel();
    let (aw, ah) = (aw as f64, ah as f64);
    let z = Sizes::at(s);
    let xs = c.series.iter().flat_map(|r| r.points.iter().map(|p| p[0]));
    let x = Axis::over(xs, c.log_x, None);
    let any_ranged = c.series.iter().any(|r| r.ranged);
    let ys = c.series.iter().filter(|r| r.ranged || !any_ranged).flat_map(|r| {
        r.points
            .iter()
            .map(|p| p[1])
            .chain(r.band.iter().flat_map(|b| [b[1], b[2]]))
    });
    let y = Axis::over(ys, c.log_y, c.y_range);

    let title_h = if c.title.is_some() { z.title * 1.7 } else { 0.0 };
    let ylabel_h = text::height(z.axis) + 6.0 * s;
    let top = 8.0 * s + title_h + ylabel_h;
    let bottom = z.tick_len + 4.0 * s + text::height(z.tick) + 4.0 * s + text::height(z.axis) + 6.0 * s;
    let plot_h = (ah - top - bottom).max(20.0);
    let yticks = y.ticks(((plot_h / (40.0 * s)) as usize).clamp(2, 8));
    let ylabel_w = yticks
        .iter()
        .map(|v| text::width(&label(*v), z.tick))
        .fold(0.0, f64::max);
    let left = 8.0 * s + ylabel_w + 4.0 * s + z.tick_len;
    let legend = measure_legend(&c.legend, z.legend, s);
    let right = match (&legend, c.legend_outside) {
        (Some(l), true) => 20.0 * s + l.w,
        _ => 16.0 * s,
    };
    let plot_w = (aw - left - right).max(20.0);
    let (x0, y0, pw, ph) = (left.round(), top.round(), plot_w.round(), plot_h.round());
    let plot = area.clone().shrink((x0 as i32, y0 as i32), (pw as u32, ph as u32));
    let px = |p: [f64; 2]| -> Option<(i32, i32)> {
        let (fx, fy) = (x.at(p[0]), y.at(p[1]));
        (fx.is_finite() && fy.is_finite()).then(|| {
            (
                (fx * (pw - 1.0)).round() as i32,
                ((1.0 - fy) * (ph - 1.0)).round() as i32,
            )
        })
    };

    // Grid lines at the ticks, then bands, lines and markers.
    let grid = BLACK.mix(0.08).stroke_width(1);
    let xticks = x.ticks(((pw / (80.0 * s)) as usize).clamp(2, 8));
    for v in &xticks {
        if let Some((gx, _)) = px([*v, y.lo.max(f64::MIN_POSITIVE)]) {
            plot.draw(&PathElement::new(vec![(gx, 0), (gx, ph as i32)], grid))
                .map_err(drawing)?;
        }
    }
    for v in &yticks {
        if let Some((_, gy)) = px([x.lo.max(f64::MIN_POSITIVE), *v]) {
            plot.draw(&PathElement::new(vec![(0, gy), (pw as i32, gy)], grid))
                .map_err(drawing)?;
        }
    }
    // Bands pale with their number, so that eight overlapping ones still let the lines through.
    let banded = c.series.iter().filter(|r| !r.band.is_empty()).count();
    let band_alpha = if banded <= 3 {
        0.2
    } else {
        (0.6 / banded as f64).max(0.07)
    };
    for r in &c.series {
        // The band as one polygon per unbroken stretch: the high edge forwards, the low edge back.
        let mut stretch: Vec<((i32, i32), (i32, i32))> = Vec::new();
        for b in r
            .band
            .iter()
            .map(|b| px([b[0], b[1]]).zip(px([b[0], b[2]])))
            .chain([None])
        {
            match b {
                Some(pair) => stretch.push(pair),
                None => {
                    if stretch.len() > 1 {
                        let outline: Vec<(i32, i32)> = stretch
                            .iter()
                            .map(|p| p.1)
                            .chain(stretch.iter().rev().map(|p| p.0))
                            .collect();
                        plot.draw(&Polygon::new(outline, rgb(r.color).mix(band_alpha).filled()))
                            .map_err(drawing)?;
                    }
                    stretch.clear();
                }
            }
        }
    }
    for r in &c.series {
        let style = rgb(r.color).stroke_width((r.width * s).round().max(1.0) as u32);
        let mut run: Vec<(i32, i32)> = Vec::new();
        for p in r.points.iter().map(|p| px(*p)).chain([None]) {
            match p {
                Some(q) => {
                    if run.last() != Some(&q) {
                        run.push(q);
                    }
                }
                None => {
                    // Segment by segment: plotters' mitred joins of a wide polyline reach far at sharp turns.
                    for w in run.windows(2) {
                        plot.draw(&PathElement::new(vec![w[0], w[1]], style)).map_err(drawing)?;
                    }
                    run.clear();
                }
            }
        }
        if r.markers {
            let dot = (2.5 * s).round().max(1.0) as i32;
            for q in r.points.iter().filter_map(|p| px(*p)) {
                plot.draw(&Circle::new(q, dot, rgb(r.color).filled()))
                    .map_err(drawing)?;
            }
        }
        if let Some(q) = r.emphasis.and_then(px) {
            let ring = (5.5 * s).round().max(2.0) as i32;
            plot.draw(&Circle::new(
                q,
                ring,
                BLACK.stroke_width((1.5 * s).round().max(1.0) as u32),
            ))
            .map_err(drawing)?;
        }
    }

    // The frame, ticks, labels and names.
    plot.draw(&Rectangle::new(
        [(0, 0), (pw as i32 - 1, ph as i32 - 1)],
        BLACK.mix(0.8).stroke_width(1),
    ))
    .map_err(drawing)?;
    let xs: Vec<(f64, String)> = xticks.iter().map(|v| (x0 + x.at(*v) * (pw - 1.0), label(*v))).collect();
    let ys: Vec<(f64, String)> = yticks
        .iter()
        .map(|v| (y0 + (1.0 - y.at(*v)) * (ph - 1.0), label(*v)))
        .collect();
    draw_ticks(area, out, &z, s, (x0, y0 + ph), &xs, &ys)?;
    let x_name_y = y0 + ph + z.tick_len + 4.0 * s + text::height(z.tick) + 4.0 * s;
    let x_name = if c.log_x {
        format!("{} (log scale)", c.x_label)
    } else {
        c.x_label.clone()
    };
    write(
        area,
        out,
        &x_name,
        (x0 + pw / 2.0, x_name_y),
        z.axis,
        Align::Center,
        Valign::Top,
    )?;
    let y_name = if c.log_y {
        format!("{} (log scale)", c.y_label)
    } else {
        c.y_label.clone()
    };
    let (y_name, size) = text::fit(&y_name, z.axis, 8.0 * s, aw - x0);
    write(
        area,
        out,
        &y_name,
        (x0, y0 - 5.0 * s),
        size,
        Align::Left,
        Valign::Bottom,
    )?;
    if let Some(t) = &c.title {
        let (t, size) = text::fit(t, z.title, 8.0 * s, aw - 8.0 * s);
        write(
            area,
            out,
            &t,
            (x0 + pw / 2.0, 8.0 * s),
            size,
            Align::Center,
            Valign::Top,
        )?;
    }
    if let Some(l) = legend {
        let at = if c.legend_outside {
            (pw + 10.0 * s, 0.0)
        } else {
            best_corner(c, &l, (pw, ph), s, &px)
        };
        draw_legend(area, out, &l, (x0 + at.0, y0 + at.1), s)?;
    }
    Ok(())
}

/// The corner of the plot (top right first) whose legend box the lines cross least, sampled along each segment.
fn best_corner(
    c: &Chart,
    l: &LegendBox,
    (pw, ph): (f64, f64),
    s: f64,
    px: &dyn Fn([f64; 2]) -> Option<(i32, i32)>,
) -> (f64, f64) {
    let inset = 6.0 * s;
    let corners = [
        (pw - l.w - inset, inset),
        (inset, inset),
        (pw - l.w - inset, ph - l.h - inset),
        (inset, ph - l.h - inset),
    ];
    let mut samples: Vec<(f64, f64)> = Vec::new();
    for r in &c.series {
        let points: Vec<Option<(i32, i32)>> = r.points.iter().map(|p| px(*p)).collect();
        for w in points.windows(2) {
            if let [Some(a), Some(b)] = w {
                let (a, b) = ((a.0 as f64, a.1 as f64), (b.0 as f64, b.1 as f64));
                let n = ((b.0 - a.0).abs().max((b.1 - a.1).abs()) / 4.0)
                    .ceil()
                    .clamp(1.0, 200.0) as usize;
                samples.extend((0..=n).map(|k| {
                    let t = k as f64 / n as f64;
                    (a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t)
                }));
            }
        }
        samples.extend(points.iter().flatten().map(|q| (q.0 as f64, q.1 as f64)));
    }
    let crossings = |(cx, cy): (f64, f64)| {
        samples
            .iter()
            .filter(|(qx, qy)| *qx >= cx && *qx <= cx + l.w && *qy >= cy && *qy <= cy + l.h)
            .count()
    };
    let mut best = corners[0];
    for corner in &corners[1..] {
        if crossings(*corner) < crossings(best) {
            best = *corner;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_log_axis_spans_whole_decades_and_at_most_twenty() {
        let a = Axis::over([3e-7, 0.5, 0.0, -1.0, f64::INFINITY].into_iter(), true, None);
        assert_eq!((a.lo, a.hi), (1e-7, 1.0));
        assert_eq!(a.ticks(8), vec![1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0]);
        assert_eq!(a.ticks(4), vec![1e-6, 1e-4, 1e-2, 1.0]);
        assert_eq!(a.ticks(2), vec![1e-4, 1.0]);
        // Zero and values far below the range sit on the bottom edge; above it, the top.
        assert_eq!((a.at(0.0), a.at(1e-300), a.at(1e9)), (0.0, 0.0, 1.0));
        assert!(a.at(f64::NAN).is_nan());
        let wide = Axis::over([1e-300, 1.0].into_iter(), true, None);
        assert_eq!((wide.lo, wide.hi), (1e-20, 1.0));
        // Nothing positive: a unit range, no panic.
        let empty = Axis::over([0.0, -2.0].into_iter(), true, None);
        assert!(empty.lo > 0.0 && empty.hi > empty.lo);
    }

    #[test]
    fn a_linear_axis_pads_its_data_and_handles_one_value() {
        let a = Axis::over([0.0, 1.0].into_iter(), false, None);
        assert!(a.lo < 0.0 && a.hi > 1.0 && a.hi < 1.1);
        let one = Axis::over([5.0].into_iter(), false, None);
        assert!(one.lo < 5.0 && one.hi > 5.0);
        let fixed = Axis::over([5.0].into_iter(), false, Some([0.0, 1.0]));
        assert_eq!((fixed.lo, fixed.hi, fixed.at(5.0)), (0.0, 1.0, 1.0));
    }
}
