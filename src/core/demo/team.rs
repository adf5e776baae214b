//! The team of the demo office, its groups and its rules, and what happened
//! to them over the two years: people joining (and their groups), a rule
//! switched off, someone leaving, someone on leave. Each of these is made
//! through the core's own commands at the moment it happened (`--now`), so
//! the activity log, the limit history and the memberships are exactly what
//! a real office would have.

use chrono::DateTime;

use super::people::folded;
use super::{DAY, HISTORY_DAYS};
use crate::core::context::{Actor, Ctx};
use crate::core::distribute::{self, Handover};
use crate::core::error::{Error, Result};
use crate::core::groups::{self, GroupChanges, MemberChanges, Method};
use crate::core::model::Role;
use crate::core::rules::{self, Condition, TargetName};
use crate::core::store::Store;
use crate::core::users::{self, NewUser};

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Standing {
    Active,
    OnLeave,
    Deactivated,
}

pub(super) struct Person {
    pub name: &'static str,
    pub role: Role,
    can_pickup: bool,
    pub joined_days_ago: i64,
    pub standing: Standing,
}

const fn person(name: &'static str, role: Role, can_pickup: bool, joined_days_ago: i64, standing: Standing) -> Person {
    Person { name, role, can_pickup, joined_days_ago, standing }
}

/// In the order they joined: user ids are positions in this list, from 1.
pub(super) const TEAM: [Person; 20] = [
    person("Priya", Role::Admin, false, 790, Standing::Active),
    person("Marcus", Role::Manager, false, 780, Standing::Active),
    person("Helen", Role::Manager, false, 770, Standing::Active),
    person("Tom", Role::Agent, true, 760, Standing::Active),
    person("Stephanie", Role::Agent, true, 760, Standing::Active),
    person("Lewis", Role::Agent, false, 755, Standing::Active),
    person("Denise", Role::Agent, true, 750, Standing::Active),
    person("Aaron", Role::Agent, false, 748, Standing::Active),
    person("Rafael", Role::Agent, true, 745, Standing::Active),
    person("Liam", Role::Agent, false, 742, Standing::Deactivated),
    person("Omar", Role::Agent, false, 740, Standing::Active),
    person("Sofia", Role::Agent, true, 735, Standing::Active),
    person("Kenji", Role::Agent, false, 735, Standing::Active),
    person("Diego", Role::Agent, true, 730, Standing::Active),
    person("Ingrid", Role::Agent, false, 725, Standing::Active),
    person("Grace", Role::Agent, false, 700, Standing::Active),
    person("Hannah", Role::Agent, false, 600, Standing::OnLeave),
    person("Zoë", Role::Agent, false, 430, Standing::Active),
    person("Fatima", Role::Agent, true, 250, Standing::Active),
    person("Noah", Role::Agent, false, 58, Standing::Active),
];
pub(super) const PRIYA: i64 = 1;
pub(super) const MARCUS: i64 = 2;
pub(super) const HELEN: i64 = 3;
/// Liam left this many days ago; his open leads went to Noah, who had just joined.
pub(super) const LEAVER: &str = "Liam";
pub(super) const HEIR: &str = "Noah";
pub(super) const DEPARTED_DAYS_AGO: i64 = 45;
pub(super) const LEAVE_DAYS_AGO: i64 = 9;
/// Users whose recent notifications are still unread.
pub(super) const UNREAD_USERS: [&str; 5] = ["Tom", "Stephanie", "Lewis", "Denise", "Sofia"];
/// Notifications are kept for the last days only (older ones would have been read and cleared).
pub(super) const NOTIFIED_DAYS: i64 = 3;
const TEAM_DOMAIN: &str = "harborfinch.com";
const GROUPS_OPENED_DAYS_AGO: i64 = HISTORY_DAYS + 20;
const RULES_ADDED_DAYS_AGO: i64 = HISTORY_DAYS + 15;

/// The id of a team member (users are added in `TEAM` order into an empty file).
pub(super) fn user_id(name: &str) -> Option<i64> {
    TEAM.iter().position(|p| p.name == name).map(|i| i as i64 + 1)
}

/// A per-member limit that differs from the group's: a fraction of it.
struct Override {
    member: &'static str,
    daily: Option<(i64, i64)>,
    monthly: Option<(i64, i64)>,
}

struct GroupSpec {
    name: &'static str,
    method: Method,
    /// In the order they joined, which is the rotation order (A5).
    members: &'static [&'static str],
    pickup: &'static [&'static str],
    /// Rough share of all leads the rules send here; sizes the limits.
    share: f64,
    daily: bool,
    monthly: bool,
    overrides: &'static [Override],
}

