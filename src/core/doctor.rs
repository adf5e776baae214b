//! `leadrota doctor`: read-only checks of one database file (SPEC §7).
//!
//! - SQLite's own `integrity_check` (or `quick_check`) and `foreign_key_check`
//!   (orphaned rows: an activity row of a lead that is gone, a lead owned by a
//!   user who does not exist, …);
//! - schema version, application id and journal mode;
//! - ownership history: each lead's owner is the `to` of its latest owner
//!   change in the activity log, and each owner change starts where the
//!   previous one ended (no lost update, one activity row per change);
//! - deliveries against the activity log: every delivery has the activity row
//!   that made it, no undone batch keeps deliveries, and every live
//!   `group:<id>` assignment kept its delivery;
//! - limits: no delivery made a member's office day or month exceed the
//!   limit in force when it was made (A8: limit changes are recorded); a
//!   period over only a limit lowered later is a warning;
//! - deactivated users still listed in a rotation (a warning: they are skipped).
//!
//! Nothing here writes.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, NaiveDate};
use chrono_tz::Tz;
use rusqlite::{Connection, params};
use serde::Serialize;

use super::error::Result;
use super::schedule::Availability;
use super::store::{APPLICATION_ID, SCHEMA_VERSION, Store};

/// At most this many examples are listed per finding.
const EXAMPLES: usize = 10;

#[derive(Debug, Clone, Copy, Default)]
pub struct DoctorOptions {
    /// `quick_check` instead of the full `integrity_check` (skips index contents).
    pub quick: bool,
}

/// One thing found wrong (or worth a look), with the check that found it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub check: &'static str,
    pub detail: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct DoctorReport {
    pub path: String,
    /// `["ok"]`, or the first lines SQLite reported.
    pub integrity: Vec<String>,
    pub schema_version: i64,
    pub known_schema_version: i64,
    pub application_id: i64,
    pub journal_mode: String,
    pub page_size: i64,
    pub page_count: i64,
    pub freelist_count: i64,
    /// Rows per table, and a few derived figures (`leads_unassigned`, `users_active`).
    pub counts: BTreeMap<String, i64>,
    /// Each one makes `doctor` exit non-zero.
    pub problems: Vec<Finding>,
    /// Worth knowing, not wrong.
    pub warnings: Vec<Finding>,
}

impl DoctorReport {
    pub fn is_healthy(&self) -> bool {
        self.problems.is_empty()
    }
}

const TABLES: &[&str] = &[
    "leads",
    "lead_tags",
    "users",
    "stages",
    "user_groups",
    "memberships",
    "rules",
    "rule_conditions",
    "batches",
    "activity",
    "deliveries",
    "limit_changes",
    "availability_changes",
    "notifications",
    "settings",
];

