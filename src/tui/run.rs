//! Carrying out a confirmed [`Pending`] through the core; the message says
//! what happened ("312 assigned to Tom, 0 unchanged").

use crate::core::assign::{self, Selection};
use crate::core::error::{Error, Result};
pub use crate::core::error::{thousands, thousands_of};
use crate::core::{Ctx, Store, distribute, groups, leads, rules, users};
use crate::tui::flow::{Pending, plural};
use crate::tui::modal::typed::{self, Check};
use crate::tui::panes::import;

/// The selection no longer has the leads the confirm showed (A14).
pub fn changed_since(shown: usize, now: usize) -> Result<()> {
    if shown == now { Ok(()) } else { Err(Error::SelectionChanged { now, expected: shown }) }
}

/// What a write made that its pane should show selected afterwards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Created {
    Group(String),
    User(String),
    Rule(String),
}

impl Pending {
    pub fn created(&self) -> Option<Created> {
        match self {
            Pending::AddGroup { name, .. } => Some(Created::Group(name.clone())),
            Pending::AddUser { name } => Some(Created::User(name.clone())),
            Pending::AddRule { name, .. } => Some(Created::Rule(name.clone())),
            _ => None,
        }
    }

    pub fn execute(self, store: &mut Store, ctx: &Ctx) -> Result<String> {
        Ok(match self {
            Pending::Assign { selection, to, reassign, expect, state } => {
                let ctx = ctx.guarded_state(expect, None, state);
                if reassign {
                    let r = assign::reassign(store, &ctx, &selection, &to)?;
                    format!("{} reassigned to {to}, {} unchanged", thousands(r.changed), thousands(r.unchanged))
                } else {
                    let r = assign::assign(store, &ctx, &selection, &to)?;
                    format!("{} assigned to {to}, {} unchanged", thousands(r.changed), thousands(r.unchanged))
                }
            }
            Pending::Unassign { selection, expect, state } => {
                let ctx = ctx.guarded_state(expect, None, state);
                let r = assign::unassign(store, &ctx, &selection)?;
                format!("{} unassigned, {} unchanged", thousands(r.changed), thousands(r.unchanged))
            }
            Pending::Rotate { selection, group, expect, seed, state } => {
                let ctx = ctx.guarded_state(expect, Some(seed), state);
                let r = distribute::rotate(store, &ctx, &group, &selection, false)?;
                format!(
                    "{} assigned through {group}, {} left unassigned",
                    thousands(r.assigned.len()),
                    thousands(r.unassigned.len())
                )
            }
            Pending::Route { backlog, expect, seed } => {
                let ctx = ctx.guarded(expect, Some(seed));
                let r = distribute::route(store, &ctx, &backlog, false)?;
                format!(
                    "routed: {} assigned, {} left unassigned",
                    thousands(r.assigned.len()),
                    thousands(r.unassigned.len())
                )
            }
            Pending::Deactivate { user, handover, expect, seed } => {
                let ctx = ctx.guarded(expect, Some(seed));
                let r = distribute::deactivate(store, &ctx, &user, &handover, false)?;
                let (over, left) = (thousands(r.assigned.len()), thousands(r.unassigned.len()));
                format!("{user} deactivated: {over} handed over, {left} left unassigned")
            }
            Pending::Undo { batch } => {
                let r = assign::undo_batch(store, ctx, batch)?;
                let restored = r.result.changed;
                let what = r.undid.describe(ctx.now_ts());
                format!("undid {what} — {} lead{} restored", thousands(restored), plural(restored))
            }
            Pending::Pickup { ids } => {
                let r = assign::pickup(store, ctx, &ids)?;
                format!("{} picked up, {} already yours", thousands(r.changed), thousands(r.unchanged))
            }
            Pending::LeadOwner { lead, to: Some(to) } => {
                assign::assign(store, ctx, &Selection::Ids(vec![lead]), &to)?;
                format!("lead #{lead} assigned to {to}")
            }
            Pending::LeadOwner { lead, to: None } => {
                assign::unassign(store, ctx, &Selection::Ids(vec![lead]))?;
                format!("lead #{lead} unassigned")
            }
            Pending::LeadStatus { lead, status } => {
                leads::move_status(store, ctx, lead, &status)?;
                format!("lead #{lead} moved to {status}")
            }
            Pending::Note { lead, text } => {
                leads::add_note(store, ctx, lead, &text)?;
                format!("note added to lead #{lead}")
            }
            Pending::AddGroup { name, message } => {
                groups::add(store, ctx, &name, groups::Method::Sequential, 0, 0)?;
                message
            }
            Pending::SetGroup { name, changes, message } => {
                groups::set(store, ctx, &name, &changes)?;
                message
            }
            Pending::DeleteGroup { name } => {
                groups::delete(store, ctx, &name)?;
                format!("deleted group {name}")
            }
            Pending::Members { group, changes, message } => {
                groups::change_members(store, ctx, &group, &changes)?;
                message
            }
            Pending::MemberLimits { group, member, daily, monthly } => {
                groups::set_member_limits(store, ctx, &group, &member, daily, monthly)?;
                let limits = Check::OwnLimits.verdict(&typed::own_limits_text(daily, monthly));
                format!("{member} in {group}: {}", limits.unwrap_or_default())
            }
            Pending::Weight { group, member, weight } => {
                groups::set_weight(store, ctx, &group, &member, weight)?;
                format!("{member} weighs {weight} in {group}")
            }
            Pending::MemberCap { group, member, cap } => {
                groups::set_member_cap(store, ctx, &group, &member, cap)?;
                match cap {
                    Some(0) => format!("{member} has no open-lead cap in {group}"),
                    Some(cap) => format!("{member} holds at most {} open leads from {group}", thousands_of(cap)),
                    None => format!("{member} has {group}'s open-lead cap"),
                }
            }
            Pending::Hours { user, schedule } => {
                let u = users::set_hours(store, ctx, &user, schedule.as_deref())?;
                if u.schedule.is_empty() {
                    format!("{user} works any time")
                } else {
                    format!("{user} works {}", u.schedule)
                }
            }
            Pending::Away { user, until } => {
                let u = users::set_away(store, ctx, &user, until.as_deref())?;
                if u.away_until.is_empty() {
                    format!("{user} is back")
                } else {
                    format!("{user} is away until {}", u.away_until)
                }
            }
            Pending::AddUser { name } => {
                let new = users::NewUser {
                    name,
                    email: String::new(),
                    role: crate::core::model::Role::Agent,
                    can_pickup: false,
                };
                format!("added {}", users::add(store, ctx, &new)?.name)
            }
            Pending::SetRole { user, role } => {
                users::set_role(store, ctx, &user, role)?;
                format!("{user} is now {role}")
            }
            Pending::SetLeave { user, on } => {
                users::set_leave(store, ctx, &user, on)?;
                format!("{user} {}", if on { "is on leave" } else { "is back" })
            }
            Pending::SetCanPickup { user, on } => {
                users::set_can_pickup(store, ctx, &user, on)?;
                format!("{user} {} pick up leads", if on { "may" } else { "may no longer" })
            }
            Pending::Activate { user } => {
                users::activate(store, ctx, &user)?;
                format!("{user} is active again; add them back to groups")
            }
            Pending::AddRule { name, target, conditions } => {
                let r = rules::add(store, ctx, &name, &target, &conditions, None)?;
                format!("added rule #{} {}", r.id, r.name)
            }
            Pending::UpdateRule { id, target, conditions } => {
                rules::update(store, ctx, id, &target, &conditions)?;
                format!("rule #{id} changed; leads already assigned keep their owners")
            }
            Pending::DeleteRule { id } => {
                rules::delete(store, ctx, id)?;
                format!("deleted rule #{id}")
            }
            Pending::EnableRule { id, on } => {
                rules::set_enabled(store, ctx, id, on)?;
                format!("rule #{id} {}", if on { "enabled" } else { "disabled" })
            }
            Pending::MoveRule { id, to } => {
                rules::move_to(store, ctx, id, to)?;
                format!("rule #{id} is now tried {}", ordinal(to))
            }
            Pending::AutoAssign { on } => {
                let backlog = distribute::set_auto_assign(store, ctx, on)?;
                match (on, backlog) {
                    (false, _) => "auto-assign paused: new leads stay unassigned".to_string(),
                    (true, 0) => "auto-assign on".to_string(),
                    (true, 1) => "auto-assign on; 1 lead arrived while paused".to_string(),
                    (true, arrived) => format!("auto-assign on; {} leads arrived while paused", thousands_of(arrived)),
                }
            }
            Pending::Import { file, status_map, owner_map, save, expect } => {
                let confirmed = import::Confirmed {
                    file: &file,
                    status_map: &status_map,
                    owner_map: &owner_map,
                    save: save.as_ref(),
                    expect,
                };
                import::execute(store, ctx, confirmed)?
            }
            Pending::Duplicates { on } => {
                distribute::set_duplicate_routing(store, ctx, on)?;
                format!("duplicate routing {}", if on { "on" } else { "off" })
            }
        })
    }
}

/// `1st`, `2nd`, `3rd`, `4th`, `11th`, `21st`: a rule's place in the order.
pub fn ordinal(n: i64) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

#[cfg(test)]
mod tests {
    use super::ordinal;

    #[test]
    fn a_rules_place_reads_as_an_ordinal() {
        let read: Vec<String> = [1, 2, 3, 4, 5, 11, 12, 13, 21, 22, 101, 111].into_iter().map(ordinal).collect();
        assert_eq!(read, ["1st", "2nd", "3rd", "4th", "5th", "11th", "12th", "13th", "21st", "22nd", "101st", "111th"]);
    }
}
