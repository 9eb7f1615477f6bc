//! The dashboard as a person sees it: the five metrics against their
//! targets, the pipeline by forecast category, the weekly trends, and the
//! stalled deals and overdue escalations a key away from their deal — on a
//! hand-built pipeline at a fixed clock.

use chrono::{DateTime, Duration, Utc};
use qualify::domain::deal::DealId;
use qualify::domain::document::parse_documents;
use qualify::domain::parse_date;
use qualify::domain::pipeline::{Outcome, OutcomeKind};
use qualify::domain::playbook::{EscalationRule, Playbook};
use qualify::domain::step::{StepChange, StepNumber, StepStatus};
use qualify::ops::{self, Session};
use qualify::store::Store;
use qualify::tui::App;
use qualify::tui::keymap::Layer;
use qualify::tui::theme::Theme;
use ratatui::crossterm::event::KeyCode;
use ratatui::style::Color;

mod common;

use common::tui::*;

/// The complete example document as a new deal named `name`, owned by
/// `owner`, created at `at`; `weak` scores every scorecard element 1 (a
/// disqualify verdict).
fn add(
    s: &mut Session,
    name: &str,
    owner: &str,
    amount: i64,
    weak: bool,
    at: DateTime<Utc>,
) -> DealId {
    let pb = Playbook::default_playbook();
    let mut doc: serde_json::Value =
        serde_json::from_str(include_str!("fixtures/complete_deal.json")).unwrap();
    doc["name"] = name.into();
    doc["owner"] = owner.into();
    doc["amount"] = amount.into();
    if weak {
        for element in doc["meddpicc"]["elements"]
            .as_object_mut()
            .unwrap()
            .values_mut()
        {
            element["score"] = 1.into();
        }
    }
    let deal = parse_documents(&doc.to_string())
        .unwrap()
        .remove(0)
        .into_deal(&pb, at);
    s.store_mut().save_deals(&[deal], false, at).unwrap()[0].id
}

/// Start and complete steps `1..=last`, one a day from `from`, each taking
/// five hours.
fn walk(s: &mut Session, id: DealId, last: StepNumber, from: DateTime<Utc>) {
    for n in StepNumber::all().take_while(|n| *n <= last) {
        let at = from + Duration::days(n.index() as i64);
        ops::change_step(s.at(at), id, None, n, &StepChange::Start).unwrap();
        let done = at + Duration::hours(5);
        ops::change_step(s.at(done), id, None, n, &StepChange::Complete)
            .unwrap_or_else(|e| panic!("step {n} of {id:?}: {e}"));
    }
}

fn close(s: &mut Session, id: DealId, kind: OutcomeKind, on: &str, reason: &str) {
    let day = parse_date(on).unwrap();
    let at = day.and_hms_opt(17, 0, 0).unwrap().and_utc();
    let outcome = Outcome {
        kind,
        on: day,
        reason: reason.into(),
        lost_to: String::new(),
    };
    ops::set_outcome(s.at(at), id, None, Some(outcome)).unwrap();
}

fn stage(s: &mut Session, id: DealId, to: &str, at: DateTime<Utc>) {
    ops::edit_deal(s.at(at), id, None, |d| {
        d.stage = to.into();
        Ok(())
    })
    .unwrap();
}

/// Seven deals, each giving the dashboard something to show:
/// - Acme ERP rollout: all ten steps, qualified, won (prediction right);
/// - Globex analytics: steps 1-3, qualified, lost (prediction wrong);
/// - Initech payroll: step 1 with a weak scorecard, disqualified (right);
/// - Umbrella security: steps 1-2, step 3 blocked five days (overdue);
/// - Hooli data platform: step 1 started twelve days ago (stalled);
/// - Stark CRM migration: untouched for three weeks (stalled), and a pricing
///   escalation raised four days ago (72 hours: overdue);
/// - Wayne service desk: steps 1-7, qualified (Best Case).
fn pipeline() -> Session {
    pipeline_in(Store::open_in_memory().unwrap())
}

