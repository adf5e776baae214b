use serde_json::{Value, json};

use super::Session;
use super::args::{RoutingCommand, RuleCommand};
use super::output::{print_json, table};
use crate::core::distribute;
use crate::core::error::Result;
use crate::core::rules::known::Unknown;
use crate::core::rules::{self, Condition, Rule, Target, TargetName};
use crate::core::settings;

fn rule_json(r: &Rule) -> Value {
    let target = match &r.target {
        Target::Group { name, .. } => json!({ "group": name }),
        Target::User { name, .. } => json!({ "user": name }),
    };
    json!({
        "id": r.id,
        "name": r.name,
        "priority": r.priority,
        "enabled": r.enabled,
        "conditions": r.conditions.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "target": target,
    })
}

fn print_rule(s: &Session, r: &Rule, message: &str) -> Result<()> {
    if s.json {
        print_json(&rule_json(r))
    } else {
        println!("{message}");
        Ok(())
    }
}

pub fn run(s: &mut Session, command: &RuleCommand) -> Result<()> {
    match command {
        RuleCommand::Add { name, to_group, to_user, conditions, priority } => {
            let target = match (to_group, to_user) {
                (Some(g), _) => TargetName::Group(g.clone()),
                (None, Some(u)) => TargetName::User(u.clone()),
                (None, None) => return Err(crate::core::Error::invalid("give --to-group or --to-user")),
            };
            let conditions = conditions.iter().map(|c| Condition::parse(c)).collect::<Result<Vec<_>>>()?;
            let unknown = rules::known::unknown_values(s.store.conn(), &conditions)?;
            let r = rules::add(&mut s.store, &s.ctx, name, &target, &conditions, *priority)?;
            print_rule(s, &r, &format!("added rule #{} {} (priority {})", r.id, r.name, r.priority))?;
            warn_unknown(&unknown);
            Ok(())
        }
        RuleCommand::List => list(s),
        RuleCommand::Enable { id } => {
            let r = rules::set_enabled(&mut s.store, &s.ctx, *id, true)?;
            print_rule(s, &r, &format!("rule #{id} enabled"))
        }
        RuleCommand::Disable { id } => {
            let r = rules::set_enabled(&mut s.store, &s.ctx, *id, false)?;
            print_rule(s, &r, &format!("rule #{id} disabled"))
        }
        RuleCommand::Delete { id } => {
            rules::delete(&mut s.store, &s.ctx, *id)?;
            if s.json {
                print_json(&json!({ "deleted": id }))
            } else {
                println!("deleted rule #{id}");
                Ok(())
            }
        }
        RuleCommand::Move { id, to } => {
            let r = rules::move_to(&mut s.store, &s.ctx, *id, *to)?;
            print_rule(s, &r, &format!("rule #{id} is now tried at position {}", r.priority))
        }
    }
}

/// A value no lead has is saved as typed (a script may add the rule before
/// the leads), but said on stderr with the known values closest to it, so
/// that a typo such as `source=LinkdIn` is seen.
fn warn_unknown(unknown: &[Unknown]) {
    for u in unknown {
        let close = if u.closest.len() > 1 { format!(" Close: {}.", u.closest.join(", ")) } else { String::new() };
        eprintln!("warning: {} Saved as typed.{close}", u.question());
    }
}

fn list(s: &Session) -> Result<()> {
    let all = rules::list(s.store.conn())?;
    if s.json {
        return print_json(&Value::Array(all.iter().map(rule_json).collect()));
    }
    let mut t = table(&["#", "ID", "NAME", "IF", "THEN", "ENABLED"]);
    for r in &all {
        let conditions: Vec<String> = r.conditions.iter().map(ToString::to_string).collect();
        t.add_row(vec![
            r.priority.to_string(),
            r.id.to_string(),
            r.name.clone(),
            if conditions.is_empty() { "every lead".into() } else { conditions.join(" and ") },
            r.target_label(),
            if r.enabled { "yes" } else { "no" }.to_string(),
        ]);
    }
    println!("{t}");
    Ok(())
}

pub fn routing(s: &mut Session, command: &RoutingCommand) -> Result<()> {
    match command {
        RoutingCommand::On => {
            let backlog = distribute::set_auto_assign(&mut s.store, &s.ctx, true)?;
            if s.json {
                return status(s);
            }
            println!("auto-assign is on");
            if backlog > 0 {
                if backlog == 1 {
                    println!("1 lead arrived while paused and is still unassigned;");
                } else {
                    println!("{backlog} leads arrived while paused and are still unassigned;");
                }
                println!(
                    "preview with `leadrota route --unassigned --dry-run`, then run `leadrota route --unassigned`"
                );
            }
            Ok(())
        }
        RoutingCommand::Off => {
            distribute::set_auto_assign(&mut s.store, &s.ctx, false)?;
            if s.json {
                status(s)
            } else {
                println!("auto-assign is paused: new leads stay unassigned");
                Ok(())
            }
        }
        RoutingCommand::Duplicates { state } => {
            distribute::set_duplicate_routing(&mut s.store, &s.ctx, state == "on")?;
            if s.json {
                status(s)
            } else {
                println!("duplicate routing is {state}");
                Ok(())
            }
        }
        RoutingCommand::Status => status(s),
    }
}

fn status(s: &Session) -> Result<()> {
    let conn = s.store.conn();
    let on = settings::is_on(conn, settings::AUTO_ASSIGN)?;
    let duplicates = settings::is_on(conn, settings::DUPLICATE_ROUTING)?;
    let backlog = distribute::paused_backlog(conn)?;
    let rules = rules::list(conn)?;
    let enabled = rules.iter().filter(|r| r.enabled).count();
    if s.json {
        return print_json(&json!({
            "auto_assign": on,
            "duplicates": duplicates,
            "paused_backlog": backlog,
            "rules": rules.len(),
            "enabled_rules": enabled,
        }));
    }
    println!("auto-assign: {}", if on { "on" } else { "off (paused)" });
    println!("duplicate routing: {}", if duplicates { "on" } else { "off" });
    println!("rules: {} ({enabled} enabled)", rules.len());
    if backlog > 0 {
        println!("arrived while paused, still unassigned: {backlog}");
    }
    Ok(())
}
