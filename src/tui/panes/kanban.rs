//! The Kanban board (T2): a column per stage, each its own keyset window
//! over the shared filter, so the board never loads every lead either.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::core::error::{Error, Result};
use crate::core::model::Stage;
use crate::core::stages;
use crate::tui::action::Action;
use crate::tui::flow::{Env, Look, Pending};
use crate::tui::keymap::Context;
use crate::tui::modal::Step;
use crate::tui::panes::list;
use crate::tui::widgets::fit::{clip, title_style, titled_count_from};
use crate::tui::window::{Picked, Window};

/// Lines per card: name, then company and owner.
const CARD_LINES: u16 = 2;

#[derive(Debug)]
pub struct Column {
    pub stage: Stage,
    pub window: Window,
}

#[derive(Debug, Default)]
pub struct Board {
    pub columns: Vec<Column>,
    pub focus: usize,
}

/// Cards that fit in a column of a pane `height` lines tall.
pub fn cards_per_column(height: u16) -> usize {
    usize::from(height.saturating_sub(7) / CARD_LINES).max(1)
}

impl Board {
    /// One empty column per stage; their cards come with the first pages.
    pub fn new(env: &Env<'_>, height: u16) -> Result<Board> {
        let cards = cards_per_column(height);
        let columns = stages::list(env.store.conn())?
            .into_iter()
            .map(|stage| Column { stage, window: Window::unloaded(cards) })
            .collect();
        Ok(Board { columns, focus: 0 })
    }

    /// Each column's filter: the shared one narrowed to its stage.
    pub fn filters(&self, env: &Env<'_>) -> Vec<crate::core::filter::Filter> {
        self.columns.iter().map(|c| list::column_filter(&env.shared.filter, c.stage.id)).collect()
    }

    /// Each column's first cards for the filter in force, from the worker.
    pub fn install(&mut self, columns: Vec<Vec<crate::core::model::Lead>>, env: &Env<'_>) {
        let filters = self.filters(env);
        for ((column, rows), filter) in self.columns.iter_mut().zip(columns).zip(filters) {
            column.window.install(filter, env.shared.sort, rows, env.shared.generation());
        }
    }

    /// Each column's rows read again after a write, by the worker.
    pub fn take_reread(&mut self, again: Vec<crate::tui::window::Reread>, env: &Env<'_>) {
        for (column, again) in self.columns.iter_mut().zip(again) {
            if column.window.generation == env.shared.generation() {
                column.window.take_reread(again);
            }
        }
    }

    /// After a write: every column re-read where it stands.
    pub fn load(&mut self, env: &Env<'_>) -> Result<()> {
        for column in &mut self.columns {
            if column.window.generation == env.shared.generation() {
                column.window.refresh(env.store.conn())?;
            }
        }
        Ok(())
    }

    pub fn resize(&mut self, env: &Env<'_>, height: u16) -> Result<()> {
        for column in &mut self.columns {
            column.window.resize(env.store.conn(), cards_per_column(height))?;
        }
        Ok(())
    }

    pub fn focused(&self) -> Option<&Column> {
        self.columns.get(self.focus)
    }

    /// How many cards of column `i` match, once counted for the filter in force.
    pub fn matching(
        &self,
        i: usize,
        counts: &crate::tui::worker::Counts,
        stamp: crate::tui::shared::Stamp,
    ) -> Option<i64> {
        let column = self.columns.get(i)?;
        counts.column_at(i, stamp).filter(|_| column.window.generation == stamp.filter)
    }

    pub fn on_action(&mut self, action: Action, env: &mut Env<'_>) -> Result<Option<Step>> {
        match action {
            Action::Left => self.focus = self.focus.saturating_sub(1),
            Action::Right => self.focus = (self.focus + 1).min(self.columns.len().saturating_sub(1)),
            Action::MovePrev | Action::MoveNext => {
                let step = if action == Action::MovePrev { -1 } else { 1 };
                return Ok(self.move_card(step));
            }
            Action::Assign | Action::Reassign | Action::Unassign | Action::Rotate | Action::Pickup
                if self.ticks_elsewhere() =>
            {
                return self.act_on_every_tick(action, env);
            }
            _ => {
                let matching = self.matching(self.focus, env.counts, env.shared.stamp());
                let Some(column) = self.columns.get_mut(self.focus) else { return Ok(None) };
                return list::on_action(&mut column.window, matching, Context::Kanban, action, env);
            }
        }
        Ok(None)
    }

    /// Cards selected in the columns other than the focused one, for the
    /// status bar (a column's select-all counts its matching cards).
    pub fn selected_elsewhere(&self, counts: &crate::tui::worker::Counts, stamp: crate::tui::shared::Stamp) -> i64 {
        let elsewhere =
            self.columns.iter().enumerate().filter(|(i, c)| *i != self.focus && !c.window.picked.is_empty());
        elsewhere.map(|(i, c)| c.window.picked.count(self.matching(i, counts, stamp).unwrap_or(0))).sum()
    }

    /// Whether another column than the focused one has a tick: then a bulk
    /// change goes to every tick on the board.
    fn ticks_elsewhere(&self) -> bool {
        self.columns.iter().enumerate().any(|(i, c)| i != self.focus && !c.window.picked.is_empty())
    }

