//! Figures checked by structure: size, not blank, the seed's colours where the landscape and markers should
//! be, SVG that parses, GIFs with the expected frames.

use downhill::Function;
use downhill_plot::{
    animate, render, render_rgb, render_surface, Colormap, Figure, Format, Marker, Panel, Path, Shape, Surface,
};

const RED_DOT: Marker = Marker {
    shape: Shape::Circle,
    color: [255, 0, 0],
    size: 5.0,
};
const BLUE_SQUARE: Marker = Marker {
    shape: Shape::Square,
    color: [0, 0, 255],
    size: 5.0,
};

fn figure(f: &Function, points: Vec<[f64; 2]>) -> Figure<'_> {
    let mut panel = Panel::new(f, [-3.0, 3.0, -3.0, 3.0]);
    panel.vmin = Some(-5.0);
    panel.vmax = Some(5.0);
    panel.paths.push(Path {
        points,
        color: [255, 0, 0],
        alpha: 1.0,
        width: 1.5,
        start: Some(BLUE_SQUARE),
        end: Some(RED_DOT),
        stride: 1,
    });
    Figure {
        width: 640,
        height: 480,
        scale: 1.0,
        suptitle: Some("title".into()),
        panels: vec![panel],
        columns: 1,
        note: None,
        charts: Vec::new(),
        charts_beside: None,
    }
}

fn pixel(rgb: &[u8], w: u32, x: u32, y: u32) -> [u8; 3] {
    let i = ((y * w + x) * 3) as usize;
    [rgb[i], rgb[i + 1], rgb[i + 2]]
}

/// Pixels of exactly this colour within `r` of (x, y).
fn count_near(rgb: &[u8], w: u32, h: u32, (x, y): (u32, u32), r: u32, c: [u8; 3]) -> usize {
    let mut n = 0;
    for yy in y.saturating_sub(r)..(y + r).min(h) {
        for xx in x.saturating_sub(r)..(x + r).min(w) {
            n += (pixel(rgb, w, xx, yy) == c) as usize;
        }
    }
    n
}

/// The bounding box of the pixels with the lowest jet colour (dark blue): where peaks is below -5, around its
/// global minimum (0.23, -1.63). Its centre maps data to pixels well enough to find the markers.
fn dark_blue_centre(rgb: &[u8], w: u32, h: u32) -> (u32, u32) {
    let c = Colormap::Jet.rgb(0.0);
    let (mut sx, mut sy, mut n) = (0u64, 0u64, 0u64);
    for y in 0..h {
        for x in 0..w {
            if pixel(rgb, w, x, y) == c {
                sx += x as u64;
                sy += y as u64;
                n += 1;
            }
        }
    }
    assert!(n > 100, "no dark blue: the landscape is missing");
    ((sx / n) as u32, (sy / n) as u32)
}

#[test]
fn a_run_figure_has_the_landscape_the_path_and_its_markers() {
    let f = Function::resolve("peaks").unwrap();
    // A straight path from the upper left to the lower right of the global minimum's pit.
    let fig = figure(&f, vec![[-2.0, 2.0], [0.228, -1.626]]);
    let rgb = render_rgb(&fig).unwrap();
    assert_eq!(rgb.len(), 640 * 480 * 3);
    let distinct: std::collections::HashSet<[u8; 3]> = rgb.chunks(3).map(|c| [c[0], c[1], c[2]]).collect();
    assert!(distinct.len() > 200, "only {} colours: blank?", distinct.len());
    // The red end dot sits on the global minimum, in the middle of the dark blue pit.
    let centre = dark_blue_centre(&rgb, 640, 480);
    assert!(
        count_near(&rgb, 640, 480, centre, 8, [255, 0, 0]) > 20,
        "no red end marker near {centre:?}"
    );
    // The blue start square is up and to the left of it.
    let mut found = false;
    for y in 0..centre.1 {
        for x in 0..centre.0 {
            if count_near(&rgb, 640, 480, (x, y), 3, [0, 0, 255]) >= 25 {
                found = true;
            }
        }
    }
    assert!(found, "no blue start square");
}

