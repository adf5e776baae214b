//! The lead drawer (T3): fields, the R6 explanation of its owner ("why
//! this owner": the assignment, the rule and group, who was skipped and
//! why), the activity timeline; change the owner, the status, add a note.

use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::{Modal, Outcome, Step, choose, popup, prompt};
use crate::core::activity::{self, ActivityQuery, ActivityRow};
use crate::core::error::{Error, Result};
use crate::core::model::Lead;
use crate::core::time::{office_minute, short_age};
use crate::core::{Ctx, Store, explain, leads, stages};
use crate::tui::action::Action;
use crate::tui::flow::{Answer, DetailThen, Env, Look, Pending, Pick, Then};
use crate::tui::keymap::Context;
use crate::tui::widgets::fit;

#[derive(Debug, Clone)]
pub struct Detail {
    pub lead: Lead,
    pub activity: Vec<ActivityRow>,
    pub explanation: String,
    pub scroll: usize,
    /// The office's time zone: every time in the drawer is office time.
    pub tz: chrono_tz::Tz,
}

impl Detail {
    pub fn load(store: &Store, ctx: &Ctx, id: i64) -> Result<Detail> {
        let lead = leads::get(store.conn(), ctx, id)?;
        let query = ActivityQuery { lead: Some(id), limit: Some(200), ..ActivityQuery::default() };
        let activity = activity::list(store.conn(), &query)?;
        // Every time in the drawer as its timeline tells it: office time to the minute.
        let explanation = explain::explain_telling_time(store.conn(), ctx, id, |at| office_minute(ctx.tz, at))?.summary;
        Ok(Detail { lead, activity, explanation, scroll: 0, tz: ctx.tz })
    }

    pub fn open(store: &Store, ctx: &Ctx, id: i64) -> Result<Modal> {
        Ok(Modal::Detail(Box::new(Detail::load(store, ctx, id)?)))
    }

    pub fn reload(&mut self, store: &Store, ctx: &Ctx) -> Result<()> {
        let scroll = self.scroll;
        *self = Detail::load(store, ctx, self.lead.id)?;
        self.scroll = scroll.min(self.activity.len().saturating_sub(1));
        Ok(())
    }

    pub fn handle(&mut self, key: KeyEvent, env: &mut Env<'_>) -> Result<Outcome> {
        let lead = self.lead.id;
        Ok(match env.keymap.lookup(Context::Detail, &key) {
            Some(Action::Back) => Outcome::Close,
            Some(Action::Quit) => Outcome::Step(Step::Quit),
            Some(Action::Down) => {
                self.scroll = (self.scroll + 1).min(self.activity.len().saturating_sub(1));
                Outcome::Keep
            }
            Some(Action::Up) => {
                self.scroll = self.scroll.saturating_sub(1);
                Outcome::Keep
            }
            Some(Action::ChangeOwner) if env.is_agent() => return Err(Error::invalid("agents cannot assign leads")),
            Some(Action::ChangeOwner) => {
                let then = Then::Detail(DetailThen::Owner { lead });
                let current = self.lead.owner.clone().map_or(Pick::Unassigned, Pick::Name);
                Outcome::Step(Step::Open(choose::on(choose::users(env.store, env.ctx, "Owner", true, then)?, &current)))
            }
            Some(Action::ChangeStatus) => {
                let then = Then::Detail(DetailThen::Status { lead });
                let current = Pick::Id(self.lead.stage_id);
                Outcome::Step(Step::Open(choose::on(choose::statuses(env.store, then)?, &current)))
            }
            Some(Action::AddNote) => {
                Outcome::Step(Step::Open(prompt::ask("Note", "", Then::Detail(DetailThen::Note { lead }))))
            }
            Some(Action::Help) => Outcome::Step(Step::Open(Modal::Help(super::Help::new(Context::Detail)))),
            // The help lists the pane keys as working everywhere: from here they close the drawer and go.
            Some(
                action @ (Action::ShowKanban
                | Action::ShowLeads
                | Action::ShowGroups
                | Action::ShowRouting
                | Action::ShowWorkload
                | Action::NextPane
                | Action::PrevPane),
            ) => Outcome::CloseWith(Step::Global(action)),
            _ => Outcome::Keep,
        })
    }

