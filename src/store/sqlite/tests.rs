use super::Store;
use super::list_sql::row_columns;
use super::safety;
use super::schema::{self, latest_version};
use super::walks::walk_queries;
use crate::domain::criteria::Verdict;
use crate::domain::deal::{DealId, NewDeal};
use crate::domain::money::Money;
use crate::domain::pipeline::{ForecastCategory, OutcomeKind};
use crate::domain::playbook::Playbook;
use crate::domain::step::StepChange;
use crate::domain::step::{RuleError, StepStatus};
use crate::domain::step_number::number;
use crate::ops::{self, Session};
use crate::store::files;
use crate::store::{ListQuery, ListSort, Queue, Result, StoreError};
use chrono::TimeZone;
use chrono::{DateTime, Utc};
use rusqlite::Connection;
use std::path::{Path, PathBuf};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap()
}

fn acme(name: &str, amount: i64, close: &str) -> NewDeal {
    NewDeal {
        name: name.into(),
        account: format!("{name} Inc"),
        amount: Some(Money::from_dollars(amount)),
        close_date: Some(crate::domain::parse_date(close).unwrap()),
        owner: "Dana AE".into(),
        ..Default::default()
    }
}

fn temp_store() -> (tempfile::TempDir, PathBuf, Session) {
    let (dir, path, store) = temp_file();
    (dir, path, session(store))
}

/// A new database file in a new data folder, and the engine on it.
fn temp_file() -> (tempfile::TempDir, PathBuf, Store) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data").join("qualify.db");
    // the data folder is made by whoever chose the default path
    files::private_folder(path.parent().unwrap()).unwrap();
    let store = Store::open(&path).unwrap();
    (dir, path, store)
}

/// A connection of its own on the file, to look at what the store wrote
/// (it sees each commit as it is made).
fn look(path: &Path) -> Connection {
    safety::open_read_only(path).unwrap()
}

/// The use cases over `store`, as "dana", at [`now`].
fn session(store: Store) -> Session {
    Session::new(
        store,
        Playbook::default_playbook(),
        crate::Clock::fixed(now()),
        "dana",
    )
}

#[test]
fn a_missing_folder_is_not_created() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data").join("qualify.db");
    let err = Store::open(&path).err().unwrap();
    assert!(err.to_string().contains("does not exist"), "{err}");
    assert!(!path.parent().unwrap().exists());
}

#[test]
fn a_new_file_is_private_wal_and_healthy() {
    let (_dir, path, store) = temp_file();
    assert_eq!(store.journal_mode().unwrap(), "wal");
    assert_eq!(store.integrity_check().unwrap(), "ok");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let file = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        let dir = std::fs::metadata(path.parent().unwrap())
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(file, 0o600);
        assert_eq!(dir, 0o700);
    }
    let version: i64 = store
        .conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version as usize, latest_version());
    let app: i32 = store
        .conn
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .unwrap();
    assert_eq!(app, safety::APPLICATION_ID);
    let fk: i64 = store
        .conn
        .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
        .unwrap();
    assert_eq!(fk, 1);
    let sync: i64 = store
        .conn
        .query_row("PRAGMA synchronous", [], |r| r.get(0))
        .unwrap();
    assert_eq!(sync, 2, "FULL");
}

#[test]
fn deals_survive_reopening() {
    let (_dir, path, mut store) = temp_store();
    let id = ops::add_deal(store.at(now()), acme("Acme", 300_000, "2027-03-31")).unwrap();
    drop(store);
    let store = Store::open(&path).unwrap();
    let deal = store.deal(id).unwrap();
    assert_eq!(deal.name, "Acme");
    assert_eq!(deal.amount, Some(Money::from_dollars(300_000)));
    assert_eq!(deal.created_at, now());
    assert_eq!(deal.steps.len(), 10);
    assert!(
        deal.steps
            .iter()
            .all(|s| s.status == StepStatus::NotStarted)
    );
}

#[test]
fn a_refused_step_change_writes_nothing() {
    let (_dir, _path, mut store) = temp_store();
    let id = ops::add_deal(store.at(now()), acme("Acme", 300_000, "2027-03-31")).unwrap();
    let before = store.store().deal(id).unwrap();
    let err =
        ops::change_step(store.at(now()), id, None, number(2), &StepChange::Complete).unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Rule(RuleError::OutOfSequence { earliest, .. }) if earliest == number(1)
        ),
        "{err}"
    );
    assert_eq!(store.store().deal(id).unwrap(), before);
}

