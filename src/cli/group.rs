use serde_json::{Value, json};

use super::Session;
use super::args::GroupCommand;
use super::output::{print_json, table};
use crate::core::error::{Error, Result};
use crate::core::groups::{self, Group, GroupChanges, MemberChanges, Method};
use crate::core::reclaim;
use crate::core::rotation::Distributor;
use crate::core::{stages, users};

pub fn run(s: &mut Session, command: &GroupCommand) -> Result<()> {
    match command {
        GroupCommand::Add { name, method, daily, monthly } => {
            let g = groups::add(&mut s.store, &s.ctx, name, Method::parse(method)?, *daily, *monthly)?;
            show(s, &g.name)
        }
        GroupCommand::Set {
            name,
            rename,
            method,
            daily,
            monthly,
            pickup_statuses,
            max_open,
            reclaim_after,
            reclaim_max,
        } => {
            let changes = GroupChanges {
                name: rename.clone(),
                method: method.as_deref().map(Method::parse).transpose()?,
                daily_limit: *daily,
                monthly_limit: *monthly,
                pickup_statuses: pickup_statuses.clone(),
                max_open: *max_open,
                reclaim_after_hours: *reclaim_after,
                reclaim_max: *reclaim_max,
            };
            let g = groups::set(&mut s.store, &s.ctx, name, &changes)?;
            show(s, &g.name)
        }
        GroupCommand::Members { name, add, remove, order } => {
            let conn = s.store.conn();
            let changes = MemberChanges {
                add: user_names(conn, add)?,
                remove: user_names(conn, remove)?,
                order: order.as_deref().map(|o| user_names(conn, o)).transpose()?,
            };
            groups::change_members(&mut s.store, &s.ctx, name, &changes)?;
            show(s, name)
        }
        GroupCommand::Limit { name, user, daily, monthly, max_open } => {
            let everything = daily.is_none() && monthly.is_none() && max_open.is_none();
            if everything || daily.is_some() || monthly.is_some() {
                groups::set_member_limits(&mut s.store, &s.ctx, name, user, *daily, *monthly)?;
            }
            if everything || max_open.is_some() {
                groups::set_member_cap(&mut s.store, &s.ctx, name, user, *max_open)?;
            }
            show(s, name)
        }
        GroupCommand::Weight { name, user, weight } => {
            groups::set_weight(&mut s.store, &s.ctx, name, user, *weight)?;
            show(s, name)
        }
        GroupCommand::Delete { name } => {
            groups::delete(&mut s.store, &s.ctx, name)?;
            if s.json {
                print_json(&json!({ "deleted": name }))
            } else {
                println!("deleted group {name}");
                Ok(())
            }
        }
        GroupCommand::List => list(s),
        GroupCommand::Show { name } => show(s, name),
    }
}

/// The user names in `values`: each value is one user's whole name (a
/// name may hold a comma: "Smith, John"), or else a comma-separated list
/// in which a name with a comma is quoted (`"Smith, John",Tom`).
fn user_names(conn: &rusqlite::Connection, values: &[String]) -> Result<Vec<String>> {
    let mut names = Vec::new();
    for value in values {
        if users::find(conn, value).is_ok() {
            names.push(value.trim().to_string());
            continue;
        }
        if value.matches('"').count() % 2 == 1 {
            return Err(Error::invalid(format!("'{value}' has an unclosed quote; quote a name that holds a comma")));
        }
        let mut reader =
            csv::ReaderBuilder::new().has_headers(false).trim(csv::Trim::All).from_reader(value.as_bytes());
        for record in reader.records() {
            let record = record.map_err(|_| {
                Error::invalid(format!("cannot read the names in '{value}'; quote a name that holds a comma"))
            })?;
            names.extend(record.iter().filter(|n| !n.is_empty()).map(str::to_string));
        }
    }
    Ok(names)
}

fn pickup_names(s: &Session, g: &Group) -> Result<Vec<String>> {
    let all = stages::list(s.store.conn())?;
    Ok(g.pickup_stage_ids
        .iter()
        .filter_map(|id| all.iter().find(|st| st.id == *id).map(|st| st.name.clone()))
        .collect())
}

