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
    let encode = |e: png::EncodingError| PlotError::Encode(e.to_string());
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Balanced);
    encoder.set_filter(png::Filter::Adaptive);
    let mut writer = encoder.write_header().map_err(encode)?;
    writer.write_image_data(rgb).map_err(encode)?;
    writer.finish().map_err(encode)?;
    Ok(out)
}

/// A picture read back from PNG bytes: `rgb` holds `height` rows of `width` RGB pixels (an alpha channel is
/// dropped, grey is repeated). For checking figures, ours and others'.
#[derive(Clone, Debug, PartialEq)]
pub struct Picture {
    /// Pixels per row.
    pub width: u32,
    /// Rows.
    pub height: u32,
    /// RGB bytes, the top row first.
    pub rgb: Vec<u8>,
}

impl Picture {
    /// The pixel at (x, y), from the top left.
    pub fn pixel(&self, x: u32, y: u32) -> [u8; 3] {
        let i = ((y * self.width + x) * 3) as usize;
        [self.rgb[i], self.rgb[i + 1], self.rgb[i + 2]]
    }

    /// Every pixel, row by row.
    pub fn pixels(&self) -> impl Iterator<Item = [u8; 3]> + '_ {
        self.rgb.chunks_exact(3).map(|c| [c[0], c[1], c[2]])
    }
}

/// Decodes 8-bit PNG bytes (RGB, RGBA, grey or grey with alpha).
pub fn decode_png(bytes: &[u8]) -> Result<Picture, PlotError> {
    let decode = |e: png::DecodingError| PlotError::Encode(e.to_string());
    let mut reader = png::Decoder::new(std::io::Cursor::new(bytes))
        .read_info()
        .map_err(decode)?;
    let size = reader
        .output_buffer_size()
        .ok_or_else(|| PlotError::Encode("the PNG is too large".into()))?;
    let mut buf = vec![0; size];
    let info = reader.next_frame(&mut buf).map_err(decode)?;
    if info.bit_depth != png::BitDepth::Eight {
        return Err(PlotError::Encode(format!("a {:?} PNG, not 8-bit", info.bit_depth)));
    }
    let buf = &buf[..info.buffer_size()];
    let rgb = match info.color_type {
        png::ColorType::Rgb => buf.to_vec(),
        png::ColorType::Rgba => buf.chunks_exact(4).flat_map(|p| [p[0], p[1], p[2]]).collect(),
        png::ColorType::Grayscale => buf.iter().flat_map(|&g| [g, g, g]).collect(),
        png::ColorType::GrayscaleAlpha => buf.chunks_exact(2).flat_map(|p| [p[0], p[0], p[0]]).collect(),
        png::ColorType::Indexed => return Err(PlotError::Encode("an indexed PNG".into())),
    };
    Ok(Picture {
        width: info.width,
        height: info.height,
        rgb,
    })
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

/// Completes an SVG document from plotters: the rasters go just after its background rectangle, so lines and
/// text drawn later stay on top of them, and the text outlines (`<path>` elements) go last, over everything.
pub fn svg_with(svg: &str, rasters: &[Raster], text: &str) -> Result<String, PlotError> {
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
    let end = svg
        .rfind("</svg>")
        .ok_or_else(|| PlotError::Drawing("the SVG has no end".into()))?;
    Ok(format!(
        "{}\n{images}{}<g id=\"text\">\n{text}</g>\n{}",
        &svg[..at],
        &svg[at..end],
        &svg[end..]
    ))
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
    fn png_round_trips() {
        let rgb: Vec<u8> = (0..5 * 3 * 3).map(|i| (i * 17 % 256) as u8).collect();
        let picture = decode_png(&png(&rgb, 5, 3).unwrap()).unwrap();
        assert_eq!((picture.width, picture.height), (5, 3));
        assert_eq!(picture.rgb, rgb);
        assert_eq!(picture.pixel(1, 0), [51, 68, 85]);
    }

    #[test]
    fn formats_come_from_extensions() {
        assert_eq!(Format::from_path(Path::new("a/b.PNG")).unwrap(), Format::Png);
        assert_eq!(Format::from_path(Path::new("x.svg")).unwrap(), Format::Svg);
        assert!(Format::from_path(Path::new("x.jpg")).is_err());
        assert!(Format::from_path(Path::new("x")).is_err());
    }
}
