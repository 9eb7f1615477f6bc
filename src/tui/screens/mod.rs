//! One module per screen: its state, its `update` and its render together.

pub mod capture;
pub mod dashboard;
pub mod deal;
pub mod deal_form;
pub mod list;
pub mod snooze;
pub mod transfer;
