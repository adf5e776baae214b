//! Distribution through a group (A5–A10): who is eligible, who is next.

use std::collections::HashMap;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rusqlite::{Connection, params};
use serde::Serialize;
use serde_json::json;

use super::context::Ctx;
use super::error::Result;
use super::groups::{self, Group, Method};
use super::store::Writer;
use super::time;

/// A member as rotation sees them right now.
#[derive(Debug, Clone, Serialize)]
pub struct Candidate {
    pub user_id: i64,
    pub name: String,
    pub position: i64,
    pub active: bool,
    pub on_leave: bool,
    /// Effective limits (member override, else the group's); 0 = unlimited.
    pub daily_limit: i64,
    pub monthly_limit: i64,
    /// Deliveries from this group to this member since local midnight / the 1st.
    pub today: i64,
    pub month: i64,
    pub open_leads: i64,
}

impl Candidate {
    /// A8, without building the reason (this runs for every member of every lead).
    pub fn eligible(&self) -> bool {
        self.active
            && !self.on_leave
            && (self.monthly_limit == 0 || self.month < self.monthly_limit)
            && (self.daily_limit == 0 || self.today < self.daily_limit)
    }

    /// `None` when eligible (A8), else why not.
    pub fn ineligible(&self) -> Option<String> {
        if !self.active {
            Some("deactivated".into())
        } else if self.on_leave {
            Some("on leave".into())
        } else if self.monthly_limit > 0 && self.month >= self.monthly_limit {
            Some(format!("monthly limit reached ({}/{})", self.month, self.monthly_limit))
        } else if self.daily_limit > 0 && self.today >= self.daily_limit {
            Some(format!("daily limit reached ({}/{})", self.today, self.daily_limit))
        } else {
            None
        }
    }
}

/// A member passed over, and why: kept with each assignment for `explain` (R6).
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct Skipped {
    pub user: String,
    pub reason: String,
}

pub const NO_MEMBERS: &str = "group has no members";
pub const NO_ACTIVE: &str = "no active members";
pub const ALL_AT_LIMIT: &str = "all members at limit";

/// One group's rotation state for the length of one transaction.
pub struct Distributor {
    pub group: Group,
    pub members: Vec<Candidate>,
    cursor: i64,
    /// Where the cursor stood when this transaction read it (A4: undo puts it back).
    cursor_before: i64,
    rng: ChaCha8Rng,
    /// [`Distributor::detail`] by rule id, valid until someone's eligibility changes.
    details: HashMap<Option<i64>, Option<String>>,
}

/// A fresh seed for a run given none: drawn, then printed with the result so
/// the run can be repeated (A6, A14).
pub fn fresh_seed() -> u64 {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64);
    nanos ^ (u64::from(std::process::id()) << 32)
}

impl Distributor {
    /// Read the group, its members and their counts. Call inside the write
    /// transaction that will assign: the group (method, limits, cursor) is read
    /// again here, so a rotation or a limit change committed since the caller
    /// looked the group up is never ignored (§7).
    pub fn load(conn: &Connection, group: &Group, ctx: &Ctx) -> Result<Distributor> {
        let group = groups::get(conn, group.id)?;
        let (day_from, day_to) = time::day_bounds(ctx.tz, ctx.now());
        let (month_from, month_to) = time::month_bounds(ctx.tz, ctx.now());
        let (day, month) = ((day_from.timestamp(), day_to.timestamp()), (month_from.timestamp(), month_to.timestamp()));
        let needs_open = group.method == Method::Balanced;
        // The whole office day and month count, deliveries stamped later than
        // the clock included, so a backdated run cannot overrun a limit (A8).
        let mut count = conn.prepare_cached(
            "SELECT count(*) FROM deliveries WHERE group_id = ?1 AND user_id = ?2 AND at >= ?3 AND at < ?4",
        )?;
        let mut members = Vec::new();
        for m in groups::members(conn, group.id)? {
            let today: i64 = count.query_row(params![group.id, m.user.id, day.0, day.1], |r| r.get(0))?;
            let this_month: i64 = count.query_row(params![group.id, m.user.id, month.0, month.1], |r| r.get(0))?;
            let open_leads = if needs_open { open_leads(conn, m.user.id)? } else { 0 };
            members.push(Candidate {
                user_id: m.user.id,
                name: m.user.name.clone(),
                position: m.position,
                active: m.user.active,
                on_leave: m.user.on_leave,
                daily_limit: m.daily_limit.unwrap_or(group.daily_limit),
                monthly_limit: m.monthly_limit.unwrap_or(group.monthly_limit),
                today,
                month: this_month,
                open_leads,
            });
        }
        let seed = ctx.seed.map_or_else(fresh_seed, |s| s ^ group.id as u64);
        Ok(Distributor {
            cursor: group.cursor_position,
            cursor_before: group.cursor_position,
            group,
            members,
            rng: ChaCha8Rng::seed_from_u64(seed),
            details: HashMap::new(),
        })
    }

