//! Distribution through a group (A5–A10): who is eligible, who is next.

use std::collections::HashMap;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rusqlite::{Connection, params};
use serde::Serialize;
use serde_json::json;

use super::context::Ctx;
use super::error::{Error, Result, thousands_of};
use super::groups::{self, Group, Method};
use super::schedule::Availability;
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
    /// A17: off shift or away now, and until when.
    pub unavailable: Option<String>,
    /// Effective limits (member override, else the group's); 0 = unlimited.
    pub daily_limit: i64,
    pub monthly_limit: i64,
    /// A16: effective open-lead cap; 0 = none.
    pub max_open: i64,
    /// A15: share of the group's leads, 1–100.
    pub weight: i64,
    /// Deliveries from this group to this member in the office day / month of the clock.
    pub today: i64,
    pub month: i64,
    /// Leads the member owns in an open stage (counted for balanced groups and caps).
    pub open_leads: i64,
    /// A15: smooth weighted round-robin's balance.
    pub credit: i64,
    /// A18: when this group last delivered to the member ((0, 0): never), and
    /// the order of deliveries within this run.
    pub last_delivery: (i64, u64),
}

impl Candidate {
    /// A8, A16, A17, without building the reason (this runs for every member of every lead).
    pub fn eligible(&self) -> bool {
        self.active
            && !self.on_leave
            && self.unavailable.is_none()
            && (self.monthly_limit == 0 || self.month < self.monthly_limit)
            && (self.daily_limit == 0 || self.today < self.daily_limit)
            && (self.max_open == 0 || self.open_leads < self.max_open)
    }

    /// `None` when eligible, else why not.
    pub fn ineligible(&self) -> Option<String> {
        if !self.active {
            Some("deactivated".into())
        } else if self.on_leave {
            Some("on leave".into())
        } else if let Some(why) = &self.unavailable {
            Some(why.clone())
        } else if self.monthly_limit > 0 && self.month >= self.monthly_limit {
            Some(format!("monthly limit reached ({}/{})", thousands_of(self.month), thousands_of(self.monthly_limit)))
        } else if self.daily_limit > 0 && self.today >= self.daily_limit {
            Some(format!("daily limit reached ({}/{})", thousands_of(self.today), thousands_of(self.daily_limit)))
        } else if self.max_open > 0 && self.open_leads >= self.max_open {
            Some(format!("at open-lead cap ({}/{})", thousands_of(self.open_leads), thousands_of(self.max_open)))
        } else {
            None
        }
    }

