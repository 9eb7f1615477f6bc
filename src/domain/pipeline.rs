//! The deal in the pipeline: its outcome, the scorecard's prediction, its
//! forecast category, whether it has stalled, and the summary row the
//! pipeline list reads. Pure functions of the deal, the playbook and `now`.

use super::calendar::add_business_days;
use super::criteria::{overall_risk_band, score_total, verdict};
use super::deal::Deal;
use super::escalation;
use super::forecast::Verdict;
pub use super::forecast::{ForecastCategory, Outcome, OutcomeKind, Prediction, Snooze};
use super::money::Money;
use super::playbook::Playbook;
use super::qa;
use super::review::{Reviewer, Standing, basis, standing};
use super::step::StepStatus;
use super::step_number::StepNumber;
use super::warnings;
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};

/// Why an outcome or snooze was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PipelineError {
    ReasonNeeded(OutcomeKind),
    SnoozeInPast(NaiveDate),
    SnoozeClosed,
    NotSnoozed,
}

impl std::fmt::Display for PipelineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PipelineError::ReasonNeeded(kind) => write!(
                f,
                "a {} deal needs a reason (--reason TEXT): why it ended this way",
                kind.key()
            ),
            PipelineError::SnoozeInPast(day) => {
                write!(
                    f,
                    "--until {day} is not after today: snooze until a later day"
                )
            }
            PipelineError::SnoozeClosed => {
                write!(f, "the deal is closed: only open deals stall")
            }
            PipelineError::NotSnoozed => {
                write!(f, "the deal is not snoozed: there is no snooze to lift")
            }
        }
    }
}

/// Record the outcome (`None` reopens the deal, leaving its stage as it
/// is). Lost and disqualified need a reason. A closed deal moves to the
/// outcome's stage (Closed Won, Closed Lost, Disqualified).
pub fn set_outcome(deal: &mut Deal, outcome: Option<Outcome>) -> Result<(), PipelineError> {
    if let Some(o) = &outcome
        && o.kind != OutcomeKind::Won
        && o.reason.trim().is_empty()
    {
        return Err(PipelineError::ReasonNeeded(o.kind));
    }
    if let Some(o) = &outcome {
        deal.stage = o.kind.stage().to_string();
    }
    deal.content.outcome = outcome.map(|o| Outcome {
        reason: o.reason.trim().to_string(),
        lost_to: o.lost_to.trim().to_string(),
        ..o
    });
    Ok(())
}

