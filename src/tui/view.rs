//! Drawing the frame: tabs, the filter bar, the visible pane, the status
//! bar, hints, and the modals on top. It reads state and never touches the
//! database or changes anything.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::action::Action;
use super::app::App;
use super::flow::{Look, Pane};
use super::run::thousands_of;
use super::theme::Theme;
use super::widgets::fit;
use crate::core::page::{Sort, SortKey};

/// Designed for 80×24; smaller windows lose rows of the panes (a 120×23
/// tmux pane works), and only below this is there too little to work with.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 12;

/// A count, or `…` while the one for the filter in force is being made (T8).
fn count(n: Option<i64>) -> String {
    n.map_or_else(|| "…".to_string(), thousands_of)
}

pub fn draw(frame: &mut Frame<'_>, app: &App, theme: &Theme) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let quit = app.keymap.label(super::keymap::Context::Global, super::action::Action::Quit);
        let text = format!(
            "terminal too small: leadrota needs at least {MIN_WIDTH}×{MIN_HEIGHT} (now {}×{}); {quit} quits",
            area.width, area.height
        );
        frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), area);
        return;
    }
    let look = app.look(theme);
    let notice = notice_rows(app, area.width);
    let [tabs, filter, main, notice_line, status, hints] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(notice),
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
        Pane::Workload => app.workload.draw(frame, main, &look, app.is_agent()),
    }
    if notice > 0 {
        draw_notice(frame, app, &look, notice_line);
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
    // The name only where it fits whole: a cut "lea" says nothing.
    let used: usize = spans.iter().map(Span::width).sum();
    if used + "leadrota".len() <= usize::from(area.width) {
        spans.push(Span::styled("leadrota", look.theme.dim()));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn draw_filter(frame: &mut Frame<'_>, look: &Look<'_>, area: Rect) {
    // The sort always shows; a long filter gives way with `…`.
    let sort = format!("   Sort: {}", sort_words(look.shared.sort));
    let room = usize::from(area.width).saturating_sub("Filter: ".len() + sort.chars().count());
    let line = Line::from(vec![
        Span::styled("Filter: ", look.theme.accent()),
        Span::raw(fit::clip(&look.shared.label, room)),
        Span::styled(sort, look.theme.dim()),
    ]);
    frame.render_widget(Paragraph::new(line), area);
}

/// A sort as a manager reads it: which end comes first, not an arrow
/// (`↑` on "age in stage" read as shortest first, and it was the longest).
fn sort_words(sort: Sort) -> &'static str {
    match (sort.key, sort.descending) {
        (SortKey::Created, false) => "oldest first",
        (SortKey::Created, true) => "newest first",
        (SortKey::Name, false) => "name A–Z",
        (SortKey::Name, true) => "name Z–A",
        (SortKey::Status, false) => "status, first stage first",
        (SortKey::Status, true) => "status, last stage first",
        (SortKey::Owner, false) => "owner A–Z, unassigned first",
        (SortKey::Owner, true) => "owner Z–A",
        (SortKey::AgeInStage, false) => "longest in stage first",
        (SortKey::AgeInStage, true) => "newest in stage first",
    }
}

/// The status bar. When the window is narrow the least useful parts go
/// first (the database name, then the unassigned count); the acting user,
/// the waiting figure, the selection and `row N of M` always stay: then the
/// user's name is cut with `…` (to 12 columns), then the figures are
/// abbreviated (`1.0M`), then the name is cut further; a figure never is.
fn draw_status(frame: &mut Frame<'_>, app: &App, look: &Look<'_>, area: Rect) {
    let room = usize::from(area.width);
    let mut parts = status_parts(app, look, false);
    for rank in [2, 1] {
        if width(&parts) > room {
            parts.retain(|p| p.2 != rank);
        }
    }
    cut_actor(&mut parts, room, 12);
    if width(&parts) > room {
        let actor = parts.first().cloned();
        parts = status_parts(app, look, true).into_iter().filter(|p| p.2 == 0).collect();
        if let (Some(actor), Some(first)) = (actor, parts.first_mut()) {
            *first = actor;
        }
        cut_actor(&mut parts, room, 6);
    }
    // The badge of who acts is followed by a figure, not by a separator.
    if let Some(next) = parts.get_mut(1)
        && let Some(rest) = next.0.strip_prefix(" · ")
    {
        next.0 = format!(" {rest}");
    }
    let spans: Vec<Span<'_>> = parts.into_iter().map(|(text, style, _)| Span::styled(text, style)).collect();
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The acting user's name (the first part) cut with … until the line fits
/// `room`, but to no fewer than `least` characters.
fn cut_actor(parts: &mut [StatusPart], room: usize, least: usize) {
    let over = width(parts).saturating_sub(room);
    if let Some(actor) = parts.first_mut().filter(|_| over > 0) {
        let name = actor.0.trim();
        let keep = name.chars().count().saturating_sub(over).max(least);
        actor.0 = format!(" {} ", fit::clip(name, keep));
    }
}

/// A part of the status bar: its text, its style, and the order it is
/// dropped in when the line is too long (0: never).
type StatusPart = (String, Style, u8);

fn width(parts: &[StatusPart]) -> usize {
    parts.iter().map(|p| p.0.chars().count()).sum()
}

/// The status bar's parts, with each figure in full or, when `short`, abbreviated.
fn status_parts(app: &App, look: &Look<'_>, short: bool) -> Vec<StatusPart> {
    let theme = look.theme;
    let c = &app.counts;
    let figure = |n: Option<i64>| match n {
        Some(n) if short => fit::short_count(n),
        n => count(n),
    };
    let (selected, position) = match app.active() {
        Some((w, _)) if w.generation != app.shared.generation() => ("0".to_string(), Some("searching…".to_string())),
        Some((w, matching)) => {
            // The board's ticks in other columns count too: a bulk change takes them.
            let elsewhere = if app.pane == Pane::Kanban {
                app.board.selected_elsewhere(&app.counts, app.shared.stamp())
            } else {
                0
            };
            let selected = match matching {
                Some(m) => figure(Some(w.picked.count(m) + elsewhere)),
                None if w.picked.is_empty() => figure(Some(elsewhere)),
                None => "…".to_string(),
            };
            let position = match matching {
                Some(m) if m > 0 => {
                    format!("row {} of {}", figure(Some(w.offset + w.cursor as i64 + 1)), figure(Some(m)))
                }
                Some(_) => "no rows".to_string(),
                None => "counting…".to_string(),
            };
            (selected, Some(position))
        }
        None => ("0".to_string(), None),
    };
    let path = app.store.path();
    let db = path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().to_string());
    let alert = app.config.unassigned_alert_hours;
    let waiting_style = if c.waiting.unwrap_or(0) > 0 { theme.warn() } else { theme.dim() };
    let mut parts: Vec<StatusPart> = vec![
        (format!(" {} ", app.actor_label()), theme.focus_tab(), 0),
        (format!(" {db}"), Style::default(), 2),
        (format!(" · unassigned {}", figure(c.unassigned)), Style::default(), 1),
        (format!(" · waiting >{alert}h {}", figure(c.waiting)), waiting_style, 0),
        (format!(" · selected {selected}"), Style::default(), 0),
    ];
    if let Some(position) = position {
        parts.push((format!(" · {position}"), Style::default(), 0));
    }
    parts
}

/// The hint bar: the pane's (or the drawer's) keys with the keymap's words,
/// as many as fit, and always the help key at the end.
fn draw_hints(frame: &mut Frame<'_>, app: &App, look: &Look<'_>, area: Rect) {
    let theme = look.theme;
    // Under a confirmation the pane's keys are still the ones worth knowing.
    let context = if app.context() == super::keymap::Context::Detail { app.context() } else { app.pane_context() };
    let help = look.keymap.hint(context, Action::Help);
    let help_width = help.as_ref().map_or(0, |(k, w)| k.chars().count() + w.chars().count() + 3);
    let room = usize::from(area.width).saturating_sub(help_width);
    let mut spans = Vec::new();
    let mut used = 0;
    for &action in app.hints().iter().filter(|a| **a != Action::Help) {
        let Some((key, words)) = look.keymap.hint(context, action) else { continue };
        let width = key.chars().count() + words.chars().count() + 3;
        if used + width > room {
            break;
        }
        used += width;
        spans.push(Span::styled(format!(" {key}"), theme.accent()));
        spans.push(Span::raw(format!(" {words} ")));
    }
    if let Some((key, words)) = help {
        spans.push(Span::raw(" ".repeat(room.saturating_sub(used))));
        spans.push(Span::styled(format!(" {key}"), theme.accent()));
        spans.push(Span::raw(format!(" {words} ")));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The last thing that happened, on its own lines above the status bar:
/// as many as it wraps to, up to three, so its end (often the key to press
/// next) is not lost at 80 columns.
fn draw_notice(frame: &mut Frame<'_>, app: &App, look: &Look<'_>, area: Rect) {
    let style = if app.notice.error { look.theme.error() } else { look.theme.ok() };
    frame.render_widget(notice_text(app).style(style), area);
}

fn notice_text(app: &App) -> Paragraph<'_> {
    Paragraph::new(format!(" {}", app.notice.text)).wrap(Wrap { trim: false })
}

fn notice_rows(app: &App, width: u16) -> u16 {
    if app.notice.text.is_empty() {
        return 0;
    }
    u16::try_from(notice_text(app).line_count(width)).unwrap_or(u16::MAX).clamp(1, 3)
}
