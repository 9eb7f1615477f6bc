//! The deal screen: the ten steps, the selected step's form, criteria,
//! actions and notes, and beside them the live QA checklist and escalation
//! matrix.

use crate::domain::audit::AuditEntry;
use crate::domain::content::{Choice, Element, Framework};
use crate::domain::criteria::{self, Check};
use crate::domain::deal::{Deal, DealId};
use crate::domain::escalation::{self, Escalation};
use crate::domain::playbook::{ACTION_COUNT, STEP_COUNT};
use crate::domain::qa::{self, QaItem};
use crate::domain::review::{Reviewer, review};
use crate::domain::step::{NoteKind, Step, StepChange, StepStatus};
use crate::store::StoreError;
use crate::text::shown;
use crate::tui::action::Action;
use crate::tui::app::{Ctx, Status};
use crate::tui::keymap::Layer;
use crate::tui::screens::capture::{CaptureForm, EditorOutcome, RecordEditor, Section, Today};
use crate::tui::theme::Theme;
use crate::tui::widgets::truncate;
use chrono::{DateTime, FixedOffset, Utc};
use ratatui::style::Style;
use ratatui_textarea::TextArea;
use tui_input::Input;

/// From this width the QA and escalation panels sit beside the step.
pub const WIDE: u16 = 120;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Steps,
    /// The step's form: what it captures.
    Capture,
    Actions,
    Notes,
}

impl Focus {
    fn next(self) -> Focus {
        match self {
            Focus::Steps => Focus::Capture,
            Focus::Capture => Focus::Actions,
            Focus::Actions => Focus::Notes,
            Focus::Notes => Focus::Steps,
        }
    }
    fn prev(self) -> Focus {
        self.next().next().next()
    }
}

/// What the multi-line editor is editing.
#[derive(Debug, Clone, PartialEq, Eq)]
enum NoteTarget {
    Step(NoteKind),
    /// A competitor's battle card, kept across deals.
    BattleCard(String),
}

struct NoteEditor {
    target: NoteTarget,
    area: TextArea<'static>,
}

/// What a one-line prompt asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ask {
    BlockReason,
    Approve,
    SendBack,
}

struct Prompt {
    ask: Ask,
    input: Input,
}

pub struct DealScreen {
    deal: Deal,
    qa: Vec<QaItem>,
    escalations: Vec<Escalation>,
    now: DateTime<Utc>,
    /// The user's UTC offset, for showing times.
    offset: FixedOffset,
    selected: u8,
    focus: Focus,
    action_cursor: usize,
    note_cursor: usize,
    editor: Option<NoteEditor>,
    prompt: Option<Prompt>,
    /// The step form's selected row.
    capture: CaptureForm,
    /// The record being edited, or kept as a draft while it does not validate.
    record: Option<RecordEditor>,
    /// The selected step's completion criteria.
    checks: Vec<Check>,
    /// The battle card of the competitor selected in step 5.
    battle_card: Option<String>,
    /// Below 120 columns: the panels replace the step detail.
    show_panels: bool,
    /// The audit trail, when shown.
    history: Option<HistoryView>,
}

