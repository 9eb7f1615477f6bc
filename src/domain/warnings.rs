//! Deal warnings: what puts an open deal at risk before it slips, each
//! with its severity, the facts it rests on (`why`) and the step where it
//! is fixed. A pure function of the deal (with the facts of its history it
//! keeps, [`Trail`](super::warning_record::Trail)), the playbook and `now`.
//!
//! Every warning fires from an instant on (a rule over what the deal holds
//! fires from always; one over time, from the day its limit passes) and
//! stays until the deal changes, so that the pipeline row keeps each
//! kind's instant ([`fires_from`]) and the list judges it against its own
//! now, as it does the stalled flag.

use super::choices::{Choice, Level, MilestoneKind, Role, WarningKind};
use super::criteria::{score_total, verdict};
use super::deal::Deal;
use super::forecast::Verdict;
use super::money::Money;
use super::playbook::{CaptureKind, Playbook};
use super::step_number::StepNumber;
use super::warning_record::WarningSnooze;
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};

/// How much a warning weighs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Critical,
}

impl Severity {
    pub fn key(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }
}

impl WarningKind {
    /// The kinds that put the forecast itself in doubt are critical.
    pub fn severity(self) -> Severity {
        match self {
            WarningKind::NoEconomicBuyer
            | WarningKind::CloseBeforePaper
            | WarningKind::CloseDatePushed
            | WarningKind::OpenWhileDisqualified => Severity::Critical,
            _ => Severity::Warning,
        }
    }

    /// What the step where it is fixed captures (`None`: the deal's
    /// current step).
    fn fixed_at(self) -> Option<CaptureKind> {
        Some(match self {
            WarningKind::NoEconomicBuyer
            | WarningKind::EconomicBuyerSilent
            | WarningKind::SingleThreaded
            | WarningKind::ChampionUnconfirmed => CaptureKind::Stakeholders,
            WarningKind::CloseBeforePaper => CaptureKind::DecisionProcess,
            WarningKind::NextStepOverdue | WarningKind::NoNextStep => CaptureKind::NextSteps,
            WarningKind::CloseDatePushed => CaptureKind::Timeline,
            WarningKind::AmountCut | WarningKind::BudgetShort => CaptureKind::Budget,
            WarningKind::UndefendedCompetitor => CaptureKind::Competitors,
            WarningKind::OpenWhileDisqualified => CaptureKind::Scorecard,
            WarningKind::NoActivity => return None,
        })
    }
}

/// One warning on a deal at `now`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub kind: WarningKind,
    pub severity: Severity,
    /// The facts it rests on: names, dates, counts and the limit.
    pub why: String,
    /// The step where it is fixed.
    pub step: StepNumber,
}

/// Why a warning snooze was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WarningError {
    Closed,
    InPast(NaiveDate),
    NotWarned(WarningKind),
    NotSnoozed(WarningKind),
    ReasonNeeded,
}

impl std::fmt::Display for WarningError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WarningError::Closed => write!(f, "the deal is closed: closed deals have no warnings"),
            WarningError::InPast(day) => write!(
                f,
                "--until {day} is not after today: snooze until a later day"
            ),
            WarningError::NotWarned(kind) => write!(
                f,
                "the deal has no {} warning now (`qualify check ID` lists its warnings)",
                kind.key()
            ),
            WarningError::NotSnoozed(kind) => write!(
                f,
                "the {} warning is not snoozed: there is no snooze to lift",
                kind.key()
            ),
            WarningError::ReasonNeeded => {
                write!(
                    f,
                    "a snooze needs a reason (--reason TEXT): why it can wait"
                )
            }
        }
    }
}

/// From always: a rule over what the deal holds.
const ALWAYS: DateTime<Utc> = DateTime::<Utc>::MIN_UTC;

/// The instant a day starts (UTC).
fn start_of(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(NaiveTime::MIN).and_utc()
}

/// The start of the day after `day` plus `limit` days: the first day more
/// than `limit` days after it.
fn past_limit(day: NaiveDate, limit: u32) -> DateTime<Utc> {
    start_of(day) + Duration::days(i64::from(limit) + 1)
}

fn days(n: i64) -> String {
    crate::text::plural(n, "day", "days")
}

