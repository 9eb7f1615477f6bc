//! The procedure's metrics dashboard: qualification accuracy, process
//! adherence, time per step, win-rate impact and stage progression
//! velocity, for the team or one owner over a range of days. Deals are fed
//! one at a time into a [`Tally`], so nothing needs holding in memory.
//! Each definition is stated in the README.

use super::calendar::is_business_day;
use super::deal::Deal;
use super::forecast::{OutcomeKind, Verdict};
use super::playbook::Playbook;
use super::step_number::StepNumber;
use chrono::{DateTime, Duration, NaiveDate, Utc};

/// Days from `from` to `to`, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Range {
    pub fn contains(&self, day: NaiveDate) -> bool {
        self.from <= day && day <= self.to
    }

    /// The last `days` days up to `today`.
    pub fn last(days: i64, today: NaiveDate) -> Range {
        Range {
            from: today - Duration::days(days - 1),
            to: today,
        }
    }

    /// The weeks (Monday to Sunday) that overlap the range, oldest first,
    /// each cut to the range.
    pub fn weeks(&self) -> Vec<Range> {
        use chrono::Datelike;
        let mut out = Vec::new();
        let mut start = self.from;
        while start <= self.to {
            let to_sunday = 6 - i64::from(start.weekday().num_days_from_monday());
            let end = (start + Duration::days(to_sunday)).min(self.to);
            out.push(Range {
                from: start,
                to: end,
            });
            start = end + Duration::days(1);
        }
        out
    }
}

/// Whether a value meets its target: above it, at least it, or below it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Goal {
    Above,
    AtLeast,
    Below,
}

/// One metric as the dashboard shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Metric {
    /// The JSON key (`qualification_accuracy`).
    pub key: &'static str,
    pub title: &'static str,
    /// `None` when there is no data.
    pub value: Option<f64>,
    pub target: f64,
    pub goal: Goal,
    /// "%", "points" or "days".
    pub unit: &'static str,
    /// How many deals, steps or stage changes it rests on.
    pub count: usize,
    /// Who owns it and how often it is measured (the procedure's words).
    pub owner: &'static str,
    pub frequency: &'static str,
}

impl Metric {
    pub fn met(&self) -> Option<bool> {
        let v = self.value?;
        Some(match self.goal {
            Goal::Above => v > self.target,
            Goal::AtLeast => v >= self.target,
            Goal::Below => v < self.target,
        })
    }

    /// The target in words: "> 80%", "< 14 days".
    pub fn target_text(&self) -> String {
        let sign = match self.goal {
            Goal::Above => ">",
            Goal::AtLeast => "≥",
            Goal::Below => "<",
        };
        // a target of one counts in the singular: "< 1 day", "> +1 point"
        let unit = if self.target == 1.0 {
            self.unit.trim_end_matches('s')
        } else {
            self.unit
        };
        match unit {
            "%" => format!("{sign} {}%", self.target),
            "points" | "point" => format!("{sign} +{} {unit}", self.target),
            unit => format!("{sign} {} {unit}", self.target),
        }
    }

    /// The value in words, or "no data".
    pub fn value_text(&self) -> String {
        match (self.value, self.unit) {
            (None, _) => "no data".into(),
            (Some(v), "%") => format!("{v:.1}%"),
            (Some(v), "points") => format!("{v:+.1} points"),
            (Some(v), unit) => format!("{v:.1} {unit}"),
        }
    }
}

impl Metric {
    /// What the value rests on, in words: "3 deals", "1 step", "12 stage
    /// changes".
    pub fn count_text(&self) -> String {
        let (one, many) = match self.key {
            "process_adherence" | "time_per_step" => ("step", "steps"),
            "stage_velocity" => ("stage change", "stage changes"),
            _ => ("deal", "deals"),
        };
        format!(
            "{} {}",
            self.count,
            if self.count == 1 { one } else { many }
        )
    }
}

/// Time per step for one step of the procedure.
#[derive(Debug, Clone, PartialEq)]
pub struct StepTime {
    pub step: StepNumber,
    /// Median business hours from start to first completion.
    pub median_hours: Option<f64>,
    pub sla_hours: f64,
    pub within_sla: usize,
    pub count: usize,
}

