//! Created dates as the CRMs write them: RFC 3339 and ISO with
//! milliseconds (Salesforce's `2024-03-15T14:30:00.000+0000`),
//! `2024-03-12 09:14` (HubSpot, Zoho, Pipedrive, Odoo), `15.03.2024 14:30`,
//! and `3/15/2024 2:30 PM` or `3/15/2024, 2:30 PM` (Salesforce in the US).
//! A time without a zone is office time. Dates before 1970 or more than a
//! day ahead of the clock are refused: they are a misread, not a lead.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::core::error::shown;

/// Day/month order of `dd/dd/yyyy` dates, decided once per file from the
/// values that can only be read one way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SlashOrder {
    DayFirst,
    MonthFirst,
    Unknown,
    Conflicting,
}

/// How far ahead of the clock a created date may be (time zones, clock skew).
const AHEAD: i64 = 86_400;

/// `3/15/2024, 2:30 PM` reads as `3/15/2024 2:30 PM`.
fn without_comma(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains(',') { text.replacen(',', "", 1).into() } else { text.into() }
}

fn slash_parts(text: &str) -> Option<(u32, u32)> {
    let mut parts = text.trim().split(['/', ' ', 'T', ',']);
    let a = parts.next()?.parse().ok()?;
    let b = parts.next()?.parse().ok()?;
    parts.next()?.parse::<u32>().ok()?;
    Some((a, b))
}

fn twelve_hour(text: &str) -> bool {
    let upper = text.trim_end().to_ascii_uppercase();
    upper.ends_with("AM") || upper.ends_with("PM")
}

/// The order the file's slash dates follow. A day above 12 settles it; when
/// nothing does, a 12-hour clock (`2:30 PM`) is the US style, month first.
pub(super) fn slash_order<'a>(values: Option<impl Iterator<Item = &'a str>>) -> SlashOrder {
    let (mut day_first, mut month_first, mut am_pm) = (false, false, false);
    for value in values.into_iter().flatten() {
        let Some((a, b)) = slash_parts(value) else { continue };
        day_first |= a > 12 && b <= 12;
        month_first |= b > 12 && a <= 12;
        am_pm |= twelve_hour(value);
    }
    match (day_first, month_first) {
        (true, false) => SlashOrder::DayFirst,
        (false, true) => SlashOrder::MonthFirst,
        (true, true) => SlashOrder::Conflicting,
        (false, false) if am_pm => SlashOrder::MonthFirst,
        (false, false) => SlashOrder::Unknown,
    }
}

const TIME_FORMATS: [&str; 5] = ["%H:%M:%S%.f", "%H:%M:%S", "%H:%M", "%I:%M %p", "%I:%M:%S %p"];

/// A created date (see the module comment), checked against the clock `now`.
pub(super) fn parse_created(
    tz: Tz,
    text: &str,
    order: SlashOrder,
    now: i64,
) -> std::result::Result<DateTime<Utc>, String> {
    let at = parse_date(tz, text, order)?;
    if at.timestamp() < 0 {
        return Err(format!("created date '{}' is before 1970", shown(text)));
    }
    if at.timestamp() > now.saturating_add(AHEAD) {
        return Err(format!("created date '{}' is in the future", shown(text)));
    }
    Ok(at)
}

fn parse_date(tz: Tz, text: &str, order: SlashOrder) -> std::result::Result<DateTime<Utc>, String> {
    let bad = || {
        format!(
            "bad created date '{}' (expected YYYY-MM-DD, YYYY-MM-DD HH:MM, DD.MM.YYYY, M/D/YYYY H:MM AM \
             or RFC 3339)",
            shown(text)
        )
    };
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    // Salesforce's Data Loader: an offset without a colon.
    if let Ok(t) = DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f%z") {
        return Ok(t.with_timezone(&Utc));
    }
    let text_without_comma = without_comma(text);
    let (date_part, time_part) = match text_without_comma.split_once([' ', 'T']) {
        Some((d, t)) => (d, Some(t.trim())),
        None => (text_without_comma.as_ref(), None),
    };
    let date = if date_part.contains('/') {
        let formats: &[&str] = match order {
            SlashOrder::DayFirst => &["%d/%m/%Y"],
            SlashOrder::MonthFirst => &["%m/%d/%Y"],
            SlashOrder::Unknown | SlashOrder::Conflicting => {
                if let Some((a, b)) = slash_parts(date_part)
                    && a == b
                {
                    &["%d/%m/%Y"]
                } else if order == SlashOrder::Conflicting {
                    return Err(format!(
                        "created date '{}': the file mixes day-first and month-first dates; use YYYY-MM-DD",
                        shown(text)
                    ));
                } else {
                    return Err(format!(
                        "ambiguous created date '{}' (day/month order unknown); use YYYY-MM-DD",
                        shown(text)
                    ));
                }
            }
        };
        formats.iter().find_map(|f| NaiveDate::parse_from_str(date_part, f).ok())
    } else {
        ["%Y-%m-%d", "%d.%m.%Y"].iter().find_map(|f| NaiveDate::parse_from_str(date_part, f).ok())
    };
    let date = date.ok_or_else(bad)?;
    let time = match time_part.filter(|t| !t.is_empty()) {
        None => NaiveTime::MIN,
        Some(t) => TIME_FORMATS.iter().find_map(|f| NaiveTime::parse_from_str(t, f).ok()).ok_or_else(bad)?,
    };
    local(tz, date.and_time(time)).ok_or_else(bad)
}

