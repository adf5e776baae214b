//! The assignment core and the store. Nothing here knows about terminals.

pub mod activity;
pub mod assign;
pub mod backup;
pub mod context;
pub mod demo;
pub mod distribute;
pub mod doctor;
pub mod error;
pub mod explain;
pub mod export;
pub mod filter;
pub mod groups;
pub mod import;
pub mod interrupt;
pub mod leads;
pub mod model;
pub mod names;
pub mod notifications;
pub mod page;
pub mod reclaim;
pub mod report;
pub mod rights;
pub mod rotation;
pub mod rules;
pub mod safe_file;
pub mod schedule;
pub mod search;
pub mod settings;
pub mod stages;
pub mod store;
pub mod time;
pub mod undo;
pub mod users;

pub use context::{Actor, Ctx};
pub use error::{Error, Result};
pub use store::Store;
