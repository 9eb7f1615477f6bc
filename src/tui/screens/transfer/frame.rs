//! What the import and export dialogs share: what they ask of the app,
//! their box, the progress bar of their work, the path field, and a few
//! words.

use crate::tui::shared::{Look, Status};
use crate::tui::widgets::{popup, text_field, truncate};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Block, Clear, Gauge, Widget};
use std::path::Path;
use tui_input::Input;

/// The longest path the prompts take.
pub const MAX_PATH: usize = 4096;

/// What a dialog asks of the app after an action or when its work is done.
#[derive(Debug, PartialEq, Eq)]
pub enum DialogOutcome {
    Stay,
    /// Closed; nothing was written.
    Close(Option<Status>),
    /// Something was written: the list is read again.
    Written(Status),
}

pub fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

pub fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

pub fn ratio(done: u64, total: u64) -> f64 {
    if total == 0 {
        0.0
    } else {
        (done as f64 / total as f64).clamp(0.0, 1.0)
    }
}

/// A bordered dialog of `height` rows centred in `area`; its inside.
pub fn dialog(area: Rect, buf: &mut Buffer, look: Look<'_>, title: &str, height: u16) -> Rect {
    let rect = popup(area, area.width.saturating_sub(4).min(78), height);
    frame(rect, buf, look, title)
}

pub fn frame(rect: Rect, buf: &mut Buffer, look: Look<'_>, title: &str) -> Rect {
    Clear.render(rect, buf);
    let block = Block::bordered()
        .title(title.to_string())
        .title_style(look.theme.title)
        .border_style(look.theme.focus_border);
    let inner = block.inner(rect);
    block.render(rect, buf);
    inner
}

/// What is being done, and a progress bar.
pub fn working(
    inner: Rect,
    buf: &mut Buffer,
    look: Look<'_>,
    (what, foot): (&str, &str),
    ratio: f64,
    label: &str,
) {
    let [line, _, bar, area_foot] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(inner);
    Line::raw(truncate(what, usize::from(line.width))).render(line, buf);
    Gauge::default()
        .gauge_style(look.theme.key)
        .use_unicode(true)
        .ratio(ratio)
        .label(label.to_string())
        .render(bar, buf);
    Line::styled(foot.to_string(), look.theme.dim).render(area_foot, buf);
}

/// A labelled one-line path field.
pub fn path_field(buf: &mut Buffer, area: Rect, label: &str, input: &Input, style: Style) {
    let width = label.chars().count() as u16;
    buf.set_string(area.x, area.y, label, style);
    let field = Rect {
        x: area.x + width,
        width: area.width.saturating_sub(width),
        ..area
    };
    text_field(
        buf,
        field,
        input.value(),
        input.visual_cursor(),
        true,
        Style::new(),
    );
}
