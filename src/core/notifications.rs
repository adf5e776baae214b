//! Notifications (V7): each owner change tells the new owner (written by the
//! store's `Writer`); here they are counted, listed and marked read.

use rusqlite::types::Value;
use rusqlite::{Connection, params};
use serde::Serialize;

use super::context::{Actor, Ctx};
use super::error::{Error, Result};
use super::filter::Filter;
use super::rights::{self, Action};
use super::store::Store;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Notification {
    pub id: i64,
    pub at: i64,
    pub lead: Option<i64>,
    pub text: String,
    /// Whether it had been read before this listing.
    pub read: bool,
}

/// Unread notifications of a user, for a status bar.
pub fn unread_count(conn: &Connection, user: i64) -> Result<i64> {
    Ok(conn
        .prepare_cached("SELECT count(*) FROM notifications WHERE user_id = ?1 AND read = 0")?
        .query_row([user], |r| r.get(0))?)
}

/// A user's notifications, newest first, without marking them; with
/// `leads_within`, only those about no lead or a lead that filter selects
/// (an agent is not told again about a lead that is no longer theirs, V6).
pub fn list(
    conn: &Connection,
    user: i64,
    unread_only: bool,
    limit: usize,
    leads_within: Option<&Filter>,
) -> Result<Vec<Notification>> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let (visible, filter_params) = match leads_within {
        Some(filter) => {
            let (clause, params) = filter.to_sql();
            (format!("(lead_id IS NULL OR lead_id IN (SELECT l.id FROM leads l WHERE {clause}))"), params)
        }
        None => ("1".to_string(), Vec::new()),
    };
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT id, at, lead_id, text, read FROM notifications \
         WHERE user_id = ? AND (? = 0 OR read = 0) AND {visible} ORDER BY id DESC LIMIT ?"
    ))?;
    let mut params = vec![Value::Integer(user), Value::Integer(i64::from(unread_only))];
    params.extend(filter_params);
    params.push(Value::Integer(limit));
    let rows = stmt.query_map(rusqlite::params_from_iter(params), |r| {
        Ok(Notification { id: r.get(0)?, at: r.get(1)?, lead: r.get(2)?, text: r.get(3)?, read: r.get(4)? })
    })?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// The acting user's notifications, newest first (up to `limit`); the ones
/// listed are marked read in the same transaction. Each keeps the state it
/// had before, so a caller can tell the new ones. Not a lead change: no
/// activity row, and the batch id is released.
pub fn read(store: &mut Store, ctx: &Ctx, unread_only: bool, limit: usize) -> Result<Vec<Notification>> {
    let Actor::User(me) = &ctx.actor else {
        return Err(Error::invalid("notifications belong to a user: give --as NAME (or acting_user in the config)"));
    };
    let user = me.id;
    let written = store.write(ctx, "notifications", |w| {
        let within = (!rights::may(&ctx.actor, Action::SeeEveryLead)).then(|| Filter::for_actor(ctx));
        let found = list(w.conn(), user, unread_only, limit, within.as_ref())?;
        // Listed newest first: everything unread from the oldest listed on was listed.
        if let Some(oldest) = found.last() {
            w.conn().execute(
                "UPDATE notifications SET read = 1 WHERE user_id = ?1 AND read = 0 AND id >= ?2",
                params![user, oldest.id],
            )?;
        }
        Ok(found)
    })?;
    Ok(written.value)
}
