//! Reading a Salesforce export record by record (nothing but the current
//! record is held): the header row, each record after it with its number
//! and the line it starts on, a report's footer passed over, and which
//! export the header says it is.

use super::tally::{ImportError, Tally, skipped_text};
use crate::domain::deal::FieldError;
use crate::domain::salesforce::ExportKind;
use crate::store::StoreError;
use std::io::{BufRead, BufReader, Read};

/// A record's cells as text; `None` when it is not UTF-8.
fn cells(record: &csv::ByteRecord) -> Option<Vec<String>> {
    record
        .iter()
        .map(|c| {
            std::str::from_utf8(c).ok().map(|t| {
                if t.contains('\r') {
                    t.replace("\r\n", "\n")
                } else {
                    t.to_string()
                }
            })
        })
        .collect()
}

/// The header row (blank lines before it are passed over).
pub(super) fn header<R: Read>(reader: &mut csv::Reader<R>) -> Result<Vec<String>, ImportError> {
    let mut record = csv::ByteRecord::new();
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => return Err(ImportError::Unreadable("the file is empty".into())),
            Ok(true) if record.iter().all(|c| c.iter().all(u8::is_ascii_whitespace)) => {}
            Ok(true) => {
                return cells(&record).ok_or_else(|| {
                    ImportError::Unreadable(
                        "the header row is not UTF-8 text (save the export as UTF-8 CSV)".into(),
                    )
                });
            }
            // blank records before the header (`""`, `,,`), with another
            // number of cells (the reader holds every record to the first one's)
            Err(e) if matches!(e.kind(), csv::ErrorKind::UnequalLengths { .. }) => {
                return Err(ImportError::Unreadable(
                    "a line of empty cells before the header row has another number of \
                     cells than it (remove it: the header row comes first)"
                        .into(),
                ));
            }
            Err(e) => return Err(ImportError::Unreadable(format!("cannot read it: {e}"))),
        }
    }
}

/// Where the input's line breaks are, for the line a record starts on: the
/// CSV reader gives the byte a record starts at, and reads ahead only a
/// buffer's length, so only the breaks not yet passed are kept.
#[derive(Default, Clone)]
pub(super) struct Lines(std::rc::Rc<std::cell::RefCell<Breaks>>);

#[derive(Default)]
struct Breaks {
    read: u64,
    ahead: std::collections::VecDeque<u64>,
    passed: u64,
    /// Where the record being read starts.
    record: u64,
    /// The input has ended (a read gave nothing).
    ended: bool,
    /// How many quotes end the input so far, line breaks after them aside:
    /// an odd number closes a quoted cell, an even one (none, or quotes
    /// written twice inside one) leaves it open.
    last_quotes: u64,
    /// A line break came after the last quotes.
    broken: bool,
    /// The bytes of blank lines passed over before the CSV reader's first.
    base: u64,
}

/// The most a record may hold: more than any Salesforce record (a long text
/// area holds 131,072 characters), so that a runaway cell (a quote never
/// closed) is not read into memory whole.
pub(super) const LONGEST_RECORD: u64 = 16 << 20;

impl Lines {
    fn counting<R: Read>(&self, inner: R) -> Counting<R> {
        Counting {
            inner,
            lines: self.clone(),
        }
    }

    /// The next record starts at `byte`.
    fn next_record_at(&self, byte: u64) {
        self.0.borrow_mut().record = byte;
    }

    /// The line (from 1) that the record starting at `byte` is on; the
    /// reader may place a CRLF's line feed at the record's start.
    fn line_at(&self, byte: u64) -> u64 {
        let mut b = self.0.borrow_mut();
        let byte = byte + b.base;
        while b.ahead.front().is_some_and(|at| *at <= byte) {
            b.ahead.pop_front();
            b.passed += 1;
        }
        b.passed + 1
    }

    /// Whether the input has ended inside a quoted cell: the reader then
    /// ends the cell, and its record, at the end of the input.
    fn ended_in_quotes(&self) -> bool {
        let b = self.0.borrow();
        b.ended && b.last_quotes.is_multiple_of(2)
    }
}

