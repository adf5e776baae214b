//! Drawing the frame: tabs, the filter bar, the visible pane, the status
//! bar, hints, and the modals on top. It reads state and never touches the
//! database or changes anything.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::app::App;
use super::flow::{Look, Pane};
use super::run::thousands;
use super::theme::Theme;

pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

/// A count, or `…` while the one for the filter in force is being made (T8).
fn count(n: Option<i64>) -> String {
    n.map_or_else(|| "…".to_string(), |n| thousands(usize::try_from(n).unwrap_or(0)))
}

pub fn draw(frame: &mut Frame<'_>, app: &App, theme: &Theme) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let quit = app.keymap.label(super::keymap::Context::Global, super::action::Action::Quit);
        let text = format!(
            "terminal too small: leadrota needs {MIN_WIDTH}×{MIN_HEIGHT} (now {}×{}); {quit} quits",
            area.width, area.height
        );
        frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), area);
        return;
    }
    let look = app.look(theme);
    let [tabs, filter, main, status, hints] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    draw_tabs(frame, app, &look, tabs);
    draw_filter(frame, &look, filter);
    match app.pane {
        Pane::Leads => app.leads.draw(frame, main, &look),
        Pane::Kanban => app.board.draw(frame, main, &look),
        Pane::Groups => app.groups.draw(frame, main, &look),
        Pane::Users => app.users.draw(frame, main, &look),
        Pane::Routing => app.routing.draw(frame, main, &look),
    }
    draw_status(frame, app, &look, status);
    draw_hints(frame, app, &look, hints);
    for modal in &app.modals {
        modal.draw(frame, main, &look);
    }
}

fn draw_tabs(frame: &mut Frame<'_>, app: &App, look: &Look<'_>, area: Rect) {
    let mut spans = Vec::new();
    for (i, pane) in Pane::TABS.iter().enumerate() {
        let label = format!(" {} {} ", i + 1, pane.title());
        let on = *pane == app.pane.tab();
        spans.push(if on { Span::styled(label, look.theme.focus_tab()) } else { Span::raw(label) });
        spans.push(Span::raw(" "));
    }
    spans.push(Span::styled("leadrota", look.theme.dim()));
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn draw_filter(frame: &mut Frame<'_>, look: &Look<'_>, area: Rect) {
    let sort = look.shared.sort;
    let arrow = if sort.descending { "↓" } else { "↑" };
    let line = Line::from(vec![
        Span::styled("Filter: ", look.theme.accent()),
        Span::raw(look.shared.label.clone()),
        Span::styled(format!("   Sort: {} {arrow}", sort.key.as_str()), look.theme.dim()),
    ]);
    frame.render_widget(Paragraph::new(line), area);
}

fn draw_status(frame: &mut Frame<'_>, app: &App, look: &Look<'_>, area: Rect) {
    let theme = look.theme;
    let c = &app.counts;
    let (selected, position) = match app.active() {
        Some((w, _)) if w.generation != app.shared.generation() => ("0".to_string(), " · searching…".to_string()),
        Some((w, matching)) => {
            let selected = match matching {
                Some(m) => count(Some(w.picked.count(m))),
                None if w.picked.is_empty() => "0".to_string(),
                None => "…".to_string(),
            };
            let position = match matching {
                Some(m) if m > 0 => {
                    format!(" · row {} of {}", count(Some(w.offset + w.cursor as i64 + 1)), count(Some(m)))
                }
                Some(_) => " · no rows".to_string(),
                None => " · counting…".to_string(),
            };
            (selected, position)
        }
        None => ("0".to_string(), String::new()),
    };
    let path = app.store.path();
    let db = path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().to_string());
    let alert = app.config.unassigned_alert_hours;
    let waiting = c.waiting.unwrap_or(0);
    let spans = vec![
        Span::styled(format!(" {} ", app.actor_label()), theme.focus_tab()),
        Span::raw(format!(" {db} · unassigned {} · ", count(c.unassigned))),
        Span::styled(
            format!("waiting >{alert}h {}", count(c.waiting)),
            if waiting > 0 { theme.warn() } else { theme.dim() },
        ),
        Span::raw(format!(" · selected {selected}{position}")),
    ];
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn draw_hints(frame: &mut Frame<'_>, app: &App, look: &Look<'_>, area: Rect) {
    let theme = look.theme;
    if !app.notice.text.is_empty() {
        let style = if app.notice.error { theme.error() } else { theme.ok() };
        frame.render_widget(Paragraph::new(Span::styled(format!(" {}", app.notice.text), style)), area);
        return;
    }
    // Under a confirmation the pane's keys are still the ones worth knowing.
    let context = if app.context() == super::keymap::Context::Detail { app.context() } else { app.pane_context() };
    let mut spans = Vec::new();
    for &action in app.hints() {
        if let Some(key) = app.keymap.key_for(context, action) {
            spans.push(Span::styled(format!(" {key}"), theme.accent()));
            spans.push(Span::raw(format!(" {}", action.name().replace('_', " "))));
        }
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
