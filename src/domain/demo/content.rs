//! What steps 1 to 9 captured, as far as the deal got: the scorecard, the
//! buying group, the budget, the validation plan and the SA's sign-off, the
//! competition, the buyer's milestones, the compelling event, the risks,
//! and the next steps.

use super::super::calendar::add_business_days;
use super::super::choices::{
    ItemStatus, Level, MilestoneKind, Position, RiskCategory, Role, Stance,
};
use super::super::content::{
    Budget, Competitor, DealContent, Milestone, NextStep, Risk, RiskBand, SaDecision, Stakeholder,
    Timeline, ValidationItem, ValidationPlan,
};
use super::super::criteria::risk_band;
use super::super::deal::Deal;
use super::super::forecast::OutcomeKind;
use super::super::money::Money;
use super::super::playbook::{CaptureKind, Playbook};
use super::super::step_number::{STEP_COUNT, StepNumber};
use super::dice::Dice;
use super::people::People;
use super::scorecard::scorecard;
use super::story::{Plan, Story};
use chrono::{DateTime, Duration, Utc};

pub(super) const COMPETITORS: [(&str, &str, &str); 6] = [
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

const EVENTS: [&str; 5] = [
    "Auditors return at quarter end; the close must be fixed before",
    "Current contract expires at year end",
    "Board review of the programme next quarter",
    "Regulatory deadline for the new reporting rules",
    "Merger integration must finish by the fiscal year end",
];

/// Fill in what each step the deal reached captured. The competitors it
/// named, for a loss to one of them.
pub(super) fn capture(
    deal: &mut Deal,
    story: &Story,
    people: &People,
    d: &mut Dice,
) -> Vec<String> {
    let first_year = deal.first_year_value().unwrap_or(Money::ZERO).cents() / 100;
    let c = &mut deal.content;
    if story.reached(CaptureKind::Scorecard) {
        c.meddpicc = scorecard(
            d,
            story.verdict_aim,
            story.complete(story.step(CaptureKind::Scorecard)),
            people,
            story.created,
        );
    }
    if story.reached(CaptureKind::Stakeholders) {
        buying_group(c, story, people, d);
    }
    if story.reached(CaptureKind::Budget) {
        budget(c, story, people, d, first_year);
    }
    if story.reached(CaptureKind::ValidationPlan) {
        validation_plan(c, story, people, d);
    }
    let mut rivals: Vec<String> = Vec::new();
    if story.reached(CaptureKind::Competitors) {
        rivals = competition(c, d);
    }
    if story.reached(CaptureKind::DecisionProcess) {
        milestones(c, story, people);
    }
    if story.reached(CaptureKind::Timeline) {
        compelling_event(c, d);
    }
    if story.reached(CaptureKind::Risks) {
        risks(c, story, d);
    }
    next_steps(c, story, d);
    // the steps rushed on a deal still under way left thin
    if story.done < STEP_COUNT {
        for n in StepNumber::all().filter(|n| story.rushed[n.index()]) {
            thin_out(story.pb.step(n).capture, c, story.pb);
        }
    }
    rivals
}

/// A rushed step's form left thin where its criteria still hold: a title
/// never asked, the fiscal timing not known, a rival's weaknesses not
/// written, a medium risk without its mitigation. A kind whose criteria ask
/// for every field cannot be thin once its step is complete.
fn thin_out(kind: CaptureKind, c: &mut DealContent, pb: &Playbook) {
    match kind {
        CaptureKind::Scorecard => {
            if let Some(unknown) = c.meddpicc.elements.values_mut().find(|e| e.score == 0) {
                unknown.evidence.clear();
            }
        }
        CaptureKind::Stakeholders => {
            if let Some(last) = c.stakeholders.last_mut() {
                last.title.clear();
            }
        }
        CaptureKind::Budget => c.budget.fiscal_timing.clear(),
        CaptureKind::Competitors => {
            if let Some(first) = c.competitors.first_mut() {
                first.weaknesses.clear();
            }
        }
        CaptureKind::Risks => {
            let medium = c
                .risks
                .iter_mut()
                .find(|r| risk_band(r, pb) == RiskBand::Medium);
            if let Some(risk) = medium {
                risk.mitigation.clear();
            }
        }
        _ => {}
    }
}

/// The stakeholders: the buying group.
fn buying_group(c: &mut DealContent, story: &Story, people: &People, d: &mut Dice) {
    let last = story.last;
    let step = story.step(CaptureKind::Stakeholders);
    let confirm = story.step_done(step).map(|t| t.date_naive());
    let engaged = |d: &mut Dice, base: DateTime<Utc>| {
        Some((base - Duration::days(d.range(0, 5))).date_naive())
    };
    let base = story
        .step_done(step)
        .or(story.step_started(step))
        .unwrap_or(last);
    c.stakeholders.push(Stakeholder {
        name: people.economic_buyer.0.clone(),
        title: people.economic_buyer.1.to_string(),
        role: Role::EconomicBuyer,
        stance: Stance::Supports,
        influence: Level::High,
        last_engaged: engaged(d, base),
        confirmed_on: confirm,
    });
    c.stakeholders.push(Stakeholder {
        name: people.champion.0.clone(),
        title: people.champion.1.to_string(),
        role: Role::Champion,
        stance: Stance::Supports,
        influence: Level::High,
        last_engaged: engaged(d, base),
        confirmed_on: confirm,
    });
    for (name, title, role) in &people.others {
        let stance = match role {
            Role::Blocker => Stance::Opposes,
            _ if d.chance(40) => Stance::Supports,
            _ => Stance::Neutral,
        };
        c.stakeholders.push(Stakeholder {
            name: name.clone(),
            title: title.to_string(),
            role: *role,
            stance,
            influence: *d.pick(&[Level::High, Level::Medium, Level::Low]),
            last_engaged: engaged(d, base),
            confirmed_on: None,
        });
    }
}

/// The budget.
fn budget(c: &mut DealContent, story: &Story, people: &People, d: &mut Dice, first_year: i64) {
    let step = story.step(CaptureKind::Budget);
    let covered = d.chance(85);
    let budget = if covered {
        (first_year * d.range(100, 130) / 100 + 9_999) / 10_000 * 10_000
    } else {
        first_year * d.range(70, 95) / 100 / 10_000 * 10_000
    };
    c.budget = Budget {
        amount: Some(Money::from_dollars(budget)),
        holder: people.economic_buyer.0.clone(),
        source: d
            .pick(&[
                "Transformation programme",
                "IT run budget",
                "Finance operations budget",
                "Board-approved capital plan",
            ])
            .to_string(),
        fiscal_timing: d
            .pick(&["This quarter", "Next quarter", "Before fiscal year end"])
            .to_string(),
        confirmed_on: story.step_done(step).map(|t| t.date_naive()),
        confirmed_by: if story.complete(step) {
            people.economic_buyer.0.clone()
        } else {
            String::new()
        },
    };
}

/// The validation plan and the SA's sign-off.
fn validation_plan(c: &mut DealContent, story: &Story, people: &People, d: &mut Dice) {
    let Story {
        sa, closed, last, ..
    } = *story;
    let step = story.step(CaptureKind::ValidationPlan);
    let start = story.step_started(step).unwrap_or(last).date_naive();
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
    let count = d.range(2, 4) as usize;
    let first = d.below(all.len() as u64) as usize;
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
                    due: Some(start + Duration::days(d.range(7, 30))),
                    status: if closed == Some(OutcomeKind::Won) {
                        ItemStatus::Passed
                    } else {
                        *d.pick(&[ItemStatus::Open, ItemStatus::InProgress])
                    },
                }
            })
            .collect(),
        decision: None,
    };
    if let Some(at) = story.step_done(step) {
        let at = (at - d.minutes(5, 60)).max(story.step_started(step).unwrap_or(at));
        c.validation_plan.decision = Some(SaDecision {
            approved: true,
            by: sa.to_string(),
            at,
            comment: "Plan covers the must-haves".into(),
            basis: None,
        });
    } else if d.chance(30) {
        c.validation_plan.decision = Some(SaDecision {
            approved: false,
            by: sa.to_string(),
            at: last,
            comment: "Add a success criterion the customer has agreed to in writing".into(),
            basis: None,
        });
    }
}