pub(super) struct Counting<R> {
    inner: R,
    lines: Lines,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut b = self.lines.0.borrow_mut();
        let start = b.read;
        if n == 0 && !buf.is_empty() {
            b.ended = true;
        }
        for (i, byte) in buf[..n].iter().enumerate() {
            match *byte {
                b'"' if b.broken => (b.last_quotes, b.broken) = (1, false),
                b'"' => b.last_quotes += 1,
                b'\n' | b'\r' => b.broken = true,
                _ => (b.last_quotes, b.broken) = (0, false),
            }
            if *byte == b'\n' {
                b.ahead.push_back(start + i as u64);
            }
        }
        b.read += n as u64;
        if b.read - b.record > LONGEST_RECORD {
            let line = b.passed + 1 + b.ahead.iter().filter(|at| **at < b.record).count() as u64;
            return Err(std::io::Error::other(format!(
                "the record on line {line} runs over {} MiB, longer than any Salesforce record \
                 (a quote opened there and never closed?)",
                LONGEST_RECORD >> 20
            )));
        }
        Ok(n)
    }
}

/// A CSV reader over `input` (its lines counted in `lines`): quoted cells
/// with commas and line breaks, CRLF or LF, and every record of the first
/// one's number of cells (the reader's own check: a record with another
/// number is an error that names it, and is read all the same). Lines of
/// blanks before the header are passed over first, so that the header is
/// the record the others are held to.
pub(super) fn csv_reader<R: Read>(
    lines: &Lines,
    input: R,
) -> Result<csv::Reader<BufReader<Counting<R>>>, ImportError> {
    let mut input = BufReader::new(lines.counting(input));
    let mut passed = 0;
    loop {
        let ahead = input
            .fill_buf()
            .map_err(|e| ImportError::Unreadable(format!("cannot read it: {e}")))?;
        let text = ahead.iter().position(|b| !b.is_ascii_whitespace());
        // up to the last line break before the text (or in what was read)
        let blank = &ahead[..text.unwrap_or(ahead.len())];
        let Some(end) = blank.iter().rposition(|b| *b == b'\n') else {
            break;
        };
        input.consume(end + 1);
        passed += end as u64 + 1;
        if text.is_some() {
            break;
        }
    }
    lines.0.borrow_mut().base = passed;
    Ok(csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(false)
        .from_reader(input))
}

/// How the cells of a column are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// A column qualify does not read: anything goes.
    Ignored,
    /// One line of text (a name, an Id, an amount …).
    Line,
    /// A long text, which may hold line breaks (Next Step, Loss Reason).
    Lines,
}

/// What the records of one file are read against.
pub(super) struct Shape<'a> {
    pub headers: &'a [String],
    /// How each column (by position) is read.
    pub kind: &'a dyn Fn(usize) -> Kind,
    /// Who a record is, from its cells (its Id or name), for the report.
    pub label: &'a dyn Fn(&[String]) -> String,
    /// Stop at a malformed record instead of skipping it (`--strict`).
    pub strict: bool,
}

impl Shape<'_> {
    /// A column's name as the file spells it (or its position).
    fn column(&self, i: usize) -> String {
        match self.headers.get(i) {
            Some(h) if !h.trim().is_empty() => {
                crate::text::clean(h.trim_start_matches('\u{feff}').trim())
            }
            _ => format!("column {}", i + 1),
        }
    }
}

/// A record that cannot be read as it stands (another number of cells than
/// the header, not UTF-8, a control character): who it is and why.
pub(super) struct Malformed {
    pub label: String,
    pub reason: String,
}

/// The error that rolls back an import stopped by a malformed file (never
/// shown: the stop says why).
pub(super) fn halt() -> StoreError {
    StoreError::Invalid(Vec::new())
}