/// "2 days ago", "today", "in 3 days".
fn ago(day: NaiveDate, today: NaiveDate) -> String {
    match (today - day).num_days() {
        0 => "today".into(),
        n if n < 0 => format!("in {}", days(-n)),
        n => format!("{} ago", days(n)),
    }
}

/// The deal's last change that was not a snooze (of the stalled flag or of
/// a warning): a snooze keeps the last change before it.
pub fn last_activity(deal: &Deal) -> DateTime<Utc> {
    let warning = deal.content.warning_snoozes.iter();
    match &deal.content.snooze {
        Some(s) if s.at >= deal.updated_at => s.last_change,
        _ => warning
            .filter(|s| s.at >= deal.updated_at)
            .map(|s| s.last_change)
            .min()
            .unwrap_or(deal.updated_at),
    }
}

/// The deal's last change that was not a warning's snooze: a warning
/// snoozed is no change that ends the stalled flag's snooze.
pub fn changed_at(deal: &Deal) -> DateTime<Utc> {
    deal.content
        .warning_snoozes
        .iter()
        .filter(|s| s.at >= deal.updated_at)
        .map(|s| s.last_change)
        .min()
        .unwrap_or(deal.updated_at)
}

/// Each kind that fires on the deal and the instant it fires from, handed
/// to `wanted`; for those it wants, their facts in words at `now` (words
/// are made only for those). Snoozes not applied. Closed deals have none.
fn judge(
    deal: &Deal,
    playbook: &Playbook,
    now: DateTime<Utc>,
    mut wanted: impl FnMut(WarningKind, DateTime<Utc>) -> bool,
) -> Vec<(WarningKind, DateTime<Utc>, String)> {
    let mut out = Vec::new();
    if deal.content.outcome.is_some() {
        return out;
    }
    let rules = &playbook.warnings;
    let today = now.date_naive();
    let c = &deal.content;
    let mut fire = |kind, from, why: &dyn Fn() -> String| {
        if wanted(kind, from) {
            out.push((kind, from, why()));
        }
    };
    let clean = |s: &str| crate::text::clean(s.trim());

    // the buying group
    let buyers: Vec<_> = c
        .stakeholders
        .iter()
        .filter(|s| s.role == Role::EconomicBuyer)
        .collect();
    if buyers.is_empty() {
        fire(WarningKind::NoEconomicBuyer, ALWAYS, &|| {
            format!(
                "No stakeholder has the Economic Buyer role ({} named)",
                crate::text::plural(c.stakeholders.len(), "stakeholder", "stakeholders")
            )
        });
    } else {
        let latest = buyers.iter().max_by_key(|s| s.last_engaged).expect("one");
        let limit = rules.economic_buyer_silent_days;
        match latest.last_engaged {
            None => fire(WarningKind::EconomicBuyerSilent, ALWAYS, &|| {
                format!(
                    "Economic buyer {} has no engagement recorded (limit {limit})",
                    clean(&latest.name)
                )
            }),
            Some(day) => fire(
                WarningKind::EconomicBuyerSilent,
                past_limit(day, limit),
                &|| {
                    format!(
                        "Economic buyer {} last engaged {day}, {} (limit {limit})",
                        clean(&latest.name),
                        ago(day, today)
                    )
                },
            ),
        }
    }
    let needed = rules.min_engaged_stakeholders as usize;
    if needed > 0 {
        let within = rules.engaged_within_days;
        let mut engaged: Vec<_> = c
            .stakeholders
            .iter()
            .filter_map(|s| Some((s.last_engaged?, s.name.as_str())))
            .collect();
        engaged.sort_by_key(|e| std::cmp::Reverse(e.0));
        let from = engaged
            .get(needed - 1)
            .map_or(ALWAYS, |(day, _)| past_limit(*day, within));
        fire(WarningKind::SingleThreaded, from, &|| {
            let now_engaged: Vec<String> = engaged
                .iter()
                .filter(|(day, _)| (today - *day).num_days() <= i64::from(within))
                .map(|(day, name)| format!("{} {day}", clean(name)))
                .collect();
            let names = if now_engaged.is_empty() {
                String::new()
            } else {
                format!(": {}", now_engaged.join(", "))
            };
            format!(
                "{} of {} engaged in the last {}{names}; at least {needed} needed",
                now_engaged.len(),
                crate::text::plural(c.stakeholders.len(), "stakeholder", "stakeholders"),
                days(i64::from(within)),
            )
        });
    }
    let champions: Vec<_> = c
        .stakeholders
        .iter()
        .filter(|s| s.role == Role::Champion)
        .collect();
    if !champions.iter().any(|s| s.confirmed_on.is_some()) {
        fire(WarningKind::ChampionUnconfirmed, ALWAYS, &|| {
            if champions.is_empty() {
                "No stakeholder has the Champion role".to_string()
            } else {
                let names: Vec<String> = champions.iter().map(|s| clean(&s.name)).collect();
                format!(
                    "No champion has a confirmation date (champions: {})",
                    names.join(", ")
                )
            }
        });
    }

    // dates
    if let Some(close) = deal.close_date
        && let Some(paper) = c
            .decision_process
            .iter()
            .filter(|m| m.kind == MilestoneKind::Paper && !m.done)
            .filter(|m| m.due.is_some_and(|due| due > close))
            .max_by_key(|m| m.due)
    {
        fire(WarningKind::CloseBeforePaper, ALWAYS, &|| {
            format!(
                "Close date {close} is before paper milestone \"{}\", due {}",
                clean(&paper.name),
                paper.due.expect("filtered on its due date")
            )
        });
    }
    let open_steps: Vec<_> = c.next_steps.iter().filter(|n| !n.done).collect();
    if open_steps.is_empty() {
        fire(WarningKind::NoNextStep, ALWAYS, &|| {
            format!("No open next step ({} done)", c.next_steps.len())
        });
    } else if let Some(first) = open_steps
        .iter()
        .filter(|n| n.due.is_some())
        .min_by_key(|n| n.due)
    {
        let due = first.due.expect("filtered on its due date");
        fire(WarningKind::NextStepOverdue, past_limit(due, 0), &|| {
            let overdue = open_steps
                .iter()
                .filter(|n| n.due.is_some_and(|d| d < today))
                .count();
            let more = if overdue > 1 {
                format!(" ({overdue} overdue)")
            } else {
                String::new()
            };
            format!(
                "Next step \"{}\" was due {due}, {}{more}",
                clean(&first.action),
                ago(due, today)
            )
        });
    }
    let last = last_activity(deal);
    let limit = rules.no_activity_days;
    fire(
        WarningKind::NoActivity,
        past_limit(last.date_naive(), limit),
        &|| {
            format!(
                "No change since {}, {} (limit {limit})",
                last.date_naive(),
                ago(last.date_naive(), today)
            )
        },
    );

    // the history's facts
    let pushes = &c.trail.close_pushed_on;
    if pushes.len() >= rules.close_date_pushes as usize {
        fire(WarningKind::CloseDatePushed, ALWAYS, &|| {
            let on: Vec<String> = pushes.iter().map(ToString::to_string).collect();
            let close = deal
                .close_date
                .map_or("none".to_string(), |d| d.to_string());
            format!(
                "Close date pushed later on {} ({}), limit {}; now {close}",
                days(pushes.len() as i64),
                on.join(", "),
                rules.close_date_pushes
            )
        });
    }
    if let (Some(amount), Some(highest)) = (deal.amount, c.trail.highest_amount) {
        let cut = i128::from(highest.cents() - amount.cents()) * 100;
        if highest.cents() > 0
            && cut > i128::from(highest.cents()) * i128::from(rules.amount_cut_percent)
        {
            let percent = cut / i128::from(highest.cents());
            fire(WarningKind::AmountCut, ALWAYS, &|| {
                format!(
                    "Amount {amount} is {percent}% below its highest, {highest} (limit {}%)",
                    rules.amount_cut_percent
                )
            });
        }
    }

    // competition, budget, verdict
    if let Some(rival) = c
        .competitors
        .iter()
        .find(|r| r.threat == Level::High && r.differentiators.trim().is_empty())
    {
        fire(WarningKind::UndefendedCompetitor, ALWAYS, &|| {
            format!(
                "High-threat competitor {} ({}) has no differentiators",
                clean(&rival.name),
                rival.position.label()
            )
        });
    }
    if let (Some(budget), Some(confirmed), Some(value)) = (
        c.budget.amount,
        c.budget.confirmed_on,
        deal.first_year_value(),
    ) && budget < value
    {
        fire(WarningKind::BudgetShort, ALWAYS, &|| {
            format!("Budget {budget} (confirmed {confirmed}) is below the first-year value {value}")
        });
    }
    if verdict(&c.meddpicc, playbook) == Some(Verdict::Disqualify) {
        fire(WarningKind::OpenWhileDisqualified, ALWAYS, &|| {
            let (total, max) = score_total(&c.meddpicc);
            format!(
                "The step-1 verdict is disqualify (MEDDPICC {total}/{max}) and the deal is still open"
            )
        });
    }
    out
}

