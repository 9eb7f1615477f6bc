//! Step guidance: `qualify step ID N guide` through the real binary, and the
//! guide on the deal screen (g), typed through the keymap, with its
//! templates put into a step's note.

mod common;

use assert_cmd::Command;
use common::tui::*;
use common::{FIXTURE, TITLES};
use qualify::domain::deal::DealId;
use qualify::domain::step::NoteKind;
use qualify::ops::{DraftOf, Session};
use qualify::store::ListQuery;
use qualify::tui::App;
use qualify::tui::shared::Tone;
use ratatui::crossterm::event::{KeyCode, KeyModifiers};
use serde_json::Value;
use std::path::{Path, PathBuf};

const PLAYBOOK: &str = include_str!("../assets/playbook.toml");

/// A database in a temp folder, and the binary pointed at it.
struct Db {
    dir: tempfile::TempDir,
    db: PathBuf,
}

impl Db {
    fn new() -> Db {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("deals.db");
        Db { dir, db }
    }

    fn cmd(&self) -> Command {
        let mut cmd = Command::cargo_bin("qualify").unwrap();
        cmd.env_remove("QUALIFY_DB").arg("--db").arg(&self.db);
        cmd
    }

    /// The complete fixture imported: its id.
    fn import(&self) -> String {
        let out = self
            .cmd()
            .args(["deal", "import", FIXTURE])
            .assert()
            .success();
        String::from_utf8(out.get_output().stdout.clone())
            .unwrap()
            .trim()
            .to_string()
    }

    fn stdout(&self, args: &[&str]) -> String {
        let out = self.cmd().args(args).assert().success();
        String::from_utf8(out.get_output().stdout.clone()).unwrap()
    }

    /// A playbook file written beside the database.
    fn playbook(&self, text: &str) -> PathBuf {
        let file = self.dir.path().join("team.toml");
        std::fs::write(&file, text).unwrap();
        file
    }

    /// The one line on stderr of a command that exits with `code`, nothing
    /// on stdout.
    fn fails(&self, args: &[&str], playbook: Option<&Path>, code: i32) -> String {
        let mut cmd = self.cmd();
        if let Some(p) = playbook {
            cmd.arg("--playbook").arg(p);
        }
        let out = cmd.args(args).assert().code(code).stdout("");
        let err = String::from_utf8(out.get_output().stderr.clone()).unwrap();
        assert_eq!(err.matches('\n').count(), 1, "{err}");
        err
    }
}

#[test]
fn the_scorecard_s_guide_has_evidence_for_each_element_at_each_score() {
    let db = Db::new();
    let id = db.import();
    let before = db.stdout(&["history", &id, "--json"]);
    let text = db.stdout(&["step", &id, "1", "guide"]);
    assert!(
        text.starts_with(&format!("Step 1 of 10 · {} · deal {id}: ", TITLES[0])),
        "{text}"
    );
    for heading in [
        "Questions to ask",
        "Talk track",
        "Good evidence",
        "Evidence by score",
        "Templates",
    ] {
        assert!(
            text.contains(&format!("\n{heading}\n")),
            "{heading}:\n{text}"
        );
    }
    assert!(
        text.contains("Who signs a purchase order above $250K"),
        "{text}"
    );
    assert!(!text.contains("Battle cards"), "only on step 5:\n{text}");
    let json: Value =
        serde_json::from_str(&db.stdout(&["step", &id, "1", "guide", "--json"])).unwrap();
    assert_eq!(json["step"], 1);
    assert_eq!(json["capture"], "scorecard");
    let examples = json["examples"].as_array().unwrap();
    assert_eq!(examples.len(), 8, "every MEDDPICC element");
    for e in examples {
        let scores = e["scores"].as_array().unwrap();
        let labels: Vec<&str> = scores
            .iter()
            .map(|s| s["label"].as_str().unwrap())
            .collect();
        assert_eq!(labels, ["unknown", "identified", "validated", "leveraged"]);
        for s in scores {
            let evidence = s["evidence"].as_str().unwrap();
            // each example is printed under its score
            let line = format!(
                "    {} {}: {evidence}\n",
                s["score"],
                s["label"].as_str().unwrap()
            );
            assert!(text.contains(&line), "{line}");
        }
    }
    for kind in ["outcomes", "decisions", "next_steps"] {
        assert!(
            !json["templates"][kind].as_str().unwrap().is_empty(),
            "{kind}"
        );
    }
    // a read: nothing written
    assert_eq!(db.stdout(&["history", &id, "--json"]), before);
}

