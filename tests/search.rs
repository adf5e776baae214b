//! Free-text search (V1) through the trigram index: it must find exactly what
//! a scan of every lead finds, stay in step with edits, and give way to the
//! scan when a text is too common for the index to pay.

mod common;

use common::*;
use leadrota::core::Store;
use leadrota::core::distribute;
use leadrota::core::filter::Filter;
use leadrota::core::model::NewLead;
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
    assert_eq!(search::plan(s.conn(), "ann", 10).unwrap(), FindBy::Scan, "most sample leads hold 'ann'");
    assert_eq!(search::plan(s.conn(), "Jürgen Weiß", 10).unwrap(), FindBy::Index);
    assert_eq!(search::plan(s.conn(), "an", 10).unwrap(), FindBy::Scan, "two letters are below the index");
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
        prop_assert_eq!(ids(s, text.trim(), FindBy::Index), scanned);
    }
}

/// One sample per test thread: building it per case would dominate the run.
fn sample_once() -> &'static Store {
    thread_local! {
        static SAMPLE: &'static Store = Box::leak(Box::new(sample()));
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
