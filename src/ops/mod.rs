//! The use cases both faces call: every change a person makes to a deal,
//! each one transaction (through the store) with its audit rows and a
//! version check. The rules come from the domain; the SQL from the store.

use crate::clock::Clock;
use crate::domain::content::PathError;
use crate::domain::deal::{Deal, DealId, DealSummary, FieldError, NewDeal};
use crate::domain::deal_edit::{Changed, DealEdit};
use crate::domain::demo;
use crate::domain::document::{DealDocument, stream_documents};
use crate::domain::escalation::{self, EscalationId};
use crate::domain::metrics::{Metrics, Range, Tally};
use crate::domain::pipeline::{self, ForecastCategory, Outcome};
use crate::domain::playbook::{EscalationRule, Playbook};
use crate::domain::review::{self, Reviewer};
use crate::domain::step::{ChangeOutcome, NoteKind, StepChange, StepNumber};
use crate::domain::{criteria, rushing, step};
use crate::store::Database;

/// The store's plain types the faces use with ops' functions (queries,
/// rows, errors); the faces name them from here, never from the store.
pub use crate::store::{
    BattleCard, CategoryTotal, Draft, ListQuery, ListSort, OutcomeTotal, Queue, Saved, StoreError,
};
use std::path::PathBuf;

pub mod content;
pub mod file_import;
pub mod interop;
pub mod transfer;
pub mod upkeep;
pub mod views;
pub mod watch;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// What every use case works with: the open database (whichever engine
/// keeps it), the procedure, the one clock, and who is acting.
pub struct Session {
    /// The store, reached only by the use cases: the faces ask ops.
    store: Box<dyn Database>,
    pub playbook: Playbook,
    pub clock: Clock,
    /// The acting user (`--user`, `QUALIFY_USER`, else the login name).
    pub user: String,
    /// The database file, as named at start-up.
    pub db: PathBuf,
}

impl Session {
    /// A session on an open store: the pipeline summary is kept by the
    /// domain's rules from now on.
    pub fn new(
        store: impl Into<Box<dyn Database>>,
        playbook: Playbook,
        clock: Clock,
        user: &str,
    ) -> Session {
        let mut store = store.into();
        store.set_actor(user);
        let rules = playbook.clone();
        store.set_summarizer(Box::new(move |deal, now| {
            pipeline::summarize(deal, &rules, now)
        }));
        let db = store.path().map(PathBuf::from).unwrap_or_default();
        Session {
            store,
            playbook,
            clock,
            user: user.trim().to_string(),
            db,
        }
    }

    /// Fill the pipeline rows of deals written before the pipeline existed.
    pub fn fill_pipeline(&mut self) -> Result<usize> {
        let missing = self.store.deals_without_summary()?;
        if !missing.is_empty() {
            let now = self.clock.now();
            self.store.resummarize(&missing, now)?;
        }
        Ok(missing.len())
    }

    /// A second session on the same database, for work done on another
    /// thread (an import or export while the screen keeps drawing); `None`
    /// for a database in memory, which has no second connection.
    pub fn another(&self) -> Option<Result<Session>> {
        Some(self.store.another()?.map(|store| {
            let mut session = Session::new(store, self.playbook.clone(), self.clock, &self.user);
            session.db = self.db.clone();
            session
        }))
    }

    /// The list query for the clock's now.
    pub fn list_query(&self) -> ListQuery {
        ListQuery {
            now: self.clock.now(),
            ..ListQuery::default()
        }
    }
}

/// Content that does not validate is never written.
fn validated(deal: &Deal) -> Result<()> {
    let errors = deal.content.validate();
    if errors.is_empty() {
        return Ok(());
    }
    Err(StoreError::Invalid(
        errors
            .into_iter()
            .map(|e| FieldError {
                field: e.path,
                message: e.message,
            })
            .collect(),
    ))
}

/// Create a deal.
pub fn add_deal(s: &mut Session, new: NewDeal) -> Result<DealId> {
    Ok(add_deals(s, vec![new])?[0])
}

