//! The office at work: every lead, as it arrives, goes where the office
//! sends it. Routing is the core's (`Router`: its rules, its groups'
//! rotation, limits and cursors, its plan written by `Writer::plan_apply`),
//! run once per office hour at that hour's clock; the rest is people — a
//! cold call taken by whoever answered, a manager handing out by hand what
//! routing left, deals moving on — written as activity in time order.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};
use std::sync::mpsc::Receiver;

use chrono::DateTime;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::DAY;
use super::calendar::Days;
use super::people::{Arrival, COLD_CALL, CSV_IMPORT, pick_weighted, skewed, weighted};
use super::team::{self, DEPARTED_DAYS_AGO, HELEN, LEAVE_DAYS_AGO, MARCUS, PRIYA, Standing, TEAM};
use super::write::{Event, Kind, LeadRow, Sink, Via, id8};
use crate::core::context::Ctx;
use crate::core::distribute::Router;
use crate::core::error::Result;
use crate::core::model::{Lead, Role};
use crate::core::store::Writer;

pub(super) const STAGE_NEW: i64 = 1;
const STAGE_LOST: i64 = 6;
/// Stages past these are closed (Won, Lost).
const LAST_OPEN_STAGE: i64 = 4;
const HOUR: i64 = 3600;

/// When a team member could be handed a lead by hand.
struct Presence {
    role: Role,
    joined: i64,
    departed: Option<i64>,
    leave_from: Option<i64>,
}

impl Presence {
    fn at_work(&self, t: i64) -> bool {
        t >= self.joined && self.departed.is_none_or(|d| t < d) && self.leave_from.is_none_or(|l| t < l)
    }
}

/// How a lead found (or did not find) its first owner.
enum Came {
    /// One of the badge scans an import brought in; nobody has handed them out yet.
    Imported,
    /// Taken by whoever answered the phone.
    CalledIn,
    /// Handed out by the core's routing, to this user.
    Routed(i64),
    /// Routing left it: no rule matched, or (`true`) every group it tried was at its limits.
    Left(bool),
}

struct Assignment {
    owner: i64,
    at: i64,
    /// Set for assignments by hand (who did it, and how); routing writes its own.
    by_hand: Option<(Option<i64>, Via)>,
}

/// Events queued to leave in time order.
impl Ord for Event {
    fn cmp(&self, other: &Self) -> Ordering {
        // Reversed, so that `BinaryHeap` hands out the earliest event first.
        (other.at, other.seq).cmp(&(self.at, self.seq))
    }
}
impl PartialOrd for Event {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl PartialEq for Event {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}
impl Eq for Event {}

pub(super) struct Office {
    rng: ChaCha8Rng,
    now: i64,
    team: Vec<Presence>,
    leaver: i64,
    heir: i64,
    arrivals: Receiver<Vec<Arrival>>,
    waiting: VecDeque<Arrival>,
    /// The arrivals of the office hour under way, and where that hour ends.
    step: Vec<Arrival>,
    step_end: i64,
    days: Days,
    /// The core's routing for the office day under way: its groups' counts
    /// are read once a day and kept up to date as it hands leads out.
    router: Option<((i64, i64), Router)>,
    heap: BinaryHeap<Event>,
    seq: u32,
    pool: Vec<i64>,
}

impl Office {
    pub fn new(ctx: &Ctx, seed: u64, arrivals: Receiver<Vec<Arrival>>) -> Office {
        let now = ctx.now_ts();
        let team = TEAM
            .iter()
            .map(|p| Presence {
                role: p.role,
                joined: now - p.joined_days_ago * DAY,
                departed: (p.standing == Standing::Deactivated).then_some(now - DEPARTED_DAYS_AGO * DAY),
                leave_from: (p.standing == Standing::OnLeave).then_some(now - LEAVE_DAYS_AGO * DAY),
            })
            .collect();
        // Its own stream: the office's choices never shift who writes in.
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(1);
        Office {
            rng,
            now,
            team,
            leaver: team::user_id(team::LEAVER).unwrap_or(0),
            heir: team::user_id(team::HEIR).unwrap_or(0),
            arrivals,
            waiting: VecDeque::new(),
            step: Vec::new(),
            step_end: i64::MIN,
            days: Days::new(ctx.tz),
            router: None,
            heap: BinaryHeap::new(),
            seq: 0,
            pool: Vec::with_capacity(TEAM.len()),
        }
    }

    /// Whether anything happens before `until`: then a write is worth opening.
    pub fn busy_before(&mut self, until: i64) -> bool {
        self.next_arrival().is_some_and(|t| t < until) || self.heap.peek().is_some_and(|ev| ev.at < until)
    }

    fn next_arrival(&mut self) -> Option<i64> {
        while self.waiting.is_empty() {
            match self.arrivals.recv() {
                Ok(chunk) => self.waiting.extend(chunk),
                Err(_) => return None,
            }
        }
        self.waiting.front().map(|a| a.t)
    }

