//! qualify: walk an enterprise deal through a ten-step qualification procedure.
//!
//! Layers: [`domain`] holds the pure rules and types, [`store`] is the only code
//! that speaks SQL, [`ops`] holds the use cases (one transaction each),
//! [`config`] resolves start-up, and [`cli`] and [`tui`] are the two faces
//! over them.

pub mod cli;
pub mod clock;
pub mod config;
pub mod domain;
pub mod ops;
pub mod paths;
pub mod store;
pub mod text;
pub mod tui;

pub use clock::Clock;