/// Silence the stalled flag until `until` (after `today`).
pub fn snooze(
    deal: &mut Deal,
    until: NaiveDate,
    reason: &str,
    by: &str,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<(), PipelineError> {
    if deal.content.outcome.is_some() {
        return Err(PipelineError::SnoozeClosed);
    }
    if until <= today {
        return Err(PipelineError::SnoozeInPast(until));
    }
    let last_change = last_activity(deal);
    deal.content.snooze = Some(Snooze {
        until,
        reason: reason.trim().to_string(),
        by: by.trim().to_string(),
        at: now,
        last_change,
    });
    Ok(())
}

/// Lift the snooze in force at `now`: the stalled flag shows again from
/// today (the snooze is kept, ending today, so that lifting it is not
/// counted as a change that ends the quiet days).
pub fn unsnooze(deal: &mut Deal, by: &str, now: DateTime<Utc>) -> Result<(), PipelineError> {
    let Some(snooze) = snooze_in_force(deal, now) else {
        return Err(PipelineError::NotSnoozed);
    };
    let reason = snooze.reason.clone();
    let last_change = last_activity(deal);
    deal.content.snooze = Some(Snooze {
        until: now.date_naive(),
        reason,
        by: by.trim().to_string(),
        at: now,
        last_change,
    });
    Ok(())
}

/// The snooze silencing the stalled flag at `now`: set, not ended by a
/// later change, and its day not yet come.
pub fn snooze_in_force(deal: &Deal, now: DateTime<Utc>) -> Option<&Snooze> {
    deal.content
        .snooze
        .as_ref()
        .filter(|s| s.at >= warnings::changed_at(deal) && now.date_naive() < s.until)
}

/// The forecast category the deal's state supports: Omitted when lost or
/// disqualified, or the verdict is disqualify; Closed when won; Commit when
/// all ten steps are complete, every applicable QA item passes and the
/// verdict is qualified; Best Case when steps 1 to the playbook's number
/// (7) are complete and the verdict is qualified; Pipeline otherwise.
pub fn forecast_category(deal: &Deal, playbook: &Playbook, now: DateTime<Utc>) -> ForecastCategory {
    category_of(
        deal.content.outcome.as_ref().map(|o| o.kind),
        || verdict(&deal.content.meddpicc, playbook),
        deal.steps.iter().take_while(|s| s.is_complete()).count(),
        playbook,
        || {
            qa::checklist(deal, playbook, now)
                .iter()
                .all(|i| i.state.passed())
        },
    )
}

/// [`forecast_category`]'s rule over a deal's figures: its outcome, its
/// verdict (asked for an open deal only), how many steps are complete in a
/// row, and whether every applicable QA item passes (asked only when that
/// decides between Commit and what is below it).
pub fn category_of(
    outcome: Option<OutcomeKind>,
    verdict: impl FnOnce() -> Option<Verdict>,
    done: usize,
    playbook: &Playbook,
    qa_passes: impl FnOnce() -> bool,
) -> ForecastCategory {
    match outcome {
        Some(OutcomeKind::Won) => return ForecastCategory::Closed,
        Some(OutcomeKind::Lost | OutcomeKind::Disqualified) => return ForecastCategory::Omitted,
        None => {}
    }
    let verdict = verdict();
    if verdict == Some(Verdict::Disqualify) {
        return ForecastCategory::Omitted;
    }
    if verdict != Some(Verdict::Qualified) {
        return ForecastCategory::Pipeline;
    }
    let commit = done >= playbook.forecast.commit_from_steps && qa_passes();
    if commit {
        ForecastCategory::Commit
    } else if done >= playbook.forecast.best_case_from_steps {
        ForecastCategory::BestCase
    } else {
        ForecastCategory::Pipeline
    }
}

/// The instant a day starts (UTC), for comparing dates with instants.
fn start_of(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(NaiveTime::MIN).and_utc()
}

/// The deal's last change that was not a snooze (of the stalled flag or
/// of a warning).
pub fn last_activity(deal: &Deal) -> DateTime<Utc> {
    super::warnings::last_activity(deal)
}

/// When the deal counts as stalled if nothing changes: the playbook's days
/// after its last change, or the earliest moment a step in progress passes
/// its SLA (in business days from its start). `None` for a closed deal.
pub fn stalled_from(deal: &Deal, playbook: &Playbook) -> Option<DateTime<Utc>> {
    if deal.content.outcome.is_some() {
        return None;
    }
    let quiet =
        last_activity(deal) + Duration::days(i64::from(playbook.pipeline.stalled_after_days));
    let over_sla = sla_passes(deal, playbook).map(|(_, at)| at).min();
    Some(over_sla.map_or(quiet, |o| o.min(quiet)))
}

/// Each step in progress and the moment it passes its SLA (business days
/// from its start).
fn sla_passes<'a>(
    deal: &'a Deal,
    playbook: &'a Playbook,
) -> impl Iterator<Item = (StepNumber, DateTime<Utc>)> + 'a {
    let holidays = &playbook.targets.holidays;
    deal.steps
        .iter()
        .filter(|s| s.status == StepStatus::InProgress)
        .filter_map(move |s| {
            let started = s.started_at?;
            let sla = playbook.step(s.number).sla_business_days;
            let due = add_business_days(started.date_naive(), sla, holidays);
            Some((s.number, started.max(start_of(due.succ_opt()?))))
        })
}

