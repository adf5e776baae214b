//! A19 Reclaim untouched leads: a lead a group delivered whose owner has not
//! touched it since (no status change, no note by them) for the group's
//! `reclaim_after_hours` goes to the next eligible member other than its
//! owner — a delivery of the group, via `reclaim`, with the previous owner in
//! the activity row and a notification to both. One lead is reclaimed at most
//! `reclaim_max` times. `leadrota reclaim` runs it (from cron); `--dry-run`
//! shows it. A due lead nobody else can take stays with its owner and is
//! reported as skipped.

use rusqlite::{Connection, params};

use super::context::Ctx;
use super::distribute::{RouteResult, Unplaced, hand_out, seeded};
use super::error::Result;
use super::groups::{self, Group};
use super::rights::{self, Action};
use super::rotation::Distributor;
use super::store::{Store, Writer};

/// Due leads of `group` at `now`: (lead, owner), oldest delivery first. A
/// lead is due when this group delivered it to its owner now long enough
/// ago, with no owner change since (a change undone, and its undo, do not
/// count; so this is its latest delivery) and no touch by the owner;
/// reclaims undone do not count toward `reclaim_max`.
const DUE: &str = "SELECT l.id, l.owner_id FROM deliveries d JOIN leads l ON l.id = d.lead_id \
     WHERE d.group_id = ?1 AND d.at <= ?2 AND l.owner_id = d.user_id \
       AND l.stage_id IN (SELECT id FROM stages WHERE closed = 0) \
       AND NOT EXISTS (SELECT 1 FROM activity a JOIN batches b ON b.id = a.batch_id \
            WHERE a.lead_id = l.id AND a.batch_id > d.batch_id AND b.undone = 0 AND a.via <> 'undo' \
            AND a.kind IN ('assigned', 'reassigned', 'unassigned')) \
       AND NOT EXISTS (SELECT 1 FROM activity a WHERE a.lead_id = l.id AND +a.actor_id = l.owner_id \
            AND a.kind IN ('status', 'note') AND a.at >= d.at) \
       AND (SELECT count(*) FROM activity r JOIN batches b ON b.id = r.batch_id \
            WHERE r.lead_id = l.id AND r.via = 'reclaim' AND b.undone = 0 \
            AND r.kind IN ('assigned', 'reassigned')) < ?3 \
     ORDER BY d.at, l.id";

// The owner's touch is looked up by lead (a few rows), never by actor (an
// owner's whole history): `+a.actor_id` keeps SQLite off activity_actor.

fn due(conn: &Connection, group: &Group, now: i64) -> Result<Vec<(i64, i64)>> {
    if group.reclaim_after_hours == 0 || group.reclaim_max == 0 {
        return Ok(Vec::new());
    }
    let cutoff = now.saturating_sub(group.reclaim_after_hours.saturating_mul(3600));
    let mut stmt = conn.prepare_cached(DUE)?;
    let rows = stmt.query_map(params![group.id, cutoff, group.reclaim_max], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// How many of the group's leads are due for reclaim now (`group show`, the Groups pane).
pub fn due_count(conn: &Connection, group: &Group, ctx: &Ctx) -> Result<usize> {
    Ok(due(conn, group, ctx.now_ts())?.len())
}

/// Reclaim every due lead of every group (A19); with `dry_run`, the same
/// plan rolled back. `assigned` names the new owners, `skipped` the due
/// leads nobody else could take (they stay with their owner).
pub fn reclaim(store: &mut Store, ctx: &Ctx, dry_run: bool) -> Result<RouteResult> {
    rights::require(ctx, Action::Rotate)?;
    let ctx = &seeded(ctx);
    let written = store.write_or_preview(ctx, "reclaim", dry_run, |w| {
        let mut result = RouteResult { seed: ctx.seed, ..RouteResult::default() };
        let mut notices: Vec<(i64, i64)> = Vec::new();
        w.plan_reset()?;
        for group in groups::list(w.conn())? {
            let leads = due(w.conn(), &group, w.now())?;
            if leads.is_empty() {
                continue;
            }
            let mut dist = Distributor::load(w.conn(), &group, ctx)?;
            for (lead, owner) in leads {
                result.selected += 1;
                match hand_out(w, &mut dist, (lead, None), Some(owner), "reclaim", None)? {
                    Ok(name) => {
                        notices.push((owner, lead));
                        result.record(lead, Ok((name, None)));
                    }
                    // Nobody else can take it: it stays with its owner, not unassigned.
                    Err(reason) => {
                        result.skipped.push(Unplaced { lead, reason: format!("kept by its owner: {reason}") })
                    }
                }
            }
            dist.save_cursor(w)?;
        }
        ctx.check_expected(result.selected)?;
        w.plan_apply()?;
        notify_previous_owners(w, &notices)?;
        Ok(result)
    })?;
    Ok(RouteResult { batch: written.batch, ..written.value })
}

/// The owner a lead was taken from hears of it too.
fn notify_previous_owners(w: &Writer<'_>, notices: &[(i64, i64)]) -> Result<()> {
    if !w.notifications_enabled() {
        return Ok(());
    }
    let mut stmt = w.conn().prepare_cached(
        "INSERT INTO notifications (user_id, lead_id, at, text) \
         SELECT ?1, id, ?2, 'Lead #' || id || ' ' || name || ' was reclaimed: untouched too long' \
         FROM leads WHERE id = ?3",
    )?;
    for &(owner, lead) in notices {
        stmt.execute(params![owner, w.now(), lead])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_due_query_looks_activity_up_by_lead_never_by_actor() {
        let store = crate::core::Store::open_in_memory().unwrap();
        let mut stmt = store.conn().prepare(&format!("EXPLAIN QUERY PLAN {}", super::DUE)).unwrap();
        let plan: Vec<String> = stmt
            .query_map(rusqlite::params![1, 0, 1], |r| r.get::<_, String>(3))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let plan = plan.join("\n");
        assert!(!plan.contains("activity_actor"), "{plan}");
        assert!(!plan.contains("SCAN a") && !plan.contains("SCAN r"), "{plan}");
    }
}
