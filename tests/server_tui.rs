//! The TUI on a team's server, in a real terminal (tmux on a private
//! socket): who you are in the header, another person's change shown live,
//! and the server going away and coming back while a person types.

mod common;

use common::pg::{OwnCluster, TestDb};
use common::tmux::Tmux;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_qualify");

fn ok(out: std::process::Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn team(db: &TestDb) {
    db.add("Maria Chen", "maria", "manager", None);
    db.add("Dana Reyes", "dana", "ae", Some("Maria Chen"));
    ok(db.qualify_as(
        "dana",
        &[
            "deal",
            "add",
            "--name",
            "Acme ERP",
            "--account",
            "Acme Corp",
            "--amount",
            "300000",
        ],
    ));
}

#[test]
fn another_persons_change_shows_in_an_open_tui_within_two_seconds() {
    let db = TestDb::new("tuilive");
    team(&db);
    let command = format!(
        "'{BIN}' --db '{}'; echo EXIT=$?; sleep 60",
        db.login("maria")
    );
    let tmux = Tmux::start("pglive", 140, 40, &command);
    let list = tmux.wait_for("the deal list", |s| s.contains("Acme ERP"));
    assert!(
        list.contains("you: Maria Chen (manager) · qualify on"),
        "the header names the person, role and server:\n{list}"
    );
    tmux.keys(&["Enter"]);
    tmux.wait_for("the deal screen", |s| s.contains("QA checklist"));
    let started = Instant::now();
    ok(db.qualify_as(
        "dana",
        &["step", "1", "1", "block", "--reason", "Waiting on the CFO"],
    ));
    let screen = tmux.wait_for("the block to show", |s| s.contains("Waiting on the CFO"));
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(2),
        "shown after {took:?}, without a key:\n{screen}"
    );
    tmux.keys(&["q"]);
    tmux.wait_for("qualify to exit", |s| s.contains("EXIT=0"));
}

#[test]
fn the_server_going_away_loses_nothing_typed_and_the_tui_carries_on() {
    let cluster = OwnCluster::start();
    let db = TestDb::set_up(TestDb::empty_on(&cluster.address, "tuifault"));
    team(&db);
    let command = format!(
        "'{BIN}' --db '{}'; echo EXIT=$?; sleep 60",
        db.login("dana")
    );
    let tmux = Tmux::start("pgfault", 140, 40, &command);
    tmux.wait_for("the deal list", |s| s.contains("Acme ERP"));
    tmux.keys(&["Enter"]);
    tmux.wait_for("the deal screen", |s| s.contains("Step 1 of 10"));
    tmux.keys(&["Tab", "Tab", "Tab", "e"]);
    tmux.wait_for("the note editor", |s| s.contains("editing: Esc saves"));
    tmux.text("Typed while the server was down");
    tmux.wait_for("the text typed", |s| {
        s.contains("Typed while the server was down")
    });
    cluster.run("crash");
    tmux.keys(&["Escape"]);
    let down = tmux.wait_for("the save refused", |s| s.contains("the server"));
    assert!(!down.contains("Outcomes saved"), "{down}");
    cluster.run("resume");
    // the text is still in the editor, to save once the server is back
    assert!(down.contains("Typed while the server was down"), "{down}");
    assert!(down.contains("editing"), "{down}");
    tmux.keys(&["Escape"]);
    tmux.wait_for("the note saved", |s| s.contains("Outcomes saved"));
    let shown = ok(db.qualify_as("dana", &["deal", "show", "1", "--json"]));
    let doc: serde_json::Value = serde_json::from_str(&shown).unwrap();
    assert_eq!(
        doc["steps"][0]["notes"]["outcomes"],
        "Typed while the server was down"
    );
    tmux.keys(&["Escape", "q"]);
    tmux.wait_for("qualify to exit", |s| s.contains("EXIT=0"));
}

