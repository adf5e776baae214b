//! assign, reassign, unassign, rotate, route, pickup, undo.

use serde_json::{Value, json};

use super::Session;
use super::args::{FilterArgs, GuardArgs, PreviewArgs, TargetArgs};
use super::output::print_json;
use crate::core::assign::{self, BulkResult, Selection};
use crate::core::distribute::{self, RouteResult};
use crate::core::error::{Error, Result};
use crate::core::filter::{Filter, OwnerFilter};
use crate::core::users;

/// Ids or filters, never both; nothing at all needs `--all`.
pub fn selection(s: &Session, target: &TargetArgs) -> Result<Selection> {
    let spec = target.filter.spec();
    match (target.ids.is_empty(), spec.is_empty(), target.all) {
        (false, false, _) | (false, _, true) => Err(Error::invalid("give lead ids or filters, not both")),
        (false, true, false) => Ok(Selection::Ids(target.ids.clone())),
        (true, false, _) => Ok(Selection::Filter(spec.resolve(s.store.conn(), &s.ctx)?)),
        (true, true, true) => Ok(Selection::Filter(Filter::for_actor(&s.ctx))),
        (true, true, false) => {
            Err(Error::invalid("give lead ids or a filter (e.g. --unassigned), or --all for every lead"))
        }
    }
}

fn print_bulk(s: &Session, r: &BulkResult, verb: &str) -> Result<()> {
    if s.json {
        return print_json(
            &json!({ "batch": r.batch, "selected": r.selected, "changed": r.changed, "unchanged": r.unchanged }),
        );
    }
    match r.batch {
        Some(b) => println!("{} {verb}, {} unchanged (batch {b}; `leadrota undo` reverts it)", r.changed, r.unchanged),
        None => println!("{} {verb}, {} unchanged", r.changed, r.unchanged),
    }
    Ok(())
}

/// The acting context with the preview's token, when one was given (A14).
pub(super) fn guarded(s: &mut Session, guard: &GuardArgs, seed: Option<u64>) {
    s.ctx.expect = guard.expect;
    s.ctx.seed = seed;
}

pub fn print_route(s: &Session, r: &RouteResult, dry_run: bool) -> Result<()> {
    if s.json {
        return print_json(&route_json(r));
    }
    let tag = if dry_run { " (dry run: nothing written)" } else { "" };
    println!(
        "{} selected: {} assigned, {} left unassigned, {} skipped{tag}",
        r.selected,
        r.assigned.len(),
        r.unassigned.len(),
        r.skipped.len()
    );
    for (owner, n) in tally(r.assigned.iter().map(|p| p.owner.as_str())) {
        println!("  {owner:<20} {n}");
    }
    for (reason, n) in tally(r.unassigned.iter().map(|u| u.reason.as_str())) {
        println!("  {n} stay unassigned: {reason}");
    }
    for (reason, n) in tally(r.skipped.iter().map(|u| u.reason.as_str())) {
        println!("  {n} skipped: {reason}");
    }
    if let Some(seed) = r.seed.filter(|_| dry_run) {
        println!("to run exactly this: add --expect {} --seed {seed}", r.selected);
    }
    Ok(())
}

/// Each distinct value with how often it came, in order of first appearance.
fn tally<'a>(values: impl Iterator<Item = &'a str>) -> Vec<(&'a str, usize)> {
    let mut out: Vec<(&str, usize)> = Vec::new();
    for v in values {
        match out.iter_mut().find(|(seen, _)| *seen == v) {
            Some((_, n)) => *n += 1,
            None => out.push((v, 1)),
        }
    }
    out
}

pub fn route_json(r: &RouteResult) -> Value {
    json!({
        "batch": r.batch,
        "selected": r.selected,
        "seed": r.seed,
        "assigned": r.assigned.iter().map(|p| json!({"lead": p.lead, "owner": p.owner, "rule": p.rule})).collect::<Vec<_>>(),
        "unassigned": r.unassigned.iter().map(|u| json!({"lead": u.lead, "reason": u.reason})).collect::<Vec<_>>(),
        "skipped": r.skipped.iter().map(|u| json!({"lead": u.lead, "reason": u.reason})).collect::<Vec<_>>(),
    })
}

pub fn assign(s: &mut Session, to: &str, target: &TargetArgs) -> Result<()> {
    guarded(s, &target.guard, None);
    let sel = selection(s, target)?;
    let r = assign::assign(&mut s.store, &s.ctx, &sel, to)?;
    print_bulk(s, &r, "assigned")
}

pub fn reassign(s: &mut Session, to: &str, from: Option<&str>, target: &TargetArgs) -> Result<()> {
    guarded(s, &target.guard, None);
    let sel = match from {
        Some(from) => {
            if !target.ids.is_empty() {
                return Err(Error::invalid("--from selects the leads; do not also give ids"));
            }
            let mut filter = target.filter.spec().resolve(s.store.conn(), &s.ctx)?;
            if filter.owner != OwnerFilter::Any {
                return Err(Error::invalid("--from and --owner/--unassigned cannot be combined"));
            }
            filter.owner = OwnerFilter::User(users::find(s.store.conn(), from)?.id);
            Selection::Filter(filter)
        }
        None => selection(s, target)?,
    };
    let r = assign::reassign(&mut s.store, &s.ctx, &sel, to)?;
    print_bulk(s, &r, "reassigned")
}

pub fn unassign(s: &mut Session, target: &TargetArgs) -> Result<()> {
    guarded(s, &target.guard, None);
    let sel = selection(s, target)?;
    let r = assign::unassign(&mut s.store, &s.ctx, &sel)?;
    print_bulk(s, &r, "unassigned")
}

pub fn rotate(s: &mut Session, group: &str, target: &TargetArgs, preview: &PreviewArgs) -> Result<()> {
    guarded(s, &target.guard, preview.seed);
    let sel = selection(s, target)?;
    let r = distribute::rotate(&mut s.store, &s.ctx, group, &sel, preview.dry_run)?;
    print_route(s, &r, preview.dry_run)
}

pub fn route(s: &mut Session, filter: &FilterArgs, preview: &PreviewArgs, guard: &GuardArgs) -> Result<()> {
    guarded(s, guard, preview.seed);
    let filter = filter.spec().resolve(s.store.conn(), &s.ctx)?;
    if !matches!(filter.owner, OwnerFilter::Any | OwnerFilter::Unassigned) {
        return Err(Error::invalid("route acts on unassigned leads only; drop --owner"));
    }
    let r = distribute::route(&mut s.store, &s.ctx, &filter, preview.dry_run)?;
    print_route(s, &r, preview.dry_run)
}

pub fn reclaim(s: &mut Session, preview: &PreviewArgs, guard: &GuardArgs) -> Result<()> {
    guarded(s, guard, preview.seed);
    let r = crate::core::reclaim::reclaim(&mut s.store, &s.ctx, preview.dry_run)?;
    print_route(s, &r, preview.dry_run)
}

pub fn pickup(s: &mut Session, ids: &[i64]) -> Result<()> {
    let r = assign::pickup(&mut s.store, &s.ctx, ids)?;
    print_bulk(s, &r, "picked up")
}

pub fn undo(s: &mut Session) -> Result<()> {
    let undone = assign::undo(&mut s.store, &s.ctx)?;
    if s.json {
        return print_json(&serde_json::to_value(&undone).map_err(|e| Error::invalid(e.to_string()))?);
    }
    println!("undid {} — {} lead(s) restored", undone.undid.describe(s.ctx.now_ts()), undone.result.changed);
    Ok(())
}
