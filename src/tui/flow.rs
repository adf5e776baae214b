//! The data that passes between panes, modals and the app: which pane,
//! what a picker or prompt answered, what to do with the answer (a
//! continuation, as data), and what a pane may read while it works.

use std::path::PathBuf;

use crate::config::Config;
use crate::core::assign::Selection;
use crate::core::distribute::Handover;
use crate::core::filter::Filter;
use crate::core::groups::{GroupChanges, MemberChanges};
use crate::core::model::Role;
use crate::core::rules::known::Unknown;
use crate::core::rules::{Condition, TargetName};
use crate::core::{Ctx, Store};
use crate::tui::keymap::Keymap;
use crate::tui::shared::Shared;
use crate::tui::theme::Theme;
use crate::tui::worker::Counts;

/// The console's panes. Users is reached from Groups and shares its tab.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::EnumIter, strum::IntoStaticStr)]
pub enum Pane {
    Kanban,
    Leads,
    Groups,
    Users,
    Routing,
    Workload,
}

impl Pane {
    /// The panes on the tab bar, in the order Tab walks them.
    pub const TABS: [Pane; 5] = [Pane::Kanban, Pane::Leads, Pane::Groups, Pane::Routing, Pane::Workload];

    pub fn title(self) -> &'static str {
        self.into()
    }

    /// The tab this pane is shown under.
    pub fn tab(self) -> Pane {
        if self == Pane::Users { Pane::Groups } else { self }
    }
}

/// The fields of the filter panel, in its order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::EnumIter, strum::EnumMessage)]
pub enum FilterField {
    #[strum(message = "Owner")]
    Owner,
    #[strum(message = "Status")]
    Status,
    #[strum(message = "Source")]
    Source,
    #[strum(message = "Tag")]
    Tag,
    #[strum(message = "Created since")]
    Since,
    #[strum(message = "Created until")]
    Until,
    #[strum(message = "Open leads only")]
    OpenOnly,
    #[strum(message = "Clear all filters")]
    Clear,
}

impl FilterField {
    pub fn label(self) -> &'static str {
        strum::EnumMessage::get_message(&self).unwrap_or("")
    }
}

/// How a departing user's open leads are handed over (A12: offboarding).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandoverWay {
    ReassignTo,
    Redistribute,
    LeaveUnassigned,
}

/// A value chosen in a picker.
#[derive(Debug, Clone, PartialEq)]
pub enum Pick {
    Any,
    Unassigned,
    Me,
    Id(i64),
    Name(String),
    Group(String),
    User(String),
    Handover(HandoverWay),
}

impl Pick {
    /// The id of an [`Pick::Id`] (a stage, a user).
    pub fn id(&self) -> Option<i64> {
        if let Pick::Id(id) = self { Some(*id) } else { None }
    }
}

/// What a picker or a prompt gave back.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    Pick(Pick),
    /// A tick list's ticked values, in the list's order.
    Picks(Vec<Pick>),
    Text(String),
    /// A question's "go on as it is" (y).
    Anyway,
    /// A question's "back to what I typed" (Esc).
    Back,
}

/// What to do with an answer, by the pane that asked.
#[derive(Debug, Clone)]
pub enum Then {
    List(ListThen),
    Detail(DetailThen),
    Filter(FilterField),
    Groups(GroupsThen),
    Users(UsersThen),
    Routing(RoutingThen),
    Import(ImportThen),
}

/// The console's import (`i`): the file, and the status mappings chosen so
/// far (FROM, stage), travel with each question.
#[derive(Debug, Clone)]
pub enum ImportThen {
    File,
    /// Which stage takes this unknown status.
    Status {
        file: PathBuf,
        chosen: Vec<(String, String)>,
        status: String,
    },
    /// Whether to save what was chosen to the config file.
    Save {
        file: PathBuf,
        chosen: Vec<(String, String)>,
    },
}

/// The Leads table and the board: a bulk change's owner or group.
#[derive(Debug, Clone)]
pub enum ListThen {
    Owner { selection: Selection, count: usize, reassign: bool },
    Rotate { selection: Selection, count: usize },
}

/// The lead drawer (T3).
#[derive(Debug, Clone, Copy)]
pub enum DetailThen {
    Owner { lead: i64 },
    Status { lead: i64 },
    Note { lead: i64 },
}

#[derive(Debug, Clone)]
pub enum GroupsThen {
    New,
    Rename { group: String },
    Limit { group: String, daily: bool },
    PickupStatuses { group: String },
    AddMember { group: String },
    MemberLimits { group: String, member: String },
    Weight { group: String, member: String },
    Cap { group: String },
    MemberCap { group: String, member: String },
    Reclaim { group: String },
}