/// Create several deals in one transaction: all of them or none. A deal
/// given no owner is owned by the person creating it; the owner is never
/// the deal's SA or manager (a rule: refused).
pub fn add_deals(s: &mut Session, mut news: Vec<NewDeal>) -> Result<Vec<DealId>> {
    let today = s.clock.today();
    for new in &mut news {
        if new.owner.trim().is_empty() {
            new.owner.clone_from(&s.user);
        }
        new.validate_on(today).map_err(StoreError::Invalid)?;
        new.people().check().map_err(StoreError::Rule)?;
    }
    let now = s.clock.now();
    let deals = news
        .into_iter()
        .map(|new| new.into_deal(DealId(0), &s.playbook, now))
        .collect();
    s.store.insert_deals(deals, now)
}

/// Change a deal's own fields (`deal set`, the deal screen's edit form):
/// the fields given, checked as a new deal's are, in one transaction with
/// a history row per field that changed. With `expected_version`, a deal
/// changed since it was read is refused. What changed; when nothing did,
/// nothing is written.
pub fn set_deal_fields(
    s: &mut Session,
    id: DealId,
    expected_version: Option<i64>,
    edit: &DealEdit,
) -> Result<(Deal, Vec<Changed>)> {
    let current = s.store.deal(id)?;
    if let Some(expected) = expected_version
        && expected != current.version
    {
        return Err(StoreError::Conflict {
            id,
            expected,
            found: current.version,
        });
    }
    // the day the deal was created, where its creator was
    let created_on = s.clock.local(current.created_at).date_naive();
    let mut trial = current.clone();
    let changed = edit
        .apply(&mut trial, created_on)
        .map_err(StoreError::Invalid)?;
    if changed.is_empty() {
        return Ok((current, changed));
    }
    edit_deal(s, id, expected_version, |deal| {
        edit.apply(deal, created_on).map_err(StoreError::Invalid)
    })
}

/// Change a deal's content in one transaction. `change` applies the edit in
/// memory; the result must validate, and an edit that changes who is on the
/// deal must keep its owner off its SA and manager (refused by the rule
/// otherwise; a deal kept before the rule keeps its people until they are
/// next changed). With `expected_version`, a deal that moved on since it
/// was read is refused.
pub fn edit_deal<T>(
    s: &mut Session,
    id: DealId,
    expected_version: Option<i64>,
    change: impl FnOnce(&mut Deal) -> Result<T>,
) -> Result<(Deal, T)> {
    let now = s.clock.now();
    s.store.update_deal(id, expected_version, now, |deal| {
        let people = deal.people();
        let value = change(deal)?;
        let now_on = deal.people();
        if now_on != people {
            now_on.check().map_err(StoreError::Rule)?;
        }
        validated(deal)?;
        Ok(value)
    })
}

/// Move or edit one step: the sequence rule and, for a completion, the
/// step's criteria, and a warning when it looks rushed (see
/// [`rushing::rushed`]). Unblocking resolves the step's blocked escalation.
pub fn change_step(
    s: &mut Session,
    id: DealId,
    expected_version: Option<i64>,
    number: StepNumber,
    change: &StepChange,
) -> Result<(Deal, ChangeOutcome)> {
    let (pb, now, who) = (&s.playbook, s.clock.now(), s.user.clone());
    s.store.update_deal(id, expected_version, now, |deal| {
        if *change == StepChange::Unblock {
            escalation::clear_blocked(deal, number, &who, pb, now);
        }
        let mut outcome =
            criteria::apply_step(deal, number, change, pb, now).map_err(StoreError::Rule)?;
        if *change == StepChange::Complete {
            outcome.warnings.extend(rushing::rushed(deal, number, pb));
        }
        Ok(outcome)
    })
}

/// The later complete steps a reopening of `number` leaves complete: the
/// person is asked before going on.
pub fn complete_after(deal: &Deal, number: StepNumber) -> Vec<StepNumber> {
    deal.steps
        .iter()
        .filter(|s| s.number > number && s.is_complete())
        .map(|s| s.number)
        .collect()
}

