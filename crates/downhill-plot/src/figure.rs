//! Heat-map figures: one or more panels, each a landscape with optional contours, gradient field, paths and
//! markers, a colour bar and a legend. The landscape is a pixel buffer filled directly and blitted (PNG) or
//! embedded as one image (SVG); lines and markers are vector elements, text is the embedded font's outlines
//! ([`crate::text`]). The layout is computed here: axes, ticks and labels are placed by measuring their text,
//! the plot keeps the domain's aspect ratio unless asked to fill, and the legend goes where it hides least.

use std::sync::{Arc, Mutex};

use downhill::Function;
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::chart::{draw_chart, Chart};
use crate::colormap::Colormap;
use crate::encode::{self, Format, Raster};
use crate::scale::{fraction, label, lerp, nice_ticks};
use crate::text::{self, Align, Outlines, Valign};
use crate::PlotError;

/// A marker shape.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Shape {
    /// A filled square (matplotlib's `s`).
    Square,
    /// A filled circle (matplotlib's `o`).
    Circle,
}

/// A marker: shape, colour, half-size in pixels (before scaling).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Marker {
    /// Square or circle.
    pub shape: Shape,
    /// RGB.
    pub color: [u8; 3],
    /// Half the side or the radius, in pixels at scale 1.
    pub size: f64,
}

/// A path over the landscape: a polyline (start first) with optional start and end markers.
#[derive(Clone, Debug, PartialEq)]
pub struct Path {
    /// The points, the start first.
    pub points: Vec<[f64; 2]>,
    /// Line colour.
    pub color: [u8; 3],
    /// Line opacity in [0, 1].
    pub alpha: f64,
    /// Line width in pixels at scale 1.
    pub width: f64,
    /// A marker at the first point.
    pub start: Option<Marker>,
    /// A marker at the last point.
    pub end: Option<Marker>,
    /// Steps between two points after the first (1 for every step; more for a thinned trajectory), so that an
    /// animation can say which step it shows.
    pub stride: u64,
}

/// What a legend entry shows beside its text.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Glyph {
    /// A line of this colour.
    Line([u8; 3]),
    /// A marker.
    Marker(Marker),
}

/// One heat-map panel.
#[derive(Clone, Debug)]
pub struct Panel<'a> {
    /// The landscape's function.
    pub function: &'a Function,
    /// `[xmin, xmax, ymin, ymax]`.
    pub domain: [f64; 4],
    /// The colour map.
    pub colormap: Colormap,
    /// Values at or below `vmin` get the lowest colour, at or above `vmax` the highest. `None`: the landscape's
    /// own minimum and maximum over the domain.
    pub vmin: Option<f64>,
    /// See `vmin`.
    pub vmax: Option<f64>,
    /// The number of contour levels between vmin and vmax (0: none).
    pub contours: usize,
    /// Draw the descent direction (minus the gradient) as a field of arrows.
    pub quiver: bool,
    /// The panel title.
    pub title: Option<String>,
    /// Paths, drawn in order.
    pub paths: Vec<Path>,
    /// Legend entries (text and glyph). At most [`LEGEND_ROWS`] are drawn, the rest counted in a last row.
    pub legend: Vec<(String, Glyph)>,
    /// Where the legend goes.
    pub legend_place: LegendPlace,
    /// Draw a colour bar beside the panel.
    pub colorbar: bool,
    /// The sampled landscape and its raster, computed once and shared by clones (the frames of an animation).
    pub cache: LandscapeCache,
    /// A picture to show instead of the landscape (a basin map), stretched over the domain; no colour bar.
    pub image: Option<GridImage>,
    /// Whether the plot keeps the domain's aspect ratio.
    pub aspect: Aspect,
    /// Colours by the logarithm of `f - vmin` instead of `f` (for landscapes whose interesting part is a sliver
    /// of their range, such as Rosenbrock's valley).
    pub log_color: bool,
}

/// How the plot's x and y scales relate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Aspect {
    /// One unit of x is as long as one unit of y (matplotlib's `imshow`, and so the seed's figures).
    Equal,
    /// The plot fills the panel.
    Auto,
}

/// Where a panel's legend goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LegendPlace {
    /// Inside the plot, in the corner that hides the fewest path points and markers.
    Best,
    /// Beside the plot, on the right (where a landscape's colour bar would be).
    Outside,
}

/// The most legend rows drawn; further entries become one "+N more" row.
pub const LEGEND_ROWS: usize = 12;

/// An RGB picture over the domain: `rgb` holds `height` rows of `width` pixels, the top row at ymax.
#[derive(Clone, Debug, PartialEq)]
pub struct GridImage {
    /// Pixels per row.
    pub width: usize,
    /// Rows.
    pub height: usize,
    /// RGB bytes.
    pub rgb: Vec<u8>,
}

impl GridImage {
    /// The picture resampled to `w` by `h` pixels (nearest neighbour: cells stay crisp).
    fn resampled(&self, w: u32, h: u32) -> Vec<u8> {
        let mut out = Vec::with_capacity((w * h * 3) as usize);
        for py in 0..h as usize {
            let sy = (py * self.height / h as usize).min(self.height - 1);
            for px in 0..w as usize {
                let sx = (px * self.width / w as usize).min(self.width - 1);
                let i = (sy * self.width + sx) * 3;
                out.extend_from_slice(&self.rgb[i..i + 3]);
            }
        }
        out
    }
}

/// A panel's landscape, computed on first use. Clones share it; change the function, domain, colours or size
/// and make a new one.
#[derive(Clone, Debug, Default)]
pub struct LandscapeCache(Arc<Mutex<Cached>>);

#[derive(Debug, Default)]
struct Cached {
    samples: Option<Arc<Samples>>,
    raster: Option<((u32, u32), Vec<u8>)>,
}

impl LandscapeCache {
    fn samples(&self, make: impl FnOnce() -> Samples) -> Arc<Samples> {
        let mut c = self.0.lock().unwrap_or_else(|e| e.into_inner());
        c.samples.get_or_insert_with(|| Arc::new(make())).clone()
    }

