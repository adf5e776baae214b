//! User groups: membership, rotation order, method and limits (T4, A5–A8).

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;

use super::context::Ctx;
use super::error::{Error, Result};
use super::model::User;
use super::named_ids::{Named, keep_given, next_id};
use super::names;
use super::rights::{self, Action};
use super::store::{Change, Store, Writer};
use super::{stages, users};

/// How a group hands out leads (A5–A7). Its names come from strum: the
/// first is how it is stored and shown; the others are accepted when typed.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    strum::EnumIter,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::Display,
)]
#[serde(rename_all = "lowercase")]
#[strum(ascii_case_insensitive)]
pub enum Method {
    #[strum(to_string = "sequential", serialize = "round-robin")]
    Sequential,
    #[strum(to_string = "random")]
    Random,
    #[strum(to_string = "balanced", serialize = "least-busy")]
    Balanced,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// A method as typed; an unknown one is an error naming every method.
    pub fn parse(text: &str) -> Result<Method> {
        text.trim().parse().map_err(|_| {
            let known: Vec<&str> = <Method as strum::IntoEnumIterator>::iter().map(Method::as_str).collect();
            Error::invalid(format!("unknown method '{}' (expected {})", text.trim(), known.join(", ")))
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub id: i64,
    pub name: String,
    pub method: Method,
    pub daily_limit: i64,
    pub monthly_limit: i64,
    pub cursor_position: i64,
    pub pickup_stage_ids: Vec<i64>,
    /// A16: open leads a member may hold (0 = no cap).
    pub max_open: i64,
    /// A19: hours after which an untouched delivered lead goes to the next member (0 = off).
    pub reclaim_after_hours: i64,
    /// A19: how many times one lead may be reclaimed.
    pub reclaim_max: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    pub user: User,
    pub position: i64,
    /// Per-member overrides of the group's limits.
    pub daily_limit: Option<i64>,
    pub monthly_limit: Option<i64>,
    /// A16: the member's own open-lead cap, overriding the group's.
    pub max_open: Option<i64>,
    /// A15: the member's share, 1–100.
    pub weight: i64,
    /// A15: smooth weighted round-robin's running balance.
    pub credit: i64,
}

fn from_row(r: &Row<'_>) -> rusqlite::Result<Group> {
    let method: String = r.get(2)?;
    Ok(Group {
        id: r.get(0)?,
        name: r.get(1)?,
        method: Method::parse(&method).unwrap_or(Method::Sequential),
        daily_limit: r.get(3)?,
        monthly_limit: r.get(4)?,
        cursor_position: r.get(5)?,
        pickup_stage_ids: Vec::new(),
        max_open: r.get(6)?,
        reclaim_after_hours: r.get(7)?,
        reclaim_max: r.get(8)?,
    })
}

const COLUMNS: &str =
    "id, name, method, daily_limit, monthly_limit, cursor_position, max_open, reclaim_after_hours, reclaim_max";

fn with_pickup(conn: &Connection, mut group: Group) -> Result<Group> {
    let mut stmt = conn.prepare_cached(
        "SELECT p.stage_id FROM group_pickup_stages p JOIN stages s ON s.id = p.stage_id \
         WHERE p.group_id = ?1 ORDER BY s.position",
    )?;
    group.pickup_stage_ids = stmt.query_map([group.id], |r| r.get(0))?.collect::<Result<Vec<i64>, _>>()?;
    Ok(group)
}

pub fn list(conn: &Connection) -> Result<Vec<Group>> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM user_groups ORDER BY name COLLATE NOCASE"))?;
    let groups = stmt.query_map([], from_row)?.collect::<Result<Vec<_>, _>>()?;
    groups.into_iter().map(|g| with_pickup(conn, g)).collect()
}

pub fn get(conn: &Connection, id: i64) -> Result<Group> {
    let group = conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM user_groups WHERE id = ?1"))?
        .query_row([id], from_row)
        .optional()?
        .ok_or_else(|| Error::not_found("group", format!("#{id}")))?;
    with_pickup(conn, group)
}

pub fn find(conn: &Connection, name: &str) -> Result<Group> {
    let name = name.trim();
    let group = conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM user_groups WHERE name = ?1 COLLATE NOCASE"))?
        .query_row([name], from_row)
        .optional()?
        .ok_or_else(|| Error::not_found("group", name))?;
    with_pickup(conn, group)
}

/// Members in rotation order.
pub fn members(conn: &Connection, group_id: i64) -> Result<Vec<Member>> {
    let mut stmt = conn.prepare_cached(
        "SELECT m.user_id, m.position, m.daily_limit, m.monthly_limit, m.max_open, m.weight, m.credit \
         FROM memberships m WHERE m.group_id = ?1 ORDER BY m.position",
    )?;
    type Fields = (i64, i64, Option<i64>, Option<i64>, Option<i64>, i64, i64);
    let rows = stmt
        .query_map([group_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)))?
        .collect::<Result<Vec<Fields>, _>>()?;
    rows.into_iter()
        .map(|(user_id, position, daily_limit, monthly_limit, max_open, weight, credit)| {
            let user = users::get(conn, user_id)?;
            Ok(Member { user, position, daily_limit, monthly_limit, max_open, weight, credit })
        })
        .collect()
}

/// The largest limit, cap or count a group takes: beyond any office's
/// volume, and far from where arithmetic on it could overflow.
const MAX_SETTING: i64 = 1_000_000_000;

fn check_limit(value: i64, what: &str) -> Result<i64> {
    if !(0..=MAX_SETTING).contains(&value) {
        return Err(Error::invalid(format!("{what} must be from 0 (none) to {MAX_SETTING}, not {value}")));
    }
    Ok(value)
}

/// Keep the limits now in force for the group (`user` `None`) or for one
/// member's override, so `doctor` judges each delivery by the limit of its
/// moment (A8).
fn record_limits(w: &Writer<'_>, group_id: i64, user: Option<i64>) -> Result<()> {
    let sql = match user {
        None => {
            "INSERT INTO limit_changes (group_id, user_id, daily_limit, monthly_limit, max_open, batch_id, at) \
             SELECT id, NULL, daily_limit, monthly_limit, max_open, ?3, ?4 FROM user_groups WHERE id = ?1"
        }
        Some(_) => {
            "INSERT INTO limit_changes (group_id, user_id, daily_limit, monthly_limit, max_open, batch_id, at) \
             SELECT group_id, user_id, daily_limit, monthly_limit, max_open, ?3, ?4 FROM memberships \
             WHERE group_id = ?1 AND user_id = ?2"
        }
    };
    w.conn().prepare_cached(sql)?.execute(params![group_id, user, w.batch(), w.now()])?;
    Ok(())
}

fn note(w: &mut Writer<'_>, text: String) -> Result<()> {
    w.record(Change::event(None, "group_changed", "manual", Some(text)))
}

pub fn add(store: &mut Store, ctx: &Ctx, name: &str, method: Method, daily: i64, monthly: i64) -> Result<Group> {
    rights::require(ctx, Action::ManageGroups)?;
    let name = names::check("group", name)?;
    check_limit(daily, "the daily limit")?;
    check_limit(monthly, "the monthly limit")?;
    let written = store.write(ctx, "group add", |w| {
        let exists: bool = w.conn().query_row(
            "SELECT EXISTS (SELECT 1 FROM user_groups WHERE name = ?1 COLLATE NOCASE)",
            [name],
            |r| r.get(0),
        )?;
        if exists {
            return Err(Error::invalid(format!("group '{name}' already exists")));
        }
        // Never a deleted group's id: the log names rotations by it.
        let id = next_id(w.conn(), Named::Group)?;
        w.conn().execute(
            "INSERT INTO user_groups (id, name, method, daily_limit, monthly_limit, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![id, name, method.as_str(), daily, monthly, w.now()],
        )?;
        keep_given(w.conn(), Named::Group, id)?;
        record_limits(w, id, None)?;
        note(w, format!("created group {name} ({method}, daily {daily}, monthly {monthly})"))?;
        Ok(id)
    })?;
    get(store.conn(), written.value)
}

/// Changes to a group's settings; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct GroupChanges {
    pub name: Option<String>,
    pub method: Option<Method>,
    pub daily_limit: Option<i64>,
    pub monthly_limit: Option<i64>,
    pub pickup_statuses: Option<Vec<String>>,
    /// A16: open leads a member may hold (0 = no cap).
    pub max_open: Option<i64>,
    /// A19: hours before an untouched delivered lead is reclaimed (0 = off).
    pub reclaim_after_hours: Option<i64>,
    /// A19: times one lead may be reclaimed.
    pub reclaim_max: Option<i64>,
}

