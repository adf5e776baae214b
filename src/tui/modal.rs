//! Everything that sits over the table: pickers, confirmations, the search
//! line, the filter panel, prompts, the lead drawer, help. Each confirmed
//! action is a `Pending` that calls the core.

use std::rc::Rc;

use tui_input::Input;

use super::widgets::picker::{Choice, Picker};
use crate::core::activity::{self, ActivityQuery, ActivityRow};
use crate::core::assign::{self, Selection};
use crate::core::context::Ctx;
use crate::core::distribute;
use crate::core::error::Result;
use crate::core::explain;
use crate::core::model::Lead;
use crate::core::{Store, groups, leads, stages, users};

/// A confirmed piece of work from a pane; the message says what happened.
pub type Task = Box<dyn FnOnce(&mut Store, &Ctx) -> Result<String>>;
/// What a pane does with a submitted prompt or a picked value.
pub type OnText = Rc<dyn Fn(&Store, &Ctx, &str) -> Result<Step>>;
pub type OnPick = Rc<dyn Fn(&Store, &Ctx, Pick) -> Result<Step>>;

/// The next step after a prompt or picker.
pub enum Step {
    Run(Pending),
    Confirm(String, Vec<String>, Pending),
    Open(Modal),
}

/// What a picked user or group is for.
#[derive(Clone)]
pub enum PickFor {
    Owner {
        selection: Selection,
        count: i64,
        reassign: bool,
    },
    Group {
        selection: Selection,
        count: i64,
    },
    /// The drawer's owner picker ("Unassigned" on top).
    LeadOwner {
        lead: i64,
    },
    LeadStatus {
        lead: i64,
    },
    Filter(FilterField),
    Custom(OnPick),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterField {
    Owner,
    Status,
    Source,
    Tag,
    Since,
    Until,
    Clear,
}

impl FilterField {
    pub const ALL: [FilterField; 7] = [
        FilterField::Owner,
        FilterField::Status,
        FilterField::Source,
        FilterField::Tag,
        FilterField::Since,
        FilterField::Until,
        FilterField::Clear,
    ];

    pub fn label(self) -> &'static str {
        match self {
            FilterField::Owner => "Owner",
            FilterField::Status => "Status",
            FilterField::Source => "Source",
            FilterField::Tag => "Tag",
            FilterField::Since => "Created since",
            FilterField::Until => "Created until",
            FilterField::Clear => "Clear all filters",
        }
    }
}

/// A value picked in a picker.
#[derive(Debug, Clone, PartialEq)]
pub enum Pick {
    Any,
    Unassigned,
    Me,
    Id(i64),
    Name(String),
}

/// What a text prompt is for.
#[derive(Clone)]
pub enum PromptFor {
    Note { lead: i64 },
    Since,
    Until,
    Custom(OnText),
}

/// A confirmed action, run through the core.
pub enum Pending {
    Assign { selection: Selection, to: String, reassign: bool },
    Unassign { selection: Selection, count: i64 },
    Rotate { selection: Selection, group: String },
    Undo,
    Pickup { ids: Vec<i64> },
    LeadOwner { lead: i64, to: Option<String> },
    LeadStatus { lead: i64, status: String },
    Note { lead: i64, text: String },
    Task(Task),
}

