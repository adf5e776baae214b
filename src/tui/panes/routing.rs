//! Routing (T5): the auto-assign and duplicate switches, rules in order, and
//! a preview of routing the unassigned backlog before running it (R3, R5).

use std::collections::BTreeMap;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Row, Table, TableState};

use crate::core::distribute::{self, RouteResult};
use crate::core::error::{Error, Result};
use crate::core::filter::Filter;
use crate::core::rules::{self, Rule, TargetName};
use crate::core::{Ctx, Store, groups, settings, users};
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::modal::{Modal, Pending, Pick, Step};
use crate::tui::theme::Theme;
use crate::tui::widgets::picker::Choice;

#[derive(Default)]
pub struct RoutingPane {
    pub auto_assign: bool,
    pub duplicates: bool,
    /// Unassigned leads that arrived while routing was paused.
    pub paused_backlog: i64,
    pub rules: Vec<Rule>,
    pub cursor: usize,
}

impl RoutingPane {
    pub fn load(&mut self, store: &Store) -> Result<()> {
        let conn = store.conn();
        self.auto_assign = settings::is_on(conn, settings::AUTO_ASSIGN)?;
        self.duplicates = settings::is_on(conn, settings::DUPLICATE_ROUTING)?;
        self.paused_backlog = distribute::paused_backlog(conn)?;
        self.rules = rules::list(conn)?;
        self.cursor = self.cursor.min(self.rules.len().saturating_sub(1));
        Ok(())
    }
}

fn task(f: impl FnOnce(&mut Store, &Ctx) -> Result<String> + 'static) -> Pending {
    Pending::Task(Box::new(f))
}

/// Groups and users a rule can send leads to.
fn target_choices(store: &Store) -> Result<Vec<Choice<Pick>>> {
    let mut choices: Vec<Choice<Pick>> = groups::list(store.conn())?
        .into_iter()
        .map(|g| Choice {
            label: g.name.clone(),
            detail: format!("group, {}", g.method),
            value: Pick::Name(format!("g:{}", g.name)),
        })
        .collect();
    choices.extend(users::list(store.conn())?.into_iter().filter(|u| u.active).map(|u| Choice {
        label: u.name.clone(),
        detail: "user".into(),
        value: Pick::Name(format!("u:{}", u.name)),
    }));
    Ok(choices)
}

fn target_of(pick: Pick) -> Result<TargetName> {
    match pick {
        Pick::Name(v) => match v.split_once(':') {
            Some(("g", g)) => Ok(TargetName::Group(g.to_string())),
            Some(("u", u)) => Ok(TargetName::User(u.to_string())),
            _ => Err(Error::invalid("pick a group or a user")),
        },
        _ => Err(Error::invalid("pick a group or a user")),
    }
}

/// Conditions, then target: shared by creating and editing a rule.
fn rule_form(
    title: String,
    initial: String,
    save: impl Fn(Vec<rules::Condition>, TargetName) -> Pending + 'static,
) -> Modal {
    let save = std::rc::Rc::new(save);
    Modal::ask(title, &initial, move |store, _, text| {
        let conditions = rules::parse_conditions(text)?;
        let save = save.clone();
        Ok(Step::Open(Modal::choose("Send matching leads to", target_choices(store)?, move |_, _, pick| {
            Ok(Step::Run(save(conditions.clone(), target_of(pick)?)))
        })))
    })
}

/// What routing the backlog would do, as lines for the confirmation (R5).
pub fn preview_lines(r: &RouteResult, rules: &[Rule]) -> Vec<String> {
    let mut per_owner: BTreeMap<&str, usize> = BTreeMap::new();
    let mut per_rule: BTreeMap<String, usize> = BTreeMap::new();
    for p in &r.assigned {
        *per_owner.entry(p.owner.as_str()).or_default() += 1;
        let rule = match p.rule {
            Some(id) => {
                rules.iter().find(|r| r.id == id).map_or(format!("rule #{id}"), |r| format!("#{id} {}", r.name))
            }
            None => "duplicate of an owned lead".into(),
        };
        *per_rule.entry(rule).or_default() += 1;
    }
    let mut why: BTreeMap<&str, usize> = BTreeMap::new();
    for u in &r.unassigned {
        *why.entry(u.reason.as_str()).or_default() += 1;
    }
    let mut lines = vec!["per member:".to_string()];
    lines.extend(per_owner.iter().map(|(o, n)| format!("  {o:<18} {n}")));
    lines.push("per rule:".into());
    lines.extend(per_rule.iter().map(|(rule, n)| format!("  {rule:<28} {n}")));
    if !why.is_empty() {
        lines.push(format!("stay unassigned: {}", r.unassigned.len()));
        lines.extend(why.iter().take(6).map(|(reason, n)| format!("  {n} × {reason}")));
    }
    lines
}