    /// Run the office until `until` (exclusive): every arrival and every
    /// queued event before it is written.
    pub fn run_until(&mut self, w: &mut Writer<'_>, sink: &mut Sink, base: &Ctx, until: i64) -> Result<()> {
        while let Some(t) = self.next_arrival().filter(|&t| t < until) {
            if t >= self.step_end {
                self.close_step(w, sink, base)?;
                // An office hour, never across the office day's end (limits count office days).
                let hour_end = t - t.rem_euclid(HOUR) + HOUR;
                self.step_end = hour_end.min(self.days.of(t).1);
            }
            if let Some(arrival) = self.waiting.pop_front() {
                self.step.push(arrival);
            }
        }
        self.close_step(w, sink, base)?;
        // A milestone comes next: the team, its groups or its rules change.
        self.router = None;
        while let Some(ev) = self.heap.peek().copied().filter(|ev| ev.at < until) {
            self.heap.pop();
            sink.emit(w.conn(), &ev)?;
        }
        sink.flush(w.conn())
    }

    /// Route the hour's arrivals through the core at the hour's clock (its
    /// last arrival), settle the rest, and write it all in time order.
    fn close_step(&mut self, w: &mut Writer<'_>, sink: &mut Sink, base: &Ctx) -> Result<()> {
        let Some(clock) = self.step.last().map(|a| a.t) else { return Ok(()) };
        let day = self.days.of(clock);
        let mut router = match self.router.take() {
            Some((d, router)) if d == day => router,
            _ => Router::load(w.conn())?,
        };
        let ctx = Ctx { pinned_now: DateTime::from_timestamp(clock, 0), seed: Some(self.rng.random()), ..base.clone() };
        w.plan_reset()?;
        let mut routed = false;
        let arrivals = std::mem::take(&mut self.step);
        let mut rows = Vec::with_capacity(arrivals.len());
        for arrival in arrivals {
            let came = if arrival.imported {
                Came::Imported
            } else if arrival.source == COLD_CALL {
                Came::CalledIn
            } else {
                match router.route(w, &ctx, &as_lead(&arrival))? {
                    Ok((owner, _)) => {
                        routed = true;
                        Came::Routed(team::user_id(&owner).unwrap_or(0))
                    }
                    Err(reason) => Came::Left(reason.starts_with("rules tried")),
                }
            };
            rows.push(self.settle(arrival, came, clock));
        }
        while let Some(ev) = self.heap.peek().copied().filter(|ev| ev.at <= clock) {
            self.heap.pop();
            sink.emit(w.conn(), &ev)?;
        }
        sink.leads(w.conn(), &rows)?;
        sink.flush(w.conn())?;
        if routed {
            w.begin_batch(clock, None, "route")?;
            w.plan_apply()?;
            router.finish(w)?;
            sink.touch(w.conn(), &rows, clock)?;
        }
        self.router = Some((day, router));
        Ok(())
    }

    fn push(&mut self, mut ev: Event) {
        ev.seq = self.seq;
        self.seq = self.seq.wrapping_add(1);
        self.heap.push(ev);
    }

    /// Someone at work at `t` who can take a lead by hand.
    fn pick_agent(&mut self, t: i64) -> Option<i64> {
        self.pool.clear();
        for (id, p) in (1i64..).zip(&self.team) {
            if p.role == Role::Agent && p.at_work(t) {
                self.pool.push(id);
            }
        }
        if self.pool.is_empty() {
            return None;
        }
        let i = self.rng.random_range(0..self.pool.len());
        self.pool.get(i).copied()
    }

    fn manager(&mut self) -> i64 {
        pick_weighted(&mut self.rng, &[(MARCUS, 45), (HELEN, 45), (PRIYA, 10)], MARCUS)
    }

    /// A later hand assignment (or none: the lead is still waiting).
    fn later(&mut self, t: i64, stay_unassigned: f64, via: Via) -> Option<Assignment> {
        if self.rng.random_bool(stay_unassigned.clamp(0.0, 1.0)) {
            return None;
        }
        let delay = match via {
            Via::Bulk => skewed(&mut self.rng, 30 * 60, 5 * DAY, 2),
            _ => skewed(&mut self.rng, 2 * 60, 36 * HOUR, 3),
        };
        let mut at = t + delay;
        if at > self.now {
            at = t + self.rng.random_range(0..=(self.now - t).max(0));
        }
        let owner = self.pick_agent(at)?;
        let actor = self.manager();
        Some(Assignment { owner, at, by_hand: Some((Some(actor), via)) })
    }

    fn stage(&mut self, age: i64, owned: bool) -> i64 {
        if !owned {
            return if age > 30 * DAY && self.rng.random_bool(0.35) { STAGE_LOST } else { STAGE_NEW };
        }
        let weights: [u32; 6] = match age {
            a if a < DAY => [80, 17, 3, 0, 0, 0],
            a if a < 7 * DAY => [40, 33, 14, 7, 2, 4],
            a if a < 30 * DAY => [18, 28, 20, 13, 7, 14],
            a if a < 90 * DAY => [8, 16, 14, 12, 16, 34],
            _ => [3, 5, 5, 4, 23, 60],
        };
        weighted(&mut self.rng, weights.iter().copied()) as i64 + 1
    }

