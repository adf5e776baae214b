//! CSV import (SPEC §6): the file a user exports from another CRM or a
//! spreadsheet goes in as it is — HubSpot, Salesforce, Zoho CRM, Pipedrive
//! and Odoo exports included, with no editing of the file.
//!
//! Reading is pure and happens before the database is touched: [`decode`]
//! (encodings), [`read`] (delimiter, header, rows and their physical lines),
//! [`columns`] (which field each column feeds) and [`dates`].
//!
//! Writing is one [`Store::write_or_preview`] transaction, in one pass over
//! the rows read: each row's status and owner are mapped onto our stages and
//! users ([`mapping`]; what cannot be mapped is counted for the report's
//! advice), the row is checked with [`leads::Lookup`] and created with
//! [`leads::insert_rows`] (via `import`); then, with routing, one [`Router`]
//! plans every new lead and applies the plan once at the end.

mod columns;
mod dates;
mod decode;
mod mapping;
mod read;

use serde::Serialize;

use super::context::Ctx;
use super::distribute::{Placement, Router, Unplaced};
use super::error::{Error, Result, shown};
use super::model::{Lead, NewLead, normalise_tags};
use super::store::{Change, Store};
use super::{leads, rights, settings, stages, users};
pub use decode::Encoding;
pub(crate) use mapping::shell_quote;
use mapping::{Advice, Names, Status};
pub use mapping::{MappedStatus, UnknownOwner, UnknownStatus};
use read::{Parsed, parse};

/// How an import runs.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Every imported lead gets this owner (via `import`; not a delivery).
    pub assignee: Option<String>,
    /// Route each new lead without an owner through the rules (R3), if routing is on.
    pub route: bool,
    /// Do everything, report it, write nothing.
    pub dry_run: bool,
    /// Import nothing when any row is bad.
    pub strict: bool,
    /// Another CRM's status names onto our stages (FROM, TO), compared
    /// ignoring case; a later pair wins over an earlier one with the same FROM
    /// (so the config's `[import.status_map]` goes first, `--map-status` after).
    pub status_map: Vec<(String, String)>,
    /// Owner cells onto user names (FROM, TO), the same way (`--map-owner`).
    pub owner_map: Vec<(String, String)>,
}

/// A row that was not imported, by the physical line it starts on.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rejected {
    pub line: u64,
    pub error: String,
}

/// What an import did (or, with `dry_run`, would do).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImportReport {
    pub batch: Option<i64>,
    /// Leads created.
    pub created: usize,
    /// Created leads that got an owner: from the owner column or `--assignee`
    /// (`rule` null) or by routing.
    pub assigned: Vec<Placement>,
    /// Created leads that routing could not place, and why. Leads imported
    /// without `--route` and without an owner are not listed here.
    pub unassigned: Vec<Unplaced>,
    pub rejected: Vec<Rejected>,
    /// Header names that matched no lead field (or repeated one), ignored.
    pub ignored_columns: Vec<String>,
    pub encoding: Encoding,
    pub delimiter: char,
    /// Data rows read (blank rows are not counted).
    pub rows: usize,
    pub dry_run: bool,
    /// `--strict` found bad rows, so nothing was imported.
    pub aborted: bool,
    /// Statuses no stage or map entry takes, grouped, most rows first, each
    /// with the `--map-status` flag that would take it.
    pub unknown_statuses: Vec<UnknownStatus>,
    /// Owner cells that are no user's name or email, grouped, with the
    /// closest users.
    pub unknown_owners: Vec<UnknownOwner>,
    /// Statuses the map took onto our stages, and on how many rows.
    pub mapped_statuses: Vec<MappedStatus>,
    /// Per owner, how many created leads they got (most first): `assigned` summed.
    pub owners: Vec<OwnerCount>,
    /// With `--route`: the seed of the random groups' draws; passed back
    /// with the dry run's count, the run repeats the dry run (A14).
    pub seed: Option<u64>,
}

/// How many of the created leads one owner got.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OwnerCount {
    pub owner: String,
    pub leads: usize,
}

