//! Users of the team: who may own leads, and in which role.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::context::Ctx;
use super::error::{Error, Result};
use super::model::{Role, User};
use super::names;
use super::rights::{self, Action};
use super::schedule::{self, Schedule};
use super::store::{Change, Store};

const COLUMNS: &str = "id, name, email, role, active, on_leave, can_pickup, schedule, away_until";

fn from_row(r: &Row<'_>) -> rusqlite::Result<User> {
    let role: String = r.get(3)?;
    Ok(User {
        id: r.get(0)?,
        name: r.get(1)?,
        email: r.get::<_, Option<String>>(2)?.unwrap_or_default(),
        role: role.parse().unwrap_or(Role::Agent),
        active: r.get(4)?,
        on_leave: r.get(5)?,
        can_pickup: r.get(6)?,
        schedule: r.get(7)?,
        away_until: r.get(8)?,
    })
}

pub fn list(conn: &Connection) -> Result<Vec<User>> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM users ORDER BY name COLLATE NOCASE"))?;
    let rows = stmt.query_map([], from_row)?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

pub fn get(conn: &Connection, id: i64) -> Result<User> {
    conn.prepare_cached(&format!("SELECT {COLUMNS} FROM users WHERE id = ?1"))?
        .query_row([id], from_row)
        .optional()?
        .ok_or_else(|| Error::not_found("user", format!("#{id}")))
}

/// Find a user by name, case-insensitively.
pub fn find(conn: &Connection, name: &str) -> Result<User> {
    let name = name.trim();
    conn.prepare_cached(&format!("SELECT {COLUMNS} FROM users WHERE name = ?1 COLLATE NOCASE"))?
        .query_row([name], from_row)
        .optional()?
        .ok_or_else(|| Error::not_found("user", name))
}

/// [`find`] among users already read (names compare as `COLLATE NOCASE` does).
pub fn find_in(users: &[User], name: &str) -> Result<User> {
    let name = name.trim();
    users.iter().find(|u| u.name.eq_ignore_ascii_case(name)).cloned().ok_or_else(|| Error::not_found("user", name))
}

/// Names of the groups a user belongs to, in name order.
pub fn group_names(conn: &Connection, user_id: i64) -> Result<Vec<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT g.name FROM memberships m JOIN user_groups g ON g.id = m.group_id \
         WHERE m.user_id = ?1 ORDER BY g.name COLLATE NOCASE",
    )?;
    let rows = stmt.query_map([user_id], |r| r.get(0))?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub name: String,
    pub email: String,
    pub role: Role,
    pub can_pickup: bool,
}

pub fn add(store: &mut Store, ctx: &Ctx, new: &NewUser) -> Result<User> {
    rights::require(ctx, Action::ManageUsers)?;
    let name = names::check("user", &new.name)?;
    if name.eq_ignore_ascii_case("system") || name.eq_ignore_ascii_case("unassigned") || name.eq_ignore_ascii_case("me")
    {
        return Err(Error::invalid(format!("'{name}' is reserved and cannot be a user name")));
    }
    let written = store.write(ctx, "user add", |w| {
        let exists: bool =
            w.conn().query_row("SELECT EXISTS (SELECT 1 FROM users WHERE name = ?1 COLLATE NOCASE)", [name], |r| {
                r.get(0)
            })?;
        if exists {
            return Err(Error::invalid(format!("user '{name}' already exists")));
        }
        w.conn().execute(
            "INSERT INTO users (name, email, role, can_pickup, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![name, new.email.trim(), new.role.as_str(), new.can_pickup, w.now()],
        )?;
        let id = w.conn().last_insert_rowid();
        w.record(Change::event(None, "user_added", "manual", Some(format!("added {name} ({})", new.role))))?;
        Ok(id)
    })?;
    get(store.conn(), written.value)
}

/// Change one user's flags in one transaction with an activity row naming the change.
fn update_flag(store: &mut Store, ctx: &Ctx, name: &str, column: &str, value: bool, note: String) -> Result<User> {
    rights::require(ctx, Action::ManageUsers)?;
    let user = find(store.conn(), name)?;
    store.write(ctx, "user change", |w| {
        // `column` is one of a fixed set of names chosen below, never user input.
        w.conn().execute(&format!("UPDATE users SET {column} = ?1 WHERE id = ?2"), params![value, user.id])?;
        w.record(Change::event(None, "user_changed", "manual", Some(note)))
    })?;
    get(store.conn(), user.id)
}

