//! Leads: reading one, creating, moving between stages, notes.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::context::Ctx;
use super::error::{Error, Result, shown};
use super::filter::Filter;
use super::model::{Lead, NewLead, Stage, User, email_key, normalise_tags, phone_key};
use super::store::{Change, Store, Writer};
use super::{search, stages, users};

/// Tags are joined with the ASCII unit separator, which no tag may contain.
pub(crate) const TAG_SEPARATOR: char = '\u{1f}';

/// The SELECT list every lead query shares, over `leads l`.
pub(crate) const SELECT_LEAD: &str = "SELECT l.id, l.name, l.email, l.phone, l.company, l.source, l.stage_id, \
     (SELECT s.name FROM stages s WHERE s.id = l.stage_id), l.owner_id, \
     (SELECT u.name FROM users u WHERE u.id = l.owner_id), l.created_at, l.updated_at, \
     l.status_changed_at, l.assigned_at, \
     (SELECT group_concat(t.tag, char(31)) FROM (SELECT tag FROM lead_tags WHERE lead_id = l.id ORDER BY tag) t) \
     FROM leads l";

pub(crate) fn from_row(r: &Row<'_>) -> rusqlite::Result<Lead> {
    let tags: Option<String> = r.get(14)?;
    Ok(Lead {
        id: r.get(0)?,
        name: r.get(1)?,
        email: r.get(2)?,
        phone: r.get(3)?,
        company: r.get(4)?,
        source: r.get(5)?,
        stage_id: r.get(6)?,
        status: r.get::<_, Option<String>>(7)?.unwrap_or_default(),
        owner_id: r.get(8)?,
        owner: r.get(9)?,
        created_at: r.get(10)?,
        updated_at: r.get(11)?,
        status_changed_at: r.get(12)?,
        assigned_at: r.get(13)?,
        tags: tags.map(|t| t.split(TAG_SEPARATOR).map(str::to_string).collect()).unwrap_or_default(),
    })
}

/// One lead, if the acting user may see it (V6).
pub fn get(conn: &Connection, ctx: &Ctx, id: i64) -> Result<Lead> {
    let filter = Filter { ids: Some(vec![id]), ..Filter::for_actor(ctx) };
    let (clause, params) = filter.to_sql();
    conn.prepare_cached(&format!("{SELECT_LEAD} WHERE {clause}"))?
        .query_row(rusqlite::params_from_iter(params), from_row)
        .optional()?
        .ok_or_else(|| Error::not_found("lead", format!("#{id}")))
}

/// One lead regardless of who asks; for code that has already checked access.
pub(crate) fn get_unchecked(conn: &Connection, id: i64) -> Result<Lead> {
    conn.prepare_cached(&format!("{SELECT_LEAD} WHERE l.id = ?1"))?
        .query_row([id], from_row)
        .optional()?
        .ok_or_else(|| Error::not_found("lead", format!("#{id}")))
}

/// Count the leads matching a filter.
pub fn count(conn: &Connection, filter: &Filter) -> Result<i64> {
    let (clause, params) = filter.to_sql_with(search::plan(conn, &filter.search_text(), search::COUNT_CANDIDATES)?);
    Ok(conn
        .prepare_cached(&format!("SELECT count(*) FROM leads l WHERE {clause}"))?
        .query_row(rusqlite::params_from_iter(params), |r| r.get(0))?)
}

/// Check a new lead's fields and resolve its stage and owner, without writing.
pub fn validate(conn: &Connection, new: &NewLead) -> Result<(i64, Option<i64>)> {
    Lookup::load(conn)?.validate(new)
}

/// The stages and users a new lead is checked against, read once, so that
/// an import checks many rows without a query per row.
pub struct Lookup {
    stages: Vec<Stage>,
    users: Vec<User>,
}

impl Lookup {
    pub fn load(conn: &Connection) -> Result<Lookup> {
        Ok(Lookup { stages: stages::list(conn)?, users: users::list(conn)? })
    }