#[test]
fn figures_are_the_same_pixels_every_time() {
    let f = Function::resolve("peaks").unwrap();
    let fig = figure(&f, vec![[0.0, 1.4], [0.3, 0.3]]);
    assert_eq!(render_rgb(&fig).unwrap(), render_rgb(&fig).unwrap());
}

#[test]
fn png_and_svg_encode() {
    let f = Function::resolve("himmelblau").unwrap();
    let mut fig = figure(&f, vec![[0.0, 0.0], [3.0, 2.0]]);
    fig.panels[0].domain = [-5.0, 5.0, -5.0, 5.0];
    fig.panels[0].contours = 8;
    fig.panels[0].quiver = true;
    let png = render(&fig, Format::Png).unwrap();
    assert_eq!(&png[1..4], b"PNG");
    let img = downhill_plot::decode_png(&png).unwrap();
    assert_eq!((img.width, img.height), (640, 480));
    let svg = String::from_utf8(render(&fig, Format::Svg).unwrap()).unwrap();
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert!(
        doc.descendants().any(|n| n.tag_name().name() == "image"),
        "no embedded heat map"
    );
    // Text is the embedded font's outlines, not <text> asking the viewer for a font: the same letters
    // everywhere.
    assert_eq!(doc.descendants().filter(|n| n.tag_name().name() == "text").count(), 0);
    let text = doc
        .descendants()
        .find(|n| n.attribute("id") == Some("text"))
        .expect("the text group");
    assert!(
        text.children().filter(|n| n.tag_name().name() == "path").count() > 10,
        "no tick labels"
    );
    // One image for the landscape and one for the colour bar, never one rectangle per cell.
    assert!(doc.descendants().filter(|n| n.tag_name().name() == "rect").count() < 50);
}

#[test]
fn a_gif_has_the_frames_asked_for_and_holds_the_last() {
    let f = Function::resolve("peaks").unwrap();
    let points: Vec<[f64; 2]> = (0..100).map(|i| [-2.0 + 0.02 * i as f64, 0.5]).collect();
    let mut fig = figure(&f, points);
    fig.width = 320;
    fig.height = 240;
    let gif = animate(&fig, 12).unwrap();
    let mut decoder = gif::DecodeOptions::new().read_info(gif.as_slice()).unwrap();
    let mut delays = Vec::new();
    while let Some(frame) = decoder.read_next_frame().unwrap() {
        delays.push(frame.delay);
    }
    assert_eq!(delays.len(), 12);
    assert!(delays[11] > 10 * delays[0], "the last frame is held: {delays:?}");
    assert!(gif.len() < 200_000, "{} bytes", gif.len());
}

#[test]
fn a_surface_renders_with_the_colour_map() {
    let f = Function::resolve("peaks").unwrap();
    let s = Surface {
        function: &f,
        domain: [-3.0, 3.0, -3.0, 3.0],
        colormap: Colormap::Jet,
        zmin: None,
        zmax: None,
        elev: 30.0,
        azim: 250.0,
        path: Some(vec![[0.0, 1.4], [0.3, 0.3]]),
        title: Some("3D Surface Plot".into()),
        width: 640,
        height: 480,
        scale: 1.0,
    };
    let png = render_surface(&s, Format::Png).unwrap();
    let img = downhill_plot::decode_png(&png).unwrap();
    assert_eq!((img.width, img.height), (640, 480));
    // Shaded jet colours: something strongly red (the peak) and strongly blue (the pit).
    let reddish = img.pixels().filter(|p| p[0] > 150 && p[1] < 60 && p[2] < 60).count();
    let bluish = img.pixels().filter(|p| p[2] > 120 && p[0] < 40 && p[1] < 60).count();
    assert!(reddish > 200 && bluish > 200, "red {reddish}, blue {bluish}");
    let svg = String::from_utf8(render_surface(&s, Format::Svg).unwrap()).unwrap();
    roxmltree::Document::parse(&svg).unwrap();
}