#[test]
fn a_step_change_is_saved_with_the_version_bumped() {
    let (_dir, path, mut store) = temp_store();
    let id = ops::add_deal(store.at(now()), acme("Acme", 300_000, "2027-03-31")).unwrap();
    let note = StepChange::SetNote {
        kind: crate::domain::NoteKind::Outcomes,
        text: "CFO owns it".into(),
    };
    let (deal, _) = ops::change_step(store.at(now()), id, Some(1), number(1), &note).unwrap();
    assert_eq!(deal.version, 2);
    ops::change_step(
        store.at(now()),
        id,
        Some(2),
        number(1),
        &StepChange::SetAction {
            index: 2,
            done: true,
        },
    )
    .unwrap();
    ops::change_step(
        store.at(now()),
        id,
        Some(3),
        number(1),
        &StepChange::Block {
            reason: "CFO away".into(),
        },
    )
    .unwrap();
    let reread = Store::open(&path).unwrap().deal(id).unwrap();
    let s = &reread.steps[0];
    assert_eq!(s.notes.outcomes, "CFO owns it");
    assert_eq!(s.actions, [false, false, true, false, false]);
    assert_eq!(s.status, StepStatus::Blocked);
    assert_eq!(s.blocked_since, Some(now()));
    assert_eq!(reread.version, 4);
}

