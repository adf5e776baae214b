//! Keyset pagination (V2) and the filter's SQL plans.

mod common;

use std::collections::HashSet;

use common::*;
use leadrota::core::assign::{self, Selection};
use leadrota::core::filter::{Filter, OwnerFilter};
use leadrota::core::page::{self, Direction, Sort, SortKey};
use leadrota::core::search::{self, SearchBy};

/// 60 leads sharing only three created_at values and three names, spread over owners and stages.
fn tied() -> (leadrota::core::Store, leadrota::core::Ctx) {
    let mut s = store();
    let ctx = ctx_at("2026-03-02T10:00:00Z");
    team(&mut s, &ctx, &["Tom", "Ann"]);
    let ids = leads(&mut s, &ctx, 60);
    s.conn().execute("UPDATE leads SET created_at = 1000 + (id % 3), name = 'N' || (id % 3)", []).unwrap();
    s.conn().execute("UPDATE leads SET status_changed_at = 5000 + (id % 2), stage_id = 1 + (id % 4)", []).unwrap();
    assign::assign(&mut s, &ctx, &Selection::Ids(ids.iter().copied().filter(|i| i % 5 == 0).collect()), "Tom").unwrap();
    assign::assign(&mut s, &ctx, &Selection::Ids(ids.iter().copied().filter(|i| i % 7 == 0).collect()), "Ann").unwrap();
    (s, ctx)
}

#[test]
fn pages_never_skip_or_repeat_rows_when_sort_keys_tie() {
    let (s, _) = tied();
    for key in SortKey::ALL {
        for descending in [false, true] {
            let sort = Sort { key, descending };
            let whole = page::all(s.conn(), &Filter::default(), sort, None).unwrap();
            assert_eq!(whole.len(), 60, "{sort:?}");
            let mut seen = Vec::new();
            let mut cursor = None;
            loop {
                let (rows, next) =
                    page::page(s.conn(), &Filter::default(), sort, cursor.as_ref(), Direction::Forward, 7).unwrap();
                seen.extend(rows.iter().map(|l| l.id));
                if rows.len() < 7 {
                    break;
                }
                cursor = next;
            }
            assert_eq!(seen, whole.iter().map(|l| l.id).collect::<Vec<_>>(), "{sort:?}");
            assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 60);
        }
    }
}

#[test]
fn paging_backward_returns_the_rows_just_before_in_display_order() {
    let (s, _) = tied();
    for key in SortKey::ALL {
        let sort = Sort { key, descending: false };
        let whole = page::all(s.conn(), &Filter::default(), sort, None).unwrap();
        let anchor = &whole[30];
        let cursor = page::cursor_at(s.conn(), sort, anchor).unwrap();
        let (before, _) =
            page::page(s.conn(), &Filter::default(), sort, Some(&cursor), Direction::Backward, 5).unwrap();
        let expected: Vec<i64> = whole[25..30].iter().map(|l| l.id).collect();
        assert_eq!(before.iter().map(|l| l.id).collect::<Vec<_>>(), expected, "{sort:?}");
    }
}

#[test]
fn sort_by_owner_puts_unassigned_first_then_owners_by_name() {
    let (s, _) = tied();
    let rows = page::all(s.conn(), &Filter::default(), "owner".parse().unwrap(), None).unwrap();
    let labels: Vec<&str> = rows.iter().map(|l| l.owner.as_deref().unwrap_or("")).collect();
    let mut sorted = labels.clone();
    sorted.sort_by_key(|o| o.to_lowercase());
    assert_eq!(labels, sorted);
}

#[test]
fn every_console_filter_and_sort_uses_an_index_for_order_and_never_scans_the_table() {
    let (s, ctx) = tied();
    let filters = [
        Filter::default(),
        Filter { owner: OwnerFilter::Unassigned, ..Filter::default() },
        Filter { owner: OwnerFilter::User(1), ..Filter::default() },
        Filter { stage_ids: vec![1], ..Filter::default() },
        Filter { sources: vec!["Website".into()], ..Filter::default() },
        Filter { tags: vec!["vip".into()], ..Filter::default() },
        Filter { created_from: Some(0), created_before: Some(2000), ..Filter::default() },
        Filter { search: "ann".into(), ..Filter::default() },
        Filter { search: "an".into(), ..Filter::default() },
    ];
    let agent = Filter::for_actor(&as_user(&s, &ctx, "Tom"));
    let plan = plan_of(&s, &agent, "");
    // An agent's view is their own leads plus pickable ones: found by index, sorted in memory (small by nature).
    assert!(plan.iter().all(|step| !step.starts_with("SCAN l") || step.contains("USING")), "{plan:?}");
    for filter in &filters {
        // Created order directly; status and owner order are read one stage or owner at a time, by created.
        for partition in ["", " AND l.stage_id = 2", " AND l.owner_id = 1", " AND l.owner_id IS NULL"] {
            let key = partition;
            let plan = plan_of(&s, filter, partition);
            let text = plan.join(" | ");
            assert!(!text.contains("SCAN l") || text.contains("USING"), "{filter:?} {key:?}: {text}");
            if search::plan(s.conn(), &filter.search_text(), search::PAGE_CANDIDATES).unwrap() == SearchBy::Index {
                // A search the index answers sorts its few candidates (at most PAGE_CANDIDATES).
                assert!(text.contains("SCAN leads_search VIRTUAL TABLE"), "{filter:?} {key:?}: {text}");
            } else {
                assert!(!text.contains("TEMP B-TREE"), "{filter:?} {key:?}: {text}");
            }
        }
    }
}

/// The query plan of the page query for `filter` (plus an extra partition clause).
fn plan_of(s: &leadrota::core::Store, filter: &Filter, partition: &str) -> Vec<String> {
    let by = search::plan(s.conn(), &filter.search_text(), search::PAGE_CANDIDATES).unwrap();
    let (clause, params) = filter.to_sql_with(by);
    let sql = format!(
        "EXPLAIN QUERY PLAN SELECT l.id FROM leads l WHERE {clause}{partition} ORDER BY l.created_at, l.id LIMIT 50"
    );
    let mut stmt = s.conn().prepare(&sql).unwrap();
    stmt.query_map(rusqlite::params_from_iter(params), |r| r.get::<_, String>(3))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}
