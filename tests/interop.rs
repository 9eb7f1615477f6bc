//! Salesforce in and out: opportunity and contact-role exports in both
//! header styles, re-imports, dry runs, the Data Loader and spreadsheet
//! CSVs, the iCalendar file, and importers that never panic.

mod common;
use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

const T0: &str = "2026-11-02T09:00:00Z";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/salesforce")
        .join(name)
}

struct Db {
    dir: TempDir,
    db: PathBuf,
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Db {
    fn new() -> Db {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("deals.db");
        Db { dir, db }
    }

    fn run(&self, args: &[&str]) -> Run {
        self.run_at(T0, args)
    }

    fn run_at(&self, when: &str, args: &[&str]) -> Run {
        let out = Command::cargo_bin("qualify")
            .unwrap()
            .env_remove("QUALIFY_DB")
            .env("QUALIFY_USER", "dana")
            .arg("--db")
            .arg(&self.db)
            .args(["--as-of", when])
            .args(args)
            .output()
            .unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8(out.stdout).unwrap(),
            stderr: String::from_utf8(out.stderr).unwrap(),
        }
    }

    fn ok(&self, args: &[&str]) -> String {
        let r = self.run(args);
        assert_eq!(r.code, 0, "{args:?}: {}{}", r.stdout, r.stderr);
        r.stdout
    }

    fn import(&self, file: &Path, extra: &[&str]) -> Run {
        let mut args = vec!["deal", "import", file.to_str().unwrap()];
        args.extend_from_slice(extra);
        self.run(&args)
    }

    fn list(&self) -> Vec<Value> {
        let v: Value =
            serde_json::from_str(&self.ok(&["deal", "list", "--json", "--all"])).unwrap();
        v.as_array().unwrap().clone()
    }

    fn by_name(&self, name: &str) -> Value {
        self.list()
            .into_iter()
            .find(|d| d["name"] == name)
            .unwrap_or_else(|| panic!("no deal {name}"))
    }

    fn doc(&self, id: i64) -> Value {
        serde_json::from_str(&self.ok(&["deal", "export", &id.to_string()])).unwrap()
    }

    fn file(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }
}

#[test]
fn a_deal_document_whose_name_begins_with_nul_is_refused_saying_so() {
    // SQLite reads a text only up to a NUL: such a name would be stored empty
    let db = Db::new();
    let file = db.file(
        "nul.json",
        br#"[{"name": "Fine deal", "account": "Acme"},
             {"name": "\u0000Acme ERP", "account": "Acme"}]"#,
    );
    let run = db.import(&file, &[]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr
            .contains("name: contains a NUL character, which is not accepted"),
        "{}",
        run.stderr
    );
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(db.list().is_empty(), "nothing written");
}

#[test]
fn an_opportunity_never_makes_the_deal_s_owner_its_manager() {
    let db = Db::new();
    let csv = |owner: &str| {
        format!(
            "Id,Name,Account.Name,Amount,CloseDate,StageName,Owner.Name\r\n\
             0065g00000ZZZZ1AAA,Acme ERP,Acme Corp,300000,2027-03-31,Qualification,{owner}\r\n"
        )
    };
    let file = db.file("first.csv", csv("Dana Reyes").as_bytes());
    assert_eq!(db.import(&file, &[]).code, 0);
    let id = db.by_name("Acme ERP")["id"].as_i64().unwrap();
    let mut doc = db.doc(id);
    doc["manager"] = "Pat Kim".into();
    let edit = db.file("edit.json", doc.to_string().as_bytes());
    assert_eq!(db.import(&edit, &[]).code, 0);

    let file = db.file("again.csv", csv("pat kim").as_bytes());
    let r = db.import(&file, &[]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("pat kim owns the deal and cannot also be its manager"),
        "{}",
        r.stdout
    );
    let doc = db.doc(id);
    assert_eq!(doc["owner"], "Dana Reyes", "skipped: nothing changed");
    assert!(doc["manager_review"].is_null(), "a CSV carries no sign-off");
}

#[test]
fn an_api_export_with_bom_crlf_multiline_cells_and_three_date_styles_imports() {
    let db = Db::new();
    let r = db.import(&fixture("opportunities_api.csv"), &[]);
    assert_eq!(r.code, 1, "one record is skipped: {}{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("6 records: 5 created, 0 updated, 0 unchanged, 1 skipped"),
        "{}",
        r.stdout
    );
    // the impossible date is named with its record, line (after a two-line
    // record) and Id
    assert!(
        r.stdout.contains(
            "skipped record 3 (line 5, Id 0065g00000AAAA3AAA): CloseDate: not a date: \"02/30/27\""
        ),
        "{}",
        r.stdout
    );
    // custom columns are reported once
    assert_eq!(r.stdout.matches("Region__c").count(), 1, "{}", r.stdout);
    assert!(r.stdout.contains("Competitor_Notes__c"));

    let deals = db.list();
    assert_eq!(deals.len(), 5);
    let acme = db.by_name("Acme ERP rollout");
    assert_eq!(acme["amount"], 420000.5);
    assert_eq!(acme["close_date"], "2027-03-31");
    assert_eq!(acme["account"], "Acme Corp");
    assert_eq!(acme["owner"], "Dana Reyes");
    assert_eq!(acme["stage"], "Qualification");
    let muller = db.by_name("Müller Logistik — 東京 expansion");
    assert_eq!(muller["amount"], 1_250_000);
    assert_eq!(muller["close_date"], "2027-03-15");
    assert_eq!(muller["account"], "Müller Logistik GmbH");
    let globex = db.by_name("Globex platform");
    assert_eq!(globex["close_date"], "2026-12-20", "MM/DD/YY");
    assert_eq!(globex["amount"], 300_000);
    assert!(db.list().iter().all(|d| d["name"] != "Initech renewal"));

    // the ids are kept, the next step becomes an open one, closed → outcome
    let doc = db.doc(acme["id"].as_i64().unwrap());
    assert_eq!(doc["salesforce"]["id"], "0065g00000AAAA1AAA");
    assert_eq!(doc["salesforce"]["account_id"], "0015g00000BBBB1AAA");
    assert_eq!(
        doc["salesforce"]["next_step"],
        "Book the CFO call, then\nsend the business case"
    );
    assert_eq!(
        doc["next_steps"][0]["action"],
        doc["salesforce"]["next_step"]
    );
    assert_eq!(doc["next_steps"][0]["done"], false);
    assert!(doc.get("outcome").is_none());
    let won = db.doc(globex["id"].as_i64().unwrap());
    assert_eq!(won["outcome"]["kind"], "won");
    assert_eq!(won["outcome"]["on"], "2026-12-20");
    let lost = db.doc(db.by_name("Umbrella pilot")["id"].as_i64().unwrap());
    assert_eq!(lost["outcome"]["kind"], "lost");
}