/// Group ids are positions in this list, from 1.
const GROUPS: [GroupSpec; 5] = [
    GroupSpec {
        name: "Inbound",
        method: Method::Sequential,
        members: &["Tom", "Stephanie", "Lewis", "Denise"],
        pickup: &["New", "Contacted"],
        share: 0.29,
        daily: true,
        monthly: false,
        overrides: &[],
    },
    GroupSpec {
        name: "Web leads",
        method: Method::Random,
        members: &["Aaron", "Rafael", "Omar", "Grace", "Hannah", "Zoë"],
        pickup: &["New"],
        share: 0.38,
        daily: true,
        monthly: true,
        overrides: &[Override { member: "Zoë", daily: Some((1, 2)), monthly: Some((1, 2)) }],
    },
    GroupSpec {
        name: "Enterprise",
        method: Method::Balanced,
        members: &["Sofia", "Kenji", "Ingrid"],
        pickup: &[],
        share: 0.06,
        daily: false,
        monthly: true,
        overrides: &[Override { member: "Kenji", daily: None, monthly: Some((3, 5)) }],
    },
    GroupSpec {
        name: "Partners",
        method: Method::Sequential,
        members: &["Liam", "Diego", "Fatima", "Noah"],
        pickup: &[],
        share: 0.045,
        daily: false,
        monthly: false,
        overrides: &[],
    },
    GroupSpec {
        name: "EMEA",
        method: Method::Balanced,
        members: &["Stephanie", "Omar", "Ingrid", "Fatima"],
        pickup: &["New", "Contacted"],
        share: 0.09,
        daily: true,
        monthly: true,
        overrides: &[],
    },
];

enum RuleTarget {
    Group(&'static str),
    User(&'static str),
}

struct RuleSpec {
    name: &'static str,
    target: RuleTarget,
    /// Days ago the rule was switched off, if it was.
    disabled_days_ago: Option<i64>,
    /// As typed on the command line (`rule add --if …`).
    conditions: &'static [&'static str],
}

/// Rule ids and priorities are positions in this list, from 1.
const RULES: [RuleSpec; 6] = [
    RuleSpec {
        name: "Partner referrals",
        target: RuleTarget::Group("Partners"),
        disabled_days_ago: None,
        conditions: &["source=Referral", "tag=partner"],
    },
    RuleSpec {
        name: "Enterprise and VIP",
        target: RuleTarget::Group("Enterprise"),
        disabled_days_ago: None,
        conditions: &["tag=enterprise,vip", "domain!=gmail.com"],
    },
    RuleSpec {
        name: "Trade shows to Helen",
        target: RuleTarget::User("Helen"),
        disabled_days_ago: Some(120),
        conditions: &["source=Trade show"],
    },
    RuleSpec {
        name: "DACH companies",
        target: RuleTarget::Group("EMEA"),
        disabled_days_ago: None,
        conditions: &["company~GmbH"],
    },
    RuleSpec {
        name: "Paid ads",
        target: RuleTarget::Group("Web leads"),
        disabled_days_ago: None,
        conditions: &["source=Facebook,Google,LinkedIn", "status=New"],
    },
    RuleSpec {
        name: "Website and referrals",
        target: RuleTarget::Group("Inbound"),
        disabled_days_ago: None,
        conditions: &["source=Website,Referral"],
    },
];

/// Something that happened to the team, made through the core at `at`.
pub(super) struct Milestone {
    pub at: i64,
    step: Step,
}

enum Step {
    Joins(usize),
    OpenGroups,
    AddRules,
    DisableRule(usize),
    Deactivate,
    GoesOnLeave(usize),
    /// No change: from here on assignments notify their new owners.
    NotifyFromHere,
    /// Today the manager set up what goes beyond round-robin (A15–A19), so
    /// each shows in the console on day one.
    BeyondRoundRobin,
}

/// The team's history in time order (equal times keep this order: someone
/// who joined the day the groups opened is in them from the start).
pub(super) fn timeline(now: i64) -> Vec<Milestone> {
    let mut steps: Vec<Milestone> = TEAM
        .iter()
        .enumerate()
        .map(|(i, p)| Milestone { at: now - p.joined_days_ago * DAY, step: Step::Joins(i) })
        .collect();
    steps.push(Milestone { at: now - GROUPS_OPENED_DAYS_AGO * DAY, step: Step::OpenGroups });
    steps.push(Milestone { at: now - RULES_ADDED_DAYS_AGO * DAY, step: Step::AddRules });
    for (i, rule) in RULES.iter().enumerate() {
        if let Some(days) = rule.disabled_days_ago {
            steps.push(Milestone { at: now - days * DAY, step: Step::DisableRule(i) });
        }
    }
    for (i, p) in TEAM.iter().enumerate() {
        match p.standing {
            Standing::Deactivated => {
                steps.push(Milestone { at: now - DEPARTED_DAYS_AGO * DAY, step: Step::Deactivate });
            }
            Standing::OnLeave => steps.push(Milestone { at: now - LEAVE_DAYS_AGO * DAY, step: Step::GoesOnLeave(i) }),
            Standing::Active => {}
        }
    }
    steps.push(Milestone { at: now - NOTIFIED_DAYS * DAY, step: Step::NotifyFromHere });
    steps.push(Milestone { at: now, step: Step::BeyondRoundRobin });
    steps.sort_by_key(|m| m.at);
    steps
}

/// Whether assignments made from `at` on notify their new owners.
pub(super) fn notifies(now: i64, at: i64) -> bool {
    at >= now - NOTIFIED_DAYS * DAY
}

/// Limits sized to the lead volume, so that they bite on busy days only.
struct Sizing {
    rate: f64,
    peak_day: f64,
}

impl Sizing {
    fn new(leads: u64) -> Sizing {
        use super::people::WEEKDAY_WEIGHT;
        let rate = leads as f64 * (1.0 + super::GROWTH) / (1.0 + super::GROWTH / 2.0) / HISTORY_DAYS as f64;
        let week: u32 = WEEKDAY_WEIGHT.iter().sum();
        Sizing { rate, peak_day: rate * 7.0 * f64::from(WEEKDAY_WEIGHT[0]) / f64::from(week) }
    }

