//! The deal screen: the ten steps, the selected step's form, criteria,
//! actions and notes, and beside them the live QA checklist and escalation
//! matrix.

use crate::domain::audit::AuditEntry;
use crate::domain::content::{Choice, Element, Framework};
use crate::domain::criteria::{self, Check};
use crate::domain::deal::{Deal, DealId};
use crate::domain::escalation::{self, Escalation};
use crate::domain::pipeline::{self, ForecastCategory};
use crate::domain::playbook::{ACTION_COUNT, STEP_COUNT};
use crate::domain::qa::{self, QaItem};
use crate::domain::review::{self, Reviewer};
use crate::domain::step::{NoteKind, Step, StepChange, StepStatus};
use crate::ops::{self, DraftOf};
use crate::store::{BattleCard, StoreError};
use crate::text::shown;
use crate::tui::action::Action;
use crate::tui::keymap::Layer;
use crate::tui::screens::capture::{CaptureForm, EditorOutcome, RecordEditor, Section, Today};
use crate::tui::shared::{Ctx, Status};
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
    /// A competitor's battle card, kept across deals, and the version read.
    BattleCard {
        name: String,
        version: i64,
    },
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

/// What a yes/no question would do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Confirming {
    /// Reopen the selected step although later steps are complete.
    Reopen,
    /// Delete row `n` of the selected step's form.
    DeleteRow(usize),
}

struct Question {
    what: Confirming,
    text: String,
}

/// The deal screen's exclusive modes: at most one is open, and it takes the
/// keys first.
enum Modal {
    History(HistoryView),
    Record(RecordEditor),
    Note(Box<NoteEditor>),
    Prompt(Prompt),
    Confirm(Question),
}

impl Modal {
    fn layer(&self) -> Layer {
        match self {
            Modal::History(_) => Layer::History,
            Modal::Record(_) => Layer::Record,
            Modal::Note(_) => Layer::Editor,
            Modal::Prompt(_) => Layer::Prompt,
            Modal::Confirm(_) => Layer::Confirm,
        }
    }
}

pub struct DealScreen {
    deal: Deal,
    qa: Vec<QaItem>,
    escalations: Vec<Escalation>,
    /// Complete steps whose criteria a later edit took away.
    no_longer_met: Vec<(u8, Vec<String>)>,
    /// The deal's forecast category, and why it is stalled if it is.
    forecast: ForecastCategory,
    stalled: Option<String>,
    now: DateTime<Utc>,
    /// The user's UTC offset, for showing times.
    offset: FixedOffset,
    selected: u8,
    focus: Focus,
    action_cursor: usize,
    note_cursor: usize,
    /// The step form's selected row.
    capture: CaptureForm,
    /// The selected step's completion criteria.
    checks: Vec<Check>,
    /// The battle card of the competitor selected in step 5.
    battle_card: Option<BattleCard>,
    /// Below 120 columns: the panels replace the step detail.
    show_panels: bool,
    modal: Option<Modal>,
}

struct HistoryView {
    entries: Vec<AuditEntry>,
    scroll: u16,
    /// How many rows the last drawing had room for, and how many the
    /// entries took, so that the end is scrolled to the last entry and no
    /// further.
    page: std::cell::Cell<u16>,
    rows: std::cell::Cell<u16>,
}

impl HistoryView {
    /// The first row shown when the last entry is at the bottom.
    fn last_top(&self) -> u16 {
        let rows = u16::try_from(self.entries.len()).unwrap_or(u16::MAX);
        self.rows.get().max(rows).saturating_sub(self.page.get())
    }

