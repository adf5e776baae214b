//! Automatic distribution: rotation through a group (A5–A10), routing by
//! rules with overflow and duplicates (R2–R5), offboarding (A12).

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use serde_json::json;

use super::assign::{Selection, selection_filters};
use super::context::Ctx;
use super::error::{Error, Result};
use super::filter::{Filter, OwnerFilter};
use super::model::{Lead, NewLead, User, email_key, phone_key};
use super::page::{self, Sort};
use super::rights::{self, Action};
use super::rotation::Distributor;
use super::rules::{self, Rule, Target};
use super::store::{Change, PlanRow, Store, Writer};
use super::{groups, leads, settings, users};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Placement {
    pub lead: i64,
    pub owner: String,
    pub rule: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Unplaced {
    pub lead: i64,
    pub reason: String,
}

/// The outcome of a rotation, a routing run or an import (SPEC §6 shape).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RouteResult {
    pub batch: Option<i64>,
    /// How many leads the selection held: the preview's token (A14).
    pub selected: usize,
    /// The seed of this run's random draws; passing it back repeats them (A6, A14).
    pub seed: Option<u64>,
    pub assigned: Vec<Placement>,
    pub unassigned: Vec<Unplaced>,
    /// Leads of the selection that automatic distribution does not deal (R5):
    /// closed, or already owned.
    pub skipped: Vec<Unplaced>,
}

impl RouteResult {
    pub(crate) fn record(&mut self, lead: i64, outcome: Outcome) {
        match outcome {
            Ok((owner, rule)) => self.assigned.push(Placement { lead, owner, rule }),
            Err(reason) => self.unassigned.push(Unplaced { lead, reason }),
        }
    }
}

/// Owner name and rule on success; the reason the lead stays unassigned otherwise.
pub(crate) type Outcome = std::result::Result<(String, Option<i64>), String>;

/// Hand one lead to the next member of a group other than its owner `from`,
/// planning the change and counting it as the group's delivery. The lead's
/// name, when the caller has it, goes with the plan for the notification.
pub(crate) fn hand_out(
    w: &Writer<'_>,
    dist: &mut Distributor,
    (lead, lead_name): (i64, Option<&str>),
    from: Option<i64>,
    via: &str,
    rule: Option<&Rule>,
) -> Result<std::result::Result<String, &'static str>> {
    // A full group answers at once: no per-member bookkeeping for leads it cannot take.
    if let Some(reason) = dist.full_reason() {
        return Ok(Err(reason));
    }
    let detail = dist.detail(rule.map(|r| (r.id, r.name.as_str())));
    let chosen = match dist.choose_except(from) {
        Ok(i) => i,
        Err(reason) => return Ok(Err(reason)),
    };
    let detail = dist.carry(detail, w.batch(), lead);
    let (open_before, cap) = dist.cap_state(chosen);
    dist.deliver(chosen);
    let member = &dist.members[chosen];
    w.plan_push(&PlanRow {
        lead,
        from,
        to: Some(member.user_id),
        via: via.to_string(),
        delivery_group: Some(dist.group.id),
        detail,
        open_before: Some(open_before),
        cap,
        lead_name: lead_name.map(str::to_string),
    })?;
    Ok(Ok(member.name.clone()))
}

/// One lead of a selection as distribution sees it.
struct Selected {
    id: i64,
    name: String,
    owner: Option<i64>,
    owner_name: Option<String>,
    closed: bool,
}

/// Leads of a selection with their owners, oldest first (A5: batches go oldest first).
fn oldest_first(w: &Writer<'_>, ctx: &Ctx, selection: &Selection) -> Result<Vec<Selected>> {
    let mut rows: Vec<(i64, Selected)> = Vec::new();
    for filter in selection_filters(w, ctx, selection)? {
        let (clause, params) = filter.to_sql();
        let mut stmt = w.conn().prepare(&format!(
            "SELECT l.created_at, l.id, l.owner_id, u.name, s.closed, l.name FROM leads l \
             JOIN stages s ON s.id = l.stage_id LEFT JOIN users u ON u.id = l.owner_id WHERE {clause}"
        ))?;
        let found = stmt.query_map(rusqlite::params_from_iter(params), |r| {
            Ok((
                r.get(0)?,
                Selected { id: r.get(1)?, owner: r.get(2)?, owner_name: r.get(3)?, closed: r.get(4)?, name: r.get(5)? },
            ))
        })?;
        for row in found {
            rows.push(row?);
        }
    }
    rows.sort_unstable_by_key(|(created, t)| (*created, t.id));
    rows.dedup_by_key(|(_, t)| t.id);
    Ok(rows.into_iter().map(|(_, t)| t).collect())
}