/// Run every check on `store`'s database; `tz` is the office zone that
/// days and months of limits are counted in.
pub fn check(store: &Store, tz: Tz, opts: DoctorOptions) -> Result<DoctorReport> {
    let conn = store.conn();
    let pragma_i64 = |name: &str| -> Result<i64> { Ok(conn.pragma_query_value(None, name, |r| r.get(0))?) };
    let mut report = DoctorReport {
        path: store.path().display().to_string(),
        integrity: integrity(conn, opts.quick)?,
        schema_version: pragma_i64("user_version")?,
        known_schema_version: SCHEMA_VERSION,
        application_id: pragma_i64("application_id")?,
        journal_mode: conn.pragma_query_value(None, "journal_mode", |r| r.get(0))?,
        page_size: pragma_i64("page_size")?,
        page_count: pragma_i64("page_count")?,
        freelist_count: pragma_i64("freelist_count")?,
        counts: BTreeMap::new(),
        problems: Vec::new(),
        warnings: Vec::new(),
    };
    if report.integrity != ["ok"] {
        report.problems.push(Finding {
            check: "integrity",
            detail: format!("SQLite integrity check failed: {}", report.integrity.join("; ")),
        });
    }
    if report.application_id != APPLICATION_ID {
        report.problems.push(Finding {
            check: "schema",
            detail: format!("application id is {:#x}, expected {APPLICATION_ID:#x}", report.application_id),
        });
    }
    if report.schema_version != SCHEMA_VERSION {
        report.problems.push(Finding {
            check: "schema",
            detail: format!("schema version {} (this build expects {SCHEMA_VERSION})", report.schema_version),
        });
    }
    let in_memory = store.path().as_os_str() == ":memory:";
    if !in_memory && !report.journal_mode.eq_ignore_ascii_case("wal") {
        report.problems.push(Finding {
            check: "journal",
            detail: format!("journal mode is '{}', expected 'wal'", report.journal_mode),
        });
    }
    for table in TABLES {
        let n: i64 = conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))?;
        report.counts.insert((*table).to_string(), n);
    }
    for (name, sql) in [
        ("leads_unassigned", "SELECT count(*) FROM leads WHERE owner_id IS NULL"),
        ("users_active", "SELECT count(*) FROM users WHERE active = 1"),
        ("batches_undone", "SELECT count(*) FROM batches WHERE undone = 1"),
    ] {
        report.counts.insert(name.to_string(), conn.query_row(sql, [], |r| r.get(0))?);
    }
    orphans(conn, &mut report)?;
    ownership(conn, &mut report)?;
    deliveries(conn, &mut report)?;
    limits(conn, tz, &mut report)?;
    caps_and_shifts(conn, tz, &mut report)?;
    rotations(conn, &mut report)?;
    Ok(report)
}

fn integrity(conn: &Connection, quick: bool) -> Result<Vec<String>> {
    let pragma = if quick { "PRAGMA quick_check(20)" } else { "PRAGMA integrity_check(20)" };
    let mut stmt = conn.prepare(pragma)?;
    let lines = stmt.query_map([], |r| r.get::<_, String>(0))?.collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(lines)
}

fn strings(conn: &Connection, sql: &str, params: impl rusqlite::Params) -> Result<Vec<String>> {
    let mut stmt = conn.prepare(sql)?;
    let rows = stmt.query_map(params, |r| r.get::<_, String>(0))?.collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

fn count(conn: &Connection, sql: &str) -> Result<i64> {
    Ok(conn.query_row(sql, [], |r| r.get(0))?)
}

/// Rows that point at rows that do not exist (`PRAGMA foreign_key_check`).
fn orphans(conn: &Connection, report: &mut DoctorReport) -> Result<()> {
    let mut stmt = conn.prepare("PRAGMA foreign_key_check")?;
    let mut by_pair: BTreeMap<(String, String), (i64, Vec<i64>)> = BTreeMap::new();
    let rows =
        stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, Option<i64>>(1)?, r.get::<_, String>(2)?)))?;
    for row in rows {
        let (table, rowid, parent) = row?;
        let entry = by_pair.entry((table, parent)).or_default();
        entry.0 += 1;
        if let Some(rowid) = rowid.filter(|_| entry.1.len() < EXAMPLES) {
            entry.1.push(rowid);
        }
    }
    for ((table, parent), (n, examples)) in by_pair {
        let what = if table == "leads" && parent == "users" {
            format!("{n} lead(s) owned by a user who does not exist")
        } else {
            format!("{n} row(s) of {table} point to a missing row of {parent}")
        };
        report.problems.push(Finding { check: "orphans", detail: format!("{what} (rowids {})", join(&examples)) });
    }
    Ok(())
}

const OWNER_KINDS: &str = "('assigned', 'reassigned', 'unassigned')";

