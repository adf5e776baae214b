use std::fs::{self, File};
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
        check_writable(path)?;
        let mut conn = Connection::open(path)?;
        if conn.is_readonly(rusqlite::MAIN_DB)? {
            return Err(read_only(path, "SQLite could open it for reading only"));
        }
        let needs_migration = match existing {
            Existing::Nothing => true,
            Existing::Leadrota { version } => version < SCHEMA_VERSION,
        };
        if needs_migration {
            create_or_migrate(&mut conn, path)?;
        } else {
            configure(&conn, path)?;
        }
        Ok(Store { conn, path: path.to_path_buf(), owner_hook: None, references_off: false })
    }

    /// A private in-memory database, for tests and benchmarks.
    pub fn open_in_memory() -> Result<Store> {
        let mut conn = Connection::open_in_memory()?;
        conn.execute_batch("PRAGMA foreign_keys = ON;")?;
        migrations::all().to_latest(&mut conn).map_err(migration_failed)?;
        conn.pragma_update(None, "application_id", APPLICATION_ID)?;
        Ok(Store { conn, path: ":memory:".into(), owner_hook: None, references_off: false })
    }
}

/// A failed migration in one line: SQLite's reason, not the whole script
/// it was running (which goes to the log).
fn migration_failed(e: rusqlite_migration::Error) -> Error {
    tracing::error!("migration failed: {e}");
    let reason = match &e {
        rusqlite_migration::Error::RusqliteError { err, .. } => err.to_string(),
        other => other.to_string(),
    };
    Error::Migration(reason.lines().next().unwrap_or_default().to_string())
}

fn not_leadrota(path: &Path, reason: &str) -> Error {
    Error::NotLeadrota { path: path.to_path_buf(), reason: reason.to_string() }
}

fn read_only(path: &Path, why: &str) -> Error {
    Error::invalid(format!(
        "{} is read-only ({why}); leadrota needs to write to the database and to create its -wal and -shm \
         files beside it; nothing was changed",
        path.display()
    ))
}

/// Refuse a database file, or the folder it is in, whose permissions allow no
/// writing, with a clear message before SQLite fails half-way with a vaguer
/// one. The permission bits are honoured even for root (who could write
/// anyway): a file someone made read-only is not to be written.
fn check_writable(path: &Path) -> Result<()> {
    if let Ok(meta) = fs::metadata(path)
        && meta.permissions().readonly()
    {
        return Err(read_only(path, "its file permissions allow no writing"));
    }
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    if let Ok(meta) = fs::metadata(dir)
        && meta.permissions().readonly()
    {
        return Err(read_only(path, &format!("its folder {} allows no writing", dir.display())));
    }
    Ok(())
}

/// A file SQLite could not read: held locked by another program for longer
/// than the busy timeout is not the same as "not ours".
fn unreadable(path: &Path, e: rusqlite::Error) -> Error {
    if is_busy(&e) {
        return busy(path);
    }
    not_leadrota(path, "unreadable SQLite file")
}

pub(super) fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(e.sqlite_error_code(), Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked))
}

pub(super) fn busy(path: &Path) -> Error {
    Error::invalid(format!(
        "{} is busy: another program has kept it locked for longer than leadrota waits; nothing was changed, try again",
        path.display()
    ))
}

fn open_probe(path: &Path) -> Result<Connection> {
    let probe = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .map_err(|e| unreadable(path, e))?;
    probe.busy_timeout(BUSY_TIMEOUT)?;
    Ok(probe)
}

/// A read-only connection met a hot rollback journal: a process was killed
/// while writing in rollback mode (a first run switching a new file to WAL).
fn needs_rollback(e: &rusqlite::Error) -> bool {
    e.sqlite_error().is_some_and(|f| f.extended_code == rusqlite::ffi::SQLITE_READONLY_ROLLBACK)
}