/// Each record after the header, with its number and line; stops at the
/// end or at a read failure (which fails the whole import). A record the
/// reader found with another number of cells than the header, or holding
/// a control character where qualify reads it, is given as
/// [`Malformed`] (with `strict`, it stops the import). A quote left open
/// (the rest of the file one cell) or closed lines later (lines taken into
/// one cell: another number of cells, or a line break in a one-line
/// column) stops the import, naming the line the quote opens on: `stop`
/// says why, and the error returned rolls the import back.
pub(super) fn each_record<R: Read>(
    reader: &mut csv::Reader<R>,
    lines: &Lines,
    shape: &Shape<'_>,
    tally: &mut Tally,
    stop: &mut Option<String>,
    progress: &mut dyn FnMut(u64),
    mut each: impl FnMut(u64, u64, Result<Vec<String>, Malformed>) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let mut record = csv::ByteRecord::new();
    let mut number = 0;
    lines.next_record_at(reader.position().byte());
    loop {
        let unequal = match reader.read_byte_record(&mut record) {
            Ok(false) => return Ok(()),
            Ok(true) => None,
            Err(e) => match e.kind() {
                csv::ErrorKind::UnequalLengths {
                    expected_len, len, ..
                } => Some((*len, *expected_len)),
                _ => {
                    return Err(StoreError::Invalid(vec![FieldError {
                        field: format!("after record {number}"),
                        message: format!("cannot read the file: {e}; nothing was imported"),
                    }]));
                }
            },
        };
        lines.next_record_at(reader.position().byte());
        let line = record.position().map_or(0, |p| lines.line_at(p.byte()));
        if record.iter().all(|c| c.iter().all(u8::is_ascii_whitespace)) {
            continue; // an empty row
        }
        if let Some(why) = open_quote(&record, line, number + 1, shape, lines, unequal) {
            *stop = Some(why);
            return Err(halt());
        }
        if unequal.is_some() && record.len() == 1 {
            // a report's footer ("Confidential Information …")
            tally.not_records += 1;
            continue;
        }
        number += 1;
        tally.records += 1;
        let read = readable(&record, unequal, shape).map_err(|reason| {
            let lossy: Vec<String> = record
                .iter()
                .map(|c| String::from_utf8_lossy(c).into_owned())
                .collect();
            Malformed {
                label: (shape.label)(&lossy),
                reason,
            }
        });
        if let (true, Err(bad)) = (shape.strict, &read) {
            *stop = Some(format!(
                "{} (with --strict a record that cannot be read as it stands stops the import)",
                skipped_text(number, line, &bad.label, &bad.reason)
            ));
            return Err(halt());
        }
        each(number, line, read)?;
        progress(number);
    }
}

/// The record's cells, or why it cannot be read as it stands.
fn readable(
    record: &csv::ByteRecord,
    unequal: Option<(u64, u64)>,
    shape: &Shape<'_>,
) -> Result<Vec<String>, String> {
    if let Some((len, expected)) = unequal {
        return Err(format!("{len} fields where the header has {expected}"));
    }
    let cells = cells(record).ok_or("not UTF-8 text (save the export as UTF-8 CSV)")?;
    for (i, cell) in cells.iter().enumerate() {
        let lines = match (shape.kind)(i) {
            Kind::Ignored => continue,
            Kind::Line => false,
            Kind::Lines => true,
        };
        if let Some(why) = crate::domain::salesforce::control_char(cell, lines) {
            return Err(format!("{}: {why}", shape.column(i)));
        }
    }
    Ok(cells)
}

/// A quote that is never closed (the input ended inside it), or closed
/// lines later than its record should end (the record has another number
/// of cells than the header, or a line break in a one-line column), in
/// words naming the line it opens on.
fn open_quote(
    record: &csv::ByteRecord,
    line: u64,
    number: u64,
    shape: &Shape<'_>,
    lines: &Lines,
    unequal: Option<(u64, u64)>,
) -> Option<String> {
    if !record.as_slice().contains(&b'\n') {
        return None; // a record on one line
    }
    let fields: Vec<&[u8]> = record.iter().collect();
    let breaks = |c: &[u8]| c.iter().filter(|b| **b == b'\n').count() as u64;
    let first = |kind: Option<Kind>| {
        (0..fields.len())
            .find(|&i| breaks(fields[i]) > 0 && kind.is_none_or(|k| (shape.kind)(i) == k))
    };
    let never = lines.ended_in_quotes() && fields.last().is_some_and(|c| breaks(c) > 0);
    let (i, detail) = if never {
        (fields.len() - 1, None)
    } else if let Some((len, expected)) = unequal {
        let i = first(Some(Kind::Line)).or_else(|| first(None))?;
        (
            i,
            Some(format!("{len} fields where the header has {expected}")),
        )
    } else {
        let i = first(Some(Kind::Line))?;
        (i, Some(format!("{} is one line", shape.column(i))))
    };
    let opens = line + fields[..i].iter().map(|c| breaks(c)).sum::<u64>();
    let column = shape.column(i);
    const TWICE: &str = "a quote inside a quoted cell is written twice: \"\"";
    Some(match detail {
        None => format!(
            "line {opens}: the quote that opens {column} of record {number} is never closed, \
             so the rest of the file would be read as that one cell; close it ({TWICE})"
        ),
        Some(detail) => format!(
            "line {opens}: the quote that opens {column} of record {number} runs on to line {}, \
             taking the lines between into that one cell ({detail}); close it where the cell \
             ends ({TWICE})",
            opens + breaks(fields[i])
        ),
    })
}

/// Which export `headers` is, as the importers read it.
pub fn kind_of(headers: &[String]) -> Option<ExportKind> {
    crate::domain::salesforce::detect(headers)
}
