//! T8: one filter is in force, shared by every pane. Each change of the
//! filter or the sort bumps its generation, and each write (this seat's or
//! another's) bumps the data epoch; every count, page and selection is kept
//! with the [`Stamp`] it was made for, and one of another stamp is never
//! shown (`…`) nor used.

use rusqlite::Connection;

use crate::core::filter::{Filter, OwnerFilter};
use crate::core::page::Sort;
use crate::core::{stages, users};

/// What a figure or a page was computed for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stamp {
    /// The filter and sort generation.
    pub filter: u64,
    /// Writes seen so far.
    pub data: u64,
}

#[derive(Debug, Clone, Default)]
pub struct Shared {
    pub filter: Filter,
    pub sort: Sort,
    generation: u64,
    data: u64,
    /// The filter in words, for the filter bar: built when it changes so
    /// that drawing never reads the database.
    pub label: String,
    /// The office's time zone: dates in the label are office dates.
    pub tz: Option<chrono_tz::Tz>,
}

impl Shared {
    pub fn new(conn: &Connection, filter: Filter, tz: chrono_tz::Tz) -> Shared {
        let label = label(conn, &filter, tz);
        Shared { filter, label, tz: Some(tz), ..Shared::default() }
    }

    pub fn stamp(&self) -> Stamp {
        Stamp { filter: self.generation, data: self.data }
    }

    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// A new filter is in force: everything made for the old one is stale.
    pub fn set_filter(&mut self, conn: &Connection, filter: Filter) {
        self.label = label(conn, &filter, self.tz.unwrap_or(chrono_tz::UTC));
        self.filter = filter;
        self.generation += 1;
    }

    pub fn set_sort(&mut self, sort: Sort) {
        self.sort = sort;
        self.generation += 1;
    }

    /// The database changed: counts must be made again (pages stay where they are).
    pub fn data_changed(&mut self) {
        self.data += 1;
    }
}

/// The filter in words ("unassigned · source Facebook").
fn label(conn: &Connection, f: &Filter, tz: chrono_tz::Tz) -> String {
    let mut parts: Vec<String> = Vec::new();
    match f.owner {
        OwnerFilter::Any => {}
        // `u`'s backlog (R5) reads plainly; unowned closed leads are the exception.
        OwnerFilter::Unassigned if f.open_only => parts.push("unassigned".into()),
        OwnerFilter::Unassigned => parts.push("unassigned, closed ones too".into()),
        OwnerFilter::User(id) => {
            let name = users::get(conn, id).map(|u| u.name).unwrap_or_else(|_| format!("#{id}"));
            parts.push(format!("owner {name}"));
        }
    }
    if !f.stage_ids.is_empty() {
        let names: Vec<String> = stages::list(conn)
            .unwrap_or_default()
            .into_iter()
            .filter(|s| f.stage_ids.contains(&s.id))
            .map(|s| s.name)
            .collect();
        parts.push(format!("status {}", names.join("|")));
    }
    if !f.sources.is_empty() {
        parts.push(format!("source {}", f.sources.join("|")));
    }
    if !f.tags.is_empty() {
        parts.push(format!("tag {}", f.tags.join("|")));
    }
    if let Some(from) = f.created_from {
        parts.push(format!("since {}", office_time(from, tz)));
    }
    if let Some(before) = f.created_before {
        parts.push(format!("before {}", office_time(before, tz)));
    }
    if !f.search.is_empty() {
        parts.push(format!("search \"{}\"", f.search));
    }
    if parts.is_empty() { "all leads".into() } else { parts.join(" · ") }
}

/// `ts` as the office reads it: its date, and the time unless it is midnight
/// (a bound typed as a date is the office's midnight, not UTC's).
fn office_time(ts: i64, tz: chrono_tz::Tz) -> String {
    let Some(at) = chrono::DateTime::from_timestamp(ts, 0) else { return String::new() };
    let local = at.with_timezone(&tz);
    if local.time() == chrono::NaiveTime::MIN {
        local.format("%Y-%m-%d").to_string()
    } else {
        local.format("%Y-%m-%d %H:%M").to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::time;

    #[test]
    fn a_bound_typed_as_an_office_date_reads_as_that_date_not_utcs() {
        let berlin: chrono_tz::Tz = "Europe/Berlin".parse().unwrap();
        let since = time::parse_date(berlin, "2026-03-01").unwrap().timestamp();
        assert_eq!(office_time(since, berlin), "2026-03-01");
        // A bound with a time of day (the triage queue's) keeps it, in office time.
        let at = time::parse_now("2026-03-01T09:30:00Z").unwrap().timestamp();
        assert_eq!(office_time(at, berlin), "2026-03-01 10:30");
    }
}
