//! Time: UTC in storage, office-local days and months for limits and reports.

use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

use super::error::{Error, Result};

/// The office time zone named in IANA form, e.g. `Europe/Berlin`.
pub fn parse_tz(name: &str) -> Result<Tz> {
    name.trim().parse::<Tz>().map_err(|_| {
        Error::invalid(format!("unknown time zone '{name}' (expected an IANA name such as Europe/London)"))
    })
}

/// The machine's own zone, or UTC when it cannot be determined.
pub fn system_tz() -> Tz {
    iana_time_zone::get_timezone().ok().and_then(|name| name.parse::<Tz>().ok()).unwrap_or(Tz::UTC)
}

/// `--now` takes RFC 3339 (`2026-03-01T09:00:00Z`, or with an offset).
pub fn parse_now(text: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| Error::invalid(format!("bad time '{text}' (expected RFC 3339, e.g. 2026-03-01T09:00:00Z)")))
}

/// Local midnight of `date` in the office zone, as a UTC instant. A midnight
/// that falls in a DST gap resolves to the earliest valid instant after it.
pub fn local_midnight(tz: Tz, date: NaiveDate) -> DateTime<Utc> {
    let mut naive = date.and_hms_opt(0, 0, 0).unwrap_or_default();
    // A gap is at most a few hours; step forward until the wall clock exists.
    for _ in 0..48 {
        match tz.from_local_datetime(&naive) {
            LocalResult::Single(t) => return t.with_timezone(&Utc),
            LocalResult::Ambiguous(early, _) => return early.with_timezone(&Utc),
            LocalResult::None => naive += Duration::minutes(30),
        }
    }
    Utc.from_utc_datetime(&naive)
}

/// Start of the office day containing `now`.
pub fn day_start(tz: Tz, now: DateTime<Utc>) -> DateTime<Utc> {
    local_midnight(tz, now.with_timezone(&tz).date_naive())
}

/// Start of the office month containing `now`.
pub fn month_start(tz: Tz, now: DateTime<Utc>) -> DateTime<Utc> {
    let local = now.with_timezone(&tz).date_naive();
    let first = NaiveDate::from_ymd_opt(local.year(), local.month(), 1).unwrap_or(local);
    local_midnight(tz, first)
}

/// The office day containing `now`, as `[start, end)` in UTC: limits count
/// the whole day, deliveries stamped after the clock included (A8).
pub fn day_bounds(tz: Tz, now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
    let local = now.with_timezone(&tz).date_naive();
    let next = local.succ_opt().unwrap_or(local);
    (local_midnight(tz, local), local_midnight(tz, next))
}

/// The office month containing `now`, as `[start, end)` in UTC.
pub fn month_bounds(tz: Tz, now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
    let local = now.with_timezone(&tz).date_naive();
    let first = NaiveDate::from_ymd_opt(local.year(), local.month(), 1).unwrap_or(local);
    let next = if local.month() == 12 {
        NaiveDate::from_ymd_opt(local.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(local.year(), local.month() + 1, 1)
    }
    .unwrap_or(first);
    (local_midnight(tz, first), local_midnight(tz, next))
}

/// A date given on the command line: `YYYY-MM-DD` (office-local midnight) or RFC 3339.
pub fn parse_date(tz: Tz, text: &str) -> Result<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(local_midnight(tz, date));
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Ok(naive) = NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S")
        && let Some(t) = tz.from_local_datetime(&naive).earliest()
    {
        return Ok(t.with_timezone(&Utc));
    }
    Err(Error::invalid(format!("bad date '{text}' (expected YYYY-MM-DD or RFC 3339)")))
}

/// End bound for `--until DATE`: a plain date includes that whole local day.
pub fn parse_until(tz: Tz, text: &str) -> Result<DateTime<Utc>> {
    let trimmed = text.trim();
    if let Ok(date) = NaiveDate::parse_from_str(trimmed, "%Y-%m-%d") {
        let next = date.succ_opt().unwrap_or(date);
        return Ok(local_midnight(tz, next));
    }
    parse_date(tz, text)
}