/// Note on the deal's trail a change made on `today`, the deal's amount
/// and close date having been `before` it: every path that changes them
/// calls this, so that the history's facts the warnings need are kept.
pub fn note_change(deal: &mut Deal, before: (Option<Money>, Option<NaiveDate>), today: NaiveDate) {
    let after = (deal.amount, deal.close_date);
    deal.content.trail.note(before, after, today);
}

/// The snooze of `kind` in force at `now`, if any (the latest one set,
/// before its day).
pub fn snooze_in_force(
    deal: &Deal,
    kind: WarningKind,
    now: DateTime<Utc>,
) -> Option<&WarningSnooze> {
    latest_snooze(deal, kind).filter(|s| now.date_naive() < s.until)
}

fn latest_snooze(deal: &Deal, kind: WarningKind) -> Option<&WarningSnooze> {
    deal.content
        .warning_snoozes
        .iter()
        .filter(|s| s.kind == kind)
        .max_by_key(|s| s.at)
}

/// The deal's warnings at `now`, not snoozed, in the kinds' order.
pub fn warnings(deal: &Deal, playbook: &Playbook, now: DateTime<Utc>) -> Vec<Warning> {
    judge(deal, playbook, now, |kind, from| {
        from <= now && snooze_in_force(deal, kind, now).is_none()
    })
    .into_iter()
    .map(|(kind, _, why)| Warning {
        kind,
        severity: kind.severity(),
        why,
        step: kind
            .fixed_at()
            .map(|capture| playbook.step_capturing(capture).number)
            .or_else(|| deal.current_step())
            .unwrap_or(StepNumber::first()),
    })
    .collect()
}

