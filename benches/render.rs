//! Rendering benchmarks over 10,000 deals in a real SQLite file, and every
//! list key over 100,000 deals (`render100k/...`).
//!
//! Run with `cargo bench --bench render` (`-- render100k` for the second
//! group alone).

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use qualify::clock::Clock;
use qualify::domain::{Money, NewDeal, Playbook};
use qualify::ops::{self, Session};
use qualify::store::Store;
use qualify::tui::action::Action;
use qualify::tui::theme::Theme;
use qualify::tui::{App, Ctx};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use std::hint::black_box;
use std::time::{Duration, Instant};

const DEALS: usize = 10_000;
const WIDTH: u16 = 120;
const HEIGHT: u16 = 40;

const COMPANIES: &[&str] = &[
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Hooli",
    "Stark",
    "Wayne",
    "Wonka",
    "Tyrell",
    "Cyberdyne",
    "Soylent",
    "Aperture",
    "Vandelay",
    "Massive",
    "Oscorp",
    "Dunder Mifflin",
    "Monarch",
    "Gringotts",
    "Pied Piper",
    "Sterling Cooper",
    "Nakatomi",
    "Virtucon",
    "Gekko",
    "Blue Sun",
    "Prestige",
    "Ollivander",
    "Bluth",
    "Krusty",
    "Duff",
    "Ajax",
];
const SUFFIXES: &[&str] = &[
    "Corp",
    "Industries",
    "Holdings",
    "Group",
    "Logistics",
    "Bank",
    "Health",
    "Retail",
];
const PRODUCTS: &[&str] = &[
    "ERP rollout",
    "CRM migration",
    "Data platform",
    "Payroll renewal",
    "Security suite",
    "Analytics expansion",
    "Supply chain",
    "HR cloud",
    "Billing replatform",
    "Service desk",
];
const OWNERS: &[&str] = &[
    "Alice Moreau",
    "Bilal Chaudhry",
    "Carmen Ortiz",
    "Dmitri Volkov",
    "Ewa Nowak",
    "Farah Haddad",
    "Gustavo Lima",
    "Hannah Becker",
    "Ines Duarte",
    "Jun Tanaka",
    "Kwame Mensah",
    "Lena Fischer",
];
const SAS: &[&str] = &["Priya Raman", "Tom Okafor", "Sofia Rossi", "Ravi Menon"];
const MANAGERS: &[&str] = &["Grace Liu", "Marcus Webb", "Nadia Petrova"];
const STAGES: &[&str] = &["Qualification", "Discovery", "Solution", "Proposal"];

/// A well-mixed number for deal `i` and one of its fields (SplitMix64).
fn mix(i: usize, field: u64) -> u64 {
    let mut z = (i as u64)
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(field.wrapping_mul(0xD1B5_4A32_D192_ED03));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Deal `i` of the generated set: varied, but the same on every run.
fn new_deal(i: usize) -> NewDeal {
    let pick = |list: &'static [&'static str], field: u64| {
        list[(mix(i, field) % list.len() as u64) as usize]
    };
    let company = pick(COMPANIES, 1);
    let account = format!("{company} {}", pick(SUFFIXES, 2));
    let name = format!("{company} {} {}", pick(PRODUCTS, 3), mix(i, 4) % 90 + 10);
    // $50K–$900K in $1K steps
    let amount = Money::from_dollars(50_000 + (mix(i, 5) % 851) as i64 * 1_000);
    let jan_1 = NaiveDate::from_ymd_opt(2027, 1, 1).expect("a real date");
    let close_date = jan_1 + chrono::Days::new(mix(i, 6) % 365);
    NewDeal {
        name,
        account,
        amount: Some(amount),
        implementation_fee: (!i.is_multiple_of(3))
            .then(|| Money::from_dollars(amount.cents() / 400)),
        support_rate_percent: None,
        close_date: Some(close_date),
        stage: Some(pick(STAGES, 7).to_string()),
        owner: pick(OWNERS, 8).to_string(),
        sa: pick(SAS, 9).to_string(),
        manager: pick(MANAGERS, 10).to_string(),
        trigger_date: Some(close_date - chrono::Days::new(90)),
    }
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 9, 30, 0).unwrap()
}

