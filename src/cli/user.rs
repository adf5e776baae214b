use serde_json::{Value, json};

use super::Session;
use super::args::UserCommand;
use super::assign::{print_route, route_json};
use super::output::{print_json, table};
use crate::core::distribute::{self, Handover};
use crate::core::error::Result;
use crate::core::model::User;
use crate::core::users::{self, NewUser};

pub fn run(s: &mut Session, command: &UserCommand) -> Result<()> {
    match command {
        UserCommand::Add { name, email, role, can_pickup } => {
            let new =
                NewUser { name: name.clone(), email: email.clone(), role: role.parse()?, can_pickup: *can_pickup };
            let user = users::add(&mut s.store, &s.ctx, &new)?;
            report(s, &user, &format!("added {} ({})", user.name, user.role))
        }
        UserCommand::List => list(s),
        UserCommand::Leave { name, on, .. } => {
            let user = users::set_leave(&mut s.store, &s.ctx, name, *on)?;
            let state = if user.on_leave { "on leave" } else { "back from leave" };
            report(s, &user, &format!("{} is {state}", user.name))
        }
        UserCommand::Deactivate { name, reassign_to, redistribute, preview, guard, .. } => {
            let dry_run = &preview.dry_run;
            super::assign::guarded(s, guard, preview.seed);
            let handover = match (reassign_to, redistribute) {
                (Some(to), _) => Handover::ReassignTo(to.clone()),
                (None, Some(group)) => Handover::Redistribute(group.clone()),
                (None, None) => Handover::LeaveUnassigned,
            };
            let result = distribute::deactivate(&mut s.store, &s.ctx, name, &handover, *dry_run)?;
            if s.json {
                return print_json(&route_json(&result));
            }
            if *dry_run {
                println!("{name} would be deactivated and leave every group; their open leads:");
            } else {
                println!("{name} is deactivated and has left every group");
            }
            print_route(s, &result, *dry_run)
        }
        UserCommand::Hours { name, schedule, .. } => {
            let user = users::set_hours(&mut s.store, &s.ctx, name, schedule.as_deref())?;
            let said = if user.schedule.is_empty() { "any time".to_string() } else { user.schedule.clone() };
            report(s, &user, &format!("{} works {said} (office time)", user.name))
        }
        UserCommand::Away { name, until, .. } => {
            let user = users::set_away(&mut s.store, &s.ctx, name, until.as_deref())?;
            let said = if user.away_until.is_empty() {
                "is back: automatic distribution includes them again".to_string()
            } else {
                format!("is away: no automatic distribution before {}", user.away_until)
            };
            report(s, &user, &format!("{} {said}", user.name))
        }
        UserCommand::Activate { name } => {
            let user = users::activate(&mut s.store, &s.ctx, name)?;
            report(s, &user, &format!("{} is active", user.name))
        }
    }
}

fn user_json(s: &Session, user: &User) -> Result<Value> {
    Ok(json!({
        "name": user.name,
        "email": user.email,
        "role": user.role,
        "active": user.active,
        "on_leave": user.on_leave,
        "can_pickup": user.can_pickup,
        "schedule": user.schedule,
        "away_until": user.away_until,
        "groups": users::group_names(s.store.conn(), user.id)?,
    }))
}

fn report(s: &Session, user: &User, message: &str) -> Result<()> {
    if s.json {
        print_json(&user_json(s, user)?)
    } else {
        println!("{message}");
        Ok(())
    }
}

fn list(s: &Session) -> Result<()> {
    let all = users::list(s.store.conn())?;
    if s.json {
        let rows = all.iter().map(|u| user_json(s, u)).collect::<Result<Vec<_>>>()?;
        return print_json(&Value::Array(rows));
    }
    let mut t = table(&["NAME", "ROLE", "EMAIL", "STATE", "PICK-UP", "GROUPS", "HOURS"]);
    for u in &all {
        let state = match (u.active, u.on_leave, u.away_until.is_empty()) {
            (false, _, _) => "deactivated".to_string(),
            (true, true, _) => "on leave".to_string(),
            (true, false, false) => format!("away until {}", u.away_until),
            (true, false, true) => "active".to_string(),
        };
        t.add_row(vec![
            u.name.clone(),
            u.role.to_string(),
            u.email.clone(),
            state,
            if u.can_pickup { "yes" } else { "no" }.to_string(),
            users::group_names(s.store.conn(), u.id)?.join(", "),
            if u.schedule.is_empty() { "any time".to_string() } else { u.schedule.clone() },
        ]);
    }
    println!("{t}");
    Ok(())
}