    /// The name of stage `id`, as read ("" for an unknown id).
    pub fn stage_name(&self, id: i64) -> &str {
        self.stages.iter().find(|s| s.id == id).map_or("", |s| s.name.as_str())
    }

    /// The name of user `id`, as read ("" for an unknown id).
    pub fn user_name(&self, id: i64) -> &str {
        self.users.iter().find(|u| u.id == id).map_or("", |u| u.name.as_str())
    }

    /// [`validate`] against what was read.
    pub fn validate(&self, new: &NewLead) -> Result<(i64, Option<i64>)> {
        if new.name.trim().is_empty() && new.email.trim().is_empty() {
            return Err(Error::invalid("a lead needs a name or an email"));
        }
        // One rule for `lead add`, the console and an import row alike.
        let email = new.email.trim();
        if !email.is_empty() && !email.contains('@') {
            return Err(Error::invalid(format!("bad email '{}': an email address has an @", shown(email))));
        }
        if new.tags.iter().any(|t| t.contains(TAG_SEPARATOR)) {
            return Err(Error::invalid("tags cannot contain control characters"));
        }
        let stage = match new.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(name) => stages::find_in(&self.stages, name)?,
            None => stages::initial_in(&self.stages)?,
        };
        let owner = match new.owner.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(name) => {
                let user = users::find_in(&self.users, name)?;
                if !user.active {
                    return Err(Error::invalid(format!("user '{}' is deactivated and cannot own leads", user.name)));
                }
                Some(user.id)
            }
            None => None,
        };
        Ok((stage.id, owner))
    }
}

/// Insert a validated lead inside an open write, with its `created` activity
/// row and, when it has an owner, the assignment row (`via`).
pub fn insert(w: &mut Writer<'_>, new: &NewLead, stage_id: i64, owner: Option<i64>, via: &str) -> Result<i64> {
    let ids = insert_rows(w, &[(new, stage_id, owner)])?;
    let [id] = ids[..] else { return Err(Error::invalid("the lead was not created")) };
    w.record_created(&ids, via)?;
    if owner.is_some() {
        w.record(Change::owner(id, None, owner, via))?;
    }
    Ok(id)
}

