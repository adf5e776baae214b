//! User Groups (T4): groups with their rotation (members in order with
//! their weights, today's and this month's deliveries, open leads against
//! the cap, eligible or why not, who is next) and their reclaim settings
//! with the leads due now (A15–A19). Every edit goes through the core;
//! users have their own pane (`users.rs`).

use crate::tui::widgets::list_table;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, TableState};

use crate::core::error::{Error, Result, thousands_of};
use crate::core::groups::{self, Group, GroupChanges, MemberChanges, Method};
use crate::core::rotation::Distributor;
use crate::core::rules::{self, Target};
use crate::core::{reclaim, stages};
use crate::tui::action::Action;
use crate::tui::flow::{Answer, Env, GroupsThen, Look, Pane, Pending, Pick, Then};
use crate::tui::keymap::Context;
use crate::tui::modal::typed::{self, Check};
use crate::tui::modal::{Confirm, Modal, Step, choose, prompt};
use crate::tui::widgets::fit;

#[derive(Default)]
pub struct GroupsPane {
    pub groups: Vec<Group>,
    pub group_cursor: usize,
    /// The selected group's rotation as it stands now.
    pub rotation: Option<Distributor>,
    pub member_cursor: usize,
    pub focus_members: bool,
    /// A19: the selected group's leads due for reclaim now, when it reclaims.
    pub reclaim_due: Option<usize>,
    /// The selected group's pick-up statuses by name.
    pub pickup_names: Vec<String>,
}

/// An answer read by the parser its prompt checked it with.
fn typed<T>(parsed: std::result::Result<T, String>) -> Result<T> {
    parsed.map_err(Error::invalid)
}

/// A prompt over this pane, checked as it is typed.
fn ask(title: impl Into<String>, current: &str, then: GroupsThen, check: Check) -> Result<Option<Step>> {
    open(prompt::ask_checked(title, current, Then::Groups(then), check))
}

fn open(modal: Modal) -> Result<Option<Step>> {
    Ok(Some(Step::Open(modal)))
}

fn run(pending: Pending) -> Result<Option<Step>> {
    Ok(Some(Step::Run(pending)))
}

impl GroupsPane {
    pub fn load(&mut self, env: &Env<'_>) -> Result<()> {
        let conn = env.store.conn();
        self.groups = groups::list(conn)?;
        self.group_cursor = self.group_cursor.min(self.groups.len().saturating_sub(1));
        self.rotation = match self.groups.get(self.group_cursor) {
            Some(g) => Some(Distributor::load(conn, g, env.ctx)?),
            None => None,
        };
        self.reclaim_due = match self.groups.get(self.group_cursor) {
            Some(g) if g.reclaim_after_hours > 0 => Some(reclaim::due_count(conn, g, env.ctx)?),
            _ => None,
        };
        let pickup = self.groups.get(self.group_cursor).map(|g| g.pickup_stage_ids.clone()).unwrap_or_default();
        self.pickup_names =
            stages::list(conn)?.into_iter().filter(|s| pickup.contains(&s.id)).map(|s| s.name).collect();
        let members = self.rotation.as_ref().map_or(0, |r| r.members.len());
        self.member_cursor = self.member_cursor.min(members.saturating_sub(1));
        Ok(())
    }

    fn group(&self) -> Option<&Group> {
        self.groups.get(self.group_cursor)
    }

    fn member(&self) -> Option<String> {
        self.rotation.as_ref()?.members.get(self.member_cursor).map(|m| m.name.clone())
    }

