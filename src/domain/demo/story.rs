//! A deal's story, fixed before anything is written: who sells it and what
//! it is worth, where it stands at `now` (its plan), how far the procedure
//! got, when each step was started and completed, and when it closed.

use super::super::calendar::{add_business_days, is_business_day};
use super::super::content::DealContent;
use super::super::deal::{Deal, DealId};
use super::super::forecast::{OutcomeKind, Verdict};
use super::super::money::Money;
use super::super::playbook::{CaptureKind, Playbook, STEP_COUNT};
use super::super::step::{Step, StepNumber, StepStatus};
use super::dice::Dice;
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Timelike, Utc};

pub(super) type Instant = DateTime<Utc>;

/// Each step's start and completion, by step.
pub(super) type StepTimes = Vec<(Option<Instant>, Option<Instant>)>;

/// What a deal's story is: where it stands at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Plan {
    /// Open and active, somewhere in steps 1 to 7.
    Early,
    /// Open, step 1 gave "needs work"; the AE carries on.
    NeedsWork,
    /// Open, qualified, steps 1 to 7 (or more) complete.
    BestCase,
    /// Open, qualified, all ten steps complete, the checklist passing.
    Commit,
    /// Open, nothing has changed for over a week (some snoozed).
    Stalled,
    /// Open, a step blocked for days.
    Blocked,
    /// Open, step 1 said "disqualify" and nobody has closed it yet.
    OpenDisqualify,
    /// Won after all ten steps.
    WonWalked,
    /// Won without completing the procedure.
    WonSkipped,
    /// Lost after all ten steps.
    LostWalked,
    /// Lost part-way through.
    LostSkipped,
    /// Disqualified after step 1 or soon after.
    Disqualified,
}

/// Each story and its share of the pipeline (in percent). The first deals
/// take each story in turn, so that any pipeline of this many deals or more
/// has them all.
const PLANS: [(Plan, u32); 12] = [
    (Plan::Commit, 7),
    (Plan::BestCase, 10),
    (Plan::WonWalked, 12),
    (Plan::LostSkipped, 9),
    (Plan::Early, 28),
    (Plan::Disqualified, 6),
    (Plan::Stalled, 7),
    (Plan::LostWalked, 5),
    (Plan::WonSkipped, 5),
    (Plan::NeedsWork, 6),
    (Plan::Blocked, 3),
    (Plan::OpenDisqualify, 2),
];

/// The story of deal `index`: the first deals take each story in turn, the
/// others draw one by its share.
pub(super) fn plan(d: &mut Dice, index: usize) -> Plan {
    if index < PLANS.len() {
        PLANS[index].0
    } else {
        let total: u32 = PLANS.iter().map(|(_, w)| w).sum();
        let mut roll = d.below(u64::from(total)) as u32;
        PLANS
            .iter()
            .find(|(_, w)| {
                let hit = roll < *w;
                roll = roll.saturating_sub(*w);
                hit
            })
            .map_or(Plan::Early, |(p, _)| *p)
    }
}

const OWNERS: [(&str, &str); 6] = [
    ("Dana Reyes", "Morgan Lee"),
    ("Marcus Chen", "Morgan Lee"),
    ("Aisha Bello", "Morgan Lee"),
    ("Tomás Ortega", "Rachel Adler"),
    ("Hannah Weiss", "Rachel Adler"),
    ("Kofi Mensah", "Rachel Adler"),
];

const SAS: [&str; 3] = ["Sam Okafor", "Lina Haddad", "Victor Lindqvist"];

const ACCOUNTS: [&str; 36] = [
    "Northwind Traders",
    "Contoso",
    "Fabrikam",
    "Initech",
    "Umbrella Health",
    "Stark Logistics",
    "Tyrell Biotech",
    "Hooli",
    "Blue Harbor Bank",
    "Crescent Insurance",
    "Meridian Utilities",
    "Summit Retail",
    "Evergreen Pharma",
    "Atlas Manufacturing",
    "Pinnacle Telecom",
    "Redwood Energy",
    "Silverline Airlines",
    "Keystone Mutual",
    "Orchid Hotels",
    "Granite Construction",
    "Lakeside University",
    "Harborview Hospital",
    "Vanguard Mining",
    "Polaris Shipping",
    "Beacon Media",
    "Cobalt Semiconductors",
    "Juniper County",
    "Falcon Aerospace",
    "Oakridge Foods",
    "Sterling Wealth",
    "Alder Chemicals",
    "Riverbend Credit Union",
    "Cascade Water",
    "Ironwood Rail",
    "Lumen Diagnostics",
    "Monarch Apparel",
];

const PROJECTS: [&str; 12] = [
    "ERP rollout",
    "data platform",
    "finance transformation",
    "customer 360",
    "supply chain visibility",
    "security analytics",
    "HR cloud migration",
    "contract lifecycle",
    "observability suite",
    "procurement automation",
    "field service",
    "billing modernisation",
];

