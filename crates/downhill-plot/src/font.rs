//! The one font, embedded: DejaVu Sans (licence in `assets/DejaVuSans-LICENSE`), registered with plotters
//! once, so text is drawn the same on every machine with no system font library.

use std::sync::Once;

use plotters::style::FontStyle;

static FONT: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");
static REGISTER: Once = Once::new();

/// Registers the embedded font as plotters' `sans-serif` (idempotent).
pub fn register() {
    REGISTER.call_once(|| {
        for style in [
            FontStyle::Normal,
            FontStyle::Bold,
            FontStyle::Italic,
            FontStyle::Oblique,
        ] {
            // The font is a constant of this crate, known to parse.
            let _ = plotters::style::register_font("sans-serif", style, FONT);
        }
    });
}
