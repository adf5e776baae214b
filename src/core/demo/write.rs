//! Bulk writing of what the office simulation decided that is not an owner
//! change by the core: the leads themselves, their tags, their `created` and
//! `status` rows, assignments by hand. Multi-row INSERTs, secondary indexes
//! dropped for the load and built again at the end.

use rusqlite::{Connection, Statement, params};

use super::calendar::Days;
use super::people::Draft;
use crate::core::error::Result;

/// A lead as the office hands it to the writer.
pub(super) struct LeadRow {
    pub id: i64,
    pub draft: Draft,
    pub source: &'static str,
    pub stage: i64,
    /// `None` for a lead the core's routing is about to hand out (its plan sets the owner).
    pub owner: Option<i64>,
    pub created: i64,
    pub updated: i64,
    pub status_at: i64,
    pub assigned_at: Option<i64>,
    pub tags: Vec<&'static str>,
    /// Set when the core's routing handed it out: its last update comes later than that.
    pub routed: bool,
}

#[derive(Clone, Copy)]
pub(super) enum Kind {
    Created,
    Assigned,
    Status,
}

#[derive(Clone, Copy)]
pub(super) enum Via {
    Manual,
    Bulk,
    Import,
}

/// One activity row to be. Kept small (a million leads queue a lot of
/// them): user and stage ids fit a byte, 0 meaning none.
#[derive(Clone, Copy)]
pub(super) struct Event {
    pub at: i64,
    pub seq: u32,
    pub lead: u32,
    pub kind: Kind,
    pub via: Via,
    pub actor: u8,
    pub to_owner: u8,
    pub from_stage: u8,
    pub to_stage: u8,
    /// One of the trade-show badge scans: says where the file came from.
    pub badge_scan: bool,
}

impl Event {
    pub fn new(at: i64, lead: i64, kind: Kind, via: Via) -> Event {
        Event {
            at,
            seq: 0,
            lead: u32::try_from(lead).unwrap_or(0),
            kind,
            via,
            actor: 0,
            to_owner: 0,
            from_stage: 0,
            to_stage: 0,
            badge_scan: false,
        }
    }
}

/// A small id (user, stage) as an event stores it.
pub(super) fn id8(id: Option<i64>) -> u8 {
    id.and_then(|v| u8::try_from(v).ok()).unwrap_or(0)
}

fn opt(id: u8) -> Option<i64> {
    (id != 0).then_some(i64::from(id))
}

const BADGE_SCANS: &str = "imported from badge-scans.csv (trade show)";

/// Rows per multi-row INSERT: fewer statement runs for the same rows.
const ROWS_PER_INSERT: usize = 16;

/// `INSERT INTO table (columns) VALUES (?, …), …` for `rows` rows.
fn insert_sql(table: &str, columns: &[&str], rows: usize) -> String {
    let one = format!("({})", vec!["?"; columns.len()].join(", "));
    format!("INSERT INTO {table} ({}) VALUES {}", columns.join(", "), vec![one; rows].join(", "))
}

const LEAD_COLUMNS: [&str; 14] = [
    "id",
    "name",
    "email",
    "phone",
    "company",
    "source",
    "stage_id",
    "owner_id",
    "created_at",
    "updated_at",
    "status_changed_at",
    "assigned_at",
    "email_key",
    "phone_key",
];

fn bind_lead(stmt: &mut Statement<'_>, base: usize, lead: &LeadRow) -> rusqlite::Result<()> {
    use crate::core::model::{email_key, phone_key};
    let d = &lead.draft;
    stmt.raw_bind_parameter(base + 1, lead.id)?;
    stmt.raw_bind_parameter(base + 2, d.name.as_str())?;
    stmt.raw_bind_parameter(base + 3, d.email.as_str())?;
    stmt.raw_bind_parameter(base + 4, d.phone.as_str())?;
    stmt.raw_bind_parameter(base + 5, d.company.as_str())?;
    stmt.raw_bind_parameter(base + 6, lead.source)?;
    stmt.raw_bind_parameter(base + 7, lead.stage)?;
    stmt.raw_bind_parameter(base + 8, lead.owner)?;
    stmt.raw_bind_parameter(base + 9, lead.created)?;
    stmt.raw_bind_parameter(base + 10, lead.updated)?;
    stmt.raw_bind_parameter(base + 11, lead.status_at)?;
    stmt.raw_bind_parameter(base + 12, lead.assigned_at)?;
    stmt.raw_bind_parameter(base + 13, email_key(&d.email))?;
    stmt.raw_bind_parameter(base + 14, phone_key(&d.phone))
}

