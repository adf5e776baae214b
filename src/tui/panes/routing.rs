//! Routing (T5): the auto-assign and duplicate switches, rules in order, and
//! a preview of routing the unassigned backlog before running it (R3, R5).

use crate::tui::widgets::list_table;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Row, TableState};

use crate::core::distribute;
use crate::core::error::{Error, Result, thousands, thousands_of};
use crate::core::filter::Filter;
use crate::core::rules::{self, Condition, Field, Rule, Target, TargetName, known};
use crate::core::{groups, settings, users};
use crate::tui::action::Action;
use crate::tui::flow::{Answer, Env, Look, Pending, Pick, RoutingThen, RuleRef, Then};
use crate::tui::keymap::Context;
use crate::tui::modal::typed::Check;
use crate::tui::modal::{Confirm, Modal, Step, ask, choose, prompt};
use crate::tui::panes::preview;
use crate::tui::widgets::fit;
use crate::tui::widgets::picker::Choice;

#[derive(Debug, Default)]
pub struct RoutingPane {
    pub auto_assign: bool,
    pub duplicates: bool,
    /// Unassigned leads that arrived while routing was paused.
    pub paused_backlog: i64,
    pub rules: Vec<Rule>,
    pub cursor: usize,
}

const CONDITIONS_HELP: &str =
    "Conditions, ; between them (source=Facebook; tag~vip; domain!=gmail.com); empty = every lead";

fn run(pending: Pending) -> Result<Option<Step>> {
    Ok(Some(Step::Run(pending)))
}

impl RoutingPane {
    pub fn load(&mut self, env: &Env<'_>) -> Result<()> {
        let conn = env.store.conn();
        self.auto_assign = settings::is_on(conn, settings::AUTO_ASSIGN)?;
        self.duplicates = settings::is_on(conn, settings::DUPLICATE_ROUTING)?;
        self.paused_backlog = distribute::paused_backlog(conn)?;
        self.rules = rules::list(conn)?;
        self.cursor = self.cursor.min(self.rules.len().saturating_sub(1));
        Ok(())
    }

