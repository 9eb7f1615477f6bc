//! Hostile and unusual text through the headless face: terminal escapes in a
//! team's playbook and in deal data never reach the terminal, texts and dates
//! are bounded, the Markdown report escapes HTML, tables line up in columns.

use assert_cmd::Command;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

/// OSC 0 (set the window title, ended by BEL), then CSI 2J (clear the screen).
const OSC_CSI: &str = "\u{1b}]0;owned\u{7}\u{1b}[2J";
/// The same in TOML's escapes, for a playbook file.
const OSC_CSI_TOML: &str = "\\u001b]0;owned\\u0007\\u001b[2J";

struct Fixture {
    dir: TempDir,
    db: PathBuf,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("deals.db");
        Fixture { dir, db }
    }

    fn cmd(&self) -> Command {
        let mut cmd = Command::cargo_bin("qualify").unwrap();
        cmd.env_remove("QUALIFY_DB")
            .arg("--db")
            .arg(&self.db)
            .args(["--as-of", "2026-12-01T09:00:00Z"]);
        cmd
    }

    fn add(&self, name: &str, account: &str) -> String {
        let out = self
            .cmd()
            .args(["deal", "add", "--name", name, "--account", account])
            .args(["--amount", "300000", "--close-date", "2027-03-31"])
            .assert()
            .success();
        String::from_utf8(out.get_output().stdout.clone())
            .unwrap()
            .trim()
            .to_string()
    }

    fn file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    }
}

/// The shipped playbook with escape sequences in step titles, the
/// objective, QA titles and escalation rows.
fn hostile_playbook() -> String {
    let text = include_str!("../assets/playbook.toml");
    let mut out = String::new();
    for line in text.lines() {
        let line = if let Some(rest) = line.strip_prefix("title = \"") {
            format!("title = \"{OSC_CSI_TOML}{rest}")
        } else if let Some(rest) = line.strip_prefix("objective = \"") {
            format!("objective = \"{OSC_CSI_TOML}{rest}")
        } else if let Some(rest) = line.strip_prefix("escalate_to = \"") {
            format!("escalate_to = \"{OSC_CSI_TOML}{rest}")
        } else if let Some(rest) = line.strip_prefix("scenario = \"") {
            format!("scenario = \"{OSC_CSI_TOML}{rest}")
        } else {
            line.to_string()
        };
        out.push_str(&line);
        out.push('\n');
    }
    assert!(
        out.matches(OSC_CSI_TOML).count() > 20,
        "the titles were found"
    );
    out
}

fn no_terminal_controls(what: &str, bytes: &[u8]) {
    for (name, byte) in [("ESC", 0x1b), ("BEL", 0x07)] {
        assert!(
            !bytes.contains(&byte),
            "{what}: {name} reached the terminal:\n{}",
            String::from_utf8_lossy(bytes)
        );
    }
    // the 8-bit CSI (U+009B) is a control too
    assert!(
        !String::from_utf8_lossy(bytes).contains('\u{9b}'),
        "{what}: an 8-bit CSI reached the terminal"
    );
}

#[test]
fn a_hostile_playbook_cannot_drive_the_terminal() {
    let f = Fixture::new();
    let playbook = f.file("team.toml", &hostile_playbook());
    let id = f.add(&format!("Acme {OSC_CSI} ERP"), "Acme");
    let run = |args: &[&str]| {
        let out = f
            .cmd()
            .arg("--playbook")
            .arg(&playbook)
            .args(args)
            .output()
            .unwrap();
        let label = args.join(" ");
        no_terminal_controls(&format!("{label} (stdout)"), &out.stdout);
        no_terminal_controls(&format!("{label} (stderr)"), &out.stderr);
        out
    };
    let block = ["step", &id, "3", "block", "--reason"];
    let started = run(&["step", &id, "1", "start"]);
    assert!(started.status.success());
    assert!(
        String::from_utf8_lossy(&started.stdout).contains("]0;owned"),
        "the title is shown, defused"
    );
    assert!(
        run(&[&block[..], &[&format!("CFO {OSC_CSI} away")]].concat())
            .status
            .success()
    );
    run(&["step", &id, "2", "complete"]);
    for args in [
        &["deal", "show", &id][..],
        &["deal", "show", &id, "--json"],
        &["deal", "list"],
        &["deal", "list", "--json"],
        &["deal", "export", &id],
        &["report", &id],
        &["check", &id],
        &["check", &id, "--json"],
        &["check"],
        &["history", &id],
        &["history", &id, "--json"],
        &[
            "escalate",
            &id,
            "--scenario",
            "customer",
            "--reason",
            OSC_CSI,
        ],
    ] {
        run(args);
    }
    // JSON keeps the value exactly, as escapes
    let out = run(&["deal", "show", &id, "--json"]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["name"], format!("Acme {OSC_CSI} ERP"));
    assert_eq!(
        doc["steps"][2]["blocked_reason"],
        format!("CFO {OSC_CSI} away")
    );
}

