//! Text that reaches a terminal, and how long text may be.
//!
//! Every string qualify prints or draws passes [`sanitize`] (directly, or
//! through [`SafeWriter`] for the CLI's output): control characters, escape
//! sequences and bidirectional overrides never reach the terminal. Field
//! lengths are bounded by [`MAX_SHORT`] and [`MAX_LONG`] at every entry point,
//! and drawing code only looks at [`head`] of a value, so a value stored
//! before the bounds existed still draws in bounded time.

use std::borrow::Cow;
use std::io::{self, Write};

/// Names, titles, owners, dates typed as text, one-line fields: characters.
pub const MAX_SHORT: usize = 200;
/// Notes, evidence, reasons, comments, battle cards: characters.
pub const MAX_LONG: usize = 20_000;

/// Replace control characters (escape sequences, carriage returns, tabs …)
/// so that user text printed by the CLI or drawn in a cell cannot move the
/// cursor or change the terminal's state. Newlines are kept when `keep_newlines`.
pub fn sanitize(text: &str, keep_newlines: bool) -> String {
    text.chars()
        .map(|c| match c {
            '\n' if keep_newlines => '\n',
            '\t' => ' ',
            c if is_unsafe(c) => '\u{FFFD}',
            c => c,
        })
        .collect()
}

/// A character that must not reach a terminal as it is.
fn is_unsafe(c: char) -> bool {
    c.is_control() || is_bidi_control(c)
}

/// Characters that reorder the text around them (a name could otherwise
/// display reversed or hide what follows it).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// One-line form of user text: control characters and newlines replaced.
pub fn clean(text: &str) -> String {
    sanitize(text, false)
}

/// How many characters of one value the TUI looks at when it draws it: more
/// than any window shows of one field, few enough that a frame stays fast
/// whatever the database holds.
pub const DRAWN: usize = 10_000;

/// One-line form of a value for drawing: its first [`DRAWN`] characters, clean.
pub fn shown(text: &str) -> String {
    clean(head(text, DRAWN))
}

/// [`shown`], keeping newlines (notes, battle cards).
pub fn shown_lines(text: &str) -> String {
    sanitize(head(text, DRAWN), true)
}

/// JSON text with every unsafe character written as a `\uXXXX` escape. JSON
/// outside its strings is plain ASCII, so only string contents change, and
/// they still parse to the same value.
fn json_escaped(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| is_unsafe(c) && c != '\n') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if is_unsafe(c) && c != '\n' {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// The first `max_chars` characters of `text` (all of it when shorter): what
/// drawing code looks at, so that its cost is bounded by what can be seen.
pub fn head(text: &str, max_chars: usize) -> &str {
    match text.char_indices().nth(max_chars) {
        Some((end, _)) => &text[..end],
        None => text,
    }
}

/// `text` cut to `width` terminal columns, ending with … when cut. Wide
/// characters (CJK, most emoji) take two columns; nothing is ever split.
pub fn truncate(text: &str, width: usize) -> String {
    use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};
    let text = head(text, width.saturating_mul(4).max(8));
    if text.width() <= width {
        return text.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    if width > 0 {
        out.push('…');
    }
    out
}

/// `text` cut to `width` columns and padded with spaces to exactly `width`
/// columns: a cell of a table that lines up in a terminal.
pub fn fit(text: &str, width: usize) -> String {
    let mut out = truncate(text, width);
    let used = unicode_width::UnicodeWidthStr::width(out.as_str());
    out.extend(std::iter::repeat_n(' ', width.saturating_sub(used)));
    out
}

/// `n` and what it counts, in the singular for one: "1 stakeholder",
/// "3 stakeholders", "0 stakeholders".
pub fn plural<N>(n: N, one: &str, many: &str) -> String
where
    N: Copy + std::fmt::Display + TryInto<u64>,
{
    let word = if n.try_into().ok() == Some(1) {
        one
    } else {
        many
    };
    format!("{n} {word}")
}

/// `text` if it has at most `max` characters; otherwise what to say about it.
pub fn check_length(text: &str, max: usize) -> Result<(), String> {
    if text.chars().nth(max).is_some() {
        Err(format!(
            "too long: at most {max} characters (this has {})",
            text.chars().count()
        ))
    } else {
        Ok(())
    }
}

/// What the CLI writes: plain text (unsafe characters replaced, newlines
/// kept) or JSON (unsafe characters escaped, so the document is unchanged).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    Text,
    Json,
}

/// A writer that passes everything through [`sanitize`] (or its JSON form)
/// before it reaches the terminal, whatever the code above it forgot.
pub struct SafeWriter<W: Write> {
    inner: W,
    output: Output,
    /// The start of a UTF-8 sequence split between two writes.
    pending: Vec<u8>,
}

impl<W: Write> SafeWriter<W> {
    pub fn new(inner: W, output: Output) -> Self {
        SafeWriter {
            inner,
            output,
            pending: Vec::new(),
        }
    }

