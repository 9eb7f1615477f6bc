//! Deal documents in (`deal import`, the TUI's import of a document file):
//! a file read as it comes and checked whole before anything is kept, each
//! deal written under the version check, its people checked and its
//! sign-offs kept only when they are the ones recorded on the deal it
//! updates; and the words for what was dropped or refused.

use super::{Result, Session};
use crate::domain::audit::{self, AuditEntry};
use crate::domain::content::PathError;
use crate::domain::deal::{Deal, DealId, FieldError};
use crate::domain::document::{DealDocument, HistoryRow, stream_documents};
use crate::domain::{review, step, warnings};
use crate::store::{Saved, StoreError};
use chrono::{DateTime, Utc};

/// What a document import wrote: each deal, and the sign-offs it did not
/// keep (one line each); and how many documents' histories it did not keep.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocumentsImported {
    pub saved: Vec<Saved>,
    pub dropped: Vec<DroppedSignOff>,
    /// Documents whose history was not kept because the importer may not
    /// write rows naming other people (a person's import on a server).
    pub history_not_kept: usize,
    /// Documents whose history was not kept because they update a deal
    /// already there, which keeps its own.
    pub history_of_updates: usize,
}

impl DocumentsImported {
    /// What was said of the histories not kept, a line each (none when
    /// every history given was kept).
    pub fn history_lines(&self) -> Vec<String> {
        let deals = |n: usize| format!("{n} deal{}", if n == 1 { "" } else { "s" });
        let mut lines = Vec::new();
        if self.history_not_kept > 0 {
            lines.push(format!(
                "history of {} not kept: only the administrator's import keeps who did what; \
                 each deal's history starts with this import, in your name",
                deals(self.history_not_kept)
            ));
        }
        match self.history_of_updates {
            0 => {}
            1 => lines.push(
                "history of 1 deal not imported: it updates a deal already here, which keeps its own"
                    .into(),
            ),
            n => lines.push(format!(
                "history of {n} deals not imported: they update deals already here, which keep their own"
            )),
        }
        lines
    }
}

/// Who imports, and when: a file's owner or a server's administrator
/// keeps a document's history; anyone else's import starts it afresh.
struct Importer<'a> {
    seat: &'a super::Seat,
    user: &'a str,
    now: DateTime<Utc>,
    strict: bool,
}

/// A sign-off a document carried that the import did not keep: kept as
/// its words only (the decision's basis and comment can be long, and an
/// import of a whole export into a new file drops one for most deals,
/// held until the import commits).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DroppedSignOff {
    pub deal: DealId,
    pub name: String,
    /// "the manager's review (approved by Morgan Lee on 2026-11-26)".
    pub sign_off: String,
}

impl std::fmt::Display for DroppedSignOff {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "deal {} ({}): dropped {}: it is not one recorded on this deal, and an import never records a sign-off",
            self.deal,
            crate::text::clean(&self.name),
            self.sign_off
        )
    }
}

/// The rules one document's deal keeps on its way in, in the import's
/// transaction: its people (the owner is never its SA or manager), and its
/// sign-offs, kept only when they are the ones recorded on the deal it
/// updates; any other is dropped (and said), or with `strict` the import
/// is refused. Then the deal is saved: a deal created with a `history`
/// given, on a file or by a server's administrator, gets that history (who
/// and when kept), then a row saying it was imported, and a row for each
/// field the import changed from the document (a sign-off dropped).
fn import_one(
    import: &mut dyn crate::store::Import,
    mut deal: Deal,
    history: Option<Vec<HistoryRow>>,
    by: &Importer<'_>,
    done: &mut DocumentsImported,
) -> Result<()> {
    let (seat, strict) = (by.seat, by.strict);
    // on a team's server an AE's import makes the deals theirs; the
    // administrator moving a team's deals in keeps who signed them
    if let super::Seat::Person(p) = seat
        && p.role == "ae"
    {
        deal.owner = p.name.clone();
    }
    let named = |deal: &Deal| match deal.id.0 {
        0 => format!("{:?} (a new deal)", crate::text::clean(&deal.name)),
        id => format!("deal {id} ({})", crate::text::clean(&deal.name)),
    };
    if let Err(e) = deal.people().check() {
        return Err(StoreError::Rule(step::RuleError::ImportRefused(format!(
            "{}: {e}; nothing was imported",
            named(&deal)
        ))));
    }
    let stored = if deal.id.0 != 0 {
        import.stored(deal.id)?
    } else {
        None
    };
    // the trail follows the amount and close date the import changes
    if let Some(was) = &stored {
        let today = deal.updated_at.date_naive();
        deal.content.trail = was.content.trail.clone();
        warnings::note_change(&mut deal, (was.amount, was.close_date), today);
    }
    // history is evidence: only a file's owner or the server's
    // administrator writes rows naming other people, and only for a deal
    // they create (a deal already here keeps its own)
    let history = match history {
        Some(_) if !matches!(seat, super::Seat::File | super::Seat::Administrator) => {
            done.history_not_kept += 1;
            None
        }
        Some(_) if stored.is_some() => {
            done.history_of_updates += 1;
            None
        }
        other => other,
    };
    let as_given = history.as_ref().map(|_| deal.clone());
    let stored = stored.filter(|_| review::carries_sign_off(&deal));
    let unrecorded = match seat {
        super::Seat::Administrator => Vec::new(),
        _ => review::keep_recorded_sign_offs(&mut deal, stored.as_ref()),
    };
    if strict && let Some(first) = unrecorded.first() {
        return Err(StoreError::Rule(step::RuleError::ImportRefused(format!(
            "{}: {} is not one recorded on this deal, and an import never records a sign-off (--strict refuses the file); nothing was imported",
            named(&deal),
            first.words()
        ))));
    }
    let name = deal.name.clone();
    let saved = match (history, as_given) {
        (Some(history), Some(as_given)) => {
            let rows = imported_history(history, &as_given, &deal, by);
            import.save_with_history(deal, rows)?
        }
        _ => import.save(deal)?,
    };
    done.dropped
        .extend(unrecorded.into_iter().map(|sign_off| DroppedSignOff {
            deal: saved.id,
            name: name.clone(),
            sign_off: sign_off.words(),
        }));
    done.saved.push(saved);
    Ok(())
}

