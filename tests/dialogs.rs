//! Dialogs as a person uses them: long values, choice fields, the note
//! editor, refusals, deleting a row, help while typing, the history and the
//! new-deal form. Keys go through the keymap of the layers active at that
//! moment; the assertions read the drawn screen or the saved deal.

use assert_cmd::Command;
use qualify::domain::content::{Level, Role};
use qualify::domain::money::Money;
use qualify::domain::step::{NoteKind, StepChange};
use qualify::ops::{self, Session};
use qualify::store::ListQuery;
use qualify::tui::App;
use qualify::tui::shared::Tone;
use ratatui::crossterm::event::{KeyCode, KeyModifiers};

mod common;

use common::tui::*;

/// Two deals: Acme (the complete fixture document) with steps 1-2 done and
/// step 3 blocked for five days; Globex, new.
fn fixture_store() -> Session {
    acme_and(vec![new_globex()])
}

fn press_key(app: &mut App, c: char) {
    press_with(app, KeyCode::Char(c), KeyModifiers::NONE);
}

fn ctrl(app: &mut App, c: char) {
    press_with(app, KeyCode::Char(c), KeyModifiers::CONTROL);
}

/// A deal on `step`'s form.
fn on_step(row: usize, step: char, width: u16, height: u16) -> App {
    let mut app = app(fixture_store(), width, height);
    open_row(&mut app, row);
    press_key(&mut app, step);
    press_with(&mut app, KeyCode::Tab, KeyModifiers::NONE);
    app
}

fn deal_named(app: &App, name: &str) -> qualify::domain::Deal {
    let page = app
        .ctx()
        .session
        .store()
        .deal_page(&ListQuery::default(), 0, 10)
        .unwrap();
    let id = page.iter().find(|d| d.name == name).unwrap().id;
    app.ctx().session.store().deal(id).unwrap()
}

