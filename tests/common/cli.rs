//! The real binary run on one database, as the command-line tests run it.

use assert_cmd::Command;
use std::path::Path;

/// qualify on the database `db`, with no `QUALIFY_DB` or `RUST_LOG` from
/// the environment.
pub fn qualify(db: &Path) -> Command {
    let mut cmd = Command::cargo_bin("qualify").expect("the qualify binary is built");
    cmd.env_remove("QUALIFY_DB")
        .env_remove("RUST_LOG")
        .arg("--db")
        .arg(db);
    cmd
}

/// Run and expect exit `status`; the one stderr line.
pub fn fails(cmd: &mut Command, status: i32) -> String {
    let out = cmd.output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(
        out.status.code(),
        Some(status),
        "stdout: {}\nstderr: {err}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    err
}
