//! The deal screen: the ten steps, the selected step's objective, actions and
//! notes, and beside them the live QA checklist and escalation matrix.

use crate::domain::deal::{Deal, DealId};
use crate::domain::escalation::{self, Escalation};
use crate::domain::playbook::{ACTION_COUNT, STEP_COUNT};
use crate::domain::qa::{self, QaItem};
use crate::domain::step::{NoteKind, Step, StepChange, StepStatus};
use crate::store::StoreError;
use crate::text::{clean, sanitize};
use crate::tui::action::Action;
use crate::tui::app::{Ctx, Look, Status};
use crate::tui::keymap::Layer;
use crate::tui::theme::Theme;
use crate::tui::widgets::panels::{EscalationPanel, QaPanel};
use crate::tui::widgets::{hanging, popup, text_field, truncate, wrap};
use chrono::{DateTime, FixedOffset, Utc};
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::Event;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Widget};
use ratatui_textarea::TextArea;
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

/// From this width the QA and escalation panels sit beside the step.
pub const WIDE: u16 = 120;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Steps,
    Actions,
    Notes,
}

impl Focus {
    fn next(self) -> Focus {
        match self {
            Focus::Steps => Focus::Actions,
            Focus::Actions => Focus::Notes,
            Focus::Notes => Focus::Steps,
        }
    }
    fn prev(self) -> Focus {
        self.next().next()
    }
}

struct NoteEditor {
    kind: NoteKind,
    area: TextArea<'static>,
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
    /// The block-reason prompt, when open.
    prompt: Option<Input>,
    /// Below 120 columns: the panels replace the step detail.
    show_panels: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DealOutcome {
    Stay,
    Back,
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
            show_panels: false,
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
        self.qa = qa::checklist(&self.deal, &ctx.playbook, self.now);
        self.escalations = escalation::detected(&self.deal, &ctx.playbook, self.now);
    }

    fn step(&self) -> &Step {
        self.deal
            .step(self.selected)
            .expect("a deal has its ten steps")
    }

