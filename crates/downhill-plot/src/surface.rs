//! 3-D surfaces in matplotlib's manner: a box with grey back panes and grid lines, the surface as shaded quads
//! coloured by height and drawn back to front (painter's algorithm), an optional path on the surface, tick
//! labels and axis labels. Orthographic view from `elev`/`azim` degrees with matplotlib's conventions.

use downhill::Function;
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::colormap::Colormap;
use crate::encode::{self, Format};
use crate::figure::{drawing, Samples};
use crate::scale::{fraction, label, nice_ticks as tick_values};
use crate::text::{self, Align, Outlines, Valign};
use crate::PlotError;

/// A surface figure.
#[derive(Clone, Debug)]
pub struct Surface<'a> {
    /// The function.
    pub function: &'a Function,
    /// `[xmin, xmax, ymin, ymax]`.
    pub domain: [f64; 4],
    /// Colour map by height.
    pub colormap: Colormap,
    /// Height clipping (None: the surface's range).
    pub zmin: Option<f64>,
    /// Height clipping (None: the surface's range).
    pub zmax: Option<f64>,
    /// Elevation of the view in degrees.
    pub elev: f64,
    /// Azimuth of the view in degrees.
    pub azim: f64,
    /// A path drawn on the surface (x, y; z is the function).
    pub path: Option<Vec<[f64; 2]>>,
    /// Title.
    pub title: Option<String>,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Text scale.
    pub scale: f64,
}

/// Quads per side of the surface mesh.
const CELLS: usize = 64;

struct View {
    right: [f64; 3],
    up: [f64; 3],
    toward: [f64; 3],
    cx: f64,
    cy: f64,
    zoom: f64,
}

impl View {
    /// A view that fits the box in `w` by `h` pixels, leaving `margin` pixels for labels on every side and
    /// `top` more for the title.
    fn new(elev: f64, azim: f64, w: u32, h: u32, margin: f64, top: f64) -> View {
        let (e, a) = (elev.to_radians(), azim.to_radians());
        let mut v = View {
            right: [-a.sin(), a.cos(), 0.0],
            up: [-e.sin() * a.cos(), -e.sin() * a.sin(), e.cos()],
            toward: [e.cos() * a.cos(), e.cos() * a.sin(), e.sin()],
            cx: 0.0,
            cy: 0.0,
            zoom: 1.0,
        };
        let (mut x0, mut x1, mut y0, mut y1) = (f64::INFINITY, f64::NEG_INFINITY, f64::INFINITY, f64::NEG_INFINITY);
        for cx in [-0.5, 0.5] {
            for cy in [-0.5, 0.5] {
                for cz in [-HZ, HZ] {
                    let p = [cx, cy, cz];
                    let dot = |u: [f64; 3]| u[0] * p[0] + u[1] * p[1] + u[2] * p[2];
                    let (sx, sy) = (dot(v.right), -dot(v.up));
                    (x0, x1, y0, y1) = (x0.min(sx), x1.max(sx), y0.min(sy), y1.max(sy));
                }
            }
        }
        let (aw, ah) = (
            (w as f64 - 2.0 * margin).max(10.0),
            (h as f64 - 2.0 * margin - top).max(10.0),
        );
        v.zoom = (aw / (x1 - x0)).min(ah / (y1 - y0));
        v.cx = w as f64 / 2.0 - v.zoom * (x0 + x1) / 2.0;
        v.cy = top + margin + ah / 2.0 - v.zoom * (y0 + y1) / 2.0;
        v
    }

    /// Screen pixel of a point of the unit box ([-0.5, 0.5]² x [-0.375, 0.375]).
    fn screen(&self, p: [f64; 3]) -> (i32, i32) {
        let dot = |v: [f64; 3]| v[0] * p[0] + v[1] * p[1] + v[2] * p[2];
        (
            (self.cx + self.zoom * dot(self.right)).round() as i32,
            (self.cy - self.zoom * dot(self.up)).round() as i32,
        )
    }

