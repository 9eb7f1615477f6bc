//! Small drawing pieces shared by the screens.

pub mod help;
pub mod panels;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthStr;

/// Word-wrap `text` to `width` columns (words longer than a line are cut).
/// Written here because ratatui's own wrapping does not report line counts
/// or hanging indents, both of which the panels need.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        for word in paragraph.split(' ').filter(|w| !w.is_empty()) {
            let needed = if line.is_empty() {
                word.width()
            } else {
                line.width() + 1 + word.width()
            };
            if needed > width && !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            let mut word = word;
            while word.width() > width {
                let cut = cut_at_width(word, width);
                lines.push(word[..cut].to_string());
                word = &word[cut..];
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        lines.push(line);
    }
    lines
}

fn cut_at_width(s: &str, width: usize) -> usize {
    let mut used = 0;
    for (i, c) in s.char_indices() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w > width {
            return i.max(c.len_utf8());
        }
        used += w;
    }
    s.len()
}

/// Cut `s` to `width` columns, ending with … when cut.
pub fn truncate(s: &str, width: usize) -> String {
    if s.width() <= width {
        return s.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let cut = cut_at_width(s, width - 1);
    format!("{}…", &s[..cut])
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
        for word in wrap(&crate::text::clean(text), room)
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
    let chars: Vec<char> = value.chars().collect();
    let cursor = cursor.min(chars.len());
    let start = cursor.saturating_sub(width.saturating_sub(1));
    let shown: String = chars[start..].iter().take(width).collect();
    let shown = crate::text::clean(&shown);
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
