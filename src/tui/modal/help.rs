//! `?`: every key of where it was opened, generated from the keymap. It
//! scrolls (its own `[help]` keys) and narrows to the rows that contain
//! what is typed after its find key, so that at 80×24 every key is reachable.

use ratatui::Frame;
use ratatui::crossterm::event::{Event, KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use super::{Outcome, centred, popup};
use crate::tui::action::Action;
use crate::tui::flow::Look;
use crate::tui::keymap::{Context, Keymap};
use crate::tui::widgets::fit;

/// Columns of the key column; a description wraps under itself.
const KEY_WIDTH: usize = 14;
/// Columns of the box at most, borders included.
const WIDTH: u16 = 80;

#[derive(Debug)]
pub struct Help {
    pub context: Context,
    /// The first row shown.
    pub scroll: usize,
    /// What the rows must contain (any case); empty shows every row.
    pub find: Input,
    /// Keys type into `find` until Enter or Esc.
    pub finding: bool,
    /// Rows that fit in the box at the last frame: what a page is.
    page: std::cell::Cell<usize>,
}

/// One row of the help before wrapping.
#[derive(Debug, Clone, PartialEq)]
pub enum Row {
    Section(String),
    Key { keys: String, desc: String },
}

impl Help {
    pub fn new(context: Context) -> Help {
        Help { context, scroll: 0, find: Input::default(), finding: false, page: std::cell::Cell::new(10) }
    }

    pub fn handle(&mut self, key: KeyEvent, keymap: &Keymap) -> Outcome {
        if self.finding {
            match key.code {
                KeyCode::Enter | KeyCode::Esc => self.finding = false,
                KeyCode::Up | KeyCode::Down => return self.scroll_by(key.code == KeyCode::Down, 1),
                _ => {
                    self.find.handle_event(&Event::Key(key));
                    self.scroll = 0;
                }
            }
            return Outcome::Keep;
        }
        let page = self.page.get().saturating_sub(1).max(1);
        match keymap.lookup(Context::Help, &key) {
            Some(Action::Down) => self.scroll_by(true, 1),
            Some(Action::Up) => self.scroll_by(false, 1),
            Some(Action::PageDown) => self.scroll_by(true, page),
            Some(Action::PageUp) => self.scroll_by(false, page),
            Some(Action::Top) => {
                self.scroll = 0;
                Outcome::Keep
            }
            Some(Action::Bottom) => {
                self.scroll = usize::MAX;
                Outcome::Keep
            }
            Some(Action::Search) => {
                self.finding = true;
                Outcome::Keep
            }
            Some(Action::Back) if !self.find.value().is_empty() => {
                self.find.reset();
                self.scroll = 0;
                Outcome::Keep
            }
            Some(Action::Back | Action::Help) => Outcome::Close,
            _ => Outcome::Keep,
        }
    }

    /// Pasted text into the find.
    pub fn paste(&mut self, text: &str) {
        self.find = fit::insert(&self.find, text);
        self.scroll = 0;
    }

    fn scroll_by(&mut self, down: bool, n: usize) -> Outcome {
        // `usize::MAX` (after End) is clamped when drawn; start from a real row.
        let from = self.scroll.min(10_000);
        self.scroll = if down { from.saturating_add(n) } else { from.saturating_sub(n) };
        Outcome::Keep
    }

    pub fn draw(&self, frame: &mut Frame<'_>, main: Rect, look: &Look<'_>) {
        let theme = look.theme;
        let km = look.keymap;
        let area = centred(main, WIDTH, main.height);
        let inner = usize::from(area.width.saturating_sub(2));
        let rows = filtered(rows(km, self.context), self.find.value());
        let mut lines: Vec<Line<'_>> = Vec::new();
        for row in &rows {
            match row {
                Row::Section(title) => lines.push(Line::from(Span::styled(title.clone(), theme.accent()))),
                Row::Key { keys, desc } => {
                    let width = inner.saturating_sub(KEY_WIDTH + 2).max(10);
                    for (i, part) in fit::wrap(desc, width).into_iter().enumerate() {
                        let keys = if i == 0 { keys.as_str() } else { "" };
                        lines.push(Line::from(vec![
                            Span::styled(format!("  {keys:<KEY_WIDTH$}"), theme.header()),
                            Span::raw(part),
                        ]));
                    }
                }
            }
        }
        if rows.is_empty() {
            // One row, so that the find line below keeps its place.
            lines.push(Line::raw(fit::clip(&format!("no key matches '{}'", self.find.value()), inner)));
        }
        // One row for the find line at the bottom.
        let visible = usize::from(area.height.saturating_sub(3)).max(1);
        self.page.set(visible);
        let scroll = self.scroll.min(lines.len().saturating_sub(visible));
        let total = lines.len();
        let mut shown: Vec<Line<'_>> = lines.into_iter().skip(scroll).take(visible).collect();
        while shown.len() < visible {
            shown.push(Line::raw(""));
        }
        let (find_line, find_cursor) = self.find_line(km, theme, inner);
        shown.push(find_line);
        // While a find is typed letters type, so only the arrows scroll.
        let scrolls = if self.finding {
            "↓/↑ scroll · Enter done".to_string()
        } else {
            let closes = km.help_keys(Context::Help, Action::Back);
            format!("{}/{} scroll · {closes} closes", letter(km, Action::Down), letter(km, Action::Up))
        };
        let title = if rows.is_empty() {
            format!("No key matches · {scrolls}")
        } else {
            format!("Rows {}–{} of {total} · {scrolls}", (scroll + 1).min(total), (scroll + visible).min(total))
        };
        popup(frame, theme, area, &title, shown);
        if self.finding {
            let x = area.x + 1 + find_cursor.min(inner.saturating_sub(1)) as u16;
            frame.set_cursor_position((x, area.bottom().saturating_sub(2)));
        }
    }

    /// The find line in `width` columns, and the cursor's column in it: a
    /// long find scrolls as a prompt does, keeping the cursor in view.
    fn find_line<'a>(&self, km: &Keymap, theme: &crate::tui::theme::Theme, width: usize) -> (Line<'a>, usize) {
        if self.finding || !self.find.value().is_empty() {
            let prompt = find_prompt(km);
            let done = if self.finding { "   Enter done" } else { "" };
            let room = width.saturating_sub(prompt.chars().count() + done.chars().count());
            let (typed, cursor) = fit::input_view(&self.find, room);
            let cursor = prompt.chars().count() + cursor;
            let line = Line::from(vec![
                Span::styled(prompt, theme.accent()),
                Span::raw(typed),
                Span::styled(done, theme.dim()),
            ]);
            (line, cursor)
        } else {
            let key = |action| km.help_keys(Context::Help, action);
            let keys = format!(
                "{} find a key   {} / {} page   {} / {} first / last",
                key(Action::Search),
                key(Action::PageDown),
                key(Action::PageUp),
                key(Action::Top),
                key(Action::Bottom)
            );
            let line = Line::styled(fit::clip(&keys, width), theme.dim());
            (line, 0)
        }
    }
}