#[test]
fn non_finite_regions_are_grey_not_garbage() {
    let f = Function::parse("ln(x)").unwrap();
    let mut panel = Panel::new(&f, [-2.0, 2.0, -1.0, 1.0]);
    panel.colorbar = false;
    let fig = Figure {
        width: 400,
        height: 300,
        scale: 1.0,
        suptitle: None,
        panels: vec![panel],
        columns: 1,
        note: None,
        charts: Vec::new(),
        charts_beside: None,
    };
    let rgb = render_rgb(&fig).unwrap();
    let grey = rgb.chunks(3).filter(|c| c == &[200, 200, 200]).count();
    assert!(grey > 10_000, "{grey} grey pixels");
}

/// Paths stay where their points are. Gradient descent on Rosenbrock at lr 0.003 zig-zags across the valley,
/// reverses sharply and repeats pixels where it crawls: no red may appear outside the box of its points'
/// pixels (a mitre spike at a reversal, a line to the panel's corner, a stroke over the colour bar).
#[test]
fn paths_draw_only_near_their_points() {
    let f = Function::resolve("rosenbrock").unwrap();
    let config = downhill::RunConfig::new([-1.2, 1.0]).learning_rate(0.003).epochs(5000);
    let r = downhill::run(&f, &config, &downhill::OptimizerSpec::gd()).unwrap();
    let points = r.path();
    let mut fig = figure(&f, points.clone());
    let panel = &mut fig.panels[0];
    panel.domain = [-2.0, 2.0, -1.0, 3.0];
    // A plain green picture instead of the landscape: its pixels mark the plot area exactly.
    panel.image = Some(downhill_plot::GridImage {
        width: 1,
        height: 1,
        rgb: vec![10, 200, 10],
    });
    panel.paths[0].start = None;
    panel.paths[0].end = None;
    let (w, h) = (fig.width, fig.height);
    let rgb = render_rgb(&fig).unwrap();
    let red = |c: [u8; 3]| c[0] > 150 && c[1] < 100 && c[2] < 100;
    let reds: Vec<(u32, u32)> = (0..h)
        .flat_map(|y| (0..w).map(move |x| (x, y)))
        .filter(|&(x, y)| red(pixel(&rgb, w, x, y)))
        .collect();
    assert!(reds.len() > 100, "the path is drawn");
    // Data to pixels from the plot area: the green picture's bounding box.
    let (mut x0, mut x1, mut y0, mut y1) = (w, 0, h, 0);
    for y in 0..h {
        for x in 0..w {
            if pixel(&rgb, w, x, y) == [10, 200, 10] {
                (x0, x1, y0, y1) = (x0.min(x), x1.max(x), y0.min(y), y1.max(y));
            }
        }
    }
    let px = |p: [f64; 2]| {
        (
            x0 as f64 + (p[0] + 2.0) / 4.0 * (x1 - x0) as f64,
            y1 as f64 - (p[1] + 1.0) / 4.0 * (y1 - y0) as f64,
        )
    };
    let (mut lo_x, mut hi_x, mut lo_y, mut hi_y) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for p in &points {
        let (x, y) = px(*p);
        (lo_x, hi_x, lo_y, hi_y) = (lo_x.min(x), hi_x.max(x), lo_y.min(y), hi_y.max(y));
    }
    let slack = 4.0;
    for &(x, y) in &reds {
        let (x, y) = (x as f64, y as f64);
        assert!(
            x >= lo_x - slack && x <= hi_x + slack && y >= lo_y - slack && y <= hi_y + slack,
            "red at ({x}, {y}), outside the path's box x {lo_x:.0}..{hi_x:.0}, y {lo_y:.0}..{hi_y:.0}"
        );
    }
}

