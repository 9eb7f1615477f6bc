//! Cutting a JSON array, as it is read, into the text of each element.
//!
//! serde_json can hand an array's elements over one at a time from a
//! reader, but it reads byte by byte through its reader interface,
//! counting lines and columns as it goes; on large exports that took more
//! time than everything else the import does with a document. This reads
//! the buffer a block at a time and only finds where each element ends
//! (brackets, braces and strings); the element's own syntax is left to
//! serde_json, which reads it from memory. A problem is reported as serde
//! reports it, with its line and column in the whole file.

use super::super::bounds::PathError;
use std::io::BufRead;

/// A problem with the file's JSON: serde's words and where in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub message: String,
    pub line: usize,
    pub column: usize,
}

impl From<SyntaxError> for PathError {
    fn from(e: SyntaxError) -> Self {
        PathError {
            path: format!("line {} column {}", e.line, e.column),
            message: format!(
                "not JSON: {} at line {} column {}",
                e.message, e.line, e.column
            ),
        }
    }
}

/// The elements of an array whose `[` is the next byte of `reader`.
pub struct Elements<R> {
    reader: R,
    /// The element at hand.
    buf: Vec<u8>,
    /// Line and column (1-based) of the last byte consumed.
    line: usize,
    column: usize,
    /// Where the element at hand starts.
    start: (usize, usize),
    state: State,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    /// Before the `[`.
    Start,
    /// After `[` or a `,`: an element (or, after `[` only, `]`) comes.
    Element {
        first: bool,
    },
    /// After an element: `,` or `]` comes.
    Separator,
    Done,
}

/// The bytes that matter outside strings while finding an element's end.
const STRUCTURAL: [bool; 256] = {
    let mut table = [false; 256];
    table[b'"' as usize] = true;
    table[b'{' as usize] = true;
    table[b'}' as usize] = true;
    table[b'[' as usize] = true;
    table[b']' as usize] = true;
    table
};

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

impl<R: BufRead> Elements<R> {
    pub fn new(reader: R) -> Self {
        Elements {
            reader,
            buf: Vec::with_capacity(64 * 1024),
            line: 1,
            column: 0,
            start: (1, 1),
            state: State::Start,
        }
    }

    fn error(&self, message: impl Into<String>) -> SyntaxError {
        SyntaxError {
            message: message.into(),
            line: self.line,
            column: self.column,
        }
    }

    /// The next byte that is not whitespace, consumed; `None` at the end.
    fn next_byte(&mut self) -> Result<Option<u8>, SyntaxError> {
        loop {
            let block = match filled(&mut self.reader) {
                Ok(block) => block,
                Err(e) => return Err(self.error(format!("cannot be read: {e}"))),
            };
            if block.is_empty() {
                return Ok(None);
            }
            let mut used = 0;
            let mut found = None;
            for &b in block {
                used += 1;
                if b == b'\n' {
                    self.line += 1;
                    self.column = 0;
                } else {
                    self.column += 1;
                }
                if !is_space(b) {
                    found = Some(b);
                    break;
                }
            }
            self.reader.consume(used);
            if found.is_some() {
                return Ok(found);
            }
        }
    }

    /// The next element's text, or `None` after the array's `]` (and only
    /// whitespace after it). The text is not checked beyond where it ends.
    pub fn next(&mut self) -> Result<Option<&str>, SyntaxError> {
        loop {
            match self.state {
                State::Done => return Ok(None),
                State::Start => match self.next_byte()? {
                    Some(b'[') => self.state = State::Element { first: true },
                    Some(_) => return Err(self.error("expected `[`")),
                    None => return Err(self.error("EOF while parsing a value")),
                },
                State::Separator => match self.next_byte()? {
                    Some(b',') => self.state = State::Element { first: false },
                    Some(b']') => {
                        if self.next_byte()?.is_some() {
                            return Err(self.error("trailing characters"));
                        }
                        self.state = State::Done;
                    }
                    Some(_) => return Err(self.error("expected `,` or `]`")),
                    None => return Err(self.error("EOF while parsing a list")),
                },
                State::Element { first } => match self.next_byte()? {
                    Some(b']') if first => {
                        // the empty array
                        if self.next_byte()?.is_some() {
                            return Err(self.error("trailing characters"));
                        }
                        self.state = State::Done;
                    }
                    Some(b']') => return Err(self.error("trailing comma")),
                    Some(b) => {
                        self.start = (self.line, self.column);
                        self.read_element(b)?;
                        self.state = State::Separator;
                        return match std::str::from_utf8(&self.buf) {
                            Ok(text) => Ok(Some(text)),
                            Err(_) => Err(
                                match serde_json::from_slice::<serde::de::IgnoredAny>(&self.buf) {
                                    Err(e) => self.not_json(&e),
                                    Ok(_) => self.at_element("invalid UTF-8".into(), 1, 1),
                                },
                            ),
                        };
                    }
                    None => return Err(self.error("EOF while parsing a list")),
                },
            }
        }
    }

