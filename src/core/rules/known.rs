//! The values leads actually have, so that a rule's `source=LinkdIn` is
//! caught before it is saved and routes nothing forever: a probe per value
//! (one index seek), and the known values closest to one that is unknown.

use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};
use rusqlite::Connection;

use super::{Condition, Field, Op, same_text};
use crate::core::error::Result;
use crate::core::stages;

/// At most this many distinct values are read for suggestions: an office
/// with more sources than this has no use for a list of them.
const MAX_VALUES: usize = 500;

/// How many close values are offered.
const CLOSEST: usize = 5;

/// A condition's value that no lead has.
#[derive(Debug, Clone, PartialEq)]
pub struct Unknown {
    /// Which condition of the rule.
    pub condition: usize,
    pub field: Field,
    /// The value as typed (one of a comma-separated list for "any of").
    pub value: String,
    /// Known values closest to it, best first; maybe none.
    pub closest: Vec<String>,
}

impl Unknown {
    /// "No lead has source 'LinkdIn'. Did you mean LinkedIn?"
    pub fn question(&self) -> String {
        let what = match self.field {
            Field::Status => format!("No status is called '{}'.", self.value),
            field => format!("No lead has {} '{}'.", field.as_str(), self.value),
        };
        match self.closest.first() {
            Some(best) => format!("{what} Did you mean {best}?"),
            None => what,
        }
    }
}

/// Which fields are checked: those with an index to look in (source, tag)
/// or a short table (status). Company and domain have none, and a
/// "contains" value is a part of a value, so neither is checked.
fn checked(c: &Condition) -> bool {
    matches!(c.field, Field::Source | Field::Tag | Field::Status) && c.op != Op::Contains
}

/// Each value of `conditions` that no lead has, with the known values closest to it.
pub fn unknown_values(conn: &Connection, conditions: &[Condition]) -> Result<Vec<Unknown>> {
    let mut unknown = Vec::new();
    for (i, c) in conditions.iter().enumerate().filter(|(_, c)| checked(c)) {
        for value in c.values() {
            if has(conn, c.field, value)? {
                continue;
            }
            let known = values(conn, c.field)?;
            // The index compares ASCII case only; "MÜNCHEN" is "München" to a rule.
            if known.iter().any(|k| same_text(k, value)) {
                continue;
            }
            unknown.push(Unknown {
                condition: i,
                field: c.field,
                value: value.to_string(),
                closest: closest(value, &known),
            });
        }
    }
    Ok(unknown)
}

/// Whether some lead has `value` in `field`: one seek in the field's index.
fn has(conn: &Connection, field: Field, value: &str) -> Result<bool> {
    let Some(sql) = probe_sql(field) else { return Ok(true) };
    Ok(conn.prepare_cached(sql)?.query_row([value], |r| r.get(0))?)
}

fn probe_sql(field: Field) -> Option<&'static str> {
    match field {
        Field::Source => Some("SELECT EXISTS (SELECT 1 FROM leads WHERE source = ?1 COLLATE NOCASE)"),
        Field::Tag => Some("SELECT EXISTS (SELECT 1 FROM lead_tags WHERE tag = ?1)"),
        Field::Status => Some("SELECT EXISTS (SELECT 1 FROM stages WHERE name = ?1)"),
        Field::Company | Field::EmailDomain => None,
    }
}

/// The first value of the field's index after ?1.
fn next_sql(field: Field) -> Option<&'static str> {
    match field {
        Field::Source => {
            Some("SELECT source FROM leads WHERE source > ?1 COLLATE NOCASE ORDER BY source COLLATE NOCASE LIMIT 1")
        }
        Field::Tag => Some("SELECT tag FROM lead_tags WHERE tag > ?1 ORDER BY tag LIMIT 1"),
        Field::Status | Field::Company | Field::EmailDomain => None,
    }
}

/// The distinct values of `field`, in name order: sources and tags by
/// seeking the index from one value to the next (a handful of seeks, where
/// DISTINCT would read the whole index of a million leads), statuses by name.
pub fn values(conn: &Connection, field: Field) -> Result<Vec<String>> {
    if field == Field::Status {
        return Ok(stages::list(conn)?.into_iter().map(|s| s.name).collect());
    }
    let Some(sql) = next_sql(field) else { return Ok(vec![]) };
    let mut next = conn.prepare_cached(sql)?;
    let mut found: Vec<String> = Vec::new();
    // '' sorts first, so the first seek finds the first non-empty value.
    let mut after = String::new();
    while found.len() < MAX_VALUES {
        let mut rows = next.query([&after])?;
        let Some(row) = rows.next()? else { break };
        let value: String = row.get(0)?;
        after.clone_from(&value);
        found.push(value);
    }
    Ok(found)
}

