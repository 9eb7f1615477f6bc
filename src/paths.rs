//! Where qualify keeps its files by default.

use std::path::PathBuf;

/// The default database: `qualify.db` in the user's data directory.
pub fn default_db() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "qualify").map(|dirs| dirs.data_dir().join("qualify.db"))
}