/// The context of one distribution run: its seed drawn now when none was
/// given, so the result can print it (A14).
pub(crate) fn seeded(ctx: &Ctx) -> Ctx {
    Ctx { seed: Some(ctx.seed.unwrap_or_else(super::rotation::fresh_seed)), ..ctx.clone() }
}

/// `rotate --group G`: distribute the selected leads through one group. Only
/// open unassigned leads are dealt; closed and owned ones are reported as
/// skipped with the reason (R5). With `dry_run` the same plan is made and
/// rolled back; run again with its `selected` and `seed` (A14) it is the same.
pub fn rotate(store: &mut Store, ctx: &Ctx, group: &str, selection: &Selection, dry_run: bool) -> Result<RouteResult> {
    rights::require(ctx, Action::Rotate)?;
    let group = groups::find(store.conn(), group)?;
    let ctx = &seeded(ctx);
    let written = store.write_plan(ctx, "rotate", dry_run, |w| {
        let targets = oldest_first(w, ctx, selection)?;
        ctx.check_expected(targets.len())?;
        super::assign::check_unchanged(w.conn(), ctx, selection)?;
        let mut dist = Distributor::load(w.conn(), &group, ctx)?;
        let via = format!("group:{}", group.id);
        let mut result = RouteResult { selected: targets.len(), seed: ctx.seed, ..RouteResult::default() };
        w.plan_reset()?;
        for target in targets {
            if let Some(reason) = not_dealt(&target) {
                result.skipped.push(Unplaced { lead: target.id, reason });
                continue;
            }
            let outcome = hand_out(w, &mut dist, (target.id, Some(&target.name)), None, &via, None)?
                .map(|owner| (owner, None))
                .map_err(String::from);
            result.record(target.id, outcome);
        }
        w.plan_apply()?;
        dist.save_cursor(w)?;
        Ok(result)
    })?;
    Ok(RouteResult { batch: written.batch, ..written.value })
}

/// Why automatic distribution leaves a selected lead alone (R5), if it does.
fn not_dealt(target: &Selected) -> Option<String> {
    if target.closed {
        Some("closed".into())
    } else {
        target.owner_name.as_ref().map(|name| format!("already owned by {name}"))
    }
}

/// For each lead with an id in `?1..=?2`, the oldest other lead sharing its
/// email key and the oldest sharing its phone key, each with an active owner
/// (R4), leaving out the later leads of the same range: an import's leads
/// are all stored before they are routed, and each must find what it would
/// have found had the rows been added one by one. Each look-up walks its
/// key's partial index; one statement serves a whole import, where a query
/// per lead and key cost a tenth of it.
pub const DUPLICATES_OF: &str = "SELECT n.id, \
     (SELECT l.id FROM leads l JOIN users u ON u.id = l.owner_id \
      WHERE l.email_key = n.email_key AND l.email_key <> '' AND (l.id < n.id OR l.id > ?2) AND u.active = 1 \
      ORDER BY l.id LIMIT 1), \
     (SELECT l.id FROM leads l JOIN users u ON u.id = l.owner_id \
      WHERE l.phone_key = n.phone_key AND l.phone_key <> '' AND (l.id < n.id OR l.id > ?2) AND u.active = 1 \
      ORDER BY l.id LIMIT 1) \
     FROM leads n WHERE n.id BETWEEN ?1 AND ?2";

/// Rules, group states and duplicate keys for routing many leads in one transaction.
pub struct Router {
    rules: Vec<Rule>,
    distributors: HashMap<i64, Distributor>,
    users: HashMap<i64, User>,
    duplicates: bool,
    /// Leads whose stored duplicates were looked up, and for each that has
    /// one the oldest: its id and owner.
    looked_up: HashSet<i64>,
    stored: HashMap<i64, (i64, i64)>,
    /// Leads given an owner in this batch (the first for each email and
    /// phone key) and their owners, so duplicates within one import follow
    /// each other before anything is applied.
    pending: HashMap<String, (i64, i64)>,
}

impl Router {
    pub fn load(conn: &rusqlite::Connection) -> Result<Router> {
        Ok(Router {
            rules: rules::list(conn)?.into_iter().filter(|r| r.enabled).collect(),
            distributors: HashMap::new(),
            users: users::list(conn)?.into_iter().map(|u| (u.id, u)).collect(),
            duplicates: settings::is_on(conn, settings::DUPLICATE_ROUTING)?,
            looked_up: HashSet::new(),
            stored: HashMap::new(),
            pending: HashMap::new(),
        })
    }

