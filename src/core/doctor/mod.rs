//! `leadrota doctor`: read-only checks of one database file (SPEC §7).
//!
//! - SQLite's own `integrity_check` (or `quick_check`), and what
//!   `foreign_key_check` finds (orphaned rows: an activity row of a lead that
//!   is gone, a lead owned by a user who does not exist, …), checked by the
//!   passes for the four large tables and by SQLite for the others;
//! - schema version, application id and journal mode;
//! - ownership history: each lead's owner is the `to` of its latest owner
//!   change in the activity log, and each owner change starts where the
//!   previous one ended (no lost update, one activity row per change);
//! - deliveries against the activity log: every delivery has the activity row
//!   that made it, no undone batch keeps deliveries, and every live
//!   `group:<id>` assignment kept its delivery;
//! - limits: no delivery made a member's office day or month exceed the
//!   limit in force when it was made (A8: limit changes are recorded); a
//!   period over only a limit lowered later is a warning;
//! - deactivated users still listed in a rotation (a warning: they are skipped);
//! - the pieces short searches look up: every lead's are listed, or the
//!   searches read the lead itself (see `search`; index contents, so not
//!   with `--quick`).
//!
//! Nothing here writes. SQLite's own check reads every page of the file;
//! leadrota's checks (`scan`) read each large table once, on the caller's
//! connection, while SQLite's runs on a connection of its own in a second
//! thread, so the report costs about what SQLite's check alone does.

mod ids;
mod limits;
mod log;
mod scan;
mod search;

use std::collections::BTreeMap;
use std::path::Path;

use chrono_tz::Tz;
use rusqlite::{Connection, OpenFlags, params};
use serde::Serialize;

use super::error::{Error, Result};
use super::store::{APPLICATION_ID, BUSY_TIMEOUT, SCHEMA_VERSION, Store};

/// At most this many examples are listed per finding.
const EXAMPLES: usize = 10;

#[derive(Debug, Clone, Copy, Default)]
pub struct DoctorOptions {
    /// `quick_check` instead of the full `integrity_check` (skips index contents).
    pub quick: bool,
}

/// One thing found wrong (or worth a look), with the check that found it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub check: &'static str,
    pub detail: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct DoctorReport {
    pub path: String,
    /// `["ok"]`, or the first lines SQLite reported.
    pub integrity: Vec<String>,
    pub schema_version: i64,
    pub known_schema_version: i64,
    pub application_id: i64,
    pub journal_mode: String,
    pub page_size: i64,
    pub page_count: i64,
    pub freelist_count: i64,
    /// Rows per table, and a few derived figures (`leads_unassigned`, `users_active`).
    pub counts: BTreeMap<String, i64>,
    /// Each one makes `doctor` exit non-zero.
    pub problems: Vec<Finding>,
    /// Worth knowing, not wrong.
    pub warnings: Vec<Finding>,
}

impl DoctorReport {
    pub fn is_healthy(&self) -> bool {
        self.problems.is_empty()
    }
}

const TABLES: &[&str] = &[
    "leads",
    "lead_tags",
    "users",
    "stages",
    "user_groups",
    "memberships",
    "rules",
    "rule_conditions",
    "batches",
    "activity",
    "deliveries",
    "limit_changes",
    "availability_changes",
    "notifications",
    "settings",
];