    fn raster(&self, size: (u32, u32), make: impl FnOnce() -> Vec<u8>) -> Vec<u8> {
        let mut c = self.0.lock().unwrap_or_else(|e| e.into_inner());
        match &c.raster {
            Some((s, r)) if *s == size => r.clone(),
            _ => {
                let r = make();
                c.raster = Some((size, r.clone()));
                r
            }
        }
    }
}

impl<'a> Panel<'a> {
    /// A bare landscape panel with the seed's look for peaks: jet, no contours.
    pub fn new(function: &'a Function, domain: [f64; 4]) -> Panel<'a> {
        Panel {
            function,
            domain,
            colormap: Colormap::Jet,
            vmin: None,
            vmax: None,
            contours: 0,
            quiver: false,
            title: None,
            paths: Vec::new(),
            legend: Vec::new(),
            legend_place: LegendPlace::Best,
            colorbar: true,
            cache: LandscapeCache::default(),
            image: None,
            aspect: Aspect::Equal,
            log_color: false,
        }
    }
}

/// A figure: panels on a grid under an optional overall title.
#[derive(Clone, Debug)]
pub struct Figure<'a> {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Text and line scale (dots per inch / 100).
    pub scale: f64,
    /// The title over everything (matplotlib's suptitle).
    pub suptitle: Option<String>,
    /// The panels, row by row.
    pub panels: Vec<Panel<'a>>,
    /// Panels per row.
    pub columns: usize,
    /// A short text in the bottom right corner (an animation's step: "epoch 40 of 1000").
    pub note: Option<String>,
    /// Line charts: in the grid cells after the panels', or stacked in a column beside them.
    pub charts: Vec<Chart>,
    /// The share of the width (0 to 1) a column of charts takes on the right of the panels, the charts stacked
    /// in it (loss curves beside a landscape); `None`: the charts take grid cells after the panels.
    pub charts_beside: Option<f64>,
}

/// The values of a function on a grid of nodes spanning the domain (both ends included).
#[derive(Debug)]
pub struct Samples {
    /// Nodes along x.
    pub nx: usize,
    /// Nodes along y.
    pub ny: usize,
    /// `values[j * nx + i]` is f at node (i, j); j = 0 is ymin.
    pub values: Vec<f64>,
    /// The domain.
    pub domain: [f64; 4],
}

impl Samples {
    /// Evaluates `f` at `nx` by `ny` nodes.
    pub fn new(f: &Function, domain: [f64; 4], nx: usize, ny: usize) -> Samples {
        let (nx, ny) = (nx.max(2), ny.max(2));
        let mut slots = Vec::new();
        let mut values = Vec::with_capacity(nx * ny);
        for j in 0..ny {
            let y = lerp(domain[2], domain[3], j as f64 / (ny - 1) as f64);
            for i in 0..nx {
                let x = lerp(domain[0], domain[1], i as f64 / (nx - 1) as f64);
                values.push(f.value_with([x, y], &mut slots));
            }
        }
        Samples { nx, ny, values, domain }
    }

    /// The finite minimum and maximum (0, 1 when nothing is finite; widened when flat).
    pub fn range(&self) -> (f64, f64) {
        let finite = self.values.iter().copied().filter(|v| v.is_finite());
        let (lo, hi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)));
        if lo > hi {
            (0.0, 1.0)
        } else if lo == hi {
            (lo - 0.5, hi + 0.5)
        } else {
            (lo, hi)
        }
    }

    /// f at fractional node coordinates, bilinear between nodes (NaN when a corner is not finite).
    fn at(&self, fi: f64, fj: f64) -> f64 {
        let i = (fi.floor().max(0.0) as usize).min(self.nx - 2);
        let j = (fj.floor().max(0.0) as usize).min(self.ny - 2);
        let (u, v) = (fi - i as f64, fj - j as f64);
        let z = |a: usize, b: usize| self.values[b * self.nx + a];
        let (z00, z10, z01, z11) = (z(i, j), z(i + 1, j), z(i, j + 1), z(i + 1, j + 1));
        let bottom = z00 + (z10 - z00) * u;
        let top = z01 + (z11 - z01) * u;
        bottom + (top - bottom) * v
    }
}

/// The colour of non-finite values.
const NAN_COLOR: [u8; 3] = [200, 200, 200];

/// Entries of the colour lookup table used for rasters (finer than the 256 of matplotlib's tables).
const LUT: usize = 1024;

/// Values to colours: linear from vmin to vmax, or logarithmic in `f - vmin` (with a floor a millionth of the
/// range above it, so vmin itself has a colour).
#[derive(Clone, Copy, Debug)]
struct ColorScale {
    lo: f64,
    hi: f64,
    log: bool,
}

impl ColorScale {
    /// Half the range above vmin (halves never overflow) and half the floor.
    fn halves(&self) -> (f64, f64) {
        let half_range = (self.hi / 2.0 - self.lo / 2.0).max(f64::MIN_POSITIVE);
        (half_range, half_range * 1e-6)
    }

    /// Where `v` falls in the colour map, from 0 to 1 (beyond for values outside; NaN stays NaN).
    fn t(&self, v: f64) -> f64 {
        if !self.log {
            return fraction(v, self.lo, self.hi);
        }
        let (range, floor) = self.halves();
        let u = (v / 2.0 - self.lo / 2.0).max(0.0);
        ((u + floor).ln() - floor.ln()) / ((range + floor).ln() - floor.ln())
    }

    /// The value at `t` (the inverse of [`ColorScale::t`]).
    fn value(&self, t: f64) -> f64 {
        if !self.log {
            return lerp(self.lo, self.hi, t);
        }
        let (range, floor) = self.halves();
        let u = (floor.ln() + t * ((range + floor).ln() - floor.ln())).exp() - floor;
        self.lo + 2.0 * u
    }

    /// Ticks for the colour bar: (position 0..1, label). Linear: round values of f. Log: powers of ten of
    /// f - vmin.
    fn ticks(&self) -> Vec<(f64, String)> {
        if !self.log {
            return nice_ticks(self.lo, self.hi, 6)
                .into_iter()
                .map(|v| (self.t(v), label(v)))
                .collect();
        }
        let (range, floor) = self.halves();
        let (from, to) = (
            (2.0 * floor).log10().ceil() as i32,
            (2.0 * range).log10().floor() as i32,
        );
        let step = ((to - from) / 6 + 1).max(1);
        (from..=to)
            .rev()
            .step_by(step as usize)
            .map(|k| {
                let d = 10f64.powi(k);
                (self.t(self.lo + d), label(d))
            })
            .collect()
    }