struct HistoryView {
    entries: Vec<AuditEntry>,
    scroll: u16,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DealOutcome {
    Stay,
    Back,
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

impl DealScreen {
    pub fn open(id: DealId, ctx: &Ctx) -> Result<DealScreen, StoreError> {
        let deal = ctx.store.deal(id)?;
        let selected = deal.current_step().unwrap_or(STEP_COUNT as u8);
        let mut screen = DealScreen {
            deal,
            qa: Vec::new(),
            escalations: Vec::new(),
            now: ctx.clock.now(),
            offset: ctx.clock.offset(),
            selected,
            focus: Focus::Steps,
            action_cursor: 0,
            note_cursor: 0,
            editor: None,
            prompt: None,
            capture: CaptureForm::default(),
            record: None,
            checks: Vec::new(),
            battle_card: None,
            show_panels: false,
            history: None,
        };
        screen.refresh(ctx);
        Ok(screen)
    }

    pub fn deal(&self) -> &Deal {
        &self.deal
    }

    pub fn selected(&self) -> u8 {
        self.selected
    }

    pub fn focus(&self) -> Focus {
        self.focus
    }

    /// Recompute what depends on the data and the clock.
    fn refresh(&mut self, ctx: &Ctx) {
        self.now = ctx.clock.now();
        self.offset = ctx.clock.offset();
        self.qa = qa::checklist(&self.deal, &ctx.playbook, self.now);
        self.escalations = escalation::open(&self.deal, &ctx.playbook, self.now);
        self.checks = criteria::step_checks(self.selected, &self.deal, &ctx.playbook);
        let rows = self.section().rows(&self.deal, self.selected).len();
        self.capture.row = self.capture.row.min(rows.saturating_sub(1));
        self.battle_card = None;
        if self.selected == 5
            && let Some(c) = self.deal.content.competitors.get(self.capture.row)
        {
            self.battle_card = ctx.store.battle_card(&c.name).ok().flatten();
        }
    }

    fn section(&self) -> Section {
        Section::for_step(self.selected)
    }

    fn step(&self) -> &Step {
        self.deal
            .step(self.selected)
            .expect("a deal has its ten steps")
    }

    pub fn typing_layer(&self) -> Option<Layer> {
        if self.history.is_some() {
            Some(Layer::History)
        } else if self.record.is_some() {
            Some(Layer::Record)
        } else if self.editor.is_some() {
            Some(Layer::Editor)
        } else if self.prompt.is_some() {
            Some(Layer::Prompt)
        } else {
            None
        }
    }

    /// The header line, dropping the least useful facts to fit `width`.
    pub fn header_text(&self, width: usize) -> String {
        let d = &self.deal;
        let passed = self.qa.iter().filter(|i| i.state.passed()).count();
        let open = self.escalations.len();
        // (priority, text): lower numbers are dropped last
        let mut parts: Vec<(u8, String)> = vec![(0, shown(&d.name)), (3, shown(&d.account))];
        parts.extend(d.amount.map(|m| (1, m.to_string())));
        parts.extend(d.close_date.map(|c| (2, format!("close {c}"))));
        parts.push((4, shown(&d.stage)));
        parts.push((0, format!("{}/10 steps", d.steps_complete())));
        parts.push((1, format!("QA {passed}/{}", self.qa.len())));
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
        for drop_from in (1..=4).rev() {
            let text = join(&parts);
            if unicode_width::UnicodeWidthStr::width(text.as_str()) <= width {
                return text;
            }
            parts.retain(|(p, _)| *p < drop_from);
        }
        truncate(&join(&parts), width)
    }

    pub fn update(&mut self, action: Action, ctx: &mut Ctx) -> (DealOutcome, Option<Status>) {
        if let Some(history) = &mut self.history {
            match action {
                Action::Down => history.scroll = history.scroll.saturating_add(1),
                Action::Up => history.scroll = history.scroll.saturating_sub(1),
                Action::Back => self.history = None,
                _ => {}
            }
            return (DealOutcome::Stay, None);
        }
        if self.record.is_some() {
            return (DealOutcome::Stay, self.update_record(action, ctx));
        }
        if self.editor.is_some() {
            return (DealOutcome::Stay, self.update_editor(action, ctx));
        }
        if self.prompt.is_some() {
            return (DealOutcome::Stay, self.update_prompt(action, ctx));
        }
        let status = match action {
            Action::Back => return (DealOutcome::Back, None),
            Action::Down | Action::Up => {
                let down = action == Action::Down;
                match self.focus {
                    Focus::Steps => {
                        let n = if down {
                            self.selected + 1
                        } else {
                            self.selected.saturating_sub(1)
                        };
                        self.select(n.clamp(1, STEP_COUNT as u8));
                    }
                    Focus::Capture => {
                        let rows = self.section().rows(&self.deal, self.selected).len();
                        self.capture.move_by(down, rows);
                    }
                    Focus::Actions => {
                        self.action_cursor = step_cursor(self.action_cursor, down, ACTION_COUNT)
                    }
                    Focus::Notes => {
                        self.note_cursor = step_cursor(self.note_cursor, down, NoteKind::ALL.len())
                    }
                }
                self.refresh(ctx);
                None
            }
            Action::SelectStep(n) => {
                self.select(n);
                self.focus = Focus::Steps;
                self.refresh(ctx);
                None
            }
            Action::FocusNext => {
                self.focus = self.focus.next();
                None
            }
            Action::FocusPrev => {
                self.focus = self.focus.prev();
                None
            }
            Action::Open => match self.focus {
                Focus::Steps => {
                    self.focus = Focus::Capture;
                    None
                }
                Focus::Capture => self.open_record(self.section(), Some(self.capture.row)),
                Focus::Actions => self.toggle_action(ctx),
                Focus::Notes => self.open_editor(),
            },
            Action::ToggleAction if self.focus == Focus::Actions => self.toggle_action(ctx),
            Action::ToggleAction => {
                self.focus = Focus::Actions;
                Some(Status::info("Actions: j/k to move, Space to tick"))
            }
            Action::EditNote if self.focus == Focus::Notes => self.open_editor(),
            Action::EditNote if self.focus == Focus::Actions => {
                self.focus = Focus::Notes;
                self.open_editor()
            }
            Action::EditNote => {
                self.focus = Focus::Capture;
                self.open_record(self.section(), Some(self.capture.row))
            }
            Action::AddRow => {
                self.focus = Focus::Capture;
                if self.section().can_add() {
                    self.open_record(self.section(), None)
                } else {
                    Some(Status::info(format!(
                        "Step {}'s form has fixed rows: Enter edits them",
                        self.selected
                    )))
                }
            }
            Action::DeleteRow => self.delete_row(ctx),
            Action::ConfirmWith => self.open_record(Section::Confirmation, Some(0)),
            Action::ToggleFramework if self.selected == 1 => {
                let next = match self.deal.content.meddpicc.framework {
                    Framework::Meddpicc => Framework::Meddicc,
                    Framework::Meddicc => Framework::Meddpicc,
                };
                self.edit_deal(ctx, |d| {
                    d.content.meddpicc.framework = next;
                    if next == Framework::Meddicc {
                        d.content.meddpicc.elements.remove(&Element::PaperProcess);
                    }
                })
                .or_else(|| Some(Status::info(format!("Scorecard: {}", next.label()))))
            }
            Action::Approve | Action::SendBack if self.selected == 4 => {
                let ask = if action == Action::Approve {
                    Ask::Approve
                } else {
                    Ask::SendBack
                };
                self.prompt = Some(Prompt {
                    ask,
                    input: Input::default(),
                });
                None
            }
            Action::EditBattleCard if self.selected == 5 => {
                match self.deal.content.competitors.get(self.capture.row) {
                    Some(c) => {
                        let target = NoteTarget::BattleCard(c.name.clone());
                        let notes = self.battle_card.clone().unwrap_or_default();
                        self.open_text(target, &notes);
                        None
                    }
                    None => Some(Status::info(
                        "Add a competitor first (a); then B edits its battle card",
                    )),
                }
            }
            Action::RaiseEscalation => self.open_record(Section::Escalate, Some(0)),
            Action::AcknowledgeEscalation | Action::ResolveEscalation => {
                let resolve = action == Action::ResolveEscalation;
                let section = if resolve {
                    Section::Resolve
                } else {
                    Section::Acknowledge
                };
                let first = self.escalations.iter().find(|e| {
                    resolve || e.status == crate::domain::escalation::EscalationStatus::Open
                });
                match first {
                    Some(e) => {
                        let prefill = vec![e.id.to_string(), String::new()];
                        let editor = RecordEditor::with_values(
                            section,
                            self.selected,
                            Some(0),
                            &self.deal,
                            Some(prefill),
                        );
                        self.record = Some(editor.focus_field(1));
                        None
                    }
                    None => Some(Status::info("No open escalation to act on")),
                }
            }
            Action::RecordReview => {
                let by = if self.deal.manager.trim().is_empty() {
                    ctx.store.actor().to_string()
                } else {
                    self.deal.manager.clone()
                };
                let prefill = vec!["manager".into(), "approve".into(), by, String::new()];
                self.record = Some(RecordEditor::with_values(
                    Section::Review,
                    self.selected,
                    Some(0),
                    &self.deal,
                    Some(prefill),
                ));
                None
            }
            Action::EditHandoff => self.open_record(Section::Handoff, Some(0)),
            Action::ShowHistory => match ctx.store.history(self.deal.id) {
                Ok(entries) => {
                    self.history = Some(HistoryView { entries, scroll: 0 });
                    None
                }
                Err(e) => Some(Status::error(e.to_string())),
            },
            Action::ToggleFramework => Some(Status::info("m switches the scorecard on step 1")),
            Action::Approve | Action::SendBack => {
                Some(Status::info("The SA signs off the plan on step 4"))
            }
            Action::EditBattleCard => Some(Status::info("Battle cards are on step 5")),
            Action::StartStep => self.change(StepChange::Start, ctx),
            Action::CompleteStep => self.change(StepChange::Complete, ctx),
            Action::UnblockStep => self.change(StepChange::Unblock, ctx),
            Action::ReopenStep => self.change(StepChange::Reopen, ctx),
            Action::BlockStep => {
                if self.step().is_complete() {
                    Some(Status::error(format!(
                        "Step {} is complete; reopen it (r) before blocking it",
                        self.selected
                    )))
                } else {
                    let reason = self.step().blocked_reason.clone().unwrap_or_default();
                    self.prompt = Some(Prompt {
                        ask: Ask::BlockReason,
                        input: Input::new(reason),
                    });
                    None
                }
            }
            Action::TogglePanels => {
                self.show_panels = !self.show_panels;
                None
            }
            _ => None,
        };
        (DealOutcome::Stay, status)
    }

    fn select(&mut self, n: u8) {
        if n != self.selected {
            self.selected = n;
            self.action_cursor = 0;
            self.capture = CaptureForm::default();
        }
    }

    fn toggle_action(&mut self, ctx: &mut Ctx) -> Option<Status> {
        let index = self.action_cursor;
        let done = !self.step().actions[index];
        self.change(StepChange::SetAction { index, done }, ctx)
    }

    fn open_editor(&mut self) -> Option<Status> {
        let kind = NoteKind::ALL[self.note_cursor];
        let text = self.step().notes.get(kind).to_string();
        self.open_text(NoteTarget::Step(kind), &text);
        None
    }

    fn open_text(&mut self, target: NoteTarget, text: &str) {
        let mut area = TextArea::new(text.split('\n').map(str::to_string).collect());
        area.set_cursor_line_style(Style::new());
        area.move_cursor(ratatui_textarea::CursorMove::Bottom);
        area.move_cursor(ratatui_textarea::CursorMove::End);
        self.editor = Some(NoteEditor { target, area });
    }

    /// Edit row `row` of `section` (a new row when `None`).
    fn open_record(&mut self, section: Section, row: Option<usize>) -> Option<Status> {
        let rows = section.rows(&self.deal, self.selected).len();
        let row = if section.is_record() {
            Some(0)
        } else {
            row.filter(|r| *r < rows)
        };
        if row.is_none() && !section.can_add() {
            return None;
        }
        self.record = Some(RecordEditor::new(section, self.selected, row, &self.deal));
        None
    }

    fn update_record(&mut self, action: Action, ctx: &mut Ctx) -> Option<Status> {
        let editor = self.record.as_mut()?;
        let outcome = editor.update(action, &Today::of(ctx));
        if let Some(name) = editor.competitor_name() {
            let card = ctx.store.battle_card(name).ok().flatten();
            editor.set_battle_card(card);
        }
        match outcome {
            EditorOutcome::Stay(status) => status,
            EditorOutcome::Leave { save: false } => {
                self.record = None;
                Some(Status::info("Edit dropped"))
            }
            EditorOutcome::Leave { save: true } => {
                let editor = self.record.as_ref()?;
                let (noun, added) = (editor.section.noun(), editor.row.is_none());
                match CaptureForm::save(&self.deal, editor, ctx) {
                    Ok(deal) => {
                        self.deal = deal;
                        self.record = None;
                        if added {
                            self.capture.row = self
                                .section()
                                .rows(&self.deal, self.selected)
                                .len()
                                .saturating_sub(1);
                        }
                        self.refresh(ctx);
                        Some(Status::info(format!("{} saved", capitalise(noun))))
                    }
                    Err(status) => {
                        self.reload(ctx);
                        Some(status)
                    }
                }
            }
        }
    }

    fn delete_row(&mut self, ctx: &mut Ctx) -> Option<Status> {
        let section = self.section();
        if !section.can_add() || self.focus != Focus::Capture {
            return Some(Status::info(
                "D deletes the selected row of a step's list (Tab to it first)",
            ));
        }
        if self.capture.row >= section.rows(&self.deal, self.selected).len() {
            return None;
        }
        let row = self.capture.row;
        self.edit_deal(ctx, |d| section.delete(d, row)).or_else(|| {
            Some(Status::info(format!(
                "{} deleted",
                capitalise(section.noun())
            )))
        })
    }

    /// One change to the deal, written at once; `None` when it was saved.
    fn edit_deal(&mut self, ctx: &mut Ctx, change: impl FnOnce(&mut Deal)) -> Option<Status> {
        let result = ctx.store.update_deal(
            self.deal.id,
            Some(self.deal.version),
            ctx.clock.now(),
            |d| {
                change(d);
                Ok(())
            },
        );
        match result {
            Ok((deal, ())) => {
                self.deal = deal;
                self.refresh(ctx);
                None
            }
            Err(StoreError::Conflict { .. }) => {
                self.reload(ctx);
                Some(Status::error(
                    "This deal was changed elsewhere and has been reloaded; try again",
                ))
            }
            Err(e) => Some(Status::error(e.to_string())),
        }
    }

    /// Apply a change to the selected step, refusing if the deal moved on.
    fn change(&mut self, change: StepChange, ctx: &mut Ctx) -> Option<Status> {
        let n = self.selected;
        let result = ctx.store.change_step(
            self.deal.id,
            Some(self.deal.version),
            n,
            &change,
            &ctx.playbook,
            ctx.clock.now(),
        );
        match result {
            Ok((deal, outcome)) => {
                self.deal = deal;
                self.refresh(ctx);
                let next = self.deal.current_step().filter(|m| *m > n);
                let done = match (&change, next) {
                    (StepChange::Complete, Some(next)) => {
                        self.select(next);
                        let title = &ctx.playbook.step(next).title;
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
            Err(StoreError::Conflict { .. }) => {
                self.reload(ctx);
                Some(Status::error(
                    "This deal was changed elsewhere and has been reloaded; try again",
                ))
            }
            Err(e) => Some(Status::error(e.to_string())),
        }
    }

    fn reload(&mut self, ctx: &Ctx) {
        if let Ok(deal) = ctx.store.deal(self.deal.id) {
            self.deal = deal;
        }
        self.refresh(ctx);
    }

    fn update_editor(&mut self, action: Action, ctx: &mut Ctx) -> Option<Status> {
        match action {
            Action::Type(key) => {
                if let Some(editor) = &mut self.editor
                    && !crate::tui::widgets::note_full(&editor.area, key)
                {
                    editor.area.input(key);
                }
                None
            }
            Action::Save => self.save_note(ctx, false).err(),
            Action::Confirm => match self.save_note(ctx, false) {
                Ok(status) => {
                    self.editor = None;
                    status
                }
                Err(status) => Some(status),
            },
            _ => None,
        }
    }

    /// Commit the text being edited. `force` skips the version check (used
    /// on quit, so that what was typed is never thrown away).
    fn save_note(&mut self, ctx: &mut Ctx, force: bool) -> Result<Option<Status>, Status> {
        let Some(editor) = &self.editor else {
            return Ok(None);
        };
        let text = editor.area.lines().join("\n");
        let kind = match &editor.target {
            NoteTarget::Step(kind) => *kind,
            NoteTarget::BattleCard(name) => {
                let name = name.clone();
                ctx.store
                    .set_battle_card(&name, &text, ctx.clock.now())
                    .map_err(|e| Status::error(e.to_string()))?;
                self.refresh(ctx);
                return Ok(Some(Status::info(format!(
                    "Battle card for {} saved",
                    shown(&name)
                ))));
            }
        };
        if text == self.step().notes.get(kind) {
            return Ok(None);
        }
        let version = (!force).then_some(self.deal.version);
        let change = StepChange::SetNote { kind, text };
        match ctx.store.change_step(
            self.deal.id,
            version,
            self.selected,
            &change,
            &ctx.playbook,
            ctx.clock.now(),
        ) {
            Ok((deal, _)) => {
                self.deal = deal;
                self.refresh(ctx);
                Ok(Some(Status::info(format!("{} saved", kind.label()))))
            }
            Err(StoreError::Conflict { .. }) => {
                self.reload(ctx);
                Err(Status::error(
                    "The deal was changed elsewhere and reloaded; your text is kept: Esc saves it over the other change",
                ))
            }
            Err(e) => Err(Status::error(e.to_string())),
        }
    }

    /// Ctrl-C while typing: save what was typed first.
    pub fn save_before_quit(&mut self, ctx: &mut Ctx) {
        let _ = self.save_note(ctx, true);
        if let Some(editor) = &self.record {
            let _ = CaptureForm::save(&self.deal, editor, ctx);
        }
    }

    fn update_prompt(&mut self, action: Action, ctx: &mut Ctx) -> Option<Status> {
        let prompt = self.prompt.as_mut()?;
        match action {
            Action::Type(key) => {
                crate::tui::widgets::type_into(&mut prompt.input, key, crate::text::MAX_LONG);
                None
            }
            Action::Cancel => {
                self.prompt = None;
                None
            }
            Action::Confirm => {
                let text = prompt.input.value().trim().to_string();
                let ask = prompt.ask;
                if text.is_empty() && ask != Ask::Approve {
                    return Some(Status::error(match ask {
                        Ask::BlockReason => "Say what the step is waiting on (or Esc to cancel)",
                        _ => "Say what the plan needs (or Esc to cancel)",
                    }));
                }
                self.prompt = None;
                match ask {
                    Ask::BlockReason => self.change(StepChange::Block { reason: text }, ctx),
                    Ask::Approve | Ask::SendBack => self.sign_off(ask == Ask::Approve, text, ctx),
                }
            }
            _ => None,
        }
    }

    /// The SA's decision on the validation plan (step 4).
    fn sign_off(&mut self, approved: bool, comment: String, ctx: &mut Ctx) -> Option<Status> {
        let plan_sa = &self.deal.content.validation_plan.sa;
        let by = if plan_sa.trim().is_empty() {
            self.deal.sa.clone()
        } else {
            plan_sa.clone()
        };
        if by.trim().is_empty() {
            return Some(Status::error(
                "No SA is assigned: set the deal's SA on step 10 first",
            ));
        }
        let now = ctx.clock.now();
        let mut said = None;
        let result = ctx
            .store
            .update_deal(self.deal.id, Some(self.deal.version), now, |d| {
                said = review(d, Reviewer::Sa, approved, &by, &comment, now)
                    .map_err(StoreError::Rule)?;
                Ok(())
            });
        match result {
            Ok((deal, ())) => {
                self.deal = deal;
                self.refresh(ctx);
                let verdict = if approved {
                    "Plan approved"
                } else {
                    "Plan sent back"
                };
                Some(Status::info(said.map_or(verdict.to_string(), |more| {
                    format!("{verdict}; {more}")
                })))
            }
            Err(e) => {
                self.reload(ctx);
                Some(Status::error(e.to_string()))
            }
        }
    }

    /// The minute turned: timers move; a change made elsewhere is picked up
    /// unless something is being typed.
    pub fn tick(&mut self, ctx: &Ctx) -> Option<Status> {
        if self.typing_layer().is_none()
            && let Ok(fresh) = ctx.store.deal(self.deal.id)
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
}

fn step_cursor(at: usize, down: bool, len: usize) -> usize {
    if down {
        (at + 1).min(len - 1)
    } else {
        at.saturating_sub(1)
    }
}

pub fn status_style(status: StepStatus, theme: &Theme) -> Style {
    match status {
        StepStatus::NotStarted => theme.dim,
        StepStatus::InProgress => theme.warn,
        StepStatus::Blocked => theme.fail,
        StepStatus::Complete => theme.pass,
    }
}

mod render;