/// The snooze in force: set, not ended by a later change (a warning's
/// snooze is none).
pub fn snoozed_until(deal: &Deal) -> Option<NaiveDate> {
    deal.content
        .snooze
        .as_ref()
        .filter(|s| s.at >= warnings::changed_at(deal))
        .map(|s| s.until)
}

/// Why a deal is stalled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stall {
    /// Nothing changed on it since `since`, for `days` days.
    Quiet { days: i64, since: DateTime<Utc> },
    /// Step `step` has been in progress past its SLA.
    OverSla { step: StepNumber },
}

impl Stall {
    /// In words: "no change for 9 days (since 2026-11-18)".
    pub fn why(self) -> String {
        match self {
            Stall::Quiet { days, since } => {
                format!(
                    "no change for {} (since {})",
                    crate::text::plural(days, "day", "days"),
                    since.format("%Y-%m-%d")
                )
            }
            Stall::OverSla { step } => format!("step {step} is in progress past its SLA"),
        }
    }

    /// In a few words, for narrow lists: "9 days quiet", "step 3 past SLA".
    pub fn short(self) -> String {
        match self {
            Stall::Quiet { days, .. } => {
                format!("{} quiet", crate::text::plural(days, "day", "days"))
            }
            Stall::OverSla { step } => format!("step {step} past SLA"),
        }
    }
}

/// Whether the deal is stalled at `now` (and not snoozed), and why.
pub fn stall(deal: &Deal, playbook: &Playbook, now: DateTime<Utc>) -> Option<Stall> {
    let from = stalled_from(deal, playbook)?;
    if now < from {
        return None;
    }
    if let Some(until) = snoozed_until(deal)
        && now.date_naive() < until
    {
        return None;
    }
    let days = playbook.pipeline.stalled_after_days;
    let last = last_activity(deal);
    if now >= last + Duration::days(i64::from(days)) {
        return Some(Stall::Quiet {
            days: (now - last).num_days(),
            since: last,
        });
    }
    let step = sla_passes(deal, playbook)
        .filter(|(_, at)| *at <= now)
        .map(|(n, _)| n)
        .next()?;
    Some(Stall::OverSla { step })
}

/// Whether the deal is stalled at `now`, and why, in words.
pub fn stalled(deal: &Deal, playbook: &Playbook, now: DateTime<Utc>) -> Option<String> {
    stall(deal, playbook, now).map(Stall::why)
}

/// When each escalation neither resolved nor withdrawn starts and falls due (blocked-step
/// escalations included, whenever they start), as (start, due) pairs: the
/// list counts the open and overdue ones against its own now.
pub fn escalation_times(deal: &Deal, playbook: &Playbook) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    // far enough ahead that every blocked-step escalation has started
    let far = deal.updated_at + Duration::days(36_500);
    escalation::all(deal, playbook, far)
        .into_iter()
        .filter(|e| !e.status.is_closed())
        .map(|e| (e.raised_at, e.due_at))
        .collect()
}

/// One row of the pipeline list, kept by the store beside the deal and
/// written in the same transaction as every change. Time-dependent flags
/// are stored as instants and compared with `now` when read.
#[derive(Debug, Clone, PartialEq)]
pub struct PipelineRow {
    pub forecast: ForecastCategory,
    pub verdict: Option<Verdict>,
    pub meddpicc_total: u32,
    pub meddpicc_max: u32,
    pub steps_complete: u8,
    pub steps_blocked: u8,
    pub qa_passed: u8,
    pub qa_total: u8,
    /// Start and due time of each escalation not resolved.
    pub escalations: Vec<(DateTime<Utc>, DateTime<Utc>)>,
    pub risk_band: Option<&'static str>,
    pub next_step_due: Option<NaiveDate>,
    pub stalled_from: Option<DateTime<Utc>>,
    pub snoozed_until: Option<NaiveDate>,
    pub outcome: Option<OutcomeKind>,
    /// Waiting on the SA's sign-off of a validation plan.
    pub awaiting_sa: bool,
    /// Over the threshold and waiting on the manager's review.
    pub awaiting_manager: bool,
    /// Who signs the validation plan: its assigned SA, else the deal's.
    pub plan_sa: String,
    /// Each warning kind that fires and the instant it fires from, as the
    /// row keeps it ([`warnings::row_text`]).
    pub warnings: String,
}

