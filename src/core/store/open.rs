use std::fs::{self, File, OpenOptions};
use std::io::Read;
use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use super::{APPLICATION_ID, SCHEMA_VERSION, Store, migrations};
use crate::core::error::{Error, Result};

const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// What a path holds before we touch it.
enum Existing {
    Nothing,
    Leadrota { version: i64 },
}

impl Store {
    /// Open (creating and migrating if needed) the database at `path`. A file
    /// that is not a leadrota database, or one from a newer leadrota, is
    /// refused before any pragma or write touches it.
    pub fn open(path: &Path) -> Result<Store> {
        let existing = inspect(path)?;
        if let Existing::Leadrota { version } = existing
            && version > SCHEMA_VERSION
        {
            return Err(Error::TooNew { path: path.to_path_buf(), found: version, known: SCHEMA_VERSION });
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            fs::create_dir_all(dir).map_err(|source| Error::Io { path: dir.to_path_buf(), source })?;
        }
        let mut conn = Connection::open(path)?;
        configure(&conn, path)?;
        let needs_migration = match existing {
            Existing::Nothing => true,
            Existing::Leadrota { version } => version < SCHEMA_VERSION,
        };
        if needs_migration {
            migrate(&mut conn, path)?;
        }
        Ok(Store { conn, path: path.to_path_buf() })
    }

    /// A private in-memory database, for tests and benchmarks.
    pub fn open_in_memory() -> Result<Store> {
        let mut conn = Connection::open_in_memory()?;
        conn.execute_batch("PRAGMA foreign_keys = ON;")?;
        migrations::all().to_latest(&mut conn).map_err(|e| Error::Migration(e.to_string()))?;
        conn.pragma_update(None, "application_id", APPLICATION_ID)?;
        Ok(Store { conn, path: ":memory:".into() })
    }
}

fn not_leadrota(path: &Path, reason: &str) -> Error {
    Error::NotLeadrota { path: path.to_path_buf(), reason: reason.to_string() }
}

fn inspect(path: &Path) -> Result<Existing> {
    let mut file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Existing::Nothing),
        Err(source) => return Err(Error::Io { path: path.to_path_buf(), source }),
    };
    if file.metadata().map(|m| m.is_dir()).unwrap_or(false) {
        return Err(not_leadrota(path, "it is a directory"));
    }
    let mut header = [0u8; 16];
    let read = file.read(&mut header).map_err(|source| Error::Io { path: path.to_path_buf(), source })?;
    if read == 0 {
        return Ok(Existing::Nothing);
    }
    if read < 16 || &header != SQLITE_MAGIC {
        return Err(not_leadrota(path, "not an SQLite file"));
    }
    let probe = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .map_err(|_| not_leadrota(path, "unreadable SQLite file"))?;
    let app_id: i64 = probe
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .map_err(|_| not_leadrota(path, "unreadable SQLite file"))?;
    let version: i64 = probe.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if app_id == APPLICATION_ID {
        return Ok(Existing::Leadrota { version });
    }
    let tables: i64 = probe.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))?;
    if app_id == 0 && tables == 0 {
        return Ok(Existing::Nothing);
    }
    Err(not_leadrota(path, "it belongs to another program"))
}

fn configure(conn: &Connection, path: &Path) -> Result<()> {
    conn.busy_timeout(Duration::from_secs(5))?;
    let mode: String = conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(Error::invalid(format!(
            "{} cannot use write-ahead logging (journal mode stays '{mode}'); put the database on a local disk",
            path.display()
        )));
    }
    conn.execute_batch("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;")?;
    Ok(())
}

/// Two processes starting on a new file could both try to migrate it; an
/// exclusive lock on the file serialises them, and the loser finds it done.
fn migrate(conn: &mut Connection, path: &Path) -> Result<()> {
    let lock = OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .map_err(|source| Error::Io { path: path.to_path_buf(), source })?;
    lock.lock().map_err(|source| Error::Io { path: path.to_path_buf(), source })?;
    let result = migrations::all()
        .to_latest(conn)
        .map_err(|e| Error::Migration(e.to_string()))
        .and_then(|()| Ok(conn.pragma_update(None, "application_id", APPLICATION_ID)?));
    // Dropping the handle releases the lock whatever happened above.
    drop(lock);
    result
}
