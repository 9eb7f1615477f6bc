//! Import and export from the deal list, as a person does them: keys go
//! through the keymap, the work runs on its own connection to a database
//! file, and what the screen shows and the file system holds is checked.

use qualify::domain::deal::NewDeal;
use qualify::domain::document::DealDocument;
use qualify::ops::{self, Session};
use qualify::store::Store;
use qualify::tui::App;
use qualify::tui::keymap::Layer;
use qualify::tui::shared::Tone;
use ratatui::crossterm::event::KeyCode;
use std::path::Path;

mod common;

use common::tui::*;

const OPPORTUNITIES: &str = "tests/fixtures/salesforce/opportunities_api.csv";

/// Two deals in a database file (so the work runs on a second connection).
fn two_deals(dir: &Path) -> Session {
    let mut s = session(Store::open(&dir.join("q.db")).unwrap());
    ops::add_deals(
        &mut s,
        // without an implementation fee
        [new_globex(), new_initech()]
            .map(|d| NewDeal {
                implementation_fee: None,
                ..d
            })
            .into(),
    )
    .unwrap();
    s
}

/// Another window on the same file: what is really in the database.
fn deals_in(dir: &Path) -> usize {
    let s = session(Store::open(&dir.join("q.db")).unwrap());
    s.store().count_deals(&s.list_query()).unwrap()
}

/// The text inside the dialog's border (the topmost box whose title is an
/// import or export), its wrapped lines joined by spaces.
fn dialog(app: &App) -> String {
    let text = screen(app, 120, 40);
    let rows: Vec<Vec<char>> = text
        .lines()
        .map(|l| l.trim_matches('"').chars().collect())
        .collect();
    let top = rows
        .iter()
        .position(|r| {
            let s: String = r.iter().collect();
            s.contains('┌')
                && (s.contains("Import") || s.contains("Export") || s.contains("Replace"))
        })
        .unwrap_or_else(|| panic!("no dialog on the screen:\n{text}"));
    let left = rows[top].iter().position(|c| *c == '┌').unwrap();
    let right = rows[top].iter().rposition(|c| *c == '┐').unwrap();
    let mut words = Vec::new();
    for row in &rows[top + 1..] {
        if row[left] == '└' {
            break;
        }
        let inside: String = row[left + 1..right].iter().collect();
        words.extend(inside.split_whitespace().map(str::to_string));
    }
    words.join(" ")
}

/// `i`, the path, Enter, and the dry run's end.
fn dry_run(app: &mut App, path: &str) {
    press(app, KeyCode::Char('i'));
    assert_eq!(app.layers()[0], Layer::Prompt);
    type_text(app, path);
    press(app, KeyCode::Enter);
    app.wait_for_work();
}

/// What `qualify deal import FILE --dry-run` says on stderr, without its
/// `qualify: ` prefix.
fn cli_error(dir: &Path, file: &str) -> String {
    let out = assert_cmd::Command::cargo_bin("qualify")
        .unwrap()
        .args(["--db"])
        .arg(dir.join("cli.db"))
        .args(["deal", "import", file, "--dry-run"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    err.trim_end()
        .strip_prefix("qualify: ")
        .unwrap_or(&err)
        .to_string()
}

#[test]
fn a_missing_file_or_one_that_is_not_an_export_is_refused_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = app(two_deals(dir.path()), 120, 40);
    let missing = dir.path().join("nowhere.csv");
    let missing = missing.to_str().unwrap();
    dry_run(&mut app, missing);
    let shown = dialog(&app);
    let said = cli_error(dir.path(), missing);
    assert!(said.contains("No such file"), "{said}");
    assert!(shown.contains(&said), "{shown}\nlacks\n{said}");
    assert_eq!(app.layers()[0], Layer::Prompt, "still asking");

    // the wrong path is kept to be corrected
    for _ in 0..missing.chars().count() {
        press(&mut app, KeyCode::Backspace);
    }
    type_text(&mut app, "README.md");
    press(&mut app, KeyCode::Enter);
    app.wait_for_work();
    let said = cli_error(dir.path(), "README.md");
    assert!(said.contains("neither deal documents"), "{said}");
    assert!(dialog(&app).contains(&said), "{}", dialog(&app));

    press(&mut app, KeyCode::Esc);
    assert_eq!(app.layers()[0], Layer::List);
    assert_eq!(deals_in(dir.path()), 2);
}

#[test]
fn the_dry_run_shows_the_counts_the_bad_record_and_the_columns_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = app(two_deals(dir.path()), 120, 40);
    press(&mut app, KeyCode::Char('i'));
    type_text(&mut app, OPPORTUNITIES);
    press(&mut app, KeyCode::Enter);
    // the dry run's progress shows until the worker's report is taken
    let working = dialog(&app);
    assert!(
        working.contains("Reading tests/fixtures/salesforce"),
        "{working}"
    );
    assert!(working.contains("records read"), "{working}");
    app.wait_for_work();

    let shown = dialog(&app);
    for part in [
        "Format Salesforce opportunities (salesforce-csv)",
        "Records 6 records: 5 to create, 0 to update, 0 unchanged, 1 skipped",
        "Skipped record 3 (line 5, Id 0065g00000AAAA3AAA): CloseDate: not a date: \"02/30/27\"",
        "Region__c",
        "Nothing is written yet.",
    ] {
        assert!(shown.contains(part), "{part:?} not in:\n{shown}");
    }
    assert_eq!(app.layers()[0], Layer::Confirm);
    assert_eq!(deals_in(dir.path()), 2, "a dry run writes nothing");
}