/// Raise an escalation of a user scenario, as a person on the deal, routed
/// to `to` (empty: the deal's manager); its id (`E7`).
pub fn raise_escalation(
    s: &mut Session,
    id: DealId,
    expected_version: Option<i64>,
    rule: EscalationRule,
    reason: &str,
    to: &str,
) -> Result<(Deal, String)> {
    let (pb, now, clock, who) = (&s.playbook, s.clock.now(), s.clock, s.user.clone());
    let (deal, ()) = s.store.update_deal(id, expected_version, now, |deal| {
        escalation::raise(deal, rule, reason, &who, to, pb, now, &|t| {
            clock.offset_at(t)
        })
        .map_err(StoreError::Rule)
    })?;
    let raised = deal
        .escalations
        .last()
        .map(|e| format!("E{}", e.id))
        .unwrap_or_default();
    Ok((deal, raised))
}

/// The deal an escalation belongs to.
pub fn deal_of_escalation(s: &Session, id: EscalationId) -> Result<DealId> {
    match id {
        EscalationId::Blocked { deal, .. } => Ok(DealId(deal)),
        EscalationId::Stored(n) => s
            .store
            .deal_of_escalation(n)?
            .ok_or_else(|| StoreError::Rule(step::RuleError::UnknownEscalation(id.to_string()))),
    }
}

/// Withdraw an escalation, as the person who raised it, saying why.
pub fn withdraw_escalation(
    s: &mut Session,
    id: EscalationId,
    reason: &str,
    expected_version: Option<i64>,
) -> Result<Deal> {
    let deal_id = deal_of_escalation(s, id)?;
    let (pb, now, who) = (&s.playbook, s.clock.now(), s.user.clone());
    let (deal, ()) = s
        .store
        .update_deal(deal_id, expected_version, now, |deal| {
            escalation::withdraw(deal, id, &who, reason, pb, now).map_err(StoreError::Rule)
        })?;
    Ok(deal)
}

/// Acknowledge (the person escalated to has seen it) or resolve an
/// escalation, as the person it is routed to or the deal's manager.
pub fn act_on_escalation(
    s: &mut Session,
    id: EscalationId,
    resolve: bool,
    note: &str,
    expected_version: Option<i64>,
) -> Result<Deal> {
    let deal_id = deal_of_escalation(s, id)?;
    let (pb, now, who) = (&s.playbook, s.clock.now(), s.user.clone());
    let (deal, ()) = s
        .store
        .update_deal(deal_id, expected_version, now, |deal| {
            let act = if resolve {
                escalation::resolve
            } else {
                escalation::acknowledge
            };
            act(deal, id, &who, note, pb, now).map_err(StoreError::Rule)
        })?;
    Ok(deal)
}

/// The SA's sign-off of the validation plan or the manager's review of the
/// deal, by the acting user, who must be the one assigned. A send-back
/// reopens its step; what else it did, in words.
pub fn record_review(
    s: &mut Session,
    id: DealId,
    expected_version: Option<i64>,
    reviewer: Reviewer,
    approved: bool,
    comment: &str,
) -> Result<(Deal, Option<String>)> {
    let (pb, now, who) = (&s.playbook, s.clock.now(), s.user.clone());
    s.store.update_deal(id, expected_version, now, |deal| {
        review::review(deal, reviewer, approved, &who, comment, pb, now).map_err(StoreError::Rule)
    })
}

/// Record the deal's outcome (`None` reopens it): won, lost (with a reason
/// and whom to), disqualified (with a reason).
pub fn set_outcome(
    s: &mut Session,
    id: DealId,
    expected_version: Option<i64>,
    outcome: Option<Outcome>,
) -> Result<Deal> {
    let (deal, ()) = edit_deal(s, id, expected_version, |deal| {
        pipeline::set_outcome(deal, outcome).map_err(|e| {
            StoreError::Invalid(vec![FieldError {
                field: "outcome".into(),
                message: e.to_string(),
            }])
        })
    })?;
    Ok(deal)
}

