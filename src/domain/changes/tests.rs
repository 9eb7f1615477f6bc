use super::*;
use crate::domain::audit;
use crate::domain::demo;
use crate::domain::forecast::Outcome;
use chrono::TimeZone;

fn t(day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, day, hour, 0, 0).unwrap()
}

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// The history the store would write for these states.
fn life(states: &[(DateTime<Utc>, Deal)]) -> (Deal, Vec<AuditEntry>) {
    let mut history = vec![AuditEntry {
        at: states[0].0,
        who: "dana".into(),
        field: "deal".into(),
        before: String::new(),
        after: "created: x".into(),
    }];
    for pair in states.windows(2) {
        let ((_, before), (at, after)) = (&pair[0], &pair[1]);
        for c in audit::diff(&audit::snapshot(before), &audit::snapshot(after)) {
            history.push(AuditEntry {
                at: *at,
                who: format!("who{}", at.format("%d")),
                field: c.field,
                before: c.before,
                after: c.after,
            });
        }
    }
    (states.last().unwrap().1.clone(), history)
}

fn open_deal() -> Deal {
    let pb = Playbook::default_playbook();
    let mut deal = (0..40)
        .map(|i| demo::deal(3, i, &pb, t(27, 15)).deal)
        .find(|d| d.content.outcome.is_none())
        .unwrap();
    deal.created_at = t(1, 9);
    deal.escalations.clear();
    deal.amount = Some(Money::from_dollars(100_000));
    deal.close_date = Some(d("2026-12-10"));
    deal
}

fn classes_of(before: Deal, after: Deal) -> Vec<Class> {
    let pb = Playbook::default_playbook();
    let (now, history) = life(&[(t(1, 9), before), (t(20, 9), after)]);
    deal_changes(&now, &history, t(15, 0), &pb, t(27, 15))
        .unwrap()
        .map(|c| c.classes())
        .unwrap_or_default()
}

#[test]
fn close_dates_are_pushed_within_their_quarter_slipped_out_of_it_or_pulled_in() {
    let base = open_deal();
    let moved = |day: &str| {
        let mut after = base.clone();
        after.close_date = Some(d(day));
        classes_of(base.clone(), after)
    };
    assert_eq!(moved("2026-12-31"), [Class::Pushed]);
    assert_eq!(moved("2027-01-01"), [Class::Slipped]);
    assert_eq!(moved("2026-12-09"), [Class::PulledIn]);
    assert_eq!(moved("2026-12-10"), []);
    assert_eq!(
        date_class(None, Some(d("2026-12-10"))),
        Some(Class::DateSet)
    );
    assert_eq!(
        date_class(Some(d("2026-12-10")), None),
        Some(Class::DateCleared)
    );
}

#[test]
fn amounts_go_up_or_down_and_outcomes_win_lose_or_reopen() {
    let base = open_deal();
    let mut up = base.clone();
    up.amount = Some(Money::from_dollars(100_001));
    assert_eq!(classes_of(base.clone(), up), [Class::AmountUp]);
    let mut down = base.clone();
    down.amount = None;
    assert_eq!(classes_of(base.clone(), down), [Class::AmountDown]);
    let close = |kind| {
        let mut closed = base.clone();
        closed.content.outcome = Some(Outcome {
            kind,
            on: d("2026-11-20"),
            reason: String::new(),
            lost_to: String::new(),
        });
        closed
    };
    let won = classes_of(base.clone(), close(OutcomeKind::Won));
    assert!(won.starts_with(&[Class::Won]), "{won:?}");
    assert!(won.contains(&Class::Into(ForecastCategory::Closed)));
    let lost = classes_of(base.clone(), close(OutcomeKind::Disqualified));
    assert!(lost.starts_with(&[Class::Lost]), "{lost:?}");
    assert!(lost.contains(&Class::Into(ForecastCategory::Omitted)));
    let reopened = classes_of(close(OutcomeKind::Lost), base.clone());
    assert!(reopened.starts_with(&[Class::Reopened]), "{reopened:?}");
    assert!(reopened.contains(&Class::OutOf(ForecastCategory::Omitted)));
}

#[test]
fn a_deal_created_since_is_new_and_one_changed_before_is_left_out() {
    let pb = Playbook::default_playbook();
    let base = open_deal();
    let mut later = base.clone();
    later.amount = Some(Money::from_dollars(1));
    let (now, history) = life(&[(t(16, 9), base.clone()), (t(18, 9), later)]);
    let mut now = now;
    now.created_at = t(16, 9);
    let changed = deal_changes(&now, &history, t(15, 0), &pb, t(27, 15))
        .unwrap()
        .unwrap();
    assert_eq!(changed.classes(), [Class::New]);
    assert_eq!(changed.changes[0].who, "dana");
    // nothing since the 19th
    assert_eq!(
        deal_changes(&now, &history, t(19, 0), &pb, t(27, 15)).unwrap(),
        None
    );
}

#[test]
fn each_change_names_who_made_it_and_when() {
    let pb = Playbook::default_playbook();
    let base = open_deal();
    let mut a = base.clone();
    a.amount = Some(Money::from_dollars(150_000));
    let mut b = a.clone();
    b.close_date = Some(d("2027-02-01"));
    let (now, history) = life(&[(t(1, 9), base), (t(16, 9), a), (t(18, 9), b)]);
    let changed = deal_changes(&now, &history, t(15, 0), &pb, t(27, 15))
        .unwrap()
        .unwrap();
    let rows: Vec<(&str, &str, &str, &str, DateTime<Utc>)> = changed
        .changes
        .iter()
        .map(|c| (c.what.key(), &*c.before, &*c.after, &*c.who, c.at))
        .collect();
    assert_eq!(
        rows,
        [
            ("close_date", "2026-12-10", "2027-02-01", "who18", t(18, 9)),
            ("amount", "100000", "150000", "who16", t(16, 9)),
        ]
    );
    let totals = totals(&[changed.clone(), changed]);
    assert_eq!(
        totals,
        [
            ClassTotal {
                class: Class::Slipped,
                deals: 2,
                amount: Money::from_dollars(300_000)
            },
            ClassTotal {
                class: Class::AmountUp,
                deals: 2,
                amount: Money::from_dollars(300_000)
            },
        ]
    );
}