#[test]
fn confirming_imports_them_and_the_list_grows() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = app(two_deals(dir.path()), 120, 40);
    assert!(screen(&app, 120, 40).contains("qualify · 2 deals"));
    dry_run(&mut app, OPPORTUNITIES);
    press(&mut app, KeyCode::Char('y'));
    assert!(dialog(&app).contains("written"), "{}", dialog(&app));
    app.wait_for_work();

    assert_eq!(app.layers()[0], Layer::List);
    let status = app.status().unwrap();
    assert_eq!(
        status.text,
        "Imported opportunities_api.csv: 6 records: 5 created, 0 updated, 0 unchanged, 1 skipped"
    );
    assert_eq!(status.tone, Tone::Warn, "a record was skipped");
    // two of them closed: the list shows them with C
    let text = screen(&app, 120, 40);
    assert!(text.contains("qualify · 5 deals"), "{text}");
    press(&mut app, KeyCode::Char('C'));
    let text = screen(&app, 120, 40);
    assert!(text.contains("qualify · 7 deals"), "{text}");
    assert!(text.contains("Acme ERP rollout"), "{text}");
    assert_eq!(deals_in(dir.path()), 7);

    // again: the same deals, nothing new
    dry_run(&mut app, OPPORTUNITIES);
    let shown = dialog(&app);
    assert!(
        shown.contains("6 records: 0 to create, 0 to update, 5 unchanged, 1 skipped"),
        "{shown}"
    );
}

#[test]
fn a_database_in_memory_is_imported_into_without_a_second_connection() {
    let mut s = session(Store::open_in_memory().unwrap());
    ops::add_deal(
        &mut s,
        deal("Globex analytics", "Globex", 1, "2027-02-15", "Lee"),
    )
    .unwrap();
    let mut app = app(s, 120, 40);
    dry_run(&mut app, OPPORTUNITIES);
    press(&mut app, KeyCode::Enter);
    app.wait_for_work();
    press(&mut app, KeyCode::Char('C')); // closed deals too
    assert!(screen(&app, 120, 40).contains("qualify · 6 deals"));
}

#[test]
fn cancelling_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = app(two_deals(dir.path()), 120, 40);
    dry_run(&mut app, OPPORTUNITIES);
    press(&mut app, KeyCode::Char('n'));
    assert_eq!(app.layers()[0], Layer::List);
    assert_eq!(
        app.status().unwrap().text,
        "Nothing was imported from opportunities_api.csv"
    );
    assert!(screen(&app, 120, 40).contains("qualify · 2 deals"));
    assert_eq!(deals_in(dir.path()), 2);

    dry_run(&mut app, OPPORTUNITIES);
    press(&mut app, KeyCode::Esc);
    assert_eq!(deals_in(dir.path()), 2);
}

#[test]
fn the_dry_run_summary_at_both_sizes() {
    for (w, h) in [(80, 24), (120, 40)] {
        let dir = tempfile::tempdir().unwrap();
        let mut app = app(two_deals(dir.path()), w, h);
        dry_run(&mut app, OPPORTUNITIES);
        insta::assert_snapshot!(format!("import_summary_{w}x{h}"), screen(&app, w, h));
        press(&mut app, KeyCode::Esc);
    }
}

