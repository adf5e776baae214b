//! `leadrota backup FILE`: a consistent copy of a live database.
//!
//! SQLite's `VACUUM INTO` writes a snapshot of the database as of one read
//! transaction, so other seats may keep working while it runs; the copy is
//! compact (no free pages, no WAL). It is written beside the target under a
//! temporary name, checked (`quick_check`, application id), flushed to disk
//! (SQLite does not fsync a `VACUUM INTO` output) and renamed into place, so
//! an interrupted backup never leaves a half-written FILE behind.

use std::fs;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};
use serde::Serialize;

use super::error::{Error, Result};
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

/// Copy the database of `store` to `dest`. An existing `dest` is replaced
/// only with `overwrite`; the live database itself never is.
pub fn backup(store: &Store, dest: &Path, overwrite: bool) -> Result<BackupReport> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Io { path, source }
    };
    if dest.as_os_str().is_empty() {
        return Err(Error::invalid("no backup file given"));
    }
    if dest.is_dir() {
        return Err(Error::invalid(format!("{} is a directory; give the backup a file name", dest.display())));
    }
    if is_same_file(store.path(), dest) {
        return Err(Error::invalid(format!("{} is the database itself; choose another file", dest.display())));
    }
    if dest.exists() && !overwrite {
        return Err(Error::invalid(format!("{} already exists; choose another name or pass --force", dest.display())));
    }
    let file_name = dest.file_name().ok_or_else(|| Error::invalid(format!("{} is not a file name", dest.display())))?;
    let dir = dest.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    if !dir.is_dir() {
        return Err(Error::invalid(format!("{} does not exist; create the folder first", dir.display())));
    }
    let partial = dir.join(format!(".{}.partial-{}", file_name.to_string_lossy(), std::process::id()));
    let partial_text = partial
        .to_str()
        .ok_or_else(|| Error::invalid(format!("{} is not a UTF-8 path; choose another name", dest.display())))?
        .to_string();
    let _ = fs::remove_file(&partial);
    let result = (|| {
        store.conn().execute("VACUUM INTO ?1", [&partial_text])?;
        let (leads, schema_version) = verify(&partial)?;
        if let Ok(meta) = fs::metadata(store.path()) {
            // The copy holds the same personal data: keep the same permissions.
            let _ = fs::set_permissions(&partial, meta.permissions());
        }
        fs::File::open(&partial).and_then(|f| f.sync_all()).map_err(io(&partial))?;
        fs::rename(&partial, dest).map_err(io(dest))?;
        if let Ok(d) = fs::File::open(dir) {
            let _ = d.sync_all();
        }
        let bytes = fs::metadata(dest).map_err(io(dest))?.len();
        Ok(BackupReport {
            source: store.path().display().to_string(),
            backup: dest.to_path_buf(),
            bytes,
            leads,
            schema_version,
        })
    })();
    if result.is_err() {
        let _ = fs::remove_file(&partial);
    }
    result
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

fn is_same_file(a: &Path, b: &Path) -> bool {
    match (fs::canonicalize(a), fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}
