//! Users (T4): add, change the role, put on leave, allow pick-up, set
//! working hours (typed, checked as you type) and away dates (A17),
//! deactivate with the A12 choice (offboarding: reassign every open lead
//! to one user, redistribute them through a group, or leave them
//! unassigned), previewed before it is confirmed, and reactivate.

use crate::tui::widgets::list_table;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Block, Borders, Cell, Row, TableState};

use crate::core::distribute::Handover;
use crate::core::error::{Error, Result, thousands, thousands_of};
use crate::core::model::{Role, User};
use crate::core::rotation::open_leads;
use crate::core::schedule::Availability;
use crate::core::users;
use crate::tui::action::Action;
use crate::tui::flow::{Answer, Env, HandoverWay, Look, Pane, Pending, Pick, Then, UsersThen};
use crate::tui::modal::typed::Check;
use crate::tui::modal::{Confirm, Modal, Step, choose, prompt};
use crate::tui::panes::groups::section_tabs;
use crate::tui::panes::preview;
use crate::tui::widgets::fit;
use crate::tui::widgets::picker::Choice;

#[derive(Debug, Default)]
pub struct UsersPane {
    /// Each user with the groups they belong to.
    pub users: Vec<(User, Vec<String>)>,
    /// Each user's A17 state now: off shift or away, and until when.
    pub unavailable: Vec<Option<String>>,
    pub cursor: usize,
}

fn run(pending: Pending) -> Result<Option<Step>> {
    Ok(Some(Step::Run(pending)))
}

impl UsersPane {
    pub fn load(&mut self, env: &Env<'_>) -> Result<()> {
        let conn = env.store.conn();
        self.users = users::list(conn)?
            .into_iter()
            .map(|u| {
                let groups = users::group_names(conn, u.id)?;
                Ok((u, groups))
            })
            .collect::<Result<_>>()?;
        let now = env.ctx.now();
        self.unavailable = self
            .users
            .iter()
            .map(|(u, _)| Availability::from_stored(&u.schedule, &u.away_until).unavailable(env.ctx.tz, now))
            .collect();
        self.cursor = self.cursor.min(self.users.len().saturating_sub(1));
        Ok(())
    }

    fn user(&self) -> Option<&User> {
        self.users.get(self.cursor).map(|(u, _)| u)
    }

