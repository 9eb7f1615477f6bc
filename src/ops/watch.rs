//! Watching the data while a face shows it: whether another process
//! changed it, whether it was found damaged, and where it is kept.

use super::{Result, Session};
use std::path::Path;

/// A number that moves when another connection commits a change: compare
/// two readings to know whether to read again.
pub fn change_mark(s: &Session) -> Result<i64> {
    s.store.change_mark()
}

/// Why the data is not to be written to, once it was found damaged.
pub fn damage(s: &Session) -> Option<&str> {
    s.store.damage()
}

/// Start checking the data's integrity in the background (after start, so
/// that the first screen is not kept waiting).
pub fn start_background_check(s: &mut Session) {
    s.store.start_background_check();
}

/// Whether the background check is still running.
pub fn checking(s: &Session) -> bool {
    s.store.checking()
}

/// The background check's finding, once it is done: `Some(problem)` when
/// it found the data damaged (from then on nothing is written).
pub fn background_check(s: &mut Session) -> Option<String> {
    s.store.background_check()
}

/// How long a write waits for another program's write lock before it gives up.
pub const LONGEST_LOCK_WAIT: std::time::Duration = crate::store::safety::BUSY_TIMEOUT;

/// Call `waiting` whenever a write finds another program holding the write
/// lock, before it waits for it (up to two minutes): a face says so.
pub fn on_lock_wait(s: &mut Session, waiting: crate::store::LockWait) {
    s.store.on_lock_wait(waiting);
}

/// The file the data is kept in; `None` for data in memory (or on a server).
pub fn file(s: &Session) -> Option<&Path> {
    s.store.path()
}