/// The five metrics, and time per step for each step.
#[derive(Debug, Clone, PartialEq)]
pub struct Metrics {
    pub range: Range,
    pub qualification_accuracy: Metric,
    pub process_adherence: Metric,
    pub time_per_step: Metric,
    pub steps: Vec<StepTime>,
    pub win_rate_impact: Metric,
    pub stage_velocity: Metric,
}

impl Metrics {
    /// The five metrics in the procedure's order.
    pub fn all(&self) -> [&Metric; 5] {
        [
            &self.qualification_accuracy,
            &self.process_adherence,
            &self.time_per_step,
            &self.win_rate_impact,
            &self.stage_velocity,
        ]
    }
}

/// Hours between `start` and `end` that fall on business days (weekends and
/// the playbook's holidays do not count).
pub fn business_hours(start: DateTime<Utc>, end: DateTime<Utc>, holidays: &[NaiveDate]) -> f64 {
    if end <= start {
        return 0.0;
    }
    let mut total = 0i64;
    let mut at = start;
    while at < end {
        let day = at.date_naive();
        let next_day = (day + Duration::days(1))
            .and_hms_opt(0, 0, 0)
            .expect("midnight exists")
            .and_utc();
        let until = next_day.min(end);
        if is_business_day(day, holidays) {
            total += (until - at).num_seconds();
        }
        at = until;
    }
    total as f64 / 3600.0
}

fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let n = values.len();
    Some(if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    })
}

fn percent(part: usize, whole: usize) -> Option<f64> {
    (whole > 0).then(|| 100.0 * part as f64 / whole as f64)
}

/// Counts the metrics over deals fed one at a time.
#[derive(Debug, Clone)]
pub struct Tally {
    range: Range,
    predicted: usize,
    predicted_right: usize,
    steps_done: usize,
    steps_adherent: usize,
    step_hours: Vec<Vec<f64>>,
    step_within: Vec<usize>,
    with_procedure: (usize, usize),
    without_procedure: (usize, usize),
    stage_days: Vec<f64>,
}

impl Tally {
    pub fn new(range: Range) -> Tally {
        Tally {
            range,
            predicted: 0,
            predicted_right: 0,
            steps_done: 0,
            steps_adherent: 0,
            step_hours: vec![Vec::new(); 10],
            step_within: vec![0; 10],
            with_procedure: (0, 0),
            without_procedure: (0, 0),
            stage_days: Vec::new(),
        }
    }

    /// Count one deal; `stage_changes` are the instants its stage changed
    /// (from the history), in any order.
    pub fn add(&mut self, deal: &Deal, stage_changes: &[DateTime<Utc>], playbook: &Playbook) {
        let range = self.range;
        let outcome = deal.content.outcome.as_ref();
        // qualification accuracy: closed in range, with a prediction
        if let (Some(o), Some(p)) = (outcome, deal.content.prediction)
            && range.contains(o.on)
        {
            self.predicted += 1;
            let right = match p.verdict {
                Verdict::Qualified => o.kind == OutcomeKind::Won,
                Verdict::NeedsWork | Verdict::Disqualify => o.kind != OutcomeKind::Won,
            };
            self.predicted_right += usize::from(right);
        }
        // process adherence and time per step: steps first completed in range
        let first = |n: StepNumber| deal.step(n).and_then(|s| s.first_completed_at);
        for step in &deal.steps {
            let Some(done) = step.first_completed_at else {
                continue;
            };
            if !range.contains(done.date_naive()) {
                continue;
            }
            self.steps_done += 1;
            let after_previous = step
                .number
                .previous()
                .is_none_or(|previous| first(previous).is_some_and(|p| p <= done));
            let criteria_hold = super::criteria::holds(step.number, deal, playbook);
            let rushed = super::rushing::rushed(deal, step.number, playbook).is_some();
            self.steps_adherent += usize::from(after_previous && criteria_hold && !rushed);
            if let Some(start) = step.started_at {
                let hours = business_hours(start, done, &playbook.targets.holidays);
                let sla = f64::from(playbook.step(step.number).sla_business_days) * 24.0;
                let i = step.number.index();
                self.step_hours[i].push(hours);
                self.step_within[i] += usize::from(hours <= sla);
            }
        }
        // win-rate impact: won or lost in range, with or without all ten
        // steps completed before closing
        if let Some(o) = outcome
            && o.kind != OutcomeKind::Disqualified
            && range.contains(o.on)
        {
            let walked = deal.steps.iter().all(|s| {
                s.is_complete() && s.first_completed_at.is_some_and(|d| d.date_naive() <= o.on)
            });
            let group = if walked {
                &mut self.with_procedure
            } else {
                &mut self.without_procedure
            };
            group.0 += usize::from(o.kind == OutcomeKind::Won);
            group.1 += 1;
        }
        // stage velocity: days between consecutive stage changes in range
        let mut times: Vec<DateTime<Utc>> = stage_changes.to_vec();
        times.sort();
        let mut previous = deal.created_at;
        for t in times {
            if range.contains(t.date_naive()) {
                self.stage_days
                    .push((t - previous).num_seconds() as f64 / 86_400.0);
            }
            previous = t;
        }
    }

