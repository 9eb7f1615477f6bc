//! The procedure's known failure, a step rushed: completed within minutes
//! of its start with thin content. What a step records is weighed whole,
//! its three notes and the structured record its form captures: a step is
//! thin when its notes are short *and* its form is not filled in (a step-1
//! scorecard with evidence for every element is prepared, whatever its
//! notes say). Never a block, only a flag that says why.

use super::content::{Choice, Level, RiskBand};
use super::criteria::{crm_field_present, risk_band};
use super::deal::Deal;
use super::playbook::{CaptureKind, Playbook};
use super::step::{NoteKind, StepNumber};
use crate::text::plural;

/// What a step holds, weighed against the playbook's rushing limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preparation {
    /// Characters of real content across the step's three notes.
    pub note_chars: usize,
    /// The notes still empty, in the screen's order.
    pub empty_notes: Vec<NoteKind>,
    /// What the step's form lacks to be whole, in words; empty when whole.
    pub form_gaps: Vec<String>,
}

impl Preparation {
    /// Short notes and a form with gaps: too little to show for the step.
    pub fn thin(&self, playbook: &Playbook) -> bool {
        self.note_chars < playbook.rushing.min_note_chars as usize && !self.form_gaps.is_empty()
    }

    /// The notes and the form in a few words: "12 characters of notes and
    /// a form without evidence for Champion".
    fn words(&self) -> String {
        format!(
            "{} of notes and a form without {}",
            plural(self.note_chars, "character", "characters"),
            gaps_text(&self.form_gaps, 2)
        )
    }
}

/// The first `shown` gaps, and how many more.
fn gaps_text(gaps: &[String], shown: usize) -> String {
    let mut text = gaps
        .iter()
        .take(shown)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if gaps.len() > shown {
        text.push_str(&format!(" and {} more", gaps.len() - shown));
    }
    text
}

/// How step `number` of `deal` stands: its notes and its form.
pub fn preparation(deal: &Deal, number: StepNumber, playbook: &Playbook) -> Preparation {
    let (note_chars, empty_notes) = deal.step(number).map_or((0, NoteKind::ALL.to_vec()), |s| {
        let empty = NoteKind::ALL
            .into_iter()
            .filter(|k| s.notes.get(*k).trim().is_empty())
            .collect();
        (s.notes.content_chars(), empty)
    });
    Preparation {
        note_chars,
        empty_notes,
        form_gaps: form_gaps(playbook.step(number).capture, deal, playbook),
    }
}

/// Step `number`, complete, completed within the playbook's minutes of its
/// start with thin notes and form: the warning that says so, with why.
pub fn rushed(deal: &Deal, number: StepNumber, playbook: &Playbook) -> Option<String> {
    let step = deal.step(number)?;
    let (start, done) = (step.started_at?, step.completed_at?);
    if !step.is_complete() {
        return None;
    }
    let minutes = (done - start).num_minutes();
    if minutes >= i64::from(playbook.rushing.min_minutes) {
        return None;
    }
    // the notes and the form are weighed only for a step done quickly
    let prepared = preparation(deal, number, playbook);
    prepared.thin(playbook).then(|| {
        format!(
            "Step {number} looks rushed: completed {minutes} min after it started, with {}. {}",
            prepared.words(),
            playbook.rushing.warning
        )
    })
}

/// What step `number` still needs so that completing it does not look
/// rushed, for the deal screen's foot: the notes expected (those still
/// empty, and how many characters in all), or the form whole (its first
/// gap, and how many more). `None` when the step is complete or blocked,
/// or holds enough already.
pub fn expected(deal: &Deal, number: StepNumber, playbook: &Playbook) -> Option<String> {
    let step = deal.step(number)?;
    if step.is_complete() || step.blocked_reason.is_some() {
        return None;
    }
    let prepared = preparation(deal, number, playbook);
    if !prepared.thin(playbook) {
        return None;
    }
    let min = playbook.rushing.min_note_chars;
    let notes = if prepared.empty_notes.is_empty() {
        "its notes".to_string()
    } else {
        let names: Vec<&str> = prepared.empty_notes.iter().map(|k| k.label()).collect();
        names.join(", ")
    };
    Some(format!(
        "Notes expected before completing: {notes} ({} of {min} characters), or the form whole (lacking {})",
        prepared.note_chars,
        gaps_text(&prepared.form_gaps, 1)
    ))
}

