//! Heat-map figures: one or more panels, each a landscape with optional contours, gradient field, paths and
//! markers, a colour bar and a legend. The landscape is a pixel buffer filled directly and blitted (PNG) or
//! embedded as one image (SVG); only lines, markers and text are vector elements.

use std::sync::{Arc, Mutex};

use downhill::Function;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::colormap::Colormap;
use crate::encode::{self, Format, Raster};
use crate::scale::{fraction, lerp, nice_ticks};
use crate::{font, PlotError};

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
    /// Legend entries (text and glyph), drawn in the upper right corner when not empty.
    pub legend: Vec<(String, Glyph)>,
    /// Draw a colour bar beside the panel.
    pub colorbar: bool,
    /// The sampled landscape and its raster, computed once and shared by clones (the frames of an animation).
    pub cache: LandscapeCache,
    /// A picture to show instead of the landscape (a basin map), stretched over the domain; no colour bar.
    pub image: Option<GridImage>,
}

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
            colorbar: true,
            cache: LandscapeCache::default(),
            image: None,
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
        let tape = &f.tapes().value;
        let mut slots = Vec::new();
        let mut out = [0.0];
        let mut values = Vec::with_capacity(nx * ny);
        for j in 0..ny {
            let y = lerp(domain[2], domain[3], j as f64 / (ny - 1) as f64);
            for i in 0..nx {
                let x = lerp(domain[0], domain[1], i as f64 / (nx - 1) as f64);
                tape.eval(x, y, &mut slots, &mut out);
                values.push(out[0]);
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

/// Colours an RGB raster of `w` by `h` pixels covering the domain, top row = ymax: bilinear values from the
/// samples, coloured through a lookup table.
fn heat_raster(s: &Samples, w: u32, h: u32, colormap: Colormap, vmin: f64, vmax: f64) -> Vec<u8> {
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
                lut[(fraction(v, vmin, vmax) * (LUT - 1) as f64).clamp(0.0, (LUT - 1) as f64) as usize]
            } else {
                NAN_COLOR
            };
            rgb.extend_from_slice(&c);
        }
    }
    rgb
}

fn rgb(c: [u8; 3]) -> RGBColor {
    RGBColor(c[0], c[1], c[2])
}

/// Renders a figure in a format: PNG bytes or SVG text as bytes.
pub fn render(fig: &Figure, format: Format) -> Result<Vec<u8>, PlotError> {
    match format {
        Format::Png => {
            let rgb = render_rgb(fig)?;
            encode::png(&rgb, fig.width, fig.height)
        }
        Format::Svg => {
            font::register();
            let mut svg = String::new();
            let mut rasters = Vec::new();
            {
                let root = SVGBackend::with_string(&mut svg, (fig.width, fig.height)).into_drawing_area();
                draw_figure(&root, fig, &mut Some(&mut rasters))?;
                root.present().map_err(drawing)?;
            }
            Ok(encode::svg_with_rasters(&svg, &rasters)?.into_bytes())
        }
        Format::Gif => Err(PlotError::Drawing(
            "a still figure cannot be a GIF; animations have their own call".into(),
        )),
    }
}

