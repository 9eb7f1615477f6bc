//! Screens as a person sees them: key sequences through `update`, then the
//! frame drawn into a test backend and compared with a committed snapshot.

use qualify::domain::document::parse_documents;
use qualify::domain::money::Money;
use qualify::domain::parse_date;
use qualify::domain::playbook::Playbook;
use qualify::domain::step::{StepChange, StepNumber, StepStatus};
use qualify::ops::{self, Session};
use qualify::store::{ListQuery, Store};
use qualify::tui::App;
use qualify::tui::action::Action;
use qualify::tui::app::Flow;
use qualify::tui::shared::Tone;
use qualify::tui::theme::Theme;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use ratatui::style::Color;

mod common;

use common::tui::*;

/// Acme (steps 1-2 done, step 3 blocked for five days), Globex and
/// Initech, new.
fn fixture_store() -> Session {
    acme_and(vec![new_globex(), new_initech()])
}

/// Tab from the steps to the notes (steps, form, actions, notes).
fn to_notes(app: &mut App) {
    for _ in 0..3 {
        app.update(Action::FocusNext);
    }
}

#[test]
fn welcome_on_first_run() {
    let app = app(session(Store::open_in_memory().unwrap()), 120, 40);
    let text = screen(&app, 120, 40);
    assert!(text.contains("No deals yet. Press n to add your first deal"));
    assert!(text.contains("/home/dana/.local/share/qualify/qualify.db"));
    insta::assert_snapshot!("welcome_120x40", text);
}

#[test]
fn deal_list_at_both_sizes() {
    let app = app(fixture_store(), 120, 40);
    insta::assert_snapshot!("list_120x40", screen(&app, 120, 40));
    let mut small = app;
    small.resize(Rect::new(0, 0, 80, 24));
    insta::assert_snapshot!("list_80x24", screen(&small, 80, 24));
}

#[test]
fn sorting_and_filtering_the_list() {
    let mut app = app(fixture_store(), 120, 40);
    app.update(Action::CycleSort); // amount, largest first
    let text = screen(&app, 120, 40);
    let initech = text.find("Initech payroll").unwrap();
    let globex = text.find("Globex analytics").unwrap();
    assert!(initech < globex, "largest amount first:\n{text}");
    app.update(Action::Filter);
    type_text(&mut app, "dana");
    let text = screen(&app, 120, 40);
    assert!(text.contains("Deals (2)"), "{text}");
    assert!(!text.contains("Globex analytics"), "{text}");
    app.update(Action::Cancel);
    assert!(screen(&app, 120, 40).contains("Deals (3)"));
}

#[test]
fn a_filter_shorter_than_three_characters_waits_for_enter() {
    let mut app = app(fixture_store(), 120, 40);
    app.update(Action::Filter);
    type_text(&mut app, "gl");
    let text = screen(&app, 120, 40);
    assert!(text.contains("Deals (3)"), "{text}");
    assert!(text.contains("type 3 characters to filter"), "{text}");
    app.update(Action::Confirm);
    let text = screen(&app, 120, 40);
    assert!(text.contains("Deals (1)"), "{text}");
    assert!(text.contains("Globex analytics"), "{text}");
    app.update(Action::Cancel);
    assert!(screen(&app, 120, 40).contains("Deals (3)"));
}

#[test]
fn deal_screen_at_120x40_shows_steps_qa_and_escalations() {
    let mut app = app(fixture_store(), 120, 40);
    open_row(&mut app, 1); // Acme: Globex closes first
    let text = screen(&app, 120, 40);
    let pb = Playbook::default_playbook();
    for step in &pb.steps {
        let first_words: String = step.title.split(' ').take(2).collect::<Vec<_>>().join(" ");
        assert!(
            text.contains(&first_words),
            "{} missing:\n{text}",
            step.title
        );
    }
    assert!(text.contains("QA checklist"));
    assert!(text.contains("Escalations: 1 open"));
    assert!(
        text.contains("OVERDUE"),
        "blocked 5 days: due 1 day ago\n{text}"
    );
    insta::assert_snapshot!("deal_120x40", text);
}

#[test]
fn deal_screen_at_80x24_reaches_the_panels_with_p() {
    let mut app = app(fixture_store(), 80, 24);
    open_row(&mut app, 1);
    let text = screen(&app, 80, 24);
    assert!(!text.contains("QA checklist"));
    insta::assert_snapshot!("deal_80x24", text);
    app.update(Action::TogglePanels);
    let text = screen(&app, 80, 24);
    assert!(text.contains("QA checklist"));
    assert!(text.contains("Escalations: 1 open"));
    insta::assert_snapshot!("deal_80x24_panels", text);
}

#[test]
fn overdue_escalations_are_red_in_colour() {
    let mut app = App::new(ctx(fixture_store(), Theme::colour()));
    open_row(&mut app, 1);
    let terminal = draw(&app, 120, 40);
    let buffer = terminal.backend().buffer();
    let (x, y) = (0..40u16)
        .flat_map(|y| (0..120u16).map(move |x| (x, y)))
        .find(|&(x, y)| buffer[(x, y)].symbol() == "O" && buffer[(x + 1, y)].symbol() == "V")
        .expect("OVERDUE is on screen");
    assert_eq!(buffer[(x, y)].fg, Color::Red);
}

#[test]
fn a_note_typed_and_confirmed_is_in_the_database() {
    let mut app = app(fixture_store(), 120, 40);
    open_row(&mut app, 0); // Globex, step 1
    to_notes(&mut app);
    app.update(Action::EditNote);
    type_text(&mut app, "Pain: churn reporting takes 3 weeks");
    app.update(Action::Type(KeyEvent::new(
        KeyCode::Enter,
        KeyModifiers::NONE,
    )));
    type_text(&mut app, "Metric: 2 days");
    let editing = screen(&app, 120, 40);
    assert!(editing.contains("editing: Esc saves"), "{editing}");
    app.update(Action::Confirm);
    assert_eq!(app.status().unwrap().text, "Outcomes saved");
    let globex = app
        .ctx()
        .session
        .store()
        .deal_page(&ListQuery::default(), 0, 1)
        .unwrap()[0]
        .id;
    let saved = app.ctx().session.store().deal(globex).unwrap();
    assert_eq!(
        saved.steps[0].notes.outcomes,
        "Pain: churn reporting takes 3 weeks\nMetric: 2 days"
    );
    assert_eq!(saved.steps[0].status, StepStatus::InProgress);
    insta::assert_snapshot!("deal_note_saved_120x40", screen(&app, 120, 40));
}

#[test]
fn completing_out_of_order_is_refused_with_the_reason() {
    let mut app = app(fixture_store(), 120, 40);
    open_row(&mut app, 0); // Globex
    app.update(Action::SelectStep(step(3)));
    app.update(Action::CompleteStep);
    let status = app.status().unwrap();
    assert_eq!(status.tone, Tone::Error);
    assert!(
        status.text.contains("step 1 (Initial qualification"),
        "{}",
        status.text
    );
    app.update(Action::SelectStep(step(1)));
    app.update(Action::CompleteStep);
    let status = app.status().unwrap();
    assert!(
        status.text.contains("Step 1 cannot be completed yet"),
        "{}",
        status.text
    );
    assert!(
        status.text.contains("every element scored"),
        "{}",
        status.text
    );
}

#[test]
fn blocking_asks_for_a_reason_and_unblocking_clears_it() {
    let mut app = app(fixture_store(), 120, 40);
    open_row(&mut app, 0);
    app.update(Action::BlockStep);
    app.update(Action::Confirm);
    assert_eq!(
        app.status().unwrap().tone,
        Tone::Error,
        "an empty reason is refused"
    );
    type_text(&mut app, "Security questionnaire pending");
    insta::assert_snapshot!("deal_block_prompt_80x24", {
        let mut small = app;
        small.resize(Rect::new(0, 0, 80, 24));
        let text = screen(&small, 80, 24);
        app = small;
        text
    });
    app.resize(Rect::new(0, 0, 120, 40));
    app.update(Action::Confirm);
    let text = screen(&app, 120, 40);
    assert!(
        text.contains("Blocked 0m since 2026-11-27 15:00:"),
        "{text}"
    );
    assert!(text.contains("Security questionnaire pending"), "{text}");
    app.update(Action::UnblockStep);
    assert!(screen(&app, 120, 40).contains("In progress since 2026-11-27 15:00"));
}

