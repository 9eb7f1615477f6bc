//! What the test files share: the procedure's exact titles, as PRODUCT.md
//! gives them (written out, not read from the playbook, so that a changed
//! playbook fails the tests), and the complete example document.

#![allow(dead_code)] // each test file uses its own part

/// The ten step titles, in order.
pub const TITLES: [&str; 10] = [
    "Initial qualification using MEDDICC/MEDDPICC",
    "Stakeholder mapping verification",
    "Budget authority confirmation",
    "Technical validation planning",
    "Competitive landscape assessment",
    "Decision process mapping",
    "Timeline validation",
    "Risk assessment scoring",
    "Next step definition",
    "CRM documentation requirements",
];

/// A deal document with every step's content present and no step started.
pub const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/complete_deal.json"
);

pub mod cli;
pub mod pg;
pub mod tmux;
pub mod tui;
