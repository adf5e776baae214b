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
use crate::tui::widgets::fit;

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
        let area = centred(main, WIDTH, main.height);
        let inner = usize::from(area.width.saturating_sub(2)).max(1);
        body.extend(self.lines.iter().flat_map(|l| hanging(&format!("  {l}"), inner)).map(Line::raw));
        body.push(Line::raw(""));
        let keys = |action| look.keymap.help_keys(Context::Confirm, action);
        body.push(Line::from(vec![
            Span::styled(keys(Action::Confirm), theme.accent()),
            Span::raw(" confirm   "),
            Span::styled(keys(Action::Cancel), theme.accent()),
            Span::raw(" cancel"),
        ]));
        // Long lines wrap: the box grows by the lines they take.
        let rows: usize = body.iter().map(|l| l.width().max(1).div_ceil(inner)).sum();
        let h = u16::try_from(rows).unwrap_or(u16::MAX).saturating_add(2);
        popup(frame, theme, centred(main, WIDTH, h), "Confirm", body);
    }
}

/// A plan line in rows of `width`: a line too long goes on under its own
/// indent and two more (`all members at limit or off shift` under its count,
/// not back at the edge).
fn hanging(line: &str, width: usize) -> Vec<String> {
    // A line that fits keeps its spacing (the figures of a column line up).
    if line.chars().count() <= width {
        return vec![line.to_string()];
    }
    let indent = line.len() - line.trim_start().len();
    let body = width.saturating_sub(indent + 2).max(8);
    fit::wrap(line.trim_start(), body)
        .into_iter()
        .enumerate()
        .map(|(i, part)| format!("{}{part}", " ".repeat(if i == 0 { indent } else { indent + 2 })))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_plan_line_goes_on_under_its_indent() {
        let lines = hanging("    12 × all members at limit or off shift", 30);
        assert_eq!(lines, ["    12 × all members at", "      limit or off shift"]);
        assert_eq!(hanging("    Tom                  3", 30), ["    Tom                  3"]);
    }
}
