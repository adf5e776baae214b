pub mod fit;
pub mod picker;
pub mod ticks;

use ratatui::layout::{Constraint, Flex};
use ratatui::widgets::{HighlightSpacing, Row, Table};

use crate::tui::theme::Theme;

/// A pane's list as every pane draws it: a header, the cursor's row marked
/// ▶ and highlighted, columns packed from the left one space apart.
pub fn list_table<'a>(
    rows: impl IntoIterator<Item = Row<'a>>,
    widths: impl IntoIterator<Item = Constraint>,
    header: Row<'a>,
    theme: &Theme,
) -> Table<'a> {
    Table::new(rows, widths)
        .header(header)
        .row_highlight_style(theme.selected())
        .highlight_symbol("▶")
        .highlight_spacing(HighlightSpacing::Always)
        .flex(Flex::Start)
        .column_spacing(1)
}
