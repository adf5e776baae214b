//! The SQLite store: opening (checks, pragmas, migrations) and the single
//! write path every mutation goes through.

mod migrations;
mod open;
mod write;

use std::path::{Path, PathBuf};

use rusqlite::Connection;

pub use migrations::SCHEMA_VERSION;
pub use write::{Change, PlanRow, Writer, Written};

/// `PRAGMA application_id` of every leadrota database ("LROT").
pub const APPLICATION_ID: i64 = 0x4C52_4F54;

/// One connection to a leadrota database. Each thread or process opens its own.
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl Store {
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Read access. Writes go through [`Store::write`].
    pub fn conn(&self) -> &Connection {
        &self.conn
    }
}
