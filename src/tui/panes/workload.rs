//! Workload (T9): what a manager would rather see than read. Open leads per
//! owner as bars split by stage, each group member's deliveries today and
//! this month against the limits as gauges (with caps and shifts), and new
//! versus still-unassigned leads per day as sparklines. The figures come
//! from the worker thread (`report::chart`); this pane only draws them. Each
//! stage has its own fill character and every gauge its numbers, so nothing
//! is told by colour alone (`NO_COLOR`).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, LineGauge, Paragraph, Sparkline};

use crate::core::error::{Result, thousands};
use crate::core::report::{Chart, DayIntake, OwnerBar};
use crate::core::rotation::Candidate;
use crate::tui::action::Action;
use crate::tui::flow::{Env, Look};
use crate::tui::modal::Step;
use crate::tui::theme::Theme;
use crate::tui::widgets::fit::{clip, clip_reason};
use crate::tui::worker::{INTAKE_DAYS, Workload};

/// The fill of each open stage's part of a bar, in stage order.
const FILLS: [&str; 6] = ["█", "▓", "▒", "░", "▚", "▞"];
const COLOURS: [Color; 6] = [Color::Cyan, Color::Blue, Color::Magenta, Color::Yellow, Color::Green, Color::Red];
/// Side by side from this width; stacked below it (80×24 included).
const WIDE: u16 = 120;

/// The part of the pane the cursor keys scroll.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Section {
    #[default]
    Owners,
    Members,
}

#[derive(Debug, Default)]
pub struct WorkloadPane {
    /// The latest figures from the worker, with the stamp they were made for.
    pub figures: Option<Workload>,
    pub focus: Section,
    pub owner_offset: usize,
    pub member_offset: usize,
}

/// One line of the gauges list: a group's name, or one of its members.
enum MemberRow<'a> {
    Group(&'a str),
    Member(&'a Candidate),
}

fn member_rows(chart: &Chart) -> Vec<MemberRow<'_>> {
    let mut rows = Vec::new();
    for g in &chart.groups {
        rows.push(MemberRow::Group(&g.group));
        rows.extend(g.members.iter().map(MemberRow::Member));
    }
    rows
}

impl WorkloadPane {
    pub fn hints() -> &'static [Action] {
        &[Action::SwitchSection, Action::Down, Action::Up, Action::Help]
    }

    /// Keep the newest figures.
    pub fn install(&mut self, figures: Workload) {
        self.figures = Some(figures);
        self.clamp();
    }

    fn lengths(&self) -> (usize, usize) {
        self.figures.as_ref().map_or((0, 0), |f| (f.chart.owners.len(), member_rows(&f.chart).len()))
    }

    fn clamp(&mut self) {
        let (owners, members) = self.lengths();
        self.owner_offset = self.owner_offset.min(owners.saturating_sub(1));
        self.member_offset = self.member_offset.min(members.saturating_sub(1));
    }

    pub fn on_action(&mut self, action: Action, _env: &mut Env<'_>) -> Result<Option<Step>> {
        let offset = match self.focus {
            Section::Owners => &mut self.owner_offset,
            Section::Members => &mut self.member_offset,
        };
        match action {
            Action::SwitchSection => {
                self.focus = if self.focus == Section::Owners { Section::Members } else { Section::Owners };
            }
            Action::Down => *offset += 1,
            Action::Up => *offset = offset.saturating_sub(1),
            Action::PageDown => *offset += 10,
            Action::PageUp => *offset = offset.saturating_sub(10),
            Action::Top => *offset = 0,
            _ => {}
        }
        self.clamp();
        Ok(None)
    }

    pub fn draw(&self, frame: &mut Frame<'_>, area: Rect, look: &Look<'_>, agent: bool) {
        let theme = look.theme;
        let Some(figures) = self.figures.as_ref().filter(|_| !agent) else {
            let text = if agent { " the workload is for admins and managers" } else { " reading the workload…" };
            frame.render_widget(Paragraph::new(Span::styled(text, theme.dim())), area);
            return;
        };
        // Lead counts belong to the filter they were made for (T8); deliveries do not depend on it.
        let current = figures.stamp.filter == look.shared.generation();
        let chart = &figures.chart;
        let spark_height = if area.height >= 40 { 10 } else { 4 };
        let [top, bottom] = Layout::vertical([Constraint::Min(6), Constraint::Length(spark_height)]).areas(area);
        let [owners, members] = if area.width >= WIDE {
            Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)]).areas(top)
        } else {
            Layout::vertical([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(top)
        };
        let focused = |section: Section, title: &str| {
            let on = self.focus == section;
            let title = if on { format!(" ▶ {title} ") } else { format!(" {title} ") };
            Block::default().borders(Borders::ALL).title(title).border_style(if on {
                theme.accent()
            } else {
                theme.dim()
            })
        };
        let block = focused(Section::Owners, "Open leads per owner, by stage");
        let inner = block.inner(owners);
        frame.render_widget(block, owners);
        draw_owners(frame, inner, chart, self.owner_offset, current, theme);
        if current {
            let shown = self.owner_offset + usize::from(inner.height).saturating_sub(1);
            more_below(frame, owners, chart.owners.len().saturating_sub(shown), theme);
        }
        let block = focused(Section::Members, "Deliveries today and this month against the limits");
        let inner = block.inner(members);
        frame.render_widget(block, members);
        draw_members(frame, inner, chart, self.member_offset, theme);
        let shown = self.member_offset + usize::from(inner.height).saturating_sub(1);
        more_below(frame, members, member_rows(chart).len().saturating_sub(shown), theme);
        let title = format!(" New and still-unassigned leads per day, last {INTAKE_DAYS} days ");
        let block = Block::default().borders(Borders::TOP).title(title).border_style(theme.dim());
        let inner = block.inner(bottom);
        frame.render_widget(block, bottom);
        if current {
            draw_intake(frame, inner, &chart.days, theme);
        } else {
            frame.render_widget(Paragraph::new(Span::styled(" …", theme.dim())), inner);
        }
    }
}

