//! Database-wide settings shared by every seat (routing switches and the like).

use rusqlite::{Connection, OptionalExtension, params};

use super::error::Result;
use super::store::Writer;

pub const AUTO_ASSIGN: &str = "auto_assign";
pub const DUPLICATE_ROUTING: &str = "duplicate_routing";
/// When routing was switched off, so the backlog since then can be counted (R3).
pub const PAUSED_AT: &str = "paused_at";
pub const TIMEZONE: &str = "timezone";

pub fn get(conn: &Connection, key: &str) -> Result<Option<String>> {
    Ok(conn.prepare_cached("SELECT value FROM settings WHERE key = ?1")?.query_row([key], |r| r.get(0)).optional()?)
}

pub fn is_on(conn: &Connection, key: &str) -> Result<bool> {
    Ok(get(conn, key)?.as_deref() == Some("on"))
}

pub fn set(w: &Writer<'_>, key: &str, value: &str) -> Result<()> {
    w.conn().execute(
        "INSERT INTO settings (key, value) VALUES (?1, ?2) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}