    /// The colour bar's title.
    fn title(&self) -> String {
        match (self.log, self.lo) {
            (false, _) => "f(x, y)".into(),
            (true, 0.0) => "f (log)".into(),
            (true, lo) if lo < 0.0 => format!("f + {} (log)", label(-lo)),
            (true, lo) => format!("f − {} (log)", label(lo)),
        }
    }
}

/// Colours an RGB raster of `w` by `h` pixels covering the domain, top row = ymax: bilinear values from the
/// samples, coloured through a lookup table.
fn heat_raster(s: &Samples, w: u32, h: u32, colormap: Colormap, scale: ColorScale) -> Vec<u8> {
    let lut: Vec<[u8; 3]> = (0..LUT).map(|k| colormap.rgb(k as f64 / (LUT - 1) as f64)).collect();
    let columns: Vec<f64> = (0..w)
        .map(|px| (px as f64 + 0.5) / w as f64 * (s.nx - 1) as f64)
        .collect();
    let mut rgb = Vec::with_capacity((w * h * 3) as usize);
    for py in 0..h {
        let fj = (1.0 - (py as f64 + 0.5) / h as f64) * (s.ny - 1) as f64;
        for &fi in &columns {
            let v = s.at(fi, fj);
            let c = if v.is_finite() {
                lut[(scale.t(v) * (LUT - 1) as f64).clamp(0.0, (LUT - 1) as f64) as usize]
            } else {
                NAN_COLOR
            };
            rgb.extend_from_slice(&c);
        }
    }
    rgb
}

pub(crate) fn rgb(c: [u8; 3]) -> RGBColor {
    RGBColor(c[0], c[1], c[2])
}

/// What an SVG document gets besides plotters' elements: rasters (embedded as PNG) and text outlines.
#[derive(Default)]
pub(crate) struct Vectors {
    rasters: Vec<Raster>,
    text: Outlines,
}

/// Where rasters and text go: drawn into the bitmap (`None`) or collected for an SVG document.
pub(crate) type Out<'s> = Option<&'s mut Vectors>;

/// Renders a figure in a format: PNG bytes or SVG text as bytes.
pub fn render(fig: &Figure, format: Format) -> Result<Vec<u8>, PlotError> {
    match format {
        Format::Png => {
            let rgb = render_rgb(fig)?;
            encode::png(&rgb, fig.width, fig.height)
        }
        Format::Svg => {
            let mut svg = String::new();
            let mut vectors = Vectors::default();
            {
                let root = SVGBackend::with_string(&mut svg, (fig.width, fig.height)).into_drawing_area();
                draw_figure(&root, fig, &mut Some(&mut vectors))?;
                root.present().map_err(drawing)?;
            }
            Ok(encode::svg_with(&svg, &vectors.rasters, &vectors.text.0)?.into_bytes())
        }
        Format::Gif => Err(PlotError::Drawing(
            "a still figure cannot be a GIF; animations have their own call".into(),
        )),
    }
}

/// Renders a figure to an RGB buffer of `width * height * 3` bytes.
pub fn render_rgb(fig: &Figure) -> Result<Vec<u8>, PlotError> {
    let mut buf = vec![255u8; (fig.width * fig.height * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut buf, (fig.width, fig.height)).into_drawing_area();
        draw_figure(&root, fig, &mut None)?;
        root.present().map_err(drawing)?;
    }
    Ok(buf)
}

pub(crate) fn drawing<E: std::error::Error + Send + Sync>(e: DrawingAreaErrorKind<E>) -> PlotError {
    PlotError::Drawing(e.to_string())
}

/// Text on `area` (see [`text::draw`]), into the bitmap or the SVG document's outlines.
#[allow(clippy::too_many_arguments)]
pub(crate) fn write<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    out: &mut Out,
    t: &str,
    at: (f64, f64),
    size: f64,
    align: Align,
    valign: Valign,
) -> Result<(), PlotError> {
    text::draw(
        area,
        out.as_deref_mut().map(|v| &mut v.text),
        t,
        at,
        size,
        [0, 0, 0],
        align,
        valign,
    )
}

fn draw_figure<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    fig: &Figure,
    out: &mut Out,
) -> Result<(), PlotError> {
    root.fill(&WHITE).map_err(drawing)?;
    let s = fig.scale;
    let body = match &fig.suptitle {
        Some(t) => {
            let (top, body) = root.split_vertically((30.0 * s) as u32);
            let (w, _) = top.dim_in_pixel();
            let (t, size) = text::fit(t, 17.0 * s, 9.0 * s, w as f64 - 16.0 * s);
            write(
                &top,
                out,
                &t,
                (w as f64 / 2.0, 8.0 * s),
                size,
                Align::Center,
                Valign::Top,
            )?;
            body
        }
        None => root.clone(),
    };
    let columns = fig.columns.max(1);
    match fig.charts_beside {
        Some(share) if !fig.charts.is_empty() => {
            let (w, _) = body.dim_in_pixel();
            let split = (w as f64 * (1.0 - share.clamp(0.1, 0.9))).round() as u32;
            let (left, right) = body.split_horizontally(split);
            let rows = fig.panels.len().div_ceil(columns).max(1);
            for (panel, area) in fig.panels.iter().zip(&left.split_evenly((rows, columns))) {
                draw_panel(area, panel, s, out)?;
            }
            for (chart, area) in fig.charts.iter().zip(&right.split_evenly((fig.charts.len(), 1))) {
                draw_chart(area, chart, s, out)?;
            }
        }
        _ => {
            let rows = (fig.panels.len() + fig.charts.len()).div_ceil(columns).max(1);
            let areas = body.split_evenly((rows, columns));
            for (panel, area) in fig.panels.iter().zip(&areas) {
                draw_panel(area, panel, s, out)?;
            }
            for (chart, area) in fig.charts.iter().zip(areas.iter().skip(fig.panels.len())) {
                draw_chart(area, chart, s, out)?;
            }
        }
    }
    if let Some(note) = &fig.note {
        let (w, h) = root.dim_in_pixel();
        write(
            root,
            out,
            note,
            (w as f64 - 8.0 * s, h as f64 - 6.0 * s),
            12.0 * s,
            Align::Right,
            Valign::Bottom,
        )?;
    }
    Ok(())
}

