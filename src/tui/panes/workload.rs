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

use crate::core::error::{Result, thousands_of};
use crate::core::report::{Chart, DayIntake, OwnerBar};
use crate::core::rotation::Candidate;
use crate::tui::action::Action;
use crate::tui::flow::{Env, Look};
use crate::tui::modal::Step;
use crate::tui::theme::Theme;
use crate::tui::widgets::fit::{clip, clip_reason, short_count};
use crate::tui::worker::{INTAKE_DAYS, Workload};

/// The fill of each open stage's part of a bar, in stage order.
const FILLS: [&str; 6] = ["█", "▓", "▒", "░", "▚", "▞"];
const COLOURS: [Color; 6] = [Color::Cyan, Color::Blue, Color::Magenta, Color::Yellow, Color::Green, Color::Red];
/// Side by side from this width; stacked below it (80×24 included).
const WIDE: u16 = 120;
/// A list's box with its heading and two rows: less tells nothing.
const LIST_MIN: u16 = 5;

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

    /// Where the bars, the gauges and the sparklines go in `area`. Where
    /// both lists and the sparklines do not fit with a couple of rows in
    /// each list, the sparklines give way first, then the list not in focus
    /// (`t` brings it back).
    fn arrange(&self, area: Rect) -> [Option<Rect>; 3] {
        let spark_height = if area.height >= 40 { 10 } else { 4 };
        let side_by_side = area.width >= WIDE;
        let both = if side_by_side { LIST_MIN } else { 2 * LIST_MIN };
        let (lists, spark) = if area.height >= both + spark_height {
            let [lists, spark] = Layout::vertical([Constraint::Min(0), Constraint::Length(spark_height)]).areas(area);
            (lists, Some(spark))
        } else if area.height >= both || area.height < LIST_MIN + spark_height {
            (area, None)
        } else {
            let [lists, spark] = Layout::vertical([Constraint::Min(0), Constraint::Length(spark_height)]).areas(area);
            (lists, Some(spark))
        };
        if lists.height < both {
            let owners = self.focus == Section::Owners;
            return [owners.then_some(lists), (!owners).then_some(lists), spark];
        }
        let [owners, members] = if side_by_side {
            Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)]).areas(lists)
        } else {
            Layout::vertical([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(lists)
        };
        [Some(owners), Some(members), spark]
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
        let [owners, members, bottom] = self.arrange(area);
        let focused = |section: Section, title: &str| {
            let on = self.focus == section;
            let title = if on { format!(" ▶ {title} ") } else { format!(" {title} ") };
            Block::default().borders(Borders::ALL).title(title).border_style(if on {
                theme.accent()
            } else {
                theme.dim()
            })
        };
        if let Some(owners) = owners {
            let block = focused(Section::Owners, "Open leads per owner, by stage");
            let inner = block.inner(owners);
            frame.render_widget(block, owners);
            draw_owners(frame, inner, chart, self.owner_offset, current, theme);
            if current {
                let shown = self.owner_offset + usize::from(inner.height).saturating_sub(1);
                more_below(frame, owners, chart.owners.len().saturating_sub(shown), theme);
            }
        }
        if let Some(members) = members {
            let block = focused(Section::Members, "Deliveries today and this month against the limits");
            let inner = block.inner(members);
            frame.render_widget(block, members);
            draw_members(frame, inner, chart, self.member_offset, theme);
            let shown = self.member_offset + usize::from(inner.height).saturating_sub(1);
            more_below(frame, members, member_rows(chart).len().saturating_sub(shown), theme);
        }
        let Some(bottom) = bottom else { return };
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
        let count_width = thousands_of(most).chars().count() + 1;
        let bar_width = usize::from(area.width).saturating_sub(name_width + count_width + 2);
        let visible = usize::from(area.height).saturating_sub(1);
        for bar in chart.owners.iter().skip(offset).take(visible) {
            let name = bar.owner.as_deref().unwrap_or("(unassigned)");
            let mut spans = vec![Span::styled(format!("{:<name_width$} ", clip(name, name_width)), theme.header())];
            spans.extend(stacked(bar, most, bar_width, theme));
            spans.push(Span::raw(format!(" {}", thousands_of(bar.open()))));
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
    let columns = MemberColumns::fit(chart, area.width);
    if area.height > 0 {
        let [_, today, month, open, now] = columns.areas(Rect { height: 1, ..area });
        let heading = |frame: &mut Frame<'_>, at: Rect, words: &[&str]| {
            let text = first_fitting(words.iter().map(|w| w.to_string()), at.width).unwrap_or_default();
            frame.render_widget(Paragraph::new(Span::styled(text, theme.header())), at);
        };
        heading(frame, today, &["today"]);
        heading(frame, month, &["this month", "month"]);
        heading(frame, open, &["open"]);
        heading(frame, now, &["now"]);
    }
    let visible = usize::from(area.height.saturating_sub(1));
    for (i, row) in rows.iter().skip(offset).take(visible).enumerate() {
        let line = Rect { y: area.y + 1 + i as u16, height: 1, ..area };
        match row {
            MemberRow::Group(name) => {
                frame.render_widget(Paragraph::new(Span::styled(clip(name, 30), theme.accent())), line);
            }
            MemberRow::Member(m) => draw_member(frame, line, m, &columns, theme),
        }
    }
}

/// The first of `texts` that fits in `width` columns.
fn first_fitting(mut texts: impl Iterator<Item = String>, width: u16) -> Option<String> {
    texts.find(|t| t.chars().count() <= usize::from(width))
}

/// The narrowest a gauge's bar may be and still tell a share, and the
/// widest worth drawing (more room goes to the reasons beside it).
const MIN_BAR: u16 = 3;
const MAX_BAR: u16 = 16;
/// What the "now" column keeps before any bar is drawn: "off shift", "eligible".
const MIN_STATE: u16 = 9;

/// The widths of a `used/limit` column's two figures, from the widest of
/// each among the members, so that every figure is whole and the slashes
/// (and the bars after them) line up.
#[derive(Debug, Clone, Copy)]
struct Ratio {
    used: usize,
    /// 0 when no member has a limit here: the column holds bare figures.
    limit: usize,
}

impl Ratio {
    fn of(pairs: impl Iterator<Item = (i64, i64)>, short: bool) -> Ratio {
        let mut widest = Ratio { used: 1, limit: 0 };
        for (used, limit) in pairs {
            widest.used = widest.used.max(figure(used, short).chars().count());
            if limit > 0 {
                widest.limit = widest.limit.max(figure(limit, short).chars().count());
            }
        }
        widest
    }

    fn width(self) -> u16 {
        let label = if self.limit > 0 { self.used + 1 + self.limit } else { self.used };
        u16::try_from(label).unwrap_or(u16::MAX)
    }

    /// `used/limit` padded to the column, or `used` alone for no limit.
    fn label(self, used: i64, limit: i64, short: bool) -> String {
        let (used_width, limit_width) = (self.used, self.limit);
        if limit > 0 {
            format!("{:>used_width$}/{:<limit_width$}", figure(used, short), figure(limit, short))
        } else {
            format!("{:>used_width$}", figure(used, short))
        }
    }
}

/// A count in full (`11,111`) or abbreviated (`11k`).
fn figure(n: i64, short: bool) -> String {
    if short { short_count(n) } else { thousands_of(n.max(0)) }
}

/// How a member's line is laid out in the gauges list: the figures in full
/// when they leave room for bars, else abbreviated; bars only where they
/// fit beside the figures; the "now" column gets what is left.
#[derive(Debug, Clone, Copy)]
struct MemberColumns {
    short: bool,
    name: u16,
    today: Ratio,
    month: Ratio,
    open: Ratio,
    /// Cells of each gauge's bar after its figures; 0 draws none.
    bar: u16,
}

impl MemberColumns {
    fn fit(chart: &Chart, width: u16) -> MemberColumns {
        let members: Vec<&Candidate> = chart.groups.iter().flat_map(|g| &g.members).collect();
        // A long name gets more room where the reasons still fit beside it.
        let longest = members.iter().map(|m| m.name.chars().count() + 2).max().unwrap_or(0);
        let longest = u16::try_from(longest).unwrap_or(u16::MAX);
        let name = if width >= 100 { longest.clamp(14, 30) } else { longest.clamp(8, 14) };
        let widest_state = members.iter().map(|m| state_text(m).chars().count()).max().unwrap_or(0);
        let widest_state = u16::try_from(widest_state).unwrap_or(u16::MAX);
        let state_floor = MIN_STATE.min(widest_state);
        // Two bars, each a space after its figures.
        let bars_fit = |spare: u16| spare >= state_floor + 2 * (MIN_BAR + 1);
        let full = MemberColumns::with_figures(&members, name, false);
        let mut columns =
            if bars_fit(full.spare(width)) { full } else { MemberColumns::with_figures(&members, name, true) };
        let spare = columns.spare(width);
        if bars_fit(spare) {
            // As long as the widest reason still fits beside them, within MIN_BAR..MAX_BAR.
            let most = (spare - state_floor) / 2 - 1;
            let beside_reasons = (spare.saturating_sub(widest_state) / 2).saturating_sub(1);
            columns.bar = beside_reasons.clamp(MIN_BAR, MAX_BAR).min(most);
        }
        columns
    }

    fn with_figures(members: &[&Candidate], name: u16, short: bool) -> MemberColumns {
        MemberColumns {
            short,
            name,
            today: Ratio::of(members.iter().map(|m| (m.today, m.daily_limit)), short),
            month: Ratio::of(members.iter().map(|m| (m.month, m.monthly_limit)), short),
            // Open leads are counted only against a cap: without one the column says "–".
            open: Ratio::of(members.iter().filter(|m| m.max_open > 0).map(|m| (m.open_leads, m.max_open)), short),
            bar: 0,
        }
    }

    /// The gauge columns as wide as their headings ("today", "month") at least.
    fn gauge_width(&self, ratio: Ratio) -> u16 {
        let bar = if self.bar > 0 { self.bar + 1 } else { 0 };
        (ratio.width() + bar).max(5)
    }

    /// What is left of `width` for the bars and the "now" column, a space
    /// between each two columns taken off.
    fn spare(&self, width: u16) -> u16 {
        let fixed = self.name + self.gauge_width(self.today) + self.gauge_width(self.month) + self.open.width().max(4);
        width.saturating_sub(fixed + 4)
    }

    /// Name, today, this month, open, now.
    fn areas(&self, line: Rect) -> [Rect; 5] {
        Layout::horizontal([
            Constraint::Length(self.name),
            Constraint::Length(self.gauge_width(self.today)),
            Constraint::Length(self.gauge_width(self.month)),
            Constraint::Length(self.open.width().max(4)),
            Constraint::Min(0),
        ])
        .spacing(1)
        .areas(line)
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

/// A member's line, laid out by `columns`.
fn draw_member(frame: &mut Frame<'_>, line: Rect, m: &Candidate, columns: &MemberColumns, theme: &Theme) {
    let [name, today, month, open, state] = columns.areas(line);
    let name_room = usize::from(name.width.saturating_sub(2));
    frame.render_widget(Paragraph::new(format!("  {}", clip(&m.name, name_room))), name);
    limit_gauge(frame, today, (m.today, m.daily_limit), (columns.today, columns.short), theme);
    limit_gauge(frame, month, (m.month, m.monthly_limit), (columns.month, columns.short), theme);
    let open_text = if m.max_open > 0 {
        columns.open.label(m.open_leads, m.max_open, columns.short)
    } else {
        format!("{:>width$}", "–", width = columns.open.used)
    };
    frame.render_widget(Paragraph::new(open_text), open);
    let style = if m.ineligible().is_none() { theme.ok() } else { theme.warn() };
    let text = clip_reason(&state_text(m), usize::from(state.width));
    frame.render_widget(Paragraph::new(Span::styled(text, style)), state);
}

/// Why a member is passed over now, or their weight when they are not.
fn state_text(m: &Candidate) -> String {
    m.ineligible().unwrap_or_else(|| format!("eligible · weight {}", m.weight))
}

/// `used` of `limit` as a line after its figures, laid out by `ratio`; for
/// no limit, the figure and as much of "(no limit)" as fits.
fn limit_gauge(
    frame: &mut Frame<'_>,
    area: Rect,
    (used, limit): (i64, i64),
    (ratio, short): (Ratio, bool),
    theme: &Theme,
) {
    let label = ratio.label(used, limit, short);
    if limit <= 0 {
        let words = ["(no limit)", "no limit", "–"].iter().map(|w| format!("{label} {w}"));
        let text = first_fitting(words, area.width).unwrap_or(label);
        frame.render_widget(Paragraph::new(text), area);
        return;
    }
    let full = used >= limit;
    let gauge = LineGauge::default()
        .ratio((used as f64 / limit as f64).clamp(0.0, 1.0))
        .label(label)
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
        let text = intake_total(sum, today, days.len(), total.width);
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

/// A sparkline's total in `width` columns: the words give way before the
/// figures ("in 3" would read as three days), the total before it is cut.
fn intake_total(sum: u64, today: u64, days: usize, width: u16) -> String {
    let count = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    let (short, sum, today) = (short_count(count(sum)), figure(count(sum), false), figure(count(today), false));
    let texts = [
        format!(" {sum} in {days} days · today {today}"),
        format!(" {sum} in {days} d · today {today}"),
        // The title above already says over how many days.
        format!(" {sum} · today {today}"),
        format!(" {sum}"),
        format!(" {short}"),
    ];
    first_fitting(texts.into_iter(), width).unwrap_or_default()
}