/// The competitors: the competition, the status quo among it. The vendors
/// named.
fn competition(c: &mut DealContent, d: &mut Dice) -> Vec<String> {
    let mut rivals: Vec<String> = Vec::new();
    let count = d.range(1, 2) as usize;
    let first = d.below(COMPETITORS.len() as u64) as usize;
    for k in 0..count {
        let (name, strengths, weaknesses) = COMPETITORS[(first + k) % COMPETITORS.len()];
        rivals.push(name.to_string());
        c.competitors.push(Competitor {
            name: name.to_string(),
            position: if k == 0 && d.chance(30) {
                Position::Incumbent
            } else {
                Position::Shortlisted
            },
            strengths: strengths.to_string(),
            weaknesses: weaknesses.to_string(),
            differentiators: "Built-in audit trail, 4-day close references in the sector".into(),
            threat: *d.pick(&[Level::High, Level::Medium]),
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
    rivals
}

/// The decision process: the buyer's milestones, all due by the close date.
fn milestones(c: &mut DealContent, story: &Story, people: &People) {
    let Story {
        now,
        closed,
        last,
        close_date,
        ..
    } = *story;
    let step = story.step(CaptureKind::DecisionProcess);
    let from = story.step_started(step).unwrap_or(last).date_naive();
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

/// The timeline: the compelling event.
fn compelling_event(c: &mut DealContent, d: &mut Dice) {
    c.timeline = Timeline {
        compelling_event: d.pick(&EVENTS).to_string(),
    };
}

/// The risks, each mitigated.
fn risks(c: &mut DealContent, story: &Story, d: &mut Dice) {
    let Story { owner, sa, .. } = *story;
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
    let count = d.range(1, 3) as usize;
    let first = d.below(all.len() as u64) as usize;
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

/// The next steps: the one set at the last activity is open (a closed
/// deal's are the handoff or the loss review); earlier ones are done.
fn next_steps(c: &mut DealContent, story: &Story, d: &mut Dice) {
    let Story {
        plan,
        holidays,
        owner,
        sa,
        closed,
        last,
        created,
        ..
    } = *story;
    let set_on = last.date_naive();
    if story.reached(CaptureKind::NextSteps) || d.chance(60) {
        c.next_steps.push(NextStep {
            action: "Recap the executive meeting to the champion".into(),
            owner: owner.to_string(),
            due: Some(add_business_days(created.date_naive(), 1, holidays)),
            set_on: created.date_naive(),
            done: true,
        });
    }
    let action = match closed {
        Some(OutcomeKind::Won) => "Implementation kick-off with the customer",
        Some(_) => "Loss review with the champion",
        None => *d.pick(&[
            "Send the security questionnaire",
            "Book the business-case review with the economic buyer",
            "Share the mutual close plan",
            "Schedule the technical deep dive",
        ]),
    };
    c.next_steps.push(NextStep {
        action: action.to_string(),
        owner: if d.chance(70) {
            owner.to_string()
        } else {
            sa.to_string()
        },
        due: Some(add_business_days(
            set_on,
            if plan == Plan::Commit {
                2
            } else {
                d.range(1, 2) as u32
            },
            holidays,
        )),
        set_on,
        done: false,
    });
}
