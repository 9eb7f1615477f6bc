//! Deal warnings on screen, typed through the keymap: the list's column
//! and its `w` filter, the deal screen's count and panel.

use ratatui::crossterm::event::KeyCode;

mod common;

use common::tui::*;

/// Acme (one warning: its confirmed budget is below its first-year
/// value), Globex and Initech (new: no economic buyer, no champion, no
/// next step, single-threaded).
fn three() -> qualify::ops::Session {
    acme_and(vec![new_globex(), new_initech()])
}

#[test]
fn w_narrows_the_list_to_one_kind_of_warning_at_a_time() {
    let mut app = app(three(), 120, 40);
    let text = screen(&app, 120, 40);
    assert!(text.contains("Warn"), "the column: {text}");
    press(&mut app, KeyCode::Char('w'));
    let text = screen(&app, 120, 40);
    assert!(text.contains("warned: no economic buyer"), "{text}");
    assert!(text.contains("Globex analytics") && text.contains("Initech payroll"));
    assert!(!text.contains("Acme ERP rollout"), "Acme has its buyer");
    // on to budget short (the twelfth kind): Acme alone
    for _ in 1..12 {
        press(&mut app, KeyCode::Char('w'));
    }
    let text = screen(&app, 120, 40);
    assert!(text.contains("warned: budget short"), "{text}");
    assert!(text.contains("Acme ERP rollout") && !text.contains("Globex analytics"));
    // past the last kind, no filter
    press(&mut app, KeyCode::Char('w'));
    press(&mut app, KeyCode::Char('w'));
    let text = screen(&app, 120, 40);
    assert!(
        !text.contains("warned:") && text.contains("3 deals"),
        "{text}"
    );
}

#[test]
fn the_deal_screen_counts_its_warnings_and_names_their_facts() {
    let mut app = app(three(), 120, 40);
    open_row(&mut app, 0); // Globex, the soonest to close
    let text = screen(&app, 120, 40);
    let header = text.lines().next().unwrap();
    assert!(
        header.contains("Globex analytics") && header.contains("! 4"),
        "{header}"
    );
    assert!(text.contains("Warnings: 4 (1 critical)"), "{text}");
    insta::assert_snapshot!("warnings_panel_120x40", text);
    let mut small = app;
    small.resize(ratatui::layout::Rect::new(0, 0, 80, 24));
    press(&mut small, KeyCode::Char('p'));
    let text = screen(&small, 80, 24);
    assert!(text.contains("‼ no economic buyer (step 2)"), "{text}");
    insta::assert_snapshot!("warnings_panel_80x24", text);
}

#[test]
fn the_dashboard_counts_open_deals_and_their_amount_by_warning() {
    let mut app = app(three(), 120, 40);
    press(&mut app, KeyCode::Char('d'));
    let text = screen(&app, 120, 40);
    assert!(text.contains("Open deals by warning"), "{text}");
    let row = |kind: &str| {
        text.lines()
            .find_map(|l| {
                l.split('│')
                    .find(|cell| cell.starts_with(kind))
                    .map(str::to_string)
            })
            .unwrap_or_else(|| panic!("{kind} not on screen:\n{text}"))
    };
    // Globex ($120,000) and Initech ($480,000) have no economic buyer
    let words = |cell: String| {
        cell.split_whitespace()
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    assert_eq!(words(row("no economic buyer"))[3..], ["2", "$600K"]);
    assert_eq!(words(row("budget short"))[2..], ["1", "$300K"]);
}