/// The owner of each lead is where its owner history ends, and the history
/// has no gaps: every change starts from the owner the previous one left.
fn ownership(conn: &Connection, report: &mut DoctorReport) -> Result<()> {
    let last_owner = format!(
        "FROM leads l WHERE l.owner_id IS NOT (SELECT a.to_owner_id FROM activity a \
         WHERE a.lead_id = l.id AND a.kind IN {OWNER_KINDS} ORDER BY a.id DESC LIMIT 1)"
    );
    let n = count(conn, &format!("SELECT count(*) {last_owner}"))?;
    if n > 0 {
        let ids = strings(conn, &format!("SELECT '#' || l.id {last_owner} ORDER BY l.id LIMIT {EXAMPLES}"), [])?;
        report.problems.push(Finding {
            check: "ownership",
            detail: format!("{n} lead(s) whose owner is not the one their activity log ends with: {}", ids.join(", ")),
        });
    }
    let gaps = format!(
        "FROM (SELECT a.lead_id, a.id, a.from_owner_id, \
            lag(a.to_owner_id) OVER (PARTITION BY a.lead_id ORDER BY a.id) AS previous \
            FROM activity a WHERE a.lead_id IS NOT NULL AND a.kind IN {OWNER_KINDS}) \
         WHERE from_owner_id IS NOT previous"
    );
    let n = count(conn, &format!("SELECT count(*) {gaps}"))?;
    if n > 0 {
        let rows = strings(
            conn,
            &format!("SELECT 'activity ' || id || ' (lead #' || lead_id || ')' {gaps} LIMIT {EXAMPLES}"),
            [],
        )?;
        report.problems.push(Finding {
            check: "ownership",
            detail: format!(
                "{n} owner change(s) that do not start from the previous owner (a lost update or a missing \
                 activity row): {}",
                rows.join(", ")
            ),
        });
    }
    Ok(())
}

/// Deliveries are exactly the live group hand-outs in the activity log.
/// Every query here is a scan plus index look-ups or one sort: one batch may
/// hold 100,000 deliveries, so nothing may look a batch up per row.
fn deliveries(conn: &Connection, report: &mut DoctorReport) -> Result<()> {
    // Per delivery, the lead's few activity rows (activity_lead), never the batch's many.
    let unexplained = "FROM deliveries d WHERE NOT EXISTS (SELECT 1 FROM activity a \
         WHERE a.lead_id = d.lead_id AND +a.batch_id = d.batch_id AND +a.to_owner_id = d.user_id)";
    let undone = "FROM deliveries d JOIN batches b ON b.id = d.batch_id WHERE b.undone = 1";
    let missing = format!(
        "FROM (SELECT a.batch_id, a.lead_id FROM activity a JOIN batches b ON b.id = a.batch_id \
            WHERE a.via LIKE 'group:%' AND a.kind IN {OWNER_KINDS} AND a.to_owner_id IS NOT NULL AND b.undone = 0 \
            AND EXISTS (SELECT 1 FROM user_groups g WHERE g.id = CAST(substr(a.via, 7) AS INTEGER)) \
          EXCEPT SELECT batch_id, lead_id FROM deliveries)"
    );
    let checks: [(&str, &str); 3] = [
        ("delivery(ies) without the activity row that made them", unexplained),
        ("delivery(ies) kept by an undone batch (limits would not regain that room)", undone),
        ("group hand-out(s) in the activity log without their delivery (limits would not count them)", &missing),
    ];
    for (what, from) in checks {
        let n = count(conn, &format!("SELECT count(*) {from}"))?;
        if n > 0 {
            let ids = strings(conn, &format!("SELECT '#' || lead_id {from} LIMIT {EXAMPLES}"), [])?;
            report
                .problems
                .push(Finding { check: "deliveries", detail: format!("{n} {what}; leads {}", ids.join(", ")) });
        }
    }
    Ok(())
}

/// One recorded change of limits: a group's own, or a member's override
/// (`None` limits: no override). Batch ids give commit order.
#[derive(Clone, Copy)]
struct LimitChange {
    batch: i64,
    daily: Option<i64>,
    monthly: Option<i64>,
    /// False for the values found when history started to be kept.
    known: bool,
}

/// Every recorded limit change, by (group, member or `None` for the group), oldest first.
type LimitHistory = HashMap<(i64, Option<i64>), Vec<LimitChange>>;

