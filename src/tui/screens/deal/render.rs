//! Drawing the deal screen: a pure function of its state.

use super::note::NoteTarget;
use super::state::Focus;
use super::trend::ScoreTrend;
use super::{DealScreen, Modal};
use crate::domain::playbook::ACTION_COUNT;
use crate::domain::step::{NoteKind, Step, StepStatus};
use crate::domain::{escalation, rushing};
use crate::text::{shown, shown_lines};
use crate::tui::screens::capture::{CaptureView, Today};
use crate::tui::shared::Look;
use crate::tui::theme::Theme;
use crate::tui::widgets::panels::{EscalationPanel, QaPanel, WarningPanel};
use crate::tui::widgets::{hanging, truncate, wrap};
use chrono::{DateTime, Utc};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Widget};

/// From this width the QA and escalation panels sit beside the step.
pub const WIDE: u16 = 120;

/// The most lines the step's status (a blocked reason) takes on screen.
const STATUS_LINES: usize = 3;

impl DealScreen {
    pub fn render(&self, area: Rect, buf: &mut Buffer, look: Look<'_>) {
        self.render_screen(area, buf, look);
        let s = &self.state;
        match &self.modal {
            Some(Modal::History(history)) => history.render(s, area, buf, look),
            Some(Modal::Guide(guide)) => guide.render(s, area, buf, look),
            Some(Modal::Confirm(question)) => question.render(area, buf, look),
            Some(Modal::Record(record)) => {
                let date = s.now.with_timezone(&s.offset).date_naive();
                let holidays = &look.playbook.targets.holidays;
                let today = Today {
                    date,
                    holidays,
                    now: s.now,
                    clock: crate::Clock::fixed(s.now).with_offset(s.offset),
                    playbook: look.playbook,
                };
                record.render(area, buf, look, &today);
            }
            _ => {}
        }
    }

    fn render_screen(&self, area: Rect, buf: &mut Buffer, look: Look<'_>) {
        if area.width >= WIDE {
            let [steps, detail, side] = Layout::horizontal([
                Constraint::Length(34),
                Constraint::Fill(1),
                Constraint::Length(42),
            ])
            .areas(area);
            self.render_steps_and_trend(steps, buf, look);
            self.render_detail(detail, buf, look);
            self.render_panels(side, buf, look);
        } else if self.state.show_panels {
            self.render_panels(area, buf, look);
        } else {
            let [steps, detail] =
                Layout::horizontal([Constraint::Length(30), Constraint::Fill(1)]).areas(area);
            self.render_steps_and_trend(steps, buf, look);
            self.render_detail(detail, buf, look);
        }
    }

    /// The steps, and below them the MEDDPICC total over time when it has
    /// changed and there is room (30 rows, a window of 32: below, the steps
    /// take the whole column).
    fn render_steps_and_trend(&self, area: Rect, buf: &mut Buffer, look: Look<'_>) {
        let trend = ScoreTrend {
            points: &self.state.trend,
            now: self.state.now,
            offset: self.state.offset,
            theme: look.theme,
        };
        if !trend.shown() || area.height < 30 {
            return self.render_steps(area, buf, look);
        }
        let [steps, spark] =
            Layout::vertical([Constraint::Fill(1), Constraint::Length(ScoreTrend::HEIGHT)])
                .areas(area);
        self.render_steps(steps, buf, look);
        trend.render(spark, buf);
    }

    fn render_panels(&self, area: Rect, buf: &mut Buffer, look: Look<'_>) {
        let theme = look.theme;
        let rows = &look.playbook.escalations;
        let escalations = EscalationPanel {
            escalations: &self.state.escalations,
            rows,
            now: self.state.now,
            theme,
        };
        let esc_height = escalations.height(area.width).min(area.height / 2);
        let warnings = WarningPanel {
            warnings: &self.state.warnings,
            theme,
        };
        let warn_height = if self.state.warnings.is_empty() {
            0
        } else {
            warnings.height(area.width).min(area.height / 3)
        };
        let [qa_area, warn_area, esc_area] = Layout::vertical([
            Constraint::Fill(1),
            Constraint::Length(warn_height),
            Constraint::Length(esc_height),
        ])
        .areas(area);
        QaPanel {
            items: &self.state.qa,
            theme,
        }
        .render(qa_area, buf);
        if warn_height > 0 {
            warnings.render(warn_area, buf);
        }
        escalations.render(esc_area, buf);
    }