impl Pending {
    /// Run it; the message says what happened ("312 assigned, 0 unchanged").
    pub fn execute(self, store: &mut Store, ctx: &Ctx) -> Result<String> {
        Ok(match self {
            Pending::Task(task) => task(store, ctx)?,
            Pending::Assign { selection, to, reassign: false } => {
                let r = assign::assign(store, ctx, &selection, &to)?;
                format!("{} assigned to {to}, {} unchanged", r.changed, r.unchanged)
            }
            Pending::Assign { selection, to, reassign: true } => {
                let r = assign::reassign(store, ctx, &selection, &to)?;
                format!("{} reassigned to {to}, {} unchanged", r.changed, r.unchanged)
            }
            Pending::Unassign { selection, .. } => {
                let r = assign::unassign(store, ctx, &selection)?;
                format!("{} unassigned, {} unchanged", r.changed, r.unchanged)
            }
            Pending::Rotate { selection, group } => {
                let r = distribute::rotate(store, ctx, &group, &selection, false)?;
                format!("{} assigned through {group}, {} left unassigned", r.assigned.len(), r.unassigned.len())
            }
            Pending::Undo => {
                let r = assign::undo(store, ctx)?;
                format!(
                    "undid {} — {} lead{} restored",
                    r.undid.describe(ctx.now_ts()),
                    r.result.changed,
                    super::app::plural(r.result.changed as i64)
                )
            }
            Pending::Pickup { ids } => {
                let r = assign::pickup(store, ctx, &ids)?;
                format!("{} picked up, {} already yours", r.changed, r.unchanged)
            }
            Pending::LeadOwner { lead, to: Some(to) } => {
                assign::assign(store, ctx, &Selection::Ids(vec![lead]), &to)?;
                format!("lead #{lead} assigned to {to}")
            }
            Pending::LeadOwner { lead, to: None } => {
                assign::unassign(store, ctx, &Selection::Ids(vec![lead]))?;
                format!("lead #{lead} unassigned")
            }
            Pending::LeadStatus { lead, status } => {
                leads::move_status(store, ctx, lead, &status)?;
                format!("lead #{lead} moved to {status}")
            }
            Pending::Note { lead, text } => {
                leads::add_note(store, ctx, lead, &text)?;
                format!("note added to lead #{lead}")
            }
        })
    }
}

/// The lead drawer (T3): fields, timeline and the explanation of its owner.
#[derive(Debug, Clone)]
pub struct Detail {
    pub lead: Lead,
    pub activity: Vec<ActivityRow>,
    pub explanation: String,
    pub scroll: usize,
}

impl Detail {
    pub fn load(store: &Store, ctx: &Ctx, id: i64) -> Result<Detail> {
        let lead = leads::get(store.conn(), ctx, id)?;
        let activity = activity::list(
            store.conn(),
            &ActivityQuery { lead: Some(id), limit: Some(200), ..ActivityQuery::default() },
        )?;
        let explanation = explain::explain(store.conn(), ctx, id)?.summary;
        Ok(Detail { lead, activity, explanation, scroll: 0 })
    }

    pub fn reload(&mut self, store: &Store, ctx: &Ctx) -> Result<()> {
        let scroll = self.scroll;
        *self = Detail::load(store, ctx, self.lead.id)?;
        self.scroll = scroll.min(self.activity.len().saturating_sub(1));
        Ok(())
    }
}

pub enum Modal {
    Help,
    Confirm { title: String, lines: Vec<String>, pending: Pending },
    Picker { picker: Picker<Pick>, purpose: PickFor },
    Search(Input),
    FilterPanel(usize),
    Prompt { title: String, input: Input, purpose: PromptFor, error: Option<String> },
    Detail(Box<Detail>),
}

impl Modal {
    pub fn confirm(title: String, lines: Vec<String>, pending: Pending) -> Modal {
        Modal::Confirm { title, lines, pending }
    }

    pub fn search(current: &str) -> Modal {
        Modal::Search(Input::new(current.to_string()))
    }

    pub fn prompt(title: impl Into<String>, purpose: PromptFor) -> Modal {
        Modal::prompt_with(title, "", purpose)
    }

    pub fn prompt_with(title: impl Into<String>, initial: &str, purpose: PromptFor) -> Modal {
        Modal::Prompt { title: title.into(), input: Input::new(initial.to_string()), purpose, error: None }
    }

    /// A prompt whose text goes to `then`.
    pub fn ask(
        title: impl Into<String>,
        initial: &str,
        then: impl Fn(&Store, &Ctx, &str) -> Result<Step> + 'static,
    ) -> Modal {
        Modal::prompt_with(title, initial, PromptFor::Custom(Rc::new(then)))
    }

    /// A picker whose choice goes to `then`.
    pub fn choose(
        title: impl Into<String>,
        choices: Vec<Choice<Pick>>,
        then: impl Fn(&Store, &Ctx, Pick) -> Result<Step> + 'static,
    ) -> Modal {
        Modal::Picker { picker: Picker::new(title, choices), purpose: PickFor::Custom(Rc::new(then)) }
    }

