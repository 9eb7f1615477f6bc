//! The use cases both faces call: every change a person makes to a deal,
//! each one transaction (through the store) with its audit rows and a
//! version check. The rules come from the domain; the SQL from the store.
//!
//! This file holds the session and the changes of a deal itself (its
//! fields, steps, escalations, reviews, outcome, snooze) and of a battle
//! card. The other rooms use the session and this file names them only to
//! re-export what the faces call by its old path (`ops::import_from`):
//! `content` (a step's form: rows, records, framework), `drafts` (what was
//! being typed, kept), `documents` (deal documents in), `team` (metrics,
//! what needs attention, the demo), `views` (composed reads), `watch` (other
//! writers, damage), `upkeep` (doctor, backup), `interop` (Salesforce
//! exports in), `transfer` (files in and out, by format) and `file_import`
//! (a named file with its progress).

use crate::clock::Clock;
use crate::domain::choices::WarningKind;
use crate::domain::deal::{Deal, DealId, FieldError, NewDeal};
use crate::domain::deal_edit::{Changed, DealEdit};
use crate::domain::escalation::{self, EscalationId};
use crate::domain::pipeline::{self, Outcome};
use crate::domain::playbook::{EscalationRule, Playbook};
use crate::domain::review::{self, Reviewer};
use crate::domain::step::{ChangeOutcome, NoteKind, StepChange, StepNumber};
use crate::domain::{criteria, rushing, step, warnings};
use crate::store::Database;
use std::path::PathBuf;

/// The store's plain types the faces use with ops' functions (queries,
/// rows, errors); the faces name them from here, never from the store.
pub use crate::store::{
    BattleCard, CategoryTotal, Draft, ListQuery, ListSort, OutcomeTotal, Queue, Saved, StoreError,
    WarningTotal,
};

pub mod content;
pub mod documents;
pub mod drafts;
pub mod file_import;
pub mod interop;
pub mod past;
pub mod server;
pub mod team;
pub mod transfer;
pub mod upkeep;
pub mod views;
pub mod watch;

pub use documents::{
    DocumentsImported, DroppedSignOff, ImportError, Preview, describe, import, import_from,
    preview_from,
};
pub use drafts::{DraftOf, draft, drop_draft, keep_draft};
pub use team::{
    Attention, DEMO_BATCH, DemoSummary, OverdueEscalation, StalledDeal, attention, demo, metrics,
};

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
    /// The database file, as named at start-up (on a server: `host/db`).
    pub db: PathBuf,
    /// Who the session acts as: on a file, whoever `--user` names; on a
    /// team's server, the person the login is, or its administrator.
    pub seat: Seat,
    /// Deals shown as they stood at the end of this day (the TUI's `--on`):
    /// the deal screen reads them so and changes nothing.
    pub on: Option<chrono::NaiveDate>,
}

/// Who a session acts as.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Seat {
    /// A SQLite file: the person `--user` (or the login name) names.
    #[default]
    File,
    /// A team's server: the person the login is mapped to.
    Person(server::Person),
    /// A team's server, as its administrator (the schema's owner), who
    /// moves a team's deals in keeping who signed them.
    Administrator,
}

impl Seat {
    /// The server's person, if any.
    pub fn person(&self) -> Option<&server::Person> {
        match self {
            Seat::Person(p) => Some(p),
            _ => None,
        }
    }
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
            seat: Seat::File,
            on: None,
        }
    }

    /// A session on a team's PostgreSQL server, as the person the login is
    /// mapped to (or as its administrator).
    pub fn on_server(address: &str, playbook: Playbook, clock: Clock) -> Result<Session> {
        let server = crate::store::postgres::Server::open(address)?;
        let seat = match server.person() {
            Some(p) => Seat::Person(p.clone()),
            None => Seat::Administrator,
        };
        let who = match &seat {
            Seat::Person(p) => p.name.clone(),
            _ => server.actor().to_string(),
        };
        let label = server.label().to_string();
        let mut session = Session::new(server, playbook, clock, &who);
        session.db = PathBuf::from(label);
        session.seat = seat;
        Ok(session)
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
            session.seat = self.seat.clone();
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
    let (now, today) = (s.clock.now(), s.clock.today());
    s.store.update_deal(id, expected_version, now, |deal| {
        let people = deal.people();
        let before = (deal.amount, deal.close_date);
        let value = change(deal)?;
        warnings::note_change(deal, before, today);
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

/// Write one of a step's notes, the person having read the deal at version
/// `read_at` with that note reading `was`. When the deal moved on since, the
/// note is still written if that very note is as it was read (another
/// change elsewhere in the deal is kept), and refused with
/// [`StoreError::Conflict`] if it changed: nothing is written.
pub fn save_note(
    s: &mut Session,
    id: DealId,
    read_at: i64,
    was: &str,
    number: StepNumber,
    kind: NoteKind,
    text: &str,
) -> Result<(Deal, ChangeOutcome)> {
    let (pb, now) = (&s.playbook, s.clock.now());
    let change = StepChange::SetNote {
        kind,
        text: text.to_string(),
    };
    s.store.update_deal(id, None, now, |deal| {
        if deal.version != read_at && deal.step(number).map(|st| st.notes.get(kind)) != Some(was) {
            return Err(StoreError::Conflict {
                id,
                expected: read_at,
                found: deal.version,
            });
        }
        criteria::apply_step(deal, number, &change, pb, now).map_err(StoreError::Rule)
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

/// Silence one of the deal's warnings until `until` (it must be on the
/// deal now), in the history as every change is.
pub fn snooze_warning(
    s: &mut Session,
    id: DealId,
    expected_version: Option<i64>,
    kind: WarningKind,
    until: chrono::NaiveDate,
    reason: &str,
) -> Result<Deal> {
    let (pb, now, who) = (&s.playbook, s.clock.now(), s.user.clone());
    let (deal, ()) = s.store.update_deal(id, expected_version, now, |deal| {
        warnings::snooze(deal, kind, until, reason, &who, pb, now).map_err(warning_refused)
    })?;
    Ok(deal)
}

/// Lift the snooze of one of the deal's warnings: it shows again from now.
pub fn unsnooze_warning(
    s: &mut Session,
    id: DealId,
    expected_version: Option<i64>,
    kind: WarningKind,
) -> Result<Deal> {
    let (now, who) = (s.clock.now(), s.user.clone());
    let (deal, ()) = s.store.update_deal(id, expected_version, now, |deal| {
        warnings::unsnooze(deal, kind, &who, now).map_err(warning_refused)
    })?;
    Ok(deal)
}

/// A refused warning snooze: a bad day or a missing reason is a bad value
/// (named by its option); a deal closed, or without the warning, a rule.
fn warning_refused(e: warnings::WarningError) -> StoreError {
    use warnings::WarningError as E;
    let field = match e {
        E::InPast(_) => "--until",
        E::ReasonNeeded => "--reason",
        E::Closed | E::NotWarned(_) | E::NotSnoozed(_) => {
            return StoreError::Refused(e.to_string());
        }
    };
    StoreError::Invalid(vec![FieldError {
        field: field.into(),
        message: e.to_string(),
    }])
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
