//! The demo database: a small sales team's office with two years of
//! history, generated deterministically from a seed, and run by the core.
//!
//! The office is not a second implementation of the domain: the team, its
//! groups, limits and rules are made with the core's own commands at the
//! moments they happened (`team`), and every lead that routing hands out is
//! handed out by the core's `Router` — its rules, its groups' rotation
//! (sequential, random, balanced), limits and cursors, its plan written by
//! `Writer::plan_apply` with deliveries and activity — at the clock of the
//! office hour it arrived in (`history`). So `leadrota doctor` finds nothing
//! to say about it, and what `explain` shows is what the core decided.
//!
//! How it runs:
//! 1. a thread draws the arrivals — who writes in, from which company and
//!    source, with which tags, when — from the seed (`people`);
//! 2. this thread walks the office's timeline: between two milestones of
//!    the team (someone joins, a rule is switched off, someone leaves) the
//!    history is one write, hour by hour; each milestone is a core command
//!    of its own at its own time;
//! 3. leads, tags and the activity of people (assignments by hand, deals
//!    moving on) are bulk-written in time order (`write`); the secondary
//!    indexes the office does not read are dropped for the load and built
//!    again in the last write, and foreign keys are not checked row by row
//!    (the rows are consistent by construction; the tests run
//!    `foreign_key_check` and `doctor`).
//!
//! Randomness comes only from `ChaCha8Rng`s seeded with the seed (one for
//! the arrivals, one for the office's choices, one per routing run), and the
//! arithmetic uses only correctly rounded operations, so the same seed and
//! the same clock give the same data on every build.

mod calendar;
mod history;
mod people;
mod team;
mod write;

use rusqlite::Connection;
use rusqlite::config::DbConfig;

use super::context::{Actor, Ctx};
use super::error::{Error, Result};
use super::search;
use super::store::{Change, Store};
use calendar::Days;
use history::Office;
use write::Sink;

/// More than this would only exhaust memory and patience.
pub const MAX_LEADS: u64 = 10_000_000;

const DAY: i64 = 86_400;
const HISTORY_DAYS: i64 = 730;
/// Lead volume grows over the two years: the density at the end is
/// `1 + GROWTH` times the density at the start.
const GROWTH: f64 = 3.0;
const STATEMENTS_KEPT: usize = 64;
/// rusqlite's default.
const STATEMENTS_KEPT_USUALLY: usize = 16;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoOptions {
    pub leads: u64,
    pub seed: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoSummary {
    pub leads: u64,
    pub unassigned: u64,
    pub users: u64,
    pub groups: u64,
    pub rules: u64,
    pub activity: u64,
}

/// Fill an empty, migrated store. Refuses (Error::invalid) if the store already has leads or users.
pub fn generate(store: &mut Store, ctx: &Ctx, opts: &DemoOptions) -> Result<DemoSummary> {
    if opts.leads > MAX_LEADS {
        return Err(Error::invalid(format!("demo makes at most {MAX_LEADS} leads (asked for {})", opts.leads)));
    }
    ensure_empty(store.conn())?;
    // Every row is consistent by construction; checking each of some six
    // million references as it goes costs a fifth of the run. The PRAGMA
    // cannot change inside a transaction, the connection option can; it is
    // put back whatever happens.
    let enforced = store.conn().db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_FKEY)?;
    store.conn().set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_FKEY, false)?;
    // The office's routing, rotation and bulk writes use more statements
    // than the connection keeps by default; re-preparing them each office
    // hour would cost more than the rest of the run.
    store.conn().set_prepared_statement_cache_capacity(STATEMENTS_KEPT);
    let mut indexes = None;
    let result = run(store, ctx, opts, &mut indexes);
    store.conn().set_prepared_statement_cache_capacity(STATEMENTS_KEPT_USUALLY);
    if result.is_err()
        && let Some(indexes) = &indexes
    {
        // Leave the file usable (and `demo --fresh` able to replace it).
        let _ = write::rebuild_indexes(store.conn(), indexes);
    }
    store.conn().set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_FKEY, enforced)?;
    result
}

fn ensure_empty(conn: &Connection) -> Result<()> {
    let used: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM leads) OR EXISTS (SELECT 1 FROM users) \
         OR EXISTS (SELECT 1 FROM user_groups) OR EXISTS (SELECT 1 FROM rules)",
        [],
        |r| r.get(0),
    )?;
    if used {
        return Err(Error::invalid("the database already holds leads or users; demo data only goes into an empty one"));
    }
    Ok(())
}

