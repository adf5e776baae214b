//! `leadrota backup FILE`: a consistent copy of a live database.
//!
//! SQLite's `VACUUM INTO` writes a snapshot of the database as of one read
//! transaction, so other seats may keep working while it runs; the copy is
//! compact (no free pages, no WAL). It goes through [`super::safe_file`]: a
//! temporary beside the target with the database's permissions, checked
//! (`quick_check`, application id), flushed to disk (SQLite does not fsync a
//! `VACUUM INTO` output) and renamed into place, so an interrupted backup
//! never leaves a half-written FILE, or a partial copy, behind.

use std::fs;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};
use serde::Serialize;

use super::context::Ctx;
use super::error::{Error, Result};
use super::rights::{self, Action};
use super::safe_file::{self, IfExists};
use super::store::{APPLICATION_ID, Store};

#[derive(Debug, Clone, Serialize)]
pub struct BackupReport {
    /// The database that was copied.
    pub source: String,
    /// The backup file written.
    pub backup: PathBuf,
    pub bytes: u64,
    pub leads: i64,
    pub schema_version: i64,
}

/// Copy the database of `store` to `dest` through the safe writer. An
/// existing `dest` is replaced only with `overwrite`; the database and its
/// companion files never are.
pub fn backup(store: &Store, ctx: &Ctx, dest: &Path, overwrite: bool) -> Result<BackupReport> {
    // The copy holds every lead: agents may not take it (V6).
    rights::require(ctx, Action::Backup)?;
    if dest.as_os_str().is_empty() {
        return Err(Error::invalid("no backup file given"));
    }
    let if_exists = if overwrite { IfExists::Replace } else { IfExists::Refuse };
    let (leads, schema_version) = safe_file::write(store.path(), dest, if_exists, |_, temp| {
        let temp_text = temp
            .to_str()
            .ok_or_else(|| Error::invalid(format!("{} is not a UTF-8 path; choose another name", dest.display())))?;
        // SQLite writes into the empty temporary, which already has the database's mode.
        store.conn().execute("VACUUM INTO ?1", [temp_text]).map_err(|e| write_failed(dest, &e))?;
        verify(temp)
    })?;
    let bytes = fs::metadata(dest).map_err(|source| Error::Io { path: dest.to_path_buf(), source })?.len();
    Ok(BackupReport {
        source: store.path().display().to_string(),
        backup: dest.to_path_buf(),
        bytes,
        leads,
        schema_version,
    })
}

/// Why SQLite could not write the copy, in words (never its raw text).
fn write_failed(dest: &Path, e: &rusqlite::Error) -> Error {
    use rusqlite::ErrorCode as Code;
    let why = match e.sqlite_error_code() {
        Some(Code::DiskFull) => "the disk is full",
        Some(Code::SystemIoFailure) => "the disk refused the write (full, or a file size limit)",
        Some(Code::CannotOpen | Code::PermissionDenied | Code::ReadOnly) => "the file cannot be written there",
        _ => "SQLite could not write the copy",
    };
    Error::invalid(format!("cannot write the backup {}: {why}; nothing was written", dest.display()))
}

/// Open the copy read-only and check it is whole and ours.
fn verify(path: &Path) -> Result<(i64, i64)> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    let check: String = conn.query_row("PRAGMA quick_check(1)", [], |r| r.get(0))?;
    let app_id: i64 = conn.pragma_query_value(None, "application_id", |r| r.get(0))?;
    if check != "ok" || app_id != APPLICATION_ID {
        return Err(Error::invalid(format!("the backup copy failed its check ({check}); nothing was written")));
    }
    let leads = conn.query_row("SELECT count(*) FROM leads", [], |r| r.get(0))?;
    let version = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    Ok((leads, version))
}