    /// The group's daily and monthly limits (0: none).
    fn limits(&self, spec: &GroupSpec) -> (i64, i64) {
        let available = spec
            .members
            .iter()
            .filter(|m| TEAM.iter().any(|p| p.name == **m && p.standing == Standing::Active))
            .count()
            .max(1) as f64;
        let daily = if spec.daily { nice(self.peak_day * spec.share / available).max(3) } else { 0 };
        let monthly = if spec.monthly { nice(self.rate * 30.44 * spec.share / available * 1.1).max(20) } else { 0 };
        (daily, monthly)
    }
}

/// Round up to a number a manager would type: 1, 2, 3, 5, 8, 10, 12, 15, 20, 25, 30, 40, 50, 60, 75, 100, …
fn nice(x: f64) -> i64 {
    let mut p: i64 = 1;
    while ((p * 10) as f64) <= x && p < 1_000_000_000 {
        p *= 10;
    }
    for step in [10, 12, 15, 20, 25, 30, 40, 50, 60, 75, 100] {
        let candidate = (p * step / 10).max(1);
        if candidate as f64 >= x {
            return candidate;
        }
    }
    p * 10
}

/// Make one milestone happen, through the core, as `base`'s office at its time.
pub(super) fn apply(store: &mut Store, base: &Ctx, leads: u64, milestone: &Milestone) -> Result<()> {
    let at = milestone.at;
    match milestone.step {
        Step::Joins(i) => {
            let p = &TEAM[i];
            // The admin adds everyone else; the first user is added by the system.
            let actor = if i == 0 { Actor::System } else { by(store, PRIYA)? };
            let ctx = &when(base, at, actor);
            users::add(
                store,
                ctx,
                &NewUser {
                    name: p.name.into(),
                    email: format!("{}@{TEAM_DOMAIN}", folded(p.name)),
                    role: p.role,
                    can_pickup: p.can_pickup,
                },
            )?;
            if p.joined_days_ago < GROUPS_OPENED_DAYS_AGO {
                let ctx = &when(base, at, by(store, MARCUS)?);
                let sizing = Sizing::new(leads);
                for spec in GROUPS.iter().filter(|g| g.members.contains(&p.name)) {
                    join(store, ctx, spec, &sizing, &[p.name])?;
                }
            }
        }
        Step::OpenGroups => {
            let ctx = &when(base, at, by(store, MARCUS)?);
            let sizing = Sizing::new(leads);
            for spec in &GROUPS {
                let (daily, monthly) = sizing.limits(spec);
                groups::add(store, ctx, spec.name, spec.method, daily, monthly)?;
                if !spec.pickup.is_empty() {
                    let pickup = Some(spec.pickup.iter().map(|s| (*s).to_string()).collect());
                    groups::set(
                        store,
                        ctx,
                        spec.name,
                        &GroupChanges { pickup_statuses: pickup, ..Default::default() },
                    )?;
                }
                let present: Vec<&str> = spec
                    .members
                    .iter()
                    .copied()
                    .filter(|m| TEAM.iter().any(|p| p.name == *m && p.joined_days_ago >= GROUPS_OPENED_DAYS_AGO))
                    .collect();
                join(store, ctx, spec, &sizing, &present)?;
            }
        }
        Step::AddRules => {
            let ctx = &when(base, at, by(store, MARCUS)?);
            for spec in &RULES {
                let target = match spec.target {
                    RuleTarget::Group(g) => TargetName::Group(g.into()),
                    RuleTarget::User(u) => TargetName::User(u.into()),
                };
                let conditions = spec.conditions.iter().map(|c| Condition::parse(c)).collect::<Result<Vec<_>>>()?;
                rules::add(store, ctx, spec.name, &target, &conditions, None)?;
            }
        }
        Step::DisableRule(i) => {
            let ctx = &when(base, at, by(store, MARCUS)?);
            rules::set_enabled(store, ctx, i as i64 + 1, false)?;
        }
        Step::Deactivate => {
            let ctx = &when(base, at, by(store, PRIYA)?);
            distribute::deactivate(store, ctx, LEAVER, &Handover::ReassignTo(HEIR.into()), false)?;
        }
        Step::GoesOnLeave(i) => {
            let ctx = &when(base, at, by(store, MARCUS)?);
            users::set_leave(store, ctx, TEAM[i].name, true)?;
        }
        Step::NotifyFromHere => {}
        Step::BeyondRoundRobin => beyond_round_robin(store, base, at, leads)?,
    }
    Ok(())
}

/// `group members --add` for `names`, then their limit overrides, if any.
fn join(store: &mut Store, ctx: &Ctx, spec: &GroupSpec, sizing: &Sizing, names: &[&str]) -> Result<()> {
    if names.is_empty() {
        return Ok(());
    }
    let add = names.iter().map(|n| (*n).to_string()).collect();
    groups::change_members(store, ctx, spec.name, &MemberChanges { add, ..Default::default() })?;
    let (daily, monthly) = sizing.limits(spec);
    for o in spec.overrides.iter().filter(|o| names.contains(&o.member)) {
        // Fractions of the group's limit (a part-timer), never "unlimited".
        let own_daily = o.daily.filter(|_| daily > 0).map(|(n, d)| nice((daily * n / d) as f64).max(2));
        let own_monthly = o.monthly.filter(|_| monthly > 0).map(|(n, d)| nice((monthly * n / d) as f64).max(10));
        groups::set_member_limits(store, ctx, spec.name, o.member, own_daily, own_monthly)?;
    }
    Ok(())
}

/// The office's context at `at`, acting as `actor`.
/// A15–A19 in the office: Tom, the senior, takes twice the Inbound share;
/// Enterprise caps what a rep may hold open; Ingrid works mornings; Grace is
/// on holiday for a week; Partners' untouched leads are reclaimed after three days.
fn beyond_round_robin(store: &mut Store, base: &Ctx, at: i64, leads: u64) -> Result<()> {
    let ctx = &when(base, at, by(store, MARCUS)?);
    groups::set_weight(store, ctx, "Inbound", "Tom", 2)?;
    // Sized so that it bites for some reps, not all.
    let cap = (leads as i64 / 90).clamp(20, 50_000);
    groups::set(store, ctx, "Enterprise", &GroupChanges { max_open: Some(cap), ..Default::default() })?;
    let reclaim = GroupChanges { reclaim_after_hours: Some(72), reclaim_max: Some(1), ..Default::default() };
    groups::set(store, ctx, "Partners", &reclaim)?;
    users::set_hours(store, ctx, "Ingrid", Some("Mon-Thu 08:30-13:00"))?;
    let back = DateTime::from_timestamp(at + 8 * DAY, 0).unwrap_or_default().with_timezone(&base.tz).date_naive();
    users::set_away(store, ctx, "Grace", Some(&back.to_string()))?;
    Ok(())
}

fn when(base: &Ctx, at: i64, actor: Actor) -> Ctx {
    Ctx { actor, pinned_now: DateTime::from_timestamp(at, 0), notify_on_assign: false, ..base.clone() }
}

fn by(store: &Store, id: i64) -> Result<Actor> {
    let user =
        users::get(store.conn(), id).map_err(|_| Error::invalid(format!("the demo team lost its user #{id}")))?;
    Ok(Actor::User(user))
}
