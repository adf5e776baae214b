//! The SQLite store: opening (checks, pragmas, migrations) and the single
//! write path every mutation goes through.

mod migrations;
mod open;
pub mod owner_hook;
mod write;

use std::path::{Path, PathBuf};

use rusqlite::Connection;

pub use migrations::SCHEMA_VERSION;
pub(crate) use open::BUSY_TIMEOUT;
pub use write::{Change, PlanRow, Writer, Written};

/// `PRAGMA application_id` of every leadrota database ("LROT").
pub const APPLICATION_ID: i64 = 0x4C52_4F54;

/// One connection to a leadrota database. Each thread or process opens its own.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    /// The `notify_command`, when the office configured one.
    owner_hook: Option<owner_hook::OwnerHook>,
    /// SQLite's foreign-key checks could not be turned back on after a
    /// [`Store::write_plan`]; the next write turns them on first.
    references_off: bool,
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

    /// Run `command` (the config's `notify_command`) after each committed
    /// change of owners; `None` turns it off.
    pub fn set_notify_command(&mut self, command: Option<&str>) {
        self.owner_hook = command
            .filter(|c| !c.trim().is_empty())
            .map(|c| owner_hook::OwnerHook::new(c.to_string(), owner_hook::NOTIFY_TIMEOUT));
    }

    /// Read access. Writes go through [`Store::write`].
    pub fn conn(&self) -> &Connection {
        &self.conn
    }
}
