//! A17 Working hours and away: a user's weekly schedule in the office time
//! zone (`Mon-Fri 09:00-17:30`, several ranges a day: `Mon-Fri 09:00-12:00,
//! 13:00-17:30; Sat 10:00-14:00`) and a first day back after an absence.
//! Outside them a user is not eligible for automatic distribution; manual
//! assignment and pick-up are unaffected; no schedule means always on.

use std::fmt;

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Timelike, Utc};
use chrono_tz::Tz;

use super::error::{Error, Result};

const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// Minutes from local midnight: `[start, end)`, end up to 24:00.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Range {
    start: u32,
    end: u32,
}

/// The ranges of each weekday, Monday first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Schedule {
    days: [Vec<Range>; 7],
}

impl Schedule {
    /// Always on: no schedule set.
    pub fn is_always(&self) -> bool {
        self.days.iter().all(Vec::is_empty)
    }

    /// Parse the typed form; an empty text is "always on".
    pub fn parse(text: &str) -> Result<Schedule> {
        let mut schedule = Schedule::default();
        for entry in text.split(';').map(str::trim).filter(|e| !e.is_empty()) {
            let (days, ranges) = entry.split_once(char::is_whitespace).ok_or_else(|| {
                Error::invalid(format!("{}: give days then hours, e.g. 'Mon-Fri 09:00-17:30'", quoted(entry)))
            })?;
            let days = parse_days(days.trim())?;
            for range in ranges.split(',').map(str::trim) {
                let range = parse_range(range)?;
                for &d in &days {
                    let slot = &mut schedule.days[d];
                    if slot.iter().any(|r| r.start < range.end && range.start < r.end) {
                        return Err(Error::invalid(format!("{}: {} has overlapping hours", quoted(entry), DAYS[d])));
                    }
                    slot.push(range);
                    slot.sort_by_key(|r| r.start);
                }
            }
        }
        Ok(schedule)
    }

    fn covers(&self, weekday: usize, minute: u32) -> bool {
        self.days[weekday].iter().any(|r| r.start <= minute && minute < r.end)
    }

    /// `None` when on shift at `now` (office time), else the next local
    /// start, written the way the reason shows it (`Mon 09:00`).
    pub fn off_shift_until(&self, tz: Tz, now: DateTime<Utc>) -> Option<Option<String>> {
        if self.is_always() {
            return None;
        }
        let local = now.with_timezone(&tz);
        let today = local.weekday().num_days_from_monday() as usize;
        let minute = local.hour() * 60 + local.minute();
        if self.covers(today, minute) {
            return None;
        }
        let next = (0..8).find_map(|ahead| {
            let day = (today + ahead) % 7;
            self.days[day].iter().find(|r| ahead > 0 || r.start > minute).map(|r| (day, r.start))
        });
        Some(next.map(|(day, start)| format!("{} {:02}:{:02}", DAYS[day], start / 60, start % 60)))
    }
}

/// A piece of what was typed, short enough for a one-line error.
fn quoted(text: &str) -> String {
    let mut short: String = text.chars().take(40).collect();
    if short.len() < text.len() {
        short.push('…');
    }
    format!("'{short}'")
}

