use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};

use super::Store;
use super::owner_hook::NewOwner;
use crate::core::context::Ctx;
use crate::core::error::{Error, Result};

/// One activity row to write. Owner and stage fields are ids; `via` says how
/// the change came about (`manual`, `bulk`, `rule:3`, `group:2`, …).
#[derive(Debug, Clone, Default)]
pub struct Change {
    pub lead: Option<i64>,
    pub kind: String,
    pub from_owner: Option<i64>,
    pub to_owner: Option<i64>,
    pub from_stage: Option<i64>,
    pub to_stage: Option<i64>,
    pub via: String,
    pub note: Option<String>,
    pub detail: Option<String>,
}

impl Change {
    /// An owner change; the kind follows from the two owners.
    pub fn owner(lead: i64, from: Option<i64>, to: Option<i64>, via: impl Into<String>) -> Change {
        let kind = match (from, to) {
            (None, Some(_)) => "assigned",
            (Some(_), Some(_)) => "reassigned",
            _ => "unassigned",
        };
        Change {
            lead: Some(lead),
            kind: kind.into(),
            from_owner: from,
            to_owner: to,
            via: via.into(),
            ..Change::default()
        }
    }

    pub fn status(lead: i64, from: i64, to: i64, via: impl Into<String>) -> Change {
        Change {
            lead: Some(lead),
            kind: "status".into(),
            from_stage: Some(from),
            to_stage: Some(to),
            via: via.into(),
            ..Change::default()
        }
    }

    /// An event that is not an owner or stage change (a note, a new lead, a user edit).
    pub fn event(lead: Option<i64>, kind: &str, via: &str, note: Option<String>) -> Change {
        Change { lead, kind: kind.into(), via: via.into(), note, ..Change::default() }
    }
}

/// The open write transaction of one user action. It owns the batch id, and
/// it is the only code that writes activity rows and notifications.
pub struct Writer<'t> {
    tx: Transaction<'t>,
    batch: i64,
    actor: Option<i64>,
    now: i64,
    notify: bool,
    changes: usize,
    /// Leads that got a new owner, gathered only when a `notify_command` will hear of them.
    new_owners: Option<Vec<NewOwner>>,
}

/// What a write returned, with the batch id when it changed anything.
#[derive(Debug)]
pub struct Written<T> {
    pub value: T,
    pub batch: Option<i64>,
}

/// Page cache sizes (negative: KiB, as `PRAGMA cache_size` takes them).
const WRITE_CACHE_KIB: i64 = -32_768;
const READ_CACHE_KIB: i64 = -2_000;

