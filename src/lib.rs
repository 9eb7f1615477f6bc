//! qualify: walk an enterprise deal through a ten-step qualification procedure.
//!
//! Layers: [`domain`] holds the pure rules and types, [`store`] is the only code
//! that speaks SQL (behind its [`store::Database`] seam), [`ops`] holds the use
//! cases (one transaction each), [`config`] resolves start-up, [`failure`] is
//! how both report a failure, and [`cli`] and [`tui`] are the two faces over
//! them.

pub mod cli;
pub mod clock;
pub mod config;
pub mod domain;
pub mod failure;
pub mod files;
pub mod ops;
pub mod paths;
pub mod store;
pub mod text;
pub mod tui;

pub use clock::Clock;
