//! The escalation matrix applied to a deal: who must act, by when.

use super::deal::Deal;
use super::playbook::{EscalationDef, EscalationRule, Playbook, Window};
use super::step::StepStatus;
use chrono::{DateTime, Duration, FixedOffset, NaiveTime, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EscalationStatus {
    Open,
    Acknowledged,
    Resolved,
}

impl EscalationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            EscalationStatus::Open => "open",
            EscalationStatus::Acknowledged => "acknowledged",
            EscalationStatus::Resolved => "resolved",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Escalation {
    pub rule: EscalationRule,
    pub scenario: String,
    pub escalate_to: String,
    pub authority: String,
    /// The step it concerns, when it concerns one.
    pub step: Option<u8>,
    pub raised_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub status: EscalationStatus,
    pub overdue: bool,
    /// What raised it, in words.
    pub why: String,
}

impl Escalation {
    /// "due in 5h" / "OVERDUE 2h" at `now`.
    pub fn timer(&self, now: DateTime<Utc>) -> String {
        let left = self.due_at - now;
        if left > Duration::zero() {
            format!("due in {}", span(left))
        } else {
            format!("OVERDUE {}", span(-left))
        }
    }
}

/// A duration in the largest sensible unit: 3d 4h, 5h 10m, 12m.
pub fn span(d: Duration) -> String {
    let minutes = d.num_minutes().max(0);
    let (days, hours, mins) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    if days > 0 {
        format!("{days}d {hours}h")
    } else if hours > 0 {
        format!("{hours}h {mins}m")
    } else {
        format!("{mins}m")
    }
}

/// When an escalation raised at `raised_at` must be acted on. "Same day" is
/// the end of that calendar day at the user's UTC offset.
pub fn due_at(window: Window, raised_at: DateTime<Utc>, offset: FixedOffset) -> DateTime<Utc> {
    match window {
        Window::Hours(h) => raised_at + Duration::hours(i64::from(h)),
        Window::SameDay => {
            let local_day = raised_at.with_timezone(&offset).date_naive();
            let end = local_day.and_time(NaiveTime::MIN) + Duration::days(1);
            end.and_local_timezone(offset)
                .single()
                .map(|at| at.with_timezone(&Utc))
                .unwrap_or(raised_at)
        }
    }
}

fn from_row(
    row: &EscalationDef,
    step: Option<u8>,
    raised_at: DateTime<Utc>,
    due: DateTime<Utc>,
    now: DateTime<Utc>,
    why: String,
) -> Escalation {
    Escalation {
        rule: row.rule,
        scenario: row.scenario.clone(),
        escalate_to: row.escalate_to.clone(),
        authority: row.authority.clone(),
        step,
        raised_at,
        due_at: due,
        status: EscalationStatus::Open,
        overdue: now > due,
        why,
    }
}

/// The escalations the tool raises itself from the deal's state at `now`:
/// one per step blocked for longer than the playbook allows.
pub fn detected(deal: &Deal, playbook: &Playbook, now: DateTime<Utc>) -> Vec<Escalation> {
    let Some(row) = playbook.escalation(EscalationRule::StepBlocked) else {
        return Vec::new();
    };
    let allowed = Duration::days(i64::from(row.blocked_for_days.unwrap_or(3)));
    deal.steps
        .iter()
        .filter(|s| s.status == StepStatus::Blocked)
        .filter_map(|s| {
            let since = s.blocked_since?;
            let raised_at = since + allowed;
            (now > raised_at).then(|| {
                let why = format!(
                    "Step {} blocked for {} since {}: {}",
                    s.number,
                    span(now - since),
                    since.format("%Y-%m-%d %H:%M UTC"),
                    s.blocked_reason.as_deref().unwrap_or("no reason given")
                );
                let due = due_at(
                    row.window,
                    raised_at,
                    FixedOffset::east_opt(0).expect("UTC"),
                );
                from_row(row, Some(s.number), raised_at, due, now, why)
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::deal::{DealId, NewDeal};
    use crate::domain::step::{StepChange, apply};
    use chrono::TimeZone;

    fn at(d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, d, h, 0, 0).unwrap()
    }

    fn deal_blocked_at(since: DateTime<Utc>) -> (Deal, Playbook) {
        let pb = Playbook::default_playbook();
        let mut deal = NewDeal {
            name: "Acme".into(),
            account: "Acme".into(),
            ..Default::default()
        }
        .into_deal(DealId(1), &pb, since);
        apply(
            &mut deal.steps,
            3,
            &StepChange::Block {
                reason: "security review queue".into(),
            },
            &pb,
            since,
        )
        .unwrap();
        (deal, pb)
    }

    #[test]
    fn a_step_blocked_more_than_three_days_escalates_to_the_direct_manager() {
        let (deal, pb) = deal_blocked_at(at(2, 9));
        assert!(
            detected(&deal, &pb, at(3, 9)).is_empty(),
            "one day: nothing"
        );
        assert!(
            detected(&deal, &pb, at(5, 9)).is_empty(),
            "exactly three days: not yet"
        );
        let found = detected(&deal, &pb, at(5, 10));
        assert_eq!(found.len(), 1);
        let e = &found[0];
        assert_eq!(e.scenario, "Step blocked > 3 days");
        assert_eq!(e.escalate_to, "Direct manager");
        assert_eq!(e.authority, "VP Sales");
        assert_eq!(e.step, Some(3));
        assert_eq!(e.raised_at, at(5, 9));
        assert_eq!(e.due_at, at(6, 9));
        assert!(!e.overdue);
        assert!(e.why.contains("security review queue"), "{}", e.why);
        assert_eq!(e.timer(at(5, 10)), "due in 23h 0m");
        let later = detected(&deal, &pb, at(6, 11));
        assert!(later[0].overdue);
        assert_eq!(later[0].timer(at(6, 11)), "OVERDUE 2h 0m");
    }

    #[test]
    fn unblocking_clears_the_escalation() {
        let (mut deal, pb) = deal_blocked_at(at(2, 9));
        apply(&mut deal.steps, 3, &StepChange::Unblock, &pb, at(9, 9)).unwrap();
        assert!(detected(&deal, &pb, at(9, 10)).is_empty());
    }

    #[test]
    fn same_day_ends_at_local_midnight() {
        let plus2 = FixedOffset::east_opt(2 * 3600).unwrap();
        // 21:30 UTC is 23:30 at +02:00: due half an hour later
        let raised = Utc.with_ymd_and_hms(2026, 11, 2, 21, 30, 0).unwrap();
        assert_eq!(
            due_at(Window::SameDay, raised, plus2),
            Utc.with_ymd_and_hms(2026, 11, 2, 22, 0, 0).unwrap()
        );
        // 22:30 UTC is already the next local day: due at the end of that one
        let raised = Utc.with_ymd_and_hms(2026, 11, 2, 22, 30, 0).unwrap();
        assert_eq!(
            due_at(Window::SameDay, raised, plus2),
            Utc.with_ymd_and_hms(2026, 11, 3, 22, 0, 0).unwrap()
        );
        assert_eq!(
            due_at(Window::Hours(72), raised, plus2),
            raised + Duration::hours(72)
        );
    }

    #[test]
    fn spans_read_naturally() {
        assert_eq!(span(Duration::minutes(12)), "12m");
        assert_eq!(span(Duration::minutes(130)), "2h 10m");
        assert_eq!(span(Duration::hours(76)), "3d 4h");
    }
}
