//! The Kanban board (T2): a column per stage, each its own keyset window
//! over the shared filter, so the board never loads every lead either.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use rusqlite::Connection;

use crate::core::error::Result;
use crate::core::filter::Filter;
use crate::core::model::Stage;
use crate::core::stages;
use crate::tui::theme::Theme;
use crate::tui::window::Window;

/// Lines per card: name, then company and owner.
const CARD_LINES: u16 = 2;

pub struct Column {
    pub stage: Stage,
    pub window: Window,
}

#[derive(Default)]
pub struct Board {
    pub columns: Vec<Column>,
    pub focus: usize,
}

/// The column's filter: the shared one narrowed to its stage. A status filter
/// that leaves the stage out makes the column empty rather than hiding it.
pub fn column_filter(base: &Filter, stage: &Stage) -> Filter {
    let stage_ids =
        if base.stage_ids.is_empty() || base.stage_ids.contains(&stage.id) { vec![stage.id] } else { vec![-1] };
    Filter { stage_ids, ..base.clone() }
}

/// Cards that fit in a column of a pane `height` lines tall.
pub fn cards_per_column(height: u16) -> usize {
    usize::from(height.saturating_sub(7) / CARD_LINES).max(1)
}

impl Board {
    pub fn load(conn: &Connection, base: &Filter, cards: usize) -> Result<Board> {
        let mut board = Board::default();
        for stage in stages::list(conn)? {
            let mut window = Window::new(column_filter(base, &stage), cards);
            window.load_top(conn)?;
            board.columns.push(Column { stage, window });
        }
        Ok(board)
    }

    /// New filter: every column back to its top.
    pub fn set_filter(&mut self, conn: &Connection, base: &Filter) -> Result<()> {
        for column in &mut self.columns {
            column.window.filter = column_filter(base, &column.stage);
            column.window.picked = Default::default();
            column.window.load_top(conn)?;
        }
        Ok(())
    }

    pub fn refresh(&mut self, conn: &Connection) -> Result<()> {
        for column in &mut self.columns {
            column.window.refresh(conn)?;
        }
        Ok(())
    }

    pub fn resize(&mut self, conn: &Connection, cards: usize) -> Result<()> {
        for column in &mut self.columns {
            column.window.resize(conn, cards)?;
        }
        Ok(())
    }

    pub fn focused(&self) -> Option<&Column> {
        self.columns.get(self.focus)
    }

    pub fn focused_mut(&mut self) -> Option<&mut Column> {
        self.columns.get_mut(self.focus)
    }

    pub fn left(&mut self) {
        self.focus = self.focus.saturating_sub(1);
    }

    pub fn right(&mut self) {
        self.focus = (self.focus + 1).min(self.columns.len().saturating_sub(1));
    }

    /// The stage before or after the focused one, for moving a card.
    pub fn neighbour(&self, step: isize) -> Option<&Stage> {
        let i = self.focus.checked_add_signed(step)?;
        self.columns.get(i).map(|c| &c.stage)
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

fn clip(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut out: String = text.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

pub fn draw(frame: &mut Frame<'_>, board: &Board, counts: &[i64], theme: &Theme, area: Rect) {
    if board.columns.is_empty() {
        return;
    }
    let constraints = vec![Constraint::Ratio(1, board.columns.len() as u32); board.columns.len()];
    let areas = Layout::horizontal(constraints).split(area);
    for (i, (column, col_area)) in board.columns.iter().zip(areas.iter()).enumerate() {
        let focused = i == board.focus;
        let count = counts.get(i).map_or_else(|| "…".to_string(), ToString::to_string);
        let title = format!(" {} ({count}) ", column.stage.name);
        let block = Block::default()
            .borders(Borders::ALL)
            .title(Span::styled(title, if focused { theme.focus_tab() } else { theme.header() }))
            .border_style(if focused { theme.accent() } else { theme.dim() });
        let inner = block.inner(*col_area);
        frame.render_widget(block, *col_area);
        let width = usize::from(inner.width);
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
            let company = clip(&lead.company, width.saturating_sub(6));
            lines.push(Line::from(vec![Span::styled(format!("  {company} "), theme.dim()), owner]));
        }
        if column.window.rows.is_empty() {
            lines.push(Line::from(Span::styled(" empty", theme.dim())));
        }
        frame.render_widget(Paragraph::new(lines), inner);
    }
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
        let stage = Stage { id: 2, name: "Contacted".into(), position: 2, closed: false };
        let base = Filter { stage_ids: vec![1], ..Filter::default() };
        assert_eq!(column_filter(&base, &stage).stage_ids, vec![-1]);
        assert_eq!(column_filter(&Filter::default(), &stage).stage_ids, vec![2]);
    }
}
