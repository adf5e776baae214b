//! Office-local days for the demo's clock, from the core's own bounds.

use chrono::{DateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;

use crate::core::time::day_bounds;

pub(super) fn at_of(ts: i64) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp(ts, 0).unwrap_or_default()
}

/// Seconds east of UTC of the office zone at `ts`.
pub(super) fn utc_offset(tz: Tz, ts: i64) -> i64 {
    i64::from(tz.offset_from_utc_datetime(&at_of(ts).naive_utc()).fix().local_minus_utc())
}

/// The office day holding a moment, as UTC seconds `[start, end)`, looked up
/// again only when the moment leaves the day last asked about.
pub(super) struct Days {
    tz: Tz,
    current: (i64, i64),
}

impl Days {
    pub fn new(tz: Tz) -> Days {
        Days { tz, current: (i64::MAX, i64::MIN) }
    }

    pub fn of(&mut self, ts: i64) -> (i64, i64) {
        if ts < self.current.0 || ts >= self.current.1 {
            let (start, end) = day_bounds(self.tz, at_of(ts));
            self.current = (start.timestamp(), end.timestamp().max(ts + 1));
        }
        self.current
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_of_the_office_zone_spans_its_local_midnights() {
        let tz: Tz = "Europe/Berlin".parse().unwrap();
        let mut days = Days::new(tz);
        // 2026-03-29 is 23 hours long in Berlin (clocks go forward).
        let noon = crate::core::time::parse_now("2026-03-29T10:00:00Z").unwrap().timestamp();
        let (start, end) = days.of(noon);
        assert_eq!(end - start, 23 * 3600);
        assert_eq!(days.of(start), (start, end));
        assert_ne!(days.of(end), (start, end));
    }
}