/// Silence the deal's stalled flag until `until`; a later change ends it.
pub fn snooze(s: &mut Session, id: DealId, until: chrono::NaiveDate, reason: &str) -> Result<Deal> {
    if reason.trim().is_empty() {
        return Err(StoreError::Rule(step::RuleError::Required("a reason")));
    }
    let (today, now, who) = (s.clock.today(), s.clock.now(), s.user.clone());
    let (deal, ()) = s.store.update_deal(id, None, now, |deal| {
        pipeline::snooze(deal, until, reason, &who, today, now).map_err(|e| {
            StoreError::Invalid(vec![FieldError {
                field: "--until".into(),
                message: e.to_string(),
            }])
        })
    })?;
    Ok(deal)
}

/// Lift the deal's snooze: its stalled flag shows again from now.
pub fn unsnooze(s: &mut Session, id: DealId, expected_version: Option<i64>) -> Result<Deal> {
    let (now, who) = (s.clock.now(), s.user.clone());
    let (deal, ()) = s.store.update_deal(id, expected_version, now, |deal| {
        pipeline::unsnooze(deal, &who, now)
            .map_err(|_| StoreError::Rule(step::RuleError::NotSnoozed))
    })?;
    Ok(deal)
}

/// The five metrics for the team (or one owner) over `range`, and the same
/// for each week of it (the dashboard's trend), in one pass over the deals.
pub fn metrics(s: &Session, owner: Option<&str>, range: Range) -> Result<(Metrics, Vec<Metrics>)> {
    let mut total = Tally::new(range);
    let weeks = range.weeks();
    let mut weekly: Vec<Tally> = weeks.iter().map(|w| Tally::new(*w)).collect();
    s.store.each_whole_deal(owner, |deal, stages| {
        total.add(deal, stages, &s.playbook);
        for week in &mut weekly {
            week.add(deal, stages, &s.playbook);
        }
        Ok::<_, StoreError>(())
    })?;
    Ok((
        total.finish(&s.playbook),
        weekly.into_iter().map(|w| w.finish(&s.playbook)).collect(),
    ))
}

/// A stalled deal and why it counts as stalled.
#[derive(Debug, Clone)]
pub struct StalledDeal {
    pub deal: DealSummary,
    pub why: String,
    /// The same in a few words: "21 days quiet", "step 3 past SLA".
    pub short: String,
}

/// An escalation past its window, and the deal it concerns.
#[derive(Debug, Clone)]
pub struct OverdueEscalation {
    pub deal: DealSummary,
    pub escalation: escalation::Escalation,
}

/// What needs someone today: the first stalled deals (largest first) and
/// the overdue escalations (the longest overdue first), each list a page of
/// at most `rows`, with how many stalled deals and overdue escalations
/// there are in all.
#[derive(Debug, Clone, Default)]
pub struct Attention {
    pub stalled: Vec<StalledDeal>,
    pub stalled_deals: usize,
    pub overdue: Vec<OverdueEscalation>,
    pub overdue_escalations: usize,
}

/// The stalled deals and the overdue escalations of the team (or one
/// owner), read through the list's query: a page of deals, not every deal.
pub fn attention(s: &Session, owner: Option<&str>, rows: usize) -> Result<Attention> {
    let now = s.clock.now();
    let base = ListQuery {
        owner: owner.map(str::to_string),
        sort: crate::store::ListSort::Amount,
        ..s.list_query()
    };
    let stalled_query = ListQuery {
        stalled: true,
        ..base.clone()
    };
    let overdue_query = ListQuery {
        overdue: true,
        ..base
    };
    let mut out = Attention {
        stalled_deals: s.store.count_deals(&stalled_query)?,
        overdue_escalations: s.store.count_overdue_escalations(&overdue_query)?,
        ..Attention::default()
    };
    for deal in s.store.deal_page(&stalled_query, 0, rows)? {
        let whole = s.store.deal(deal.id)?;
        let stall = pipeline::stall(&whole, &s.playbook, now);
        let why = stall.map(pipeline::Stall::why).unwrap_or_default();
        let short = stall.map(pipeline::Stall::short).unwrap_or_default();
        out.stalled.push(StalledDeal { deal, why, short });
    }
    // the deals in the order of their longest overdue escalation: the
    // first `rows` of them hold the `rows` longest overdue escalations
    for deal in s.store.most_overdue(&overdue_query, rows)? {
        let whole = s.store.deal(deal.id)?;
        let late = escalation::open(&whole, &s.playbook, now)
            .into_iter()
            .filter(|e| e.overdue);
        for escalation in late {
            out.overdue.push(OverdueEscalation {
                deal: deal.clone(),
                escalation,
            });
        }
    }
    out.overdue
        .sort_by_key(|o| (o.escalation.due_at, o.deal.id, o.escalation.id.to_string()));
    out.overdue.truncate(rows);
    Ok(out)
}

