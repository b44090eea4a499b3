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
    });
    Figure {
        width: 640,
        height: 480,
        scale: 1.0,
        suptitle: Some("title".into()),
        panels: vec![panel],
        columns: 1,
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
    let img = image::load_from_memory(&png).unwrap();
    assert_eq!((img.width(), img.height()), (640, 480));
    let svg = String::from_utf8(render(&fig, Format::Svg).unwrap()).unwrap();
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert!(
        doc.descendants().any(|n| n.tag_name().name() == "image"),
        "no embedded heat map"
    );
    assert!(
        doc.descendants().filter(|n| n.tag_name().name() == "text").count() > 10,
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
    let img = image::load_from_memory(&png).unwrap().to_rgb8();
    assert_eq!(img.dimensions(), (640, 480));
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