/// Whether the deal waits on `reviewer`'s sign-off: open, with something to
/// sign (a validation plan with items for the SA; an amount over the
/// playbook's threshold for the manager) and no current approval. A
/// send-back takes it out of the reviewer's queue until the AE resubmits:
/// for the SA, until the plan differs from the one sent back (a send-back
/// recorded before qualify kept the plan it concerned waits as before); for
/// the manager, until the step the send-back reopened is completed again.
pub fn awaiting(deal: &Deal, reviewer: Reviewer, playbook: &Playbook) -> bool {
    if deal.content.outcome.is_some() {
        return false;
    }
    let to_sign = match reviewer {
        Reviewer::Sa => !deal.content.validation_plan.items.is_empty(),
        Reviewer::Manager => {
            let threshold = Money::from_dollars(playbook.targets.manager_review_over_usd);
            deal.amount.is_some_and(|a| a > threshold)
        }
    };
    if !to_sign {
        return false;
    }
    match standing(deal, reviewer) {
        Standing::Approved(_) => false,
        Standing::Missing | Standing::OutOfDate(..) => true,
        Standing::SentBack(sent) => match reviewer {
            Reviewer::Sa => sent
                .basis
                .as_ref()
                .is_none_or(|plan| *plan != basis(deal, Reviewer::Sa)),
            Reviewer::Manager => deal
                .step(reviewer.step(playbook))
                .and_then(|s| s.completed_at)
                .is_some_and(|done| done > sent.at),
        },
    }
}