/// A created deal's history: the rows the document gave, as they were;
/// then, in the importer's name, a row saying it was imported and one for
/// each field the import changed from the document (`as_given`): a
/// sign-off it did not keep.
fn imported_history(
    given: Vec<HistoryRow>,
    as_given: &Deal,
    deal: &Deal,
    by: &Importer<'_>,
) -> Vec<AuditEntry> {
    let row = |field: String, before: String, after: String| AuditEntry {
        at: by.now,
        who: by.user.to_string(),
        field,
        before,
        after,
    };
    let mut rows: Vec<AuditEntry> = given.into_iter().map(AuditEntry::from).collect();
    rows.push(row(
        "deal".into(),
        String::new(),
        format!("imported: {}", deal.name),
    ));
    let changed = audit::diff(&audit::snapshot(as_given), &audit::snapshot(deal));
    rows.extend(changed.into_iter().map(|c| row(c.field, c.before, c.after)));
    rows
}

/// The deal a document makes: over the stored deal it updates (a key it
/// left out keeps the stored value), else as it stands. The stored deal is
/// read only for a document that left keys out.
fn merged(
    import: &mut dyn crate::store::Import,
    mut doc: DealDocument,
    playbook: &crate::domain::playbook::Playbook,
    now: DateTime<Utc>,
) -> Result<(Deal, Option<Vec<HistoryRow>>)> {
    // a history given empty says nothing: the deal starts its own
    let history = doc.history.take().filter(|rows| !rows.is_empty());
    let doc = match doc.id {
        Some(id) if !doc.given.all() => match import.stored(DealId(id))? {
            Some(stored) => doc.over(&stored),
            None => doc,
        },
        _ => doc,
    };
    Ok((doc.into_deal(playbook, now), history))
}

/// Import checked documents in one transaction, by [`import_from`]'s rules.
pub fn import(
    s: &mut Session,
    docs: Vec<DealDocument>,
    force: bool,
    strict: bool,
) -> Result<DocumentsImported> {
    let now = s.clock.now();
    let playbook = &s.playbook;
    let by = Importer {
        seat: &s.seat,
        user: &s.user,
        now,
        strict,
    };
    let done = s.store.import(force, now, |import| {
        let mut done = DocumentsImported::default();
        for doc in docs {
            let (deal, history) = merged(import, doc, playbook, now)?;
            import_one(import, deal, history, &by, &mut done)?;
        }
        Ok::<_, StoreError>(done)
    });
    match done {
        Ok(done) => Ok(done),
        Err(e) => Err(stale_named(s, Err(e)).expect_err("an error stays one")),
    }
}

/// Why an import wrote nothing.
#[derive(Debug)]
pub enum ImportError {
    /// The file's problems, each with its JSON path.
    Documents(Vec<PathError>),
    Store(StoreError),
}

impl From<StoreError> for ImportError {
    fn from(e: StoreError) -> Self {
        ImportError::Store(e)
    }
}