/// Insert validated leads (each with its stage and owner) and their tags;
/// returns their ids in the same order. The activity rows are the caller's
/// ([`Writer::record_created`]).
///
/// The rows go in through a staging table and one `INSERT … SELECT`: the
/// search index (FTS5) writes out what it has gathered at every statement
/// that follows a change to it, so a statement per lead would cost an index
/// segment per lead.
pub fn insert_rows(w: &Writer<'_>, rows: &[(&NewLead, i64, Option<i64>)]) -> Result<Vec<i64>> {
    let conn = w.conn();
    conn.execute_batch(
        "CREATE TEMP TABLE IF NOT EXISTS new_leads (seq INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL, \
            phone TEXT NOT NULL, company TEXT NOT NULL, source TEXT NOT NULL, stage_id INTEGER NOT NULL, \
            owner_id INTEGER, created_at INTEGER NOT NULL, email_key TEXT NOT NULL, phone_key TEXT NOT NULL); \
         CREATE TEMP TABLE IF NOT EXISTS new_lead_tags (seq INTEGER NOT NULL, tag TEXT NOT NULL); \
         DELETE FROM temp.new_leads; DELETE FROM temp.new_lead_tags;",
    )?;
    let mut lead_stmt = conn.prepare_cached(
        "INSERT INTO temp.new_leads (seq, name, email, phone, company, source, stage_id, owner_id, created_at, \
         email_key, phone_key) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?;
    let mut tag_stmt = conn.prepare_cached("INSERT INTO temp.new_lead_tags (seq, tag) VALUES (?1, ?2)")?;
    for (seq, (new, stage_id, owner)) in (1_i64..).zip(rows) {
        let name = if new.name.trim().is_empty() { new.email.trim() } else { new.name.trim() };
        lead_stmt.execute(params![
            seq,
            name,
            new.email.trim(),
            new.phone.trim(),
            new.company.trim(),
            new.source.trim(),
            stage_id,
            owner,
            new.created_at.unwrap_or(w.now()),
            email_key(&new.email),
            phone_key(&new.phone),
        ])?;
        for tag in normalise_tags(&new.tags) {
            tag_stmt.execute(params![seq, tag])?;
        }
    }
    // Ids are handed out here, inside the write's exclusive transaction, so
    // that each staged row knows its lead's id.
    let base: i64 = conn.query_row("SELECT coalesce(max(id), 0) FROM leads", [], |r| r.get(0))?;
    // The search index takes the new leads in one statement after them, not
    // one by one through its trigger (migration 9): the trigger stands aside
    // while this transaction holds the row, removed before anything else.
    conn.execute("INSERT INTO search_index_later (id) VALUES (1)", [])?;
    conn.execute(
        "INSERT INTO leads (id, name, email, phone, company, source, stage_id, owner_id, created_at, updated_at, \
            status_changed_at, assigned_at, email_key, phone_key) \
         SELECT ?1 + seq, name, email, phone, company, source, stage_id, owner_id, created_at, ?2, created_at, \
            CASE WHEN owner_id IS NULL THEN NULL ELSE ?2 END, email_key, phone_key \
         FROM temp.new_leads ORDER BY seq",
        params![base, w.now()],
    )?;
    conn.execute("DELETE FROM search_index_later", [])?;
    conn.execute(
        "INSERT INTO leads_search (rowid, name, email, company, phone_key) \
         SELECT id, name, email, company, phone_key FROM leads WHERE id > ?1 ORDER BY id",
        [base],
    )?;
    conn.execute(
        "INSERT OR IGNORE INTO lead_tags (lead_id, tag) SELECT ?1 + seq, tag FROM temp.new_lead_tags ORDER BY seq",
        [base],
    )?;
    conn.execute_batch("DELETE FROM temp.new_leads; DELETE FROM temp.new_lead_tags;")?;
    Ok((1..=rows.len() as i64).map(|seq| base + seq).collect())
}

/// Move a lead to another stage. The owner never changes (A13).
pub fn move_status(store: &mut Store, ctx: &Ctx, id: i64, status: &str) -> Result<Lead> {
    let lead = get(store.conn(), ctx, id)?;
    let stage = stages::find(store.conn(), status)?;
    if !ctx.actor.is_manager() && lead.owner_id != ctx.actor.user_id() {
        return Err(Error::Forbidden("agents can only move their own leads".into()));
    }
    if stage.id == lead.stage_id {
        return Ok(lead);
    }
    store.write(ctx, "lead move", |w| {
        let changed = w.conn().execute(
            "UPDATE leads SET stage_id = ?1, status_changed_at = ?2, updated_at = ?2 WHERE id = ?3 AND stage_id = ?4",
            params![stage.id, w.now(), id, lead.stage_id],
        )?;
        if changed != 1 {
            return Err(Error::invalid(format!("lead #{id} was changed by someone else; try again")));
        }
        w.record(Change::status(id, lead.stage_id, stage.id, "manual"))
    })?;
    get(store.conn(), ctx, id)
}

/// Add a free-text note to a lead's timeline.
pub fn add_note(store: &mut Store, ctx: &Ctx, id: i64, text: &str) -> Result<()> {
    let lead = get(store.conn(), ctx, id)?;
    let text = text.trim();
    if text.is_empty() {
        return Err(Error::invalid("a note cannot be empty"));
    }
    store.write(ctx, "note", |w| {
        w.conn().execute("UPDATE leads SET updated_at = ?1 WHERE id = ?2", params![w.now(), lead.id])?;
        w.record(Change::event(Some(lead.id), "note", "manual", Some(text.to_string())))
    })?;
    Ok(())
}