pub fn set_leave(store: &mut Store, ctx: &Ctx, name: &str, on_leave: bool) -> Result<User> {
    let user = find(store.conn(), name)?;
    let note = format!("{} {}", user.name, if on_leave { "went on leave" } else { "is back from leave" });
    update_flag(store, ctx, name, "on_leave", on_leave, note)
}

pub fn activate(store: &mut Store, ctx: &Ctx, name: &str) -> Result<User> {
    let user = find(store.conn(), name)?;
    update_flag(store, ctx, name, "active", true, format!("{} activated", user.name))
}

pub fn set_role(store: &mut Store, ctx: &Ctx, name: &str, role: Role) -> Result<User> {
    rights::require(ctx, Action::ManageUsers)?;
    let user = find(store.conn(), name)?;
    store.write(ctx, "user change", |w| {
        w.conn().execute("UPDATE users SET role = ?1 WHERE id = ?2", params![role.as_str(), user.id])?;
        w.record(Change::event(None, "user_changed", "manual", Some(format!("{} is now {role}", user.name))))
    })?;
    get(store.conn(), user.id)
}

pub fn set_can_pickup(store: &mut Store, ctx: &Ctx, name: &str, can_pickup: bool) -> Result<User> {
    let user = find(store.conn(), name)?;
    let note = format!("{} {} pick up leads", user.name, if can_pickup { "may" } else { "may no longer" });
    update_flag(store, ctx, name, "can_pickup", can_pickup, note)
}

/// A17: set (or clear, with `None`) a user's weekly working hours in the
/// office time zone; returns the user with the schedule in its canonical form.
pub fn set_hours(store: &mut Store, ctx: &Ctx, name: &str, schedule: Option<&str>) -> Result<User> {
    let parsed = Schedule::parse(schedule.unwrap_or(""))?;
    if schedule.is_some() && parsed.is_always() {
        return Err(Error::invalid("give working hours, e.g. \"Mon-Fri 09:00-17:30\" (or --clear for always on)"));
    }
    let text = parsed.to_string();
    let note = if text.is_empty() { "works any time".to_string() } else { format!("works {text}") };
    set_availability(store, ctx, name, "schedule", &text, note)
}

/// A17: away until `until` (the first day back, `YYYY-MM-DD`), or back now (`None`).
pub fn set_away(store: &mut Store, ctx: &Ctx, name: &str, until: Option<&str>) -> Result<User> {
    let back = until.map(schedule::parse_away).transpose()?;
    let today = ctx.now().with_timezone(&ctx.tz).date_naive();
    if let Some(day) = back.filter(|d| *d <= today) {
        return Err(Error::invalid(format!(
            "{day} is not after today ({today}): --until is the first day back; use --off if they are back"
        )));
    }
    let text = back.map(|d| d.to_string()).unwrap_or_default();
    let note = if text.is_empty() { "is back".to_string() } else { format!("is away until {text}") };
    set_availability(store, ctx, name, "away_until", &text, note)
}

/// Change one availability column and keep what is now in force, so
/// `doctor` can tell whether a delivery went to someone off shift (A17).
fn set_availability(
    store: &mut Store,
    ctx: &Ctx,
    name: &str,
    column: &'static str,
    value: &str,
    note: String,
) -> Result<User> {
    rights::require(ctx, Action::ManageUsers)?;
    let user = find(store.conn(), name)?;
    store.write(ctx, "user change", |w| {
        // `column` is one of this module's fixed names, never input.
        w.conn().execute(&format!("UPDATE users SET {column} = ?1 WHERE id = ?2"), params![value, user.id])?;
        w.conn().execute(
            "INSERT INTO availability_changes (user_id, schedule, away_until, batch_id, at) \
             SELECT id, schedule, away_until, ?2, ?3 FROM users WHERE id = ?1",
            params![user.id, w.batch(), w.now()],
        )?;
        w.record(Change::event(None, "user_changed", "manual", Some(format!("{} {note}", user.name))))
    })?;
    get(store.conn(), user.id)
}