/// What is fixed about a deal before its record is written.
pub(super) struct Story<'a> {
    pub plan: Plan,
    pub pb: &'a Playbook,
    pub now: Instant,
    pub holidays: &'a [NaiveDate],
    pub owner: &'static str,
    pub manager: &'static str,
    pub sa: &'static str,
    pub account: &'static str,
    pub project: &'static str,
    pub amount: Money,
    pub implementation: Money,
    /// The verdict the scorecard aims at.
    pub verdict_aim: Verdict,
    /// How many steps are complete (always the first ones).
    pub done: usize,
    pub closed: Option<OutcomeKind>,
    /// The step being worked on, and whether it is in progress, blocked or
    /// not started yet.
    pub current: Option<StepNumber>,
    pub current_status: StepStatus,
    /// The last activity, and the moment the deal closed.
    pub last: Instant,
    pub closed_on: Option<Instant>,
    /// Each step's start and completion.
    pub times: StepTimes,
    /// The steps completed in minutes: their notes say only "Done.", and
    /// on a deal still under way their forms are thin too, so that they
    /// look rushed (a deal that walked all ten steps was prepared for each).
    pub rushed: [bool; STEP_COUNT],
    pub created: Instant,
    pub trigger: NaiveDate,
    pub close_date: NaiveDate,
}

