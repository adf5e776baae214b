//! User Groups (T4): groups with their rotation (members in order, today's
//! and this month's deliveries, eligible or why not, who is next), and the
//! team's users. Every edit goes through the core.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Row, Table, TableState};

use crate::core::distribute::{self, Handover};
use crate::core::error::{Error, Result};
use crate::core::groups::{self, Group, GroupChanges, MemberChanges, Method};
use crate::core::model::{Role, User};
use crate::core::rotation::{Distributor, open_leads};
use crate::core::users::{self, NewUser};
use crate::core::{Ctx, Store};
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::modal::{Modal, Pending, Pick, Step};
use crate::tui::theme::Theme;
use crate::tui::widgets::picker::Choice;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Section {
    #[default]
    Groups,
    Users,
}

#[derive(Default)]
pub struct GroupsPane {
    pub section: Section,
    pub groups: Vec<Group>,
    pub group_cursor: usize,
    /// The selected group's rotation as it stands now.
    pub rotation: Option<Distributor>,
    pub member_cursor: usize,
    pub focus_members: bool,
    pub users: Vec<(User, Vec<String>)>,
    pub user_cursor: usize,
}

impl GroupsPane {
    pub fn load(&mut self, store: &Store, ctx: &Ctx) -> Result<()> {
        self.groups = groups::list(store.conn())?;
        self.group_cursor = self.group_cursor.min(self.groups.len().saturating_sub(1));
        self.rotation = match self.groups.get(self.group_cursor) {
            Some(g) => Some(Distributor::load(store.conn(), g, ctx)?),
            None => None,
        };
        let members = self.rotation.as_ref().map_or(0, |r| r.members.len());
        self.member_cursor = self.member_cursor.min(members.saturating_sub(1));
        self.users = users::list(store.conn())?
            .into_iter()
            .map(|u| {
                let groups = users::group_names(store.conn(), u.id)?;
                Ok((u, groups))
            })
            .collect::<Result<_>>()?;
        self.user_cursor = self.user_cursor.min(self.users.len().saturating_sub(1));
        Ok(())
    }

    fn group(&self) -> Option<&Group> {
        self.groups.get(self.group_cursor)
    }

    fn member(&self) -> Option<String> {
        self.rotation.as_ref()?.members.get(self.member_cursor).map(|m| m.name.clone())
    }

    fn user(&self) -> Option<&User> {
        self.users.get(self.user_cursor).map(|(u, _)| u)
    }
}

fn limit(text: &str) -> Result<i64> {
    text.trim()
        .parse::<i64>()
        .ok()
        .filter(|n| *n >= 0)
        .ok_or_else(|| Error::invalid("enter 0 (unlimited) or a positive number"))
}

fn task(f: impl FnOnce(&mut Store, &Ctx) -> Result<String> + 'static) -> Pending {
    Pending::Task(Box::new(f))
}

fn set_group(name: String, changes: GroupChanges, message: String) -> Step {
    Step::Run(task(move |store, ctx| {
        groups::set(store, ctx, &name, &changes)?;
        Ok(message)
    }))
}

impl App {
    pub(crate) fn groups_action(&mut self, action: Action) -> Result<()> {
        let agent = self.is_agent();
        let pane = &mut self.groups;
        match action {
            Action::SwitchSection => {
                pane.section = if pane.section == Section::Groups { Section::Users } else { Section::Groups };
                return Ok(());
            }
            Action::Down | Action::Up => {
                let down = action == Action::Down;
                let step = |cursor: &mut usize, len: usize| {
                    *cursor = if down { (*cursor + 1).min(len.saturating_sub(1)) } else { cursor.saturating_sub(1) };
                };
                match (pane.section, pane.focus_members) {
                    (Section::Users, _) => step(&mut pane.user_cursor, pane.users.len()),
                    (Section::Groups, true) => {
                        step(&mut pane.member_cursor, pane.rotation.as_ref().map_or(0, |r| r.members.len()));
                    }
                    (Section::Groups, false) => {
                        step(&mut pane.group_cursor, pane.groups.len());
                        pane.member_cursor = 0;
                        self.groups.load(&self.store, &self.ctx)?;
                    }
                }
                return Ok(());
            }
            Action::Left => pane.focus_members = false,
            Action::Right => pane.focus_members = true,
            _ if agent => self.set_notice("only admins and managers change groups and users", true),
            _ if pane.section == Section::Users => self.users_action(action)?,
            _ => self.group_action(action)?,
        }
        Ok(())
    }

