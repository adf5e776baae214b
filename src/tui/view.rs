//! Drawing: a pure view of the App. It reads state and never touches the
//! database or changes anything.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Clear, Paragraph, Row, Table, TableState, Wrap};

use super::action::Action;
use super::app::{App, Pane};
use super::keymap::Context;
use super::modal::{Detail, FilterField, Modal};
use super::theme::Theme;
use crate::core::time::{short_age, to_rfc3339};

pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

/// Rows of leads that fit in a terminal of `height` lines.
pub fn table_height(height: u16) -> usize {
    usize::from(height.saturating_sub(5)).max(1)
}

fn thousands(n: i64) -> String {
    let digits = n.abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

fn count(n: Option<i64>) -> String {
    n.map_or_else(|| "…".to_string(), thousands)
}

pub fn draw(frame: &mut Frame<'_>, app: &App, theme: &Theme) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let text = format!(
            "terminal too small: leadrota needs {MIN_WIDTH}×{MIN_HEIGHT} (now {}×{}); q quits",
            area.width, area.height
        );
        frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), area);
        return;
    }
    let [tabs, filter, main, status, hints] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    draw_tabs(frame, app, theme, tabs);
    draw_filter(frame, app, theme, filter);
    match app.pane {
        Pane::Leads => draw_leads(frame, app, theme, main),
        Pane::Kanban => super::panes::kanban::draw(frame, &app.board, &app.counts.columns, theme, main),
        Pane::Groups => super::panes::groups::draw(frame, &app.groups, theme, main),
        Pane::Routing => super::panes::routing::draw(frame, &app.routing, theme, main),
    }
    draw_status(frame, app, theme, status);
    draw_hints(frame, app, theme, hints);
    for modal in &app.modals {
        draw_modal(frame, app, theme, modal, main);
    }
}