    fn render_steps(&self, area: Rect, buf: &mut Buffer, look: Look<'_>) {
        let theme = look.theme;
        let border = if self.state.focus == Focus::Steps {
            theme.focus_border
        } else {
            theme.border
        };
        let block = Block::bordered()
            .title(format!(" Steps {}/10 ", self.state.deal.steps_complete()))
            .title_style(theme.title)
            .border_style(border);
        let inner = block.inner(area);
        block.render(area, buf);
        let width = usize::from(inner.width);
        let mut lines = Vec::new();
        for step in &self.state.deal.steps {
            let selected = step.number == self.state.selected;
            let rushed = rushing::rushed(&self.state.deal, step.number, look.playbook).is_some();
            // ✗: complete, but a later edit took away what its criteria need
            let stale = self.state.no_longer_met(step.number).is_some();
            let flag = if stale {
                "✗"
            } else if rushed {
                "!"
            } else {
                " "
            };
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
        let step = self.state.step();
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
        let keep = if roomy { objective.len().min(3) } else { 1 };
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
        if let Some(missing) = self.state.no_longer_met(step.number) {
            let line = format!("✗ Criteria no longer met: {}", missing.join("; "));
            for piece in wrap(&line, width) {
                head.push(Line::styled(piece, theme.fail));
            }
        }
        if let Some(warning) = rushing::rushed(&self.state.deal, step.number, look.playbook) {
            let line = if roomy {
                warning
            } else {
                "Looks rushed: completed fast, with thin notes and form".into()
            };
            for piece in wrap(&line, width) {
                head.push(Line::styled(piece, theme.warn));
            }
        }
        let on_notes = matches!(self.state.focus, Focus::Actions | Focus::Notes)
            || matches!(&self.modal, Some(Modal::Note(e)) if matches!(e.target, NoteTarget::Step { .. }));
        let tab = |label: String, active: bool| {
            if active {
                Span::styled(format!(" {label} "), theme.selected)
            } else {
                Span::styled(format!(" {label} "), theme.dim)
            }
        };
        let done = step.actions.iter().filter(|a| **a).count();
        let unmet = self
            .state
            .checks
            .iter()
            .filter(|c| c.blocking && !c.met)
            .count();
        let capture_label = if unmet == 0 {
            "Capture ✓".to_string()
        } else {
            format!("Capture ({unmet} to do)")
        };
        head.push(Line::from(vec![
            tab(capture_label, !on_notes),
            Span::raw(" "),
            tab(format!("Actions {done}/{ACTION_COUNT} · Notes"), on_notes),
        ]));

        let head_height = head.len() as u16;
        let [head_area, page] =
            Layout::vertical([Constraint::Length(head_height), Constraint::Fill(1)]).areas(area);
        let inset = |r: Rect| Rect {
            x: r.x + 1,
            width: r.width.saturating_sub(2),
            ..r
        };
        Paragraph::new(head).render(inset(head_area), buf);

        if on_notes {
            self.render_actions_and_notes(page, buf, look);
        } else {
            CaptureView {
                deal: &self.state.deal,
                step: self.state.selected,
                row: self.state.capture.row,
                focused: self.state.focus == Focus::Capture,
                checks: &self.state.checks,
                battle_card: self.state.battle_card.as_ref().map(|b| b.notes.as_str()),
                now: self.state.now,
                look,
            }
            .render(page, buf);
        }

        match &self.modal {
            Some(Modal::Note(editor)) => editor.render_battle_card(area, buf, look),
            Some(Modal::Prompt(prompt)) => prompt.render(step.number, area, buf, look),
            _ => {}
        }
    }

    fn render_actions_and_notes(&self, area: Rect, buf: &mut Buffer, look: Look<'_>) {
        let theme = look.theme;
        let step = self.state.step();
        let [actions_area, notes_area] = Layout::vertical([
            Constraint::Length(ACTION_COUNT as u16 + 2),
            Constraint::Fill(1),
        ])
        .areas(area);
        let focused = self.state.focus == Focus::Actions;
        let block = Block::bordered()
            .title(" Actions ")
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
                let style = if focused && i == self.state.action_cursor {
                    theme.selected
                } else {
                    Style::new()
                };
                Line::styled(
                    truncate(&format!("{mark}{text}"), usize::from(inner.width)),
                    style,
                )
            })
            .collect();
        Paragraph::new(lines).render(inner, buf);

        let editor = match &self.modal {
            Some(Modal::Note(e)) => Some(e),
            _ => None,
        };
        let editing = editor.and_then(|e| match e.target {
            NoteTarget::Step { kind, .. } => Some(kind),
            NoteTarget::BattleCard { .. } => None,
        });
        let constraints = NoteKind::ALL.map(|k| match editing {
            Some(e) if e == k => Constraint::Fill(1),
            Some(_) => Constraint::Length(3),
            None => Constraint::Fill(1),
        });
        let areas: [Rect; 3] = Layout::vertical(constraints).areas(notes_area);
        for (i, (kind, note_area)) in NoteKind::ALL.iter().zip(areas).enumerate() {
            let focused = self.state.focus == Focus::Notes && self.state.note_cursor == i;
            let editing_this = editing == Some(*kind);
            let title = if editing_this {
                format!(" {} · editing: Esc saves · Ctrl-D cancels ", kind.label())
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
            match editor {
                Some(editor) if editing_this => (&editor.area).render(inner, buf),
                _ => {
                    let text = step.notes.get(*kind);
                    let lines: Vec<Line> = if text.trim().is_empty() {
                        vec![Line::styled("(empty: e writes it)", theme.dim)]
                    } else {
                        wrap(&shown_lines(text), usize::from(inner.width))
                            .into_iter()
                            .map(Line::from)
                            .collect()
                    };
                    Paragraph::new(lines).render(inner, buf);
                }
            }
        }
    }

    fn status_lines(&self, step: &Step, look: Look<'_>, width: usize) -> Vec<Line<'static>> {
        let theme = look.theme;
        let local = |t: DateTime<Utc>| {
            t.with_timezone(&self.state.offset)
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
                let since = step.blocked_since.unwrap_or(self.state.now);
                (
                    format!(
                        "Blocked {} since {}: {}",
                        escalation::span(self.state.now - since),
                        local(since),
                        shown(step.blocked_reason.as_deref().unwrap_or(""))
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
        // a long reason shows its start: the step's pages stay on screen
        let mut lines = hanging(vec![mark], &[(&text, style)], width);
        if lines.len() > STATUS_LINES {
            lines.truncate(STATUS_LINES);
            if let Some(last) = lines.last_mut() {
                last.spans.push(Span::styled(" …", style));
            }
        }
        lines
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