#[test]
fn a_report_export_with_labels_and_a_footer_imports() {
    let db = Db::new();
    let r = db.import(&fixture("opportunities_report.csv"), &[]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("3 records: 2 created, 0 updated, 0 unchanged, 1 skipped"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains(
            "skipped record 3 (line 5, Id 0065g00000RRRR3AAA): Amount: not an amount: \"lots\""
        ),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("2 lines that are not records"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("columns not imported: Fiscal Period, Deal Size Band")
    );
    let stark = db.by_name("Stark Industries data");
    assert_eq!(stark["amount"], 640_000);
    assert_eq!(stark["close_date"], "2027-04-30");
    assert_eq!(stark["owner"], "Priya Raman");
    assert_eq!(stark["stage"], "Needs Analysis");
    let wayne = db.by_name("Wayne Enterprises security");
    assert_eq!(wayne["amount"], 95500.25);
    assert_eq!(wayne["close_date"], "2027-06-30");
    let doc = db.doc(stark["id"].as_i64().unwrap());
    assert_eq!(doc["salesforce"]["id"], "0065g00000RRRR1AAA");
    assert_eq!(doc["salesforce"]["probability"], 20);
}

#[test]
fn a_good_file_exits_zero_and_an_unreadable_one_two() {
    let db = Db::new();
    let good = db.file(
        "good.csv",
        b"Name,Account.Name,Amount,CloseDate\nA,B,1,2027-01-01\n",
    );
    let r = db.import(&good, &[]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("has no Id or Opportunity ID column"));
    for (name, bytes) in [
        ("words.txt", &b"hello there\nfriend\n"[..]),
        ("empty.csv", b""),
        ("binary.bin", b"\x00\x01\x02\xff\xfe"),
    ] {
        let file = db.file(name, bytes);
        let r = db.import(&file, &[]);
        assert_eq!(r.code, 2, "{name}: {}{}", r.stdout, r.stderr);
        assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    }
    // told it is an export, a file without a Name column is refused whole
    let no_name = db.file("no_name.csv", b"Id,Amount\n006,5\n");
    let r = db.import(&no_name, &["--format", "salesforce-csv"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("no Name or Opportunity Name column"),
        "{}",
        r.stderr
    );
    assert_eq!(db.list().len(), 1);
    // JSON documents keep working
    let r = db.import(Path::new(common::FIXTURE), &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout.trim(), "2");
}

#[test]
fn a_reimport_creates_nothing_and_changes_only_what_changed() {
    let db = Db::new();
    db.import(&fixture("opportunities_api.csv"), &[]);
    let acme = db.by_name("Acme ERP rollout")["id"].as_i64().unwrap();
    // qualification work done in qualify since the import
    db.ok(&[
        "step",
        &acme.to_string(),
        "1",
        "note",
        "outcomes",
        "CFO confirmed the pain",
    ]);
    let history_before = db.ok(&["history", &acme.to_string(), "--json"]);
    let r = db.import(&fixture("opportunities_api.csv"), &[]);
    assert!(
        r.stdout
            .contains("6 records: 0 created, 0 updated, 5 unchanged, 1 skipped"),
        "{}",
        r.stdout
    );
    assert_eq!(
        db.ok(&["history", &acme.to_string(), "--json"]),
        history_before
    );

    // Salesforce moved the amount and the stage of one deal
    let text = std::fs::read_to_string(fixture("opportunities_api.csv")).unwrap();
    let changed = text
        .replace(",Qualification,420000.50,", ",Needs Analysis,450000,")
        .replace(",02/30/27,", ",02/28/27,");
    let file = db.file("changed.csv", changed.as_bytes());
    let r = db.import(&file, &[]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("6 records: 1 created, 1 updated, 4 unchanged, 0 skipped"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains(&format!(
            "updated deal {acme} \"Acme ERP rollout\" (Id 0065g00000AAAA1AAA): amount, stage"
        )),
        "{}",
        r.stdout
    );
    let history: Value =
        serde_json::from_str(&db.ok(&["history", &acme.to_string(), "--json"])).unwrap();
    let new: Vec<&str> =
        history.as_array().unwrap()[serde_json::from_str::<Value>(&history_before)
            .unwrap()
            .as_array()
            .unwrap()
            .len()..]
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
    assert_eq!(new, ["amount", "stage"]);
    let doc = db.doc(acme);
    assert_eq!(doc["amount"], 450_000);
    assert_eq!(
        doc["steps"][0]["notes"]["outcomes"],
        "CFO confirmed the pain"
    );
    assert_eq!(db.list().len(), 6);
}

#[test]
fn a_dry_run_says_the_same_and_writes_nothing() {
    let db = Db::new();
    db.import(&fixture("opportunities_api.csv"), &[]);
    let bytes = || {
        let mut all = std::fs::read(&db.db).unwrap();
        all.extend(std::fs::read(db.db.with_extension("db-wal")).unwrap_or_default());
        all
    };
    let before = bytes();
    let r = db.import(&fixture("opportunities_report.csv"), &["--dry-run"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout.contains("would create \"Stark Industries data\""),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("3 records: 2 created, 0 updated, 0 unchanged, 1 skipped")
    );
    assert!(r.stdout.contains("skipped record 3"));
    assert!(r.stdout.contains("dry run: nothing was written"));
    let r = db.import(&fixture("contact_roles.csv"), &["--dry-run"]);
    assert!(r.stdout.contains("would add \"Tom Hale\""), "{}", r.stdout);
    assert!(
        !r.stdout.lines().any(|l| l.starts_with("added")),
        "{}",
        r.stdout
    );
    assert_eq!(bytes(), before, "the database file is unchanged");
    assert_eq!(db.list().len(), 5);
    let acme = db.by_name("Acme ERP rollout")["id"].as_i64().unwrap();
    assert_eq!(db.doc(acme)["stakeholders"], Value::Array(vec![]));
}

#[test]
fn contact_roles_become_stakeholders_with_mapped_roles_once() {
    let db = Db::new();
    db.import(&fixture("opportunities_api.csv"), &[]);
    let r = db.import(&fixture("contact_roles.csv"), &[]);
    assert_eq!(
        r.code, 1,
        "an unknown opportunity: {}{}",
        r.stdout, r.stderr
    );
    assert!(
        r.stdout.contains("skipped record 6 (line 7, \"Nobody Known\"): no deal was imported from opportunity 0065g00000ZZZZ9AAA"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("6 stakeholders added"), "{}", r.stdout);
    let roles = |name: &str| -> Vec<(String, String, String)> {
        let id = db.by_name(name)["id"].as_i64().unwrap();
        db.doc(id)["stakeholders"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["name"].as_str().unwrap().to_string(),
                    s["title"].as_str().unwrap().to_string(),
                    s["role"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let t = |a: &str, b: &str, c: &str| (a.to_string(), b.to_string(), c.to_string());
    assert_eq!(
        roles("Acme ERP rollout"),
        [
            t("Tom Hale", "CFO", "economic_buyer"),
            t("Ken Ito", "IT Director", "technical_buyer"),
            t("Zoë Brandt", "Controller", "business_user"),
        ]
    );
    assert_eq!(
        roles("Müller Logistik — 東京 expansion"),
        [
            t("Jürgen Müller", "COO", "executive_sponsor"),
            t("Anna Schmidt", "Head of Ops, EMEA", "influencer"),
        ]
    );
    assert_eq!(
        roles("Hooli analytics"),
        [t("Gavin Belson", "CEO", "decision_maker")]
    );
    assert_eq!(roles("Globex platform"), []);
    // again: nothing new
    let r = db.import(&fixture("contact_roles.csv"), &[]);
    assert!(
        r.stdout.contains(
            "0 stakeholders added, 0 linked to their contact, 6 already there, 1 skipped"
        ),
        "{}",
        r.stdout
    );
    assert_eq!(roles("Acme ERP rollout").len(), 3);
    // and re-importing the opportunities leaves the stakeholders alone
    db.import(&fixture("opportunities_api.csv"), &[]);
    assert_eq!(roles("Acme ERP rollout").len(), 3);
}

fn csv_rows(text: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

#[test]
fn a_formula_in_a_name_exports_as_harmless_text_and_numbers_stay_numbers() {
    let db = Db::new();
    let id = db
        .ok(&[
            "deal",
            "add",
            "--name",
            "=HYPERLINK(\"http://x\",\"y\")",
            "--account",
            "@Acme",
            "--amount",
            "$250,000.50",
            "--close-date",
            "2027-03-31",
            "--stage=-Discovery",
        ])
        .trim()
        .to_string();
    let loader = db.ok(&["deal", "export", &id, "--format", "salesforce-csv"]);
    assert!(loader.contains("\r\n"), "CRLF records");
    let rows = csv_rows(&loader);
    assert_eq!(
        rows[0],
        [
            "Id",
            "Name",
            "AccountId",
            "Account.Name",
            "Amount",
            "CloseDate",
            "StageName",
            "NextStep",
            "ForecastCategoryName",
            "Probability",
            "Description",
            "Loss_Reason__c",
            "Qualify_Id__c",
            "Qualify_Version__c"
        ]
    );
    let row = &rows[1];
    assert_eq!(row[1], "'=HYPERLINK(\"http://x\",\"y\")");
    assert_eq!(row[3], "'@Acme");
    assert_eq!(row[4], "250000.50");
    assert_eq!(row[5], "2027-03-31");
    assert_eq!(row[6], "'-Discovery");
    assert_eq!(row[8], "Pipeline");
    assert!(row[10].starts_with("MEDDPICC 0/24"), "{}", row[10]);
    let sheet = db.ok(&["deal", "export", "--format", "csv"]);
    let rows = csv_rows(&sheet);
    assert_eq!(rows[0][1], "Deal");
    assert_eq!(rows[1][1], "'=HYPERLINK(\"http://x\",\"y\")");
    assert_eq!(rows[1][5], "250000.50");
    // every text cell in both files is safe
    for row in csv_rows(&loader).iter().chain(&csv_rows(&sheet)) {
        for cell in row {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{cell:?}"
            );
        }
    }
}

#[test]
fn long_names_and_next_steps_are_cut_to_salesforces_limits_with_a_warning() {
    let db = Db::new();
    let name = "N".repeat(150);
    let id = db
        .ok(&["deal", "add", "--name", &name, "--account", "A"])
        .trim()
        .to_string();
    let r = db.run(&["deal", "export", &id, "--format", "salesforce-csv"]);
    assert_eq!(r.code, 0);
    assert!(
        r.stderr.contains("Name cut to 120 characters"),
        "{}",
        r.stderr
    );
    assert_eq!(csv_rows(&r.stdout)[1][1].chars().count(), 120);
    // an unknown deal: one line, exit 2, nothing written
    for format in ["json", "salesforce-csv", "csv", "ics"] {
        let r = db.run(&["deal", "export", "99", "--format", format]);
        assert_eq!(r.code, 2, "{format}");
        assert_eq!(r.stdout, "", "{format}");
        assert!(
            r.stderr.starts_with("qualify: no deal with id 99"),
            "{}",
            r.stderr
        );
    }
}

#[test]
fn the_calendar_parses_and_keeps_its_uids() {
    let db = Db::new();
    db.import(Path::new(common::FIXTURE), &[]);
    let r = db.run(&["deal", "export", "--format", "ics"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let text = r.stdout;
    assert!(text.starts_with("BEGIN:VCALENDAR\r\n"));
    assert!(!text.replace("\r\n", "").contains('\n'), "CRLF only");
    for line in text.split("\r\n") {
        assert!(line.len() <= 75, "{line:?}");
    }
    let unfolded = icalendar::parser::unfold(&text);
    let cal = icalendar::parser::read_calendar(&unfolded).expect("RFC 5545");
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(common::FIXTURE).unwrap()).unwrap();
    let open_steps = doc["next_steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["done"] != true)
        .count();
    let open_milestones = doc["decision_process"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["done"] != true)
        .count();
    assert!(open_steps + open_milestones > 0);
    let items: Vec<_> = cal
        .components
        .iter()
        .filter(|c| c.name == "VEVENT" || c.name == "VTODO")
        .collect();
    // and the deal's close date
    assert_eq!(items.len(), open_steps + open_milestones + 1);
    let prop = |c: &icalendar::parser::Component, name: &str| {
        c.properties
            .iter()
            .find(|p| p.name == name)
            .map(|p| p.val.to_string())
            .unwrap_or_default()
    };
    for item in &items {
        assert!(prop(item, "UID").ends_with("@qualify"));
        if item.name == "VEVENT" {
            assert_eq!(prop(item, "DTSTART").len(), 8, "an all-day date");
        }
    }
    let uids: Vec<String> = items.iter().map(|c| prop(c, "UID")).collect();
    let mut unique = uids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), uids.len());
    // a later export names the same items the same way
    let again = db
        .run_at(
            "2026-11-20T09:00:00Z",
            &["deal", "export", "--format", "ics"],
        )
        .stdout;
    assert_ne!(again, text, "a later DTSTAMP");
    let again = icalendar::parser::unfold(&again);
    let cal = icalendar::parser::read_calendar(&again).unwrap();
    let later: Vec<String> = cal
        .components
        .iter()
        .filter(|c| c.name == "VEVENT" || c.name == "VTODO")
        .map(|c| prop(c, "UID"))
        .collect();
    assert_eq!(later, uids);
}

#[test]
fn a_whole_database_json_export_round_trips_and_out_writes_a_private_file() {
    let db = Db::new();
    db.import(Path::new(common::FIXTURE), &[]);
    // its Acme ERP rollout has the fixture's name, account and close date
    let r = db.import(&fixture("opportunities_api.csv"), &["--new"]);
    assert!(r.stdout.contains("5 created"), "{}{}", r.stdout, r.stderr);
    db.import(&fixture("contact_roles.csv"), &[]);
    let out = db.dir.path().join("all.json");
    db.ok(&["deal", "export", "--out", out.to_str().unwrap()]);
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        db.ok(&["deal", "export", "--json"])
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let fresh = Db::new();
    let r = fresh.import(&out, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let strip = |text: &str| {
        let mut v: Value = serde_json::from_str(text).unwrap();
        for d in v.as_array_mut().unwrap() {
            let d = d.as_object_mut().unwrap();
            d.remove("id");
            d.remove("version");
        }
        v
    };
    let first = strip(&std::fs::read_to_string(&out).unwrap());
    assert_eq!(first.as_array().unwrap().len(), 6);
    assert_eq!(strip(&fresh.ok(&["deal", "export"])), first);
    // the Salesforce ids came along: the export's re-import updates, not duplicates
    let r = fresh.import(&fixture("opportunities_api.csv"), &[]);
    assert!(r.stdout.contains("0 created"), "{}", r.stdout);
    // an ICS to a file, too
    let ics = db.dir.path().join("deals.ics");
    db.ok(&[
        "deal",
        "export",
        "--format",
        "ics",
        "--out",
        ics.to_str().unwrap(),
    ]);
    assert!(
        std::fs::read_to_string(&ics)
            .unwrap()
            .ends_with("END:VCALENDAR\r\n")
    );
}

mod never_panic {
    use chrono::FixedOffset;
    use proptest::prelude::*;
    use qualify::Clock;
    use qualify::domain::Playbook;
    use qualify::ops::interop::ImportOptions;
    use qualify::ops::{Session, interop};
    use qualify::store::{Store, StoreError};

    fn session() -> Session {
        Session::new(
            Store::open_in_memory().unwrap(),
            Playbook::default_playbook(),
            Clock::fixed(super::T0.parse().unwrap()).with_offset(FixedOffset::east_opt(0).unwrap()),
            "fuzz",
        )
    }

    /// What "never panics" means for an import of any bytes: it ends in one
    /// of the ways an import may end. Done, with every record counted once
    /// (created, updated, unchanged, skipped, or refused as like a deal
    /// there is or as changed since its export); refused as not such an
    /// export; refused whole for records like deals there are (bytes
    /// imported a second time) or changed since; or refused because the CSV
    /// cannot be read past a record.
    /// Any other error (the database's, a conflict) fails the test.
    fn ends_as_an_import_may(what: &str, result: Result<interop::Tally, interop::ImportError>) {
        match result {
            Ok(t) | Err(interop::ImportError::Refused(t)) => assert_eq!(
                t.created + t.updated + t.unchanged + t.skipped + t.duplicates + t.stale,
                t.records,
                "{what}: every record counted once in {t:?}"
            ),
            Err(interop::ImportError::Unreadable(why)) => {
                assert!(!why.trim().is_empty(), "{what}: refused without a reason")
            }
            Err(interop::ImportError::Store(StoreError::Invalid(errors))) => assert!(
                errors.len() == 1
                    && errors[0].field.starts_with("after record ")
                    && errors[0].message.starts_with("cannot read the file: "),
                "{what}: {errors:?}"
            ),
            Err(other) => panic!("{what}: an import of bad bytes ended in {other:?}"),
        }
    }

    #[test]
    fn a_record_whose_name_or_account_begins_with_nul_is_skipped_and_the_rest_imported() {
        let bytes = b"Id,Name,Account.Name\n\
                      006A,\"\0Acme ERP\",Acme\n\
                      006B,Initech CRM,\"\0Initech\"\n\
                      006C,Globex CRM,Globex\n";
        let tally = interop::import_salesforce(
            &mut session(),
            &bytes[..],
            ImportOptions::plain(false),
            &mut |_| {},
        )
        .expect("a record that cannot be read is skipped, the rest imported");
        assert_eq!((tally.skipped, tally.created), (2, 1), "{tally:?}");
    }

    #[test]
    fn a_multi_line_cell_closed_at_the_end_of_the_file_is_no_open_quote() {
        let head = "Id,Name,Account.Name,NextStep\n006A,Acme,Acme,";
        for (tail, open) in [
            ("\"Call\nthe CFO\"", false),
            ("\"Call\nthe \"\"CFO\"\"\"", false),
            ("\"Call\nthe \"\"CFO\"\"\"\r\n", false),
            ("\"Call\nthe CFO\"\n\n\n", false),
            ("\"Call\nthe \"\"CFO\"\"", true),
            ("\"Call\nthe CFO\n", true),
            ("\"Call\nthe CFO\n\"\"\n", true),
        ] {
            let bytes = format!("{head}{tail}");
            let result = interop::import_salesforce(
                &mut session(),
                bytes.as_bytes(),
                ImportOptions::plain(false),
                &mut |_| {},
            );
            match result {
                Ok(t) if !open => assert_eq!(t.created, 1, "{tail:?}: {t:?}"),
                Err(interop::ImportError::Unreadable(why)) if open => assert!(
                    why.starts_with(
                        "line 2: the quote that opens NextStep of record 1 is never closed"
                    ),
                    "{tail:?}: {why}"
                ),
                other => panic!("{tail:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn blank_lines_before_the_header_are_passed_over_and_counted() {
        let bytes = b"  \n\t\r\n\nId,Name,Account.Name\n006A,Acme,Acme\n006B,Initech\n";
        let mut skipped = Vec::new();
        let tally = interop::import_salesforce(
            &mut session(),
            &bytes[..],
            ImportOptions::plain(false),
            &mut |e| {
                if let interop::Event::Skipped { line, reason, .. } = e {
                    skipped.push((*line, reason.clone()));
                }
            },
        )
        .unwrap();
        assert_eq!((tally.created, tally.skipped), (1, 1), "{tally:?}");
        assert_eq!(
            skipped,
            [(6, "2 fields where the header has 3".to_string())]
        );
    }

    fn both(bytes: &[u8]) {
        let mut s = session();
        ends_as_an_import_may(
            "opportunities",
            interop::import_salesforce(&mut s, bytes, ImportOptions::plain(false), &mut |_| {}),
        );
        ends_as_an_import_may(
            "contact roles",
            interop::import_contact_roles(&mut s, bytes, ImportOptions::plain(false), &mut |_| {}),
        );
        ends_as_an_import_may(
            "opportunities, dry run",
            interop::import_salesforce(&mut s, bytes, ImportOptions::plain(true), &mut |_| {}),
        );
    }

    fn fixtures() -> Vec<Vec<u8>> {
        [
            "opportunities_api.csv",
            "opportunities_report.csv",
            "contact_roles.csv",
        ]
        .iter()
        .map(|f| std::fs::read(super::fixture(f)).unwrap())
        .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

        #[test]
        fn arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            both(&bytes);
        }

        #[test]
        fn a_header_then_arbitrary_cells(
            cells in proptest::collection::vec("[^\"]{0,12}|\"[^\"]{0,8}\"|[=+@\\-]?[0-9/,.$ -]{0,12}", 0..60)
        ) {
            let mut text = String::from("Id,Name,Account.Name,Amount,CloseDate,IsClosed,IsWon,Probability,OpportunityId,Role,Contact.Name\n");
            for row in cells.chunks(11) {
                text.push_str(&row.join(","));
                text.push('\n');
            }
            both(text.as_bytes());
        }

        #[test]
        fn mutated_exports(
            which in 0usize..3,
            edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..12),
            cut in any::<prop::sample::Index>(),
        ) {
            let mut bytes = fixtures()[which].clone();
            for (at, byte, kind) in edits {
                let i = at.index(bytes.len().max(1));
                match kind {
                    0 if i < bytes.len() => bytes[i] = byte,
                    1 => bytes.insert(i.min(bytes.len()), byte),
                    _ if i < bytes.len() => { bytes.remove(i); }
                    _ => {}
                }
            }
            let keep = cut.index(bytes.len() + 1);
            bytes.truncate(keep.max(bytes.len() / 2));
            both(&bytes);
        }
    }
}

// ---------------------------------------------------------------------------
// qualify's own Salesforce export, imported again (issue 18, item 3)

/// Every deal's document, by id.
fn documents(db: &Db) -> Vec<Value> {
    let v: Value = serde_json::from_str(&db.ok(&["deal", "export"])).unwrap();
    v.as_array().unwrap().clone()
}

/// A column of a CSV's rows, by its header.
fn column(rows: &[Vec<String>], name: &str) -> Vec<String> {
    let at = rows[0]
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name} in {:?}", rows[0]));
    rows[1..].iter().map(|r| r[at].clone()).collect()
}

#[test]
fn the_demo_exported_for_salesforce_and_imported_twice_changes_nothing() {
    let db = Db::new();
    db.ok(&["demo"]);
    let before = documents(&db);
    assert_eq!(before.len(), 300);
    let file = db.dir.path().join("sf.csv");
    db.ok(&[
        "deal",
        "export",
        "--format",
        "salesforce-csv",
        "--out",
        file.to_str().unwrap(),
    ]);
    // a day later, twice
    for _ in 0..2 {
        let r = db.run_at(
            "2026-11-03T09:00:00Z",
            &["deal", "import", file.to_str().unwrap()],
        );
        assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
        assert!(
            r.stdout
                .contains("300 records: 0 created, 0 updated, 300 unchanged, 0 skipped"),
            "{}",
            r.stdout
        );
    }
    // nothing must differ: not a field, not a version, not the history
    let after = documents(&db);
    assert_eq!(after.len(), 300);
    for (a, b) in before.iter().zip(&after) {
        assert_eq!(a, b, "deal {}", a["id"]);
    }
    let outcomes = |docs: &[Value]| -> Vec<Value> {
        docs.iter()
            .map(|d| d.get("outcome").cloned().unwrap_or(Value::Null))
            .collect()
    };
    assert_eq!(outcomes(&after), outcomes(&before));
}

#[test]
fn outcomes_go_out_as_salesforce_stages_and_come_back_the_same() {
    let db = Db::new();
    let add = |name: &str| {
        db.ok(&[
            "deal",
            "add",
            "--name",
            name,
            "--account",
            "Acme",
            "--close-date",
            "2026-12-01",
            "--stage",
            "Proposal",
        ])
        .trim()
        .to_string()
    };
    let (won, lost, dq, open) = (add("Won"), add("Lost"), add("Dq"), add("Open"));
    db.ok(&["deal", "outcome", &won, "won"]);
    db.ok(&[
        "deal",
        "outcome",
        &lost,
        "lost",
        "--reason",
        "Price, mostly",
        "--lost-to",
        "Globex",
    ]);
    db.ok(&[
        "deal",
        "outcome",
        &dq,
        "disqualified",
        "--reason",
        "No budget",
    ]);
    let text = db.ok(&["deal", "export", "--format", "salesforce-csv"]);
    let rows = csv_rows(&text);
    assert_eq!(
        column(&rows, "StageName"),
        ["Closed Won", "Closed Lost", "Closed Lost", "Proposal"]
    );
    assert_eq!(
        column(&rows, "Loss_Reason__c"),
        ["", "Price, mostly", "Disqualified", ""]
    );
    assert_eq!(column(&rows, "Qualify_Id__c"), [won, lost, dq, open]);
    // into another database: the same outcomes
    let fresh = Db::new();
    let file = fresh.file("sf.csv", text.as_bytes());
    let r = fresh.import(&file, &[]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let kind = |name: &str| {
        let id = fresh.by_name(name)["id"].as_i64().unwrap();
        fresh.doc(id)["outcome"]["kind"].clone()
    };
    assert_eq!(kind("Won"), "won");
    assert_eq!(kind("Lost"), "lost");
    assert_eq!(kind("Dq"), "disqualified");
    assert_eq!(kind("Open"), Value::Null);
    let lost = fresh.doc(fresh.by_name("Lost")["id"].as_i64().unwrap());
    assert_eq!(lost["outcome"]["reason"], "Price, mostly");
}

#[test]
fn a_cell_changed_in_qualifys_export_updates_that_deal_and_creates_none() {
    let db = Db::new();
    let id = db
        .ok(&[
            "deal",
            "add",
            "--name",
            "Acme ERP",
            "--account",
            "Acme",
            "--amount",
            "100000",
        ])
        .trim()
        .to_string();
    db.ok(&[
        "deal",
        "add",
        "--name",
        "Initech CRM",
        "--account",
        "Initech",
    ]);
    let text = db.ok(&["deal", "export", "--format", "salesforce-csv"]);
    let file = db.file(
        "sf.csv",
        text.replacen(",100000,", ",125000.50,", 1).as_bytes(),
    );
    let r = db.import(&file, &[]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains(&format!(
            "updated deal {id} \"Acme ERP\" (Qualify_Id__c {id}): amount"
        )),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("2 records: 0 created, 1 updated, 1 unchanged, 0 skipped"),
        "{}",
        r.stdout
    );
    assert_eq!(db.list().len(), 2);
    assert_eq!(db.by_name("Acme ERP")["amount"], 125000.5);
}

#[test]
fn a_deal_changed_since_the_export_is_refused_unless_forced() {
    let db = Db::new();
    let id = db
        .ok(&[
            "deal",
            "add",
            "--name",
            "Acme ERP",
            "--account",
            "Acme",
            "--amount",
            "100000",
        ])
        .trim()
        .to_string();
    let text = db.ok(&["deal", "export", "--format", "salesforce-csv"]);
    let file = db.file("sf.csv", text.replacen(",100000,", ",90000,", 1).as_bytes());
    // changed in qualify after the export
    db.ok(&["step", &id, "1", "note", "outcomes", "CFO call went well"]);
    let before = db.doc(id.parse().unwrap());
    let r = db.import(&file, &[]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!("deal {id} (Acme ERP): it is at version 2, changed since a row of version 1 was exported"))
            && r.stderr.contains("--force")
            && r.stderr.contains("nothing was imported"),
        "{}",
        r.stderr
    );
    assert_eq!(db.doc(id.parse().unwrap()), before, "nothing written");
    let r = db.import(&file, &["--force"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains(&format!(
            "replaced deal {id} (Acme ERP) as it stood at version 2"
        )),
        "{}",
        r.stderr
    );
    let after = db.doc(id.parse().unwrap());
    assert_eq!(after["amount"], 90000);
    assert_eq!(
        after["steps"][0]["notes"]["outcomes"], "CFO call went well",
        "only the file's fields are overwritten"
    );
    assert_eq!(db.list().len(), 1);
}

#[test]
fn an_import_that_would_duplicate_deals_is_refused_without_new() {
    let db = Db::new();
    let file = db.file(
        "opps.csv",
        b"Name,Account.Name,Amount,CloseDate\n\
          Acme ERP,Acme,100000,2027-01-31\n\
          Initech CRM,Initech,5000,2027-02-28\n",
    );
    let r = db.import(&file, &[]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    // a third record, new; the first two match the deals made above
    let again = db.file(
        "again.csv",
        b"Name,Account.Name,Amount,CloseDate\n\
          Acme ERP,acme,100000,2027-01-31\n\
          Initech CRM,Initech,5000,2027-02-28\n\
          Globex,Globex,1,2027-03-31\n",
    );
    let r = db.import(&again, &[]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert_eq!(
        r.stdout, "",
        "nothing was created, so nothing is said to be"
    );
    let lines: Vec<&str> = r.stderr.lines().collect();
    assert_eq!(lines.len(), 2, "one line per match: {}", r.stderr);
    assert!(
        lines[0].contains("record 1 (line 2, \"Acme ERP\")")
            && lines[0].contains("deal 1 \"Acme ERP\"")
            && lines[0].contains("--new"),
        "{}",
        lines[0]
    );
    assert!(lines[1].contains("deal 2 \"Initech CRM\""), "{}", lines[1]);
    assert_eq!(db.list().len(), 2, "nothing written");
    // a dry run says the same
    let r = db.import(&again, &["--dry-run"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert_eq!(r.stderr.lines().count(), 2, "{}", r.stderr);
    let r = db.import(&again, &["--new"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("3 records: 3 created"), "{}", r.stdout);
    assert_eq!(db.list().len(), 5);
}

// ---------------------------------------------------------------------------
// the calendar and the export's filters (issue 18, item 7)

/// The UIDs and start days of a calendar's events and to-dos.
fn calendar_items(text: &str) -> Vec<(String, String)> {
    let unfolded = icalendar::parser::unfold(text);
    let cal = icalendar::parser::read_calendar(&unfolded).expect("RFC 5545");
    let prop = |c: &icalendar::parser::Component, name: &str| {
        c.properties
            .iter()
            .find(|p| p.name == name)
            .map(|p| p.val.to_string())
            .unwrap_or_default()
    };
    cal.components
        .iter()
        .filter(|c| c.name == "VEVENT" || c.name == "VTODO")
        .map(|c| (prop(c, "UID"), prop(c, "DTSTART")))
        .collect()
}

#[test]
fn the_calendar_holds_open_deals_only_each_with_its_close_date() {
    let db = Db::new();
    let add = |name: &str, close: &str| {
        db.ok(&[
            "deal",
            "add",
            "--name",
            name,
            "--account",
            "A",
            "--close-date",
            close,
        ])
        .trim()
        .to_string()
    };
    let open = add("Open", "2027-01-15");
    let won = add("Won", "2026-12-01");
    let undated = db
        .ok(&["deal", "add", "--name", "Undated", "--account", "A"])
        .trim()
        .to_string();
    db.ok(&["deal", "outcome", &won, "won"]);
    let items = calendar_items(&db.ok(&["deal", "export", "--format", "ics"]));
    assert_eq!(
        items,
        [(format!("deal-{open}-close@qualify"), "20270115".to_string())],
        "the won deal and the deal without a close date have none"
    );
    assert!(
        !items
            .iter()
            .any(|(uid, _)| uid.contains(&format!("deal-{undated}-")))
    );
    // a later export names the same event the same way
    let text = db
        .run_at(
            "2026-11-03T09:00:00Z",
            &["deal", "export", "--format", "ics"],
        )
        .stdout;
    assert_eq!(calendar_items(&text), items);
}

#[test]
fn export_takes_an_owner_and_a_category_in_every_format() {
    let db = Db::new();
    let add = |name: &str, owner: &str| {
        db.ok(&[
            "deal",
            "add",
            "--name",
            name,
            "--account",
            "A",
            "--owner",
            owner,
            "--close-date",
            "2027-01-15",
        ])
        .trim()
        .to_string()
    };
    let dana = add("Dana's", "Dana Reyes");
    let lee = add("Lee's", "Lee Park");
    let won = add("Dana's won", "Dana Reyes");
    db.ok(&["deal", "outcome", &won, "won"]);
    let ids = |format: &str, args: &[&str]| -> Vec<String> {
        let mut all = vec!["deal", "export", "--format", format];
        all.extend_from_slice(args);
        let text = db.ok(&all);
        match format {
            "json" => serde_json::from_str::<Value>(&text)
                .unwrap()
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d["id"].to_string())
                .collect(),
            "salesforce-csv" => column(&csv_rows(&text), "Qualify_Id__c"),
            "csv" => column(&csv_rows(&text), "Id"),
            _ => calendar_items(&text)
                .into_iter()
                .map(|(uid, _)| uid["deal-".len()..uid.find("-close").unwrap()].to_string())
                .collect(),
        }
    };
    for format in ["json", "salesforce-csv", "csv", "ics"] {
        let owner = ids(format, &["--owner", "dana reyes"]);
        let closed = ids(format, &["--category", "closed"]);
        let dana_pipeline = ids(format, &["--owner", "Dana Reyes", "--category", "pipeline"]);
        if format == "ics" {
            assert_eq!(owner, [dana.as_str()], "{format}: open deals only");
            assert!(closed.is_empty(), "{format}");
        } else {
            assert_eq!(owner, [dana.clone(), won.clone()], "{format}");
            assert_eq!(closed, [won.as_str()], "{format}");
        }
        assert_eq!(dana_pipeline, [dana.as_str()], "{format}");
        assert!(!owner.contains(&lee), "{format}");
    }
    // one deal and a filter do not go together
    let r = db.run(&["deal", "export", &dana, "--owner", "Lee Park"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let r = db.run(&["deal", "export", "--category", "maybe"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("not a forecast category"), "{}", r.stderr);
}

#[test]
fn export_out_over_an_existing_file_needs_force() {
    let db = Db::new();
    db.ok(&["deal", "add", "--name", "Acme", "--account", "A"]);
    let file = db.file("deals.json", b"keep me");
    for format in ["json", "salesforce-csv", "csv", "ics"] {
        let r = db.run(&[
            "deal",
            "export",
            "--format",
            format,
            "--out",
            file.to_str().unwrap(),
        ]);
        assert_eq!(r.code, 2, "{format}: {}", r.stderr);
        assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
        assert!(
            r.stderr.contains("exists") && r.stderr.contains("--force"),
            "{}",
            r.stderr
        );
        assert_eq!(std::fs::read(&file).unwrap(), b"keep me", "{format}");
    }
    db.ok(&["deal", "export", "--out", file.to_str().unwrap(), "--force"]);
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        db.ok(&["deal", "export"])
    );
}

// ---------------------------------------------------------------------------
// A partial document (issue 21, item 2)

/// A demo deal changed once more (version 2 or later), its id, its export,
/// and its history's length.
fn edited_demo_deal(db: &Db) -> (i64, Value, usize) {
    db.ok(&["demo"]);
    let id = documents(db)[0]["id"].as_i64().unwrap();
    db.ok(&["step", &id.to_string(), "1", "note", "outcomes", "CFO call"]);
    let history: Value =
        serde_json::from_str(&db.ok(&["history", &id.to_string(), "--json"])).unwrap();
    (id, db.doc(id), history.as_array().unwrap().len())
}

#[test]
fn a_partial_document_changes_only_its_keys() {
    let db = Db::new();
    let (id, before, rows) = edited_demo_deal(&db);
    let version = before["version"].as_i64().unwrap();
    let partial = format!(
        r#"{{"id":{id},"name":"x","account":{},"version":{version}}}"#,
        before["account"]
    );
    let file = db.file("partial.json", partial.as_bytes());
    let r = db.import(&file, &["--dry-run"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains(&format!(
            "deal {id} ({}): changes name",
            before["name"].as_str().unwrap()
        )),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("clears"), "{}", r.stdout);
    assert_eq!(db.doc(id), before, "a dry run writes nothing");
    let r = db.import(&file, &[]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let mut after = db.doc(id);
    assert_eq!(after["name"], "x");
    let mut expected = before.clone();
    for key in ["name", "version"] {
        expected.as_object_mut().unwrap().remove(key);
        after.as_object_mut().unwrap().remove(key);
    }
    assert_eq!(after, expected, "everything not in the document is kept");
    let history: Value =
        serde_json::from_str(&db.ok(&["history", &id.to_string(), "--json"])).unwrap();
    let new: Vec<&Value> = history.as_array().unwrap().iter().collect();
    assert_eq!(
        new.len(),
        rows + 1,
        "one history row, the name's: {history}"
    );
    assert!(
        new.iter()
            .any(|r| r["field"] == "name" && r["after"] == "x"),
        "{history}"
    );
}

#[test]
fn a_null_in_a_document_clears_that_value_and_the_dry_run_says_so() {
    let db = Db::new();
    let (id, before, _) = edited_demo_deal(&db);
    assert!(!before["amount"].is_null(), "{before}");
    let version = before["version"].as_i64().unwrap();
    let doc = format!(
        r#"{{"id":{id},"name":{},"account":"Other","version":{version},"amount":null}}"#,
        before["name"]
    );
    let file = db.file("clear.json", doc.as_bytes());
    let r = db.import(&file, &["--dry-run"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("changes account; clears amount"),
        "{}",
        r.stdout
    );
    let r = db.import(&file, &[]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let after = db.doc(id);
    assert!(after["amount"].is_null(), "{after}");
    assert_eq!(after["account"], "Other");
    assert_eq!(after["close_date"], before["close_date"]);
    assert_eq!(after["meddpicc"], before["meddpicc"]);
}

// ---------------------------------------------------------------------------
// a malformed CSV (issue 21, item 8): an unbalanced quote, rows with too few
// or too many fields, control characters

const HEADER5: &str = "Id,Name,Account.Name,Amount,CloseDate\n";

#[test]
fn an_unbalanced_quote_stops_the_import_naming_the_line_it_opens_on() {
    let db = Db::new();
    // record 1 opens a quote that is never closed: it would swallow record 2
    let never = db.file(
        "never.csv",
        format!(
            "{HEADER5}006A,\"Acme ERP,Acme,1,2027-01-01\n006B,Initech CRM,Initech,2,2027-02-01\n"
        )
        .as_bytes(),
    );
    // record 1's quote is closed by a stray one two lines on: one record of
    // the header's five fields, its name three lines long
    let stray = db.file(
        "stray.csv",
        format!(
            "{HEADER5}006A,\"Acme ERP,Acme,1,2027-01-01\n006B,Initech CRM,Initech,2,2027-02-01\n\
             006C,Globex\" CRM,Globex,3,2027-03-01\n006D,Umbrella,Umbrella,4,2027-04-01\n"
        )
        .as_bytes(),
    );
    for file in [&never, &stray] {
        for extra in [&[][..], &["--dry-run"][..]] {
            let r = db.import(file, extra);
            assert_eq!(r.code, 2, "{file:?} {extra:?}: {}{}", r.stdout, r.stderr);
            assert!(
                r.stderr.contains("line 2") && r.stderr.contains("quote"),
                "{}",
                r.stderr
            );
            assert!(r.stderr.contains("nothing was imported"), "{}", r.stderr);
            assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
            assert!(!r.stdout.contains("created"), "{}", r.stdout);
        }
    }
    assert!(db.list().is_empty());
    // lines are counted across a record of two lines, and the line named
    // is the one the quote opens on, not the one its record starts on
    for (bytes, line) in [
        (
            &b"Id,Name,Account.Name,NextStep\n006A,\"Acme\",Acme,\"Call\nthe CFO\"\n\
               006B,Initech,Initech,\"Demo\n006C,Globex,Globex,Plan\n"[..],
            "line 4: the quote that opens NextStep of record 2 is never closed",
        ),
        (
            &b"Id,NextStep,Name,Account.Name\n006A,\"Call\nthe CFO\",Acme,\"Acme\n\
               006B,Demo,Initech,Initech\n"[..],
            "line 3: the quote that opens Account.Name of record 1 is never closed",
        ),
    ] {
        let r = db.import(&db.file("later.csv", bytes), &[]);
        assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
        assert!(r.stderr.contains(line), "{}", r.stderr);
    }
    assert!(db.list().is_empty());
}

#[test]
fn short_and_long_rows_are_named_and_skipped_or_with_strict_stop_the_import() {
    let db = Db::new();
    let file = db.file(
        "ragged.csv",
        format!(
            "{HEADER5}006A,Acme ERP,Acme,1,2027-01-01\n006B,Initech CRM,Initech,2\n\
             006C,Globex,Globex,3,2027-03-01,extra\n006D,Umbrella,Umbrella,4,2027-04-01\n"
        )
        .as_bytes(),
    );
    for strict in ["--strict", "--strict --dry-run"] {
        let args: Vec<&str> = strict.split(' ').collect();
        let r = db.import(&file, &args);
        assert_eq!(r.code, 2, "{strict}: {}{}", r.stdout, r.stderr);
        assert!(
            r.stderr.contains("record 2 (line 3")
                && r.stderr.contains("4 fields where the header has 5")
                && r.stderr.contains("nothing was imported"),
            "{}",
            r.stderr
        );
        assert!(db.list().is_empty());
    }
    let r = db.import(&file, &[]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("skipped record 2 (line 3, Id 006B): 4 fields where the header has 5"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("skipped record 3 (line 4, Id 006C): 6 fields where the header has 5"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("4 records: 2 created, 0 updated, 0 unchanged, 2 skipped"),
        "{}",
        r.stdout
    );
    let names: Vec<String> = db
        .list()
        .iter()
        .map(|d| d["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    // contact roles: the same
    let roles = db.file(
        "roles.csv",
        b"OpportunityId,ContactId,Role,Contact.Name\n006A,003A,Decision Maker\n",
    );
    let r = db.import(&roles, &[]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("skipped record 1 (line 2, contact 003A): 3 fields where the header has 4"),
        "{}",
        r.stdout
    );
    let r = db.import(&roles, &["--strict"]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
}

#[test]
fn a_control_character_in_a_name_is_refused_naming_the_record_and_field() {
    let db = Db::new();
    let file = db.file(
        "control.csv",
        format!(
            "{HEADER5}006A,Acme\x1b[2J ERP,Acme,1,2027-01-01\n006B,\"Initech\rCRM\",Initech,2,2027-02-01\n\
             006C,Globex\tCRM,Globex,3,2027-03-01\n"
        )
        .as_bytes(),
    );
    let r = db.import(&file, &["--strict"]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr
            .contains("record 1 (line 2, Id 006A): Name: contains a control character"),
        "{}",
        r.stderr
    );
    assert!(db.list().is_empty());
    let r = db.import(&file, &[]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains(
            "skipped record 1 (line 2, Id 006A): Name: contains a control character (U+001B)"
        ),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains(
            "skipped record 2 (line 3, Id 006B): Name: contains a control character (U+000D)"
        ),
        "{}",
        r.stdout
    );
    // a tab is accepted
    let list = db.list();
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["name"], "Globex\tCRM");
}