/// `fresh` is false while the figures belong to another filter: the bars
/// give way to `…` until the new ones arrive.
fn draw_owners(frame: &mut Frame<'_>, area: Rect, chart: &Chart, offset: usize, fresh: bool, theme: &Theme) {
    if area.height == 0 {
        return;
    }
    let mut legend: Vec<Span<'_>> = Vec::new();
    for (i, stage) in chart.stages.iter().enumerate() {
        legend.push(Span::styled(FILLS[i % FILLS.len()], stage_style(theme, i)));
        legend.push(Span::raw(format!(" {stage}  ")));
    }
    let mut lines = vec![Line::from(legend)];
    if !fresh {
        lines.push(Line::from(Span::styled(" …", theme.dim())));
    } else if chart.owners.is_empty() {
        lines.push(Line::from(Span::styled(" no open leads match the filter", theme.dim())));
    } else {
        let most = chart.owners.iter().map(OwnerBar::open).max().unwrap_or(0).max(1);
        // A wide pane shows more of a long name; the bars take the rest.
        let longest = chart.owners.iter().filter_map(|b| b.owner.as_ref()).map(|n| n.chars().count()).max();
        let name_width = if area.width >= 84 { longest.unwrap_or(0).clamp(14, 28) } else { 14 };
        let count_width = thousands(usize::try_from(most).unwrap_or(0)).chars().count() + 1;
        let bar_width = usize::from(area.width).saturating_sub(name_width + count_width + 2);
        let visible = usize::from(area.height).saturating_sub(1);
        for bar in chart.owners.iter().skip(offset).take(visible) {
            let name = bar.owner.as_deref().unwrap_or("(unassigned)");
            let mut spans = vec![Span::styled(format!("{:<name_width$} ", clip(name, name_width)), theme.header())];
            spans.extend(stacked(bar, most, bar_width, theme));
            spans.push(Span::raw(format!(" {}", thousands(usize::try_from(bar.open()).unwrap_or(0)))));
            lines.push(Line::from(spans));
        }
    }
    frame.render_widget(Paragraph::new(lines), area);
}

fn stage_style(theme: &Theme, i: usize) -> Style {
    if theme.color { Style::default().fg(COLOURS[i % COLOURS.len()]) } else { Style::default() }
}

/// One owner's bar, `width` cells for the busiest owner: each stage's share
/// rounded on the running total, so the parts add up to the whole bar.
fn stacked<'a>(bar: &OwnerBar, most: i64, width: usize, theme: &Theme) -> Vec<Span<'a>> {
    let cells = |n: i64| usize::try_from(n * width as i64 / most).unwrap_or(0);
    let mut spans = Vec::new();
    let (mut running, mut drawn) = (0, 0);
    for (i, &n) in bar.by_stage.iter().enumerate() {
        running += n;
        let upto = cells(running);
        let part = upto.saturating_sub(drawn);
        if part > 0 {
            spans.push(Span::styled(FILLS[i % FILLS.len()].repeat(part), stage_style(theme, i)));
        }
        drawn = drawn.max(upto);
    }
    spans
}

fn draw_members(frame: &mut Frame<'_>, area: Rect, chart: &Chart, offset: usize, theme: &Theme) {
    let rows = member_rows(chart);
    if rows.is_empty() {
        frame.render_widget(Paragraph::new(Span::styled(" no groups yet", theme.dim())), area);
        return;
    }
    let gauge = if area.width >= 90 { 24 } else { 13 };
    // A long name gets more room where the reasons still fit beside it.
    let longest = chart.groups.iter().flat_map(|g| &g.members).map(|m| m.name.chars().count() + 2).max();
    let name = if area.width >= 100 { longest.unwrap_or(0).clamp(14, 30) } else { 14 };
    let header = Rect { height: 1.min(area.height), ..area };
    let labels = format!("{:<name$}{:<gauge$} {:<gauge$} {:<6} {}", "", "today", "this month", "open", "now");
    frame.render_widget(Paragraph::new(Span::styled(labels, theme.header())), header);
    let visible = usize::from(area.height.saturating_sub(1));
    for (i, row) in rows.iter().skip(offset).take(visible).enumerate() {
        let line = Rect { y: area.y + 1 + i as u16, height: 1, ..area };
        match row {
            MemberRow::Group(name) => {
                frame.render_widget(Paragraph::new(Span::styled(clip(name, 30), theme.accent())), line);
            }
            MemberRow::Member(m) => draw_member(frame, line, m, (name as u16, gauge as u16), theme),
        }
    }
}