    /// Read the element whose first byte `first` was just consumed into
    /// `buf`, up to its end: the bracket or brace closing it, the quote
    /// closing a string, or (a number or a literal) the byte before
    /// whitespace, `,`, `]` or `}`.
    fn read_element(&mut self, first: u8) -> Result<(), SyntaxError> {
        self.buf.clear();
        self.buf.push(first);
        let scalar = !matches!(first, b'{' | b'[' | b'"');
        let mut depth: usize = usize::from(matches!(first, b'{' | b'['));
        let mut in_string = first == b'"';
        let mut escaped = false;
        loop {
            let block = match filled(&mut self.reader) {
                Ok(block) => block,
                Err(e) => return Err(self.error(format!("cannot be read: {e}"))),
            };
            if block.is_empty() {
                if scalar {
                    return Ok(());
                }
                return Err(self.error(if in_string {
                    "EOF while parsing a string"
                } else {
                    "EOF while parsing a value"
                }));
            }
            let mut end = None;
            let mut i = 0;
            if escaped {
                // the byte after a backslash that ended the last block
                escaped = false;
                i = 1;
            }
            while i < block.len() {
                if scalar {
                    match block[i..]
                        .iter()
                        .position(|&b| is_space(b) || matches!(b, b',' | b']' | b'}'))
                    {
                        Some(k) => {
                            end = Some(i + k);
                            break;
                        }
                        None => i = block.len(),
                    }
                } else if in_string {
                    match memchr::memchr2(b'"', b'\\', &block[i..]) {
                        None => i = block.len(),
                        Some(k) if block[i + k] == b'\\' => {
                            if i + k + 1 < block.len() {
                                i += k + 2;
                            } else {
                                escaped = true;
                                i = block.len();
                            }
                        }
                        Some(k) => {
                            i += k + 1;
                            in_string = false;
                            if depth == 0 {
                                end = Some(i);
                                break;
                            }
                        }
                    }
                } else {
                    match block[i..].iter().position(|&b| STRUCTURAL[usize::from(b)]) {
                        None => i = block.len(),
                        Some(k) => {
                            i += k;
                            match block[i] {
                                b'"' => in_string = true,
                                b'{' | b'[' => depth += 1,
                                _ => {
                                    depth -= 1;
                                    if depth == 0 {
                                        end = Some(i + 1);
                                        break;
                                    }
                                }
                            }
                            i += 1;
                        }
                    }
                }
            }
            let taken = end.unwrap_or(block.len());
            let read = &block[..taken];
            let (line, column) = match memchr::memrchr(b'\n', read) {
                Some(last) => (
                    self.line + memchr::memchr_iter(b'\n', read).count(),
                    read.len() - last - 1,
                ),
                None => (self.line, self.column + read.len()),
            };
            self.buf.extend_from_slice(&block[..taken]);
            self.reader.consume(taken);
            (self.line, self.column) = (line, column);
            if end.is_some() {
                // the first byte was counted when it was consumed
                return Ok(());
            }
        }
    }

    /// A problem found in the element at hand (at `line` and `column` of
    /// its text), placed in the file.
    fn at_element(&self, message: String, line: usize, column: usize) -> SyntaxError {
        let (start_line, start_column) = self.start;
        SyntaxError {
            message,
            line: start_line + line - 1,
            column: if line == 1 {
                start_column + column - 1
            } else {
                column
            },
        }
    }