#[test]
fn on_a_meddicc_scorecard_the_paper_process_has_no_examples() {
    let db = Db::new();
    let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(FIXTURE).unwrap()).unwrap();
    doc["meddpicc"]["framework"] = "meddicc".into();
    let elements = doc["meddpicc"]["elements"].as_object_mut().unwrap();
    elements.remove("paper_process").unwrap();
    let file = db.dir.path().join("meddicc.json");
    std::fs::write(&file, doc.to_string()).unwrap();
    let out = db
        .cmd()
        .arg("deal")
        .arg("import")
        .arg(&file)
        .assert()
        .success();
    let id = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let id = id.trim();
    let json: Value =
        serde_json::from_str(&db.stdout(&["step", id, "1", "guide", "--json"])).unwrap();
    let elements: Vec<&str> = json["examples"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["element"].as_str().unwrap())
        .collect();
    assert_eq!(elements.len(), 7, "{elements:?}");
    assert!(!elements.contains(&"paper_process"));
    let text = db.stdout(&["step", id, "1", "guide"]);
    assert!(!text.contains("  Paper process\n"), "{text}");
    assert!(text.contains("  Champion\n"), "{text}");
}

#[test]
fn the_competitors_guide_shows_this_deal_s_battle_cards() {
    let db = Db::new();
    let id = db.import(); // Globex (shortlisted, high) and Spreadsheets
    db.stdout(&[
        "battlecard",
        "Globex",
        "--set",
        "Cheaper licence, no audit trail: lead with the 4-day close references",
    ]);
    let text = db.stdout(&["step", &id, "5", "guide"]);
    assert!(text.contains(TITLES[4]), "{text}");
    assert!(
        text.contains(
            "\nBattle cards\n  Globex (shortlisted, threat high)\n    Cheaper licence, no audit trail: lead with the 4-day close references\n"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "  Spreadsheets (status quo / no decision, threat low)\n    No battle card yet: qualify battlecard \"Spreadsheets\" --set TEXT\n"
        ),
        "{text}"
    );
    let json: Value =
        serde_json::from_str(&db.stdout(&["step", &id, "5", "guide", "--json"])).unwrap();
    let cards = json["battle_cards"].as_array().unwrap();
    assert_eq!(cards.len(), 2);
    assert_eq!(cards[0]["competitor"], "Globex");
    assert!(cards[0]["notes"].as_str().unwrap().contains("4-day close"));
    assert_eq!(cards[1]["notes"], Value::Null);
    // other steps carry none
    let json: Value =
        serde_json::from_str(&db.stdout(&["step", &id, "6", "guide", "--json"])).unwrap();
    assert_eq!(json["battle_cards"], serde_json::json!([]));
}

#[test]
fn a_team_s_playbook_changes_the_guide_without_a_rebuild() {
    let db = Db::new();
    let id = db.import();
    let shipped =
        "Who signs a purchase order above $250K here, and who did they last buy a platform with?";
    assert!(
        PLAYBOOK.contains(shipped),
        "the shipped playbook changed; update this test"
    );
    let ours = "Who at Acme signs above $100K, and is it in this year's plan?";
    let team = db.playbook(&PLAYBOOK.replacen(shipped, ours, 1));
    let mut cmd = db.cmd();
    cmd.arg("--playbook")
        .arg(&team)
        .args(["step", &id, "1", "guide"]);
    let out = cmd.assert().success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(text.contains(ours), "{text}");
    assert!(!text.contains(shipped), "{text}");
    // and the shipped one again without it
    assert!(db.stdout(&["step", &id, "1", "guide"]).contains(shipped));
}

/// The shipped playbook with every guidance table taken out.
fn without_guidance() -> String {
    let mut out = Vec::new();
    let mut skipping = false;
    for line in PLAYBOOK.lines() {
        if line.starts_with('[') {
            skipping = line.starts_with("[steps.guidance") || line.starts_with("[[steps.guidance");
        }
        if !skipping {
            out.push(line);
        }
    }
    out.join("\n")
}