pub fn set(store: &mut Store, ctx: &Ctx, name: &str, changes: &GroupChanges) -> Result<Group> {
    rights::require(ctx, Action::ManageGroups)?;
    let group = find(store.conn(), name)?;
    let daily = changes.daily_limit.map(|d| check_limit(d, "the daily limit")).transpose()?;
    let monthly = changes.monthly_limit.map(|m| check_limit(m, "the monthly limit")).transpose()?;
    let max_open = changes.max_open.map(|m| check_limit(m, "the open-lead cap")).transpose()?;
    // Ten years is the longest wait that means anything.
    let reclaim_after = changes
        .reclaim_after_hours
        .map(|h| {
            if (0..=87_600).contains(&h) {
                Ok(h)
            } else {
                Err(Error::invalid(format!("--reclaim-after is in hours, from 0 (off) to 87600 (ten years), not {h}")))
            }
        })
        .transpose()?;
    let reclaim_max = changes.reclaim_max.map(|n| check_limit(n, "--reclaim-max")).transpose()?;
    if reclaim_max == Some(0) {
        // "At most 0 times" reclaims nothing while saying it does; hours of 0 turn it off.
        return Err(Error::invalid("--reclaim-max is at least 1 (--reclaim-after 0 turns reclaiming off)"));
    }
    let pickup = match &changes.pickup_statuses {
        Some(names) => Some(
            names
                .iter()
                .filter(|n| !n.trim().is_empty())
                .map(|n| stages::find(store.conn(), n).map(|s| s.id))
                .collect::<Result<Vec<_>>>()?,
        ),
        None => None,
    };
    let new_name = changes.name.as_deref().map(|n| names::check("group", n)).transpose()?;
    store.write(ctx, "group set", |w| {
        if let Some(new_name) = new_name {
            let taken: bool = w.conn().query_row(
                "SELECT EXISTS (SELECT 1 FROM user_groups WHERE name = ?1 COLLATE NOCASE AND id <> ?2)",
                params![new_name, group.id],
                |r| r.get(0),
            )?;
            if taken {
                return Err(Error::invalid(format!("group '{new_name}' already exists")));
            }
            w.conn().execute("UPDATE user_groups SET name = ?1 WHERE id = ?2", params![new_name, group.id])?;
            note(w, format!("renamed group {} to {new_name}", group.name))?;
        }
        if let Some(method) = changes.method {
            w.conn().execute("UPDATE user_groups SET method = ?1 WHERE id = ?2", params![method.as_str(), group.id])?;
            note(w, format!("group {}: method {method}", group.name))?;
        }
        if let Some(daily) = daily {
            w.conn().execute("UPDATE user_groups SET daily_limit = ?1 WHERE id = ?2", params![daily, group.id])?;
            note(w, format!("group {}: daily limit {daily}", group.name))?;
        }
        if let Some(monthly) = monthly {
            w.conn().execute("UPDATE user_groups SET monthly_limit = ?1 WHERE id = ?2", params![monthly, group.id])?;
            note(w, format!("group {}: monthly limit {monthly}", group.name))?;
        }
        if let Some(cap) = max_open {
            w.conn().execute("UPDATE user_groups SET max_open = ?1 WHERE id = ?2", params![cap, group.id])?;
            note(w, format!("group {}: open-lead cap {cap}", group.name))?;
        }
        if daily.is_some() || monthly.is_some() || max_open.is_some() {
            record_limits(w, group.id, None)?;
        }
        if let Some(hours) = reclaim_after {
            w.conn()
                .execute("UPDATE user_groups SET reclaim_after_hours = ?1 WHERE id = ?2", params![hours, group.id])?;
            note(w, format!("group {}: reclaim after {hours} h", group.name))?;
        }
        if let Some(times) = reclaim_max {
            w.conn().execute("UPDATE user_groups SET reclaim_max = ?1 WHERE id = ?2", params![times, group.id])?;
            note(w, format!("group {}: reclaim at most {times} time(s)", group.name))?;
        }
        if let Some(stage_ids) = &pickup {
            w.conn().execute("DELETE FROM group_pickup_stages WHERE group_id = ?1", [group.id])?;
            for id in stage_ids {
                w.conn().execute(
                    "INSERT OR IGNORE INTO group_pickup_stages (group_id, stage_id) VALUES (?1, ?2)",
                    params![group.id, id],
                )?;
            }
            note(w, format!("group {}: pick-up statuses changed", group.name))?;
        }
        Ok(())
    })?;
    get(store.conn(), group.id)
}

