//! The Leads table (T1): a keyset window over the shared filter, only the
//! visible rows loaded, selection across pages (V3), bulk changes.

use crate::tui::widgets::list_table;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Cell, Paragraph, Row, TableState};

use crate::config::LeadColumn;
use crate::core::error::Result;
use crate::core::model::Lead;
use crate::core::page::SortKey;
use crate::core::time::short_age;
use crate::tui::action::Action;
use crate::tui::flow::{Env, Look};
use crate::tui::keymap::Context;
use crate::tui::modal::Step;
use crate::tui::panes::list;
use crate::tui::widgets::fit;
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
    /// The table's columns, from the config's `[console] columns`.
    pub columns: Vec<LeadColumn>,
}

impl LeadsPane {
    pub fn new(height: u16, columns: Vec<LeadColumn>) -> LeadsPane {
        LeadsPane { window: Window::unloaded(rows_for(height)), columns }
    }

    /// After a write: the same place, re-read (a new filter's rows come from the worker).
    pub fn load(&mut self, env: &Env<'_>) -> Result<()> {
        if self.window.generation == env.shared.generation() {
            self.window.refresh(env.store.conn())?;
        }
        Ok(())
    }

    /// Whether the rows belong to the filter in force.
    pub fn is_current(&self, env: &Env<'_>) -> bool {
        self.window.generation == env.shared.generation()
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
        let columns = &self.columns;
        // Sorted by time in stage, the Age column shows that time, so the order can be seen.
        let in_stage = look.shared.sort.key == SortKey::AgeInStage;
        let header =
            Row::new(std::iter::once("").chain(columns.iter().map(|c| title(*c, in_stage)))).style(theme.header());
        let widths: Vec<Constraint> = std::iter::once(Constraint::Length(3))
            .chain(columns.iter().map(|c| width(*c, area.width, in_stage)))
            .collect();
        let stale = self.window.generation != look.shared.generation();
        let cut = fit::column_widths(area, &widths, 1, 1);
        let rows: Vec<Row<'_>> = if stale {
            Vec::new()
        } else {
            self.window.rows.iter().map(|lead| self.row(lead, &cut[1..], look)).collect()
        };
        let empty = rows.is_empty();
        let table = list_table(rows, widths, header, theme);
        let mut state = TableState::default().with_selected((!empty).then_some(self.window.cursor));
        frame.render_stateful_widget(table, area, &mut state);
        if empty {
            let y = area.y.saturating_add(1).min(area.bottom().saturating_sub(1));
            let line = Rect { y, height: 1, ..area };
            let text = if stale { "  searching…" } else { "  no lead matches this filter" };
            frame.render_widget(Paragraph::new(Span::styled(text, theme.dim())), line);
        }
    }

    /// A lead's cells, each cut to its column's width with `…`.
    fn row<'a>(&self, lead: &'a Lead, widths: &[usize], look: &Look<'_>) -> Row<'a> {
        let theme = look.theme;
        let picked = self.window.picked.contains(lead.id);
        let mut cells = vec![Cell::from(if picked { "[x]" } else { "[ ]" })];
        for (column, width) in self.columns.iter().zip(widths.iter().copied()) {
            let text = |t: &str| Cell::from(fit::clip(t, width));
            cells.push(match column {
                LeadColumn::Name => text(&lead.name),
                LeadColumn::Company => text(&lead.company),
                LeadColumn::Email => text(&lead.email),
                LeadColumn::Phone => text(&lead.phone),
                LeadColumn::Source => text(&lead.source),
                LeadColumn::Status => text(&lead.status),
                LeadColumn::Tags => text(&lead.tags.join(", ")),
                LeadColumn::Owner => match &lead.owner {
                    Some(o) => text(o),
                    None => Cell::from(Span::styled(fit::clip("— unassigned", width), theme.warn())),
                },
                LeadColumn::Age if look.shared.sort.key == SortKey::AgeInStage => {
                    text(&short_age(look.now - lead.status_changed_at))
                }
                LeadColumn::Age => text(&short_age(look.now - lead.created_at)),
                LeadColumn::Waiting if lead.owner.is_none() => text(&short_age(look.now - lead.created_at)),
                LeadColumn::Waiting => Cell::from(""),
            });
        }
        let row = Row::new(cells);
        if picked { row.style(theme.picked()) } else { row }
    }
}

fn title(column: LeadColumn, in_stage: bool) -> &'static str {
    match column {
        LeadColumn::Name => "Name",
        LeadColumn::Company => "Company",
        LeadColumn::Email => "Email",
        LeadColumn::Phone => "Phone",
        LeadColumn::Source => "Source",
        LeadColumn::Status => "Status",
        LeadColumn::Tags => "Tags",
        LeadColumn::Owner => "Owner",
        LeadColumn::Age if in_stage => "In stage",
        LeadColumn::Age => "Age",
        LeadColumn::Waiting => "Waiting",
    }
}

/// Short, fixed-size values get their width; names and text share the rest
/// of a window `room` columns wide.
fn width(column: LeadColumn, room: u16, in_stage: bool) -> Constraint {
    match column {
        LeadColumn::Name | LeadColumn::Company | LeadColumn::Email => Constraint::Fill(3),
        LeadColumn::Source | LeadColumn::Tags => Constraint::Fill(2),
        // "— unassigned" whole at 80 columns; a wider window shows more of
        // an owner's name (a long one still ends in …).
        LeadColumn::Owner => Constraint::Length(match room {
            0..120 => 12,
            120..160 => 20,
            _ => 28,
        }),
        LeadColumn::Phone => Constraint::Length(17), // "+1 (305) 461-1234" whole
        LeadColumn::Status => Constraint::Length(9),
        LeadColumn::Age => Constraint::Length(if in_stage { 8 } else { 4 }),
        LeadColumn::Waiting => Constraint::Length(7),
    }
}
