//! The QA checklist, warnings and escalation matrix panels.

use super::hanging;
use crate::domain::choices::Choice;
use crate::domain::escalation::Escalation;
use crate::domain::playbook::EscalationDef;
use crate::domain::qa::{QaItem, QaState};
use crate::domain::warnings::{Severity, Warning};
use crate::tui::theme::Theme;
use chrono::{DateTime, Utc};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Widget};

pub struct QaPanel<'a> {
    pub items: &'a [QaItem],
    pub theme: &'a Theme,
}

impl Widget for QaPanel<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        let passed = self.items.iter().filter(|i| i.state.passed()).count();
        let block = Block::bordered()
            .title(format!(" QA checklist {passed}/{} ", self.items.len()))
            .title_style(t.title)
            .border_style(t.border);
        let inner = block.inner(area);
        block.render(area, buf);
        let width = usize::from(inner.width);
        let mut lines = Vec::new();
        for item in self.items {
            let (mark, style) = match item.state {
                QaState::Pass => ("✓ ", t.pass),
                QaState::NotApplicable => ("– ", t.dim),
                QaState::Fail => ("✗ ", t.fail),
            };
            let title_style = if item.state == QaState::Fail {
                ratatui::style::Style::new()
            } else {
                t.dim
            };
            let why = format!("— {}", item.why);
            lines.extend(hanging(
                vec![Span::styled(mark, style)],
                &[(&item.title, title_style), (&why, t.dim)],
                width,
            ));
        }
        Paragraph::new(lines).render(inner, buf);
    }
}

pub struct EscalationPanel<'a> {
    pub escalations: &'a [Escalation],
    /// The matrix, from the playbook.
    pub rows: &'a [EscalationDef],
    pub now: DateTime<Utc>,
    pub theme: &'a Theme,
}

impl EscalationPanel<'_> {
    /// Rows this panel needs at `width` columns, borders included.
    pub fn height(&self, width: u16) -> u16 {
        self.lines(usize::from(width.saturating_sub(2))).len() as u16 + 2
    }

    fn lines(&self, width: usize) -> Vec<Line<'static>> {
        let t = self.theme;
        let mut lines: Vec<Line> = Vec::new();
        for row in self.rows {
            let active: Vec<&Escalation> = self
                .escalations
                .iter()
                .filter(|e| e.rule == row.rule)
                .collect();
            let (mark, style) = if active.is_empty() {
                ("· ", t.dim)
            } else {
                ("⚠ ", t.fail)
            };
            let who = format!("→ {} ({}; {})", row.escalate_to, row.window, row.authority);
            let scenario_style = if active.is_empty() { t.dim } else { t.title };
            lines.extend(hanging(
                vec![Span::styled(mark, style)],
                &[(&row.scenario, scenario_style), (&who, t.dim)],
                width,
            ));
            for e in active {
                let acked = if e.acknowledged.is_some() {
                    " · acknowledged"
                } else {
                    ""
                };
                let to = if e.to.is_empty() {
                    String::new()
                } else {
                    format!(" → {}", e.to)
                };
                let timer = format!("{}{to}{acked} · {}", e.id, e.timer(self.now));
                let timer_style = if e.overdue { t.overdue } else { t.warn };
                lines.extend(hanging(
                    vec![Span::raw("  ")],
                    &[
                        (&timer, timer_style),
                        (&e.why, ratatui::style::Style::new()),
                    ],
                    width,
                ));
            }
        }
        lines
    }
}

impl Widget for EscalationPanel<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        let open = self.escalations.len();
        let title = if open == 0 {
            " Escalations: none open ".to_string()
        } else {
            format!(" Escalations: {open} open ")
        };
        let block = Block::bordered()
            .title(title)
            .title_style(if open == 0 { t.title } else { t.fail })
            .border_style(t.border);
        let inner = block.inner(area);
        block.render(area, buf);
        let lines = self.lines(usize::from(inner.width));
        Paragraph::new(lines).render(inner, buf);
    }
}

/// The deal's warnings: each kind, its step and the facts it rests on.
pub struct WarningPanel<'a> {
    pub warnings: &'a [Warning],
    pub theme: &'a Theme,
}

impl WarningPanel<'_> {
    /// Rows this panel needs at `width` columns, borders included.
    pub fn height(&self, width: u16) -> u16 {
        self.lines(usize::from(width.saturating_sub(2))).len() as u16 + 2
    }

    fn lines(&self, width: usize) -> Vec<Line<'static>> {
        let t = self.theme;
        let mut lines = Vec::new();
        for w in self.warnings {
            let (mark, style) = match w.severity {
                Severity::Critical => ("‼ ", t.fail),
                Severity::Warning => ("! ", t.warn),
            };
            let kind = format!("{} (step {})", w.kind.label(), w.step);
            let why = format!("— {}", w.why);
            lines.extend(hanging(
                vec![Span::styled(mark, style)],
                &[(&kind, t.title), (&why, ratatui::style::Style::new())],
                width,
            ));
        }
        lines
    }
}

impl Widget for WarningPanel<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        let critical = self
            .warnings
            .iter()
            .filter(|w| w.severity == Severity::Critical)
            .count();
        let title = match (self.warnings.len(), critical) {
            (0, _) => " Warnings: none ".to_string(),
            (n, 0) => format!(" Warnings: {n} "),
            (n, c) => format!(" Warnings: {n} ({c} critical) "),
        };
        let block = Block::bordered()
            .title(title)
            .title_style(if self.warnings.is_empty() {
                t.title
            } else {
                t.warn
            })
            .border_style(t.border);
        let inner = block.inner(area);
        block.render(area, buf);
        let lines = self.lines(usize::from(inner.width));
        Paragraph::new(lines).render(inner, buf);
    }
}