/// Delete a group. Refused while a routing rule sends leads to it; leads it
/// assigned keep their owners (R7).
pub fn delete(store: &mut Store, ctx: &Ctx, name: &str) -> Result<()> {
    rights::require(ctx, Action::ManageGroups)?;
    let group = find(store.conn(), name)?;
    let rules: Vec<String> = {
        let mut stmt = store.conn().prepare("SELECT id FROM rules WHERE target_group_id = ?1 ORDER BY priority")?;
        stmt.query_map([group.id], |r| r.get::<_, i64>(0))?
            .map(|r| r.map(|id| format!("#{id}")))
            .collect::<Result<_, _>>()?
    };
    if !rules.is_empty() {
        return Err(Error::invalid(format!(
            "group '{}' is the target of rule {}; change or delete the rule first",
            group.name,
            rules.join(", ")
        )));
    }
    store.write(ctx, "group delete", |w| {
        w.conn().execute("DELETE FROM user_groups WHERE id = ?1", [group.id])?;
        note(w, format!("deleted group {}", group.name))
    })?;
    Ok(())
}

/// Membership edits: removals keep the others' order and the cursor's place;
/// additions join at the end (A5); `order` lists every member in a new order.
#[derive(Debug, Clone, Default)]
pub struct MemberChanges {
    pub add: Vec<String>,
    pub remove: Vec<String>,
    pub order: Option<Vec<String>>,
}