impl App {
    pub(crate) fn routing_action(&mut self, action: Action) -> Result<()> {
        let agent = self.is_agent();
        let pane = &mut self.routing;
        match action {
            Action::Down => pane.cursor = (pane.cursor + 1).min(pane.rules.len().saturating_sub(1)),
            Action::Up => pane.cursor = pane.cursor.saturating_sub(1),
            _ if agent => self.set_notice("only admins and managers change routing", true),
            Action::ToggleAutoAssign => {
                let on = !pane.auto_assign;
                self.step(Step::Run(task(move |store, ctx| {
                    let backlog = distribute::set_auto_assign(store, ctx, on)?;
                    Ok(match (on, backlog) {
                        (false, _) => "auto-assign paused: new leads stay unassigned".to_string(),
                        (true, 0) => "auto-assign on".to_string(),
                        (true, n) => {
                            format!("auto-assign on; {n} leads arrived while paused: press p to preview routing them")
                        }
                    })
                })));
            }
            Action::ToggleDuplicates => {
                let on = !pane.duplicates;
                self.step(Step::Run(task(move |store, ctx| {
                    distribute::set_duplicate_routing(store, ctx, on)?;
                    Ok(format!("duplicate routing {}", if on { "on" } else { "off" }))
                })));
            }
            Action::NewItem => {
                let modal = Modal::ask("Rule name", "", |_, _, name| {
                    let name = name.to_string();
                    let title =
                        "Conditions, ; between them (source=Facebook; tag~vip; domain!=gmail.com); empty = every lead";
                    Ok(Step::Open(rule_form(title.into(), String::new(), move |conditions, target| {
                        let name = name.clone();
                        task(move |store, ctx| {
                            let r = rules::add(store, ctx, &name, &target, &conditions, None)?;
                            Ok(format!("added rule #{} {}", r.id, r.name))
                        })
                    })))
                });
                self.modals.push(modal);
            }
            Action::EditItem => {
                let Some(rule) = pane.rules.get(pane.cursor).cloned() else { return Ok(()) };
                let current: Vec<String> = rule.conditions.iter().map(ToString::to_string).collect();
                let title = format!("Conditions of #{} {} (; between them)", rule.id, rule.name);
                let modal = rule_form(title, current.join("; "), move |conditions, target| {
                    let id = rule.id;
                    task(move |store, ctx| {
                        rules::update(store, ctx, id, &target, &conditions)?;
                        Ok(format!("rule #{id} changed; leads already assigned keep their owners"))
                    })
                });
                self.modals.push(modal);
            }
            Action::Delete => {
                let Some(rule) = pane.rules.get(pane.cursor).cloned() else { return Ok(()) };
                let pending = task(move |store, ctx| {
                    rules::delete(store, ctx, rule.id)?;
                    Ok(format!("deleted rule #{}", rule.id))
                });
                self.modals.push(Modal::confirm(format!("Delete rule #{} {}?", rule.id, rule.name), vec![], pending));
            }
            Action::ToggleSelect => {
                let Some(rule) = pane.rules.get(pane.cursor).cloned() else { return Ok(()) };
                self.step(Step::Run(task(move |store, ctx| {
                    let r = rules::set_enabled(store, ctx, rule.id, !rule.enabled)?;
                    Ok(format!("rule #{} {}", r.id, if r.enabled { "enabled" } else { "disabled" }))
                })));
            }
            Action::MoveItemUp | Action::MoveItemDown => {
                let Some(rule) = pane.rules.get(pane.cursor) else { return Ok(()) };
                let up = action == Action::MoveItemUp;
                let to = if up { (pane.cursor as i64).max(1) } else { pane.cursor as i64 + 2 };
                if (up && pane.cursor == 0) || (!up && pane.cursor + 1 >= pane.rules.len()) {
                    return Ok(());
                }
                pane.cursor = (to - 1) as usize;
                let id = rule.id;
                self.step(Step::Run(task(move |store, ctx| {
                    rules::move_to(store, ctx, id, to)?;
                    Ok(format!("rule #{id} is now tried {to}"))
                })));
            }
            Action::Preview => {
                let backlog = Filter::unassigned(&self.ctx);
                let preview = distribute::route(&mut self.store, &self.ctx, &backlog, true)?;
                let lines = preview_lines(&preview, &self.routing.rules);
                let title = format!(
                    "Route {} unassigned leads now? {} would be assigned.",
                    preview.assigned.len() + preview.unassigned.len(),
                    preview.assigned.len()
                );
                let pending = task(move |store, ctx| {
                    let r = distribute::route(store, ctx, &backlog, false)?;
                    Ok(format!("routed: {} assigned, {} left unassigned", r.assigned.len(), r.unassigned.len()))
                });
                self.modals.push(Modal::confirm(title, lines, pending));
            }
            _ => {}
        }
        Ok(())
    }
}

