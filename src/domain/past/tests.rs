use super::*;
use crate::domain::choices::Element;
use crate::domain::content::ElementScore;
use crate::domain::demo;
use crate::domain::money::Money;
use chrono::{Duration, TimeZone};
use proptest::prelude::*;

fn t(day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, day, hour, 0, 0).unwrap()
}

/// A deal's life as the store keeps it: each state written at its instant,
/// the history one row per changed leaf (as the store writes it).
fn life(states: &[(DateTime<Utc>, Deal)]) -> (Deal, Vec<AuditEntry>) {
    let (created, first) = &states[0];
    let mut history = vec![AuditEntry {
        at: *created,
        who: "dana".into(),
        field: "deal".into(),
        before: String::new(),
        after: format!("created: {}", first.name),
    }];
    for pair in states.windows(2) {
        let ((_, before), (at, after)) = (&pair[0], &pair[1]);
        for c in audit::diff(&audit::snapshot(before), &audit::snapshot(after)) {
            history.push(AuditEntry {
                at: *at,
                who: "dana".into(),
                field: c.field,
                before: c.before,
                after: c.after,
            });
        }
    }
    (states.last().unwrap().1.clone(), history)
}

/// What `deal show --json` rests on: the deal's document and escalations,
/// its version and last change.
fn seen(deal: &Deal) -> (String, Vec<EscalationRecord>, i64) {
    let doc = serde_json::to_string(&DealDocument::of(deal)).unwrap();
    (doc, deal.escalations.clone(), deal.version)
}

/// Demo deal `i` of `seed`, made into state number `n` of one deal's life:
/// the same id, creation and version count as the states before it.
fn state(seed: u64, i: usize, n: i64, first: &Deal) -> Deal {
    let pb = Playbook::default_playbook();
    let mut deal = demo::deal(seed, i, &pb, t(27, 15)).deal;
    deal.id = first.id;
    deal.created_at = first.created_at;
    deal.version = n;
    for (k, e) in deal.escalations.iter_mut().enumerate() {
        e.id = k as i64 + 1;
    }
    deal
}

#[test]
fn undoing_the_later_changes_gives_each_state_back() {
    let pb = Playbook::default_playbook();
    for seed in 1..4u64 {
        let mut first = demo::deal(seed, 0, &pb, t(27, 15)).deal;
        first.version = 1;
        for (k, e) in first.escalations.iter_mut().enumerate() {
            e.id = k as i64 + 1;
        }
        let mut states = vec![(t(2, 9), first.clone())];
        for (n, i) in [3usize, 11, 20, 7].into_iter().enumerate() {
            let at = t(3 + 5 * n as u32, 10);
            states.push((at, state(seed, i, n as i64 + 2, &first)));
        }
        let (now, history) = life(&states);
        for (k, (at, expected)) in states.iter().enumerate() {
            // the end of the state's day, and the very instant it was written
            for when in [*at, *at + Duration::hours(3)] {
                let past = deal_at(&now, &history, when, &pb).unwrap();
                assert_eq!(seen(&past), seen(expected), "seed {seed}, state {k}");
            }
        }
        assert_eq!(
            deal_at(&now, &history, t(2, 8), &pb),
            Err(PastError::NotYet { created: t(2, 9) })
        );
    }
}

#[test]
fn the_scorecard_over_time_has_a_point_per_instant_it_changed() {
    let pb = Playbook::default_playbook();
    let mut a = demo::deal(1, 0, &pb, t(27, 15)).deal;
    a.content.meddpicc.elements.clear();
    let mut b = a.clone();
    b.content.meddpicc.elements.insert(
        Element::Metrics,
        ElementScore {
            score: 2,
            evidence: "20% faster".into(),
        },
    );
    let mut c = b.clone();
    c.amount = Some(Money::from_dollars(5));
    let mut d = c.clone();
    d.content
        .meddpicc
        .elements
        .get_mut(&Element::Metrics)
        .unwrap()
        .score = 3;
    d.content.meddpicc.elements.insert(
        Element::Champion,
        ElementScore {
            score: 1,
            evidence: String::new(),
        },
    );
    let (now, history) = life(&[(t(2, 9), a), (t(3, 9), b), (t(4, 9), c), (t(5, 9), d)]);
    let points = score_trend(&now, &history).unwrap();
    let totals: Vec<(DateTime<Utc>, u32)> = points
        .iter()
        .map(|p| (p.at, crate::domain::criteria::score_total(&p.card).0))
        .collect();
    assert_eq!(totals, [(t(2, 9), 0), (t(3, 9), 2), (t(5, 9), 4)]);
}

