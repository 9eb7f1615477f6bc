//! The escalation matrix applied to a deal: who must act, by when.

use super::deal::{Deal, same_person};
pub use super::escalation_record::{EscalationRecord, Stamp};
use super::playbook::{CaptureKind, EscalationDef, EscalationRule, Playbook, RaisedBy, Window};
use super::step::{RuleError, StepNumber, StepStatus};
use chrono::{DateTime, Duration, FixedOffset, NaiveTime, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EscalationStatus {
    Open,
    Acknowledged,
    Resolved,
    /// Taken back by its raiser.
    Withdrawn,
}

impl EscalationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            EscalationStatus::Open => "open",
            EscalationStatus::Acknowledged => "acknowledged",
            EscalationStatus::Resolved => "resolved",
            EscalationStatus::Withdrawn => "withdrawn",
        }
    }

    /// Resolved or withdrawn: nobody has anything more to do on it.
    pub fn is_closed(self) -> bool {
        matches!(
            self,
            EscalationStatus::Resolved | EscalationStatus::Withdrawn
        )
    }
}

/// How people name an escalation: `E7` once stored, `B12.3` for the
/// blocked-step escalation of deal 12's step 3 that nobody has acted on yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EscalationId {
    Stored(i64),
    Blocked { deal: i64, step: StepNumber },
}

impl std::fmt::Display for EscalationId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EscalationId::Stored(id) => write!(f, "E{id}"),
            EscalationId::Blocked { deal, step } => write!(f, "B{deal}.{step}"),
        }
    }
}