    pub fn typing_layer(&self) -> Option<Layer> {
        if self.editor.is_some() {
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
        let mut parts: Vec<(u8, String)> = vec![(0, clean(&d.name)), (3, clean(&d.account))];
        parts.extend(d.amount.map(|m| (1, m.to_string())));
        parts.extend(d.close_date.map(|c| (2, format!("close {c}"))));
        parts.push((4, clean(&d.stage)));
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
                    Focus::Actions => {
                        self.action_cursor = step_cursor(self.action_cursor, down, ACTION_COUNT)
                    }
                    Focus::Notes => {
                        self.note_cursor = step_cursor(self.note_cursor, down, NoteKind::ALL.len())
                    }
                }
                None
            }
            Action::SelectStep(n) => {
                self.select(n);
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
                    self.focus = Focus::Actions;
                    None
                }
                Focus::Actions => self.toggle_action(ctx),
                Focus::Notes => self.open_editor(),
            },
            Action::ToggleAction if self.focus == Focus::Actions => self.toggle_action(ctx),
            Action::ToggleAction => {
                self.focus = Focus::Actions;
                Some(Status::info("Actions: j/k to move, Space to tick"))
            }
            Action::EditNote => {
                self.focus = Focus::Notes;
                self.open_editor()
            }
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
                    self.prompt = Some(Input::new(reason));
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
        }
    }

    fn toggle_action(&mut self, ctx: &mut Ctx) -> Option<Status> {
        let index = self.action_cursor;
        let done = !self.step().actions[index];
        self.change(StepChange::SetAction { index, done }, ctx)
    }

    fn open_editor(&mut self) -> Option<Status> {
        let kind = NoteKind::ALL[self.note_cursor];
        let text = self.step().notes.get(kind);
        let mut area = TextArea::new(text.split('\n').map(str::to_string).collect());
        area.set_cursor_line_style(Style::new());
        area.move_cursor(ratatui_textarea::CursorMove::Bottom);
        area.move_cursor(ratatui_textarea::CursorMove::End);
        self.editor = Some(NoteEditor { kind, area });
        None
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
                if let Some(editor) = &mut self.editor {
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

    /// Commit the note being edited. `force` skips the version check (used
    /// on quit, so that what was typed is never thrown away).
    fn save_note(&mut self, ctx: &mut Ctx, force: bool) -> Result<Option<Status>, Status> {
        let Some(editor) = &self.editor else {
            return Ok(None);
        };
        let text = editor.area.lines().join("\n");
        let kind = editor.kind;
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
    }

    fn update_prompt(&mut self, action: Action, ctx: &mut Ctx) -> Option<Status> {
        match action {
            Action::Type(key) => {
                if let Some(input) = &mut self.prompt {
                    input.handle_event(&Event::Key(key));
                }
                None
            }
            Action::Cancel => {
                self.prompt = None;
                None
            }
            Action::Confirm => {
                let reason = self
                    .prompt
                    .as_ref()
                    .map(|i| i.value().to_string())
                    .unwrap_or_default();
                if reason.trim().is_empty() {
                    return Some(Status::error(
                        "Say what the step is waiting on (or Esc to cancel)",
                    ));
                }
                self.prompt = None;
                self.change(StepChange::Block { reason }, ctx)
            }
            _ => None,
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

    pub fn render(&self, area: Rect, buf: &mut Buffer, look: Look<'_>) {
        if area.width >= WIDE {
            let [steps, detail, side] = Layout::horizontal([
                Constraint::Length(34),
                Constraint::Fill(1),
                Constraint::Length(42),
            ])
            .areas(area);
            self.render_steps(steps, buf, look);
            self.render_detail(detail, buf, look);
            self.render_panels(side, buf, look);
        } else if self.show_panels {
            self.render_panels(area, buf, look);
        } else {
            let [steps, detail] =
                Layout::horizontal([Constraint::Length(30), Constraint::Fill(1)]).areas(area);
            self.render_steps(steps, buf, look);
            self.render_detail(detail, buf, look);
        }
    }

    fn render_panels(&self, area: Rect, buf: &mut Buffer, look: Look<'_>) {
        let theme = look.theme;
        let rows = &look.playbook.escalations;
        let escalations = EscalationPanel {
            escalations: &self.escalations,
            rows,
            now: self.now,
            theme,
        };
        let esc_height = escalations.height(area.width).min(area.height / 2);
        let [qa_area, esc_area] =
            Layout::vertical([Constraint::Fill(1), Constraint::Length(esc_height)]).areas(area);
        QaPanel {
            items: &self.qa,
            theme,
        }
        .render(qa_area, buf);
        escalations.render(esc_area, buf);
    }

    fn render_steps(&self, area: Rect, buf: &mut Buffer, look: Look<'_>) {
        let theme = look.theme;
        let border = if self.focus == Focus::Steps {
            theme.focus_border
        } else {
            theme.border
        };
        let block = Block::bordered()
            .title(format!(" Steps {}/10 ", self.deal.steps_complete()))
            .title_style(theme.title)
            .border_style(border);
        let inner = block.inner(area);
        block.render(area, buf);
        let width = usize::from(inner.width);
        let mut lines = Vec::new();
        for step in &self.deal.steps {
            let selected = step.number == self.selected;
            let rushed = step.rushed(look.playbook).is_some();
            let flag = if rushed { "!" } else { " " };
            let base = if selected {
                theme.selected
            } else {
                Style::new()
            };
            let title = &look.playbook.step(step.number).title;
            for (i, piece) in wrap(title, width.saturating_sub(6)).into_iter().enumerate() {
                let mut spans = if i == 0 {
                    vec![
                        Span::styled(
                            format!("{} ", step.status.mark()),
                            status_style(step.status, theme).patch(base),
                        ),
                        Span::styled(format!("{:>2}", step.number), base),
                        Span::styled(flag, theme.warn.patch(base)),
                        Span::styled(" ", base),
                    ]
                } else {
                    vec![Span::styled("      ", base)]
                };
                let pad =
                    width.saturating_sub(6 + unicode_width::UnicodeWidthStr::width(piece.as_str()));
                spans.push(Span::styled(piece, base));
                spans.push(Span::styled(" ".repeat(pad), base));
                lines.push(Line::from(spans));
            }
        }
        Paragraph::new(lines).render(inner, buf);
    }

    fn render_detail(&self, area: Rect, buf: &mut Buffer, look: Look<'_>) {
        let theme = look.theme;
        let step = self.step();
        let def = look.playbook.step(step.number);
        let width = usize::from(area.width.saturating_sub(2));
        let roomy = area.height >= 30;

        let mut head = Vec::new();
        for piece in wrap(
            &format!("Step {} of 10 · {}", step.number, def.title),
            width,
        ) {
            head.push(Line::styled(piece, theme.title));
        }
        let objective = wrap(&def.objective, width);
        let keep = if roomy { objective.len() } else { 2 };
        let cut = objective.len() > keep;
        for (i, piece) in objective.into_iter().take(keep).enumerate() {
            let piece = if cut && i + 1 == keep {
                truncate(&format!("{piece} …"), width)
            } else {
                piece
            };
            head.push(Line::styled(piece, theme.dim));
        }
        head.extend(self.status_lines(step, look, width));
        if let Some(warning) = step.rushed(look.playbook) {
            let line = if roomy {
                warning
            } else {
                "Looks rushed: completed fast with thin notes".into()
            };
            for piece in wrap(&line, width) {
                head.push(Line::styled(piece, theme.warn));
            }
        }

        let head_height = head.len() as u16;
        let [head_area, actions_area, notes_area] = Layout::vertical([
            Constraint::Length(head_height),
            Constraint::Length(ACTION_COUNT as u16 + 2),
            Constraint::Fill(1),
        ])
        .areas(area);
        let inset = Rect {
            x: head_area.x + 1,
            width: head_area.width.saturating_sub(2),
            ..head_area
        };
        Paragraph::new(head).render(inset, buf);

        let done = step.actions.iter().filter(|a| **a).count();
        let focused = self.focus == Focus::Actions;
        let block = Block::bordered()
            .title(format!(" Actions {done}/{ACTION_COUNT} "))
            .title_style(theme.title)
            .border_style(if focused {
                theme.focus_border
            } else {
                theme.border
            });
        let inner = block.inner(actions_area);
        block.render(actions_area, buf);
        let lines: Vec<Line> = look
            .playbook
            .actions
            .iter()
            .zip(step.actions)
            .enumerate()
            .map(|(i, (text, ticked))| {
                let mark = if ticked { "[x] " } else { "[ ] " };
                let style = if focused && i == self.action_cursor {
                    theme.selected
                } else {
                    Style::new()
                };
                let text = truncate(&format!("{mark}{text}"), usize::from(inner.width));
                Line::styled(text, style)
            })
            .collect();
        Paragraph::new(lines).render(inner, buf);

        let editing = self.editor.as_ref().map(|e| e.kind);
        let constraints = NoteKind::ALL.map(|k| match editing {
            Some(e) if e == k => Constraint::Fill(1),
            Some(_) => Constraint::Length(3),
            None => Constraint::Fill(1),
        });
        let areas: [Rect; 3] = Layout::vertical(constraints).areas(notes_area);
        for (i, (kind, note_area)) in NoteKind::ALL.iter().zip(areas).enumerate() {
            let focused = self.focus == Focus::Notes && self.note_cursor == i;
            let editing_this = editing == Some(*kind);
            let title = if editing_this {
                format!(" {} · editing: Esc saves ", kind.label())
            } else {
                format!(" {} ", kind.label())
            };
            let block = Block::bordered()
                .title(title)
                .title_style(theme.title)
                .border_style(if focused || editing_this {
                    theme.focus_border
                } else {
                    theme.border
                });
            let inner = block.inner(note_area);
            block.render(note_area, buf);
            match &self.editor {
                Some(editor) if editing_this => (&editor.area).render(inner, buf),
                _ => {
                    let text = step.notes.get(*kind);
                    let lines: Vec<Line> = if text.trim().is_empty() {
                        vec![Line::styled(
                            "(empty: Tab to the notes, then e to write)",
                            theme.dim,
                        )]
                    } else {
                        wrap(&sanitize(text, true), usize::from(inner.width))
                            .into_iter()
                            .map(Line::from)
                            .collect()
                    };
                    Paragraph::new(lines).render(inner, buf);
                }
            }
        }

        if let Some(input) = &self.prompt {
            let rect = popup(area, 60, 5);
            Clear.render(rect, buf);
            let block = Block::bordered()
                .title(format!(" Block step {} ", step.number))
                .title_style(theme.title)
                .border_style(theme.focus_border);
            let inner = block.inner(rect);
            block.render(rect, buf);
            let [ask, field, help] = Layout::vertical([Constraint::Length(1); 3]).areas(inner);
            Line::raw("What or who is the step waiting on?").render(ask, buf);
            text_field(
                buf,
                field,
                input.value(),
                input.visual_cursor(),
                true,
                Style::new().add_modifier(ratatui::style::Modifier::UNDERLINED),
            );
            Line::styled("Enter blocks the step · Esc cancels", theme.dim).render(help, buf);
        }
    }

    fn status_lines(&self, step: &Step, look: Look<'_>, width: usize) -> Vec<Line<'static>> {
        let theme = look.theme;
        let local = |t: DateTime<Utc>| {
            t.with_timezone(&self.offset)
                .format("%Y-%m-%d %H:%M")
                .to_string()
        };
        let sla = look.playbook.step(step.number).sla_business_days;
        let sla = format!("SLA {sla} business day{}", if sla == 1 { "" } else { "s" });
        let (text, style) = match step.status {
            StepStatus::NotStarted => (format!("Not started · {sla} · s starts it"), theme.dim),
            StepStatus::InProgress => (
                format!(
                    "In progress since {} · {sla}",
                    step.started_at.map(local).unwrap_or_default()
                ),
                Style::new(),
            ),
            StepStatus::Blocked => {
                let since = step.blocked_since.unwrap_or(self.now);
                (
                    format!(
                        "Blocked {} since {}: {}",
                        escalation::span(self.now - since),
                        local(since),
                        clean(step.blocked_reason.as_deref().unwrap_or(""))
                    ),
                    theme.fail,
                )
            }
            StepStatus::Complete => (
                format!(
                    "Complete {}",
                    step.completed_at.map(local).unwrap_or_default()
                ),
                theme.pass,
            ),
        };
        let mark = Span::styled(
            format!("{} ", step.status.mark()),
            status_style(step.status, theme),
        );
        hanging(vec![mark], &[(&text, style)], width)
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