/// Let SQLite roll the interrupted write back, as any reader with write
/// access would on its first read: the file returns to its last committed
/// state (its content is not changed, the half-write is undone).
fn roll_back_interrupted_write(path: &Path) -> Result<()> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .map_err(|e| unreadable(path, e))?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0))
        .map_err(|e| unreadable(path, e))?;
    Ok(())
}

fn inspect(path: &Path) -> Result<Existing> {
    // Before opening: opening a pipe would wait for a writer, and SQLite
    // would take a device such as /dev/null for an empty database and leave
    // a `-journal` beside it.
    match fs::metadata(path) {
        Ok(meta) if !meta.is_file() && !meta.is_dir() => {
            return Err(Error::invalid(format!(
                "{} is a device or other special file, not a database file; give --db (or LEADROTA_DB, or \
                 `database` in the config) the path of a database file",
                path.display()
            )));
        }
        _ => {}
    }
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
    let mut probe = open_probe(path)?;
    let (app_id, version, tables) = match stamps(&probe) {
        Ok(stamps) => stamps,
        Err(e) if needs_rollback(&e) => {
            drop(probe);
            roll_back_interrupted_write(path)?;
            probe = open_probe(path)?;
            stamps(&probe).map_err(|e| unreadable(path, e))?
        }
        Err(e) => return Err(unreadable(path, e)),
    };
    if app_id == APPLICATION_ID {
        return Ok(Existing::Leadrota { version });
    }
    if app_id == 0 && tables == 0 && version == 0 {
        return Ok(Existing::Nothing);
    }
    if app_id == 0 && tables == 0 {
        // Migrating from the version it claims would build on tables that are not there.
        return Err(not_leadrota(path, &format!("it is marked as schema {version} but holds no tables")));
    }
    Err(not_leadrota(path, "it belongs to another program"))
}

/// The application id, schema version and number of schema objects, read in
/// one statement so that one snapshot answers all three: read one by one, a
/// migration committing in between showed tables without our id.
fn stamps(probe: &Connection) -> rusqlite::Result<(i64, i64, i64)> {
    probe.query_row(
        "SELECT (SELECT application_id FROM pragma_application_id), (SELECT user_version FROM pragma_user_version), \
         (SELECT count(*) FROM sqlite_master)",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )
}

pub(crate) const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

fn configure(conn: &Connection, path: &Path) -> Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    let mode: String = conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(Error::invalid(format!(
            "{} cannot use write-ahead logging (journal mode stays '{mode}'); put the database on a local disk",
            path.display()
        )));
    }
    // A bulk change plans its owners in a temp table; on disk, a 100,000-lead
    // plan spilled to a temp file and cost more than the change itself.
    // A commit does not fold the log into the database file itself (about
    // half a second after a 100,000-lead change): see `Store::checkpoint`.
    conn.execute_batch(
        "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY; \
         PRAGMA wal_autocheckpoint = 0; PRAGMA journal_size_limit = 67108864;",
    )?;
    Ok(())
}

/// Several processes starting on a new file would each switch it to WAL and
/// migrate it: two switches at once deadlock in SQLite (one is refused as
/// busy at once, without waiting), and rusqlite_migration reads the version
/// before its transaction, so two migrations could both run. A lock on the
/// folder serialises them, and whoever comes second finds the work done. The
/// folder, not the file: closing any other descriptor of the database file
/// would drop the locks SQLite holds on it for this process.
fn create_or_migrate(conn: &mut Connection, path: &Path) -> Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let lock = File::open(dir).map_err(|source| Error::Io { path: dir.to_path_buf(), source })?;
    lock.lock().map_err(|source| Error::Io { path: dir.to_path_buf(), source })?;
    let result = configure(conn, path).and_then(|()| {
        migrations::all().to_latest(conn).map_err(migration_failed)?;
        Ok(conn.pragma_update(None, "application_id", APPLICATION_ID)?)
    });
    // Dropping the handle releases the lock whatever happened above.
    drop(lock);
    result
}
