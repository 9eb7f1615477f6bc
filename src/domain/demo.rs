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

use super::audit::AuditEntry;
use super::calendar::{add_business_days, is_business_day};
use super::content::{
    Budget, Competitor, DealContent, Element, ElementScore, Framework, Handoff, ItemStatus, Level,
    Milestone, MilestoneKind, NextStep, Position, Risk, RiskCategory, Role, SaDecision, Scorecard,
    Stakeholder, Stance, Timeline, ValidationItem, ValidationPlan,
};
use super::criteria::verdict;
use super::deal::{Deal, DealId};
use super::escalation::due_at;
use super::escalation_record::{EscalationRecord, Stamp};
use super::forecast::{Outcome, OutcomeKind, Prediction, Snooze, Verdict};
use super::money::Money;
use super::playbook::{ACTION_COUNT, EscalationRule, Playbook, STEP_COUNT};
use super::review::{Reviewer, basis};
use super::step::{Notes, Step, StepStatus};
use chrono::{DateTime, Duration, FixedOffset, NaiveDate, NaiveTime, Timelike, Utc};
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};

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

type Instant = DateTime<Utc>;

/// What a deal's story is: where it stands at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Plan {
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

/// A deal's own random stream.
struct Dice(ChaCha8Rng);

impl Dice {
    fn new(seed: u64, index: usize) -> Dice {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(index as u64);
        Dice(rng)
    }

    /// A number in `0..n` (the bias of a 64-bit modulo is negligible here).
    fn below(&mut self, n: u64) -> u64 {
        self.0.next_u64() % n.max(1)
    }

    /// A number in `lo..=hi`.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }

    /// True `percent` times in a hundred.
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
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

const FIRST: [&str; 24] = [
    "Tom", "Priya", "Ken", "Laura", "Miguel", "Grace", "Omar", "Elena", "Raj", "Sofia", "David",
    "Mei", "Jonas", "Fatima", "Lucas", "Nadia", "Chris", "Yuki", "Ben", "Amara", "Pavel", "Claire",
    "Diego", "Ingrid",
];

const LAST: [&str; 24] = [
    "Hale", "Raman", "Ito", "Becker", "Santos", "Kim", "Farouk", "Novak", "Patel", "Rossi",
    "Walsh", "Zhang", "Berg", "Haddad", "Moreau", "Ivanova", "Doyle", "Tanaka", "Cohen", "Eze",
    "Kowalski", "Dubois", "Vargas", "Larsen",
];

const COMPETITORS: [(&str, &str, &str); 6] = [
    (
        "Globex Software",
        "Cheaper licence, strong in mid-market",
        "No audit trail; weak SSO",
    ),
    (
        "Vantage Systems",
        "Large installed base, deep finance features",
        "Long implementations; on-premise roots",
    ),
    (
        "Orbital Cloud",
        "Modern UI, fast pilots",
        "Thin enterprise security; few references",
    ),
    (
        "Helix Analytics",
        "Strong reporting and dashboards",
        "Needs a separate data warehouse",
    ),
    (
        "Quantum Ledger",
        "Aggressive discounting",
        "Small services team; support complaints",
    ),
    (
        "Northstar Apps",
        "Bundled with their CRM",
        "Generic workflows; costly customisation",
    ),
];

const LOST_REASONS: [&str; 4] = [
    "Chose a competitor on price",
    "Budget moved to next fiscal year",
    "No decision: project deprioritised",
    "Champion left in a reorganisation",
];

const DISQUALIFY_REASONS: [&str; 4] = [
    "No budget this fiscal year",
    "No access to the economic buyer",
    "Requirements fit a different product",
    "Buying cycle beyond twelve months",
];

const BLOCK_REASONS: [&str; 4] = [
    "Waiting on the customer's security questionnaire",
    "Economic buyer on leave until further notice",
    "Legal hold on all new vendors",
    "Customer reorganising the IT team",
];

const EVENTS: [&str; 5] = [
    "Auditors return at quarter end; the close must be fixed before",
    "Current contract expires at year end",
    "Board review of the programme next quarter",
    "Regulatory deadline for the new reporting rules",
    "Merger integration must finish by the fiscal year end",
];

/// The stages a deal moves through, and the step whose completion moves it.
const STAGES: [(u8, &str); 3] = [
    (3, "Solution validation"),
    (7, "Proposal"),
    (10, "Negotiation"),
];

/// Deal `index` of the pipeline made from `seed`, as of `now`.
pub fn deal(seed: u64, index: usize, playbook: &Playbook, now: DateTime<Utc>) -> DemoDeal {
    let mut d = Dice::new(seed, index);
    let plan = if index < PLANS.len() {
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
    };
    Builder::new(&mut d, plan, playbook, now).build()
}

/// The people on the buyer's side.
struct People {
    economic_buyer: (String, &'static str),
    champion: (String, &'static str),
    others: Vec<(String, &'static str, Role)>,
}

struct Builder<'a> {
    d: &'a mut Dice,
    plan: Plan,
    pb: &'a Playbook,
    now: DateTime<Utc>,
    holidays: &'a [NaiveDate],
}

impl<'a> Builder<'a> {
    fn new(d: &'a mut Dice, plan: Plan, pb: &'a Playbook, now: DateTime<Utc>) -> Builder<'a> {
        Builder {
            d,
            plan,
            pb,
            now,
            holidays: &pb.targets.holidays,
        }
    }

    fn person(&mut self) -> String {
        format!("{} {}", self.d.pick(&FIRST), self.d.pick(&LAST))
    }

    fn minutes(&mut self, lo: i64, hi: i64) -> Duration {
        Duration::minutes(self.d.range(lo, hi))
    }

    fn build(mut self) -> DemoDeal {
        use Plan::*;
        let plan = self.plan;
        let now = self.now;
        let (owner, manager) = *self.d.pick(&OWNERS);
        let sa = *self.d.pick(&SAS);
        let account = *self.d.pick(&ACCOUNTS);
        let project = *self.d.pick(&PROJECTS);
        let amount = Money::from_dollars(match self.d.below(10) {
            0..=4 => self.d.range(10, 50) * 5_000,
            5..=7 => self.d.range(51, 80) * 5_000,
            _ => self.d.range(81, 120) * 5_000,
        });
        let implementation = Money::from_dollars(self.d.range(10, 100) * 10_000);

        // how far the procedure got, and whether the deal closed
        let verdict_aim = match plan {
            NeedsWork => Verdict::NeedsWork,
            OpenDisqualify => Verdict::Disqualify,
            Disqualified if self.d.chance(70) => Verdict::Disqualify,
            Disqualified => Verdict::NeedsWork,
            LostSkipped if self.d.chance(45) => Verdict::NeedsWork,
            WonSkipped if self.d.chance(20) => Verdict::NeedsWork,
            LostWalked if self.d.chance(15) => Verdict::NeedsWork,
            Stalled | Blocked if self.d.chance(30) => Verdict::NeedsWork,
            _ => Verdict::Qualified,
        };
        let done: u8 = match plan {
            Early => self.d.range(0, 6) as u8,
            NeedsWork => self.d.range(1, 9) as u8,
            BestCase => self.d.range(7, 9) as u8,
            Commit | WonWalked | LostWalked => 10,
            Stalled | Blocked => self.d.range(1, 8) as u8,
            OpenDisqualify => 1,
            WonSkipped => self.d.range(3, 9) as u8,
            LostSkipped => self.d.range(1, 9) as u8,
            Disqualified => self.d.range(1, 2) as u8,
        };
        let closed = match plan {
            WonWalked | WonSkipped => Some(OutcomeKind::Won),
            LostWalked | LostSkipped => Some(OutcomeKind::Lost),
            Disqualified => Some(OutcomeKind::Disqualified),
            _ => None,
        };
        // the step being worked on: in progress, blocked or not started yet
        let current = (done < 10).then_some(done + 1);
        let current_status = match (plan, closed) {
            (_, Some(_)) => StepStatus::NotStarted,
            (Blocked, _) => StepStatus::Blocked,
            (OpenDisqualify, _) => StepStatus::NotStarted,
            _ if self.d.chance(75) => StepStatus::InProgress,
            _ => StepStatus::NotStarted,
        };

        // the last activity, and the day it closed
        let (last, closed_on) = match (plan, closed) {
            (_, Some(_)) => {
                let close = work_back(self.holidays, now - Duration::days(self.d.range(2, 80)));
                let last = work_back(self.holidays, close - Duration::days(self.d.range(1, 21)));
                (last, Some(close))
            }
            (Stalled, _) => (
                work_back(self.holidays, now - Duration::days(self.d.range(9, 30))),
                None,
            ),
            (Blocked, _) => (
                work_back(self.holidays, now - Duration::days(self.d.range(4, 6))),
                None,
            ),
            _ => (
                work_back(self.holidays, now - self.minutes(20, 20 * 60)),
                None,
            ),
        };

        // lay the steps out backwards from the last activity
        let mut times: Vec<(Option<Instant>, Option<Instant>)> = vec![(None, None); STEP_COUNT];
        let mut rushed = [false; STEP_COUNT];
        let mut t = last;
        if let Some(c) = current
            && current_status != StepStatus::NotStarted
        {
            times[usize::from(c - 1)].0 = Some(t);
            t = work_back(self.holidays, t - self.minutes(10, 240));
        }
        for n in (1..=done).rev() {
            let i = usize::from(n - 1);
            let completed = t;
            let took = match self.d.below(100) {
                0..=2 => {
                    rushed[i] = true;
                    self.minutes(3, 12)
                }
                3..=9 => self.minutes(26 * 60, 60 * 60),
                _ => self.minutes(40, 8 * 60),
            };
            let started = work_back(self.holidays, completed - took);
            times[i] = (Some(started), Some(completed));
            let gap = match self.d.below(100) {
                0..=69 => self.minutes(5, 150),
                70..=94 => self.minutes(5 * 60, 26 * 60),
                _ => self.minutes(2 * 24 * 60, 4 * 24 * 60),
            };
            t = work_back(self.holidays, started - gap);
        }
        let created = work_back(self.holidays, t - self.minutes(30, 8 * 60));
        let trigger = add_business_days(
            created.date_naive(),
            self.d.range(1, 4) as u32,
            self.holidays,
        );
        let close_date = match closed_on {
            Some(c) => c.date_naive(),
            None => now.date_naive() + Duration::days(self.d.range(21, 120)),
        };

        // the buyer's side
        let people = People {
            economic_buyer: (
                self.person(),
                *self.d.pick(&["CFO", "COO", "CIO", "VP Operations"]),
            ),
            champion: (
                self.person(),
                *self.d.pick(&[
                    "VP Finance",
                    "Director of IT",
                    "Head of Operations",
                    "Finance Director",
                ]),
            ),
            others: {
                let mut others = vec![(
                    self.person(),
                    *self
                        .d
                        .pick(&["IT Director", "Enterprise Architect", "Head of Security"]),
                    Role::TechnicalBuyer,
                )];
                if self.d.chance(70) {
                    others.push((self.person(), "Procurement Manager", Role::Procurement));
                }
                if self.d.chance(40) {
                    others.push((self.person(), "Corporate Counsel", Role::Legal));
                }
                if self.d.chance(30) {
                    others.push((self.person(), "Finance Systems Lead", Role::Evaluator));
                }
                if self.d.chance(15) {
                    others.push((self.person(), "Controller", Role::Blocker));
                }
                others
            },
        };
        let confirmer = people.champion.0.clone();

        let mut deal = Deal {
            id: DealId(0),
            name: format!("{account} {project}"),
            account: account.to_string(),
            amount: Some(amount),
            implementation_fee: Some(implementation),
            support_rate_percent: self.pb.defaults.support_rate_percent,
            close_date: Some(close_date),
            stage: self.pb.defaults.stage.clone(),
            owner: owner.to_string(),
            sa: sa.to_string(),
            manager: manager.to_string(),
            trigger_date: Some(trigger),
            created_at: created,
            updated_at: last,
            version: 1,
            steps: Step::fresh_set(),
            content: DealContent::default(),
            escalations: Vec::new(),
        };

        // the steps' records
        for (i, step) in deal.steps.iter_mut().enumerate() {
            let n = i as u8 + 1;
            let (started, completed) = times[i];
            if n <= done {
                step.status = StepStatus::Complete;
                step.started_at = started;
                step.completed_at = completed;
                step.first_completed_at = completed;
                step.actions = [true; ACTION_COUNT];
                step.actions[ACTION_COUNT - 1] = false;
                step.confirmed_with = confirmer.clone();
                step.confirmed_on = completed.map(|c| c.date_naive());
                step.notes = if rushed[i] {
                    Notes {
                        outcomes: "Done.".into(),
                        ..Notes::default()
                    }
                } else {
                    notes(n, &people, self.d)
                };
            } else if Some(n) == current && current_status != StepStatus::NotStarted {
                step.status = current_status;
                step.started_at = started;
                step.actions = [true, true, false, false, false];
                if current_status == StepStatus::Blocked {
                    step.blocked_since = started;
                    step.blocked_reason = Some(self.d.pick(&BLOCK_REASONS).to_string());
                }
            }
        }
        let step_done = |n: u8| times[usize::from(n - 1)].1;
        let working_on = |n: u8| Some(n) == current && current_status != StepStatus::NotStarted;
        let reached = |n: u8| n <= done || working_on(n);

        // step 1: the scorecard
        let first_year = deal.first_year_value().unwrap_or(Money::ZERO).cents() / 100;
        let c = &mut deal.content;
        if reached(1) {
            c.meddpicc = scorecard(self.d, verdict_aim, n_complete(done, 1), &people, created);
        }
        // step 2: the buying group
        if reached(2) {
            let confirm = step_done(2).map(|t| t.date_naive());
            let engaged = |d: &mut Dice, base: DateTime<Utc>| {
                Some((base - Duration::days(d.range(0, 5))).date_naive())
            };
            let base = step_done(2).or(times[1].0).unwrap_or(last);
            c.stakeholders.push(Stakeholder {
                name: people.economic_buyer.0.clone(),
                title: people.economic_buyer.1.to_string(),
                role: Role::EconomicBuyer,
                stance: Stance::Supports,
                influence: Level::High,
                last_engaged: engaged(self.d, base),
                confirmed_on: confirm,
            });
            c.stakeholders.push(Stakeholder {
                name: people.champion.0.clone(),
                title: people.champion.1.to_string(),
                role: Role::Champion,
                stance: Stance::Supports,
                influence: Level::High,
                last_engaged: engaged(self.d, base),
                confirmed_on: confirm,
            });
            for (name, title, role) in &people.others {
                let stance = match role {
                    Role::Blocker => Stance::Opposes,
                    _ if self.d.chance(40) => Stance::Supports,
                    _ => Stance::Neutral,
                };
                c.stakeholders.push(Stakeholder {
                    name: name.clone(),
                    title: title.to_string(),
                    role: *role,
                    stance,
                    influence: *self.d.pick(&[Level::High, Level::Medium, Level::Low]),
                    last_engaged: engaged(self.d, base),
                    confirmed_on: None,
                });
            }
        }
        // step 3: the budget
        if reached(3) {
            let covered = self.d.chance(85);
            let budget = if covered {
                (first_year * self.d.range(100, 130) / 100 + 9_999) / 10_000 * 10_000
            } else {
                first_year * self.d.range(70, 95) / 100 / 10_000 * 10_000
            };
            c.budget = Budget {
                amount: Some(Money::from_dollars(budget)),
                holder: people.economic_buyer.0.clone(),
                source: self
                    .d
                    .pick(&[
                        "Transformation programme",
                        "IT run budget",
                        "Finance operations budget",
                        "Board-approved capital plan",
                    ])
                    .to_string(),
                fiscal_timing: self
                    .d
                    .pick(&["This quarter", "Next quarter", "Before fiscal year end"])
                    .to_string(),
                confirmed_on: step_done(3).map(|t| t.date_naive()),
                confirmed_by: if n_complete(done, 3) {
                    people.economic_buyer.0.clone()
                } else {
                    String::new()
                },
            };
        }
        // step 4: the validation plan and the SA's sign-off
        if reached(4) {
            let start = times[3].0.unwrap_or(last).date_naive();
            let tech = people.others[0].0.clone();
            let all = [
                (
                    "Single sign-on with the corporate directory",
                    "Login through SSO in the sandbox",
                ),
                (
                    "Load a year of transactions",
                    "Full load in under 2 hours on test data",
                ),
                (
                    "Integrate with the general ledger",
                    "Journal entries post without manual fixes",
                ),
                (
                    "Role-based access for 400 users",
                    "Access review passes with the security team",
                ),
                (
                    "Month-end close on the new platform",
                    "Close in 4 days on test data",
                ),
            ];
            let count = self.d.range(2, 4) as usize;
            let first = self.d.below(all.len() as u64) as usize;
            c.validation_plan = ValidationPlan {
                sa: sa.to_string(),
                items: (0..count)
                    .map(|k| {
                        let (req, crit) = all[(first + k) % all.len()];
                        ValidationItem {
                            requirement: req.to_string(),
                            success_criterion: crit.to_string(),
                            owner: if k % 2 == 0 {
                                sa.to_string()
                            } else {
                                tech.clone()
                            },
                            due: Some(start + Duration::days(self.d.range(7, 30))),
                            status: if closed == Some(OutcomeKind::Won) {
                                ItemStatus::Passed
                            } else {
                                *self.d.pick(&[ItemStatus::Open, ItemStatus::InProgress])
                            },
                        }
                    })
                    .collect(),
                decision: None,
            };
            if let Some(at) = step_done(4) {
                let at = (at - self.minutes(5, 60)).max(times[3].0.unwrap_or(at));
                c.validation_plan.decision = Some(SaDecision {
                    approved: true,
                    by: sa.to_string(),
                    at,
                    comment: "Plan covers the must-haves".into(),
                    basis: None,
                });
            } else if self.d.chance(30) {
                c.validation_plan.decision = Some(SaDecision {
                    approved: false,
                    by: sa.to_string(),
                    at: last,
                    comment: "Add a success criterion the customer has agreed to in writing".into(),
                    basis: None,
                });
            }
        }
        // step 5: the competition
        let mut rivals: Vec<String> = Vec::new();
        if reached(5) {
            let count = self.d.range(1, 2) as usize;
            let first = self.d.below(COMPETITORS.len() as u64) as usize;
            for k in 0..count {
                let (name, strengths, weaknesses) = COMPETITORS[(first + k) % COMPETITORS.len()];
                rivals.push(name.to_string());
                c.competitors.push(Competitor {
                    name: name.to_string(),
                    position: if k == 0 && self.d.chance(30) {
                        Position::Incumbent
                    } else {
                        Position::Shortlisted
                    },
                    strengths: strengths.to_string(),
                    weaknesses: weaknesses.to_string(),
                    differentiators: "Built-in audit trail, 4-day close references in the sector"
                        .into(),
                    threat: *self.d.pick(&[Level::High, Level::Medium]),
                });
            }
            c.competitors.push(Competitor {
                name: "Spreadsheets and email".into(),
                position: Position::StatusQuo,
                strengths: "Free and familiar".into(),
                weaknesses: "Audit findings, slow close".into(),
                differentiators: String::new(),
                threat: Level::Low,
            });
        }
        // step 6: the buyer's milestones, all due by the close date
        if reached(6) {
            let from = times[5].0.unwrap_or(last).date_naive();
            let span = (close_date - from).num_days().max(5);
            let names = [
                (
                    "Technical evaluation",
                    MilestoneKind::Decision,
                    people.others[0].0.clone(),
                ),
                (
                    "Business case to the board",
                    MilestoneKind::Decision,
                    people.economic_buyer.0.clone(),
                ),
                (
                    "Security review",
                    MilestoneKind::Paper,
                    "CISO office".to_string(),
                ),
                (
                    "Contract and signature",
                    MilestoneKind::Paper,
                    "Procurement".to_string(),
                ),
            ];
            for (k, (name, kind, owner)) in names.into_iter().enumerate() {
                let due = from + Duration::days(span * (k as i64 + 1) / 4);
                c.decision_process.push(Milestone {
                    name: name.to_string(),
                    kind,
                    owner,
                    due: Some(due.min(close_date)),
                    done: closed == Some(OutcomeKind::Won) || due < now.date_naive(),
                });
            }
        }
        // step 7: the compelling event
        if reached(7) {
            c.timeline = Timeline {
                compelling_event: self.d.pick(&EVENTS).to_string(),
            };
        }
        // step 8: risks, each mitigated
        if reached(8) {
            let all = [
                (
                    "Security review queue is six weeks",
                    RiskCategory::LegalSecurity,
                    4,
                    3,
                ),
                (
                    "Competitor discounting hard",
                    RiskCategory::Competitive,
                    3,
                    3,
                ),
                (
                    "Champion stretched across two programmes",
                    RiskCategory::Relationship,
                    2,
                    4,
                ),
                (
                    "Data migration larger than scoped",
                    RiskCategory::Technical,
                    3,
                    4,
                ),
                (
                    "Budget approval slips a quarter",
                    RiskCategory::Timing,
                    2,
                    5,
                ),
            ];
            let count = self.d.range(1, 3) as usize;
            let first = self.d.below(all.len() as u64) as usize;
            for k in 0..count {
                let (text, category, likelihood, impact) = all[(first + k) % all.len()];
                c.risks.push(Risk {
                    description: text.to_string(),
                    category,
                    likelihood,
                    impact,
                    mitigation: "Agreed plan with the champion; reviewed weekly".into(),
                    owner: if k % 2 == 0 {
                        owner.to_string()
                    } else {
                        sa.to_string()
                    },
                });
            }
        }
        // next steps: the one set at the last activity is open (a closed deal's
        // are the handoff or the loss review); earlier ones are done
        {
            let set_on = last.date_naive();
            if reached(9) || self.d.chance(60) {
                c.next_steps.push(NextStep {
                    action: "Recap the executive meeting to the champion".into(),
                    owner: owner.to_string(),
                    due: Some(add_business_days(created.date_naive(), 1, self.holidays)),
                    set_on: created.date_naive(),
                    done: true,
                });
            }
            let action = match closed {
                Some(OutcomeKind::Won) => "Implementation kick-off with the customer",
                Some(_) => "Loss review with the champion",
                None => *self.d.pick(&[
                    "Send the security questionnaire",
                    "Book the business-case review with the economic buyer",
                    "Share the mutual close plan",
                    "Schedule the technical deep dive",
                ]),
            };
            c.next_steps.push(NextStep {
                action: action.to_string(),
                owner: if self.d.chance(70) {
                    owner.to_string()
                } else {
                    sa.to_string()
                },
                due: Some(add_business_days(
                    set_on,
                    if plan == Commit {
                        2
                    } else {
                        self.d.range(1, 2) as u32
                    },
                    self.holidays,
                )),
                set_on,
                done: false,
            });
        }
        // the manager's review, over the threshold, once the deal is far along
        let threshold = Money::from_dollars(self.pb.targets.manager_review_over_usd);
        if amount > threshold && (done >= 8) && (plan == Commit || self.d.chance(75)) {
            let at = step_done(done).unwrap_or(last) - self.minutes(5, 90);
            let basis = basis(&deal, Reviewer::Manager);
            deal.content.manager_review = Some(SaDecision {
                approved: true,
                by: manager.to_string(),
                at,
                comment: "Reviewed in the forecast call".into(),
                basis: Some(basis),
            });
        }
        if let Some(decision) = &mut deal.content.validation_plan.decision
            && decision.approved
        {
            decision.basis = None;
            let signed = basis(&deal, Reviewer::Sa);
            if let Some(decision) = &mut deal.content.validation_plan.decision {
                decision.basis = Some(signed);
            }
        }

        // the prediction, the outcome and the handoff
        if let Some(at) = step_done(1) {
            deal.content.prediction =
                verdict(&deal.content.meddpicc, self.pb).map(|verdict| Prediction { verdict, at });
        }
        if let (Some(kind), Some(on)) = (closed, closed_on) {
            let reason = match kind {
                OutcomeKind::Won => String::new(),
                OutcomeKind::Lost => self.d.pick(&LOST_REASONS).to_string(),
                OutcomeKind::Disqualified => self.d.pick(&DISQUALIFY_REASONS).to_string(),
            };
            let lost_to = match kind {
                OutcomeKind::Lost if reason.starts_with("Chose") => rivals
                    .first()
                    .cloned()
                    .unwrap_or_else(|| self.d.pick(&COMPETITORS).0.to_string()),
                _ => String::new(),
            };
            deal.content.outcome = Some(Outcome {
                kind,
                on: on.date_naive(),
                reason,
                lost_to,
            });
            if kind == OutcomeKind::Won {
                deal.content.handoff = Handoff {
                    flagged: false,
                    implementation_contacts: format!(
                        "{} (customer), {} (SA)",
                        people.others[0].0, sa
                    ),
                    scope: format!("{project} for {account}, phase one"),
                    commitments: "Go-live within two quarters; weekly steering".into(),
                    open_risks: "Data migration volume to confirm in week one".into(),
                };
            }
            deal.updated_at = on;
        }

        // escalations raised by people: resolved, acknowledged, overdue
        if self.d.chance(if closed.is_some() { 8 } else { 18 }) {
            let rule = *self.d.pick(&[
                EscalationRule::Customer,
                EscalationRule::LegalSecurity,
                EscalationRule::Pricing,
            ]);
            let reason = match rule {
                EscalationRule::Customer => "Customer unhappy with the pilot's pace",
                EscalationRule::LegalSecurity => "Security review blocks the data-processing terms",
                _ => "Customer asks for a multi-year discount beyond policy",
            };
            let resolved = closed.is_some() || self.d.chance(40);
            let raised_at = if resolved {
                work_back(
                    self.holidays,
                    deal.updated_at - Duration::days(self.d.range(1, 10)),
                )
            } else if self.d.chance(50) {
                // inside its window still
                now - self.minutes(30, 5 * 60)
            } else {
                // past its window
                now - Duration::days(self.d.range(4, 9))
            };
            let raised_at = raised_at.max(created).min(now);
            if let Some(row) = self.pb.escalation(rule) {
                let utc = |_| FixedOffset::east_opt(0).expect("UTC");
                let due = due_at(row.window, raised_at, &utc);
                let stamp = |by: &str, at, note: &str| Stamp {
                    by: by.to_string(),
                    at,
                    note: note.to_string(),
                };
                let ack_at = raised_at + Duration::hours(2);
                deal.escalations.push(EscalationRecord {
                    id: 0,
                    rule,
                    step: None,
                    reason: reason.to_string(),
                    raised_at,
                    due_at: due,
                    raised_by: owner.to_string(),
                    acknowledged: (resolved || self.d.chance(50))
                        .then(|| stamp(manager, ack_at.min(now), "On it")),
                    resolved: resolved.then(|| {
                        stamp(
                            manager,
                            (raised_at + Duration::hours(20)).min(now),
                            "Agreed a way forward with the customer",
                        )
                    }),
                });
                if !resolved {
                    deal.updated_at = deal.updated_at.max(raised_at.min(now));
                }
            }
        }

        // a stalled deal now and then snoozed by its owner
        if plan == Stalled && self.d.chance(25) {
            let at = now - self.minutes(60, 24 * 60);
            deal.content.snooze = Some(Snooze {
                until: now.date_naive() + Duration::days(self.d.range(3, 10)),
                reason: "Customer on holiday; restarts after the break".into(),
                by: owner.to_string(),
                at: at.max(deal.updated_at),
                last_change: deal.updated_at,
            });
        }

        // the stage it reached, and the history that got it there
        let mut history = vec![AuditEntry {
            at: created,
            who: owner.to_string(),
            field: "deal".into(),
            before: String::new(),
            after: format!("created: {}", deal.name),
        }];
        let mut stage = deal.stage.clone();
        let mut stage_changes: Vec<(DateTime<Utc>, String)> = STAGES
            .iter()
            .filter_map(|(n, name)| step_done(*n).map(|t| (t, name.to_string())))
            .collect();
        if let (Some(kind), Some(on)) = (closed, closed_on) {
            let name = match kind {
                OutcomeKind::Won => "Closed Won",
                OutcomeKind::Lost => "Closed Lost",
                OutcomeKind::Disqualified => "Disqualified",
            };
            stage_changes.push((on, name.to_string()));
        }
        let mut events: Vec<AuditEntry> = Vec::new();
        for (i, (started, completed)) in times.iter().enumerate() {
            let field = format!("steps[{i}].status");
            if let Some(at) = completed {
                events.push(AuditEntry {
                    at: *at,
                    who: owner.to_string(),
                    field: field.clone(),
                    before: "in_progress".into(),
                    after: "complete".into(),
                });
            } else if let Some(at) = started {
                events.push(AuditEntry {
                    at: *at,
                    who: owner.to_string(),
                    field,
                    before: "not_started".into(),
                    after: deal.steps[i].status.as_str().into(),
                });
            }
        }
        for (at, name) in stage_changes {
            events.push(AuditEntry {
                at,
                who: owner.to_string(),
                field: "stage".into(),
                before: std::mem::replace(&mut stage, name.clone()),
                after: name,
            });
        }
        if let Some(o) = &deal.content.outcome {
            events.push(AuditEntry {
                at: closed_on.unwrap_or(last),
                who: owner.to_string(),
                field: "outcome.kind".into(),
                before: String::new(),
                after: o.kind.key().into(),
            });
        }
        events.sort_by_key(|e| e.at);
        history.extend(events);
        deal.stage = stage;
        deal.version = history.len() as i64;
        DemoDeal { deal, history }
    }
}

/// The latest working moment (a business day, 08:00-18:00) at or before `t`.
fn work_back(holidays: &[NaiveDate], t: DateTime<Utc>) -> DateTime<Utc> {
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

/// Whether step `n` is among the `done` first ones.
fn n_complete(done: u8, n: u8) -> bool {
    n <= done
}

/// The scorecard aiming at `aim`; complete (every element scored, with
/// evidence) when step 1 is, partly scored while it is being worked on.
fn scorecard(
    d: &mut Dice,
    aim: Verdict,
    complete: bool,
    people: &People,
    created: DateTime<Utc>,
) -> Scorecard {
    let framework = if d.chance(15) {
        Framework::Meddicc
    } else {
        Framework::Meddpicc
    };
    let elements = framework.elements();
    let mut scores: Vec<u8> = match aim {
        // at least 2 everywhere: two thirds of the maximum at least
        Verdict::Qualified => elements
            .iter()
            .map(|_| if d.chance(35) { 3 } else { 2 })
            .collect(),
        // between a third and two thirds, with a must-have element weak
        Verdict::NeedsWork => {
            let mut s: Vec<u8> = elements.iter().map(|_| 1).collect();
            let raise = d.range(2, 4) as usize;
            let len = s.len();
            for k in 0..raise {
                s[(k * 3 + 1) % len] = 2;
            }
            s
        }
        // a third of the maximum at most
        Verdict::Disqualify => elements
            .iter()
            .map(|_| if d.chance(60) { 1 } else { 0 })
            .collect(),
    };
    if aim == Verdict::NeedsWork {
        // the champion is not validated yet
        if let Some(i) = elements.iter().position(|e| *e == Element::Champion) {
            scores[i] = 1;
        }
    }
    let day = created.date_naive();
    let evidence = |e: Element, score: u8| -> String {
        if score == 0 {
            return String::new();
        }
        let (eb, champ) = (&people.economic_buyer, &people.champion);
        match e {
            Element::Metrics => format!("Close takes 12 days; target 4 ({}, {day})", eb.1),
            Element::EconomicBuyer => format!("{}, {}, met {day}", eb.0, eb.1),
            Element::DecisionCriteria => format!("Consolidation, audit trail, SSO ({})", champ.0),
            Element::DecisionProcess => {
                "Evaluation, business case, security, legal, signature".to_string()
            }
            Element::PaperProcess => "MSA through procurement, about 30 days".to_string(),
            Element::IdentifyPain => format!("Audit finding on the manual close ({})", eb.1),
            Element::Champion => format!("{} sells internally, shared the org chart", champ.0),
            Element::Competition => "Two vendors shortlisted; status quo is spreadsheets".into(),
        }
    };
    // a scorecard being worked on has its first elements scored
    let scored = if complete {
        elements.len()
    } else {
        d.range(0, elements.len() as i64 - 1) as usize
    };
    let mut card = Scorecard {
        framework,
        elements: Default::default(),
    };
    for (k, e) in elements.iter().enumerate().take(scored) {
        card.elements.insert(
            *e,
            ElementScore {
                score: scores[k],
                evidence: evidence(*e, scores[k]),
            },
        );
    }
    card
}

/// A completed step's notes: what came out, what was decided, what next.
fn notes(n: u8, people: &People, d: &mut Dice) -> Notes {
    let champ = &people.champion.0;
    let eb = &people.economic_buyer.0;
    let outcomes = match n {
        1 => format!("Scored the deal with {champ} after the executive meeting; pain and metrics confirmed by {eb}."),
        2 => format!("Buying group mapped with {champ}: economic buyer {eb} confirmed, technical buyer engaged."),
        3 => format!("{eb} confirmed the budget, its source and the fiscal timing in a call with finance."),
        4 => "Validation plan agreed with the technical team; each requirement has an owner, a date and a criterion.".into(),
        5 => "Alternatives reviewed with the champion; differentiators prepared for each shortlisted vendor.".into(),
        6 => "Decision and paper process walked through with procurement and legal, with owners and dates.".into(),
        7 => "Mutual close plan built around the compelling event; close date checked against the milestones.".into(),
        8 => "Risk register reviewed with the SA; each risk scored with a mitigation plan and an owner.".into(),
        9 => "Next actions agreed at the end of the call, each with an owner and a date in the next two days.".into(),
        _ => "Opportunity record brought up to date; every required field filled in for the forecast call.".into(),
    };
    let decisions = d
        .pick(&[
            "Proceed to the next step.",
            "Proceed; revisit the timeline at the next review.",
            "Proceed with the SA joining the next call.",
        ])
        .to_string();
    Notes {
        outcomes,
        decisions,
        next_steps: format!("Follow up with {champ}."),
    }
}

/// The instant a day starts (UTC).
#[cfg(test)]
fn start_of(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(NaiveTime::MIN).and_utc()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::criteria::unmet;
    use crate::domain::metrics::{Range, Tally};
    use crate::domain::pipeline::{ForecastCategory, forecast_category};
    use std::collections::BTreeSet;

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
                steps.insert(d.current_step().unwrap_or(11));
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
            (1..=11).collect(),
            "open deals at every step, and done"
        );
    }
}