/// The letter key of a help action when it has one (j, k), else its first key.
fn letter(km: &Keymap, action: Action) -> String {
    let keys = km.help_keys(Context::Help, action);
    let labels: Vec<&str> = keys.split(" / ").collect();
    let letter = labels.iter().find(|l| l.chars().count() == 1 && l.chars().all(|c| c.is_ascii_alphabetic()));
    letter.or(labels.first()).map_or_else(|| km.label(Context::Help, action), |l| l.to_string())
}

fn find_prompt(km: &Keymap) -> String {
    format!("{} find: ", km.help_keys(Context::Help, Action::Search))
}

/// Every row of the help opened in `context`: the global keys, that
/// context's (and what it inherits), confirmations, pickers and the help's own.
pub fn rows(km: &Keymap, context: Context) -> Vec<Row> {
    let mut rows = Vec::new();
    let mut section = |title: &str, keys: Vec<(String, String)>| {
        rows.push(Row::Section(title.to_string()));
        rows.extend(keys.into_iter().map(|(keys, desc)| Row::Key { keys, desc }));
    };
    match context {
        Context::Detail => section("Lead details", km.help(Context::Detail)),
        Context::Kanban => {
            let board = km.help(Context::Kanban);
            let inherited = unless_redefined(km.help(Context::Leads), &board);
            section("Board", board);
            section("Also on the board, as in Leads", inherited);
        }
        Context::Groups => section("Groups", km.help(Context::Groups)),
        Context::Users => section("Users", km.help(Context::Users)),
        Context::Routing => section("Routing", km.help(Context::Routing)),
        Context::Workload => section("Workload", km.help(Context::Workload)),
        _ => section("Leads", km.help(Context::Leads)),
    }
    section("Everywhere", km.help(Context::Global));
    section("Confirmations", km.help(Context::Confirm));
    section(
        "Pickers and prompts",
        vec![
            ("letters".into(), "Narrow the list (fuzzy) or type the answer".into()),
            ("↑/↓ C-p/C-n".into(), "Move in a picker while letters type".into()),
            ("Space".into(), "Tick / untick in a tick list".into()),
            ("Enter".into(), "Choose".into()),
            ("Esc".into(), "Cancel".into()),
            ("y".into(), "Save a rule value no lead has as typed (Enter: a known one)".into()),
        ],
    );
    section("This help", km.help(Context::Help));
    rows
}

