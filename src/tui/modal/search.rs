//! The search line: each character narrows the shared filter at once (the
//! pages come from the worker while the screen says "searching…"); Enter
//! keeps the search, Esc clears it.

use ratatui::Frame;
use ratatui::crossterm::event::{Event, KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use super::{Outcome, Step, popup};
use crate::core::filter::Filter;
use crate::tui::flow::{Env, Look};
use crate::tui::widgets::fit;

#[derive(Debug)]
pub struct Search {
    pub input: Input,
}

impl Search {
    pub fn new(current: &str) -> Search {
        Search { input: Input::new(current.to_string()) }
    }

    pub fn handle(&mut self, key: KeyEvent, env: &Env<'_>) -> Outcome {
        let with = |text: &str| Filter { search: text.to_string(), ..env.shared.filter.clone() };
        match key.code {
            KeyCode::Enter => Outcome::Close,
            KeyCode::Esc => Outcome::CloseWith(Step::Filter(with(""))),
            _ => match self.input.handle_event(&Event::Key(key)) {
                Some(change) if change.value => Outcome::Step(Step::Filter(with(self.input.value().trim()))),
                _ => Outcome::Keep,
            },
        }
    }

    /// Pasted text: one search for all of it, not one per character.
    pub fn paste(&mut self, text: &str, env: &Env<'_>) -> Outcome {
        self.input = fit::insert(&self.input, text);
        Outcome::Step(Step::Filter(Filter {
            search: self.input.value().trim().to_string(),
            ..env.shared.filter.clone()
        }))
    }

    pub fn draw(&self, frame: &mut Frame<'_>, main: Rect, look: &Look<'_>) {
        let area = Rect { y: main.bottom().saturating_sub(3), height: 3, ..main };
        // Borders and the `/ ` mark take four columns; a long search scrolls.
        let (typed, cursor) = fit::input_view(&self.input, usize::from(area.width.saturating_sub(4)));
        let text = Line::from(vec![Span::styled("/ ", look.theme.accent()), Span::raw(typed)]);
        popup(frame, look.theme, area, "Search name, email, phone, company — Enter keeps, Esc clears", vec![text]);
        frame.set_cursor_position((area.x + 3 + u16::try_from(cursor).unwrap_or(0), area.y + 1));
    }
}
