//! The typed forms of the console's prompts: how each reads as it is typed
//! (a prompt with a [`Check`] shows the verdict under the line and Enter
//! waits for a good text), and the parsers the panes use on the answer, so
//! what the prompt said while typing is what is saved.

use crate::core::error::{shown, thousands_of};
use crate::core::schedule::{Schedule, parse_away};

/// What a prompt checks at every key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// Working hours, `Mon-Fri 09:00-17:30`; empty is always on.
    Schedule,
    /// The first day back, `YYYY-MM-DD`; empty is back now.
    Date,
    /// A whole number of `unit` (`a day each`); empty or 0 means `zero`.
    Count {
        unit: &'static str,
        zero: &'static str,
    },
    /// A member's own limits, `DAILY [MONTHLY]`, `-` for the group's.
    OwnLimits,
    /// A member's own open-lead cap; empty is the group's.
    OwnCap,
    /// A member's weight, 1–100.
    Weight,
    /// Reclaim after `HOURS [MAX]`; empty or 0 is off.
    Reclaim,
    /// A filter's first and last day, `YYYY-MM-DD`; empty is any.
    Since,
    Until,
    /// A rule's conditions, `;` between them; empty is every lead.
    Conditions,
}

impl Check {
    /// How `text` reads, or what is wrong with it.
    pub fn verdict(self, text: &str) -> Result<String, String> {
        let text = text.trim();
        match self {
            Check::Schedule if text.is_empty() => Ok("empty: works any time".into()),
            Check::Schedule => match Schedule::parse(text) {
                Ok(s) if s.is_always() => Err("give days then hours, e.g. Mon-Fri 09:00-17:30".into()),
                Ok(s) => Ok(format!("reads as {s}")),
                Err(e) => Err(e.to_string()),
            },
            Check::Date if text.is_empty() => Ok("empty: back now".into()),
            Check::Date => {
                parse_away(text).map(|d| format!("away until {d}, back that day")).map_err(|e| e.to_string())
            }
            Check::Count { unit, zero } => count(text).map(|n| match n {
                0 => format!("empty or 0: {zero}"),
                n => format!("at most {} {unit}", thousands_of(n)),
            }),
            Check::OwnLimits => own_limits(text).map(|(daily, monthly)| {
                let own = |limit: Option<i64>, per: &str| match limit {
                    None => format!("{per} the group's"),
                    Some(0) => format!("{per} unlimited"),
                    Some(n) => format!("{per} {} (own)", thousands_of(n)),
                };
                format!("{}, {}", own(daily, "daily"), own(monthly, "monthly"))
            }),
            Check::OwnCap => own_cap(text).map(|cap| match cap {
                None => "empty: the group's cap".into(),
                Some(0) => "0: no cap".into(),
                Some(n) => format!("at most {} open leads (own)", thousands_of(n)),
            }),
            Check::Weight => weight(text).map(|w| format!("{w}× the leads of a member of weight 1")),
            Check::Since | Check::Until if text.is_empty() => Ok("empty: any date".into()),
            Check::Since => day(text).map(|d| format!("leads created on {d} or later")),
            Check::Until => day(text).map(|d| format!("leads created on {d} or earlier")),
            Check::Conditions if text.is_empty() => Ok("empty: every lead".into()),
            Check::Conditions => match crate::core::rules::parse_conditions(text) {
                Ok(conditions) => {
                    let read: Vec<String> = conditions.iter().map(ToString::to_string).collect();
                    Ok(format!("reads as: {}", read.join(" and ")))
                }
                Err(e) => Err(e.to_string()),
            },
            Check::Reclaim => reclaim(text).map(|(hours, times)| match (hours, times) {
                (0, _) => "empty or 0: no reclaim".into(),
                (h, None) => format!("after {h} h untouched"),
                (h, Some(t)) => format!("after {h} h untouched, at most {t}×"),
            }),
        }
    }
}

/// A day typed as `YYYY-MM-DD`, in the years leads can have.
fn day(text: &str) -> Result<chrono::NaiveDate, String> {
    use chrono::Datelike;
    chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .ok()
        .filter(|d| (1900..=9999).contains(&d.year()))
        .ok_or_else(|| format!("'{}' is not a date: YYYY-MM-DD, e.g. 2026-03-31", shown(text.trim())))
}

/// The largest count a prompt takes: far above any office's, far below
/// what SQLite stores.
const MOST: i64 = 1_000_000_000;

/// A limit or cap: empty is 0 (none); thousands separators are allowed.
pub fn count(text: &str) -> Result<i64, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(0);
    }
    // Separators only between groups of three (1,500 or 1'500): "1,5,00" is a typo, not 1500.
    let groups: Vec<&str> = text.split([',', '_', '\'']).collect();
    let grouped = groups.len() == 1 || (matches!(groups[0].len(), 1..=3) && groups[1..].iter().all(|g| g.len() == 3));
    let digits = groups.concat();
    if grouped && !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()) {
        return digits
            .parse::<i64>()
            .ok()
            .filter(|n| *n <= MOST)
            .ok_or_else(|| format!("{} is too large: at most {}", shown(text), thousands_of(MOST)));
    }
    Err(format!("'{}' is not a whole number", shown(text)))
}

