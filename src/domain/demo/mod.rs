//! Demo data: a realistic pipeline made from a seed, the same seed giving
//! the same deals. Each deal is built whole in memory with the history a
//! team would have left (created, steps completed, stage changes, the
//! outcome), over the quarter before `now`: deals in every step and every
//! forecast category, stalled and snoozed deals, open, overdue and resolved
//! escalations, sign-offs and reviews, won, lost and disqualified deals with
//! the verdict step 1 predicted. Pure: the caller passes `now` and writes
//! the deals.
//!
//! Randomness comes from ChaCha8 (`rand_chacha`), whose output for a seed is
//! fixed across platforms and versions; each deal has its own stream (the
//! seed, and the deal's index as the stream number), so deal `i` is the same
//! whatever the number of deals asked for. Ranges are taken from the raw
//! 64-bit words by this module, not by a distribution library whose
//! algorithms may change.
//!
//! A deal is made in the order its draws are taken (the order is part of
//! what a seed gives): its `story` (the plan, the seller, the times of each
//! step), the buyer's `people`, the `steps`' records, what each step
//! captured (`content`, with step 1's `scorecard`), the team's reviews,
//! the `outcome`, the team's escalations and snooze (`oversight`), and the
//! `history`. `dice` is the random stream they all draw from.

mod content;
mod dice;
mod history;
mod outcome;
mod oversight;
mod people;
mod scorecard;
mod steps;
mod story;

use super::audit::AuditEntry;
use super::deal::Deal;
use super::playbook::Playbook;
use chrono::{DateTime, Utc};
use dice::Dice;
use people::People;
use story::Story;

/// One generated deal and its history (oldest first), to be written as is.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoDeal {
    pub deal: Deal,
    pub history: Vec<AuditEntry>,
}

/// `n` deals from `seed`, one at a time (nothing is held), as of `now`.
pub fn deals<'a>(
    seed: u64,
    n: usize,
    playbook: &'a Playbook,
    now: DateTime<Utc>,
) -> impl Iterator<Item = DemoDeal> + 'a {
    (0..n).map(move |i| deal(seed, i, playbook, now))
}