#[test]
fn new_deal_form_validates_in_place_and_creates_the_deal() {
    let mut app = app(session(Store::open_in_memory().unwrap()), 80, 24);
    app.update(Action::NewDeal);
    type_text(&mut app, "Umbrella CRM");
    app.update(Action::FocusNext);
    type_text(&mut app, "Umbrella");
    app.update(Action::FocusNext);
    type_text(&mut app, "abc");
    app.update(Action::FocusNext);
    app.update(Action::FocusNext);
    type_text(&mut app, "31/02/2027");
    let text = screen(&app, 80, 24);
    assert!(text.contains("✗ not an amount"), "{text}");
    assert!(text.contains("✗ not a date"), "{text}");
    insta::assert_snapshot!("new_deal_errors_80x24", text);
    app.update(Action::Save);
    assert_eq!(app.status().unwrap().tone, Tone::Error);
    assert_eq!(
        app.ctx()
            .session
            .store()
            .count_deals(&ListQuery::default())
            .unwrap(),
        0
    );
    // fix both fields: the focus went to the first bad one (amount)
    for _ in 0..3 {
        app.update(Action::Type(KeyEvent::new(
            KeyCode::Backspace,
            KeyModifiers::NONE,
        )));
    }
    type_text(&mut app, "$250,000");
    app.update(Action::FocusNext);
    app.update(Action::FocusNext);
    for _ in 0..10 {
        app.update(Action::Type(KeyEvent::new(
            KeyCode::Backspace,
            KeyModifiers::NONE,
        )));
    }
    type_text(&mut app, "2027-02-28");
    app.update(Action::Save);
    let text = screen(&app, 80, 24);
    assert!(text.contains("Deal 1 created"), "{text}");
    let created = app
        .ctx()
        .session
        .store()
        .deal(qualify::domain::DealId(1))
        .unwrap();
    assert_eq!(created.amount, Some(Money::from_dollars(250_000)));
    assert_eq!(created.close_date, Some(parse_date("2027-02-28").unwrap()));
}

#[test]
fn a_half_filled_form_is_kept_when_closed() {
    let mut app = app(session(Store::open_in_memory().unwrap()), 80, 24);
    app.update(Action::NewDeal);
    type_text(&mut app, "Half typed");
    app.update(Action::Cancel);
    assert!(!screen(&app, 80, 24).contains("Half typed"));
    app.update(Action::NewDeal);
    assert!(screen(&app, 80, 24).contains("Half typed"));
}

#[test]
fn help_is_generated_from_the_keymap() {
    let mut app = app(fixture_store(), 80, 24);
    open_row(&mut app, 0);
    app.update(Action::ToggleHelp);
    let text = screen(&app, 80, 24);
    assert!(text.contains("complete step"));
    assert!(text.contains("Deal screen"));
    insta::assert_snapshot!("help_deal_80x24", text);
    app.update(Action::ToggleHelp);
    assert!(!screen(&app, 80, 24).contains("Keys ("));
}

#[test]
fn a_small_window_says_so_and_never_panics() {
    let mut app = app(fixture_store(), 60, 20);
    open_row(&mut app, 1);
    for (w, h) in [(79, 24), (80, 23), (10, 3), (1, 1)] {
        app.resize(Rect::new(0, 0, w, h));
        let text = screen(&app, w, h);
        if w >= 30 {
            assert!(text.contains("too small"), "{w}x{h}: {text}");
        }
    }
    app.resize(Rect::new(0, 0, 80, 24));
    assert!(screen(&app, 80, 24).contains("Step 3 of 10"));
}

#[test]
fn quit_keys() {
    let mut app = app(fixture_store(), 80, 24);
    assert_eq!(app.update(Action::Quit), Flow::Quit);
    let mut app = self::app(fixture_store(), 80, 24);
    open_row(&mut app, 0);
    to_notes(&mut app);
    app.update(Action::EditNote);
    type_text(&mut app, "typed then Ctrl-C");
    assert_eq!(app.update(Action::ForceQuit), Flow::Quit);
    let globex = app
        .ctx()
        .session
        .store()
        .deal_page(&ListQuery::default(), 0, 1)
        .unwrap()[0]
        .id;
    assert_eq!(
        app.ctx().session.store().deal(globex).unwrap().steps[0]
            .notes
            .outcomes,
        "typed then Ctrl-C",
        "Ctrl-C saves the note being typed"
    );
}

/// The middle column of a 120-wide deal screen (the step's detail), its
/// wrapped lines joined as a person reads them.
fn detail(app: &App) -> String {
    let text = screen(app, 120, 40);
    let words: Vec<String> = text
        .lines()
        .map(|l| {
            l.trim_matches('"')
                .chars()
                .skip(34)
                .take(44)
                .collect::<String>()
        })
        .flat_map(|l| l.split_whitespace().map(str::to_string).collect::<Vec<_>>())
        .collect();
    words.join(" ")
}

fn special(code: KeyCode) -> Action {
    Action::Type(KeyEvent::new(code, KeyModifiers::NONE))
}

/// Open the Globex deal (new, nothing captured) on step `n`'s form.
fn globex_on_step(n: StepNumber) -> App {
    let mut app = app(fixture_store(), 120, 40);
    open_row(&mut app, 0);
    app.update(Action::SelectStep(n));
    app.update(Action::FocusNext);
    app
}

fn globex(app: &App) -> qualify::domain::Deal {
    let id = app
        .ctx()
        .session
        .store()
        .deal_page(&ListQuery::default(), 0, 1)
        .unwrap()[0]
        .id;
    app.ctx().session.store().deal(id).unwrap()
}

#[test]
fn each_steps_form_at_120x40() {
    let mut app = app(fixture_store(), 120, 40);
    open_row(&mut app, 1); // Acme: everything captured
    let titles = [
        "Elements",
        "Stakeholders",
        "Budget",
        "Validation items",
        "Competitors",
        "Milestones",
        "Timeline",
        "Risks",
        "Next steps",
        "Opportunity record",
    ];
    for (n, title) in StepNumber::all().zip(titles) {
        app.update(Action::SelectStep(n));
        app.update(Action::FocusNext);
        let text = screen(&app, 120, 40);
        assert!(text.contains(&format!("Step {n} of 10")), "{text}");
        assert!(
            text.contains(title),
            "step {n} shows its form ({title}):\n{text}"
        );
        insta::assert_snapshot!(format!("form_step_{n:02}_120x40"), text);
    }
}

#[test]
fn a_stakeholder_added_through_the_form_is_saved_and_the_criteria_follow() {
    let mut app = globex_on_step(step(2));
    let before = detail(&app);
    assert!(
        before.contains("✗ An Economic Buyer confirmed with a date — no Economic Buyer"),
        "{before}"
    );
    app.update(Action::AddRow);
    type_text(&mut app, "Tom Hale");
    app.update(Action::FocusNext);
    type_text(&mut app, "CFO");
    app.update(Action::FocusNext); // role: Economic Buyer is the first choice
    app.update(Action::FocusNext);
    app.update(Action::PickNext); // stance: supports -> neutral
    app.update(Action::PickPrev); // and back to supports
    app.update(Action::FocusNext);
    app.update(Action::FocusNext);
    type_text(&mut app, "2026-11-23");
    app.update(Action::FocusNext);
    type_text(&mut app, "+0");
    insta::assert_snapshot!("record_editor_stakeholder_120x40", screen(&app, 120, 40));
    app.update(Action::Save);
    assert_eq!(app.status().unwrap().text, "Stakeholder saved");
    let deal = globex(&app);
    let s = &deal.content.stakeholders[0];
    assert_eq!((s.name.as_str(), s.title.as_str()), ("Tom Hale", "CFO"));
    assert_eq!(s.role, qualify::domain::content::Role::EconomicBuyer);
    assert_eq!(s.stance, qualify::domain::content::Stance::Supports);
    assert_eq!(s.last_engaged, Some(parse_date("2026-11-23").unwrap()));
    assert_eq!(
        s.confirmed_on,
        Some(parse_date("2026-11-27").unwrap()),
        "+0 is today"
    );
    let after = detail(&app);
    assert!(
        after.contains("✓ An Economic Buyer confirmed with a date — Tom Hale"),
        "{after}"
    );
    assert!(
        after.contains("✗ A Champion confirmed with a date"),
        "{after}"
    );
    assert!(
        after.contains("✓ Every stakeholder with a last-engaged date — 1 stakeholder "),
        "one, in the singular: {after}"
    );
}