fn limit_history(conn: &Connection) -> Result<LimitHistory> {
    let mut history: LimitHistory = HashMap::new();
    let mut stmt = conn.prepare(
        "SELECT group_id, user_id, batch_id, daily_limit, monthly_limit, known FROM limit_changes \
         ORDER BY group_id, user_id, batch_id, id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            (r.get(0)?, r.get(1)?),
            LimitChange { batch: r.get(2)?, daily: r.get(3)?, monthly: r.get(4)?, known: r.get(5)? },
        ))
    })?;
    for row in rows {
        let (key, change) = row?;
        history.entry(key).or_default().push(change);
    }
    Ok(history)
}

/// The limit in force for a delivery of `batch`, and whether it is known
/// (recorded) rather than inferred from today's settings.
fn limit_at(history: &LimitHistory, current: &Limits, key: (i64, i64), batch: i64, daily: bool) -> (i64, bool) {
    let before = |k: (i64, Option<i64>)| {
        history.get(&k).and_then(|changes| changes.iter().rev().find(|c| c.batch < batch).copied())
    };
    let pick = |c: &LimitChange| if daily { c.daily } else { c.monthly };
    let member = before((key.0, Some(key.1)));
    let group = before((key.0, None));
    match (member.as_ref().and_then(|m| pick(m).map(|v| (v, m.known))), group) {
        (Some(found), _) => found,
        (None, Some(g)) => (pick(&g).unwrap_or(0), g.known && member.is_none_or(|m| m.known)),
        // No history at all (a file older than it): today's setting, not known for then.
        (None, None) => (if daily { current.daily } else { current.monthly }, false),
    }
}

/// Effective limits of each (group, member) today: the member's override, else the group's.
struct Limits {
    daily: i64,
    monthly: i64,
    group: String,
    user: String,
}

/// A8: judge each delivery by the limit in force when it was made, counting
/// every delivery of its office day (or month) committed up to it, whatever
/// its timestamp. Over that limit is a problem; a period over only today's
/// lower limit, or over a limit whose history is not recorded, is a warning.
fn limits(conn: &Connection, tz: Tz, report: &mut DoctorReport) -> Result<()> {
    let mut current: HashMap<(i64, i64), Limits> = HashMap::new();
    {
        let mut stmt = conn.prepare(
            "SELECT g.id, u.id, coalesce(m.daily_limit, g.daily_limit), coalesce(m.monthly_limit, g.monthly_limit), \
                g.name, u.name \
             FROM user_groups g JOIN (SELECT DISTINCT group_id, user_id FROM deliveries) d ON d.group_id = g.id \
             JOIN users u ON u.id = d.user_id \
             LEFT JOIN memberships m ON m.group_id = g.id AND m.user_id = u.id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                (r.get(0)?, r.get(1)?),
                Limits { daily: r.get(2)?, monthly: r.get(3)?, group: r.get(4)?, user: r.get(5)? },
            ))
        })?;
        for row in rows {
            let (key, limits) = row?;
            current.insert(key, limits);
        }
    }
    let history = limit_history(conn)?;
    let mut findings = Overruns::default();
    // Walks deliveries in (group, user, at) order along the limits index,
    // gathering runs of one office day and one office month.
    let mut stmt =
        conn.prepare("SELECT group_id, user_id, at, batch_id, id FROM deliveries ORDER BY group_id, user_id, at")?;
    let mut rows = stmt.query([])?;
    let mut day = Run::default();
    let mut month = Run::default();
    let mut judge = |run: &mut Run, daily: bool| {
        if let Some(limits) = run.key.and_then(|k| current.get(&k)) {
            findings.judge(run, limits, &history, daily);
        }
    };
    while let Some(row) = rows.next()? {
        let key: (i64, i64) = (row.get(0)?, row.get(1)?);
        let at: i64 = row.get(2)?;
        let delivery: (i64, i64) = (row.get(3)?, row.get(4)?);
        let local = DateTime::from_timestamp(at, 0).map(|t| t.with_timezone(&tz).date_naive()).unwrap_or_default();
        let first_of_month = local.with_day(1).unwrap_or(local);
        if day.key != Some(key) || day.date != local {
            judge(&mut day, true);
            day = Run { key: Some(key), date: local, deliveries: Vec::new() };
        }
        if month.key != Some(key) || month.date != first_of_month {
            judge(&mut month, false);
            month = Run { key: Some(key), date: first_of_month, deliveries: Vec::new() };
        }
        day.deliveries.push(delivery);
        month.deliveries.push(delivery);
    }
    judge(&mut day, true);
    judge(&mut month, false);
    findings.report(report);
    Ok(())
}