    fn group_action(&mut self, action: Action) -> Result<()> {
        let pane = &self.groups;
        if action == Action::NewItem {
            self.modals.push(Modal::ask("New group name", "", |_, _, name| {
                let name = name.to_string();
                Ok(Step::Run(task(move |store, ctx| {
                    groups::add(store, ctx, &name, Method::Sequential, 0, 0)?;
                    Ok(format!("created group {name}; add members with +"))
                })))
            }));
            return Ok(());
        }
        let Some(group) = pane.group().cloned() else { return Ok(()) };
        let name = group.name.clone();
        let modal = match action {
            Action::Rename => Modal::ask("Rename group", &name.clone(), move |_, _, new| {
                let changes = GroupChanges { name: Some(new.to_string()), ..Default::default() };
                Ok(set_group(name.clone(), changes, format!("renamed {name} to {new}")))
            }),
            Action::Delete => {
                let pending = task(move |store, ctx| {
                    groups::delete(store, ctx, &name)?;
                    Ok(format!("deleted group {name}"))
                });
                Modal::confirm(format!("Delete group {}? Its leads keep their owners.", group.name), vec![], pending)
            }
            Action::CycleMethod => {
                let next = match group.method {
                    Method::Sequential => Method::Random,
                    Method::Random => Method::Balanced,
                    Method::Balanced => Method::Sequential,
                };
                let changes = GroupChanges { method: Some(next), ..Default::default() };
                self.step(set_group(name.clone(), changes, format!("{name} now rotates {next}")));
                return Ok(());
            }
            Action::SetDaily | Action::SetMonthly => {
                let daily = action == Action::SetDaily;
                let current = if daily { group.daily_limit } else { group.monthly_limit };
                let title = format!("{} limit per member (0 = unlimited)", if daily { "Daily" } else { "Monthly" });
                Modal::ask(title, &current.to_string(), move |_, _, text| {
                    let n = limit(text)?;
                    let changes = if daily {
                        GroupChanges { daily_limit: Some(n), ..Default::default() }
                    } else {
                        GroupChanges { monthly_limit: Some(n), ..Default::default() }
                    };
                    Ok(set_group(name.clone(), changes, format!("{name}: limit set to {n}")))
                })
            }
            Action::SetPickupStatuses => {
                let stages = crate::core::stages::list(self.store.conn())?;
                let current: Vec<String> =
                    stages.iter().filter(|s| group.pickup_stage_ids.contains(&s.id)).map(|s| s.name.clone()).collect();
                Modal::ask(
                    "Pick-up statuses (comma-separated, empty for none)",
                    &current.join(", "),
                    move |store, _, text| {
                        let names: Vec<String> =
                            text.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
                        for n in &names {
                            crate::core::stages::find(store.conn(), n)?;
                        }
                        let changes = GroupChanges { pickup_statuses: Some(names), ..Default::default() };
                        Ok(set_group(name.clone(), changes, format!("{name}: pick-up statuses changed")))
                    },
                )
            }
            Action::AddMember => {
                let members: Vec<String> = pane
                    .rotation
                    .as_ref()
                    .map(|r| r.members.iter().map(|m| m.name.clone()).collect())
                    .unwrap_or_default();
                let choices = users::list(self.store.conn())?
                    .into_iter()
                    .filter(|u| u.active && !members.contains(&u.name))
                    .map(|u| Choice { label: u.name.clone(), detail: u.role.to_string(), value: Pick::Name(u.name) })
                    .collect();
                Modal::choose(format!("Add to {name} (joins at the end)"), choices, move |_, _, pick| {
                    let Pick::Name(user) = pick else { return Err(Error::invalid("pick a user")) };
                    let group = name.clone();
                    Ok(Step::Run(task(move |store, ctx| {
                        groups::change_members(
                            store,
                            ctx,
                            &group,
                            &MemberChanges { add: vec![user.clone()], ..Default::default() },
                        )?;
                        Ok(format!("{user} joined {group}"))
                    })))
                })
            }
            Action::RemoveMember => {
                let Some(member) = pane.member() else { return Ok(()) };
                let title = format!("Remove {member} from {name}? The others keep their order.");
                let pending = task(move |store, ctx| {
                    groups::change_members(
                        store,
                        ctx,
                        &name,
                        &MemberChanges { remove: vec![member.clone()], ..Default::default() },
                    )?;
                    Ok(format!("{member} left {name}"))
                });
                Modal::confirm(title, vec![], pending)
            }
            Action::MoveItemUp | Action::MoveItemDown => {
                let Some(rotation) = &pane.rotation else { return Ok(()) };
                let mut order: Vec<String> = rotation.members.iter().map(|m| m.name.clone()).collect();
                let i = pane.member_cursor;
                let j = if action == Action::MoveItemUp {
                    i.checked_sub(1)
                } else {
                    Some(i + 1).filter(|j| *j < order.len())
                };
                let Some(j) = j else { return Ok(()) };
                order.swap(i, j);
                self.groups.member_cursor = j;
                self.step(Step::Run(task(move |store, ctx| {
                    groups::change_members(
                        store,
                        ctx,
                        &name,
                        &MemberChanges { order: Some(order), ..Default::default() },
                    )?;
                    Ok(format!("reordered {name}"))
                })));
                return Ok(());
            }
            Action::MemberLimits => {
                let Some(member) = pane.member() else { return Ok(()) };
                let title = format!("{member}'s own limits in {name}: DAILY MONTHLY (empty: the group's)");
                Modal::ask(title, "", move |_, _, text| {
                    let parts: Vec<&str> = text.split_whitespace().collect();
                    let (daily, monthly) = match parts.as_slice() {
                        [] => (None, None),
                        [d, m] => (Some(limit(d)?), Some(limit(m)?)),
                        _ => return Err(Error::invalid("enter two numbers, e.g. 5 60, or nothing")),
                    };
                    let (group, user) = (name.clone(), member.clone());
                    Ok(Step::Run(task(move |store, ctx| {
                        groups::set_member_limits(store, ctx, &group, &user, daily, monthly)?;
                        Ok(format!("{user}'s limits in {group} changed"))
                    })))
                })
            }
            _ => return Ok(()),
        };
        self.modals.push(modal);
        Ok(())
    }

