//! Errors as the user sees them: what went wrong, and where in the expression (a caret line), with the exit
//! code that says whose fault it was.

use std::fmt;

use downhill::Span;

/// An error that ends the program.
#[derive(Debug)]
pub enum CliError {
    /// Bad usage or bad input (exit code 2).
    Input(Diagnostic),
    /// Something failed that the input did not cause, such as an I/O error (exit code 1).
    Failure(anyhow::Error),
    /// Stopped by Ctrl-C before anything was written (exit code 130, the shell's code for SIGINT).
    Interrupted,
}

impl CliError {
    /// A bad-input error with no location.
    pub fn input(message: impl Into<String>) -> CliError {
        CliError::Input(Diagnostic {
            message: message.into(),
            source: None,
        })
    }

    /// A bad-input error located in an expression.
    pub fn at(message: impl Into<String>, source: &str, span: Span) -> CliError {
        CliError::Input(Diagnostic {
            message: message.into(),
            source: Some((source.to_string(), span)),
        })
    }

    /// The process exit code.
    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::Input(_) => 2,
            CliError::Failure(_) => 1,
            CliError::Interrupted => 130,
        }
    }
}

impl From<anyhow::Error> for CliError {
    fn from(e: anyhow::Error) -> CliError {
        CliError::Failure(e)
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Input(d) => d.fmt(f),
            CliError::Failure(e) => write!(f, "error: {e:#}"),
            CliError::Interrupted => write!(f, "interrupted: nothing was written"),
        }
    }
}

/// A message with an optional location in a source text.
#[derive(Debug)]
pub struct Diagnostic {
    message: String,
    source: Option<(String, Span)>,
}

/// The widest excerpt of an expression shown above a caret line, in characters.
const WINDOW: usize = 72;

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error: {}", clean(&self.message))?;
        if let Some((source, span)) = &self.source {
            let (line, marks) = caret_lines(source, *span);
            write!(f, "\n  {line}\n  {marks}")?;
        }
        Ok(())
    }
}

/// How a character of the user's text is shown: itself, or an escape for characters that would act instead
/// of showing (control characters such as ESC, bidirectional overrides that reorder the line, line and
/// paragraph separators, zero-width and other format characters).
fn shown(c: char) -> Option<String> {
    let invisible = c.is_control()
        || matches!(c, '\u{061C}' | '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}');
    invisible.then(|| format!("\\u{{{:x}}}", c as u32))
}

/// Columns a piece of text takes in a terminal (wide characters take two).
fn columns(s: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(s)
}

/// The longest word of a message shown whole; longer ones (an echoed 10,000-character name) are cut.
const LONGEST_WORD: usize = 60;

/// A message made safe to print: escapes for characters that would act on the terminal, and overlong words
/// cut in the middle with their length given.
pub fn clean(message: &str) -> String {
    let mut out = String::with_capacity(message.len().min(4096));
    for (i, word) in message.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let chars: Vec<char> = word.chars().collect();
        let keep = |cs: &[char], out: &mut String| {
            for &c in cs {
                match shown(c) {
                    Some(e) => out.push_str(&e),
                    None => out.push(c),
                }
            }
        };
        if chars.len() > LONGEST_WORD {
            keep(&chars[..LONGEST_WORD / 2], &mut out);
            out.push_str(&format!("…[{} characters]…", chars.len()));
            keep(&chars[chars.len() - 8..], &mut out);
        } else {
            keep(&chars, &mut out);
        }
    }
    out
}

/// The source (windowed around the span when it is long, characters that would act on the terminal
/// escaped) and a line of carets under the span, aligned by terminal columns (wide characters take two).
pub fn caret_lines(source: &str, span: Span) -> (String, String) {
    let chars: Vec<(usize, char)> = source.char_indices().collect();
    let column = |byte: usize| chars.iter().position(|&(b, _)| b >= byte).unwrap_or(chars.len());
    let start = column(span.start.min(source.len()));
    let end = column(span.end.min(source.len())).max(start + 1);
    let pieces: Vec<String> = chars
        .iter()
        .map(|&(_, c)| shown(c).unwrap_or_else(|| c.to_string()))
        .collect();
    let widths: Vec<usize> = pieces.iter().map(|p| columns(p)).collect();
    // A window of at most WINDOW columns that shows the start of the span.
    let (mut from, mut to) = (0, chars.len());
    if widths.iter().sum::<usize>() > WINDOW {
        from = start;
        let mut used = widths.get(start).copied().unwrap_or(1);
        // About a third of the window before the span, the rest after it.
        while from > 0 && used + widths[from - 1] <= WINDOW / 3 {
            from -= 1;
            used += widths[from];
        }
        to = start + 1;
        while to < chars.len() && used + widths[to] <= WINDOW {
            used += widths[to];
            to += 1;
        }
        to = to.min(chars.len());
    }
    let mut line = String::new();
    let mut marks = String::new();
    if from > 0 {
        line.push_str("...");
        marks.push_str("   ");
    }
    for i in from..to {
        line.push_str(&pieces[i]);
        let mark = if (start..end).contains(&i) { '^' } else { ' ' };
        marks.extend(std::iter::repeat_n(mark, widths[i]));
    }
    if to < chars.len() {
        line.push_str("...");
    }
    // A span at the very end (a missing operand) points just past the text.
    if start >= to {
        marks.push('^');
    }
    (line, marks.trim_end().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn carets_align_by_character() {
        let (line, marks) = caret_lines("é + exq(x)", Span { start: 5, end: 8 });
        assert_eq!(line, "é + exq(x)");
        assert_eq!(marks, "    ^^^");
    }

    #[test]
    fn carets_align_by_terminal_column_after_wide_characters() {
        // U+3000 (ideographic space) and 中 take two columns each.
        let (line, marks) = caret_lines("\u{3000}中 + exq(x)", Span { start: 10, end: 13 });
        assert_eq!(line, "\u{3000}中 + exq(x)");
        assert_eq!(marks, "        ^^^");
    }

    #[test]
    fn characters_that_act_on_the_terminal_are_escaped() {
        let (line, marks) = caret_lines("x\u{1b}[31m + \u{202e}y", Span { start: 1, end: 2 });
        assert_eq!(line, "x\\u{1b}[31m + \\u{202e}y");
        assert_eq!(marks, " ^^^^^^");
        assert_eq!(
            clean("unknown name '\u{2028}a\u{7}'"),
            "unknown name '\\u{2028}a\\u{7}'"
        );
        let long = format!("unknown name '{}' here", "a".repeat(10_000));
        let cut = clean(&long);
        assert!(
            cut.len() < 120 && cut.contains("[10002 characters]") && cut.ends_with("here"),
            "{cut}"
        );
    }

    #[test]
    fn a_span_at_the_end_points_past_the_text() {
        let (_, marks) = caret_lines("x +", Span { start: 3, end: 3 });
        assert_eq!(marks, "   ^");
    }

    #[test]
    fn long_input_is_windowed_around_the_fault() {
        let source = format!("{}+ exq(x)", "x + ".repeat(100));
        let (line, marks) = caret_lines(&source, Span { start: 402, end: 405 });
        assert!(line.starts_with("...") && line.chars().count() <= WINDOW + 6);
        let caret = marks.find('^').unwrap();
        assert_eq!(&line[caret..caret + 3], "exq");
    }
}