pub fn change_members(store: &mut Store, ctx: &Ctx, name: &str, changes: &MemberChanges) -> Result<Vec<Member>> {
    rights::require(ctx, Action::ManageGroups)?;
    let group = find(store.conn(), name)?;
    let resolve = |names: &[String]| -> Result<Vec<User>> {
        names.iter().filter(|n| !n.trim().is_empty()).map(|n| users::find(store.conn(), n)).collect()
    };
    let to_add = resolve(&changes.add)?;
    let to_remove = resolve(&changes.remove)?;
    let order = changes.order.as_deref().map(resolve).transpose()?;
    if let Some(u) = to_add.iter().find(|u| !u.active) {
        return Err(Error::invalid(format!("user '{}' is deactivated and cannot join a group", u.name)));
    }
    store.write(ctx, "group members", |w| {
        for user in &to_remove {
            let removed = w
                .conn()
                .execute("DELETE FROM memberships WHERE group_id = ?1 AND user_id = ?2", params![group.id, user.id])?;
            if removed == 0 {
                return Err(Error::invalid(format!("{} is not a member of {}", user.name, group.name)));
            }
            note(w, format!("removed {} from {}", user.name, group.name))?;
        }
        for user in &to_add {
            add_member(w, group.id, user.id).map_err(|e| match e {
                Error::Sql(_) => Error::invalid(format!("{} is already a member of {}", user.name, group.name)),
                other => other,
            })?;
            note(w, format!("added {} to {}", user.name, group.name))?;
        }
        if let Some(order) = &order {
            reorder(w, &group, order)?;
            note(w, format!("reordered {}", group.name))?;
        }
        Ok(())
    })?;
    members(store.conn(), group.id)
}

fn add_member(w: &Writer<'_>, group_id: i64, user_id: i64) -> Result<()> {
    w.conn().execute(
        "INSERT INTO memberships (group_id, user_id, position) \
         VALUES (?1, ?2, (SELECT coalesce(max(position), 0) + 1 FROM memberships WHERE group_id = ?1))",
        params![group_id, user_id],
    )?;
    // A member who comes back starts without the override they may have had.
    record_limits(w, group_id, Some(user_id))
}

