//! The deal as the deal screen holds it: the deal, what is worked out from
//! it at the clock's now (QA, escalations, forecast, the selected step's
//! criteria), where the cursors are, and the changes every mode makes
//! through ops with the words they end in. The few reads the screen makes
//! of the store itself are at the end of this file, and nowhere else.

use crate::domain::audit::AuditEntry;
use crate::domain::criteria::{self, Check};
use crate::domain::deal::{Deal, DealId};
use crate::domain::escalation::Escalation;
use crate::domain::pipeline::{self, ForecastCategory};
use crate::domain::playbook::CaptureKind;
use crate::domain::qa::QaItem;
use crate::domain::step::{NoteKind, Step, StepChange, StepNumber};
use crate::domain::warnings::Warning;
use crate::ops::past::TrendPoint;
use crate::ops::{self, DraftOf};
use crate::ops::{BattleCard, StoreError};
use crate::text::shown;
use crate::tui::keymap;
use crate::tui::screens::capture::{CaptureForm, RecordEditor, Section};
use crate::tui::shared::{CHANGED_ELSEWHERE, Ctx, Status};
use crate::tui::widgets::truncate;
use chrono::{DateTime, FixedOffset, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Steps,
    /// The step's form: what it captures.
    Capture,
    Actions,
    Notes,
}

impl Focus {
    pub fn next(self) -> Focus {
        match self {
            Focus::Steps => Focus::Capture,
            Focus::Capture => Focus::Actions,
            Focus::Actions => Focus::Notes,
            Focus::Notes => Focus::Steps,
        }
    }
    pub fn prev(self) -> Focus {
        self.next().next().next()
    }
}

/// What a key did in one of the screen's modes: the word for the status
/// line, and whether the mode stays open.
pub enum ModeOutcome {
    Stay(Option<Status>),
    Close(Option<Status>),
}

pub struct DealState {
    pub deal: Deal,
    pub qa: Vec<QaItem>,
    pub escalations: Vec<Escalation>,
    /// The deal's warnings now (not snoozed).
    pub warnings: Vec<Warning>,
    /// Complete steps whose criteria a later edit took away.
    pub no_longer_met: Vec<(StepNumber, Vec<String>)>,
    /// The deal's forecast category, and why it is stalled if it is.
    pub forecast: ForecastCategory,
    pub stalled: Option<String>,
    pub now: DateTime<Utc>,
    /// The user's UTC offset, for showing times.
    pub offset: FixedOffset,
    pub selected: StepNumber,
    /// What the selected step captures: its form, and the keys that work on it.
    pub kind: CaptureKind,
    pub focus: Focus,
    pub action_cursor: usize,
    pub note_cursor: usize,
    /// The step form's selected row.
    pub capture: CaptureForm,
    /// The selected step's completion criteria.
    pub checks: Vec<Check>,
    /// The battle card of the competitor selected on the competitors' step.
    pub battle_card: Option<BattleCard>,
    /// Below 120 columns: the panels replace the step detail.
    pub show_panels: bool,
    /// The MEDDPICC total over time (from the history), and the version
    /// of the deal it was read for.
    pub trend: Vec<TrendPoint>,
    trend_of: Option<i64>,
    /// The day the deal is shown as it stood (`--on`): nothing is changed.
    pub shown_on: Option<chrono::NaiveDate>,
}

pub fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

impl DealState {
    pub fn open(id: DealId, ctx: &Ctx) -> Result<DealState, StoreError> {
        let deal = stored_deal(ctx, id)?;
        let selected = deal.current_step().unwrap_or(StepNumber::last());
        let mut state = DealState {
            deal,
            qa: Vec::new(),
            escalations: Vec::new(),
            warnings: Vec::new(),
            no_longer_met: Vec::new(),
            forecast: ForecastCategory::Pipeline,
            stalled: None,
            now: ctx.session.clock.now(),
            offset: ctx.session.clock.offset(),
            selected,
            kind: ctx.session.playbook.step(selected).capture,
            focus: Focus::Steps,
            action_cursor: 0,
            note_cursor: 0,
            capture: CaptureForm::default(),
            checks: Vec::new(),
            battle_card: None,
            show_panels: false,
            trend: Vec::new(),
            trend_of: None,
            shown_on: ctx.session.on,
        };
        state.refresh(ctx);
        Ok(state)
    }

    /// Recompute what depends on the data and the clock.
    pub fn refresh(&mut self, ctx: &Ctx) {
        // a deal as it stood is judged at the end of its day
        let now = match ctx.session.on {
            Some(day) => ops::past::end_of(&ctx.session, day),
            None => ctx.session.clock.now(),
        };
        let view = ops::views::deal_judged_at(&ctx.session, &self.deal, now);
        self.now = view.now;
        self.offset = ctx.session.clock.offset();
        self.qa = view.qa;
        self.escalations = view.escalations;
        self.warnings = view.warnings;
        self.no_longer_met = criteria::no_longer_met(&self.deal, &ctx.session.playbook);
        self.forecast = pipeline::forecast_category(&self.deal, &ctx.session.playbook, self.now);
        self.stalled = pipeline::stalled(&self.deal, &ctx.session.playbook, self.now);
        self.checks = criteria::step_checks(self.selected, &self.deal, &ctx.session.playbook);
        let rows = self.section().rows(&self.deal, self.selected).len();
        self.capture.row = self.capture.row.min(rows.saturating_sub(1));
        if self.trend_of != Some(self.deal.version) {
            self.trend_of = Some(self.deal.version);
            self.trend = stored_trend(ctx, self.deal.id);
        }
        self.battle_card = None;
        if self.kind == CaptureKind::Competitors
            && let Some(c) = self.deal.content.competitors.get(self.capture.row)
        {
            self.battle_card = stored_battle_card(ctx, &c.name);
        }
    }

