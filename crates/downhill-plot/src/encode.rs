//! Output formats: PNG from an RGB buffer, SVG from plotters' SVG with the heat map embedded as a PNG image.

use std::path::Path;

use crate::PlotError;

/// An output format, from a file's extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// A PNG image.
    Png,
    /// An SVG document (vector lines and text over an embedded raster heat map).
    Svg,
    /// An animated GIF.
    Gif,
}

impl Format {
    /// The format a path's extension names. Anything but `.png`, `.svg` and `.gif` is an error.
    pub fn from_path(path: &Path) -> Result<Format, PlotError> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .unwrap_or_default();
        match ext.as_str() {
            "png" => Ok(Format::Png),
            "svg" => Ok(Format::Svg),
            "gif" => Ok(Format::Gif),
            _ => Err(PlotError::UnknownExtension(path.display().to_string())),
        }
    }
}

/// Encodes an RGB buffer as PNG.
pub fn png(rgb: &[u8], width: u32, height: u32) -> Result<Vec<u8>, PlotError> {
    use image::ImageEncoder;
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(rgb, width, height, image::ExtendedColorType::Rgb8)
        .map_err(|e| PlotError::Encode(e.to_string()))?;
    Ok(out)
}

/// Standard base64 (RFC 4648) with padding.
pub fn base64(data: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ABC[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A raster placed in an SVG document at a pixel position.
pub struct Raster {
    /// Left, top in pixels.
    pub pos: (i32, i32),
    /// Width, height in pixels.
    pub size: (u32, u32),
    /// RGB pixels.
    pub rgb: Vec<u8>,
}

/// Inserts rasters into an SVG document just after its background rectangle, so lines and text drawn later
/// stay on top of them.
pub fn svg_with_rasters(svg: &str, rasters: &[Raster]) -> Result<String, PlotError> {
    let mut images = String::new();
    for r in rasters {
        let data = base64(&png(&r.rgb, r.size.0, r.size.1)?);
        images.push_str(&format!(
            "<image x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" preserveAspectRatio=\"none\" \
             image-rendering=\"pixelated\" href=\"data:image/png;base64,{data}\"/>\n",
            r.pos.0, r.pos.1, r.size.0, r.size.1
        ));
    }
    let at = svg
        .find("<rect")
        .and_then(|i| svg[i..].find("/>").map(|j| i + j + 2))
        .ok_or_else(|| PlotError::Drawing("the SVG has no background".into()))?;
    Ok(format!("{}\n{images}{}", &svg[..at], &svg[at..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn formats_come_from_extensions() {
        assert_eq!(Format::from_path(Path::new("a/b.PNG")).unwrap(), Format::Png);
        assert_eq!(Format::from_path(Path::new("x.svg")).unwrap(), Format::Svg);
        assert!(Format::from_path(Path::new("x.jpg")).is_err());
        assert!(Format::from_path(Path::new("x")).is_err());
    }
}