/// Import CSV `bytes` (a whole file) into the store.
pub fn import(store: &mut Store, ctx: &Ctx, bytes: &[u8], opts: &ImportOptions) -> Result<ImportReport> {
    rights::require(ctx, rights::Action::Import)?;
    if opts.route && opts.assignee.is_some() {
        return Err(Error::invalid("--assignee and --route cannot be combined"));
    }
    let assignee = match opts.assignee.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(name) => {
            let user = users::find(store.conn(), name)?;
            if !user.active {
                return Err(Error::invalid(format!("user '{}' is deactivated and cannot own leads", user.name)));
            }
            Some(user.name)
        }
        None => None,
    };
    // A14: a routed import draws for its random groups from a seed it reports.
    let seeded = opts.route.then(|| crate::core::distribute::seeded(ctx));
    let ctx = seeded.as_ref().unwrap_or(ctx);
    let parsed = parse(bytes, ctx.tz, ctx.now_ts())?;
    let cache: i64 = store.conn().pragma_query_value(None, "cache_size", |r| r.get(0))?;
    store.conn().pragma_update(None, "cache_size", -cache_kib(parsed.rows.len()).max(-cache))?;
    let written = write(store, ctx, &parsed, assignee.as_deref(), opts);
    store.conn().pragma_update(None, "cache_size", cache)?;
    let written = written?;
    Ok(ImportReport { batch: written.batch, ..written.value })
}

fn write(
    store: &mut Store,
    ctx: &Ctx,
    parsed: &Parsed,
    assignee: Option<&str>,
    opts: &ImportOptions,
) -> Result<super::store::Written<ImportReport>> {
    store.write_plan(ctx, "import", opts.dry_run, |w| {
        let lookup = leads::Lookup::load(w.conn())?;
        let names = Names::new(stages::list(w.conn())?, users::list(w.conn())?, &opts.status_map, &opts.owner_map)?;
        // Check every row first, so --strict can refuse before anything is written.
        let checked = check_rows(parsed, &names, &lookup, assignee)?;
        // A14: applying a preview's count (`--expect`, the console's confirm)
        // imports exactly the rows that preview counted, or nothing.
        ctx.check_expected(checked.valid.len())?;
        let (unknown_statuses, unknown_owners, mapped_statuses) = checked.advice.finish(&names);
        let mut report = ImportReport {
            batch: None,
            created: 0,
            assigned: Vec::new(),
            unassigned: Vec::new(),
            rejected: checked.rejected,
            ignored_columns: parsed.ignored_columns.clone(),
            encoding: parsed.encoding,
            delimiter: parsed.delimiter,
            rows: parsed.data_rows,
            dry_run: opts.dry_run,
            aborted: false,
            unknown_statuses,
            unknown_owners,
            mapped_statuses,
            owners: Vec::new(),
            seed: ctx.seed.filter(|_| opts.route),
        };
        let valid = checked.valid;
        if opts.strict && !report.rejected.is_empty() {
            report.aborted = true;
            return Ok(report);
        }
        let mut router = if opts.route && settings::is_on(w.conn(), settings::AUTO_ASSIGN)? {
            w.plan_reset()?;
            Some(Router::load(w.conn())?)
        } else {
            None
        };
        // Rows first, then their `created` activity in one statement, then
        // notes, owners and routing, so each lead's timeline reads in order.
        let rows: Vec<(&NewLead, i64, Option<i64>)> =
            valid.iter().map(|(_, lead, stage, owner)| (lead, *stage, *owner)).collect();
        let ids = leads::insert_rows(w, &rows)?;
        w.record_created(&ids, "import")?;
        if let (Some(router), Some(first), Some(last)) = (router.as_mut(), ids.first(), ids.last()) {
            router.look_up_duplicates(w, *first, *last)?;
        }
        report.created = ids.len();
        for ((row, lead, stage, owner), id) in valid.into_iter().zip(ids) {
            if let Some(owner) = owner {
                w.record(Change::owner(id, None, Some(owner), "import"))?;
            }
            if let Some(note) = &row.note {
                w.record(Change::event(Some(id), "note", "import", Some(note.clone())))?;
            }
            if let Some(owner) = owner {
                let name = lookup.user_name(owner).to_string();
                report.assigned.push(Placement { lead: id, owner: name, rule: None });
                continue;
            }
            match router.as_mut() {
                Some(router) => {
                    let created = as_inserted(id, &lead, stage, lookup.stage_name(stage), w.now());
                    match router.route(w, ctx, &created)? {
                        Ok((owner, rule)) => report.assigned.push(Placement { lead: id, owner, rule }),
                        Err(reason) => report.unassigned.push(Unplaced { lead: id, reason }),
                    }
                }
                None if opts.route => report.unassigned.push(Unplaced {
                    lead: id,
                    reason: "routing is paused (`leadrota routing on` resumes it)".to_string(),
                }),
                None => {}
            }
        }
        if let Some(mut router) = router {
            w.plan_apply()?;
            router.finish(w)?;
        }
        report.owners = owner_counts(&report.assigned);
        Ok(report)
    })
}