#[test]
fn a_playbook_without_guidance_says_so() {
    let db = Db::new();
    let id = db.import();
    let old = db.playbook(&without_guidance());
    let mut cmd = db.cmd();
    cmd.arg("--playbook")
        .arg(&old)
        .args(["step", &id, "3", "guide"]);
    let out = cmd.assert().success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert_eq!(
        text,
        format!(
            "Step 3 of 10 · {} · deal {id}: Acme ERP rollout\n\nThis playbook gives no guidance for step 3.\n",
            TITLES[2]
        )
    );
}

#[test]
fn guidance_that_would_drive_the_terminal_is_cleaned() {
    let db = Db::new();
    let id = db.import();
    let team = db.playbook(&PLAYBOOK.replacen(
        "questions = [\n",
        "questions = [\n  \"Who\\u001b]0;pwned\\u0007 signs?\",\n",
        1,
    ));
    for json in [false, true] {
        let mut cmd = db.cmd();
        cmd.arg("--playbook")
            .arg(&team)
            .args(["step", &id, "1", "guide"]);
        if json {
            cmd.arg("--json");
        }
        let out = cmd.assert().success();
        let bytes = &out.get_output().stdout;
        assert!(
            !bytes.contains(&0x1b) && !bytes.contains(&0x07),
            "json: {json}"
        );
        assert!(String::from_utf8_lossy(bytes).contains("signs?"));
    }
}

#[test]
fn bad_guide_requests_are_refused_in_one_line() {
    let db = Db::new();
    let id = db.import();
    let err = db.fails(&["step", &id, "11", "guide"], None, 2);
    assert!(err.contains("1") && err.contains("10"), "{err}");
    let err = db.fails(&["step", "999", "1", "guide"], None, 2);
    assert!(err.contains("no deal with id 999"), "{err}");
    // a misplaced table in a team's playbook names its line and field
    let team = db.playbook(&PLAYBOOK.replacen(
        "sla_business_days = 2\n",
        "sla_business_days = 2\n[[steps.guidance.examples]]\nelement = \"champion\"\nscores = [\"a\", \"b\", \"c\", \"d\"]\n",
        1,
    ));
    let err = db.fails(&["step", &id, "4", "guide"], Some(&team), 2);
    assert!(err.contains("team.toml:"), "{err}");
    assert!(err.contains("steps[3].guidance.examples"), "{err}");
}

// ---------------------------------------------------------------------------
// the deal screen

/// Press the key of `c` through the keymap of the layers active now.
fn key_of(app: &mut App, c: char) {
    let modifiers = if c.is_ascii_uppercase() {
        KeyModifiers::SHIFT
    } else {
        KeyModifiers::NONE
    };
    press_with(app, KeyCode::Char(c), modifiers);
}

/// Acme (everything captured) open on step `n`, after `prepare` has
/// worked on the session with Acme's id.
fn acme_on_after(n: char, prepare: impl FnOnce(&mut Session, DealId)) -> App {
    let mut session = acme_and(vec![new_globex()]);
    let id = acme_id(&session);
    prepare(&mut session, id);
    let mut app = app(session, 120, 40);
    open_row(&mut app, 1); // Globex closes first; Acme second
    key_of(&mut app, n);
    app
}

fn acme_on(n: char) -> App {
    acme_on_after(n, |_, _| {})
}

fn acme_id(session: &Session) -> DealId {
    let rows = session
        .store()
        .deal_page(&ListQuery::default(), 0, 2)
        .unwrap();
    rows.iter().find(|r| r.name.starts_with("Acme")).unwrap().id
}

fn acme(app: &App) -> qualify::domain::Deal {
    let session = &app.ctx().session;
    session.store().deal(acme_id(session)).unwrap()
}

#[test]
fn g_shows_the_step_s_guidance_and_esc_closes_it() {
    let mut app = acme_on('1');
    key_of(&mut app, 'g');
    let text = screen(&app, 120, 40);
    assert!(
        text.contains("Guide · step 1 · Initial qualification"),
        "{text}"
    );
    assert!(text.contains("Questions to ask"), "{text}");
    insta::assert_snapshot!("guide_step_01_120x40", text);
    // scrolled down to the evidence by score
    for _ in 0..30 {
        key_of(&mut app, 'j');
    }
    let text = plain_screen(&app, 120, 40);
    assert!(
        text.contains("Evidence by score") || text.contains("0 unknown:"),
        "{text}"
    );
    press(&mut app, KeyCode::Esc);
    assert!(!plain_screen(&app, 120, 40).contains("Guide · step"));
    // in the smallest window too, with its keys in the help
    key_of(&mut app, 'g');
    let small = plain_screen(&app, 80, 24);
    assert!(small.contains("Guide · step 1"), "{small}");
    assert!(small.contains("Questions to ask"), "{small}");
    press(&mut app, KeyCode::F(1));
    let help = plain_screen(&app, 80, 24);
    assert!(help.contains("Step guidance"), "{help}");
    assert!(help.contains("template into outcomes"), "{help}");
}

