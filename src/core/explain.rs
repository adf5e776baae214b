//! R6: why a lead is owned by whom, from the activity row of its current
//! assignment and what was recorded with it.

use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;

use super::activity::KEPT_DETAIL;
use super::context::Ctx;
use super::error::Result;
use super::leads;
use super::rotation::Skipped;
use super::time::{to_rfc3339, to_rfc3339_in};

#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    pub lead: i64,
    pub owner: Option<String>,
    pub at: Option<String>,
    pub actor: Option<String>,
    pub via: Option<String>,
    pub batch: Option<i64>,
    pub rule: Option<i64>,
    pub rule_name: Option<String>,
    pub group: Option<String>,
    pub skipped: Vec<Skipped>,
    /// One human sentence saying it all.
    pub summary: String,
}

/// Why lead `id` is owned by whom; the sentence tells its moment in RFC 3339
/// at the office's offset.
pub fn explain(conn: &Connection, ctx: &Ctx, id: i64) -> Result<Explanation> {
    explain_telling_time(conn, ctx, id, |at| to_rfc3339_in(ctx.tz, at))
}

/// [`explain`], its sentence telling the moment as `when` writes it (the
/// console's drawer: office time to the minute, as its timeline).
pub fn explain_telling_time(
    conn: &Connection,
    ctx: &Ctx,
    id: i64,
    when: impl Fn(i64) -> String,
) -> Result<Explanation> {
    let lead = leads::get(conn, ctx, id)?;
    let row: Option<(i64, String, String, i64, Option<String>)> = conn
        .query_row(
            &format!(
                "SELECT a.at, coalesce((SELECT name FROM users WHERE id = a.actor_id), 'system'), a.via, a.batch_id, \
                 {KEPT_DETAIL} FROM activity a WHERE a.lead_id = ?1 AND a.kind IN ('assigned', 'reassigned', 'unassigned') \
                 ORDER BY a.id DESC LIMIT 1"
            ),
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()?;
    let Some((at, actor, via, batch, detail)) = row else {
        return Ok(Explanation {
            lead: id,
            owner: lead.owner.clone(),
            at: None,
            actor: None,
            via: None,
            batch: None,
            rule: None,
            rule_name: None,
            group: None,
            skipped: vec![],
            summary: match &lead.owner {
                Some(o) => format!("lead #{id} was created owned by {o}"),
                None => format!("lead #{id} has never been assigned"),
            },
        });
    };
    let detail: serde_json::Value = detail.and_then(|d| serde_json::from_str(&d).ok()).unwrap_or_default();
    let rule = detail["rule"].as_i64();
    let rule_name = detail["rule_name"].as_str().map(str::to_string);
    let group = match detail["group_name"].as_str() {
        Some(name) => Some(name.to_string()),
        // Plain rotations record only `via = group:<id>`.
        None => via
            .strip_prefix("group:")
            .and_then(|id| id.parse::<i64>().ok())
            .map(|id| super::groups::get(conn, id).map_or_else(|_| format!("#{id} (deleted)"), |g| g.name)),
    };
    let skipped: Vec<Skipped> = serde_json::from_value(detail["skipped"].clone()).unwrap_or_default();
    let owner_text = lead.owner.clone().map_or_else(|| "unassigned".to_string(), |o| format!("owned by {o}"));
    let how = match via.split_once(':') {
        Some(("rule", _)) => match &group {
            Some(g) => format!(
                "routing rule #{} \"{}\" sent it to group {g}",
                rule.unwrap_or_default(),
                rule_name.clone().unwrap_or_default()
            ),
            None => format!(
                "routing rule #{} \"{}\" sent it there",
                rule.unwrap_or_default(),
                rule_name.clone().unwrap_or_default()
            ),
        },
        Some(("group", _)) => format!("{actor} rotated it through group {}", group.clone().unwrap_or_default()),
        _ => match via.as_str() {
            "duplicate" => "it duplicates a lead of the same owner (duplicate routing)".to_string(),
            "pickup" => format!("{actor} picked it up"),
            "offboard" => format!("{actor} handed it over when its previous owner was deactivated"),
            "undo" => format!("{actor} undid a change"),
            "reclaim" => "reclaimed from its previous owner, who had left it untouched too long".to_string(),
            other => format!("{actor} set it ({other})"),
        },
    };
    let mut summary = format!("lead #{id} is {owner_text}: {how} at {} (batch {batch})", when(at));
    if let Some(weights) = detail["weights"].as_object() {
        let list: Vec<String> = weights.iter().map(|(user, w)| format!("{user} {w}")).collect();
        summary.push_str(&format!("; weights then: {}", list.join(", ")));
    }
    if !skipped.is_empty() {
        let list: Vec<String> = skipped.iter().map(|s| format!("{} ({})", s.user, s.reason)).collect();
        summary.push_str(&format!("; skipped then: {}", list.join(", ")));
    }
    Ok(Explanation {
        lead: id,
        owner: lead.owner,
        at: Some(to_rfc3339(at)),
        actor: Some(actor),
        via: Some(via),
        batch: Some(batch),
        rule,
        rule_name,
        group,
        skipped,
        summary,
    })
}