/// `inherited` rows without the keys `own` redefines (the board's `a`
/// selects a column, not every lead): a key is listed once, as it acts.
fn unless_redefined(inherited: Vec<(String, String)>, own: &[(String, String)]) -> Vec<(String, String)> {
    let taken: Vec<&str> = own.iter().flat_map(|(keys, _)| keys.split('/')).collect();
    inherited
        .into_iter()
        .filter_map(|(keys, desc)| {
            let left: Vec<&str> = keys.split('/').filter(|k| !taken.contains(k)).collect();
            (!left.is_empty()).then(|| (left.join("/"), desc))
        })
        .collect()
}

/// The rows whose keys or description contain `find` (any case), each under
/// its section; every row when `find` is empty.
pub fn filtered(rows: Vec<Row>, find: &str) -> Vec<Row> {
    let find = find.trim().to_lowercase();
    if find.is_empty() {
        return rows;
    }
    let mut out = Vec::new();
    let mut section = None;
    for row in rows {
        match row {
            Row::Section(_) => section = Some(row),
            Row::Key { ref keys, ref desc } => {
                if keys.to_lowercase().contains(&find) || desc.to_lowercase().contains(&find) {
                    out.extend(section.take());
                    out.push(row);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finding_keeps_matching_rows_under_their_section() {
        let km = Keymap::load(&Default::default()).unwrap();
        let rows = filtered(rows(&km, Context::Leads), "UNDO");
        assert_eq!(rows.len(), 2, "{rows:?}");
        assert_eq!(rows[0], Row::Section("Leads".into()));
        assert!(matches!(&rows[1], Row::Key { keys, .. } if keys == "z"));
        assert!(filtered(super::rows(&km, Context::Leads), "no such key").is_empty());
    }

    #[test]
    fn the_board_lists_a_key_once_as_it_acts_there() {
        let km = Keymap::load(&Default::default()).unwrap();
        let a_keys: Vec<String> = rows(&km, Context::Kanban)
            .into_iter()
            .filter_map(|row| match row {
                Row::Key { keys, desc } if keys.split('/').any(|k| k == "a") => Some(desc),
                _ => None,
            })
            .collect();
        assert_eq!(a_keys, ["Select every card in the column (all that match)"]);
    }
}
