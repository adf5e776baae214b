//! A line of text for a continuation; a refused answer shows its error
//! under the line and the prompt stays.

use ratatui::Frame;
use ratatui::crossterm::event::{Event, KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use super::{Modal, Outcome, centred, popup};
use crate::tui::flow::{Answer, Look, Then};

#[derive(Debug)]
pub struct Prompt {
    pub title: String,
    pub input: Input,
    pub then: Then,
    pub error: Option<String>,
}

/// A prompt starting with `initial`, whose text goes to `then`.
pub fn ask(title: impl Into<String>, initial: &str, then: Then) -> Modal {
    Modal::Prompt(Prompt { title: title.into(), input: Input::new(initial.to_string()), then, error: None })
}

impl Prompt {
    pub fn handle(&mut self, key: KeyEvent) -> Outcome {
        match key.code {
            KeyCode::Esc => Outcome::Close,
            KeyCode::Enter => Outcome::Answer(self.then.clone(), Answer::Text(self.input.value().trim().to_string())),
            _ => {
                self.input.handle_event(&Event::Key(key));
                self.error = None;
                Outcome::Keep
            }
        }
    }

    pub fn draw(&self, frame: &mut Frame<'_>, main: Rect, look: &Look<'_>) {
        let mut lines = vec![Line::raw(self.input.value().to_string())];
        if let Some(e) = &self.error {
            lines.push(Line::from(Span::styled(e.clone(), look.theme.error())));
        }
        let area = centred(main, 60, 4 + u16::from(self.error.is_some()));
        popup(frame, look.theme, area, &self.title, lines);
        let x = area.x + 1 + self.input.visual_cursor().min(usize::from(area.width.saturating_sub(3))) as u16;
        frame.set_cursor_position((x, area.y + 1));
    }
}
