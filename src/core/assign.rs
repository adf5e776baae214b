//! Manual and bulk ownership (A1–A4, A11–A13): assign, reassign, unassign,
//! undo, pick-up. Every operation is one transaction with one activity row
//! per changed lead under one batch id.

use rusqlite::types::Value;
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::context::Ctx;
use super::error::{Error, Result};
use super::filter::{Filter, OwnerFilter};
use super::model::User;
use super::store::{Change, Store, Writer};
use super::users;

/// Which leads an operation acts on: explicit ids, or every lead matching a
/// filter (all of them, not a page).
#[derive(Debug, Clone)]
pub enum Selection {
    Ids(Vec<i64>),
    Filter(Filter),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BulkResult {
    pub batch: Option<i64>,
    pub changed: usize,
    pub unchanged: usize,
}

/// Commands whose batches `undo` may revert.
pub const UNDOABLE: &[&str] =
    &["assign", "reassign", "unassign", "rotate", "route", "pickup", "offboard", "lead move", "lead owner"];

const ID_CHUNK: usize = 10_000;

/// The filters that select `selection` for the acting user; ids are checked
/// to exist and be visible, so a typo is an error rather than a silent skip.
pub(crate) fn selection_filters(w: &Writer<'_>, ctx: &Ctx, selection: &Selection) -> Result<Vec<Filter>> {
    match selection {
        Selection::Filter(f) => Ok(vec![f.clone()]),
        Selection::Ids(ids) => {
            if ids.is_empty() {
                return Err(Error::invalid("no leads given"));
            }
            let mut out = Vec::new();
            for chunk in ids.chunks(ID_CHUNK) {
                let filter = Filter { ids: Some(chunk.to_vec()), ..Filter::for_actor(ctx) };
                let (clause, params) = filter.to_sql();
                let mut stmt = w.conn().prepare(&format!("SELECT l.id FROM leads l WHERE {clause}"))?;
                let found: std::collections::HashSet<i64> =
                    stmt.query_map(rusqlite::params_from_iter(params), |r| r.get(0))?.collect::<Result<_, _>>()?;
                if let Some(missing) = chunk.iter().find(|id| !found.contains(id)) {
                    return Err(Error::not_found("lead", format!("#{missing}")));
                }
                out.push(filter);
            }
            Ok(out)
        }
    }
}

fn active_target(conn: &rusqlite::Connection, name: &str) -> Result<User> {
    let user = users::find(conn, name)?;
    if !user.active {
        return Err(Error::invalid(format!("user '{}' is deactivated and cannot own leads", user.name)));
    }
    Ok(user)
}

/// Set the owner of the selected leads to `to` (or none). With `only_owned`,
/// a filter selects only leads that already have an owner (reassign).
fn set_owner(
    store: &mut Store,
    ctx: &Ctx,
    selection: &Selection,
    to: Option<&str>,
    only_owned: bool,
    command: &str,
) -> Result<BulkResult> {
    users::require_manager(ctx, "assign leads to others (use pickup)")?;
    let target = to.map(|name| active_target(store.conn(), name)).transpose()?;
    let target_id = target.as_ref().map(|u| u.id);
    let written = store.write(ctx, command, |w| {
        let mut filters = selection_filters(w, ctx, selection)?;
        if only_owned && matches!(selection, Selection::Filter(_)) {
            for f in &mut filters {
                if f.owner == OwnerFilter::Unassigned {
                    return Err(Error::invalid("reassign acts on owned leads; use assign for unassigned ones"));
                }
            }
        }
        w.plan_reset()?;
        let mut selected = 0;
        for filter in &filters {
            let (clause, filter_params) = filter.to_sql();
            let owned_clause = if only_owned && matches!(selection, Selection::Filter(_)) {
                " AND l.owner_id IS NOT NULL"
            } else {
                ""
            };
            // The target comes first: it is the first `?` in the statement.
            let mut params = vec![target_id.map_or(Value::Null, Value::Integer)];
            params.extend(filter_params);
            selected += w.plan_fill(
                &format!("SELECT l.id, l.owner_id, ?, 'bulk', NULL, NULL FROM leads l WHERE {clause}{owned_clause}"),
                &params,
            )?;
        }
        let unchanged = w.plan_drop_noops()?;
        if selected == 1 {
            w.conn().execute("UPDATE temp.owner_plan SET via = 'manual'", [])?;
        }
        let changed = w.plan_apply()?;
        Ok((changed, unchanged))
    })?;
    let (changed, unchanged) = written.value;
    Ok(BulkResult { batch: written.batch, changed, unchanged })
}

/// A1: give the selected leads to `to`; leads already theirs are untouched.
pub fn assign(store: &mut Store, ctx: &Ctx, selection: &Selection, to: &str) -> Result<BulkResult> {
    set_owner(store, ctx, selection, Some(to), false, "assign")
}

/// A2: move owned leads to `to`; on a filter, unowned leads are not selected.
pub fn reassign(store: &mut Store, ctx: &Ctx, selection: &Selection, to: &str) -> Result<BulkResult> {
    set_owner(store, ctx, selection, Some(to), true, "reassign")
}

/// A3: clear the owner.
pub fn unassign(store: &mut Store, ctx: &Ctx, selection: &Selection) -> Result<BulkResult> {
    set_owner(store, ctx, selection, None, false, "unassign")
}

/// A11: the acting user takes unassigned leads whose status is a pick-up
/// status of one of their groups. Limits do not apply; all or nothing.
pub fn pickup(store: &mut Store, ctx: &Ctx, ids: &[i64]) -> Result<BulkResult> {
    let super::context::Actor::User(me) = &ctx.actor else {
        return Err(Error::invalid("pickup needs an acting user (--as NAME)"));
    };
    if !me.can_pickup {
        return Err(Error::Forbidden(format!("{} may not pick up leads", me.name)));
    }
    if ids.is_empty() {
        return Err(Error::invalid("no leads given"));
    }
    let written = store.write(ctx, "pickup", |w| {
        w.plan_reset()?;
        let mut unchanged = 0;
        for &id in ids {
            let row: Option<(Option<i64>, Option<String>, bool)> = w
                .conn()
                .query_row(
                    "SELECT l.owner_id, (SELECT name FROM users WHERE id = l.owner_id), EXISTS (\
                        SELECT 1 FROM group_pickup_stages p JOIN memberships m ON m.group_id = p.group_id \
                        WHERE m.user_id = ?2 AND p.stage_id = l.stage_id) \
                     FROM leads l WHERE l.id = ?1",
                    params![id, me.id],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?;
            match row {
                None => return Err(Error::not_found("lead", format!("#{id}"))),
                Some((Some(owner), _, _)) if owner == me.id => unchanged += 1,
                Some((Some(_), name, _)) => {
                    return Err(Error::invalid(format!(
                        "lead #{id} is owned by {}; only unassigned leads can be picked up",
                        name.unwrap_or_default()
                    )));
                }
                Some((None, _, false)) => {
                    return Err(Error::invalid(format!("lead #{id} is not in a pick-up status of any of your groups")));
                }
                Some((None, _, true)) => w.plan_push(&super::store::PlanRow {
                    lead: id,
                    from: None,
                    to: Some(me.id),
                    via: "pickup".into(),
                    delivery_group: None,
                    detail: None,
                })?,
            }
        }
        let changed = w.plan_apply()?;
        Ok((changed, unchanged))
    })?;
    let (changed, unchanged) = written.value;
    Ok(BulkResult { batch: written.batch, changed, unchanged })
}

/// A4: revert the acting user's latest undoable batch, refusing if any of
/// its leads changed owner or stage since.
pub fn undo(store: &mut Store, ctx: &Ctx) -> Result<BulkResult> {
    let actor = ctx.actor.user_id();
    let batch: Option<(i64, String)> = {
        let placeholders = vec!["?"; UNDOABLE.len()].join(", ");
        let mut params: Vec<Value> = vec![actor.map_or(Value::Null, Value::Integer)];
        params.extend(UNDOABLE.iter().map(|c| Value::Text((*c).to_string())));
        store
            .conn()
            .query_row(
                &format!(
                    "SELECT id, command FROM batches WHERE actor_id IS ? AND undone = 0 AND command IN ({placeholders}) \
                     ORDER BY id DESC LIMIT 1"
                ),
                rusqlite::params_from_iter(params),
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?
    };
    let Some((batch_id, command)) = batch else {
        return Err(Error::invalid(format!("{} has nothing to undo", ctx.actor.name())));
    };
    let written = store.write(ctx, "undo", |w| {
        // Still undone = 0 inside the write lock? Another seat may have undone it.
        let still_open: bool =
            w.conn().query_row("SELECT undone = 0 FROM batches WHERE id = ?1", [batch_id], |r| r.get(0))?;
        if !still_open {
            return Err(Error::invalid(format!("batch {batch_id} was already undone")));
        }
        if let Some((lead, by)) = changed_since(w, batch_id)? {
            return Err(Error::invalid(format!(
                "cannot undo batch {batch_id} ({command}): lead #{lead} was changed since by {by}"
            )));
        }
        w.plan_reset()?;
        let owners = w.plan_fill(
            "SELECT lead_id, to_owner_id, from_owner_id, 'undo', NULL, NULL FROM activity \
             WHERE batch_id = ?1 AND kind IN ('assigned', 'reassigned', 'unassigned') ORDER BY lead_id",
            &[Value::Integer(batch_id)],
        )?;
        let mut changed = if owners > 0 { w.plan_apply()? } else { 0 };
        let status_rows: Vec<(i64, i64, i64)> = {
            let mut stmt = w.conn().prepare(
                "SELECT lead_id, from_stage_id, to_stage_id FROM activity WHERE batch_id = ?1 AND kind = 'status'",
            )?;
            stmt.query_map([batch_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<Result<_, _>>()?
        };
        for (lead, from, to) in status_rows {
            w.conn().execute(
                "UPDATE leads SET stage_id = ?1, status_changed_at = ?2, updated_at = ?2 WHERE id = ?3",
                params![from, w.now(), lead],
            )?;
            w.record(Change::status(lead, to, from, "undo"))?;
            changed += 1;
        }
        // Limits regain the room the batch used.
        w.conn().execute("DELETE FROM deliveries WHERE batch_id = ?1", [batch_id])?;
        w.conn().execute("UPDATE batches SET undone = 1 WHERE id = ?1", [batch_id])?;
        Ok(changed)
    })?;
    Ok(BulkResult { batch: written.batch, changed: written.value, unchanged: 0 })
}

/// The first lead of `batch` whose owner or stage is no longer what the batch
/// left it at, and who changed it last. Changes since that were themselves
/// undone leave the lead as the batch left it and do not block.
fn changed_since(w: &Writer<'_>, batch: i64) -> Result<Option<(i64, String)>> {
    Ok(w.conn()
        .query_row(
            "SELECT a.lead_id, coalesce((SELECT u.name FROM activity last JOIN users u ON u.id = last.actor_id \
                WHERE last.lead_id = a.lead_id ORDER BY last.id DESC LIMIT 1), 'system') \
             FROM activity a JOIN leads l ON l.id = a.lead_id \
             WHERE a.batch_id = ?1 AND ( \
                (a.kind IN ('assigned', 'reassigned', 'unassigned') AND l.owner_id IS NOT a.to_owner_id) \
                OR (a.kind = 'status' AND l.stage_id IS NOT a.to_stage_id)) \
             ORDER BY a.lead_id LIMIT 1",
            [batch],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}