/// Import a document file as it is read (one deal object, or an array read
/// element by element): each good document is written as it comes, in one
/// transaction that is rolled back when any document has a problem, so
/// that the whole file is checked before anything is kept. A document that
/// updates a deal must carry the version it was exported at; a deal changed
/// since is refused, naming it, unless `force`. An import never records a
/// sign-off on its own word: a document's sign-offs are kept only when they
/// are the ones recorded on the deal it updates (an export re-imported);
/// others are dropped, each said in what is returned, or with `strict` the
/// whole file is refused. A document naming its owner as SA or manager is
/// refused.
///
/// The file is read and checked on this thread while another writes the
/// deals it hands over (64 at most between them), so that reading and
/// writing take about as long as the slower of the two rather than both.
/// The writer commits only when told the whole file was good.
pub fn import_from(
    s: &mut Session,
    reader: impl std::io::BufRead,
    force: bool,
    strict: bool,
) -> Result<DocumentsImported, ImportError> {
    /// What the reader hands the writer.
    enum Next {
        Deal(Box<DealDocument>),
        /// The whole file was good: commit.
        End,
    }
    let now = s.clock.now();
    let Session {
        store,
        playbook,
        seat,
        user,
        ..
    } = s;
    let by = Importer {
        seat: &*seat,
        user: &*user,
        now,
        strict,
    };
    let by = &by;
    let (send, receive) = std::sync::mpsc::sync_channel::<Next>(64);
    let (read, written) = std::thread::scope(|scope| {
        let writer = scope.spawn(move || {
            store.import(force, now, |import| {
                let mut done = DocumentsImported::default();
                // a refusal drops `receive`: the reader stops handing deals
                for next in receive {
                    match next {
                        Next::Deal(doc) => {
                            let (deal, history) = merged(import, *doc, playbook, now)?;
                            import_one(import, deal, history, by, &mut done)?;
                        }
                        Next::End => return Ok(done),
                    }
                }
                // the reader stopped without an end: the file had a problem,
                // which it reports; roll back
                Err(ImportError::Documents(Vec::new()))
            })
        });
        let read = stream_documents(reader, |doc| send.send(Next::Deal(Box::new(doc))).is_ok());
        if read.is_ok() {
            // a writer that refused a deal is gone: its error is the answer
            let _ = send.send(Next::End);
        }
        drop(send);
        let written = writer
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (read, written)
    });
    match (read, written) {
        (Err(errors), _) => Err(ImportError::Documents(errors)),
        (Ok(()), Err(ImportError::Store(e))) => Err(ImportError::Store(
            stale_named(s, Err(e)).expect_err("an error stays one"),
        )),
        (Ok(()), other) => other,
    }
}

/// A refusal of a stale document in words: which deal, at which version.
fn stale_named(s: &Session, saved: Result<Vec<Saved>>) -> Result<Vec<Saved>> {
    match saved {
        Err(StoreError::Conflict {
            id,
            expected,
            found,
        }) => {
            let name = s.store.deal_name(id)?.unwrap_or_default();
            let exported = if expected == 0 {
                "a document without a version".to_string()
            } else {
                format!("a document of version {expected}")
            };
            Err(StoreError::Invalid(vec![FieldError {
                field: format!("deal {id} ({})", crate::text::clean(&name)),
                message: format!(
                    "it is at version {found}, changed since {exported} was exported; export it again, or use --force to overwrite it; nothing was imported"
                ),
            }]))
        }
        other => other,
    }
}

/// Problems in a document file, as one line (the first, and how many more).
pub fn describe(errors: &[PathError]) -> String {
    let more = match errors.len() {
        0 | 1 => String::new(),
        n => format!(
            " (and {} more problem{})",
            n - 1,
            if n == 2 { "" } else { "s" }
        ),
    };
    match errors.first() {
        Some(e) => format!("{e}{more}"),
        None => String::new(),
    }
}

/// What a document file would do, for a dry run: each document in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Preview {
    /// A deal to create, by its name.
    New(String),
    /// A deal to update, by its id and stored name: the keys whose value it
    /// changes, and those it clears.
    Update {
        id: DealId,
        name: String,
        changes: Vec<&'static str>,
        clears: Vec<&'static str>,
    },
}

impl std::fmt::Display for Preview {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Preview::New(name) => write!(f, "new deal ({}): created", crate::text::clean(name)),
            Preview::Update {
                id,
                name,
                changes,
                clears,
            } => {
                write!(f, "deal {id} ({}): ", crate::text::clean(name))?;
                let mut said = Vec::new();
                if !changes.is_empty() {
                    said.push(format!("changes {}", changes.join(", ")));
                }
                if !clears.is_empty() {
                    said.push(format!("clears {}", clears.join(", ")));
                }
                if said.is_empty() {
                    write!(f, "no change")
                } else {
                    write!(f, "{}", said.join("; "))
                }
            }
        }
    }
}

/// A dry run of [`import_from`]: the file checked whole, and for each
/// document what it would create, change and clear; nothing is written.
pub fn preview_from(
    s: &Session,
    reader: impl std::io::BufRead,
) -> Result<Vec<Preview>, ImportError> {
    let mut previews = Vec::new();
    let mut failed = None;
    stream_documents(reader, |doc| {
        let stored = match doc.id {
            Some(id) => match s.store.deal(DealId(id)) {
                Ok(deal) => Some(deal),
                Err(StoreError::NotFound(_)) => None,
                Err(e) => {
                    failed = Some(e);
                    return false;
                }
            },
            None => None,
        };
        previews.push(match stored {
            Some(stored) => {
                let (changes, clears) = crate::domain::document::changes(&stored, &doc);
                Preview::Update {
                    id: stored.id,
                    name: stored.name,
                    changes,
                    clears,
                }
            }
            None => Preview::New(doc.name),
        });
        true
    })
    .map_err(ImportError::Documents)?;
    match failed {
        Some(e) => Err(ImportError::Store(e)),
        None => Ok(previews),
    }
}