/// Deliveries to one member of one group in one office day or month, as
/// (batch, delivery id).
#[derive(Default)]
struct Run {
    key: Option<(i64, i64)>,
    date: NaiveDate,
    deliveries: Vec<(i64, i64)>,
}

#[derive(Default)]
struct Overruns {
    /// Over the limit in force at the delivery.
    problems: Vec<String>,
    /// Over a limit lowered later, or one whose history was not recorded.
    lowered_later: Vec<String>,
    unrecorded: Vec<String>,
}

impl Overruns {
    fn judge(&mut self, run: &mut Run, limits: &Limits, history: &LimitHistory, daily: bool) {
        let Some(key) = run.key else { return };
        // Commit order: the n-th delivery committed in the period saw n - 1 before it.
        run.deliveries.sort_unstable();
        let mut worst: Option<(i64, i64, bool)> = None;
        for (i, &(batch, _)) in run.deliveries.iter().enumerate() {
            let (limit, known) = limit_at(history, limits, key, batch, daily);
            let n = i as i64 + 1;
            if limit > 0 && n > limit && worst.is_none_or(|(_, _, k)| known && !k) {
                worst = Some((n, limit, known));
                if known {
                    break;
                }
            }
        }
        let total = run.deliveries.len() as i64;
        let period = if daily { run.date.to_string() } else { run.date.format("%Y-%m").to_string() };
        let kind = if daily { "daily" } else { "monthly" };
        let say = |limit: i64, when: &str| {
            format!(
                "{} got {total} deliveries from {} in {period} ({kind} limit {limit}{when})",
                limits.user, limits.group
            )
        };
        match worst {
            Some((_, limit, true)) => self.problems.push(say(limit, " in force then")),
            Some((_, limit, false)) => self.unrecorded.push(say(limit, "")),
            None => {
                let today = if daily { limits.daily } else { limits.monthly };
                if today > 0 && total > today {
                    self.lowered_later.push(say(today, " now"));
                }
            }
        }
    }

    fn report(self, report: &mut DoctorReport) {
        let examples = |list: &[String]| list.iter().take(EXAMPLES).cloned().collect::<Vec<_>>().join("; ");
        if !self.problems.is_empty() {
            report.problems.push(Finding {
                check: "limits",
                detail: format!(
                    "{} period(s) over the limit in force at the delivery: {}",
                    self.problems.len(),
                    examples(&self.problems)
                ),
            });
        }
        if !self.lowered_later.is_empty() {
            report.warnings.push(Finding {
                check: "limits",
                detail: format!(
                    "{} period(s) over today's limit, which was lowered after those deliveries: {}",
                    self.lowered_later.len(),
                    examples(&self.lowered_later)
                ),
            });
        }
        if !self.unrecorded.is_empty() {
            report.warnings.push(Finding {
                check: "limits",
                detail: format!(
                    "{} period(s) over today's limit from before limit changes were recorded (no history to \
                     judge them by): {}",
                    self.unrecorded.len(),
                    examples(&self.unrecorded)
                ),
            });
        }
    }
}

