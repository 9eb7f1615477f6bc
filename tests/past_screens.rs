//! The past on screen: the deal screen's MEDDPICC sparkline and the
//! dashboard's "since last week" panel, typed through the keymap.

mod common;
use chrono::Duration;
use common::tui::*;
use qualify::domain::choices::Element;
use qualify::domain::deal::DealId;
use qualify::domain::money::Money;
use qualify::ops::{self, Session};
use ratatui::crossterm::event::KeyCode;

/// Acme's scores cut six days ago and raised again two days ago; its
/// amount raised yesterday.
fn rescored() -> Session {
    let mut s = acme_and(vec![new_globex(), new_initech()]);
    let acme = DealId(1);
    let score = |s: &mut Session, at, element: Element, score: u8| {
        ops::edit_deal(s.at(at), acme, None, |deal| {
            deal.content
                .meddpicc
                .elements
                .get_mut(&element)
                .unwrap()
                .score = score;
            Ok(())
        })
        .unwrap();
    };
    score(&mut s, now() - Duration::days(6), Element::Champion, 1);
    score(&mut s, now() - Duration::days(6), Element::Metrics, 1);
    score(&mut s, now() - Duration::days(2), Element::Champion, 3);
    ops::edit_deal(s.at(now() - Duration::days(1)), acme, None, |deal| {
        deal.amount = Some(Money::from_dollars(360_000));
        Ok(())
    })
    .unwrap();
    s
}

#[test]
fn the_deal_screen_draws_the_meddpicc_total_over_time() {
    let mut app = app(rescored(), 120, 40);
    // the list in close-date order: Globex, Acme, Initech
    open_row(&mut app, 1);
    let text = screen(&app, 120, 40);
    assert!(text.contains("MEDDPICC 17/24 since 11-19"), "{text}");
    insta::assert_snapshot!("deal_trend_120x40", text);
    app.resize(ratatui::layout::Rect::new(0, 0, 80, 24));
    // on a small screen the steps keep the whole column
    let text = screen(&app, 80, 24);
    assert!(!text.contains("MEDDPICC 17/24"), "{text}");
    assert!(text.contains("10  CRM documentation"), "{text}");
    press(&mut app, KeyCode::Esc);
}

#[test]
fn the_dashboard_counts_what_moved_since_last_week() {
    let mut app = app(rescored(), 120, 40);
    press(&mut app, KeyCode::Char('d'));
    let text = screen(&app, 120, 40);
    // Acme's amount went up and its score down (18 → 17, by way of 15);
    // Globex and Initech were added eight days ago: not new
    assert!(
        text.contains("Since last week (2026-11-20) · 1 deal changed"),
        "{text}"
    );
    assert!(!text.contains("New "), "{text}");
    assert!(text.contains("Amount up            1    $360K"), "{text}");
    assert!(text.contains("Score down           1    $360K"), "{text}");
    insta::assert_snapshot!("dashboard_since_120x40", text);
    // not on a small screen: the lists keep the room
    app.resize(ratatui::layout::Rect::new(0, 0, 80, 24));
    assert!(!screen(&app, 80, 24).contains("Since last week"));
}

#[test]
fn under_on_the_deal_screen_shows_the_deal_as_it_stood_and_changes_nothing() {
    let mut session = rescored();
    session.on = Some(qualify::domain::parse_date("2026-11-22").unwrap());
    let mut app = app(session, 120, 40);
    open_row(&mut app, 1);
    let text = screen(&app, 120, 40);
    // on the 22nd: the scores cut on the 21st, the amount not yet raised
    assert!(text.contains("as it stood on 2026-11-22"), "{text}");
    assert!(text.contains("$300,000"), "{text}");
    assert!(!text.contains("$360,000"), "{text}");
    assert!(text.contains("MEDDPICC 15/24 since 11-19"), "{text}");
    // moving about works; completing a step does not
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Char('c'));
    let text = screen(&app, 120, 40);
    assert!(
        text.contains("Shown as it stood at the end of 2026-11-22"),
        "{text}"
    );
    insta::assert_snapshot!("deal_on_120x40", text);
    let acme = ops::views::deal(&app.ctx().session, DealId(1)).unwrap();
    assert_eq!(
        acme.amount,
        Some(Money::from_dollars(360_000)),
        "nothing written"
    );
}