#[test]
fn on_the_competitors_step_the_guide_leads_with_the_deal_s_battle_cards() {
    let mut app = acme_on_after('5', |session, _| {
        let card = "Cheaper licence; lead with the audit trail";
        qualify::ops::set_battle_card(session, "Globex", card, None).unwrap();
    });
    key_of(&mut app, 'g');
    let text = plain_screen(&app, 120, 40);
    assert!(
        text.contains("Battle cards of this deal's competitors"),
        "{text}"
    );
    assert!(
        text.contains("Globex · shortlisted · threat high"),
        "{text}"
    );
    assert!(
        text.contains("Cheaper licence; lead with the audit trail"),
        "{text}"
    );
    assert!(
        text.contains("No battle card yet: B on the competitor writes one"),
        "{text}"
    );
    insta::assert_snapshot!("guide_step_05_120x40", screen(&app, 120, 40));
}

#[test]
fn a_template_goes_into_a_note_after_what_it_holds() {
    let mut app = acme_on('2');
    let before = acme(&app).steps[1].notes.outcomes.clone();
    assert!(
        !before.is_empty(),
        "the fixture has an outcomes note on step 2"
    );
    key_of(&mut app, 'g');
    key_of(&mut app, 'o');
    let status = app.status().unwrap();
    assert_eq!(status.tone, Tone::Info);
    assert!(
        status.text.starts_with("Outcomes template put in"),
        "{}",
        status.text
    );
    assert_eq!(app.layers()[0], qualify::tui::keymap::Layer::Editor);
    // typed after the template, then saved
    type_text(&mut app, "Anna");
    press(&mut app, KeyCode::Esc);
    let templates = app
        .ctx()
        .session
        .playbook
        .step(step(2))
        .guidance
        .templates
        .clone();
    let deal = acme(&app);
    assert_eq!(
        deal.steps[1].notes.outcomes,
        format!(
            "{}\n\n{}Anna",
            before.trim_end(),
            templates.outcomes.trim_end()
        )
    );
    // an empty note takes the template alone
    key_of(&mut app, 'g');
    key_of(&mut app, 'n');
    press(&mut app, KeyCode::Esc);
    assert_eq!(
        acme(&app).steps[1].notes.next_steps,
        templates.next_steps.trim_end()
    );
}

#[test]
fn ctrl_d_leaves_the_note_as_it_was() {
    let mut app = acme_on('3');
    let before = acme(&app).steps[2].notes.outcomes.clone();
    key_of(&mut app, 'g');
    key_of(&mut app, 'o');
    assert!(plain_screen(&app, 120, 40).contains("Budget amount and source:"));
    press_with(&mut app, KeyCode::Char('d'), KeyModifiers::CONTROL);
    assert_eq!(acme(&app).steps[2].notes.outcomes, before, "nothing saved");
}

#[test]
fn a_template_goes_after_an_unsaved_draft() {
    // a draft kept (as a kill keeps one) is offered back with the template after it
    let mut app = acme_on_after('3', |session, id| {
        let of = DraftOf::Note {
            deal: id,
            step: step(3),
            kind: NoteKind::Outcomes,
        };
        qualify::ops::keep_draft(session, &of, "Typed before the crash").unwrap();
    });
    key_of(&mut app, 'g');
    key_of(&mut app, 'o');
    let status = app.status().unwrap();
    assert_eq!(status.tone, Tone::Warn);
    assert!(
        status.text.contains("the template is after it"),
        "{}",
        status.text
    );
    let text = plain_screen(&app, 120, 40);
    assert!(text.contains("Typed before the crash"), "{text}");
    insta::assert_snapshot!("guide_template_in_note_120x40", screen(&app, 120, 40));
    press(&mut app, KeyCode::Esc);
    let saved = acme(&app).steps[2].notes.outcomes.clone();
    assert!(
        saved.starts_with("Typed before the crash\n\nBudget amount and source:"),
        "{saved}"
    );
}