/// Run every check on `store`'s database; `tz` is the office zone that
/// days and months of limits are counted in.
pub fn check(store: &Store, tz: Tz, opts: DoctorOptions) -> Result<DoctorReport> {
    let conn = store.conn();
    let pragma_i64 = |name: &str| -> Result<i64> { Ok(conn.pragma_query_value(None, name, |r| r.get(0))?) };
    let mut report = DoctorReport {
        path: store.path().display().to_string(),
        integrity: Vec::new(),
        schema_version: pragma_i64("user_version")?,
        known_schema_version: SCHEMA_VERSION,
        application_id: pragma_i64("application_id")?,
        journal_mode: conn.pragma_query_value(None, "journal_mode", |r| r.get(0))?,
        page_size: pragma_i64("page_size")?,
        page_count: pragma_i64("page_count")?,
        freelist_count: pragma_i64("freelist_count")?,
        counts: BTreeMap::new(),
        problems: Vec::new(),
        warnings: Vec::new(),
    };
    if report.application_id != APPLICATION_ID {
        report.problems.push(Finding {
            check: "schema",
            detail: format!("application id is {:#x}, expected {APPLICATION_ID:#x}", report.application_id),
        });
    }
    if report.schema_version != SCHEMA_VERSION {
        report.problems.push(Finding {
            check: "schema",
            detail: format!("schema version {} (this build expects {SCHEMA_VERSION})", report.schema_version),
        });
    }
    // Only an inserting transaction holds this row, and removes it before it
    // commits: a row left behind would keep new leads out of the search index.
    let index_stands_aside: bool =
        conn.query_row("SELECT EXISTS (SELECT 1 FROM search_index_later)", [], |r| r.get(0))?;
    if index_stands_aside {
        report.problems.push(Finding {
            check: "search",
            detail: "search_index_later holds a row: new leads are not being added to the search index \
                     (delete the row, then rebuild: INSERT INTO leads_search (leads_search) VALUES ('rebuild'))"
                .to_string(),
        });
    }
    let in_memory = store.path().as_os_str() == ":memory:";
    if !in_memory && !report.journal_mode.eq_ignore_ascii_case("wal") {
        report.problems.push(Finding {
            check: "journal",
            detail: format!("journal mode is '{}', expected 'wal'", report.journal_mode),
        });
    }
    let (integrity, own) = if in_memory {
        (integrity(conn, opts.quick), own_checks(conn, tz, opts, &mut report))
    } else {
        let path = store.path();
        std::thread::scope(|s| {
            let sqlite = s.spawn(|| integrity_apart(path, opts.quick));
            let own = own_checks(conn, tz, opts, &mut report);
            let integrity = match sqlite.join() {
                Ok(Some(lines)) => lines,
                // No second connection to be had: the checks take turns.
                Ok(None) => integrity(conn, opts.quick),
                Err(_) => Err(Error::invalid("SQLite's integrity check stopped unexpectedly".to_string())),
            };
            (integrity, own)
        })
    };
    report.integrity = integrity?;
    if report.integrity != ["ok"] {
        report.problems.insert(
            0,
            Finding {
                check: "integrity",
                detail: format!("SQLite integrity check failed: {}", report.integrity.join("; ")),
            },
        );
        // Damage SQLite found can stop a pass midway; the report still names it.
        if let Err(e) = own {
            report.problems.insert(
                1,
                Finding { check: "integrity", detail: format!("leadrota's own checks stopped on the damage: {e}") },
            );
        }
    } else {
        own?;
    }
    Ok(report)
}

/// Counts and every check of leadrota's own, in one read transaction so
/// that they all see the same state of the file.
fn own_checks(conn: &Connection, tz: Tz, opts: DoctorOptions, report: &mut DoctorReport) -> Result<()> {
    let tx = conn.unchecked_transaction()?;
    for table in TABLES {
        let n: i64 = conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))?;
        report.counts.insert((*table).to_string(), n);
    }
    for (name, sql) in [
        ("leads_unassigned", "SELECT count(*) FROM leads WHERE owner_id IS NULL"),
        ("users_active", "SELECT count(*) FROM users WHERE active = 1"),
        ("batches_undone", "SELECT count(*) FROM batches WHERE undone = 1"),
    ] {
        report.counts.insert(name.to_string(), conn.query_row(sql, [], |r| r.get(0))?);
    }
    scan::run(conn, tz, report)?;
    search::check(conn, !opts.quick, report)?;
    rotations(conn, report)?;
    tx.finish()?;
    Ok(())
}

/// Add "{n} {what}{examples}" to `list` when there is anything to tell.
fn tally(list: &mut Vec<Finding>, check: &'static str, n: usize, what: &str, examples: impl FnOnce() -> String) {
    if n > 0 {
        list.push(Finding { check, detail: format!("{n} {what}{}", examples()) });
    }
}

/// The first few `items`, shown and joined by `sep`.
fn first<T>(items: &[T], sep: &str, show: impl Fn(&T) -> String) -> String {
    items.iter().take(EXAMPLES).map(show).collect::<Vec<_>>().join(sep)
}

fn integrity(conn: &Connection, quick: bool) -> Result<Vec<String>> {
    let pragma = if quick { "PRAGMA quick_check(20)" } else { "PRAGMA integrity_check(20)" };
    let mut stmt = conn.prepare(pragma)?;
    let lines = stmt.query_map([], |r| r.get::<_, String>(0))?.collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(lines)
}

/// SQLite's check on a read-only connection of its own; `None` when no
/// such connection can be opened.
fn integrity_apart(path: &Path, quick: bool) -> Option<Result<Vec<String>>> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).ok()?;
    conn.busy_timeout(BUSY_TIMEOUT).ok()?;
    Some(integrity(&conn, quick))
}

/// A deactivated user leaves every rotation (A12).
fn rotations(conn: &Connection, report: &mut DoctorReport) -> Result<()> {
    let mut stmt = conn.prepare(
        "SELECT u.name || ' in ' || g.name FROM memberships m JOIN users u ON u.id = m.user_id \
         JOIN user_groups g ON g.id = m.group_id WHERE u.active = 0 ORDER BY g.name, u.name LIMIT ?1",
    )?;
    let stuck =
        stmt.query_map(params![EXAMPLES as i64], |r| r.get::<_, String>(0))?.collect::<rusqlite::Result<Vec<_>>>()?;
    // Rotations skip them (they are not eligible), so this is untidy, not wrong.
    if !stuck.is_empty() {
        report.warnings.push(Finding {
            check: "rotations",
            detail: format!(
                "deactivated user(s) still listed in a rotation (skipped, never served): {}",
                stuck.join(", ")
            ),
        });
    }
    Ok(())
}