/// Liang-Barsky: the part of segment a-b inside the box, if any.
fn clip_segment(a: [f64; 2], b: [f64; 2], d: [f64; 4]) -> Option<([f64; 2], [f64; 2])> {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    for (p, q) in [
        (-dx, a[0] - d[0]),
        (dx, d[1] - a[0]),
        (-dy, a[1] - d[2]),
        (dy, d[3] - a[1]),
    ] {
        if p == 0.0 {
            if q < 0.0 {
                return None;
            }
        } else {
            let r = q / p;
            if p < 0.0 {
                t0 = t0.max(r);
            } else {
                t1 = t1.min(r);
            }
        }
    }
    (t0 <= t1).then(|| ([a[0] + t0 * dx, a[1] + t0 * dy], [a[0] + t1 * dx, a[1] + t1 * dy]))
}

/// A polyline cut to the box: the runs of points inside it, with the crossings added.
pub fn clip_polyline(points: &[[f64; 2]], d: [f64; 4]) -> Vec<Vec<(f64, f64)>> {
    let mut runs: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut current: Vec<(f64, f64)> = Vec::new();
    for w in points.windows(2) {
        if !(w[0].iter().chain(&w[1]).all(|v| v.is_finite())) {
            if current.len() > 1 {
                runs.push(std::mem::take(&mut current));
            }
            current.clear();
            continue;
        }
        match clip_segment(w[0], w[1], d) {
            Some((p, q)) => {
                let p = (p[0], p[1]);
                if current.last() != Some(&p) {
                    if current.len() > 1 {
                        runs.push(std::mem::take(&mut current));
                    }
                    current = vec![p];
                }
                current.push((q[0], q[1]));
                if q != w[1] {
                    runs.push(std::mem::take(&mut current));
                }
            }
            None => {
                if current.len() > 1 {
                    runs.push(std::mem::take(&mut current));
                }
                current.clear();
            }
        }
    }
    if current.len() > 1 {
        runs.push(current);
    }
    runs
}

fn inside(p: [f64; 2], d: [f64; 4]) -> bool {
    p[0] >= d[0] && p[0] <= d[1] && p[1] >= d[2] && p[1] <= d[3]
}

/// Where a panel's plot lies in its area, in pixels, and the domain it shows.
#[derive(Clone, Copy, Debug)]
struct Frame {
    x0: f64,
    y0: f64,
    w: f64,
    h: f64,
    d: [f64; 4],
}

impl Frame {
    /// A point of the domain in the plot's own pixels (0, 0 at its top left).
    fn local(&self, p: [f64; 2]) -> (f64, f64) {
        (
            fraction(p[0], self.d[0], self.d[1]) * self.w,
            (1.0 - fraction(p[1], self.d[2], self.d[3])) * self.h,
        )
    }

    fn pixel(&self, p: [f64; 2]) -> (i32, i32) {
        let (x, y) = self.local(p);
        (x.round() as i32, y.round() as i32)
    }
}

/// Sizes of a panel's text, in pixels at the figure's scale.
pub(crate) struct Sizes {
    pub(crate) tick: f64,
    pub(crate) axis: f64,
    pub(crate) title: f64,
    pub(crate) legend: f64,
    pub(crate) tick_len: f64,
}

impl Sizes {
    pub(crate) fn at(s: f64) -> Sizes {
        Sizes {
            tick: 12.0 * s,
            axis: 13.0 * s,
            title: 14.0 * s,
            legend: 12.0 * s,
            tick_len: 3.5 * s,
        }
    }
}

/// A legend's box size and rows, measured.
pub(crate) struct LegendBox {
    rows: Vec<(String, Option<Glyph>)>,
    size: f64,
    pub(crate) w: f64,
    pub(crate) h: f64,
    line_h: f64,
    glyph_w: f64,
    pad: f64,
}

pub(crate) fn measure_legend(entries: &[(String, Glyph)], size: f64, s: f64) -> Option<LegendBox> {
    if entries.is_empty() {
        return None;
    }
    let mut rows: Vec<(String, Option<Glyph>)> = Vec::new();
    let shown = if entries.len() > LEGEND_ROWS {
        LEGEND_ROWS - 1
    } else {
        entries.len()
    };
    rows.extend(entries[..shown].iter().map(|(t, g)| (t.clone(), Some(*g))));
    if entries.len() > shown {
        rows.push((format!("+{} more", entries.len() - shown), None));
    }
    let (line_h, glyph_w, pad) = (18.0 * s, 22.0 * s, 6.0 * s);
    let text_w = rows.iter().map(|(t, _)| text::width(t, size)).fold(0.0, f64::max);
    Some(LegendBox {
        size,
        w: pad * 3.0 + glyph_w + text_w,
        h: pad * 2.0 + line_h * rows.len() as f64,
        rows,
        line_h,
        glyph_w,
        pad,
    })
}