    fn emit(&mut self, text: &str) -> io::Result<()> {
        // printable ASCII and newlines (most of any output) pass as they are
        if text
            .bytes()
            .all(|b| b == b'\n' || (b' '..=b'~').contains(&b))
        {
            return self.inner.write_all(text.as_bytes());
        }
        match self.output {
            Output::Text => self.inner.write_all(sanitize(text, true).as_bytes()),
            Output::Json => self.inner.write_all(json_escaped(text).as_bytes()),
        }
    }
}

impl<W: Write> Write for SafeWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // printable ASCII and newlines (most of any output), with nothing
        // waiting: passed as they are, in one look at each byte
        if self.pending.is_empty()
            && buf
                .iter()
                .all(|&b| b == b'\n' || (b' '..=b'~').contains(&b))
        {
            self.inner.write_all(buf)?;
            return Ok(buf.len());
        }
        self.pending.extend_from_slice(buf);
        let bytes = std::mem::take(&mut self.pending);
        let mut rest = &bytes[..];
        loop {
            match std::str::from_utf8(rest) {
                Ok(text) => {
                    self.emit(text)?;
                    break;
                }
                Err(e) => {
                    let (good, after) = rest.split_at(e.valid_up_to());
                    self.emit(std::str::from_utf8(good).expect("checked above"))?;
                    match e.error_len() {
                        Some(bad) => {
                            self.emit("\u{FFFD}")?;
                            rest = &after[bad..];
                        }
                        None => {
                            // an incomplete sequence: wait for the rest of it
                            self.pending = after.to_vec();
                            break;
                        }
                    }
                }
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.pending.is_empty() {
            self.pending.clear();
            self.emit("\u{FFFD}")?;
        }
        self.inner.flush()
    }
}

impl<W: Write> Drop for SafeWriter<W> {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_are_neutralised() {
        assert_eq!(clean("a\u{1b}[2Jb"), "a\u{FFFD}[2Jb");
        assert_eq!(clean("x\ny"), "x\u{FFFD}y");
        assert_eq!(sanitize("x\ny\r", true), "x\ny\u{FFFD}");
        assert_eq!(clean("tab\there"), "tab here");
        assert_eq!(clean("evil\u{202E}txt.exe"), "evil\u{FFFD}txt.exe");
        assert_eq!(clean("c1\u{9b}2J"), "c1\u{FFFD}2J", "the 8-bit CSI too");
    }

    fn through(output: Output, pieces: &[&[u8]]) -> Vec<u8> {
        let mut out = Vec::new();
        {
            let mut w = SafeWriter::new(&mut out, output);
            for p in pieces {
                w.write_all(p).unwrap();
            }
        }
        out
    }

    #[test]
    fn the_writer_lets_no_escape_or_bell_through() {
        let title = "\u{1b}]0;pwned\u{7}\u{1b}[2JStep\n";
        let out = through(Output::Text, &[title.as_bytes()]);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "\u{FFFD}]0;pwned\u{FFFD}\u{FFFD}[2JStep\n"
        );
    }

    #[test]
    fn the_writer_joins_characters_split_between_writes() {
        let text = "Müller 東京 \u{9b}";
        let bytes = text.as_bytes();
        let pieces: Vec<&[u8]> = bytes.chunks(1).collect();
        let out = through(Output::Text, &pieces);
        assert_eq!(String::from_utf8(out).unwrap(), "Müller 東京 \u{FFFD}");
        let out = through(Output::Text, &[b"ok\xff\xfe!"]);
        assert_eq!(String::from_utf8(out).unwrap(), "ok\u{FFFD}\u{FFFD}!");
    }

    #[test]
    fn json_keeps_its_value_and_loses_its_escapes() {
        let value = serde_json::json!({"name": "a\u{1b}[2J\u{9b}\u{202e}b", "n": 1});
        let text = serde_json::to_string_pretty(&value).unwrap();
        let out = through(Output::Json, &[text.as_bytes()]);
        assert!(!out.iter().any(|b| *b == 0x1b || *b == 0x07));
        let back: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(back, value);
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.contains("\\u009b") && text.contains("\\u202e"),
            "{text}"
        );
    }

    #[test]
    fn cells_are_measured_in_columns() {
        use unicode_width::UnicodeWidthStr;
        assert_eq!(fit("東京商事", 10), "東京商事  ");
        assert_eq!(fit("東京商事株式会社", 10), "東京商事… ");
        assert_eq!(fit("🚀 Launch", 10), "🚀 Launch ");
        assert_eq!(fit("Stakeholder mapping", 10), "Stakehold…");
        for s in ["東京商事株式会社", "🚀🚀🚀🚀🚀🚀", "plain", ""] {
            assert_eq!(fit(s, 7).width(), 7, "{s}");
        }
        assert_eq!(truncate("short", 10), "short");
        assert_eq!(truncate(&"x".repeat(1_000_000), 5), "xxxx…");
    }

    #[test]
    fn head_and_length_count_characters() {
        assert_eq!(head("Zürich", 2), "Zü");
        assert_eq!(head("ab", 5), "ab");
        assert!(check_length(&"é".repeat(200), 200).is_ok());
        let err = check_length(&"é".repeat(201), 200).unwrap_err();
        assert_eq!(err, "too long: at most 200 characters (this has 201)");
    }
}