    pub fn draw(&self, frame: &mut Frame<'_>, main: Rect, look: &Look<'_>) {
        let theme = look.theme;
        // A narrow window gives the drawer most of its width: it is what the user looks at.
        let width = (main.width * 55 / 100).max(64).min(main.width);
        let area = Rect { x: main.right() - width, width, ..main };
        let l = &self.lead;
        // A field is one row, cut with … (a long email would take three).
        let room = usize::from(width.saturating_sub(2 + 9));
        let field = |name: &str, value: String| {
            Line::from(vec![Span::styled(format!("{name:<9}"), theme.dim()), Span::raw(fit::clip(&value, room))])
        };
        // Fields a lead does not have take no row: at 80×24 the timeline needs them.
        let optional = [("email", &l.email), ("phone", &l.phone), ("company", &l.company), ("source", &l.source)];
        let mut lines = vec![Line::from(Span::styled(format!("#{} {}", l.id, l.name), theme.header()))];
        lines.extend(optional.into_iter().filter(|(_, v)| !v.is_empty()).map(|(name, v)| field(name, v.clone())));
        lines.extend([
            field("status", format!("{} (for {})", l.status, short_age(look.now - l.status_changed_at))),
            field("owner", l.owner.clone().unwrap_or_else(|| "— unassigned".into())),
            field("created", office_minute(self.tz, l.created_at)),
        ]);
        if !l.tags.is_empty() {
            lines.push(field("tags", l.tags.join(", ")));
        }
        lines.extend([
            Line::raw(""),
            Line::from(Span::styled("Why this owner", theme.accent())),
            Line::raw(self.explanation.clone()),
            Line::raw(""),
            Line::from(Span::styled("Activity", theme.accent())),
        ]);
        for a in self.activity.iter().skip(self.scroll) {
            let what = match (&a.from, &a.to) {
                (Some(f), Some(t)) => format!("{} {f} → {t}", a.kind),
                (None, Some(t)) => format!("{} → {t}", a.kind),
                (Some(f), None) => format!("{} {f} →", a.kind),
                (None, None) => a.kind.clone(),
            };
            let note = a.note.as_ref().map(|n| format!(": {n}")).unwrap_or_default();
            lines.push(Line::from(vec![
                Span::styled(format!("{} ", office_minute(self.tz, a.at)), theme.dim()),
                Span::raw(format!("{} {what}{note} ", a.actor)),
                Span::styled(format!("({})", a.via), theme.dim()),
            ]));
        }
        let key = |action| look.keymap.label(Context::Detail, action);
        let title = format!(
            "{} owner · {} status · {} note · {} close",
            key(Action::ChangeOwner),
            key(Action::ChangeStatus),
            key(Action::AddNote),
            key(Action::Back)
        );
        popup(frame, theme, area, &title, lines);
    }
}

/// What the drawer's pickers and prompt answered.
pub fn resume(then: DetailThen, answer: Answer, env: &Env<'_>) -> Result<Option<Step>> {
    Ok(match (then, answer) {
        (DetailThen::Owner { lead }, Answer::Pick(Pick::Unassigned)) => Some(Step::Open(Modal::Confirm(
            super::Confirm::new(format!("Unassign lead #{lead}?"), vec![], Pending::LeadOwner { lead, to: None }),
        ))),
        (DetailThen::Owner { lead }, Answer::Pick(Pick::Name(to))) => {
            let title = format!("Assign lead #{lead} to {to}?");
            Some(Step::Open(Modal::Confirm(super::Confirm::new(
                title,
                vec![],
                Pending::LeadOwner { lead, to: Some(to) },
            ))))
        }
        (DetailThen::Status { lead }, Answer::Pick(Pick::Id(stage))) => {
            let status = stages::list(env.store.conn())?
                .into_iter()
                .find(|s| s.id == stage)
                .map(|s| s.name)
                .ok_or_else(|| Error::not_found("status", format!("#{stage}")))?;
            Some(Step::Run(Pending::LeadStatus { lead, status }))
        }
        (DetailThen::Note { lead }, Answer::Text(text)) => Some(Step::Run(Pending::Note { lead, text })),
        _ => None,
    })
}
