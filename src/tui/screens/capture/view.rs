//! The capture page: the step's criteria checklist, then its form.

use super::fields::*;
use crate::domain::content::*;
use crate::domain::criteria::{self, Check};
use crate::domain::deal::Deal;
use crate::domain::playbook::{CaptureKind, Playbook};
use crate::domain::step::StepNumber;
use crate::text::shown;
use crate::tui::shared::Look;
use crate::tui::widgets::hanging;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Row, Table, Widget};

/// The capture page's state: which row is selected.
#[derive(Default)]
pub struct CaptureForm {
    pub row: usize,
}

impl CaptureForm {
    pub fn move_by(&mut self, down: bool, rows: usize) {
        self.row = if down {
            (self.row + 1).min(rows.saturating_sub(1))
        } else {
            self.row.saturating_sub(1)
        };
    }
}

/// The capture page: the step's criteria, then its form.
pub struct CaptureView<'a> {
    pub deal: &'a Deal,
    pub step: StepNumber,
    pub row: usize,
    pub focused: bool,
    pub checks: &'a [Check],
    pub battle_card: Option<&'a str>,
    pub look: Look<'a>,
    /// The clock's now (the forecast category reads the QA checklist).
    pub now: chrono::DateTime<chrono::Utc>,
}

impl Widget for CaptureView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let theme = self.look.theme;
        let width = usize::from(area.width);
        let mut criteria = Vec::new();
        for c in self.checks {
            let (mark, style) = match (c.met, c.blocking) {
                (true, _) => ("✓ ", theme.pass),
                (false, true) => ("✗ ", theme.fail),
                (false, false) => ("! ", theme.warn),
            };
            let detail = format!("— {}", c.detail);
            criteria.extend(hanging(
                vec![Span::styled(mark, style)],
                &[(&c.label, Style::new()), (&detail, theme.dim)],
                width,
            ));
        }
        let section = Section::for_capture(self.look.playbook.step(self.step).capture);
        let extra = self.extra_lines(section, width);
        let criteria_height = (criteria.len() as u16).min(area.height / 2);
        let [crit_area, form_area, extra_area] = Layout::vertical([
            Constraint::Length(criteria_height),
            Constraint::Fill(1),
            Constraint::Length((extra.len() as u16).min(area.height / 4)),
        ])
        .areas(area);
        Paragraph::new(criteria).render(crit_area, buf);

        let border = if self.focused {
            theme.focus_border
        } else {
            theme.border
        };
        let rows = section.rows(self.deal, self.step);
        let hint = if section.can_add() {
            " · a add · Enter edit · D delete "
        } else {
            " · Enter edit "
        };
        let title = format!(
            " {}{} ",
            capitalised(section.noun()),
            if rows.len() == 1 || section.is_record() {
                ""
            } else {
                "s"
            }
        );
        let block = Block::bordered()
            .title(Line::from(vec![
                Span::styled(title, theme.title),
                Span::styled(hint, theme.dim),
            ]))
            .border_style(border);
        let inner = block.inner(form_area);
        block.render(form_area, buf);
        if section.is_record() {
            render_record(section, &rows, inner, buf, self.look, self.focused);
        } else if rows.is_empty() {
            Line::styled(
                format!("No {}s yet: press a to add one", section.noun()),
                theme.dim,
            )
            .render(inner, buf);
        } else {
            render_table(
                section,
                &rows,
                self.row,
                inner,
                buf,
                self.look,
                self.focused,
            );
        }
        Paragraph::new(extra).render(extra_area, buf);
    }
}

