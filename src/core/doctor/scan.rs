//! leadrota's own checks, made in one pass over each large table instead of
//! one query per check: the leads (along an index that holds their owner and
//! status), the tags, the deliveries, then the activity log in id order.
//! Each pass keeps in memory what the later ones look up (lead ids and
//! owners, deliveries by lead and batch), so no check seeks a B-tree per
//! row: on the 1M-lead demo a seek a row cost seconds a check, a pass over
//! the activity log costs a fraction of SQLite's own `quick_check`.
//!
//! The references (`PRAGMA foreign_key_check`) of the tables passed over
//! are checked in the same passes; every other table's by SQLite. The
//! activity pass is in `log`.

use std::collections::BTreeMap;

use chrono::DateTime;
use chrono_tz::Tz;
use rusqlite::Connection;

use super::ids::{IdMap, Ids, Ref};
use super::log::Log;
use super::{DoctorReport, EXAMPLES, Finding, first, limits, tally};
use crate::core::error::Result;
use crate::core::schedule::Availability;

/// The references of the tables passed over here, as (column, parent
/// table): all parents are keyed by `id INTEGER PRIMARY KEY`. A file whose
/// references differ (another schema) has them all checked by SQLite.
const OWN_REFERENCES: &[(&str, &[(&str, &str)])] = &[
    ("leads", &[("stage_id", "stages"), ("owner_id", "users")]),
    ("lead_tags", &[("lead_id", "leads")]),
    ("deliveries", &[("group_id", "user_groups"), ("user_id", "users"), ("lead_id", "leads"), ("batch_id", "batches")]),
    (
        "activity",
        &[
            ("lead_id", "leads"),
            ("actor_id", "users"),
            ("from_owner_id", "users"),
            ("to_owner_id", "users"),
            ("from_stage_id", "stages"),
            ("to_stage_id", "stages"),
            ("batch_id", "batches"),
        ],
    ),
];

/// The leads pass reads a covering index (12 MB on the 1M demo), not the
/// table (170 MB); a test keeps the plan so.
const LEADS: &str = "SELECT id, owner_id, stage_id FROM leads";

/// One delivery whose columns all hold integers (any other is an orphan).
#[derive(Clone, Copy)]
pub(super) struct Delivery {
    pub id: i64,
    pub group: i64,
    pub user: i64,
    pub lead: i64,
    pub at: i64,
    pub batch: i64,
}