#[test]
fn a_wrong_date_is_shown_in_place_and_nothing_is_saved_until_fixed() {
    let mut app = globex_on_step(step(9));
    app.update(Action::AddRow);
    type_text(&mut app, "Send security questionnaire");
    app.update(Action::FocusNext);
    type_text(&mut app, "Sam");
    app.update(Action::FocusNext);
    type_text(&mut app, "31/02/2027");
    let text = screen(&app, 120, 40);
    assert!(text.contains("✗ not a date"), "{text}");
    app.update(Action::Save);
    assert_eq!(app.status().unwrap().tone, Tone::Error);
    app.update(Action::Cancel); // Esc with a wrong field: the editor stays, nothing lost
    assert!(screen(&app, 120, 40).contains("Send security questionnaire"));
    assert!(globex(&app).content.next_steps.is_empty());
    for _ in 0..10 {
        app.update(special(KeyCode::Backspace));
    }
    type_text(&mut app, "+2");
    app.update(Action::Cancel); // now valid: Esc saves and leaves
    let deal = globex(&app);
    assert_eq!(deal.content.next_steps.len(), 1);
    let next = &deal.content.next_steps[0];
    assert_eq!(next.set_on, parse_date("2026-11-27").unwrap());
    assert_eq!(
        next.due,
        Some(parse_date("2026-12-01").unwrap()),
        "+2 business days from Friday"
    );
    let text = detail(&app);
    assert!(
        text.contains("✓ An open next step due within 2 business days"),
        "{text}"
    );
}

#[test]
fn ctrl_d_drops_an_edit() {
    let mut app = globex_on_step(step(5));
    app.update(Action::AddRow);
    type_text(&mut app, "Initrode");
    app.update(Action::DropEdit);
    assert_eq!(app.status().unwrap().text, "Edit dropped");
    assert!(globex(&app).content.competitors.is_empty());
}

#[test]
fn scoring_an_element_updates_the_total_and_the_criteria() {
    let mut app = globex_on_step(step(1));
    app.update(Action::Open); // edit the selected row: Metrics
    app.update(Action::PickNext); // "" -> 0
    app.update(Action::PickNext); // -> 1
    app.update(Action::PickNext); // -> 2
    app.update(Action::FocusNext);
    type_text(&mut app, "Close takes 12 days (CFO, 2026-11-23)");
    app.update(Action::Confirm); // Enter on the last field saves
    let deal = globex(&app);
    let metrics = &deal.content.meddpicc.elements[&qualify::domain::content::Element::Metrics];
    assert_eq!(metrics.score, 2);
    let text = detail(&app);
    assert!(text.contains("total 2/24"), "{text}");
    assert!(
        text.contains("✗ Every element scored — missing: Economic buyer"),
        "{text}"
    );
    app.update(Action::ToggleFramework);
    let text = detail(&app);
    assert!(text.contains("MEDDICC · total 2/21"), "{text}");
    assert!(!screen(&app, 120, 40).contains("│Paper process"), "{text}");
}

#[test]
fn the_sa_signs_off_the_validation_plan_and_battle_cards_are_kept() {
    let mut app = globex_on_step(step(4));
    // only the deal's SA may sign, and the screen says so to anyone else
    app.update(Action::Approve);
    let status = app.status().unwrap();
    assert_eq!(status.tone, Tone::Error);
    assert!(
        status.text.contains(
            "only the deal's SA, Sam Architect, may sign off the validation plan; you are dana"
        ),
        "{}",
        status.text
    );
    assert!(globex(&app).content.validation_plan.decision.is_none());
    app.act_as("sam architect");
    app.update(Action::SendBack);
    type_text(&mut app, "Add a load test");
    app.update(Action::Confirm);
    let decision = globex(&app).content.validation_plan.decision.unwrap();
    assert!(!decision.approved);
    assert_eq!(decision.by, "Sam Architect");
    assert_eq!(decision.comment, "Add a load test");
    assert!(
        detail(&app).contains("sent back by Sam Architect: Add a load test"),
        "{}",
        detail(&app)
    );
    app.update(Action::Approve);
    app.update(Action::Confirm);
    assert!(
        globex(&app)
            .content
            .validation_plan
            .decision
            .unwrap()
            .approved
    );

    app.update(Action::SelectStep(step(5)));
    app.update(Action::FocusNext);
    app.update(Action::AddRow);
    type_text(&mut app, "Initrode");
    app.update(Action::Save);
    app.update(Action::EditBattleCard);
    type_text(&mut app, "Slow to implement; lead with 90-day go-live");
    app.update(Action::Confirm);
    assert_eq!(
        app.ctx()
            .session
            .store()
            .battle_card("initrode")
            .unwrap()
            .unwrap()
            .notes,
        "Slow to implement; lead with 90-day go-live"
    );
    let text = detail(&app);
    assert!(text.contains("Battle card:"), "{text}");
    assert!(text.contains("90-day go-live"), "{text}");
}

/// Press the key of character `c` through the keymap.
fn key_of(app: &mut App, c: char) {
    let modifiers = if c.is_ascii_uppercase() {
        KeyModifiers::SHIFT
    } else {
        KeyModifiers::NONE
    };
    press_with(app, KeyCode::Char(c), modifiers);
}

#[test]
fn a_step_s_confirmation_is_picked_from_the_stakeholders_with_their_titles() {
    let mut app = app(fixture_store(), 120, 40);
    open_row(&mut app, 1); // Acme: Tom Hale (CFO), Priya Raman (VP Finance), Ken Ito
    key_of(&mut app, '6');
    key_of(&mut app, 'f');
    // as it stands: Priya Raman confirmed it on 2026-11-26
    insta::assert_snapshot!("record_editor_confirmation_120x40", screen(&app, 120, 40));
    let text = plain_screen(&app, 120, 40);
    assert!(text.contains("‹ Priya Raman · VP Finance ›"), "{text}");
    press(&mut app, KeyCode::Right); // the next stakeholder
    assert!(plain_screen(&app, 120, 40).contains("‹ Ken Ito · IT Director ›"));
    key_of(&mut app, 't'); // the first letter picks
    assert!(plain_screen(&app, 120, 40).contains("‹ Tom Hale · CFO ›"));
    // a name is picked, never typed
    let event = KeyEvent::new(KeyCode::Char('x'), KeyModifiers::NONE);
    app.update(qualify::tui::keymap::action_for(&app.layers(), &event).unwrap());
    assert!(plain_screen(&app, 120, 40).contains("‹ Tom Hale · CFO ›"));
    press(&mut app, KeyCode::Enter); // to the date
    press(&mut app, KeyCode::Enter); // saves
    assert_eq!(app.status().unwrap().text, "Confirmation saved");
    let acme = app
        .ctx()
        .session
        .store()
        .deal_page(&ListQuery::default(), 0, 3)
        .unwrap()
        .into_iter()
        .find(|d| d.name == "Acme ERP rollout")
        .unwrap()
        .id;
    let deal = app.ctx().session.store().deal(acme).unwrap();
    assert_eq!(deal.steps[5].confirmed_with, "Tom Hale");
    assert_eq!(
        deal.steps[5].confirmed_on,
        Some(parse_date("2026-11-26").unwrap())
    );
    assert!(
        detail(&app)
            .contains("✓ Confirmed with a stakeholder, with a date — Tom Hale on 2026-11-26"),
        "{}",
        detail(&app)
    );
}

