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

/// A deal walked by three people, each change at its own time: (when, who,
/// the command's arguments), in order. Deal 1 is the one made.
pub const WALK: [(&str, &str, &[&str]); 4] = [
    (
        "2026-11-02T09:00:00Z",
        "Dana Reyes",
        &["deal", "add", "--name", "Acme ERP", "--account", "Acme"],
    ),
    (
        "2026-11-03T10:00:00Z",
        "Lee Park",
        &["deal", "set", "1", "--amount", "150000"],
    ),
    (
        "2026-11-05T11:00:00Z",
        "Dana Reyes",
        &["step", "1", "1", "start"],
    ),
    (
        "2026-11-07T12:30:00Z",
        "Sam Okafor",
        &["step", "1", "1", "note", "outcomes", "Champion found"],
    ),
];

pub mod cli;
pub mod pg;
pub mod tmux;
pub mod tui;
