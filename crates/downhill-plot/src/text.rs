//! Text from the embedded font's outlines, laid out here: glyphs at their exact (fractional) advances with
//! kerning, one baseline per line, rasterised into one coverage buffer and blended in (PNG), or written as
//! filled outlines (SVG), so a figure's text looks the same in both and on every machine, with no font
//! lookup. (plotters' own text truncates each glyph's offset to whole pixels, which at 125 dpi split words
//! ("Traininq", "ax|s", "0. 01").)

use std::fmt::Write as _;
use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, Glyph, OutlineCurve, PxScale, ScaleFont};
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::PlotError;

static FONT_BYTES: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");

fn font() -> &'static FontRef<'static> {
    static FONT: OnceLock<FontRef<'static>> = OnceLock::new();
    // The font is a constant of this crate, known to parse (a test loads it).
    FONT.get_or_init(|| FontRef::try_from_slice(FONT_BYTES).expect("the embedded font parses"))
}

/// Where text sits horizontally relative to its anchor point.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Align {
    /// The text starts at the point.
    Left,
    /// The text is centred on the point.
    Center,
    /// The text ends at the point.
    Right,
}

/// Where text sits vertically relative to its anchor point.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Valign {
    /// The top of the tallest letters at the point.
    Top,
    /// Centred on the point.
    Middle,
    /// The bottom of the descenders at the point.
    Bottom,
}

/// One line of text laid out at a size (pixels per em): glyphs positioned from a baseline at y = 0.
struct Line {
    glyphs: Vec<Glyph>,
    width: f32,
    ascent: f32,
    descent: f32,
}

fn layout(text: &str, size: f64) -> Line {
    let scale = PxScale::from(size as f32);
    let f = font().as_scaled(scale);
    let mut x = 0.0f32;
    let mut previous = None;
    let mut glyphs = Vec::with_capacity(text.len());
    for c in text.chars() {
        let id = f.glyph_id(c);
        if let Some(p) = previous {
            x += f.kern(p, id);
        }
        glyphs.push(id.with_scale_and_position(scale, ab_glyph::point(x, 0.0)));
        x += f.h_advance(id);
        previous = Some(id);
    }
    Line {
        glyphs,
        width: x,
        ascent: f.ascent(),
        descent: f.descent(),
    }
}

/// The width of a line of text in pixels at `size`.
pub fn width(text: &str, size: f64) -> f64 {
    layout(text, size).width as f64
}

/// The height of a line of text (ascent to descent) in pixels at `size`.
pub fn height(size: f64) -> f64 {
    let f = font().as_scaled(PxScale::from(size as f32));
    (f.ascent() - f.descent()) as f64
}

/// Text that fits in `max_width` pixels: the size shrunk down to `min_size` if needed, then the text cut
/// with an ellipsis. Returns the text and its size.
pub fn fit(text: &str, size: f64, min_size: f64, max_width: f64) -> (String, f64) {
    let w = width(text, size);
    if w <= max_width {
        return (text.to_string(), size);
    }
    let smaller = (size * max_width / w).max(min_size);
    if width(text, smaller) <= max_width {
        return (text.to_string(), smaller);
    }
    let chars: Vec<char> = text.chars().collect();
    let mut keep = chars.len();
    while keep > 0 {
        keep -= 1;
        let cut: String = chars[..keep].iter().collect::<String>() + "…";
        if width(&cut, smaller) <= max_width {
            return (cut, smaller);
        }
    }
    (String::new(), smaller)
}

/// Filled outlines for an SVG document, in the document's pixel coordinates.
#[derive(Default)]
pub struct Outlines(pub String);

/// Draws one line of text on `area` with its anchor at `at` (pixels in the area), or, when `svg` is given,
/// appends it there as filled outlines (absolute coordinates).
#[allow(clippy::too_many_arguments)]
pub fn draw<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    svg: Option<&mut Outlines>,
    text: &str,
    at: (f64, f64),
    size: f64,
    color: [u8; 3],
    align: Align,
    valign: Valign,
) -> Result<(), PlotError> {
    if text.is_empty() || !(size.is_finite() && size > 0.5) {
        return Ok(());
    }
    let line = layout(text, size);
    let x = at.0 as f32
        - match align {
            Align::Left => 0.0,
            Align::Center => line.width / 2.0,
            Align::Right => line.width,
        };
    // A whole-pixel baseline keeps the letters of a line on one row of pixels.
    let baseline = (at.1 as f32
        + match valign {
            Valign::Top => line.ascent,
            Valign::Middle => (line.ascent + line.descent) / 2.0,
            Valign::Bottom => line.descent,
        })
    .round();
    match svg {
        Some(out) => {
            let (bx, by) = area.get_base_pixel();
            outline(&line, x + bx as f32, baseline + by as f32, size, color, out);
            Ok(())
        }
        None => rasterise(area, &line, x, baseline, color),
    }
}