/// What the form of a step capturing `kind` lacks to be whole, in words.
fn form_gaps(kind: CaptureKind, deal: &Deal, playbook: &Playbook) -> Vec<String> {
    let c = &deal.content;
    let blank = |s: &str| s.trim().is_empty();
    let mut gaps = Vec::new();
    let mut need = |missing: bool, what: String| {
        if missing {
            gaps.push(what);
        }
    };
    match kind {
        CaptureKind::Scorecard => {
            for e in c.meddpicc.framework.elements() {
                match c.meddpicc.elements.get(&e) {
                    None => need(true, format!("a score for {}", e.label())),
                    Some(s) => need(blank(&s.evidence), format!("evidence for {}", e.label())),
                }
            }
        }
        CaptureKind::Stakeholders => {
            need(c.stakeholders.is_empty(), "stakeholders".into());
            for s in &c.stakeholders {
                need(blank(&s.title), format!("{}'s title", s.name.trim()));
                need(
                    s.last_engaged.is_none(),
                    format!("{}'s last-engaged date", s.name.trim()),
                );
            }
        }
        CaptureKind::Budget => {
            let b = &c.budget;
            need(b.amount.is_none(), "the budget's amount".into());
            need(blank(&b.holder), "the budget's holder".into());
            need(blank(&b.source), "the budget's source".into());
            need(blank(&b.fiscal_timing), "the budget's fiscal timing".into());
            need(
                b.confirmed_on.is_none() || blank(&b.confirmed_by),
                "who confirmed the budget, and when".into(),
            );
        }
        CaptureKind::ValidationPlan => {
            let items = &c.validation_plan.items;
            need(items.is_empty(), "validation items".into());
            for (i, item) in items.iter().enumerate() {
                need(
                    blank(&item.success_criterion) || blank(&item.owner) || item.due.is_none(),
                    format!("item {}'s criterion, owner and due date", i + 1),
                );
            }
        }
        CaptureKind::Competitors => {
            need(c.competitors.is_empty(), "competitors".into());
            for x in &c.competitors {
                need(
                    blank(&x.strengths) || blank(&x.weaknesses),
                    format!("{}'s strengths and weaknesses", x.name.trim()),
                );
                need(
                    x.threat != Level::Low && blank(&x.differentiators),
                    format!("differentiators against {}", x.name.trim()),
                );
            }
        }
        CaptureKind::DecisionProcess => {
            need(c.decision_process.is_empty(), "milestones".into());
            for m in &c.decision_process {
                need(
                    blank(&m.owner) || m.due.is_none(),
                    format!("{}'s owner and due date", m.name.trim()),
                );
            }
        }
        CaptureKind::Timeline => {
            need(
                blank(&c.timeline.compelling_event),
                "a compelling event".into(),
            );
            need(deal.close_date.is_none(), "a close date".into());
        }
        CaptureKind::Risks => {
            need(c.risks.is_empty(), "risks".into());
            for r in &c.risks {
                need(
                    risk_band(r, playbook) >= RiskBand::Medium
                        && (blank(&r.mitigation) || blank(&r.owner)),
                    format!("a mitigation and owner for {}", r.description.trim()),
                );
            }
        }
        CaptureKind::NextSteps => {
            let scheduled = c
                .next_steps
                .iter()
                .any(|n| !n.done && !blank(&n.owner) && n.due.is_some());
            need(
                !scheduled,
                "an open next step with an owner and a due date".into(),
            );
        }
        CaptureKind::CrmRecord => {
            for field in &playbook.crm.required_fields {
                need(
                    !crm_field_present(deal, *field),
                    format!("the record's {}", field.label()),
                );
            }
        }
    }
    gaps
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::content::{ElementScore, Framework};
    use crate::domain::deal::{DealId, NewDeal};
    use crate::domain::document::parse_documents;
    use crate::domain::step::{self, NoteKind, StepChange};
    use crate::domain::step_number::number;
    use chrono::{DateTime, TimeZone, Utc};

    fn t(minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap()
            + chrono::Duration::minutes(minute.into())
    }

    fn fresh() -> (Deal, Playbook) {
        let pb = Playbook::default_playbook();
        let new = NewDeal {
            name: "Acme ERP".into(),
            account: "Acme".into(),
            ..Default::default()
        };
        (new.into_deal(DealId(1), &pb, t(0)), pb)
    }

    /// Start step `n` at `start` and complete it `took` minutes later,
    /// without the rules (the steps before it are not the point here).
    fn walk(deal: &mut Deal, n: StepNumber, start: u32, took: u32, pb: &Playbook) {
        step::apply(&mut deal.steps, n, &StepChange::Start, pb, t(start)).unwrap();
        let s = deal.steps.iter_mut().find(|s| s.number == n).unwrap();
        s.status = crate::domain::step::StepStatus::Complete;
        s.completed_at = Some(t(start + took));
    }

    #[test]
    fn a_quick_completion_with_thin_notes_and_form_is_flagged() {
        let (mut deal, pb) = fresh();
        walk(&mut deal, number(1), 0, 2, &pb);
        let warning = rushed(&deal, number(1), &pb).expect("rushed");
        assert!(
            warning.starts_with(
                "Step 1 looks rushed: completed 2 min after it started, with 0 characters of notes and a form without a score for Metrics, a score for Economic buyer and 6 more."
            ),
            "{warning}"
        );
        // the same speed with real notes is not rushed
        let note = "Champion (Priya, VP Finance) confirmed the pain: 3 regional ERPs, month-end close takes 12 days.";
        deal.steps[0].notes.outcomes = note.into();
        assert_eq!(rushed(&deal, number(1), &pb), None);
        // and slow with thin notes is not rushed either
        deal.steps[0].notes.outcomes.clear();
        deal.steps[0].completed_at = Some(t(60));
        assert_eq!(rushed(&deal, number(1), &pb), None);
    }

    #[test]
    fn a_scorecard_with_evidence_for_every_element_is_not_rushed() {
        let (mut deal, pb) = fresh();
        walk(&mut deal, number(1), 0, 2, &pb);
        let card = &mut deal.content.meddpicc;
        card.framework = Framework::Meddpicc;
        for e in Framework::Meddpicc.elements() {
            card.elements.insert(
                e,
                ElementScore {
                    score: 2,
                    evidence: "CFO".into(),
                },
            );
        }
        assert_eq!(rushed(&deal, number(1), &pb), None);
        // one element without evidence, and the notes empty: rushed
        let champion = crate::domain::content::Element::Champion;
        deal.content
            .meddpicc
            .elements
            .get_mut(&champion)
            .unwrap()
            .evidence
            .clear();
        let warning = rushed(&deal, number(1), &pb).unwrap();
        assert!(
            warning.contains("a form without evidence for Champion."),
            "{warning}"
        );
    }

    /// The complete example deal, walked through all ten steps a couple of
    /// minutes each with its notes left empty: a normal walk, nothing rushed.
    #[test]
    fn a_normal_walk_of_the_ten_steps_flags_none() {
        let pb = Playbook::default_playbook();
        let text = include_str!("../../tests/fixtures/complete_deal.json");
        let mut deal = parse_documents(text)
            .unwrap()
            .remove(0)
            .into_deal(&pb, t(0));
        for (i, n) in StepNumber::all().enumerate() {
            let s = deal.steps.iter_mut().find(|s| s.number == n).unwrap();
            s.notes = Default::default();
            walk(&mut deal, n, i as u32 * 3, 2, &pb);
            assert_eq!(rushed(&deal, n, &pb), None, "step {n}");
            assert!(
                preparation(&deal, n, &pb).form_gaps.is_empty(),
                "step {n}: {:?}",
                preparation(&deal, n, &pb)
            );
        }
    }

    #[test]
    fn the_foot_names_the_notes_still_empty_until_the_step_holds_enough() {
        let (mut deal, pb) = fresh();
        let expected = |d: &Deal| expected(d, number(2), &pb);
        assert_eq!(
            expected(&deal).unwrap(),
            "Notes expected before completing: Outcomes, Decisions, Next steps (0 of 80 characters), or the form whole (lacking stakeholders)"
        );
        deal.steps[1].notes.outcomes = "Met the CFO".into();
        assert!(
            expected(&deal)
                .unwrap()
                .contains(": Decisions, Next steps (9 of 80 characters)"),
            "{:?}",
            expected(&deal)
        );
        let long = "x".repeat(80);
        deal.steps[1].notes.decisions = long;
        assert_eq!(expected(&deal), None, "enough notes");
        step::apply(
            &mut deal.steps,
            number(2),
            &StepChange::SetNote {
                kind: NoteKind::Decisions,
                text: String::new(),
            },
            &pb,
            t(1),
        )
        .unwrap();
        assert!(expected(&deal).is_some());
        deal.steps[1].status = crate::domain::step::StepStatus::Complete;
        assert_eq!(
            expected(&deal),
            None,
            "a complete step expects nothing more"
        );
    }
}
