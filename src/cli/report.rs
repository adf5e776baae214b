//! report workload, report unassigned.

use serde_json::{Map, Value, json};

use super::Session;
use super::args::ReportCommand;
use super::output::{lead_cells, lead_json, owner_label, print_json, table};
use crate::core::error::{Result, thousands_of};
use crate::core::report::{self, Waiting, Workload};
use crate::core::time::short_age;

pub fn run(s: &Session, command: &ReportCommand) -> Result<()> {
    match command {
        ReportCommand::Workload { stale_days } => {
            let stale_days = stale_days.unwrap_or(s.config.stale_days);
            let w = report::workload(s.store.conn(), &s.ctx, stale_days, s.config.unassigned_alert_hours)?;
            if s.json { print_json(&workload_json(&w)) } else { print_workload(&w) }
        }
        ReportCommand::Unassigned { older_than, limit } => {
            let hours = older_than.unwrap_or(s.config.unassigned_alert_hours);
            let w = report::waiting(s.store.conn(), &s.ctx, hours, *limit)?;
            if s.json { print_json(&waiting_json(&w, s.ctx.now_ts())) } else { print_waiting(&w, s.ctx.now_ts()) }
        }
    }
}

pub fn workload_json(w: &Workload) -> Value {
    let owners: Vec<Value> = w
        .owners
        .iter()
        .map(|o| {
            let by_status: Map<String, Value> = o.by_status.iter().map(|(k, n)| (k.clone(), json!(n))).collect();
            json!({"owner": o.owner, "active": o.active, "open": o.open, "by_status": by_status, "stale": o.stale})
        })
        .collect();
    json!({
        "owners": owners,
        "unassigned": w.unassigned,
        "unassigned_over_threshold": w.unassigned_over_threshold,
        "stale_days": w.stale_days,
        "alert_hours": w.alert_hours,
    })
}

fn print_workload(w: &Workload) -> Result<()> {
    let stale = format!("STALE >{}d", w.stale_days);
    let mut header = vec!["OWNER", "OPEN"];
    let stages: Vec<String> =
        w.owners.first().map(|o| o.by_status.iter().map(|(k, _)| k.clone()).collect()).unwrap_or_default();
    header.extend(stages.iter().map(String::as_str));
    header.push(&stale);
    let mut t = table(&header);
    for o in &w.owners {
        let mut label = owner_label(o.owner.as_deref());
        if !o.active {
            label.push_str(" (deactivated)");
        }
        let mut row = vec![label, o.open.to_string()];
        row.extend(o.by_status.iter().map(|(_, n)| n.to_string()));
        row.push(o.stale.to_string());
        t.add_row(row);
    }
    println!("{t}");
    println!();
    println!(
        "unassigned: {} ({} waiting more than {} h; `leadrota report unassigned` lists them)",
        w.unassigned, w.unassigned_over_threshold, w.alert_hours
    );
    Ok(())
}

pub fn waiting_json(w: &Waiting, now: i64) -> Value {
    let leads: Vec<Value> = w
        .leads
        .iter()
        .map(|l| {
            let mut v = lead_json(l);
            v["waiting_hours"] = json!((now - l.created_at).max(0) / 3600);
            v
        })
        .collect();
    json!({"older_than_hours": w.older_than_hours, "unassigned": w.unassigned, "waiting": w.waiting, "leads": leads})
}

fn print_waiting(w: &Waiting, now: i64) -> Result<()> {
    println!(
        "{} of {} unassigned leads have waited more than {} h (oldest first)",
        thousands_of(w.waiting),
        thousands_of(w.unassigned),
        w.older_than_hours
    );
    if w.leads.is_empty() {
        return Ok(());
    }
    let mut t = table(&["ID", "NAME", "COMPANY", "SOURCE", "STATUS", "WAITING"]);
    for l in &w.leads {
        let mut cells = lead_cells(l);
        cells.push(short_age(now - l.created_at));
        t.add_row(cells);
    }
    println!("{t}");
    if (w.leads.len() as i64) < w.waiting {
        println!("… and {} more (raise --limit)", w.waiting - w.leads.len() as i64);
    }
    Ok(())
}
