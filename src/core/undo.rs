//! A4 Undo: revert the acting user's latest batch exactly, or refuse and
//! write nothing. A batch is refused when any of its leads has an activity
//! row newer than the batch's own (changed since, even if changed back: the
//! log is compared, not the values; a later batch that was undone, and its
//! undo, cancel out), when a lead would go back to a user who
//! is deactivated now, and when it was an offboarding (its way back is
//! `user activate` and a reassign).

use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::assign::BulkResult;
use super::context::Ctx;
use super::error::{Error, Result, thousands};
use super::store::{Change, Store, Writer};

/// Commands whose batches `undo` considers, with what a person calls them.
const UNDOABLE: &[(&str, &str)] = &[
    ("assign", "assignment"),
    ("reassign", "reassignment"),
    ("unassign", "unassignment"),
    ("rotate", "rotation"),
    ("route", "routing"),
    ("pickup", "pick-up"),
    ("offboard", "offboarding"),
    ("reclaim", "reclaim"),
    ("lead move", "status change"),
    ("lead owner", "owner change"),
];

const OWNER_KINDS: &str = "('assigned', 'reassigned', 'unassigned')";

/// The batch `undo` would revert, described the way the confirm and the
/// result name it: "batch 745: rotation of 89 leads through Inbound, 10 min ago".
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UndoTarget {
    pub batch: i64,
    pub command: String,
    /// Leads the batch changed.
    pub leads: usize,
    pub at: i64,
    /// "rotation of 89 leads through Inbound".
    pub what: String,
}

impl UndoTarget {
    pub fn describe(&self, now: i64) -> String {
        format!("batch {}: {}, {}", self.batch, self.what, ago(now - self.at))
    }
}

/// What `undo` did: the usual bulk figures and the batch it reverted.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Undone {
    #[serde(flatten)]
    pub result: BulkResult,
    pub undid: UndoTarget,
}

/// "just now", "10 min ago", "3 h ago", "2 days ago".
fn ago(seconds: i64) -> String {
    match seconds {
        s if s < 60 => "just now".into(),
        s if s < 3600 => format!("{} min ago", s / 60),
        s if s < 86_400 * 2 => format!("{} h ago", s / 3600),
        s => format!("{} days ago", s / 86_400),
    }
}

/// The acting user's latest batch that undo would take, described, or an
/// error saying there is none.
pub fn undo_preview(conn: &Connection, ctx: &Ctx) -> Result<UndoTarget> {
    latest(conn, ctx)?.ok_or_else(|| Error::invalid(format!("{} has nothing to undo", ctx.actor.name())))
}

/// A4: revert the acting user's latest batch.
pub fn undo(store: &mut Store, ctx: &Ctx) -> Result<Undone> {
    revert(store, ctx, None)
}

/// A4 for a confirm that named `batch`: refused if the acting user's latest
/// batch is another one by now.
pub fn undo_batch(store: &mut Store, ctx: &Ctx, batch: i64) -> Result<Undone> {
    revert(store, ctx, Some(batch))
}