/// An app over a fresh database of [`DEALS`] deals, sized 120×40. The
/// returned folder holds the database file and must outlive the app.
fn app() -> (tempfile::TempDir, App) {
    app_of(DEALS)
}

/// [`app`] over `deals` deals, added through the use case in one
/// transaction.
fn app_of(deals: usize) -> (tempfile::TempDir, App) {
    let dir = tempfile::tempdir().expect("a temp folder");
    let store = Store::open(&dir.path().join("bench.db")).expect("the database opens");
    let mut store = Session::new(
        store,
        Playbook::default_playbook(),
        Clock::fixed(now()).with_offset(FixedOffset::east_opt(0).unwrap()),
        "dana",
    );
    let deals = (0..deals).map(new_deal).collect();
    ops::add_deals(store.at(now()), deals).expect("the deals are added");
    let ctx = Ctx {
        session: store,
        theme: Theme::plain(),
        db_label: "bench.db".into(),
    };
    let mut app = App::new(ctx);
    app.resize(Rect::new(0, 0, WIDTH, HEIGHT));
    (dir, app)
}

/// An app over `deals` demo deals (`qualify demo`, seed 1): the realistic
/// pipeline the README's 100,000-deal figures are measured on.
///
/// With `QUALIFY_BENCH_DB` set to a database made by `qualify demo --deals
/// 100000` (seed 1), a copy of it is used instead of making the deals again.
fn demo_app(deals: usize) -> (tempfile::TempDir, App) {
    let dir = tempfile::tempdir().expect("a temp folder");
    let made = std::env::var_os("QUALIFY_BENCH_DB");
    if let Some(made) = &made {
        std::fs::copy(made, dir.path().join("bench.db")).expect("the database is copied");
    }
    let store = Store::open(&dir.path().join("bench.db")).expect("the database opens");
    let mut session = Session::new(
        store,
        Playbook::default_playbook(),
        Clock::fixed(now()).with_offset(FixedOffset::east_opt(0).unwrap()),
        "dana",
    );
    if made.is_none() {
        ops::demo(&mut session, deals, 1, |_| {}).expect("the demo deals are made");
    }
    let ctx = Ctx {
        session,
        theme: Theme::plain(),
        db_label: "bench.db".into(),
    };
    let mut app = App::new(ctx);
    app.resize(Rect::new(0, 0, WIDTH, HEIGHT));
    (dir, app)
}

/// An app over a database holding one deal whose visible texts are 1 MB
/// of Japanese each (the deal's name, step 1's blocked reason and outcomes note, a
/// scorecard evidence, a stakeholder's name), written with SQL as an older
/// qualify or another tool could have left them, before the bounds existed.
/// The app is open on the deal's screen.
fn huge_app() -> (tempfile::TempDir, App) {
    let dir = tempfile::tempdir().expect("a temp folder");
    let path = dir.path().join("huge.db");
    let mut session = Session::new(
        Store::open(&path).expect("the database opens"),
        Playbook::default_playbook(),
        Clock::fixed(now()).with_offset(FixedOffset::east_opt(0).unwrap()),
        "dana",
    );
    ops::add_deals(&mut session, vec![new_deal(0)]).expect("the deal is added");
    drop(session);
    // Japanese has no spaces: one 1 MB word, the hardest case for wrapping
    let megabyte = "最高財務責任者との通話で予算を確認した。".repeat(1_000_000 / 57 + 1);
    let sql = rusqlite::Connection::open(&path).expect("the file opens");
    sql.execute(
        "UPDATE deals SET name = ?1 WHERE id = 1",
        rusqlite::params![megabyte],
    )
    .expect("the name is written");
    sql.execute(
        "UPDATE steps SET status = 'blocked', blocked_reason = ?1, blocked_since = ?2,
         started_at = ?2, outcomes = ?1 WHERE deal_id = 1 AND number = 1",
        rusqlite::params![megabyte, now()],
    )
    .expect("the step is written");
    sql.execute(
        "INSERT OR REPLACE INTO deal_content (deal_id, body) VALUES (1, json_object(
           'meddpicc', json_object('framework', 'meddpicc', 'elements',
             json_object('metrics', json_object('score', 2, 'evidence', ?1))),
           'stakeholders', json_array(json_object('name', ?1, 'role', 'champion'))))",
        rusqlite::params![megabyte],
    )
    .expect("the content is written");
    drop(sql);
    let ctx = Ctx {
        session: Session::new(
            Store::open(&path).expect("the database opens again"),
            Playbook::default_playbook(),
            Clock::fixed(now()).with_offset(FixedOffset::east_opt(0).unwrap()),
            "dana",
        ),
        theme: Theme::plain(),
        db_label: "huge.db".into(),
    };
    let mut app = App::new(ctx);
    app.resize(Rect::new(0, 0, WIDTH, HEIGHT));
    app.update(Action::Open);
    (dir, app)
}