#[test]
fn a_bad_deal_document_is_refused_in_place_as_the_cli_refuses_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = app(two_deals(dir.path()), 120, 40);
    let file = dir.path().join("bad.json");
    std::fs::write(
        &file,
        r#"[{"name": "Good", "account": "A"}, {"name": 5, "account": "B"}]"#,
    )
    .unwrap();
    let file = file.to_str().unwrap();
    dry_run(&mut app, file);
    let said = cli_error(dir.path(), file);
    assert!(said.contains("[1]"), "{said}");
    assert!(
        dialog(&app).contains(&said),
        "{}\nlacks\n{said}",
        dialog(&app)
    );
    assert_eq!(app.layers()[0], Layer::Prompt, "still asking");
    assert_eq!(deals_in(dir.path()), 2);
}

#[test]
fn deal_documents_changed_since_export_are_refused_unless_f_overwrites_them() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = two_deals(dir.path());
    let id = s.store().deal_page(&s.list_query(), 0, 1).unwrap()[0].id;
    // exported, renamed in the file, and changed in the database since
    let mut doc = DealDocument::from_deal(&s.store().deal(id).unwrap(), &s.playbook);
    doc.name = "Globex analytics EMEA".into();
    let file = dir.path().join("deals.json");
    std::fs::write(&file, serde_json::to_string(&[doc]).unwrap()).unwrap();
    ops::edit_deal(&mut s, id, None, |d| {
        d.stage = "Proposal".into();
        Ok(())
    })
    .unwrap();
    let mut app = app(s, 120, 40);
    let name = || {
        let s = session(Store::open(&dir.path().join("q.db")).unwrap());
        s.store().deal(id).unwrap().name
    };

    dry_run(&mut app, file.to_str().unwrap());
    let shown = dialog(&app);
    assert!(shown.contains("Records 1 deal document"), "{shown}");
    assert!(
        shown.contains(
            "Overwrite no: a deal changed since its document was exported is refused (f: yes)"
        ),
        "{shown}"
    );
    assert_eq!(app.layers()[..2], [Layer::ImportDocuments, Layer::Confirm]);
    let footer = screen(&app, 120, 40);
    assert!(
        footer.contains("f overwrite deals changed since export (--force)"),
        "{footer}"
    );
    press(&mut app, KeyCode::Char('y'));
    app.wait_for_work();
    let status = app.status().unwrap();
    assert_eq!(status.tone, Tone::Error);
    assert!(status.text.contains("changed since"), "{}", status.text);
    assert_eq!(name(), "Globex analytics", "refused: nothing written");

    dry_run(&mut app, file.to_str().unwrap());
    press(&mut app, KeyCode::Char('f'));
    let shown = dialog(&app);
    assert!(
        shown.contains(
            "Overwrite yes: deals changed since their document was exported are overwritten (f: no)"
        ),
        "{shown}"
    );
    press(&mut app, KeyCode::Char('y'));
    app.wait_for_work();
    let status = app.status().unwrap();
    assert_eq!(
        status.text,
        "Imported deals.json: 1 created or updated; overwrote 1 deal changed since it was exported"
    );
    assert_eq!(status.tone, Tone::Warn);
    assert_eq!(name(), "Globex analytics EMEA");
}

#[test]
fn a_sign_off_an_imported_document_forges_is_dropped_and_the_status_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let s = two_deals(dir.path());
    let id = s.store().deal_page(&s.list_query(), 0, 1).unwrap()[0].id;
    let mut doc = DealDocument::from_deal(&s.store().deal(id).unwrap(), &s.playbook);
    doc.manager_review = Some(qualify::domain::content::SaDecision {
        approved: true,
        by: "Morgan Lead".into(),
        at: now(),
        comment: String::new(),
        basis: None,
    });
    let file = dir.path().join("forged.json");
    std::fs::write(&file, serde_json::to_string(&[doc]).unwrap()).unwrap();
    let mut app = app(s, 120, 40);
    dry_run(&mut app, file.to_str().unwrap());
    press(&mut app, KeyCode::Char('y'));
    app.wait_for_work();
    let status = app.status().unwrap();
    assert_eq!(status.tone, Tone::Warn, "{}", status.text);
    assert!(
        status.text.contains(&format!(
            "deal {id} (Globex analytics): dropped the manager's review (approved by Morgan Lead on 2026-11-27)"
        )),
        "{}",
        status.text
    );
    let s = session(Store::open(&dir.path().join("q.db")).unwrap());
    assert!(s.store().deal(id).unwrap().content.manager_review.is_none());
}