fn latest(conn: &Connection, ctx: &Ctx) -> Result<Option<UndoTarget>> {
    let placeholders = vec!["?"; UNDOABLE.len()].join(", ");
    let mut params: Vec<Value> = vec![ctx.actor.user_id().map_or(Value::Null, Value::Integer)];
    params.extend(UNDOABLE.iter().map(|(c, _)| Value::Text((*c).to_string())));
    let found: Option<(i64, String, i64)> = conn
        .query_row(
            &format!(
                "SELECT id, command, at FROM batches WHERE actor_id IS ? AND undone = 0 AND command IN ({placeholders}) \
                 ORDER BY id DESC LIMIT 1"
            ),
            rusqlite::params_from_iter(params),
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    found.map(|(batch, command, at)| describe(conn, batch, command, at)).transpose()
}

fn describe(conn: &Connection, batch: i64, command: String, at: i64) -> Result<UndoTarget> {
    let (leads, owners, owner, via): (i64, i64, Option<String>, Option<String>) = conn.query_row(
        &format!(
            "SELECT leads, owners, (SELECT name FROM users WHERE id = top), via FROM ( \
                SELECT count(DISTINCT lead_id) AS leads, count(DISTINCT to_owner_id) AS owners, \
                    max(to_owner_id) AS top, min(via) AS via \
                FROM activity WHERE batch_id = ?1 AND lead_id IS NOT NULL \
                    AND (kind IN {OWNER_KINDS} OR kind = 'status'))"
        ),
        [batch],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )?;
    let leads = usize::try_from(leads).unwrap_or(0);
    let noun = UNDOABLE.iter().find(|(c, _)| *c == command).map_or(command.as_str(), |(_, noun)| noun);
    let count = if leads == 1 { "1 lead".to_string() } else { format!("{} leads", thousands(leads)) };
    let mut what = if command == "offboard" {
        let note: Option<String> = conn
            .query_row(
                "SELECT note FROM activity WHERE batch_id = ?1 AND kind = 'user_changed' LIMIT 1",
                [batch],
                |r| r.get(0),
            )
            .optional()?
            .flatten();
        let who = note.as_deref().and_then(|n| n.strip_suffix(" deactivated")).unwrap_or("a user");
        format!("{noun} of {who} ({count} handed over)")
    } else {
        format!("{noun} of {count}")
    };
    let group = via.as_deref().and_then(|v| v.strip_prefix("group:")).and_then(|id| id.parse::<i64>().ok());
    if let Some(group) = group
        && let Some(name) = conn
            .query_row("SELECT name FROM user_groups WHERE id = ?1", [group], |r| r.get::<_, String>(0))
            .optional()?
    {
        what.push_str(&format!(" through {name}"));
    } else if owners == 1
        && let Some(owner) = owner
        && matches!(command.as_str(), "assign" | "reassign" | "pickup" | "lead owner")
    {
        what.push_str(&format!(" to {owner}"));
    }
    Ok(UndoTarget { batch, command, leads, at, what })
}

fn revert(store: &mut Store, ctx: &Ctx, expected: Option<i64>) -> Result<Undone> {
    let now = ctx.now_ts();
    let written = store.write(ctx, "undo", |w| {
        // Chosen inside the write lock: another seat's undo or batch cannot slip in between.
        let target = latest(w.conn(), ctx)?
            .ok_or_else(|| Error::invalid(format!("{} has nothing to undo", ctx.actor.name())))?;
        if let Some(expected) = expected
            && expected != target.batch
        {
            return Err(Error::invalid(format!(
                "your latest batch is now {}, not batch {expected}; nothing was undone — look again",
                target.describe(now)
            )));
        }
        refuse_if_unsafe(w, &target, now)?;
        let changed = apply(w, target.batch)?;
        Ok((changed, target))
    })?;
    let (changed, undid) = written.value;
    Ok(Undone { result: BulkResult { batch: written.batch, selected: undid.leads, changed, unchanged: 0 }, undid })
}

/// The refusals of A4, each naming the lead and the change.
fn refuse_if_unsafe(w: &Writer<'_>, target: &UndoTarget, now: i64) -> Result<()> {
    let cannot =
        |why: String| Error::invalid(format!("cannot undo {}: {why}; nothing was undone", target.describe(now)));
    if target.command == "offboard" {
        return Err(cannot(
            "an offboarding is not undone; reactivate the user with `leadrota user activate NAME`, then give \
             their leads back with `leadrota reassign --to NAME …`"
                .into(),
        ));
    }
    // Compare the log, not the values: a lead changed and changed back was
    // still changed. A later batch that was itself undone, with the undo that
    // reverted it, left nothing behind and does not count.
    let later: Option<(i64, String, String, i64)> = w
        .conn()
        .query_row(
            "SELECT later.lead_id, later.kind, coalesce(u.name, 'system'), later.batch_id \
             FROM (SELECT DISTINCT lead_id FROM activity WHERE batch_id = ?1 AND lead_id IS NOT NULL) mine \
             JOIN activity later ON later.lead_id = mine.lead_id AND later.batch_id > ?1 AND later.kind <> 'note' \
                AND later.via <> 'undo' \
             JOIN batches b ON b.id = later.batch_id AND b.undone = 0 \
             LEFT JOIN users u ON u.id = later.actor_id \
             ORDER BY later.id LIMIT 1",
            [target.batch],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    if let Some((lead, kind, by, batch)) = later {
        return Err(cannot(format!("lead #{lead} was {} by {by} since (batch {batch})", changed_words(&kind))));
    }
    let deactivated: Option<(i64, String)> = w
        .conn()
        .query_row(
            &format!(
                "SELECT a.lead_id, u.name FROM activity a JOIN users u ON u.id = a.from_owner_id \
                 WHERE a.batch_id = ?1 AND a.kind IN {OWNER_KINDS} AND u.active = 0 ORDER BY a.lead_id LIMIT 1"
            ),
            [target.batch],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    if let Some((lead, name)) = deactivated {
        return Err(cannot(format!("lead #{lead} would go back to {name}, who is deactivated")));
    }
    Ok(())
}

fn changed_words(kind: &str) -> &str {
    match kind {
        "assigned" => "assigned",
        "reassigned" => "reassigned",
        "unassigned" => "unassigned",
        "status" => "moved to another status",
        _ => "changed",
    }
}

/// Put owners and statuses back, give limits their room and the cursor its
/// place (if its group has handed out nothing since), and mark the batch undone.
fn apply(w: &mut Writer<'_>, batch: i64) -> Result<usize> {
    w.plan_reset()?;
    let owners = w.plan_fill(
        &format!(
            "SELECT lead_id, to_owner_id, from_owner_id, 'undo', NULL, NULL, NULL FROM activity \
             WHERE batch_id = ?1 AND kind IN {OWNER_KINDS} ORDER BY lead_id"
        ),
        &[Value::Integer(batch)],
    )?;
    let mut changed = if owners > 0 { w.plan_apply()? } else { 0 };
    let status_rows: Vec<(i64, i64, i64)> = {
        let mut stmt = w.conn().prepare(
            "SELECT lead_id, from_stage_id, to_stage_id FROM activity WHERE batch_id = ?1 AND kind = 'status'",
        )?;
        stmt.query_map([batch], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<Result<_, _>>()?
    };
    for (lead, from, to) in status_rows {
        w.conn().execute(
            "UPDATE leads SET stage_id = ?1, status_changed_at = ?2, updated_at = ?2 WHERE id = ?3",
            params![from, w.now(), lead],
        )?;
        w.record(Change::status(lead, to, from, "undo"))?;
        changed += 1;
    }
    w.conn().execute(
        "UPDATE user_groups SET cursor_position = \
            (SELECT c.cursor_before FROM batch_cursors c WHERE c.batch_id = ?1 AND c.group_id = user_groups.id) \
         WHERE id IN (SELECT group_id FROM batch_cursors WHERE batch_id = ?1) \
           AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.group_id = user_groups.id AND d.batch_id > ?1)",
        [batch],
    )?;
    restore_credits(w, batch)?;
    w.conn().execute("DELETE FROM deliveries WHERE batch_id = ?1", [batch])?;
    w.conn().execute("UPDATE batches SET undone = 1 WHERE id = ?1", [batch])?;
    Ok(changed)
}

/// A15: a weighted group's balances go back with its cursor, on the same condition.
fn restore_credits(w: &Writer<'_>, batch: i64) -> Result<()> {
    let saved: Vec<(i64, String)> = {
        let mut stmt = w.conn().prepare(
            "SELECT c.group_id, c.credits_before FROM batch_cursors c WHERE c.batch_id = ?1 \
             AND c.credits_before IS NOT NULL \
             AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.group_id = c.group_id AND d.batch_id > ?1)",
        )?;
        stmt.query_map([batch], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?
    };
    for (group, json) in saved {
        let credits: Vec<(i64, i64)> = serde_json::from_str(&json).unwrap_or_default();
        for (user, credit) in credits {
            w.conn().execute(
                "UPDATE memberships SET credit = ?1 WHERE group_id = ?2 AND user_id = ?3",
                params![credit, group, user],
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn ages_read_as_a_person_says_them() {
        assert_eq!(super::ago(-5), "just now");
        assert_eq!(super::ago(59), "just now");
        assert_eq!(super::ago(600), "10 min ago");
        assert_eq!(super::ago(3 * 3600 + 5), "3 h ago");
        assert_eq!(super::ago(5 * 86_400), "5 days ago");
    }
}