    /// The owner of the oldest lead sharing a key with `lead` (R4): stored
    /// before it, or routed earlier in this batch (not applied yet), as if
    /// each lead had been added one by one.
    fn duplicate_owner(&mut self, w: &Writer<'_>, lead: &Lead) -> Result<Option<i64>> {
        if !self.looked_up.contains(&lead.id) {
            self.look_up_duplicates(w, lead.id, lead.id)?;
        }
        let keys = [email_key(&lead.email), phone_key(&lead.phone)];
        let routed = keys.iter().filter(|k| !k.is_empty()).filter_map(|k| self.pending.get(k));
        let oldest = routed.chain(self.stored.get(&lead.id)).min_by_key(|(found, _)| *found);
        Ok(oldest.map(|&(_, owner)| owner))
    }

    /// Find the stored duplicates of the leads with ids `first..=last` in one
    /// pass (an import's new leads), for [`Router::route`] to use. Nothing
    /// routed in this transaction has an owner yet (the plan is applied at
    /// the end), so what the store holds does not change meanwhile.
    pub fn look_up_duplicates(&mut self, w: &Writer<'_>, first: i64, last: i64) -> Result<()> {
        if !self.duplicates {
            return Ok(());
        }
        let mut stmt = w.conn().prepare_cached(DUPLICATES_OF)?;
        let rows =
            stmt.query_map([first, last], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Option<i64>>(1)?, r.get(2)?)))?;
        let mut oldest: Vec<(i64, i64)> = Vec::new();
        for row in rows {
            let (lead, by_email, by_phone): (i64, Option<i64>, Option<i64>) = row?;
            self.looked_up.insert(lead);
            if let Some(found) = by_email.into_iter().chain(by_phone).min() {
                oldest.push((lead, found));
            }
        }
        let mut owner_of = w.conn().prepare_cached("SELECT owner_id FROM leads WHERE id = ?1")?;
        for (lead, found) in oldest {
            let owner: i64 = owner_of.query_row([found], |r| r.get(0))?;
            self.stored.insert(lead, (found, owner));
        }
        Ok(())
    }

    fn remember(&mut self, lead: &Lead, owner: i64) {
        for key in [email_key(&lead.email), phone_key(&lead.phone)] {
            if !key.is_empty() {
                self.pending.entry(key).or_insert((lead.id, owner));
            }
        }
    }

    /// Decide the owner of one unassigned lead and plan it (R2, R4).
    pub fn route(&mut self, w: &Writer<'_>, ctx: &Ctx, lead: &Lead) -> Result<Outcome> {
        if self.duplicates
            && let Some(owner) = self.duplicate_owner(w, lead)?
        {
            let name = self.users.get(&owner).map(|u| u.name.clone()).unwrap_or_default();
            w.plan_push(&PlanRow {
                lead: lead.id,
                from: None,
                to: Some(owner),
                via: "duplicate".into(),
                delivery_group: None,
                detail: Some(json!({ "duplicate_of_owner": name }).to_string()),
                lead_name: Some(lead.name.clone()),
                ..PlanRow::default()
            })?;
            self.remember(lead, owner);
            return Ok(Ok((name, None)));
        }
        let mut tried: Vec<String> = Vec::new();
        for i in 0..self.rules.len() {
            if !self.rules[i].matches(lead) {
                continue;
            }
            let rule = self.rules[i].clone();
            let via = format!("rule:{}", rule.id);
            match &rule.target {
                Target::User { id, name } => {
                    let why_not = match self.users.get(id) {
                        Some(u) if !u.active => Some("deactivated"),
                        Some(u) if u.on_leave => Some("on leave"),
                        Some(_) => None,
                        None => Some("no such user"),
                    };
                    if let Some(why) = why_not {
                        tried.push(format!("rule #{} → {name}: {why}", rule.id));
                        continue;
                    }
                    let detail = json!({ "rule": rule.id, "rule_name": rule.name, "skipped": [] });
                    w.plan_push(&PlanRow {
                        lead: lead.id,
                        from: None,
                        to: Some(*id),
                        via,
                        delivery_group: None,
                        detail: Some(detail.to_string()),
                        lead_name: Some(lead.name.clone()),
                        ..PlanRow::default()
                    })?;
                    self.remember(lead, *id);
                    return Ok(Ok((name.clone(), Some(rule.id))));
                }
                Target::Group { id, name } => {
                    if !self.distributors.contains_key(id) {
                        let group = groups::get(w.conn(), *id)?;
                        self.distributors.insert(*id, Distributor::load(w.conn(), &group, ctx)?);
                    }
                    let Some(dist) = self.distributors.get_mut(id) else { continue };
                    match hand_out(w, dist, (lead.id, Some(&lead.name)), None, &via, Some(&rule))? {
                        Ok(owner) => {
                            if let Some(user) = self.users.values().find(|u| u.name == owner) {
                                let owner_id = user.id;
                                self.remember(lead, owner_id);
                            }
                            return Ok(Ok((owner, Some(rule.id))));
                        }
                        Err(reason) => tried.push(format!("rule #{} → {name}: {reason}", rule.id)),
                    }
                }
            }
        }
        Ok(Err(if tried.is_empty() {
            "no matching rule".to_string()
        } else {
            format!("rules tried: {}", tried.join("; "))
        }))
    }

    /// Save the groups' cursors, after the last lead of a batch.
    pub fn finish(&mut self, w: &Writer<'_>) -> Result<()> {
        for dist in self.distributors.values_mut() {
            dist.save_cursor(w)?;
        }
        Ok(())
    }
}