#[test]
fn export_round_trips_text_the_terminal_never_sees() {
    let f = Fixture::new();
    let hostile = format!("Globex {OSC_CSI} \u{9b}2J \u{202e}gnp.exe");
    let id = f.add(&hostile, "Globex");
    let out = f.cmd().args(["deal", "export", &id]).output().unwrap();
    assert!(out.status.success());
    no_terminal_controls("export", &out.stdout);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["name"], hostile);
}

#[test]
fn the_report_escapes_html_and_keeps_tables_whole() {
    let f = Fixture::new();
    let id = f.add("<script>alert(1)</script> | R&D", "Acme");
    f.cmd()
        .args(["step", &id, "1", "block", "--reason"])
        .arg("waits on <b>legal</b>\nsecond | line")
        .assert()
        .success();
    let out = f.cmd().args(["report", &id]).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        !text.contains("<script>") && !text.contains("<b>"),
        "{text}"
    );
    // Markdown's own escapes, which every viewer shows as the characters
    // typed (an entity such as `&gt;` shows as itself in a plain viewer)
    assert!(
        text.contains(r"# Deal review: \<script\>alert(1)\</script\> \| R\&D (Acme)"),
        "{text}"
    );
    assert!(
        !text.contains("&lt;") && !text.contains("&gt;") && !text.contains("&amp;"),
        "{text}"
    );
    let row = text
        .lines()
        .find(|l| l.starts_with("| 1 |"))
        .expect("the step row");
    assert!(
        row.contains(r"blocked: waits on \<b\>legal\</b\> second \| line"),
        "{row}"
    );
    // every table row has as many cells as its header
    let mut columns = None;
    for line in text.lines() {
        if !line.starts_with('|') {
            columns = None;
            continue;
        }
        let cells = line.replace("\\|", "").matches('|').count();
        assert_eq!(*columns.get_or_insert(cells), cells, "{line}");
    }
}

#[test]
fn deal_list_lines_up_wide_characters() {
    use unicode_width::UnicodeWidthStr;
    let f = Fixture::new();
    f.add("東京商事 ERP 導入プロジェクト第二期", "東京商事株式会社");
    f.add("🚀 Launch 🚀", "Ünïcödé GmbH");
    f.add("Plain deal", "Acme");
    let out = f.cmd().args(["deal", "list"]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    // the table, above its totals
    let lines: Vec<&str> = text.lines().take_while(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 4, "{text}");
    // the AMOUNT column ends at the same column on every line
    let end_of_amount = |line: &str| {
        let at = line
            .find("AMOUNT")
            .or_else(|| line.find("$300,000"))
            .unwrap();
        let len = if line.contains("AMOUNT") { 6 } else { 8 };
        line[..at + len].width()
    };
    let first = end_of_amount(lines[0]);
    for line in &lines {
        assert_eq!(end_of_amount(line), first, "misaligned:\n{text}");
        assert_eq!(line.width(), lines[1].width().max(line.width()));
    }
    assert!(text.contains('…'), "the long name is cut: {text}");
}

#[test]
fn texts_are_bounded_at_every_entry_point() {
    let f = Fixture::new();
    let long_name = "n".repeat(201);
    f.cmd()
        .args(["deal", "add", "--name", &long_name, "--account", "A"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("name: at most 200 characters"));
    let id = f.add("Acme", "Acme");
    let long_note = "x".repeat(20_001);
    f.cmd()
        .args(["step", &id, "1", "note", "outcomes", &long_note])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("at most 20000 characters"));
    f.cmd()
        .args(["step", &id, "1", "note", "outcomes", &"x".repeat(20_000)])
        .assert()
        .success();

    let doc = serde_json::json!([
        {"name": "Fine", "account": "A"},
        {"name": "Acme", "account": "A", "steps": [
            {"number": 1, "notes": {"outcomes": "y".repeat(20_001)}}
        ]},
    ]);
    let file = f.file("deals.json", &doc.to_string());
    let out = f
        .cmd()
        .args(["deal", "import"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains(
            "[1].steps[0].notes.outcomes: too long: at most 20000 characters (this has 20001); nothing was imported"
        ),
        "{err}"
    );
    let doc = serde_json::json!({"name": "Acme", "account": "A",
        "stakeholders": [{"name": "s".repeat(300), "role": "champion"}]});
    let file = f.file("one.json", &doc.to_string());
    f.cmd()
        .args(["deal", "import"])
        .arg(&file)
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "stakeholders[0].name: too long: at most 200 characters",
        ));
}