fn draw_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    p: &Panel,
    s: f64,
    out: &mut Out,
) -> Result<(), PlotError> {
    let d = p.domain;
    let drawable = |lo: f64, hi: f64| lo.is_finite() && hi.is_finite() && lo < hi && (hi - lo).is_finite();
    if !(drawable(d[0], d[1]) && drawable(d[2], d[3])) {
        return Err(PlotError::BadSetting(format!(
            "the domain {d:?} cannot be drawn: each side must be finite, increasing, and narrower than 1.8e308"
        )));
    }
    let (aw, ah) = area.dim_in_pixel();
    let (aw, ah) = (aw as f64, ah as f64);
    let z = Sizes::at(s);
    let landscape = p.image.is_none();
    // The seed samples peaks at 201 x 201 nodes; finer adds nothing visible under bilinear interpolation.
    let nodes = |pixels: f64| (pixels as usize).clamp(2, 201);
    let samples =
        (landscape || p.contours > 0).then(|| p.cache.samples(|| Samples::new(p.function, d, nodes(aw), nodes(ah))));
    let (lo, hi) = samples.as_ref().map_or((0.0, 1.0), |s| s.range());
    let (vmin, vmax) = (p.vmin.unwrap_or(lo), p.vmax.unwrap_or(hi));
    let scale = ColorScale {
        lo: vmin,
        hi: if vmax > vmin { vmax } else { vmin + 1.0 },
        log: p.log_color,
    };

    // Margins, from the text they hold.
    let title_h = if p.title.is_some() { z.title * 1.7 } else { 0.0 };
    let top = 8.0 * s + title_h;
    let bottom = z.tick_len + 4.0 * s + text::height(z.tick) + 4.0 * s + text::height(z.axis) + 4.0 * s;
    let approx_h = (ah - top - bottom).max(20.0);
    let yticks = nice_ticks(d[2], d[3], ((approx_h / (42.0 * s)) as usize).clamp(3, 9));
    let ylabel_w = yticks
        .iter()
        .map(|v| text::width(&label(*v), z.tick))
        .fold(0.0, f64::max);
    let left = 8.0 * s + text::width("y", z.axis) + 8.0 * s + ylabel_w + 4.0 * s + z.tick_len;
    let right = 12.0 * s;
    let outside = p.legend_place == LegendPlace::Outside;
    let legend = measure_legend(&p.legend, if outside { z.legend * 0.92 } else { z.legend }, s);
    // Beside the plot: the colour bar (landscapes) or the legend placed outside.
    let bar = landscape && p.colorbar;
    let colour_ticks = if bar { scale.ticks() } else { Vec::new() };
    let beside = if bar {
        let labels_w = colour_ticks
            .iter()
            .map(|(_, t)| text::width(t, z.tick * 0.92))
            .fold(0.0, f64::max);
        let title_w = text::width(&scale.title(), z.tick * 0.92);
        12.0 * s + (14.0 * s + z.tick_len + 3.0 * s + labels_w).max(title_w)
    } else if outside {
        legend.as_ref().map_or(0.0, |l| 10.0 * s + l.w)
    } else {
        0.0
    };
    let avail_w = (aw - left - right - beside).max(20.0);
    let avail_h = (ah - top - bottom).max(20.0);
    let (mut pw, mut ph) = (avail_w, avail_h);
    if p.aspect == Aspect::Equal {
        // One unit of x as long as one of y: the widths divided without overflow.
        let ratio = (d[1] / 2.0 - d[0] / 2.0) / (d[3] / 2.0 - d[2] / 2.0);
        if pw / ph > ratio {
            pw = ph * ratio;
        } else {
            ph = pw / ratio;
        }
        pw = pw.max(20.0);
        ph = ph.max(20.0);
    }
    // The plot and what is beside it, centred in the space they have.
    let x0 = (left + (avail_w - pw) / 2.0).round();
    let y0 = (top + (avail_h - ph) / 2.0).round();
    let (pw, ph) = (pw.round(), ph.round());
    let frame = Frame {
        x0,
        y0,
        w: pw,
        h: ph,
        d,
    };
    let plot = area.clone().shrink((x0 as i32, y0 as i32), (pw as u32, ph as u32));

    // The landscape (or picture), one pixel per pixel.
    let (pwi, phi) = (pw as u32, ph as u32);
    let raster = match (&p.image, &samples) {
        (Some(image), _) => image.resampled(pwi, phi),
        (None, Some(samples)) => p
            .cache
            .raster((pwi, phi), || heat_raster(samples, pwi, phi, p.colormap, scale)),
        (None, None) => vec![255; (pwi * phi * 3) as usize],
    };
    blit(&plot, raster, (pwi, phi), out)?;

    if let (true, Some(samples)) = (p.contours > 0, &samples) {
        let levels: Vec<f64> = (1..=p.contours)
            .map(|k| scale.value(k as f64 / (p.contours + 1) as f64))
            .collect();
        let style = BLACK.mix(0.45).stroke_width(s.max(1.0) as u32);
        for (a, b) in crate::contour::segments(samples, &levels) {
            plot.draw(&PathElement::new(
                vec![frame.pixel([a.0, a.1]), frame.pixel([b.0, b.1])],
                style,
            ))
            .map_err(drawing)?;
        }
    }
    if p.quiver {
        draw_quiver(&plot, &frame, p.function, s)?;
    }
    draw_paths(&plot, &frame, p, s)?;

    // The frame, ticks and labels.
    plot.draw(&Rectangle::new(
        [(0, 0), (pw as i32 - 1, ph as i32 - 1)],
        BLACK.mix(0.8).stroke_width(1),
    ))
    .map_err(drawing)?;
    let xticks = nice_ticks(d[0], d[1], ((pw / (70.0 * s)) as usize).clamp(3, 9));
    let xs: Vec<(f64, String)> = xticks
        .iter()
        .map(|v| (x0 + fraction(*v, d[0], d[1]) * pw, label(*v)))
        .collect();
    let ys: Vec<(f64, String)> = yticks
        .iter()
        .map(|v| (y0 + (1.0 - fraction(*v, d[2], d[3])) * ph, label(*v)))
        .collect();
    draw_ticks(area, out, &z, s, (x0, y0 + ph), &xs, &ys)?;
    let x_name_y = y0 + ph + z.tick_len + 4.0 * s + text::height(z.tick) + 4.0 * s;
    write(
        area,
        out,
        "x",
        (x0 + pw / 2.0, x_name_y),
        z.axis,
        Align::Center,
        Valign::Top,
    )?;
    let y_name_x = x0 - z.tick_len - 4.0 * s - ylabel_w - 8.0 * s;
    write(
        area,
        out,
        "y",
        (y_name_x, y0 + ph / 2.0),
        z.axis,
        Align::Right,
        Valign::Middle,
    )?;
    if let Some(t) = &p.title {
        // Just above the plot (which may sit lower than the top margin, centred), within the panel's width.
        let (t, size) = text::fit(t, z.title, 8.0 * s, aw - 8.0 * s);
        let half = text::width(&t, size) / 2.0;
        let cx = (x0 + pw / 2.0).clamp(half + 4.0 * s, (aw - half - 4.0 * s).max(half + 4.0 * s));
        let ty = (y0 - title_h).max(8.0 * s);
        write(area, out, &t, (cx, ty), size, Align::Center, Valign::Top)?;
    }
    if bar {
        draw_colorbar(area, out, p.colormap, &scale, &colour_ticks, &frame, s)?;
    }
    if let Some(l) = &legend {
        let at = if outside {
            (x0 + pw + 10.0 * s, y0)
        } else {
            best_corner(&frame, p, l.w, l.h, s)
        };
        draw_legend(area, out, l, at, s)?;
    }
    Ok(())
}