/// Every check that reads leads, tags, deliveries or activity.
pub(super) fn run(conn: &Connection, tz: Tz, report: &mut DoctorReport) -> Result<()> {
    let own = references_are_known(conn)?;
    let mut orphans = Orphans::default();
    orphans.by_sqlite(conn, own)?;
    let (users, _) = keyed(conn, "SELECT id, 0 FROM users")?;
    let (stages, _) = keyed(conn, "SELECT id, 0 FROM stages")?;
    let (groups, reclaim_max) = keyed(conn, "SELECT id, reclaim_max FROM user_groups")?;
    let (batches, undone) = keyed(conn, "SELECT id, undone FROM batches")?;
    let undone_batch = |b: Ref| b.id().and_then(|b| batches.slot(b)).map(|s| undone[s] == 1);

    // Leads, along the (owner, status) index: their ids, owners and references.
    let (mut lead_ids, mut owners) = (Vec::new(), Vec::new());
    {
        let mut stmt = conn.prepare(LEADS)?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let id: i64 = row.get(0)?;
            let owner = Ref::of(row.get_ref(1)?);
            if own {
                orphans.check("leads", "users", Some(id), owner, &users);
                orphans.check("leads", "stages", Some(id), Ref::of(row.get_ref(2)?), &stages);
            }
            lead_ids.push(id);
            owners.push(owner);
        }
    }
    let leads = Ids::new(&lead_ids);
    let mut owner_of = vec![Ref::Null; leads.slots()];
    for (id, owner) in lead_ids.iter().zip(owners) {
        if let Some(slot) = leads.slot(*id) {
            owner_of[slot] = owner;
        }
    }
    drop(lead_ids);
    if own {
        // A table without rowid: the check names no rows, as SQLite's does not.
        let mut stmt = conn.prepare("SELECT lead_id FROM lead_tags")?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            orphans.check("lead_tags", "leads", None, Ref::of(row.get_ref(0)?), &leads);
        }
    }

    let mut found = Found::default();
    let deliveries =
        deliveries_pass(conn, tz, own, &mut orphans, &mut found, [&users, &leads, &groups, &batches], &undone_batch)?;
    let mut log = Log::new(&deliveries, &leads);
    log.pass(conn, own, &mut orphans, [&users, &leads, &groups, &batches, &stages], &undone_batch, &reclaim_max)?;

    orphans.report(report);
    // A slot no lead holds has no owner and no history: never counted.
    let mut wrong_owner: Vec<i64> = (0..leads.slots())
        .filter(|&slot| owner_of[slot].is_not(log.leads[slot].last.unwrap_or(Ref::Null)))
        .map(|slot| leads.id_at(slot))
        .collect();
    wrong_owner.sort_unstable();
    let problems = &mut report.problems;
    tally(
        problems,
        "ownership",
        wrong_owner.len(),
        "lead(s) whose owner is not the one their activity log ends with: ",
        || first(&wrong_owner, ", ", |id| format!("#{id}")),
    );
    log.gaps.sort_unstable();
    tally(
        problems,
        "ownership",
        log.gaps.len(),
        "owner change(s) that do not start from the previous owner (a lost update or a missing activity row): ",
        || first(&log.gaps, ", ", |(lead, id)| format!("activity {id} (lead #{lead})")),
    );

    let unexplained: Vec<Ref> =
        deliveries.iter().zip(&log.explained).filter(|(_, seen)| !**seen).map(|(d, _)| Ref::Id(d.lead)).collect();
    log.missing.sort_unstable_by_key(|(b, l)| (*b, l.id()));
    log.missing.dedup();
    let missing: Vec<Ref> = log.missing.iter().map(|(_, lead)| *lead).collect();
    for (what, leads) in [
        ("delivery(ies) without the activity row that made them; leads ", &unexplained),
        ("delivery(ies) kept by an undone batch (limits would not regain that room); leads ", &found.undone),
        (
            "group hand-out(s) in the activity log without their delivery (limits would not count them); leads ",
            &missing,
        ),
    ] {
        tally(problems, "deliveries", leads.len(), what, || first(leads, ", ", lead));
    }

    let mut over_reclaimed: Vec<i64> =
        log.reclaims.iter().filter(|(_, (n, allowed))| n > allowed).map(|(lead, _)| *lead).collect();
    over_reclaimed.sort_unstable();
    drop(log);
    let mut deliveries = deliveries;
    limits::limits(conn, tz, &mut deliveries, report)?;

    let problems = &mut report.problems;
    tally(
        problems,
        "caps",
        found.over_cap.len(),
        "delivery(ies) to a member already at their open-lead cap; leads ",
        || first(&found.over_cap, ", ", lead),
    );
    tally(
        problems,
        "shifts",
        found.off_shift.len(),
        "delivery(ies) to someone off shift or away at the time: ",
        || first(&found.off_shift, ", ", String::clone),
    );
    tally(
        &mut report.warnings,
        "reclaim",
        over_reclaimed.len(),
        "lead(s) reclaimed more often than their group allows now (lowered since?): ",
        || first(&over_reclaimed, ", ", |id| format!("#{id}")),
    );
    Ok(())
}

/// Whether this file's references of the tables passed over are the ones
/// the passes check.
fn references_are_known(conn: &Connection) -> Result<bool> {
    let mut stmt =
        conn.prepare("SELECT \"from\", \"table\", coalesce(\"to\", 'id') FROM pragma_foreign_key_list(?1)")?;
    for (table, expected) in OWN_REFERENCES {
        let mut found = stmt
            .query_map([table], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        found.sort();
        let mut wanted: Vec<(String, String, String)> =
            expected.iter().map(|(c, p)| ((*c).to_string(), (*p).to_string(), "id".to_string())).collect();
        wanted.sort();
        if found != wanted {
            return Ok(false);
        }
    }
    Ok(true)
}

/// A small table's ids with one integer column each, by slot.
fn keyed(conn: &Connection, sql: &str) -> Result<(Ids, Vec<i64>)> {
    let mut stmt = conn.prepare(sql)?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))?;
    let (ids, values): (Vec<i64>, Vec<i64>) = rows.collect::<rusqlite::Result<Vec<_>>>()?.into_iter().unzip();
    let set = Ids::new(&ids);
    let mut by_slot = vec![0; set.slots()];
    for (id, value) in ids.iter().zip(values) {
        if let Some(slot) = set.slot(*id) {
            by_slot[slot] = value;
        }
    }
    Ok((set, by_slot))
}