    pub fn hints() -> &'static [Action] {
        &[
            Action::NewItem,
            Action::CycleMethod,
            Action::SetDaily,
            Action::SetMonthly,
            Action::AddMember,
            Action::RemoveMember,
            Action::MoveItemUp,
            Action::SwitchSection,
            Action::Help,
        ]
    }

    /// The hint bar's keys: the list's or the members', as the focus is;
    /// an agent, who changes nothing here, sees only how to move on.
    pub fn hint_bar(&self, agent: bool) -> &'static [Action] {
        if agent {
            return &[Action::Right, Action::SwitchSection, Action::Help];
        }
        if self.focus_members {
            return &[
                Action::AddMember,
                Action::RemoveMember,
                Action::MoveItemUp,
                Action::MoveItemDown,
                Action::MemberLimits,
                Action::SetWeight,
                Action::MemberOpenCap,
                Action::Left,
                Action::Help,
            ];
        }
        &[
            Action::NewItem,
            Action::CycleMethod,
            Action::SetDaily,
            Action::SetMonthly,
            Action::SetOpenCap,
            Action::SetReclaim,
            Action::Right,
            Action::SwitchSection,
            Action::Help,
        ]
    }

    pub fn on_action(&mut self, action: Action, env: &mut Env<'_>) -> Result<Option<Step>> {
        match action {
            Action::SwitchSection => return Ok(Some(Step::Show(Pane::Users))),
            Action::Down | Action::Up | Action::Top | Action::Bottom => {
                let step = |cursor: &mut usize, len: usize| {
                    let last = len.saturating_sub(1);
                    *cursor = match action {
                        Action::Down => (*cursor + 1).min(last),
                        Action::Up => cursor.saturating_sub(1),
                        Action::Top => 0,
                        _ => last,
                    };
                };
                if self.focus_members {
                    step(&mut self.member_cursor, self.rotation.as_ref().map_or(0, |r| r.members.len()));
                } else {
                    step(&mut self.group_cursor, self.groups.len());
                    self.member_cursor = 0;
                    self.load(env)?;
                }
                return Ok(None);
            }
            Action::Left => self.focus_members = false,
            Action::Right => self.focus_members = true,
            _ if env.is_agent() => {
                if self.edits(action) {
                    return Err(Error::invalid("only admins and managers change groups"));
                }
            }
            Action::NewItem => return open(prompt::ask("New group name", "", Then::Groups(GroupsThen::New))),
            _ => return self.edit(action, env),
        }
        Ok(None)
    }

    /// Whether `action` changes a group.
    fn edits(&self, action: Action) -> bool {
        Self::hints().contains(&action)
            || matches!(
                action,
                Action::Rename
                    | Action::Delete
                    | Action::SetPickupStatuses
                    | Action::MoveItemDown
                    | Action::MemberLimits
                    | Action::SetWeight
                    | Action::SetOpenCap
                    | Action::MemberOpenCap
                    | Action::SetReclaim
            )
    }

    fn edit(&mut self, action: Action, env: &mut Env<'_>) -> Result<Option<Step>> {
        let Some(group) = self.group().cloned() else { return Ok(None) };
        let name = group.name.clone();
        match action {
            Action::Rename => {
                open(prompt::ask("Rename group", &name, Then::Groups(GroupsThen::Rename { group: name.clone() })))
            }
            Action::Delete => {
                // Refused before the confirm: a rule sending leads here would be left without a target.
                let used_by: Vec<String> = rules::list(env.store.conn())?
                    .into_iter()
                    .filter(|r| matches!(&r.target, Target::Group { name: g, .. } if *g == name))
                    .map(|r| format!("#{}", r.id))
                    .collect();
                if !used_by.is_empty() {
                    return Err(Error::invalid(format!(
                        "group '{name}' is the target of rule {}; change or delete those rules first (Routing pane)",
                        used_by.join(", ")
                    )));
                }
                let title = format!("Delete group {name}? Its leads keep their owners.");
                open(Modal::Confirm(Confirm::new(title, vec![], Pending::DeleteGroup { name })))
            }
            Action::CycleMethod => {
                let next = match group.method {
                    Method::Sequential => Method::Random,
                    Method::Random => Method::Balanced,
                    Method::Balanced => Method::Sequential,
                };
                let changes = GroupChanges { method: Some(next), ..Default::default() };
                run(Pending::SetGroup { message: format!("{name} now rotates {next}"), name, changes })
            }
            Action::SetDaily | Action::SetMonthly => {
                let daily = action == Action::SetDaily;
                let current = if daily { group.daily_limit } else { group.monthly_limit };
                let (per, unit) = if daily { ("Daily", "a day each") } else { ("Monthly", "a month each") };
                let title = format!("{per} limit per member of {name}");
                let check = Check::Count { unit, zero: "unlimited" };
                ask(title, &unless_zero(current), GroupsThen::Limit { group: name, daily }, check)
            }
            Action::SetPickupStatuses => {
                let title = format!("Pick-up statuses of {name}");
                let then = Then::Groups(GroupsThen::PickupStatuses { group: name });
                open(choose::stage_ticks(env.store, title, &group.pickup_stage_ids, then)?)
            }
            Action::AddMember => {
                let members: Vec<String> = self
                    .rotation
                    .as_ref()
                    .map(|r| r.members.iter().map(|m| m.name.clone()).collect())
                    .unwrap_or_default();
                let title = format!("Add to {name} (joins at the end)");
                let then = Then::Groups(GroupsThen::AddMember { group: name });
                open(choose::users_except(env.store, env.ctx, title, false, &members, then)?)
            }
            Action::RemoveMember => {
                let Some(member) = self.member() else { return Ok(None) };
                let title = format!("Remove {member} from {name}? The others keep their order.");
                let changes = MemberChanges { remove: vec![member.clone()], ..Default::default() };
                let pending = Pending::Members { message: format!("{member} left {name}"), group: name, changes };
                open(Modal::Confirm(Confirm::new(title, vec![], pending)))
            }
            Action::MoveItemUp | Action::MoveItemDown => {
                let Some(rotation) = &self.rotation else { return Ok(None) };
                let mut order: Vec<String> = rotation.members.iter().map(|m| m.name.clone()).collect();
                let i = self.member_cursor;
                let j = if action == Action::MoveItemUp {
                    i.checked_sub(1)
                } else {
                    Some(i + 1).filter(|j| *j < order.len())
                };
                let Some(j) = j else {
                    let end = if action == Action::MoveItemUp { "first" } else { "last" };
                    let who = order.get(i).cloned().unwrap_or_default();
                    return Ok(Some(Step::Say(format!("{who} is {end} in {name}'s rotation already"))));
                };
                order.swap(i, j);
                self.member_cursor = j;
                let changes = MemberChanges { order: Some(order), ..Default::default() };
                run(Pending::Members { message: format!("reordered {name}"), group: name, changes })
            }
            Action::MemberLimits => {
                let Some(member) = self.member() else { return Ok(None) };
                let own = own_settings(env, group.id, &member)?;
                let current = own.map_or(String::new(), |m| typed::own_limits_text(m.daily_limit, m.monthly_limit));
                let title = format!("{member}'s own limits in {name}: DAILY [MONTHLY], - or empty: the group's");
                ask(title, &current, GroupsThen::MemberLimits { group: name, member }, Check::OwnLimits)
            }
            Action::SetWeight => {
                let Some(m) = self.rotation.as_ref().and_then(|r| r.members.get(self.member_cursor)) else {
                    return Ok(None);
                };
                let title = format!("{}'s weight in {name} (1–100)", m.name);
                let then = GroupsThen::Weight { group: name, member: m.name.clone() };
                ask(title, &m.weight.to_string(), then, Check::Weight)
            }
            Action::SetOpenCap => {
                let title = format!("Open-lead cap per member of {name}");
                let check = Check::Count { unit: "open leads each", zero: "no cap" };
                ask(title, &unless_zero(group.max_open), GroupsThen::Cap { group: name }, check)
            }
            Action::MemberOpenCap => {
                let Some(member) = self.member() else { return Ok(None) };
                let own = own_settings(env, group.id, &member)?;
                let current = own.and_then(|m| m.max_open).map_or(String::new(), |cap| cap.to_string());
                let title = format!("{member}'s own open-lead cap in {name} (empty: the group's)");
                ask(title, &current, GroupsThen::MemberCap { group: name, member }, Check::OwnCap)
            }
            Action::SetReclaim => {
                let title = format!("{name}: reclaim after HOURS untouched [MAX times]");
                let current = match group.reclaim_after_hours {
                    0 => String::new(),
                    hours => format!("{hours} {}", group.reclaim_max),
                };
                ask(title, &current, GroupsThen::Reclaim { group: name }, Check::Reclaim)
            }
            _ => Ok(None),
        }
    }

    /// What a prompt or picker of this pane answered.
    pub fn resume(then: GroupsThen, answer: Answer, env: &Env<'_>) -> Result<Option<Step>> {
        match (then, answer) {
            (GroupsThen::New, Answer::Text(name)) => {
                let key = env.keymap.label(Context::Groups, Action::AddMember);
                run(Pending::AddGroup { message: format!("created group {name}; add members with {key}"), name })
            }
            (GroupsThen::Rename { group }, Answer::Text(new)) => {
                let changes = GroupChanges { name: Some(new.clone()), ..Default::default() };
                run(Pending::SetGroup { message: format!("renamed {group} to {new}"), name: group, changes })
            }
            (GroupsThen::Limit { group, daily }, Answer::Text(text)) => {
                let n = typed(typed::count(&text))?;
                let changes = if daily {
                    GroupChanges { daily_limit: Some(n), ..Default::default() }
                } else {
                    GroupChanges { monthly_limit: Some(n), ..Default::default() }
                };
                let (per, n) = (if daily { "daily" } else { "monthly" }, limit_said(n));
                run(Pending::SetGroup { message: format!("{group}: {per} limit {n} per member"), name: group, changes })
            }
            (GroupsThen::PickupStatuses { group }, Answer::Picks(picks)) => {
                let ticked: Vec<i64> = picks.iter().filter_map(Pick::id).collect();
                let names = stages::list(env.store.conn())?
                    .into_iter()
                    .filter(|s| ticked.contains(&s.id))
                    .map(|s| s.name)
                    .collect();
                let changes = GroupChanges { pickup_statuses: Some(names), ..Default::default() };
                run(Pending::SetGroup { message: format!("{group}: pick-up statuses changed"), name: group, changes })
            }
            (GroupsThen::AddMember { group }, Answer::Pick(Pick::Name(user))) => {
                let changes = MemberChanges { add: vec![user.clone()], ..Default::default() };
                run(Pending::Members { message: format!("{user} joined {group}"), group, changes })
            }
            (GroupsThen::MemberLimits { group, member }, Answer::Text(text)) => {
                let (daily, monthly) = typed(typed::own_limits(&text))?;
                run(Pending::MemberLimits { group, member, daily, monthly })
            }
            (GroupsThen::Weight { group, member }, Answer::Text(text)) => {
                let weight = typed(typed::weight(&text))?;
                run(Pending::Weight { group, member, weight })
            }
            (GroupsThen::Cap { group }, Answer::Text(text)) => {
                let n = typed(typed::count(&text))?;
                let changes = GroupChanges { max_open: Some(n), ..Default::default() };
                let message = if n == 0 {
                    format!("{group}: no open-lead cap")
                } else {
                    format!("{group}: open-lead cap {}", limit_said(n))
                };
                run(Pending::SetGroup { message, name: group, changes })
            }
            (GroupsThen::MemberCap { group, member }, Answer::Text(text)) => {
                let cap = typed(typed::own_cap(&text))?;
                run(Pending::MemberCap { group, member, cap })
            }
            (GroupsThen::Reclaim { group }, Answer::Text(text)) => {
                let (hours, times) = typed(typed::reclaim(&text))?;
                let changes =
                    GroupChanges { reclaim_after_hours: Some(hours), reclaim_max: times, ..Default::default() };
                let message = if hours == 0 {
                    format!("{group} no longer reclaims leads")
                } else {
                    format!("{group} reclaims leads untouched for {hours} h")
                };
                run(Pending::SetGroup { message, name: group, changes })
            }
            _ => Ok(None),
        }
    }
}