impl<'a> Story<'a> {
    pub(super) fn new(d: &mut Dice, plan: Plan, pb: &'a Playbook, now: Instant) -> Story<'a> {
        let holidays: &'a [NaiveDate] = &pb.targets.holidays;
        let (owner, manager) = *d.pick(&OWNERS);
        let sa = *d.pick(&SAS);
        let account = *d.pick(&ACCOUNTS);
        let project = *d.pick(&PROJECTS);
        let amount = Money::from_dollars(match d.below(10) {
            0..=4 => d.range(10, 50) * 5_000,
            5..=7 => d.range(51, 80) * 5_000,
            _ => d.range(81, 120) * 5_000,
        });
        // a fraction of the licence, 20% to 100%, to the nearest $1,000
        let percent = d.range(20, 100);
        let implementation =
            Money::from_dollars((amount.cents() / 100 * percent / 100 + 500) / 1_000 * 1_000);
        let (verdict_aim, done, closed) = progress(d, plan);
        // the step being worked on: in progress, blocked or not started yet
        let current = StepNumber::from_index(done);
        let current_status = match (plan, closed) {
            (_, Some(_)) => StepStatus::NotStarted,
            (Plan::Blocked, _) => StepStatus::Blocked,
            (Plan::OpenDisqualify, _) => StepStatus::NotStarted,
            _ if d.chance(75) => StepStatus::InProgress,
            _ => StepStatus::NotStarted,
        };
        let (last, closed_on) = last_activity(d, plan, closed, holidays, now);
        let working = current.filter(|_| current_status != StepStatus::NotStarted);
        let (times, rushed, first) = lay_out_steps(d, holidays, last, done, working);
        let created = work_back(holidays, first - d.minutes(30, 8 * 60));
        let trigger = add_business_days(created.date_naive(), d.range(1, 4) as u32, holidays);
        let close_date = match closed_on {
            Some(c) => c.date_naive(),
            None => now.date_naive() + Duration::days(d.range(21, 120)),
        };
        Story {
            plan,
            pb,
            now,
            holidays,
            owner,
            manager,
            sa,
            account,
            project,
            amount,
            implementation,
            verdict_aim,
            done,
            closed,
            current,
            current_status,
            last,
            closed_on,
            times,
            rushed,
            created,
            trigger,
            close_date,
        }
    }

    /// The step that captures `kind`.
    pub(super) fn step(&self, kind: CaptureKind) -> StepNumber {
        self.pb.step_capturing(kind).number
    }

    /// When step `n` was started.
    pub(super) fn step_started(&self, n: StepNumber) -> Option<Instant> {
        self.times[n.index()].0
    }

    /// When step `n` was completed.
    pub(super) fn step_done(&self, n: StepNumber) -> Option<Instant> {
        self.times[n.index()].1
    }

    /// Whether step `n` is among the complete ones.
    pub(super) fn complete(&self, n: StepNumber) -> bool {
        n.index() < self.done
    }

    /// Whether step `n` is being worked on (in progress or blocked).
    pub(super) fn working_on(&self, n: StepNumber) -> bool {
        Some(n) == self.current && self.current_status != StepStatus::NotStarted
    }

    /// Whether the deal got as far as the step that captures `kind`.
    pub(super) fn reached(&self, kind: CaptureKind) -> bool {
        let n = self.step(kind);
        self.complete(n) || self.working_on(n)
    }

    /// The deal's record as created, with fresh steps and no content yet.
    pub(super) fn deal(&self) -> Deal {
        Deal {
            id: DealId(0),
            name: format!("{} {}", self.account, self.project),
            account: self.account.to_string(),
            amount: Some(self.amount),
            implementation_fee: Some(self.implementation),
            support_rate_percent: self.pb.defaults.support_rate_percent,
            close_date: Some(self.close_date),
            stage: self.pb.defaults.stage.clone(),
            owner: self.owner.to_string(),
            sa: self.sa.to_string(),
            manager: self.manager.to_string(),
            trigger_date: Some(self.trigger),
            created_at: self.created,
            updated_at: self.last,
            version: 1,
            steps: Step::fresh_set(),
            content: DealContent::default(),
            escalations: Vec::new(),
        }
    }
}

/// How far the procedure got, and whether the deal closed: the verdict the
/// scorecard aims at, the number of steps complete, and the outcome.
fn progress(d: &mut Dice, plan: Plan) -> (Verdict, usize, Option<OutcomeKind>) {
    use Plan::*;
    let verdict_aim = match plan {
        NeedsWork => Verdict::NeedsWork,
        OpenDisqualify => Verdict::Disqualify,
        Disqualified if d.chance(70) => Verdict::Disqualify,
        Disqualified => Verdict::NeedsWork,
        LostSkipped if d.chance(45) => Verdict::NeedsWork,
        WonSkipped if d.chance(20) => Verdict::NeedsWork,
        LostWalked if d.chance(15) => Verdict::NeedsWork,
        Stalled | Blocked if d.chance(30) => Verdict::NeedsWork,
        _ => Verdict::Qualified,
    };
    let done = match plan {
        Early => d.range(0, 6) as usize,
        NeedsWork => d.range(1, 9) as usize,
        BestCase => d.range(7, 9) as usize,
        Commit | WonWalked | LostWalked => STEP_COUNT,
        Stalled | Blocked => d.range(1, 8) as usize,
        OpenDisqualify => 1,
        WonSkipped => d.range(3, 9) as usize,
        LostSkipped => d.range(1, 9) as usize,
        Disqualified => d.range(1, 2) as usize,
    };
    let closed = match plan {
        WonWalked | WonSkipped => Some(OutcomeKind::Won),
        LostWalked | LostSkipped => Some(OutcomeKind::Lost),
        Disqualified => Some(OutcomeKind::Disqualified),
        _ => None,
    };
    (verdict_aim, done, closed)
}

/// The last activity, and the moment the deal closed.
fn last_activity(
    d: &mut Dice,
    plan: Plan,
    closed: Option<OutcomeKind>,
    holidays: &[NaiveDate],
    now: Instant,
) -> (Instant, Option<Instant>) {
    match (plan, closed) {
        (_, Some(_)) => {
            let close = work_back(holidays, now - Duration::days(d.range(2, 80)));
            let last = work_back(holidays, close - Duration::days(d.range(1, 21)));
            (last, Some(close))
        }
        (Plan::Stalled, _) => (
            work_back(holidays, now - Duration::days(d.range(9, 30))),
            None,
        ),
        (Plan::Blocked, _) => (
            work_back(holidays, now - Duration::days(d.range(4, 6))),
            None,
        ),
        _ => (work_back(holidays, now - d.minutes(20, 20 * 60)), None),
    }
}

/// Each step's start and completion, laid out backwards from the last
/// activity: the step being worked on (`working`) started last, the
/// `done` steps before it. Also which were rushed, and the moment before
/// the first step started.
fn lay_out_steps(
    d: &mut Dice,
    holidays: &[NaiveDate],
    last: Instant,
    done: usize,
    working: Option<StepNumber>,
) -> (StepTimes, [bool; STEP_COUNT], Instant) {
    let mut times: StepTimes = vec![(None, None); STEP_COUNT];
    let mut rushed = [false; STEP_COUNT];
    let mut t = last;
    if let Some(c) = working {
        times[c.index()].0 = Some(t);
        t = work_back(holidays, t - d.minutes(10, 240));
    }
    for i in (0..done).rev() {
        let completed = t;
        let took = match d.below(100) {
            0..=2 => {
                rushed[i] = true;
                d.minutes(3, 12)
            }
            3..=9 => d.minutes(26 * 60, 60 * 60),
            _ => d.minutes(40, 8 * 60),
        };
        let started = work_back(holidays, completed - took);
        times[i] = (Some(started), Some(completed));
        let gap = match d.below(100) {
            0..=69 => d.minutes(5, 150),
            70..=94 => d.minutes(5 * 60, 26 * 60),
            _ => d.minutes(2 * 24 * 60, 4 * 24 * 60),
        };
        t = work_back(holidays, started - gap);
    }
    (times, rushed, t)
}

/// The latest working moment (a business day, 08:00-18:00) at or before `t`.
pub(super) fn work_back(holidays: &[NaiveDate], t: DateTime<Utc>) -> DateTime<Utc> {
    let mut t = t;
    loop {
        let day = t.date_naive();
        // late afternoon, keeping the minutes so that times do not bunch
        let evening = |d: NaiveDate| {
            d.and_time(NaiveTime::from_hms_opt(17, t.minute(), 0).expect("a time"))
                .and_utc()
        };
        if !is_business_day(day, holidays) || t.hour() < 8 {
            t = evening(day.pred_opt().expect("a day"));
        } else if t.hour() >= 18 {
            t = evening(day);
        } else {
            return t;
        }
    }
}
