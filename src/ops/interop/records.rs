//! Reading a Salesforce export record by record (nothing but the current
//! record is held): the header row, each record after it with its number
//! and the line it starts on, a report's footer passed over, and which
//! export the header says it is.

use super::tally::{ImportError, Tally};
use crate::domain::deal::FieldError;
use crate::domain::salesforce::ExportKind;
use crate::store::StoreError;
use std::io::Read;

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
}

/// The most a record may hold: more than any Salesforce record (a long text
/// area holds 131,072 characters), so that a runaway cell (a quote never
/// closed) is not read into memory whole.
pub(super) const LONGEST_RECORD: u64 = 16 << 20;

impl Lines {
    pub(super) fn counting<R: Read>(&self, inner: R) -> Counting<R> {
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
        while b.ahead.front().is_some_and(|at| *at <= byte) {
            b.ahead.pop_front();
            b.passed += 1;
        }
        b.passed + 1
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
        for (i, byte) in buf[..n].iter().enumerate() {
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

/// A CSV reader over `input`: any number of cells per line (footers),
/// quoted cells with commas and line breaks, CRLF or LF.
pub(super) fn csv_reader<R: Read>(input: R) -> csv::Reader<R> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(input)
}

/// Each record after the header, with its number and line; stops at the
/// end or at a read failure (which fails the whole import).
pub(super) fn each_record<R: Read>(
    reader: &mut csv::Reader<R>,
    lines: &Lines,
    columns: usize,
    tally: &mut Tally,
    progress: &mut dyn FnMut(u64),
    mut each: impl FnMut(u64, u64, Result<Vec<String>, String>) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let mut record = csv::ByteRecord::new();
    let mut number = 0;
    lines.next_record_at(reader.position().byte());
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => return Ok(()),
            Ok(true) => {
                lines.next_record_at(reader.position().byte());
                let line = record.position().map_or(0, |p| lines.line_at(p.byte()));
                let blank = record.iter().all(|c| c.iter().all(u8::is_ascii_whitespace));
                if blank || (record.len() == 1 && columns > 1) {
                    // a report's footer ("Confidential Information …") or an empty row
                    if !blank {
                        tally.not_records += 1;
                    }
                    continue;
                }
                number += 1;
                tally.records += 1;
                let text = cells(&record)
                    .ok_or_else(|| "not UTF-8 text (save the export as UTF-8 CSV)".to_string());
                each(number, line, text)?;
                progress(number);
            }
            Err(e) => {
                return Err(StoreError::Invalid(vec![FieldError {
                    field: format!("after record {number}"),
                    message: format!("cannot read the file: {e}; nothing was imported"),
                }]));
            }
        }
    }
}

/// Which export `headers` is, as the importers read it.
pub fn kind_of(headers: &[String]) -> Option<ExportKind> {
    crate::domain::salesforce::detect(headers)
}