    /// Everything that happens to one lead after it came in: its first
    /// owner, how far the deal got, and the history of it.
    fn settle(&mut self, arrival: Arrival, came: Came, clock: i64) -> LeadRow {
        let Arrival { id, t, source, draft, tags, .. } = arrival;
        let now = self.now;
        let age = now - t;
        let mut created = Event::new(t, id, Kind::Created, Via::Import);
        created.to_stage = id8(Some(STAGE_NEW));
        if source == CSV_IMPORT {
            created.actor = id8(Some(self.manager()));
        }
        // Chance that a lead nobody routed is still waiting, by age.
        let waiting = match age {
            a if a < DAY => 0.95,
            a if a < 3 * DAY => 0.7,
            a if a < 14 * DAY => 0.55,
            _ => 0.5,
        };
        let assignment = match came {
            Came::Imported => {
                created.actor = id8(Some(HELEN));
                created.badge_scan = true;
                None
            }
            Came::CalledIn => {
                let owner = self.pick_agent(t);
                created.via = Via::Manual;
                created.actor = id8(owner);
                owner.map(|owner| Assignment { owner, at: t, by_hand: Some((Some(owner), Via::Manual)) })
            }
            Came::Routed(owner) => Some(Assignment { owner, at: clock, by_hand: None }),
            // Everyone at their limit: a manager hands it out by hand.
            Came::Left(true) => self.later(t, if age < DAY { 0.7 } else { 0.05 }, Via::Manual),
            Came::Left(false) => {
                let via = if source == CSV_IMPORT && self.rng.random_bool(0.8) { Via::Bulk } else { Via::Manual };
                self.later(t, waiting, via)
            }
        };

        let stage = self.stage(age, assignment.is_some());
        let status_at = if stage == STAGE_NEW {
            t
        } else {
            let base = assignment.as_ref().map_or(t, |a| a.at);
            let (lo, hi) = match stage {
                2 => (600, 3 * DAY),
                3 => (DAY, 14 * DAY),
                4 => (3 * DAY, 30 * DAY),
                5 => (7 * DAY, 90 * DAY),
                _ => (DAY, 60 * DAY),
            };
            let at = base + skewed(&mut self.rng, lo, hi, 2);
            if at > now { base + self.rng.random_range(0..=(now - base).max(0)) } else { at }
        };
        let assigned_at = assignment.as_ref().map(|a| a.at);
        let mut updated = t.max(status_at).max(assigned_at.unwrap_or(t));
        if self.rng.random_bool(0.2) {
            updated = (updated + skewed(&mut self.rng, 60, 5 * DAY, 2)).min(now).max(updated);
        }

        self.push(created);
        if let Some(Assignment { owner, at, by_hand: Some((actor, via)) }) = &assignment {
            let mut ev = Event::new(*at, id, Kind::Assigned, *via);
            ev.actor = id8(*actor);
            ev.to_owner = id8(Some(*owner));
            self.push(ev);
        }
        if stage != STAGE_NEW {
            let departed = now - DEPARTED_DAYS_AGO * DAY;
            let actor = match &assignment {
                // The leaver's open leads went to the heir (through the core's offboarding).
                Some(a) if a.owner == self.leaver && status_at >= departed => {
                    if stage <= LAST_OPEN_STAGE {
                        self.heir
                    } else {
                        self.manager()
                    }
                }
                Some(a) => a.owner,
                None => self.manager(),
            };
            let mut ev = Event::new(status_at, id, Kind::Status, Via::Manual);
            ev.actor = id8(Some(actor));
            ev.from_stage = id8(Some(STAGE_NEW));
            ev.to_stage = id8(Some(stage));
            self.push(ev);
        }
        let routed = assignment.as_ref().is_some_and(|a| a.by_hand.is_none());
        LeadRow {
            id,
            draft,
            source,
            stage,
            // Routing's plan gives routed leads their owner; the rest are written as they end up.
            owner: if routed { None } else { assignment.as_ref().map(|a| a.owner) },
            created: t,
            updated,
            status_at,
            assigned_at: if routed { None } else { assigned_at },
            tags,
            routed,
        }
    }
}

/// The lead as routing sees it when it arrives: New, nobody's.
fn as_lead(a: &Arrival) -> Lead {
    Lead {
        id: a.id,
        name: a.draft.name.clone(),
        email: a.draft.email.clone(),
        phone: a.draft.phone.clone(),
        company: a.draft.company.clone(),
        source: a.source.to_string(),
        stage_id: STAGE_NEW,
        status: "New".into(),
        tags: a.tags.iter().map(|t| (*t).to_string()).collect(),
        owner_id: None,
        owner: None,
        created_at: a.t,
        updated_at: a.t,
        status_changed_at: a.t,
        assigned_at: None,
    }
}