fn rasterise<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    line: &Line,
    x: f32,
    baseline: f32,
    color: [u8; 3],
) -> Result<(), PlotError> {
    let outlined: Vec<_> = line
        .glyphs
        .iter()
        .filter_map(|g| {
            let mut g = g.clone();
            g.position.x += x;
            g.position.y += baseline;
            font().outline_glyph(g)
        })
        .collect();
    let Some(first) = outlined.first() else {
        return Ok(());
    };
    let (mut x0, mut y0, mut x1, mut y1) = (
        first.px_bounds().min.x,
        first.px_bounds().min.y,
        first.px_bounds().max.x,
        first.px_bounds().max.y,
    );
    for g in &outlined {
        let b = g.px_bounds();
        (x0, y0, x1, y1) = (x0.min(b.min.x), y0.min(b.min.y), x1.max(b.max.x), y1.max(b.max.y));
    }
    let (w, h) = ((x1 - x0) as usize, (y1 - y0) as usize);
    // One coverage buffer for the line, so that glyphs whose boxes overlap blend once.
    let mut coverage = vec![0.0f32; w * h];
    for g in &outlined {
        let b = g.px_bounds();
        let (ox, oy) = ((b.min.x - x0) as usize, (b.min.y - y0) as usize);
        g.draw(|px, py, c| {
            let i = (oy + py as usize) * w + ox + px as usize;
            if let Some(v) = coverage.get_mut(i) {
                *v = (*v + c).min(1.0);
            }
        });
    }
    let ink = RGBColor(color[0], color[1], color[2]);
    for (i, &c) in coverage.iter().enumerate() {
        if c > 0.004 {
            let (px, py) = (x0 as i32 + (i % w) as i32, y0 as i32 + (i / w) as i32);
            area.draw_pixel((px, py), &ink.mix(c as f64))
                .map_err(crate::figure::drawing)?;
        }
    }
    Ok(())
}

fn outline(line: &Line, x: f32, baseline: f32, size: f64, color: [u8; 3], out: &mut Outlines) {
    let f = font();
    let scale = f.as_scaled(PxScale::from(size as f32));
    let (hs, vs) = (scale.h_scale_factor(), scale.v_scale_factor());
    let mut d = String::new();
    for g in &line.glyphs {
        let Some(o) = f.outline(g.id) else { continue };
        let gx = x + g.position.x;
        let p = |q: &ab_glyph::Point| (gx + q.x * hs, baseline - q.y * vs);
        let mut at: Option<ab_glyph::Point> = None;
        for curve in &o.curves {
            let (start, end) = match curve {
                OutlineCurve::Line(a, b) | OutlineCurve::Quad(a, _, b) | OutlineCurve::Cubic(a, _, _, b) => (a, b),
            };
            if at != Some(*start) {
                let (sx, sy) = p(start);
                let _ = write!(d, "M{sx:.2} {sy:.2}");
            }
            let _ = match curve {
                OutlineCurve::Line(_, b) => {
                    let (bx, by) = p(b);
                    write!(d, "L{bx:.2} {by:.2}")
                }
                OutlineCurve::Quad(_, c, b) => {
                    let ((cx, cy), (bx, by)) = (p(c), p(b));
                    write!(d, "Q{cx:.2} {cy:.2} {bx:.2} {by:.2}")
                }
                OutlineCurve::Cubic(_, c1, c2, b) => {
                    let ((ax, ay), (cx, cy), (bx, by)) = (p(c1), p(c2), p(b));
                    write!(d, "C{ax:.2} {ay:.2} {cx:.2} {cy:.2} {bx:.2} {by:.2}")
                }
            };
            at = Some(*end);
        }
    }
    if !d.is_empty() {
        let _ = writeln!(
            out.0,
            "<path fill=\"rgb({},{},{})\" d=\"{d}\"/>",
            color[0], color[1], color[2]
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_font_loads_and_text_has_width() {
        assert!(width("x axis", 13.0) > 30.0);
        assert!(width("ii", 13.0) < width("mm", 13.0));
        // Fractional advances add up: ten digits are ten times one, to within a pixel (not rounded per glyph).
        let one = width("0", 11.0);
        assert!((width("0000000000", 11.0) - 10.0 * one).abs() < 0.5);
    }

    #[test]
    fn long_text_shrinks_then_is_cut() {
        let (t, s) = fit("a title", 14.0, 8.0, 1000.0);
        assert_eq!((t.as_str(), s), ("a title", 14.0));
        let (t, s) = fit("a somewhat long title", 14.0, 8.0, 100.0);
        assert!(s < 14.0 && width(&t, s) <= 100.0, "{t} at {s}");
        let long = "x^2 + ".repeat(60);
        let (t, s) = fit(&long, 14.0, 8.0, 200.0);
        assert!(t.ends_with('…') && s == 8.0 && width(&t, s) <= 200.0, "{t}");
    }
}