    pub fn hints() -> &'static [Action] {
        &[
            Action::ToggleAutoAssign,
            Action::ToggleDuplicates,
            Action::NewItem,
            Action::EditItem,
            Action::Delete,
            Action::MoveItemUp,
            Action::Preview,
            Action::Help,
        ]
    }

    pub fn on_action(&mut self, action: Action, env: &mut Env<'_>) -> Result<Option<Step>> {
        let rule = self.rules.get(self.cursor).cloned();
        match action {
            Action::Down => self.cursor = (self.cursor + 1).min(self.rules.len().saturating_sub(1)),
            Action::Up => self.cursor = self.cursor.saturating_sub(1),
            Action::Top => self.cursor = 0,
            Action::Bottom => self.cursor = self.rules.len().saturating_sub(1),
            _ if env.is_agent() && (Self::hints().contains(&action) || action == Action::ToggleSelect) => {
                return Err(Error::invalid("only admins and managers change routing"));
            }
            Action::ToggleAutoAssign => return run(Pending::AutoAssign { on: !self.auto_assign }),
            Action::ToggleDuplicates => return run(Pending::Duplicates { on: !self.duplicates }),
            Action::NewItem => {
                return Ok(Some(Step::Open(prompt::ask("Rule name", "", Then::Routing(RoutingThen::Name)))));
            }
            Action::EditItem => {
                let Some(rule) = rule else { return Ok(None) };
                return conditions_prompt(RuleRef::Existing(rule.id), &rule.conditions, env).map(Some);
            }
            Action::Delete => {
                let Some(rule) = rule else { return Ok(None) };
                let title = format!("Delete rule #{} {}?", rule.id, rule.name);
                return Ok(Some(Step::Open(Modal::Confirm(Confirm::new(
                    title,
                    vec![],
                    Pending::DeleteRule { id: rule.id },
                )))));
            }
            Action::ToggleSelect => {
                let Some(rule) = rule else { return Ok(None) };
                return run(Pending::EnableRule { id: rule.id, on: !rule.enabled });
            }
            Action::MoveItemUp | Action::MoveItemDown => {
                let Some(rule) = rule else { return Ok(None) };
                let up = action == Action::MoveItemUp;
                if (up && self.cursor == 0) || (!up && self.cursor + 1 >= self.rules.len()) {
                    let end = if up { "first" } else { "last" };
                    return Ok(Some(Step::Say(format!("rule #{} is tried {end} already", rule.id))));
                }
                let to = if up { self.cursor as i64 } else { self.cursor as i64 + 2 };
                self.cursor = (to - 1) as usize;
                return run(Pending::MoveRule { id: rule.id, to });
            }
            Action::Preview => return self.preview(env).map(Some),
            _ => {}
        }
        Ok(None)
    }

    /// R5: route the unassigned backlog as a preview — per member, per
    /// rule, what stays unassigned and why — then confirm with its token.
    fn preview(&self, env: &mut Env<'_>) -> Result<Step> {
        let backlog = Filter::unassigned(env.ctx);
        let seed = env.ctx.seed.unwrap_or_else(super::fresh_seed);
        let ctx = crate::core::Ctx { seed: Some(seed), ..env.ctx.clone() };
        let plan = distribute::route(env.store, &ctx, &backlog, true)?;
        let expect = plan.selected;
        let seed = plan.seed.unwrap_or(seed);
        let mut lines = preview::per_member(&plan);
        lines.extend(preview::per_rule(&plan, &self.rules));
        lines.extend(preview::staying(&plan));
        lines.extend(preview::skipped(&plan));
        let (expect_text, assigned) = (thousands(expect), thousands(plan.assigned.len()));
        let title = format!("Route {expect_text} unassigned leads now? {assigned} would be assigned.");
        Ok(Step::Open(Modal::Confirm(Confirm::new(title, lines, Pending::Route { backlog, expect, seed }))))
    }

    /// What a prompt or picker of this pane answered.
    pub fn resume(then: RoutingThen, answer: Answer, env: &Env<'_>) -> Result<Option<Step>> {
        match (then, answer) {
            (RoutingThen::Name, Answer::Text(name)) => conditions_prompt(RuleRef::New(name), &[], env).map(Some),
            (RoutingThen::Conditions { rule }, Answer::Text(text)) => {
                let conditions = rules::parse_conditions(&text)?;
                checked(rule, conditions, vec![], env)
            }
            (RoutingThen::Target { rule, conditions }, Answer::Pick(pick)) => {
                let target = match pick {
                    Pick::Group(g) => TargetName::Group(g),
                    Pick::User(u) => TargetName::User(u),
                    _ => return Err(Error::invalid("pick a group or a user")),
                };
                match rule {
                    RuleRef::New(name) => run(Pending::AddRule { name, target, conditions }),
                    RuleRef::Existing(id) => run(Pending::UpdateRule { id, target, conditions }),
                }
            }
            // A value no lead has: put the one picked in its place, let it
            // through, or go back to the conditions as they stand.
            (RoutingThen::Unknown { rule, mut conditions, passed, unknown }, answer) => match answer {
                Answer::Pick(Pick::Name(value)) => {
                    if let Some(c) = conditions.get_mut(unknown.condition) {
                        *c = c.with_value(&unknown.value, &value);
                    }
                    checked(rule, conditions, passed, env)
                }
                Answer::Anyway => {
                    let mut passed = passed;
                    passed.push((unknown.condition, unknown.value));
                    checked(rule, conditions, passed, env)
                }
                Answer::Back => conditions_prompt(rule, &conditions, env).map(Some),
                _ => Ok(None),
            },
            _ => Ok(None),
        }
    }
}

/// The conditions prompt of a new rule or of rule `#id`, holding `conditions`.
fn conditions_prompt(rule: RuleRef, conditions: &[Condition], env: &Env<'_>) -> Result<Step> {
    let title = match &rule {
        RuleRef::New(_) => CONDITIONS_HELP.to_string(),
        RuleRef::Existing(id) => {
            let name = rules::get(env.store.conn(), *id)?.name;
            format!("Conditions of #{id} {name} (; between them)")
        }
    };
    let text: Vec<String> = conditions.iter().map(ToString::to_string).collect();
    let then = Then::Routing(RoutingThen::Conditions { rule });
    Ok(Step::Open(prompt::ask_to_extend(title, &text.join("; "), then, Check::Conditions)))
}

/// Conditions typed: a value of them that no lead has and that was not let
/// through (`passed`) is asked about first, right after it was typed — a
/// typo such as `source=LinkdIn` would route nothing — offering the values
/// closest to it; then the target is picked and the rule saved.
fn checked(
    rule: RuleRef,
    conditions: Vec<Condition>,
    passed: Vec<(usize, String)>,
    env: &Env<'_>,
) -> Result<Option<Step>> {
    let unknown = known::unknown_values(env.store.conn(), &conditions)?
        .into_iter()
        .find(|u| !passed.iter().any(|(i, v)| *i == u.condition && *v == u.value));
    if let Some(unknown) = unknown {
        let question = unknown.question();
        let closest = unknown.closest.clone();
        // A lead may come from a new source tomorrow; no lead will have a status that is no stage.
        let correct_only = unknown.field == Field::Status;
        let then = Then::Routing(RoutingThen::Unknown { rule, conditions, passed, unknown });
        let modal =
            if correct_only { ask::ask_to_correct(question, closest, then) } else { ask::ask(question, closest, then) };
        return Ok(Some(Step::Open(modal)));
    }
    // Editing a rule: the picker starts on its target, so Enter keeps it.
    let current = match &rule {
        RuleRef::Existing(id) => Some(match rules::get(env.store.conn(), *id)?.target {
            Target::Group { name, .. } => Pick::Group(name),
            Target::User { name, .. } => Pick::User(name),
        }),
        RuleRef::New(_) => None,
    };
    let then = Then::Routing(RoutingThen::Target { rule, conditions });
    let picker = choose::choose("Send matching leads to", target_choices(env)?, then);
    Ok(Some(Step::Open(match current {
        Some(current) => choose::on(picker, &current),
        None => picker,
    })))
}

