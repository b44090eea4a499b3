//! Figures for downhill: heat maps with trajectories, contours and gradient fields, 3-D surfaces, sweeps as
//! panels, line charts (loss curves, learning-rate sensitivity), and animations. Pixel buffers are filled directly and encoded here; text uses one embedded font,
//! so the same figure has the same pixels on every machine. The library returns bytes; callers write files.

pub mod anim;
pub mod chart;
pub mod colormap;
pub mod contour;
pub mod encode;
pub mod figure;
pub mod scale;
pub mod surface;
pub mod text;

pub use anim::animate;
pub use chart::{Chart, Series};
pub use colormap::{Colormap, TAB10};
pub use encode::{decode_png, Format, Picture};
pub use figure::{render, render_rgb, Aspect, Figure, Glyph, GridImage, LegendPlace, Marker, Panel, Path, Shape};
pub use surface::{render_surface, Surface};

/// Why a figure could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// The file name's extension is not a known format.
    #[error("cannot tell the image format of '{0}': use .png or .svg (or .gif for animations)")]
    UnknownExtension(String),
    /// A setting that cannot be drawn.
    #[error("{0}")]
    BadSetting(String),
    /// plotters failed.
    #[error("drawing failed: {0}")]
    Drawing(String),
    /// The encoder failed.
    #[error("encoding failed: {0}")]
    Encode(String),
}