    /// A bulk change acts on every card ticked on the board, whichever
    /// column holds it, as the ticks on screen and the status bar say; a
    /// column's select-all among ticks elsewhere is refused rather than guessed.
    fn act_on_every_tick(&mut self, action: Action, env: &mut Env<'_>) -> Result<Option<Step>> {
        let mut ticked = std::collections::BTreeSet::new();
        for column in &self.columns {
            match &column.window.picked {
                Picked::Ids(ids) => ticked.extend(ids.iter().copied()),
                Picked::AllMatching { .. } => {
                    let clear = env.keymap.label(Context::Kanban, Action::Back);
                    return Err(Error::invalid(format!(
                        "a column is all selected and cards are ticked in others: act on one column ({clear} clears a column's ticks)"
                    )));
                }
            }
        }
        let Some(column) = self.columns.get_mut(self.focus) else { return Ok(None) };
        let own = std::mem::replace(&mut column.window.picked, Picked::Ids(ticked));
        let step = list::on_action(&mut column.window, None, Context::Kanban, action, env);
        column.window.picked = own;
        step
    }

    /// Move the highlighted card to the previous or next stage (A13: the owner stays).
    fn move_card(&self, step: isize) -> Option<Step> {
        let lead = self.focused()?.window.current()?.id;
        let stage = self.focus.checked_add_signed(step).and_then(|i| self.columns.get(i))?;
        Some(Step::Run(Pending::LeadStatus { lead, status: stage.stage.name.clone() }))
    }

    pub fn hints(agent: bool) -> &'static [Action] {
        if agent {
            return &[Action::Left, Action::Right, Action::Pickup, Action::Search, Action::ToggleUnassigned];
        }
        &[
            Action::Left,
            Action::Right,
            Action::MovePrev,
            Action::MoveNext,
            Action::Assign,
            Action::Rotate,
            Action::SelectAll,
            Action::ToggleUnassigned,
            Action::Help,
        ]
    }
}

fn initials(name: &str) -> String {
    let mut parts = name.split_whitespace();
    let first: String = parts.next().and_then(|p| p.chars().next()).into_iter().collect();
    let second: String = parts.next().and_then(|p| p.chars().next()).into_iter().collect();
    let mut out = format!("{first}{second}");
    if out.chars().count() < 2 {
        out = name.chars().take(2).collect();
    }
    out.to_uppercase()
}

impl Board {
    pub fn draw(&self, frame: &mut Frame<'_>, area: Rect, look: &Look<'_>) {
        if self.columns.is_empty() {
            return;
        }
        let theme = look.theme;
        let stamp = look.shared.stamp();
        let constraints = vec![Constraint::Ratio(1, self.columns.len() as u32); self.columns.len()];
        let areas = Layout::horizontal(constraints).split(area);
        let room = |col_area: &Rect| usize::from(col_area.width.saturating_sub(2));
        let style = (self.columns.iter().zip(areas.iter()).enumerate())
            .map(|(i, (c, a))| title_style(&c.stage.name, self.matching(i, look.counts, stamp), room(a)))
            .max()
            .unwrap_or(0);
        for (i, (column, col_area)) in self.columns.iter().zip(areas.iter()).enumerate() {
            let focused = i == self.focus;
            let count = self.matching(i, look.counts, stamp);
            let title = titled_count_from(style, &column.stage.name, count, room(col_area));
            let block = Block::default()
                .borders(Borders::ALL)
                .title(Span::styled(title, if focused { theme.focus_tab() } else { theme.header() }))
                .border_style(if focused { theme.accent() } else { theme.dim() });
            let inner = block.inner(*col_area);
            frame.render_widget(block, *col_area);
            let lines = if column.window.generation == stamp.filter {
                cards(column, focused, usize::from(inner.width), look)
            } else {
                vec![Line::from(Span::styled(" searching…", theme.dim()))]
            };
            frame.render_widget(Paragraph::new(lines), inner);
        }
    }
}

fn cards<'a>(column: &'a Column, focused: bool, width: usize, look: &Look<'_>) -> Vec<Line<'a>> {
    let theme = look.theme;
    let mut lines: Vec<Line<'_>> = Vec::new();
    for (row, lead) in column.window.rows.iter().enumerate() {
        let picked = column.window.picked.contains(lead.id);
        let here = focused && row == column.window.cursor;
        let mark = match (here, picked) {
            (true, true) => "▶✓",
            (true, false) => "▶ ",
            (false, true) => " ✓",
            (false, false) => "  ",
        };
        let owner = match &lead.owner {
            Some(o) => Span::styled(initials(o), theme.accent()),
            None => Span::styled("—", theme.warn()),
        };
        let name_style = if here {
            theme.selected()
        } else if picked {
            theme.picked()
        } else {
            Default::default()
        };
        lines.push(Line::from(vec![
            Span::raw(mark),
            Span::styled(clip(&lead.name, width.saturating_sub(2)), name_style),
        ]));
        // The owner's initials (or —) at the end; the company takes the rest.
        let owner_width = owner.width();
        let company = clip(&lead.company, width.saturating_sub(owner_width + 2));
        let gap = width.saturating_sub(company.chars().count() + owner_width + 1).max(1);
        lines.push(Line::from(vec![
            Span::styled(format!(" {company}"), theme.dim()),
            Span::raw(" ".repeat(gap)),
            owner,
        ]));
    }
    if column.window.rows.is_empty() {
        lines.push(Line::from(Span::styled(" empty", theme.dim())));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initials_take_first_letters_of_two_names() {
        assert_eq!(initials("Tom Baker"), "TB");
        assert_eq!(initials("stephanie"), "ST");
        assert_eq!(initials("Zoë"), "ZO");
    }

    #[test]
    fn a_status_filter_empties_other_columns() {
        use crate::core::filter::Filter;
        let base = Filter { stage_ids: vec![1], ..Filter::default() };
        assert_eq!(list::column_filter(&base, 2).stage_ids, vec![-1]);
        assert_eq!(list::column_filter(&Filter::default(), 2).stage_ids, vec![2]);
    }
}
