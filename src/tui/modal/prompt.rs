//! A line of text for a continuation; a refused answer shows its error
//! under the line and the prompt stays. A prompt with a [`Check`] says what
//! is wrong (or how it reads) as the user types, and Enter waits for a good text.

use ratatui::Frame;
use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use super::typed::Check;
use super::{Modal, Outcome, centred, popup};
use crate::tui::flow::{Answer, Look, Then};
use crate::tui::widgets::fit;

#[derive(Debug)]
pub struct Prompt {
    pub title: String,
    pub input: Input,
    pub then: Then,
    pub error: Option<String>,
    pub check: Option<Check>,
    /// How the text reads while it is good (a [`Check`]'s verdict).
    pub hint: Option<String>,
    /// Characters of the text it opened with: the box is as wide while the
    /// window allows, so that a rule's conditions show whole in a wide
    /// window (and the box does not move as the user types).
    pub opened_with: usize,
    /// The text it opened with is untouched and shown selected: the first
    /// character typed replaces it, as in a form field (a limit of 1500
    /// retyped as 2000 must not become 15002000), Backspace clears it, and
    /// a move (←, →, Home, End) keeps it to edit.
    pub replaces: bool,
}

/// Said under a text typing would replace.
const REPLACES: &str = "typing replaces this · ← → edit it";

/// A prompt starting with `initial` (selected: typing replaces it), whose text goes to `then`.
pub fn ask(title: impl Into<String>, initial: &str, then: Then) -> Modal {
    Modal::Prompt(Prompt::new(title.into(), initial, then, None))
}

/// [`ask_checked`] for a text the user more often extends than retypes (a
/// rule's conditions): it opens with the cursor at its end, nothing selected.
pub fn ask_to_extend(title: impl Into<String>, initial: &str, then: Then, check: Check) -> Modal {
    let mut prompt = Prompt::new(title.into(), initial, then, Some(check));
    prompt.replaces = false;
    prompt.recheck();
    Modal::Prompt(prompt)
}

/// [`ask`], with `check` run on the text as it is typed.
pub fn ask_checked(title: impl Into<String>, initial: &str, then: Then, check: Check) -> Modal {
    let mut prompt = Prompt::new(title.into(), initial, then, Some(check));
    prompt.recheck();
    Modal::Prompt(prompt)
}

impl Prompt {
    fn new(title: String, initial: &str, then: Then, check: Option<Check>) -> Prompt {
        let input = Input::new(initial.to_string());
        let opened_with = initial.chars().count();
        Prompt { title, input, then, error: None, check, hint: None, opened_with, replaces: opened_with > 0 }
    }

    pub fn handle(&mut self, key: KeyEvent) -> Outcome {
        match key.code {
            KeyCode::Esc => Outcome::Close,
            // The problem is on screen already: Enter waits for a text that passes.
            KeyCode::Enter if self.check.is_some() && self.error.is_some() => Outcome::Keep,
            KeyCode::Enter => Outcome::Answer(self.then.clone(), Answer::Text(self.input.value().trim().to_string())),
            _ => {
                if std::mem::take(&mut self.replaces) {
                    let typed = matches!(key.code, KeyCode::Char(_))
                        && !key.modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
                    let erases = matches!(key.code, KeyCode::Backspace | KeyCode::Delete);
                    if typed || erases {
                        self.input.reset();
                    }
                    if erases {
                        self.recheck();
                        return Outcome::Keep;
                    }
                }
                self.input.handle_event(&Event::Key(key));
                self.error = None;
                self.recheck();
                Outcome::Keep
            }
        }
    }

    /// Pasted text, put in as if typed: it replaces a value still selected.
    pub fn paste(&mut self, text: &str) {
        if std::mem::take(&mut self.replaces) {
            self.input.reset();
        }
        self.input = fit::insert(&self.input, text);
        self.error = None;
        self.recheck();
    }

    fn recheck(&mut self) {
        let Some(check) = self.check else { return };
        match check.verdict(self.input.value()) {
            Ok(hint) => (self.hint, self.error) = (Some(hint), None),
            Err(problem) => (self.hint, self.error) = (None, Some(problem)),
        }
    }