/// `x`, the format (Tab from json), the path typed over the one offered,
/// Enter.
fn export(app: &mut App, tabs: usize, path: &Path) {
    press(app, KeyCode::Char('x'));
    assert_eq!(app.layers()[0], Layer::Export);
    for _ in 0..tabs {
        press(app, KeyCode::Tab);
    }
    for _ in 0..40 {
        press(app, KeyCode::Backspace);
    }
    type_text(app, path.to_str().unwrap());
    press(app, KeyCode::Enter);
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn an_export_writes_a_private_file_that_parses_and_asks_before_replacing_one() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = app(two_deals(dir.path()), 120, 40);
    let out = dir.path().join("pipeline.csv");

    press(&mut app, KeyCode::Char('x'));
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    let shown = dialog(&app);
    assert!(shown.contains("› csv"), "{shown}");
    assert!(
        shown.contains("~/qualify-pipeline.csv"),
        "the path follows: {shown}"
    );
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.layers()[0], Layer::List);

    export(&mut app, 2, &out);
    app.wait_for_work();
    assert_eq!(app.layers()[0], Layer::List);
    assert_eq!(
        app.status().unwrap().text,
        format!("Exported 2 deals to {} (csv)", out.display())
    );
    #[cfg(unix)]
    assert_eq!(mode(&out), 0o600);
    let mut reader = csv::Reader::from_path(&out).unwrap();
    assert_eq!(&reader.headers().unwrap()[1], "Deal");
    let names: Vec<String> = reader
        .records()
        .map(|r| r.unwrap()[1].to_string())
        .collect();
    assert_eq!(names, ["Globex analytics", "Initech payroll"]);
    let first = std::fs::read(&out).unwrap();

    // the file exists: a no keeps it
    export(&mut app, 0, &out);
    assert_eq!(app.layers()[0], Layer::Confirm);
    assert!(dialog(&app).contains("exists"), "{}", dialog(&app));
    press(&mut app, KeyCode::Char('n'));
    assert_eq!(app.layers()[0], Layer::Export, "back to the choice");
    press(&mut app, KeyCode::Esc);
    assert_eq!(std::fs::read(&out).unwrap(), first);

    // a yes replaces it (deal documents this time)
    export(&mut app, 0, &out);
    press(&mut app, KeyCode::Char('y'));
    app.wait_for_work();
    let docs: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(docs.as_array().unwrap().len(), 2);
    #[cfg(unix)]
    assert_eq!(mode(&out), 0o600);
}

#[test]
fn an_export_to_a_folder_is_refused_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = app(two_deals(dir.path()), 120, 40);
    export(&mut app, 3, dir.path());
    let shown = dialog(&app);
    assert!(
        shown.contains(&format!(
            "cannot write {}: that is a folder",
            dir.path().display()
        )),
        "{shown}"
    );
    assert_eq!(app.layers()[0], Layer::Export);
}

#[test]
fn records_like_deals_there_are_are_listed_and_asked_about_before_writing() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = app(two_deals(dir.path()), 120, 40);
    let file = dir.path().join("opps.csv");
    std::fs::write(
        &file,
        "Name,Account.Name,CloseDate\n\
         Globex analytics,Globex,2027-02-15\n\
         Hooli search,Hooli,2027-04-30\n",
    )
    .unwrap();
    dry_run(&mut app, file.to_str().unwrap());
    let shown = dialog(&app);
    assert!(
        shown.contains("2 records: 2 to create, 0 to update, 0 unchanged, 0 skipped"),
        "{shown}"
    );
    assert!(
        shown.contains(
            "New? 1 record is like a deal there is (the same name, account and close date): \
             a yes creates it too"
        ),
        "{shown}"
    );
    assert!(
        shown.contains(
            "record 1 (line 2, \"Globex analytics\") is like deal 1 \"Globex analytics\""
        ),
        "{shown}"
    );
    assert!(shown.contains("y/Enter imports it"), "{shown}");
    assert_eq!(app.layers()[0], Layer::Confirm, "a yes/no question");
    press(&mut app, KeyCode::Char('n'));
    assert_eq!(deals_in(dir.path()), 2, "no: nothing written");

    dry_run(&mut app, file.to_str().unwrap());
    press(&mut app, KeyCode::Char('y'));
    app.wait_for_work();
    let status = app.status().unwrap();
    assert_eq!(
        status.text,
        "Imported opps.csv: 2 records: 2 created, 0 updated, 0 unchanged, 0 skipped"
    );
    assert_eq!(deals_in(dir.path()), 4);
}

