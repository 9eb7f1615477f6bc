//! Drawing the deal screen: a pure function of its state.

use super::*;
use crate::domain::audit;
use crate::domain::escalation::{self};
use crate::domain::playbook::ACTION_COUNT;
use crate::domain::step::{NoteKind, Step, StepStatus};
use crate::text::{shown, shown_lines};
use crate::tui::screens::capture::{CaptureView, Today};
use crate::tui::shared::Look;
use crate::tui::widgets::panels::{EscalationPanel, QaPanel};
use crate::tui::widgets::{hanging, popup, text_field, truncate, wrap};
use chrono::{DateTime, Utc};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Widget};

/// The most lines the step's status (a blocked reason) takes on screen.
const STATUS_LINES: usize = 3;

impl DealScreen {
    pub fn render(&self, area: Rect, buf: &mut Buffer, look: Look<'_>) {
        self.render_screen(area, buf, look);
        match &self.modal {
            Some(Modal::History(history)) => self.render_history(history, area, buf, look),
            Some(Modal::Confirm(question)) => render_question(question, area, buf, look),
            _ => {}
        }
        if let Some(Modal::Record(record)) = &self.modal {
            let date = self.now.with_timezone(&self.offset).date_naive();
            let holidays = &look.playbook.targets.holidays;
            let today = Today {
                date,
                holidays,
                now: self.now,
                clock: crate::Clock::fixed(self.now).with_offset(self.offset),
                playbook: look.playbook,
            };
            record.render(area, buf, look, &today);
        }
    }

    fn render_history(&self, history: &HistoryView, area: Rect, buf: &mut Buffer, look: Look<'_>) {
        let theme = look.theme;
        let rect = popup(
            area,
            area.width.saturating_sub(4),
            area.height.saturating_sub(2),
        );
        Clear.render(rect, buf);
        let block = Block::bordered()
            .title(format!(
                " History of {} · {} changes · Esc closes ",
                shown(&self.deal.name),
                history.entries.len()
            ))
            .title_style(theme.title)
            .border_style(theme.focus_border);
        let inner = block.inner(rect);
        block.render(rect, buf);
        let width = usize::from(inner.width);
        let local = |at: DateTime<Utc>| at.with_timezone(&self.offset);
        let value = |v: &str| {
            if v.is_empty() {
                "—".to_string()
            } else {
                shown(&audit::value_text(v, local))
            }
        };
        // an entry takes as many rows as its field and values need
        let lines: Vec<Line> = history
            .entries
            .iter()
            .rev()
            .flat_map(|e| {
                let at = local(e.at).format("%Y-%m-%d %H:%M").to_string();
                let field = format!("{}:", audit::field_label(&e.field, look.playbook));
                let text = truncate(&format!("{} → {}", value(&e.before), value(&e.after)), 240);
                hanging(
                    vec![
                        Span::styled(format!("{at} "), theme.dim),
                        Span::styled(format!("{:<10} ", truncate(&shown(&e.who), 10)), theme.dim),
                    ],
                    &[(&field, theme.title), (&text, Style::new())],
                    width,
                )
            })
            .collect();
        let lines = if lines.is_empty() {
            vec![Line::styled("No changes recorded yet", theme.dim)]
        } else {
            lines
        };
        history
            .rows
            .set(u16::try_from(lines.len()).unwrap_or(u16::MAX));
        // the end shows the last entry at the bottom, never blank rows past it
        history.page.set(inner.height);
        let scroll = history.scroll.min(history.last_top());
        Paragraph::new(lines).scroll((scroll, 0)).render(inner, buf);
    }