    /// Read the deal again (after a refusal), and recompute.
    pub fn reload(&mut self, ctx: &Ctx) {
        if let Ok(deal) = stored_deal(ctx, self.deal.id) {
            self.deal = deal;
        }
        self.refresh(ctx);
    }

    /// Time moved or the database changed: timers move, and a change made
    /// elsewhere is picked up.
    pub fn tick(&mut self, ctx: &Ctx) -> Option<Status> {
        if let Ok(fresh) = stored_deal(ctx, self.deal.id)
            && fresh.version != self.deal.version
        {
            self.deal = fresh;
            self.refresh(ctx);
            return Some(Status::info(
                "This deal was updated elsewhere; showing the latest",
            ));
        }
        self.refresh(ctx);
        None
    }

    pub fn section(&self) -> Section {
        Section::for_capture(self.kind)
    }

    pub fn step(&self) -> &Step {
        self.deal
            .step(self.selected)
            .expect("a deal has its ten steps")
    }

    /// Select step `n`: its form, actions and notes start from the top, and
    /// everything shown for it is recomputed.
    pub fn select(&mut self, n: StepNumber, ctx: &Ctx) {
        if n != self.selected {
            self.selected = n;
            self.kind = ctx.session.playbook.step(n).capture;
            self.action_cursor = 0;
            self.note_cursor = 0;
            self.capture = CaptureForm::default();
        }
        self.refresh(ctx);
    }

    /// Why step `n`, complete, no longer meets its criteria.
    pub fn no_longer_met(&self, n: StepNumber) -> Option<&[String]> {
        self.no_longer_met
            .iter()
            .find(|(m, _)| *m == n)
            .map(|(_, why)| why.as_slice())
    }

    /// The header line, dropping the least useful facts to fit `width`.
    /// The warnings' count is "! N" (the panel names them).
    pub fn header_text(&self, width: usize) -> String {
        let d = &self.deal;
        let passed = self.qa.iter().filter(|i| i.state.passed()).count();
        let open = self.escalations.len();
        // (priority, text): lower numbers are dropped last
        let mut parts: Vec<(u8, String)> = vec![(0, shown(&d.name)), (3, shown(&d.account))];
        if let Some(day) = self.shown_on {
            parts.push((0, format!("as it stood on {day}")));
        }
        parts.extend(d.amount.map(|m| (1, m.to_string())));
        parts.extend(d.close_date.map(|c| (2, format!("close {c}"))));
        parts.push((4, shown(&d.stage)));
        parts.push((0, format!("{}/10 steps", d.steps_complete())));
        // a closed deal says so before anything else is dropped
        match d.content.outcome.as_ref().map(|o| o.kind.key()) {
            Some(kind) => parts.push((0, format!("{} · {kind}", self.forecast.label()))),
            None => parts.push((2, self.forecast.label().to_string())),
        }
        if self.stalled.is_some() {
            parts.push((1, format!("{} stalled", keymap::STALLED.symbol)));
        }
        if let Some(snooze) = pipeline::snooze_in_force(d, self.now) {
            let snoozed = format!("{} snoozed until {}", keymap::SNOOZED.symbol, snooze.until);
            parts.push((1, snoozed));
        }
        parts.push((1, format!("QA {passed}/{}", self.qa.len())));
        if !self.warnings.is_empty() {
            // short, beside the panel that names them: "! 2"
            parts.push((1, format!("{WARNED}{}", self.warnings.len())));
        }
        if open > 0 {
            parts.push((
                0,
                format!("⚠ {open} escalation{}", if open == 1 { "" } else { "s" }),
            ));
        }
        let join = |parts: &[(u8, String)]| {
            parts
                .iter()
                .map(|(_, t)| t.as_str())
                .collect::<Vec<_>>()
                .join(" · ")
        };
        let fits = |parts: &[(u8, String)]| {
            unicode_width::UnicodeWidthStr::width(join(parts).as_str()) <= width
        };
        for drop_from in (1..=4).rev() {
            if fits(&parts) {
                return join(&parts);
            }
            // the warnings' count goes first of the facts kept longest
            if drop_from == 1 {
                parts.retain(|(p, t)| !(*p == 1 && t.starts_with(WARNED)));
                if fits(&parts) {
                    return join(&parts);
                }
            }
            parts.retain(|(p, _)| *p < drop_from);
        }
        truncate(&join(&parts), width)
    }

