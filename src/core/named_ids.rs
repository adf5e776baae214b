//! Ids the activity log names a lead's way by (`group:<id>`, `rule:<id>`)
//! are never given twice: a new group or rule that took a deleted one's id
//! took its history (doctor missed deliveries, explain and the timeline
//! named the wrong one). The highest id given is kept in the settings; a
//! database from before that finds it once in the log.

use rusqlite::{Connection, OptionalExtension};

use super::error::Result;

#[derive(Debug, Clone, Copy)]
pub(crate) enum Named {
    Group,
    Rule,
}

impl Named {
    fn setting(self) -> &'static str {
        match self {
            Named::Group => "last_group_id",
            Named::Rule => "last_rule_id",
        }
    }

    /// The highest id the log names, and the highest in the table now.
    fn highest_sql(self) -> (&'static str, &'static str) {
        match self {
            Named::Group => (
                "SELECT coalesce(max(CAST(substr(via, 7) AS INTEGER)), 0) FROM activity WHERE via LIKE 'group:%'",
                "SELECT coalesce(max(id), 0) FROM user_groups",
            ),
            Named::Rule => (
                "SELECT coalesce(max(CAST(substr(via, 6) AS INTEGER)), 0) FROM activity WHERE via LIKE 'rule:%'",
                "SELECT coalesce(max(id), 0) FROM rules",
            ),
        }
    }
}

/// The id for a new one: above every id given before, kept or logged.
pub(crate) fn next_id(conn: &Connection, named: Named) -> Result<i64> {
    let kept: Option<String> =
        conn.query_row("SELECT value FROM settings WHERE key = ?1", [named.setting()], |r| r.get(0)).optional()?;
    let (logged_sql, table_sql) = named.highest_sql();
    let given: i64 = match kept.and_then(|v| v.parse().ok()) {
        Some(id) => id,
        None => conn.query_row(logged_sql, [], |r| r.get(0))?,
    };
    let existing: i64 = conn.query_row(table_sql, [], |r| r.get(0))?;
    Ok(given.max(existing) + 1)
}

/// Keep `id` as the highest given, in the transaction that gives it.
pub(crate) fn keep_given(conn: &Connection, named: Named, id: i64) -> Result<()> {
    conn.execute(
        "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [named.setting(), &id.to_string()],
    )?;
    Ok(())
}