/// A row that passed every check: its mapped lead, stage and owner ids.
type Valid<'a> = (&'a read::Row, NewLead, i64, Option<i64>);

/// The rows that can be imported, the rest with their reasons (by line),
/// and what the migration advice needs.
struct Checked<'a> {
    valid: Vec<Valid<'a>>,
    rejected: Vec<Rejected>,
    advice: Advice,
}

/// Map each row's status and owner onto ours and check it. A row can fail
/// on both its status and its owner; it is counted for both, so that one dry
/// run shows every mapping the file needs.
fn check_rows<'a>(
    parsed: &'a Parsed,
    names: &Names,
    lookup: &leads::Lookup,
    assignee: Option<&str>,
) -> Result<Checked<'a>> {
    let mut checked = Checked {
        valid: Vec::with_capacity(parsed.rows.len()),
        rejected: parsed.rejected.clone(),
        advice: Advice::default(),
    };
    for row in &parsed.rows {
        let mut lead = row.lead.clone();
        let mut problems = Vec::new();
        if let Some(cell) = row.lead.status.as_deref() {
            match names.status(cell) {
                Status::Ours => {}
                Status::Mapped(stage) => {
                    checked.advice.mapped(cell, stage);
                    lead.status = Some(stage.to_string());
                }
                Status::Unknown => {
                    checked.advice.unknown_status(cell, row.line);
                    problems.push(format!("unknown status '{}' (no such stage; map it onto one)", shown(cell)));
                }
            }
        }
        match (assignee, row.lead.owner.as_deref()) {
            (Some(name), _) => lead.owner = Some(name.to_string()),
            (None, Some(cell)) => match names.owner(cell) {
                Some(user) => lead.owner = Some(user.name.clone()),
                None => {
                    checked.advice.unknown_owner(cell, row.line);
                    problems.push(format!("user '{}' not found (by name or email)", shown(cell)));
                }
            },
            (None, None) => {}
        }
        if !problems.is_empty() {
            checked.rejected.push(Rejected { line: row.line, error: problems.join("; ") });
            continue;
        }
        match lookup.validate(&lead) {
            Ok((stage, owner)) => checked.valid.push((row, lead, stage, owner)),
            Err(e @ (Error::Invalid(_) | Error::NotFound { .. })) => {
                checked.rejected.push(Rejected { line: row.line, error: e.to_string() });
            }
            Err(e) => return Err(e),
        }
    }
    checked.rejected.sort_by_key(|r| r.line);
    Ok(checked)
}

/// Per owner, how many leads they got, most first (then by name).
fn owner_counts(assigned: &[Placement]) -> Vec<OwnerCount> {
    let mut counts: Vec<OwnerCount> = Vec::new();
    for p in assigned {
        match counts.iter_mut().find(|c| c.owner == p.owner) {
            Some(c) => c.leads += 1,
            None => counts.push(OwnerCount { owner: p.owner.clone(), leads: 1 }),
        }
    }
    counts.sort_by(|a, b| b.leads.cmp(&a.leads).then_with(|| a.owner.cmp(&b.owner)));
    counts
}

/// The lead [`leads::insert_rows`] just wrote, as the router sees it, without
/// reading it back: the same trimming, name fallback and tag set.
fn as_inserted(id: i64, new: &NewLead, stage_id: i64, status: &str, now: i64) -> Lead {
    let created = new.created_at.unwrap_or(now);
    let name = if new.name.trim().is_empty() { new.email.trim() } else { new.name.trim() };
    Lead {
        id,
        name: name.to_string(),
        email: new.email.trim().to_string(),
        phone: new.phone.trim().to_string(),
        company: new.company.trim().to_string(),
        source: new.source.trim().to_string(),
        stage_id,
        status: status.to_string(),
        tags: normalise_tags(&new.tags),
        owner_id: None,
        owner: None,
        created_at: created,
        updated_at: now,
        status_changed_at: created,
        assigned_at: None,
    }
}

/// Page cache for one import: big enough that the new leads' index pages
/// stay in memory until the commit instead of spilling to the WAL and being
/// read back (about 2 KiB a row, between SQLite's default 2 MiB and 256 MiB).
fn cache_kib(rows: usize) -> i64 {
    i64::try_from(rows.saturating_mul(2)).unwrap_or(i64::MAX).clamp(2_000, 262_144)
}