    /// Larger is nearer the viewer.
    fn depth(&self, p: [f64; 3]) -> f64 {
        self.toward[0] * p[0] + self.toward[1] * p[1] + self.toward[2] * p[2]
    }
}

/// Half-height of the box: matplotlib's 4:4:3 aspect.
const HZ: f64 = 0.375;

/// Renders a surface as PNG bytes or SVG text.
pub fn render_surface(s: &Surface, format: Format) -> Result<Vec<u8>, PlotError> {
    match format {
        Format::Png => {
            let mut buf = vec![255u8; (s.width * s.height * 3) as usize];
            {
                let root = BitMapBackend::with_buffer(&mut buf, (s.width, s.height)).into_drawing_area();
                draw(&root, s, None)?;
                root.present().map_err(drawing)?;
            }
            encode::png(&buf, s.width, s.height)
        }
        Format::Svg => {
            let mut svg = String::new();
            let mut text = Outlines::default();
            {
                let root = SVGBackend::with_string(&mut svg, (s.width, s.height)).into_drawing_area();
                draw(&root, s, Some(&mut text))?;
                root.present().map_err(drawing)?;
            }
            Ok(encode::svg_with(&svg, &[], &text.0)?.into_bytes())
        }
        Format::Gif => Err(PlotError::BadSetting(
            "a surface is a still figure: use .png or .svg".into(),
        )),
    }
}

fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    s: &Surface,
    mut outlines: Option<&mut Outlines>,
) -> Result<(), PlotError> {
    root.fill(&WHITE).map_err(drawing)?;
    let d = s.domain;
    let samples = Samples::new(s.function, d, CELLS + 1, CELLS + 1);
    let (lo, hi) = samples.range();
    let (zlo, zhi) = (s.zmin.unwrap_or(lo), s.zmax.unwrap_or(hi));
    let view = View::new(s.elev, s.azim, s.width, s.height, 62.0 * s.scale, 24.0 * s.scale);
    let unit = |x: f64, y: f64, z: f64| -> [f64; 3] {
        [
            (x - d[0]) / (d[1] - d[0]) - 0.5,
            (y - d[2]) / (d[3] - d[2]) - 0.5,
            (fraction(z.clamp(zlo, zhi), zlo, zhi) - 0.5) * 2.0 * HZ,
        ]
    };
    let sc = s.scale;

    // Back panes: of each pair of opposite walls, the one facing away from the viewer; and the floor.
    let pane = RGBColor(235, 235, 235);
    let grid = RGBColor(205, 205, 205).stroke_width(1);
    let xs = tick_values(d[0], d[1], 6);
    let ys = tick_values(d[2], d[3], 6);
    let zs = tick_values(zlo, zhi, 5);
    let back_x = if view.toward[0] > 0.0 { -0.5 } else { 0.5 };
    let back_y = if view.toward[1] > 0.0 { -0.5 } else { 0.5 };
    let floor = if view.toward[2] > 0.0 { -HZ } else { HZ };
    let quad = |a: [f64; 3], b: [f64; 3], c: [f64; 3], e: [f64; 3]| {
        vec![view.screen(a), view.screen(b), view.screen(c), view.screen(e)]
    };
    let panes = [
        quad(
            [back_x, -0.5, -HZ],
            [back_x, 0.5, -HZ],
            [back_x, 0.5, HZ],
            [back_x, -0.5, HZ],
        ),
        quad(
            [-0.5, back_y, -HZ],
            [0.5, back_y, -HZ],
            [0.5, back_y, HZ],
            [-0.5, back_y, HZ],
        ),
        quad(
            [-0.5, -0.5, floor],
            [0.5, -0.5, floor],
            [0.5, 0.5, floor],
            [-0.5, 0.5, floor],
        ),
    ];
    for p in panes {
        root.draw(&Polygon::new(p, pane.filled())).map_err(drawing)?;
    }
    let line = |a: [f64; 3], b: [f64; 3]| PathElement::new(vec![view.screen(a), view.screen(b)], grid);
    for &x in &xs {
        let u = unit(x, d[2], zlo)[0];
        root.draw(&line([u, -0.5, floor], [u, 0.5, floor])).map_err(drawing)?;
        root.draw(&line([u, back_y, -HZ], [u, back_y, HZ])).map_err(drawing)?;
    }
    for &y in &ys {
        let v = unit(d[0], y, zlo)[1];
        root.draw(&line([-0.5, v, floor], [0.5, v, floor])).map_err(drawing)?;
        root.draw(&line([back_x, v, -HZ], [back_x, v, HZ])).map_err(drawing)?;
    }
    for &z in &zs {
        let w = unit(d[0], d[2], z)[2];
        root.draw(&line([back_x, -0.5, w], [back_x, 0.5, w])).map_err(drawing)?;
        root.draw(&line([-0.5, back_y, w], [0.5, back_y, w])).map_err(drawing)?;
    }

    // The surface, far quads first.
    let n = CELLS;
    let node = |i: usize, j: usize| {
        let x = d[0] + (d[1] - d[0]) * i as f64 / n as f64;
        let y = d[2] + (d[3] - d[2]) * j as f64 / n as f64;
        (
            unit(x, y, samples.values[j * (n + 1) + i]),
            samples.values[j * (n + 1) + i],
        )
    };
    let mut quads = Vec::with_capacity(n * n);
    let light = normalize([-0.4, -0.6, 0.7]);
    for j in 0..n {
        for i in 0..n {
            let corners = [node(i, j), node(i + 1, j), node(i + 1, j + 1), node(i, j + 1)];
            if !corners.iter().all(|(_, z)| z.is_finite()) {
                continue;
            }
            let pts: Vec<[f64; 3]> = corners.iter().map(|(p, _)| *p).collect();
            let centre = [0, 1, 2].map(|k| pts.iter().map(|p| p[k]).sum::<f64>() / 4.0);
            let mean_z = corners.iter().map(|(_, z)| z.clamp(zlo, zhi) / 4.0).sum::<f64>();
            let normal = normalize(cross(sub(pts[2], pts[0]), sub(pts[3], pts[1])));
            let shade = 0.75 + 0.25 * dot(normal, light).abs();
            let c = s
                .colormap
                .rgb(fraction(mean_z, zlo, zhi))
                .map(|v| (v as f64 * shade).round() as u8);
            quads.push((
                view.depth(centre),
                pts.iter().map(|p| view.screen(*p)).collect::<Vec<_>>(),
                c,
            ));
        }
    }
    quads.sort_by(|a, b| a.0.total_cmp(&b.0));
    for (_, pts, c) in quads {
        let color = RGBColor(c[0], c[1], c[2]);
        root.draw(&Polygon::new(pts.clone(), color.filled())).map_err(drawing)?;
        // A hairline of the same colour hides the seams between neighbouring quads.
        let mut closed = pts;
        closed.push(closed[0]);
        root.draw(&PathElement::new(closed, color.stroke_width(1)))
            .map_err(drawing)?;
    }

    if let Some(path) = &s.path {
        let pts: Vec<(i32, i32)> = path
            .iter()
            .filter(|p| p[0] >= d[0] && p[0] <= d[1] && p[1] >= d[2] && p[1] <= d[3])
            .map(|p| {
                let z = s.function.value(*p);
                let mut u = unit(p[0], p[1], z);
                u[2] += 0.01;
                view.screen(u)
            })
            .collect();
        if let (Some(&a), Some(&b)) = (pts.first(), pts.last()) {
            root.draw(&PathElement::new(pts, RED.stroke_width((2.0 * sc) as u32)))
                .map_err(drawing)?;
            let r = (4.0 * sc) as i32;
            root.draw(&Rectangle::new([(a.0 - r, a.1 - r), (a.0 + r, a.1 + r)], BLUE.filled()))
                .map_err(drawing)?;
            root.draw(&Circle::new(b, r + 1, RED.filled())).map_err(drawing)?;
        }
    }

    // Ticks on the front edges, labels beyond them. A label that would overlap one already placed (at the
    // corner where the x and y edges meet, two labels compete) is left out.
    let mut placed: Vec<[f64; 4]> = Vec::new();
    let mut label_at = |t: String, at: (i32, i32), align: Align, size: f64, out: &mut Option<&mut Outlines>| {
        let (w, h) = (text::width(&t, size), text::height(size));
        let x = match align {
            Align::Left => at.0 as f64,
            Align::Center => at.0 as f64 - w / 2.0,
            Align::Right => at.0 as f64 - w,
        };
        let b = [
            x - 2.0,
            at.1 as f64 - h / 2.0 - 1.0,
            x + w + 2.0,
            at.1 as f64 + h / 2.0 + 1.0,
        ];
        if placed
            .iter()
            .any(|p| b[0] < p[2] && p[0] < b[2] && b[1] < p[3] && p[1] < b[3])
        {
            return Ok(());
        }
        placed.push(b);
        text::draw(
            root,
            out.as_deref_mut(),
            &t,
            (at.0 as f64, at.1 as f64),
            size,
            [0, 0, 0],
            align,
            Valign::Middle,
        )
    };
    let front_x = -back_x;
    let front_y = -back_y;
    let small = 11.0 * sc;
    let outward = |p: [f64; 3], dir: [f64; 3], k: f64| [p[0] + dir[0] * k, p[1] + dir[1] * k, p[2] + dir[2] * k];
    let side = |a: (i32, i32)| {
        if a.0 < view.cx as i32 {
            Align::Right
        } else {
            Align::Left
        }
    };
    for &x in &xs {
        let p = [unit(x, d[2], zlo)[0], front_y, floor];
        let q = view.screen(outward(p, [0.0, front_y, 0.0], 0.12));
        label_at(label(x), q, side(q), small, &mut outlines)?;
    }
    for &y in &ys {
        let p = [front_x, unit(d[0], y, zlo)[1], floor];
        let q = view.screen(outward(p, [front_x, 0.0, 0.0], 0.12));
        label_at(label(y), q, side(q), small, &mut outlines)?;
    }
    // The z axis on the vertical edge shared by the front-y wall and the back-x wall.
    let zedge = [back_x, front_y, 0.0];
    for &z in &zs {
        let w = unit(d[0], d[2], z)[2];
        let q = view.screen(outward([zedge[0], zedge[1], w], [-back_x, front_y, 0.0], 0.07));
        label_at(label(z), q, side(q), small, &mut outlines)?;
    }
    let big = 13.0 * sc;
    let xl = view.screen([0.0, front_y * 1.55, floor]);
    let yl = view.screen([front_x * 1.55, 0.0, floor]);
    let zl = view.screen([back_x * 1.12, front_y * 1.12, 0.0]);
    label_at("x axis".into(), xl, Align::Center, big, &mut outlines)?;
    label_at("y axis".into(), yl, Align::Center, big, &mut outlines)?;
    let zl = (
        if zl.0 < view.cx as i32 {
            zl.0 - (22.0 * sc) as i32
        } else {
            zl.0 + (22.0 * sc) as i32
        },
        zl.1,
    );
    label_at("f(x, y)".into(), zl, Align::Center, big, &mut outlines)?;
    if let Some(t) = &s.title {
        let (t, size) = text::fit(t, 16.0 * sc, 9.0 * sc, s.width as f64 - 16.0 * sc);
        text::draw(
            root,
            outlines,
            &t,
            (s.width as f64 / 2.0, 10.0 * sc),
            size,
            [0, 0, 0],
            Align::Center,
            Valign::Top,
        )?;
    }
    Ok(())
}

fn sub(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

fn cross(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

fn dot(a: [f64; 3], b: [f64; 3]) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

fn normalize(a: [f64; 3]) -> [f64; 3] {
    let n = dot(a, a).sqrt();
    if n > 0.0 {
        a.map(|v| v / n)
    } else {
        a
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_numbers() {
        assert_eq!(tick_values(-3.0, 3.0, 6), vec![-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0]);
        assert_eq!(tick_values(-6.55, 8.1, 5), vec![-5.0, 0.0, 5.0]);
    }
}