/// Ticks and their labels along the bottom (`xs`: pixel x and label) and the left (`ys`: pixel y and label)
/// of a plot whose bottom-left corner is at `corner`, in `area`'s pixels.
pub(crate) fn draw_ticks<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    out: &mut Out,
    z: &Sizes,
    s: f64,
    (left, bottom): (f64, f64),
    xs: &[(f64, String)],
    ys: &[(f64, String)],
) -> Result<(), PlotError> {
    let style = BLACK.stroke_width(1);
    for &(x, ref text) in xs {
        let px = x.round() as i32;
        area.draw(&PathElement::new(
            vec![(px, bottom as i32), (px, (bottom + z.tick_len) as i32)],
            style,
        ))
        .map_err(drawing)?;
        let at = (x, bottom + z.tick_len + 3.0 * s);
        write(area, out, text, at, z.tick, Align::Center, Valign::Top)?;
    }
    for &(y, ref text) in ys {
        let py = y.round() as i32;
        area.draw(&PathElement::new(
            vec![((left - z.tick_len) as i32, py), (left as i32, py)],
            style,
        ))
        .map_err(drawing)?;
        let at = (left - z.tick_len - 3.0 * s, y);
        write(area, out, text, at, z.tick, Align::Right, Valign::Middle)?;
    }
    Ok(())
}

/// Paths as pixel segments, each drawn alone: plotters joins the segments of a wide polyline with mitres,
/// which at a sharp reversal reach far from the path, and a segment of zero length (two points on one pixel)
/// makes its corners NaN, drawn at the panel's corner. Where a path leaves the domain, a small arrowhead on
/// the edge shows where it went; start and end markers are drawn over every path.
fn draw_paths<DB: DrawingBackend>(
    plot: &DrawingArea<DB, Shift>,
    frame: &Frame,
    p: &Panel,
    s: f64,
) -> Result<(), PlotError> {
    let d = frame.d;
    for path in &p.paths {
        let color = rgb(path.color)
            .mix(path.alpha)
            .stroke_width((path.width * s).round().max(1.0) as u32);
        for run in clip_polyline(&path.points, d) {
            let mut last: Option<(i32, i32)> = None;
            for pt in run {
                let q = frame.pixel([pt.0, pt.1]);
                match last {
                    Some(a) if a == q => continue,
                    Some(a) => plot.draw(&PathElement::new(vec![a, q], color)).map_err(drawing)?,
                    None => {}
                }
                last = Some(q);
            }
        }
        // Faint paths (one of hundreds of trajectories) are not marked: their arrowheads would crowd the edge.
        if path.alpha >= 0.75 {
            for (at, towards) in exits(&path.points, d).into_iter().take(20) {
                draw_exit(plot, frame, at, towards, path.color, path.width * s)?;
            }
        }
    }
    // End markers first, so that a start stays visible where a path has not moved yet (the first frame of an
    // animation) or came back to it.
    for path in &p.paths {
        let ends = [(path.end, path.points.last()), (path.start, path.points.first())];
        for (marker, point) in ends {
            if let (Some(m), Some(&pt)) = (marker, point) {
                if inside(pt, d) {
                    draw_marker(plot, m, frame.pixel(pt), s)?;
                }
            }
        }
    }
    Ok(())
}

/// Where a path crosses out of the box: the crossing and a point beyond it (its direction).
fn exits(points: &[[f64; 2]], d: [f64; 4]) -> Vec<([f64; 2], [f64; 2])> {
    points
        .windows(2)
        .filter(|w| inside(w[0], d) && !inside(w[1], d) && w[1].iter().all(|v| v.is_finite()))
        .filter_map(|w| clip_segment(w[0], w[1], d).map(|(_, q)| (q, w[1])))
        .collect()
}

fn draw_exit<DB: DrawingBackend>(
    plot: &DrawingArea<DB, Shift>,
    frame: &Frame,
    at: [f64; 2],
    towards: [f64; 2],
    color: [u8; 3],
    s: f64,
) -> Result<(), PlotError> {
    let (ax, ay) = frame.local(at);
    // The direction in pixels, from the unclipped segment's far end (clamped: it may be very far).
    let far = [towards[0].clamp(-1e300, 1e300), towards[1].clamp(-1e300, 1e300)];
    let (bx, by) = (
        (fraction(far[0], frame.d[0], frame.d[1]) * frame.w).clamp(-1e6, 1e6),
        ((1.0 - fraction(far[1], frame.d[2], frame.d[3])) * frame.h).clamp(-1e6, 1e6),
    );
    let (dx, dy) = (bx - ax, by - ay);
    let n = dx.hypot(dy);
    if !(n.is_finite() && n > 0.0) {
        return Ok(());
    }
    let (ux, uy) = (dx / n, dy / n);
    let len = 6.0 * s;
    let half = 3.0 * s;
    // An arrowhead whose tip is on the edge, pointing out.
    let tip = (ax, ay);
    let base = (ax - ux * len, ay - uy * len);
    let pts = vec![
        (tip.0.round() as i32, tip.1.round() as i32),
        ((base.0 - uy * half).round() as i32, (base.1 + ux * half).round() as i32),
        ((base.0 + uy * half).round() as i32, (base.1 - ux * half).round() as i32),
    ];
    plot.draw(&Polygon::new(pts.clone(), rgb(color).filled()))
        .map_err(drawing)?;
    let mut outline = pts;
    outline.push(outline[0]);
    plot.draw(&PathElement::new(outline, BLACK.mix(0.6).stroke_width(1)))
        .map_err(drawing)?;
    Ok(())
}