const ACTIVITY_COLUMNS: [&str; 11] = [
    "lead_id",
    "at",
    "actor_id",
    "kind",
    "from_owner_id",
    "to_owner_id",
    "from_stage_id",
    "to_stage_id",
    "via",
    "batch_id",
    "note",
];

fn bind_event(stmt: &mut Statement<'_>, base: usize, ev: &Event, batch: i64) -> rusqlite::Result<()> {
    let (kind, via) = (
        match ev.kind {
            Kind::Created => "created",
            Kind::Assigned => "assigned",
            Kind::Status => "status",
        },
        match ev.via {
            Via::Manual => "manual",
            Via::Bulk => "bulk",
            Via::Import => "import",
        },
    );
    stmt.raw_bind_parameter(base + 1, (ev.lead != 0).then_some(i64::from(ev.lead)))?;
    stmt.raw_bind_parameter(base + 2, ev.at)?;
    stmt.raw_bind_parameter(base + 3, opt(ev.actor))?;
    stmt.raw_bind_parameter(base + 4, kind)?;
    stmt.raw_bind_parameter(base + 5, None::<i64>)?;
    stmt.raw_bind_parameter(base + 6, opt(ev.to_owner))?;
    stmt.raw_bind_parameter(base + 7, opt(ev.from_stage))?;
    stmt.raw_bind_parameter(base + 8, opt(ev.to_stage))?;
    stmt.raw_bind_parameter(base + 9, via)?;
    stmt.raw_bind_parameter(base + 10, batch)?;
    stmt.raw_bind_parameter(base + 11, ev.badge_scan.then_some(BADGE_SCANS))
}

/// Writes the office's rows. It lives as long as the whole history (its
/// statements are looked up in the connection's cache at each use, so it
/// holds no borrow of a write): the office day's batch of events by hand,
/// activity rows waiting to fill a multi-row INSERT, how many it wrote.
pub(super) struct Sink {
    pub rows: u64,
    batch: i64,
    batch_until: i64,
    days: Days,
    /// Notifications are written for assignments from here on.
    notify_from: i64,
    pending: Vec<(Event, i64)>,
    tags: Vec<(i64, &'static str)>,
    sql: Statements,
}

/// The SQL of each statement, made once.
struct Statements {
    lead_one: String,
    lead_many: String,
    tag_one: String,
    tag_many: String,
    activity_one: String,
    activity_many: String,
}

const INSERT_BATCH: &str = "INSERT INTO batches (actor_id, at, command) VALUES (NULL, ?1, 'demo')";
const INSERT_NOTIFICATION: &str = "INSERT INTO notifications (user_id, lead_id, at, text) \
     SELECT ?1, id, ?2, 'Lead #' || id || ' ' || name || ' is now yours' FROM leads WHERE id = ?3";
const TOUCH: &str = "UPDATE leads SET updated_at = ?2 WHERE id = ?1";

impl Sink {
    pub fn new(days: Days, notify_from: i64) -> Sink {
        Sink {
            rows: 0,
            batch: 0,
            batch_until: i64::MIN,
            days,
            notify_from,
            pending: Vec::with_capacity(ROWS_PER_INSERT),
            tags: Vec::new(),
            sql: Statements {
                lead_one: insert_sql("leads", &LEAD_COLUMNS, 1),
                lead_many: insert_sql("leads", &LEAD_COLUMNS, ROWS_PER_INSERT),
                tag_one: insert_sql("lead_tags", &["lead_id", "tag"], 1),
                tag_many: insert_sql("lead_tags", &["lead_id", "tag"], ROWS_PER_INSERT),
                activity_one: insert_sql("activity", &ACTIVITY_COLUMNS, 1),
                activity_many: insert_sql("activity", &ACTIVITY_COLUMNS, ROWS_PER_INSERT),
            },
        }
    }

    /// Insert leads and their tags.
    pub fn leads(&mut self, conn: &Connection, leads: &[LeadRow]) -> Result<()> {
        let mut runs = leads.chunks_exact(ROWS_PER_INSERT);
        if runs.len() > 0 {
            let mut many = conn.prepare_cached(&self.sql.lead_many)?;
            for run in runs.by_ref() {
                for (i, lead) in run.iter().enumerate() {
                    bind_lead(&mut many, i * LEAD_COLUMNS.len(), lead)?;
                }
                many.raw_execute()?;
            }
        }
        if !runs.remainder().is_empty() {
            let mut one = conn.prepare_cached(&self.sql.lead_one)?;
            for lead in runs.remainder() {
                bind_lead(&mut one, 0, lead)?;
                one.raw_execute()?;
            }
        }
        self.tags.clear();
        self.tags.extend(leads.iter().flat_map(|l| l.tags.iter().map(move |t| (l.id, *t))));
        let mut runs = self.tags.chunks_exact(ROWS_PER_INSERT);
        if runs.len() > 0 {
            let mut many = conn.prepare_cached(&self.sql.tag_many)?;
            for run in runs.by_ref() {
                for (i, (lead, tag)) in run.iter().enumerate() {
                    many.raw_bind_parameter(2 * i + 1, lead)?;
                    many.raw_bind_parameter(2 * i + 2, tag)?;
                }
                many.raw_execute()?;
            }
        }
        if !runs.remainder().is_empty() {
            let mut one = conn.prepare_cached(&self.sql.tag_one)?;
            for (lead, tag) in runs.remainder() {
                one.execute(params![lead, tag])?;
            }
        }
        Ok(())
    }

