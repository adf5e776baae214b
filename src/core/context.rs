use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::model::User;

/// Who is acting: a named user, or the machine itself (cron, scripts, first run).
#[derive(Debug, Clone, PartialEq)]
pub enum Actor {
    System,
    User(User),
}

impl Actor {
    pub fn user_id(&self) -> Option<i64> {
        match self {
            Actor::System => None,
            Actor::User(u) => Some(u.id),
        }
    }

    pub fn name(&self) -> &str {
        match self {
            Actor::System => "system",
            Actor::User(u) => &u.name,
        }
    }

    /// Whether the actor sees and may act on every lead (V6: admins,
    /// managers and the system; see [`super::rights`]).
    pub fn is_manager(&self) -> bool {
        super::rights::may(self, super::rights::Action::SeeEveryLead)
    }
}

/// Everything a core call needs beyond the database: who acts, what time it
/// is (pinned with `--now`), and the office time zone for days and months.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub actor: Actor,
    pub pinned_now: Option<DateTime<Utc>>,
    pub tz: Tz,
    pub notify_on_assign: bool,
    /// The seed of random distribution (A6); a preview prints the one it drew
    /// and the run it promised passes it back (A14).
    pub seed: Option<u64>,
    /// A14's guard: how many leads the confirmed preview selected. A bulk
    /// change whose selection has another size now writes nothing.
    pub expect: Option<usize>,
    /// A stronger guard for a handful of ticked leads, whose count cannot
    /// change: their owners and stages as the confirm showed them
    /// ([`crate::core::assign::selection_state`]).
    pub expect_state: Option<u64>,
}

impl Ctx {
    pub fn new(tz: Tz) -> Self {
        Ctx {
            actor: Actor::System,
            pinned_now: None,
            tz,
            notify_on_assign: true,
            seed: None,
            expect: None,
            expect_state: None,
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.pinned_now.unwrap_or_else(Utc::now)
    }

    pub fn now_ts(&self) -> i64 {
        self.now().timestamp()
    }

    /// This context for applying a confirmed preview: the plan's token (A14).
    pub fn guarded(&self, expect: usize, seed: Option<u64>) -> Ctx {
        Ctx { expect: Some(expect), seed: seed.or(self.seed), ..self.clone() }
    }

    /// [`Ctx::guarded`], with the state of ticked leads the confirm showed.
    pub fn guarded_state(&self, expect: usize, seed: Option<u64>, state: Option<u64>) -> Ctx {
        Ctx { expect_state: state, ..self.guarded(expect, seed) }
    }

    /// A14: refuse, before anything is written, a selection that is not the
    /// size the user confirmed.
    pub fn check_expected(&self, selected: usize) -> super::error::Result<()> {
        match self.expect {
            Some(expected) if expected != selected => {
                Err(super::error::Error::SelectionChanged { now: selected, expected })
            }
            _ => Ok(()),
        }
    }
}