impl Store {
    /// Run `work` as one `BEGIN IMMEDIATE` transaction under a fresh batch id.
    /// If `work` fails nothing is written; if it recorded no change the batch
    /// id is released and `batch` is `None`.
    pub fn write<T>(
        &mut self,
        ctx: &Ctx,
        command: &str,
        work: impl FnOnce(&mut Writer<'_>) -> Result<T>,
    ) -> Result<Written<T>> {
        self.write_or_preview(ctx, command, false, work)
    }

    /// As [`Store::write`], but with `dry_run` the same work runs and is then
    /// rolled back, so a preview shows exactly what the real run would do.
    pub fn write_or_preview<T>(
        &mut self,
        ctx: &Ctx,
        command: &str,
        dry_run: bool,
        work: impl FnOnce(&mut Writer<'_>) -> Result<T>,
    ) -> Result<Written<T>> {
        if self.references_off {
            self.conn.pragma_update(None, "foreign_keys", true)?;
            self.references_off = false;
        }
        self.write_checked(ctx, command, dry_run, work)
    }

    /// As [`Store::write_or_preview`], for a change of owners made through a
    /// plan (bulk assign, rotation, routing): the plan's references are
    /// checked once for the whole set when it is applied, not by SQLite row
    /// by row, which cost a sixth of a 100,000-lead change (a look-up of the
    /// lead, the owner, the batch for each activity row, notification and
    /// delivery). Its leads are proven to exist by the update that matches
    /// each one, its owners and groups by [`Writer::plan_apply`]. Whatever
    /// else `work` writes may refer only to rows it read or wrote in this
    /// same transaction (an import's stages and owners, resolved by name
    /// inside it, and the leads it inserts), never to an id it was handed.
    pub fn write_plan<T>(
        &mut self,
        ctx: &Ctx,
        command: &str,
        dry_run: bool,
        work: impl FnOnce(&mut Writer<'_>) -> Result<T>,
    ) -> Result<Written<T>> {
        // The pragma is a no-op inside a transaction: it must come before BEGIN.
        self.conn.pragma_update(None, "foreign_keys", false)?;
        let written = self.write_checked(ctx, command, dry_run, work);
        // Every other write relies on SQLite's checks: if they cannot be
        // turned back on now, the next write turns them on before it starts.
        self.references_off = self.conn.pragma_update(None, "foreign_keys", true).is_err();
        written
    }

    fn write_checked<T>(
        &mut self,
        ctx: &Ctx,
        command: &str,
        dry_run: bool,
        work: impl FnOnce(&mut Writer<'_>) -> Result<T>,
    ) -> Result<Written<T>> {
        // A large change (an import, a bulk assign) touches many index pages:
        // it gets at least a 32 MiB page cache for its length, where reads
        // keep SQLite's 2 MiB, so a console that stays open stays small. A
        // caller that sized a bigger one to its rows (an import) keeps it.
        let cache: i64 = self.conn.pragma_query_value(None, "cache_size", |r| r.get(0))?;
        if cache >= WRITE_CACHE_KIB {
            self.conn.pragma_update(None, "cache_size", WRITE_CACHE_KIB)?;
        }
        let written = self.write_in_transaction(ctx, command, dry_run, work).map(|(written, new_owners)| {
            // Committed: the configured program hears of it, outside the transaction.
            if let (Some(hook), Some(batch)) = (self.owner_hook.as_mut(), written.batch) {
                hook.notify(&self.conn, batch, &new_owners);
            }
            written
        });
        // The change is committed (or not) by now; a cache left large is no
        // reason to report a saved change as failed.
        if let Err(e) = self.conn.pragma_update(None, "cache_size", READ_CACHE_KIB) {
            tracing::warn!("could not shrink the page cache after a write: {e}");
        }
        written.map_err(|e| no_room(e, &self.path))
    }

    fn write_in_transaction<T>(
        &self,
        ctx: &Ctx,
        command: &str,
        dry_run: bool,
        work: impl FnOnce(&mut Writer<'_>) -> Result<T>,
    ) -> Result<(Written<T>, Vec<NewOwner>)> {
        let tx = begin_immediate(&self.conn, &self.path)?;
        let now = ctx.now_ts();
        let actor = ctx.actor.user_id();
        tx.execute("INSERT INTO batches (actor_id, at, command) VALUES (?1, ?2, ?3)", params![actor, now, command])?;
        let batch = tx.last_insert_rowid();
        let new_owners = self.owner_hook.as_ref().map(|_| Vec::new());
        let mut writer = Writer { tx, batch, actor, now, notify: ctx.notify_on_assign, changes: 0, new_owners };
        let value = work(&mut writer)?;
        if dry_run {
            writer.tx.rollback()?;
            return Ok((Written { value, batch: None }, Vec::new()));
        }
        let batch = if writer.changes == 0 {
            writer.tx.execute("DELETE FROM batches WHERE id = ?1", [batch])?;
            None
        } else {
            Some(batch)
        };
        let new_owners = writer.new_owners.take().unwrap_or_default();
        writer.tx.commit()?;
        Ok((Written { value, batch }, new_owners))
    }
}

/// A write that failed for want of disk space (or of a writable disk) was
/// rolled back whole; say so in words a user can act on.
fn no_room(e: Error, path: &std::path::Path) -> Error {
    let Error::Sql(sql) = &e else { return e };
    match sql.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DiskFull) => Error::invalid(format!(
            "{}: the disk is full (or the database reached its size limit); nothing was written",
            path.display()
        )),
        Some(rusqlite::ErrorCode::SystemIoFailure) => Error::invalid(format!(
            "{}: the disk refused a write (full, over a size limit, or failing); nothing was written",
            path.display()
        )),
        _ => e,
    }
}

/// `BEGIN IMMEDIATE` waits up to the busy timeout (5 s) for another seat's
/// write to finish; a long one (a 100,000-row import on a slow disk) gets
/// this many such waits in all before the user is told the database is busy.
const BUSY_ATTEMPTS: u32 = 3;

/// `BEGIN IMMEDIATE`, retried when another seat held the write lock for the
/// whole busy timeout (the documented "busy, retried"); after
/// [`BUSY_ATTEMPTS`] waits a clear one-line error, never "database is locked".
fn begin_immediate<'c>(conn: &'c Connection, path: &std::path::Path) -> Result<Transaction<'c>> {
    let mut attempt = 1;
    loop {
        // `&mut self` on the caller guarantees no transaction is open on this connection.
        match Transaction::new_unchecked(conn, TransactionBehavior::Immediate) {
            Ok(tx) => return Ok(tx),
            Err(e) if super::open::is_busy(&e) && attempt < BUSY_ATTEMPTS => {
                attempt += 1;
                tracing::warn!(
                    "{}: busy for the whole busy timeout; retrying ({attempt}/{BUSY_ATTEMPTS})",
                    path.display()
                );
            }
            Err(e) if super::open::is_busy(&e) => return Err(super::open::busy(path)),
            Err(e) => return Err(e.into()),
        }
    }
}

impl Writer<'_> {
    pub fn conn(&self) -> &Connection {
        &self.tx
    }

