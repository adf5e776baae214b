//! "Assign 312 leads to Tom?": a question, the plan's figures, and the
//! write it will run. Only the keymap's `[confirm]` keys answer it.

use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::{Outcome, Step, centred, popup};
use crate::tui::action::Action;
use crate::tui::flow::{Look, Pending};
use crate::tui::keymap::{Context, Keymap};

/// Columns of the dialog, borders included.
const WIDTH: u16 = 64;

#[derive(Debug)]
pub struct Confirm {
    pub title: String,
    pub lines: Vec<String>,
    pub pending: Pending,
}

impl Confirm {
    pub fn new(title: impl Into<String>, lines: Vec<String>, pending: Pending) -> Confirm {
        Confirm { title: title.into(), lines, pending }
    }

    pub fn handle(&mut self, key: KeyEvent, keymap: &Keymap) -> Outcome {
        match keymap.lookup(Context::Confirm, &key) {
            Some(Action::Confirm) => Outcome::CloseWith(Step::Run(self.pending.clone())),
            Some(Action::Cancel) => Outcome::CloseWith(Step::Say("cancelled".into())),
            _ => Outcome::Keep,
        }
    }

    pub fn draw(&self, frame: &mut Frame<'_>, main: Rect, look: &Look<'_>) {
        let theme = look.theme;
        let mut body: Vec<Line<'_>> = vec![Line::from(Span::styled(self.title.clone(), theme.warn())), Line::raw("")];
        body.extend(self.lines.iter().map(|l| Line::raw(format!("  {l}"))));
        body.push(Line::raw(""));
        let keys = |action| look.keymap.help_keys(Context::Confirm, action);
        body.push(Line::from(vec![
            Span::styled(keys(Action::Confirm), theme.accent()),
            Span::raw(" confirm   "),
            Span::styled(keys(Action::Cancel), theme.accent()),
            Span::raw(" cancel"),
        ]));
        // Long lines wrap: the box grows by the lines they take.
        let area = centred(main, WIDTH, main.height);
        let inner = usize::from(area.width.saturating_sub(2)).max(1);
        let rows: usize = body.iter().map(|l| l.width().max(1).div_ceil(inner)).sum();
        let h = u16::try_from(rows).unwrap_or(u16::MAX).saturating_add(2);
        popup(frame, theme, centred(main, WIDTH, h), "Confirm", body);
    }
}