/// Each kind that fires on the deal as it stands and the instant it fires
/// from (a snooze moves it to its day): what the pipeline row keeps, so
/// that the list judges warnings against its own now. For every `now`,
/// the kinds whose instant is at or before it are [`warnings`]' kinds.
pub fn fires_from(deal: &Deal, playbook: &Playbook) -> Vec<(WarningKind, DateTime<Utc>)> {
    let mut fires = Vec::new();
    // no words are needed: every kind is noted and none is wanted
    judge(deal, playbook, deal.updated_at, |kind, from| {
        let snoozed = latest_snooze(deal, kind).map_or(ALWAYS, |s| start_of(s.until));
        fires.push((kind, from.max(snoozed)));
        false
    });
    fires
}

/// The pipeline row's text of [`fires_from`]: a JSON object of each kind's
/// key and the Unix second it fires from (`{}`: none), which both engines'
/// SQL read by key.
pub fn row_text(fires: &[(WarningKind, DateTime<Utc>)]) -> String {
    let fields: Vec<String> = fires
        .iter()
        .map(|(kind, from)| format!("\"{}\":{}", kind.key(), from.timestamp()))
        .collect();
    format!("{{{}}}", fields.join(","))
}

/// The kinds a pipeline row's text says fire at `now`, in the kinds' order
/// (a text not of [`row_text`]'s form: none).
pub fn row_kinds(text: &str, now: DateTime<Utc>) -> Vec<WarningKind> {
    let Ok(map) = serde_json::from_str::<std::collections::BTreeMap<String, i64>>(text) else {
        return Vec::new();
    };
    WarningKind::ALL
        .iter()
        .copied()
        .filter(|k| {
            map.get(k.key())
                .is_some_and(|from| *from <= now.timestamp())
        })
        .collect()
}

/// Silence the `kind` warning until `until` (after `today`): it must fire
/// now, and the snooze needs a reason.
pub fn snooze(
    deal: &mut Deal,
    kind: WarningKind,
    until: NaiveDate,
    reason: &str,
    by: &str,
    playbook: &Playbook,
    now: DateTime<Utc>,
) -> Result<(), WarningError> {
    if deal.content.outcome.is_some() {
        return Err(WarningError::Closed);
    }
    if until <= now.date_naive() {
        return Err(WarningError::InPast(until));
    }
    if reason.trim().is_empty() {
        return Err(WarningError::ReasonNeeded);
    }
    if !warnings(deal, playbook, now).iter().any(|w| w.kind == kind) {
        return Err(WarningError::NotWarned(kind));
    }
    set_snooze(deal, kind, until, reason, by, now);
    Ok(())
}