    pub fn draw(&self, frame: &mut Frame<'_>, main: Rect, look: &Look<'_>) {
        // As wide as the title (at least 60) and the text it opened with
        // (and the cursor after it) while the window allows; a title wider
        // than that is cut in the border and shown whole, wrapped, inside.
        let title_len = self.title.chars().count();
        let wanted = (title_len + 4).max(self.opened_with + 3).max(60);
        let width = u16::try_from(wanted).unwrap_or(u16::MAX).min(main.width);
        let inner = usize::from(width.saturating_sub(2)).max(1);
        let fits = title_len + 2 <= inner;
        let mut lines = Vec::new();
        let title_rows = if fits { 0 } else { title_len.div_ceil(inner) };
        if !fits {
            lines.push(Line::from(Span::styled(self.title.clone(), look.theme.dim())));
        }
        // One line that scrolls sideways, never wraps: a long path or note
        // keeps its end and the cursor in view.
        let (shown, cursor) = fit::input_view(&self.input, inner);
        lines.push(if self.replaces { Line::styled(shown, look.theme.selected()) } else { Line::raw(shown) });
        let below = match (&self.error, &self.hint) {
            (Some(e), _) => Some(Span::styled(e.clone(), look.theme.error())),
            (None, Some(hint)) => Some(Span::styled(hint.clone(), look.theme.dim())),
            (None, None) if self.replaces => Some(Span::styled(REPLACES, look.theme.dim())),
            (None, None) => None,
        };
        // An error wraps (a missing file names its whole path): the box
        // grows by the rows it takes, counted as the box will wrap it (word
        // by word, so a long word carried over can take a row more than its
        // length suggests), and a blank last row.
        let below_rows = below.as_ref().map_or(0, |span| {
            let wrapped = Paragraph::new(Line::from(span.clone())).wrap(Wrap { trim: false });
            wrapped.line_count(u16::try_from(inner).unwrap_or(u16::MAX)).max(1)
        });
        lines.extend(below.map(Line::from));
        let rows = title_rows + 1 + below_rows + 1;
        let height = u16::try_from(rows).unwrap_or(u16::MAX).saturating_add(2);
        let area = centred(main, width, height);
        let title = if fits { self.title.clone() } else { fit::clip(&self.title, inner.saturating_sub(2)) };
        popup(frame, look.theme, area, &title, lines);
        let x = area.x + 1 + u16::try_from(cursor).unwrap_or(0);
        let y = area.y + 1 + u16::try_from(title_rows).unwrap_or(0);
        frame.set_cursor_position((x, y.min(area.bottom().saturating_sub(1))));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::flow::FilterField;

    fn prompt(modal: Modal) -> Prompt {
        let Modal::Prompt(p) = modal else { unreachable!("a prompt") };
        p
    }

    fn type_in(p: &mut Prompt, keys: &[KeyCode]) {
        for code in keys {
            let _ = p.handle(KeyEvent::new(*code, KeyModifiers::NONE));
        }
    }

    fn chars(text: &str) -> Vec<KeyCode> {
        text.chars().map(KeyCode::Char).collect()
    }

    #[test]
    fn a_value_it_opened_with_is_replaced_by_typing_and_kept_by_a_move() {
        let then = Then::Filter(FilterField::Since);
        let mut retyped = prompt(ask("Daily limit", "1500", then.clone()));
        type_in(&mut retyped, &chars("2000"));
        assert_eq!(retyped.input.value(), "2000");
        let mut edited = prompt(ask("Daily limit", "1500", then.clone()));
        type_in(&mut edited, &[KeyCode::End, KeyCode::Backspace, KeyCode::Char('9')]);
        assert_eq!(edited.input.value(), "1509");
        let mut cleared = prompt(ask("Daily limit", "1500", then.clone()));
        type_in(&mut cleared, &[KeyCode::Backspace]);
        assert_eq!(cleared.input.value(), "");
        let mut extended = prompt(ask_to_extend("Conditions", "source=Facebook", then, Check::Conditions));
        type_in(&mut extended, &chars("; tag=vip"));
        assert_eq!(extended.input.value(), "source=Facebook; tag=vip");
    }
}
