//! Fitting text and figures into narrow columns: a cut is shown with `…`,
//! and a count is abbreviated (`525k`) rather than ever cut.

use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::Span;
use tui_input::Input;

use crate::tui::run::thousands_of;

/// `text` in at most `width` characters, ending in `…` when it was cut.
pub fn clip(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut out: String = text.chars().take(width - 1).collect();
    out.push('…');
    out
}

/// `text` in at most `width` characters, its start given up for `…` when
/// it was cut: a path keeps its file name (`…/leadrota/config.toml`).
pub fn clip_start(text: &str, width: usize) -> String {
    let len = text.chars().count();
    if len <= width {
        return text.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut out = String::from('…');
    out.extend(text.chars().skip(len - (width - 1)));
    out
}

/// What a one-line input shows in `width` columns, and the cursor's column
/// in it. A text wider than that scrolls (tui-input's `visual_scroll`) so
/// the cursor and the text around it stay in view: typing a long path shows
/// its end, the file name. A hidden start or end is marked with `…` in the
/// first or last column, which is why the cursor keeps off the last one
/// unless it is after the end of the text.
/// `input` with `text` put in at its cursor in one go, the cursor after it:
/// a paste of thousands of characters, not one key each.
pub fn insert(input: &Input, text: &str) -> Input {
    let at = input.cursor();
    let value = input.value();
    let split = value.char_indices().nth(at).map_or(value.len(), |(i, _)| i);
    let joined = format!("{}{text}{}", &value[..split], &value[split..]);
    Input::new(joined).with_cursor(at + text.chars().count())
}

pub fn input_view(input: &Input, width: usize) -> (String, usize) {
    let at_end = input.cursor() >= input.value().chars().count();
    let room = width.saturating_sub(if at_end { 1 } else { 2 }).max(1);
    let scroll = input.visual_scroll(room);
    let columns = |c: char| Span::raw(c.to_string()).width();
    let mut shown: Vec<char> = Vec::new();
    let (mut skipped, mut used, mut more) = (0, 0, false);
    for c in input.value().chars() {
        if skipped < scroll {
            skipped += columns(c);
        } else if used + columns(c) <= width {
            used += columns(c);
            shown.push(c);
        } else {
            more = true;
            break;
        }
    }
    if scroll > 0 && !shown.is_empty() {
        shown[0] = '…';
    }
    if more && let Some(last) = shown.last_mut() {
        *last = '…';
    }
    let cursor = input.visual_cursor().saturating_sub(scroll).min(width.saturating_sub(1));
    (shown.into_iter().collect(), cursor)
}

/// A reason such as "monthly limit reached (2000/2000)" in `width`
/// characters: whole when it fits, else without its figures in brackets
/// (the table's own columns show them), its last ` · ` part ("eligible ·
/// weight 1") or its ` until …` time, so that a figure is never cut; only
/// words are, with `…`.
pub fn clip_reason(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let bracketed = text.strip_suffix(')').and_then(|t| t.rsplit_once(" ("));
    // "off shift until Mon 08:30" reads "off shift" rather than "off shift u…".
    match bracketed.or_else(|| text.rsplit_once(" · ")).or_else(|| text.split_once(" until ")) {
        Some((words, _)) => clip(words, width),
        None => clip(text, width),
    }
}

/// A count in at most five characters: `9,999`, `52k`, `525k`, `1.2M`, `12M`.
pub fn short_count(n: i64) -> String {
    let n = n.max(0);
    match n {
        n if n < 10_000 => thousands_of(n),
        n if n < 1_000_000 => format!("{}k", n / 1000),
        n if n < 10_000_000 => format!("{:.1}M", (n / 100_000) as f64 / 10.0),
        n => format!("{}M", n / 1_000_000),
    }
}

/// A box title `name (count)` in `width` columns: the count in full when it
/// fits, else abbreviated; then the spaces and brackets go, and then the
/// name is cut — never the count (`Contac… 73k` in a 13-column box).
pub fn titled_count(name: &str, count: Option<i64>, width: usize) -> String {
    titled_count_from(title_style(name, count, width), name, count, width)
}

/// How plain [`titled_count`] has to be for this box: 0 is `" New (85,429) "`,
/// 3 is `"New 85k"`, 4 cuts the name. Boxes side by side take the plainest
/// any of them needs, so that a row of titles reads alike.
pub fn title_style(name: &str, count: Option<i64>, width: usize) -> usize {
    let fits = |style: usize| title_candidate(style, name, count).is_some_and(|t| t.chars().count() <= width);
    (0..4).find(|style| fits(*style)).unwrap_or(4)
}

/// [`titled_count`] no fuller than `style`.
pub fn titled_count_from(style: usize, name: &str, count: Option<i64>, width: usize) -> String {
    if let Some(title) = (style..4).filter_map(|s| title_candidate(s, name, count)).find(|t| t.chars().count() <= width)
    {
        return title;
    }
    let short = count.map_or_else(|| "…".to_string(), short_count);
    let room = width.saturating_sub(short.chars().count() + 1);
    if room < 2 {
        return short;
    }
    format!("{} {short}", clip(name, room))
}

fn title_candidate(style: usize, name: &str, count: Option<i64>) -> Option<String> {
    let short = || count.map_or_else(|| "…".to_string(), short_count);
    match style {
        0 => Some(format!(" {name} ({}) ", count.map_or_else(|| "…".to_string(), |n| thousands_of(n.max(0))))),
        1 => Some(format!(" {name} ({}) ", short())),
        2 => Some(format!("{name} ({})", short())),
        3 => Some(format!("{name} {}", short())),
        _ => None,
    }
}

/// A table column as the width it would like and what it can do without.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// Its widest cell or header.
    pub want: usize,
    /// The narrowest it may become (its widest figure, or a short word's
    /// width), unless it wants less: below it the cells would say too little.
    pub floor: usize,
    /// When the columns do not all fit, lower ranks give up width first.
    pub rank: u8,
    /// Whether room left over is shared out to it.
    pub grows: bool,
}