/// The text of a screen's lines with box sides dropped and runs of spaces
/// as one.
fn words(lines: &[String]) -> String {
    lines
        .iter()
        .map(|l| l.replace('│', " "))
        .collect::<Vec<_>>()
        .iter()
        .flat_map(|l| l.split_whitespace())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Columns `from..from + width` of each line.
fn columns(lines: &[String], from: usize, width: usize) -> Vec<String> {
    lines
        .iter()
        .map(|l| l.chars().skip(from).take(width).collect())
        .collect()
}

// 1. long values and labels in the record editor

#[test]
fn a_long_value_shows_from_its_start_once_the_cursor_leaves_it() {
    let mut app = on_step(0, '9', 120, 40);
    press_key(&mut app, 'a');
    let action = "Send the security questionnaire to the CISO office before Friday";
    type_text(&mut app, action);
    let typing = plain_screen(&app, 120, 40);
    assert!(
        typing.contains("office before Friday"),
        "typing: the end, at the cursor\n{typing}"
    );
    press_with(&mut app, KeyCode::Tab, KeyModifiers::NONE);
    let text = plain_screen(&app, 120, 40);
    assert!(
        text.contains("Send the security questionnaire"),
        "the value from its start once the cursor is elsewhere:\n{text}"
    );
    assert!(text.contains('…'), "and marked as cut:\n{text}");
    press_with(&mut app, KeyCode::BackTab, KeyModifiers::NONE);
    press_with(&mut app, KeyCode::Home, KeyModifiers::NONE);
    let text = plain_screen(&app, 120, 40);
    assert!(text.contains("Send the security questionnaire"), "{text}");
    ctrl(&mut app, 's');
    let deal = deal_named(&app, "Globex analytics");
    assert_eq!(deal.content.next_steps[0].action, action, "nothing lost");
}

#[test]
fn labels_longer_than_the_column_are_shown_in_full() {
    let mut app = app(fixture_store(), 120, 40);
    open_row(&mut app, 1); // Acme: step 3 blocked for five days
    press_key(&mut app, 'K');
    let text = plain_screen(&app, 120, 40);
    assert!(text.contains("│Escalation (E7, B12.3) * B1.3"), "{text}");
    ctrl(&mut app, 'd');
    press_key(&mut app, 'O');
    let text = plain_screen(&app, 120, 40);
    assert!(text.contains("│Implementation contacts "), "{text}");
}

#[test]
fn the_outcome_editor_shows_its_labels_hints_and_errors_whole() {
    let mut app = app(fixture_store(), 140, 40);
    open_row(&mut app, 1);
    press_with(&mut app, KeyCode::Char('W'), KeyModifiers::SHIFT);
    let text = plain_screen(&app, 140, 40);
    for whole in ["Reason (lost, disqualified)", "YYYY-MM-DD or +N"] {
        assert!(text.contains(whole), "{whole:?} in\n{text}");
    }
    press_with(&mut app, KeyCode::Tab, KeyModifiers::NONE);
    type_text(&mut app, "someday soon");
    let screen = lines(&app, 140, 40);
    // the editor's own columns, from its left border to its right
    let top = screen
        .iter()
        .find(|l| l.contains("┌ Edit outcome"))
        .unwrap();
    let chars: Vec<char> = top.chars().collect();
    let from = chars.iter().position(|c| *c == '┌').unwrap();
    let to = from + 1 + chars[from + 1..].iter().position(|c| *c == '┐').unwrap();
    let text = words(&columns(&screen, from, to + 1 - from));
    let error = qualify::domain::calendar::parse_date_input(
        "someday soon",
        qualify::domain::parse_date("2026-11-27").unwrap(),
        &[],
    )
    .unwrap_err();
    assert!(
        text.contains(&error),
        "the whole message, wrapped: {error:?} in\n{}",
        screen.join("\n")
    );
}

// 3. the note editor

#[test]
fn a_long_note_line_wraps_inside_the_note_box_and_ctrl_d_keeps_the_note() {
    let mut app = app(fixture_store(), 120, 40);
    open_row(&mut app, 0);
    for _ in 0..3 {
        press_with(&mut app, KeyCode::Tab, KeyModifiers::NONE); // steps, form, actions, notes
    }
    press_key(&mut app, 'e');
    let note = "The CFO confirmed the budget holder and asked for a written business \
                case before the steering committee meets on the fourteenth LASTWORD";
    type_text(&mut app, note);
    let shown = lines(&app, 120, 40);
    let start = shown
        .iter()
        .position(|l| l.contains("Outcomes · editing"))
        .expect("the note box is open");
    let top = &shown[start];
    let column = top[..top.find("┌ Outcomes").unwrap()].chars().count();
    let inside = columns(&shown[start + 1..start + 6], column + 1, 42);
    let text = words(&inside);
    assert!(
        text.starts_with("The CFO confirmed the budget"),
        "the note from its start, wrapped:\n{}",
        inside.join("\n")
    );
    assert!(
        text.contains("fourteenth LASTWORD"),
        "{}",
        inside.join("\n")
    );
    ctrl(&mut app, 'd');
    assert!(
        !plain_screen(&app, 120, 40).contains("editing"),
        "Ctrl-D closes it"
    );
    let deal = deal_named(&app, "Globex analytics");
    assert_eq!(
        deal.step(step(1)).unwrap().notes.get(NoteKind::Outcomes),
        ""
    );
    assert!(app.status().unwrap().text.contains("as it was"));
}

// 4. refusals

#[test]
fn a_refusal_longer_than_the_width_is_shown_in_full() {
    let mut app = app(fixture_store(), 80, 24);
    open_row(&mut app, 0); // Globex: nothing done
    press_key(&mut app, '2');
    press_key(&mut app, 'c');
    let status = app.status().expect("a refusal").clone();
    assert_eq!(status.tone, Tone::Error);
    assert!(status.text.chars().count() > 80, "{}", status.text);
    let shown = lines(&app, 80, 24);
    let foot = words(&shown[24 - 3..]);
    assert!(
        foot.contains(&words(std::slice::from_ref(&status.text))),
        "every word of the refusal at the foot:\n{}",
        shown.join("\n")
    );
    // the next key clears it and the screen is whole again
    press_key(&mut app, 'j');
    let shown = lines(&app, 80, 24);
    assert!(shown[23].contains("help"), "{}", shown[23]);
}

// 5. choice fields

#[test]
fn choice_fields_pick_by_first_letter_and_never_take_other_text() {
    let mut app = on_step(0, '2', 120, 40);
    press_key(&mut app, 'a');
    type_text(&mut app, "Tom Hale");
    press_with(&mut app, KeyCode::Tab, KeyModifiers::NONE);
    press_with(&mut app, KeyCode::Tab, KeyModifiers::NONE); // role
    type_text(&mut app, "c"); // Economic Buyer -> Champion
    let text = plain_screen(&app, 120, 40);
    assert!(text.contains("‹ Champion ›"), "{text}");
    type_text(&mut app, "x");
    assert!(
        app.status().unwrap().text.contains("←/→ to choose"),
        "{:?}",
        app.status()
    );
    assert!(plain_screen(&app, 120, 40).contains("‹ Champion ›"));
    press_with(&mut app, KeyCode::Tab, KeyModifiers::NONE);
    press_with(&mut app, KeyCode::Tab, KeyModifiers::NONE); // influence: high
    type_text(&mut app, "9");
    assert!(app.status().unwrap().text.contains("←/→ to choose"));
    let text = plain_screen(&app, 120, 40);
    assert!(
        text.contains("‹ high ›"),
        "a digit changes nothing:\n{text}"
    );
    type_text(&mut app, "L");
    ctrl(&mut app, 's');
    let deal = deal_named(&app, "Globex analytics");
    let s = &deal.content.stakeholders[0];
    assert_eq!(s.role, Role::Champion);
    assert_eq!(s.influence, Level::Low);
}

#[test]
fn scales_take_their_number_and_nothing_else() {
    let mut app = on_step(0, '8', 120, 40);
    press_key(&mut app, 'a');
    type_text(&mut app, "Security review queue");
    press_with(&mut app, KeyCode::Tab, KeyModifiers::NONE);
    press_with(&mut app, KeyCode::Tab, KeyModifiers::NONE); // likelihood: 3
    type_text(&mut app, "5");
    press_with(&mut app, KeyCode::Tab, KeyModifiers::NONE); // impact: 3
    type_text(&mut app, "7x");
    ctrl(&mut app, 's');
    let deal = deal_named(&app, "Globex analytics");
    let r = &deal.content.risks[0];
    assert_eq!((r.likelihood, r.impact), (5, 3));
}

// 6. deleting a row asks first

#[test]
fn d_asks_before_deleting_a_row() {
    let mut app = on_step(1, '2', 120, 40); // Acme's stakeholders
    let before = deal_named(&app, "Acme ERP rollout").content.stakeholders;
    assert!(before.len() > 1);
    press_key(&mut app, 'D');
    let text = plain_screen(&app, 120, 40);
    assert!(
        text.contains(&format!("Delete the stakeholder \"{}\"?", before[0].name)),
        "{text}"
    );
    press_key(&mut app, 'n');
    let kept = deal_named(&app, "Acme ERP rollout").content.stakeholders;
    assert_eq!(kept, before, "n keeps it");
    press_key(&mut app, 'D');
    press_with(&mut app, KeyCode::Esc, KeyModifiers::NONE);
    assert_eq!(
        deal_named(&app, "Acme ERP rollout").content.stakeholders,
        before,
        "Esc keeps it"
    );
    press_key(&mut app, 'D');
    press_key(&mut app, 'y');
    let after = deal_named(&app, "Acme ERP rollout").content.stakeholders;
    assert_eq!(after.len(), before.len() - 1, "y deletes it");
    assert_eq!(after[..], before[1..]);
}

// 7. help for the layer in use

#[test]
fn f1_shows_the_keys_of_the_editor_in_use() {
    let mut app = on_step(0, '9', 120, 40);
    press_key(&mut app, 'a');
    type_text(&mut app, "Call");
    press_with(&mut app, KeyCode::F(1), KeyModifiers::NONE);
    let text = plain_screen(&app, 120, 40);
    assert!(text.contains("Editing a row of a step's form"), "{text}");
    assert!(text.contains("leave without saving"), "{text}");
    assert!(!text.contains("Deal screen"), "{text}");
    press_with(&mut app, KeyCode::Esc, KeyModifiers::NONE); // closes help, the row stays
    type_text(&mut app, " Tom");
    ctrl(&mut app, 's');
    let deal = deal_named(&app, "Globex analytics");
    assert_eq!(deal.content.next_steps[0].action, "Call Tom");

    for _ in 0..2 {
        press_with(&mut app, KeyCode::Tab, KeyModifiers::NONE); // actions, notes
    }
    press_key(&mut app, 'e');
    press_with(&mut app, KeyCode::F(1), KeyModifiers::NONE);
    let text = plain_screen(&app, 120, 40);
    assert!(text.contains("Editing a note"), "{text}");
    assert!(text.contains("save note and leave"), "{text}");
    assert!(!text.contains("Editing a row"), "{text}");
}

#[test]
fn help_wraps_its_lines_instead_of_cutting_them() {
    let mut app = app(fixture_store(), 140, 40);
    open_row(&mut app, 1);
    press_key(&mut app, '?');
    // every line the help has, scrolled through with j
    let mut seen = Vec::new();
    for _ in 0..60 {
        seen.extend(lines(&app, 140, 40));
        press_key(&mut app, 'j');
    }
    let text = words(&seen);
    use qualify::tui::keymap::{Layer, help_sections};
    let beneath: Vec<Layer> = app
        .layers()
        .into_iter()
        .filter(|l| *l != Layer::Help)
        .collect();
    for (_, rows) in help_sections(&beneath) {
        for (_, desc) in rows {
            assert!(
                text.contains(desc),
                "{desc:?} whole in\n{}",
                seen.join("\n")
            );
        }
    }
}

// 8. the history

#[test]
fn history_names_steps_and_fields_in_words_with_times_to_the_minute() {
    let mut app = on_step(0, '7', 120, 40);
    app.act_as("Morgan Lead");
    for _ in 0..2 {
        press_with(&mut app, KeyCode::Tab, KeyModifiers::NONE); // actions, notes
    }
    press_key(&mut app, 'e');
    type_text(&mut app, "Auditors return in April");
    press_with(&mut app, KeyCode::Esc, KeyModifiers::NONE);
    press_key(&mut app, 'V');
    ctrl(&mut app, 's');
    press_key(&mut app, 'H');
    let text = plain_screen(&app, 120, 40);
    for words in [
        "Step 7 Timeline validation · outcomes note: (empty) → Auditors return in April",
        "Manager review · approved: (empty) → yes",
        "Manager review · at: (empty) → 2026-11-27 15:00",
    ] {
        assert!(text.contains(words), "{words}:\n{text}");
    }
    assert!(!text.contains("steps[6]"), "{text}");
    assert!(!text.contains("manager_review."), "{text}");
    assert!(!text.contains("T15:00:00"), "{text}");
}

#[test]
fn end_shows_the_oldest_change_at_the_bottom_and_home_the_newest_at_the_top() {
    let mut store = fixture_store();
    let acme = store
        .store()
        .deal_page(&ListQuery::default(), 0, 10)
        .unwrap()[1]
        .id;
    for index in 0..5 {
        for done in [true, false] {
            let tick = StepChange::SetAction { index, done };
            ops::change_step(store.at(now()), acme, None, step(3), &tick).unwrap();
        }
    }
    let mut app = app(store, 80, 24);
    open_row(&mut app, 1);
    press_key(&mut app, 'H');
    // the history box spans columns 2-77 of an 80-column screen
    let inside = |shown: &[String]| columns(shown, 3, 74);
    let shown = inside(&lines(&app, 80, 24));
    let first = shown.iter().position(|l| l.contains("History of")).unwrap();
    let last = first
        + shown[first + 1..]
            .iter()
            .position(|l| l.starts_with('─'))
            .unwrap()
        + 1;
    let rows = last - first - 1;
    assert!(
        shown[first].contains("changes") && rows < 20,
        "{}",
        shown.join("\n")
    );
    assert!(
        words(&shown[first + 1..first + 3])
            .contains("Step 3 Budget authority confirmation · action 5"),
        "newest first:\n{}",
        shown.join("\n")
    );
    press_with(&mut app, KeyCode::End, KeyModifiers::NONE);
    let shown = inside(&lines(&app, 80, 24));
    assert!(
        shown[last - 1].contains("Deal") && shown[last - 1].contains("created"),
        "the oldest change on the box's last row:\n{}",
        shown.join("\n")
    );
    assert!(
        shown[first + 1..last].iter().all(|l| !l.trim().is_empty()),
        "no blank rows past the end:\n{}",
        shown.join("\n")
    );
    press_key(&mut app, 'j');
    assert_eq!(inside(&lines(&app, 80, 24)), shown, "nothing past the end");
    press_key(&mut app, 'k');
    let up = inside(&lines(&app, 80, 24));
    assert_eq!(up[first + 2], shown[first + 1], "k moves back one row");
    press_key(&mut app, 'g');
    let shown = inside(&lines(&app, 80, 24));
    assert!(
        words(&shown[first + 1..first + 3]).contains("action 5"),
        "{}",
        shown.join("\n")
    );
}

#[test]
fn the_cli_history_uses_the_same_words_and_keeps_the_path_for_scripts() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("deals.db");
    let run = |args: &[&str]| {
        let out = Command::cargo_bin("qualify")
            .unwrap()
            .env_remove("QUALIFY_DB")
            .env("TZ", "UTC")
            .arg("--db")
            .arg(&db)
            .args(["--as-of", "2026-11-02T09:00:00.123456789Z"])
            .args(args)
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        String::from_utf8(out).unwrap()
    };
    let id = run(&["deal", "add", "--name", "Acme", "--account", "Acme"]);
    let id = id.trim();
    run(&["step", id, "1", "start"]);
    run(&["step", id, "7", "note", "outcomes", "Auditors return"]);
    let text = run(&["history", id]);
    assert!(
        text.contains("Step 7 Timeline validation · outcomes note: (empty) -> Auditors return"),
        "{text}"
    );
    assert!(
        text.contains(
            "Step 1 Initial qualification using MEDDICC/MEDDPICC · started: (empty) -> 2026-11-02 09:00"
        ),
        "{text}"
    );
    assert!(!text.contains("steps["), "{text}");
    assert!(!text.contains(".123"), "{text}");
    let rows: serde_json::Value = serde_json::from_str(&run(&["history", id, "--json"])).unwrap();
    let note = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["field"] == "steps[6].notes.outcomes")
        .unwrap_or_else(|| panic!("{rows}"));
    assert_eq!(note["label"], "Step 7 Timeline validation · outcomes note");
}

