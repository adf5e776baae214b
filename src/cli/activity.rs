use serde_json::Value;

use super::Session;
use super::args::ActivityArgs;
use super::output::{activity_json, print_activity, print_json};
use crate::core::activity::{self, ActivityQuery};
use crate::core::error::Result;
use crate::core::filter::Filter;
use crate::core::rights::{self, Action};
use crate::core::{leads, users};

/// Rows shown when no limit is asked for (and no batch named).
const DEFAULT_LIMIT: usize = 50;

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
        // A batch is listed whole unless a limit is asked for: its rows are
        // what a confirm promised, and a cut list would not add up.
        limit: a.limit.or(if a.batch.is_some() { None } else { Some(DEFAULT_LIMIT) }).map(|n| n.saturating_add(1)),
        leads_within: (!team).then(|| Filter::for_actor(&s.ctx)),
    };
    let mut rows = activity::list(s.store.conn(), &query)?;
    // One row more than asked for says whether the list was cut.
    let cut = query.limit.is_some_and(|n| rows.len() == n);
    if cut {
        rows.pop();
    }
    if s.json {
        print_json(&Value::Array(rows.iter().map(activity_json).collect()))
    } else {
        print_activity(&rows);
        if cut {
            eprintln!("the newest {} rows; --limit N shows more", rows.len());
        }
        Ok(())
    }
}