/// "+N below" on the bottom border of a list's box.
fn more_below(frame: &mut Frame<'_>, boxed: Rect, hidden: usize, theme: &Theme) {
    if hidden == 0 || boxed.height < 2 {
        return;
    }
    let text = format!(" +{hidden} below ");
    let w = (text.chars().count() as u16).min(boxed.width.saturating_sub(2));
    let at = Rect { x: boxed.right().saturating_sub(w + 1), y: boxed.bottom() - 1, width: w, height: 1 };
    frame.render_widget(Paragraph::new(Span::styled(text, theme.dim())), at);
}

/// A member's line: the name in `widths.0` columns, each gauge in `widths.1`.
fn draw_member(frame: &mut Frame<'_>, line: Rect, m: &Candidate, widths: (u16, u16), theme: &Theme) {
    let (name_width, gauge) = widths;
    let [name, today, month, open, state] = Layout::horizontal([
        Constraint::Length(name_width),
        Constraint::Length(gauge),
        Constraint::Length(gauge + 1),
        Constraint::Length(8),
        Constraint::Min(0),
    ])
    .areas(line);
    frame
        .render_widget(Paragraph::new(format!("  {}", clip(&m.name, usize::from(name_width.saturating_sub(2))))), name);
    limit_gauge(frame, today, m.today, m.daily_limit, theme);
    let month = Rect { x: month.x + 1, width: month.width.saturating_sub(1), ..month };
    limit_gauge(frame, month, m.month, m.monthly_limit, theme);
    let open_text = if m.max_open > 0 { format!("{}/{}", m.open_leads, m.max_open) } else { "–".into() };
    frame.render_widget(Paragraph::new(format!(" {open_text}")), open);
    let (text, style) = match m.ineligible() {
        None => (format!("eligible · weight {}", m.weight), theme.ok()),
        Some(why) => (why, theme.warn()),
    };
    let text = clip_reason(&text, usize::from(state.width));
    frame.render_widget(Paragraph::new(Span::styled(text, style)), state);
}

/// `used` of `limit` as a line with its numbers; no line for no limit.
fn limit_gauge(frame: &mut Frame<'_>, area: Rect, used: i64, limit: i64, theme: &Theme) {
    if limit <= 0 {
        frame.render_widget(Paragraph::new(format!("{used} (no limit)")), area);
        return;
    }
    let ratio = (used as f64 / limit as f64).clamp(0.0, 1.0);
    let full = used >= limit;
    let gauge = LineGauge::default()
        .ratio(ratio)
        .label(format!("{used:>3}/{limit:<3}"))
        .filled_symbol("█")
        .unfilled_symbol("·")
        .filled_style(if full { theme.warn() } else { theme.accent() })
        .unfilled_style(theme.dim());
    frame.render_widget(gauge, area);
}

fn draw_intake(frame: &mut Frame<'_>, area: Rect, days: &[DayIntake], theme: &Theme) {
    if area.height < 3 || days.is_empty() {
        return;
    }
    let each = (area.height - 1) / 2;
    let [new, waiting, axis] =
        Layout::vertical([Constraint::Length(each), Constraint::Length(each), Constraint::Length(1)]).areas(area);
    // One scale for both, so the two can be compared at a glance.
    let most = days.iter().map(|d| d.new).max().unwrap_or(0).max(1) as u64;
    let label_width = 18u16;
    let series = |frame: &mut Frame<'_>, row: Rect, label: &str, values: Vec<u64>, style: Style| {
        let [name, spark, total] = Layout::horizontal([
            Constraint::Length(label_width),
            Constraint::Length(days.len() as u16),
            Constraint::Min(0),
        ])
        .areas(row);
        frame.render_widget(Paragraph::new(label.to_string()), name);
        frame.render_widget(Sparkline::default().data(values.clone()).max(most).style(style), spark);
        let today = values.last().copied().unwrap_or(0);
        let sum: u64 = values.iter().sum();
        let text = format!(" {} in {} days · today {}", thousands(sum as usize), days.len(), today);
        frame.render_widget(Paragraph::new(text), total);
    };
    let new_counts = days.iter().map(|d| d.new.max(0) as u64).collect();
    let waiting_counts = days.iter().map(|d| d.unassigned.max(0) as u64).collect();
    series(frame, new, " new", new_counts, theme.accent());
    series(frame, waiting, " still unassigned", waiting_counts, theme.warn());
    let (first, last) = (days[0].day.format("%m-%d").to_string(), days[days.len() - 1].day.format("%m-%d").to_string());
    let gap = days.len().saturating_sub(first.len() + last.len());
    let axis_text = format!("{:w$}{first}{:gap$}{last}", "", "", w = usize::from(label_width));
    frame.render_widget(Paragraph::new(Span::styled(axis_text, theme.dim())), axis);
}
