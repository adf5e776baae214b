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

impl Drop for Store {
    fn drop(&mut self) {
        // A read-only or full disk refuses; the next writer's close tries again.
        let _ = self.checkpoint();
    }
}

impl Store {
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Fold the write-ahead log into the database file as far as no reader
    /// still needs it, without waiting for anyone. Commits leave this to be
    /// done after the change has been reported: when a store closes (a CLI
    /// command, after its output) and on the console's counting thread, so
    /// neither a command's answer nor a keystroke waits for the disk.
    pub fn checkpoint(&self) -> super::error::Result<()> {
        self.conn.execute_batch("PRAGMA wal_checkpoint(PASSIVE);")?;
        Ok(())
    }

    /// Read access. Writes go through [`Store::write`].
    pub fn conn(&self) -> &Connection {
        &self.conn
    }
}