/// The corner of the plot whose legend box would hide the fewest path points and markers (ties in
/// matplotlib's order: upper right, upper left, lower left, lower right).
fn best_corner(frame: &Frame, p: &Panel, w: f64, h: f64, s: f64) -> (f64, f64) {
    let pad = 6.0 * s;
    let corners = [
        (frame.x0 + frame.w - w - pad, frame.y0 + pad),
        (frame.x0 + pad, frame.y0 + pad),
        (frame.x0 + pad, frame.y0 + frame.h - h - pad),
        (frame.x0 + frame.w - w - pad, frame.y0 + frame.h - h - pad),
    ];
    let mut obstacles: Vec<((f64, f64), usize)> = Vec::new();
    for path in &p.paths {
        // Every point of short paths, an even sample of long ones; markers weigh as much as a whole path.
        let step = (path.points.len() / 2000).max(1);
        if path.alpha > 0.0 {
            for pt in path.points.iter().step_by(step).filter(|pt| inside(**pt, frame.d)) {
                obstacles.push((frame.local(*pt), 1));
            }
        }
        for (m, pt) in [(path.start, path.points.first()), (path.end, path.points.last())] {
            if let (Some(_), Some(pt)) = (m, pt) {
                if inside(*pt, frame.d) {
                    obstacles.push((frame.local(*pt), 1000));
                }
            }
        }
    }
    let cost = |(cx, cy): (f64, f64)| -> usize {
        obstacles
            .iter()
            .filter(|((x, y), _)| {
                let (x, y) = (frame.x0 + x, frame.y0 + y);
                x >= cx - 4.0 * s && x <= cx + w + 4.0 * s && y >= cy - 4.0 * s && y <= cy + h + 4.0 * s
            })
            .map(|(_, weight)| weight)
            .sum()
    };
    let mut best = corners[0];
    let mut best_cost = cost(best);
    for &c in &corners[1..] {
        let k = cost(c);
        if k < best_cost {
            (best, best_cost) = (c, k);
        }
    }
    best
}

fn blit<DB: DrawingBackend>(
    plot: &DrawingArea<DB, Shift>,
    raster: Vec<u8>,
    size: (u32, u32),
    out: &mut Out,
) -> Result<(), PlotError> {
    match out {
        Some(v) => {
            let (xr, yr) = plot.get_pixel_range();
            v.rasters.push(Raster {
                pos: (xr.start, yr.start),
                size,
                rgb: raster,
            });
        }
        None => {
            let element = BitMapElement::with_owned_buffer((0, 0), size, raster)
                .ok_or_else(|| PlotError::Drawing("raster size mismatch".into()))?;
            plot.draw(&element).map_err(drawing)?;
        }
    }
    Ok(())
}

fn draw_marker<DB: DrawingBackend>(
    plot: &DrawingArea<DB, Shift>,
    m: Marker,
    at: (i32, i32),
    s: f64,
) -> Result<(), PlotError> {
    let r = (m.size * s).round().max(1.0) as i32;
    let color = rgb(m.color);
    // A thin dark outline separates big markers from the landscape; on tiny ones it would hide the colour.
    let outline = if r >= 3 {
        BLACK.mix(0.6).stroke_width(1)
    } else {
        color.stroke_width(1)
    };
    let (x, y) = at;
    match m.shape {
        Shape::Square => {
            plot.draw(&Rectangle::new([(x - r, y - r), (x + r, y + r)], color.filled()))
                .map_err(drawing)?;
            plot.draw(&Rectangle::new([(x - r, y - r), (x + r, y + r)], outline))
                .map_err(drawing)?;
        }
        Shape::Circle => {
            plot.draw(&Circle::new((x, y), r, color.filled())).map_err(drawing)?;
            plot.draw(&Circle::new((x, y), r, outline)).map_err(drawing)?;
        }
    }
    Ok(())
}

fn draw_quiver<DB: DrawingBackend>(
    plot: &DrawingArea<DB, Shift>,
    frame: &Frame,
    f: &Function,
    s: f64,
) -> Result<(), PlotError> {
    let d = frame.d;
    let n = 18;
    let style = WHITE.mix(0.85).stroke_width(s.max(1.0) as u32);
    // Arrows a fixed length in pixels (magnitudes span orders of magnitude), along the direction of descent.
    let (cw, ch) = (frame.w / n as f64, frame.h / n as f64);
    let cell = cw.min(ch);
    for j in 0..n {
        for i in 0..n {
            let (fx, fy) = ((i as f64 + 0.5) / n as f64, (j as f64 + 0.5) / n as f64);
            let p = [lerp(d[0], d[1], fx), lerp(d[2], d[3], fy)];
            let g = f.gradient(p);
            // The gradient in pixels per unit: x to the right, y downwards.
            let (gx, gy) = (g[0] * frame.w / (d[1] - d[0]), -g[1] * frame.h / (d[3] - d[2]));
            let norm = gx.hypot(gy);
            if !(norm.is_finite() && norm > 0.0) {
                continue;
            }
            let (ux, uy) = (-gx / norm, -gy / norm);
            let (cx, cy) = (fx * frame.w, (1.0 - fy) * frame.h);
            let (hx, hy) = (0.38 * cell * ux, 0.38 * cell * uy);
            let a = ((cx - hx).round() as i32, (cy - hy).round() as i32);
            let b = ((cx + hx).round() as i32, (cy + hy).round() as i32);
            plot.draw(&PathElement::new(vec![a, b], style)).map_err(drawing)?;
            // Arrowhead: two short strokes back from the tip, 25 degrees off the shaft.
            for angle in [2.7f64, -2.7] {
                let (c, sn) = (angle.cos(), angle.sin());
                let (rx, ry) = (ux * c - uy * sn, ux * sn + uy * c);
                let e = (
                    (b.0 as f64 + 0.3 * cell * rx).round() as i32,
                    (b.1 as f64 + 0.3 * cell * ry).round() as i32,
                );
                plot.draw(&PathElement::new(vec![b, e], style)).map_err(drawing)?;
            }
        }
    }
    Ok(())
}