    fn render_screen(&self, area: Rect, buf: &mut Buffer, look: Look<'_>) {
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
            // ✗: complete, but a later edit took away what its criteria need
            let stale = self.no_longer_met(step.number).is_some();
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
        if let Some(missing) = self.no_longer_met(step.number) {
            let line = format!("✗ Criteria no longer met: {}", missing.join("; "));
            for piece in wrap(&line, width) {
                head.push(Line::styled(piece, theme.fail));
            }
        }
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
        let on_notes = matches!(self.focus, Focus::Actions | Focus::Notes)
            || matches!(&self.modal, Some(Modal::Note(e)) if matches!(e.target, NoteTarget::Step(_)));
        let tab = |label: String, active: bool| {
            if active {
                Span::styled(format!(" {label} "), theme.selected)
            } else {
                Span::styled(format!(" {label} "), theme.dim)
            }
        };
        let done = step.actions.iter().filter(|a| **a).count();
        let unmet = self.checks.iter().filter(|c| c.blocking && !c.met).count();
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
                deal: &self.deal,
                step: self.selected,
                row: self.capture.row,
                focused: self.focus == Focus::Capture,
                checks: &self.checks,
                battle_card: self.battle_card.as_ref().map(|b| b.notes.as_str()),
                now: self.now,
                look,
            }
            .render(page, buf);
        }

        if let Some(Modal::Note(editor)) = &self.modal
            && let NoteTarget::BattleCard { name, .. } = &editor.target
        {
            let rect = popup(area, 70, 10);
            Clear.render(rect, buf);
            let block = Block::bordered()
                .title(format!(
                    " Battle card: {} · Esc saves · Ctrl-D cancels ",
                    shown(name)
                ))
                .title_style(theme.title)
                .border_style(theme.focus_border);
            let inner = block.inner(rect);
            block.render(rect, buf);
            (&editor.area).render(inner, buf);
        }
        if let Some(Modal::Prompt(prompt)) = &self.modal {
            let (title, ask, help) = match prompt.ask {
                Ask::BlockReason => (
                    format!(" Block step {} ", step.number),
                    "What or who is the step waiting on?",
                    "Enter blocks the step · Esc cancels",
                ),
                Ask::Approve => (
                    " Approve the validation plan ".into(),
                    "Comment (optional):",
                    "Enter approves · Esc cancels",
                ),
                Ask::SendBack => (
                    " Send the validation plan back ".into(),
                    "What must change?",
                    "Enter sends it back · Esc cancels",
                ),
            };
            let rect = popup(area, 60, 5);
            Clear.render(rect, buf);
            let block = Block::bordered()
                .title(title)
                .title_style(theme.title)
                .border_style(theme.focus_border);
            let inner = block.inner(rect);
            block.render(rect, buf);
            let [ask_area, field, help_area] =
                Layout::vertical([Constraint::Length(1); 3]).areas(inner);
            Line::raw(ask).render(ask_area, buf);
            let underline = Style::new().add_modifier(ratatui::style::Modifier::UNDERLINED);
            text_field(
                buf,
                field,
                prompt.input.value(),
                prompt.input.visual_cursor(),
                true,
                underline,
            );
            Line::styled(help, theme.dim).render(help_area, buf);
        }
    }

    fn render_actions_and_notes(&self, area: Rect, buf: &mut Buffer, look: Look<'_>) {
        let theme = look.theme;
        let step = self.step();
        let [actions_area, notes_area] = Layout::vertical([
            Constraint::Length(ACTION_COUNT as u16 + 2),
            Constraint::Fill(1),
        ])
        .areas(area);
        let focused = self.focus == Focus::Actions;
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
                let style = if focused && i == self.action_cursor {
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
            NoteTarget::Step(kind) => Some(kind),
            NoteTarget::BattleCard { .. } => None,
        });
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

/// A yes/no question over the screen.
fn render_question(question: &Question, area: Rect, buf: &mut Buffer, look: Look<'_>) {
    let theme = look.theme;
    let width = area.width.saturating_sub(8).min(64);
    let lines = wrap(&question.text, usize::from(width.saturating_sub(2)));
    let rect = popup(area, width, lines.len() as u16 + 2);
    Clear.render(rect, buf);
    let block = Block::bordered()
        .title(" Are you sure? ")
        .title_style(theme.title)
        .border_style(theme.focus_border);
    let inner = block.inner(rect);
    block.render(rect, buf);
    Paragraph::new(lines.into_iter().map(Line::from).collect::<Vec<_>>()).render(inner, buf);
}