/// A manager's dashboard on the server holds her team's deals, the
/// team's numbers and each owner's, and her review queue holds the deal
/// waiting on her; another manager's holds none of it.
#[test]
fn the_manager_sees_her_teams_deal_on_the_dashboard_and_another_manager_does_not() {
    let db = TestDb::new("tuidash");
    db.add("Maria Chen", "maria", "manager", None);
    db.add("Dana Reyes", "dana", "ae", Some("Maria Chen"));
    db.add("Ola Berg", "ola", "manager", None);
    db.add("Kim Lund", "kim", "ae", Some("Ola Berg"));
    for (login, name, amount) in [
        ("dana", "Acme ERP", "300000"),
        ("kim", "Nordic Mills", "80000"),
    ] {
        ok(db.qualify_as(
            login,
            &[
                "--as-of=2026-12-01T12:00:00Z",
                "deal",
                "add",
                "--name",
                name,
                "--account",
                "Some Corp",
                "--amount",
                amount,
            ],
        ));
    }
    // three weeks on, both deals are stalled: the stalled list shows them,
    // with owner and amount, from 160 columns
    let open = |login: &str, name: &str| {
        let command = format!(
            "'{BIN}' --db '{}' --as-of 2026-12-22T12:00:00Z; echo EXIT=$?; sleep 60",
            db.login(login)
        );
        Tmux::start(name, 170, 50, &command)
    };
    let header = |screen: &str| screen.lines().next().unwrap_or("").to_string();
    let dashboard = |tmux: &Tmux, who: &str| {
        tmux.wait_for(&format!("{who}'s dashboard"), |s| {
            let h = header(s);
            h.contains(&format!("qualify · dashboard · {who}")) && !h.contains("computing")
        })
    };
    let row = |screen: &str, deal: &str| {
        screen
            .lines()
            .find(|l| l.contains(deal))
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .unwrap_or_default()
    };

    let maria = open("maria", "dashmaria");
    let list = maria.wait_for("the deal list", |s| s.contains("Deals (1)"));
    assert!(list.contains("Acme ERP"), "{list}");
    assert!(!list.contains("Nordic Mills"), "{list}");
    // the manager review queue holds the deal
    maria.keys(&["v", "v"]);
    let queue = maria.wait_for("the manager review queue", |s| {
        s.contains("waiting on manager review")
    });
    assert!(
        row(&queue, "Acme ERP").contains("Dana Reyes $300,000"),
        "{queue}"
    );
    assert!(queue.contains("Deals (1)"), "{queue}");
    // the dashboard: the team's numbers hold it, and the stalled row names
    // its owner and amount
    maria.keys(&["Escape", "d"]);
    let team_view = dashboard(&maria, "the team");
    assert!(
        team_view.contains("Open pipeline by forecast category · $300K in 1 deal"),
        "{team_view}"
    );
    assert!(team_view.contains("Stalled deals: 1"), "{team_view}");
    assert!(
        row(&team_view, "Acme ERP").contains("│Acme ERP Dana Reyes $300K 0/10"),
        "{team_view}"
    );
    assert!(!team_view.contains("Nordic"), "{team_view}");
    assert!(!team_view.contains("Kim Lund"), "{team_view}");
    // one owner's numbers: Dana's, the only owner on her team with a deal
    maria.keys(&["o"]);
    let dana = dashboard(&maria, "Dana Reyes");
    assert!(
        dana.contains("Open pipeline by forecast category · $300K in 1 deal"),
        "{dana}"
    );
    assert!(
        row(&dana, "Acme ERP").contains("Acme ERP Dana Reyes $300K"),
        "{dana}"
    );
    maria.keys(&["o"]);
    dashboard(&maria, "the team");
    maria.keys(&["Escape"]);
    maria.wait_for("back on the list", |s| s.contains("Deals (1)"));
    maria.keys(&["q"]);
    let exit = maria.wait_for("qualify to exit", |s| s.contains("EXIT="));
    assert!(exit.contains("EXIT=0"), "{exit}");
    assert_eq!(
        maria.display("#{alternate_on}"),
        "0",
        "the terminal restored"
    );
    drop(maria);

    // the other manager: his own team's deal, none of Dana's
    let ola = open("ola", "dashola");
    let list = ola.wait_for("the deal list", |s| s.contains("Deals (1)"));
    assert!(list.contains("Nordic Mills"), "{list}");
    assert!(!list.contains("Acme ERP"), "{list}");
    ola.keys(&["v", "v"]);
    let queue = ola.wait_for("the manager review queue", |s| {
        s.contains("waiting on manager review")
    });
    assert!(!queue.contains("Acme ERP"), "{queue}");
    ola.keys(&["Escape", "d"]);
    let his = dashboard(&ola, "the team");
    assert!(
        his.contains("Open pipeline by forecast category · $80K in 1 deal"),
        "{his}"
    );
    assert!(
        row(&his, "Nordic Mills").contains("Nordic Mills Kim Lund $80K"),
        "{his}"
    );
    for theirs in ["Acme", "Dana Reyes", "$300K", "$380K"] {
        assert!(!his.contains(theirs), "{theirs} shown to Ola:\n{his}");
    }
    // his owners are his team's: Kim, then the team again
    ola.keys(&["o"]);
    let kim = dashboard(&ola, "Kim Lund");
    assert!(!kim.contains("Dana Reyes"), "{kim}");
    ola.keys(&["o"]);
    dashboard(&ola, "the team");
    ola.keys(&["q"]);
    let exit = ola.wait_for("qualify to exit", |s| s.contains("EXIT="));
    assert!(exit.contains("EXIT=0"), "{exit}");
    assert_eq!(ola.display("#{alternate_on}"), "0", "the terminal restored");
}