/// [`pipeline`] in `store`.
fn pipeline_in(store: Store) -> Session {
    let mut s = session(store);
    let t0 = now() - Duration::days(40);
    let acme = add(&mut s, "Acme ERP rollout", "Dana Reyes", 300_000, false, t0);
    walk(&mut s, acme, step(10), t0 + Duration::days(1));
    stage(&mut s, acme, "Discovery", t0 + Duration::days(4));
    stage(&mut s, acme, "Proposal", t0 + Duration::days(14));
    close(&mut s, acme, OutcomeKind::Won, "2026-11-20", "");

    let globex = add(&mut s, "Globex analytics", "Lee Park", 120_000, false, t0);
    walk(&mut s, globex, step(3), t0 + Duration::days(2));
    stage(&mut s, globex, "Discovery", t0 + Duration::days(20));
    close(
        &mut s,
        globex,
        OutcomeKind::Lost,
        "2026-11-18",
        "Chose a cheaper rival",
    );

    let initech = add(&mut s, "Initech payroll", "Dana Reyes", 480_000, true, t0);
    walk(&mut s, initech, step(1), t0 + Duration::days(3));
    close(
        &mut s,
        initech,
        OutcomeKind::Disqualified,
        "2026-11-10",
        "No budget this year",
    );

    let umbrella = add(&mut s, "Umbrella security", "Lee Park", 250_000, false, t0);
    walk(&mut s, umbrella, step(2), now() - Duration::days(9));
    let block = StepChange::Block {
        reason: "CFO on leave until the budget cycle opens".into(),
    };
    ops::change_step(
        s.at(now() - Duration::days(5)),
        umbrella,
        None,
        step(3),
        &block,
    )
    .unwrap();

    let hooli = add(
        &mut s,
        "Hooli data platform",
        "Dana Reyes",
        90_000,
        false,
        now() - Duration::days(14),
    );
    ops::change_step(
        s.at(now() - Duration::days(12)),
        hooli,
        None,
        step(1),
        &StepChange::Start,
    )
    .unwrap();

    let stark = add(
        &mut s,
        "Stark CRM migration",
        "Ana Silva",
        410_000,
        false,
        now() - Duration::days(25),
    );
    // raised by the deal's owner, routed to its manager
    let user = s.user.clone();
    s.set_user("Ana Silva");
    ops::raise_escalation(
        s.at(now() - Duration::days(21)),
        stark,
        None,
        EscalationRule::Pricing,
        "Asks 30% off the licence",
        "",
    )
    .unwrap();
    s.set_user(&user);

    let wayne = add(
        &mut s,
        "Wayne service desk",
        "Ana Silva",
        175_000,
        false,
        t0,
    );
    walk(&mut s, wayne, step(7), now() - Duration::days(10));
    s.at(now());
    s
}

#[test]
fn the_fixture_has_something_in_every_part() {
    let s = pipeline();
    let range = qualify::domain::metrics::Range::last(90, s.clock.today());
    let (m, weeks) = ops::metrics(&s, None, range).unwrap();
    for metric in m.all() {
        assert!(metric.value.is_some(), "{} has no data", metric.key);
    }
    assert_eq!(m.qualification_accuracy.count, 3);
    assert_eq!(weeks.len(), 14);
    let a = ops::attention(&s, None, 5).unwrap();
    let stalled: Vec<_> = a.stalled.iter().map(|d| d.deal.name.as_str()).collect();
    assert!(stalled.contains(&"Hooli data platform"), "{stalled:?}");
    assert!(stalled.contains(&"Stark CRM migration"), "{stalled:?}");
    let overdue: Vec<_> = a.overdue.iter().map(|o| o.deal.name.as_str()).collect();
    assert_eq!(overdue, ["Stark CRM migration", "Umbrella security"]);
    let deal = s.store().deal(DealId(4)).unwrap();
    assert_eq!(deal.steps[2].status, StepStatus::Blocked);
}

#[test]
fn dashboard_at_80x24() {
    let mut app = app(pipeline(), 80, 24);
    press(&mut app, KeyCode::Char('d'));
    assert_eq!(app.layers()[0], Layer::Dashboard);
    let text = screen(&app, 80, 24);
    insta::assert_snapshot!("dashboard_80x24", text);
}