#[test]
fn the_history_gives_values_in_words_and_money_as_money() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("deals.db");
    let run = |args: &[&str]| {
        let out = Command::cargo_bin("qualify")
            .unwrap()
            .env_remove("QUALIFY_DB")
            .env("TZ", "UTC")
            .arg("--db")
            .arg(&db)
            .args(["--as-of", "2026-11-27T15:00:00Z"])
            .args(args)
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        String::from_utf8(out).unwrap()
    };
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/complete_deal.json"
    );
    let id = run(&["deal", "import", fixture]);
    let id = id.trim();
    let mut doc: serde_json::Value = serde_json::from_str(&run(&["deal", "export", id])).unwrap();
    doc["amount"] = 420000.5.into();
    doc["support_rate_percent"] = 17.5.into();
    doc["budget"]["amount"] = 500000.into();
    doc["risks"][0]["category"] = "timing".into();
    doc["next_steps"][0]["done"] = true.into();
    doc["handoff"]["flagged"] = true.into();
    doc["steps"][0]["actions"][0] = true.into();
    let file = dir.path().join("acme.json");
    std::fs::write(&file, doc.to_string()).unwrap();
    run(&["deal", "import", file.to_str().unwrap()]);
    run(&[
        "--user",
        "Dana Reyes",
        "escalate",
        id,
        "--scenario",
        "legal-security",
        "--reason",
        "DPA",
    ]);
    run(&[
        "--user",
        "Morgan Lee",
        "review",
        id,
        "--as",
        "manager",
        "--approve",
    ]);
    run(&["deal", "outcome", id, "won"]);
    let text = run(&["history", id]);
    for line in [
        "Licence amount: $300,000 -> $420,000.50",
        "Budget · amount: $450,000 -> $500,000",
        "Support rate (%): 20% -> 17.5%",
        "Risk 1 · category: Legal / security -> Timing",
        "Next step 1 · done: no -> yes",
        "Handoff · flagged: no -> yes",
        "Step 1 Initial qualification using MEDDICC/MEDDPICC · action 1: no -> yes",
        "Escalation E1 · rule: (empty) -> Legal/security blocker",
        "Manager review · approved: (empty) -> yes",
        "Outcome · kind: (empty) -> Won",
    ] {
        assert!(text.contains(line), "{line:?} in\n{text}");
    }
    for raw in ["420000.5", "true", "false", "legal_security", "outcome."] {
        assert!(!text.contains(raw), "{raw:?} in\n{text}");
    }
    // scripts keep the stored values
    let rows: serde_json::Value = serde_json::from_str(&run(&["history", id, "--json"])).unwrap();
    let row = |field: &str| {
        rows.as_array()
            .unwrap()
            .iter()
            .find(|r| r["field"] == field)
            .unwrap_or_else(|| panic!("{field} in {rows}"))
            .clone()
    };
    assert_eq!(row("amount")["after"], "420000.5");
    assert_eq!(row("handoff.flagged")["after"], "true");
    assert_eq!(row("risks[0].category")["before"], "legal_security");
}

