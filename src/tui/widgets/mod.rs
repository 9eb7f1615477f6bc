//! Small drawing pieces shared by the screens.

pub mod help;
pub mod panels;

use crate::text::{DRAWN, head};
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthStr;

/// Word-wrap `text` to `width` columns (words longer than a line are cut).
/// Written here because ratatui's own wrapping does not report line counts
/// or hanging indents, both of which the panels need. Only the first
/// [`DRAWN`] characters are looked at, and each character once, so a huge
/// value costs no more than one a window could show.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    for paragraph in head(text, DRAWN).split('\n') {
        let mut line = String::new();
        let mut used = 0;
        for word in paragraph.split(' ').filter(|w| !w.is_empty()) {
            let mut word = word;
            let mut w = word.width();
            let needed = if line.is_empty() { w } else { used + 1 + w };
            if needed > width && !line.is_empty() {
                lines.push(std::mem::take(&mut line));
                used = 0;
            }
            while w > width {
                let (cut, cut_width) = cut_at_width(word, width);
                lines.push(word[..cut].to_string());
                word = &word[cut..];
                w = w.saturating_sub(cut_width);
            }
            if !line.is_empty() {
                line.push(' ');
                used += 1;
            }
            line.push_str(word);
            used += w;
        }
        lines.push(line);
    }
    lines
}

/// Where to cut `s` so that the part before fits in `width` columns (at
/// least one character), and the columns that part takes.
fn cut_at_width(s: &str, width: usize) -> (usize, usize) {
    let mut used = 0;
    for (i, c) in s.char_indices() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w > width {
            return if i == 0 { (c.len_utf8(), w) } else { (i, used) };
        }
        used += w;
    }
    (s.len(), used)
}

/// Cut `s` to `width` columns, ending with … when cut.
pub fn truncate(s: &str, width: usize) -> String {
    crate::text::truncate(s, width)
}

/// Let `key` edit `input` unless it would make the value longer than `max`
/// characters: a text field stops taking characters at its bound.
pub fn type_into(input: &mut tui_input::Input, key: KeyEvent, max: usize) {
    use ratatui::crossterm::event::{Event, KeyCode};
    use tui_input::backend::crossterm::EventHandler;
    let adds = matches!(key.code, KeyCode::Char(_));
    if adds && input.value().chars().nth(max.saturating_sub(1)).is_some() {
        return;
    }
    input.handle_event(&Event::Key(key));
}

/// Whether `key` would add to a note that already holds
/// [`crate::text::MAX_LONG`] characters: the note editor stops there.
pub fn note_full(area: &ratatui_textarea::TextArea<'_>, key: KeyEvent) -> bool {
    use ratatui::crossterm::event::{KeyCode, KeyModifiers};
    let adds = match key.code {
        KeyCode::Char(_) => !key.modifiers.contains(KeyModifiers::CONTROL),
        KeyCode::Enter | KeyCode::Tab => true,
        _ => false,
    };
    // the newlines between lines count as characters too
    let used: usize = area.lines().iter().map(|l| l.chars().count() + 1).sum();
    adds && used > crate::text::MAX_LONG
}

/// Styled text word-wrapped to `width`, with `first` before the first line
/// and the continuation lines indented to match it.
pub fn hanging(
    first: Vec<Span<'static>>,
    segments: &[(&str, Style)],
    width: usize,
) -> Vec<Line<'static>> {
    let indent: usize = first.iter().map(|s| s.content.width()).sum();
    let room = width.saturating_sub(indent).max(1);
    let mut lines = Vec::new();
    let mut spans = first;
    let mut used = 0;
    for (text, style) in segments {
        for word in wrap(&crate::text::shown(text), room)
            .iter()
            .flat_map(|l| l.split(' '))
            .filter(|w| !w.is_empty())
        {
            let w = word.width();
            if used > 0 && used + 1 + w > room {
                lines.push(Line::from(std::mem::take(&mut spans)));
                spans.push(Span::raw(" ".repeat(indent)));
                used = 0;
            }
            if used > 0 {
                spans.push(Span::styled(" ", *style));
                used += 1;
            }
            spans.push(Span::styled(word.to_string(), *style));
            used += w;
        }
    }
    lines.push(Line::from(spans));
    lines
}