#[test]
fn a_new_confirmation_is_dated_today_and_needs_the_stakeholders_mapped() {
    let mut app = app(fixture_store(), 120, 40);
    open_row(&mut app, 0); // Globex: nobody mapped yet
    key_of(&mut app, '2');
    key_of(&mut app, 'f');
    let text = plain_screen(&app, 120, 40);
    assert!(
        text.contains("the deal has no stakeholders yet: map them on step 2 first"),
        "{text}"
    );
    assert!(
        text.contains("Confirmed on * 2026-11-27"),
        "today by default:\n{text}"
    );
    press_with(&mut app, KeyCode::Char('s'), KeyModifiers::CONTROL);
    assert!(
        app.status().unwrap().text.contains("no stakeholders yet"),
        "refused in the form: {:?}",
        app.status()
    );
    assert!(globex(&app).steps[1].confirmed_with.is_empty());
    press_with(&mut app, KeyCode::Char('d'), KeyModifiers::CONTROL);
    // map one, then confirm: picked for you, dated today
    key_of(&mut app, 'a');
    type_text(&mut app, "Tom Hale");
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "CFO");
    press_with(&mut app, KeyCode::Char('s'), KeyModifiers::CONTROL);
    key_of(&mut app, 'f');
    assert!(plain_screen(&app, 120, 40).contains("‹ Tom Hale · CFO ›"));
    press_with(&mut app, KeyCode::Char('s'), KeyModifiers::CONTROL);
    let step = &globex(&app).steps[1];
    assert_eq!(step.confirmed_with, "Tom Hale");
    assert_eq!(step.confirmed_on, Some(parse_date("2026-11-27").unwrap()));
}

#[test]
fn the_scorecard_s_step_takes_a_contact_not_mapped_yet() {
    let mut app = app(fixture_store(), 120, 40);
    open_row(&mut app, 0); // Globex: nobody mapped yet
    key_of(&mut app, '1');
    key_of(&mut app, 'f');
    type_text(&mut app, "Sarah Kim");
    press_with(&mut app, KeyCode::Char('s'), KeyModifiers::CONTROL);
    let step = &globex(&app).steps[0];
    assert_eq!(step.confirmed_with, "Sarah Kim");
    assert_eq!(step.confirmed_on, Some(parse_date("2026-11-27").unwrap()));
    // an empty name is refused in the form
    key_of(&mut app, 'f');
    for _ in 0.."Sarah Kim".len() {
        press(&mut app, KeyCode::Backspace);
    }
    press_with(&mut app, KeyCode::Char('s'), KeyModifiers::CONTROL);
    assert_eq!(app.status().unwrap().text, "Confirmed with: required");
    assert_eq!(globex(&app).steps[0].confirmed_with, "Sarah Kim");
}

#[test]
fn the_budget_s_confirmation_fills_its_step_s() {
    let mut app = app(fixture_store(), 120, 40);
    open_row(&mut app, 0); // Globex
    key_of(&mut app, '2');
    key_of(&mut app, 'a');
    type_text(&mut app, "Tom Hale");
    press_with(&mut app, KeyCode::Char('s'), KeyModifiers::CONTROL);
    key_of(&mut app, '3');
    press(&mut app, KeyCode::Tab); // the form
    press(&mut app, KeyCode::Enter); // the budget
    type_text(&mut app, "200000");
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "Tom Hale");
    for _ in 0..3 {
        press(&mut app, KeyCode::Tab); // source, timing, confirmed on
    }
    type_text(&mut app, "+0");
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "tom hale");
    press_with(&mut app, KeyCode::Char('s'), KeyModifiers::CONTROL);
    let step = &globex(&app).steps[2];
    assert_eq!(step.confirmed_with, "Tom Hale");
    assert_eq!(step.confirmed_on, Some(parse_date("2026-11-27").unwrap()));
    assert!(
        detail(&app)
            .contains("✓ Confirmed with a stakeholder, with a date — Tom Hale on 2026-11-27"),
        "{}",
        detail(&app)
    );
}

#[test]
fn the_foot_says_which_notes_are_expected_and_a_prepared_step_is_not_rushed() {
    let mut app = app(fixture_store(), 120, 40);
    open_row(&mut app, 0); // Globex, new: step 1 selected
    // the last lines of the screen, as words
    let foot = |app: &App| {
        let lines = lines(app, 120, 40);
        lines[lines.len() - 3..]
            .join(" ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert!(
        foot(&app).contains(
            "Notes expected before completing: Outcomes, Decisions, Next steps (0 of 80 characters), or the form whole (lacking a score for Metrics and 7 more)"
        ),
        "{}",
        foot(&app)
    );
    // the scorecard filled in, each element with its evidence, no notes
    press(&mut app, KeyCode::Tab); // the form
    for i in 0..8 {
        press(&mut app, KeyCode::Enter);
        type_text(&mut app, "2");
        press(&mut app, KeyCode::Tab);
        type_text(&mut app, &format!("CFO on the call, point {i}"));
        press(&mut app, KeyCode::Enter); // saves
        press(&mut app, KeyCode::Down);
    }
    assert!(!foot(&app).contains("Notes expected"), "{}", foot(&app));
    key_of(&mut app, 'f');
    type_text(&mut app, "Priya Raman");
    press_with(&mut app, KeyCode::Char('s'), KeyModifiers::CONTROL);
    press(&mut app, KeyCode::BackTab); // the steps
    key_of(&mut app, 's');
    key_of(&mut app, 'c'); // the same minute
    let status = app.status().unwrap();
    assert_eq!(
        status.text,
        "Step 1 complete. Next: step 2, Stakeholder mapping verification"
    );
    assert_ne!(status.tone, Tone::Warn);
    let deal = globex(&app);
    assert!(deal.steps[0].is_complete());
    assert!(!steps_pane(&app).contains(" 1!"), "{}", steps_pane(&app));
    // step 2 now (once the status has gone): nothing mapped, nothing written
    key_of(&mut app, '2');
    assert!(
        foot(&app).contains("Outcomes, Decisions, Next steps (0 of 80 characters), or the form whole (lacking stakeholders)"),
        "{}",
        foot(&app)
    );
}

#[test]
fn escalations_are_raised_acknowledged_and_resolved_from_the_deal_screen() {
    let mut app = globex_on_step(step(1));
    app.act_as("Lee Park"); // the deal's owner raises it
    app.update(Action::RaiseEscalation);
    app.update(Action::PickNext); // customer -> legal_security
    app.update(Action::PickNext); // -> pricing
    app.update(Action::FocusNext);
    type_text(&mut app, "30% discount asked");
    app.update(Action::Save);
    assert_eq!(app.status().unwrap().text, "Escalation saved");
    let text = screen(&app, 120, 40);
    assert!(text.contains("Escalations: 1 open"), "{text}");
    assert!(text.contains("due in 3d 0h"), "72 hours from now:\n{text}");
    let e = &globex(&app).escalations[0];
    assert_eq!(e.rule, qualify::domain::playbook::EscalationRule::Pricing);
    assert_eq!(e.raised_by, "Lee Park");
    assert_eq!(e.to, "Morgan Lead", "routed to the deal's manager");

    app.act_as("Morgan Lead"); // who acts on it
    app.update(Action::AcknowledgeEscalation); // the first open one is filled in
    assert!(screen(&app, 120, 40).contains("E1"), "the id comes first");
    app.update(Action::FocusNext); // Tab: from the id to the note
    type_text(&mut app, "CFO looking");
    app.update(Action::Save);
    assert_eq!(
        globex(&app).escalations[0]
            .acknowledged
            .as_ref()
            .unwrap()
            .note,
        "CFO looking"
    );

    app.update(Action::ResolveEscalation);
    app.update(Action::FocusNext);
    app.update(Action::Save);
    assert_eq!(
        app.status().unwrap().tone,
        Tone::Error,
        "resolving needs a note"
    );
    type_text(&mut app, "20% approved");
    app.update(Action::Save);
    assert!(globex(&app).escalations[0].resolved.is_some());
    assert!(screen(&app, 120, 40).contains("Escalations: none open"));
}

/// Clear the focused field of the record editor (its text is `was`) and
/// type `text` in its place, through the keymap.
fn retype(app: &mut App, was: &str, text: &str) {
    for _ in was.chars() {
        press(app, KeyCode::Backspace);
    }
    type_text(app, text);
}

#[test]
fn a_role_edited_to_yourself_then_v_or_a_is_refused() {
    let mut app = app(fixture_store(), 120, 40);
    app.act_as("Lee Park"); // Globex's owner
    open_row(&mut app, 0);
    press(&mut app, KeyCode::Char('0')); // step 10: the opportunity record
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Char('e'));
    for _ in 0..3 {
        press(&mut app, KeyCode::Tab); // stage, owner, SA, manager
    }
    retype(&mut app, "Morgan Lead", "lee park");
    press_with(&mut app, KeyCode::Char('s'), KeyModifiers::CONTROL);
    let status = app.status().unwrap().clone();
    assert_eq!(status.tone, Tone::Error);
    assert!(
        status
            .text
            .contains("Lee Park owns the deal and cannot also be its manager"),
        "{}",
        status.text
    );
    assert_eq!(globex(&app).manager, "Morgan Lead", "nothing written");
    press_with(&mut app, KeyCode::Char('d'), KeyModifiers::CONTROL);

    // the SA field the same way
    press(&mut app, KeyCode::Char('e'));
    for _ in 0..2 {
        press(&mut app, KeyCode::Tab);
    }
    retype(&mut app, "Sam Architect", "Lee Park");
    press_with(&mut app, KeyCode::Char('s'), KeyModifiers::CONTROL);
    assert_eq!(app.status().unwrap().tone, Tone::Error);
    assert_eq!(globex(&app).sa, "Sam Architect", "nothing written");
    press_with(&mut app, KeyCode::Char('d'), KeyModifiers::CONTROL);

    // and whatever the fields say, the owner signs nothing
    press(&mut app, KeyCode::Char('V'));
    press_with(&mut app, KeyCode::Char('s'), KeyModifiers::CONTROL);
    let status = app.status().unwrap().clone();
    assert_eq!(status.tone, Tone::Error);
    assert!(
        status.text.contains("Lee Park owns this deal"),
        "{}",
        status.text
    );
    assert!(globex(&app).content.manager_review.is_none());
    press_with(&mut app, KeyCode::Char('d'), KeyModifiers::CONTROL);
    press(&mut app, KeyCode::Char('4'));
    press(&mut app, KeyCode::Char('A'));
    let status = app.status().unwrap().clone();
    assert_eq!(status.tone, Tone::Error);
    assert!(
        status.text.contains("Lee Park owns this deal"),
        "{}",
        status.text
    );
    assert!(globex(&app).content.validation_plan.decision.is_none());
}