/// A member's own limits: `5` (own daily, the group's monthly), `5 60`,
/// `- 60` (the group's daily, own monthly), empty (both the group's).
pub fn own_limits(text: &str) -> Result<(Option<i64>, Option<i64>), String> {
    let own = |part: &str| if part == "-" { Ok(None) } else { count(part).map(Some) };
    let read = match text.split_whitespace().collect::<Vec<_>>().as_slice() {
        [] => Ok((None, None)),
        [daily] => own(daily).map(|d| (d, None)),
        [daily, monthly] => own(daily).and_then(|d| own(monthly).map(|m| (d, m))),
        _ => Err(String::new()),
    };
    read.map_err(|problem| {
        let format = "DAILY [MONTHLY], e.g. 5, 5 60, - 60";
        if problem.is_empty() { format!("enter {format}") } else { format!("{problem}; {format}") }
    })
}

/// A member's own limits as [`own_limits`] reads them back: "", "5",
/// "- 60" or "5 60".
pub fn own_limits_text(daily: Option<i64>, monthly: Option<i64>) -> String {
    let own = |limit: Option<i64>| limit.map_or("-".to_string(), |n| n.to_string());
    match (daily, monthly) {
        (None, None) => String::new(),
        (daily, None) => own(daily),
        (daily, monthly) => format!("{} {}", own(daily), own(monthly)),
    }
}

/// A member's own open-lead cap: empty is the group's.
pub fn own_cap(text: &str) -> Result<Option<i64>, String> {
    if text.trim().is_empty() { Ok(None) } else { count(text).map(Some) }
}

pub fn weight(text: &str) -> Result<i64, String> {
    text.trim()
        .parse::<i64>()
        .ok()
        .filter(|w| (1..=100).contains(w))
        .ok_or_else(|| "enter a whole number from 1 to 100".into())
}

/// Reclaim after `HOURS [MAX]`: empty or 0 hours is off; no MAX keeps the group's.
pub fn reclaim(text: &str) -> Result<(i64, Option<i64>), String> {
    match text.split_whitespace().collect::<Vec<_>>().as_slice() {
        [] => Ok((0, None)),
        [hours] => Ok((count(hours)?, None)),
        [hours, times] => match count(times)? {
            0 => Err("at most 0 times reclaims nothing: give 1 or more, or hours 0 to turn it off".into()),
            times => Ok((count(hours)?, Some(times))),
        },
        _ => Err("enter hours, and maybe how many times: e.g. 24 2".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_typed_form_reads_back_what_will_be_saved() {
        let daily = Check::Count { unit: "a day each", zero: "unlimited" };
        assert_eq!(daily.verdict("1,500").as_deref(), Ok("at most 1,500 a day each"));
        assert_eq!(daily.verdict("").as_deref(), Ok("empty or 0: unlimited"));
        assert_eq!(daily.verdict("250abc"), Err("'250abc' is not a whole number".into()));
        assert_eq!(count("1'500"), Ok(1500));
        assert_eq!(count("1,500,000"), Ok(1_500_000));
        for typo in ["1,5,00", "1,0", "15,00", ",500", "1,500,"] {
            assert!(count(typo).is_err(), "{typo} is refused");
        }
        assert_eq!(
            count("99999999999999999999"),
            Err("99999999999999999999 is too large: at most 1,000,000,000".into())
        );
        assert!(count(&"9".repeat(300)).unwrap_err().chars().count() < 100, "a long text is not echoed whole");
        assert_eq!(Check::Until.verdict("2026-03-31").as_deref(), Ok("leads created on 2026-03-31 or earlier"));
        assert!(Check::Since.verdict("2026-13-45").unwrap_err().starts_with("'2026-13-45' is not a date"));
        assert_eq!(own_limits("5"), Ok((Some(5), None)));
        assert_eq!(own_limits("- 1000"), Ok((None, Some(1000))));
        for limits in [(None, None), (Some(5), None), (None, Some(60)), (Some(5), Some(60))] {
            assert_eq!(own_limits(&own_limits_text(limits.0, limits.1)), Ok(limits), "{limits:?} reads back");
        }
        assert_eq!(Check::OwnLimits.verdict("- 1000").as_deref(), Ok("daily the group's, monthly 1,000 (own)"));
        assert!(own_limits("5 6 7").unwrap_err().contains("DAILY [MONTHLY]"));
        assert!(own_limits("5x").unwrap_err().contains("'5x' is not a whole number; DAILY [MONTHLY]"));
        assert_eq!(own_cap(""), Ok(None));
        assert_eq!(weight("101"), Err("enter a whole number from 1 to 100".into()));
        assert_eq!(reclaim("24 2"), Ok((24, Some(2))));
        assert_eq!(Check::Reclaim.verdict("0").as_deref(), Ok("empty or 0: no reclaim"));
        assert!(reclaim("5 0").unwrap_err().starts_with("at most 0 times reclaims nothing"));
        assert!(Check::Since.verdict("-2025-01-01").is_err(), "a negative year is no date a lead has");
    }
}
