//! What the playbook tells the AE at each step (`[steps.guidance]`): the
//! questions to ask, a talk track, what good evidence looks like, templates
//! for the step's three notes and, on the scorecard's step, example evidence
//! for each element at each score. All of it is optional, so that an older
//! or a team's own playbook loads without it; every text is bounded here and
//! cleaned by the playbook's one sanitiser.

use super::choices::{Choice, Element};
use serde::Deserialize;

/// The most entries a list of guidance may hold (questions, evidence lines,
/// examples).
pub const MAX_ENTRIES: usize = 40;

/// One step's guidance, as loaded (empty when the playbook gives none).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Guidance {
    /// The questions to ask the buyer at this step.
    pub questions: Vec<String>,
    /// How to say it: the AE's talk track.
    pub talk_track: String,
    /// What good evidence looks like, a line each.
    pub good_evidence: Vec<String>,
    /// What to write in each of the step's notes.
    pub templates: Templates,
    /// On the scorecard's step: each element's evidence at each score.
    pub examples: Vec<ElementExamples>,
}

/// Templates for the step's three notes; an empty one is not offered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Templates {
    pub outcomes: String,
    pub decisions: String,
    pub next_steps: String,
}

/// Example evidence for one scorecard element, one per score of the scale
/// (0 first).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ElementExamples {
    pub element: Element,
    pub scores: Vec<String>,
}

impl Guidance {
    /// Nothing to show.
    pub fn is_empty(&self) -> bool {
        self.questions.is_empty()
            && self.talk_track.trim().is_empty()
            && self.good_evidence.is_empty()
            && self.templates.is_empty()
            && self.examples.is_empty()
    }

    /// The examples of `element`, if the guidance gives them.
    pub fn examples_of(&self, element: Element) -> Option<&ElementExamples> {
        self.examples.iter().find(|e| e.element == element)
    }

    /// What is wrong with it, given the scale's length: the field (below
    /// `guidance`) and why. Lengths are bounded; an element's examples are
    /// given once, one per score.
    pub fn check(&self, scale: usize) -> Result<(), (String, String)> {
        use crate::text::{MAX_LONG, check_length};
        let lists: [(&str, &[String]); 2] = [
            ("questions", &self.questions),
            ("good_evidence", &self.good_evidence),
        ];
        for (key, list) in lists {
            if list.len() > MAX_ENTRIES {
                return Err((key.into(), format!("at most {MAX_ENTRIES} entries")));
            }
            for (i, text) in list.iter().enumerate() {
                check_length(text, MAX_LONG).map_err(|m| (format!("{key}[{i}]"), m))?;
            }
        }
        let t = &self.templates;
        for (key, text) in [
            ("talk_track", &self.talk_track),
            ("templates.outcomes", &t.outcomes),
            ("templates.decisions", &t.decisions),
            ("templates.next_steps", &t.next_steps),
        ] {
            check_length(text, MAX_LONG).map_err(|m| (key.to_string(), m))?;
        }
        for (i, e) in self.examples.iter().enumerate() {
            let key = format!("examples[{i}]");
            if self.examples[..i].iter().any(|o| o.element == e.element) {
                let m = format!("{} has examples already", e.element.key());
                return Err((format!("{key}.element"), m));
            }
            if e.scores.len() != scale {
                let m = format!("expected {scale} examples, one for each score from 0");
                return Err((format!("{key}.scores"), m));
            }
            for (j, text) in e.scores.iter().enumerate() {
                check_length(text, MAX_LONG).map_err(|m| (format!("{key}.scores[{j}]"), m))?;
            }
        }
        Ok(())
    }

    /// Every text through the one sanitiser: lists and examples on one line
    /// each, the talk track and templates keeping their newlines.
    pub fn clean(&mut self) {
        use crate::text::{clean, sanitize};
        let one_line = |s: &mut String| *s = clean(s);
        let lines = |s: &mut String| *s = sanitize(s, true);
        self.questions.iter_mut().for_each(one_line);
        self.good_evidence.iter_mut().for_each(one_line);
        lines(&mut self.talk_track);
        lines(&mut self.templates.outcomes);
        lines(&mut self.templates.decisions);
        lines(&mut self.templates.next_steps);
        for e in &mut self.examples {
            e.scores.iter_mut().for_each(one_line);
        }
    }
}

impl Templates {
    pub fn is_empty(&self) -> bool {
        [&self.outcomes, &self.decisions, &self.next_steps]
            .iter()
            .all(|t| t.trim().is_empty())
    }
}

