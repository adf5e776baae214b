//! Reports (V4): the team's workload, and the unassigned leads that wait.
//!
//! The workload is one pass over `leads` grouped by owner and stage (a few
//! hundred milliseconds on a million leads: run it off the keystroke path);
//! the waiting list walks the partial unassigned index oldest first.

use std::collections::HashMap;

use rusqlite::Connection;
use serde::Serialize;

use super::context::Ctx;
use super::error::Result;
use super::filter::{Filter, OwnerFilter};
use super::model::Lead;
use super::page::{self, Direction, Sort};
use super::rights::{self, Action};
use super::{leads, stages, users};

/// One row of the workload report: an owner, or the unassigned leads (`owner` None).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OwnerLoad {
    pub owner: Option<String>,
    /// False for a deactivated user who still owns leads.
    pub active: bool,
    /// Leads in open stages.
    pub open: i64,
    /// Every stage in stage order with its count (closed stages included).
    pub by_status: Vec<(String, i64)>,
    /// Open leads whose stage last changed more than `stale_days` ago.
    pub stale: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Workload {
    /// The unassigned row first, then owners by name (active users even with no leads).
    pub owners: Vec<OwnerLoad>,
    /// Open leads without an owner: the triage backlog (closed ones wait for nobody).
    pub unassigned: i64,
    /// Of those, the ones created more than `alert_hours` ago.
    pub unassigned_over_threshold: i64,
    pub stale_days: u32,
    pub alert_hours: u32,
}

/// The workload of every owner as of `ctx.now()`.
pub fn workload(conn: &Connection, ctx: &Ctx, stale_days: u32, alert_hours: u32) -> Result<Workload> {
    rights::require(ctx, Action::SeeWorkload)?;
    let now = ctx.now_ts();
    let stale_before = now - i64::from(stale_days) * 86_400;
    let waiting_before = now - i64::from(alert_hours) * 3600;
    let stages = stages::list(conn)?;
    let stage_index: HashMap<i64, usize> = stages.iter().enumerate().map(|(i, s)| (s.id, i)).collect();

    let mut by_owner: HashMap<Option<i64>, OwnerLoad> = HashMap::new();
    let mut over_threshold = 0;
    let empty = |owner: Option<String>, active: bool| OwnerLoad {
        owner,
        active,
        open: 0,
        by_status: stages.iter().map(|s| (s.name.clone(), 0)).collect(),
        stale: 0,
    };
    by_owner.insert(None, empty(None, true));
    let team = users::list(conn)?;
    for u in team.iter().filter(|u| u.active) {
        by_owner.insert(Some(u.id), empty(Some(u.name.clone()), true));
    }

    let mut stmt = conn.prepare_cached(
        "SELECT owner_id, stage_id, count(*), sum(status_changed_at < ?1), sum(created_at < ?2) \
         FROM leads GROUP BY owner_id, stage_id",
    )?;
    let mut rows = stmt.query([stale_before, waiting_before])?;
    while let Some(r) = rows.next()? {
        let owner: Option<i64> = r.get(0)?;
        let stage: i64 = r.get(1)?;
        let (count, stale, waiting): (i64, i64, i64) = (r.get(2)?, r.get(3)?, r.get(4)?);
        let row = match by_owner.entry(owner) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => {
                let user = owner.and_then(|id| team.iter().find(|u| u.id == id));
                e.insert(empty(user.map(|u| u.name.clone()), user.is_some_and(|u| u.active)))
            }
        };
        let Some(&i) = stage_index.get(&stage) else { continue };
        row.by_status[i].1 += count;
        if !stages[i].closed {
            row.open += count;
            row.stale += stale;
        }
        if owner.is_none() && !stages[i].closed {
            over_threshold += waiting;
        }
    }
    let mut owners: Vec<OwnerLoad> = by_owner.into_values().collect();
    owners.sort_by(|a, b| match (&a.owner, &b.owner) {
        (None, None) => std::cmp::Ordering::Equal,
        (None, Some(_)) => std::cmp::Ordering::Less,
        (Some(_), None) => std::cmp::Ordering::Greater,
        (Some(x), Some(y)) => x.to_lowercase().cmp(&y.to_lowercase()),
    });
    let unassigned = owners.first().map_or(0, |o| o.open);
    Ok(Workload { owners, unassigned, unassigned_over_threshold: over_threshold, stale_days, alert_hours })
}

/// Open unassigned leads created more than `older_than_hours` ago, oldest first.
#[derive(Debug, Clone, PartialEq)]
pub struct Waiting {
    pub older_than_hours: u32,
    /// Every open unassigned lead the acting user can see.
    pub unassigned: i64,
    /// How many of them have waited longer than the threshold.
    pub waiting: i64,
    /// The oldest of those, up to the limit.
    pub leads: Vec<Lead>,
}

/// The open unassigned leads that have waited longer than `older_than_hours`
/// (since they were created), oldest first, up to `limit`.
pub fn waiting(conn: &Connection, ctx: &Ctx, older_than_hours: u32, limit: Option<usize>) -> Result<Waiting> {
    let all = Filter { owner: OwnerFilter::Unassigned, open_only: true, ..Filter::for_actor(ctx) };
    let filter = Filter::waiting(ctx, older_than_hours);
    let unassigned = leads::count(conn, &all)?;
    let waiting = leads::count(conn, &filter)?;
    let leads = match limit {
        Some(n) => page::page(conn, &filter, Sort::default(), None, Direction::Forward, n)?.0,
        None => page::all(conn, &filter, Sort::default(), None)?,
    };
    Ok(Waiting { older_than_hours, unassigned, waiting, leads })
}