fn import_error(f: &Fixture, doc: serde_json::Value) -> String {
    let file = f.file("doc.json", &doc.to_string());
    let out = f
        .cmd()
        .args(["deal", "import"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{doc}");
    String::from_utf8(out.stderr).unwrap()
}

#[test]
fn dates_outside_1900_to_2200_are_refused_with_the_accepted_form() {
    let f = Fixture::new();
    let add = |date: &str| {
        let out = f
            .cmd()
            .args([
                "deal",
                "add",
                "--name",
                "X",
                "--account",
                "Y",
                "--close-date",
                date,
            ])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{date}");
        String::from_utf8(out.stderr).unwrap()
    };
    for date in ["2027-13-01", "1899-12-31", "2201-01-01", "2027-02-30"] {
        let err = add(date);
        assert!(
            err.contains(&format!(
                "not a date: \"{date}\" (use YYYY-MM-DD between 1900 and 2200, e.g. 2027-03-31)"
            )),
            "{err}"
        );
    }
    let out = Command::cargo_bin("qualify")
        .unwrap()
        .env_remove("QUALIFY_DB")
        .arg("--db")
        .arg(&f.db)
        .args(["--as-of", "9999-01-01", "deal", "list"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("between 1900 and 2200"), "{err}");

    let id = f.add("Acme", "Acme");
    let out = f
        .cmd()
        .args([
            "step",
            &id,
            "1",
            "confirm",
            "--with",
            "Tom",
            "--on",
            "2300-01-01",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("between 1900 and 2200"));

    for (doc, path) in [
        (
            serde_json::json!({"name": "A", "account": "B", "close_date": "+10000-01-01"}),
            "close_date",
        ),
        (
            serde_json::json!({"name": "A", "account": "B", "trigger_date": "-0001-01-01"}),
            "trigger_date",
        ),
        (
            serde_json::json!({"name": "A", "account": "B",
                "next_steps": [{"action": "Call", "set_on": "2027-13-01"}]}),
            "next_steps[0].set_on",
        ),
        (
            serde_json::json!([{"name": "A", "account": "B"}, {"name": "A", "account": "B",
                "steps": [{"number": 1, "status": "in_progress", "started_at": "1850-01-01T00:00:00Z"}]}]),
            "[1].steps[0].started_at",
        ),
    ] {
        let err = import_error(&f, doc);
        assert!(err.contains(&format!("{path}: not a")), "{path}: {err}");
        assert!(err.contains("between 1900 and 2200"), "{err}");
        for chrono in ["out of range", "trailing input", "invalid characters"] {
            assert!(!err.contains(chrono), "{err}");
        }
    }
}

#[test]
fn a_huge_value_already_in_the_database_prints_quickly() {
    let f = Fixture::new();
    let id = f.add("Acme", "Acme");
    let conn = rusqlite::Connection::open(&f.db).unwrap();
    let huge = "word ".repeat(200_000);
    conn.execute(
        "UPDATE deals SET name = ?1 WHERE id = ?2",
        rusqlite::params![huge, id.parse::<i64>().unwrap()],
    )
    .unwrap();
    drop(conn);
    let out = f.cmd().args(["deal", "list"]).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.lines().all(|l| l.len() < 200), "{}", &text[..300]);
    assert!(Path::new(&f.db).exists());
}