/// On a file, the metrics are computed on another thread with their own
/// connection while the screen keeps answering: once they come, the screen
/// is the one a database in memory draws at once.
#[test]
fn on_a_file_the_metrics_come_from_another_thread_and_show_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("qualify.db");
    let mut file = app(pipeline_in(Store::open(&path).unwrap()), 120, 40);
    press(&mut file, KeyCode::Char('d'));
    assert_eq!(file.layers()[0], Layer::Dashboard);
    // keys are taken while they are computed
    press(&mut file, KeyCode::Tab);
    press(&mut file, KeyCode::Tab);
    file.wait_for_work();
    assert!(!file.is_working());
    let shown = screen(&file, 120, 40);
    assert!(!shown.contains("computing"), "{shown}");
    let mut memory = app(pipeline(), 120, 40);
    press(&mut memory, KeyCode::Char('d'));
    assert_eq!(shown, screen(&memory, 120, 40));
    // `r` computes them again, and they come again
    press(&mut file, KeyCode::Char('r'));
    file.wait_for_work();
    assert_eq!(screen(&file, 120, 40), shown);
}

#[test]
fn dashboard_at_160x50() {
    let mut app = app(pipeline(), 160, 50);
    press(&mut app, KeyCode::Char('d'));
    let text = screen(&app, 160, 50);
    insta::assert_snapshot!("dashboard_160x50", text);
}

#[test]
fn dashboard_at_120x40_draws_the_chart() {
    let mut app = app(pipeline(), 120, 40);
    press(&mut app, KeyCode::Char('d'));
    let text = screen(&app, 120, 40);
    insta::assert_snapshot!("dashboard_120x40", text);
}

#[test]
fn enter_on_a_stalled_deal_opens_it_and_esc_comes_back() {
    let mut app = app(pipeline(), 120, 40);
    press(&mut app, KeyCode::Char('d'));
    let text = screen(&app, 120, 40);
    // largest first: Stark, then Hooli
    let stark = text.find("Stark CRM migration").unwrap();
    let hooli = text.find("Hooli data platform").unwrap();
    assert!(stark < hooli, "{text}");
    press(&mut app, KeyCode::Char('j'));
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.layers()[0], Layer::Deal);
    let text = screen(&app, 120, 40);
    let header = text.lines().next().unwrap();
    assert!(header.contains("Hooli data platform"), "{header}");
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.layers()[0], Layer::Dashboard, "back to the dashboard");
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.layers()[0], Layer::List);
}

#[test]
fn met_and_not_met_are_coloured_and_said_in_words() {
    let mut app = App::new(ctx(pipeline(), Theme::colour()));
    press(&mut app, KeyCode::Char('d'));
    let terminal = draw(&app, 120, 40);
    let buf = terminal.backend().buffer();
    let colour_of = |word: &str| {
        let line = (0..40)
            .find_map(|y| {
                let row: String = (0..120).map(|x| buf[(x, y)].symbol().to_string()).collect();
                row.find(word).map(|i| (y, row[..i].chars().count() as u16))
            })
            .unwrap_or_else(|| panic!("{word} not on screen"));
        buf[(line.1, line.0)].fg
    };
    assert_eq!(colour_of("✗ not met"), Color::Red);
    assert_eq!(colour_of("✓ met"), Color::Green);
    assert_eq!(colour_of("OVERDUE 18d"), Color::Red);
}

/// `qualify demo --deals 300 --seed 7` at [`now`], in memory.
fn demo() -> Session {
    let mut s = session(Store::open_in_memory().unwrap());
    ops::demo(&mut s, 300, 7, |_| {}).unwrap();
    s
}

#[test]
fn the_dashboard_and_the_pipeline_list_on_demo_data() {
    for (width, height) in [(80, 24), (160, 50)] {
        let mut app = app(demo(), width, height);
        let list = screen(&app, width, height);
        insta::assert_snapshot!(format!("demo_list_{width}x{height}"), list);
        press(&mut app, KeyCode::Char('d'));
        let text = screen(&app, width, height);
        assert!(!text.contains("no data"), "every metric has data:\n{text}");
        insta::assert_snapshot!(format!("demo_dashboard_{width}x{height}"), text);
    }
}

