//! The files qualify keeps beside a database: the damage mark
//! (`<file>.damaged`, which keeps writes away until doctor finds the file
//! sound) and a migration's backup (`<file>.pre-v<N>.bak`).

use crate::store::files;
use std::path::{Path, PathBuf};

/// The marker beside `db` that says qualify found it damaged.
pub fn damage_marker(db: &Path) -> PathBuf {
    files::with_suffix(db, ".damaged")
}

/// The automatic backup made before `db` is upgraded to schema `version`.
pub fn migration_backup(db: &Path, version: usize) -> PathBuf {
    files::with_suffix(db, &format!(".pre-v{version}.bak"))
}

/// Why `db` was marked damaged, if it is.
pub fn damage_noted(db: &Path) -> Option<String> {
    let marker = damage_marker(db);
    std::fs::symlink_metadata(&marker).ok()?;
    let text = std::fs::read_to_string(&marker).unwrap_or_default();
    let detail = text
        .lines()
        .find_map(|l| l.strip_prefix("problem: "))
        .unwrap_or("found damaged earlier")
        .to_string();
    Some(detail)
}

/// Remember that `db` is damaged, beside it (never inside it); a marker
/// that cannot be written is logged.
pub fn note_damage(db: &Path, detail: &str) {
    if let Err(e) = remember_damage(db, detail) {
        tracing::warn!(
            "could not write the damage marker beside {}: {e}",
            db.display()
        );
    }
}

/// Write the marker that says `db` is damaged.
pub fn remember_damage(db: &Path, detail: &str) -> std::io::Result<()> {
    let text = format!(
        "qualify found this database damaged on {}.\nproblem: {detail}\n\
         Nothing is written to it until `qualify --db {} doctor` finds it sound again.\n",
        chrono::Utc::now().format("%Y-%m-%d %H:%M:%S UTC"),
        db.display()
    );
    files::write_private(&damage_marker(db), text.as_bytes())
}

/// Forget the damage marker (after `doctor` found the file sound).
pub fn clear_damage(db: &Path) -> std::io::Result<bool> {
    match std::fs::remove_file(damage_marker(db)) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}
