//! The Leads table (T1): a keyset window over the shared filter, only the
//! visible rows loaded, selection across pages (V3), bulk changes.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};

use crate::core::error::Result;
use crate::core::time::short_age;
use crate::tui::action::Action;
use crate::tui::flow::{Env, Look};
use crate::tui::keymap::Context;
use crate::tui::modal::Step;
use crate::tui::panes::list;
use crate::tui::window::Window;

/// Lines of the screen that are not table rows: tabs, filter bar, table
/// header, status bar, hints.
const CHROME: u16 = 5;

/// Rows of leads that fit in a terminal of `height` lines.
pub fn rows_for(height: u16) -> usize {
    usize::from(height.saturating_sub(CHROME)).max(1)
}

#[derive(Debug, Default)]
pub struct LeadsPane {
    pub window: Window,
}

impl LeadsPane {
    pub fn new(height: u16) -> LeadsPane {
        LeadsPane { window: Window::unloaded(rows_for(height)) }
    }

    /// After a write: the same place, re-read (a new filter's rows come from the worker).
    pub fn load(&mut self, env: &Env<'_>) -> Result<()> {
        if self.window.generation == env.shared.generation() {
            self.window.refresh(env.store.conn())?;
        }
        Ok(())
    }

    /// The first rows for the filter in force, from the worker.
    pub fn install(&mut self, rows: Vec<crate::core::model::Lead>, env: &Env<'_>) {
        self.window.install(env.shared.filter.clone(), env.shared.sort, rows, env.shared.generation());
    }

    pub fn resize(&mut self, env: &Env<'_>, height: u16) -> Result<()> {
        self.window.resize(env.store.conn(), rows_for(height))
    }

    /// The leads matching the filter in force, once counted.
    pub fn matching(&self, look_counts: &crate::tui::worker::Counts, stamp: crate::tui::shared::Stamp) -> Option<i64> {
        look_counts.matching_at(stamp).filter(|_| self.window.generation == stamp.filter)
    }

    pub fn on_action(&mut self, action: Action, env: &mut Env<'_>) -> Result<Option<Step>> {
        if action == Action::Import {
            return super::import::start(env).map(Some);
        }
        let matching = self.matching(env.counts, env.shared.stamp());
        list::on_action(&mut self.window, matching, Context::Leads, action, env)
    }

    pub fn hints(agent: bool) -> &'static [Action] {
        if agent {
            return &[Action::Pickup, Action::Search, Action::FilterPanel, Action::ToggleUnassigned, Action::Open];
        }
        &[
            Action::TriageQueue,
            Action::Assign,
            Action::Reassign,
            Action::Unassign,
            Action::Rotate,
            Action::Undo,
            Action::ToggleSelect,
            Action::SelectAll,
            Action::Search,
            Action::FilterPanel,
            Action::ToggleUnassigned,
            Action::Help,
        ]
    }

    pub fn draw(&self, frame: &mut Frame<'_>, area: Rect, look: &Look<'_>) {
        let theme = look.theme;
        let header = Row::new(["", "Name", "Company", "Source", "Status", "Owner", "Age"]).style(theme.header());
        let stale = self.window.generation != look.shared.generation();
        let rows: Vec<Row<'_>> =
            if stale { Vec::new() } else { self.window.rows.iter().map(|lead| self.row(lead, look)).collect() };
        let widths = [
            Constraint::Length(3),
            Constraint::Percentage(24),
            Constraint::Percentage(22),
            Constraint::Percentage(13),
            Constraint::Percentage(11),
            Constraint::Percentage(16),
            Constraint::Length(5),
        ];
        let empty = rows.is_empty();
        let table = Table::new(rows, widths)
            .header(header)
            .row_highlight_style(theme.selected())
            .highlight_symbol("▶")
            .column_spacing(1);
        let mut state = TableState::default().with_selected((!empty).then_some(self.window.cursor));
        frame.render_stateful_widget(table, area, &mut state);
        if empty {
            let y = area.y.saturating_add(1).min(area.bottom().saturating_sub(1));
            let line = Rect { y, height: 1, ..area };
            let text = if stale { "  searching…" } else { "  no lead matches this filter" };
            frame.render_widget(Paragraph::new(Span::styled(text, theme.dim())), line);
        }
    }

    fn row<'a>(&self, lead: &'a crate::core::model::Lead, look: &Look<'_>) -> Row<'a> {
        let theme = look.theme;
        let picked = self.window.picked.contains(lead.id);
        let owner = match &lead.owner {
            Some(o) => Cell::from(o.as_str()),
            None => Cell::from(Span::styled("— unassigned", theme.warn())),
        };
        let row = Row::new(vec![
            Cell::from(if picked { "[x]" } else { "[ ]" }),
            Cell::from(lead.name.as_str()),
            Cell::from(lead.company.as_str()),
            Cell::from(lead.source.as_str()),
            Cell::from(lead.status.as_str()),
            owner,
            Cell::from(short_age(look.now - lead.created_at)),
        ]);
        if picked { row.style(theme.picked()) } else { row }
    }
}