/// A note with a template put in: the template alone in an empty note, else
/// after what the note holds and a blank line, so that nothing written is
/// lost. `None` when the result would pass `max` characters.
pub fn with_template(note: &str, template: &str, max: usize) -> Option<String> {
    let template = template.trim_end();
    let kept = note.trim_end();
    let text = if kept.trim().is_empty() {
        template.to_string()
    } else {
        format!("{kept}\n\n{template}")
    };
    (text.chars().count() <= max).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn guidance(toml_text: &str) -> Guidance {
        toml::from_str(toml_text).unwrap()
    }

    #[test]
    fn nothing_given_is_empty_and_checks() {
        let g = guidance("");
        assert!(g.is_empty());
        assert_eq!(g.check(4), Ok(()));
        assert!(!guidance("questions = [\"Who signs?\"]").is_empty());
        assert!(!guidance("[templates]\nnext_steps = \"- \"").is_empty());
        assert!(guidance("[templates]\nnext_steps = \"  \"").is_empty());
    }

    #[test]
    fn an_element_has_one_example_per_score_and_is_given_once() {
        let two = "[[examples]]\nelement = \"metrics\"\nscores = [\"a\", \"b\"]\n";
        assert_eq!(g_err(two, 2), None);
        assert_eq!(
            g_err(two, 4),
            Some((
                "examples[0].scores".into(),
                "expected 4 examples, one for each score from 0".into()
            ))
        );
        let twice = format!("{two}{two}");
        assert_eq!(
            g_err(&twice, 2),
            Some((
                "examples[1].element".into(),
                "metrics has examples already".into()
            ))
        );
        let g = guidance(two);
        assert_eq!(g.examples_of(Element::Metrics).unwrap().scores[1], "b");
        assert!(g.examples_of(Element::Champion).is_none());
    }

    fn g_err(text: &str, scale: usize) -> Option<(String, String)> {
        guidance(text).check(scale).err()
    }

    #[test]
    fn texts_and_lists_are_bounded() {
        let long = "x".repeat(crate::text::MAX_LONG + 1);
        let g = Guidance {
            talk_track: long.clone(),
            ..Guidance::default()
        };
        assert_eq!(g.check(4).unwrap_err().0, "talk_track");
        let g = Guidance {
            questions: vec!["ok".into(), long],
            ..Guidance::default()
        };
        assert_eq!(g.check(4).unwrap_err().0, "questions[1]");
        let g = Guidance {
            good_evidence: vec!["a".into(); MAX_ENTRIES + 1],
            ..Guidance::default()
        };
        assert_eq!(g.check(4).unwrap_err().0, "good_evidence");
        let g = Guidance {
            good_evidence: vec!["a".into(); MAX_ENTRIES],
            ..Guidance::default()
        };
        assert_eq!(g.check(4), Ok(()));
    }

    #[test]
    fn cleaning_drops_control_characters_and_keeps_a_template_s_lines() {
        let mut g = Guidance {
            questions: vec!["Who\u{1b}[2J signs?\nnow".into()],
            templates: Templates {
                outcomes: "Pain:\u{7}\nMetric:".into(),
                ..Templates::default()
            },
            ..Guidance::default()
        };
        g.clean();
        assert!(!g.questions[0].contains('\u{1b}') && !g.questions[0].contains('\n'));
        assert!(!g.templates.outcomes.contains('\u{7}'));
        assert_eq!(g.templates.outcomes.lines().count(), 2);
    }

    #[test]
    fn a_template_goes_into_an_empty_note_alone() {
        assert_eq!(with_template("", "Pain:\n", 100).unwrap(), "Pain:");
        assert_eq!(with_template(" \n", "Pain:", 100).unwrap(), "Pain:");
    }

    #[test]
    fn a_template_too_long_for_the_note_is_refused() {
        assert_eq!(with_template("abc", "de", 7), Some("abc\n\nde".into()));
        assert_eq!(with_template("abc", "de", 6), None);
    }

    proptest! {
        /// Nothing written is lost: the note is the start of the result,
        /// the template its end, a blank line between.
        #[test]
        fn a_template_is_put_after_what_the_note_holds(
            note in "[a-z \n]{0,40}", template in "[A-Z:\n]{1,20}"
        ) {
            let text = with_template(&note, &template, 1_000).unwrap();
            prop_assert!(text.ends_with(template.trim_end()));
            if note.trim().is_empty() {
                prop_assert_eq!(text, template.trim_end());
            } else {
                prop_assert!(text.starts_with(note.trim_end()));
                let middle = &text[note.trim_end().len()..text.len() - template.trim_end().len()];
                prop_assert_eq!(middle, "\n\n");
            }
        }
    }
}