/// The arrivals on their thread, the office on this one.
fn run(store: &mut Store, ctx: &Ctx, opts: &DemoOptions, indexes: &mut Option<Vec<String>>) -> Result<DemoSummary> {
    let now = ctx.now_ts();
    // The office's clock is the demo's: every step of it is pinned.
    let base =
        Ctx { actor: Actor::System, pinned_now: Some(ctx.now()), notify_on_assign: false, expect: None, ..ctx.clone() };
    let (tx, rx) = std::sync::mpsc::sync_channel(8);
    let arrivals = people::Arrivals::new(ctx.tz, now, opts.leads, opts.seed);
    std::thread::scope(|scope| {
        let producer = scope.spawn(move || arrivals.send(&tx));
        let office = Office::new(&base, opts.seed, rx);
        // The office (and with it the receiver) is gone when this returns,
        // so a failed write stops the producer too.
        let result = run_office(store, &base, opts, office, indexes);
        producer.join().map_err(|_| Error::invalid("the demo's lead generator stopped unexpectedly"))?;
        result
    })?;
    finish(store, ctx, opts, indexes.as_deref().unwrap_or_default())
}

/// The team's milestones in time order, with the history between them.
fn run_office(
    store: &mut Store,
    base: &Ctx,
    opts: &DemoOptions,
    mut office: Office,
    indexes: &mut Option<Vec<String>>,
) -> Result<()> {
    let now = base.now_ts();
    let mut sink = Sink::new(Days::new(base.tz), now - team::NOTIFIED_DAYS * DAY);
    let mut from = i64::MIN;
    for milestone in team::timeline(now).iter().map(Some).chain([None]) {
        let until = milestone.map_or(now + 1, |m| m.at);
        if office.busy_before(until) {
            let ctx = Ctx {
                pinned_now: chrono::DateTime::from_timestamp(from.clamp(now - HISTORY_DAYS * DAY, now), 0),
                notify_on_assign: team::notifies(now, from),
                ..base.clone()
            };
            store.write(&ctx, "demo", |w| {
                if indexes.is_none() {
                    *indexes = Some(write::drop_indexes(w.conn())?);
                }
                office.run_until(w, &mut sink, &ctx, until)
            })?;
        }
        if let Some(m) = milestone {
            team::apply(store, base, opts.leads, m)?;
            from = m.at;
        }
    }
    Ok(())
}

/// The demo's own batch says what was made; the indexes come back.
fn finish(store: &mut Store, ctx: &Ctx, opts: &DemoOptions, indexes: &[String]) -> Result<DemoSummary> {
    let unread: Vec<i64> = team::UNREAD_USERS.iter().filter_map(|name| team::user_id(name)).collect();
    store.write(ctx, "demo", |w| {
        let note = format!("generated {} leads, {} users, seed {}", opts.leads, team::TEAM.len(), opts.seed);
        w.record(Change::event(None, "demo", "import", Some(note)))?;
        write::rebuild_indexes(w.conn(), indexes)?;
        // Short searches look up the pieces of every lead made here.
        search::pieces::collect(w.conn())?;
        // Deals moved on after the core last touched these leads (its
        // routing or offboarding stamps the moment it wrote).
        w.conn().execute("UPDATE leads SET updated_at = status_changed_at WHERE updated_at < status_changed_at", [])?;
        // Everyone but a few has read their notifications.
        let placeholders = vec!["?"; unread.len()].join(", ");
        w.conn().execute(
            &format!("UPDATE notifications SET read = 1 WHERE user_id NOT IN ({placeholders})"),
            rusqlite::params_from_iter(&unread),
        )?;
        Ok(())
    })?;
    let count = |sql: &str| -> Result<u64> {
        let n: i64 = store.conn().query_row(sql, [], |r| r.get(0))?;
        Ok(u64::try_from(n).unwrap_or(0))
    };
    Ok(DemoSummary {
        leads: count("SELECT count(*) FROM leads")?,
        unassigned: count("SELECT count(*) FROM leads WHERE owner_id IS NULL")?,
        users: count("SELECT count(*) FROM users")?,
        groups: count("SELECT count(*) FROM user_groups")?,
        rules: count("SELECT count(*) FROM rules")?,
        activity: count("SELECT count(*) FROM activity")?,
    })
}

#[cfg(test)]
mod tests;