/// Renders a figure to an RGB buffer of `width * height * 3` bytes.
pub fn render_rgb(fig: &Figure) -> Result<Vec<u8>, PlotError> {
    font::register();
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

/// Where rasters go: blitted into a bitmap (`None`) or collected for an SVG document.
type RasterSink<'s> = Option<&'s mut Vec<Raster>>;

fn draw_figure<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    fig: &Figure,
    sink: &mut RasterSink,
) -> Result<(), PlotError> {
    root.fill(&WHITE).map_err(drawing)?;
    let s = fig.scale;
    let body = match &fig.suptitle {
        Some(t) => {
            let (top, body) = root.split_vertically((30.0 * s) as u32);
            let style = ("sans-serif", 17.0 * s).into_font().color(&BLACK);
            let (w, _) = top.dim_in_pixel();
            top.draw(&Text::new(
                t.clone(),
                ((w / 2) as i32, (10.0 * s) as i32),
                style.pos(Pos::new(HPos::Center, VPos::Top)),
            ))
            .map_err(drawing)?;
            body
        }
        None => root.clone(),
    };
    let columns = fig.columns.max(1);
    let rows = fig.panels.len().div_ceil(columns).max(1);
    let areas = body.split_evenly((rows, columns));
    for (panel, area) in fig.panels.iter().zip(&areas) {
        draw_panel(area, panel, s, sink)?;
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

fn draw_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    p: &Panel,
    s: f64,
    sink: &mut RasterSink,
) -> Result<(), PlotError> {
    let d = p.domain;
    let drawable =
        |lo: f64, hi: f64| lo.is_finite() && hi.is_finite() && (hi / 2.0 - lo / 2.0) > 0.0 && (hi - lo).is_finite();
    if !(drawable(d[0], d[1]) && drawable(d[2], d[3])) {
        return Err(PlotError::BadSetting(format!(
            "the domain {d:?} cannot be drawn: each side must be finite, increasing, and narrower than 1.8e308"
        )));
    }
    let (w, h) = area.dim_in_pixel();
    let (main, bar_area) = if p.colorbar && p.image.is_none() {
        let (m, b) = area.split_horizontally(w.saturating_sub((78.0 * s) as u32));
        (m, Some(b))
    } else {
        (area.clone(), None)
    };
    // The seed samples peaks at 201 x 201 nodes; finer adds nothing visible under bilinear interpolation.
    let nodes = |pixels: u32| (pixels as usize).clamp(2, 201);
    let samples = p.cache.samples(|| Samples::new(p.function, d, nodes(w), nodes(h)));
    let (lo, hi) = samples.range();
    let (vmin, vmax) = (p.vmin.unwrap_or(lo), p.vmax.unwrap_or(hi));
    let label_font = ("sans-serif", 12.0 * s).into_font();
    let top_margin = (12.0 * s) as u32;
    let bottom = (42.0 * s) as u32;

    let mut builder = ChartBuilder::on(&main);
    builder
        .margin_top(top_margin)
        .margin_right((12.0 * s) as u32)
        .x_label_area_size(bottom)
        .y_label_area_size((52.0 * s) as u32);
    if let Some(t) = &p.title {
        builder.caption(t, ("sans-serif", 14.0 * s));
    }
    let mut chart = builder.build_cartesian_2d(d[0]..d[1], d[2]..d[3]).map_err(drawing)?;
    let fmt = |v: &f64| crate::scale::label(*v);
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc("x")
        .y_desc("y")
        .x_labels(7)
        .y_labels(7)
        .x_label_formatter(&fmt)
        .y_label_formatter(&fmt)
        .label_style(label_font.clone())
        .axis_desc_style(("sans-serif", 13.0 * s))
        .draw()
        .map_err(drawing)?;

    // The landscape, one pixel per pixel.
    let plot = chart.plotting_area().strip_coord_spec();
    let (pw, ph) = plot.dim_in_pixel();
    let raster = match &p.image {
        Some(image) => image.resampled(pw, ph),
        None => p
            .cache
            .raster((pw, ph), || heat_raster(&samples, pw, ph, p.colormap, vmin, vmax)),
    };
    blit(&plot, raster, (pw, ph), sink)?;

    if p.contours > 0 {
        let segments = crate::contour::segments(&samples, vmin, vmax, p.contours);
        let style = BLACK.mix(0.45).stroke_width(s.max(1.0) as u32);
        chart
            .draw_series(segments.into_iter().map(|(a, b)| PathElement::new(vec![a, b], style)))
            .map_err(drawing)?;
    }
    if p.quiver {
        draw_quiver(&mut chart, p.function, d, s)?;
    }
    // Paths as pixel segments, each drawn alone: plotters joins the segments of a wide polyline with mitres,
    // which at a sharp reversal reach far from the path, and a segment of zero length (two points on one
    // pixel) makes its corners NaN, drawn at the panel's corner.
    let base = plot.get_base_pixel();
    let to_pixel = |pt: (f64, f64)| {
        let (px, py) = chart.backend_coord(&pt);
        (px - base.0, py - base.1)
    };
    for path in &p.paths {
        let color = rgb(path.color)
            .mix(path.alpha)
            .stroke_width((path.width * s).round().max(1.0) as u32);
        for run in clip_polyline(&path.points, d) {
            let mut last: Option<(i32, i32)> = None;
            for pt in run {
                let q = to_pixel(pt);
                match last {
                    Some(a) if a == q => continue,
                    Some(a) => plot.draw(&PathElement::new(vec![a, q], color)).map_err(drawing)?,
                    None => {}
                }
                last = Some(q);
            }
        }
    }
    for path in &p.paths {
        let ends = [(path.start, path.points.first()), (path.end, path.points.last())];
        for (marker, point) in ends {
            if let (Some(m), Some(&pt)) = (marker, point) {
                if inside(pt, d) {
                    draw_marker(&mut chart, m, (pt[0], pt[1]), s)?;
                }
            }
        }
    }
    if !p.legend.is_empty() {
        draw_legend(&plot, &p.legend, s)?;
    }
    if let Some(bar) = bar_area {
        draw_colorbar(&bar, p, vmin, vmax, s, top_margin, bottom, sink)?;
    }
    Ok(())
}

fn blit<DB: DrawingBackend>(
    plot: &DrawingArea<DB, Shift>,
    raster: Vec<u8>,
    size: (u32, u32),
    sink: &mut RasterSink,
) -> Result<(), PlotError> {
    match sink {
        Some(rasters) => {
            let (xr, yr) = plot.get_pixel_range();
            rasters.push(Raster {
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

type Chart2d<'a, DB> =
    ChartContext<'a, DB, Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>>;

fn draw_marker<DB: DrawingBackend>(
    chart: &mut Chart2d<DB>,
    m: Marker,
    at: (f64, f64),
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
    match m.shape {
        Shape::Square => chart
            .draw_series(std::iter::once(
                EmptyElement::at(at)
                    + Rectangle::new([(-r, -r), (r, r)], color.filled())
                    + Rectangle::new([(-r, -r), (r, r)], outline),
            ))
            .map(|_| ()),
        Shape::Circle => chart
            .draw_series(std::iter::once(
                EmptyElement::at(at) + Circle::new((0, 0), r, color.filled()) + Circle::new((0, 0), r, outline),
            ))
            .map(|_| ()),
    }
    .map_err(drawing)
}

fn draw_quiver<DB: DrawingBackend>(
    chart: &mut Chart2d<DB>,
    f: &Function,
    d: [f64; 4],
    s: f64,
) -> Result<(), PlotError> {
    let n = 18;
    let (cw, ch) = ((d[1] - d[0]) / n as f64, (d[3] - d[2]) / n as f64);
    let style = WHITE.mix(0.85).stroke_width(s.max(1.0) as u32);
    let mut lines = Vec::new();
    for j in 0..n {
        for i in 0..n {
            let (x, y) = (d[0] + (i as f64 + 0.5) * cw, d[2] + (j as f64 + 0.5) * ch);
            let g = f.gradient([x, y]);
            let norm = g[0].hypot(g[1]);
            if !(norm.is_finite() && norm > 0.0) {
                continue;
            }
            // Direction of descent, a fixed length in cell units (magnitudes span orders of magnitude).
            let (ux, uy) = (-g[0] / norm, -g[1] / norm);
            let (hx, hy) = (0.38 * cw * ux, 0.38 * ch * uy);
            let (a, b) = ((x - hx, y - hy), (x + hx, y + hy));
            lines.push(vec![a, b]);
            // Arrowhead: two short strokes back from the tip, 25 degrees off the shaft.
            for angle in [2.7f64, -2.7] {
                let (c, sn) = (angle.cos(), angle.sin());
                let (rx, ry) = (ux * c - uy * sn, ux * sn + uy * c);
                lines.push(vec![b, (b.0 + 0.3 * cw * rx, b.1 + 0.3 * ch * ry)]);
            }
        }
    }
    chart
        .draw_series(lines.into_iter().map(|l| PathElement::new(l, style)))
        .map_err(drawing)?;
    Ok(())
}

fn draw_legend<DB: DrawingBackend>(
    plot: &DrawingArea<DB, Shift>,
    entries: &[(String, Glyph)],
    s: f64,
) -> Result<(), PlotError> {
    let font = ("sans-serif", 12.0 * s).into_font();
    let line_h = (18.0 * s) as i32;
    let glyph_w = (22.0 * s) as i32;
    let pad = (6.0 * s) as i32;
    let text_w = entries
        .iter()
        .map(|(t, _)| {
            plot.estimate_text_size(t, &TextStyle::from(font.clone()))
                .map(|(w, _)| w as i32)
                .unwrap_or(0)
        })
        .max()
        .unwrap_or(0);
    let (pw, _) = plot.dim_in_pixel();
    let box_w = pad * 3 + glyph_w + text_w;
    let box_h = pad * 2 + line_h * entries.len() as i32;
    let x0 = pw as i32 - box_w - pad;
    let y0 = pad;
    plot.draw(&Rectangle::new(
        [(x0, y0), (x0 + box_w, y0 + box_h)],
        WHITE.mix(0.85).filled(),
    ))
    .map_err(drawing)?;
    plot.draw(&Rectangle::new(
        [(x0, y0), (x0 + box_w, y0 + box_h)],
        BLACK.mix(0.3).stroke_width(1),
    ))
    .map_err(drawing)?;
    for (k, (text, glyph)) in entries.iter().enumerate() {
        let cy = y0 + pad + line_h * k as i32 + line_h / 2;
        let gx = x0 + pad + glyph_w / 2;
        match *glyph {
            Glyph::Line(c) => {
                plot.draw(&PathElement::new(
                    vec![(x0 + pad, cy), (x0 + pad + glyph_w, cy)],
                    rgb(c).stroke_width((2.0 * s) as u32),
                ))
                .map_err(drawing)?;
            }
            Glyph::Marker(m) => {
                let r = (m.size * s).round().max(1.0) as i32;
                match m.shape {
                    Shape::Square => plot.draw(&Rectangle::new(
                        [(gx - r, cy - r), (gx + r, cy + r)],
                        rgb(m.color).filled(),
                    )),
                    Shape::Circle => plot.draw(&Circle::new((gx, cy), r, rgb(m.color).filled())),
                }
                .map_err(drawing)?;
            }
        }
        plot.draw(&Text::new(
            text.clone(),
            (x0 + pad * 2 + glyph_w, cy),
            font.clone().color(&BLACK).pos(Pos::new(HPos::Left, VPos::Center)),
        ))
        .map_err(drawing)?;
    }
    Ok(())
}

/// The colour bar: the colour map from vmin (bottom) to vmax (top), round ticks (safe for any finite range,
/// see [`crate::scale`]) with their labels clear of the bar, and `f` as its title.
#[allow(clippy::too_many_arguments)]
fn draw_colorbar<DB: DrawingBackend>(
    bar: &DrawingArea<DB, Shift>,
    p: &Panel,
    vmin: f64,
    vmax: f64,
    s: f64,
    top_margin: u32,
    bottom: u32,
    sink: &mut RasterSink,
) -> Result<(), PlotError> {
    let title_h = if p.title.is_some() { (14.0 * s * 1.6) as u32 } else { 0 };
    let (_, h) = bar.dim_in_pixel();
    let top = top_margin + title_h + (16.0 * s) as u32;
    let bar_w = (14.0 * s).round().max(4.0) as u32;
    let left = (6.0 * s) as u32;
    let ph = h.saturating_sub(top + bottom).max(2);
    let strip = bar.margin(top, h.saturating_sub(top + ph), left, 0);
    let (colors, _) = strip.split_horizontally(bar_w);
    let mut raster = Vec::with_capacity((bar_w * ph * 3) as usize);
    for py in 0..ph {
        let c = p.colormap.rgb(1.0 - (py as f64 + 0.5) / ph as f64);
        for _ in 0..bar_w {
            raster.extend_from_slice(&c);
        }
    }
    blit(&colors, raster, (bar_w, ph), sink)?;
    colors
        .draw(&Rectangle::new(
            [(0, 0), (bar_w as i32 - 1, ph as i32 - 1)],
            BLACK.stroke_width(1),
        ))
        .map_err(drawing)?;
    let font = ("sans-serif", 11.0 * s).into_font().color(&BLACK);
    let tick_len = (4.0 * s).round().max(2.0) as i32;
    for v in nice_ticks(vmin, vmax, 6) {
        let y = ((1.0 - fraction(v, vmin, vmax)) * (ph as f64 - 1.0)).round() as i32;
        let x = bar_w as i32;
        strip
            .draw(&PathElement::new(
                vec![(x, y), (x + tick_len, y)],
                BLACK.stroke_width(1),
            ))
            .map_err(drawing)?;
        strip
            .draw(&Text::new(
                crate::scale::label(v),
                (x + tick_len + (3.0 * s) as i32, y),
                font.clone().pos(Pos::new(HPos::Left, VPos::Center)),
            ))
            .map_err(drawing)?;
    }
    // The title over the bar: what the colours are.
    bar.draw(&Text::new(
        "f(x, y)",
        (left as i32, (top - (4.0 * s) as u32) as i32),
        font.pos(Pos::new(HPos::Left, VPos::Bottom)),
    ))
    .map_err(drawing)?;
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
    }
}