/// The known values closest to `typed`, best first: those the fuzzy matcher
/// finds (its letters in order, as the pickers match), then those spelled
/// nearly alike (a letter swapped or doubled, which a fuzzy match misses).
pub fn closest(typed: &str, known: &[String]) -> Vec<String> {
    let pattern = Pattern::parse(typed, CaseMatching::Ignore, Normalization::Smart);
    let mut matcher = Matcher::new(Config::DEFAULT);
    let mut buf = Vec::new();
    let lower = typed.to_lowercase();
    let mut scored: Vec<(bool, f64, &String)> = known
        .iter()
        .filter_map(|k| {
            let fuzzy = pattern.score(Utf32Str::new(k, &mut buf), &mut matcher).is_some();
            let alike = strsim::jaro_winkler(&lower, &k.to_lowercase());
            (fuzzy || alike >= 0.8).then_some((fuzzy, alike, k))
        })
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.total_cmp(&a.1)));
    scored.into_iter().take(CLOSEST).map(|(_, _, k)| k.clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known() -> Vec<String> {
        ["Cold call", "Facebook", "Google", "LinkedIn", "Referral", "Website"].map(String::from).to_vec()
    }

    #[test]
    fn a_typo_finds_the_value_meant_first() {
        assert_eq!(closest("LinkdIn", &known()).first().map(String::as_str), Some("LinkedIn"));
        assert_eq!(closest("Refferal", &known()).first().map(String::as_str), Some("Referral"), "a doubled letter");
        assert_eq!(closest("Goolge", &known()).first().map(String::as_str), Some("Google"), "swapped letters");
        assert!(closest("Billboard", &known()).is_empty(), "nothing like it");
    }

    #[test]
    fn lookups_seek_an_index_and_never_scan_the_leads() {
        let store = crate::core::Store::open_in_memory().unwrap();
        for field in [Field::Source, Field::Tag] {
            for sql in [probe_sql(field), next_sql(field)].into_iter().flatten() {
                let mut stmt = store.conn().prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
                let plan: Vec<String> =
                    stmt.query_map(["x"], |r| r.get::<_, String>(3)).unwrap().map(Result::unwrap).collect();
                let plan = plan.join("\n");
                assert!(plan.contains("SEARCH") && !plan.contains("SCAN l"), "{sql}:\n{plan}");
            }
        }
    }

    #[test]
    fn values_no_lead_has_are_found_with_their_closest_known_ones() {
        use crate::core::{Ctx, distribute, model::NewLead};
        let mut store = crate::core::Store::open_in_memory().unwrap();
        let ctx = Ctx::new(chrono_tz::Tz::UTC);
        for (source, tag) in [("LinkedIn", "vip"), ("Facebook", "hot"), ("Website", "MÜNCHEN")] {
            let lead = NewLead {
                name: format!("A {source}"),
                source: source.into(),
                tags: vec![tag.into()],
                ..Default::default()
            };
            distribute::create_lead(&mut store, &ctx, &lead).unwrap();
        }
        let conditions = super::super::parse_conditions(
            "source=linkedin,LinkdIn; tag!=vipp; tag=münchen; status=Qualifed; company=Nobody; source~Linkd",
        )
        .unwrap();
        let unknown = unknown_values(store.conn(), &conditions).unwrap();
        let found: Vec<(usize, &str, Option<&str>)> =
            unknown.iter().map(|u| (u.condition, u.value.as_str(), u.closest.first().map(String::as_str))).collect();
        assert_eq!(
            found,
            [(0, "LinkdIn", Some("LinkedIn")), (1, "vipp", Some("vip")), (3, "Qualifed", Some("Qualified"))]
        );
        assert_eq!(values(store.conn(), Field::Source).unwrap(), ["Facebook", "LinkedIn", "Website"]);
    }

    #[test]
    fn the_question_names_the_field_the_value_and_the_best_guess() {
        let u =
            Unknown { condition: 0, field: Field::Source, value: "LinkdIn".into(), closest: vec!["LinkedIn".into()] };
        assert_eq!(u.question(), "No lead has source 'LinkdIn'. Did you mean LinkedIn?");
        let u = Unknown { closest: vec![], ..u };
        assert_eq!(u.question(), "No lead has source 'LinkdIn'.");
    }
}