pub(crate) fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    out: &mut Out,
    l: &LegendBox,
    (x0, y0): (f64, f64),
    s: f64,
) -> Result<(), PlotError> {
    let (x0i, y0i) = (x0.round() as i32, y0.round() as i32);
    let (x1i, y1i) = ((x0 + l.w).round() as i32, (y0 + l.h).round() as i32);
    area.draw(&Rectangle::new([(x0i, y0i), (x1i, y1i)], WHITE.mix(0.85).filled()))
        .map_err(drawing)?;
    area.draw(&Rectangle::new(
        [(x0i, y0i), (x1i, y1i)],
        BLACK.mix(0.3).stroke_width(1),
    ))
    .map_err(drawing)?;
    for (k, (t, glyph)) in l.rows.iter().enumerate() {
        let cy = y0 + l.pad + l.line_h * k as f64 + l.line_h / 2.0;
        let gx = x0 + l.pad + l.glyph_w / 2.0;
        match glyph {
            Some(Glyph::Line(c)) => {
                area.draw(&PathElement::new(
                    vec![
                        ((x0 + l.pad) as i32, cy as i32),
                        ((x0 + l.pad + l.glyph_w) as i32, cy as i32),
                    ],
                    rgb(*c).stroke_width((2.0 * s).round().max(1.0) as u32),
                ))
                .map_err(drawing)?;
            }
            Some(Glyph::Marker(m)) => {
                let r = (m.size * s).round().max(1.0) as i32;
                let (gx, gy) = (gx.round() as i32, cy.round() as i32);
                match m.shape {
                    Shape::Square => area.draw(&Rectangle::new(
                        [(gx - r, gy - r), (gx + r, gy + r)],
                        rgb(m.color).filled(),
                    )),
                    Shape::Circle => area.draw(&Circle::new((gx, gy), r, rgb(m.color).filled())),
                }
                .map_err(drawing)?;
            }
            None => {}
        }
        write(
            area,
            out,
            t,
            (x0 + l.pad * 2.0 + l.glyph_w, cy),
            l.size,
            Align::Left,
            Valign::Middle,
        )?;
    }
    Ok(())
}

/// The colour bar beside the plot: the colour map from vmin (bottom) to vmax (top), its ticks with labels clear
/// of the bar, and a title saying what the colours are.
fn draw_colorbar<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    out: &mut Out,
    colormap: Colormap,
    scale: &ColorScale,
    ticks: &[(f64, String)],
    frame: &Frame,
    s: f64,
) -> Result<(), PlotError> {
    let bar_w = (14.0 * s).round().max(4.0);
    let (x0, y0, h) = ((frame.x0 + frame.w + 12.0 * s).round(), frame.y0, frame.h);
    let strip = area.clone().shrink((x0 as i32, y0 as i32), (bar_w as u32, h as u32));
    let (bw, bh) = (bar_w as u32, h as u32);
    let mut raster = Vec::with_capacity((bw * bh * 3) as usize);
    for py in 0..bh {
        let c = colormap.rgb(1.0 - (py as f64 + 0.5) / bh as f64);
        for _ in 0..bw {
            raster.extend_from_slice(&c);
        }
    }
    blit(&strip, raster, (bw, bh), out)?;
    strip
        .draw(&Rectangle::new(
            [(0, 0), (bw as i32 - 1, bh as i32 - 1)],
            BLACK.stroke_width(1),
        ))
        .map_err(drawing)?;
    let size = 11.0 * s;
    let tick_len = 3.5 * s;
    for (t, text) in ticks {
        if !(0.0..=1.0).contains(t) {
            continue;
        }
        let y = y0 + (1.0 - t) * (h - 1.0);
        let x = x0 + bar_w;
        area.draw(&PathElement::new(
            vec![(x as i32, y.round() as i32), ((x + tick_len) as i32, y.round() as i32)],
            BLACK.stroke_width(1),
        ))
        .map_err(drawing)?;
        write(
            area,
            out,
            text,
            (x + tick_len + 3.0 * s, y),
            size,
            Align::Left,
            Valign::Middle,
        )?;
    }
    write(
        area,
        out,
        &scale.title(),
        (x0, y0 - 5.0 * s),
        size,
        Align::Left,
        Valign::Bottom,
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polylines_are_cut_at_the_box() {
        let d = [0.0, 1.0, 0.0, 1.0];
        let runs = clip_polyline(&[[0.5, 0.5], [1.5, 0.5], [1.5, 0.7], [0.5, 0.7]], d);
        assert_eq!(runs, vec![vec![(0.5, 0.5), (1.0, 0.5)], vec![(1.0, 0.7), (0.5, 0.7)]]);
        let runs = clip_polyline(&[[0.2, 0.2], [0.4, 0.4], [0.6, 0.2]], d);
        assert_eq!(runs, vec![vec![(0.2, 0.2), (0.4, 0.4), (0.6, 0.2)]]);
        assert!(clip_polyline(&[[2.0, 2.0], [3.0, 3.0]], d).is_empty());
        assert_eq!(
            exits(&[[0.5, 0.5], [1.5, 0.5], [0.5, 0.7]], d),
            vec![([1.0, 0.5], [1.5, 0.5])]
        );
    }

    #[test]
    fn a_log_colour_scale_spreads_a_sliver_of_the_range() {
        let linear = ColorScale {
            lo: 0.0,
            hi: 2500.0,
            log: false,
        };
        let log = ColorScale {
            lo: 0.0,
            hi: 2500.0,
            log: true,
        };
        // Rosenbrock's valley floor (f around 1) is one colour in the linear scale, 43% of the way up in log.
        assert!(linear.t(1.0) < 0.001);
        assert!((0.4..0.5).contains(&log.t(1.0)), "{}", log.t(1.0));
        for t in [0.0, 0.1, 0.5, 0.9, 1.0] {
            assert!((log.t(log.value(t)) - t).abs() < 1e-9, "{t}");
        }
        let labels: Vec<String> = log.ticks().into_iter().map(|(_, l)| l).collect();
        assert!(
            labels.contains(&"1".to_string()) && labels.contains(&"100".to_string()),
            "{labels:?}"
        );
        assert_eq!(
            ColorScale {
                lo: -6.5,
                hi: 8.1,
                log: true
            }
            .title(),
            "f + 6.5 (log)"
        );
    }
}
