//! Keyset pagination (V2) and the filter's SQL plans.

mod common;

use std::collections::HashSet;

use common::*;
use leadrota::core::assign::{self, Selection};
use leadrota::core::filter::{Filter, OwnerFilter};
use leadrota::core::page::{self, Direction, Reading, Sort, SortKey};
use leadrota::core::search;

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
    // The empty filter walks the sort's index; the other sorts its few matches.
    for filter in [Filter::default(), Filter { created_from: Some(0), ..Filter::default() }] {
        for key in SortKey::ALL {
            for descending in [false, true] {
                let sort = Sort { key, descending };
                let whole = page::all(s.conn(), &filter, sort, None).unwrap();
                assert_eq!(whole.len(), 60, "{sort:?}");
                let mut seen = Vec::new();
                let mut cursor = None;
                loop {
                    let (rows, next) =
                        page::page(s.conn(), &filter, sort, cursor.as_ref(), Direction::Forward, 7).unwrap();
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
}

#[test]
fn paging_backward_returns_the_rows_just_before_in_display_order() {
    let (s, _) = tied();
    for filter in [Filter::default(), Filter { created_from: Some(0), ..Filter::default() }] {
        for key in SortKey::ALL {
            let sort = Sort { key, descending: false };
            let whole = page::all(s.conn(), &filter, sort, None).unwrap();
            let anchor = &whole[30];
            let cursor = page::cursor_at(s.conn(), sort, anchor).unwrap();
            let (before, _) = page::page(s.conn(), &filter, sort, Some(&cursor), Direction::Backward, 5).unwrap();
            let expected: Vec<i64> = whole[25..30].iter().map(|l| l.id).collect();
            assert_eq!(before.iter().map(|l| l.id).collect::<Vec<_>>(), expected, "{sort:?}");
        }
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

/// 12,000 leads: even ids are Tom's, tagged vip, in stage 2, from Referral; one
/// lead in a thousand is tagged rare; names and created times spread over both halves.
fn large() -> (leadrota::core::Store, leadrota::core::Ctx) {
    let mut s = store();
    let ctx = ctx_at("2026-03-02T10:00:00Z");
    team(&mut s, &ctx, &["Tom", "Ann"]);
    leads(&mut s, &ctx, 60);
    s.conn()
        .execute_batch(
            "INSERT INTO leads (name, email, source, stage_id, created_at, updated_at, status_changed_at) \
             SELECT 'Lead ' || n.i || '-' || l.id, 'l' || n.i || '-' || l.id || '@example.com', 'Website', 1, \
                    l.created_at + n.i, l.updated_at, l.status_changed_at + n.i \
             FROM leads l, (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 199) \
                            SELECT i FROM n) n;
             UPDATE leads SET stage_id = 2, source = 'Referral' WHERE id % 2 = 0;
             INSERT INTO lead_tags (lead_id, tag) SELECT id, 'vip' FROM leads WHERE id % 2 = 0;
             INSERT INTO lead_tags (lead_id, tag) SELECT id, 'rare' FROM leads WHERE id % 1000 = 7;",
        )
        .unwrap();
    let even: Vec<i64> = (1..=12_000).filter(|i| i % 2 == 0).collect();
    assign::assign(&mut s, &ctx, &Selection::Ids(even), "Tom").unwrap();
    // Two leads a short search finds through its pieces, or reads itself ("Jo" has none).
    s.conn()
        .execute_batch(
            "INSERT INTO leads (name, email, source, stage_id, created_at, updated_at, status_changed_at) \
             VALUES ('Jo', '', 'Website', 1, 5, 5, 5), ('Åsa Ÿork', '', 'Website', 1, 6, 6, 6);",
        )
        .unwrap();
    // A long-lived file, whose leads' pieces short searches look up.
    assert!(search::pieces::refresh(s.conn()).unwrap());
    (s, ctx)
}

/// Whether a plan reads every lead (the table, or a whole index of it).
fn reads_every_lead(plan: &[String]) -> bool {
    plan.iter().any(|step| step == "SCAN l" || step.starts_with("SCAN l "))
}

#[test]
fn every_filter_and_sort_reads_its_first_page_the_way_that_stays_fast() {
    let (s, _) = large();
    let dense = [
        Filter::default(),
        Filter { owner: OwnerFilter::Unassigned, ..Filter::default() },
        Filter { owner: OwnerFilter::User(1), ..Filter::default() },
        Filter { stage_ids: vec![2], ..Filter::default() },
        Filter { sources: vec!["Referral".into()], ..Filter::default() },
        Filter { tags: vec!["vip".into()], ..Filter::default() },
        Filter { created_from: Some(0), ..Filter::default() },
        Filter { search: "lead".into(), ..Filter::default() },
        Filter { search: "le".into(), ..Filter::default() },
        Filter { open_only: true, ..Filter::default() },
    ];
    let sparse = [
        Filter { tags: vec!["rare".into()], ..Filter::default() },
        Filter { tags: vec!["nonexistent".into()], ..Filter::default() },
        Filter { created_from: Some(i64::MAX - 1), ..Filter::default() },
        Filter { search: "lead 17-".into(), ..Filter::default() },
        Filter { search: "qx".into(), ..Filter::default() },
        Filter { stage_ids: vec![2], tags: vec!["rare".into()], ..Filter::default() },
        Filter { owner: OwnerFilter::User(1), search: "l199-".into(), ..Filter::default() },
        Filter { ids: Some(vec![5, 6, 7]), ..Filter::default() },
        // One or two characters, through the pieces that hold them.
        Filter { search: "ÿ".into(), ..Filter::default() },
        Filter { search: "Ÿ".into(), ..Filter::default() },
        Filter { search: "jo".into(), ..Filter::default() },
        Filter { search: "q".into(), ..Filter::default() },
        Filter { tags: vec!["vip".into()], search: "qx".into(), ..Filter::default() },
        Filter { owner: OwnerFilter::User(1), search: "ÿo".into(), ..Filter::default() },
        Filter { open_only: true, created_from: Some(0), search: "Ÿ".into(), ..Filter::default() },
    ];
    for key in SortKey::ALL {
        for descending in [false, true] {
            let sort = Sort { key, descending };
            for filter in &dense {
                let (reading, plan) = page::first_page_plan(s.conn(), filter, sort, 50).unwrap();
                let text = plan.join(" | ");
                assert_eq!(reading, Reading::Walk, "{filter:?} {sort:?}");
                // Along an index in the sort's order: no sort of the matches, no scan of the table.
                let walk = text.split(" | LIST SUBQUERY").next().unwrap_or("");
                assert!(
                    !walk.contains("TEMP B-TREE FOR ORDER BY") || walk.contains("RIGHT-MOST"),
                    "{filter:?} {sort:?}: {text}"
                );
                assert!(
                    text.contains("SCAN l USING") || text.contains("SEARCH l USING"),
                    "{filter:?} {sort:?}: {text}"
                );
                assert!(!text.contains("SCAN l |") && !text.ends_with("SCAN l"), "{filter:?} {sort:?}: {text}");
            }
            for filter in &sparse {
                let (reading, plan) = page::first_page_plan(s.conn(), filter, sort, 50).unwrap();
                let text = plan.join(" | ");
                assert!(matches!(reading, Reading::SortMatches(_)), "{filter:?} {sort:?}");
                // Only the matches are read, by id.
                assert!(
                    text.starts_with("SCAN matched VIRTUAL TABLE")
                        && text.contains("SEARCH l USING INTEGER PRIMARY KEY"),
                    "{filter:?} {sort:?}: {text}"
                );
                assert!(!text.contains("SCAN l"), "{filter:?} {sort:?}: {text}");
                // And they were found without reading every lead.
                let found = page::matches_plan(s.conn(), filter).unwrap();
                assert!(!reads_every_lead(&found), "{filter:?}: {}", found.join(" | "));
                if search::short_text(&filter.search).is_some() {
                    // Through the pieces holding the text, each candidate read by id, whatever else the filter asks.
                    assert!(
                        found.iter().any(|step| step.starts_with("SCAN leads_search VIRTUAL TABLE"))
                            && found
                                .iter()
                                .filter(|step| step.starts_with("SEARCH l "))
                                .all(|step| { step == "SEARCH l USING INTEGER PRIMARY KEY (rowid=?)" }),
                        "{filter:?}: {}",
                        found.join(" | ")
                    );
                }
            }
        }
    }
}

#[test]
fn both_ways_of_reading_give_the_same_pages_as_sorting_everything() {
    let (s, _) = large();
    // Twelve leads (sorted), six thousand (walked), a few hundred found by the search index.
    let filters = [
        Filter { tags: vec!["rare".into()], ..Filter::default() },
        Filter { stage_ids: vec![2], ..Filter::default() },
        Filter { search: "lead 1".into(), ..Filter::default() },
        Filter { search: "l19".into(), owner: OwnerFilter::Unassigned, ..Filter::default() },
        // Walks by owner or status skip the partitions these rule out.
        Filter { owner: OwnerFilter::User(1), ..Filter::default() },
        Filter { open_only: true, stage_ids: vec![2], ..Filter::default() },
        // A short search: through its pieces (and the leads read one by one), or walked.
        Filter { search: "Ÿ".into(), ..Filter::default() },
        Filter { search: "jo".into(), ..Filter::default() },
        Filter { search: "7@".into(), owner: OwnerFilter::Unassigned, ..Filter::default() },
    ];
    for filter in &filters {
        for key in SortKey::ALL {
            for descending in [false, true] {
                let sort = Sort { key, descending };
                let whole = page::all(s.conn(), filter, sort, None).unwrap();
                let mut expected = whole.clone();
                expected.sort_by(|a, b| {
                    let order = match key {
                        SortKey::Created => a.created_at.cmp(&b.created_at),
                        SortKey::Name => a.name.to_lowercase().cmp(&b.name.to_lowercase()),
                        SortKey::AgeInStage => a.status_changed_at.cmp(&b.status_changed_at),
                        SortKey::Status => a.stage_id.cmp(&b.stage_id).then(a.created_at.cmp(&b.created_at)),
                        SortKey::Owner => {
                            a.owner.is_some().cmp(&b.owner.is_some()).then(a.created_at.cmp(&b.created_at))
                        }
                    }
                    .then(a.id.cmp(&b.id));
                    if descending { order.reverse() } else { order }
                });
                let ids = |leads: &[leadrota::core::model::Lead]| leads.iter().map(|l| l.id).collect::<Vec<_>>();
                assert_eq!(ids(&whole), ids(&expected), "{filter:?} {sort:?}");
                let (first, _) = page::page(s.conn(), filter, sort, None, Direction::Forward, 50).unwrap();
                assert_eq!(ids(&first), ids(&expected[..expected.len().min(50)]), "{filter:?} {sort:?}");
                // Page by page, forward and then back from the middle, as the console scrolls.
                let mut seen = Vec::new();
                let mut cursor = None;
                while seen.len() < expected.len().min(60) {
                    let (rows, next) =
                        page::page(s.conn(), filter, sort, cursor.as_ref(), Direction::Forward, 7).unwrap();
                    assert!(!rows.is_empty(), "{filter:?} {sort:?}");
                    seen.extend(ids(&rows));
                    cursor = next;
                }
                assert_eq!(seen[..], ids(&expected)[..seen.len()], "{filter:?} {sort:?}");
                if expected.len() > 10 {
                    let anchor = page::cursor_at(s.conn(), sort, &expected[10]).unwrap();
                    let (before, _) =
                        page::page(s.conn(), filter, sort, Some(&anchor), Direction::Backward, 4).unwrap();
                    assert_eq!(ids(&before), ids(&expected[6..10]), "{filter:?} {sort:?}");
                }
            }
        }
    }
}