    /// Members in rotation order starting after the cursor, wrapping (A5).
    fn after_cursor(&self) -> impl Iterator<Item = usize> + '_ {
        let start = self.members.iter().position(|m| m.position > self.cursor).unwrap_or(0);
        (0..self.members.len()).map(move |i| (start + i) % self.members.len())
    }

    /// Why nobody can take a lead (A9), or `None` when someone can.
    pub fn full_reason(&self) -> Option<&'static str> {
        if self.members.is_empty() {
            Some(NO_MEMBERS)
        } else if !self.members.iter().any(|m| m.active && !m.on_leave) {
            Some(NO_ACTIVE)
        } else if !self.members.iter().any(Candidate::eligible) {
            Some(ALL_AT_LIMIT)
        } else {
            None
        }
    }

    pub fn skipped(&self) -> Vec<Skipped> {
        self.members
            .iter()
            .filter_map(|m| m.ineligible().map(|reason| Skipped { user: m.name.clone(), reason }))
            .collect()
    }

    /// Who gets the next lead, without handing it out. For `random` this draws
    /// from the generator, so call it once per lead.
    pub fn choose(&mut self) -> Result<usize, &'static str> {
        if let Some(reason) = self.full_reason() {
            return Err(reason);
        }
        let eligible: Vec<usize> = self.after_cursor().filter(|&i| self.members[i].eligible()).collect();
        let chosen = match self.group.method {
            Method::Sequential => eligible.first().copied(),
            Method::Random => {
                let k = self.rng.random_range(0..eligible.len());
                eligible.get(k).copied()
            }
            // min_by_key keeps the first of equals: ties go by rotation order after the cursor.
            Method::Balanced => eligible.iter().copied().min_by_key(|&i| self.members[i].open_leads),
        };
        chosen.ok_or(ALL_AT_LIMIT)
    }

    /// Count a delivery to member `i` and move the cursor to them.
    pub fn deliver(&mut self, i: usize) {
        if let Some(m) = self.members.get_mut(i) {
            m.today += 1;
            m.month += 1;
            m.open_leads += 1;
            self.cursor = m.position;
            if !m.eligible() {
                self.details.clear();
            }
        }
    }

    /// The JSON kept with an assignment from this group for `explain` (R6):
    /// the rule, the group and who was skipped; for a plain rotation only who
    /// was skipped (its `via` names the group), and `None` when nobody was. It stays the same from
    /// lead to lead until someone reaches a limit, so it is built once per
    /// rule rather than once per lead.
    pub fn detail(&mut self, rule: Option<(i64, &str)>) -> Option<String> {
        let key = rule.map(|(id, _)| id);
        if let Some(detail) = self.details.get(&key) {
            return detail.clone();
        }
        let skipped = self.skipped();
        let detail = match rule {
            Some((id, name)) => Some(json!({
                "rule": id,
                "rule_name": name,
                "group": self.group.id,
                "group_name": self.group.name,
                "method": self.group.method,
                "skipped": skipped,
            })),
            // `via` (`group:<id>`) names the group; only who was skipped needs keeping.
            None if !skipped.is_empty() => Some(json!({ "skipped": skipped })),
            None => None,
        };
        let detail = detail.map(|d| d.to_string());
        self.details.insert(key, detail.clone());
        detail
    }

    /// Who would be next for a sequential or balanced group (random has no "next").
    pub fn next_up(&self) -> Option<&Candidate> {
        if self.full_reason().is_some() {
            return None;
        }
        let eligible = self.after_cursor().filter(|&i| self.members[i].eligible());
        match self.group.method {
            Method::Sequential => eligible.into_iter().next().map(|i| &self.members[i]),
            Method::Balanced => eligible.min_by_key(|&i| self.members[i].open_leads).map(|i| &self.members[i]),
            Method::Random => None,
        }
    }

    pub fn cursor(&self) -> i64 {
        self.cursor
    }

    /// Persist the cursor in the transaction of the deliveries, and where it
    /// stood before, so that undoing the batch can put it back (A4).
    pub fn save_cursor(&self, w: &Writer<'_>) -> Result<()> {
        if self.cursor == self.cursor_before {
            return Ok(());
        }
        w.conn()
            .prepare_cached("UPDATE user_groups SET cursor_position = ?1 WHERE id = ?2")?
            .execute(params![self.cursor, self.group.id])?;
        w.conn()
            .prepare_cached(
                "INSERT OR IGNORE INTO batch_cursors (batch_id, group_id, cursor_before) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![w.batch(), self.group.id, self.cursor_before])?;
        Ok(())
    }
}

/// Leads the user owns in an open stage (balanced rotation, workload).
pub fn open_leads(conn: &Connection, user_id: i64) -> Result<i64> {
    Ok(conn
        .prepare_cached(
            "SELECT count(*) FROM leads WHERE owner_id = ?1 AND stage_id IN (SELECT id FROM stages WHERE closed = 0)",
        )?
        .query_row([user_id], |r| r.get(0))?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eligible_agrees_with_the_reason() {
        for (active, on_leave, today, month, daily, monthly) in [
            (true, false, 0, 0, 0, 0),
            (false, false, 0, 0, 0, 0),
            (true, true, 0, 0, 0, 0),
            (true, false, 2, 2, 2, 0),
            (true, false, 1, 7, 5, 7),
            (true, false, 4, 6, 5, 7),
        ] {
            let c = Candidate {
                user_id: 1,
                name: "Tom".into(),
                position: 1,
                active,
                on_leave,
                daily_limit: daily,
                monthly_limit: monthly,
                today,
                month,
                open_leads: 0,
            };
            assert_eq!(c.eligible(), c.ineligible().is_none(), "{c:?}");
        }
    }
}