    pub fn hints() -> &'static [Action] {
        &[
            Action::NewItem,
            Action::CycleRole,
            Action::ToggleLeave,
            Action::ToggleCanPickup,
            Action::EditHours,
            Action::SetAway,
            Action::Deactivate,
            Action::Activate,
            Action::SwitchSection,
            Action::Help,
        ]
    }

    pub fn on_action(&mut self, action: Action, env: &mut Env<'_>) -> Result<Option<Step>> {
        match action {
            Action::SwitchSection => return Ok(Some(Step::Show(Pane::Groups))),
            Action::Down => self.cursor = (self.cursor + 1).min(self.users.len().saturating_sub(1)),
            Action::Up => self.cursor = self.cursor.saturating_sub(1),
            Action::Top => self.cursor = 0,
            Action::Bottom => self.cursor = self.users.len().saturating_sub(1),
            _ if env.is_agent() && Self::hints().contains(&action) => {
                return Err(Error::invalid("only admins and managers change users"));
            }
            Action::NewItem => {
                let key = env.keymap.label(crate::tui::keymap::Context::Users, Action::CycleRole);
                let title = format!("New user name (an agent; {key} changes the role)");
                return Ok(Some(Step::Open(prompt::ask(title, "", Then::Users(UsersThen::New)))));
            }
            _ => return self.edit(action, env),
        }
        Ok(None)
    }

    fn edit(&self, action: Action, env: &Env<'_>) -> Result<Option<Step>> {
        let Some(user) = self.user().cloned() else { return Ok(None) };
        let name = user.name.clone();
        match action {
            Action::CycleRole => {
                let role = match user.role {
                    Role::Agent => Role::Manager,
                    Role::Manager => Role::Admin,
                    Role::Admin => Role::Agent,
                };
                run(Pending::SetRole { user: name, role })
            }
            Action::ToggleLeave => run(Pending::SetLeave { user: name, on: !user.on_leave }),
            Action::ToggleCanPickup => run(Pending::SetCanPickup { user: name, on: !user.can_pickup }),
            Action::Activate => run(Pending::Activate { user: name }),
            Action::EditHours => {
                let title = format!("{name}'s working hours, office time (empty: any time)");
                let then = Then::Users(UsersThen::Hours { user: name });
                Ok(Some(Step::Open(prompt::ask_checked(title, &user.schedule, then, Check::Schedule))))
            }
            Action::SetAway => {
                let title = format!("{name} away until: first day back, YYYY-MM-DD");
                let then = Then::Users(UsersThen::Away { user: name });
                Ok(Some(Step::Open(prompt::ask_checked(title, &user.away_until, then, Check::Date))))
            }
            Action::Deactivate => {
                let open = open_leads(env.store.conn(), user.id)?;
                let way = |label: &str, detail: &str, way| Choice {
                    label: label.into(),
                    detail: detail.into(),
                    value: Pick::Handover(way),
                };
                let choices = vec![
                    way("Reassign all to one user", "", HandoverWay::ReassignTo),
                    way("Redistribute through a group", "its rotation and limits", HandoverWay::Redistribute),
                    way("Leave them unassigned", "", HandoverWay::LeaveUnassigned),
                ];
                let title = format!("Deactivate {name}: {} open leads", thousands_of(open));
                Ok(Some(Step::Open(choose::choose(title, choices, Then::Users(UsersThen::Handover { user: name })))))
            }
            _ => Ok(None),
        }
    }

    /// What a prompt or picker of this pane answered.
    pub fn resume(then: UsersThen, answer: Answer, env: &mut Env<'_>) -> Result<Option<Step>> {
        let handover = match (then, answer) {
            (UsersThen::New, Answer::Text(name)) => return run(Pending::AddUser { name }),
            (UsersThen::Hours { user }, Answer::Text(text)) => {
                return run(Pending::Hours { user, schedule: Some(text).filter(|t| !t.is_empty()) });
            }
            (UsersThen::Away { user }, Answer::Text(text)) => {
                return run(Pending::Away { user, until: Some(text).filter(|t| !t.is_empty()) });
            }
            (UsersThen::Handover { user }, Answer::Pick(Pick::Handover(way))) => match way {
                HandoverWay::ReassignTo => {
                    let then = Then::Users(UsersThen::ReassignTo { user: user.clone() });
                    let modal =
                        choose::users_except(env.store, env.ctx, "Reassign their open leads to", false, &[user], then)?;
                    return Ok(Some(Step::Open(modal)));
                }
                HandoverWay::Redistribute => {
                    let then = Then::Users(UsersThen::RedistributeThrough { user });
                    return Ok(Some(Step::Open(choose::groups(env.store, "Redistribute through", then)?)));
                }
                HandoverWay::LeaveUnassigned => (user, Handover::LeaveUnassigned),
            },
            (UsersThen::ReassignTo { user }, Answer::Pick(Pick::Name(to))) => (user, Handover::ReassignTo(to)),
            (UsersThen::RedistributeThrough { user }, Answer::Pick(Pick::Name(g))) => (user, Handover::Redistribute(g)),
            _ => return Ok(None),
        };
        let (user, handover) = handover;
        offboarding_confirm(env, user, handover).map(Some)
    }
}

/// A12 previewed: who gets how many of the departing user's open leads,
/// and what stays unassigned and why; the confirm carries the plan's token.
fn offboarding_confirm(env: &mut Env<'_>, user: String, handover: Handover) -> Result<Step> {
    let seed = env.ctx.seed.unwrap_or_else(super::fresh_seed);
    let how = match &handover {
        Handover::ReassignTo(to) => format!("reassign to {to}"),
        Handover::Redistribute(g) => format!("redistribute through {g}"),
        Handover::LeaveUnassigned => "leave their leads unassigned".to_string(),
    };
    let ctx = crate::core::Ctx { seed: Some(seed), ..env.ctx.clone() };
    let plan = crate::core::distribute::deactivate(env.store, &ctx, &user, &handover, true)?;
    let expect = plan.selected;
    let seed = plan.seed.unwrap_or(seed);
    let mut lines = preview::per_member(&plan);
    if let Handover::Redistribute(group) = &handover {
        lines.extend(preview::passed_over(env.store.conn(), env.ctx, group)?);
    }
    lines.extend(preview::staying(&plan));
    lines.push("They leave every group and keep their history.".into());
    let title =
        format!("Deactivate {user} and {how} ({} open lead{})?", thousands(expect), crate::tui::flow::plural(expect));
    let pending = Pending::Deactivate { user, handover, expect, seed };
    Ok(Step::Open(Modal::Confirm(Confirm::new(title, lines, pending))))
}