#[test]
fn qualifys_own_rows_of_deals_changed_since_are_refused_unless_f_overwrites_them() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = two_deals(dir.path());
    let id = s.store().deal_page(&s.list_query(), 0, 1).unwrap()[0].id;
    let file = dir.path().join("sf.csv");
    let all = ops::transfer::ExportChoice::all(ops::transfer::ExportFormat::SalesforceCsv);
    ops::transfer::export(
        &s,
        &all,
        Some(&file),
        false,
        &mut std::io::sink(),
        &mut |_| {},
    )
    .unwrap();
    // the amount changed in the file, and the deal in the database since
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, text.replacen(",120000,", ",130000,", 1)).unwrap();
    ops::edit_deal(&mut s, id, None, |d| {
        d.stage = "Proposal".into();
        Ok(())
    })
    .unwrap();
    let mut app = app(s, 120, 40);
    let amount = || {
        let s = session(Store::open(&dir.path().join("q.db")).unwrap());
        s.store().deal(id).unwrap().amount.unwrap().to_string()
    };

    dry_run(&mut app, file.to_str().unwrap());
    let shown = dialog(&app);
    assert!(
        shown.contains("Changed deal 1 \"Globex analytics\", now at version 2"),
        "{shown}"
    );
    assert!(
        shown.contains(
            "Overwrite no: a deal changed since its row was exported is refused (f: yes)"
        ),
        "{shown}"
    );
    assert_eq!(app.layers()[..2], [Layer::ImportDocuments, Layer::Confirm]);
    press(&mut app, KeyCode::Char('y'));
    app.wait_for_work();
    let status = app.status().unwrap();
    assert_eq!(status.tone, Tone::Error);
    assert!(status.text.contains("--force"), "{}", status.text);
    assert_eq!(amount(), "$120,000", "refused: nothing written");

    dry_run(&mut app, file.to_str().unwrap());
    press(&mut app, KeyCode::Char('f'));
    press(&mut app, KeyCode::Char('y'));
    app.wait_for_work();
    let status = app.status().unwrap();
    assert_eq!(
        status.text,
        "Imported sf.csv: 2 records: 0 created, 1 updated, 1 unchanged, 0 skipped; \
         overwrote 1 deal changed since it was exported"
    );
    assert_eq!(amount(), "$130,000");
}

#[test]
fn an_unbalanced_quote_is_refused_in_place_and_a_short_row_is_listed_as_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = app(two_deals(dir.path()), 120, 40);
    let quote = dir.path().join("quote.csv");
    std::fs::write(
        &quote,
        "Id,Name,Account.Name\n006A,\"Acme ERP,Acme\n006B,Initech CRM,Initech\n",
    )
    .unwrap();
    let quote = quote.to_str().unwrap();
    dry_run(&mut app, quote);
    let said = cli_error(dir.path(), quote);
    assert!(
        said.contains("line 2: the quote that opens Name of record 1 is never closed"),
        "{said}"
    );
    assert!(dialog(&app).contains(&said), "{}", dialog(&app));
    assert_eq!(app.layers()[0], Layer::Prompt, "still asking");
    press(&mut app, KeyCode::Esc);

    let short = dir.path().join("short.csv");
    std::fs::write(
        &short,
        "Id,Name,Account.Name\n006A,Acme ERP,Acme\n006B,Initech CRM\n",
    )
    .unwrap();
    dry_run(&mut app, short.to_str().unwrap());
    let shown = dialog(&app);
    for part in [
        "2 records: 1 to create, 0 to update, 0 unchanged, 1 skipped",
        "record 2 (line 3, Id 006B): 2 fields where the header has 3",
    ] {
        assert!(shown.contains(part), "{part:?} not in:\n{shown}");
    }
    press(&mut app, KeyCode::Esc);
    assert_eq!(deals_in(dir.path()), 2);
}