/// A member's own settings in a group, as stored (the rotation holds only
/// the limits in force).
fn own_settings(env: &Env<'_>, group_id: i64, member: &str) -> Result<Option<groups::Member>> {
    Ok(groups::members(env.store.conn(), group_id)?.into_iter().find(|m| m.user.name == member))
}

/// A limit as a prompt opens with it: empty when there is none, as the
/// prompt's title says, so what the user types is the whole number.
fn unless_zero(n: i64) -> String {
    if n == 0 { String::new() } else { n.to_string() }
}

fn limit_text(n: i64) -> String {
    if n == 0 { "∞".into() } else { thousands_of(n) }
}

/// A limit as a message says it: `1,500`, or `unlimited`.
fn limit_said(n: i64) -> String {
    if n == 0 { "unlimited".into() } else { thousands_of(n) }
}

/// A16 and A19 in a line: the open-lead cap, and the reclaim setting with what is due.
fn cap_and_reclaim(group: &Group, due: Option<usize>) -> String {
    let cap = if group.max_open > 0 {
        format!("open-lead cap {}", limit_said(group.max_open))
    } else {
        "no open-lead cap".into()
    };
    let reclaim = match due {
        Some(due) if group.reclaim_after_hours > 0 => {
            format!("reclaim after {} h, ≤ {}×: {due} due", group.reclaim_after_hours, group.reclaim_max)
        }
        _ => "no reclaim".into(),
    };
    format!("{cap} · {reclaim}")
}

