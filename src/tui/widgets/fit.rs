//! Fitting text and figures into narrow columns: a cut is shown with `…`,
//! and a count is abbreviated (`525k`) rather than ever cut.

use ratatui::layout::{Constraint, Flex, Layout, Rect};

use crate::tui::run::thousands;

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

/// A reason such as "monthly limit reached (2000/2000)" in `width`
/// characters: whole when it fits, else without its figures in brackets
/// (the table's own columns show them) or its last ` · ` part ("eligible ·
/// weight 1"), so that a figure is never cut; only words are, with `…`.
pub fn clip_reason(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let bracketed = text.strip_suffix(')').and_then(|t| t.rsplit_once(" ("));
    match bracketed.or_else(|| text.rsplit_once(" · ")) {
        Some((words, _)) => clip(words, width),
        None => clip(text, width),
    }
}

/// A count in at most five characters: `9,999`, `52k`, `525k`, `1.2M`, `12M`.
pub fn short_count(n: i64) -> String {
    let n = n.max(0);
    match n {
        n if n < 10_000 => thousands(usize::try_from(n).unwrap_or(0)),
        n if n < 1_000_000 => format!("{}k", n / 1000),
        n if n < 10_000_000 => format!("{:.1}M", (n / 100_000) as f64 / 10.0),
        n => format!("{}M", n / 1_000_000),
    }
}

/// A box title `name (count)` in `width` columns: the count in full when it
/// fits, else abbreviated, and the name cut before the count ever is.
pub fn titled_count(name: &str, count: Option<i64>, width: usize) -> String {
    let full = count.map_or_else(|| "…".to_string(), |n| thousands(usize::try_from(n.max(0)).unwrap_or(0)));
    let short = count.map_or_else(|| "…".to_string(), short_count);
    for figure in [&full, &short] {
        let title = format!(" {name} ({figure}) ");
        if title.chars().count() <= width {
            return title;
        }
    }
    let room = width.saturating_sub(short.chars().count() + 5);
    format!(" {} ({short}) ", clip(name, room.max(1)))
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
    fn a_title_cuts_the_name_before_the_count() {
        assert_eq!(titled_count("Lost", Some(525_552), 40), " Lost (525,552) ");
        assert_eq!(titled_count("Lost", Some(525_552), 13), " Lost (525k) ");
        assert_eq!(titled_count("Lost", Some(525_552), 11), " L… (525k) ");
        let cut = titled_count("Contacted", Some(85_429), 11);
        assert!(cut.contains("(85k)") && cut.contains('…'), "{cut}");
        assert_eq!(titled_count("New", None, 11), " New (…) ");
    }

    #[test]
    fn a_reason_drops_its_figures_before_any_is_cut() {
        let why = "monthly limit reached (2000/2000)";
        assert_eq!(clip_reason(why, 40), why);
        assert_eq!(clip_reason(why, 30), "monthly limit reached");
        assert_eq!(clip_reason(why, 12), "monthly lim…");
        assert_eq!(clip_reason("off shift until Mon 08:30", 12), "off shift u…");
        assert_eq!(clip_reason("eligible · weight 1", 15), "eligible");
    }

    #[test]
    fn clip_marks_a_cut_with_an_ellipsis() {
        assert_eq!(clip("Elizabeth Esposito", 10), "Elizabeth…");
        assert_eq!(clip("Tom", 10), "Tom");
        assert_eq!(clip("Tom", 0), "");
    }
}
