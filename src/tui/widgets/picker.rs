//! A list picker with fuzzy search as you type (nucleo-matcher, tui-input).

use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};
use ratatui::Frame;
use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, List, ListItem, ListState, Paragraph};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use crate::tui::theme::Theme;
use crate::tui::widgets::fit;

#[derive(Debug, Clone, PartialEq)]
pub struct Choice<T> {
    pub label: String,
    pub detail: String,
    pub value: T,
}

#[derive(Debug, Clone)]
pub struct Picker<T> {
    pub title: String,
    pub choices: Vec<Choice<T>>,
    pub input: Input,
    /// Indexes into `choices` that match the input, best first.
    pub matches: Vec<usize>,
    pub cursor: usize,
}

/// What a key did to the picker.
pub enum Picked<T> {
    Chosen(T),
    Cancelled,
    Open,
}

/// The key, with Ctrl-n / Ctrl-p read as Down / Up (the fzf habit), so
/// that lists move alike while letters type.
pub fn moves(key: KeyEvent) -> KeyCode {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Char('n') if ctrl => KeyCode::Down,
        KeyCode::Char('p') if ctrl => KeyCode::Up,
        other => other,
    }
}

impl<T: Clone> Picker<T> {
    pub fn new(title: impl Into<String>, choices: Vec<Choice<T>>) -> Picker<T> {
        let matches = (0..choices.len()).collect();
        Picker { title: title.into(), choices, input: Input::default(), matches, cursor: 0 }
    }

    /// The cursor on the choice whose value is `current` (a rule's target,
    /// a lead's status), so that Enter keeps what is there.
    pub fn starting_on(mut self, current: &T) -> Picker<T>
    where
        T: PartialEq,
    {
        if let Some(at) = self.matches.iter().position(|&i| self.choices.get(i).is_some_and(|c| c.value == *current)) {
            self.cursor = at;
        }
        self
    }

    /// Narrow by pasted text, as if typed.
    pub fn paste(&mut self, text: &str) {
        self.input = fit::insert(&self.input, text);
        self.refilter();
    }

    fn refilter(&mut self) {
        let query = self.input.value();
        if query.trim().is_empty() {
            self.matches = (0..self.choices.len()).collect();
        } else {
            let pattern = Pattern::parse(query, CaseMatching::Ignore, Normalization::Smart);
            let mut matcher = Matcher::new(Config::DEFAULT);
            let mut buf = Vec::new();
            let mut scored: Vec<(u32, usize)> = self
                .choices
                .iter()
                .enumerate()
                .filter_map(|(i, c)| {
                    let score = pattern.score(Utf32Str::new(&c.label, &mut buf), &mut matcher)?;
                    Some((score, i))
                })
                .collect();
            // Best score first; equal scores keep the list's own order.
            scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
            self.matches = scored.into_iter().map(|(_, i)| i).collect();
        }
        self.cursor = 0;
    }

    pub fn handle(&mut self, key: KeyEvent) -> Picked<T> {
        match moves(key) {
            KeyCode::Esc => Picked::Cancelled,
            KeyCode::Enter => match self.matches.get(self.cursor).and_then(|&i| self.choices.get(i)) {
                Some(choice) => Picked::Chosen(choice.value.clone()),
                None => Picked::Open,
            },
            KeyCode::Down | KeyCode::Tab => {
                if self.cursor + 1 < self.matches.len() {
                    self.cursor += 1;
                }
                Picked::Open
            }
            KeyCode::Up | KeyCode::BackTab => {
                self.cursor = self.cursor.saturating_sub(1);
                Picked::Open
            }
            _ => {
                if self.input.handle_event(&Event::Key(key)).is_some() {
                    self.refilter();
                }
                Picked::Open
            }
        }
    }

    /// Columns the widest choice takes with its detail and the `▶ ` mark.
    pub fn widest(&self) -> usize {
        let width = |c: &Choice<T>| {
            c.label.chars().count() + if c.detail.is_empty() { 0 } else { c.detail.chars().count() + 2 }
        };
        self.choices.iter().map(width).max().unwrap_or(0) + 2
    }