/// The Groups / Users line over both panes.
pub fn section_tabs(frame: &mut Frame<'_>, area: Rect, users: bool, look: &Look<'_>) {
    let theme = look.theme;
    let tab = |label: &str, on: bool| {
        if on { Span::styled(format!(" {label} "), theme.focus_tab()) } else { Span::raw(format!(" {label} ")) }
    };
    let context = if users { Context::Users } else { Context::Groups };
    let key = look.keymap.label(context, Action::SwitchSection);
    let line = Line::from(vec![
        tab("Groups", !users),
        tab("Users", users),
        Span::styled(format!("  ({key} switches)"), theme.dim()),
    ]);
    frame.render_widget(Paragraph::new(line), area);
}

impl GroupsPane {
    pub fn draw(&self, frame: &mut Frame<'_>, area: Rect, look: &Look<'_>) {
        let [tabs, body] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
        section_tabs(frame, tabs, false, look);
        draw_groups(frame, self, look, body);
    }
}

fn draw_groups(frame: &mut Frame<'_>, pane: &GroupsPane, look: &Look<'_>, area: Rect) {
    let theme = look.theme;
    // Narrow: the list gives its method column (the detail names it) to the reasons.
    // Wide: it grows to the longest name, up to a quarter of the window.
    let wide = area.width >= 110;
    let method = if wide { 11 } else { 0 };
    let longest = pane.groups.iter().map(|g| g.name.chars().count()).max().unwrap_or(0);
    let list_width =
        if wide { u16::try_from(longest + method + 3).unwrap_or(u16::MAX).clamp(26, area.width / 4) } else { 14 };
    let name_width = usize::from(list_width).saturating_sub(method + 3);
    let [list, detail] = Layout::horizontal([Constraint::Length(list_width), Constraint::Min(20)]).areas(area);
    let rows: Vec<Row<'_>> = pane
        .groups
        .iter()
        .map(|g| {
            let name = fit::clip(&g.name, name_width);
            if wide { Row::new([name, g.method.to_string()]) } else { Row::new([name]) }
        })
        .collect();
    let border = |focused: bool| if focused { theme.accent() } else { theme.dim() };
    let columns: &[Constraint] =
        if wide { &[Constraint::Min(12), Constraint::Length(10)] } else { &[Constraint::Min(12)] };
    let table = Table::new(rows, columns.to_vec())
        .block(Block::default().borders(Borders::ALL).title(" Groups ").border_style(border(!pane.focus_members)))
        .row_highlight_style(theme.selected())
        .highlight_symbol("▶");
    let mut state = TableState::default().with_selected((!pane.groups.is_empty()).then_some(pane.group_cursor));
    frame.render_stateful_widget(table, list, &mut state);
    let block = Block::default().borders(Borders::ALL).border_style(border(pane.focus_members));
    let (Some(group), Some(rotation)) = (pane.groups.get(pane.group_cursor), &pane.rotation) else {
        let key = look.keymap.label(Context::Groups, Action::NewItem);
        let empty =
            Paragraph::new(Span::styled(format!(" no groups yet: {key} creates one"), theme.dim())).block(block);
        frame.render_widget(empty, detail);
        return;
    };
    let block = block.title(format!(" {} ", group.name));
    let inner = block.inner(detail);
    frame.render_widget(block, detail);
    let [head, members] = Layout::vertical([Constraint::Length(4), Constraint::Min(1)]).areas(inner);
    let pickup = if pane.pickup_names.is_empty() {
        "no pick-up statuses".to_string()
    } else {
        format!("pick-up: {}", pane.pickup_names.join(", "))
    };
    let next = match (rotation.full_reason(), rotation.next_up()) {
        (Some(reason), _) => Span::styled(format!("nobody ({reason})"), theme.warn()),
        (None, Some(m)) => Span::styled(m.name.clone(), theme.ok()),
        (None, None) => Span::raw("drawn at random"),
    };
    let lines = vec![
        Line::raw(format!(
            "method {} · daily {} · monthly {}",
            group.method,
            limit_text(group.daily_limit),
            limit_text(group.monthly_limit),
        )),
        Line::raw(cap_and_reclaim(group, pane.reclaim_due)),
        Line::from(vec![Span::raw("next up: "), next]),
        Line::raw(fit::clip(&pickup, usize::from(head.width))),
    ];
    frame.render_widget(Paragraph::new(lines), head);
    let next_id = rotation.next_up().map(|m| m.user_id);
    // Figures are never cut: each column is as wide as its widest figure; the
    // member's name as wide as the longest (up to 32) while 12 columns of
    // reason still fit; the reason takes the rest, with … when cut.
    let figures = |f: &dyn Fn(&crate::core::rotation::Candidate) -> String| -> Vec<String> {
        rotation.members.iter().map(f).collect()
    };
    let weight = figures(&|m| m.weight.to_string());
    let today = figures(&|m| format!("{}/{}", thousands_of(m.today), limit_text(m.daily_limit)));
    let month = figures(&|m| format!("{}/{}", thousands_of(m.month), limit_text(m.monthly_limit)));
    let open = figures(&|m| {
        if m.max_open > 0 {
            format!("{}/{}", thousands_of(m.open_leads), thousands_of(m.max_open))
        } else {
            "–".into()
        }
    });
    let widest = |texts: &[String], header: &str| {
        texts.iter().map(|t| t.chars().count()).chain([header.chars().count()]).max().unwrap_or(0)
    };
    // Narrow, the head's "next up" line says who is next and the reasons get its room.
    let skip = usize::from(!wide);
    let longest = rotation.members.iter().map(|m| m.name.chars().count()).max().unwrap_or(0);
    let columns = [
        fit::Column::fixed(4),
        fit::Column { want: longest.clamp(6, 32), floor: 6, rank: 0, grows: false },
        fit::Column::fixed(widest(&weight, "W")),
        fit::Column::fixed(widest(&today, "Today")),
        fit::Column::fixed(widest(&month, "Month")),
        fit::Column::fixed(widest(&open, "Open")),
        fit::Column { want: 12, floor: 12, rank: 1, grows: true },
    ];
    let columns = &columns[skip..];
    // Less the highlight symbol and the spacing between columns.
    let room = usize::from(members.width).saturating_sub(1 + columns.len() - 1);
    let cut = fit::share(columns, room);
    let widths = fit::lengths(&cut);
    let width = |col: usize| cut.get(col - skip).copied().unwrap_or(0);
    let rows: Vec<Row<'_>> = rotation
        .members
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let eligible = match m.ineligible() {
                None => Span::styled("eligible", theme.ok()),
                Some(why) => Span::styled(fit::clip_reason(&why, width(6)), theme.warn()),
            };
            let next = wide.then(|| Cell::from(if Some(m.user_id) == next_id { "next" } else { "" }));
            Row::new(next.into_iter().chain([
                Cell::from(fit::clip(&m.name, width(1))),
                Cell::from(weight[i].clone()),
                Cell::from(today[i].clone()),
                Cell::from(month[i].clone()),
                Cell::from(open[i].clone()),
                Cell::from(eligible),
            ]))
        })
        .collect();
    // Rotation order is the rows' order.
    let titles = ["", "Member", "W", "Today", "Month", "Open", "Eligible now"];
    let header = Row::new(titles[skip..].to_vec()).style(theme.header());
    let table = list_table(rows, widths, header, theme);
    let selected = (pane.focus_members && !rotation.members.is_empty()).then_some(pane.member_cursor);
    frame.render_stateful_widget(table, members, &mut TableState::default().with_selected(selected));
    if rotation.members.is_empty() {
        let y = Rect { y: members.y + 1, height: 1, ..members };
        let key = look.keymap.label(Context::Groups, Action::AddMember);
        frame.render_widget(Paragraph::new(Span::styled(format!(" no members: {key} adds one"), theme.dim())), y);
    }
}