/// Office-local wall time to UTC; a time in a DST gap moves forward past it.
fn local(tz: Tz, naive: NaiveDateTime) -> Option<DateTime<Utc>> {
    (0..5)
        .find_map(|step| tz.from_local_datetime(&(naive + Duration::minutes(30 * step))).earliest())
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_772_445_600; // 2026-03-02T10:00:00Z

    fn read(text: &str, order: SlashOrder) -> std::result::Result<String, String> {
        parse_created(Tz::UTC, text, order, NOW).map(|t| t.to_rfc3339())
    }

    #[test]
    fn slash_dates_follow_the_order_the_file_shows() {
        assert_eq!(read("25/03/2025", SlashOrder::DayFirst).unwrap(), "2025-03-25T00:00:00+00:00");
        assert_eq!(read("03/04/2025 14:30", SlashOrder::MonthFirst).unwrap(), "2025-03-04T14:30:00+00:00");
        assert!(read("03/04/2026", SlashOrder::Unknown).unwrap_err().contains("ambiguous"));
        assert_eq!(slash_order(Some(["03/04/2026", "25/03/2026"].into_iter())), SlashOrder::DayFirst);
        assert!(read("yesterday", SlashOrder::Unknown).is_err());
        assert_eq!(read("31.12.2025 23:59", SlashOrder::Unknown).unwrap(), "2025-12-31T23:59:00+00:00");
    }

    #[test]
    fn the_crms_date_styles_parse() {
        let order = slash_order(Some(["3/15/2024, 2:30 PM", "3/5/2024 9:05 AM"].into_iter()));
        assert_eq!(order, SlashOrder::MonthFirst);
        assert_eq!(read("3/15/2024, 2:30 PM", order).unwrap(), "2024-03-15T14:30:00+00:00");
        assert_eq!(read("3/5/2024 9:05 AM", order).unwrap(), "2024-03-05T09:05:00+00:00");
        assert_eq!(read("2024-03-12 09:14", SlashOrder::Unknown).unwrap(), "2024-03-12T09:14:00+00:00");
        assert_eq!(read("15.03.2024 14:30", SlashOrder::Unknown).unwrap(), "2024-03-15T14:30:00+00:00");
        assert_eq!(read("2024-03-15T14:30:00.000Z", SlashOrder::Unknown).unwrap(), "2024-03-15T14:30:00+00:00");
        assert_eq!(read("2024-03-15T14:30:00.000+0100", SlashOrder::Unknown).unwrap(), "2024-03-15T13:30:00+00:00");
        assert_eq!(read("2024-03-15T14:30:00.250", SlashOrder::Unknown).unwrap(), "2024-03-15T14:30:00.250+00:00");
    }

    #[test]
    fn a_twelve_hour_clock_alone_means_month_first() {
        assert_eq!(slash_order(Some(["3/5/2024 2:30 PM"].into_iter())), SlashOrder::MonthFirst);
        assert_eq!(slash_order(Some(["3/5/2024 14:30"].into_iter())), SlashOrder::Unknown);
    }

    #[test]
    fn dates_before_1970_or_past_tomorrow_are_refused() {
        assert!(read("1969-12-31", SlashOrder::Unknown).unwrap_err().contains("before 1970"));
        assert!(read("2026-03-04", SlashOrder::Unknown).unwrap_err().contains("future"));
        assert!(read("2026-03-03 09:00", SlashOrder::Unknown).is_ok(), "within a day of the clock");
        assert!(read("1970-01-01", SlashOrder::Unknown).is_ok());
    }
}