    pub fn render(&self, frame: &mut Frame<'_>, area: Rect, theme: &Theme) {
        frame.render_widget(Clear, area);
        // A title or choice wider than the box is cut with `…`, never silently.
        let title = fit::clip(&self.title, usize::from(area.width.saturating_sub(4)));
        let block = Block::default()
            .borders(Borders::ALL)
            .title(format!(" {title} "))
            .title_bottom(Line::styled(" ↑↓ or C-n/C-p move · type to narrow ", theme.dim()))
            .border_style(theme.accent());
        let inner = block.inner(area);
        frame.render_widget(block, area);
        if inner.height < 2 || inner.width < 4 {
            return;
        }
        let (typed, cursor) = fit::input_view(&self.input, usize::from(inner.width - 2));
        let prompt = Line::from(vec![Span::styled("› ", theme.accent()), Span::raw(typed)]);
        frame.render_widget(Paragraph::new(prompt), Rect { height: 1, ..inner });
        frame.set_cursor_position((inner.x + 2 + u16::try_from(cursor).unwrap_or(0), inner.y));
        let room = usize::from(inner.width - 2);
        let items: Vec<ListItem<'_>> = self
            .matches
            .iter()
            .filter_map(|&i| self.choices.get(i))
            .map(|c| {
                let label = fit::clip(&c.label, room);
                let left = room.saturating_sub(label.chars().count() + 2);
                let mut spans = vec![Span::raw(label)];
                if !c.detail.is_empty() && left > 0 {
                    spans.push(Span::styled(format!("  {}", fit::clip(&c.detail, left)), theme.dim()));
                }
                ListItem::new(Line::from(spans))
            })
            .collect();
        let empty = items.is_empty();
        let list = List::new(items).highlight_style(theme.selected()).highlight_symbol("▶ ");
        let mut state = ListState::default().with_selected(Some(self.cursor));
        let list_area = Rect { y: inner.y + 1, height: inner.height - 1, ..inner };
        frame.render_stateful_widget(list, list_area, &mut state);
        if empty {
            frame.render_widget(Paragraph::new(Span::styled("no match", theme.dim())), list_area);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::crossterm::event::KeyModifiers;

    fn choices() -> Vec<Choice<i64>> {
        ["Tom", "Stephanie", "Lewis", "Denise"]
            .iter()
            .enumerate()
            .map(|(i, n)| Choice { label: n.to_string(), detail: String::new(), value: i as i64 })
            .collect()
    }

    fn type_text(p: &mut Picker<i64>, text: &str) {
        for c in text.chars() {
            let _ = p.handle(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
        }
    }

    #[test]
    fn typing_narrows_fuzzily_and_enter_picks_the_best() {
        let mut p = Picker::new("Assign to", choices());
        type_text(&mut p, "stph");
        assert!(matches!(p.handle(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)), Picked::Chosen(1)));
    }

    #[test]
    fn it_opens_on_the_current_value_and_ctrl_n_ctrl_p_move_while_letters_type() {
        let mut p = Picker::new("Status", choices()).starting_on(&2);
        assert!(matches!(p.handle(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)), Picked::Chosen(2)));
        let _ = p.handle(KeyEvent::new(KeyCode::Char('n'), KeyModifiers::CONTROL));
        assert!(matches!(p.handle(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)), Picked::Chosen(3)));
        let _ = p.handle(KeyEvent::new(KeyCode::Char('p'), KeyModifiers::CONTROL));
        let _ = p.handle(KeyEvent::new(KeyCode::Char('p'), KeyModifiers::CONTROL));
        assert!(matches!(p.handle(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)), Picked::Chosen(1)));
        assert_eq!(p.input.value(), "", "Ctrl-n and Ctrl-p type nothing");
        type_text(&mut p, "n");
        assert_eq!(p.input.value(), "n", "a plain n types");
    }

    #[test]
    fn no_match_then_enter_keeps_the_picker_open() {
        let mut p = Picker::new("Assign to", choices());
        type_text(&mut p, "zzz");
        assert!(p.matches.is_empty());
        assert!(matches!(p.handle(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)), Picked::Open));
    }
}