impl Column {
    /// A column that is always exactly `width` (a figure, a short word).
    pub fn fixed(width: usize) -> Column {
        Column { want: width, floor: width, rank: u8::MAX, grows: false }
    }
}

/// Widths for `columns` in `room` characters (column spacing already taken
/// off). When they all fit, each gets what it wants and the growing ones
/// share what is left alike. When they do not, the lowest rank gives up
/// width first, down to its floors, its widest column first so columns of
/// one rank end alike; the next rank then, and so on. Columns whose floors
/// alone do not fit stay at their floors (the table cuts the last).
pub fn share(columns: &[Column], room: usize) -> Vec<usize> {
    // A column never asks for more than its widest cell, floor or not.
    let floor = |i: usize| columns[i].floor.min(columns[i].want);
    let mut widths: Vec<usize> = columns.iter().map(|c| c.want).collect();
    let mut over = widths.iter().sum::<usize>().saturating_sub(room);
    let mut ranks: Vec<u8> = columns.iter().map(|c| c.rank).collect();
    ranks.sort_unstable();
    ranks.dedup();
    for rank in ranks {
        while over > 0 {
            let widest = (0..columns.len())
                .filter(|&i| columns[i].rank == rank && widths[i] > floor(i))
                .max_by_key(|&i| (widths[i], std::cmp::Reverse(i)));
            let Some(i) = widest else { break };
            widths[i] -= 1;
            over -= 1;
        }
    }
    let growing: Vec<usize> = (0..columns.len()).filter(|&i| columns[i].grows).collect();
    let spare = room.saturating_sub(widths.iter().sum());
    if let Some(n) = std::num::NonZeroUsize::new(growing.len()) {
        for (k, &i) in growing.iter().enumerate() {
            widths[i] += spare / n + usize::from(k < spare % n);
        }
    }
    widths
}

/// `widths` as a table's exact column constraints.
pub fn lengths(widths: &[usize]) -> Vec<Constraint> {
    widths.iter().map(|w| Constraint::Length(u16::try_from(*w).unwrap_or(u16::MAX))).collect()
}

/// The widths a ratatui `Table` gives its columns in `area` (less `reserved`
/// columns for the highlight symbol), so that cells can be clipped with `…`
/// before the table cuts them silently.
pub fn column_widths(area: Rect, widths: &[Constraint], spacing: u16, reserved: u16) -> Vec<usize> {
    let inner = Rect { width: area.width.saturating_sub(reserved), ..area };
    Layout::horizontal(widths.iter().copied())
        .flex(Flex::Start)
        .spacing(spacing)
        .split(inner)
        .iter()
        .map(|r| usize::from(r.width))
        .collect()
}

