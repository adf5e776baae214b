//! Leads: reading one, creating, moving between stages, notes.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::context::Ctx;
use super::error::{Error, Result};
use super::filter::Filter;
use super::model::{Lead, NewLead, Stage, User, email_key, normalise_tags, phone_key};
use super::store::{Change, Store, Writer};
use super::{stages, users};

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
    let (clause, params) = filter.to_sql();
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

    /// [`validate`] against what was read.
    pub fn validate(&self, new: &NewLead) -> Result<(i64, Option<i64>)> {
        if new.name.trim().is_empty() && new.email.trim().is_empty() {
            return Err(Error::invalid("a lead needs a name or an email"));
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
    let id = insert_row(w, new, stage_id, owner)?;
    w.record_created(&[id], via)?;
    if owner.is_some() {
        w.record(Change::owner(id, None, owner, via))?;
    }
    Ok(id)
}

/// Insert a validated lead and its tags, leaving its activity rows to the
/// caller ([`Writer::record_created`] writes many at once).
pub fn insert_row(w: &Writer<'_>, new: &NewLead, stage_id: i64, owner: Option<i64>) -> Result<i64> {
    let now = w.now();
    let created = new.created_at.unwrap_or(now);
    let name = if new.name.trim().is_empty() { new.email.trim() } else { new.name.trim() };
    w.conn()
        .prepare_cached(
            "INSERT INTO leads (name, email, phone, company, source, stage_id, owner_id, created_at, updated_at, \
             status_changed_at, assigned_at, email_key, phone_key) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?8, ?10, ?11, ?12)",
        )?
        .execute(params![
            name,
            new.email.trim(),
            new.phone.trim(),
            new.company.trim(),
            new.source.trim(),
            stage_id,
            owner,
            created,
            now,
            owner.map(|_| now),
            email_key(&new.email),
            phone_key(&new.phone),
        ])?;
    let id = w.conn().last_insert_rowid();
    let mut tag_stmt = w.conn().prepare_cached("INSERT OR IGNORE INTO lead_tags (lead_id, tag) VALUES (?1, ?2)")?;
    for tag in normalise_tags(&new.tags) {
        tag_stmt.execute(params![id, tag])?;
    }
    Ok(id)
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