// 9. the new-deal form explains the first-year value

#[test]
fn the_new_deal_form_explains_the_first_year_value_and_takes_the_support_rate() {
    let mut app = app(fixture_store(), 80, 24);
    press_key(&mut app, 'n');
    type_text(&mut app, "Initech payroll");
    press_with(&mut app, KeyCode::Tab, KeyModifiers::NONE);
    type_text(&mut app, "Initech");
    press_with(&mut app, KeyCode::Tab, KeyModifiers::NONE);
    type_text(&mut app, "300,000");
    press_with(&mut app, KeyCode::Tab, KeyModifiers::NONE);
    type_text(&mut app, "150000");
    let text = words(&lines(&app, 80, 24));
    assert!(
        text.contains(
            "First-year value $510,000 = $300,000 licence + $150,000 implementation + $60,000 support (20%)"
        ),
        "{text}"
    );
    press_with(&mut app, KeyCode::Tab, KeyModifiers::NONE); // close date
    press_with(&mut app, KeyCode::Tab, KeyModifiers::NONE); // support rate
    assert!(text.contains("Support rate (%) default: 20%"), "{text}");
    type_text(&mut app, "15");
    let text = words(&lines(&app, 80, 24));
    assert!(
        text.contains(
            "$495,000 = $300,000 licence + $150,000 implementation + $45,000 support (15%)"
        ),
        "{text}"
    );
    type_text(&mut app, "0");
    let text = words(&lines(&app, 80, 24));
    assert!(
        text.contains("✗ not a percentage"),
        "150 is refused:\n{text}"
    );
    press_with(&mut app, KeyCode::Backspace, KeyModifiers::NONE);
    ctrl(&mut app, 's');
    let deal = deal_named(&app, "Initech payroll");
    assert_eq!(deal.support_rate_percent, 15.0);
    assert_eq!(deal.first_year_value(), Some(Money::from_dollars(495_000)));
}