/// What `demo` made: how many deals, and how many in each forecast category.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoSummary {
    pub deals: usize,
    pub by_category: Vec<(ForecastCategory, u64)>,
}

/// Deals per transaction when filling a demo database: large enough to be
/// fast, while each is made as it is written, so memory stays flat.
pub const DEMO_BATCH: usize = 5_000;

/// Fill an empty database with `n` demo deals made from `seed` as of the
/// clock's now (see [`crate::domain::demo`]), in transactions of
/// [`DEMO_BATCH`] deals; `progress` hears how many are written after each.
/// A database that already holds deals is refused untouched.
pub fn demo(
    s: &mut Session,
    n: usize,
    seed: u64,
    mut progress: impl FnMut(usize),
) -> Result<DemoSummary> {
    if s.store.has_deals()? {
        return Err(StoreError::Invalid(vec![FieldError {
            field: crate::text::clean(&s.db.display().to_string()),
            message: "already holds deals, and demo only fills an empty database; \
                      give a new file with --db (e.g. qualify --db demo.db demo)"
                .into(),
        }]));
    }
    let now = s.clock.now();
    let playbook = s.playbook.clone();
    let mut deals = demo::deals(seed, n, &playbook, now).map(|d| (d.deal, d.history));
    let mut written = 0;
    while written < n {
        let batch = s
            .store
            .insert_deals_with_history(&mut deals.by_ref().take(DEMO_BATCH), now)?;
        if batch == 0 {
            break;
        }
        written += batch;
        progress(written);
    }
    let totals = s.store.category_totals(&s.list_query())?;
    Ok(DemoSummary {
        deals: written,
        by_category: ForecastCategory::ALL
            .iter()
            .map(|c| {
                let count = totals
                    .iter()
                    .find(|t| t.category == *c)
                    .map_or(0, |t| t.deals);
                (*c, count)
            })
            .collect(),
    })
}

/// Set a competitor's battle card; `expected_version` is the version read
/// (0 when there was no card). Returns the new version.
pub fn set_battle_card(
    s: &mut Session,
    competitor: &str,
    notes: &str,
    expected_version: Option<i64>,
) -> Result<i64> {
    if competitor.trim().is_empty() {
        return Err(StoreError::Invalid(vec![FieldError {
            field: "competitor".into(),
            message: "required".into(),
        }]));
    }
    let now = s.clock.now();
    s.store
        .set_battle_card(competitor, notes, expected_version, now)
}

/// What a document import wrote: each deal, and the sign-offs it did not
/// keep (one line each).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocumentsImported {
    pub saved: Vec<Saved>,
    pub dropped: Vec<DroppedSignOff>,
}

/// A sign-off a document carried that the import did not keep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DroppedSignOff {
    pub deal: DealId,
    pub name: String,
    pub sign_off: review::Unrecorded,
}

impl std::fmt::Display for DroppedSignOff {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "deal {} ({}): dropped {}: it is not one recorded on this deal, and an import never records a sign-off",
            self.deal,
            crate::text::clean(&self.name),
            self.sign_off.words()
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
    dropped: &mut Vec<DroppedSignOff>,
) -> Result<Saved> {
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
    let stored = if review::carries_sign_off(&deal) {
        import.stored(deal.id)?
    } else {
        None
    };
    let unrecorded = review::keep_recorded_sign_offs(&mut deal, stored.as_ref());
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
        sign_off,
    }));
    Ok(saved)
}