fn terminal() -> Terminal<TestBackend> {
    Terminal::new(TestBackend::new(WIDTH, HEIGHT)).expect("a test terminal")
}

fn draw(terminal: &mut Terminal<TestBackend>, app: &App) {
    terminal
        .draw(|f| f.render_widget(app, f.area()))
        .expect("the frame draws");
}

/// What the last draw put on the screen, row by row.
fn screen(terminal: &Terminal<TestBackend>) -> String {
    let buf = terminal.backend().buffer();
    let mut text = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            text.push_str(buf[(x, y)].symbol());
        }
        text.push('\n');
    }
    text
}

/// Stop if the screen is not the one meant to be measured.
fn expect_on_screen(terminal: &Terminal<TestBackend>, app: &App, wanted: &str) {
    let text = screen(terminal);
    assert!(app.status().is_none(), "status: {:?}", app.status());
    assert!(text.contains(wanted), "{wanted:?} not on screen:\n{text}");
}

fn key(code: KeyCode) -> Action {
    Action::Type(KeyEvent::new(code, KeyModifiers::NONE))
}

fn benches(c: &mut Criterion) {
    let mut group = c.benchmark_group("render");
    group.sample_size(30);
    group.measurement_time(Duration::from_secs(5));
    group.warm_up_time(Duration::from_secs(1));

    // the list, its visible page already read
    let (_dir, mut app) = app();
    let mut term = terminal();
    draw(&mut term, &app);
    expect_on_screen(&term, &app, "Deals (10000)");
    group.bench_function("list_120x40", |b| {
        b.iter(|| draw(&mut term, black_box(&app)))
    });

    // one page down, which reads the next page from SQLite, then a draw;
    // back at the top (untimed) before the end of the list is reached, so
    // every timed step reads a page at offsets spread over the whole list
    let page = usize::from(HEIGHT - 2 - 4);
    let pages = DEALS / page - 1;
    let mut done = 0;
    group.bench_function("list_scroll_page", |b| {
        b.iter_custom(|iters| {
            let mut spent = Duration::ZERO;
            for _ in 0..iters {
                if done == pages {
                    app.update(Action::Top);
                    done = 0;
                }
                let start = Instant::now();
                app.update(black_box(Action::PageDown));
                draw(&mut term, &app);
                spent += start.elapsed();
                done += 1;
            }
            spent
        })
    });
    app.update(Action::Top);
    draw(&mut term, &app);
    expect_on_screen(&term, &app, "Deals (10000)");

    // one filter keystroke ("wa" to "way", the third character, from which
    // the list is filtered as typed): the count and the first page read
    // again, then a draw; the Backspace that takes it back is not timed
    app.update(Action::Filter);
    app.update(key(KeyCode::Char('w')));
    app.update(key(KeyCode::Char('a')));
    app.update(key(KeyCode::Char('y')));
    draw(&mut term, &app);
    assert!(
        !screen(&term).contains("Deals (10000)"),
        "the filter narrows the list"
    );
    app.update(key(KeyCode::Backspace));
    group.bench_function("list_filter_keystroke", |b| {
        b.iter_custom(|iters| {
            let mut spent = Duration::ZERO;
            for _ in 0..iters {
                let start = Instant::now();
                app.update(black_box(key(KeyCode::Char('y'))));
                draw(&mut term, &app);
                spent += start.elapsed();
                app.update(key(KeyCode::Backspace));
            }
            spent
        })
    });
    app.update(Action::Cancel);

    // the dashboard: its metrics computed on entering (untimed), then a
    // draw of cards, trends, the forecast chart and the two lists
    app.update(Action::ShowDashboard);
    draw(&mut term, &app);
    expect_on_screen(&term, &app, "Metrics · the team");
    group.bench_function("dashboard_120x40", |b| {
        b.iter(|| draw(&mut term, black_box(&app)))
    });
    app.update(Action::Back);

    // the deal screen of the first deal in the list
    app.update(Action::Open);
    draw(&mut term, &app);
    expect_on_screen(&term, &app, "QA checklist");
    group.bench_function("deal_screen_120x40", |b| {
        b.iter(|| draw(&mut term, black_box(&app)))
    });

    // a deal whose visible texts are 1 MB each: only what shows is drawn
    let (_huge_dir, mut huge) = huge_app();
    draw(&mut term, &huge);
    expect_on_screen(&term, &huge, "Blocked");
    expect_on_screen(&term, &huge, "最");
    group.bench_function("deal_screen_1mb_text", |b| {
        b.iter(|| draw(&mut term, black_box(&huge)))
    });
    huge.update(Action::FocusNext);
    huge.update(Action::FocusNext);
    draw(&mut term, &huge);
    expect_on_screen(&term, &huge, "Outcomes");
    group.bench_function("deal_screen_1mb_note", |b| {
        b.iter(|| draw(&mut term, black_box(&huge)))
    });

    group.finish();
}

