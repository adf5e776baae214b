//! Free-text search (V1) through the trigram index: it must find exactly what
//! a scan of every lead finds, stay in step with edits, and give way to the
//! scan when a text is too common for the index to pay.

mod common;

use common::*;
use leadrota::core::Store;
use leadrota::core::distribute;
use leadrota::core::filter::Filter;
use leadrota::core::import::{self, ImportOptions};
use leadrota::core::model::NewLead;
use leadrota::core::page;
use leadrota::core::search::{self, FindBy};
use proptest::prelude::*;

const FIRST: [&str; 8] = ["Ann", "Anna", "Hannah", "Zoë", "Jürgen", "O'Brien", "Ñuño", "Li"];
const LAST: [&str; 6] = ["Lee", "Stone", "Åberg", "Weiß", "Ruiz_Diaz", "50% Off"];
const COMPANY: [&str; 5] = ["Acme", "Stone, Bauer & Co", "Weiß GmbH", "", "Harbor \"Labs\""];

fn sample() -> Store {
    let mut s = store();
    let ctx = ctx_at("2026-03-02T10:00:00Z");
    distribute::set_auto_assign(&mut s, &ctx, false).unwrap();
    for i in 0..240usize {
        let first = FIRST[i % FIRST.len()];
        let last = LAST[(i / FIRST.len()) % LAST.len()];
        let new = NewLead {
            name: format!("{first} {last}"),
            email: format!("{}.{}{i}@{}.test", first.to_lowercase(), last.to_lowercase(), ["acme", "mail"][i % 2]),
            phone: if i % 3 == 0 { String::new() } else { format!("+1 (555) {:03}-{:04}", i % 97, i * 37 % 10_000) },
            company: COMPANY[i % COMPANY.len()].into(),
            source: "Website".into(),
            ..NewLead::default()
        };
        distribute::create_lead(&mut s, &ctx, &new).unwrap();
    }
    s
}

fn ids(s: &Store, search: &str, by: FindBy) -> Vec<i64> {
    let filter = Filter { search: search.into(), ..Filter::default() };
    let (clause, params) = filter.to_sql_with(by);
    let mut stmt = s.conn().prepare(&format!("SELECT l.id FROM leads l WHERE {clause} ORDER BY l.id")).unwrap();
    stmt.query_map(rusqlite::params_from_iter(params), |r| r.get(0)).unwrap().map(Result::unwrap).collect()
}

#[test]
fn the_index_finds_exactly_what_a_scan_finds() {
    let s = sample();
    for text in [
        "ann",
        "Anna",
        "HANNAH",
        "nah",
        "zoë",
        "Zoë Åberg",
        "weiß",
        "o'brien",
        "ruiz_d",
        "50% o",
        "% off",
        "stone, b",
        "\"labs\"",
        "acme",
        "@mail.test",
        "555",
        "(555) 01",
        "555 01",
        "5550",
        "+1 (555",
        "ee",
        "a",
        "nobody here",
        "ab\0cde",
        "\0ann",
    ] {
        let scanned = ids(&s, text, FindBy::Scan);
        assert_eq!(ids(&s, text, FindBy::Index), scanned, "search {text:?}");
        assert_eq!(ids(&s, text, FindBy::Pieces), scanned, "search {text:?}, pieces not listed yet");
    }
    assert!(!ids(&s, "Ruiz_Diaz", FindBy::Index).is_empty());
    assert!(!ids(&s, "5550", FindBy::Index).is_empty(), "phone digits are found through the index");
}

#[test]
fn an_edited_lead_is_found_by_its_new_name_only() {
    let s = sample();
    s.conn().execute("UPDATE leads SET name = 'Zebulon Quayle' WHERE id = 7", []).unwrap();
    assert_eq!(ids(&s, "zebulon", FindBy::Index), [7]);
    let before = ids(&s, "Hannah", FindBy::Scan);
    assert_eq!(ids(&s, "Hannah", FindBy::Index), before);
    s.conn().execute("DELETE FROM activity WHERE lead_id = 7", []).unwrap();
    s.conn().execute("DELETE FROM leads WHERE id = 7", []).unwrap();
    assert!(ids(&s, "zebulon", FindBy::Index).is_empty());
}

