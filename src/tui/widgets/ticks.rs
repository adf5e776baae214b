//! A tick list for a set (a group's pick-up statuses, the filter's
//! statuses): Space ticks or unticks, Enter gives the ticked values in the
//! list's order, Esc leaves them as they were. It opens with the current set ticked.

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, List, ListItem, ListState};

use super::fit::clip;
use super::picker::{Choice, moves};
use crate::tui::theme::Theme;

#[derive(Debug, Clone)]
pub struct Ticks<T> {
    pub title: String,
    pub choices: Vec<Choice<T>>,
    pub ticked: Vec<bool>,
    pub cursor: usize,
}

/// What a key did to the list.
pub enum Ticked<T> {
    Done(Vec<T>),
    Cancelled,
    Open,
}

impl<T: Clone + PartialEq> Ticks<T> {
    /// `choices`, those whose value is in `current` ticked.
    pub fn new(title: impl Into<String>, choices: Vec<Choice<T>>, current: &[T]) -> Ticks<T> {
        let ticked = choices.iter().map(|c| current.contains(&c.value)).collect();
        Ticks { title: title.into(), choices, ticked, cursor: 0 }
    }

    pub fn values(&self) -> Vec<T> {
        self.choices.iter().zip(&self.ticked).filter(|(_, t)| **t).map(|(c, _)| c.value.clone()).collect()
    }

    pub fn handle(&mut self, key: KeyEvent) -> Ticked<T> {
        match moves(key) {
            KeyCode::Esc => return Ticked::Cancelled,
            KeyCode::Enter => return Ticked::Done(self.values()),
            KeyCode::Char(' ') | KeyCode::Char('x') => {
                if let Some(t) = self.ticked.get_mut(self.cursor) {
                    *t = !*t;
                }
            }
            KeyCode::Down | KeyCode::Tab | KeyCode::Char('j') => {
                self.cursor = (self.cursor + 1).min(self.choices.len().saturating_sub(1));
            }
            KeyCode::Up | KeyCode::BackTab | KeyCode::Char('k') => self.cursor = self.cursor.saturating_sub(1),
            KeyCode::Home | KeyCode::Char('g') => self.cursor = 0,
            KeyCode::End | KeyCode::Char('G') => self.cursor = self.choices.len().saturating_sub(1),
            _ => {}
        }
        Ticked::Open
    }

    pub fn render(&self, frame: &mut Frame<'_>, area: Rect, theme: &Theme) {
        frame.render_widget(Clear, area);
        let block = Block::default()
            .borders(Borders::ALL)
            .title(format!(" {} ", clip(&self.title, usize::from(area.width.saturating_sub(4)))))
            .title_bottom(Line::styled(" Space ticks · Enter saves · Esc cancels ", theme.dim()))
            .border_style(theme.accent());
        let items: Vec<ListItem<'_>> = self
            .choices
            .iter()
            .zip(&self.ticked)
            .map(|(c, ticked)| {
                let mut spans = vec![Span::raw(if *ticked { "[x] " } else { "[ ] " }), Span::raw(c.label.clone())];
                if !c.detail.is_empty() {
                    spans.push(Span::styled(format!("  {}", c.detail), theme.dim()));
                }
                ListItem::new(Line::from(spans))
            })
            .collect();
        let list = List::new(items).block(block).highlight_style(theme.selected()).highlight_symbol("▶ ");
        let mut state = ListState::default().with_selected(Some(self.cursor));
        frame.render_stateful_widget(list, area, &mut state);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::crossterm::event::KeyModifiers;

    fn press(t: &mut Ticks<&'static str>, code: KeyCode) -> Ticked<&'static str> {
        t.handle(KeyEvent::new(code, KeyModifiers::NONE))
    }

    #[test]
    fn it_opens_with_the_current_set_ticked_and_space_toggles() {
        let choices = ["New", "Contacted", "Won"]
            .map(|n| Choice { label: n.to_string(), detail: String::new(), value: n })
            .to_vec();
        let mut t = Ticks::new("Pick-up statuses", choices, &["Won"]);
        assert_eq!(t.values(), ["Won"]);
        let _ = press(&mut t, KeyCode::Char(' '));
        let _ = press(&mut t, KeyCode::Down);
        let _ = press(&mut t, KeyCode::Down);
        let _ = press(&mut t, KeyCode::Char(' '));
        assert!(matches!(press(&mut t, KeyCode::Enter), Ticked::Done(v) if v == ["New"]));
        assert!(matches!(press(&mut t, KeyCode::Esc), Ticked::Cancelled));
    }
}