/// A16, A17, A19: no delivery went to a member at their open-lead cap or
/// to someone off shift or away by the schedule in force then; no lead was
/// reclaimed more often than its group allows.
fn caps_and_shifts(conn: &Connection, tz: Tz, report: &mut DoctorReport) -> Result<()> {
    let over_cap = "FROM deliveries WHERE cap IS NOT NULL AND open_before >= cap";
    let n = count(conn, &format!("SELECT count(*) {over_cap}"))?;
    if n > 0 {
        let ids = strings(conn, &format!("SELECT '#' || lead_id {over_cap} LIMIT {EXAMPLES}"), [])?;
        report.problems.push(Finding {
            check: "caps",
            detail: format!("{n} delivery(ies) to a member already at their open-lead cap; leads {}", ids.join(", ")),
        });
    }
    // Schedules in force at each delivery: only users who ever had one matter.
    let mut changes: HashMap<i64, Vec<(i64, Availability)>> = HashMap::new();
    {
        let mut stmt = conn
            .prepare("SELECT user_id, batch_id, schedule, away_until FROM availability_changes ORDER BY user_id, id")?;
        let rows = stmt.query_map([], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?))
        })?;
        for row in rows {
            let (user, batch, schedule, away) = row?;
            changes.entry(user).or_default().push((batch, Availability::from_stored(&schedule, &away)));
        }
    }
    let mut off_shift: Vec<String> = Vec::new();
    for (user, history) in &changes {
        let mut stmt =
            conn.prepare_cached("SELECT lead_id, at, batch_id FROM deliveries WHERE user_id = ?1 ORDER BY id")?;
        let rows = stmt.query_map([user], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?)))?;
        for row in rows {
            let (lead, at, batch) = row?;
            let Some((_, in_force)) = history.iter().rev().find(|(b, _)| *b < batch) else { continue };
            let when = DateTime::from_timestamp(at, 0).unwrap_or_default();
            if let Some(why) = in_force.unavailable(tz, when) {
                off_shift.push(format!("#{lead} ({why})"));
            }
        }
    }
    if !off_shift.is_empty() {
        let n = off_shift.len();
        off_shift.truncate(EXAMPLES);
        report.problems.push(Finding {
            check: "shifts",
            detail: format!("{n} delivery(ies) to someone off shift or away at the time: {}", off_shift.join(", ")),
        });
    }
    let over_reclaimed = "FROM (SELECT a.lead_id, count(*) AS n, max(g.reclaim_max) AS allowed FROM activity a \
         JOIN deliveries d ON d.lead_id = a.lead_id AND d.batch_id = a.batch_id \
         JOIN user_groups g ON g.id = d.group_id \
         WHERE a.via = 'reclaim' AND a.kind IN ('assigned', 'reassigned') GROUP BY a.lead_id) WHERE n > allowed";
    let n = count(conn, &format!("SELECT count(*) {over_reclaimed}"))?;
    if n > 0 {
        let ids = strings(conn, &format!("SELECT '#' || lead_id {over_reclaimed} LIMIT {EXAMPLES}"), [])?;
        report.warnings.push(Finding {
            check: "reclaim",
            detail: format!(
                "{n} lead(s) reclaimed more often than their group allows now (lowered since?): {}",
                ids.join(", ")
            ),
        });
    }
    Ok(())
}

/// A deactivated user leaves every rotation (A12).
fn rotations(conn: &Connection, report: &mut DoctorReport) -> Result<()> {
    let stuck = strings(
        conn,
        "SELECT u.name || ' in ' || g.name FROM memberships m JOIN users u ON u.id = m.user_id \
         JOIN user_groups g ON g.id = m.group_id WHERE u.active = 0 ORDER BY g.name, u.name LIMIT ?1",
        params![EXAMPLES as i64],
    )?;
    // Rotations skip them (they are not eligible), so this is untidy, not wrong.
    if !stuck.is_empty() {
        report.warnings.push(Finding {
            check: "rotations",
            detail: format!(
                "deactivated user(s) still listed in a rotation (skipped, never served): {}",
                stuck.join(", ")
            ),
        });
    }
    Ok(())
}

fn join(ids: &[i64]) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")
}
