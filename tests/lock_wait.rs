//! While another program holds the write lock, the TUI says so on its
//! bottom line instead of freezing without a word, and the change is saved
//! once the lock is let go (nothing lost). Run in tmux, with the lock held
//! by this test's own connection.

mod common;

use common::cli::qualify;
use rusqlite::Connection;
use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};

/// A tmux server of our own, killed when the test ends.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn run(&self, args: &[&str]) -> Output {
        std::process::Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux is installed")
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p"]).stdout).to_string()
    }

    /// Wait up to `secs` for the screen to show `text`.
    fn wait_for(&self, text: &str, secs: u64) -> String {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let screen = self.screen();
            if screen.contains(text) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "the screen never showed {text:?}:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        self.run(&["kill-server"]);
    }
}

fn step_one_status(db: &Path) -> String {
    Connection::open(db)
        .unwrap()
        .query_row(
            "SELECT status FROM steps WHERE deal_id = 1 AND number = 1",
            [],
            |r| r.get(0),
        )
        .unwrap()
}

#[test]
fn the_tui_says_it_waits_for_another_programs_write_lock_and_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("deals.db");
    qualify(&db)
        .args(["deal", "add", "--name", "Locked deal", "--account", "Acme"])
        .assert()
        .success();
    let tmux = Tmux {
        socket: format!("qualify-lock-{}", std::process::id()),
    };
    let command = format!(
        "{} --db {}; sleep 30",
        env!("CARGO_BIN_EXE_qualify"),
        db.display()
    );
    let out = tmux.run(&[
        "-f",
        "/dev/null",
        "new-session",
        "-d",
        "-x",
        "120",
        "-y",
        "40",
        &command,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    tmux.wait_for("Locked deal", 20);
    tmux.run(&["send-keys", "Enter"]);
    tmux.wait_for("Initial qualification", 10);

    // another program takes the write lock and keeps it
    let other = Connection::open(&db).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    tmux.run(&["send-keys", "s"]); // start step 1: a write
    let screen = tmux.wait_for("write lock", 10);
    assert!(
        screen.contains("waiting for another program's write lock"),
        "{screen}"
    );
    assert!(screen.contains("deals.db"), "{screen}");
    assert_eq!(step_one_status(&db), "not_started");

    // let go: the write goes through, the screen is whole again
    other.execute_batch("ROLLBACK").unwrap();
    drop(other);
    let deadline = Instant::now() + Duration::from_secs(10);
    while step_one_status(&db) != "in_progress" {
        assert!(Instant::now() < deadline, "the step was never started");
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(300));
    let screen = tmux.screen();
    assert!(!screen.contains("write lock"), "{screen}");
    tmux.run(&["send-keys", "q"]);
}