/// `text` in lines of at most `width` characters, broken between words.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in text.split_whitespace() {
        let Some(line) = lines.last_mut() else { break };
        let len = line.chars().count();
        if len > 0 && len + 1 + word.chars().count() > width {
            lines.push(word.to_string());
        } else {
            if len > 0 {
                line.push(' ');
            }
            line.push_str(word);
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_abbreviate_and_never_lose_their_magnitude() {
        assert_eq!(short_count(0), "0");
        assert_eq!(short_count(9_999), "9,999");
        assert_eq!(short_count(85_429), "85k");
        assert_eq!(short_count(525_552), "525k");
        assert_eq!(short_count(1_000_000), "1.0M");
        assert_eq!(short_count(1_234_567), "1.2M");
        assert_eq!(short_count(12_345_678), "12M");
    }

    #[test]
    fn wrap_breaks_between_words_and_keeps_every_word() {
        assert_eq!(
            wrap("Preview the handover of their open leads", 16),
            ["Preview the", "handover of", "their open leads"]
        );
        assert_eq!(wrap("short", 16), ["short"]);
    }

    #[test]
    fn a_title_cuts_the_name_before_the_count() {
        assert_eq!(titled_count("Lost", Some(525_552), 40), " Lost (525,552) ");
        assert_eq!(titled_count("Lost", Some(525_552), 13), " Lost (525k) ");
        // A 13-column board box at 80×24: the brackets go before the name is cut.
        assert_eq!(titled_count("Lost", Some(525_552), 11), "Lost (525k)");
        assert_eq!(titled_count("Contacted", Some(73_456), 11), "Contac… 73k");
        assert_eq!(titled_count("New", None, 11), " New (…) ");
        // Side by side, boxes take the plainest style any of them needs.
        assert_eq!(title_style("New", Some(85_429), 11), 1);
        assert_eq!(title_style("Contacted", Some(73_456), 11), 4);
        assert_eq!(titled_count_from(4, "New", Some(85_429), 11), "New 85k");
        // A 10-column box at 60 columns keeps some of every name.
        assert_eq!(titled_count("Contacted", Some(73_456), 8), "Con… 73k");
        assert_eq!(titled_count("Lost", Some(525_552), 8), "Lo… 525k");
        assert_eq!(titled_count("Lost", Some(525_552), 4), "525k");
    }

    #[test]
    fn a_reason_drops_its_figures_before_any_is_cut() {
        let why = "monthly limit reached (2000/2000)";
        assert_eq!(clip_reason(why, 40), why);
        assert_eq!(clip_reason(why, 30), "monthly limit reached");
        assert_eq!(clip_reason(why, 12), "monthly lim…");
        assert_eq!(clip_reason("off shift until Mon 08:30", 12), "off shift");
        assert_eq!(clip_reason("away until 2026-12-07", 12), "away");
        assert_eq!(clip_reason("eligible · weight 1", 15), "eligible");
    }

    #[test]
    fn columns_take_what_they_want_and_give_up_width_by_rank() {
        let name = Column { want: 27, floor: 10, rank: 2, grows: true };
        let state = Column { want: 25, floor: 9, rank: 1, grows: false };
        let groups = Column { want: 25, floor: 10, rank: 2, grows: true };
        let cols = [name, Column::fixed(7), state, groups];
        // Room to spare: each what it wants, the rest to the growing ones alike.
        assert_eq!(share(&cols, 100), vec![27 + 8, 7, 25, 25 + 8]);
        // Short: the state gives up to its floor first, then the names alike.
        assert_eq!(share(&cols, 74), vec![27, 7, 15, 25]);
        assert_eq!(share(&cols, 60), vec![22, 7, 9, 22]);
        // Floors are kept even when they do not fit.
        assert_eq!(share(&cols, 10), vec![10, 7, 9, 10]);
        // A floor above what a column wants is no reason to widen it.
        let short = Column { want: 6, floor: 11, rank: 0, grows: false };
        assert_eq!(share(&[short, Column::fixed(7)], 13), vec![6, 7]);
    }

    #[test]
    fn clip_start_keeps_the_end_of_a_path() {
        assert_eq!(clip_start("/home/maria/.config/leadrota/config.toml", 22), "…/leadrota/config.toml");
        assert_eq!(clip_start("~/x.toml", 24), "~/x.toml");
        assert_eq!(clip_start("abc", 0), "");
    }

    #[test]
    fn a_long_input_scrolls_to_keep_its_cursor_and_end_in_view() {
        let path = format!("/home/maria/{}/contacts.csv", "exports/".repeat(20));
        let mut input = Input::new(path.clone());
        let (shown, cursor) = input_view(&input, 40);
        assert_eq!(shown.chars().count(), 39, "{shown}");
        assert!(shown.starts_with('…') && shown.ends_with("/contacts.csv"), "{shown}");
        assert_eq!(cursor, 39, "just after the last character, in the last column");
        // The cursor back at the start: the start shows and the hidden end is marked.
        input = input.with_cursor(0);
        let (shown, cursor) = input_view(&input, 40);
        assert_eq!(cursor, 0);
        assert!(shown.starts_with("/home/maria/") && shown.ends_with('…'), "{shown}");
        assert_eq!(shown.chars().count(), 40);
        // The cursor in the middle: the next character or a `…` after it.
        input = input.with_cursor(60);
        let (shown, cursor) = input_view(&input, 40);
        assert_eq!(cursor, 38);
        assert_eq!(shown.chars().nth(38), path.chars().nth(60), "the character under the cursor shows");
        assert!(shown.starts_with('…') && shown.ends_with('…'), "{shown}");
        // The cursor in the middle: the next character or a `…` after it.
        input = input.with_cursor(60);
        let (shown, cursor) = input_view(&input, 40);
        assert_eq!(cursor, 38);
        assert_eq!(shown.chars().nth(38), path.chars().nth(60), "the character under the cursor shows");
        assert!(shown.starts_with('…') && shown.ends_with('…'), "{shown}");
        // A short text is shown as it is.
        let (shown, cursor) = input_view(&Input::new("Mon-Fri".into()), 40);
        assert_eq!((shown.as_str(), cursor), ("Mon-Fri", 7));
    }

    #[test]
    fn clip_marks_a_cut_with_an_ellipsis() {
        assert_eq!(clip("Elizabeth Esposito", 10), "Elizabeth…");
        assert_eq!(clip("Tom", 10), "Tom");
        assert_eq!(clip("Tom", 0), "");
    }
}