/// The bounding box (x0, y0, x1, y1) of the pixels of exactly this colour.
fn bounding_box(img: &downhill_plot::Picture, c: [u8; 3]) -> (u32, u32, u32, u32) {
    let (mut x0, mut y0, mut x1, mut y1) = (u32::MAX, u32::MAX, 0, 0);
    for y in 0..img.height {
        for x in 0..img.width {
            if img.pixel(x, y) == c {
                (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
            }
        }
    }
    (x0, y0, x1, y1)
}

fn green_panel(f: &Function, domain: [f64; 4]) -> Figure<'_> {
    let mut fig = figure(f, vec![]);
    let panel = &mut fig.panels[0];
    panel.paths.clear();
    panel.domain = domain;
    panel.image = Some(downhill_plot::GridImage {
        width: 1,
        height: 1,
        rgb: vec![10, 200, 10],
    });
    fig
}

/// A square domain is drawn square (matplotlib's imshow, the seed's look) unless asked to fill the figure; a
/// domain twice as wide as high is drawn twice as wide.
#[test]
fn plots_keep_the_domains_aspect_ratio() {
    let f = Function::parse("x + y").unwrap();
    let green = [10, 200, 10];
    let size = |fig: &Figure| {
        let img = downhill_plot::decode_png(&render(fig, Format::Png).unwrap()).unwrap();
        let (x0, y0, x1, y1) = bounding_box(&img, green);
        ((x1 - x0 + 1) as f64, (y1 - y0 + 1) as f64)
    };
    let (w, h) = size(&green_panel(&f, [-3.0, 3.0, -3.0, 3.0]));
    assert!((w - h).abs() <= 1.0, "{w} x {h}");
    let (w, h) = size(&green_panel(&f, [-4.0, 4.0, -1.0, 3.0]));
    assert!((w / h - 2.0).abs() < 0.02, "{w} x {h}");
    let mut fill = green_panel(&f, [-3.0, 3.0, -3.0, 3.0]);
    fill.panels[0].aspect = downhill_plot::Aspect::Auto;
    let (w, h) = size(&fill);
    assert!(w > 1.25 * h, "{w} x {h}");
}

/// The legend goes to the corner that hides the fewest markers and path points: here the path runs along the
/// top, so the legend sits at the bottom, and every pixel of the markers stays visible.
#[test]
fn the_legend_hides_no_marker() {
    let f = Function::parse("x + y").unwrap();
    let along_the_top: Vec<[f64; 2]> = (0..50).map(|i| [-2.8 + 0.11 * i as f64, 2.7]).collect();
    let mut fig = green_panel(&f, [-3.0, 3.0, -3.0, 3.0]);
    fig.panels[0].paths.push(Path {
        points: along_the_top,
        color: [255, 0, 0],
        alpha: 1.0,
        width: 1.5,
        start: Some(BLUE_SQUARE),
        end: Some(RED_DOT),
        stride: 1,
    });
    let count = |fig: &Figure, c: [u8; 3]| {
        downhill_plot::decode_png(&render(fig, Format::Png).unwrap())
            .unwrap()
            .pixels()
            .filter(|p| *p == c)
            .count()
    };
    let without = (count(&fig, [255, 0, 0]), count(&fig, [0, 0, 255]));
    fig.panels[0].legend = vec![
        ("Start".into(), downhill_plot::Glyph::Marker(BLUE_SQUARE)),
        ("End".into(), downhill_plot::Glyph::Marker(RED_DOT)),
        (
            "A rather long third entry".into(),
            downhill_plot::Glyph::Line([0, 0, 0]),
        ),
    ];
    // The legend's glyphs add a few pixels of each colour; none of the path's or markers' go missing.
    let with = (count(&fig, [255, 0, 0]), count(&fig, [0, 0, 255]));
    assert!(with.0 >= without.0 && with.1 >= without.1, "{without:?} -> {with:?}");
    // Long legends are cut with a count of the rest.
    let entries: Vec<(String, downhill_plot::Glyph)> = (0..20)
        .map(|i| (format!("entry {i}"), downhill_plot::Glyph::Line([0, 0, 0])))
        .collect();
    fig.panels[0].legend = entries;
    fig.panels[0].legend_place = downhill_plot::LegendPlace::Outside;
    render(&fig, Format::Png).unwrap();
}