    /// The routing plan stamped routed leads as updated when handed out;
    /// put back the later last update of those touched after their last
    /// status change (the last write sets the rest to that change at once).
    pub fn touch(&mut self, conn: &Connection, leads: &[LeadRow], handed_out: i64) -> Result<()> {
        let mut touch = conn.prepare_cached(TOUCH)?;
        for lead in leads.iter().filter(|l| l.routed && l.updated != handed_out.max(l.status_at)) {
            touch.execute(params![lead.id, lead.updated])?;
        }
        Ok(())
    }

    /// One activity row, in the batch of its office day (and the new
    /// owner's notification when it is recent).
    pub fn emit(&mut self, conn: &Connection, ev: &Event) -> Result<()> {
        if self.batch == 0 || ev.at >= self.batch_until {
            self.batch = conn.prepare_cached(INSERT_BATCH)?.insert(params![ev.at])?;
            self.batch_until = self.days.of(ev.at).1;
        }
        self.pending.push((*ev, self.batch));
        if self.pending.len() == ROWS_PER_INSERT {
            let mut many = conn.prepare_cached(&self.sql.activity_many)?;
            for (i, (ev, batch)) in self.pending.iter().enumerate() {
                bind_event(&mut many, i * ACTIVITY_COLUMNS.len(), ev, *batch)?;
            }
            many.raw_execute()?;
            self.pending.clear();
        }
        self.rows += 1;
        if let (Kind::Assigned, Some(user)) = (ev.kind, opt(ev.to_owner))
            && opt(ev.actor) != Some(user)
            && ev.at >= self.notify_from
        {
            conn.prepare_cached(INSERT_NOTIFICATION)?.execute(params![user, ev.at, i64::from(ev.lead)])?;
        }
        Ok(())
    }

    /// Write the activity rows still waiting: before the core writes its own,
    /// so that the log stays in time order.
    pub fn flush(&mut self, conn: &Connection) -> Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let mut one = conn.prepare_cached(&self.sql.activity_one)?;
        for (ev, batch) in &self.pending {
            bind_event(&mut one, 0, ev, *batch)?;
            one.raw_execute()?;
        }
        self.pending.clear();
        Ok(())
    }
}

/// Indexes the office needs while the history is written: the core's
/// rotation counts deliveries along the first and open leads along the second.
const KEPT_INDEXES: [&str; 2] = ["deliveries_limits", "leads_owner_stage"];

/// Drop the secondary indexes of the bulk-loaded tables and the triggers
/// that keep the search index in step with leads, returning the SQL that
/// makes them again, exactly as the migrations wrote it. Measured on a
/// 1,000,000-lead file: keeping them during the load was 30–60 % slower
/// than building them again at the end.
pub(super) fn drop_indexes(conn: &Connection) -> Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') AND sql IS NOT NULL \
         AND tbl_name IN ('leads', 'activity', 'lead_tags', 'deliveries', 'notifications') ORDER BY rowid",
    )?;
    let found: Vec<(String, String, String)> =
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<rusqlite::Result<_>>()?;
    drop(stmt);
    let mut again = Vec::with_capacity(found.len());
    for (kind, name, sql) in found {
        if KEPT_INDEXES.contains(&name.as_str()) {
            continue;
        }
        let kind = if kind == "trigger" { "TRIGGER" } else { "INDEX" };
        conn.execute_batch(&format!("DROP {kind} \"{}\"", name.replace('"', "\"\"")))?;
        again.push(sql);
    }
    Ok(again)
}

/// Build again what [`drop_indexes`] dropped, and the search index of every lead.
pub(super) fn rebuild_indexes(conn: &Connection, indexes: &[String]) -> Result<()> {
    for sql in indexes {
        conn.execute_batch(sql)?;
    }
    if !indexes.is_empty() {
        // The search index's triggers were off during the load: index every lead at once.
        conn.execute_batch("INSERT INTO leads_search (leads_search) VALUES ('rebuild');")?;
    }
    Ok(())
}