fn group_json(s: &Session, g: &Group) -> Result<Value> {
    let dist = Distributor::load(s.store.conn(), g, &s.ctx)?;
    let members: Vec<Value> = dist
        .members
        .iter()
        .map(|m| {
            let reason = m.ineligible();
            json!({
                "user": m.name,
                "position": m.position,
                "today": m.today,
                "month": m.month,
                "daily_limit": m.daily_limit,
                "monthly_limit": m.monthly_limit,
                "weight": m.weight,
                "open": m.open_leads,
                "max_open": m.max_open,
                "on_shift": m.unavailable.is_none(),
                "eligible": reason.is_none(),
                "reason": reason,
            })
        })
        .collect();
    Ok(json!({
        "name": g.name,
        "method": g.method,
        "daily_limit": g.daily_limit,
        "monthly_limit": g.monthly_limit,
        "pickup_statuses": pickup_names(s, g)?,
        "max_open": g.max_open,
        "reclaim_after_hours": g.reclaim_after_hours,
        "reclaim_max": g.reclaim_max,
        "reclaim_due": reclaim::due_count(s.store.conn(), g, &s.ctx)?,
        "members": members,
        "next": dist.next_up().map(|m| m.name.clone()),
        "full": dist.full_reason(),
    }))
}

fn limit_text(n: i64) -> String {
    if n == 0 { "unlimited".into() } else { n.to_string() }
}

fn show(s: &Session, name: &str) -> Result<()> {
    let g = groups::find(s.store.conn(), name)?;
    if s.json {
        return print_json(&group_json(s, &g)?);
    }
    let dist = Distributor::load(s.store.conn(), &g, &s.ctx)?;
    println!(
        "{} — {}, daily {}, monthly {}, pick-up: {}",
        g.name,
        g.method,
        limit_text(g.daily_limit),
        limit_text(g.monthly_limit),
        pickup_names(s, &g)?.join(", ")
    );
    if g.max_open > 0 || g.reclaim_after_hours > 0 {
        let cap = if g.max_open > 0 { format!("open-lead cap {}", g.max_open) } else { "no open-lead cap".into() };
        let reclaim = if g.reclaim_after_hours > 0 {
            format!(
                "reclaim after {} h untouched (at most {}×): {} due now",
                g.reclaim_after_hours,
                g.reclaim_max,
                reclaim::due_count(s.store.conn(), &g, &s.ctx)?
            )
        } else {
            "no reclaim".into()
        };
        println!("{cap}; {reclaim}");
    }
    let next = dist.next_up().map(|m| m.user_id);
    let mut t = table(&["", "#", "MEMBER", "WEIGHT", "TODAY", "MONTH", "OPEN", "ELIGIBLE"]);
    for m in &dist.members {
        let open = if m.max_open > 0 { format!("{}/{}", m.open_leads, m.max_open) } else { "-".to_string() };
        t.add_row(vec![
            if Some(m.user_id) == next { "▶".to_string() } else { String::new() },
            m.position.to_string(),
            m.name.clone(),
            m.weight.to_string(),
            format!("{}/{}", m.today, limit_text(m.daily_limit)),
            format!("{}/{}", m.month, limit_text(m.monthly_limit)),
            open,
            m.ineligible().map_or_else(|| "yes".to_string(), |r| format!("no: {r}")),
        ]);
    }
    println!("{t}");
    match (dist.full_reason(), dist.next_up()) {
        (Some(reason), _) => println!("next: nobody ({reason})"),
        (None, Some(m)) => println!("next: {}", m.name),
        (None, None) => println!("next: drawn at random among the eligible"),
    }
    Ok(())
}

fn list(s: &Session) -> Result<()> {
    let all = groups::list(s.store.conn())?;
    if s.json {
        let rows = all.iter().map(|g| group_json(s, g)).collect::<Result<Vec<_>>>()?;
        return print_json(&Value::Array(rows));
    }
    let mut t = table(&["GROUP", "METHOD", "DAILY", "MONTHLY", "MEMBERS", "NEXT"]);
    for g in &all {
        let dist = Distributor::load(s.store.conn(), g, &s.ctx)?;
        t.add_row(vec![
            g.name.clone(),
            g.method.to_string(),
            limit_text(g.daily_limit),
            limit_text(g.monthly_limit),
            dist.members.len().to_string(),
            dist.next_up().map_or_else(|| dist.full_reason().unwrap_or("random").to_string(), |m| m.name.clone()),
        ]);
    }
    println!("{t}");
    Ok(())
}
