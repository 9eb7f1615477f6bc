//! A Salesforce CSV with one enormous cell (a quote opened and never
//! closed reads the same way) stops the import naming the line, without
//! reading the cell into memory whole: one 50 MB cell peaked at 179 MB.

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};

/// Run qualify to its end; its exit code, stderr and peak memory (KiB).
fn run_measured(db: &Path, args: &[&str]) -> (i32, String, i64) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_qualify"))
        .env_remove("QUALIFY_DB")
        .env_remove("RUST_LOG")
        .arg("--db")
        .arg(db)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: a zeroed rusage is valid, and wait4 writes it for our own child
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid);
    std::mem::forget(child); // reaped above
    (libc::WEXITSTATUS(status), err, usage.ru_maxrss)
}

#[test]
fn one_enormous_cell_stops_the_import_naming_its_line_without_reading_it_whole() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("cell.csv");
    // written in pieces: this test's own memory is not the child's to count
    let mut file = std::io::BufWriter::new(std::fs::File::create(&csv).unwrap());
    file.write_all(b"Opportunity Name,Account Name,Amount,Close Date,Stage\n")
        .unwrap();
    file.write_all(b"Small,Acme,100,2027-03-31,Prospecting\n\"")
        .unwrap();
    let piece = [b'x'; 1_000_000];
    for _ in 0..50 {
        file.write_all(&piece).unwrap();
    }
    file.write_all(b"\",Acme,100,2027-03-31,Prospecting\n")
        .unwrap();
    file.write_all(b"Second,Globex,200,2027-03-31,Prospecting\n")
        .unwrap();
    file.flush().unwrap();
    drop(file);
    let db = dir.path().join("deals.db");
    let (code, err, peak) = run_measured(&db, &["deal", "import", csv.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("line 3"), "{err}");
    assert!(err.contains("16 MiB"), "{err}");
    assert!(err.contains("nothing was imported"), "{err}");
    assert!(peak < 80 * 1024, "peak {} MiB", peak / 1024);
    let out = Command::new(env!("CARGO_BIN_EXE_qualify"))
        .env_remove("QUALIFY_DB")
        .arg("--db")
        .arg(&db)
        .args(["deal", "list"])
        .output()
        .unwrap();
    let list = String::from_utf8_lossy(&out.stdout);
    assert!(
        !list.contains("Small") && !list.contains("Second"),
        "{list}"
    );
}

#[test]
fn a_long_cell_within_the_bound_is_read_as_before() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("long.csv");
    let mut text = String::from("Opportunity Name,Account Name,Amount,Close Date,Stage\n");
    text.push('"');
    text.push_str(&"y".repeat(1_000_000));
    text.push_str("\",Acme,100,2027-03-31,Prospecting\n");
    text.push_str("Second,Globex,200,2027-03-31,Prospecting\n");
    std::fs::write(&csv, text).unwrap();
    let db = dir.path().join("deals.db");
    let out = Command::new(env!("CARGO_BIN_EXE_qualify"))
        .env_remove("QUALIFY_DB")
        .env_remove("RUST_LOG")
        .arg("--db")
        .arg(&db)
        .args(["deal", "import", csv.to_str().unwrap()])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "one record skipped: {err}");
    assert!(said.contains("too long"), "{said}");
    assert!(said.contains("1 created"), "{said}");
    assert!(!err.contains("MiB"), "{err}");
}
