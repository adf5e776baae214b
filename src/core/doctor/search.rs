//! The pieces that short searches look up (migration 8, see
//! `search::pieces`): a lead they cover must have its every piece listed,
//! else a one- or two-letter search misses it.
//!
//! Always: one state row, and no lead can be added at or below `upto`.
//! Without `--quick` (as SQLite's `quick_check` leaves index contents
//! unchecked): every lead up to `upto` and not outside the list has its
//! pieces listed and no field too short for pieces, and every term of the
//! search index itself is listed or belongs to a lead the searches read
//! one by one (which holds the list to the index's own tokenizer).

use std::collections::HashSet;

use rusqlite::Connection;

use super::{DoctorReport, first, tally};
use crate::core::error::Result;
use crate::core::search::pieces::{Listed, lead_pieces, piece_of};

const CHECK: &str = "search";

pub(super) fn check(conn: &Connection, full: bool, report: &mut DoctorReport) -> Result<()> {
    let state: Vec<i64> = conn
        .prepare("SELECT upto FROM search_pieces_state")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let [upto] = state[..] else {
        report.problems.push(problem(&format!(
            "search_pieces_state holds {} rows, expected one: one- or two-letter searches could miss leads",
            state.len()
        )));
        return Ok(());
    };
    let last: i64 = conn.query_row("SELECT coalesce(max(id), 0) FROM leads", [], |r| r.get(0))?;
    if upto > last {
        report.problems.push(problem(&format!(
            "search_pieces_state.upto is {upto}, after the last lead ({last}): one- or two-letter searches \
             would miss leads added from id {} on",
            last + 1
        )));
    }
    if !full {
        return Ok(());
    }
    let outside: HashSet<i64> = conn
        .prepare("SELECT lead_id FROM search_pieces_outside")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let listed = Listed::load(conn)?;
    // Pieces of the leads read one by one, which need not be listed.
    let mut read_itself = Listed::default();
    let mut unlisted: Vec<i64> = Vec::new();
    {
        let mut stmt = conn.prepare("SELECT id, name, email, company, phone_key FROM leads")?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let id: i64 = row.get(0)?;
            if id > upto || outside.contains(&id) {
                lead_pieces(row, |piece| read_itself.add(piece))?;
            } else {
                let mut all_listed = true;
                let covered = lead_pieces(row, |piece| all_listed &= listed.contains(piece))?;
                if !(covered && all_listed) {
                    unlisted.push(id);
                }
            }
        }
    }
    tally(
        &mut report.problems,
        CHECK,
        unlisted.len(),
        "lead(s) whose text is not all in search_pieces (a one- or two-letter search would miss them): ",
        || first(&unlisted, ", ", |id| format!("#{id}")),
    );
    conn.execute_batch("CREATE VIRTUAL TABLE temp.doctor_search_terms USING fts5vocab (main, 'leads_search', 'row');")?;
    let terms = unlisted_terms(conn, &listed, &read_itself);
    conn.execute_batch("DROP TABLE temp.doctor_search_terms;")?;
    let terms = terms?;
    tally(
        &mut report.problems,
        CHECK,
        terms.len(),
        "term(s) of the search index are not in search_pieces nor any lead's that short searches read \
         one by one: ",
        || first(&terms, ", ", |t| format!("{t:?}")),
    );
    Ok(())
}

/// The index's terms that are neither listed nor a piece of a lead read one by one.
fn unlisted_terms(conn: &Connection, listed: &Listed, read_itself: &Listed) -> Result<Vec<String>> {
    let mut found = Vec::new();
    let mut stmt = conn.prepare("SELECT term FROM temp.doctor_search_terms")?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let term = row.get_ref(0)?;
        let known = piece_of(term).is_some_and(|p| listed.contains(p) || read_itself.contains(p));
        if !known {
            found.push(String::from_utf8_lossy(term.as_bytes().unwrap_or_default()).into_owned());
        }
    }
    Ok(found)
}

fn problem(detail: &str) -> super::Finding {
    super::Finding { check: CHECK, detail: detail.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::Store;
    use crate::core::search::pieces;

    fn store() -> Store {
        let store = Store::open_in_memory().unwrap();
        store
            .conn()
            .execute_batch(
                "INSERT INTO leads (id, name, email, stage_id, created_at, updated_at, status_changed_at) VALUES
                     (1, 'Anna Lee', 'anna@example.com', 1, 0, 0, 0), (2, 'Jo', '', 1, 0, 0, 0),
                     (3, 'Qxenia', '', 1, 0, 0, 0);",
            )
            .unwrap();
        store
    }

    fn problems(store: &Store) -> Vec<String> {
        let mut report = DoctorReport {
            path: String::new(),
            integrity: Vec::new(),
            schema_version: 0,
            known_schema_version: 0,
            application_id: 0,
            journal_mode: String::new(),
            page_size: 0,
            page_count: 0,
            freelist_count: 0,
            counts: Default::default(),
            problems: Vec::new(),
            warnings: Vec::new(),
        };
        check(store.conn(), true, &mut report).unwrap();
        report.problems.into_iter().map(|f| f.detail).collect()
    }

    #[test]
    fn a_list_up_to_date_or_behind_passes() {
        let store = store();
        assert!(problems(&store).is_empty(), "every lead after upto is read itself");
        pieces::refresh(store.conn()).unwrap();
        assert!(problems(&store).is_empty());
    }

    #[test]
    fn a_missing_piece_or_a_short_field_outside_is_a_problem() {
        let store = store();
        pieces::refresh(store.conn()).unwrap();
        store.conn().execute("DELETE FROM search_pieces WHERE piece = 'qxe'", []).unwrap();
        store.conn().execute("DELETE FROM search_pieces_outside WHERE lead_id = 2", []).unwrap();
        let found = problems(&store);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[0].starts_with("2 lead(s)") && found[0].ends_with("#2, #3"), "{found:?}");
        assert!(found[1].starts_with("1 term(s)") && found[1].ends_with("\"qxe\""), "{found:?}");
    }

    #[test]
    fn a_bound_past_the_last_lead_is_a_problem() {
        let store = store();
        pieces::refresh(store.conn()).unwrap();
        store.conn().execute("UPDATE search_pieces_state SET upto = 9", []).unwrap();
        let found = problems(&store);
        assert!(found.iter().any(|p| p.contains("from id 4 on")), "{found:?}");
    }
}
