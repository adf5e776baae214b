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
    /// The same, part by part, for the filter panel.
    pub words: Words,
    /// The office's time zone: dates in the label are office dates.
    pub tz: Option<chrono_tz::Tz>,
}

impl Shared {
    pub fn new(conn: &Connection, filter: Filter, tz: chrono_tz::Tz) -> Shared {
        let words = words(conn, &filter, tz);
        let label = label(&words, &filter);
        Shared { filter, label, words, tz: Some(tz), ..Shared::default() }
    }

    pub fn stamp(&self) -> Stamp {
        Stamp { filter: self.generation, data: self.data }
    }

    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// A new filter is in force: everything made for the old one is stale.
    pub fn set_filter(&mut self, conn: &Connection, filter: Filter) {
        self.words = words(conn, &filter, self.tz.unwrap_or(chrono_tz::UTC));
        self.label = label(&self.words, &filter);
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

/// The filter in words ("open · unassigned · source Facebook").
/// Each part of a filter in words, for the filter panel; `None` is "any".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Words {
    pub owner: Option<String>,
    pub status: Option<String>,
    pub source: Option<String>,
    pub tag: Option<String>,
    pub since: Option<String>,
    pub before: Option<String>,
    pub open_only: bool,
}

fn words(conn: &Connection, f: &Filter, tz: chrono_tz::Tz) -> Words {
    let owner = match f.owner {
        OwnerFilter::Any => None,
        OwnerFilter::Unassigned => Some("unassigned".to_string()),
        OwnerFilter::User(id) => Some(users::get(conn, id).map(|u| u.name).unwrap_or_else(|_| format!("#{id}"))),
    };
    let status = (!f.stage_ids.is_empty()).then(|| {
        let names: Vec<String> = stages::list(conn)
            .unwrap_or_default()
            .into_iter()
            .filter(|s| f.stage_ids.contains(&s.id))
            .map(|s| s.name)
            .collect();
        names.join("|")
    });
    let list = |values: &[String]| (!values.is_empty()).then(|| values.join("|"));
    Words {
        owner,
        status,
        source: list(&f.sources),
        tag: list(&f.tags),
        since: f.created_from.map(|t| office_time(t, tz)),
        before: f.created_before.map(|t| bound_words(t, tz)),
        open_only: f.open_only,
    }
}

fn label(w: &Words, f: &Filter) -> String {
    let mut parts: Vec<String> = Vec::new();
    match (&w.owner, &f.owner) {
        (None, _) => {}
        // `u`'s backlog (R5) reads plainly; unowned closed leads are the exception.
        (Some(_), OwnerFilter::Unassigned) if f.open_only => parts.push("open · unassigned".into()),
        (Some(_), OwnerFilter::Unassigned) => parts.push("unassigned, closed ones too".into()),
        (Some(name), _) => parts.push(format!("owner {name}")),
    }
    if f.open_only && f.owner != OwnerFilter::Unassigned {
        parts.push("open".into());
    }
    for (word, value) in [("status", &w.status), ("source", &w.source), ("tag", &w.tag)] {
        if let Some(value) = value {
            parts.push(format!("{word} {value}"));
        }
    }
    if let Some(since) = &w.since {
        parts.push(format!("since {since}"));
    }
    if let Some(before) = &w.before {
        parts.push(before.clone());
    }
    if !f.search.is_empty() {
        parts.push(format!("search \"{}\"", f.search));
    }
    if parts.is_empty() { "all leads".into() } else { parts.join(" · ") }
}

/// An end bound as the office reads it: a date typed as "until 2026-03-31"
/// is kept as the next midnight and reads back as typed; a bound with a
/// time of day (the triage queue's) reads "before 2026-11-28 23:24".
fn bound_words(ts: i64, tz: chrono_tz::Tz) -> String {
    let Some(at) = chrono::DateTime::from_timestamp(ts, 0) else { return String::new() };
    let local = at.with_timezone(&tz);
    match local.date_naive().pred_opt() {
        Some(day) if local.time() == chrono::NaiveTime::MIN => format!("until {}", day.format("%Y-%m-%d")),
        _ => format!("before {}", office_time(ts, tz)),
    }
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
        let until = time::parse_until(berlin, "2026-03-31").unwrap().timestamp();
        assert_eq!(bound_words(until, berlin), "until 2026-03-31");
        assert_eq!(bound_words(at, berlin), "before 2026-03-01 10:30");
    }
}
