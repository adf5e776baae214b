//! The activity timeline (V5): who changed what, when, and via what.

use rusqlite::Connection;
use rusqlite::types::Value;
use serde::Serialize;

use super::error::Result;
use super::filter::Filter;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActivityRow {
    pub id: i64,
    pub at: i64,
    pub lead: Option<i64>,
    pub actor: String,
    pub kind: String,
    /// Owner names for owner changes, stage names for status changes.
    pub from: Option<String>,
    pub to: Option<String>,
    pub via: String,
    pub batch: i64,
    pub note: Option<String>,
    pub detail: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct ActivityQuery {
    pub lead: Option<i64>,
    /// Rows the user acted on or whose ownership they gained or lost.
    pub user: Option<i64>,
    pub batch: Option<i64>,
    pub limit: Option<usize>,
    /// Only rows of leads this filter selects: an agent's timeline names no
    /// lead they cannot see, nor its owner (V6).
    pub leads_within: Option<Filter>,
}

const SELECT: &str = "SELECT a.id, a.at, a.lead_id, coalesce((SELECT name FROM users WHERE id = a.actor_id), 'system'), \
     a.kind, \
     CASE WHEN a.kind = 'status' THEN (SELECT name FROM stages WHERE id = a.from_stage_id) \
          ELSE (SELECT name FROM users WHERE id = a.from_owner_id) END, \
     CASE WHEN a.kind IN ('status', 'created') THEN (SELECT name FROM stages WHERE id = a.to_stage_id) \
          ELSE (SELECT name FROM users WHERE id = a.to_owner_id) END, \
     a.via, a.batch_id, a.note, ";

/// `a.detail` of an activity row, with a reference to the row of its batch
/// that keeps the same detail (see [`crate::core::rotation::Distributor::carry`])
/// replaced by that row's.
///
/// The referred row is found through its lead's few rows (`activity_lead`);
/// `+d.batch_id` keeps SQLite off the batch index, which would read the
/// batch from its start for every row (a 40,000-lead batch took 40 s).
pub const KEPT_DETAIL: &str = "CASE WHEN a.detail LIKE '{\"same_as_lead\":%' THEN \
     (SELECT d.detail FROM activity d WHERE d.lead_id = json_extract(a.detail, '$.same_as_lead') \
      AND +d.batch_id = a.batch_id AND d.detail NOT LIKE '{\"same_as_lead\":%' ORDER BY d.id LIMIT 1) \
     ELSE a.detail END";

/// Newest first.
pub fn list(conn: &Connection, query: &ActivityQuery) -> Result<Vec<ActivityRow>> {
    let mut clauses: Vec<String> = Vec::new();
    let mut params: Vec<Value> = Vec::new();
    if let Some(lead) = query.lead {
        clauses.push("a.lead_id = ?".into());
        params.push(Value::Integer(lead));
    }
    if let Some(user) = query.user {
        clauses.push("(a.actor_id = ? OR a.to_owner_id = ? OR a.from_owner_id = ?)".into());
        params.extend(std::iter::repeat_n(Value::Integer(user), 3));
    }
    if let Some(batch) = query.batch {
        clauses.push("a.batch_id = ?".into());
        params.push(Value::Integer(batch));
    }
    if let Some(filter) = &query.leads_within {
        let (clause, filter_params) = filter.to_sql();
        clauses.push(format!("a.lead_id IN (SELECT l.id FROM leads l WHERE {clause})"));
        params.extend(filter_params);
    }
    let where_sql = if clauses.is_empty() { "1".to_string() } else { clauses.join(" AND ") };
    let limit = query.limit.map_or(-1, |l| i64::try_from(l).unwrap_or(i64::MAX));
    let sql = format!("{SELECT}{KEPT_DETAIL} FROM activity a WHERE {where_sql} ORDER BY a.id DESC LIMIT {limit}");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(params), |r| {
        Ok(ActivityRow {
            id: r.get(0)?,
            at: r.get(1)?,
            lead: r.get(2)?,
            actor: r.get(3)?,
            kind: r.get(4)?,
            from: r.get(5)?,
            to: r.get(6)?,
            via: r.get(7)?,
            batch: r.get(8)?,
            note: r.get(9)?,
            detail: r.get(10)?,
        })
    })?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each row referring to its batch's detail finds it among its own
    /// lead's rows, whatever the size of the batch.
    #[test]
    fn a_kept_detail_is_read_back_through_its_leads_rows() {
        let store = crate::core::Store::open_in_memory().unwrap();
        let sql = format!("EXPLAIN QUERY PLAN {SELECT}{KEPT_DETAIL} FROM activity a WHERE a.batch_id = ?1");
        let plan: Vec<String> = store
            .conn()
            .prepare(&sql)
            .unwrap()
            .query_map([1], |r| r.get::<_, String>(3))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        let plan = plan.join("\n");
        assert!(plan.contains("SEARCH d USING INDEX activity_lead (lead_id=?)"), "{plan}");
        assert!(!plan.contains("SEARCH d USING INDEX activity_batch"), "{plan}");
    }
}