fn draw_tabs(frame: &mut Frame<'_>, app: &App, theme: &Theme, area: Rect) {
    let mut spans = Vec::new();
    for (i, pane) in Pane::ALL.iter().enumerate() {
        let label = format!(" {} {} ", i + 1, pane.title());
        spans.push(if *pane == app.pane { Span::styled(label, theme.focus_tab()) } else { Span::raw(label) });
        spans.push(Span::raw(" "));
    }
    spans.push(Span::styled("leadrota", theme.dim()));
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn draw_filter(frame: &mut Frame<'_>, app: &App, theme: &Theme, area: Rect) {
    let sort = app.window.sort;
    let arrow = if sort.descending { "↓" } else { "↑" };
    let line = Line::from(vec![
        Span::styled("Filter: ", theme.accent()),
        Span::raw(app.filter_label.clone()),
        Span::styled(format!("   Sort: {} {arrow}", sort.key.as_str()), theme.dim()),
    ]);
    frame.render_widget(Paragraph::new(line), area);
}

fn draw_leads(frame: &mut Frame<'_>, app: &App, theme: &Theme, area: Rect) {
    let now = app.ctx.now_ts();
    let header = Row::new(["", "Name", "Company", "Source", "Status", "Owner", "Age"]).style(theme.header());
    let rows: Vec<Row<'_>> = app
        .window
        .rows
        .iter()
        .map(|lead| {
            let picked = app.window.picked.contains(lead.id);
            let owner = match &lead.owner {
                Some(o) => Cell::from(o.clone()),
                None => Cell::from(Span::styled("— unassigned", theme.warn())),
            };
            let row = Row::new(vec![
                Cell::from(if picked { "[x]" } else { "[ ]" }),
                Cell::from(lead.name.clone()),
                Cell::from(lead.company.clone()),
                Cell::from(lead.source.clone()),
                Cell::from(lead.status.clone()),
                owner,
                Cell::from(short_age(now - lead.created_at)),
            ]);
            if picked { row.style(theme.picked()) } else { row }
        })
        .collect();
    let widths = [
        Constraint::Length(3),
        Constraint::Percentage(24),
        Constraint::Percentage(22),
        Constraint::Percentage(13),
        Constraint::Percentage(11),
        Constraint::Percentage(16),
        Constraint::Length(5),
    ];
    let empty = rows.is_empty();
    let table = Table::new(rows, widths)
        .header(header)
        .row_highlight_style(theme.selected())
        .highlight_symbol("▶")
        .column_spacing(1);
    let mut state = TableState::default().with_selected((!empty).then_some(app.window.cursor));
    frame.render_stateful_widget(table, area, &mut state);
    if empty {
        let y = area.y.saturating_add(1).min(area.bottom().saturating_sub(1));
        let line = Rect { y, height: 1, ..area };
        frame.render_widget(Paragraph::new(Span::styled("  no lead matches this filter", theme.dim())), line);
    }
}

fn draw_status(frame: &mut Frame<'_>, app: &App, theme: &Theme, area: Rect) {
    let c = &app.counts;
    let matching = app.active_matching();
    let (selected, position) = match app.active() {
        Some(w) => {
            let selected = match matching {
                Some(m) => thousands(w.picked.count(m)),
                None if w.picked.is_empty() => "0".to_string(),
                None => "…".to_string(),
            };
            let position = match matching {
                Some(m) if m > 0 => format!(" · row {} of {}", thousands(w.offset + w.cursor as i64 + 1), thousands(m)),
                Some(_) => " · no rows".to_string(),
                None => " · counting…".to_string(),
            };
            (selected, position)
        }
        None => ("0".to_string(), String::new()),
    };
    let db = app
        .store
        .path()
        .file_name()
        .map_or_else(|| app.store.path().display().to_string(), |n| n.to_string_lossy().to_string());
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

fn hint_actions(app: &App) -> Vec<Action> {
    match app.modals.last() {
        Some(Modal::Detail(_)) => vec![Action::ChangeOwner, Action::ChangeStatus, Action::AddNote, Action::Back],
        _ if app.is_agent() => vec![
            Action::Pickup,
            Action::Search,
            Action::FilterPanel,
            Action::ToggleUnassigned,
            Action::Open,
            Action::Help,
        ],
        _ if app.pane == Pane::Groups && app.groups.section == super::panes::groups::Section::Users => vec![
            Action::NewItem,
            Action::CycleRole,
            Action::ToggleLeave,
            Action::ToggleCanPickup,
            Action::Deactivate,
            Action::Activate,
            Action::SwitchSection,
            Action::Help,
        ],
        _ if app.pane == Pane::Groups => vec![
            Action::NewItem,
            Action::CycleMethod,
            Action::SetDaily,
            Action::SetMonthly,
            Action::AddMember,
            Action::RemoveMember,
            Action::MoveItemUp,
            Action::SwitchSection,
            Action::Help,
        ],
        _ if app.pane == Pane::Routing => vec![
            Action::ToggleAutoAssign,
            Action::ToggleDuplicates,
            Action::NewItem,
            Action::EditItem,
            Action::Delete,
            Action::MoveItemUp,
            Action::Preview,
            Action::Help,
        ],
        _ if app.pane == Pane::Kanban => vec![
            Action::Left,
            Action::Right,
            Action::MovePrev,
            Action::MoveNext,
            Action::Assign,
            Action::Rotate,
            Action::SelectAll,
            Action::ToggleUnassigned,
            Action::Help,
        ],
        _ => vec![
            Action::Assign,
            Action::Reassign,
            Action::Unassign,
            Action::Rotate,
            Action::Undo,
            Action::ToggleSelect,
            Action::SelectAll,
            Action::Search,
            Action::FilterPanel,
            Action::ToggleUnassigned,
            Action::Help,
        ],
    }
}

fn draw_hints(frame: &mut Frame<'_>, app: &App, theme: &Theme, area: Rect) {
    if !app.notice.text.is_empty() {
        let style = if app.notice.error { theme.error() } else { theme.ok() };
        frame.render_widget(Paragraph::new(Span::styled(format!(" {}", app.notice.text), style)), area);
        return;
    }
    let context = app.context();
    let mut spans = Vec::new();
    for action in hint_actions(app) {
        if let Some(key) = app.keymap.key_for(context, action) {
            spans.push(Span::styled(format!(" {key}"), theme.accent()));
            spans.push(Span::raw(format!(" {}", action.name().replace('_', " "))));
        }
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// A centred box of at most `w`×`h` inside `area`.
fn centred(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect { x: area.x + (area.width - w) / 2, y: area.y + (area.height - h) / 2, width: w, height: h }
}

fn popup<'a>(frame: &mut Frame<'_>, theme: &Theme, area: Rect, title: &str, lines: Vec<Line<'a>>) {
    frame.render_widget(Clear, area);
    let block = Block::default().borders(Borders::ALL).title(format!(" {title} ")).border_style(theme.accent());
    frame.render_widget(Paragraph::new(lines).block(block).wrap(Wrap { trim: false }), area);
}

fn draw_modal(frame: &mut Frame<'_>, app: &App, theme: &Theme, modal: &Modal, main: Rect) {
    match modal {
        Modal::Help => draw_help(frame, app, theme, main),
        Modal::Confirm { title, lines, .. } => {
            let mut body: Vec<Line<'_>> = vec![Line::from(Span::styled(title.clone(), theme.warn())), Line::raw("")];
            body.extend(lines.iter().map(|l| Line::raw(format!("  {l}"))));
            body.push(Line::raw(""));
            body.push(Line::from(vec![
                Span::styled("y", theme.accent()),
                Span::raw(" / Enter confirm   "),
                Span::styled("n", theme.accent()),
                Span::raw(" / Esc cancel"),
            ]));
            let h = (body.len() as u16).saturating_add(2);
            popup(frame, theme, centred(main, 64, h), "Confirm", body);
        }
        Modal::Picker { picker, .. } => picker.render(frame, centred(main, 50, 16), theme),
        Modal::Search(input) => {
            let area = Rect { y: main.bottom().saturating_sub(3), height: 3, ..main };
            let text = Line::from(vec![Span::styled("/ ", theme.accent()), Span::raw(input.value().to_string())]);
            popup(frame, theme, area, "Search name, email, phone, company — Enter keeps, Esc clears", vec![text]);
            let x = area.x + 3 + input.visual_cursor().min(usize::from(area.width.saturating_sub(5))) as u16;
            frame.set_cursor_position((x, area.y + 1));
        }
        Modal::FilterPanel(row) => {
            let lines: Vec<Line<'_>> = FilterField::ALL
                .iter()
                .enumerate()
                .map(|(i, f)| {
                    let label = format!(" {} ", f.label());
                    if i == *row { Line::from(Span::styled(label, theme.selected())) } else { Line::raw(label) }
                })
                .collect();
            popup(frame, theme, centred(main, 40, 11), "Filter — Enter edits, Esc closes", lines);
        }
        Modal::Prompt { title, input, error, .. } => {
            let mut lines = vec![Line::raw(input.value().to_string())];
            if let Some(e) = error {
                lines.push(Line::from(Span::styled(e.clone(), theme.error())));
            }
            let area = centred(main, 60, 4 + u16::from(error.is_some()));
            popup(frame, theme, area, title, lines);
            let x = area.x + 1 + input.visual_cursor().min(usize::from(area.width.saturating_sub(3))) as u16;
            frame.set_cursor_position((x, area.y + 1));
        }
        Modal::Detail(detail) => draw_detail(frame, theme, detail, main, app.ctx.now_ts()),
    }
}

fn draw_detail(frame: &mut Frame<'_>, theme: &Theme, d: &Detail, main: Rect, now: i64) {
    let width = (main.width * 55 / 100).max(40).min(main.width);
    let area = Rect { x: main.right() - width, width, ..main };
    let l = &d.lead;
    let field =
        |name: &str, value: String| Line::from(vec![Span::styled(format!("{name:<9}"), theme.dim()), Span::raw(value)]);
    let mut lines = vec![
        Line::from(Span::styled(format!("#{} {}", l.id, l.name), theme.header())),
        field("email", l.email.clone()),
        field("phone", l.phone.clone()),
        field("company", l.company.clone()),
        field("source", l.source.clone()),
        field("status", format!("{} (for {})", l.status, short_age(now - l.status_changed_at))),
        field("tags", l.tags.join(", ")),
        field("owner", l.owner.clone().unwrap_or_else(|| "— unassigned".into())),
        field("created", to_rfc3339(l.created_at)),
        Line::raw(""),
        Line::from(Span::styled("Why this owner", theme.accent())),
        Line::raw(d.explanation.clone()),
        Line::raw(""),
        Line::from(Span::styled("Activity", theme.accent())),
    ];
    for a in d.activity.iter().skip(d.scroll) {
        let what = match (&a.from, &a.to) {
            (Some(f), Some(t)) => format!("{} {f} → {t}", a.kind),
            (None, Some(t)) => format!("{} → {t}", a.kind),
            (Some(f), None) => format!("{} {f} →", a.kind),
            (None, None) => a.kind.clone(),
        };
        let note = a.note.as_ref().map(|n| format!(": {n}")).unwrap_or_default();
        lines.push(Line::from(vec![
            Span::styled(format!("{} ", &to_rfc3339(a.at)[..16]), theme.dim()),
            Span::raw(format!("{} {what}{note} ", a.actor)),
            Span::styled(format!("({})", a.via), theme.dim()),
        ]));
    }
    popup(frame, theme, area, "Lead — o owner · S status · n note · Esc close", lines);
}

fn draw_help(frame: &mut Frame<'_>, app: &App, theme: &Theme, main: Rect) {
    let mut lines = Vec::new();
    let mut section = |title: &str, rows: Vec<(String, String)>| {
        lines.push(Line::from(Span::styled(title.to_string(), theme.accent())));
        for (keys, desc) in rows {
            lines.push(Line::from(vec![Span::styled(format!("  {keys:<16}"), theme.header()), Span::raw(desc)]));
        }
    };
    section("Everywhere", app.keymap.help(Context::Global));
    match app.context() {
        Context::Detail => section("Lead details", app.keymap.help(Context::Detail)),
        Context::Kanban => {
            section("Board", app.keymap.help(Context::Kanban));
            section("Also on the board, as in Leads", app.keymap.help(Context::Leads));
        }
        Context::Groups => section("Groups and users", app.keymap.help(Context::Groups)),
        Context::Routing => section("Routing", app.keymap.help(Context::Routing)),
        _ => section("Leads", app.keymap.help(Context::Leads)),
    }
    section(
        "Pickers and prompts",
        vec![
            ("type".into(), "Narrow the list (fuzzy)".into()),
            ("↑/↓".into(), "Move".into()),
            ("Enter".into(), "Choose / confirm".into()),
            ("Esc".into(), "Cancel".into()),
        ],
    );
    let h = (lines.len() as u16 + 2).min(main.height);
    popup(frame, theme, centred(main, 70, h), "Keys — Esc closes", lines);
}