/// Import checked documents in one transaction, by [`import_from`]'s rules.
pub fn import(
    s: &mut Session,
    docs: Vec<DealDocument>,
    force: bool,
    strict: bool,
) -> Result<DocumentsImported> {
    let now = s.clock.now();
    let deals: Vec<Deal> = docs
        .into_iter()
        .map(|d| d.into_deal(&s.playbook, now))
        .collect();
    let done = s.store.import(force, now, |import| {
        let mut done = DocumentsImported::default();
        for deal in deals {
            let saved = import_one(import, deal, strict, &mut done.dropped)?;
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
        Deal(Box<Deal>),
        /// The whole file was good: commit.
        End,
    }
    let now = s.clock.now();
    let Session {
        store, playbook, ..
    } = s;
    let (send, receive) = std::sync::mpsc::sync_channel::<Next>(64);
    let (read, written) = std::thread::scope(|scope| {
        let writer = scope.spawn(move || {
            store.import(force, now, |import| {
                let mut done = DocumentsImported::default();
                // a refusal drops `receive`: the reader stops handing deals
                for next in receive {
                    match next {
                        Next::Deal(deal) => {
                            let saved = import_one(import, *deal, strict, &mut done.dropped)?;
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
        let read = stream_documents(reader, |doc| {
            send.send(Next::Deal(Box::new(doc.into_deal(playbook, now))))
                .is_ok()
        });
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

/// What a draft is of: the key it is kept under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DraftOf {
    /// One of a step's three notes.
    Note {
        deal: DealId,
        step: StepNumber,
        kind: NoteKind,
    },
    /// A row of a step's form (`None`: a new row), by the form's name.
    Row {
        deal: DealId,
        step: StepNumber,
        form: &'static str,
        row: Option<usize>,
    },
    /// A competitor's battle card.
    BattleCard(String),
}

impl DraftOf {
    pub fn key(&self) -> String {
        match self {
            DraftOf::Note { deal, step, kind } => {
                format!("deal/{deal}/step/{step}/note/{}", kind.key())
            }
            DraftOf::Row {
                deal,
                step,
                form,
                row,
            } => format!(
                "deal/{deal}/step/{step}/{form}/{}",
                row.map_or("new".to_string(), |r| r.to_string())
            ),
            DraftOf::BattleCard(name) => {
                format!("battlecard/{}", name.trim().to_lowercase())
            }
        }
    }

    fn deal(&self) -> Option<DealId> {
        match self {
            DraftOf::Note { deal, .. } | DraftOf::Row { deal, .. } => Some(*deal),
            DraftOf::BattleCard(_) => None,
        }
    }
}

/// Keep `body` as a draft of `of`, to be offered back the next time it is
/// opened.
pub fn keep_draft(s: &mut Session, of: &DraftOf, body: &str) -> Result<()> {
    let now = s.clock.now();
    s.store.save_draft(&of.key(), of.deal(), body, now)
}

/// The draft kept for `of`, if any.
pub fn draft(s: &Session, of: &DraftOf) -> Result<Option<Draft>> {
    s.store.draft(&of.key())
}

/// Forget the draft of `of` (it was saved, or dropped on purpose).
pub fn drop_draft(s: &mut Session, of: &DraftOf) -> Result<()> {
    if s.store.draft(&of.key())?.is_some() {
        s.store.drop_draft(&of.key())?;
    }
    Ok(())
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

impl Session {
    /// The store under the session, for tests and benchmarks that set up
    /// or inspect data below the rules. The faces never call it: they ask
    /// ops (tests/layers.rs checks).
    pub fn store(&self) -> &(dyn Database + 'static) {
        &*self.store
    }

    /// The store under the session, to write below the rules (tests).
    pub fn store_mut(&mut self) -> &mut (dyn Database + 'static) {
        &mut *self.store
    }

    /// Act as `user` from now on (the history's "who", and sign-offs).
    pub fn set_user(&mut self, user: &str) {
        self.user = user.trim().to_string();
        self.store.set_actor(user);
    }

    /// The same session with its clock stopped at `at` (scripts' `--as-of`,
    /// tests).
    pub fn at(&mut self, at: chrono::DateTime<chrono::Utc>) -> &mut Session {
        self.clock = Clock::fixed(at).with_offset(self.clock.offset());
        self
    }
}