/// Time `step` (then a draw) `iters` times, running `reset` untimed after
/// each.
fn timed(
    iters: u64,
    app: &mut App,
    term: &mut Terminal<TestBackend>,
    step: &dyn Fn(&mut App),
    reset: &dyn Fn(&mut App),
) -> Duration {
    let mut spent = Duration::ZERO;
    for _ in 0..iters {
        let start = Instant::now();
        step(app);
        draw(term, app);
        spent += start.elapsed();
        reset(app);
    }
    spent
}

/// Every list key over 100,000 deals: each reads what it needs from SQLite
/// (count, totals, one page), then the list is drawn.
fn benches_100k(c: &mut Criterion) {
    const BIG: usize = 100_000;
    let mut group = c.benchmark_group("render100k");
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(4));
    group.warm_up_time(Duration::from_secs(1));

    let (dir, mut app) = demo_app(BIG);
    let mut term = terminal();
    draw(&mut term, &app);
    // the list shows the open deals (the demo closed the rest)
    expect_on_screen(&term, &app, "· open deals ·");

    // the first frame: the database opened, the list read and drawn
    let path = dir.path().join("bench.db");
    group.bench_function("first_frame", |b| {
        b.iter(|| {
            let session = Session::new(
                Store::open(&path).expect("the database opens"),
                Playbook::default_playbook(),
                Clock::fixed(now()).with_offset(FixedOffset::east_opt(0).unwrap()),
                "dana",
            );
            let mut fresh = App::new(Ctx {
                session,
                theme: Theme::plain(),
                db_label: "bench.db".into(),
            });
            fresh.resize(Rect::new(0, 0, WIDTH, HEIGHT));
            draw(&mut term, &fresh);
        })
    });

    // page down through the whole list, back to the top (untimed) at its end
    let page = usize::from(HEIGHT - 2 - 4);
    let pages = BIG / page - 1;
    let mut done = 0;
    group.bench_function("page_down", |b| {
        b.iter_custom(|iters| {
            let mut spent = Duration::ZERO;
            for _ in 0..iters {
                if done == pages {
                    app.update(Action::Top);
                    done = 0;
                }
                let start = Instant::now();
                app.update(black_box(Action::PageDown));
                draw(&mut term, &app);
                spent += start.elapsed();
                done += 1;
            }
            spent
        })
    });
    app.update(Action::Top);

    group.bench_function("end", |b| {
        b.iter_custom(|iters| {
            timed(
                iters,
                &mut app,
                &mut term,
                &|a| {
                    a.update(black_box(Action::Bottom));
                },
                &|a| {
                    a.update(Action::Top);
                },
            )
        })
    });
    group.bench_function("home", |b| {
        b.iter_custom(|iters| {
            app.update(Action::Bottom);
            timed(
                iters,
                &mut app,
                &mut term,
                &|a| {
                    a.update(black_box(Action::Top));
                },
                &|a| {
                    a.update(Action::Bottom);
                },
            )
        })
    });
    app.update(Action::Top);

    // a sort change: each of the thirteen sorts in turn
    group.bench_function("sort_change", |b| {
        b.iter_custom(|iters| {
            timed(
                iters,
                &mut app,
                &mut term,
                &|a| {
                    a.update(black_box(Action::CycleSort));
                },
                &|_| {},
            )
        })
    });
    for _ in 0..32 {
        if screen(&term).contains("sorted by close date") {
            break;
        }
        app.update(Action::CycleSort);
        draw(&mut term, &app);
    }
    expect_on_screen(&term, &app, "sorted by close date");

    // a queue change: all deals, SA sign-off, manager review in turn
    group.bench_function("queue_change", |b| {
        b.iter_custom(|iters| {
            timed(
                iters,
                &mut app,
                &mut term,
                &|a| {
                    a.update(black_box(Action::CycleQueue));
                },
                &|_| {},
            )
        })
    });
    // back to the list it opens on (a bounded turn: the queues are few)
    for _ in 0..8 {
        if screen(&term).contains("· open deals ·") {
            break;
        }
        app.update(Action::CycleQueue);
        draw(&mut term, &app);
    }
    expect_on_screen(&term, &app, "· open deals ·");

    // a filter keystroke on an account ("hoo" to "hool", one account in 36),
    // and the first keystroke of a filter ("w"), which leaves the list as it
    // is until a third character (or Enter)
    app.update(Action::Filter);
    for c in "hoo".chars() {
        app.update(key(KeyCode::Char(c)));
    }
    group.bench_function("filter_keystroke", |b| {
        b.iter_custom(|iters| {
            timed(
                iters,
                &mut app,
                &mut term,
                &|a| {
                    a.update(black_box(key(KeyCode::Char('l'))));
                },
                &|a| {
                    a.update(key(KeyCode::Backspace));
                },
            )
        })
    });
    app.update(Action::Cancel);
    draw(&mut term, &app);
    // the list shows the open deals (the demo closed the rest)
    expect_on_screen(&term, &app, "· open deals ·");
    app.update(Action::Filter);
    group.bench_function("filter_first_keystroke", |b| {
        b.iter_custom(|iters| {
            timed(
                iters,
                &mut app,
                &mut term,
                &|a| {
                    a.update(black_box(key(KeyCode::Char('w'))));
                },
                &|a| {
                    a.update(key(KeyCode::Backspace));
                },
            )
        })
    });
    app.update(Action::Cancel);

    // the dashboard over 100,000 deals: its metrics computed on entering
    // (untimed: a walk over every deal), then a draw
    app.update(Action::ShowDashboard);
    draw(&mut term, &app);
    expect_on_screen(&term, &app, "Metrics · the team");
    group.bench_function("dashboard_120x40", |b| {
        b.iter(|| draw(&mut term, black_box(&app)))
    });
    group.finish();
}

criterion_group!(render, benches, benches_100k);
criterion_main!(render);
