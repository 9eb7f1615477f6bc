//! The SQLite engine: one file (or memory), opened with the checks in
//! [`safety`], migrated by [`schema`].

mod bulk;
mod cards;
mod conn;
mod deals;
pub mod doctor;
mod errors;
mod escalations;
mod history;
mod list;
mod list_sql;
pub mod safety;
pub(super) mod schema;
mod stamps;
mod steps;
mod summary;
mod walks;

pub use bulk::{Batch, Import};
pub use conn::Store;

#[cfg(test)]
mod tests;