    pub fn detail(store: &Store, ctx: &Ctx, id: i64) -> Result<Modal> {
        Ok(Modal::Detail(Box::new(Detail::load(store, ctx, id)?)))
    }

    /// Active users to own leads; `with_unassigned` puts "Unassigned" on top.
    pub fn user_picker(store: &Store, purpose: PickFor, with_unassigned: bool) -> Result<Modal> {
        let mut choices = Vec::new();
        if with_unassigned {
            choices.push(Choice { label: "Unassigned".into(), detail: "no owner".into(), value: Pick::Unassigned });
        }
        for u in users::list(store.conn())?.into_iter().filter(|u| u.active) {
            let detail = if u.on_leave { format!("{}, on leave", u.role) } else { u.role.to_string() };
            choices.push(Choice { label: u.name.clone(), detail, value: Pick::Name(u.name) });
        }
        let title = match &purpose {
            PickFor::Owner { count, reassign: true, .. } => {
                format!("Reassign {count} lead{} to", super::app::plural(*count))
            }
            PickFor::Owner { count, .. } => format!("Assign {count} lead{} to", super::app::plural(*count)),
            _ => "Owner".to_string(),
        };
        Ok(Modal::Picker { picker: Picker::new(title, choices), purpose })
    }

    pub fn group_picker(store: &Store, purpose: PickFor) -> Result<Modal> {
        let choices = groups::list(store.conn())?
            .into_iter()
            .map(|g| Choice { label: g.name.clone(), detail: g.method.to_string(), value: Pick::Name(g.name) })
            .collect();
        let title = match &purpose {
            PickFor::Group { count, .. } => format!("Rotate {count} lead{} through", super::app::plural(*count)),
            _ => "Group".to_string(),
        };
        Ok(Modal::Picker { picker: Picker::new(title, choices), purpose })
    }

    pub fn status_picker(store: &Store, purpose: PickFor, with_any: bool) -> Result<Modal> {
        let mut choices = Vec::new();
        if with_any {
            choices.push(Choice { label: "Any status".into(), detail: String::new(), value: Pick::Any });
        }
        for s in stages::list(store.conn())? {
            let detail = if s.closed { "closed".to_string() } else { String::new() };
            choices.push(Choice { label: s.name.clone(), detail, value: Pick::Id(s.id) });
        }
        Ok(Modal::Picker { picker: Picker::new("Status", choices), purpose })
    }

    /// The filter's owner choices: any, unassigned, me, each user.
    pub fn owner_filter_picker(store: &Store, has_me: bool) -> Result<Modal> {
        let mut choices = vec![
            Choice { label: "Any owner".into(), detail: String::new(), value: Pick::Any },
            Choice { label: "Unassigned".into(), detail: String::new(), value: Pick::Unassigned },
        ];
        if has_me {
            choices.push(Choice { label: "Me".into(), detail: String::new(), value: Pick::Me });
        }
        for u in users::list(store.conn())? {
            choices.push(Choice { label: u.name.clone(), detail: u.role.to_string(), value: Pick::Id(u.id) });
        }
        Ok(Modal::Picker { picker: Picker::new("Owner", choices), purpose: PickFor::Filter(FilterField::Owner) })
    }

    /// Distinct sources or tags present in the data, for the filter panel.
    pub fn values_picker(store: &Store, field: FilterField) -> Result<Modal> {
        let sql = match field {
            FilterField::Tag => "SELECT DISTINCT tag FROM lead_tags ORDER BY tag COLLATE NOCASE LIMIT 500",
            _ => "SELECT DISTINCT source COLLATE NOCASE FROM leads WHERE source <> '' ORDER BY 1 LIMIT 500",
        };
        let mut stmt = store.conn().prepare(sql)?;
        let values: Vec<String> = stmt.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
        let mut choices = vec![Choice {
            label: format!("Any {}", field.label().to_lowercase()),
            detail: String::new(),
            value: Pick::Any,
        }];
        choices.extend(values.into_iter().map(|v| Choice {
            label: v.clone(),
            detail: String::new(),
            value: Pick::Name(v),
        }));
        Ok(Modal::Picker { picker: Picker::new(field.label(), choices), purpose: PickFor::Filter(field) })
    }
}