fn lead(r: &Ref) -> String {
    match r {
        Ref::Id(id) => format!("#{id}"),
        _ => "#?".to_string(),
    }
}

/// Rows that point at rows that do not exist, by (table, parent table).
#[derive(Default)]
pub(super) struct Orphans(BTreeMap<(String, String), (i64, Vec<i64>)>);

impl Orphans {
    /// Called for each reference of millions of rows: the look-up is
    /// inlined, the rare orphan is not.
    #[inline]
    pub(super) fn check(&mut self, table: &str, parent: &str, rowid: Option<i64>, to: Ref, parents: &Ids) {
        if !parents.holds(to) {
            self.add(table, parent, rowid);
        }
    }

    #[cold]
    fn add(&mut self, table: &str, parent: &str, rowid: Option<i64>) {
        let entry = self.0.entry((table.to_string(), parent.to_string())).or_default();
        entry.0 += 1;
        entry.1.extend(rowid);
    }

    /// `foreign_key_check` of every table the passes do not cover (all of
    /// them, when `own` is false).
    fn by_sqlite(&mut self, conn: &Connection, own: bool) -> Result<()> {
        let tables = {
            let mut stmt = conn.prepare(
                "SELECT m.name FROM sqlite_schema m WHERE m.type = 'table' \
                 AND EXISTS (SELECT 1 FROM pragma_foreign_key_list(m.name)) ORDER BY m.name",
            )?;
            stmt.query_map([], |r| r.get::<_, String>(0))?.collect::<rusqlite::Result<Vec<_>>>()?
        };
        let mut stmt = conn.prepare("SELECT \"table\", rowid, parent FROM pragma_foreign_key_check(?1)")?;
        for table in tables.iter().filter(|t| !own || !OWN_REFERENCES.iter().any(|(o, _)| o == t)) {
            let rows = stmt.query_map([table], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, Option<i64>>(1)?, r.get::<_, String>(2)?))
            })?;
            for row in rows {
                let (table, rowid, parent) = row?;
                self.add(&table, &parent, rowid);
            }
        }
        Ok(())
    }

    fn report(self, report: &mut DoctorReport) {
        for ((table, parent), (n, mut rowids)) in self.0 {
            // SQLite names them in rowid order; an index pass meets them in another.
            rowids.sort_unstable();
            rowids.truncate(EXAMPLES);
            let what = if table == "leads" && parent == "users" {
                format!("{n} lead(s) owned by a user who does not exist")
            } else {
                format!("{n} row(s) of {table} point to a missing row of {parent}")
            };
            let examples = rowids.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
            report.problems.push(Finding { check: "orphans", detail: format!("{what} (rowids {examples})") });
        }
    }
}

/// What the deliveries pass found, in delivery id order.
#[derive(Default)]
struct Found {
    undone: Vec<Ref>,
    over_cap: Vec<Ref>,
    off_shift: Vec<String>,
}

