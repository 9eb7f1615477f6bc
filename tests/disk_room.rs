//! No room left for the `-shm` file is a full disk, said as such with the
//! file, not "I/O error". Needs a small tmpfs: the test mounts one in a
//! private mount namespace (`unshare`), and says so and passes where that is
//! not allowed (it is where the tests run as root).

use assert_cmd::cargo::cargo_bin;
use std::path::Path;
use std::process::Command;

fn qualify_cmd(db: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(cargo_bin("qualify"));
    cmd.env_remove("QUALIFY_DB")
        .env_remove("RUST_LOG")
        .arg("--db")
        .arg(db)
        .args(args);
    cmd
}

#[test]
fn no_room_for_the_shm_is_a_full_disk_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let seed = dir.path().join("seed.db");
    assert!(
        qualify_cmd(&seed, &["deal", "add", "--name", "A", "--account", "B"])
            .output()
            .unwrap()
            .status
            .success()
    );
    let conn = rusqlite::Connection::open(&seed).unwrap();
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .unwrap();
    drop(conn);
    let _ = std::fs::remove_file(dir.path().join("seed.db-wal"));
    let _ = std::fs::remove_file(dir.path().join("seed.db-shm"));
    let size = std::fs::metadata(&seed).unwrap().len();
    let small = dir.path().join("small");
    std::fs::create_dir(&small).unwrap();
    let db = small.join("deals.db");
    // room for the database and 20 KiB: the -shm needs 32 KiB
    let script = format!(
        "mount -t tmpfs -o size={}k tmpfs '{small}' && cp '{seed}' '{db}' && exec \"$@\"",
        size / 1024 + 20,
        small = small.display(),
        seed = seed.display(),
        db = db.display(),
    );
    let qualify = qualify_cmd(&db, &["deal", "list"]);
    let out = Command::new("unshare")
        .args([
            "--mount",
            "--propagation",
            "private",
            "sh",
            "-c",
            &script,
            "sh",
        ])
        .arg(qualify.get_program())
        .args(qualify.get_args())
        .env_remove("QUALIFY_DB")
        .env_remove("RUST_LOG")
        .output();
    let out = match out {
        // the tests run as root (as CI does): a tmpfs can be mounted in a
        // private namespace, and a test that could not is a failure
        Ok(out) if !String::from_utf8_lossy(&out.stderr).contains("qualify") => panic!(
            "no tmpfs could be mounted here ({}); run the tests as root, as .ci/run does",
            String::from_utf8_lossy(&out.stderr).trim()
        ),
        Err(e) => panic!("unshare could not run ({e}); it comes with util-linux"),
        Ok(out) => out,
    };
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains(&db.display().to_string()), "{err}");
    assert!(err.contains("disk is full"), "{err}");
    assert!(err.contains("-shm"), "{err}");
    assert!(!err.contains("I/O error"), "{err}");
}