/// The deal's pipeline row as of `now` (the QA count and forecast are the
/// ones at the time of the change; the escalations, stalled and snoozed are
/// kept as instants and judged when read).
pub fn summarize(deal: &Deal, playbook: &Playbook, now: DateTime<Utc>) -> PipelineRow {
    let (total, max) = score_total(&deal.content.meddpicc);
    let qa = qa::checklist(deal, playbook, now);
    PipelineRow {
        forecast: forecast_category(deal, playbook, now),
        verdict: verdict(&deal.content.meddpicc, playbook),
        meddpicc_total: total,
        meddpicc_max: max,
        steps_complete: deal.steps_complete() as u8,
        steps_blocked: deal.blocked_steps().count() as u8,
        qa_passed: qa.iter().filter(|i| i.state.passed()).count() as u8,
        qa_total: qa.len() as u8,
        escalations: escalation_times(deal, playbook),
        risk_band: overall_risk_band(&deal.content, playbook).map(|b| b.label()),
        next_step_due: deal
            .content
            .next_steps
            .iter()
            .filter(|n| !n.done)
            .filter_map(|n| n.due)
            .min(),
        stalled_from: stalled_from(deal, playbook),
        snoozed_until: snoozed_until(deal),
        outcome: deal.content.outcome.as_ref().map(|o| o.kind),
        awaiting_sa: awaiting(deal, Reviewer::Sa, playbook),
        awaiting_manager: awaiting(deal, Reviewer::Manager, playbook),
        plan_sa: Reviewer::Sa.assigned(deal).to_string(),
        warnings: warnings::row_text(&warnings::fires_from(deal, playbook)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::content::Element;
    use crate::domain::criteria::apply_step;
    use crate::domain::document::parse_documents;
    use crate::domain::review::{Reviewer, review};
    use crate::domain::step::StepChange;
    use crate::domain::step_number::number;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 27, 10, 0, 0).unwrap()
    }

    /// The complete example deal (verdict qualified), steps 1..=n complete.
    fn fixture(complete: usize) -> (Deal, Playbook) {
        let pb = Playbook::default_playbook();
        let text = include_str!("../../tests/fixtures/complete_deal.json");
        let mut deal = parse_documents(text)
            .unwrap()
            .remove(0)
            .into_deal(&pb, now());
        for step in StepNumber::all().take(complete) {
            apply_step(&mut deal, step, &StepChange::Complete, &pb, now())
                .unwrap_or_else(|e| panic!("step {step}: {e}"));
        }
        (deal, pb)
    }

    fn category(deal: &Deal, pb: &Playbook) -> ForecastCategory {
        forecast_category(deal, pb, now())
    }

    #[test]
    fn forecast_follows_steps_verdict_qa_and_outcome() {
        let (d, pb) = fixture(6);
        assert_eq!(category(&d, &pb), ForecastCategory::Pipeline, "6 steps");
        let (d, pb) = fixture(7);
        assert_eq!(category(&d, &pb), ForecastCategory::BestCase, "7 steps");
        // all ten, but QA fails (a risk without mitigation, no manager review)
        let (mut d, pb) = fixture(10);
        assert_eq!(category(&d, &pb), ForecastCategory::BestCase);
        d.content.risks[1].mitigation = "Lead with references".into();
        review(
            &mut d,
            Reviewer::Manager,
            true,
            "Morgan Lee",
            "",
            &pb,
            now(),
        )
        .unwrap();
        assert!(
            crate::domain::qa::checklist(&d, &pb, now())
                .iter()
                .all(|i| i.state.passed())
        );
        assert_eq!(category(&d, &pb), ForecastCategory::Commit, "QA passes");
        // a weaker verdict takes it back to Pipeline; disqualify omits it
        let champion = d
            .content
            .meddpicc
            .elements
            .get_mut(&Element::Champion)
            .unwrap();
        champion.score = 1;
        assert_eq!(category(&d, &pb), ForecastCategory::Pipeline, "needs work");
        for e in d.content.meddpicc.elements.values_mut() {
            e.score = 0;
        }
        assert_eq!(category(&d, &pb), ForecastCategory::Omitted, "disqualify");
        // an outcome decides it whatever the steps
        let (mut d, pb) = fixture(2);
        let closed = |kind| Outcome {
            kind,
            on: now().date_naive(),
            reason: "r".into(),
            lost_to: String::new(),
        };
        set_outcome(&mut d, Some(closed(OutcomeKind::Won))).unwrap();
        assert_eq!(category(&d, &pb), ForecastCategory::Closed);
        set_outcome(&mut d, Some(closed(OutcomeKind::Lost))).unwrap();
        assert_eq!(category(&d, &pb), ForecastCategory::Omitted);
        set_outcome(&mut d, None).unwrap();
        assert_eq!(category(&d, &pb), ForecastCategory::Pipeline, "open again");
    }

    #[test]
    fn lost_and_disqualified_need_a_reason() {
        let (mut d, _) = fixture(0);
        for kind in [OutcomeKind::Lost, OutcomeKind::Disqualified] {
            let o = Outcome {
                kind,
                on: now().date_naive(),
                reason: "  ".into(),
                lost_to: String::new(),
            };
            assert_eq!(
                set_outcome(&mut d, Some(o)),
                Err(PipelineError::ReasonNeeded(kind))
            );
        }
        assert!(d.content.outcome.is_none());
    }

    #[test]
    fn step_1_s_first_verdict_is_kept_as_the_prediction() {
        let (mut d, pb) = fixture(1);
        let p = d.content.prediction.expect("set on completing step 1");
        assert_eq!(p.verdict, Verdict::Qualified);
        // reopening and completing with a different verdict keeps the first
        apply_step(&mut d, number(1), &StepChange::Reopen, &pb, now()).unwrap();
        d.content
            .meddpicc
            .elements
            .get_mut(&Element::Champion)
            .unwrap()
            .score = 1;
        apply_step(&mut d, number(1), &StepChange::Complete, &pb, now()).unwrap();
        assert_eq!(d.content.prediction.unwrap().verdict, Verdict::Qualified);
    }

    #[test]
    fn stalled_after_seven_quiet_days_or_a_step_past_its_sla() {
        let (mut d, pb) = fixture(0);
        d.updated_at = now();
        let day = Duration::days(1);
        assert_eq!(
            stalled(&d, &pb, now() + day * 7 - Duration::seconds(1)),
            None
        );
        let why = stalled(&d, &pb, now() + day * 7).unwrap();
        assert_eq!(why, "no change for 7 days (since 2026-11-27)");
        // step 1 (SLA 1 business day) started on Friday 27th: due Monday
        // 30th, stalled from Tuesday 1 December
        d.steps[0].status = StepStatus::InProgress;
        d.steps[0].started_at = Some(now());
        let monday_night = Utc.with_ymd_and_hms(2026, 11, 30, 23, 59, 0).unwrap();
        assert_eq!(stalled(&d, &pb, monday_night), None);
        let tuesday = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
        assert_eq!(
            stalled(&d, &pb, tuesday).as_deref(),
            Some("step 1 is in progress past its SLA")
        );
        assert_eq!(stalled_from(&d, &pb), Some(tuesday));
        assert_eq!(stall(&d, &pb, tuesday).unwrap().short(), "step 1 past SLA");
        assert_eq!(
            stall(&d, &pb, now() + day * 8).unwrap().short(),
            "8 days quiet",
            "quiet days win over the SLA once reached"
        );
        // closed deals do not stall
        d.content.outcome = Some(Outcome {
            kind: OutcomeKind::Won,
            on: now().date_naive(),
            reason: String::new(),
            lost_to: String::new(),
        });
        assert_eq!(stalled(&d, &pb, now() + day * 30), None);
    }

    #[test]
    fn a_snooze_silences_until_its_day_and_a_change_ends_it() {
        let (mut d, pb) = fixture(0);
        d.updated_at = now();
        let day = Duration::days(1);
        let later = now() + day * 10; // stalled by then
        assert!(stalled(&d, &pb, later).is_some());
        let until = (now() + day * 14).date_naive();
        assert_eq!(
            snooze(
                &mut d,
                now().date_naive(),
                "x",
                "dana",
                later.date_naive(),
                later
            ),
            Err(PipelineError::SnoozeInPast(now().date_naive()))
        );
        snooze(
            &mut d,
            until,
            "Board meets on the 11th",
            "dana",
            later.date_naive(),
            later,
        )
        .unwrap();
        d.updated_at = later; // the snooze's own change
        assert_eq!(stalled(&d, &pb, later), None, "snoozed");
        // the snooze is not activity: the quiet days still count from before
        assert_eq!(last_activity(&d), now());
        let on_the_day = until.and_hms_opt(0, 0, 0).unwrap().and_utc();
        assert!(stalled(&d, &pb, on_the_day).is_some(), "the snooze ended");
        // a warning snoozed later is no change: the snooze holds
        let warned = later + Duration::hours(1);
        let kind = crate::domain::choices::WarningKind::BudgetShort;
        crate::domain::warnings::snooze(&mut d, kind, until, "r", "dana", &pb, warned).unwrap();
        d.updated_at = warned; // the warning snooze's own change
        assert_eq!(snoozed_until(&d), Some(until));
        assert_eq!(stalled(&d, &pb, warned), None, "still snoozed");
        assert_eq!(last_activity(&d), now(), "neither snooze is activity");
        // a later change ends the snooze (and is activity)
        d.updated_at = later + day;
        assert_eq!(snoozed_until(&d), None);
        assert_eq!(stalled(&d, &pb, later + day * 2), None, "recent change");
    }
}
