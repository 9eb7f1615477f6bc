//! TUI
use std::process::ExitCode;
pub fn main(_cli: &crate::cli::Cli) -> ExitCode { ExitCode::SUCCESS }
