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

    // Three answers from indexes alone, never a read of every lead: the counts
    // from (owner, stage); the leads whose stage changed recently (few) from
    // the stage-age index, so stale = count − recent; the waiting unassigned
    // from the partial unassigned index. Asking every lead its ages cost ~1 s
    // on a million leads.
    let recent = grouped(
        conn,
        "SELECT owner_id, stage_id, count(*) FROM leads INDEXED BY leads_stage_age \
         WHERE status_changed_at >= ?1 GROUP BY owner_id, stage_id",
        stale_before,
    )?;
    let waiting_by_stage = grouped(
        conn,
        "SELECT NULL, stage_id, count(*) FROM leads INDEXED BY leads_unassigned_stage \
         WHERE owner_id IS NULL AND created_at < ?1 GROUP BY stage_id",
        waiting_before,
    )?;
    let mut stmt = conn.prepare_cached("SELECT owner_id, stage_id, count(*) FROM leads GROUP BY owner_id, stage_id")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let owner: Option<i64> = r.get(0)?;
        let stage: i64 = r.get(1)?;
        let count: i64 = r.get(2)?;
        let stale = count - recent.get(&(owner, stage)).copied().unwrap_or(0);
        let waiting = if owner.is_none() { waiting_by_stage.get(&(None, stage)).copied().unwrap_or(0) } else { 0 };
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