/// One pass over the deliveries: their references, caps (A16), shifts
/// (A17, A19) and undone batches; returns them for the activity pass and
/// the limits.
fn deliveries_pass(
    conn: &Connection,
    tz: Tz,
    own: bool,
    orphans: &mut Orphans,
    found: &mut Found,
    [users, leads, groups, batches]: [&Ids; 4],
    undone_batch: &dyn Fn(Ref) -> Option<bool>,
) -> Result<Vec<Delivery>> {
    // Schedules in force at each delivery: only users who ever had one matter.
    let mut changes: IdMap<i64, Vec<(i64, Availability)>> = IdMap::default();
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
    let mut deliveries = Vec::new();
    let mut stmt =
        conn.prepare("SELECT id, group_id, user_id, lead_id, at, batch_id, open_before, cap FROM deliveries")?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let id: i64 = row.get(0)?;
        let [group, user, lead, at, batch, open_before, cap] =
            [1, 2, 3, 4, 5, 6, 7].map(|i| row.get_ref(i).map(Ref::of));
        let (group, user, lead, at, batch) = (group?, user?, lead?, at?, batch?);
        if own {
            orphans.check("deliveries", "user_groups", Some(id), group, groups);
            orphans.check("deliveries", "users", Some(id), user, users);
            orphans.check("deliveries", "leads", Some(id), lead, leads);
            orphans.check("deliveries", "batches", Some(id), batch, batches);
        }
        if let (Ref::Id(open), Ref::Id(cap)) = (open_before?, cap?)
            && open >= cap
        {
            found.over_cap.push(lead);
        }
        if undone_batch(batch) == Some(true) {
            found.undone.push(lead);
        }
        let (Ref::Id(group), Ref::Id(user), Ref::Id(lead), Ref::Id(at), Ref::Id(batch)) =
            (group, user, lead, at, batch)
        else {
            continue;
        };
        if let Some(history) = changes.get(&user)
            && let Some((_, in_force)) = history.iter().rev().find(|(b, _)| *b < batch)
            && let Some(why) = in_force.unavailable(tz, DateTime::from_timestamp(at, 0).unwrap_or_default())
        {
            found.off_shift.push(format!("#{lead} ({why})"));
        }
        deliveries.push(Delivery { id, group, user, lead, at, batch });
    }
    Ok(deliveries)
}

#[cfg(test)]
mod tests {
    use chrono_tz::Tz;

    use super::*;
    use crate::core::Store;
    use crate::core::doctor::{DoctorOptions, check};

    #[test]
    fn the_leads_pass_walks_a_covering_index() {
        let store = Store::open_in_memory().unwrap();
        let plan: String = store.conn().query_row(&format!("EXPLAIN QUERY PLAN {LEADS}"), [], |r| r.get(3)).unwrap();
        assert!(plan.contains("COVERING INDEX"), "{plan}");
    }

    #[test]
    fn the_passes_know_every_reference_of_their_tables() {
        // A new foreign key on leads, lead_tags, deliveries or activity
        // fails here: add it to OWN_REFERENCES and to the pass.
        let store = Store::open_in_memory().unwrap();
        assert!(references_are_known(store.conn()).unwrap());
    }

    #[test]
    fn the_passes_find_the_orphans_sqlite_finds() {
        let store = Store::open_in_memory().unwrap();
        store
            .conn()
            .execute_batch(
                "PRAGMA foreign_keys = OFF;
                 INSERT INTO users (id, name, role, created_at) VALUES (1, 'Ann', 'manager', 0);
                 INSERT INTO batches (id, actor_id, at, command) VALUES (1, 1, 0, 'test'), (2, 77, 0, 'orphan');
                 INSERT INTO leads (id, name, stage_id, owner_id, created_at, updated_at, status_changed_at) VALUES
                    (1, 'a', (SELECT min(id) FROM stages), 1, 0, 0, 0), (2, 'b', 999, 98, 0, 0, 0),
                    (3, 'c', (SELECT min(id) FROM stages), '7x', 0, 0, 0), (4, 'd', 2.0, 1.5, 0, 0, 0);
                 INSERT INTO lead_tags VALUES (1, 'x'), (55, 'y');
                 INSERT INTO activity (lead_id, at, actor_id, kind, from_owner_id, to_owner_id, from_stage_id,
                    to_stage_id, via, batch_id) VALUES (1, 0, 1, 'assigned', NULL, 1, NULL, NULL, 'manual', 1),
                    (66, 0, 5, 'assigned', 6, 7, 8, 9, 'manual', 3);
                 INSERT INTO deliveries (group_id, user_id, lead_id, at, batch_id) VALUES (9, 1, 1, 0, 1), (1, 9, 77, 0, 8);",
            )
            .unwrap();
        let report = check(&store, Tz::UTC, DoctorOptions::default()).unwrap();
        let ours: Vec<&Finding> = report.problems.iter().filter(|f| f.check == "orphans").collect();
        let mut sqlite = report.clone();
        sqlite.problems.clear();
        let mut all = Orphans::default();
        all.by_sqlite(store.conn(), false).unwrap();
        all.report(&mut sqlite);
        assert_eq!(ours, sqlite.problems.iter().collect::<Vec<_>>());
        assert!(ours.len() >= 8, "{ours:#?}");
    }
}