    pub fn finish(mut self, playbook: &Playbook) -> Metrics {
        let t = &playbook.targets;
        let steps: Vec<StepTime> = StepNumber::all()
            .map(|n| {
                let i = n.index();
                let count = self.step_hours[i].len();
                StepTime {
                    step: n,
                    median_hours: median(&mut self.step_hours[i]),
                    sla_hours: f64::from(playbook.step(n).sla_business_days) * 24.0,
                    within_sla: self.step_within[i],
                    count,
                }
            })
            .collect();
        let timed: usize = steps.iter().map(|s| s.count).sum();
        let within: usize = steps.iter().map(|s| s.within_sla).sum();
        let rate = |(won, all): (usize, usize)| percent(won, all);
        let impact = match (rate(self.with_procedure), rate(self.without_procedure)) {
            (Some(a), Some(b)) => Some(a - b),
            _ => None,
        };
        Metrics {
            range: self.range,
            qualification_accuracy: Metric {
                key: "qualification_accuracy",
                title: "Qualification accuracy",
                value: percent(self.predicted_right, self.predicted),
                target: t.qualification_accuracy_percent,
                goal: Goal::Above,
                unit: "%",
                count: self.predicted,
                owner: "AE",
                frequency: "weekly",
            },
            process_adherence: Metric {
                key: "process_adherence",
                title: "Process adherence",
                value: percent(self.steps_adherent, self.steps_done),
                target: t.process_adherence_percent,
                goal: Goal::Above,
                unit: "%",
                count: self.steps_done,
                owner: "Sales Ops",
                frequency: "monthly",
            },
            time_per_step: Metric {
                key: "time_per_step",
                title: "Time per step within SLA",
                value: percent(within, timed),
                target: t.time_per_step_percent,
                goal: Goal::AtLeast,
                unit: "%",
                count: timed,
                owner: "RevOps",
                frequency: "real time",
            },
            steps,
            win_rate_impact: Metric {
                key: "win_rate_impact",
                title: "Win-rate impact",
                value: impact,
                target: t.win_rate_uplift_points,
                goal: Goal::Above,
                unit: "points",
                count: self.with_procedure.1 + self.without_procedure.1,
                owner: "VP Sales",
                frequency: "quarterly",
            },
            stage_velocity: Metric {
                key: "stage_velocity",
                title: "Stage progression velocity",
                value: median(&mut self.stage_days),
                target: f64::from(t.stage_velocity_days),
                goal: Goal::Below,
                unit: "days",
                count: self.stage_days.len(),
                owner: "—",
                frequency: "—",
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::content::{Element, ElementScore};
    use crate::domain::deal::{DealId, NewDeal};
    use crate::domain::pipeline::{Outcome, Prediction};
    use crate::domain::step::StepStatus;
    use chrono::TimeZone;

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        // November 2026: the 2nd is a Monday
        Utc.with_ymd_and_hms(2026, 11, day, hour, 0, 0).unwrap()
    }

    fn range() -> Range {
        Range {
            from: at(1, 0).date_naive(),
            to: at(30, 0).date_naive(),
        }
    }

    fn deal(id: i64) -> (Deal, Playbook) {
        let pb = Playbook::default_playbook();
        let d = NewDeal {
            name: format!("D{id}"),
            account: "A".into(),
            ..Default::default()
        }
        .into_deal(DealId(id), &pb, at(2, 9));
        (d, pb)
    }

    fn closed(d: &mut Deal, kind: OutcomeKind, day: u32, predicted: Option<Verdict>) {
        d.content.outcome = Some(Outcome {
            kind,
            on: at(day, 0).date_naive(),
            reason: "r".into(),
            lost_to: String::new(),
        });
        d.content.prediction = predicted.map(|verdict| Prediction {
            verdict,
            at: at(2, 10),
        });
    }

    #[test]
    fn no_data_gives_no_value_and_no_verdict() {
        let pb = Playbook::default_playbook();
        let m = Tally::new(range()).finish(&pb);
        for metric in m.all() {
            assert_eq!(metric.value, None, "{}", metric.key);
            assert_eq!(metric.met(), None);
            assert_eq!(metric.count, 0);
            assert_eq!(metric.value_text(), "no data");
        }
    }

    #[test]
    fn accuracy_counts_predictions_against_outcomes_in_range() {
        let mut tally = Tally::new(range());
        // right: qualified & won; needs work & lost; disqualify & disqualified
        // wrong: qualified & lost; out of range and unpredicted deals ignored
        let cases = [
            (OutcomeKind::Won, 10, Some(Verdict::Qualified)),
            (OutcomeKind::Lost, 11, Some(Verdict::NeedsWork)),
            (OutcomeKind::Disqualified, 12, Some(Verdict::Disqualify)),
            (OutcomeKind::Lost, 13, Some(Verdict::Qualified)),
            (OutcomeKind::Won, 13, None),
        ];
        let (mut out_of_range, pb) = deal(99);
        closed(
            &mut out_of_range,
            OutcomeKind::Lost,
            1,
            Some(Verdict::Qualified),
        );
        out_of_range.content.outcome.as_mut().unwrap().on =
            at(1, 0).date_naive() - Duration::days(1);
        tally.add(&out_of_range, &[], &pb);
        for (i, (kind, day, p)) in cases.into_iter().enumerate() {
            let (mut d, pb) = deal(i as i64);
            closed(&mut d, kind, day, p);
            tally.add(&d, &[], &pb);
        }
        let pb = Playbook::default_playbook();
        let m = tally.finish(&pb).qualification_accuracy;
        assert_eq!(m.count, 4);
        assert_eq!(m.value, Some(75.0));
        assert_eq!(m.met(), Some(false), "75% is not above 80%");
        assert_eq!(m.target_text(), "> 80%");
    }

    #[test]
    fn win_rate_impact_compares_deals_that_walked_the_procedure() {
        let mut tally = Tally::new(range());
        let pb = Playbook::default_playbook();
        // with all ten steps complete before closing: 2 won of 2
        for i in 0..2 {
            let (mut d, pb) = deal(i);
            for s in &mut d.steps {
                s.status = StepStatus::Complete;
                s.first_completed_at = Some(at(5, 10));
            }
            closed(&mut d, OutcomeKind::Won, 20, None);
            tally.add(&d, &[], &pb);
        }
        // without: 1 won of 4 (a disqualified deal does not count)
        for (i, kind) in [
            OutcomeKind::Won,
            OutcomeKind::Lost,
            OutcomeKind::Lost,
            OutcomeKind::Lost,
            OutcomeKind::Disqualified,
        ]
        .into_iter()
        .enumerate()
        {
            let (mut d, pb) = deal(10 + i as i64);
            closed(&mut d, kind, 20, None);
            tally.add(&d, &[], &pb);
        }
        let m = tally.finish(&pb).win_rate_impact;
        assert_eq!(m.count, 6);
        assert_eq!(m.value, Some(75.0), "100% - 25%");
        assert_eq!(m.met(), Some(true));
        // all won, nobody without the procedure: no comparison, no division
        let mut tally = Tally::new(range());
        let (mut d, _) = deal(1);
        closed(&mut d, OutcomeKind::Won, 20, None);
        tally.add(&d, &[], &pb);
        assert_eq!(tally.finish(&pb).win_rate_impact.value, None);
    }

    #[test]
    fn business_hours_skip_weekends_and_holidays() {
        // Friday 20:00 to Monday 04:00: 4 h on Friday, 4 h on Monday
        let hours = business_hours(at(6, 20), at(9, 4), &[]);
        assert_eq!(hours, 8.0);
        let holiday = [at(9, 0).date_naive()];
        assert_eq!(business_hours(at(6, 20), at(9, 4), &holiday), 4.0);
        assert_eq!(business_hours(at(9, 4), at(6, 20), &[]), 0.0);
    }

    #[test]
    fn time_per_step_and_adherence_read_first_completions() {
        let mut tally = Tally::new(range());
        let (mut d, pb) = deal(1);
        let fill = |d: &mut Deal| {
            for e in d.content.meddpicc.framework.elements() {
                d.content.meddpicc.elements.insert(
                    e,
                    ElementScore {
                        score: 2,
                        evidence: "x".into(),
                    },
                );
            }
            d.steps[0].confirmed_with = "P".into();
            d.steps[0].confirmed_on = Some(at(3, 0).date_naive());
        };
        fill(&mut d);
        let _ = Element::Metrics;
        // step 1: started Monday 9:00, done Tuesday 9:00 = 24 h: within its
        // 1-day SLA, with long notes (not rushed), criteria met
        d.steps[0].status = StepStatus::Complete;
        d.steps[0].started_at = Some(at(2, 9));
        d.steps[0].completed_at = Some(at(3, 9));
        d.steps[0].first_completed_at = Some(at(3, 9));
        // step 2: first completed (after 3 h) before step 1 was: out of order
        d.steps[1].status = StepStatus::Complete;
        d.steps[1].started_at = Some(at(2, 9));
        d.steps[1].completed_at = Some(at(2, 8) + Duration::hours(73));
        d.steps[1].first_completed_at = Some(at(2, 12));
        tally.add(&d, &[], &pb);
        let m = tally.finish(&pb);
        assert_eq!(m.steps[0].median_hours, Some(24.0));
        assert_eq!(m.steps[0].within_sla, 1);
        assert_eq!(m.process_adherence.count, 2);
        assert_eq!(
            m.process_adherence.value,
            Some(50.0),
            "step 2 was first completed before step 1"
        );
        assert_eq!(m.time_per_step.count, 2);
    }

    #[test]
    fn stage_velocity_is_the_median_of_days_between_changes() {
        let mut tally = Tally::new(range());
        let (d, pb) = deal(1); // created 2 Nov 09:00
        // changes on the 5th (3 days), 15th (10 days), 16th (1 day)
        tally.add(&d, &[at(15, 9), at(5, 9), at(16, 9)], &pb);
        let m = tally.finish(&pb).stage_velocity;
        assert_eq!(m.count, 3);
        assert_eq!(m.value, Some(3.0));
        assert_eq!(m.met(), Some(true), "3 days is under 14");
    }

    #[test]
    fn weeks_cover_the_range_monday_to_sunday() {
        let weeks = range().weeks();
        assert_eq!(weeks[0].from, at(1, 0).date_naive(), "Sunday the 1st alone");
        assert_eq!(weeks[0].to, at(1, 0).date_naive());
        assert_eq!(weeks[1].from, at(2, 0).date_naive());
        assert_eq!(weeks[1].to, at(8, 0).date_naive());
        assert_eq!(weeks.last().unwrap().to, at(30, 0).date_naive());
        assert_eq!(weeks.len(), 6);
    }
}
