//! Printing: `--json` shapes of SPEC §6, and human tables.

use comfy_table::{ContentArrangement, Table, presets};
use serde_json::{Value, json};

use crate::core::activity::ActivityRow;
use crate::core::error::Result;
use crate::core::model::Lead;
use crate::core::time::{short_age, to_rfc3339};

pub fn print_json(value: &Value) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(value).unwrap_or_default());
    Ok(())
}

pub fn lead_json(lead: &Lead) -> Value {
    json!({
        "id": lead.id,
        "name": lead.name,
        "email": lead.email,
        "phone": lead.phone,
        "company": lead.company,
        "source": lead.source,
        "status": lead.status,
        "tags": lead.tags,
        "owner": lead.owner,
        "created_at": to_rfc3339(lead.created_at),
        "updated_at": to_rfc3339(lead.updated_at),
        "status_changed_at": to_rfc3339(lead.status_changed_at),
        "assigned_at": lead.assigned_at.map(to_rfc3339),
    })
}

pub fn activity_json(row: &ActivityRow) -> Value {
    json!({
        "id": row.id,
        "at": to_rfc3339(row.at),
        "lead": row.lead,
        "actor": row.actor,
        "kind": row.kind,
        "from": row.from,
        "to": row.to,
        "via": row.via,
        "batch": row.batch,
        "note": row.note,
    })
}

pub fn table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_preset(presets::NOTHING).set_content_arrangement(ContentArrangement::Disabled).set_header(header.to_vec());
    t
}

pub fn owner_label(owner: Option<&str>) -> String {
    owner.map_or_else(|| "— unassigned".to_string(), str::to_string)
}

/// The columns every lead listing starts with: ID, NAME, COMPANY, SOURCE, STATUS.
pub fn lead_cells(l: &Lead) -> Vec<String> {
    vec![l.id.to_string(), l.name.clone(), l.company.clone(), l.source.clone(), l.status.clone()]
}

pub fn print_leads(leads: &[Lead], now: i64) {
    let mut t = table(&["ID", "NAME", "COMPANY", "SOURCE", "STATUS", "OWNER", "AGE"]);
    for l in leads {
        let mut cells = lead_cells(l);
        cells.extend([owner_label(l.owner.as_deref()), short_age(now - l.created_at)]);
        t.add_row(cells);
    }
    println!("{t}");
}

pub fn print_activity(rows: &[ActivityRow]) {
    let mut t = table(&["AT", "LEAD", "ACTOR", "WHAT", "VIA", "BATCH"]);
    for r in rows {
        let what = match (&r.from, &r.to) {
            (Some(f), Some(to)) => format!("{} {f} → {to}", r.kind),
            (None, Some(to)) => format!("{} → {to}", r.kind),
            (Some(f), None) => format!("{} {f} →", r.kind),
            (None, None) => r.kind.clone(),
        };
        let what = match &r.note {
            Some(note) => format!("{what}: {note}"),
            None => what,
        };
        t.add_row(vec![
            to_rfc3339(r.at),
            r.lead.map(|l| format!("#{l}")).unwrap_or_default(),
            r.actor.clone(),
            what,
            r.via.clone(),
            r.batch.to_string(),
        ]);
    }
    println!("{t}");
}
