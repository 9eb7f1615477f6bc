//! Step 1's scorecard: scores that give the verdict the story aims at, each
//! with evidence naming the buyer's people.

use super::super::choices::{Element, Framework};
use super::super::content::{ElementScore, Scorecard};
use super::super::forecast::Verdict;
use super::dice::Dice;
use super::people::People;
use chrono::{DateTime, Utc};

/// The scorecard aiming at `aim`; complete (every element scored, each with
/// its evidence, an unknown's saying who could not tell) when step 1 is,
/// partly scored while it is being worked on.
pub(super) fn scorecard(
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
        let (eb, champ) = (&people.economic_buyer, &people.champion);
        // an unknown is evidence too: who was asked, and when
        if score == 0 {
            return format!("Not known yet: {} could not say ({day})", champ.0);
        }
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