/// Open deals of very different amounts (one tiny, in Omitted: a weak
/// scorecard), and a won and a lost deal that are not in the pipeline.
fn uneven() -> Session {
    let mut s = session(Store::open_in_memory().unwrap());
    let t0 = now() - Duration::days(20);
    add(&mut s, "Big", "Dana Reyes", 28_200_000, false, t0);
    let best = add(&mut s, "Best", "Dana Reyes", 12_700_000, false, t0);
    walk(&mut s, best, step(7), t0 + Duration::days(1));
    add(&mut s, "Tiny", "Dana Reyes", 50_000, true, t0);
    let won = add(&mut s, "Won", "Lee Park", 19_000_000, false, t0);
    close(&mut s, won, OutcomeKind::Won, "2026-11-20", "");
    let lost = add(&mut s, "Lost", "Lee Park", 12_600_000, false, t0);
    close(&mut s, lost, OutcomeKind::Lost, "2026-11-21", "Budget gone");
    s.at(now());
    s
}

/// The cells of the bar drawn on the chart's row for `category`.
fn bar_cells(screen: &str, category: &str) -> usize {
    let row = screen
        .lines()
        .find(|l| l.starts_with(&format!("│{category}")))
        .unwrap_or_else(|| panic!("no row for {category}:\n{screen}"));
    row.chars().filter(|c| *c == '█').count()
}

#[test]
fn the_forecast_bars_are_in_proportion_to_the_open_amounts_at_any_width() {
    for (width, height) in [(140, 40), (170, 50)] {
        let mut app = app(uneven(), width, height);
        press(&mut app, KeyCode::Char('d'));
        let text = plain_screen(&app, width, height);
        let amounts = [
            ("Pipeline", 28_200_000.0),
            ("Best Case", 12_700_000.0),
            ("Omitted", 50_000.0),
        ];
        let largest = bar_cells(&text, "Pipeline");
        assert!(
            largest >= 20,
            "{width}: the largest bar fills its room:\n{text}"
        );
        for (category, amount) in amounts {
            let cells = bar_cells(&text, category) as f64;
            let exact = amount / 28_200_000.0 * largest as f64;
            assert!(
                (cells - exact).abs() <= 1.0,
                "{width} columns: {category} is {cells} cells, {exact:.1} in proportion:\n{text}"
            );
            assert!(cells >= 1.0, "{width}: {category} above zero draws a cell");
        }
        // the pipeline's total is of open deals; won and lost are apart
        let open = qualify::domain::money::Money::from_dollars(28_200_000 + 12_700_000 + 50_000);
        let title = format!(
            "Open pipeline by forecast category · {} in 3 deals",
            open.short()
        );
        assert!(text.contains(&title), "{width}: {title} not in:\n{text}");
        assert!(
            text.contains("won $19.0M (1)") && text.contains("lost $12.6M (1)"),
            "{width}:\n{text}"
        );
    }
}

/// The minutes an "OVERDUE 3d 15h" timer says.
fn late_minutes(timer: &str) -> i64 {
    timer
        .trim_start_matches("OVERDUE")
        .split_whitespace()
        .map(|part| {
            let (n, unit) = part.split_at(part.len() - 1);
            let n: i64 = n.parse().unwrap();
            n * match unit {
                "d" => 24 * 60,
                "h" => 60,
                _ => 1,
            }
        })
        .sum()
}

#[test]
fn overdue_escalations_come_the_longest_overdue_first_and_are_counted_as_rows() {
    let mut s = pipeline();
    // two escalations on one deal, the later raised first, by its owner
    let wayne = DealId(7);
    s.set_user("Ana Silva");
    ops::raise_escalation(
        s.at(now() - Duration::days(2)),
        wayne,
        None,
        EscalationRule::Customer,
        "Champion left",
        "",
    )
    .unwrap();
    ops::raise_escalation(
        s.at(now() - Duration::days(6)),
        wayne,
        None,
        EscalationRule::Pricing,
        "Asks for a multi-year discount",
        "",
    )
    .unwrap();
    s.at(now());
    let mut app = app(s, 160, 50);
    press(&mut app, KeyCode::Char('d'));
    let text = plain_screen(&app, 160, 50);
    assert!(text.contains("Overdue escalations: 4 "), "{text}");
    let timers: Vec<i64> = text
        .lines()
        .filter_map(|l| {
            l.find("OVERDUE")
                .map(|at| l[at..].trim_end_matches('│').trim())
        })
        .map(late_minutes)
        .collect();
    assert_eq!(timers.len(), 4, "a row per escalation:\n{text}");
    assert!(
        timers.windows(2).all(|w| w[0] >= w[1]),
        "the longest overdue first: {timers:?}\n{text}"
    );
}
