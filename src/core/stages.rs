//! Stages (a lead's status). A lead is open while its stage is not closed.

use rusqlite::Connection;

use super::error::{Error, Result};
use super::model::Stage;

pub fn list(conn: &Connection) -> Result<Vec<Stage>> {
    let mut stmt = conn.prepare_cached("SELECT id, name, position, closed FROM stages ORDER BY position, id")?;
    let rows =
        stmt.query_map([], |r| Ok(Stage { id: r.get(0)?, name: r.get(1)?, position: r.get(2)?, closed: r.get(3)? }))?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// Find a stage by name, case-insensitively; the error lists the valid names.
pub fn find(conn: &Connection, name: &str) -> Result<Stage> {
    find_in(&list(conn)?, name)
}

/// [`find`] among stages already read.
pub fn find_in(stages: &[Stage], name: &str) -> Result<Stage> {
    let wanted = name.trim();
    stages.iter().find(|s| s.name.eq_ignore_ascii_case(wanted)).cloned().ok_or_else(|| {
        let names: Vec<&str> = stages.iter().map(|s| s.name.as_str()).collect();
        Error::invalid(format!("unknown status '{wanted}' (expected one of {})", names.join(", ")))
    })
}

/// The stage new leads start in: the first by position that is not closed.
pub fn initial(conn: &Connection) -> Result<Stage> {
    initial_in(&list(conn)?)
}

/// [`initial`] among stages already read.
pub fn initial_in(stages: &[Stage]) -> Result<Stage> {
    stages.iter().find(|s| !s.closed).cloned().ok_or_else(|| Error::invalid("no open stage is defined"))
}
