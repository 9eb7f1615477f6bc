//! Salesforce exports in: opportunities and contact roles, read record by
//! record (nothing but the current record is held) and written in one
//! transaction. A record that cannot be read is skipped and reported; the
//! rest are imported. The CSV is read strictly: a record with another
//! number of fields than the header, or a control character where qualify
//! reads, is skipped (with `strict`, stops the import), and an unbalanced
//! quote, which would take the records after it into one cell, stops it. A record of qualify's own export (its `Qualify_Id__c`)
//! updates that deal, under the version check; a record that would create a
//! deal like one there is (name, account, close date) is refused unless
//! asked for. A refused record refuses the whole import: nothing is written.
//! A dry run does the same work and rolls it back.
//!
//! Rooms, bottom to top: `tally` (options, events, counts, refusals) ←
//! `records` (the CSV read record by record) ← `opportunities`,
//! `contact_roles` (the two imports). This file only names them.

mod contact_roles;
mod opportunities;
mod records;
mod tally;

pub use contact_roles::{import_contact_roles, import_contact_roles_counted};
pub use opportunities::{import_salesforce, import_salesforce_counted};
pub use records::kind_of;
pub use tally::{Event, ImportError, ImportOptions, Tally, refusal_text, skipped_text};