/// The Users table's column titles.
const HEADER: [&str; 6] = ["Name", "Role", "State", "Pick-up", "Hours", "Groups"];

impl UsersPane {
    pub fn draw(&self, frame: &mut Frame<'_>, area: Rect, look: &Look<'_>) {
        let theme = look.theme;
        let [tabs, body] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
        section_tabs(frame, tabs, true, look);
        let states: Vec<Span<'_>> = self
            .users
            .iter()
            .zip(&self.unavailable)
            .map(|((u, _), unavailable)| match (u.active, u.on_leave, unavailable) {
                (false, _, _) => Span::styled("deactivated", theme.dim()),
                (true, true, _) => Span::styled("on leave", theme.warn()),
                (true, false, Some(why)) => Span::styled(why.as_str(), theme.warn()),
                (true, false, None) => Span::styled("active", theme.ok()),
            })
            .collect();
        let hours = |u: &User| if u.schedule.is_empty() { "any time".to_string() } else { u.schedule.clone() };
        let groups = |g: &[String]| g.join(", ");
        let widest = |header: &str, cells: &mut dyn Iterator<Item = usize>| {
            cells.chain([header.chars().count()]).max().unwrap_or(0)
        };
        let chars = |t: &str| t.chars().count();
        // Names and group names are what a manager reads here: they keep
        // their width longest. The pick-up title shortens first, then a
        // state's time ("off shift until Mon 08:30") goes, then working
        // hours are cut; the role is a short word that is never cut.
        let columns = [
            fit::Column {
                want: widest(HEADER[0], &mut self.users.iter().map(|(u, _)| chars(&u.name))),
                floor: 10,
                rank: 3,
                grows: true,
            },
            fit::Column::fixed(widest(HEADER[1], &mut self.users.iter().map(|(u, _)| chars(&u.role.to_string())))),
            fit::Column {
                want: widest(HEADER[2], &mut states.iter().map(|s| s.content.chars().count())),
                floor: 11, // "deactivated", "off shift", "on leave" whole
                rank: 1,
                grows: false,
            },
            // yes/no under "Pick" when it must: the first width given up.
            fit::Column { want: chars(HEADER[3]), floor: 4, rank: 0, grows: false },
            fit::Column {
                want: widest(HEADER[4], &mut self.users.iter().map(|(u, _)| chars(&hours(u)))),
                floor: 8,
                rank: 2,
                grows: false,
            },
            fit::Column {
                want: widest(HEADER[5], &mut self.users.iter().map(|(_, g)| chars(&groups(g)))),
                floor: 10,
                rank: 3,
                grows: true,
            },
        ];
        // Inside the borders, less the highlight symbol and the spacing between columns.
        let spacing = columns.len() - 1;
        let room = usize::from(body.width).saturating_sub(2 + 1 + spacing);
        let cut = fit::share(&columns, room);
        let width = |col: usize| cut.get(col).copied().unwrap_or(0);
        let rows: Vec<Row<'_>> = self
            .users
            .iter()
            .zip(states)
            .map(|((u, g), state)| {
                let state = Span::styled(fit::clip_reason(&state.content, width(2)), state.style);
                Row::new(vec![
                    Cell::from(fit::clip(&u.name, width(0))),
                    Cell::from(u.role.to_string()),
                    Cell::from(state),
                    Cell::from(if u.can_pickup { "yes" } else { "no" }),
                    Cell::from(fit::clip(&hours(u), width(4))),
                    Cell::from(fit::clip(&groups(g), width(5))),
                ])
            })
            .collect();
        let widths = fit::lengths(&cut);
        let mut titles = HEADER;
        if width(3) < HEADER[3].len() {
            titles[3] = "Pick";
        }
        let header = Row::new(titles).style(theme.header());
        let table = list_table(rows, widths, header, theme)
            .block(Block::default().borders(Borders::ALL).title(" Users ").border_style(theme.accent()));
        let mut state = TableState::default().with_selected((!self.users.is_empty()).then_some(self.cursor));
        frame.render_stateful_widget(table, body, &mut state);
    }
}