/// RFC 3339 at the office's offset (`2026-03-01T12:33:28+01:00`; `Z` in
/// UTC): exact, and the hour the office lived.
pub fn to_rfc3339_in(tz: Tz, ts: i64) -> String {
    DateTime::<Utc>::from_timestamp(ts, 0)
        .map(|t| t.with_timezone(&tz).to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

/// Office time to the minute, for the console: `2026-03-01 12:33`.
pub fn office_minute(tz: Tz, ts: i64) -> String {
    DateTime::<Utc>::from_timestamp(ts, 0)
        .map(|t| t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

pub fn to_rfc3339(ts: i64) -> String {
    DateTime::<Utc>::from_timestamp(ts, 0)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

/// Compact age for tables: `45m`, `7h`, `12d`, `3mo`, `2y`; a year and more
/// is always in years, so a column never shows `24mo` beside `2y`.
pub fn short_age(seconds: i64) -> String {
    let s = seconds.max(0);
    match s {
        s if s < 3600 => format!("{}m", s / 60),
        s if s < 86_400 => format!("{}h", s / 3600),
        s if s < 86_400 * 60 => format!("{}d", s / 86_400),
        s if s < 86_400 * 365 => format!("{}mo", s / (86_400 * 30)),
        s => format!("{}y", s / (86_400 * 365)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_age_of_a_year_or_more_is_in_years_only() {
        let day = 86_400;
        assert_eq!(short_age(45 * day), "45d");
        assert_eq!(short_age(300 * day), "10mo");
        assert_eq!(short_age(400 * day), "1y");
        assert_eq!(short_age(729 * day), "1y");
        assert_eq!(short_age(730 * day), "2y");
    }

    fn utc(text: &str) -> DateTime<Utc> {
        parse_now(text).unwrap()
    }

    #[test]
    fn day_and_month_bounds_cover_the_whole_office_period() {
        let tz: Tz = "Europe/Berlin".parse().unwrap();
        // 2026-03-29 is 23 hours long in Berlin (spring forward).
        let (start, end) = day_bounds(tz, utc("2026-03-29T12:00:00Z"));
        assert_eq!((start, end), (utc("2026-03-28T23:00:00Z"), utc("2026-03-29T22:00:00Z")));
        let (start, end) = month_bounds(tz, utc("2026-12-31T23:30:00Z"));
        assert_eq!((start, end), (utc("2026-12-31T23:00:00Z"), utc("2027-01-31T23:00:00Z")));
        let (start, end) = month_bounds(tz, utc("2026-03-10T11:00:00Z"));
        assert_eq!((start, end), (utc("2026-02-28T23:00:00Z"), utc("2026-03-31T22:00:00Z")));
    }

    #[test]
    fn day_start_uses_office_date_not_utc_date() {
        // 02:00 UTC on the 10th is still the 9th in New York.
        let tz = parse_tz("America/New_York").unwrap();
        assert_eq!(day_start(tz, utc("2026-03-10T02:00:00Z")), utc("2026-03-09T04:00:00Z"));
    }

    #[test]
    fn day_after_spring_forward_is_23_hours() {
        let tz = parse_tz("Europe/Berlin").unwrap();
        let start = day_start(tz, utc("2026-03-29T12:00:00Z"));
        let next = day_start(tz, utc("2026-03-30T12:00:00Z"));
        assert_eq!((next - start).num_hours(), 23);
    }

    #[test]
    fn midnight_in_a_dst_gap_resolves_forward() {
        // Santiago skips 00:00-01:00 when DST starts.
        let tz = parse_tz("America/Santiago").unwrap();
        let date = NaiveDate::from_ymd_opt(2026, 9, 6).unwrap();
        let t = local_midnight(tz, date).with_timezone(&tz);
        assert_eq!(t.date_naive(), date);
    }

    #[test]
    fn month_start_is_local_first_of_month() {
        let tz = parse_tz("Asia/Tokyo").unwrap();
        assert_eq!(month_start(tz, utc("2026-04-30T16:00:00Z")), utc("2026-04-30T15:00:00Z"));
    }

    #[test]
    fn bad_inputs_are_errors() {
        assert!(parse_now("yesterday").is_err());
        assert!(parse_date(Tz::UTC, "2026-13-01").is_err());
        assert!(parse_tz("Mars/Olympus").is_err());
    }

    #[test]
    fn until_includes_the_whole_day() {
        assert_eq!(parse_until(Tz::UTC, "2026-01-01").unwrap(), utc("2026-01-02T00:00:00Z"));
    }
}
