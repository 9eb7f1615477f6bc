//! qualify's deals written for Salesforce and spreadsheets: the Data Loader
//! rows (with the MEDDPICC summary as the Description) and the pipeline
//! list's rows.

use super::super::choices::Choice;
use super::super::deal::{Deal, DealSummary};
use super::super::forecast::OutcomeKind;
use super::super::pipeline::{PipelineRow, summarize};
use super::super::playbook::Playbook;
use super::cells::{cut, number, safe_cell};
use chrono::{DateTime, Utc};

/// The columns of the Data Loader export, in order: Salesforce's own, then
/// the loss reason and qualify's key (its id and the version exported), so
/// that importing the file again updates the deals it came from.
pub const LOADER_HEADERS: [&str; 14] = [
    "Id",
    "Name",
    "AccountId",
    "Account.Name",
    "Amount",
    "CloseDate",
    "StageName",
    "NextStep",
    "ForecastCategoryName",
    "Probability",
    "Description",
    "Loss_Reason__c",
    "Qualify_Id__c",
    "Qualify_Version__c",
];

/// The loss reason a disqualified deal goes out with (as Closed Lost).
pub const DISQUALIFIED: &str = "Disqualified";

/// The Salesforce stage an outcome is: won is Closed Won; lost and
/// disqualified are Closed Lost.
pub fn closed_stage(kind: OutcomeKind) -> &'static str {
    match kind {
        OutcomeKind::Won => "Closed Won",
        OutcomeKind::Lost | OutcomeKind::Disqualified => "Closed Lost",
    }
}

/// Salesforce's limits on the fields qualify writes.
pub const NAME_MAX: usize = 120;
pub const NEXT_STEP_MAX: usize = 255;

/// One Data Loader row of `deal`, and the fields that had to be cut.
pub fn loader_row(
    deal: &Deal,
    playbook: &Playbook,
    now: DateTime<Utc>,
) -> (Vec<String>, Vec<&'static str>) {
    let row = summarize(deal, playbook, now);
    let sf = deal.content.salesforce.clone().unwrap_or_default();
    let mut cuts = Vec::new();
    let (name, name_cut) = cut(&deal.name, NAME_MAX);
    if name_cut {
        cuts.push("Name");
    }
    // the next open step qualify knows of (soonest due), else Salesforce's own
    let next = deal
        .content
        .next_steps
        .iter()
        .filter(|n| !n.done)
        .min_by_key(|n| (n.due.is_none(), n.due))
        .map(|n| match n.due {
            Some(due) => format!("{} (due {due})", n.action),
            None => n.action.clone(),
        })
        .unwrap_or(sf.next_step.clone());
    let (next, next_cut) = cut(&next, NEXT_STEP_MAX);
    if next_cut {
        cuts.push("NextStep");
    }
    let outcome = deal.content.outcome.as_ref();
    let probability = match outcome.map(|o| o.kind) {
        Some(OutcomeKind::Won) => Some(100),
        Some(_) => Some(0),
        None => sf.probability,
    };
    // a closed deal goes out in Salesforce's closed stages, whatever its own
    let stage = outcome.map_or(deal.stage.as_str(), |o| closed_stage(o.kind));
    let loss_reason = match outcome {
        Some(o) if o.kind == OutcomeKind::Lost => o.reason.as_str(),
        Some(o) if o.kind == OutcomeKind::Disqualified => DISQUALIFIED,
        _ => "",
    };
    let cells = vec![
        safe_cell(&sf.id),
        safe_cell(&name),
        safe_cell(&sf.account_id),
        safe_cell(&deal.account),
        deal.amount.map(number).unwrap_or_default(),
        deal.close_date.map(|d| d.to_string()).unwrap_or_default(),
        safe_cell(stage),
        safe_cell(&next),
        row.forecast.label().to_string(),
        probability.map(|p| p.to_string()).unwrap_or_default(),
        safe_cell(&description(deal, &row)),
        safe_cell(loss_reason),
        deal.id.to_string(),
        deal.version.to_string(),
    ];
    (cells, cuts)
}

/// The MEDDPICC summary written to the opportunity's Description.
pub fn description(deal: &Deal, row: &PipelineRow) -> String {
    let card = &deal.content.meddpicc;
    let framework = card.framework.label();
    let verdict = row.verdict.map_or("no verdict yet", |v| v.label());
    let scores: Vec<String> = card
        .framework
        .elements()
        .into_iter()
        .map(|e| {
            let score = card.elements.get(&e).map_or(0, |s| s.score);
            format!("{} {score}", e.label())
        })
        .collect();
    let mut text = format!(
        "{framework} {}/{} ({verdict}): {}. Steps {}/10 complete; QA {}/{}",
        row.meddpicc_total,
        row.meddpicc_max,
        scores.join(", "),
        row.steps_complete,
        row.qa_passed,
        row.qa_total,
    );
    if let Some(band) = row.risk_band {
        text.push_str(&format!("; risk {band}"));
    }
    text.push_str(". From qualify.");
    text
}

/// The spreadsheet export's columns: the pipeline list's.
pub const LIST_HEADERS: [&str; 18] = [
    "Id",
    "Deal",
    "Account",
    "Owner",
    "SA",
    "Amount",
    "Close date",
    "Stage",
    "Forecast category",
    "Verdict",
    "MEDDPICC total",
    "MEDDPICC max",
    "Steps complete",
    "QA passed",
    "QA items",
    "Open escalations",
    "Overdue escalations",
    "Risk band",
];

/// More of the list's columns, after [`LIST_HEADERS`].
pub const LIST_TAIL: [&str; 3] = ["Next step due", "Stalled", "Outcome"];

/// One spreadsheet row of the pipeline list.
pub fn list_row(d: &DealSummary) -> Vec<String> {
    vec![
        d.id.to_string(),
        safe_cell(&d.name),
        safe_cell(&d.account),
        safe_cell(&d.owner),
        safe_cell(&d.sa),
        d.amount.map(number).unwrap_or_default(),
        d.close_date.map(|x| x.to_string()).unwrap_or_default(),
        safe_cell(&d.stage),
        d.forecast.label().to_string(),
        d.verdict.map(|v| v.label().to_string()).unwrap_or_default(),
        d.meddpicc_total.to_string(),
        d.meddpicc_max.to_string(),
        d.steps_complete.to_string(),
        d.qa_passed.to_string(),
        d.qa_total.to_string(),
        d.escalations_open.to_string(),
        d.escalations_overdue.to_string(),
        d.risk_band.clone().unwrap_or_default(),
        d.next_step_due.map(|x| x.to_string()).unwrap_or_default(),
        if d.stalled { "yes" } else { "no" }.to_string(),
        d.outcome.map(|o| o.key().to_string()).unwrap_or_default(),
    ]
}
