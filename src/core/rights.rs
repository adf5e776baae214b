//! Who may do what (SPEC V6): one table of actions × roles, asked by every
//! CLI command and by the core functions that change or reveal something.
//!
//! The system (cron, scripts, no `--as`) may do everything. Agents work their
//! own leads: they see only those and the unassigned leads they may pick up,
//! and a lead they cannot see is "not found" — the same words as a lead that
//! does not exist — so no message tells them it exists or who owns it.

use strum::{EnumIter, EnumMessage, IntoStaticStr};

use super::context::{Actor, Ctx};
use super::error::{Error, Result};
use super::model::Role;

/// Everything a right is asked for. The message completes "agents cannot …".
#[derive(Debug, Clone, Copy, PartialEq, Eq, EnumIter, EnumMessage, IntoStaticStr)]
#[strum(serialize_all = "kebab-case")]
pub enum Action {
    /// Leads, as far as the actor may see them (agents: their own and the
    /// unassigned ones they may pick up).
    #[strum(message = "see leads")]
    SeeLeads,
    /// Every lead, whoever owns it (agents: their own and those they may pick up).
    #[strum(message = "see other users' leads")]
    SeeEveryLead,
    #[strum(message = "see the team's activity (use --user with your own name, or --lead)")]
    SeeTeamActivity,
    #[strum(message = "see the team's workload")]
    SeeWorkload,
    /// The team, groups, rules and switches (no lead in them).
    #[strum(message = "see the team")]
    SeeTeam,
    #[strum(message = "add leads")]
    AddLead,
    #[strum(message = "create leads owned by someone else")]
    AddLeadForOthers,
    /// Move, or note, a lead the actor may see (agents: their own leads).
    #[strum(message = "change other users' leads")]
    WorkLead,
    #[strum(message = "assign leads to others (use pickup)")]
    Assign,
    #[strum(message = "rotate leads through a group")]
    Rotate,
    #[strum(message = "route leads")]
    Route,
    /// Take unassigned leads (also needs the user's `can_pickup`).
    #[strum(message = "pick up leads")]
    PickUp,
    /// Undo one's own latest batch (A4 never undoes anyone else's).
    #[strum(message = "undo")]
    UndoOwnBatch,
    #[strum(message = "import leads")]
    Import,
    /// Export the leads the actor may see.
    #[strum(message = "export leads")]
    Export,
    #[strum(message = "back up the database")]
    Backup,
    #[strum(message = "run doctor")]
    Doctor,
    #[strum(message = "change users")]
    ManageUsers,
    #[strum(message = "manage groups")]
    ManageGroups,
    #[strum(message = "manage routing rules")]
    ManageRules,
    #[strum(message = "change settings")]
    ChangeSettings,
    /// Their own notifications.
    #[strum(message = "read notifications")]
    ReadNotifications,
    #[strum(message = "create a demo database")]
    Demo,
}

const EVERYONE: [bool; 3] = [true, true, true];
const MANAGERS: [bool; 3] = [true, true, false];

impl Action {
    /// The table: may an admin, a manager, an agent (in that order)?
    const fn allowed(self) -> [bool; 3] {
        use Action::*;
        match self {
            SeeLeads | SeeTeam | AddLead | WorkLead | PickUp | UndoOwnBatch | Export | ReadNotifications | Demo => {
                EVERYONE
            }
            SeeEveryLead | SeeTeamActivity | SeeWorkload | AddLeadForOthers | Assign | Rotate | Route | Import
            | Backup | Doctor | ManageUsers | ManageGroups | ManageRules | ChangeSettings => MANAGERS,
        }
    }

    /// Whether a user of `role` may.
    pub fn allows(self, role: Role) -> bool {
        let [admin, manager, agent] = self.allowed();
        match role {
            Role::Admin => admin,
            Role::Manager => manager,
            Role::Agent => agent,
        }
    }

    fn refusal(self, role: Role) -> Error {
        let what = self.get_message().unwrap_or("do that");
        Error::Forbidden(format!("{}s cannot {what}", role.as_str()))
    }
}

/// Whether the acting user may.
pub fn may(actor: &Actor, action: Action) -> bool {
    match actor {
        Actor::System => true,
        Actor::User(u) => action.allows(u.role),
    }
}

/// Refuse, with one line saying who cannot do what, unless the acting user may.
pub fn require(ctx: &Ctx, action: Action) -> Result<()> {
    match &ctx.actor {
        Actor::User(u) if !action.allows(u.role) => Err(action.refusal(u.role)),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use strum::IntoEnumIterator;

    use super::*;

    #[test]
    fn admins_and_managers_may_everything_and_agents_only_their_own_work() {
        let agent_may: Vec<&str> = Action::iter().filter(|a| a.allows(Role::Agent)).map(<&str>::from).collect();
        assert_eq!(
            agent_may,
            [
                "see-leads",
                "see-team",
                "add-lead",
                "work-lead",
                "pick-up",
                "undo-own-batch",
                "export",
                "read-notifications",
                "demo"
            ]
        );
        assert!(Action::iter().all(|a| a.allows(Role::Admin) && a.allows(Role::Manager)));
    }

    #[test]
    fn every_refusal_says_what_cannot_be_done() {
        for action in Action::iter().filter(|a| !a.allows(Role::Agent)) {
            let message = action.refusal(Role::Agent).to_string();
            assert!(message.starts_with("permission denied: agents cannot ") && !message.ends_with("do that"));
        }
        assert_eq!(
            Action::Backup.refusal(Role::Agent).to_string(),
            "permission denied: agents cannot back up the database"
        );
    }
}
