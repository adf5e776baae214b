//! A8: each delivery judged by the limit in force when it was made.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, NaiveDate};
use chrono_tz::Tz;
use rusqlite::Connection;

use super::scan::Delivery;
use super::{DoctorReport, first, tally};
use crate::core::error::Result;

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
pub(super) fn limits(conn: &Connection, tz: Tz, deliveries: &mut [Delivery], report: &mut DoctorReport) -> Result<()> {
    // Every (group, member) pair there is: a handful of groups times the
    // team, where asking only for the pairs that got deliveries would walk
    // all the deliveries once more.
    let mut current: HashMap<(i64, i64), Limits> = HashMap::new();
    {
        let mut stmt = conn.prepare(
            "SELECT g.id, u.id, coalesce(m.daily_limit, g.daily_limit), coalesce(m.monthly_limit, g.monthly_limit), \
                g.name, u.name \
             FROM user_groups g CROSS JOIN users u \
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
    // Runs of one member of one group in one office day and one office
    // month are contiguous in (group, user, at) order, sorted here in memory
    // rather than read along the limits index with a table look-up a row.
    deliveries.sort_unstable_by_key(|d| (d.group, d.user, d.at, d.id));
    let mut day = Run::default();
    let mut month = Run::default();
    let mut judge = |run: &mut Run, daily: bool| {
        if let Some(limits) = run.key.and_then(|k| current.get(&k)) {
            findings.judge(run, limits, &history, daily);
        }
    };
    // A batch stamps all its deliveries with one time: convert each time once.
    let mut last: Option<(i64, NaiveDate)> = None;
    for d in deliveries.iter() {
        let key = (d.group, d.user);
        let local = match last {
            Some((at, date)) if at == d.at => date,
            _ => {
                let date =
                    DateTime::from_timestamp(d.at, 0).map(|t| t.with_timezone(&tz).date_naive()).unwrap_or_default();
                last = Some((d.at, date));
                date
            }
        };
        let first_of_month = local.with_day(1).unwrap_or(local);
        if day.key != Some(key) || day.date != local {
            judge(&mut day, true);
            day = Run { key: Some(key), date: local, deliveries: Vec::new() };
        }
        if month.key != Some(key) || month.date != first_of_month {
            judge(&mut month, false);
            month = Run { key: Some(key), date: first_of_month, deliveries: Vec::new() };
        }
        day.deliveries.push((d.batch, d.id));
        month.deliveries.push((d.batch, d.id));
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
        for (problem, found, what) in [
            (true, &self.problems, "period(s) over the limit in force at the delivery: "),
            (false, &self.lowered_later, "period(s) over today's limit, which was lowered after those deliveries: "),
            (
                false,
                &self.unrecorded,
                "period(s) over today's limit from before limit changes were recorded (no history to judge them \
                 by): ",
            ),
        ] {
            let list = if problem { &mut report.problems } else { &mut report.warnings };
            tally(list, "limits", found.len(), what, || first(found, "; ", String::clone));
        }
    }
}