#[test]
fn an_escalation_s_raiser_may_withdraw_it_but_not_resolve_it() {
    let mut app = app(fixture_store(), 120, 40);
    app.act_as("Lee Park");
    open_row(&mut app, 0);
    press(&mut app, KeyCode::Char('!'));
    press(&mut app, KeyCode::Right); // customer -> legal_security
    press(&mut app, KeyCode::Right); // -> pricing
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "30% discount asked");
    press_with(&mut app, KeyCode::Char('s'), KeyModifiers::CONTROL);
    assert_eq!(app.status().unwrap().text, "Escalation saved");
    let text = screen(&app, 120, 40);
    assert!(
        text.contains("E1 → Morgan Lead"),
        "routed to the manager:\n{text}"
    );

    // the raiser resolving it is refused, in place
    press(&mut app, KeyCode::Char('X'));
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "approved it myself");
    press_with(&mut app, KeyCode::Char('s'), KeyModifiers::CONTROL);
    let status = app.status().unwrap().clone();
    assert_eq!(status.tone, Tone::Error);
    assert!(
        status.text.contains("raised E1, so you do not resolve it"),
        "{}",
        status.text
    );
    press_with(&mut app, KeyCode::Char('d'), KeyModifiers::CONTROL);
    assert!(screen(&app, 120, 40).contains("Escalations: 1 open"));

    // withdrawn by its raiser with a reason (w, the first open one filled in)
    press(&mut app, KeyCode::Char('w'));
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "customer took list price");
    press_with(&mut app, KeyCode::Char('s'), KeyModifiers::CONTROL);
    assert_eq!(app.status().unwrap().tone, Tone::Info, "{:?}", app.status());
    assert!(screen(&app, 120, 40).contains("Escalations: none open"));
}

#[test]
fn a_manager_review_is_recorded_and_the_history_shows_every_change() {
    let mut app = globex_on_step(step(1));
    app.act_as("Morgan Lead");
    app.update(Action::RecordReview);
    app.update(Action::FocusNext);
    app.update(Action::PickNext); // approve -> send back
    app.update(Action::FocusNext);
    type_text(&mut app, "Close plan is thin");
    app.update(Action::Save);
    let review = globex(&app).content.manager_review.unwrap();
    assert!(!review.approved);
    assert_eq!(
        (review.by.as_str(), review.comment.as_str()),
        ("Morgan Lead", "Close plan is thin")
    );
    app.update(Action::ShowHistory);
    let text = screen(&app, 120, 40);
    assert!(text.contains("Manager review · comment"), "{text}");
    assert!(text.contains("Close plan is thin"), "{text}");
    insta::assert_snapshot!("history_120x40", text);
    app.update(Action::Back);
    assert!(!screen(&app, 120, 40).contains("History of"));
}

#[test]
fn the_review_queues_list_the_deals_waiting_on_a_sign_off() {
    let mut app = app(fixture_store(), 120, 40);
    app.update(Action::CycleQueue);
    let text = screen(&app, 120, 40);
    assert!(
        text.contains("Deals (0) · waiting on SA sign-off"),
        "Acme's plan is approved:\n{text}"
    );
    app.update(Action::CycleQueue);
    let text = screen(&app, 120, 40);
    assert!(
        text.contains("Deals (2) · waiting on manager review"),
        "{text}"
    );
    assert!(
        text.contains("Acme ERP rollout") && text.contains("Initech payroll"),
        "{text}"
    );
    assert!(
        !text.contains("Globex analytics"),
        "under the threshold:\n{text}"
    );
    app.update(Action::CycleQueue);
    assert!(screen(&app, 120, 40).contains("Deals (3) · open deals"));
}

#[test]
fn an_sa_send_back_reopens_step_4_and_says_why() {
    let mut store = fixture_store();
    store.set_user("Sam Okafor");
    let acme = store
        .store()
        .deal_page(&ListQuery::default(), 1, 1)
        .unwrap()[0]
        .id;
    for change in [StepChange::Unblock, StepChange::Complete] {
        ops::change_step(store.at(now()), acme, None, step(3), &change).unwrap();
    }
    ops::change_step(store.at(now()), acme, None, step(4), &StepChange::Complete).unwrap();
    let mut app = app(store, 120, 40);
    open_row(&mut app, 1);
    app.update(Action::SelectStep(step(4)));
    app.update(Action::SendBack);
    type_text(&mut app, "Add a load test");
    app.update(Action::Confirm);
    let status = app.status().unwrap().text.clone();
    assert!(
        status.contains("step 4 reopened: sent back by Sam Okafor: Add a load test"),
        "{status}"
    );
    let deal = app.ctx().session.store().deal(acme).unwrap();
    assert_eq!(deal.steps[3].status, StepStatus::InProgress);
    assert!(
        detail(&app).contains("sent back by Sam Okafor: Add a load test"),
        "{}",
        detail(&app)
    );
}

#[test]
fn ctrl_c_in_a_step_form_saves_the_row_when_it_is_valid() {
    let mut app = globex_on_step(step(5));
    app.update(Action::AddRow);
    type_text(&mut app, "Initrode");
    assert_eq!(app.update(Action::ForceQuit), Flow::Quit);
    assert_eq!(globex(&app).content.competitors[0].name, "Initrode");
}

#[test]
fn a_row_changed_elsewhere_is_not_overwritten_but_other_changes_merge() {
    let (_dir, mut app, mut elsewhere, id) = two_windows();
    app.update(Action::SelectStep(step(2)));
    app.update(Action::FocusNext);
    app.update(Action::Open); // edit Tom Hale
    app.update(Action::FocusNext);
    type_text(&mut app, " (acting)");

    // someone else changes the budget: no conflict with this row
    elsewhere
        .store_mut()
        .update_deal(id, None, now(), |d| {
            d.content.budget.source = "FY28".into();
            Ok(())
        })
        .unwrap();
    app.update(Action::Save);
    assert_eq!(app.status().unwrap().text, "Stakeholder saved");
    let deal = app.ctx().session.store().deal(id).unwrap();
    assert_eq!(deal.content.stakeholders[0].title, "CFO (acting)");
    assert_eq!(
        deal.content.budget.source, "FY28",
        "the other change is kept"
    );

    // now someone else renames the row being edited: the edit is refused
    app.update(Action::Open);
    type_text(&mut app, "!");
    elsewhere
        .store_mut()
        .update_deal(id, None, now(), |d| {
            d.content.stakeholders[0].name = "Thomas Hale".into();
            Ok(())
        })
        .unwrap();
    app.update(Action::Save);
    assert_eq!(app.status().unwrap().tone, Tone::Error);
    assert_eq!(
        app.ctx()
            .session
            .store()
            .deal(id)
            .unwrap()
            .content
            .stakeholders[0]
            .name,
        "Thomas Hale"
    );
}