    /// Present and able to work now: what remains is limits and caps.
    fn on_duty(&self) -> bool {
        self.active && !self.on_leave && self.unavailable.is_none()
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
pub const NOBODY_ON_SHIFT: &str = "nobody on shift";
pub const AT_LIMIT_OR_OFF_SHIFT: &str = "all members at limit or off shift";

/// One group's rotation state for the length of one transaction.
pub struct Distributor {
    pub group: Group,
    pub members: Vec<Candidate>,
    cursor: i64,
    /// Where the cursor stood when this transaction read it (A4: undo puts it back).
    cursor_before: i64,
    /// Each member's weighted balance as read, for undo (A4, A15).
    credits_before: Vec<i64>,
    /// Some weight is not 1: sequential uses smooth weighted round-robin (A15).
    weighted: bool,
    /// The clock of this run and how many leads it has handed out (A18's order).
    now: i64,
    handed_out: u64,
    rng: ChaCha8Rng,
    /// [`Distributor::detail`] by rule id, valid until someone's eligibility changes.
    details: HashMap<Option<i64>, Option<String>>,
    /// Each detail's first row in a batch: (batch, lead), see [`Distributor::carry`].
    carriers: HashMap<String, (i64, i64)>,
}

/// The detail of an activity row that keeps it no more than `lead`'s row of the same batch does.
pub fn same_as(lead: i64) -> String {
    format!("{{\"same_as_lead\":{lead}}}")
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
        // Read again inside the write: another seat may have changed it, or deleted it.
        let group = groups::get(conn, group.id).map_err(|e| match e {
            Error::NotFound { .. } => {
                Error::invalid(format!("group '{}' was deleted meanwhile; nothing was written", group.name))
            }
            other => other,
        })?;
        let now = ctx.now();
        let (day_from, day_to) = time::day_bounds(ctx.tz, now);
        let (month_from, month_to) = time::month_bounds(ctx.tz, now);
        let (day, month) = ((day_from.timestamp(), day_to.timestamp()), (month_from.timestamp(), month_to.timestamp()));
        // The whole office day and month count, deliveries stamped later than
        // the clock included, so a backdated run cannot overrun a limit (A8).
        let mut count = conn.prepare_cached(
            "SELECT count(*) FROM deliveries WHERE group_id = ?1 AND user_id = ?2 AND at >= ?3 AND at < ?4",
        )?;
        let mut last = conn.prepare_cached("SELECT max(at) FROM deliveries WHERE group_id = ?1 AND user_id = ?2")?;
        let mut members = Vec::new();
        for m in groups::members(conn, group.id)? {
            let today: i64 = count.query_row(params![group.id, m.user.id, day.0, day.1], |r| r.get(0))?;
            let this_month: i64 = count.query_row(params![group.id, m.user.id, month.0, month.1], |r| r.get(0))?;
            let max_open = m.max_open.unwrap_or(group.max_open);
            let needs_open = group.method == Method::Balanced || max_open > 0;
            let open_leads = if needs_open { open_leads(conn, m.user.id)? } else { 0 };
            let last_at: Option<i64> = if group.method == Method::Balanced {
                last.query_row(params![group.id, m.user.id], |r| r.get(0))?
            } else {
                None
            };
            let availability = Availability::from_stored(&m.user.schedule, &m.user.away_until);
            members.push(Candidate {
                user_id: m.user.id,
                name: m.user.name.clone(),
                position: m.position,
                active: m.user.active,
                on_leave: m.user.on_leave,
                unavailable: availability.unavailable(ctx.tz, now),
                daily_limit: m.daily_limit.unwrap_or(group.daily_limit),
                monthly_limit: m.monthly_limit.unwrap_or(group.monthly_limit),
                max_open,
                weight: m.weight,
                today,
                month: this_month,
                open_leads,
                credit: m.credit,
                last_delivery: (last_at.unwrap_or(0), 0),
            });
        }
        let seed = ctx.seed.map_or_else(fresh_seed, |s| s ^ group.id as u64);
        let credits_before = members.iter().map(|m| m.credit).collect();
        Ok(Distributor {
            cursor: group.cursor_position,
            cursor_before: group.cursor_position,
            credits_before,
            weighted: members.iter().any(|m| m.weight != 1),
            now: now.timestamp(),
            handed_out: 0,
            group,
            members,
            rng: ChaCha8Rng::seed_from_u64(seed),
            details: HashMap::new(),
            carriers: HashMap::new(),
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
        } else if !self.members.iter().any(Candidate::on_duty) {
            Some(NOBODY_ON_SHIFT)
        } else if !self.members.iter().any(Candidate::eligible) {
            let someone_away = self.members.iter().any(|m| m.active && !m.on_leave && m.unavailable.is_some());
            Some(if someone_away { AT_LIMIT_OR_OFF_SHIFT } else { ALL_AT_LIMIT })
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
        self.choose_except(None)
    }

    /// [`Distributor::choose`] passing over one user (A19: a reclaimed lead
    /// goes to someone other than its owner).
    pub fn choose_except(&mut self, except: Option<i64>) -> Result<usize, &'static str> {
        if let Some(reason) = self.full_reason() {
            return Err(reason);
        }
        let eligible: Vec<usize> = self
            .after_cursor()
            .filter(|&i| self.members[i].eligible() && Some(self.members[i].user_id) != except)
            .collect();
        if eligible.is_empty() {
            return Err(ALL_AT_LIMIT);
        }
        let chosen = match self.group.method {
            Method::Sequential if self.weighted => self.smooth_weighted(&eligible),
            Method::Sequential => eligible.first().copied(),
            Method::Random => {
                // A15: a draw proportional to weight (with weights of 1, uniform).
                let total: i64 = eligible.iter().map(|&i| self.members[i].weight).sum();
                let mut ticket = self.rng.random_range(0..total.max(1));
                eligible.iter().copied().find(|&i| {
                    ticket -= self.members[i].weight;
                    ticket < 0
                })
            }
            Method::Balanced => self.least_busy(eligible.iter().copied()),
        };
        chosen.ok_or(ALL_AT_LIMIT)
    }

    /// A15: the eligible member with the largest balance after each gets
    /// their weight (ties: rotation order after the cursor). Over a full
    /// cycle each gets exactly their weight's turns, interleaved.
    fn smooth_weighted(&self, eligible: &[usize]) -> Option<usize> {
        let mut best: Option<(i64, usize)> = None;
        for &i in eligible {
            let m = &self.members[i];
            let score = m.credit + m.weight;
            if best.is_none_or(|(b, _)| score > b) {
                best = Some((score, i));
            }
        }
        best.map(|(_, i)| i)
    }

    /// A7 with A15 and A18: the fewest open leads per unit of weight; among
    /// equals, the one who waited longest for a delivery from this group
    /// (never: first); then rotation order after the cursor.
    fn least_busy(&self, candidates: impl Iterator<Item = usize>) -> Option<usize> {
        let mut best: Option<usize> = None;
        for i in candidates {
            let Some(b) = best else {
                best = Some(i);
                continue;
            };
            let (m, o) = (&self.members[i], &self.members[b]);
            // open_m / w_m < open_o / w_o, in integers.
            let load = (m.open_leads * o.weight).cmp(&(o.open_leads * m.weight));
            if load.then(m.last_delivery.cmp(&o.last_delivery)).is_lt() {
                best = Some(i);
            }
        }
        best
    }

    /// Count a delivery to member `i` and move the cursor to them.
    pub fn deliver(&mut self, i: usize) {
        if i >= self.members.len() {
            return;
        }
        if self.weighted && self.group.method == Method::Sequential {
            let eligible: Vec<usize> = (0..self.members.len()).filter(|&j| self.members[j].eligible()).collect();
            let total: i64 = eligible.iter().map(|&j| self.members[j].weight).sum();
            for j in eligible {
                let w = self.members[j].weight;
                self.members[j].credit += w;
            }
            self.members[i].credit -= total;
        }
        self.handed_out += 1;
        let m = &mut self.members[i];
        m.today += 1;
        m.month += 1;
        m.open_leads += 1;
        m.last_delivery = (self.now, self.handed_out);
        self.cursor = m.position;
        if !m.eligible() {
            self.details.clear();
        }
    }

    /// The member's open leads before this delivery and their cap (A16), kept
    /// with the delivery so `doctor` can tell none went over a cap.
    pub fn cap_state(&self, i: usize) -> (i64, Option<i64>) {
        self.members.get(i).map_or((0, None), |m| (m.open_leads, (m.max_open > 0).then_some(m.max_open)))
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
        let mut detail = match rule {
            Some((id, name)) => Some(json!({
                "rule": id,
                "rule_name": name,
                "group": self.group.id,
                "group_name": self.group.name,
                "method": self.group.method,
                "skipped": skipped,
            })),
            // `via` (`group:<id>`) names the group; only who was skipped needs keeping.
            None if !skipped.is_empty() || self.weighted => Some(json!({ "skipped": skipped })),
            None => None,
        };
        // A15: the shares in force, for `explain`.
        if self.weighted
            && let Some(d) = detail.as_mut()
        {
            let weights: serde_json::Map<String, serde_json::Value> =
                self.members.iter().map(|m| (m.name.clone(), json!(m.weight))).collect();
            d["weights"] = serde_json::Value::Object(weights);
        }
        let detail = detail.map(|d| d.to_string());
        self.details.insert(key, detail.clone());
        detail
    }

    /// The detail as `lead`'s row of `batch` keeps it: whole on the first row
    /// of the batch that has it, then as a reference to that row, which
    /// [`crate::core::activity::KEPT_DETAIL`] reads back. A weighted group's
    /// detail (its shares and who was skipped) repeated on each of 100,000
    /// rows cost a tenth of the rotation.
    pub fn carry(&mut self, detail: Option<String>, batch: i64, lead: i64) -> Option<String> {
        let detail = detail?;
        match self.carriers.get(&detail) {
            Some(&(carrier_batch, carrier)) if carrier_batch == batch => Some(same_as(carrier)),
            _ => {
                self.carriers.insert(detail.clone(), (batch, lead));
                Some(detail)
            }
        }
    }

    /// Who would be next for a sequential or balanced group (random has no "next").
    pub fn next_up(&self) -> Option<&Candidate> {
        if self.full_reason().is_some() {
            return None;
        }
        let eligible = self.after_cursor().filter(|&i| self.members[i].eligible());
        match self.group.method {
            Method::Sequential => eligible.into_iter().next().map(|i| &self.members[i]),
            Method::Balanced => self.least_busy(eligible).map(|i| &self.members[i]),
            Method::Random => None,
        }
    }

    pub fn cursor(&self) -> i64 {
        self.cursor
    }

    /// Persist the cursor in the transaction of the deliveries, and where it
    /// stood before, so that undoing the batch can put it back (A4).
    /// What it saves becomes the new "before": a distributor kept across
    /// several batches of one transaction (the demo's office hours) records
    /// for each batch where that batch found the cursor.
    pub fn save_cursor(&mut self, w: &Writer<'_>) -> Result<()> {
        let credits_moved = self.members.iter().zip(&self.credits_before).any(|(m, before)| m.credit != *before);
        if self.cursor == self.cursor_before && !credits_moved {
            return Ok(());
        }
        w.conn()
            .prepare_cached("UPDATE user_groups SET cursor_position = ?1 WHERE id = ?2")?
            .execute(params![self.cursor, self.group.id])?;
        let mut credit =
            w.conn().prepare_cached("UPDATE memberships SET credit = ?1 WHERE group_id = ?2 AND user_id = ?3")?;
        for m in &self.members {
            credit.execute(params![m.credit, self.group.id, m.user_id])?;
        }
        let before: Vec<(i64, i64)> =
            self.members.iter().zip(&self.credits_before).map(|(m, c)| (m.user_id, *c)).collect();
        w.conn()
            .prepare_cached(
                "INSERT OR IGNORE INTO batch_cursors (batch_id, group_id, cursor_before, credits_before) \
                 VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![w.batch(), self.group.id, self.cursor_before, json!(before).to_string()])?;
        self.cursor_before = self.cursor;
        self.credits_before = self.members.iter().map(|m| m.credit).collect();
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
        let away = Some("away until 2026-12-03".to_string());
        for (active, on_leave, unavailable, today, month, daily, monthly, open, cap) in [
            (true, false, None, 0, 0, 0, 0, 0, 0),
            (false, false, None, 0, 0, 0, 0, 0, 0),
            (true, true, None, 0, 0, 0, 0, 0, 0),
            (true, false, away.clone(), 0, 0, 0, 0, 0, 0),
            (true, false, None, 2, 2, 2, 0, 0, 0),
            (true, false, None, 1, 7, 5, 7, 0, 0),
            (true, false, None, 4, 6, 5, 7, 0, 0),
            (true, false, None, 0, 0, 0, 0, 40, 40),
            (true, false, None, 0, 0, 0, 0, 39, 40),
        ] {
            let c = Candidate {
                user_id: 1,
                name: "Tom".into(),
                position: 1,
                active,
                on_leave,
                unavailable,
                daily_limit: daily,
                monthly_limit: monthly,
                max_open: cap,
                weight: 1,
                today,
                month,
                open_leads: open,
                credit: 0,
                last_delivery: (0, 0),
            };
            assert_eq!(c.eligible(), c.ineligible().is_none(), "{c:?}");
            if open == 40 {
                assert_eq!(c.ineligible().as_deref(), Some("at open-lead cap (40/40)"));
            }
        }
    }
}