    fn users_action(&mut self, action: Action) -> Result<()> {
        if action == Action::NewItem {
            self.modals.push(Modal::ask("New user name (an agent; change the role with o)", "", |_, _, name| {
                let new =
                    NewUser { name: name.to_string(), email: String::new(), role: Role::Agent, can_pickup: false };
                Ok(Step::Run(task(move |store, ctx| {
                    let user = users::add(store, ctx, &new)?;
                    Ok(format!("added {}", user.name))
                })))
            }));
            return Ok(());
        }
        let Some(user) = self.groups.user().cloned() else { return Ok(()) };
        let name = user.name.clone();
        let run = |f: crate::tui::modal::Task| Step::Run(Pending::Task(f));
        let step = match action {
            Action::CycleRole => {
                let next = match user.role {
                    Role::Agent => Role::Manager,
                    Role::Manager => Role::Admin,
                    Role::Admin => Role::Agent,
                };
                run(Box::new(move |store, ctx| {
                    users::set_role(store, ctx, &name, next)?;
                    Ok(format!("{name} is now {next}"))
                }))
            }
            Action::ToggleLeave => run(Box::new(move |store, ctx| {
                let u = users::set_leave(store, ctx, &name, !user.on_leave)?;
                Ok(format!("{name} {}", if u.on_leave { "is on leave" } else { "is back" }))
            })),
            Action::ToggleCanPickup => run(Box::new(move |store, ctx| {
                let u = users::set_can_pickup(store, ctx, &name, !user.can_pickup)?;
                Ok(format!("{name} {} pick up leads", if u.can_pickup { "may" } else { "may no longer" }))
            })),
            Action::Activate => run(Box::new(move |store, ctx| {
                users::activate(store, ctx, &name)?;
                Ok(format!("{name} is active again (add them back to groups with +)"))
            })),
            Action::Deactivate => {
                let open = open_leads(self.store.conn(), user.id)?;
                self.modals.push(deactivate_picker(name, open));
                return Ok(());
            }
            _ => return Ok(()),
        };
        self.step(step);
        Ok(())
    }
}

