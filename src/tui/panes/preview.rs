//! A plan in lines for its confirm dialog (SPEC T8, R5): per member who
//! would get how many, and what stays unassigned and why.

use std::collections::BTreeMap;

use crate::core::distribute::RouteResult;
use crate::core::error::{Result, thousands};
use crate::core::rotation::Distributor;
use crate::core::rules::Rule;
use crate::core::{Ctx, groups};

pub fn per_member(r: &RouteResult) -> Vec<String> {
    let mut per: BTreeMap<&str, usize> = BTreeMap::new();
    for p in &r.assigned {
        *per.entry(p.owner.as_str()).or_default() += 1;
    }
    let mut lines = vec!["per member:".to_string()];
    lines.extend(per.iter().map(|(owner, n)| format!("  {owner:<20} {}", thousands(*n))));
    if per.is_empty() {
        lines.push("  nobody".into());
    }
    lines
}

/// The members of `group` that the plan passes over from its start, and
/// why: leave, limits, open-lead cap, off shift, away (A8, A16, A17).
pub fn passed_over(conn: &rusqlite::Connection, ctx: &Ctx, group: &str) -> Result<Vec<String>> {
    let group = groups::find(conn, group)?;
    let members = Distributor::load(conn, &group, ctx)?.members;
    let why: Vec<String> =
        members.iter().filter_map(|m| m.ineligible().map(|why| format!("  {:<20} {why}", m.name))).collect();
    if why.is_empty() {
        return Ok(why);
    }
    Ok(std::iter::once("not eligible now:".to_string()).chain(why).collect())
}

/// The leads nobody takes, grouped by reason.
pub fn staying(r: &RouteResult) -> Vec<String> {
    let head = format!("stay unassigned: {}", thousands(r.unassigned.len()));
    grouped(&head, r.unassigned.iter().map(|u| u.reason.as_str()))
}

/// Leads of the selection that distribution does not deal (R5: closed, or
/// already owned), grouped by reason.
pub fn skipped(r: &RouteResult) -> Vec<String> {
    grouped(&format!("skipped: {}", thousands(r.skipped.len())), r.skipped.iter().map(|u| u.reason.as_str()))
}

/// Why a plan hands nothing out, in one line: "2 × closed, 1 × already owned by Tom".
pub fn why_nobody(r: &RouteResult) -> String {
    counted(r.unassigned.iter().chain(&r.skipped).map(|u| u.reason.as_str())).join(", ")
}

/// Each reason once with how many share it ("3 × closed"), at most six.
fn counted<'a>(reasons: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut why: BTreeMap<&str, usize> = BTreeMap::new();
    for reason in reasons {
        *why.entry(reason).or_default() += 1;
    }
    why.iter().take(6).map(|(reason, n)| format!("{} × {reason}", thousands(*n))).collect()
}

fn grouped<'a>(head: &str, reasons: impl Iterator<Item = &'a str>) -> Vec<String> {
    let counts = counted(reasons);
    if counts.is_empty() {
        return Vec::new();
    }
    std::iter::once(head.to_string()).chain(counts.into_iter().map(|c| format!("  {c}"))).collect()
}

/// Routing adds the rules that would place them.
pub fn per_rule(r: &RouteResult, rules: &[Rule]) -> Vec<String> {
    let mut per: BTreeMap<String, usize> = BTreeMap::new();
    for p in &r.assigned {
        let rule = match p.rule {
            Some(id) => {
                rules.iter().find(|r| r.id == id).map_or(format!("rule #{id}"), |r| format!("#{id} {}", r.name))
            }
            None => "duplicate of an owned lead".into(),
        };
        *per.entry(rule).or_default() += 1;
    }
    let mut lines = vec!["per rule:".to_string()];
    lines.extend(per.iter().map(|(rule, n)| format!("  {rule:<28} {}", thousands(*n))));
    lines
}
