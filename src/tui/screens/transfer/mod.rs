//! Import and export from the deal list: each dialog in its own file,
//! over what the two share.

mod export;
mod frame;
mod import;

pub use export::ExportDialog;
pub use frame::DialogOutcome;
pub use import::ImportDialog;
