//! Who confirmed a step's outcome: one of the deal's stakeholders, named
//! as the buying group names them. The scorecard's step comes before the
//! buying group is mapped, so it may name a contact the deal does not hold
//! yet (chosen by the step's capture kind, never by its number). The
//! budget's own "confirmed by / on" is the budget step's confirmation.

use super::content::{Budget, Role};
use super::deal::Deal;
use super::playbook::{CaptureKind, Playbook};
use super::step::{RuleError, StepNumber};

/// Whether step `number` takes anyone's name (the scorecard's step) rather
/// than one of the deal's stakeholders.
pub fn takes_any_name(number: StepNumber, playbook: &Playbook) -> bool {
    playbook.step(number).capture == CaptureKind::Scorecard
}

/// The deal's stakeholders, each with their title: "Tom Hale (CFO)".
pub fn stakeholders_named(deal: &Deal) -> Vec<String> {
    deal.content
        .stakeholders
        .iter()
        .map(|s| {
            let (name, title) = (s.name.trim(), s.title.trim());
            if title.is_empty() {
                name.to_string()
            } else {
                format!("{name} ({title})")
            }
        })
        .collect()
}

/// The name step `number`'s confirmation records for `with`: one of the
/// deal's stakeholders, matched whatever the case and spelt as the buying
/// group spells it (or, on the scorecard's step, any name, trimmed).
/// Refused when empty, or when no stakeholder has that name.
pub fn confirmer(
    deal: &Deal,
    number: StepNumber,
    with: &str,
    playbook: &Playbook,
) -> Result<String, RuleError> {
    let with = with.trim();
    let mapped_on = playbook.step_capturing(CaptureKind::Stakeholders).number;
    if with.is_empty() {
        return Err(RuleError::NoConfirmer {
            stakeholders: stakeholders_named(deal),
            mapped_on,
        });
    }
    let known = deal
        .content
        .stakeholders
        .iter()
        .find(|s| s.name.trim().to_lowercase() == with.to_lowercase());
    match known {
        Some(s) => Ok(s.name.trim().to_string()),
        None if takes_any_name(number, playbook) => Ok(with.to_string()),
        None => Err(RuleError::NotAStakeholder {
            name: with.to_string(),
            stakeholders: stakeholders_named(deal),
            mapped_on,
        }),
    }
}

/// Whom a new confirmation of step `number` suggests, so that a person
/// picks rather than types: the stakeholder who confirmed the latest step
/// before it, else the champion, else the economic buyer, else the first
/// stakeholder. `None` when the deal has no stakeholders.
pub fn suggested(deal: &Deal, number: StepNumber) -> Option<String> {
    let people = &deal.content.stakeholders;
    let is_stakeholder = |name: &str| {
        people
            .iter()
            .any(|s| s.name.trim().eq_ignore_ascii_case(name.trim()))
    };
    let earlier = deal
        .steps
        .iter()
        .filter(|s| s.number < number && is_stakeholder(&s.confirmed_with))
        .max_by_key(|s| (s.confirmed_on, s.number))
        .map(|s| s.confirmed_with.trim().to_string());
    let by_role = |role: Role| people.iter().find(|s| s.role == role);
    earlier.or_else(|| {
        by_role(Role::Champion)
            .or_else(|| by_role(Role::EconomicBuyer))
            .or(people.first())
            .map(|s| s.name.trim().to_string())
    })
}

