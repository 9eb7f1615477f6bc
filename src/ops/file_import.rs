//! Importing a named file as `deal import FILE` does, with its progress, for
//! a face that shows it (the TUI's import dialog): deal documents are read
//! as they come and written through [`super::documents::import_from`], the
//! CLI's own path (checked to the end before anything is kept; `force`
//! overwrites deals changed since their document was exported, as `--force`
//! does); a Salesforce export goes record by record through
//! [`super::transfer::import_file`]. A dry run writes nothing.

use super::Session;
use super::documents::{self, DroppedSignOff};
use super::interop::{Event, ImportOptions, Tally};
use super::transfer::{self, ImportFormat, Imported, Progress};
use crate::domain::document::stream_documents;
use crate::store::Saved;
use std::io::{BufReader, Read};
use std::path::Path;

/// What importing a file did (or, in a dry run, would do).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileImport {
    /// The file's format and its counts (for deal documents, `records` is
    /// their count and `created` the deals written).
    pub imported: Imported,
    /// Each deal document written: the deal, and what a forced import
    /// overwrote.
    pub saved: Vec<Saved>,
    /// The sign-offs deal documents carried that were not kept (an import
    /// never records a sign-off on its own word), each in one line.
    pub dropped: Vec<DroppedSignOff>,
    /// What was said of the deal documents' histories not kept, a line
    /// each (see [`documents::DocumentsImported::history_lines`]).
    pub history: Vec<String>,
}

/// Import `file` whatever its format (told from its content). `on` hears
/// each Salesforce record's fate, `progress` how far the reading has gone
/// (deal documents and bytes read, or records and bytes). An error is the
/// one-line message `deal import` gives. `options.force` overwrites deals
/// changed since they were exported (documents and qualify's own
/// Salesforce rows alike); `options.new` creates deals like ones there are.
pub fn import_file(
    s: &mut Session,
    file: &Path,
    options: ImportOptions,
    on: &mut dyn FnMut(&Event),
    progress: &mut dyn FnMut(Progress),
) -> Result<FileImport, String> {
    let (dry_run, force) = (options.dry_run, options.force);
    let mut input = transfer::open_input(file).map_err(|f| f.message)?;
    let format = transfer::sniff(&mut input, file).map_err(|f| f.message)?;
    if format != ImportFormat::Json {
        let imported =
            transfer::import_file(s, file, options, on, progress).map_err(|f| f.message)?;
        return Ok(FileImport {
            imported,
            saved: Vec::new(),
            dropped: Vec::new(),
            history: Vec::new(),
        });
    }
    let mut read = Tracked::new(input, progress);
    let refused = |errors: Vec<crate::domain::content::PathError>| {
        format!(
            "{}: {}; nothing was imported",
            file.display(),
            documents::describe(&errors)
        )
    };
    let mut tally = Tally::default();
    let done = if dry_run {
        let mut documents = 0;
        stream_documents(BufReader::new(&mut read), |_| {
            documents += 1;
            true
        })
        .map_err(refused)?;
        tally.records = documents;
        documents::DocumentsImported::default()
    } else {
        let done = documents::import_from(s, BufReader::new(&mut read), force, false).map_err(
            |e| match e {
                documents::ImportError::Documents(errors) => refused(errors),
                documents::ImportError::Store(e) => e.to_string(),
            },
        )?;
        tally.records = done.saved.len() as u64;
        tally.created = done.saved.len() as u64;
        done
    };
    read.done();
    Ok(FileImport {
        imported: Imported { format, tally },
        history: done.history_lines(),
        saved: done.saved,
        dropped: done.dropped,
    })
}

/// A reader that tells how far it has read: the bytes, and the deal
/// documents whose end it has passed (an object closed at the top of the
/// file or of its array; brackets inside strings do not count).
struct Tracked<'p, R> {
    inner: R,
    progress: &'p mut dyn FnMut(Progress),
    bytes: u64,
    documents: u64,
    /// What encloses the top level (`{` or `[`), and how deep the reading is.
    top: u8,
    depth: u32,
    in_string: bool,
    escaped: bool,
}

impl<'p, R: Read> Tracked<'p, R> {
    fn new(inner: R, progress: &'p mut dyn FnMut(Progress)) -> Self {
        Tracked {
            inner,
            progress,
            bytes: 0,
            documents: 0,
            top: 0,
            depth: 0,
            in_string: false,
            escaped: false,
        }
    }

    fn scan(&mut self, bytes: &[u8]) {
        for &b in bytes {
            if self.in_string {
                if self.escaped {
                    self.escaped = false;
                } else if b == b'\\' {
                    self.escaped = true;
                } else if b == b'"' {
                    self.in_string = false;
                }
                continue;
            }
            match b {
                b'"' => self.in_string = true,
                b'{' | b'[' => {
                    if self.depth == 0 {
                        self.top = b;
                    }
                    self.depth += 1;
                }
                b'}' | b']' => {
                    self.depth = self.depth.saturating_sub(1);
                    let ended = match self.top {
                        b'[' => self.depth == 1,
                        _ => self.depth == 0,
                    };
                    if b == b'}' && ended {
                        self.documents += 1;
                    }
                }
                _ => {}
            }
        }
    }

    /// Say how far the reading has got.
    fn done(&mut self) {
        (self.progress)(Progress {
            records: self.documents,
            bytes: self.bytes,
        });
    }
}

impl<R: Read> Read for Tracked<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bytes += n as u64;
        self.scan(&buf[..n]);
        self.done();
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn documents(text: &str) -> u64 {
        let mut heard = Progress::default();
        let mut progress = |p: Progress| heard = p;
        let mut read = Tracked::new(text.as_bytes(), &mut progress);
        std::io::copy(&mut read, &mut std::io::sink()).unwrap();
        assert_eq!(read.bytes, text.len() as u64);
        read.documents
    }

    #[test]
    fn the_documents_read_are_counted_by_their_closing_brace() {
        assert_eq!(documents(r#"{"name": "A", "steps": [{"n": 1}]}"#), 1);
        assert_eq!(
            documents(r#"[{"name": "A}", "x": {"y": []}}, {"name": "B\"}"}]"#),
            2,
            "braces in strings and nested objects are not documents"
        );
        assert_eq!(documents("[]"), 0);
        assert_eq!(documents(r#"[{"name": "A"}, {"na"#), 1, "half a document");
    }
}