/// The first frame of an animation shows the start marker (the path has not moved yet), and every frame says
/// which epoch it shows.
#[test]
fn an_animation_starts_with_the_start_marker() {
    let f = Function::resolve("peaks").unwrap();
    let points: Vec<[f64; 2]> = (0..200).map(|i| [-1.0 + 0.01 * i as f64, 0.5]).collect();
    let fig = figure(&f, points);
    let gif = animate(&fig, 10).unwrap();
    let mut decoder = gif::DecodeOptions::new();
    decoder.set_color_output(gif::ColorOutput::RGBA);
    let mut decoder = decoder.read_info(gif.as_slice()).unwrap();
    let first = decoder.read_next_frame().unwrap().unwrap();
    let blue = first
        .buffer
        .chunks_exact(4)
        .filter(|p| p[0] < 30 && p[1] < 30 && p[2] > 220)
        .count();
    assert!(blue > 30, "{blue} blue pixels in the first frame");
}

/// With a log colour scale, Rosenbrock is not one colour: in the linear scale most of the plot is jet's
/// darkest blues (f below a tenth of its 2500 maximum), in the log scale a small part.
#[test]
fn a_log_colour_scale_shows_rosenbrocks_valley() {
    let f = Function::resolve("rosenbrock").unwrap();
    let dark_share = |log: bool| {
        let mut fig = figure(&f, vec![]);
        fig.panels[0].paths.clear();
        fig.panels[0].domain = [-2.0, 2.0, -1.0, 3.0];
        fig.panels[0].vmin = None;
        fig.panels[0].vmax = None;
        fig.panels[0].log_color = log;
        let img = downhill_plot::decode_png(&render(&fig, Format::Png).unwrap()).unwrap();
        let dark = img.pixels().filter(|p| p[0] < 10 && p[1] < 40 && p[2] > 120).count();
        dark as f64 / (img.width * img.height) as f64
    };
    let (linear, log) = (dark_share(false), dark_share(true));
    assert!(
        linear > 0.3 && log < linear / 4.0,
        "dark blue: {linear:.3} linear, {log:.3} log"
    );
}

/// A chart: the line in its colour, the band paler under it, a point off the log axis (zero) and an infinite
/// one on the axis's edges rather than outside the plot, a NaN breaking the line; as PNG and as SVG.
#[test]
fn charts_draw_lines_bands_and_off_scale_values_inside_the_plot() {
    use downhill_plot::{Chart, Series};
    let blue = [31, 119, 180];
    let mut chart = Chart::new("epoch", "f - f*");
    chart.log_y = true;
    let points: Vec<[f64; 2]> = (0..=100)
        .map(|k| {
            let y = match k {
                40 => f64::NAN,
                90 => 0.0,
                95 => f64::INFINITY,
                _ => 0.8f64.powi(k),
            };
            [k as f64, y]
        })
        .collect();
    let band = points.iter().map(|p| [p[0], p[1] / 3.0, p[1] * 3.0]).collect();
    chart.series.push(Series {
        band,
        ..Series::line(points, blue)
    });
    let fig = Figure {
        width: 600,
        height: 400,
        scale: 1.0,
        suptitle: None,
        panels: Vec::new(),
        columns: 1,
        note: None,
        charts: vec![chart],
        charts_beside: None,
    };
    let rgb = render_rgb(&fig).unwrap();
    let count = |c: [u8; 3]| rgb.chunks_exact(3).filter(|p| *p == c).count();
    assert!(count(blue) > 300, "{}", count(blue));
    // The band: blue at 20% over white.
    let pale = rgb
        .chunks_exact(3)
        .filter(|p| p[2] > 230 && p[0] > 200 && p[0] < 250 && p[0] < p[2])
        .count();
    assert!(pale > 2000, "{pale}");
    // Nothing blue in the outer 8 pixels of the figure (off-scale values stay inside the plot).
    for y in 0..400u32 {
        for x in (0..8).chain(592..600) {
            assert_ne!(pixel(&rgb, 600, x, y), blue, "({x}, {y})");
        }
    }
    let svg = String::from_utf8(render(&fig, Format::Svg).unwrap()).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("polygon") && svg.contains("#1F77B4"));
}