    pub fn batch(&self) -> i64 {
        self.batch
    }

    pub fn now(&self) -> i64 {
        self.now
    }

    pub fn actor(&self) -> Option<i64> {
        self.actor
    }

    /// Open another batch in this transaction, made by `actor` at `at`, and
    /// write what follows under it, at that time. A generated history (the
    /// demo) is one transaction holding two years of an office's batches:
    /// each routing run is stamped with its own moment, as it was made.
    pub fn begin_batch(&mut self, at: i64, actor: Option<i64>, command: &str) -> Result<i64> {
        self.tx
            .prepare_cached("INSERT INTO batches (actor_id, at, command) VALUES (?1, ?2, ?3)")?
            .execute(params![actor, at, command])?;
        self.batch = self.tx.last_insert_rowid();
        self.now = at;
        self.actor = actor;
        Ok(self.batch)
    }

    /// Write one activity row, and a notification when a lead gets a new owner.
    pub fn record(&mut self, change: Change) -> Result<()> {
        self.tx
            .prepare_cached(
                "INSERT INTO activity (lead_id, at, actor_id, kind, from_owner_id, to_owner_id, \
                 from_stage_id, to_stage_id, via, batch_id, note, detail) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            )?
            .execute(params![
                change.lead,
                self.now,
                self.actor,
                change.kind,
                change.from_owner,
                change.to_owner,
                change.from_stage,
                change.to_stage,
                change.via,
                self.batch,
                change.note,
                change.detail,
            ])?;
        self.changes += 1;
        if let (Some(lead), Some(owner)) = (change.lead, change.to_owner)
            && change.from_owner != change.to_owner
        {
            self.notify_owner(lead, owner)?;
            self.gather_new_owner(lead, owner, &change.via)?;
        }
        Ok(())
    }

    /// Write the `created` rows of leads just inserted in this write: one
    /// statement per run of consecutive ids, so an import of 100,000 leads
    /// costs one statement, not 100,000.
    pub fn record_created(&mut self, ids: &[i64], via: &str) -> Result<()> {
        let mut stmt = self.tx.prepare_cached(
            "INSERT INTO activity (lead_id, at, actor_id, kind, to_stage_id, via, batch_id) \
             SELECT id, ?3, ?4, 'created', stage_id, ?5, ?6 FROM leads WHERE id BETWEEN ?1 AND ?2 ORDER BY id",
        )?;
        for run in ids.chunk_by(|a, b| *b == a + 1) {
            if let (Some(first), Some(last)) = (run.first(), run.last()) {
                stmt.execute(params![first, last, self.now, self.actor, via, self.batch])?;
            }
        }
        drop(stmt);
        self.changes += ids.len();
        Ok(())
    }

    /// Note a new owner for the `notify_command`, when one is configured;
    /// an actor taking a lead for themselves is not told about it.
    fn gather_new_owner(&mut self, lead: i64, owner: i64, via: &str) -> Result<()> {
        if self.new_owners.is_none() || Some(owner) == self.actor {
            return Ok(());
        }
        let lead_name: String =
            self.tx.prepare_cached("SELECT name FROM leads WHERE id = ?1")?.query_row([lead], |r| r.get(0))?;
        if let Some(gathered) = self.new_owners.as_mut() {
            gathered.push(NewOwner { owner, lead, lead_name, via: via.to_string() });
        }
        Ok(())
    }

    fn notify_owner(&mut self, lead: i64, owner: i64) -> Result<()> {
        if !self.notify || Some(owner) == self.actor {
            return Ok(());
        }
        self.tx
            .prepare_cached(
                "INSERT INTO notifications (user_id, lead_id, at, text) \
                 SELECT ?1, id, ?2, 'Lead #' || id || ' ' || name || ' is now yours' FROM leads WHERE id = ?3",
            )?
            .execute(params![owner, self.now, lead])?;
        Ok(())
    }

    /// Count changes written by set-based SQL run through [`Writer::conn`],
    /// so the batch is kept.
    pub fn count_bulk(&mut self, rows: usize) {
        self.changes += rows;
    }

    pub fn notifications_enabled(&self) -> bool {
        self.notify
    }
}

/// One planned owner change. Bulk operations, rotation and routing all fill
/// a plan and apply it in one set-based step, so every owner change is
/// written (lead, activity row, delivery, notification) by the same code.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PlanRow {
    pub lead: i64,
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub via: String,
    /// Set when the change is a delivery of this group's distribution (A10).
    pub delivery_group: Option<i64>,
    /// JSON kept with the activity row for `explain` (R6).
    pub detail: Option<String>,
    /// For a delivery: the open leads the new owner held before it, and their cap (A16).
    pub open_before: Option<i64>,
    pub cap: Option<i64>,
    /// The lead's name when the planner read it anyway, for the new owner's
    /// notification (saves looking each lead up again).
    pub lead_name: Option<String>,
}