#[test]
fn a_common_text_is_scanned_and_a_rare_one_looked_up() {
    let s = sample();
    assert!(search::pieces::refresh(s.conn()).unwrap());
    assert_eq!(search::plan(s.conn(), "ann", 10).unwrap(), FindBy::Scan, "most sample leads hold 'ann'");
    assert_eq!(search::plan(s.conn(), "Jürgen Weiß", 10).unwrap(), FindBy::Index);
    assert_eq!(search::plan(s.conn(), "an", 10).unwrap(), FindBy::Scan, "most hold 'an' too");
    assert_eq!(search::plan(s.conn(), "a", 10).unwrap(), FindBy::Scan);
    assert_eq!(search::plan(s.conn(), "qx", 10).unwrap(), FindBy::Pieces, "no piece holds 'qx'");
    assert_eq!(search::plan(s.conn(), "ÿ", 10).unwrap(), FindBy::Pieces);
    assert_eq!(search::plan(s.conn(), "ñu", 100).unwrap(), FindBy::Pieces, "30 leads hold 'Ñu', folded 'ñu'");
    assert_eq!(search::plan(s.conn(), "5", 10).unwrap(), FindBy::Scan, "the start of a phone number matches nothing");
}

/// Short texts: every listed piece, the leads outside the list and those
/// after it, checked by LIKE, find what a scan finds.
const SHORT: [&str; 16] = ["a", "A", "an", "ë", "Ë", "ß", "ñu", "Ñ", "%", "_", "\\", "\"", "@", "qx", "ÿ", "'b"];

#[test]
fn a_short_text_is_found_through_its_pieces_as_a_scan_finds_it() {
    let s = sample();
    s.conn().execute("UPDATE leads SET name = 'Al', company = 'Ÿ!' WHERE id = 5", []).unwrap();
    s.conn().execute("UPDATE leads SET email = 'ÿ' || char(0) || 'ÿ' WHERE id = 6", []).unwrap();
    for listed in [false, true] {
        if listed {
            assert!(search::pieces::refresh(s.conn()).unwrap());
            assert_eq!(search::pieces::stale(s.conn()).unwrap(), 0);
        }
        for text in SHORT {
            let scanned = ids(&s, text, FindBy::Scan);
            assert_eq!(ids(&s, text, FindBy::Pieces), scanned, "search {text:?}, listed {listed}");
        }
    }
    assert_eq!(ids(&s, "Ÿ", FindBy::Pieces), [5], "a field of two characters has no piece: read itself");
    assert_eq!(ids(&s, "ÿ", FindBy::Pieces), [6], "LIKE reads up to the NUL");
}

/// The first page of `text` as the CLI and the console read it, and a scan.
fn first_page(s: &Store, text: &str) -> (Vec<i64>, Vec<i64>) {
    let filter = Filter { search: text.into(), ..Filter::default() };
    let sort = page::Sort { key: page::SortKey::Name, descending: false };
    let (rows, _) = page::page(s.conn(), &filter, sort, None, page::Direction::Forward, 50).unwrap();
    let mut found: Vec<i64> = rows.iter().map(|l| l.id).collect();
    found.sort_unstable();
    (found, ids(s, text, FindBy::Scan))
}

#[test]
fn a_lead_added_imported_or_edited_after_the_pieces_were_listed_is_found_by_a_short_search() {
    let mut s = sample();
    let ctx = ctx_at("2026-03-03T10:00:00Z");
    assert!(search::pieces::refresh(s.conn()).unwrap());
    for text in ["qx", "ÿ", "Ÿ", "ǅ", "ǆ"] {
        assert_eq!(search::plan(s.conn(), text, page::SORT_MATCHES_UP_TO).unwrap(), FindBy::Pieces, "{text}");
        assert!(first_page(&s, text).1.is_empty(), "no sample lead holds {text:?}");
    }
    let added = distribute::create_lead(&mut s, &ctx, &NewLead { name: "Qxana Ÿlva".into(), ..NewLead::default() })
        .unwrap()
        .0
        .id;
    let csv = "Name,Email,Company\nBo Ǆuric,bo@ǆ.test,ÿ Yachts\nJo,,\n";
    let report = import::import(&mut s, &ctx, csv.as_bytes(), &ImportOptions::default()).unwrap();
    assert_eq!(report.created, 2);
    let imported: Vec<i64> = (added + 1..=added + 2).collect();
    s.conn().execute("UPDATE leads SET company = 'Ǆ Qx' WHERE id = 9", []).unwrap();
    for (text, expected) in [
        ("qx", vec![9, added]),
        ("QX", vec![9, added]),
        ("Ÿ", vec![added]),
        ("ÿ", vec![imported[0]]),
        ("Ǆ", vec![9, imported[0]]),
        ("ǆ", vec![imported[0]]),
        ("jo", vec![imported[1]]),
    ] {
        assert_eq!(search::plan(s.conn(), text, page::SORT_MATCHES_UP_TO).unwrap(), FindBy::Pieces, "{text}");
        assert_eq!(first_page(&s, text), (expected.clone(), expected), "{text}");
    }
    // Folded in, they are still found, now through their pieces.
    assert!(search::pieces::refresh(s.conn()).unwrap());
    let outside: Vec<i64> = s
        .conn()
        .prepare("SELECT lead_id FROM search_pieces_outside")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(outside, [imported[1]], "only 'Jo', too short for a piece, is read itself");
    for text in ["qx", "Ÿ", "ÿ", "Ǆ", "ǆ", "jo"] {
        let (found, scanned) = first_page(&s, text);
        assert!(!found.is_empty(), "{text}");
        assert_eq!(found, scanned, "{text}");
    }
}