/// `route`: send unassigned leads matching `filter` through the rules now (R5),
/// or with `dry_run` show what would happen and write nothing.
pub fn route(store: &mut Store, ctx: &Ctx, filter: &Filter, dry_run: bool) -> Result<RouteResult> {
    rights::require(ctx, Action::Route)?;
    // R5: routing deals the backlog, the open unassigned leads; never a closed one.
    let filter = Filter { owner: OwnerFilter::Unassigned, open_only: true, ..filter.clone() };
    let ctx = &seeded(ctx);
    let written = store.write_plan(ctx, "route", dry_run, |w| {
        let backlog = page::all(w.conn(), &filter, Sort::default(), None)?;
        ctx.check_expected(backlog.len())?;
        let mut router = Router::load(w.conn())?;
        let mut result = RouteResult { selected: backlog.len(), seed: ctx.seed, ..RouteResult::default() };
        w.plan_reset()?;
        for lead in &backlog {
            let outcome = router.route(w, ctx, lead)?;
            result.record(lead.id, outcome);
        }
        w.plan_apply()?;
        router.finish(w)?;
        Ok(result)
    })?;
    Ok(RouteResult { batch: written.batch, ..written.value })
}

/// Create one lead (`lead add`): with an owner as given, else routed in the
/// same transaction while auto-assign is on (R3).
pub fn create_lead(store: &mut Store, ctx: &Ctx, new: &NewLead) -> Result<(Lead, Option<Unplaced>)> {
    let (stage_id, owner) = leads::validate(store.conn(), new)?;
    if owner.is_some() && owner != ctx.actor.user_id() {
        rights::require(ctx, Action::AddLeadForOthers)?;
    }
    let routing = owner.is_none() && settings::is_on(store.conn(), settings::AUTO_ASSIGN)?;
    let written = store.write(ctx, "lead add", |w| {
        let id = leads::insert(w, new, stage_id, owner, "manual")?;
        if !routing {
            return Ok((id, None));
        }
        let lead = leads::get_unchecked(w.conn(), id)?;
        let mut router = Router::load(w.conn())?;
        w.plan_reset()?;
        let outcome = router.route(w, ctx, &lead)?;
        w.plan_apply()?;
        router.finish(w)?;
        Ok((id, outcome.err().map(|reason| Unplaced { lead: id, reason })))
    })?;
    let (id, unplaced) = written.value;
    Ok((leads::get_unchecked(store.conn(), id)?, unplaced))
}

/// Routing switch (R3). Switching on reports the backlog that arrived while
/// paused instead of assigning it.
pub fn set_auto_assign(store: &mut Store, ctx: &Ctx, on: bool) -> Result<i64> {
    rights::require(ctx, Action::ChangeSettings)?;
    let backlog = paused_backlog(store.conn())?;
    store.write(ctx, "routing", |w| {
        let was_on = settings::is_on(w.conn(), settings::AUTO_ASSIGN)?;
        if was_on == on {
            return Ok(());
        }
        settings::set(w, settings::PAUSED_AT, &if on { String::new() } else { w.now().to_string() })?;
        switch(w, settings::AUTO_ASSIGN, "auto-assign", on)
    })?;
    Ok(backlog)
}

pub fn set_duplicate_routing(store: &mut Store, ctx: &Ctx, on: bool) -> Result<()> {
    rights::require(ctx, Action::ChangeSettings)?;
    store.write(ctx, "routing", |w| switch(w, settings::DUPLICATE_ROUTING, "duplicate routing", on))?;
    Ok(())
}