#[test]
fn values_come_back_as_the_json_they_were() {
    assert_eq!(
        typed("amount", "420000.5", None),
        serde_json::json!(420000.5)
    );
    assert_eq!(
        typed("meddpicc.elements.paper_process.score", "2", None),
        serde_json::json!(2)
    );
    assert_eq!(
        typed("steps[0].actions[3]", "true", None),
        Value::Bool(true)
    );
    assert_eq!(
        typed("escalations.E3.step", "4", None),
        serde_json::json!(4)
    );
    // a note that reads as a number or a yes stays a text
    assert_eq!(typed("steps[0].notes.outcomes", "true", None), "true");
    assert_eq!(typed("name", "2026", None), "2026");
    assert_eq!(typed("name", "", None), Value::Null);
    // an unknown field takes the kind of the value it holds now
    assert_eq!(
        typed("mystery", "7", Some(&serde_json::json!(3))),
        serde_json::json!(7)
    );
    assert_eq!(
        segments("validation_plan.items[10].owner"),
        [
            Segment::Key("validation_plan".into()),
            Segment::Key("items".into()),
            Segment::Index(10),
            Segment::Key("owner".into())
        ]
    );
}

proptest! {
    /// Whatever amounts, close dates and stages a deal went through, each
    /// day's state comes back.
    #[test]
    fn a_run_of_edits_comes_back_at_each_instant(
        edits in proptest::collection::vec((0i64..3_000_000, 0u32..400, 0usize..3), 1..8)
    ) {
        let pb = Playbook::default_playbook();
        let mut deal = demo::deal(9, 2, &pb, t(27, 15)).deal;
        deal.escalations.clear();
        deal.version = 1;
        let mut states = vec![(t(1, 9), deal.clone())];
        for (n, (cents, days, stage)) in edits.into_iter().enumerate() {
            let mut next = states.last().unwrap().1.clone();
            next.amount = (cents > 0).then(|| Money::from_cents(cents));
            next.close_date = (days > 0)
                .then(|| chrono::NaiveDate::from_ymd_opt(2027, 1, 1).unwrap() + Duration::days(i64::from(days)));
            next.stage = ["Qualification", "Proposal", "Negotiation"][stage].into();
            next.version = n as i64 + 2;
            states.push((t(2 + n as u32, 9), next));
        }
        let (now, history) = life(&states);
        for (at, expected) in &states {
            let past = deal_at(&now, &history, *at + Duration::hours(1), &pb).unwrap();
            prop_assert_eq!(seen(&past), seen(expected));
        }
    }
}

#[test]
fn a_history_that_does_not_make_a_deal_is_said_so() {
    let pb = Playbook::default_playbook();
    let mut deal = demo::deal(1, 0, &pb, t(27, 15)).deal;
    deal.created_at = t(1, 9);
    let edited = |field: &str, before: &str| {
        vec![AuditEntry {
            at: t(5, 9),
            who: "someone".into(),
            field: field.into(),
            before: before.into(),
            after: String::new(),
        }]
    };
    // an amount no amount reads as, a status no step has
    for (field, before) in [("amount", "plenty"), ("steps[0].status", "someday")] {
        let err = deal_at(&deal, &edited(field, before), t(4, 9), &pb).unwrap_err();
        assert!(matches!(err, PastError::Unreadable(_)), "{field}: {err:?}");
        assert!(err.to_string().contains("does not rebuild"), "{err}");
    }
    // after the row: the deal as it stands
    assert_eq!(
        deal_at(&deal, &edited("amount", "plenty"), t(6, 9), &pb),
        Ok(deal)
    );
}
