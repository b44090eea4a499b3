//! Errors as the user sees them: what went wrong, and where in the expression (a caret line), with the exit
//! code that says whose fault it was.

use std::fmt;

use downhill::expr::parser::Span;

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
        write!(f, "error: {}", self.message)?;
        if let Some((source, span)) = &self.source {
            let (line, marks) = caret_lines(source, *span);
            write!(f, "\n  {line}\n  {marks}")?;
        }
        Ok(())
    }
}

/// The source (windowed around the span when it is long, control characters shown as spaces) and a line of
/// carets under the span, aligned by characters, not bytes.
pub fn caret_lines(source: &str, span: Span) -> (String, String) {
    let chars: Vec<(usize, char)> = source.char_indices().collect();
    let column = |byte: usize| chars.iter().position(|&(b, _)| b >= byte).unwrap_or(chars.len());
    let start = column(span.start.min(source.len()));
    let end = column(span.end.min(source.len())).max(start + 1);
    // A window of at most WINDOW characters that shows the start of the span.
    let (mut from, mut to) = (0, chars.len());
    if chars.len() > WINDOW {
        from = start.saturating_sub(WINDOW / 3);
        to = (from + WINDOW).min(chars.len());
        from = to.saturating_sub(WINDOW).min(from);
    }
    let mut line = String::new();
    let mut marks = String::new();
    if from > 0 {
        line.push_str("...");
        marks.push_str("   ");
    }
    for (i, &(_, c)) in chars.iter().enumerate().take(to).skip(from) {
        line.push(if c.is_control() { ' ' } else { c });
        marks.push(if (start..end).contains(&i) { '^' } else { ' ' });
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