#[test]
fn a_stale_writer_is_refused() {
    let (_dir, path, mut first) = temp_store();
    let id = ops::add_deal(first.at(now()), acme("Acme", 300_000, "2027-03-31")).unwrap();
    let mut second = session(Store::open(&path).unwrap());
    let seen = first.store().deal(id).unwrap().version;
    ops::change_step(
        second.at(now()),
        id,
        Some(seen),
        number(1),
        &StepChange::Start,
    )
    .unwrap();
    let err = ops::change_step(
        first.at(now()),
        id,
        Some(seen),
        number(1),
        &StepChange::Complete,
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Conflict {
                expected: 1,
                found: 2,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(
        first.store().deal(id).unwrap().steps[0].status,
        StepStatus::InProgress
    );
}

#[test]
fn concurrent_writers_from_threads_all_land() {
    let (_dir, path, mut store) = temp_store();
    let id = ops::add_deal(store.at(now()), acme("Acme", 300_000, "2027-03-31")).unwrap();
    let handles: Vec<_> = (0..4)
        .map(|t| {
            let path = path.clone();
            std::thread::spawn(move || {
                let mut store = session(Store::open(&path).unwrap());
                for i in 0..10 {
                    let change = StepChange::SetAction {
                        index: (t + i) % 5,
                        done: true,
                    };
                    ops::change_step(store.at(now()), id, None, number(5), &change).unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(store.store().deal(id).unwrap().version, 41);
}

#[test]
fn the_list_pages_sorts_and_filters() {
    let mut store = session(Store::open_in_memory().unwrap());
    ops::add_deal(store.at(now()), acme("Globex", 120_000, "2027-02-01")).unwrap();
    ops::add_deal(store.at(now()), acme("Acme", 300_000, "2027-03-31")).unwrap();
    ops::add_deal(store.at(now()), acme("Initech 100%_", 90_000, "2027-01-15")).unwrap();
    let names = |q: &ListQuery, offset, limit| -> Vec<String> {
        store
            .store()
            .deal_page(q, offset, limit)
            .unwrap()
            .into_iter()
            .map(|d| d.name)
            .collect()
    };
    let by_date = ListQuery::default();
    assert_eq!(names(&by_date, 0, 10), ["Initech 100%_", "Globex", "Acme"]);
    assert_eq!(names(&by_date, 1, 1), ["Globex"]);
    let by_amount = ListQuery {
        sort: ListSort::Amount,
        ..Default::default()
    };
    assert_eq!(
        names(&by_amount, 0, 10),
        ["Acme", "Globex", "Initech 100%_"]
    );
    let by_name = ListQuery {
        sort: ListSort::Name,
        ..Default::default()
    };
    assert_eq!(names(&by_name, 0, 10), ["Acme", "Globex", "Initech 100%_"]);
    let filtered = ListQuery {
        filter: "GLOB".into(),
        ..Default::default()
    };
    assert_eq!(names(&filtered, 0, 10), ["Globex"]);
    assert_eq!(store.store().count_deals(&filtered).unwrap(), 1);
    let literal = ListQuery {
        filter: "0%_".into(),
        ..Default::default()
    };
    assert_eq!(
        names(&literal, 0, 10),
        ["Initech 100%_"],
        "% and _ match literally"
    );
    assert_eq!(store.store().count_deals(&ListQuery::default()).unwrap(), 3);
}

#[test]
fn an_unknown_deal_is_not_found() {
    let store = Store::open_in_memory().unwrap();
    assert!(matches!(
        store.deal(DealId(9)),
        Err(StoreError::NotFound(DealId(9)))
    ));
}

#[test]
fn a_folder_is_not_a_database() {
    let dir = tempfile::tempdir().unwrap();
    let err = Store::open(dir.path()).err().unwrap();
    assert!(err.to_string().contains("folder"), "{err}");
}

#[test]
fn a_batch_with_one_bad_deal_creates_none() {
    let mut store = session(Store::open_in_memory().unwrap());
    let bad = NewDeal {
        name: "No account".into(),
        ..Default::default()
    };
    let err =
        ops::add_deals(store.at(now()), vec![acme("Acme", 1, "2027-01-01"), bad]).unwrap_err();
    assert!(err.to_string().contains("account: required"), "{err}");
    assert_eq!(store.store().count_deals(&ListQuery::default()).unwrap(), 0);
    let ids = ops::add_deals(
        store.at(now()),
        vec![
            acme("Acme", 1, "2027-01-01"),
            acme("Globex", 2, "2027-01-02"),
        ],
    )
    .unwrap();
    assert_eq!(ids.len(), 2);
    assert_eq!(store.store().deal(ids[1]).unwrap().name, "Globex");
}

#[test]
fn a_database_from_the_first_schema_is_upgraded_with_its_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    {
        let mut conn = Connection::open(&path).unwrap();
        schema::migrations_until(1).to_latest(&mut conn).unwrap();
        conn.execute(
            "INSERT INTO deals (name, account, support_rate_percent, stage, created_at, updated_at)
             VALUES ('Old deal', 'Old account', 20.0, 'Qualification', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
            [],
        )
        .unwrap();
        for n in 1..=10 {
            conn.execute("INSERT INTO steps (deal_id, number) VALUES (1, ?1)", [n])
                .unwrap();
        }
    }
    let store = Store::open(&path).unwrap();
    let version: i64 = store
        .conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version as usize, latest_version());
    assert_eq!(store.deal(DealId(1)).unwrap().name, "Old deal");
}

/// Pipeline rows an older qualify wrote (a won deal still waiting on the
/// manager; no manager or plan SA kept) are written again by the rules when
/// the database is opened, and the counts follow.
#[test]
fn rows_an_older_qualify_summarised_are_summarised_again_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    {
        let mut conn = Connection::open(&path).unwrap();
        // as qualify left it before the queues' rows were rewritten (and
        // before warnings, whose migration rewrites open deals' rows too,
        // and before the open deals' indexes)
        schema::migrations_until(latest_version() - 3)
            .to_latest(&mut conn)
            .unwrap();
        let won = r#"{"outcome": {"kind": "won", "on": "2026-10-01"}}"#;
        for (id, name, body, outcome) in [
            (1, "Won deal", won, Some("won")),
            (2, "Open deal", "{}", None),
        ] {
            conn.execute(
                "INSERT INTO deals (id, name, account, amount_cents, support_rate_percent, stage,
                    owner, sa, manager, created_at, updated_at)
                 VALUES (?1, ?2, 'Acme', 30000000, 20.0, 'Qualification', 'Dana', 'Sam',
                    'Morgan', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
                rusqlite::params![id, name],
            )
            .unwrap();
            for n in 1..=10 {
                conn.execute(
                    "INSERT INTO steps (deal_id, number) VALUES (?1, ?2)",
                    [id, n],
                )
                .unwrap();
            }
            conn.execute(
                "INSERT INTO deal_content (deal_id, body) VALUES (?1, ?2)",
                rusqlite::params![id, body],
            )
            .unwrap();
            // as the older rules summarised it: waiting on the manager
            conn.execute(
                "INSERT INTO pipeline (deal_id, forecast, meddpicc_total, meddpicc_max,
                    steps_complete, steps_blocked, qa_passed, qa_total, escalations,
                    escalation_starts, escalation_dues, outcome, awaiting_sa, awaiting_manager,
                    owner, sa, amount_cents, name, account)
                 VALUES (?1, 'pipeline', 0, 24, 0, 0, 0, 7, 0, '[]', '[]', ?2, 0, 1,
                    'Dana', 'Sam', 30000000, ?3, 'Acme')",
                rusqlite::params![id, outcome, name],
            )
            .unwrap();
        }
    }
    let mut s = session(Store::open(&path).unwrap());
    assert_eq!(
        s.fill_pipeline().unwrap(),
        2,
        "the won deal's row, and the open deal's for its warnings"
    );
    let rows = s.store().deal_page(&s.list_query(), 0, 10).unwrap();
    assert!(
        rows[1]
            .warnings
            .contains(&crate::domain::choices::WarningKind::NoEconomicBuyer),
        "{rows:?}"
    );
    let base = s.list_query();
    let queue = ListQuery {
        queue: Queue::ManagerReview,
        ..base.clone()
    };
    let ids = |q: &ListQuery| -> Vec<DealId> {
        let rows = s.store().deal_page(q, 0, 10).unwrap();
        assert_eq!(s.store().count_deals(q).unwrap(), rows.len(), "{q:?}");
        rows.iter().map(|r| r.id).collect()
    };
    assert_eq!(ids(&queue), [DealId(2)], "a won deal waits on no review");
    let mine = |who: &str| ListQuery {
        mine: Some(who.into()),
        ..queue.clone()
    };
    assert_eq!(ids(&mine("morgan")), [DealId(2)], "the manager kept");
    assert!(ids(&mine("Dana")).is_empty());
    let sa_mine = ListQuery {
        queue: Queue::All,
        mine: Some("SAM".into()),
        ..base.clone()
    };
    assert_eq!(ids(&sa_mine), [DealId(1), DealId(2)], "the plan's SA kept");
    let open = ListQuery {
        open_only: true,
        ..base
    };
    assert_eq!(ids(&open), [DealId(2)]);
}

/// Every query a list key runs (the page's ids, forwards and from the end;
/// the count; the totals), for every sort and every kind of filter.
fn list_key_queries() -> Vec<(String, String)> {
    let now = now();
    let base = ListQuery {
        now,
        ..ListQuery::default()
    };
    let filters: Vec<(&str, ListQuery)> = vec![
        ("none", base.clone()),
        (
            "typed filter",
            ListQuery {
                filter: "acme".into(),
                ..base.clone()
            },
        ),
        (
            "category",
            ListQuery {
                category: Some(ForecastCategory::Commit),
                ..base.clone()
            },
        ),
        (
            "owner",
            ListQuery {
                owner: Some("Dana".into()),
                ..base.clone()
            },
        ),
        (
            "verdict",
            ListQuery {
                verdict: Some(Verdict::Qualified),
                ..base.clone()
            },
        ),
        (
            "SA queue",
            ListQuery {
                queue: Queue::SaSignOff,
                ..base.clone()
            },
        ),
        (
            "manager queue",
            ListQuery {
                queue: Queue::ManagerReview,
                ..base.clone()
            },
        ),
        (
            "stalled",
            ListQuery {
                stalled: true,
                ..base.clone()
            },
        ),
        (
            "overdue",
            ListQuery {
                overdue: true,
                ..base.clone()
            },
        ),
        (
            "open only",
            ListQuery {
                open_only: true,
                ..base.clone()
            },
        ),
        (
            "open only with a typed filter",
            ListQuery {
                open_only: true,
                filter: "acme".into(),
                ..base.clone()
            },
        ),
        (
            "reversed",
            ListQuery {
                reverse: true,
                open_only: true,
                ..base.clone()
            },
        ),
        (
            "mine",
            ListQuery {
                mine: Some("Dana".into()),
                open_only: true,
                ..base.clone()
            },
        ),
        (
            "mine in the SA queue",
            ListQuery {
                queue: Queue::SaSignOff,
                mine: Some("Sam".into()),
                ..base.clone()
            },
        ),
        (
            "mine in the manager queue",
            ListQuery {
                queue: Queue::ManagerReview,
                mine: Some("Morgan".into()),
                open_only: true,
                ..base.clone()
            },
        ),
    ];
    let mut queries = Vec::new();
    for (what, query) in &filters {
        for sort in ListSort::ALL {
            let q = ListQuery {
                sort,
                ..query.clone()
            };
            for reverse in [false, true] {
                let (sql, _) = q.page_sql(reverse);
                queries.push((format!("page {sort:?} {what} reverse {reverse}"), sql));
            }
        }
        let (conditions, _, needs) = query.conditions_with("p.deal_id", false);
        let join = if needs.deals {
            " JOIN deals d ON d.id = p.deal_id"
        } else {
            ""
        };
        if query.counted() {
            let (conditions, _) = query.count_conditions();
            queries.push((
                format!("count {what}"),
                format!("SELECT sum(c.deals) FROM pipeline_counts c WHERE 1{conditions}"),
            ));
        } else {
            queries.push((
                format!("count {what}"),
                format!("SELECT count(*) FROM pipeline p{join} WHERE 1{conditions}"),
            ));
        }
    }
    // the dashboard's overdue escalations: the longest overdue deals first
    for (what, query) in [
        ("overdue", base.clone()),
        (
            "an owner's overdue",
            ListQuery {
                owner: Some("Dana".into()),
                ..base.clone()
            },
        ),
    ] {
        let query = ListQuery {
            overdue: true,
            ..query
        };
        let (sql, _) = query.overdue_sql(
            "p.deal_id",
            " ORDER BY p.overdue_from, p.deal_id LIMIT ?{limit}",
        );
        queries.push((format!("page of the most {what}"), sql));
        let (sql, _) = query.overdue_sql(
            "(SELECT count(*) FROM json_each(p.escalation_dues) WHERE value <= ?{now})",
            "",
        );
        queries.push((format!("count escalations {what}"), sql));
    }
    queries.push((
        "a row by id".into(),
        format!(
            "SELECT {} FROM deals d JOIN pipeline p ON p.deal_id = d.id WHERE d.id = ?1",
            row_columns(2)
        ),
    ));
    queries
}

#[test]
fn no_list_key_scans_the_deals_or_sorts_them() {
    let (_dir, path, _store) = temp_store();
    let look = look(&path);
    for (what, sql) in list_key_queries() {
        let mut stmt = look
            .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .unwrap_or_else(|e| panic!("{what}: {e}\n{sql}"));
        let count = stmt.parameter_count();
        let args: Vec<i64> = vec![1; count];
        let plan: Vec<String> = stmt
            .query_map(rusqlite::params_from_iter(args), |r| r.get::<_, String>(3))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let plan = plan.join("; ");
        for step in plan.split("; ") {
            let whole_table = (step.starts_with("SCAN d") || step.starts_with("SCAN p"))
                && !step.contains("INDEX");
            assert!(!whole_table, "{what} scans a whole table: {plan}");
        }
        assert!(!plan.contains("TEMP B-TREE"), "{what} sorts: {plan}");
        // a review queue's page walks only the deals waiting in it
        if what.starts_with("page") && what.contains("queue") {
            let own = if what.contains("SA queue") {
                "pipeline_sa_by_"
            } else {
                "pipeline_manager_by_"
            };
            assert!(
                plan.contains(own),
                "{what} walks more than its queue: {plan}"
            );
        }
        // a page of the open deals walks only open deals (the closed ones
        // may come first in the sort's order: at 100,000 deals the first
        // page once walked past some 37,000 of them)
        let open_page = what.starts_with("page")
            && !what.contains("queue")
            && !what.contains("typed filter")
            && (what.contains(" open only ")
                || what.contains(" reversed reverse")
                || what.contains(" mine reverse"));
        if open_page {
            assert!(
                plan.contains("pipeline_open_by_"),
                "{what} walks closed deals too: {plan}"
            );
        }
        // the escalation counts of one row are read for the rows on the
        // page only, by id, never for the rows a page query walks past
        // (counting the overdue escalations reads the overdue deals' own)
        if what != "a row by id" && !what.starts_with("count escalations") {
            assert!(
                !plan.contains("CORRELATED"),
                "{what} runs a subquery per row: {plan}"
            );
        }
    }
}

#[test]
fn counts_and_totals_kept_per_group_match_a_recount() {
    let (_dir, _path, mut store) = temp_store();
    let ids = ops::add_deals(
        &mut store,
        vec![
            acme("Acme", 100_000, "2027-01-10"),
            acme("Globex", 200_000, "2027-02-10"),
            NewDeal {
                owner: "Kim".into(),
                sa: "Sam".into(),
                ..acme("Initech", 300_000, "2027-03-10")
            },
        ],
    )
    .unwrap();
    // a change of owner, of amount, and an outcome move deals between groups
    ops::edit_deal(&mut store, ids[0], None, |d| {
        d.owner = "kim".into();
        d.amount = Some(Money::from_dollars(150_000));
        Ok(())
    })
    .unwrap();
    ops::set_outcome(
        &mut store,
        ids[1],
        None,
        Some(crate::domain::pipeline::Outcome {
            kind: OutcomeKind::Won,
            on: crate::domain::parse_date("2027-01-01").unwrap(),
            reason: String::new(),
            lost_to: String::new(),
        }),
    )
    .unwrap();
    let base = store.list_query();
    let queries = [
        base.clone(),
        ListQuery {
            owner: Some("KIM".into()),
            ..base.clone()
        },
        ListQuery {
            sa: Some("sam".into()),
            ..base.clone()
        },
        ListQuery {
            category: Some(ForecastCategory::Closed),
            ..base.clone()
        },
        ListQuery {
            queue: Queue::ManagerReview,
            ..base.clone()
        },
        ListQuery {
            open_only: true,
            ..base.clone()
        },
        ListQuery {
            mine: Some("SAM".into()),
            ..base.clone()
        },
        ListQuery {
            queue: Queue::ManagerReview,
            mine: Some("morgan".into()),
            open_only: true,
            ..base.clone()
        },
    ];
    for q in &queries {
        let rows = store.store().deal_page(q, 0, 100).unwrap();
        assert_eq!(store.store().count_deals(q).unwrap(), rows.len(), "{q:?}");
        let totals = store.store().category_totals(q).unwrap();
        for t in totals {
            let of: Vec<_> = rows.iter().filter(|r| r.forecast == t.category).collect();
            assert_eq!(t.deals as usize, of.len(), "{q:?} {:?}", t.category);
            let sum: i64 = of.iter().filter_map(|r| r.amount).map(Money::cents).sum();
            assert_eq!(t.amount.cents(), sum, "{q:?} {:?}", t.category);
        }
    }
    assert_eq!(
        store.store().count_deals(&queries[1]).unwrap(),
        2,
        "owners without case"
    );
    assert_eq!(store.store().people(false).unwrap(), ["Dana AE", "kim"]);
}

#[test]
fn the_typed_filter_finds_text_anywhere_in_name_account_or_owner() {
    let (_dir, _path, mut store) = temp_store();
    let ids = ops::add_deals(
        &mut store,
        vec![
            acme("Acme rollout", 100_000, "2027-01-10"),
            acme("Globex", 200_000, "2027-02-10"),
        ],
    )
    .unwrap();
    let find = |store: &Session, text: &str| -> Vec<DealId> {
        let q = ListQuery {
            filter: text.into(),
            ..store.list_query()
        };
        let rows: Vec<DealId> = store
            .store()
            .deal_page(&q, 0, 10)
            .unwrap()
            .iter()
            .map(|r| r.id)
            .collect();
        assert_eq!(store.store().count_deals(&q).unwrap(), rows.len(), "{text}");
        rows
    };
    assert_eq!(find(&store, "ROLL"), [ids[0]], "anywhere, without case");
    assert_eq!(find(&store, "lobex in"), [ids[1]], "the account");
    assert_eq!(find(&store, "dana"), ids, "the owner");
    assert_eq!(find(&store, "ex"), [ids[1]], "two characters");
    assert!(find(&store, "\"x\"").is_empty(), "quotes are text");
    ops::edit_deal(&mut store, ids[1], None, |d| {
        d.name = "Umbrella".into();
        Ok(())
    })
    .unwrap();
    assert!(
        find(&store, "Globex i").len() == 1,
        "the account still matches"
    );
    assert_eq!(
        find(&store, "brell"),
        [ids[1]],
        "a renamed deal is found by its new name"
    );
}

/// New deals enter the search index when their transaction commits (not
/// row by row): whichever way they were made, each is found, once.
#[test]
fn every_new_deal_is_searchable_once_whichever_way_it_was_made() {
    let (_dir, path, mut store) = temp_store();
    let look = look(&path);
    let indexed = || -> (i64, i64) {
        look.query_row(
            "SELECT (SELECT count(*) FROM deal_search), (SELECT count(*) FROM deals)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap()
    };
    let found = |store: &Session, text: &str| -> usize {
        let q = ListQuery {
            filter: text.into(),
            ..store.list_query()
        };
        store.store().count_deals(&q).unwrap()
    };
    ops::demo(&mut store, 30, 3, |_| {}).unwrap();
    assert_eq!(indexed(), (30, 30), "demo deals");
    ops::add_deal(&mut store, acme("Zanzibar", 1, "2027-01-10")).unwrap();
    assert_eq!(found(&store, "anzib"), 1, "a deal added");
    let docs =
        r#"[{"name": "Quokka One", "account": "Q"}, {"name": "Quokka Two", "account": "Q"}]"#;
    ops::import_from(&mut store, docs.as_bytes(), false, false)
        .map_err(|_| "import failed")
        .unwrap();
    assert_eq!(found(&store, "uokka"), 2, "deals imported");
    // made and renamed in one transaction: indexed once, by its new name
    store
        .store_mut()
        .batch(true, now(), |batch| {
            let mut deal = acme("Wombat", 1, "2027-01-10").into_deal(
                DealId(0),
                &Playbook::default_playbook(),
                now(),
            );
            deal.version = 1;
            let id = batch.insert(deal)?;
            batch.update(id, |d| {
                d.name = "Platypus".into();
                d.account = "Platypus Inc".into();
                Ok(())
            })?;
            Ok(())
        })
        .unwrap();
    assert_eq!(found(&store, "latyp"), 1, "renamed in its transaction");
    assert_eq!(found(&store, "ombat"), 0, "not by its first name");
    assert_eq!(indexed(), (34, 34), "each deal once");
    // a dry run leaves nothing in the index
    store
        .store_mut()
        .batch(false, now(), |batch| {
            let deal = acme("Narwhal", 1, "2027-01-10").into_deal(
                DealId(0),
                &Playbook::default_playbook(),
                now(),
            );
            batch.insert(deal)?;
            Ok(())
        })
        .unwrap();
    assert_eq!(indexed(), (34, 34), "a dry run adds nothing");
}

/// `each_open_deal` reads on a second connection in another thread: every
/// open deal comes whole and in id order, and an error from the taker stops
/// the reading and is returned as it is.
#[test]
fn every_open_deal_comes_whole_in_order_and_a_refusal_stops_the_reading() {
    let (_dir, path, mut store) = temp_store();
    ops::demo(&mut store, 60, 5, |_| {}).unwrap();
    let open: Vec<(DealId, usize)> = {
        let look = look(&path);
        let mut stmt = look
            .prepare(
                "SELECT p.deal_id, (SELECT count(*) FROM escalations e WHERE e.deal_id = p.deal_id)
                 FROM pipeline p WHERE p.outcome IS NULL ORDER BY p.deal_id",
            )
            .unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as usize)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    };
    assert!(open.len() > 10, "{}", open.len());
    let mut seen = Vec::new();
    store
        .store()
        .each_open_deal(|deal| {
            assert_eq!(
                *deal,
                store.store().deal(deal.id).unwrap(),
                "whole, as read alone"
            );
            seen.push((deal.id, deal.escalations.len()));
            Ok::<_, StoreError>(())
        })
        .unwrap();
    assert_eq!(seen, open);
    stops_at_a_refusal(|take| store.store().each_open_deal(|_| take()));
}

/// Hand `walk` a taker that refuses the third deal: the walk stops there
/// and returns the refusal as it is.
fn stops_at_a_refusal(walk: impl FnOnce(&mut dyn FnMut() -> Result<()>) -> Result<()>) {
    let mut taken = 0;
    let stopped = walk(&mut || {
        taken += 1;
        if taken == 3 {
            Err(StoreError::Invalid(vec![]))
        } else {
            Ok(())
        }
    });
    assert!(
        matches!(stopped, Err(StoreError::Invalid(_))),
        "{stopped:?}"
    );
    assert_eq!(taken, 3);
}

/// An import of many deals drops the summary's and the deals' indexes part
/// way and builds them again before it commits: the schema it leaves is the
/// one it found, every index holds every row, and an import that fails
/// after the drop leaves the indexes as they were.
#[test]
fn a_large_import_leaves_every_index_whole_and_a_failed_one_leaves_them_as_they_were() {
    let (_dir, path, mut store) = temp_store();
    let look = look(&path);
    ops::demo(&mut store, 40, 3, |_| {}).unwrap();
    let schema = || -> Vec<(String, String)> {
        look.prepare("SELECT name, coalesce(sql, '') FROM sqlite_schema ORDER BY name")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    let sound = || -> String {
        look.query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap()
    };
    let before = schema();
    let indexes = before
        .iter()
        .filter(|(name, sql)| {
            sql.starts_with("CREATE INDEX")
                && (name.starts_with("deals_by") || name.starts_with("pipeline_"))
        })
        .count();
    assert!(indexes > 40, "the deals' and summary's indexes: {indexes}");
    // 1,500 new deals, then one that replaces a deal already there
    let first = store.store().deal(DealId(1)).unwrap();
    let mut docs: Vec<serde_json::Value> = (0..1_500)
        .map(|i| serde_json::json!({"name": format!("Bulk {i}"), "account": format!("Acct {}", i % 7), "amount": 1000 + i}))
        .collect();
    docs.push(serde_json::json!({"id": 1, "version": first.version, "name": "Renamed One", "account": "R"}));
    let text = serde_json::to_string(&docs).unwrap();
    ops::import_from(&mut store, text.as_bytes(), false, false)
        .map_err(|_| "import failed")
        .unwrap();
    assert_eq!(schema(), before, "the schema it found");
    assert_eq!(sound(), "ok");
    let by_index = |sql: &str| -> i64 { look.query_row(sql, [], |r| r.get(0)).unwrap() };
    assert_eq!(
        by_index("SELECT count(*) FROM deals INDEXED BY deals_by_name"),
        1_540
    );
    assert_eq!(
        by_index("SELECT count(*) FROM pipeline INDEXED BY pipeline_by_meddpicc"),
        1_540
    );
    assert_eq!(store.store().deal(DealId(1)).unwrap().name, "Renamed One");
    let q = ListQuery {
        filter: "Bulk 1499".into(),
        ..store.list_query()
    };
    assert_eq!(store.store().count_deals(&q).unwrap(), 1, "searchable");
    // 1,500 good deals and a bad one: nothing is written, the indexes stay
    let mut docs: Vec<serde_json::Value> = (0..1_500)
        .map(|i| serde_json::json!({"name": format!("Second {i}"), "account": "B"}))
        .collect();
    docs.push(serde_json::json!({"name": "Bad", "account": "B", "amount": "lots"}));
    let text = serde_json::to_string(&docs).unwrap();
    assert!(ops::import_from(&mut store, text.as_bytes(), false, false).is_err());
    assert_eq!(schema(), before, "the indexes as they were");
    assert_eq!(sound(), "ok");
    assert_eq!(by_index("SELECT count(*) FROM deals"), 1_540);
}

/// `each_whole_deal` walks every deal (or one owner's, without case), whole
/// and in id order, each with the instants its stage changed as the history
/// has them; an error from the taker stops the reading.
#[test]
fn every_deal_comes_whole_with_its_stage_changes_and_an_owner_filter_holds() {
    let (_dir, path, mut store) = temp_store();
    let look = look(&path);
    ops::demo(&mut store, 60, 5, |_| {}).unwrap();
    let expected = |store: &Session, owner: Option<&str>| -> Vec<(DealId, Vec<DateTime<Utc>>)> {
        let ids: Vec<DealId> = look
            .prepare(
                "SELECT id FROM deals WHERE ?1 IS NULL OR owner = ?1 COLLATE NOCASE ORDER BY id",
            )
            .unwrap()
            .query_map([owner], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        ids.into_iter()
            .map(|id| {
                let stages = store
                    .store()
                    .history(id)
                    .unwrap()
                    .into_iter()
                    .filter(|h| h.field == "stage")
                    .map(|h| h.at)
                    .collect();
                (id, stages)
            })
            .collect()
    };
    let walked = |store: &Session, owner: Option<&str>| {
        let mut seen = Vec::new();
        store
            .store()
            .each_whole_deal(owner, |deal, stages| {
                assert_eq!(
                    *deal,
                    store.store().deal(deal.id).unwrap(),
                    "whole, as read alone"
                );
                seen.push((deal.id, stages.to_vec()));
                Ok::<_, StoreError>(())
            })
            .unwrap();
        seen
    };
    let all = walked(&store, None);
    assert_eq!(all.len(), 60);
    assert!(all.iter().any(|(_, s)| !s.is_empty()), "some stage changes");
    assert_eq!(all, expected(&store, None));
    let owner: String = look
        .query_row("SELECT owner FROM deals WHERE id = 1", [], |r| r.get(0))
        .unwrap();
    let shouted = owner.to_uppercase();
    let theirs = walked(&store, Some(&shouted));
    assert!(!theirs.is_empty() && theirs.len() < 60, "{}", theirs.len());
    assert_eq!(theirs, expected(&store, Some(&owner)));
    stops_at_a_refusal(|take| store.store().each_whole_deal(None, |_, _| take()));
}

/// `each_deal_whole` hands over only the deals its filter takes, each
/// whole (content and all), in id order; a refusal stops the reading.
#[test]
fn a_filtered_walk_hands_over_only_the_deals_it_takes_each_whole() {
    let (_dir, _path, mut store) = temp_store();
    ops::demo(&mut store, 60, 5, |_| {}).unwrap();
    let mut seen = Vec::new();
    store
        .store()
        .each_deal_whole(
            None,
            |id| id.0 % 3 == 1,
            |deal| {
                assert_eq!(
                    *deal,
                    store.store().deal(deal.id).unwrap(),
                    "whole, as read alone"
                );
                seen.push(deal.id.0);
                Ok::<_, StoreError>(())
            },
        )
        .unwrap();
    let expected: Vec<i64> = (1..=60).filter(|id| id % 3 == 1).collect();
    assert_eq!(seen, expected);
    stops_at_a_refusal(|take| store.store().each_deal_whole(None, |_| true, |_| take()));
}

/// The whole-database walks (check, metrics, export) read each table once
/// in deal order: no statement sorts its rows in a temporary tree or scans a
/// child table whole.
#[test]
fn no_walk_sorts_or_scans_a_child_table() {
    let (_dir, path, _store) = temp_store();
    let look = look(&path);
    for open in [true, false] {
        for sql in walk_queries(open) {
            let mut stmt = look.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
            let args: &[&dyn rusqlite::ToSql] = &[&None::<String>, &true];
            let args = &args[..stmt.parameter_count()];
            let plan: Vec<String> = stmt
                .query_map(args, |r| r.get::<_, String>(3))
                .unwrap()
                .map(Result::unwrap)
                .collect();
            let plan = plan.join("; ");
            assert!(!plan.contains("TEMP B-TREE"), "sorts: {plan}\n{sql}");
            for child in ["SCAN s", "SCAN e", "SCAN a", "SCAN c"] {
                assert!(!plan.contains(child), "{child}: {plan}\n{sql}");
            }
        }
    }
}
