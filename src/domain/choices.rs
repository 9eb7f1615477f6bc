//! The fixed lists of choices a deal document names by key (the scorecard's
//! framework and elements, a stakeholder's role, stance and influence, …),
//! each with the words the document, the pickers and the history use.

use serde::{Deserialize, Serialize};

/// A fixed list of choices, with the words the document and the pickers use.
pub trait Choice: Sized + Copy + PartialEq + 'static {
    const ALL: &'static [Self];
    fn key(self) -> &'static str;
    fn label(self) -> &'static str;
    fn keys() -> Vec<&'static str> {
        Self::ALL.iter().map(|c| c.key()).collect()
    }
}

macro_rules! choice {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $key:literal / $label:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl Choice for $name {
            const ALL: &'static [Self] = &[$($name::$variant),+];
            fn key(self) -> &'static str {
                match self { $($name::$variant => $key),+ }
            }
            fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }
        }
    };
}

choice!(
    /// MEDDPICC, or MEDDICC (the same without Paper process).
    Framework { Meddpicc = "meddpicc" / "MEDDPICC", Meddicc = "meddicc" / "MEDDICC" }
);

choice!(
    /// The scorecard's elements, in the framework's order.
    Element {
        Metrics = "metrics" / "Metrics",
        EconomicBuyer = "economic_buyer" / "Economic buyer",
        DecisionCriteria = "decision_criteria" / "Decision criteria",
        DecisionProcess = "decision_process" / "Decision process",
        PaperProcess = "paper_process" / "Paper process",
        IdentifyPain = "identify_pain" / "Identify pain",
        Champion = "champion" / "Champion",
        Competition = "competition" / "Competition",
    }
);

choice!(Role {
    EconomicBuyer = "economic_buyer" / "Economic Buyer",
    Champion = "champion" / "Champion",
    TechnicalBuyer = "technical_buyer" / "Technical Buyer",
    DecisionMaker = "decision_maker" / "Decision Maker",
    Evaluator = "evaluator" / "Evaluator",
    ExecutiveSponsor = "executive_sponsor" / "Executive Sponsor",
    Influencer = "influencer" / "Influencer",
    Coach = "coach" / "Coach",
    Blocker = "blocker" / "Blocker",
    Legal = "legal" / "Legal",
    Procurement = "procurement" / "Procurement",
    BusinessUser = "business_user" / "Business User",
    Other = "other" / "Other",
});

choice!(Stance { Supports = "supports" / "supports", Neutral = "neutral" / "neutral", Opposes = "opposes" / "opposes" });

choice!(Level { High = "high" / "high", Medium = "medium" / "medium", Low = "low" / "low" });

choice!(ItemStatus {
    Open = "open" / "open",
    InProgress = "in_progress" / "in progress",
    Passed = "passed" / "passed",
    Failed = "failed" / "failed",
});

choice!(Position {
    Incumbent = "incumbent" / "incumbent",
    Shortlisted = "shortlisted" / "shortlisted",
    StatusQuo = "status_quo" / "status quo / no decision",
    InternalBuild = "internal_build" / "internal build",
});

choice!(MilestoneKind { Decision = "decision" / "decision", Paper = "paper" / "paper" });

choice!(RiskCategory {
    Technical = "technical" / "technical",
    Commercial = "commercial" / "commercial",
    LegalSecurity = "legal_security" / "legal / security",
    Competitive = "competitive" / "competitive",
    Timing = "timing" / "timing",
    Relationship = "relationship" / "relationship",
    Other = "other" / "other",
});

choice!(
    /// What a deal is warned of, before it slips (see `warnings`).
    WarningKind {
        NoEconomicBuyer = "no_economic_buyer" / "no economic buyer",
        EconomicBuyerSilent = "economic_buyer_silent" / "economic buyer silent",
        SingleThreaded = "single_threaded" / "single-threaded",
        ChampionUnconfirmed = "champion_unconfirmed" / "champion unconfirmed",
        CloseBeforePaper = "close_before_paper" / "close before paper process",
        NextStepOverdue = "next_step_overdue" / "next step overdue",
        NoNextStep = "no_next_step" / "no next step",
        NoActivity = "no_activity" / "no activity",
        CloseDatePushed = "close_date_pushed" / "close date pushed",
        AmountCut = "amount_cut" / "amount cut",
        UndefendedCompetitor = "undefended_competitor" / "undefended competitor",
        BudgetShort = "budget_short" / "budget short",
        OpenWhileDisqualified = "open_while_disqualified" / "open while disqualified",
    }
);

impl WarningKind {
    /// The kind named by `key` (`no_next_step`), spelled with dashes or
    /// spaces too.
    pub fn parse(key: &str) -> Option<WarningKind> {
        let key = key.trim().to_lowercase().replace([' ', '-'], "_");
        WarningKind::ALL.iter().copied().find(|k| k.key() == key)
    }
}

impl Framework {
    pub fn elements(self) -> Vec<Element> {
        Element::ALL
            .iter()
            .copied()
            .filter(|e| self == Framework::Meddpicc || *e != Element::PaperProcess)
            .collect()
    }
}

// by hand: the `choice!` macro declares the enum, so `#[default]` cannot be put on a variant
#[allow(clippy::derivable_impls)]
impl Default for Framework {
    fn default() -> Self {
        Framework::Meddpicc
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choices_round_trip_through_their_keys() {
        for role in Role::ALL {
            let json = serde_json::to_string(role).unwrap();
            assert_eq!(json, format!("\"{}\"", role.key()));
        }
        assert_eq!(Framework::Meddicc.elements().len(), 7);
        assert_eq!(Framework::Meddpicc.elements().len(), 8);
    }
}