/// Flip an on/off setting with its activity row.
fn switch(w: &mut Writer<'_>, key: &str, label: &str, on: bool) -> Result<()> {
    let state = if on { "on" } else { "off" };
    settings::set(w, key, state)?;
    w.record(Change::event(None, "setting", "manual", Some(format!("{label} {state}"))))
}

/// Unassigned leads created since routing was paused (0 while it is on).
pub fn paused_backlog(conn: &rusqlite::Connection) -> Result<i64> {
    let since = settings::get(conn, settings::PAUSED_AT)?.and_then(|s| s.parse::<i64>().ok());
    let Some(since) = since else { return Ok(0) };
    let filter = Filter { owner: OwnerFilter::Unassigned, created_from: Some(since), ..Filter::default() };
    leads::count(conn, &filter)
}

/// What to do with a departing user's open leads (A12).
#[derive(Debug, Clone)]
pub enum Handover {
    ReassignTo(String),
    Redistribute(String),
    LeaveUnassigned,
}

/// Deactivate a user: they leave every group, keep their history, and their
/// open leads are handed over as chosen, all in one transaction. With
/// `dry_run` the same plan is made and rolled back: who would get how many
/// and what would stay unassigned and why (T8); its `selected` and `seed`
/// make the confirmed run the same (A14).
pub fn deactivate(store: &mut Store, ctx: &Ctx, name: &str, handover: &Handover, dry_run: bool) -> Result<RouteResult> {
    rights::require(ctx, Action::ManageUsers)?;
    let user = users::find(store.conn(), name)?;
    if !user.active {
        return Err(Error::invalid(format!("{} is already deactivated", user.name)));
    }
    let heir = match handover {
        Handover::ReassignTo(to) => {
            let heir = users::find(store.conn(), to)?;
            if heir.id == user.id {
                return Err(Error::invalid(format!(
                    "cannot hand {}'s leads to {0}: they are the one leaving; choose another user, a group \
                     (--redistribute) or --leave-unassigned",
                    user.name
                )));
            }
            if !heir.active {
                return Err(Error::invalid(format!(
                    "cannot hand {}'s leads to {}: {} is deactivated; `leadrota user activate {}` first, or \
                     choose another user",
                    user.name, heir.name, heir.name, heir.name
                )));
            }
            Some(heir)
        }
        _ => None,
    };
    let group = match handover {
        Handover::Redistribute(g) => Some(groups::find(store.conn(), g)?),
        _ => None,
    };
    let ctx = &seeded(ctx);
    let written = store.write_or_preview(ctx, "offboard", dry_run, |w| {
        w.conn().execute("UPDATE users SET active = 0 WHERE id = ?1", [user.id])?;
        w.conn().execute("DELETE FROM memberships WHERE user_id = ?1", [user.id])?;
        w.record(Change::event(None, "user_changed", "offboard", Some(format!("{} deactivated", user.name))))?;
        let open = Filter { owner: OwnerFilter::User(user.id), open_only: true, ..Filter::default() };
        let targets = oldest_first(w, ctx, &Selection::Filter(open))?;
        ctx.check_expected(targets.len())?;
        let mut dist = group.as_ref().map(|g| Distributor::load(w.conn(), g, ctx)).transpose()?;
        let mut result = RouteResult { selected: targets.len(), seed: ctx.seed, ..RouteResult::default() };
        w.plan_reset()?;
        for Selected { id: lead, owner: from, .. } in targets {
            let outcome: Outcome = match (&heir, dist.as_mut()) {
                (Some(heir), _) => {
                    w.plan_push(&PlanRow {
                        lead,
                        from,
                        to: Some(heir.id),
                        via: "offboard".into(),
                        ..PlanRow::default()
                    })?;
                    Ok((heir.name.clone(), None))
                }
                (None, Some(dist)) => match hand_out(w, dist, (lead, None), from, "offboard", None)? {
                    Ok(owner) => Ok((owner, None)),
                    Err(reason) => {
                        w.plan_push(&release(lead, from))?;
                        Err(reason.to_string())
                    }
                },
                (None, None) => {
                    w.plan_push(&release(lead, from))?;
                    Err("left unassigned".to_string())
                }
            };
            result.record(lead, outcome);
        }
        w.plan_apply()?;
        if let Some(dist) = dist.as_mut() {
            dist.save_cursor(w)?;
        }
        Ok(result)
    })?;
    Ok(RouteResult { batch: written.batch, ..written.value })
}

/// A departing owner's lead that nobody takes: it goes back to the queue.
fn release(lead: i64, from: Option<i64>) -> PlanRow {
    PlanRow { lead, from, to: None, via: "offboard".into(), ..PlanRow::default() }
}
