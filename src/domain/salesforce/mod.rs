//! Salesforce exports in and out, as pure rules: which column is which in
//! both header styles (Data Loader API names and report labels), how a cell
//! is read (dates, datetimes, booleans, amounts, percentages), how an
//! opportunity and a contact role land on a deal, and how a cell is written
//! so that a spreadsheet never runs it as a formula.
//!
//! Bottom to top: `cells` (one cell read and written) and `columns` (which
//! column is which); `export` (deals into rows) over them; `import` (rows
//! onto deals) over all three, reading qualify's own row of a deal as the
//! baseline a re-import compares with.

mod cells;
mod columns;
mod export;
mod import;

pub use super::salesforce_ref::SalesforceRef;
pub use cells::{
    CellError, control_char, cut, number, parse_amount, parse_bool, parse_date, parse_percent,
    safe_cell,
};
pub use columns::{
    ExportKind, Layout, OppColumn, OppLayout, RoleColumn, RoleLayout, detect, normalize,
};
pub use export::{
    DISQUALIFIED, LIST_HEADERS, LIST_TAIL, LOADER_HEADERS, NAME_MAX, NEXT_STEP_MAX, closed_stage,
    description, list_row, loader_row,
};
pub use import::{ContactRole, Opportunity, map_role};