    fn scroll(&mut self, action: Action) {
        let page = self.page.get().max(1);
        self.scroll = match action {
            Action::Down => self.scroll.saturating_add(1),
            Action::Up => self.scroll.saturating_sub(1),
            Action::PageDown => self.scroll.saturating_add(page),
            Action::PageUp => self.scroll.saturating_sub(page),
            Action::Top => 0,
            Action::Bottom => self.last_top(),
            _ => self.scroll,
        }
        .min(self.last_top());
    }
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
        let deal = ctx.session.store.deal(id)?;
        let selected = deal.current_step().unwrap_or(STEP_COUNT as u8);
        let mut screen = DealScreen {
            deal,
            qa: Vec::new(),
            escalations: Vec::new(),
            no_longer_met: Vec::new(),
            forecast: ForecastCategory::Pipeline,
            stalled: None,
            now: ctx.session.clock.now(),
            offset: ctx.session.clock.offset(),
            selected,
            focus: Focus::Steps,
            action_cursor: 0,
            note_cursor: 0,
            capture: CaptureForm::default(),
            checks: Vec::new(),
            battle_card: None,
            show_panels: false,
            modal: None,
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
        self.now = ctx.session.clock.now();
        self.offset = ctx.session.clock.offset();
        self.qa = qa::checklist(&self.deal, &ctx.session.playbook, self.now);
        self.escalations = escalation::open(&self.deal, &ctx.session.playbook, self.now);
        self.no_longer_met = criteria::no_longer_met(&self.deal, &ctx.session.playbook);
        self.forecast = pipeline::forecast_category(&self.deal, &ctx.session.playbook, self.now);
        self.stalled = pipeline::stalled(&self.deal, &ctx.session.playbook, self.now);
        self.checks = criteria::step_checks(self.selected, &self.deal, &ctx.session.playbook);
        let rows = self.section().rows(&self.deal, self.selected).len();
        self.capture.row = self.capture.row.min(rows.saturating_sub(1));
        self.battle_card = None;
        if self.selected == 5
            && let Some(c) = self.deal.content.competitors.get(self.capture.row)
        {
            self.battle_card = ctx.session.store.battle_card(&c.name).ok().flatten();
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

    /// The layer of the open modal, which takes the keys first.
    pub fn typing_layer(&self) -> Option<Layer> {
        self.modal.as_ref().map(Modal::layer)
    }

    /// Why step `n`, complete, no longer meets its criteria.
    pub fn no_longer_met(&self, n: u8) -> Option<&[String]> {
        self.no_longer_met
            .iter()
            .find(|(m, _)| *m == n)
            .map(|(_, why)| why.as_slice())
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
        // a closed deal says so before anything else is dropped
        match d.content.outcome.as_ref().map(|o| o.kind.key()) {
            Some(kind) => parts.push((0, format!("{} · {kind}", self.forecast.label()))),
            None => parts.push((2, self.forecast.label().to_string())),
        }
        if self.stalled.is_some() {
            parts.push((1, "⏸ stalled".into()));
        }
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
        let status = match &mut self.modal {
            Some(Modal::History(history)) => {
                match action {
                    Action::Back => self.modal = None,
                    other => history.scroll(other),
                }
                None
            }
            Some(Modal::Record(_)) => self.update_record(action, ctx),
            Some(Modal::Note(_)) => self.update_editor(action, ctx),
            Some(Modal::Prompt(_)) => self.update_prompt(action, ctx),
            Some(Modal::Confirm(_)) => self.update_question(action, ctx),
            None => return self.update_screen(action, ctx),
        };
        (DealOutcome::Stay, status)
    }

    fn update_screen(&mut self, action: Action, ctx: &mut Ctx) -> (DealOutcome, Option<Status>) {
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
                        self.select(n.clamp(1, STEP_COUNT as u8), ctx);
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
                self.select(n, ctx);
                self.focus = Focus::Steps;
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
                Focus::Capture => self.open_record(self.section(), Some(self.capture.row), ctx),
                Focus::Actions => self.toggle_action(ctx),
                Focus::Notes => self.open_editor(ctx),
            },
            Action::ToggleAction if self.focus == Focus::Actions => self.toggle_action(ctx),
            Action::ToggleAction => {
                self.focus = Focus::Actions;
                Some(Status::info("Actions: j/k to move, Space to tick"))
            }
            Action::EditNote if self.focus == Focus::Notes => self.open_editor(ctx),
            Action::EditNote if self.focus == Focus::Actions => {
                self.focus = Focus::Notes;
                self.open_editor(ctx)
            }
            Action::EditNote => {
                self.focus = Focus::Capture;
                self.open_record(self.section(), Some(self.capture.row), ctx)
            }
            Action::AddRow => {
                self.focus = Focus::Capture;
                if self.section().can_add() {
                    self.open_record(self.section(), None, ctx)
                } else {
                    Some(Status::info(format!(
                        "Step {}'s form has fixed rows: Enter edits them",
                        self.selected
                    )))
                }
            }
            Action::DeleteRow => self.ask_delete_row(),
            Action::ConfirmWith => self.open_record(Section::Confirmation, Some(0), ctx),
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
                match review::may_sign(&self.deal, Reviewer::Sa, &ctx.session.user) {
                    Ok(()) => {
                        self.modal = Some(Modal::Prompt(Prompt {
                            ask,
                            input: Input::default(),
                        }));
                        None
                    }
                    Err(e) => Some(Status::error(e.to_string())),
                }
            }
            Action::EditBattleCard if self.selected == 5 => {
                match self.deal.content.competitors.get(self.capture.row) {
                    Some(c) => {
                        let (notes, version) = self
                            .battle_card
                            .as_ref()
                            .map_or((String::new(), 0), |b| (b.notes.clone(), b.version));
                        let target = NoteTarget::BattleCard {
                            name: c.name.clone(),
                            version,
                        };
                        self.open_text(target, &notes, ctx)
                    }
                    None => Some(Status::info(
                        "Add a competitor first (a); then B edits its battle card",
                    )),
                }
            }
            Action::RaiseEscalation => self.open_record(Section::Escalate, Some(0), ctx),
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
                        // the id comes first and is filled in: Tab moves on to the note
                        let prefill = vec![e.id.to_string(), String::new()];
                        let editor = RecordEditor::with_values(
                            section,
                            self.selected,
                            Some(0),
                            &self.deal,
                            Some(prefill),
                        );
                        self.modal = Some(Modal::Record(editor));
                        None
                    }
                    None => Some(Status::info("No open escalation to act on")),
                }
            }
            Action::RecordReview => {
                // the review the acting user may sign: the SA's if they are
                // the deal's SA, else the manager's (refused on save if not)
                let user = &ctx.session.user;
                let role = if review::may_sign(&self.deal, Reviewer::Sa, user).is_ok() {
                    "sa"
                } else {
                    "manager"
                };
                let prefill = vec![role.into(), "approve".into(), String::new()];
                self.modal = Some(Modal::Record(RecordEditor::with_values(
                    Section::Review,
                    self.selected,
                    Some(0),
                    &self.deal,
                    Some(prefill),
                )));
                None
            }
            Action::EditHandoff => self.open_record(Section::Handoff, Some(0), ctx),
            Action::RecordOutcome => self.open_record(Section::Outcome, Some(0), ctx),
            Action::ShowHistory => match ctx.session.store.history(self.deal.id) {
                Ok(entries) => {
                    self.modal = Some(Modal::History(HistoryView {
                        entries,
                        scroll: 0,
                        page: Default::default(),
                        rows: Default::default(),
                    }));
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
            Action::ReopenStep => {
                let later = ops::complete_after(&self.deal, self.selected);
                if self.step().is_complete() && !later.is_empty() {
                    let steps: Vec<String> = later.iter().map(u8::to_string).collect();
                    self.modal = Some(Modal::Confirm(Question {
                        what: Confirming::Reopen,
                        text: format!(
                            "Reopen step {}? Steps {} stay complete; their order is kept. y reopens, n or Esc cancels",
                            self.selected,
                            steps.join(", ")
                        ),
                    }));
                    None
                } else {
                    self.change(StepChange::Reopen, ctx)
                }
            }
            Action::BlockStep => {
                if self.step().is_complete() {
                    Some(Status::error(format!(
                        "Step {} is complete; reopen it (r) before blocking it",
                        self.selected
                    )))
                } else {
                    let reason = self.step().blocked_reason.clone().unwrap_or_default();
                    self.modal = Some(Modal::Prompt(Prompt {
                        ask: Ask::BlockReason,
                        input: Input::new(reason),
                    }));
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

    /// Select step `n`: its form, actions and notes start from the top, and
    /// everything shown for it is recomputed.
    fn select(&mut self, n: u8, ctx: &Ctx) {
        if n != self.selected {
            self.selected = n;
            self.action_cursor = 0;
            self.note_cursor = 0;
            self.capture = CaptureForm::default();
        }
        self.refresh(ctx);
    }

    fn toggle_action(&mut self, ctx: &mut Ctx) -> Option<Status> {
        let index = self.action_cursor;
        let done = !self.step().actions[index];
        self.change(StepChange::SetAction { index, done }, ctx)
    }

    fn note_draft(&self, kind: NoteKind) -> DraftOf {
        DraftOf::Note {
            deal: self.deal.id,
            step: self.selected,
            kind,
        }
    }

    fn open_editor(&mut self, ctx: &Ctx) -> Option<Status> {
        let kind = NoteKind::ALL[self.note_cursor];
        let text = self.step().notes.get(kind).to_string();
        self.open_text(NoteTarget::Step(kind), &text, ctx)
    }

    /// The draft kept for what is being opened, if any, with a word on it.
    fn offer_draft(&self, of: &DraftOf, ctx: &Ctx) -> Option<(String, Status)> {
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

    fn open_text(&mut self, target: NoteTarget, text: &str, ctx: &Ctx) -> Option<Status> {
        let (text, status) = match self.offer_draft(&self.text_draft(&target), ctx) {
            Some((draft, status)) => (draft, Some(status)),
            None => (text.to_string(), None),
        };
        let mut area = TextArea::new(text.split('\n').map(str::to_string).collect());
        area.set_cursor_line_style(Style::new());
        area.set_wrap_mode(ratatui_textarea::WrapMode::WordOrGlyph);
        area.move_cursor(ratatui_textarea::CursorMove::Bottom);
        area.move_cursor(ratatui_textarea::CursorMove::End);
        self.modal = Some(Modal::Note(Box::new(NoteEditor { target, area })));
        status
    }

    fn text_draft(&self, target: &NoteTarget) -> DraftOf {
        match target {
            NoteTarget::Step(kind) => self.note_draft(*kind),
            NoteTarget::BattleCard { name, .. } => DraftOf::BattleCard(name.clone()),
        }
    }

    fn row_draft(&self, editor: &RecordEditor) -> DraftOf {
        DraftOf::Row {
            deal: self.deal.id,
            step: editor.step,
            form: editor.section.noun(),
            row: editor.row,
        }
    }

    /// Edit row `row` of `section` (a new row when `None`).
    fn open_record(&mut self, section: Section, row: Option<usize>, ctx: &Ctx) -> Option<Status> {
        let rows = section.rows(&self.deal, self.selected).len();
        let row = if section.is_record() {
            Some(0)
        } else {
            row.filter(|r| *r < rows)
        };
        if row.is_none() && !section.can_add() {
            return None;
        }
        let editor = RecordEditor::new(section, self.selected, row, &self.deal);
        let offered = self
            .offer_draft(&self.row_draft(&editor), ctx)
            .and_then(|(body, status)| {
                let values: Vec<String> = serde_json::from_str(&body).ok()?;
                (values.len() == section.fields().len()).then_some((values, status))
            });
        let (editor, status) = match offered {
            Some((values, status)) => (
                RecordEditor::with_values(section, self.selected, row, &self.deal, Some(values)),
                Some(status),
            ),
            None => (editor, None),
        };
        self.modal = Some(Modal::Record(editor));
        status
    }

    fn update_record(&mut self, action: Action, ctx: &mut Ctx) -> Option<Status> {
        let Some(Modal::Record(editor)) = &mut self.modal else {
            return None;
        };
        let outcome = editor.update(action, &Today::of(ctx));
        if let Some(name) = editor.competitor_name() {
            let card = ctx.session.store.battle_card(name).ok().flatten();
            editor.set_battle_card(card.map(|c| c.notes));
        }
        match outcome {
            EditorOutcome::Stay(status) => status,
            EditorOutcome::Leave { save: false } => {
                if let Some(Modal::Record(editor)) = self.modal.take() {
                    let _ = ops::drop_draft(&mut ctx.session, &self.row_draft(&editor));
                }
                Some(Status::info("Edit dropped"))
            }
            EditorOutcome::Leave { save: true } => match self.save_record(ctx) {
                Ok(status) => status,
                Err(status) => Some(status),
            },
        }
    }

    /// Save the open record editor and close it; on failure it stays open
    /// (the deal reloaded) and its text is kept as a draft.
    fn save_record(&mut self, ctx: &mut Ctx) -> Result<Option<Status>, Status> {
        let Some(Modal::Record(editor)) = &self.modal else {
            return Ok(None);
        };
        let (noun, added) = (editor.section.noun(), editor.row.is_none());
        let draft = self.row_draft(editor);
        match CaptureForm::save(&self.deal, editor, ctx) {
            Ok(deal) => {
                self.deal = deal;
                self.modal = None;
                let _ = ops::drop_draft(&mut ctx.session, &draft);
                if added {
                    self.capture.row = self
                        .section()
                        .rows(&self.deal, self.selected)
                        .len()
                        .saturating_sub(1);
                }
                self.refresh(ctx);
                Ok(Some(Status::info(format!("{} saved", capitalise(noun)))))
            }
            Err(e) => {
                let values = editor.values();
                let kept = ops::keep_draft(
                    &mut ctx.session,
                    &draft,
                    &serde_json::to_string(&values).unwrap_or_default(),
                );
                self.reload(ctx);
                Err(Status::error(refusal(&e, kept.is_ok(), "row")))
            }
        }
    }

    fn ask_delete_row(&mut self) -> Option<Status> {
        let section = self.section();
        if !section.can_add() || self.focus != Focus::Capture {
            return Some(Status::info(
                "D deletes the selected row of a step's list (Tab to it first)",
            ));
        }
        let rows = section.rows(&self.deal, self.selected);
        let row = rows.get(self.capture.row)?;
        let name = row.1.first().cloned().unwrap_or_default();
        self.modal = Some(Modal::Confirm(Question {
            what: Confirming::DeleteRow(self.capture.row),
            text: format!(
                "Delete the {} \"{}\"? y deletes, n or Esc keeps it",
                section.noun(),
                shown(&truncate(&name, 40))
            ),
        }));
        None
    }

    fn update_question(&mut self, action: Action, ctx: &mut Ctx) -> Option<Status> {
        let Some(Modal::Confirm(question)) = &self.modal else {
            return None;
        };
        let what = question.what;
        match action {
            Action::Confirm => {
                self.modal = None;
                match what {
                    Confirming::Reopen => self.change(StepChange::Reopen, ctx),
                    Confirming::DeleteRow(row) => self.delete_row(row, ctx),
                }
            }
            Action::Cancel => {
                self.modal = None;
                Some(Status::info("Nothing changed"))
            }
            _ => None,
        }
    }

    fn delete_row(&mut self, row: usize, ctx: &mut Ctx) -> Option<Status> {
        let section = self.section();
        self.edit_deal(ctx, |d| section.delete(d, row)).or_else(|| {
            Some(Status::info(format!(
                "{} deleted",
                capitalise(section.noun())
            )))
        })
    }

    /// One change to the deal, written at once; `None` when it was saved.
    fn edit_deal(&mut self, ctx: &mut Ctx, change: impl FnOnce(&mut Deal)) -> Option<Status> {
        let result = ops::edit_deal(
            &mut ctx.session,
            self.deal.id,
            Some(self.deal.version),
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
            Err(e) => {
                self.reload(ctx);
                Some(Status::error(refusal(&e, false, "")))
            }
        }
    }

    /// Apply a change to the selected step, refusing if the deal moved on.
    fn change(&mut self, change: StepChange, ctx: &mut Ctx) -> Option<Status> {
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

    fn reload(&mut self, ctx: &Ctx) {
        if let Ok(deal) = ctx.session.store.deal(self.deal.id) {
            self.deal = deal;
        }
        self.refresh(ctx);
    }

    fn update_editor(&mut self, action: Action, ctx: &mut Ctx) -> Option<Status> {
        match action {
            Action::Type(key) => {
                if let Some(Modal::Note(editor)) = &mut self.modal
                    && !crate::tui::widgets::note_full(&editor.area, key)
                {
                    editor.area.input(key);
                }
                None
            }
            Action::Save => self.save_note(ctx).err(),
            Action::Confirm => match self.save_note(ctx) {
                Ok(status) => {
                    self.modal = None;
                    status
                }
                Err(status) => Some(status),
            },
            Action::DropEdit => {
                if let Some(Modal::Note(editor)) = self.modal.take() {
                    let _ = ops::drop_draft(&mut ctx.session, &self.text_draft(&editor.target));
                }
                Some(Status::info("Edit dropped: the note is as it was"))
            }
            _ => None,
        }
    }

    /// Commit the text being edited, checking the version it was read at.
    /// When it cannot be saved, it is kept as a draft (offered back the next
    /// time this note is opened) and the editor stays open.
    fn save_note(&mut self, ctx: &mut Ctx) -> Result<Option<Status>, Status> {
        let Some(Modal::Note(editor)) = &self.modal else {
            return Ok(None);
        };
        let text = editor.area.lines().join("\n");
        let draft = self.text_draft(&editor.target);
        let Some(Modal::Note(editor)) = &mut self.modal else {
            return Ok(None);
        };
        let result = match &mut editor.target {
            NoteTarget::BattleCard { name, version } => {
                let name = name.clone();
                match ops::set_battle_card(&mut ctx.session, &name, &text, Some(*version)) {
                    Ok(new) => {
                        *version = new;
                        Ok(Some(Status::info(format!(
                            "Battle card for {} saved",
                            shown(&name)
                        ))))
                    }
                    Err(e) => Err(e),
                }
            }
            NoteTarget::Step(kind) => {
                let kind = *kind;
                if text == self.step().notes.get(kind) {
                    Ok(None)
                } else {
                    let change = StepChange::SetNote {
                        kind,
                        text: text.clone(),
                    };
                    ops::change_step(
                        &mut ctx.session,
                        self.deal.id,
                        Some(self.deal.version),
                        self.selected,
                        &change,
                    )
                    .map(|(deal, _)| {
                        self.deal = deal;
                        Some(Status::info(format!("{} saved", kind.label())))
                    })
                }
            }
        };
        match result {
            Ok(status) => {
                let _ = ops::drop_draft(&mut ctx.session, &draft);
                self.refresh(ctx);
                Ok(status)
            }
            Err(e) => {
                let kept = ops::keep_draft(&mut ctx.session, &draft, &text);
                self.reload(ctx);
                Err(Status::error(refusal(&e, kept.is_ok(), "text")))
            }
        }
    }

    /// Asked to quit (Ctrl-C, a signal): what is being typed is saved if it
    /// can be, else kept as a draft. `Err` when even the draft failed, so
    /// that the app stays open rather than lose it.
    pub fn save_before_quit(&mut self, ctx: &mut Ctx) -> Result<(), Status> {
        let kept = match &self.modal {
            Some(Modal::Note(editor)) => {
                let draft = self.text_draft(&editor.target);
                let text = editor.area.lines().join("\n");
                match self.save_note(ctx) {
                    Ok(_) => Ok(()),
                    Err(_) => ops::keep_draft(&mut ctx.session, &draft, &text),
                }
            }
            Some(Modal::Record(editor)) => {
                let draft = self.row_draft(editor);
                let values = serde_json::to_string(&editor.values()).unwrap_or_default();
                match self.save_record(ctx) {
                    Ok(_) => Ok(()),
                    Err(_) => ops::keep_draft(&mut ctx.session, &draft, &values),
                }
            }
            _ => Ok(()),
        };
        kept.map_err(|e| {
            Status::error(format!(
                "Your text could not be saved or kept ({e}); copy it before quitting, or Ctrl-C again to quit anyway"
            ))
        })
    }

    fn update_prompt(&mut self, action: Action, ctx: &mut Ctx) -> Option<Status> {
        let Some(Modal::Prompt(prompt)) = &mut self.modal else {
            return None;
        };
        match action {
            Action::Type(key) => {
                crate::tui::widgets::type_into(&mut prompt.input, key, crate::text::MAX_LONG);
                None
            }
            Action::Cancel => {
                self.modal = None;
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
                self.modal = None;
                match ask {
                    Ask::BlockReason => self.change(StepChange::Block { reason: text }, ctx),
                    Ask::Approve | Ask::SendBack => self.sign_off(ask == Ask::Approve, text, ctx),
                }
            }
            _ => None,
        }
    }

    /// The SA's decision on the validation plan (step 4), by the acting user.
    fn sign_off(&mut self, approved: bool, comment: String, ctx: &mut Ctx) -> Option<Status> {
        let result = ops::record_review(
            &mut ctx.session,
            self.deal.id,
            Some(self.deal.version),
            Reviewer::Sa,
            approved,
            &comment,
        );
        match result {
            Ok((deal, said)) => {
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
                Some(Status::error(refusal(&e, false, "")))
            }
        }
    }

    /// Time moved or the database changed: timers move, and a change made
    /// elsewhere is picked up. What is being typed stays in its editor.
    pub fn tick(&mut self, ctx: &Ctx) -> Option<Status> {
        if let Ok(fresh) = ctx.session.store.deal(self.deal.id)
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

/// A refusal in words for the status line; `kept` when the typed `what`
/// was kept as a draft.
fn refusal(e: &StoreError, kept: bool, what: &str) -> String {
    let base = match e {
        StoreError::Conflict { .. } => {
            "This deal was changed elsewhere and has been reloaded; try again".to_string()
        }
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
