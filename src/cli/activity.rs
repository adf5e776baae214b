use serde_json::Value;

use super::Session;
use super::args::ActivityArgs;
use super::output::{activity_json, print_activity, print_json};
use crate::core::activity::{self, ActivityQuery};
use crate::core::error::Result;
use crate::core::filter::Filter;
use crate::core::rights::{self, Action};
use crate::core::{leads, users};

pub fn run(s: &Session, a: &ActivityArgs) -> Result<()> {
    if let Some(id) = a.lead {
        // Refuses leads the acting user may not see.
        leads::get(s.store.conn(), &s.ctx, id)?;
    }
    let user = a.user.as_deref().map(|name| users::find(s.store.conn(), name)).transpose()?;
    let team = rights::may(&s.ctx.actor, Action::SeeEveryLead);
    if !team && a.lead.is_none() && user.as_ref().map(|u| u.id) != s.ctx.actor.user_id() {
        rights::require(&s.ctx, Action::SeeTeamActivity)?;
    }
    let query = ActivityQuery {
        lead: a.lead,
        user: user.map(|u| u.id),
        batch: a.batch,
        limit: Some(a.limit),
        leads_within: (!team).then(|| Filter::for_actor(&s.ctx)),
    };
    let rows = activity::list(s.store.conn(), &query)?;
    if s.json {
        print_json(&Value::Array(rows.iter().map(activity_json).collect()))
    } else {
        print_activity(&rows);
        Ok(())
    }
}