/// A12: ask what happens to the departing user's open leads, then confirm with the count.
fn deactivate_picker(name: String, open: i64) -> Modal {
    let choices = vec![
        Choice { label: "Reassign all to one user".into(), detail: String::new(), value: Pick::Id(0) },
        Choice { label: "Redistribute through a group".into(), detail: "deliveries count".into(), value: Pick::Id(1) },
        Choice { label: "Leave them unassigned".into(), detail: String::new(), value: Pick::Id(2) },
    ];
    let title = format!("Deactivate {name}: {open} open leads");
    Modal::choose(title, choices, move |store, _, pick| {
        let departing = name.clone();
        let confirm = move |handover: Handover, how: String| {
            let name = departing.clone();
            let title = format!("Deactivate {name} and {how} ({open} open leads)?");
            let who = name.clone();
            Step::Confirm(
                title,
                vec!["They leave every group and keep their history.".into()],
                Pending::Task(Box::new(move |store, ctx| {
                    let r = distribute::deactivate(store, ctx, &who, &handover, false)?;
                    Ok(format!(
                        "{who} deactivated: {} handed over, {} left unassigned",
                        r.assigned.len(),
                        r.unassigned.len()
                    ))
                })),
            )
        };
        Ok(match pick {
            Pick::Id(0) => {
                let choices = users::list(store.conn())?
                    .into_iter()
                    .filter(|u| u.active && u.name != name)
                    .map(|u| Choice { label: u.name.clone(), detail: u.role.to_string(), value: Pick::Name(u.name) })
                    .collect();
                Step::Open(Modal::choose("Reassign their open leads to", choices, move |_, _, pick| match pick {
                    Pick::Name(to) => Ok(confirm(Handover::ReassignTo(to.clone()), format!("reassign to {to}"))),
                    _ => Err(Error::invalid("pick a user")),
                }))
            }
            Pick::Id(1) => {
                let choices = groups::list(store.conn())?
                    .into_iter()
                    .map(|g| Choice { label: g.name.clone(), detail: g.method.to_string(), value: Pick::Name(g.name) })
                    .collect();
                Step::Open(Modal::choose("Redistribute through", choices, move |_, _, pick| match pick {
                    Pick::Name(g) => {
                        Ok(confirm(Handover::Redistribute(g.clone()), format!("redistribute through {g}")))
                    }
                    _ => Err(Error::invalid("pick a group")),
                }))
            }
            _ => confirm(Handover::LeaveUnassigned, "leave their leads unassigned".into()),
        })
    })
}

fn limit_text(n: i64) -> String {
    if n == 0 { "∞".into() } else { n.to_string() }
}

pub fn draw(frame: &mut Frame<'_>, pane: &GroupsPane, theme: &Theme, area: Rect) {
    let [tabs, body] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
    let tab = |label: &str, on: bool| {
        if on { Span::styled(format!(" {label} "), theme.focus_tab()) } else { Span::raw(format!(" {label} ")) }
    };
    let line = Line::from(vec![
        tab("Groups", pane.section == Section::Groups),
        tab("Users", pane.section == Section::Users),
        Span::styled("  (t switches)", theme.dim()),
    ]);
    frame.render_widget(Paragraph::new(line), tabs);
    match pane.section {
        Section::Groups => draw_groups(frame, pane, theme, body),
        Section::Users => draw_users(frame, pane, theme, body),
    }
}

