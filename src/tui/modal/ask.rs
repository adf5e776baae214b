//! "No lead has source 'LinkdIn'. Did you mean LinkedIn?": a question with
//! a few values to pick instead. Enter picks the highlighted one, y goes on
//! with what was typed (where a value no lead has yet may still be right;
//! a status that is no stage never is), Esc goes back to it; each answers
//! the continuation.

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::{Modal, Outcome, centred, popup};
use crate::tui::flow::{Answer, Look, Pick, Then};
use crate::tui::widgets::fit::clip;
use crate::tui::widgets::picker::moves;

/// Columns of the dialog, borders included.
const WIDTH: u16 = 64;

#[derive(Debug)]
pub struct Ask {
    pub question: String,
    pub choices: Vec<String>,
    pub cursor: usize,
    pub then: Then,
    /// Whether `y` may keep the value as typed.
    pub may_keep: bool,
}

/// A question offering `choices` in place of a value, answering `then`.
pub fn ask(question: impl Into<String>, choices: Vec<String>, then: Then) -> Modal {
    Modal::Ask(Ask { question: question.into(), choices, cursor: 0, then, may_keep: true })
}

/// [`ask`] for a value that can only be wrong as typed: no `y`.
pub fn ask_to_correct(question: impl Into<String>, choices: Vec<String>, then: Then) -> Modal {
    Modal::Ask(Ask { question: question.into(), choices, cursor: 0, then, may_keep: false })
}

impl Ask {
    pub fn handle(&mut self, key: KeyEvent) -> Outcome {
        if key.modifiers.contains(KeyModifiers::CONTROL) && !matches!(moves(key), KeyCode::Up | KeyCode::Down) {
            return Outcome::Keep;
        }
        match moves(key) {
            KeyCode::Esc => Outcome::Answer(self.then.clone(), Answer::Back),
            KeyCode::Char('y' | 'Y') if self.may_keep => Outcome::Answer(self.then.clone(), Answer::Anyway),
            KeyCode::Enter => match self.choices.get(self.cursor) {
                Some(value) => Outcome::Answer(self.then.clone(), Answer::Pick(Pick::Name(value.clone()))),
                None => Outcome::Keep,
            },
            KeyCode::Down | KeyCode::Tab | KeyCode::Char('j') => {
                self.cursor = (self.cursor + 1).min(self.choices.len().saturating_sub(1));
                Outcome::Keep
            }
            KeyCode::Up | KeyCode::BackTab | KeyCode::Char('k') => {
                self.cursor = self.cursor.saturating_sub(1);
                Outcome::Keep
            }
            _ => Outcome::Keep,
        }
    }

    pub fn draw(&self, frame: &mut Frame<'_>, main: Rect, look: &Look<'_>) {
        let theme = look.theme;
        let inner = usize::from(WIDTH.min(main.width).saturating_sub(2));
        let mut body = vec![Line::from(Span::styled(self.question.clone(), theme.warn())), Line::raw("")];
        for (i, value) in self.choices.iter().enumerate() {
            let (mark, style) = if i == self.cursor { ("▶ ", theme.selected()) } else { ("  ", Default::default()) };
            body.push(Line::from(Span::styled(format!("{mark}{}", clip(value, inner.saturating_sub(2))), style)));
        }
        body.push(Line::raw(""));
        let mut keys = Vec::new();
        if self.may_keep {
            keys.extend([Span::styled("y", theme.accent()), Span::raw(" save anyway · ")]);
        }
        if !self.choices.is_empty() {
            keys.extend([Span::styled("Enter", theme.accent()), Span::raw(" pick · ")]);
        }
        keys.extend([Span::styled("Esc", theme.accent()), Span::raw(" back")]);
        body.push(Line::from(keys));
        // The question wraps: the box grows by the lines it takes.
        let rows: usize = body.iter().map(|l| l.width().max(1).div_ceil(inner.max(1))).sum();
        let height = u16::try_from(rows).unwrap_or(u16::MAX).saturating_add(2);
        popup(frame, theme, centred(main, WIDTH, height), "Check", body);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::flow::{FilterField, Then};

    fn press(a: &mut Ask, code: KeyCode) -> Outcome {
        a.handle(KeyEvent::new(code, KeyModifiers::NONE))
    }

    #[test]
    fn enter_picks_y_goes_on_and_esc_goes_back() {
        let Modal::Ask(mut a) = ask("?", vec!["LinkedIn".into(), "Link".into()], Then::Filter(FilterField::Source))
        else {
            unreachable!()
        };
        let _ = press(&mut a, KeyCode::Down);
        assert!(
            matches!(press(&mut a, KeyCode::Enter), Outcome::Answer(_, Answer::Pick(Pick::Name(v))) if v == "Link")
        );
        assert!(matches!(press(&mut a, KeyCode::Char('y')), Outcome::Answer(_, Answer::Anyway)));
        assert!(matches!(press(&mut a, KeyCode::Esc), Outcome::Answer(_, Answer::Back)));
        a.choices.clear();
        assert!(matches!(press(&mut a, KeyCode::Enter), Outcome::Keep), "nothing to pick");
        let Modal::Ask(mut status) = ask_to_correct("?", vec!["Qualified".into()], Then::Filter(FilterField::Source))
        else {
            unreachable!()
        };
        assert!(matches!(press(&mut status, KeyCode::Char('y')), Outcome::Keep), "no status is kept as mistyped");
    }
}
