//! TUI