/// The budget was saved over `before`: when its "confirmed by" names
/// someone and its confirmation changed (or the budget step, `step`, has
/// none yet), the step's confirmation takes the budget's, spelt as the
/// buying group spells the person.
pub fn follow_budget(deal: &mut Deal, before: &Budget, step: StepNumber) {
    let b = &deal.content.budget;
    let by = b.confirmed_by.trim();
    if by.is_empty() {
        return;
    }
    let changed = b.confirmed_by.trim() != before.confirmed_by.trim()
        || b.confirmed_on != before.confirmed_on;
    let name = deal
        .content
        .stakeholders
        .iter()
        .find(|s| s.name.trim().eq_ignore_ascii_case(by))
        .map_or(by, |s| s.name.trim())
        .to_string();
    let on = b.confirmed_on;
    if let Some(s) = deal.steps.iter_mut().find(|s| s.number == step)
        && (changed || s.confirmed_with.trim().is_empty())
    {
        s.confirmed_with = name;
        s.confirmed_on = on;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::content::{Level, Stakeholder, Stance};
    use crate::domain::deal::{DealId, NewDeal};
    use crate::domain::step_number::number;
    use chrono::{NaiveDate, TimeZone, Utc};

    fn deal() -> (Deal, Playbook) {
        let pb = Playbook::default_playbook();
        let now = Utc.with_ymd_and_hms(2026, 11, 27, 15, 0, 0).unwrap();
        let new = NewDeal {
            name: "Acme ERP".into(),
            account: "Acme".into(),
            ..Default::default()
        };
        (new.into_deal(DealId(1), &pb, now), pb)
    }

    fn person(name: &str, title: &str, role: Role) -> Stakeholder {
        Stakeholder {
            name: name.into(),
            title: title.into(),
            role,
            stance: Stance::Supports,
            influence: Level::High,
            last_engaged: None,
            confirmed_on: None,
        }
    }

    fn day(s: &str) -> NaiveDate {
        crate::domain::parse_date(s).unwrap()
    }

    #[test]
    fn a_confirmation_names_a_stakeholder_except_on_the_scorecard_s_step() {
        let (mut d, pb) = deal();
        let empty = confirmer(&d, number(3), "  ", &pb).unwrap_err();
        assert_eq!(
            empty.to_string(),
            "a confirmation names who confirmed; the deal has no stakeholders yet (map them on step 2)"
        );
        // before the buying group is mapped, the scorecard's step takes anyone
        assert_eq!(confirmer(&d, number(1), " Priya ", &pb).unwrap(), "Priya");
        let err = confirmer(&d, number(3), "Priya", &pb).unwrap_err();
        assert!(matches!(err, RuleError::NotAStakeholder { .. }), "{err}");
        d.content
            .stakeholders
            .push(person("Tom Hale", "CFO", Role::EconomicBuyer));
        d.content
            .stakeholders
            .push(person("Priya Raman", "", Role::Champion));
        assert_eq!(
            confirmer(&d, number(3), "tom hale", &pb).unwrap(),
            "Tom Hale"
        );
        assert_eq!(
            confirmer(&d, number(3), "Bob", &pb)
                .unwrap_err()
                .to_string(),
            "\"Bob\" is not one of the deal's stakeholders (Tom Hale (CFO), Priya Raman): name one of them, or map them on step 2 first"
        );
        assert_eq!(
            confirmer(&d, number(4), "", &pb).unwrap_err().to_string(),
            "a confirmation names who confirmed: one of the deal's stakeholders (Tom Hale (CFO), Priya Raman)"
        );
    }

    #[test]
    fn the_suggestion_is_who_confirmed_last_else_the_champion() {
        let (mut d, _) = deal();
        assert_eq!(suggested(&d, number(3)), None);
        d.content
            .stakeholders
            .push(person("Tom Hale", "CFO", Role::EconomicBuyer));
        assert_eq!(suggested(&d, number(3)).as_deref(), Some("Tom Hale"));
        d.content
            .stakeholders
            .push(person("Priya Raman", "VP Finance", Role::Champion));
        assert_eq!(suggested(&d, number(3)).as_deref(), Some("Priya Raman"));
        d.steps[1].confirmed_with = "Tom Hale".into();
        d.steps[1].confirmed_on = Some(day("2026-11-25"));
        assert_eq!(suggested(&d, number(3)).as_deref(), Some("Tom Hale"));
    }

    #[test]
    fn the_budget_s_confirmation_fills_the_budget_step_s() {
        let (mut d, _) = deal();
        d.content
            .stakeholders
            .push(person("Tom Hale", "CFO", Role::EconomicBuyer));
        let before = d.content.budget.clone();
        d.content.budget.confirmed_by = "tom hale".into();
        d.content.budget.confirmed_on = Some(day("2026-11-24"));
        follow_budget(&mut d, &before, number(3));
        assert_eq!(d.steps[2].confirmed_with, "Tom Hale");
        assert_eq!(d.steps[2].confirmed_on, Some(day("2026-11-24")));
        // a confirmation set on the step itself stays while the budget's
        // confirmation does not change
        d.steps[2].confirmed_with = "Priya Raman".into();
        let before = d.content.budget.clone();
        d.content.budget.source = "FY27".into();
        follow_budget(&mut d, &before, number(3));
        assert_eq!(d.steps[2].confirmed_with, "Priya Raman");
    }
}