    /// `e`, serde's error reading the element at hand, placed in the file.
    pub fn not_json(&self, e: &serde_json::Error) -> SyntaxError {
        let SyntaxError {
            message,
            line,
            column,
        } = SyntaxError::from(e);
        self.at_element(message, line, column.max(1))
    }
}

impl From<&serde_json::Error> for SyntaxError {
    /// serde's words without their position, and the position.
    fn from(e: &serde_json::Error) -> Self {
        let text = e.to_string();
        let position = format!(" at line {} column {}", e.line(), e.column());
        SyntaxError {
            message: text.strip_suffix(&position).unwrap_or(&text).to_string(),
            line: e.line(),
            column: e.column(),
        }
    }
}

/// The reader's buffer, filled if it was empty; a read interrupted by a
/// signal is tried again.
fn filled<R: std::io::BufRead>(reader: &mut R) -> std::io::Result<&[u8]> {
    loop {
        match reader.fill_buf() {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
            Ok(_) => break,
        }
    }
    // filled now: this hands back what is buffered
    reader.fill_buf()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::value::RawValue;

    /// Every element's text, each checked by serde as the import does, or
    /// the first problem.
    fn split(text: &str) -> Result<Vec<String>, SyntaxError> {
        // a small buffer, so that elements straddle reads
        let mut elements = Elements::new(std::io::BufReader::with_capacity(7, text.as_bytes()));
        let mut out = Vec::new();
        while let Some(raw) = elements.next()? {
            let raw = raw.to_string();
            if let Err(e) = serde_json::from_str::<serde::de::IgnoredAny>(&raw) {
                return Err(elements.not_json(&e));
            }
            out.push(raw);
        }
        Ok(out)
    }

    /// serde's own reading of the array: the oracle.
    fn oracle(text: &str) -> Result<Vec<String>, serde_json::Error> {
        serde_json::from_str::<Vec<Box<RawValue>>>(text)
            .map(|v| v.into_iter().map(|r| r.get().to_string()).collect())
    }

    fn json() -> impl Strategy<Value = serde_json::Value> {
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::from),
            any::<i64>().prop_map(serde_json::Value::from),
            "[a-z\"\\\\\\[\\]{},: \n\u{e9}]{0,8}".prop_map(serde_json::Value::from),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
                prop::collection::btree_map("[a-z\\]\"]{1,3}", inner, 0..4)
                    .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn valid_arrays_split_into_serde_s_elements(
            values in prop::collection::vec(json(), 0..5),
            pretty in any::<bool>(),
        ) {
            let text = if pretty {
                serde_json::to_string_pretty(&values).unwrap()
            } else {
                serde_json::to_string(&values).unwrap()
            };
            let ours: Vec<serde_json::Value> = split(&text)
                .unwrap()
                .iter()
                .map(|raw| serde_json::from_str(raw).unwrap())
                .collect();
            prop_assert_eq!(ours, values);
        }

        #[test]
        fn any_text_is_refused_exactly_when_serde_refuses_it(
            tokens in prop::collection::vec(prop_oneof![
                Just("["), Just("]"), Just("{"), Just("}"), Just(","), Just(":"),
                Just("\"a\""), Just("\"b\\\"]\""), Just("1"), Just("-2.5"), Just("true"),
                Just("nul"), Just(" "), Just("\n"), Just("\""), Just("\\"), Just("x"),
            ], 0..16),
        ) {
            let text = format!("[{}", tokens.concat());
            match (split(&text), oracle(&text)) {
                (Ok(ours), Ok(theirs)) => prop_assert_eq!(ours, theirs),
                (Err(_), Err(_)) => {}
                (ours, theirs) => prop_assert!(false, "{text:?}: ours {ours:?}, serde {theirs:?}"),
            }
        }
    }

    #[test]
    fn a_problem_is_placed_where_serde_places_it() {
        for text in [
            "[{\"name\": \"A\"},\n {\"name\": }]",
            "[1,\n  2 3]",
            "[1,\n  {\"a\":\n tru}]",
            "[{\"a\": 1}] x",
            "[1, 2",
        ] {
            let ours = split(text).unwrap_err();
            let theirs = oracle(text).unwrap_err();
            assert_eq!(
                (ours.line, ours.column),
                (theirs.line(), theirs.column()),
                "{text:?}: {ours:?} / {theirs}"
            );
        }
    }
}