fn parse_days(text: &str) -> Result<Vec<usize>> {
    let day = |name: &str| -> Result<usize> {
        let name = name.trim();
        DAYS.iter()
            .position(|d| d.eq_ignore_ascii_case(name) || name.len() > 3 && full_name(d).eq_ignore_ascii_case(name))
            .ok_or_else(|| {
                Error::invalid(format!("unknown day {} (use Mon, Tue, Wed, Thu, Fri, Sat, Sun)", quoted(name)))
            })
    };
    let mut out = Vec::new();
    for part in text.split(',').filter(|p| !p.trim().is_empty()) {
        match part.split_once('-') {
            Some((from, to)) => {
                let (from, to) = (day(from)?, day(to)?);
                let mut d = from;
                loop {
                    out.push(d);
                    if d == to {
                        break;
                    }
                    d = (d + 1) % 7;
                }
            }
            None => out.push(day(part)?),
        }
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

fn full_name(short: &str) -> &'static str {
    match short {
        "Mon" => "Monday",
        "Tue" => "Tuesday",
        "Wed" => "Wednesday",
        "Thu" => "Thursday",
        "Fri" => "Friday",
        "Sat" => "Saturday",
        _ => "Sunday",
    }
}

fn parse_range(text: &str) -> Result<Range> {
    let (from, to) =
        text.split_once('-').ok_or_else(|| Error::invalid(format!("'{text}': hours are written 09:00-17:30")))?;
    let (start, end) = (parse_time(from)?, parse_time(to)?);
    if end <= start {
        return Err(Error::invalid(format!(
            "'{text}': the end must be after the start (a night shift is two ranges: 22:00-24:00 and 00:00-06:00)"
        )));
    }
    Ok(Range { start, end })
}

fn parse_time(text: &str) -> Result<u32> {
    let text = text.trim();
    if text == "24:00" {
        return Ok(24 * 60);
    }
    if text.is_empty() {
        return Err(Error::invalid("a time is missing: hours are written 09:00-17:30"));
    }
    let t = NaiveTime::parse_from_str(text, "%H:%M")
        .map_err(|_| Error::invalid(format!("bad time {} (expected HH:MM, 00:00 to 24:00)", quoted(text))))?;
    Ok(t.hour() * 60 + t.minute())
}

impl fmt::Display for Schedule {
    /// The canonical form: days with the same hours joined (`Mon-Fri 09:00-17:30; Sat 10:00-14:00`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hours = |ranges: &[Range]| -> String {
            let hm = |m: u32| format!("{:02}:{:02}", m / 60, m % 60);
            ranges.iter().map(|r| format!("{}-{}", hm(r.start), hm(r.end))).collect::<Vec<_>>().join(", ")
        };
        let mut parts = Vec::new();
        let mut d = 0;
        while d < 7 {
            if self.days[d].is_empty() {
                d += 1;
                continue;
            }
            let mut last = d;
            while last + 1 < 7 && self.days[last + 1] == self.days[d] {
                last += 1;
            }
            let days = if last == d { DAYS[d].to_string() } else { format!("{}-{}", DAYS[d], DAYS[last]) };
            parts.push(format!("{days} {}", hours(&self.days[d])));
            d = last + 1;
        }
        f.write_str(&parts.join("; "))
    }
}

/// `away until DATE`: away before local midnight of DATE, back on DATE.
pub fn parse_away(text: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| Error::invalid(format!("bad date '{}' (expected YYYY-MM-DD, the first day back)", text.trim())))
}

/// A user's availability for automatic distribution (A17).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Availability {
    pub schedule: Schedule,
    pub away_until: Option<NaiveDate>,
}

impl Availability {
    /// From the stored texts; a text that no longer parses counts as none
    /// (it was validated when set).
    pub fn from_stored(schedule: &str, away_until: &str) -> Availability {
        Availability {
            schedule: Schedule::parse(schedule).unwrap_or_default(),
            away_until: parse_away(away_until).ok(),
        }
    }

