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

#[test]
fn shift_z_snoozes_one_of_the_deal_s_warnings() {
    let mut app = app(three(), 120, 40);
    // Globex, first in the list: four warnings, no economic buyer first
    press(&mut app, KeyCode::Char('Z'));
    let text = screen(&app, 120, 40);
    assert!(text.contains("Snooze a warning of deal"), "{text}");
    assert!(text.contains("‹ no economic buyer ›"), "{text}");
    press(&mut app, KeyCode::Right);
    let text = screen(&app, 120, 40);
    assert!(text.contains("‹ single-threaded ›"), "{text}");
    insta::assert_snapshot!("warning_snooze_120x40", text);
    press(&mut app, KeyCode::Enter); // to the day (a week ahead)
    press(&mut app, KeyCode::Enter); // to the reason
    type_text(&mut app, "Second contact joins next week");
    press(&mut app, KeyCode::Enter);
    let status = app.status().unwrap().text.clone();
    assert_eq!(
        status,
        "Deal 2: single-threaded warning silenced until 2026-12-04"
    );
    let row = screen(&app, 120, 40)
        .lines()
        .find(|l| l.contains("Globex analytics"))
        .unwrap()
        .to_string();
    assert!(row.contains(" 3 "), "three warnings left: {row}");
    // Acme's one warning snoozed, Z on it says there is none left
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Char('Z'));
    assert!(screen(&app, 120, 40).contains("‹ budget short ›"));
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, "CFO tops it up in Q1");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('Z'));
    assert_eq!(
        app.status().unwrap().text,
        "Deal 1 has no warning to snooze"
    );
    assert!(!screen(&app, 120, 40).contains("Snooze a warning"));
}
