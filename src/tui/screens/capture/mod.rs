//! The step's form: what the selected step captures, as a table of rows or
//! a single record, edited in a record editor whose fields are checked as
//! they are typed. Every confirmed edit is one write.

mod editor;
mod fields;
mod rows;
mod save;
mod view;

pub use editor::{EditorOutcome, RecordEditor};
pub use fields::{Field, Kind, Section, Today, field_error};
pub use save::save;
pub use view::{CaptureForm, CaptureView};
