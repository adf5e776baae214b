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
use super::rights::{self, Action};
use super::store::{Store, Writer};
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
    /// The selection's size: the token a preview shows and `--expect` checks (A14).
    pub selected: usize,
    pub changed: usize,
    pub unchanged: usize,
}

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
            // A14: an id given twice is one lead.
            let ids = distinct(ids);
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

/// The ids in ascending order, each once.
pub(crate) fn distinct(ids: &[i64]) -> Vec<i64> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// What a confirm shows of ticked leads, as one number: their owners and
/// stages. Their count cannot tell that another seat took one of them or
/// closed it meanwhile; this can. `None` for a filter's selection, which the
/// count guards (a lead that leaves the filter changes it).
pub fn selection_state(conn: &rusqlite::Connection, selection: &Selection) -> Result<Option<u64>> {
    use std::hash::{Hash, Hasher};
    let Selection::Ids(ids) = selection else { return Ok(None) };
    let mut read = conn.prepare_cached("SELECT owner_id, stage_id FROM leads WHERE id = ?1")?;
    // Fixed keys: the same leads in the same state give the same number in this process.
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    for id in distinct(ids) {
        let row: Option<(Option<i64>, i64)> = read.query_row([id], |r| Ok((r.get(0)?, r.get(1)?))).optional()?;
        (id, row).hash(&mut hasher);
    }
    Ok(Some(hasher.finish()))
}

/// Inside a write: refuse when ticked leads changed since the confirm showed them.
pub(crate) fn check_unchanged(conn: &rusqlite::Connection, ctx: &Ctx, selection: &Selection) -> Result<()> {
    let Some(expected) = ctx.expect_state else { return Ok(()) };
    if selection_state(conn, selection)? == Some(expected) {
        return Ok(());
    }
    let count = match selection {
        Selection::Ids(ids) => distinct(ids).len(),
        Selection::Filter(_) => 0,
    };
    Err(Error::LeadsChanged { count })
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
    rights::require(ctx, Action::Assign)?;
    let target = to.map(|name| active_target(store.conn(), name)).transpose()?;
    let target_id = target.as_ref().map(|u| u.id);
    let written = store.write_plan(ctx, command, false, |w| {
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
                &format!(
                    "SELECT l.id, l.owner_id, ?, 'bulk', NULL, NULL, l.name FROM leads l WHERE {clause}{owned_clause}"
                ),
                &params,
            )?;
        }
        ctx.check_expected(selected)?;
        check_unchanged(w.conn(), ctx, selection)?;
        let unchanged = w.plan_drop_noops()?;
        if selected == 1 {
            w.conn().execute("UPDATE temp.owner_plan SET via = 'manual'", [])?;
        }
        let changed = w.plan_apply()?;
        Ok((selected, changed, unchanged))
    })?;
    let (selected, changed, unchanged) = written.value;
    Ok(BulkResult { batch: written.batch, selected, changed, unchanged })
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
/// The acting user, when they may pick up leads at all (the console asks
/// before it offers a confirm; [`pickup`] asks again as it writes).
pub fn may_pick_up(ctx: &Ctx) -> Result<&super::model::User> {
    let super::context::Actor::User(me) = &ctx.actor else {
        return Err(Error::invalid("pickup needs an acting user (--as NAME)"));
    };
    if !me.can_pickup {
        return Err(Error::Forbidden(format!("{} may not pick up leads", me.name)));
    }
    Ok(me)
}

pub fn pickup(store: &mut Store, ctx: &Ctx, ids: &[i64]) -> Result<BulkResult> {
    let me = may_pick_up(ctx)?;
    if ids.is_empty() {
        return Err(Error::invalid("no leads given"));
    }
    let ids = distinct(ids);
    let written = store.write(ctx, "pickup", |w| {
        w.plan_reset()?;
        let mut unchanged = 0;
        for &id in &ids {
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
                // V6: to an agent another's lead does not exist; its owner is not theirs to learn.
                Some((Some(_), _, _)) if !ctx.actor.is_manager() => {
                    return Err(Error::not_found("lead", format!("#{id}")));
                }
                Some((Some(_), name, _)) => {
                    return Err(Error::invalid(format!(
                        "lead #{id} is owned by {}; only unassigned leads can be picked up",
                        name.unwrap_or_default()
                    )));
                }
                Some((None, _, false)) if !ctx.actor.is_manager() => {
                    return Err(Error::not_found("lead", format!("#{id}")));
                }
                Some((None, _, false)) => {
                    return Err(Error::invalid(format!("lead #{id} is not in a pick-up status of any of your groups")));
                }
                Some((None, _, true)) => w.plan_push(&super::store::PlanRow {
                    lead: id,
                    from: None,
                    to: Some(me.id),
                    via: "pickup".into(),
                    ..super::store::PlanRow::default()
                })?,
            }
        }
        ctx.check_expected(ids.len())?;
        let changed = w.plan_apply()?;
        Ok((changed, unchanged))
    })?;
    let (changed, unchanged) = written.value;
    Ok(BulkResult { batch: written.batch, selected: ids.len(), changed, unchanged })
}

pub use super::undo::{UndoTarget, Undone, undo, undo_batch, undo_preview};