/// Acme (steps 1-2 done, 3 blocked) in the app, from the fixture store.
fn acme_app() -> (App, qualify::domain::DealId) {
    let store = fixture_store();
    let acme = store
        .store()
        .deal_page(&ListQuery::default(), 1, 1)
        .unwrap()[0]
        .id;
    let mut app = app(store, 120, 40);
    open_row(&mut app, 1);
    (app, acme)
}

/// The steps pane's text (its first 34 columns).
fn steps_pane(app: &App) -> String {
    screen(app, 120, 40)
        .lines()
        .map(|l| l.trim_matches('"').chars().take(34).collect::<String>())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn completing_a_step_shows_the_next_step_s_criteria_at_once() {
    let (mut app, _) = acme_app();
    app.update(Action::SelectStep(step(3)));
    app.update(Action::UnblockStep);
    app.update(Action::CompleteStep);
    let status = app.status().unwrap().text.clone();
    assert!(
        status.starts_with("Step 3 complete. Next: step 4"),
        "{status}"
    );
    let text = detail(&app);
    assert!(text.contains("Step 4 of 10"), "{text}");
    assert!(text.contains("At least one validation item"), "{text}");
    assert!(
        !text.contains("Budget holder set"),
        "step 3's criteria: {text}"
    );
}

#[test]
fn the_note_chosen_on_one_step_is_not_carried_to_the_next() {
    let (mut app, acme) = acme_app();
    app.update(Action::SelectStep(step(4)));
    to_notes(&mut app);
    app.update(Action::Down); // decisions
    app.update(Action::SelectStep(step(5)));
    app.update(Action::FocusNext);
    app.update(Action::FocusNext); // actions
    app.update(Action::EditNote); // Tab Tab e
    type_text(&mut app, " Incumbent is spreadsheets");
    app.update(Action::Confirm);
    let deal = app.ctx().session.store().deal(acme).unwrap();
    assert!(
        deal.steps[4]
            .notes
            .outcomes
            .ends_with(" Incumbent is spreadsheets"),
        "the text lands in the first note: {:?}",
        deal.steps[4].notes
    );
    assert!(!deal.steps[4].notes.decisions.contains("Incumbent"));
}

#[test]
fn a_complete_step_whose_criteria_an_edit_took_away_is_marked() {
    let (mut app, acme) = acme_app();
    app.act_as("Sam Okafor");
    app.update(Action::SelectStep(step(3)));
    app.update(Action::UnblockStep);
    app.update(Action::CompleteStep); // on to step 4
    app.update(Action::Approve);
    app.update(Action::Confirm);
    app.update(Action::CompleteStep);
    assert!(app.ctx().session.store().deal(acme).unwrap().steps[3].is_complete());
    assert!(!steps_pane(&app).contains('✗'), "{}", steps_pane(&app));
    // the first validation item loses its owner: accepted, and marked
    app.update(Action::SelectStep(step(4)));
    app.update(Action::FocusNext);
    app.update(Action::Open);
    for _ in 0..2 {
        app.update(Action::FocusNext);
    }
    for _ in 0..20 {
        app.update(special(KeyCode::Backspace));
    }
    app.update(Action::Save);
    let deal = app.ctx().session.store().deal(acme).unwrap();
    assert_eq!(deal.content.validation_plan.items[0].owner, "");
    assert!(deal.steps[3].is_complete(), "the edit is not refused");
    let pane = steps_pane(&app);
    assert!(pane.contains("●  4✗ Technical validation"), "{pane}");
    let text = detail(&app);
    assert!(text.contains("✗ Criteria no longer met"), "{text}");
    assert!(text.contains("approval out of date"), "{text}");
}

#[test]
fn reopening_a_step_with_later_steps_complete_asks_first() {
    let (mut app, acme) = acme_app();
    app.update(Action::SelectStep(step(1)));
    app.update(Action::ReopenStep);
    let text = screen(&app, 120, 40);
    assert!(
        text.contains("Reopen step 1? Steps 2 stay complete"),
        "{text}"
    );
    app.update(Action::Cancel);
    assert!(app.ctx().session.store().deal(acme).unwrap().steps[0].is_complete());
    app.update(Action::ReopenStep);
    let y = KeyEvent::new(KeyCode::Char('y'), KeyModifiers::NONE);
    let action = qualify::tui::keymap::action_for(&app.layers(), &y).unwrap();
    app.update(action);
    let deal = app.ctx().session.store().deal(acme).unwrap();
    assert_eq!(deal.steps[0].status, StepStatus::InProgress);
    assert!(deal.steps[1].is_complete(), "step 2 stays complete");
    // a step with nothing complete after it reopens without asking
    app.update(Action::SelectStep(step(2)));
    app.update(Action::ReopenStep);
    assert_eq!(app.status().unwrap().text, "Step 2 reopened");
}

/// The Acme fixture in a database file, an app on it and a second
/// connection to the same file (another window or a script).
fn two_windows() -> (tempfile::TempDir, App, Session, qualify::domain::DealId) {
    let pb = Playbook::default_playbook();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("q.db");
    let mut store = session(Store::open(&path).unwrap());
    let text = include_str!("fixtures/complete_deal.json");
    let acme = parse_documents(text)
        .unwrap()
        .remove(0)
        .into_deal(&pb, now());
    let id = store.store_mut().save_deals(&[acme], false, now()).unwrap()[0].id;
    let elsewhere = session(Store::open(&path).unwrap());
    let mut app = app(store, 120, 40);
    open_row(&mut app, 0);
    (dir, app, elsewhere, id)
}

#[test]
fn a_battle_card_changed_elsewhere_is_not_overwritten() {
    let (_dir, mut app, mut elsewhere, _) = two_windows();
    app.update(Action::SelectStep(step(5)));
    app.update(Action::FocusNext); // Globex
    app.update(Action::EditBattleCard);
    type_text(&mut app, "Lead with the audit trail");
    ops::set_battle_card(
        &mut elsewhere,
        "Globex",
        "From the field: they cut price",
        None,
    )
    .unwrap();
    app.update(Action::Confirm);
    let status = app.status().unwrap();
    assert_eq!(status.tone, Tone::Error, "{}", status.text);
    assert!(status.text.contains("changed elsewhere"), "{}", status.text);
    assert_eq!(
        elsewhere
            .store()
            .battle_card("Globex")
            .unwrap()
            .unwrap()
            .notes,
        "From the field: they cut price"
    );
    assert_eq!(
        app.layers()[0],
        qualify::tui::keymap::Layer::Editor,
        "still typing"
    );
}

#[test]
fn ctrl_c_while_a_note_s_save_is_refused_keeps_the_text_and_offers_it_back() {
    let (dir, mut app, mut elsewhere, id) = two_windows();
    app.update(Action::SelectStep(step(3)));
    to_notes(&mut app);
    app.update(Action::EditNote);
    type_text(&mut app, " Budget moved to Q2");
    // another process changes the deal meanwhile: the save is refused
    let note = StepChange::SetNote {
        kind: qualify::domain::NoteKind::Outcomes,
        text: "Written in another window".into(),
    };
    ops::change_step(&mut elsewhere, id, None, step(3), &note).unwrap();
    assert_eq!(app.update(Action::ForceQuit), Flow::Quit);
    let deal = elsewhere.store().deal(id).unwrap();
    assert_eq!(
        deal.steps[2].notes.outcomes, "Written in another window",
        "nothing overwritten"
    );
    drop(app);

    // the next open of that note offers the text back
    let store = session(Store::open(&dir.path().join("q.db")).unwrap());
    let mut app = self::app(store, 120, 40);
    open_row(&mut app, 0);
    app.update(Action::SelectStep(step(3)));
    to_notes(&mut app);
    app.update(Action::EditNote);
    let status = app.status().unwrap().text.clone();
    assert!(status.contains("Your unsaved text from"), "{status}");
    let text = screen(&app, 120, 40);
    assert!(text.contains("Budget moved to Q2"), "{text}");
    app.update(Action::Confirm);
    let saved = app.ctx().session.store().deal(id).unwrap().steps[2]
        .notes
        .outcomes
        .clone();
    assert!(saved.ends_with(" Budget moved to Q2"), "{saved}");
    // saved: the draft is gone
    app.update(Action::EditNote);
    assert!(app.status().is_none(), "no draft offered any more");
}

#[test]
fn a_note_changed_elsewhere_while_typed_is_not_overwritten() {
    let (_dir, mut app, mut elsewhere, id) = two_windows();
    app.update(Action::SelectStep(step(3)));
    to_notes(&mut app);
    app.update(Action::EditNote);
    type_text(&mut app, " Budget moved to Q2");
    app.notice_changes();
    // another process changes that very note meanwhile, and the screen
    // notices the deal moved on before Esc
    let note = StepChange::SetNote {
        kind: qualify::domain::NoteKind::Outcomes,
        text: "CLI wrote this".into(),
    };
    ops::change_step(&mut elsewhere, id, None, step(3), &note).unwrap();
    assert!(app.notice_changes());
    app.update(Action::Confirm);
    let status = app.status().unwrap();
    assert_eq!(status.tone, Tone::Error, "{}", status.text);
    assert!(
        status.text.contains("changed elsewhere") && status.text.contains("draft"),
        "{}",
        status.text
    );
    let deal = elsewhere.store().deal(id).unwrap();
    assert_eq!(
        deal.steps[2].notes.outcomes, "CLI wrote this",
        "the other change is kept"
    );
    assert!(
        !screen(&app, 120, 40).contains("editing: Esc saves"),
        "the editor closed, showing the stored note"
    );
    assert!(detail_or_screen_has(&app, "CLI wrote this"));

    // the typed text is offered back on reopening, and saved on purpose
    app.update(Action::EditNote);
    let status = app.status().unwrap().text.clone();
    assert!(status.contains("Your unsaved text from"), "{status}");
    assert!(screen(&app, 120, 40).contains("Budget moved to Q2"));
    app.update(Action::Confirm);
    let saved = elsewhere.store().deal(id).unwrap().steps[2]
        .notes
        .outcomes
        .clone();
    assert!(saved.ends_with(" Budget moved to Q2"), "{saved}");
}

#[test]
fn a_note_is_saved_when_only_another_part_of_the_deal_changed_meanwhile() {
    let (_dir, mut app, mut elsewhere, id) = two_windows();
    app.update(Action::SelectStep(step(3)));
    to_notes(&mut app);
    app.update(Action::EditNote);
    type_text(&mut app, " Budget moved to Q2");
    app.notice_changes();
    let other = StepChange::SetNote {
        kind: qualify::domain::NoteKind::Decisions,
        text: "Decided in another window".into(),
    };
    ops::change_step(&mut elsewhere, id, None, step(3), &other).unwrap();
    assert!(app.notice_changes());
    app.update(Action::Confirm);
    assert_eq!(app.status().unwrap().text, "Outcomes saved");
    let notes = elsewhere.store().deal(id).unwrap().steps[2].notes.clone();
    assert!(notes.outcomes.ends_with(" Budget moved to Q2"), "{notes:?}");
    assert_eq!(notes.decisions, "Decided in another window", "both kept");
}

/// The text appears on the screen.
fn detail_or_screen_has(app: &App, text: &str) -> bool {
    screen(app, 120, 40).contains(text)
}

#[test]
fn another_process_s_change_shows_without_a_key() {
    let (_dir, mut app, mut elsewhere, id) = two_windows();
    assert!(!app.notice_changes(), "nothing new yet");
    let block = StepChange::Block {
        reason: "Waiting on the CFO's travel".into(),
    };
    ops::change_step(&mut elsewhere, id, None, step(1), &block).unwrap();
    assert!(app.notice_changes());
    assert!(
        detail(&app).contains("Waiting on the CFO's travel"),
        "{}",
        detail(&app)
    );
    assert_eq!(
        app.status().unwrap().text,
        "This deal was updated elsewhere; showing the latest"
    );
    assert!(!app.notice_changes(), "seen once");
}

#[test]
fn an_outcome_recorded_on_the_deal_screen_shows_in_the_pipeline() {
    let mut app = app(fixture_store(), 120, 40);
    open_row(&mut app, 0); // Globex
    app.update(Action::RecordOutcome);
    app.update(Action::PickNext); // won -> lost
    app.update(Action::FocusNext);
    app.update(Action::FocusNext);
    type_text(&mut app, "Budget moved to FY28");
    app.update(Action::FocusNext);
    type_text(&mut app, "Initrode");
    app.update(Action::Save);
    assert_eq!(app.status().unwrap().text, "Outcome saved");
    let outcome = globex(&app).content.outcome.unwrap();
    assert_eq!(outcome.kind, qualify::domain::pipeline::OutcomeKind::Lost);
    assert_eq!(outcome.on, now().date_naive(), "today by default");
    assert_eq!(outcome.lost_to, "Initrode");
    app.update(Action::Back);
    let text = screen(&app, 120, 40);
    assert!(
        text.contains("Deals (2) · open deals") && !text.contains("Globex analytics"),
        "the list is of open deals:\n{text}"
    );
    press(&mut app, KeyCode::Char('C')); // closed deals too
    let text = screen(&app, 120, 40);
    let row = text
        .lines()
        .find(|l| l.contains("Globex analytics"))
        .unwrap();
    assert!(row.contains("Omitted") && row.contains('✗'), "{row}");
    // the list's category filter narrows to it, and the foot totals follow
    for _ in 0..5 {
        app.update(Action::CycleCategory); // pipeline .. omitted
    }
    let text = screen(&app, 120, 40);
    assert!(
        text.contains("Deals (1) · all deals, closed too · Omitted"),
        "{text}"
    );
    assert!(text.contains("Omitted $120K (1)"), "{text}");
    app.update(Action::CycleCategory); // back to all
    assert!(screen(&app, 120, 40).contains("Deals (3)"));
}

#[test]
fn the_list_filters_stalled_deals_and_sorts_by_any_column() {
    let mut app = app(fixture_store(), 120, 40);
    app.update(Action::ToggleStalled);
    let text = screen(&app, 120, 40);
    assert!(text.contains("Deals (2) · open deals · stalled"), "{text}");
    assert!(
        !text.contains("Acme ERP rollout"),
        "Acme moved 5 days ago:\n{text}"
    );
    app.update(Action::ToggleStalled);
    for _ in 0..6 {
        app.update(Action::CycleSort);
    }
    let text = screen(&app, 120, 40);
    assert!(text.contains("sorted by MEDDPICC total"), "{text}");
    let first = text.lines().nth(3).unwrap();
    assert!(
        first.contains("Acme ERP rollout"),
        "highest total first:\n{text}"
    );
}

/// A team's playbook that asks for the competitors before the validation
/// plan: each step keeps the form and the keys of what it captures, and
/// the words for a key used elsewhere name the step that captures it.
#[test]
fn a_step_s_form_and_keys_follow_what_it_captures_not_its_number() {
    use qualify::domain::playbook::DEFAULT_TOML;
    let text = DEFAULT_TOML
        .replace("capture = \"validation_plan\"", "capture = \"swap\"")
        .replace("capture = \"competitors\"", "capture = \"validation_plan\"")
        .replace("capture = \"swap\"", "capture = \"competitors\"");
    let mut session = fixture_store();
    session.playbook = Playbook::parse(&text, "team.toml").unwrap();
    let mut app = app(session, 120, 40);
    open_row(&mut app, 1); // Acme: everything captured
    let form = |app: &mut App, n: u8| {
        app.update(Action::SelectStep(step(n)));
        app.update(Action::FocusNext);
        screen(app, 120, 40)
    };
    let four = form(&mut app, 4);
    assert!(four.contains("Step 4 of 10"), "{four}");
    assert!(four.contains("Competitors"), "{four}");
    assert!(!four.contains("Validation items"), "{four}");
    let said = |app: &mut App, c: char| {
        press(app, KeyCode::Char(c));
        app.status().map(|s| s.text.clone()).unwrap_or_default()
    };
    assert_eq!(said(&mut app, 'A'), "The SA signs off the plan on step 5");
    assert_eq!(said(&mut app, 'm'), "m switches the scorecard on step 1");
    let five = form(&mut app, 5);
    assert!(five.contains("Validation items"), "{five}");
    assert!(!five.contains("Competitors"), "{five}");
    assert_eq!(said(&mut app, 'B'), "Battle cards are on step 4");
}

#[test]
fn a_deal_won_on_the_deal_screen_moves_to_the_closed_won_stage() {
    let mut app = app(fixture_store(), 120, 40);
    open_row(&mut app, 0); // Globex
    assert_ne!(globex(&app).stage, "Closed Won");
    press(&mut app, KeyCode::Char('W'));
    press_with(&mut app, KeyCode::Char('s'), KeyModifiers::CONTROL);
    assert_eq!(app.status().unwrap().text, "Outcome saved");
    let deal = globex(&app);
    assert_eq!(
        deal.content.outcome.map(|o| o.kind),
        Some(qualify::domain::pipeline::OutcomeKind::Won)
    );
    assert_eq!(deal.stage, "Closed Won");
}

/// The list's title line (the second of the screen).
fn list_title(app: &App) -> String {
    screen(app, 120, 40).lines().nth(1).unwrap().to_string()
}

#[test]
fn the_manager_queue_holds_open_deals_and_m_narrows_it_to_mine() {
    let mut store = fixture_store();
    // Initech (over the threshold, Morgan Lead's) is won
    let initech = store
        .store()
        .deal_page(&ListQuery::default(), 2, 1)
        .unwrap()[0]
        .id;
    let won = qualify::domain::pipeline::Outcome {
        kind: qualify::domain::pipeline::OutcomeKind::Won,
        on: now().date_naive(),
        reason: String::new(),
        lost_to: String::new(),
    };
    ops::set_outcome(store.at(now()), initech, None, Some(won)).unwrap();
    let mut app = app(store, 120, 40);
    press(&mut app, KeyCode::Char('v'));
    press(&mut app, KeyCode::Char('v'));
    let text = screen(&app, 120, 40);
    assert!(
        text.contains("Deals (1) · waiting on manager review"),
        "{text}"
    );
    assert!(
        text.contains("Acme ERP rollout") && !text.contains("Initech payroll"),
        "{text}"
    );
    // the closed deal stays out with closed deals shown too
    press(&mut app, KeyCode::Char('C'));
    assert!(!screen(&app, 120, 40).contains("Initech payroll"));
    press(&mut app, KeyCode::Char('C'));
    // Acme's manager is Morgan Lee
    app.act_as("Morgan Lee");
    press(&mut app, KeyCode::Char('m'));
    let title = list_title(&app);
    assert!(
        title.contains("Deals (1) · waiting on manager review · mine as manager"),
        "{title}"
    );
    app.act_as("Morgan Lead");
    press(&mut app, KeyCode::Char('m'));
    press(&mut app, KeyCode::Char('m'));
    assert!(
        list_title(&app).contains("Deals (0)"),
        "{}",
        list_title(&app)
    );
}

#[test]
fn shift_s_reverses_the_sort() {
    let mut app = app(fixture_store(), 120, 40);
    let order = |app: &App| {
        let text = screen(app, 120, 40);
        let at = |name: &str| text.find(name).unwrap();
        (
            at("Globex analytics"),
            at("Acme ERP rollout"),
            at("Initech payroll"),
        )
    };
    let (globex, acme, initech) = order(&app);
    assert!(globex < acme && acme < initech, "soonest close first");
    press(&mut app, KeyCode::Char('S'));
    let (globex, acme, initech) = order(&app);
    assert!(initech < acme && acme < globex, "latest close first");
    assert!(
        list_title(&app).contains("sorted by close date, reversed"),
        "{}",
        list_title(&app)
    );
    press(&mut app, KeyCode::Char('s')); // amount, and still reversed: smallest first
    let (globex, acme, initech) = order(&app);
    assert!(globex < acme && acme < initech);
    press(&mut app, KeyCode::Char('S'));
    let (globex, acme, initech) = order(&app);
    assert!(initech < acme && acme < globex, "largest first");
}

#[test]
fn esc_clears_every_filter_and_goes_back_to_the_open_deals() {
    let mut app = app(fixture_store(), 120, 40);
    let opening = list_title(&app);
    assert!(opening.contains("Deals (3) · open deals · sorted by close date"));
    press(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "zzz");
    press(&mut app, KeyCode::Enter);
    for key in ['c', 'V', 'o', 'a', 'v', 'm', 'C', 't', 'O'] {
        press(&mut app, KeyCode::Char(key));
    }
    let filtered = list_title(&app);
    assert!(filtered.contains("Deals (0) · waiting on SA sign-off · mine"));
    assert!(screen(&app, 120, 40).contains("filter: zzz"));
    press(&mut app, KeyCode::Esc);
    assert_eq!(list_title(&app), opening);
    assert!(!screen(&app, 120, 40).contains("filter:"));
}

#[test]
fn z_snoozes_the_selected_deal_and_z_again_lifts_it() {
    let mut app = app(fixture_store(), 120, 40);
    let globex_row = |app: &App| {
        screen(app, 120, 40)
            .lines()
            .find(|l| l.contains("Globex analytics"))
            .unwrap()
            .to_string()
    };
    assert!(
        globex_row(&app).contains('⚑'),
        "stalled: {}",
        globex_row(&app)
    );
    press(&mut app, KeyCode::Char('z'));
    let dialog = screen(&app, 120, 40);
    assert!(
        dialog.contains("Snooze deal 2: Globex analytics"),
        "{dialog}"
    );
    assert!(dialog.contains("2026-12-04"), "a week ahead: {dialog}");
    press(&mut app, KeyCode::Enter); // the day as it is; on to why
    press(&mut app, KeyCode::Enter);
    assert!(
        screen(&app, 120, 40).contains("Why: say why"),
        "a reason is needed"
    );
    type_text(&mut app, "Waiting on the board");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.layers()[0], qualify::tui::keymap::Layer::List);
    assert_eq!(
        app.status().unwrap().text,
        "Deal 2: not flagged as stalled until 2026-12-04"
    );
    let row = globex_row(&app);
    assert!(row.contains('☾') && !row.contains('⚑'), "snoozed: {row}");
    let deal = globex(&app);
    let snooze = deal.content.snooze.unwrap();
    assert_eq!(snooze.reason, "Waiting on the board");
    assert_eq!(snooze.by, "dana");
    // the deal screen says so too
    press(&mut app, KeyCode::Enter);
    let header = screen(&app, 120, 40).lines().next().unwrap().to_string();
    assert!(header.contains("☾ snoozed until 2026-12-04"), "{header}");
    press(&mut app, KeyCode::Esc);

    // z again offers to lift it
    press(&mut app, KeyCode::Char('z'));
    assert_eq!(app.layers()[0], qualify::tui::keymap::Layer::Confirm);
    assert!(screen(&app, 120, 40).contains("Snoozed until 2026-12-04"));
    press(&mut app, KeyCode::Char('y'));
    assert!(
        app.status().unwrap().text.contains("snooze lifted"),
        "{:?}",
        app.status()
    );
    assert!(globex_row(&app).contains('⚑'), "{}", globex_row(&app));
}

#[test]
fn the_help_shows_the_list_s_marks_from_the_legend() {
    let mut app = app(fixture_store(), 120, 40);
    press(&mut app, KeyCode::Char('?'));
    let text = plain_screen(&app, 120, 40);
    assert!(text.contains("Marks in the deal list"), "{text}");
    for (mark, means) in [
        ("✓", "won"),
        ("✗", "lost or disqualified"),
        ("⚑", "stalled"),
        ("☾", "snoozed"),
        ("⊘", "after Steps"),
        ("!", "after Esc"),
    ] {
        let row = format!("{mark:<10}{means}");
        assert!(text.contains(&row), "{row} not in:\n{text}");
    }
}