pub fn draw(frame: &mut Frame<'_>, pane: &RoutingPane, theme: &Theme, area: Rect) {
    let [switches, list] = Layout::vertical([Constraint::Length(3), Constraint::Min(1)]).areas(area);
    let switch =
        |on: bool| if on { Span::styled(" ON ", theme.focus_tab()) } else { Span::styled(" OFF ", theme.warn()) };
    let mut first =
        vec![Span::raw("Auto-assign new leads "), switch(pane.auto_assign), Span::styled("  (o)", theme.dim())];
    if pane.paused_backlog > 0 {
        first.push(Span::styled(
            format!("   {} arrived while paused — p previews routing them", pane.paused_backlog),
            theme.warn(),
        ));
    }
    let lines = vec![
        Line::from(first),
        Line::from(vec![
            Span::raw("Duplicates to the existing owner "),
            switch(pane.duplicates),
            Span::styled("  (d)", theme.dim()),
        ]),
    ];
    frame.render_widget(Paragraph::new(lines), switches);
    let rows: Vec<Row<'_>> = pane
        .rules
        .iter()
        .map(|r| {
            let conditions: Vec<String> = r.conditions.iter().map(ToString::to_string).collect();
            let when = if conditions.is_empty() { "every lead".to_string() } else { conditions.join(" and ") };
            let row = Row::new(vec![
                r.priority.to_string(),
                format!("#{}", r.id),
                r.name.clone(),
                when,
                r.target_label(),
                if r.enabled { "on".into() } else { "off".into() },
            ]);
            if r.enabled { row } else { row.style(theme.dim()) }
        })
        .collect();
    let widths = [
        Constraint::Length(3),
        Constraint::Length(4),
        Constraint::Min(12),
        Constraint::Min(20),
        Constraint::Min(12),
        Constraint::Length(4),
    ];
    let header = Row::new(["", "Id", "Rule", "If", "Then", ""]).style(theme.header());
    let table = Table::new(rows, widths)
        .header(header)
        .block(Block::default().borders(Borders::ALL).title(" Rules, tried in order ").border_style(theme.accent()))
        .row_highlight_style(theme.selected())
        .highlight_symbol("▶");
    let mut state = TableState::default().with_selected((!pane.rules.is_empty()).then_some(pane.cursor));
    frame.render_stateful_widget(table, list, &mut state);
    if pane.rules.is_empty() {
        let y = Rect { y: list.y + 2, height: 1, x: list.x + 2, width: list.width.saturating_sub(4) };
        frame.render_widget(Paragraph::new(Span::styled("no rules yet: press n to add one", theme.dim())), y);
    }
}