fn reorder(w: &Writer<'_>, group: &Group, order: &[User]) -> Result<()> {
    let current = members(w.conn(), group.id)?;
    let mut ids: Vec<i64> = order.iter().map(|u| u.id).collect();
    ids.dedup();
    let mut sorted_new = ids.clone();
    sorted_new.sort_unstable();
    let mut sorted_old: Vec<i64> = current.iter().map(|m| m.user.id).collect();
    sorted_old.sort_unstable();
    if sorted_new != sorted_old {
        return Err(Error::invalid(format!("--order must list every member of {} exactly once", group.name)));
    }
    // The cursor follows the member it points at (or the last one before it).
    let served = current.iter().rev().find(|m| m.position <= group.cursor_position).map(|m| m.user.id);
    let offset = current.iter().map(|m| m.position).max().unwrap_or(0) + 1;
    // Two passes so that UNIQUE (group_id, position) never sees a clash.
    w.conn()
        .execute("UPDATE memberships SET position = position + ?1 WHERE group_id = ?2", params![offset, group.id])?;
    for (i, user_id) in ids.iter().enumerate() {
        w.conn().execute(
            "UPDATE memberships SET position = ?1 WHERE group_id = ?2 AND user_id = ?3",
            params![i as i64 + 1, group.id, user_id],
        )?;
    }
    let cursor = served.and_then(|id| ids.iter().position(|&u| u == id)).map_or(0, |i| i as i64 + 1);
    w.conn().execute("UPDATE user_groups SET cursor_position = ?1 WHERE id = ?2", params![cursor, group.id])?;
    Ok(())
}

/// A16: set or clear (`None`) one member's own open-lead cap.
pub fn set_member_cap(store: &mut Store, ctx: &Ctx, group_name: &str, user_name: &str, cap: Option<i64>) -> Result<()> {
    let cap = cap.map(|c| check_limit(c, "the open-lead cap")).transpose()?;
    update_member(store, ctx, group_name, user_name, "max_open", cap, |user, group| {
        format!("{user} in {group}: open-lead cap {}", cap.map_or("the group's".into(), |c| c.to_string()))
    })
}

/// A15: a member's share of the group's leads, 1–100.
pub fn set_weight(store: &mut Store, ctx: &Ctx, group_name: &str, user_name: &str, weight: i64) -> Result<()> {
    if !(1..=100).contains(&weight) {
        return Err(Error::invalid(format!("a weight is a whole number from 1 to 100, not {weight}")));
    }
    update_member(store, ctx, group_name, user_name, "weight", Some(weight), |user, group| {
        format!("{user} in {group}: weight {weight}")
    })
}

/// Set one column of one membership, record the limits now in force, and note it.
fn update_member(
    store: &mut Store,
    ctx: &Ctx,
    group_name: &str,
    user_name: &str,
    column: &'static str,
    value: Option<i64>,
    describe: impl Fn(&str, &str) -> String,
) -> Result<()> {
    rights::require(ctx, Action::ManageGroups)?;
    let group = find(store.conn(), group_name)?;
    let user = users::find(store.conn(), user_name)?;
    store.write(ctx, "group members", |w| {
        // `column` is one of this module's fixed names, never input.
        let changed = w.conn().execute(
            &format!("UPDATE memberships SET {column} = ?1 WHERE group_id = ?2 AND user_id = ?3"),
            params![value, group.id, user.id],
        )?;
        if changed == 0 {
            return Err(Error::invalid(format!("{} is not a member of {}", user.name, group.name)));
        }
        record_limits(w, group.id, Some(user.id))?;
        note(w, describe(&user.name, &group.name))
    })?;
    Ok(())
}

/// Set or clear (`None`) one member's limit overrides.
pub fn set_member_limits(
    store: &mut Store,
    ctx: &Ctx,
    group_name: &str,
    user_name: &str,
    daily: Option<i64>,
    monthly: Option<i64>,
) -> Result<()> {
    rights::require(ctx, Action::ManageGroups)?;
    let group = find(store.conn(), group_name)?;
    let user = users::find(store.conn(), user_name)?;
    let daily = daily.map(|d| check_limit(d, "the daily limit")).transpose()?;
    let monthly = monthly.map(|m| check_limit(m, "the monthly limit")).transpose()?;
    store.write(ctx, "group members", |w| {
        let changed = w.conn().execute(
            "UPDATE memberships SET daily_limit = ?1, monthly_limit = ?2 WHERE group_id = ?3 AND user_id = ?4",
            params![daily, monthly, group.id, user.id],
        )?;
        if changed == 0 {
            return Err(Error::invalid(format!("{} is not a member of {}", user.name, group.name)));
        }
        record_limits(w, group.id, Some(user.id))?;
        note(w, format!("{} in {}: limits {daily:?}/{monthly:?}", user.name, group.name))
    })?;
    Ok(())
}
