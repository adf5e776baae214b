//! Everything that sits over a pane: confirmations, pickers, prompts, the
//! search line, the filter panel, the lead drawer, help. Each is a
//! component like the picker (state, `handle(key) -> Outcome`, `draw`), and
//! what happens with an answer is data ([`Then`]), so a modal is plain data.

pub mod ask;
pub mod choose;
pub mod confirm;
pub mod detail;
pub mod filter_panel;
pub mod help;
pub mod prompt;
pub mod search;
pub mod typed;

use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::core::error::Result;
use crate::core::filter::Filter;
use crate::core::page::Sort;
use crate::tui::action::Action;
use crate::tui::flow::{Answer, Env, Look, Pane, Pending, Then};
use crate::tui::keymap::Context;
use crate::tui::theme::Theme;

pub use ask::Ask;
pub use choose::{Choose, Tick};
pub use confirm::Confirm;
pub use detail::Detail;
pub use filter_panel::FilterPanel;
pub use help::Help;
pub use prompt::Prompt;
pub use search::Search;

#[derive(Debug)]
pub enum Modal {
    /// Every key of the context it was opened in.
    Help(Help),
    Confirm(Confirm),
    Choose(Choose),
    /// A tick list for a set.
    Tick(Tick),
    /// A question before a save, with values to pick instead.
    Ask(Ask),
    Prompt(Prompt),
    Search(Search),
    FilterPanel(FilterPanel),
    Detail(Box<Detail>),
}

/// What a pane or a modal asks the app to do next.
#[derive(Debug)]
pub enum Step {
    Open(Modal),
    Run(Pending),
    /// A new shared filter (T8: every pane follows it).
    Filter(Filter),
    Sort(Sort),
    /// A named queue: its filter, the sort that goes with it, and what the
    /// filter bar calls it (the triage queue).
    Queue {
        filter: Filter,
        sort: Sort,
        name: String,
    },
    Show(Pane),
    /// A key of every pane pressed where a modal is on top (a pane switch
    /// from the drawer): the app does it as if no modal were open.
    Global(Action),
    /// Tell the user something that is not an error.
    Say(String),
    Quit,
}

/// What a key did to the modal on top.
#[derive(Debug)]
pub enum Outcome {
    Keep,
    Close,
    /// Stay open and do this.
    Step(Step),
    /// Close, then do this.
    CloseWith(Step),
    /// An answer for a continuation; the modal stays open until it is
    /// taken (a prompt shows the error of a refused answer).
    Answer(Then, Answer),
}

impl Modal {
    pub fn handle(&mut self, key: KeyEvent, env: &mut Env<'_>) -> Result<Outcome> {
        match self {
            Modal::Help(h) => Ok(h.handle(key, env.keymap)),
            Modal::Confirm(c) => Ok(c.handle(key, env.keymap)),
            Modal::Choose(c) => Ok(c.handle(key)),
            Modal::Tick(t) => Ok(t.handle(key)),
            Modal::Ask(a) => Ok(a.handle(key)),
            Modal::Prompt(p) => Ok(p.handle(key)),
            Modal::Search(s) => Ok(s.handle(key, env)),
            Modal::FilterPanel(f) => f.handle(key, env),
            Modal::Detail(d) => d.handle(key, env),
        }
    }

    /// A refused answer: a prompt shows why and stays; others close with the error.
    pub fn refuse(&mut self, error: String) -> bool {
        match self {
            Modal::Prompt(p) => {
                p.error = Some(error);
                true
            }
            _ => false,
        }
    }

    /// Pasted text into the text field of this modal (a prompt, the search
    /// line, a picker's narrowing, the help's find), in one go; `None` where
    /// letters are commands, which no paste may give.
    pub fn paste(&mut self, text: &str, env: &Env<'_>) -> Option<Outcome> {
        match self {
            Modal::Prompt(p) => p.paste(text),
            Modal::Search(s) => return Some(s.paste(text, env)),
            Modal::Choose(c) => c.picker.paste(text),
            Modal::Help(h) if h.finding => h.paste(text),
            _ => return None,
        }
        Some(Outcome::Keep)
    }

    /// The key context while this modal is on top, if it has one.
    pub fn context(&self) -> Option<Context> {
        match self {
            Modal::Detail(_) => Some(Context::Detail),
            Modal::Confirm(_) => Some(Context::Confirm),
            Modal::Help(_) => Some(Context::Help),
            _ => None,
        }
    }

    pub fn draw(&self, frame: &mut Frame<'_>, main: Rect, look: &Look<'_>) {
        match self {
            Modal::Help(h) => h.draw(frame, main, look),
            Modal::Confirm(c) => c.draw(frame, main, look),
            Modal::Choose(c) => {
                let width = titled(&c.picker.title).max(u16::try_from(c.picker.widest() + 2).unwrap_or(u16::MAX));
                c.picker.render(frame, centred(main, width, 16), look.theme);
            }
            Modal::Tick(t) => {
                let rows = u16::try_from(t.list.choices.len()).unwrap_or(u16::MAX).saturating_add(2);
                t.list.render(frame, centred(main, titled(&t.list.title), rows), look.theme);
            }
            Modal::Ask(a) => a.draw(frame, main, look),
            Modal::Prompt(p) => p.draw(frame, main, look),
            Modal::Search(s) => s.draw(frame, main, look),
            Modal::FilterPanel(f) => f.draw(frame, main, look),
            Modal::Detail(d) => d.draw(frame, main, look),
        }
    }
}

/// A list's box width: 50, or as wide as its title while the window allows
/// (a title says what the choice is for: "Map 'OPEN_DEAL' (1,250 rows) to");
/// a picker's box is as wide as its widest choice too.
fn titled(title: &str) -> u16 {
    u16::try_from(title.chars().count() + 4).unwrap_or(u16::MAX).max(50)
}

/// A centred box of at most `w`×`h` inside `area`.
pub fn centred(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect { x: area.x + (area.width - w) / 2, y: area.y + (area.height - h) / 2, width: w, height: h }
}

pub fn popup(frame: &mut Frame<'_>, theme: &Theme, area: Rect, title: &str, lines: Vec<Line<'_>>) {
    frame.render_widget(Clear, area);
    let block = Block::default().borders(Borders::ALL).title(format!(" {title} ")).border_style(theme.accent());
    frame.render_widget(Paragraph::new(lines).block(block).wrap(Wrap { trim: false }), area);
}