/// Groups and users a rule can send leads to.
fn target_choices(env: &Env<'_>) -> Result<Vec<Choice<Pick>>> {
    let conn = env.store.conn();
    let mut choices: Vec<Choice<Pick>> = groups::list(conn)?
        .into_iter()
        .map(|g| Choice { label: g.name.clone(), detail: format!("group, {}", g.method), value: Pick::Group(g.name) })
        .collect();
    choices.extend(users::list(conn)?.into_iter().filter(|u| u.active).map(|u| Choice {
        label: u.name.clone(),
        detail: "user".into(),
        value: Pick::User(u.name),
    }));
    Ok(choices)
}

impl RoutingPane {
    pub fn draw(&self, frame: &mut Frame<'_>, area: Rect, look: &Look<'_>) {
        let pane = self;
        let theme = look.theme;
        let key = |action| look.keymap.label(Context::Routing, action);
        let [switches, list] = Layout::vertical([Constraint::Length(3), Constraint::Min(1)]).areas(area);
        let switch =
            |on: bool| if on { Span::styled(" ON ", theme.focus_tab()) } else { Span::styled(" OFF ", theme.warn()) };
        let mut first = vec![
            Span::raw("Auto-assign new leads "),
            switch(pane.auto_assign),
            Span::styled(format!("  ({})", key(Action::ToggleAutoAssign)), theme.dim()),
        ];
        if pane.paused_backlog > 0 {
            first.push(Span::styled(
                format!(
                    "   {} arrived while paused — {} previews routing them",
                    match pane.paused_backlog {
                        1 => "1 lead".to_string(),
                        n => format!("{} leads", thousands_of(n)),
                    },
                    key(Action::Preview)
                ),
                theme.warn(),
            ));
        }
        let lines = vec![
            Line::from(first),
            Line::from(vec![
                Span::raw("Duplicates to the existing owner "),
                switch(pane.duplicates),
                Span::styled(format!("  ({})", key(Action::ToggleDuplicates)), theme.dim()),
            ]),
        ];
        frame.render_widget(Paragraph::new(lines), switches);
        // Conditions get twice the room of the name and the target; a cut ends in ….
        let widths = [
            Constraint::Length(3),
            Constraint::Length(4),
            Constraint::Fill(1),
            Constraint::Fill(2),
            Constraint::Fill(1),
            Constraint::Length(3),
        ];
        let inside = Rect { width: list.width.saturating_sub(2), ..list };
        let cut = fit::column_widths(inside, &widths, 1, 1);
        let width = |col: usize| cut.get(col).copied().unwrap_or(0);
        let rows: Vec<Row<'_>> = pane
            .rules
            .iter()
            .map(|r| {
                let conditions: Vec<String> = r.conditions.iter().map(ToString::to_string).collect();
                let when = if conditions.is_empty() { "every lead".to_string() } else { conditions.join(" and ") };
                let row = Row::new(vec![
                    r.priority.to_string(),
                    format!("#{}", r.id),
                    fit::clip(&r.name, width(2)),
                    fit::clip(&when, width(3)),
                    fit::clip(&r.target_label(), width(4)),
                    if r.enabled { "on".into() } else { "off".into() },
                ]);
                if r.enabled { row } else { row.style(theme.dim()) }
            })
            .collect();
        let header = Row::new(["", "Id", "Rule", "If", "Then", ""]).style(theme.header());
        let table = list_table(rows, widths, header, theme).block(
            Block::default().borders(Borders::ALL).title(" Rules, tried in order ").border_style(theme.accent()),
        );
        let mut state = TableState::default().with_selected((!pane.rules.is_empty()).then_some(pane.cursor));
        frame.render_stateful_widget(table, list, &mut state);
        if pane.rules.is_empty() {
            let y = Rect { y: list.y + 2, height: 1, x: list.x + 2, width: list.width.saturating_sub(4) };
            let text = format!("no rules yet: {} adds one", key(Action::NewItem));
            frame.render_widget(Paragraph::new(Span::styled(text, theme.dim())), y);
        }
    }
}