/// One edit of a generated deal's life: its amount, close date, a step's
/// status, its outcome, an element's score, or (not a figure) a
/// stakeholder's name.
#[derive(Debug, Clone)]
enum Edit {
    Amount(i64),
    Close(u32),
    Status(usize, usize),
    Outcome(usize),
    Score(usize, u8),
    Other(u8),
}

fn edit() -> impl proptest::strategy::Strategy<Value = Edit> {
    use proptest::prelude::*;
    prop_oneof![
        (0i64..3_000_000).prop_map(Edit::Amount),
        (0u32..200).prop_map(Edit::Close),
        (0usize..10, 0usize..4).prop_map(|(i, s)| Edit::Status(i, s)),
        (0usize..4).prop_map(Edit::Outcome),
        (0usize..8, 0u8..4).prop_map(|(e, s)| Edit::Score(e, s)),
        (0u8..3).prop_map(Edit::Other),
    ]
}

fn apply(deal: &mut Deal, edit: &Edit) {
    use crate::domain::content::ElementScore;
    use crate::domain::step::StepStatus;
    match *edit {
        Edit::Amount(cents) => deal.amount = (cents > 0).then(|| Money::from_cents(cents)),
        Edit::Close(days) => {
            deal.close_date = (days > 0).then(|| d("2026-11-01") + Duration::days(i64::from(days)))
        }
        Edit::Status(i, s) => deal.steps[i].status = StepStatus::ALL[s],
        Edit::Outcome(k) => {
            deal.content.outcome = [
                OutcomeKind::Won,
                OutcomeKind::Lost,
                OutcomeKind::Disqualified,
            ]
            .get(k)
            .map(|&kind| Outcome {
                kind,
                on: d("2026-11-20"),
                reason: if kind == OutcomeKind::Won {
                    String::new()
                } else {
                    "budget".into()
                },
                lost_to: String::new(),
            })
        }
        Edit::Score(e, score) => {
            let elements = deal.content.meddpicc.framework.elements();
            let element = elements[e % elements.len()];
            if e == 0 && score == 0 {
                deal.content.meddpicc.elements.remove(&element);
            } else {
                deal.content.meddpicc.elements.insert(
                    element,
                    ElementScore {
                        score,
                        evidence: format!("seen {score}"),
                    },
                );
            }
        }
        Edit::Other(n) => {
            if let Some(s) = deal.content.stakeholders.first_mut() {
                s.name = format!("Someone {n}");
            }
        }
    }
}

proptest::proptest! {
    /// The standing before read from the figures alone is the standing the
    /// whole deal rebuilt gives, whatever the deal went through and
    /// whichever day is asked about: the same changes, the same errors.
    #[test]
    fn the_figures_alone_tell_what_the_whole_rebuild_tells(
        seed in 0usize..40,
        edits in proptest::collection::vec(proptest::collection::vec(edit(), 1..4), 1..7),
        since in 1u32..12,
    ) {
        let pb = Playbook::default_playbook();
        let mut deal = demo::deal(5, seed, &pb, t(27, 15)).deal;
        deal.created_at = t(1, 9);
        deal.escalations.clear();
        let mut states = vec![(t(1, 9), deal.clone())];
        for (n, day) in edits.iter().enumerate() {
            let mut next = states.last().unwrap().1.clone();
            for e in day {
                apply(&mut next, e);
            }
            states.push((t(2 + 2 * n as u32, 9), next));
        }
        let (now, history) = life(&states);
        let from = t(since, 0);
        let rows: Vec<AuditEntry> = history.iter().filter(|e| e.at >= from).cloned().collect();
        let fast = changes_of(&now, &rows, from, &pb, t(27, 15), false);
        let whole = changes_of(&now, &rows, from, &pb, t(27, 15), true);
        proptest::prop_assert_eq!(fast, whole);
        // and the figures are the rebuilt deal's
        let at = from - Duration::nanoseconds(1);
        if let (Ok(Some(figures)), Ok(rebuilt)) = (
            past::figures_at(&now, &rows, at),
            past::deal_at(&now, &rows, at, &pb),
        ) {
            proptest::prop_assert_eq!(figures, past::Figures::of(&rebuilt));
        }
    }
}

#[test]
fn a_row_the_figures_cannot_read_is_left_to_the_whole_rebuild() {
    let pb = Playbook::default_playbook();
    let deal = open_deal();
    let row = |field: &str, before: &str| AuditEntry {
        at: t(20, 9),
        who: "someone".into(),
        field: field.into(),
        before: before.into(),
        after: String::new(),
    };
    for (field, before) in [
        ("amount", "plenty"),
        ("steps[0].status", "someday"),
        ("outcome.kind", "maybe"),
        ("stakeholders[0].name", "Someone"),
        ("steps[12].status", "complete"),
    ] {
        let rows = [row(field, before)];
        assert_eq!(
            past::figures_at(&deal, &rows, t(15, 0)),
            Ok(None),
            "{field}"
        );
        assert_eq!(
            changes_of(&deal, &rows, t(15, 0), &pb, t(27, 15), false),
            changes_of(&deal, &rows, t(15, 0), &pb, t(27, 15), true),
            "{field}"
        );
    }
}