    /// The deal as a use case wrote it, or its refusal in words (the deal
    /// read again); `None` when it was saved.
    pub fn written(&mut self, result: Result<Deal, StoreError>, ctx: &Ctx) -> Option<Status> {
        match result {
            Ok(deal) => {
                self.deal = deal;
                self.refresh(ctx);
                None
            }
            Err(e) => {
                self.reload(ctx);
                Some(Status::error(refusal(&e, false, "")))
            }
        }
    }

    /// Apply a change to the selected step, refusing if the deal moved on.
    pub fn change(&mut self, change: StepChange, ctx: &mut Ctx) -> Option<Status> {
        let n = self.selected;
        let result = ops::change_step(
            &mut ctx.session,
            self.deal.id,
            Some(self.deal.version),
            n,
            &change,
        );
        match result {
            Ok((deal, outcome)) => {
                self.deal = deal;
                self.refresh(ctx);
                let next = self.deal.current_step().filter(|m| *m > n);
                let done = match (&change, next) {
                    (StepChange::Complete, Some(next)) => {
                        self.select(next, ctx);
                        let title = &ctx.session.playbook.step(next).title;
                        Some(format!("Step {n} complete. Next: step {next}, {title}"))
                    }
                    (StepChange::Complete, None) => Some(format!("Step {n} complete")),
                    (StepChange::Start, _) => Some(format!("Step {n} started")),
                    (StepChange::Block { .. }, _) => Some(format!("Step {n} blocked")),
                    (StepChange::Unblock, _) => Some(format!("Step {n} unblocked")),
                    (StepChange::Reopen, _) => Some(format!("Step {n} reopened")),
                    (
                        StepChange::SetAction { .. }
                        | StepChange::SetNote { .. }
                        | StepChange::Confirm { .. },
                        _,
                    ) => None,
                };
                match outcome.warnings.into_iter().next() {
                    Some(warning) => Some(Status::warn(warning)),
                    None => done.map(Status::info),
                }
            }
            Err(e) => {
                if matches!(e, StoreError::Conflict { .. }) {
                    self.reload(ctx);
                }
                Some(Status::error(refusal(&e, false, "")))
            }
        }
    }

    pub fn note_draft(&self, kind: NoteKind) -> DraftOf {
        DraftOf::Note {
            deal: self.deal.id,
            step: self.selected,
            kind,
        }
    }

    pub fn row_draft(&self, editor: &RecordEditor) -> DraftOf {
        DraftOf::Row {
            deal: self.deal.id,
            step: editor.step,
            form: editor.section.noun(),
            row: editor.row,
        }
    }

    /// The draft kept for what is being opened, if any, with a word on it.
    pub fn offer_draft(&self, of: &DraftOf, ctx: &Ctx) -> Option<(String, Status)> {
        let draft = ops::draft(&ctx.session, of).ok().flatten()?;
        let at = draft
            .saved_at
            .with_timezone(&self.offset)
            .format("%Y-%m-%d %H:%M");
        Some((
            draft.body,
            Status::warn(format!(
                "Your unsaved text from {at} is back: Esc saves it, Ctrl-D drops it"
            )),
        ))
    }
}

/// A refusal in words for the status line; `kept` when the typed `what`
/// was kept as a draft.
pub fn refusal(e: &StoreError, kept: bool, what: &str) -> String {
    let base = match e {
        StoreError::Conflict { .. } => CHANGED_ELSEWHERE.to_string(),
        other => capitalise(&other.to_string()),
    };
    if kept {
        format!(
            "{base}. Your {what} is kept (also as a draft): fix it and save again, or Ctrl-D drops it"
        )
    } else {
        base
    }
}

// What the deal screen reads from the store itself rather than through
// ops: the deal, a competitor's battle card and the deal's history.

fn stored_deal(ctx: &Ctx, id: DealId) -> Result<Deal, StoreError> {
    match ctx.session.on {
        // under `--on`: the deal as it stood at the end of that day
        Some(day) => ops::past::deal_on(&ctx.session, id, day).map(|(deal, _)| deal),
        None => ops::views::deal(&ctx.session, id),
    }
}

/// The battle card kept for `competitor`, if any.
pub fn stored_battle_card(ctx: &Ctx, competitor: &str) -> Option<BattleCard> {
    ops::views::battle_card(&ctx.session, competitor)
        .ok()
        .flatten()
}

/// The deal's MEDDPICC total over time, oldest first, up to the day it is
/// shown as it stood (none when its history cannot be read).
fn stored_trend(ctx: &Ctx, id: DealId) -> Vec<TrendPoint> {
    let mut trend = ops::past::trend(&ctx.session, id).unwrap_or_default();
    if let Some(day) = ctx.session.on {
        // up to the day the deal is shown as it stood
        let end = ops::past::end_of(&ctx.session, day);
        trend.retain(|p| p.at <= end);
    }
    trend
}

/// Every change to the deal, oldest first.
pub fn stored_history(ctx: &Ctx, id: DealId) -> Result<Vec<AuditEntry>, StoreError> {
    ops::views::history(&ctx.session, id)
}

/// How the header starts the warnings' count.
const WARNED: &str = "! ";
