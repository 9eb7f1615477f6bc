//! Deal documents in (`deal import`, the TUI's import of a document file):
//! a file read as it comes and checked whole before anything is kept, each
//! deal written under the version check, its people checked and its
//! sign-offs kept only when they are the ones recorded on the deal it
//! updates; and the words for what was dropped or refused.

use super::{Result, Session};
use crate::domain::content::PathError;
use crate::domain::deal::{Deal, DealId, FieldError};
use crate::domain::document::{DealDocument, stream_documents};
use crate::domain::{review, step, warnings};
use crate::store::{Saved, StoreError};

/// What a document import wrote: each deal, and the sign-offs it did not
/// keep (one line each).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocumentsImported {
    pub saved: Vec<Saved>,
    pub dropped: Vec<DroppedSignOff>,
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
/// is refused. Then the deal is saved.
fn import_one(
    import: &mut dyn crate::store::Import,
    mut deal: Deal,
    strict: bool,
    seat: &super::Seat,
    dropped: &mut Vec<DroppedSignOff>,
) -> Result<Saved> {
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
    let saved = import.save(deal)?;
    dropped.extend(unrecorded.into_iter().map(|sign_off| DroppedSignOff {
        deal: saved.id,
        name: name.clone(),
        sign_off: sign_off.words(),
    }));
    Ok(saved)
}

/// The deal a document makes: over the stored deal it updates (a key it
/// left out keeps the stored value), else as it stands. The stored deal is
/// read only for a document that left keys out.
fn merged(
    import: &mut dyn crate::store::Import,
    doc: DealDocument,
    playbook: &crate::domain::playbook::Playbook,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Deal> {
    let doc = match doc.id {
        Some(id) if !doc.given.all() => match import.stored(DealId(id))? {
            Some(stored) => doc.over(&stored),
            None => doc,
        },
        _ => doc,
    };
    Ok(doc.into_deal(playbook, now))
}

/// Import checked documents in one transaction, by [`import_from`]'s rules.
pub fn import(
    s: &mut Session,
    docs: Vec<DealDocument>,
    force: bool,
    strict: bool,
) -> Result<DocumentsImported> {
    let now = s.clock.now();
    let (playbook, seat) = (&s.playbook, &s.seat);
    let done = s.store.import(force, now, |import| {
        let mut done = DocumentsImported::default();
        for doc in docs {
            let deal = merged(import, doc, playbook, now)?;
            let saved = import_one(import, deal, strict, seat, &mut done.dropped)?;
            done.saved.push(saved);
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
        ..
    } = s;
    let seat = &*seat;
    let (send, receive) = std::sync::mpsc::sync_channel::<Next>(64);
    let (read, written) = std::thread::scope(|scope| {
        let writer = scope.spawn(move || {
            store.import(force, now, |import| {
                let mut done = DocumentsImported::default();
                // a refusal drops `receive`: the reader stops handing deals
                for next in receive {
                    match next {
                        Next::Deal(doc) => {
                            let deal = merged(import, *doc, playbook, now)?;
                            let saved = import_one(import, deal, strict, seat, &mut done.dropped)?;
                            done.saved.push(saved);
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
