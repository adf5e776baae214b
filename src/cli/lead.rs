use serde_json::Value;

use super::Session;
use super::args::{LeadAddArgs, LeadCommand};
use super::output::{activity_json, lead_json, owner_label, print_activity, print_json, print_leads};
use crate::core::activity::{self, ActivityQuery};
use crate::core::error::Result;
use crate::core::model::NewLead;
use crate::core::page::{self, Sort};
use crate::core::time::to_rfc3339;
use crate::core::{distribute, explain, leads};

pub fn run(s: &mut Session, command: &LeadCommand) -> Result<()> {
    match command {
        LeadCommand::Add(a) => add(s, a),
        LeadCommand::List { filter, sort, limit } => {
            let sort: Sort = sort.parse()?;
            let filter = filter.spec().resolve(s.store.conn(), &s.ctx)?;
            let leads = page::all(s.store.conn(), &filter, sort, *limit)?;
            if s.json {
                print_json(&Value::Array(leads.iter().map(lead_json).collect()))
            } else {
                print_leads(&leads, s.ctx.now_ts());
                Ok(())
            }
        }
        LeadCommand::Show { id } => show(s, *id),
        LeadCommand::Move { id, status } => {
            let lead = leads::move_status(&mut s.store, &s.ctx, *id, status)?;
            if s.json {
                print_json(&lead_json(&lead))
            } else {
                println!("lead #{} is now {}", lead.id, lead.status);
                Ok(())
            }
        }
        LeadCommand::Explain { id } => {
            let e = explain::explain(s.store.conn(), &s.ctx, *id)?;
            if s.json {
                print_json(&serde_json::to_value(&e).unwrap_or_default())
            } else {
                println!("{}", e.summary);
                Ok(())
            }
        }
        LeadCommand::Note { id, text } => {
            leads::add_note(&mut s.store, &s.ctx, *id, text)?;
            if !s.json {
                println!("note added to lead #{id}");
            }
            Ok(())
        }
    }
}

fn add(s: &mut Session, a: &LeadAddArgs) -> Result<()> {
    let new = NewLead {
        name: a.name.clone(),
        email: a.email.clone(),
        phone: a.phone.clone(),
        company: a.company.clone(),
        source: a.source.clone(),
        status: a.status.clone(),
        tags: a.tags.clone(),
        owner: a.owner.clone(),
        created_at: None,
    };
    let (lead, unplaced) = distribute::create_lead(&mut s.store, &s.ctx, &new)?;
    // Routing (a rule, or a duplicate of someone else's lead) may have given
    // the new lead to an owner the acting agent cannot see: name nobody (V6).
    if lead.owner.is_some() && leads::get(s.store.conn(), &s.ctx, lead.id).is_err() {
        if s.json {
            return print_json(&serde_json::json!({"id": lead.id, "visible": false}));
        }
        println!("created lead #{}; routing gave it to another owner", lead.id);
        return Ok(());
    }
    if s.json {
        let mut value = lead_json(&lead);
        value["routing"] = serde_json::json!(unplaced.map(|u| u.reason));
        print_json(&value)
    } else {
        println!("created lead #{} {} ({})", lead.id, lead.name, owner_label(lead.owner.as_deref()));
        if let Some(u) = unplaced {
            println!("left unassigned: {}", u.reason);
        }
        Ok(())
    }
}

fn show(s: &Session, id: i64) -> Result<()> {
    let lead = leads::get(s.store.conn(), &s.ctx, id)?;
    let rows = activity::list(s.store.conn(), &ActivityQuery { lead: Some(id), ..ActivityQuery::default() })?;
    if s.json {
        let mut value = lead_json(&lead);
        value["activity"] = Value::Array(rows.iter().map(activity_json).collect());
        return print_json(&value);
    }
    println!("#{} {}", lead.id, lead.name);
    for (label, value) in [
        ("email", lead.email.clone()),
        ("phone", lead.phone.clone()),
        ("company", lead.company.clone()),
        ("source", lead.source.clone()),
        ("status", lead.status.clone()),
        ("tags", lead.tags.join(", ")),
        ("owner", owner_label(lead.owner.as_deref())),
        ("created", to_rfc3339(lead.created_at)),
    ] {
        println!("  {label:<8} {value}");
    }
    println!();
    print_activity(&rows);
    Ok(())
}