impl std::str::FromStr for EscalationId {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let t = s.trim();
        let bad = || {
            format!(
                "not an escalation id: {:?} (ids look like E7 or B12.3; `qualify check ID` lists them)",
                crate::text::clean(t)
            )
        };
        if let Some(n) = t.strip_prefix(['E', 'e']) {
            return n
                .parse()
                .ok()
                .filter(|n| *n > 0)
                .map(EscalationId::Stored)
                .ok_or_else(bad);
        }
        if let Some(rest) = t.strip_prefix(['B', 'b'])
            && let Some((deal, step)) = rest.split_once('.')
        {
            let deal = deal.parse().map_err(|_| bad())?;
            let step = step.parse().map_err(|_| bad())?;
            return Ok(EscalationId::Blocked { deal, step });
        }
        Err(bad())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Escalation {
    pub id: EscalationId,
    pub rule: EscalationRule,
    pub scenario: String,
    pub escalate_to: String,
    pub authority: String,
    /// The step it concerns, when it concerns one.
    pub step: Option<StepNumber>,
    pub raised_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub status: EscalationStatus,
    /// Unresolved past its due time.
    pub overdue: bool,
    /// Why it was raised, in words.
    pub why: String,
    pub raised_by: String,
    /// The person it is routed to (empty: the deal has no manager and it
    /// named nobody).
    pub to: String,
    pub acknowledged: Option<Stamp>,
    pub resolved: Option<Stamp>,
    pub withdrawn: Option<Stamp>,
}

impl Escalation {
    /// "due in 5h" / "OVERDUE 2h" at `now`.
    pub fn timer(&self, now: DateTime<Utc>) -> String {
        let left = self.due_at - now;
        if left >= Duration::zero() {
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
/// The user's UTC offset at a given instant (it changes with the clocks).
pub type Zone<'a> = &'a dyn Fn(DateTime<Utc>) -> FixedOffset;

/// When an escalation raised at `raised_at` must be acted on. "Same day" is
/// the end of that calendar day in the user's zone: midnight at the offset in
/// force at that midnight, so a change of the clocks that day is followed.
pub fn due_at(window: Window, raised_at: DateTime<Utc>, zone: Zone<'_>) -> DateTime<Utc> {
    match window {
        Window::Hours(h) => raised_at + Duration::hours(i64::from(h)),
        Window::SameDay => {
            let local_day = raised_at.with_timezone(&zone(raised_at)).date_naive();
            let midnight = (local_day.and_time(NaiveTime::MIN) + Duration::days(1)).and_utc();
            // first guess with the offset when raised, then the offset at that guess
            let guess = midnight - Duration::seconds(i64::from(zone(raised_at).local_minus_utc()));
            midnight - Duration::seconds(i64::from(zone(guess).local_minus_utc()))
        }
    }
}

/// The person an escalation is routed to: the one named when it was
/// raised, else (a blocked step's, or one kept before qualify named one)
/// the deal's manager.
pub fn routed_to<'a>(record: &'a EscalationRecord, deal: &'a Deal) -> &'a str {
    let to = record.to.trim();
    if to.is_empty() {
        deal.manager.trim()
    } else {
        to
    }
}

fn view(
    row: &EscalationDef,
    record: &EscalationRecord,
    id: EscalationId,
    deal: &Deal,
    now: DateTime<Utc>,
) -> Escalation {
    let due = record.due_at;
    // a view from before an act does not show it yet
    let acknowledged = record.acknowledged.clone().filter(|s| s.at <= now);
    let resolved = record.resolved.clone().filter(|s| s.at <= now);
    let withdrawn = record.withdrawn.clone().filter(|s| s.at <= now);
    let status = match (&acknowledged, &resolved, &withdrawn) {
        (_, _, Some(_)) => EscalationStatus::Withdrawn,
        (_, Some(_), None) => EscalationStatus::Resolved,
        (Some(_), None, None) => EscalationStatus::Acknowledged,
        (None, None, None) => EscalationStatus::Open,
    };
    Escalation {
        id,
        rule: row.rule,
        scenario: row.scenario.clone(),
        escalate_to: row.escalate_to.clone(),
        authority: row.authority.clone(),
        step: record.step,
        raised_at: record.raised_at,
        due_at: due,
        status,
        overdue: !status.is_closed() && now > due,
        why: record.reason.clone(),
        raised_by: record.raised_by.clone(),
        to: routed_to(record, deal).to_string(),
        acknowledged,
        resolved,
        withdrawn,
    }
}

/// The blocked-step escalation step `number` has at `now`, if it has been
/// blocked for longer than the playbook allows.
fn blocked_record(
    deal: &Deal,
    number: StepNumber,
    playbook: &Playbook,
    now: DateTime<Utc>,
) -> Option<EscalationRecord> {
    let row = playbook.escalation(EscalationRule::StepBlocked)?;
    let allowed = Duration::days(i64::from(row.blocked_for_days.unwrap_or(3)));
    let step = deal
        .step(number)
        .filter(|s| s.status == StepStatus::Blocked)?;
    let since = step.blocked_since?;
    let raised_at = since + allowed;
    (now > raised_at).then(|| EscalationRecord {
        id: 0,
        rule: EscalationRule::StepBlocked,
        step: Some(number),
        reason: format!(
            "Step {number} blocked since {}: {}",
            since.format("%Y-%m-%d %H:%M UTC"),
            step.blocked_reason.as_deref().unwrap_or("no reason given")
        ),
        raised_at,
        due_at: due_at(row.window, raised_at, &|_| {
            FixedOffset::east_opt(0).expect("UTC")
        }),
        raised_by: "qualify".into(),
        // to the deal's manager, whoever that is when it is looked at
        to: String::new(),
        acknowledged: None,
        resolved: None,
        withdrawn: None,
    })
}

fn same_block(a: &EscalationRecord, b: &EscalationRecord) -> bool {
    a.rule == b.rule && a.step == b.step && a.raised_at == b.raised_at
}

/// Every escalation of the deal at `now`, resolved ones included, oldest
/// first: the stored ones raised by then, and the blocked-step ones the
/// tool detects that nobody has acted on yet.
pub fn all(deal: &Deal, playbook: &Playbook, now: DateTime<Utc>) -> Vec<Escalation> {
    let mut out: Vec<Escalation> = deal
        .escalations
        .iter()
        .filter(|r| r.raised_at <= now)
        .filter_map(|r| {
            let row = playbook.escalation(r.rule)?;
            Some(view(row, r, EscalationId::Stored(r.id), deal, now))
        })
        .collect();
    if let Some(row) = playbook.escalation(EscalationRule::StepBlocked) {
        for step in deal.blocked_steps() {
            if let Some(record) = blocked_record(deal, step.number, playbook, now)
                && !deal.escalations.iter().any(|r| same_block(r, &record))
            {
                let id = EscalationId::Blocked {
                    deal: deal.id.0,
                    step: step.number,
                };
                out.push(view(row, &record, id, deal, now));
            }
        }
    }
    out.sort_by_key(|e| e.raised_at);
    out
}

/// The escalations neither resolved nor withdrawn yet.
pub fn open(deal: &Deal, playbook: &Playbook, now: DateTime<Utc>) -> Vec<Escalation> {
    all(deal, playbook, now)
        .into_iter()
        .filter(|e| !e.status.is_closed())
        .collect()
}

/// A person on the deal (its owner, SA or manager) raises an escalation of
/// a user scenario, routed to `to` (empty: the deal's manager), who is
/// neither the raiser nor the deal's owner.
#[allow(clippy::too_many_arguments)]
pub fn raise(
    deal: &mut Deal,
    rule: EscalationRule,
    reason: &str,
    by: &str,
    to: &str,
    playbook: &Playbook,
    now: DateTime<Utc>,
    zone: Zone<'_>,
) -> Result<(), RuleError> {
    let row = playbook
        .escalation(rule)
        .ok_or_else(|| RuleError::UnknownEscalation(format!("{rule:?}")))?;
    if row.raised_by == RaisedBy::Tool {
        return Err(RuleError::RaisedByTool(row.scenario.clone()));
    }
    if reason.trim().is_empty() {
        return Err(RuleError::Required("a reason"));
    }
    if !deal.is_on_deal(by) {
        return Err(RuleError::NotOnDeal {
            you: crate::text::clean(by.trim()),
            deal: deal.id.0,
        });
    }
    let to = if to.trim().is_empty() {
        deal.manager.trim()
    } else {
        to.trim()
    };
    if to.is_empty() {
        return Err(RuleError::NobodyToRouteTo {
            record: playbook.step_capturing(CaptureKind::CrmRecord).number,
        });
    }
    for (who, why) in [(by, "who raises it"), (&deal.owner, "the deal's owner")] {
        if same_person(to, who) {
            return Err(RuleError::BadRoute {
                to: crate::text::clean(to),
                why,
            });
        }
    }
    let to = to.to_string();
    deal.escalations.push(EscalationRecord {
        id: 0,
        rule,
        step: None,
        reason: reason.trim().to_string(),
        raised_at: now,
        due_at: due_at(row.window, now, zone),
        raised_by: by.trim().to_string(),
        to,
        acknowledged: None,
        resolved: None,
        withdrawn: None,
    });
    Ok(())
}

/// Whether `by` may acknowledge or resolve (`act`) `record` of `deal`: the
/// person it is routed to, or that person's manager. On a local file the
/// only manager qualify knows is the deal's, so the deal's manager may act
/// on any of its escalations; never its raiser, nor the deal's owner.
fn may_act(
    deal: &Deal,
    record: &EscalationRecord,
    id: EscalationId,
    by: &str,
    act: &'static str,
) -> Result<(), RuleError> {
    let clean = crate::text::clean;
    let to = routed_to(record, deal);
    let manager = deal.manager.trim();
    if same_person(by, &record.raised_by) {
        let who = if to.is_empty() {
            "the deal's manager".into()
        } else if same_person(to, manager) {
            format!("{}, to whom it is routed,", clean(to))
        } else {
            format!("{}, to whom it is routed, or the deal's manager", clean(to))
        };
        return Err(RuleError::RaiserActs {
            id: id.to_string(),
            act,
            who,
        });
    }
    if !same_person(by, &deal.owner) && (same_person(by, to) || same_person(by, manager)) {
        return Ok(());
    }
    Err(RuleError::NotRoutedTo {
        id: id.to_string(),
        to: if to.is_empty() {
            "the deal's manager, and it has none".into()
        } else {
            clean(to)
        },
        manager: if same_person(manager, to) || same_person(manager, &deal.owner) {
            String::new()
        } else {
            clean(manager)
        },
        you: clean(by.trim()),
    })
}

/// Refused when the escalation is over: resolved or withdrawn.
fn still_open(record: &EscalationRecord, id: EscalationId) -> Result<(), RuleError> {
    if record.withdrawn.is_some() {
        return Err(RuleError::EscalationWithdrawn(id.to_string()));
    }
    if record.resolved.is_some() {
        return Err(RuleError::EscalationResolved(id.to_string()));
    }
    Ok(())
}

/// The stored record an id names; a blocked-step escalation is stored the
/// first time someone acts on it.
fn record_mut<'a>(
    deal: &'a mut Deal,
    id: EscalationId,
    playbook: &Playbook,
    now: DateTime<Utc>,
) -> Result<&'a mut EscalationRecord, RuleError> {
    let unknown = || RuleError::UnknownEscalation(id.to_string());
    let index = match id {
        EscalationId::Stored(n) => deal
            .escalations
            .iter()
            .position(|r| r.id == n && r.raised_at <= now),
        EscalationId::Blocked { deal: d, step } if d == deal.id.0 => {
            let record = blocked_record(deal, step, playbook, now).ok_or_else(unknown)?;
            match deal.escalations.iter().position(|r| same_block(r, &record)) {
                Some(i) => Some(i),
                None => {
                    deal.escalations.push(record);
                    Some(deal.escalations.len() - 1)
                }
            }
        }
        EscalationId::Blocked { .. } => None,
    };
    let i = index.ok_or_else(unknown)?;
    Ok(&mut deal.escalations[i])
}

pub fn acknowledge(
    deal: &mut Deal,
    id: EscalationId,
    by: &str,
    note: &str,
    playbook: &Playbook,
    now: DateTime<Utc>,
) -> Result<(), RuleError> {
    let record = record_mut(deal, id, playbook, now)?.clone();
    still_open(&record, id)?;
    may_act(deal, &record, id, by, "acknowledge")?;
    let record = record_mut(deal, id, playbook, now)?;
    if let Some(done) = &record.acknowledged {
        return Err(RuleError::AlreadyAcknowledged {
            id: id.to_string(),
            by: done.by.clone(),
        });
    }
    record.acknowledged = Some(Stamp {
        by: by.to_string(),
        at: now,
        note: note.trim().to_string(),
    });
    Ok(())
}

pub fn resolve(
    deal: &mut Deal,
    id: EscalationId,
    by: &str,
    note: &str,
    playbook: &Playbook,
    now: DateTime<Utc>,
) -> Result<(), RuleError> {
    if note.trim().is_empty() {
        return Err(RuleError::Required("a note saying how it was resolved"));
    }
    let record = record_mut(deal, id, playbook, now)?.clone();
    still_open(&record, id)?;
    may_act(deal, &record, id, by, "resolve")?;
    let record = record_mut(deal, id, playbook, now)?;
    record.resolved = Some(Stamp {
        by: by.to_string(),
        at: now,
        note: note.trim().to_string(),
    });
    Ok(())
}

/// The raiser takes their escalation back, saying why. The one qualify
/// raises for a blocked step ends when the step is unblocked.
pub fn withdraw(
    deal: &mut Deal,
    id: EscalationId,
    by: &str,
    reason: &str,
    playbook: &Playbook,
    now: DateTime<Utc>,
) -> Result<(), RuleError> {
    if reason.trim().is_empty() {
        return Err(RuleError::Required("a reason for withdrawing it"));
    }
    let record = record_mut(deal, id, playbook, now)?;
    if let (EscalationId::Blocked { step, .. }, _) | (_, Some(step)) = (id, record.step) {
        return Err(RuleError::RaisedByQualify {
            id: id.to_string(),
            step,
        });
    }
    still_open(record, id)?;
    if !same_person(by, &record.raised_by) {
        return Err(RuleError::NotRaiser {
            id: id.to_string(),
            raiser: crate::text::clean(record.raised_by.trim()),
            you: crate::text::clean(by.trim()),
        });
    }
    record.withdrawn = Some(Stamp {
        by: by.to_string(),
        at: now,
        note: reason.trim().to_string(),
    });
    Ok(())
}

/// Step `number` is being unblocked: if its escalation was live, it is kept
/// in the history, resolved by the unblocking.
pub fn clear_blocked(
    deal: &mut Deal,
    number: StepNumber,
    by: &str,
    playbook: &Playbook,
    now: DateTime<Utc>,
) {
    if blocked_record(deal, number, playbook, now).is_none() {
        return;
    }
    let id = EscalationId::Blocked {
        deal: deal.id.0,
        step: number,
    };
    if let Ok(record) = record_mut(deal, id, playbook, now)
        && record.resolved.is_none()
    {
        let note = format!("step {number} unblocked");
        record.resolved = Some(Stamp {
            by: by.to_string(),
            at: now,
            note,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::deal::{DealId, NewDeal};
    use crate::domain::step::{StepChange, apply};
    use crate::domain::step_number::number;
    use chrono::TimeZone;

    fn at(d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, d, h, 0, 0).unwrap()
    }

    fn utc() -> FixedOffset {
        FixedOffset::east_opt(0).unwrap()
    }

    fn fresh(now: DateTime<Utc>) -> (Deal, Playbook) {
        let pb = Playbook::default_playbook();
        let new = NewDeal {
            name: "Acme".into(),
            account: "Acme".into(),
            owner: "dana".into(),
            manager: "Morgan".into(),
            ..Default::default()
        };
        (new.into_deal(DealId(7), &pb, now), pb)
    }

    fn deal_blocked_at(since: DateTime<Utc>) -> (Deal, Playbook) {
        let (mut deal, pb) = fresh(since);
        let block = StepChange::Block {
            reason: "security review queue".into(),
        };
        apply(&mut deal.steps, number(3), &block, &pb, since).unwrap();
        (deal, pb)
    }

    #[test]
    fn a_step_blocked_more_than_three_days_escalates_to_the_direct_manager() {
        let (deal, pb) = deal_blocked_at(at(2, 9));
        assert!(open(&deal, &pb, at(3, 9)).is_empty(), "one day: nothing");
        assert!(
            open(&deal, &pb, at(5, 9)).is_empty(),
            "exactly three days: not yet"
        );
        let found = open(&deal, &pb, at(5, 10));
        assert_eq!(found.len(), 1);
        let e = &found[0];
        assert_eq!(
            e.id,
            EscalationId::Blocked {
                deal: 7,
                step: number(3)
            }
        );
        assert_eq!(e.id.to_string(), "B7.3");
        assert_eq!(e.scenario, "Step blocked > 3 days");
        assert_eq!(e.escalate_to, "Direct manager");
        assert_eq!(e.authority, "VP Sales");
        assert_eq!(e.step, Some(number(3)));
        assert_eq!(e.raised_at, at(5, 9));
        assert_eq!(e.due_at, at(6, 9), "due 24 hours after it is raised");
        assert!(!e.overdue);
        assert!(e.why.contains("security review queue"), "{}", e.why);
        assert_eq!(e.timer(at(5, 10)), "due in 23h 0m");
        assert!(
            !open(&deal, &pb, at(6, 9))[0].overdue,
            "at the due time: not yet overdue"
        );
        let later = open(&deal, &pb, at(6, 11));
        assert!(later[0].overdue);
        assert_eq!(later[0].timer(at(6, 11)), "OVERDUE 2h 0m");
    }

    #[test]
    fn unblocking_clears_the_escalation_and_keeps_it_in_the_history() {
        let (mut deal, pb) = deal_blocked_at(at(2, 9));
        clear_blocked(&mut deal, number(3), "dana", &pb, at(9, 9));
        apply(
            &mut deal.steps,
            number(3),
            &StepChange::Unblock,
            &pb,
            at(9, 9),
        )
        .unwrap();
        assert!(open(&deal, &pb, at(9, 10)).is_empty());
        let history = all(&deal, &pb, at(9, 10));
        assert_eq!(history.len(), 1);
        assert_eq!(history[0].status, EscalationStatus::Resolved);
        let resolved = history[0].resolved.as_ref().unwrap();
        assert_eq!(
            (resolved.by.as_str(), resolved.note.as_str()),
            ("dana", "step 3 unblocked")
        );
        // unblocked before the three days: nothing to keep
        let (mut early, pb) = deal_blocked_at(at(2, 9));
        clear_blocked(&mut early, number(3), "dana", &pb, at(4, 9));
        assert!(early.escalations.is_empty());
    }

    #[test]
    fn a_pricing_exception_is_due_in_72_hours_and_leaves_the_open_list_once_resolved() {
        let raised = at(2, 9);
        let (mut deal, pb) = fresh(raised);
        raise(
            &mut deal,
            EscalationRule::Pricing,
            "30% discount asked",
            "dana",
            "cfo",
            &pb,
            raised,
            &|_| utc(),
        )
        .unwrap();
        deal.escalations[0].id = 1;
        let e = &open(&deal, &pb, raised + Duration::hours(71))[0];
        assert_eq!(
            (e.escalate_to.as_str(), e.authority.as_str()),
            ("Finance + VP Sales", "CFO")
        );
        assert!(!e.overdue, "71 hours: not overdue");
        assert!(
            open(&deal, &pb, raised + Duration::hours(73))[0].overdue,
            "73 hours: overdue"
        );
        let id = EscalationId::Stored(1);
        acknowledge(
            &mut deal,
            id,
            "cfo",
            "looking",
            &pb,
            raised + Duration::hours(1),
        )
        .unwrap();
        assert_eq!(
            open(&deal, &pb, raised + Duration::hours(2))[0].status,
            EscalationStatus::Acknowledged
        );
        let again = acknowledge(&mut deal, id, "cfo", "", &pb, raised + Duration::hours(2));
        assert!(matches!(again, Err(RuleError::AlreadyAcknowledged { .. })));
        assert_eq!(
            resolve(&mut deal, id, "cfo", " ", &pb, raised),
            Err(RuleError::Required("a note saying how it was resolved"))
        );
        resolve(
            &mut deal,
            id,
            "cfo",
            "approved 20%",
            &pb,
            raised + Duration::hours(3),
        )
        .unwrap();
        assert!(open(&deal, &pb, raised + Duration::hours(80)).is_empty());
        assert_eq!(
            all(&deal, &pb, raised + Duration::hours(80)).len(),
            1,
            "kept in the history"
        );
        assert_eq!(
            resolve(
                &mut deal,
                id,
                "cfo",
                "again",
                &pb,
                raised + Duration::hours(4)
            ),
            Err(RuleError::EscalationResolved("E1".into()))
        );
        // a what-if view before it was raised does not show it
        assert!(all(&deal, &pb, raised - Duration::hours(1)).is_empty());
    }

    #[test]
    fn a_customer_escalation_is_due_by_the_end_of_that_day() {
        let plus2 = FixedOffset::east_opt(2 * 3600).unwrap();
        let raised = Utc.with_ymd_and_hms(2026, 11, 2, 21, 30, 0).unwrap(); // 23:30 at +02:00
        let (mut deal, pb) = fresh(raised);
        raise(
            &mut deal,
            EscalationRule::Customer,
            "CIO unhappy",
            "dana",
            "cfo",
            &pb,
            raised,
            &|_| plus2,
        )
        .unwrap();
        let e = &open(&deal, &pb, raised)[0];
        assert_eq!(
            e.due_at,
            Utc.with_ymd_and_hms(2026, 11, 2, 22, 0, 0).unwrap()
        );
        assert!(!open(&deal, &pb, e.due_at)[0].overdue);
        assert!(
            open(&deal, &pb, e.due_at + Duration::minutes(1))[0].overdue,
            "past local midnight"
        );
    }

    #[test]
    fn people_cannot_raise_what_the_tool_raises() {
        let (mut deal, pb) = fresh(at(2, 9));
        let err = raise(
            &mut deal,
            EscalationRule::StepBlocked,
            "x",
            "dana",
            "cfo",
            &pb,
            at(2, 9),
            &|_| utc(),
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("raised by qualify itself"),
            "{err}"
        );
        assert_eq!(
            raise(
                &mut deal,
                EscalationRule::LegalSecurity,
                "",
                "dana",
                "cfo",
                &pb,
                at(2, 9),
                &|_| utc()
            ),
            Err(RuleError::Required("a reason"))
        );
    }

    #[test]
    fn ids_parse_and_print() {
        assert_eq!(
            "E12".parse::<EscalationId>().unwrap(),
            EscalationId::Stored(12)
        );
        assert_eq!(
            "b3.4".parse::<EscalationId>().unwrap(),
            EscalationId::Blocked {
                deal: 3,
                step: number(4)
            }
        );
        assert!("B3.11".parse::<EscalationId>().is_err());
        assert!(
            "12".parse::<EscalationId>()
                .unwrap_err()
                .contains("E7 or B12.3")
        );
    }

    #[test]
    fn same_day_ends_at_local_midnight() {
        let plus2 = FixedOffset::east_opt(2 * 3600).unwrap();
        // 21:30 UTC is 23:30 at +02:00: due half an hour later
        let raised = Utc.with_ymd_and_hms(2026, 11, 2, 21, 30, 0).unwrap();
        assert_eq!(
            due_at(Window::SameDay, raised, &|_| plus2),
            Utc.with_ymd_and_hms(2026, 11, 2, 22, 0, 0).unwrap()
        );
        // 22:30 UTC is already the next local day: due at the end of that one
        let raised = Utc.with_ymd_and_hms(2026, 11, 2, 22, 30, 0).unwrap();
        assert_eq!(
            due_at(Window::SameDay, raised, &|_| plus2),
            Utc.with_ymd_and_hms(2026, 11, 3, 22, 0, 0).unwrap()
        );
        assert_eq!(
            due_at(Window::Hours(72), raised, &|_| plus2),
            raised + Duration::hours(72)
        );
    }

    #[test]
    fn same_day_follows_a_change_of_the_clocks_that_day() {
        // +02:00 until 2026-10-25 01:00 UTC, +01:00 after (the end of summer time)
        let switch = Utc.with_ymd_and_hms(2026, 10, 25, 1, 0, 0).unwrap();
        let zone = move |t: DateTime<Utc>| {
            FixedOffset::east_opt(if t < switch { 7200 } else { 3600 }).unwrap()
        };
        // 23:30 UTC on the 24th is 01:30 on the 25th locally (still summer time)
        let raised = Utc.with_ymd_and_hms(2026, 10, 24, 23, 30, 0).unwrap();
        let due = due_at(Window::SameDay, raised, &zone);
        assert_eq!(
            due,
            Utc.with_ymd_and_hms(2026, 10, 25, 23, 0, 0).unwrap(),
            "midnight at +01:00"
        );
    }

    #[test]
    fn spans_read_naturally() {
        assert_eq!(span(Duration::minutes(12)), "12m");
        assert_eq!(span(Duration::minutes(130)), "2h 10m");
        assert_eq!(span(Duration::hours(76)), "3d 4h");
    }
}

#[cfg(test)]
mod time_travel {
    use super::*;
    use crate::domain::deal::{DealId, NewDeal};
    use chrono::TimeZone;

    /// A view from before an acknowledgement or a resolution does not show
    /// them: what-if views are exact.
    #[test]
    fn acts_after_the_view_time_are_not_shown() {
        let pb = Playbook::default_playbook();
        let t = |h: u32| Utc.with_ymd_and_hms(2026, 11, 2, h, 0, 0).unwrap();
        let utc = FixedOffset::east_opt(0).unwrap();
        let new = NewDeal {
            name: "A".into(),
            account: "A".into(),
            owner: "dana".into(),
            ..Default::default()
        };
        let mut deal = new.into_deal(DealId(1), &pb, t(9));
        raise(
            &mut deal,
            EscalationRule::Pricing,
            "discount",
            "dana",
            "cfo",
            &pb,
            t(9),
            &|_| utc,
        )
        .unwrap();
        deal.escalations[0].id = 1;
        acknowledge(&mut deal, EscalationId::Stored(1), "cfo", "", &pb, t(10)).unwrap();
        resolve(
            &mut deal,
            EscalationId::Stored(1),
            "cfo",
            "done",
            &pb,
            t(12),
        )
        .unwrap();
        assert_eq!(open(&deal, &pb, t(9))[0].status, EscalationStatus::Open);
        assert_eq!(
            open(&deal, &pb, t(11))[0].status,
            EscalationStatus::Acknowledged
        );
        assert!(open(&deal, &pb, t(12)).is_empty());
    }
}