    /// Why the user is not available at `now`, or `None`.
    pub fn unavailable(&self, tz: Tz, now: DateTime<Utc>) -> Option<String> {
        if let Some(back) = self.away_until
            && now.with_timezone(&tz).date_naive() < back
        {
            return Some(format!("away until {back}"));
        }
        match self.schedule.off_shift_until(tz, now)? {
            Some(next) => Some(format!("off shift until {next}")),
            None => Some("off shift (no working hours)".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;

    /// The first instant of local `date` + `minute`.
    fn local(tz: Tz, date: NaiveDate, minute: u32) -> DateTime<Utc> {
        let naive = date.and_hms_opt(minute / 60, minute % 60, 0).unwrap();
        tz.from_local_datetime(&naive).earliest().unwrap().to_utc()
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    #[test]
    fn typed_schedules_parse_and_read_back_canonically() {
        let s = Schedule::parse("mon-fri 09:00-12:00, 13:00-17:30; Sat 10:00-14:00").unwrap();
        assert_eq!(s.to_string(), "Mon-Fri 09:00-12:00, 13:00-17:30; Sat 10:00-14:00");
        assert_eq!(Schedule::parse("Fri-Mon 22:00-24:00").unwrap().to_string(), "Mon 22:00-24:00; Fri-Sun 22:00-24:00");
        assert!(Schedule::parse("").unwrap().is_always());
    }

    #[test]
    fn bad_schedules_say_what_is_wrong() {
        for (text, needle) in [
            ("Mon-Fri", "give days then hours"),
            ("Funday 09:00-10:00", "unknown day 'Funday'"),
            ("Mon 9-17", "bad time '9' (expected HH:MM"),
            ("Mon 09:00", "hours are written"),
            ("Mon 17:00-09:00", "end must be after the start"),
            ("Mon 09:00-12:00, 11:00-13:00", "overlapping"),
            ("Mon 25:00-26:00", "bad time '25:00'"),
            ("Mon -01:00-17:00", "a time is missing"),
        ] {
            let err = Schedule::parse(text).unwrap_err().to_string();
            assert!(err.contains(needle), "{text}: {err}");
        }
    }

    #[test]
    fn off_shift_names_the_next_start_in_office_time() {
        let tz: Tz = "Europe/Berlin".parse().unwrap();
        let s = Schedule::parse("Mon-Fri 09:00-17:30").unwrap();
        // Friday 18:00 Berlin (17:00 UTC in March, before DST).
        assert_eq!(s.off_shift_until(tz, utc("2026-03-06T17:00:00Z")), Some(Some("Mon 09:00".into())));
        assert_eq!(s.off_shift_until(tz, utc("2026-03-06T08:00:00Z")), None);
        assert_eq!(s.off_shift_until(tz, utc("2026-03-06T07:59:00Z")), Some(Some("Fri 09:00".into())));
    }

    #[test]
    fn shifts_hold_across_both_dst_nights_in_new_york_and_berlin() {
        for (zone, spring, fall) in [
            ("America/New_York", NaiveDate::from_ymd_opt(2026, 3, 8), NaiveDate::from_ymd_opt(2026, 11, 1)),
            ("Europe/Berlin", NaiveDate::from_ymd_opt(2026, 3, 29), NaiveDate::from_ymd_opt(2026, 10, 25)),
        ] {
            let tz: Tz = zone.parse().unwrap();
            // A night shift on Sundays, across the hour that is skipped or repeated.
            let s = Schedule::parse("Sun 00:00-05:00").unwrap();
            for date in [spring.unwrap(), fall.unwrap()] {
                let inside = local(tz, date, 4 * 60 + 30);
                let after = local(tz, date, 5 * 60 + 1);
                assert_eq!(s.off_shift_until(tz, inside), None, "{zone} {date} 04:30");
                assert_eq!(s.off_shift_until(tz, after), Some(Some("Sun 00:00".into())), "{zone} {date} 05:01");
                // Every UTC minute of the local night is on shift, however long the night is.
                let (start, end) = (local(tz, date, 0), local(tz, date, 5 * 60));
                let mut t = start;
                while t < end {
                    assert_eq!(s.off_shift_until(tz, t), None, "{zone} {t}");
                    t += Duration::minutes(15);
                }
                assert!(s.off_shift_until(tz, end).is_some(), "{zone} {end}");
            }
        }
    }

    #[test]
    fn away_until_means_back_on_that_day() {
        let tz: Tz = "Europe/Berlin".parse().unwrap();
        let a = Availability { away_until: Some(parse_away("2026-12-03").unwrap()), ..Availability::default() };
        assert_eq!(a.unavailable(tz, utc("2026-12-02T22:59:00Z")), Some("away until 2026-12-03".into()));
        assert_eq!(a.unavailable(tz, utc("2026-12-02T23:00:00Z")), None);
    }
}
