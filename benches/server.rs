//! Every list key on a team's server with 100,000 deals, as each role sees
//! it: the list's head (count and totals) and page read again, as the TUI's
//! list reads them on a key, from the open deals it opens on (and with the
//! closed ones too, as `c` shows them), the median of many, printed beside its goal, 5 ms plus one round
//! trip to the server (the round trip measured here too).
//!
//! Run by `benches/vs-psql.sh`, which makes the server and its deals; by
//! hand: `QUALIFY_BENCH_PG="host=/path/to/socket dbname=bench" cargo bench
//! --bench server`.

use chrono::{TimeZone, Utc};
use qualify::clock::Clock;
use qualify::domain::Playbook;
use qualify::ops::{self, ListQuery, ListSort, Queue, Session};
use std::time::{Duration, Instant};

const RUNS: usize = 25;
const PAGE: usize = 38;

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn session(address: &str) -> Session {
    let now = Utc.with_ymd_and_hms(2026, 12, 1, 9, 30, 0).unwrap();
    Session::on_server(address, Playbook::default_playbook(), Clock::fixed(now))
        .unwrap_or_else(|e| panic!("{address}: {e}"))
}

/// One list key: what the list reads again (its head, as the TUI's list
/// reads it, then the page).
fn key(s: &Session, query: &ListQuery) -> usize {
    let head = ops::views::list_head(s, query).expect("head");
    let page = ops::views::list_page(s, query, 0, PAGE, head.total).expect("page");
    head.total + page.len() + head.totals.len()
}

fn main() {
    // `cargo bench` passes --bench; nothing else is taken
    let base = std::env::var("QUALIFY_BENCH_PG").unwrap_or_else(|_| {
        panic!("QUALIFY_BENCH_PG names the server with the deals: run benches/vs-psql.sh")
    });
    let mut client = postgres::Client::connect(&format!("{base} user=postgres"), postgres::NoTls)
        .expect("the server answers");
    let round_trip = median(
        (0..200)
            .map(|_| {
                let t = Instant::now();
                client.simple_query("SELECT 1").expect("select 1");
                t.elapsed()
            })
            .collect(),
    );
    let goal = Duration::from_millis(5) + round_trip;
    println!(
        "one round trip: {:.3} ms; goal per list key: 5 ms + one round trip = {:.3} ms",
        round_trip.as_secs_f64() * 1e3,
        goal.as_secs_f64() * 1e3
    );
    println!(
        "{:<10} {:<30} {:>8} {:>10} {:>10}  met",
        "who", "list key", "deals", "median ms", "goal ms"
    );
    let mut missed = 0;
    let mut dashboards = Vec::new();
    for (who, login) in [
        ("admin", "postgres"),
        ("manager", "morgan"),
        ("AE", "dana"),
        ("SA", "sam"),
    ] {
        let s = session(&format!("{base} user={login}"));
        // the list opens on the open deals; `c` shows the closed ones too
        let base_query = ListQuery {
            open_only: true,
            ..s.list_query()
        };
        let mut keys: Vec<(String, ListQuery)> = ListSort::ALL
            .iter()
            .map(|sort| {
                (
                    format!("sort {}", sort.key()),
                    ListQuery {
                        sort: *sort,
                        ..base_query.clone()
                    },
                )
            })
            .collect();
        keys.push((
            "sort name, reversed".into(),
            ListQuery {
                sort: ListSort::Name,
                reverse: true,
                ..base_query.clone()
            },
        ));
        keys.push((
            "filter \"nor\"".into(),
            ListQuery {
                filter: "nor".into(),
                ..base_query.clone()
            },
        ));
        keys.push((
            "queue: SA sign-off".into(),
            ListQuery {
                queue: Queue::SaSignOff,
                ..base_query.clone()
            },
        ));
        keys.push((
            "queue: manager review".into(),
            ListQuery {
                queue: Queue::ManagerReview,
                ..base_query.clone()
            },
        ));
        keys.push((
            "closed too: sort close_date".into(),
            ListQuery {
                open_only: false,
                ..base_query.clone()
            },
        ));
        keys.push((
            "closed too: filter \"nor\"".into(),
            ListQuery {
                open_only: false,
                filter: "nor".into(),
                ..base_query.clone()
            },
        ));
        keys.push((
            "stalled".into(),
            ListQuery {
                stalled: true,
                ..base_query.clone()
            },
        ));
        for (label, query) in keys {
            let deals = ops::views::list_count(&s, &query).expect("count");
            key(&s, &query);
            let took = median(
                (0..RUNS)
                    .map(|_| {
                        let t = Instant::now();
                        std::hint::black_box(key(&s, &query));
                        t.elapsed()
                    })
                    .collect(),
            );
            let met = took <= goal;
            missed += usize::from(!met);
            println!(
                "{who:<10} {label:<30} {deals:>8} {:>10.3} {:>10.3}  {}",
                took.as_secs_f64() * 1e3,
                goal.as_secs_f64() * 1e3,
                if met { "yes" } else { "NO" }
            );
        }
        dashboards.push((who, dashboard(&s)));
    }
    println!("list keys over their goal: {missed}");
    // the dashboard's re-read (its metrics are computed apart, in the
    // background, as on a file): the forecast, outcome and warning totals of
    // the open deals and the stalled and overdue lists
    println!("the dashboard's re-read, the median of {RUNS} (goal: at once, 100 ms):");
    for (who, took) in dashboards {
        println!(
            "{who:<10} {:>10.3} ms  {}",
            took.as_secs_f64() * 1e3,
            if took <= Duration::from_millis(100) {
                "yes"
            } else {
                "NO"
            }
        );
    }
}

/// What the dashboard reads again on entering and on each change told.
fn dashboard(s: &Session) -> Duration {
    let query = ListQuery {
        open_only: true,
        ..s.list_query()
    };
    let read = || {
        let totals = ops::views::list_totals(s, &query).expect("totals");
        let closed = ops::views::outcome_totals(s, &query).expect("outcomes");
        let warned = ops::views::warning_totals(s, &query).expect("warnings");
        let attention = ops::attention(s, None, 12).expect("attention");
        totals.len() + closed.len() + warned.len() + attention.stalled.len()
    };
    read();
    median(
        (0..RUNS)
            .map(|_| {
                let t = Instant::now();
                std::hint::black_box(read());
                t.elapsed()
            })
            .collect(),
    )
}