/// Lead counts by (owner, stage) from a grouped query taking one parameter.
fn grouped(conn: &Connection, sql: &str, param: i64) -> Result<HashMap<(Option<i64>, i64), i64>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map([param], |r| Ok(((r.get(0)?, r.get(1)?), r.get(2)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
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

/// T9: what the Workload pane draws, read in one go on the console's worker.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Chart {
    /// The open stages, in stage order: the parts of each owner's bar.
    pub stages: Vec<String>,
    /// Open leads under the filter per owner, split by open stage.
    pub owners: Vec<OwnerBar>,
    /// Each group's members with today's and this month's deliveries, their
    /// limits, caps and whether they are on shift (A8, A15–A17).
    pub groups: Vec<GroupLoad>,
    /// Leads created under the filter per office day, oldest first, ending today.
    pub days: Vec<DayIntake>,
}

/// One owner's bar: `None` is the unassigned backlog.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OwnerBar {
    pub owner: Option<String>,
    /// Open leads in each of [`Chart::stages`].
    pub by_stage: Vec<i64>,
}

impl OwnerBar {
    pub fn open(&self) -> i64 {
        self.by_stage.iter().sum()
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct GroupLoad {
    pub group: String,
    pub members: Vec<super::rotation::Candidate>,
}

/// One office day: leads created that day, and how many of them are still
/// open and unassigned now.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DayIntake {
    pub day: chrono::NaiveDate,
    pub new: i64,
    pub unassigned: i64,
}

/// The Workload pane's figures as of `ctx.now()`: lead counts under `filter`
/// (T8), deliveries and limits for the whole team, the last `days` days.
pub fn chart(conn: &Connection, ctx: &Ctx, filter: &Filter, days: u32) -> Result<Chart> {
    rights::require(ctx, Action::SeeWorkload)?;
    let stages: Vec<_> = stages::list(conn)?.into_iter().filter(|s| !s.closed).collect();
    let mut groups = Vec::new();
    for group in super::groups::list(conn)? {
        let members = super::rotation::Distributor::load(conn, &group, ctx)?.members;
        groups.push(GroupLoad { group: group.name, members });
    }
    Ok(Chart {
        owners: owner_bars(conn, filter, &stages)?,
        stages: stages.into_iter().map(|s| s.name).collect(),
        groups,
        days: intake(conn, ctx, filter, days)?,
    })
}

/// Open leads per owner and open stage under `filter`: the unassigned first,
/// then owners with the most open leads first. Active users the filter could
/// show appear with empty bars, so that nobody idle is hidden.
fn owner_bars(conn: &Connection, filter: &Filter, stages: &[super::model::Stage]) -> Result<Vec<OwnerBar>> {
    let index: HashMap<i64, usize> = stages.iter().enumerate().map(|(i, s)| (s.id, i)).collect();
    let (clause, params) = filter.to_sql();
    let sql = format!(
        "SELECT l.owner_id, l.stage_id, count(*) FROM leads l \
         WHERE {clause} AND l.stage_id IN (SELECT id FROM stages WHERE closed = 0) GROUP BY l.owner_id, l.stage_id"
    );
    let mut counts: HashMap<Option<i64>, Vec<i64>> = HashMap::new();
    let empty = || vec![0; stages.len()];
    let team = users::list(conn)?;
    for u in team.iter().filter(|u| u.active) {
        let shown = match filter.owner {
            OwnerFilter::Any => filter.visible_to_agent.is_none_or(|me| me == u.id),
            OwnerFilter::Unassigned => false,
            OwnerFilter::User(id) => id == u.id,
        };
        if shown {
            counts.insert(Some(u.id), empty());
        }
    }
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = stmt.query(rusqlite::params_from_iter(params))?;
    while let Some(r) = rows.next()? {
        let (owner, stage, n): (Option<i64>, i64, i64) = (r.get(0)?, r.get(1)?, r.get(2)?);
        if let Some(&i) = index.get(&stage) {
            counts.entry(owner).or_insert_with(empty)[i] += n;
        }
    }
    let name = |id: i64| team.iter().find(|u| u.id == id).map_or_else(|| format!("#{id}"), |u| u.name.clone());
    let mut bars: Vec<OwnerBar> =
        counts.into_iter().map(|(owner, by_stage)| OwnerBar { owner: owner.map(name), by_stage }).collect();
    bars.sort_by(|a, b| {
        (a.owner.is_some(), std::cmp::Reverse(a.open()), a.owner.as_deref().map(str::to_lowercase)).cmp(&(
            b.owner.is_some(),
            std::cmp::Reverse(b.open()),
            b.owner.as_deref().map(str::to_lowercase),
        ))
    });
    Ok(bars)
}

/// Leads created under `filter` in each of the last `days` office days
/// (today included), and of those the ones still open and unassigned.
fn intake(conn: &Connection, ctx: &Ctx, filter: &Filter, days: u32) -> Result<Vec<DayIntake>> {
    let today = ctx.now().with_timezone(&ctx.tz).date_naive();
    let dates: Vec<chrono::NaiveDate> =
        (0..days).rev().filter_map(|back| today.checked_sub_days(chrono::Days::new(u64::from(back)))).collect();
    let Some(&first) = dates.first() else { return Ok(Vec::new()) };
    // Each day's start in UTC, and the end of the last one.
    let mut starts: Vec<i64> = dates.iter().map(|&d| super::time::local_midnight(ctx.tz, d).timestamp()).collect();
    let end = today.succ_opt().map_or(i64::MAX, |d| super::time::local_midnight(ctx.tz, d).timestamp());
    let mut out: Vec<DayIntake> = dates.iter().map(|&day| DayIntake { day, new: 0, unassigned: 0 }).collect();
    let (clause, mut params) = filter.to_sql();
    params.push(rusqlite::types::Value::Integer(super::time::local_midnight(ctx.tz, first).timestamp()));
    params.push(rusqlite::types::Value::Integer(end));
    let sql = format!(
        "SELECT l.created_at, l.owner_id IS NULL AND l.stage_id IN (SELECT id FROM stages WHERE closed = 0) \
         FROM leads l WHERE {clause} AND l.created_at >= ? AND l.created_at < ?"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = stmt.query(rusqlite::params_from_iter(params))?;
    starts.push(end);
    while let Some(r) = rows.next()? {
        let (at, waiting): (i64, bool) = (r.get(0)?, r.get(1)?);
        // The day whose start is the last one at or before `at`.
        let i = starts.partition_point(|&s| s <= at).saturating_sub(1).min(out.len() - 1);
        out[i].new += 1;
        out[i].unassigned += i64::from(waiting);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::assign::{self, Selection};
    use crate::core::distribute;
    use crate::core::model::{NewLead, Role};
    use crate::core::store::Store;
    use crate::core::time;
    use crate::core::users::NewUser;

    fn office(tz: &str, now: &str) -> (Store, Ctx) {
        let mut store = Store::open_in_memory().unwrap();
        let ctx = Ctx { pinned_now: Some(time::parse_now(now).unwrap()), ..Ctx::new(time::parse_tz(tz).unwrap()) };
        for name in ["Tom", "Ann"] {
            let new = NewUser { name: name.into(), email: String::new(), role: Role::Agent, can_pickup: false };
            users::add(&mut store, &ctx, &new).unwrap();
        }
        distribute::set_auto_assign(&mut store, &ctx, false).unwrap();
        (store, ctx)
    }

    fn lead(store: &mut Store, ctx: &Ctx, created: &str, status: &str) -> i64 {
        let new = NewLead {
            name: format!("Lead {created}"),
            status: Some(status.into()),
            created_at: Some(time::parse_now(created).unwrap().timestamp()),
            ..NewLead::default()
        };
        distribute::create_lead(store, ctx, &new).unwrap().0.id
    }

    #[test]
    fn bars_split_open_leads_by_stage_busiest_owner_first_after_the_backlog() {
        let (mut s, ctx) = office("UTC", "2026-03-02T10:00:00Z");
        let mut ids = Vec::new();
        for status in ["New", "New", "Contacted", "Qualified", "Won", "New"] {
            ids.push(lead(&mut s, &ctx, "2026-03-01T10:00:00Z", status));
        }
        assign::assign(&mut s, &ctx, &Selection::Ids(ids[..3].to_vec()), "Ann").unwrap();
        assign::assign(&mut s, &ctx, &Selection::Ids(ids[3..5].to_vec()), "Tom").unwrap();
        let chart = chart(s.conn(), &ctx, &Filter::default(), 30).unwrap();
        assert_eq!(chart.stages, ["New", "Contacted", "Qualified", "Proposal"], "closed stages have no part");
        let bars: Vec<(Option<&str>, &[i64])> =
            chart.owners.iter().map(|b| (b.owner.as_deref(), b.by_stage.as_slice())).collect();
        assert_eq!(
            bars,
            [(None, &[1, 0, 0, 0][..]), (Some("Ann"), &[2, 1, 0, 0][..]), (Some("Tom"), &[0, 0, 1, 0][..])],
            "the won lead counts nowhere"
        );
        let mine = Filter { owner: OwnerFilter::User(users::find(s.conn(), "Tom").unwrap().id), ..Filter::default() };
        let only_tom = super::chart(s.conn(), &ctx, &mine, 30).unwrap();
        assert_eq!(only_tom.owners.len(), 1, "the filter in force decides whose bars show (T8)");
        assert_eq!(only_tom.owners[0].owner.as_deref(), Some("Tom"));
    }

    #[test]
    fn intake_counts_each_office_day_and_what_is_still_unassigned_across_a_dst_change() {
        // Berlin springs forward on 2026-03-29: that day has 23 hours.
        let (mut s, ctx) = office("Europe/Berlin", "2026-03-30T12:00:00Z");
        lead(&mut s, &ctx, "2026-03-28T22:59:00Z", "New"); // 23:59 on the 28th, local
        lead(&mut s, &ctx, "2026-03-28T23:00:00Z", "New"); // 00:00 on the 29th
        let owned = lead(&mut s, &ctx, "2026-03-29T21:59:00Z", "New"); // 23:59 on the 29th (CEST)
        lead(&mut s, &ctx, "2026-03-29T22:00:00Z", "Lost"); // 00:00 on the 30th, closed
        lead(&mut s, &ctx, "2026-02-01T12:00:00Z", "New"); // long before the window
        assign::assign(&mut s, &ctx, &Selection::Ids(vec![owned]), "Tom").unwrap();
        let days = chart(s.conn(), &ctx, &Filter::default(), 30).unwrap().days;
        assert_eq!(days.len(), 30);
        assert_eq!(days.last().map(|d| d.day.to_string()).as_deref(), Some("2026-03-30"));
        let by_day: Vec<(String, i64, i64)> =
            days.iter().filter(|d| d.new > 0).map(|d| (d.day.to_string(), d.new, d.unassigned)).collect();
        assert_eq!(
            by_day,
            [("2026-03-28".into(), 1, 1), ("2026-03-29".into(), 2, 1), ("2026-03-30".into(), 1, 0)],
            "an owned or closed lead is no longer waiting"
        );
    }

    #[test]
    fn gauges_carry_each_members_deliveries_limits_and_why_they_are_skipped() {
        let (mut s, ctx) = office("UTC", "2026-03-02T10:00:00Z");
        crate::core::groups::add(&mut s, &ctx, "Inbound", crate::core::groups::Method::Sequential, 2, 0).unwrap();
        let add = vec!["Tom".to_string(), "Ann".to_string()];
        let changes = crate::core::groups::MemberChanges { add, ..Default::default() };
        crate::core::groups::change_members(&mut s, &ctx, "Inbound", &changes).unwrap();
        users::set_away(&mut s, &ctx, "Ann", Some("2026-03-09")).unwrap();
        let ids: Vec<i64> = (0..3).map(|_| lead(&mut s, &ctx, "2026-03-02T09:00:00Z", "New")).collect();
        distribute::rotate(&mut s, &ctx, "Inbound", &Selection::Ids(ids), false).unwrap();
        let chart = chart(s.conn(), &ctx, &Filter::default(), 30).unwrap();
        let members: Vec<(&str, i64, i64, Option<String>)> =
            chart.groups[0].members.iter().map(|m| (m.name.as_str(), m.today, m.daily_limit, m.ineligible())).collect();
        assert_eq!(
            members,
            [
                ("Tom", 2, 2, Some("daily limit reached (2/2)".into())),
                ("Ann", 0, 2, Some("away until 2026-03-09".into()))
            ]
        );
    }

    #[test]
    fn agents_are_refused_the_workload_chart() {
        let (s, ctx) = office("UTC", "2026-03-02T10:00:00Z");
        let tom = Ctx { actor: crate::core::context::Actor::User(users::find(s.conn(), "Tom").unwrap()), ..ctx };
        assert!(chart(s.conn(), &tom, &Filter::for_actor(&tom), 30).is_err());
    }
}