fn draw_groups(frame: &mut Frame<'_>, pane: &GroupsPane, theme: &Theme, area: Rect) {
    let [list, detail] = Layout::horizontal([Constraint::Length(26), Constraint::Min(20)]).areas(area);
    let rows: Vec<Row<'_>> = pane.groups.iter().map(|g| Row::new([g.name.clone(), g.method.to_string()])).collect();
    let border = |focused: bool| if focused { theme.accent() } else { theme.dim() };
    let table = Table::new(rows, [Constraint::Min(12), Constraint::Length(10)])
        .block(Block::default().borders(Borders::ALL).title(" Groups ").border_style(border(!pane.focus_members)))
        .row_highlight_style(theme.selected())
        .highlight_symbol("▶");
    let mut state = TableState::default().with_selected((!pane.groups.is_empty()).then_some(pane.group_cursor));
    frame.render_stateful_widget(table, list, &mut state);
    let block = Block::default().borders(Borders::ALL).border_style(border(pane.focus_members));
    let (Some(group), Some(rotation)) = (pane.groups.get(pane.group_cursor), &pane.rotation) else {
        let empty = Paragraph::new(Span::styled(" no groups yet: press n to create one", theme.dim())).block(block);
        frame.render_widget(empty, detail);
        return;
    };
    let block = block.title(format!(" {} ", group.name));
    let inner = block.inner(detail);
    frame.render_widget(block, detail);
    let [head, members] = Layout::vertical([Constraint::Length(3), Constraint::Min(1)]).areas(inner);
    let stages = pane.groups.get(pane.group_cursor).map(|g| g.pickup_stage_ids.len()).unwrap_or(0);
    let next = match (rotation.full_reason(), rotation.next_up()) {
        (Some(reason), _) => Span::styled(format!("nobody ({reason})"), theme.warn()),
        (None, Some(m)) => Span::styled(m.name.clone(), theme.ok()),
        (None, None) => Span::raw("drawn at random"),
    };
    let lines = vec![
        Line::raw(format!(
            "method {} · daily {} · monthly {} · {} pick-up status{}",
            group.method,
            limit_text(group.daily_limit),
            limit_text(group.monthly_limit),
            stages,
            if stages == 1 { "" } else { "es" }
        )),
        Line::from(vec![Span::raw("next up: "), next]),
    ];
    frame.render_widget(Paragraph::new(lines), head);
    let next_id = rotation.next_up().map(|m| m.user_id);
    let rows: Vec<Row<'_>> = rotation
        .members
        .iter()
        .map(|m| {
            let eligible = match m.ineligible() {
                None => Span::styled("eligible", theme.ok()),
                Some(why) => Span::styled(why, theme.warn()),
            };
            Row::new(vec![
                ratatui::widgets::Cell::from(if Some(m.user_id) == next_id { "next" } else { "" }),
                ratatui::widgets::Cell::from(m.position.to_string()),
                ratatui::widgets::Cell::from(m.name.clone()),
                ratatui::widgets::Cell::from(format!("{}/{}", m.today, limit_text(m.daily_limit))),
                ratatui::widgets::Cell::from(format!("{}/{}", m.month, limit_text(m.monthly_limit))),
                ratatui::widgets::Cell::from(eligible),
            ])
        })
        .collect();
    let widths = [
        Constraint::Length(5),
        Constraint::Length(3),
        Constraint::Min(10),
        Constraint::Length(8),
        Constraint::Length(8),
        Constraint::Min(12),
    ];
    let header = Row::new(["", "#", "Member", "Today", "Month", "Eligible"]).style(theme.header());
    let table = Table::new(rows, widths).header(header).row_highlight_style(theme.selected()).highlight_symbol("▶");
    let selected = (pane.focus_members && !rotation.members.is_empty()).then_some(pane.member_cursor);
    frame.render_stateful_widget(table, members, &mut TableState::default().with_selected(selected));
    if rotation.members.is_empty() {
        let y = Rect { y: members.y + 1, height: 1, ..members };
        frame.render_widget(Paragraph::new(Span::styled(" no members: press + to add one", theme.dim())), y);
    }
}

fn draw_users(frame: &mut Frame<'_>, pane: &GroupsPane, theme: &Theme, area: Rect) {
    let rows: Vec<Row<'_>> = pane
        .users
        .iter()
        .map(|(u, groups)| {
            let state = match (u.active, u.on_leave) {
                (false, _) => Span::styled("deactivated", theme.dim()),
                (true, true) => Span::styled("on leave", theme.warn()),
                (true, false) => Span::styled("active", theme.ok()),
            };
            Row::new(vec![
                ratatui::widgets::Cell::from(u.name.clone()),
                ratatui::widgets::Cell::from(u.role.to_string()),
                ratatui::widgets::Cell::from(state),
                ratatui::widgets::Cell::from(if u.can_pickup { "yes" } else { "no" }),
                ratatui::widgets::Cell::from(groups.join(", ")),
            ])
        })
        .collect();
    let widths = [
        Constraint::Min(12),
        Constraint::Length(8),
        Constraint::Length(12),
        Constraint::Length(8),
        Constraint::Min(16),
    ];
    let header = Row::new(["Name", "Role", "State", "Pick-up", "Groups"]).style(theme.header());
    let table = Table::new(rows, widths)
        .header(header)
        .block(Block::default().borders(Borders::ALL).title(" Users ").border_style(theme.accent()))
        .row_highlight_style(theme.selected())
        .highlight_symbol("▶");
    let mut state = TableState::default().with_selected((!pane.users.is_empty()).then_some(pane.user_cursor));
    frame.render_stateful_widget(table, area, &mut state);
}