#[derive(Debug, Clone)]
pub enum UsersThen {
    New,
    Hours {
        user: String,
    },
    Away {
        user: String,
    },
    /// How the departing user's open leads go.
    Handover {
        user: String,
    },
    ReassignTo {
        user: String,
    },
    RedistributeThrough {
        user: String,
    },
}

/// A rule being made (by name) or edited (by id).
#[derive(Debug, Clone)]
pub enum RuleRef {
    New(String),
    Existing(i64),
}

#[derive(Debug, Clone)]
pub enum RoutingThen {
    Name,
    Conditions {
        rule: RuleRef,
    },
    Target {
        rule: RuleRef,
        conditions: Vec<Condition>,
    },
    /// A value no lead has, asked about before the target is picked; the
    /// values already let through (condition, value) are not asked again.
    Unknown {
        rule: RuleRef,
        conditions: Vec<Condition>,
        passed: Vec<(usize, String)>,
        unknown: Unknown,
    },
}

/// A write the user asked for, as data; `run.rs` carries it out through
/// the core. Bulk changes carry their plan's token (A14): the count the
/// confirm dialog showed, and the seed of a random preview.
#[derive(Debug, Clone)]
pub enum Pending {
    /// `state`: what the confirm showed of ticked leads (A14's stronger guard).
    Assign {
        selection: Selection,
        to: String,
        reassign: bool,
        expect: usize,
        state: Option<u64>,
    },
    Unassign {
        selection: Selection,
        expect: usize,
        state: Option<u64>,
    },
    Rotate {
        selection: Selection,
        group: String,
        expect: usize,
        seed: u64,
        state: Option<u64>,
    },
    Route {
        backlog: Filter,
        expect: usize,
        seed: u64,
    },
    Deactivate {
        user: String,
        handover: Handover,
        expect: usize,
        seed: u64,
    },
    /// A4: the batch its confirm named.
    Undo {
        batch: i64,
    },
    Pickup {
        ids: Vec<i64>,
    },
    LeadOwner {
        lead: i64,
        to: Option<String>,
    },
    LeadStatus {
        lead: i64,
        status: String,
    },
    Note {
        lead: i64,
        text: String,
    },
    AddGroup {
        name: String,
        message: String,
    },
    SetGroup {
        name: String,
        changes: GroupChanges,
        message: String,
    },
    DeleteGroup {
        name: String,
    },
    Members {
        group: String,
        changes: MemberChanges,
        message: String,
    },
    MemberLimits {
        group: String,
        member: String,
        daily: Option<i64>,
        monthly: Option<i64>,
    },
    /// A15: a member's share of the group's leads.
    Weight {
        group: String,
        member: String,
        weight: i64,
    },
    /// A16: a member's own open-lead cap (`None`: the group's).
    MemberCap {
        group: String,
        member: String,
        cap: Option<i64>,
    },
    /// A17: working hours (`None`: always on).
    Hours {
        user: String,
        schedule: Option<String>,
    },
    /// A17: away until a first day back (`None`: back now).
    Away {
        user: String,
        until: Option<String>,
    },
    AddUser {
        name: String,
    },
    SetRole {
        user: String,
        role: Role,
    },
    SetLeave {
        user: String,
        on: bool,
    },
    SetCanPickup {
        user: String,
        on: bool,
    },
    Activate {
        user: String,
    },
    AddRule {
        name: String,
        target: TargetName,
        conditions: Vec<Condition>,
    },
    UpdateRule {
        id: i64,
        target: TargetName,
        conditions: Vec<Condition>,
    },
    DeleteRule {
        id: i64,
    },
    EnableRule {
        id: i64,
        on: bool,
    },
    MoveRule {
        id: i64,
        to: i64,
    },
    AutoAssign {
        on: bool,
    },
    Duplicates {
        on: bool,
    },
    /// Import a CSV file: exactly the `expect` rows its dry run counted; then
    /// save the mappings chosen in the console to the config file, if asked.
    Import {
        file: PathBuf,
        status_map: Vec<(String, String)>,
        owner_map: Vec<(String, String)>,
        save: Option<(PathBuf, Vec<(String, String)>)>,
        expect: usize,
    },
}

/// What a pane or a modal may use while it handles a key.
pub struct Env<'a> {
    pub store: &'a mut Store,
    pub ctx: &'a Ctx,
    pub config: &'a Config,
    pub keymap: &'a Keymap,
    pub shared: &'a Shared,
    pub counts: &'a Counts,
}

impl Env<'_> {
    pub fn is_agent(&self) -> bool {
        !self.ctx.actor.is_manager()
    }
}

/// What drawing may read: never the database.
pub struct Look<'a> {
    pub theme: &'a Theme,
    pub keymap: &'a Keymap,
    pub shared: &'a Shared,
    pub counts: &'a Counts,
    /// The clock, for ages.
    pub now: i64,
}

pub fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
