//! `step ID N guide [--json]`: what the playbook tells the AE at a step of a
//! deal (questions, talk track, good evidence, note templates, on the
//! scorecard's step its evidence by score) and, on the step capturing the
//! competitors, the battle cards of the deal's competitors. Read only.

use super::print;
use crate::config::Failure;
use crate::domain::choices::Choice;
use crate::domain::deal::{Deal, DealId};
use crate::domain::guidance::{ElementExamples, Guidance};
use crate::domain::playbook::{CaptureKind, Playbook};
use crate::domain::step::{NoteKind, StepNumber};
use crate::ops::{Session, views};
use crate::text::clean;
use serde_json::{Value, json};
use std::io::Write;

/// A competitor of the deal and the battle card kept for it, if any.
struct Card {
    competitor: String,
    position: &'static str,
    threat: &'static str,
    notes: Option<String>,
}

/// Print the guidance of step `number` of deal `id`.
pub fn guide(
    id: DealId,
    number: StepNumber,
    json: bool,
    s: &mut Session,
    out: &mut impl Write,
) -> Result<u8, Failure> {
    let deal = views::deal(s, id)?;
    let def = s.playbook.step(number);
    let cards = if def.capture == CaptureKind::Competitors {
        battle_cards(s, &deal)?
    } else {
        Vec::new()
    };
    let text = if json {
        let doc = as_json(&deal, number, &s.playbook, &cards);
        serde_json::to_string_pretty(&doc).expect("JSON") + "\n"
    } else {
        as_text(&deal, number, &s.playbook, &cards)
    };
    out.write_all(text.as_bytes())
        .map_err(print::write_failure)?;
    Ok(0)
}

fn battle_cards(s: &Session, deal: &Deal) -> Result<Vec<Card>, Failure> {
    let mut cards = Vec::new();
    for c in &deal.content.competitors {
        cards.push(Card {
            competitor: clean(&c.name),
            position: c.position.label(),
            threat: c.threat.label(),
            notes: views::battle_card(s, &c.name)?.map(|b| b.notes),
        });
    }
    Ok(cards)
}

fn as_json(deal: &Deal, number: StepNumber, playbook: &Playbook, cards: &[Card]) -> Value {
    let def = playbook.step(number);
    let g = &def.guidance;
    let examples: Vec<Value> = scored_examples(deal, g)
        .map(|e| {
            let scores: Vec<Value> = e
                .scores
                .iter()
                .zip(&playbook.meddpicc.scale)
                .enumerate()
                .map(|(score, (evidence, label))| {
                    json!({"score": score, "label": label, "evidence": evidence})
                })
                .collect();
            json!({"element": e.element.key(), "scores": scores})
        })
        .collect();
    let cards: Vec<Value> = cards
        .iter()
        .map(|c| {
            json!({
                "competitor": c.competitor,
                "position": c.position,
                "threat": c.threat,
                "notes": c.notes,
            })
        })
        .collect();
    json!({
        "deal": deal.id.0,
        "step": number.get(),
        "title": def.title,
        "capture": def.capture.key(),
        "questions": g.questions,
        "talk_track": g.talk_track,
        "good_evidence": g.good_evidence,
        "examples": examples,
        "templates": {
            "outcomes": g.templates.outcomes,
            "decisions": g.templates.decisions,
            "next_steps": g.templates.next_steps,
        },
        "battle_cards": cards,
    })
}

/// The examples of the elements the deal's scorecard scores (MEDDICC: not
/// the paper process).
fn scored_examples<'a>(deal: &Deal, g: &'a Guidance) -> impl Iterator<Item = &'a ElementExamples> {
    let elements = deal.content.meddpicc.framework.elements();
    g.examples
        .iter()
        .filter(move |e| elements.contains(&e.element))
}

/// `text`, each line indented by `by` spaces.
fn indented(text: &str, by: usize) -> String {
    let pad = " ".repeat(by);
    text.lines()
        .map(|l| format!("{pad}{l}\n"))
        .collect::<String>()
}

fn as_text(deal: &Deal, number: StepNumber, playbook: &Playbook, cards: &[Card]) -> String {
    let def = playbook.step(number);
    let g: &Guidance = &def.guidance;
    let mut out = format!(
        "Step {number} of 10 · {} · deal {}: {}\n",
        def.title,
        deal.id,
        clean(&deal.name)
    );
    if g.is_empty() {
        out += &format!("\nThis playbook gives no guidance for step {number}.\n");
    }
    let list = |title: &str, items: &[String]| -> String {
        if items.is_empty() {
            return String::new();
        }
        let lines: String = items.iter().map(|i| format!("  - {i}\n")).collect();
        format!("\n{title}\n{lines}")
    };
    out += &list("Questions to ask", &g.questions);
    if !g.talk_track.trim().is_empty() {
        out += &format!("\nTalk track\n{}", indented(g.talk_track.trim(), 2));
    }
    out += &list("Good evidence", &g.good_evidence);
    if !g.examples.is_empty() {
        out += "\nEvidence by score\n";
        for e in scored_examples(deal, g) {
            out += &format!("  {}\n", e.element.label());
            for (score, (evidence, label)) in
                e.scores.iter().zip(&playbook.meddpicc.scale).enumerate()
            {
                out += &format!("    {score} {label}: {evidence}\n");
            }
        }
    }
    if !g.templates.is_empty() {
        out += "\nTemplates\n";
        for kind in NoteKind::ALL {
            let template = kind.template(&g.templates).trim();
            if !template.is_empty() {
                out += &format!("  {}\n{}", kind.label(), indented(template, 4));
            }
        }
    }
    if def.capture == CaptureKind::Competitors {
        out += "\nBattle cards\n";
        if cards.is_empty() {
            out += &format!("  No competitors on this deal yet: step {number}'s form adds them.\n");
        }
        for c in cards {
            out += &format!("  {} ({}, threat {})\n", c.competitor, c.position, c.threat);
            match &c.notes {
                Some(notes) if !notes.trim().is_empty() => out += &indented(notes.trim(), 4),
                _ => {
                    out += &format!(
                        "    No battle card yet: qualify battlecard {:?} --set TEXT\n",
                        c.competitor
                    )
                }
            }
        }
    }
    out
}