#[test]
fn a_short_search_folds_in_many_new_leads_before_it_looks_them_up() {
    let s = sample();
    assert!(search::pieces::refresh(s.conn()).unwrap());
    s.conn()
        .execute(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i <= ?1) \
             INSERT INTO leads (name, stage_id, created_at, updated_at, status_changed_at) \
             SELECT 'New ' || i || CASE WHEN i % 4000 = 0 THEN ' Qx' ELSE '' END, 1, i, i, i FROM n",
            [search::pieces::REFRESH_AT],
        )
        .unwrap();
    assert!(search::pieces::stale(s.conn()).unwrap() > search::pieces::REFRESH_AT);
    assert_eq!(search::plan(s.conn(), "qx", page::SORT_MATCHES_UP_TO).unwrap(), FindBy::Pieces);
    assert_eq!(search::pieces::stale(s.conn()).unwrap(), 0, "folded in on the way");
    let (found, scanned) = first_page(&s, "qx");
    assert_eq!(found.len(), 5);
    assert_eq!(found, scanned);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    /// Any piece of any searched field, in any case, finds the same leads both ways.
    #[test]
    fn any_piece_of_a_field_is_found_both_ways(lead in 1i64..=240, field in 0usize..4, start in 0usize..40, len in 1usize..12, upper: bool) {
        let s = sample_once();
        let column = ["name", "email", "phone", "company"][field];
        let value: String = s.conn().query_row(&format!("SELECT {column} FROM leads WHERE id = ?1"), [lead], |r| r.get(0)).unwrap();
        let chars: Vec<char> = value.chars().collect();
        prop_assume!(!chars.is_empty());
        let from = start % chars.len();
        let text: String = chars[from..(from + len).min(chars.len())].iter().collect();
        let text = if upper { text.to_uppercase() } else { text };
        prop_assume!(!text.trim().is_empty());
        let scanned = ids(s, text.trim(), FindBy::Scan);
        prop_assert_eq!(&ids(s, text.trim(), FindBy::Index), &scanned);
        prop_assert_eq!(ids(s, text.trim(), FindBy::Pieces), scanned);
    }
}

/// One sample per test thread: building it per case would dominate the run.
fn sample_once() -> &'static Store {
    thread_local! {
        static SAMPLE: &'static Store = Box::leak(Box::new({
            let s = sample();
            search::pieces::refresh(s.conn()).unwrap();
            s
        }));
    }
    SAMPLE.with(|s| *s)
}

#[test]
fn a_phone_number_is_found_by_its_digits_whatever_the_formatting() {
    let s = sample();
    let phone: String = s.conn().query_row("SELECT phone FROM leads WHERE id = 2", [], |r| r.get(0)).unwrap();
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    let spaced = format!("{} {}", &digits[1..4], &digits[4..]);
    for by in [FindBy::Index, FindBy::Scan] {
        assert!(ids(&s, &phone, by).contains(&2), "{phone} {by:?}");
        assert!(ids(&s, &spaced, by).contains(&2), "{spaced} {by:?}");
        assert!(ids(&s, "+1 (", by).is_empty(), "the start of a number matches nothing yet");
        assert!(!ids(&s, "anna.lee", by).is_empty(), "emails are text");
    }
}