impl CaptureView<'_> {
    /// What the step shows under its form: the verdict, the battle card, the
    /// mutual close plan, the overall risk band, the forecast category.
    fn extra_lines(&self, section: Section, width: usize) -> Vec<Line<'static>> {
        let theme = self.look.theme;
        let pb: &Playbook = self.look.playbook;
        let c = &self.deal.content;
        let text = |label: &str, value: String| {
            let label = format!("{label}:");
            hanging(
                Vec::new(),
                &[(&label, theme.title), (&value, Style::new())],
                width,
            )
        };
        match section {
            Section::Scorecard => {
                let (total, max) = criteria::score_total(&c.meddpicc);
                let verdict = criteria::verdict(&c.meddpicc, pb)
                    .map_or("not yet (score every element)", |v| v.label());
                text(
                    &format!(
                        "{} · total {total}/{max} · verdict",
                        c.meddpicc.framework.label()
                    ),
                    format!("{verdict}   (m switches MEDDPICC/MEDDICC)"),
                )
            }
            Section::Competitors => self
                .battle_card
                .map(|n| text("Battle card", n.to_string()))
                .unwrap_or_default(),
            Section::Timeline => {
                let mut plan: Vec<&Milestone> = c.decision_process.iter().collect();
                plan.sort_by_key(|m| m.due);
                let steps: Vec<String> = plan
                    .iter()
                    .map(|m| {
                        format!(
                            "{} {}{}",
                            date_text(m.due),
                            shown(&m.name),
                            if m.done { " ✓" } else { "" }
                        )
                    })
                    .collect();
                text(
                    "Mutual close plan",
                    if steps.is_empty() {
                        format!(
                            "no milestones yet (step {})",
                            pb.step_capturing(CaptureKind::DecisionProcess).number
                        )
                    } else {
                        steps.join(" → ")
                    },
                )
            }
            Section::Risks => {
                let band = criteria::overall_risk_band(c, pb)
                    .map_or("none yet".into(), |b| b.label().to_string());
                text("Deal risk band (worst risk)", band)
            }
            Section::ValidationItems => {
                use crate::domain::review::{Reviewer, Standing, standing};
                let decision = match standing(self.deal, Reviewer::Sa) {
                    Standing::Approved(d) => {
                        format!("approved by {} {}", d.by, d.at.format("%Y-%m-%d"))
                    }
                    Standing::OutOfDate(d, why) => format!(
                        "approved by {} {}, out of date: {why}",
                        d.by,
                        d.at.format("%Y-%m-%d")
                    ),
                    Standing::SentBack(d) => format!("sent back by {}: {}", d.by, d.comment),
                    Standing::Missing => "waiting (A approves, R sends back)".into(),
                };
                text("SA sign-off", decision)
            }
            Section::Record => text(
                "Forecast category",
                crate::domain::pipeline::forecast_category(self.deal, pb, self.now)
                    .label()
                    .into(),
            ),
            _ => Vec::new(),
        }
    }
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

fn render_record(
    section: Section,
    rows: &[(String, Vec<String>)],
    area: Rect,
    buf: &mut Buffer,
    look: Look<'_>,
    _focused: bool,
) {
    let theme = look.theme;
    let values = rows.first().map(|r| r.1.clone()).unwrap_or_default();
    let lines: Vec<Line> = section
        .fields()
        .iter()
        .zip(values)
        .map(|(f, v)| {
            let value = if v.trim().is_empty() {
                Span::styled("—", theme.dim)
            } else {
                Span::raw(shown(&v))
            };
            Line::from(vec![
                Span::styled(format!("{:<20} ", f.label), theme.dim),
                value,
            ])
        })
        .collect();
    Paragraph::new(lines).render(area, buf);
}

fn render_table(
    section: Section,
    rows: &[(String, Vec<String>)],
    selected: usize,
    area: Rect,
    buf: &mut Buffer,
    look: Look<'_>,
    focused: bool,
) {
    let theme = look.theme;
    let fields = section.fields();
    let named = section == Section::Scorecard;
    let mut header: Vec<&str> = Vec::new();
    let mut widths = Vec::new();
    if named {
        header.push("Element");
        widths.push(Constraint::Length(18));
    }
    for &i in section.columns() {
        let f = &fields[i];
        header.push(f.short);
        widths.push(match f.kind {
            Kind::Date => Constraint::Length(10),
            Kind::Score | Kind::OneToFive => Constraint::Length(5),
            Kind::YesNo => Constraint::Length(4),
            Kind::Pick(_) => Constraint::Length(12),
            _ if i == 0 => Constraint::Fill(2),
            _ => Constraint::Fill(1),
        });
    }
    let height = usize::from(area.height.saturating_sub(1)).max(1);
    let offset = selected.saturating_sub(height - 1);
    let body = rows
        .iter()
        .enumerate()
        .skip(offset)
        .take(height)
        .map(|(i, (name, values))| {
            let mut cells: Vec<String> = Vec::new();
            if named {
                cells.push(name.clone());
            }
            cells.extend(section.columns().iter().map(|i| shown(&values[*i])));
            let row = Row::new(cells);
            if focused && i == selected {
                row.style(theme.selected)
            } else {
                row
            }
        });
    Table::new(body, widths)
        .header(Row::new(header).style(theme.title))
        .column_spacing(1)
        .render(area, buf);
}
