//! Sanitising user text before it reaches a terminal.

/// Replace control characters (escape sequences, carriage returns, tabs …)
/// so that user text printed by the CLI or drawn in a cell cannot move the
/// cursor or change the terminal's state. Newlines are kept when `keep_newlines`.
pub fn sanitize(text: &str, keep_newlines: bool) -> String {
    text.chars()
        .map(|c| match c {
            '\n' if keep_newlines => '\n',
            '\t' => ' ',
            c if c.is_control() || is_bidi_control(c) => '\u{FFFD}',
            c => c,
        })
        .collect()
}

/// Characters that reorder the text around them (a name could otherwise
/// display reversed or hide what follows it).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// One-line form of user text: control characters and newlines replaced.
pub fn clean(text: &str) -> String {
    sanitize(text, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_are_neutralised() {
        assert_eq!(clean("a\u{1b}[2Jb"), "a\u{FFFD}[2Jb");
        assert_eq!(clean("x\ny"), "x\u{FFFD}y");
        assert_eq!(sanitize("x\ny\r", true), "x\ny\u{FFFD}");
        assert_eq!(clean("tab\there"), "tab here");
        assert_eq!(clean("evil\u{202E}txt.exe"), "evil\u{FFFD}txt.exe");
    }
}