impl Writer<'_> {
    /// Start an empty plan in this transaction.
    ///
    /// The table is made once per connection and emptied after: dropping and
    /// making it again would change the schema, and every statement that
    /// reads the plan would be prepared again (a long history of plans, the
    /// demo's, spent a fifth of its time doing that).
    pub fn plan_reset(&self) -> Result<()> {
        self.tx.execute_batch(
            "CREATE TEMP TABLE IF NOT EXISTS owner_plan (\
                lead_id INTEGER PRIMARY KEY, from_owner INTEGER, to_owner INTEGER, via TEXT NOT NULL, \
                delivery_group INTEGER, detail TEXT, open_before INTEGER, cap INTEGER, lead_name TEXT);",
        )?;
        self.tx.prepare_cached("DELETE FROM temp.owner_plan")?.execute([])?;
        Ok(())
    }

    pub fn plan_push(&self, row: &PlanRow) -> Result<()> {
        self.tx
            .prepare_cached(
                "INSERT INTO temp.owner_plan \
                 (lead_id, from_owner, to_owner, via, delivery_group, detail, open_before, cap, lead_name) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?
            .execute(params![
                row.lead,
                row.from,
                row.to,
                row.via,
                row.delivery_group,
                row.detail,
                row.open_before,
                row.cap,
                row.lead_name
            ])?;
        Ok(())
    }

    /// Fill the plan from a SELECT yielding (lead_id, from_owner, to_owner, via,
    /// delivery_group, detail, lead_name); returns the rows added.
    pub fn plan_fill(&self, select: &str, params: &[rusqlite::types::Value]) -> Result<usize> {
        let sql = format!(
            "INSERT INTO temp.owner_plan (lead_id, from_owner, to_owner, via, delivery_group, detail, lead_name) \
             {select}"
        );
        Ok(self.tx.execute(&sql, rusqlite::params_from_iter(params))?)
    }

    /// Drop planned rows that would not change the owner; returns how many.
    pub fn plan_drop_noops(&self) -> Result<usize> {
        Ok(self.tx.execute("DELETE FROM temp.owner_plan WHERE from_owner IS to_owner", [])?)
    }

    /// Every new owner the plan names is an active user, and every group it
    /// counts a delivery for exists, as this transaction reads them: a user
    /// another seat deactivated after this command looked them up gets no
    /// leads, and without SQLite's row-by-row checks (see
    /// [`Store::write_plan`]) nothing refers to a row that is gone. Its
    /// leads exist: the update matches each one, with the owner it had.
    fn plan_names_active_owners_and_live_groups(&self) -> Result<()> {
        // One pass over the plan finds the first row naming either.
        let refused: Option<(Option<i64>, Option<String>, bool)> = self
            .tx
            .prepare_cached(
                "SELECT p.to_owner, u.name, u.id IS NULL OR u.active = 0 FROM temp.owner_plan p \
                 LEFT JOIN users u ON u.id = p.to_owner \
                 WHERE (p.to_owner IS NOT NULL AND (u.id IS NULL OR u.active = 0)) \
                    OR (p.delivery_group IS NOT NULL \
                        AND NOT EXISTS (SELECT 1 FROM user_groups g WHERE g.id = p.delivery_group)) \
                 LIMIT 1",
            )?
            .query_row([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        Err(Error::invalid(match refused {
            None => return Ok(()),
            Some((Some(_), Some(name), true)) => {
                format!("user '{name}' is deactivated and cannot own leads; nothing was written")
            }
            Some((Some(id), None, true)) => format!("user #{id} no longer exists; nothing was written"),
            Some(_) => "the group was deleted while this ran; nothing was written".to_string(),
        }))
    }

    /// Apply the plan: owners, one activity row each, deliveries, notifications.
    /// Each lead must still have the owner the plan expected.
    pub fn plan_apply(&mut self) -> Result<usize> {
        let planned: i64 =
            self.tx.prepare_cached("SELECT count(*) FROM temp.owner_plan")?.query_row([], |r| r.get(0))?;
        self.plan_names_active_owners_and_live_groups()?;
        let changed = self
            .tx
            .prepare_cached(
                // Not UPDATE … FROM: SQLite materialises that join first, which costs
                // a third more than looking each planned lead up by its key.
                "UPDATE leads SET updated_at = ?1, (owner_id, assigned_at) = \
                (SELECT to_owner, CASE WHEN to_owner IS NULL THEN NULL ELSE ?1 END \
                 FROM temp.owner_plan p WHERE p.lead_id = leads.id) \
             WHERE id IN (SELECT lead_id FROM temp.owner_plan) \
               AND owner_id IS (SELECT from_owner FROM temp.owner_plan p WHERE p.lead_id = leads.id)",
            )?
            .execute([self.now])?;
        if changed as i64 != planned {
            return Err(crate::core::error::Error::invalid(
                "some leads changed owner while this ran; nothing was written, try again",
            ));
        }
        self.tx.prepare_cached(
            "INSERT INTO activity (lead_id, at, actor_id, kind, from_owner_id, to_owner_id, via, batch_id, detail) \
             SELECT lead_id, ?1, ?2, \
                CASE WHEN to_owner IS NULL THEN 'unassigned' WHEN from_owner IS NULL THEN 'assigned' ELSE 'reassigned' END, \
                from_owner, to_owner, via, ?3, detail FROM temp.owner_plan ORDER BY lead_id",
        )?
        .execute(params![self.now, self.actor, self.batch])?;
        self.tx
            .prepare_cached(
                "INSERT INTO deliveries (group_id, user_id, lead_id, at, batch_id, open_before, cap) \
             SELECT delivery_group, to_owner, lead_id, ?1, ?2, open_before, cap FROM temp.owner_plan \
             WHERE delivery_group IS NOT NULL AND to_owner IS NOT NULL ORDER BY lead_id",
            )?
            .execute(params![self.now, self.batch])?;
        if self.notify {
            self.tx
                .prepare_cached(
                    "INSERT INTO notifications (user_id, lead_id, at, text) \
                 SELECT p.to_owner, p.lead_id, ?1, 'Lead #' || p.lead_id || ' ' || \
                    coalesce(p.lead_name, (SELECT l.name FROM leads l WHERE l.id = p.lead_id)) || ' is now yours' \
                 FROM temp.owner_plan p \
                 WHERE p.to_owner IS NOT NULL AND p.to_owner IS NOT ?2 ORDER BY p.lead_id",
                )?
                .execute(params![self.now, self.actor])?;
        }
        if let Some(gathered) = self.new_owners.as_mut() {
            let mut stmt = self.tx.prepare_cached(
                "SELECT p.to_owner, p.lead_id, l.name, p.via FROM temp.owner_plan p JOIN leads l ON l.id = p.lead_id \
                 WHERE p.to_owner IS NOT NULL AND p.to_owner IS NOT ?1 ORDER BY p.lead_id",
            )?;
            let rows = stmt.query_map([self.actor], |r| {
                Ok(NewOwner { owner: r.get(0)?, lead: r.get(1)?, lead_name: r.get(2)?, via: r.get(3)? })
            })?;
            for row in rows {
                gathered.push(row?);
            }
        }
        self.tx.prepare_cached("DELETE FROM temp.owner_plan")?.execute([])?;
        self.changes += changed;
        Ok(changed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::Ctx;

    /// A store with user 1 (Tom) and two unassigned leads, 1 and 2.
    fn tom_and_two_leads() -> (Store, Ctx) {
        use crate::core::leads;
        use crate::core::model::NewLead;

        let mut store = Store::open_in_memory().unwrap();
        let ctx = Ctx::new(chrono_tz::Tz::UTC);
        store
            .write(&ctx, "setup", |w| {
                w.conn().execute("INSERT INTO users (id, name, role, created_at) VALUES (1, 'Tom', 'agent', 0)", [])?;
                for name in ["Ada", "Bo"] {
                    leads::insert(w, &NewLead { name: name.into(), ..NewLead::default() }, 1, None, "manual")?;
                }
                Ok(())
            })
            .unwrap();
        (store, ctx)
    }

    #[test]
    fn a_batch_begun_inside_a_write_stamps_what_follows() {
        let mut store = Store::open_in_memory().unwrap();
        let ctx = Ctx::new(chrono_tz::Tz::UTC);
        let written = store
            .write(&ctx, "first", |w| {
                w.conn()
                    .execute("INSERT INTO users (id, name, role, created_at) VALUES (1, 'Priya', 'admin', 0)", [])?;
                let first = w.batch();
                w.record(Change::event(None, "note", "manual", Some("one".into())))?;
                let second = w.begin_batch(1_000, Some(1), "later")?;
                w.record(Change::event(None, "note", "manual", Some("two".into())))?;
                assert_eq!((w.batch(), w.now(), w.actor()), (second, 1_000, Some(1)));
                Ok((first, second))
            })
            .unwrap();
        let (first, second) = written.value;
        assert!(second > first);
        let rows: Vec<(i64, i64, Option<i64>, String)> = store
            .conn()
            .prepare("SELECT a.batch_id, a.at, a.actor_id, b.command FROM activity a JOIN batches b ON b.id = a.batch_id ORDER BY a.id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(rows[0].0, first);
        assert_eq!(rows[0].3, "first");
        assert_eq!(rows[1], (second, 1_000, Some(1), "later".to_string()));
    }

    #[test]
    fn each_plan_starts_empty_even_after_a_rolled_back_preview() {
        let (mut store, ctx) = tom_and_two_leads();
        let plan = |lead: i64, to: i64| PlanRow {
            lead,
            from: None,
            to: Some(to),
            via: "manual".into(),
            delivery_group: None,
            detail: None,
            ..PlanRow::default()
        };
        // A preview plans lead 1 and is rolled back with its plan.
        store
            .write_or_preview(&ctx, "preview", true, |w| {
                w.plan_reset()?;
                w.plan_push(&plan(1, 1))?;
                w.plan_apply()
            })
            .unwrap();
        // Two plans in one write: the second applies only its own row.
        let applied = store
            .write(&ctx, "two plans", |w| {
                w.plan_reset()?;
                w.plan_push(&plan(1, 1))?;
                let first = w.plan_apply()?;
                w.plan_reset()?;
                w.plan_push(&plan(2, 1))?;
                Ok((first, w.plan_apply()?))
            })
            .unwrap();
        assert_eq!(applied.value, (1, 1));
        let owners: i64 =
            store.conn().query_row("SELECT count(*) FROM leads WHERE owner_id = 1", [], |r| r.get(0)).unwrap();
        assert_eq!(owners, 2);
    }

    /// A plan written without SQLite's row-by-row checks still refers only to
    /// rows that exist and gives leads only to active users: one such owner
    /// or group refuses the whole write, and the checks are back on for the
    /// writes that follow.
    #[test]
    fn a_plan_naming_a_missing_or_deactivated_owner_or_a_missing_group_writes_nothing() {
        let (mut store, ctx) = tom_and_two_leads();
        let row = |lead: i64, to: i64, group: Option<i64>| PlanRow {
            lead,
            to: Some(to),
            via: "bulk".into(),
            delivery_group: group,
            ..PlanRow::default()
        };
        store
            .conn()
            .execute("INSERT INTO users (id, name, role, active, created_at) VALUES (2, 'Ex', 'agent', 0, 0)", [])
            .unwrap();
        let refusals = [
            (row(2, 99, None), "user #99 no longer exists"),
            (row(2, 2, None), "user 'Ex' is deactivated"),
            (row(2, 1, Some(77)), "the group was deleted"),
        ];
        for (refused_row, why) in refusals {
            let refused = store.write_plan(&ctx, "assign", false, |w| {
                w.plan_reset()?;
                w.plan_push(&row(1, 1, None))?;
                w.plan_push(&refused_row)?;
                w.plan_apply()
            });
            let error = refused.unwrap_err().to_string();
            assert!(error.contains(why) && error.contains("nothing was written"), "{error}");
        }
        let count = |sql: &str| store.conn().query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap();
        assert_eq!(count("SELECT count(*) FROM leads WHERE owner_id IS NOT NULL"), 0);
        assert_eq!(count("SELECT count(*) FROM activity WHERE kind <> 'created'"), 0);
        assert_eq!(count("PRAGMA foreign_keys"), 1);
        let orphan = store.write(&ctx, "orphan", |w| {
            w.record(Change::owner(42, None, Some(1), "manual"))?;
            Ok(())
        });
        assert!(orphan.is_err(), "SQLite checks references again after a planned write");
        let applied = store
            .write_plan(&ctx, "assign", false, |w| {
                w.plan_reset()?;
                w.plan_push(&row(1, 1, None))?;
                w.plan_apply()
            })
            .unwrap();
        assert_eq!(applied.value, 1);
    }

    /// A write gets at least the write cache, and keeps a bigger one its
    /// caller sized (an import's, about 2 KiB a row); reads get the small one back.
    #[test]
    fn a_write_keeps_a_bigger_page_cache_its_caller_asked_for() {
        let mut store = Store::open_in_memory().unwrap();
        let ctx = Ctx::new(chrono_tz::Tz::UTC);
        let during = |store: &mut Store| {
            store
                .write(&ctx, "look", |w| Ok(w.conn().pragma_query_value(None, "cache_size", |r| r.get::<_, i64>(0))?))
        };
        assert_eq!(during(&mut store).unwrap().value, WRITE_CACHE_KIB);
        store.conn().pragma_update(None, "cache_size", -200_000).unwrap();
        assert_eq!(during(&mut store).unwrap().value, -200_000);
        let after: i64 = store.conn().pragma_query_value(None, "cache_size", |r| r.get(0)).unwrap();
        assert_eq!(after, READ_CACHE_KIB);
    }
}