/// Deal `index` of the pipeline made from `seed`, as of `now`.
pub fn deal(seed: u64, index: usize, playbook: &Playbook, now: DateTime<Utc>) -> DemoDeal {
    let mut d = Dice::new(seed, index);
    let plan = story::plan(&mut d, index);
    let story = Story::new(&mut d, plan, playbook, now);
    let people = People::new(&mut d);
    let mut deal = story.deal();
    steps::record(&mut deal, &story, &people, &mut d);
    let rivals = content::capture(&mut deal, &story, &people, &mut d);
    oversight::reviews(&mut deal, &story, &mut d);
    outcome::close(&mut deal, &story, &people, &rivals, &mut d);
    oversight::escalation(&mut deal, &story, &mut d);
    oversight::snooze(&mut deal, &story, &mut d);
    let history = history::record(&mut deal, &story);
    DemoDeal { deal, history }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::criteria::unmet;
    use crate::domain::metrics::{Range, Tally};
    use crate::domain::pipeline::{ForecastCategory, forecast_category};
    use crate::domain::step_number::{STEP_COUNT, StepNumber};
    use chrono::{Duration, NaiveDate, NaiveTime};
    use std::collections::BTreeSet;

    /// The instant a day starts (UTC).
    fn start_of(day: NaiveDate) -> DateTime<Utc> {
        day.and_time(NaiveTime::MIN).and_utc()
    }

    fn now() -> DateTime<Utc> {
        start_of(NaiveDate::from_ymd_opt(2026, 11, 27).unwrap()) + Duration::hours(15)
    }

    #[test]
    fn the_same_seed_gives_the_same_deals_and_another_seed_others() {
        let pb = Playbook::default_playbook();
        let a: Vec<DemoDeal> = deals(7, 60, &pb, now()).collect();
        let b: Vec<DemoDeal> = deals(7, 60, &pb, now()).collect();
        assert_eq!(a, b);
        let c: Vec<DemoDeal> = deals(8, 60, &pb, now()).collect();
        assert_ne!(a, c);
        // a deal does not depend on how many were asked for
        assert_eq!(deal(7, 42, &pb, now()), a[42]);
    }

    #[test]
    fn every_deal_is_valid_with_its_complete_steps_meeting_their_criteria() {
        let pb = Playbook::default_playbook();
        let mut rushed = 0;
        for (i, demo) in deals(3, 400, &pb, now()).enumerate() {
            let deal = &demo.deal;
            assert!(
                deal.content.validate().is_empty(),
                "deal {i}: {:?}",
                deal.content.validate()
            );
            for s in deal.steps.iter().filter(|s| s.is_complete()) {
                assert!(
                    unmet(s.number, deal, &pb).is_empty(),
                    "deal {i} step {}: {:?}",
                    s.number,
                    unmet(s.number, deal, &pb)
                );
                // a deal that walked all ten steps was prepared for each
                if deal.steps_complete() == STEP_COUNT {
                    assert_eq!(
                        crate::domain::rushing::rushed(deal, s.number, &pb),
                        None,
                        "deal {i}"
                    );
                }
                rushed +=
                    usize::from(crate::domain::rushing::rushed(deal, s.number, &pb).is_some());
            }
            assert!(
                deal.created_at <= deal.updated_at && deal.updated_at <= now(),
                "deal {i}"
            );
            let times: Vec<_> = demo.history.iter().map(|h| h.at).collect();
            assert!(
                times.windows(2).all(|w| w[0] <= w[1]),
                "deal {i}: history in order"
            );
            assert!(
                times.iter().all(|t| *t <= now() && *t >= deal.created_at),
                "deal {i}"
            );
            let last_stage = demo.history.iter().rev().find(|h| h.field == "stage");
            assert_eq!(
                last_stage.map_or(pb.defaults.stage.as_str(), |h| h.after.as_str()),
                deal.stage
            );
        }
        // a few steps of deals still under way were rushed, and say so
        assert!(rushed > 0, "no step rushed");
    }

    #[test]
    fn implementation_is_a_fraction_of_the_licence() {
        let pb = Playbook::default_playbook();
        for (i, demo) in deals(5, 400, &pb, now()).enumerate() {
            let d = &demo.deal;
            let (licence, fee) = (
                d.amount.unwrap().cents(),
                d.implementation_fee.unwrap().cents(),
            );
            assert!(
                fee * 100 >= licence * 19 && fee <= licence,
                "deal {i}: {fee} on {licence}"
            );
        }
    }

    #[test]
    fn the_pipeline_spans_every_category_and_every_metric_has_data() {
        let pb = Playbook::default_playbook();
        let mut categories = BTreeSet::new();
        let mut tally = Tally::new(Range::last(90, now().date_naive()));
        let mut stalled = 0;
        let mut snoozed = 0;
        let mut steps = BTreeSet::new();
        for demo in deals(7, 300, &pb, now()) {
            let d = &demo.deal;
            categories.insert(forecast_category(d, &pb, now()));
            let stages: Vec<_> = demo
                .history
                .iter()
                .filter(|h| h.field == "stage")
                .map(|h| h.at)
                .collect();
            tally.add(d, &stages, &pb);
            stalled += usize::from(crate::domain::pipeline::stalled(d, &pb, now()).is_some());
            snoozed += usize::from(crate::domain::pipeline::snoozed_until(d).is_some());
            if d.content.outcome.is_none() {
                steps.insert(d.current_step());
            }
        }
        assert_eq!(
            categories.len(),
            ForecastCategory::ALL.len(),
            "{categories:?}"
        );
        let m = tally.finish(&pb);
        for metric in m.all() {
            assert!(metric.value.is_some(), "{} has no value", metric.key);
        }
        assert!(
            stalled > 0 && snoozed > 0,
            "stalled {stalled}, snoozed {snoozed}"
        );
        assert_eq!(
            steps,
            StepNumber::all().map(Some).chain([None]).collect(),
            "open deals at every step, and done"
        );
    }
}
