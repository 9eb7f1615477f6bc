//! The team server failing under qualify: killed during concurrent writes,
//! stopped while a person works. Each test runs its own private cluster,
//! which it crashes and starts again.

mod common;

use common::pg::{OwnCluster, TestDb};
use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The server killed (`pg_ctl stop -m immediate`) during 200 concurrent CLI
/// writes from 4 logins: after the restart, every write qualify
/// acknowledged (exit 0, the new deal's id printed) is there.
#[test]
fn every_acknowledged_write_survives_the_server_being_killed() {
    let cluster = OwnCluster::start();
    let db = TestDb::set_up(TestDb::empty_on(&cluster.address, "kill"));
    let logins = ["ae1", "ae2", "ae3", "ae4"];
    for (i, login) in logins.iter().enumerate() {
        db.add(&format!("AE {i}"), login, "ae", None);
    }
    let db = Arc::new(db);
    let acknowledged = Arc::new(AtomicUsize::new(0));
    let mut writers = Vec::new();
    for login in logins {
        let (db, acknowledged) = (Arc::clone(&db), Arc::clone(&acknowledged));
        writers.push(std::thread::spawn(move || {
            let mut kept = Vec::new();
            let mut refused = 0;
            for i in 0..50 {
                let name = format!("{login} write {i}");
                let out = db.qualify_as(
                    login,
                    &["deal", "add", "--name", &name, "--account", "Acme Corp"],
                );
                match out.status.code() {
                    Some(0) => {
                        let id: i64 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
                        kept.push((id, name));
                        acknowledged.fetch_add(1, Ordering::SeqCst);
                    }
                    Some(2) => {
                        // one line naming the server, nothing else
                        let err = String::from_utf8_lossy(&out.stderr);
                        assert!(err.contains("the server"), "{err}");
                        assert_eq!(err.trim().lines().count(), 1, "{err}");
                        refused += 1;
                        std::thread::sleep(std::time::Duration::from_millis(50));
                    }
                    other => panic!("exit {other:?}: {}", String::from_utf8_lossy(&out.stderr)),
                }
            }
            (kept, refused)
        }));
    }
    while acknowledged.load(Ordering::SeqCst) < 60 {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    cluster.run("crash");
    std::thread::sleep(std::time::Duration::from_millis(500));
    cluster.run("resume");
    let mut kept = Vec::new();
    let mut refused = 0;
    for w in writers {
        let (k, r) = w.join().unwrap();
        kept.extend(k);
        refused += r;
    }
    assert!(
        refused > 0,
        "the crash refused no write: it came too late to test anything"
    );
    assert!(kept.len() >= 60);
    for login in logins {
        let out = db.qualify_as(login, &["deal", "list", "--all", "--json"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let there: BTreeSet<(i64, String)> = rows
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["id"].as_i64().unwrap(),
                    r["name"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        for (id, name) in kept.iter().filter(|(_, n)| n.starts_with(login)) {
            assert!(
                there.contains(&(*id, name.clone())),
                "acknowledged {id} {name:?} lost"
            );
        }
    }
    eprintln!(
        "{} writes acknowledged and all there after the crash; {refused} refused while it was down",
        kept.len()
    );
}