/// A centred rectangle of at most `width` × `height` inside `area`.
pub fn popup(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

/// Draw a one-line text field. Unfocused, a long value is shown from its
/// start and ends with … where it is cut; focused, the part around the
/// cursor is shown, with the cursor as a reversed cell.
pub fn text_field(
    buf: &mut Buffer,
    area: Rect,
    value: &str,
    cursor: usize,
    focused: bool,
    style: Style,
) {
    let width = area.width as usize;
    if width == 0 {
        return;
    }
    if !focused {
        buf.set_string(
            area.x,
            area.y,
            truncate(&crate::text::clean(value), width),
            style,
        );
        return;
    }
    let start = cursor.saturating_sub(width.saturating_sub(1));
    let visible: String = value.chars().skip(start).take(width).collect();
    let cursor = cursor.min(start + visible.chars().count());
    let shown = crate::text::clean(&visible);
    buf.set_string(area.x, area.y, &shown, style);
    let x = area.x + (cursor - start).min(width - 1) as u16;
    let cell = &mut buf[(x, area.y)];
    cell.set_style(style.add_modifier(ratatui::style::Modifier::REVERSED));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_breaks_at_words_and_cuts_long_ones() {
        assert_eq!(
            wrap("Initial qualification using MEDDICC/MEDDPICC", 24),
            ["Initial qualification", "using MEDDICC/MEDDPICC"]
        );
        assert_eq!(wrap("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        assert_eq!(wrap("", 10), [""]);
        assert_eq!(wrap("a\nb", 10), ["a", "b"]);
        assert_eq!(wrap("ab 東京商事", 5), ["ab", "東京", "商事"]);
    }

    #[test]
    fn a_megabyte_wraps_by_what_can_be_seen_and_fast() {
        let start = std::time::Instant::now();
        let word = "x".repeat(1_000_000);
        let lines = wrap(&word, 40);
        assert_eq!(lines.len(), DRAWN / 40);
        let words = "word ".repeat(200_000);
        assert!(wrap(&words, 40).len() <= DRAWN / 40 + 1);
        let spans = hanging(vec![Span::raw("✓ ")], &[(&word, Style::new())], 40);
        assert!(spans.len() <= DRAWN / 38 + 1);
        assert_eq!(truncate(&word, 10), "xxxxxxxxx…");
        // a debug build: one pass over the text is a few ms, not seconds
        assert!(start.elapsed().as_millis() < 1_000, "{:?}", start.elapsed());
    }

    #[test]
    fn hanging_indents_continuations_and_keeps_styles() {
        let bold = Style::new().add_modifier(ratatui::style::Modifier::BOLD);
        let lines = hanging(
            vec![Span::raw("✓ ")],
            &[
                ("Budget authority", bold),
                ("— confirmed by CFO", Style::new()),
            ],
            14,
        );
        let text: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
        assert_eq!(
            text,
            ["✓ Budget", "  authority —", "  confirmed by", "  CFO"]
        );
        assert_eq!(lines[0].spans[1].style, bold);
    }

    #[test]
    fn truncate_marks_the_cut() {
        assert_eq!(truncate("Stakeholder mapping", 10), "Stakehold…");
        assert_eq!(truncate("short", 10), "short");
    }

    fn field_text(value: &str, cursor: usize, focused: bool) -> String {
        let area = Rect::new(0, 0, 10, 1);
        let mut buf = Buffer::empty(area);
        text_field(&mut buf, area, value, cursor, focused, Style::new());
        (0..10).map(|x| buf[(x, 0)].symbol().to_string()).collect()
    }

    #[test]
    fn a_long_field_shows_its_start_unless_typing_in_it() {
        let value = "Send the security questionnaire";
        assert_eq!(field_text(value, value.len(), false), "Send the …");
        assert_eq!(field_text(value, value.len(), true), "tionnaire ");
        assert_eq!(field_text(value, 0, true), "Send the s");
        assert_eq!(field_text("short", 5, false), "short     ");
    }
}