/// Lift the snooze of `kind` in force at `now`: the warning shows again
/// from today (the snooze is kept, ending today, in the history).
pub fn unsnooze(
    deal: &mut Deal,
    kind: WarningKind,
    by: &str,
    now: DateTime<Utc>,
) -> Result<(), WarningError> {
    let Some(s) = snooze_in_force(deal, kind, now) else {
        return Err(WarningError::NotSnoozed(kind));
    };
    let reason = s.reason.clone();
    set_snooze(deal, kind, now.date_naive(), &reason, by, now);
    Ok(())
}

/// Keep one snooze per kind: the newest replaces the kind's older one.
fn set_snooze(
    deal: &mut Deal,
    kind: WarningKind,
    until: NaiveDate,
    reason: &str,
    by: &str,
    now: DateTime<Utc>,
) {
    let last_change = last_activity(deal);
    let snoozes = &mut deal.content.warning_snoozes;
    snoozes.retain(|s| s.kind != kind);
    snoozes.push(WarningSnooze {
        kind,
        until,
        reason: reason.trim().to_string(),
        by: by.trim().to_string(),
        at: now,
        last_change,
    });
    snoozes.sort_by_key(|s| WarningKind::ALL.iter().position(|k| *k == s.kind));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::choices::{Element, Level};
    use crate::domain::document::parse_documents;
    use crate::domain::forecast::{Outcome, OutcomeKind};
    use chrono::TimeZone;

    fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, 10, 0, 0).unwrap()
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    /// The complete example deal as of 2026-11-27, changed then, with a
    /// budget above its first-year value: no warnings.
    fn fixture() -> (Deal, Playbook) {
        let pb = Playbook::default_playbook();
        let text = include_str!("../../tests/fixtures/complete_deal.json");
        let mut deal = parse_documents(text)
            .unwrap()
            .remove(0)
            .into_deal(&pb, at(2026, 11, 27));
        deal.updated_at = at(2026, 11, 27);
        let value = deal.first_year_value().unwrap();
        deal.content.budget.amount = Some(Money::from_cents(value.cents() + 100_000));
        (deal, pb)
    }

    fn kinds(deal: &Deal, pb: &Playbook, now: DateTime<Utc>) -> Vec<WarningKind> {
        warnings(deal, pb, now)
            .into_iter()
            .map(|w| w.kind)
            .collect()
    }

    fn why(deal: &Deal, pb: &Playbook, now: DateTime<Utc>, kind: WarningKind) -> String {
        warnings(deal, pb, now)
            .into_iter()
            .find(|w| w.kind == kind)
            .unwrap_or_else(|| panic!("{kind:?} should fire"))
            .why
    }

    const NOW: fn() -> DateTime<Utc> = || at(2026, 11, 27);

    #[test]
    fn the_example_deal_has_none() {
        let (d, pb) = fixture();
        assert_eq!(kinds(&d, &pb, NOW()), []);
    }

    #[test]
    fn no_economic_buyer() {
        let (mut d, pb) = fixture();
        d.content.stakeholders[0].role = Role::Coach;
        let w = &warnings(&d, &pb, NOW())[0];
        assert_eq!(w.kind, WarningKind::NoEconomicBuyer);
        assert_eq!(w.severity, Severity::Critical);
        assert_eq!(w.step.get(), 2, "fixed at the stakeholders' step");
        assert_eq!(
            w.why,
            "No stakeholder has the Economic Buyer role (3 stakeholders named)"
        );
    }

    #[test]
    fn economic_buyer_silent_after_the_playbook_s_days() {
        let (d, mut pb) = fixture();
        // last engaged 2026-11-23: 14 days later is within the limit
        assert!(!kinds(&d, &pb, at(2026, 12, 7)).contains(&WarningKind::EconomicBuyerSilent));
        assert_eq!(
            why(&d, &pb, at(2026, 12, 8), WarningKind::EconomicBuyerSilent),
            "Economic buyer Tom Hale last engaged 2026-11-23, 15 days ago (limit 14)"
        );
        pb.warnings.economic_buyer_silent_days = 15;
        assert!(!kinds(&d, &pb, at(2026, 12, 8)).contains(&WarningKind::EconomicBuyerSilent));
    }

    #[test]
    fn single_threaded_when_fewer_than_two_engaged_in_thirty_days() {
        let (d, pb) = fixture();
        // engaged 11-26, 11-25, 11-23: the second most recent is 11-25
        assert!(!kinds(&d, &pb, at(2026, 12, 25)).contains(&WarningKind::SingleThreaded));
        assert_eq!(
            why(&d, &pb, at(2026, 12, 26), WarningKind::SingleThreaded),
            "1 of 3 stakeholders engaged in the last 30 days: Priya Raman 2026-11-26; at least 2 needed"
        );
        let (mut d, mut pb) = fixture();
        d.content.stakeholders.truncate(1);
        assert!(kinds(&d, &pb, NOW()).contains(&WarningKind::SingleThreaded));
        pb.warnings.min_engaged_stakeholders = 1;
        assert!(!kinds(&d, &pb, NOW()).contains(&WarningKind::SingleThreaded));
    }

    #[test]
    fn champion_unconfirmed_without_a_confirmation_date() {
        let (mut d, pb) = fixture();
        d.content.stakeholders[1].confirmed_on = None;
        assert_eq!(
            why(&d, &pb, NOW(), WarningKind::ChampionUnconfirmed),
            "No champion has a confirmation date (champions: Priya Raman)"
        );
        d.content.stakeholders[1].role = Role::Coach;
        assert_eq!(
            why(&d, &pb, NOW(), WarningKind::ChampionUnconfirmed),
            "No stakeholder has the Champion role"
        );
    }

    #[test]
    fn close_before_an_open_paper_milestone() {
        let (mut d, pb) = fixture();
        // the Signature milestone is due 2027-03-20
        d.close_date = Some(day("2027-03-20"));
        assert_eq!(kinds(&d, &pb, NOW()), []);
        d.close_date = Some(day("2027-03-19"));
        assert_eq!(
            why(&d, &pb, NOW(), WarningKind::CloseBeforePaper),
            "Close date 2027-03-19 is before paper milestone \"Signature\", due 2027-03-20"
        );
        d.content.decision_process[3].done = true;
        assert_eq!(kinds(&d, &pb, NOW()), [], "a milestone done is no obstacle");
    }

    #[test]
    fn next_step_overdue_the_day_after_it_was_due() {
        let (d, pb) = fixture();
        assert_eq!(kinds(&d, &pb, at(2026, 12, 1)), []);
        assert_eq!(
            why(&d, &pb, at(2026, 12, 2), WarningKind::NextStepOverdue),
            "Next step \"Send security questionnaire\" was due 2026-12-01, 1 day ago"
        );
    }

    #[test]
    fn no_next_step_when_every_one_is_done() {
        let (mut d, pb) = fixture();
        d.content.next_steps[0].done = true;
        assert_eq!(kinds(&d, &pb, at(2026, 12, 2)), [WarningKind::NoNextStep]);
        assert_eq!(
            why(&d, &pb, NOW(), WarningKind::NoNextStep),
            "No open next step (1 done)"
        );
    }

    #[test]
    fn no_activity_after_the_playbook_s_days() {
        let (mut d, mut pb) = fixture();
        d.content.next_steps[0].due = None;
        d.content
            .stakeholders
            .iter_mut()
            .for_each(|s| s.last_engaged = Some(day("2026-12-20")));
        assert_eq!(kinds(&d, &pb, at(2026, 12, 11)), []);
        assert_eq!(
            why(&d, &pb, at(2026, 12, 12), WarningKind::NoActivity),
            "No change since 2026-11-27, 15 days ago (limit 14)"
        );
        pb.warnings.no_activity_days = 15;
        assert_eq!(kinds(&d, &pb, at(2026, 12, 12)), []);
    }

    #[test]
    fn close_date_pushed_on_two_days() {
        let (mut d, pb) = fixture();
        let m = d.amount;
        let (a, b, c) = (
            Some(day("2027-03-31")),
            Some(day("2027-04-30")),
            Some(day("2027-05-31")),
        );
        d.content.trail.note((m, a), (m, b), day("2026-11-02"));
        d.content.trail.note((m, b), (m, c), day("2026-11-02"));
        assert_eq!(
            kinds(&d, &pb, NOW()),
            [],
            "two pushes on one day count once"
        );
        d.content.trail.note((m, c), (m, a), day("2026-11-03"));
        d.content.trail.note((m, a), (m, b), day("2026-11-04"));
        let w = &warnings(&d, &pb, NOW())[0];
        assert_eq!(
            (w.kind, w.severity),
            (WarningKind::CloseDatePushed, Severity::Critical)
        );
        assert_eq!(
            w.why,
            "Close date pushed later on 2 days (2026-11-02, 2026-11-04), limit 2; now 2027-03-31"
        );
    }

    #[test]
    fn amount_cut_more_than_the_playbook_s_share_below_its_highest() {
        let (mut d, pb) = fixture();
        let close = d.close_date;
        let was = d.amount;
        let cut = |to| Some(Money::from_dollars(to));
        d.content
            .trail
            .note((was, close), (cut(240_000), close), NOW().date_naive());
        d.amount = cut(240_000);
        assert_eq!(kinds(&d, &pb, NOW()), [], "exactly 20% below");
        d.amount = cut(239_999);
        assert_eq!(kinds(&d, &pb, NOW()), [WarningKind::AmountCut]);
        d.amount = cut(200_000);
        assert_eq!(
            why(&d, &pb, NOW(), WarningKind::AmountCut),
            "Amount $200,000 is 33% below its highest, $300,000 (limit 20%)"
        );
    }

    #[test]
    fn undefended_competitor_only_when_the_threat_is_high() {
        let (mut d, pb) = fixture();
        d.content.competitors[1].differentiators.clear();
        assert_eq!(kinds(&d, &pb, NOW()), [], "Spreadsheets is a low threat");
        d.content.competitors[0].differentiators = "  ".into();
        assert_eq!(
            why(&d, &pb, NOW(), WarningKind::UndefendedCompetitor),
            "High-threat competitor Globex (shortlisted) has no differentiators"
        );
        d.content.competitors[0].threat = Level::Medium;
        assert_eq!(kinds(&d, &pb, NOW()), []);
    }

    #[test]
    fn budget_short_of_the_first_year_value_once_confirmed() {
        let (mut d, pb) = fixture();
        let value = d.first_year_value().unwrap();
        d.content.budget.amount = Some(value);
        assert_eq!(kinds(&d, &pb, NOW()), []);
        d.content.budget.amount = Some(Money::from_cents(value.cents() - 100));
        assert_eq!(
            why(&d, &pb, NOW(), WarningKind::BudgetShort),
            format!(
                "Budget {} (confirmed 2026-11-24) is below the first-year value {value}",
                Money::from_cents(value.cents() - 100)
            )
        );
        d.content.budget.confirmed_on = None;
        assert_eq!(kinds(&d, &pb, NOW()), [], "not confirmed");
    }

    #[test]
    fn open_while_disqualified_and_closed_deals_have_none() {
        let (mut d, pb) = fixture();
        d.content
            .meddpicc
            .elements
            .get_mut(&Element::Champion)
            .unwrap()
            .score = 1;
        assert!(!kinds(&d, &pb, NOW()).contains(&WarningKind::OpenWhileDisqualified));
        for e in d.content.meddpicc.elements.values_mut() {
            e.score = 0;
        }
        let w = &warnings(&d, &pb, NOW())[0];
        assert_eq!(w.kind, WarningKind::OpenWhileDisqualified);
        assert_eq!(w.step.get(), 1);
        assert_eq!(
            w.why,
            "The step-1 verdict is disqualify (MEDDPICC 0/24) and the deal is still open"
        );
        d.content.stakeholders.clear();
        d.content.outcome = Some(Outcome {
            kind: OutcomeKind::Lost,
            on: NOW().date_naive(),
            reason: "price".into(),
            lost_to: String::new(),
        });
        assert_eq!(kinds(&d, &pb, at(2027, 6, 1)), [], "closed");
        assert_eq!(fires_from(&d, &pb), []);
    }

    /// Deals with several warnings, some of them over time.
    fn varied() -> Vec<(Deal, Playbook)> {
        let mut out = vec![fixture()];
        let (mut d, pb) = fixture();
        d.content.stakeholders[1].last_engaged = Some(day("2026-10-01"));
        d.content.next_steps[0].due = Some(day("2026-11-20"));
        out.push((d, pb));
        let (mut d, pb) = fixture();
        d.content.competitors[0].differentiators.clear();
        d.content.stakeholders[0].last_engaged = None;
        d.content.next_steps.clear();
        out.push((d, pb));
        out
    }

    #[test]
    fn the_row_s_instants_give_the_same_warnings_as_the_rule_on_any_day() {
        for (i, (mut d, pb)) in varied().into_iter().enumerate() {
            if i == 1 {
                let until = day("2026-12-15");
                snooze(
                    &mut d,
                    WarningKind::NextStepOverdue,
                    until,
                    "waiting",
                    "dana",
                    &pb,
                    NOW(),
                )
                .unwrap();
            }
            let from = fires_from(&d, &pb);
            for n in 0..80 {
                let now = NOW() + Duration::hours(7 * n);
                let mut by_row: Vec<WarningKind> = from
                    .iter()
                    .filter(|(_, f)| *f <= now)
                    .map(|(k, _)| *k)
                    .collect();
                by_row.sort_by_key(|k| WarningKind::ALL.iter().position(|x| x == k));
                assert_eq!(by_row, kinds(&d, &pb, now), "deal {i} at {now}");
            }
        }
    }

    #[test]
    fn the_row_s_text_gives_the_kinds_that_fire_at_now() {
        let (mut d, pb) = fixture();
        d.content.next_steps[0].due = Some(day("2026-11-30"));
        d.content.competitors[0].differentiators.clear();
        let text = row_text(&fires_from(&d, &pb));
        assert!(text.starts_with('{') && text.contains("\"undefended_competitor\":"));
        assert_eq!(row_kinds(&text, NOW()), [WarningKind::UndefendedCompetitor]);
        assert_eq!(
            row_kinds(&text, at(2026, 12, 1)),
            kinds(&d, &pb, at(2026, 12, 1))
        );
        assert_eq!(row_kinds("{}", NOW()), []);
        assert_eq!(row_kinds("", NOW()), [], "an older row: none");
    }

    #[test]
    fn a_snooze_silences_one_kind_until_its_day() {
        let (mut d, pb) = fixture();
        d.content.next_steps[0].due = Some(day("2026-11-20"));
        d.content.competitors[0].differentiators.clear();
        let kind = WarningKind::NextStepOverdue;
        assert_eq!(
            kinds(&d, &pb, NOW()),
            [kind, WarningKind::UndefendedCompetitor]
        );
        let until = day("2026-12-04");
        assert_eq!(
            snooze(&mut d, kind, NOW().date_naive(), "r", "dana", &pb, NOW()),
            Err(WarningError::InPast(NOW().date_naive()))
        );
        assert_eq!(
            snooze(&mut d, kind, until, " ", "dana", &pb, NOW()),
            Err(WarningError::ReasonNeeded)
        );
        assert_eq!(
            snooze(
                &mut d,
                WarningKind::AmountCut,
                until,
                "r",
                "dana",
                &pb,
                NOW()
            ),
            Err(WarningError::NotWarned(WarningKind::AmountCut))
        );
        let next_day = at(2026, 11, 28);
        snooze(&mut d, kind, until, "Buyer on leave", "dana", &pb, next_day).unwrap();
        d.updated_at = next_day; // the snooze's own change
        assert_eq!(
            kinds(&d, &pb, at(2026, 12, 3)),
            [WarningKind::UndefendedCompetitor]
        );
        assert_eq!(last_activity(&d), NOW(), "a snooze is not activity");
        assert_eq!(
            kinds(&d, &pb, at(2026, 12, 4)),
            [kind, WarningKind::UndefendedCompetitor]
        );
        // lifted early, it shows again from today
        let later = at(2026, 11, 30);
        unsnooze(&mut d, kind, "dana", later).unwrap();
        assert!(kinds(&d, &pb, later).contains(&kind));
        assert_eq!(
            unsnooze(&mut d, kind, "dana", later),
            Err(WarningError::NotSnoozed(kind))
        );
        assert_eq!(d.content.warning_snoozes.len(), 1, "one snooze a kind");
        d.content.outcome = Some(Outcome {
            kind: OutcomeKind::Won,
            on: later.date_naive(),
            reason: String::new(),
            lost_to: String::new(),
        });
        assert_eq!(
            snooze(&mut d, kind, until, "r", "dana", &pb, later),
            Err(WarningError::Closed)
        );
    }
}
