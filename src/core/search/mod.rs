//! Free-text search (V1) that stays fast on a million leads.
//!
//! `leads_search` (migration 4) is an FTS5 trigram index over name, email,
//! company and the phone's digits. A search of three or more characters asks
//! it for the leads that hold every three-character piece of the text; the
//! filter's `LIKE` test then keeps those that hold the text itself, so the
//! index only ever narrows what a scan would find. Phone numbers are found by
//! their digits ("555 0102" finds "+1 (555) 010-2030"): a text made only of
//! digits and phone punctuation is a phone search (see [`Looking`]).
//!
//! The index pays when few leads match. When many do, walking the leads in
//! list order finds a screenful sooner than fetching and sorting every match
//! (see `page::reading`), and a count is quicker scanning every lead, so
//! [`plan`] looks at how many the index would return before choosing.
//!
//! A text of one or two characters has no piece of its own: it is found
//! through the pieces that hold it (see [`pieces`]).

mod fold;
pub mod pieces;

use rusqlite::Connection;

use super::error::Result;

/// How a filter's search text and tags find their leads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FindBy {
    /// Candidates looked up in an index (the trigram index, confirmed by
    /// `LIKE`; the tag index), for the query to start from.
    Index,
    /// A test of each lead the rest of the query reads (`LIKE`; a probe of
    /// the lead's tags), for a query that walks another index in order.
    Scan,
    /// As [`FindBy::Index`], and a text of one or two characters is looked
    /// up through the indexed pieces that hold it ([`pieces::CANDIDATES`]),
    /// which [`plan`] chooses only when they are few: with `Index` such a
    /// text is tested by `LIKE`, as common ones are best.
    Pieces,
}

/// Beyond this many candidates a count is quicker by scanning every lead.
pub const COUNT_CANDIDATES: usize = 200_000;

/// At most this many pieces of a long text are looked up: they already
/// narrow the candidates to a handful, and `LIKE` checks the rest.
const MAX_TRIGRAMS: usize = 12;

/// What a search text looks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Looking {
    /// Text in the name, email or company.
    Text,
    /// A phone number: text made only of digits (one at least) and phone punctuation
    /// ("+1 (555) 010-2030", "555 0102") matches phones by their digits,
    /// whatever the formatting on either side, once it has three of them.
    Phone { digits: String },
}

pub fn looking_for(text: &str) -> Looking {
    // Punctuation alone ("." or "-") is looked for in names and emails.
    if text.chars().any(|c| c.is_ascii_digit()) && text.chars().all(|c| c.is_ascii_digit() || " +-()./".contains(c)) {
        Looking::Phone { digits: text.chars().filter(char::is_ascii_digit).collect() }
    } else {
        Looking::Text
    }
}

/// Fewest digits a phone search looks for: fewer match too much to mean anything.
pub const MIN_PHONE_DIGITS: usize = 3;

/// The FTS5 query for `text`, or `None` when the text is too short for the
/// index (under three characters, or three digits for a phone number).
pub fn match_query(text: &str) -> Option<String> {
    match looking_for(text) {
        Looking::Text => all_of(&trigrams(text)),
        Looking::Phone { digits } => all_of(&trigrams(&digits)),
    }
}

/// Whether to use the index for `text`, given how many candidates are too
/// many: [`FindBy::Index`] (or [`FindBy::Pieces`] for a short text) when
/// it finds at most `too_many`, [`FindBy::Scan`] when it finds more or has
/// no query for the text.
pub fn plan(conn: &Connection, text: &str, too_many: usize) -> Result<FindBy> {
    let Some(query) = match_query(text) else {
        return match short_text(text) {
            Some(folded) => pieces::plan(conn, &folded, too_many),
            None => Ok(FindBy::Scan),
        };
    };
    let candidates: i64 = conn
        .prepare_cached("SELECT count(*) FROM (SELECT 1 FROM leads_search WHERE leads_search MATCH ?1 LIMIT ?2)")?
        .query_row(rusqlite::params![query, too_many as i64 + 1], |r| r.get(0))?;
    Ok(if candidates as usize > too_many { FindBy::Scan } else { FindBy::Index })
}

/// A text search of one or two characters, folded as the index folds it:
/// one that [`FindBy::Pieces`] looks up.
pub fn short_text(text: &str) -> Option<String> {
    match looking_for(text) {
        Looking::Text => pieces::folded(text),
        Looking::Phone { .. } => None,
    }
}

/// Every piece, quoted, joined with AND; `None` when there is none. A piece
/// holding a NUL is left out (FTS5 reads its query only up to a NUL); `LIKE`
/// still checks the whole text.
fn all_of(pieces: &[String]) -> Option<String> {
    let quoted: Vec<String> =
        pieces.iter().filter(|p| !p.contains('\0')).map(|p| format!("\"{}\"", p.replace('"', "\"\""))).collect();
    (!quoted.is_empty()).then(|| quoted.join(" AND "))
}

/// The text's three-character pieces, at most [`MAX_TRIGRAMS`] of them spread
/// over its whole length (the first and the last always among them).
fn trigrams(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() < 3 {
        return Vec::new();
    }
    let last = chars.len() - 3;
    let wanted = (last + 1).min(MAX_TRIGRAMS);
    let mut starts: Vec<usize> = (0..wanted).map(|i| if wanted == 1 { 0 } else { i * last / (wanted - 1) }).collect();
    starts.dedup();
    starts.into_iter().map(|s| chars[s..s + 3].iter().collect()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_has_no_index_query() {
        assert_eq!(match_query("ab"), None);
        assert_eq!(match_query(""), None);
    }

    #[test]
    fn every_piece_must_be_present() {
        assert_eq!(match_query("anna").as_deref(), Some("\"ann\" AND \"nna\""));
    }

    #[test]
    fn quotes_in_the_text_are_doubled() {
        assert_eq!(match_query("a\"b").as_deref(), Some("\"a\"\"b\""));
    }

    #[test]
    fn a_phone_number_is_looked_for_by_its_digits() {
        assert_eq!(match_query("555-01").as_deref(), Some("\"555\" AND \"550\" AND \"501\""));
        assert_eq!(match_query("+1 (").as_deref(), None, "fewer than three digits");
    }

    #[test]
    fn only_text_written_like_a_phone_number_is_a_phone_search() {
        assert_eq!(looking_for("+1 (555) 010-2030"), Looking::Phone { digits: "15550102030".into() });
        assert_eq!(looking_for("+4"), Looking::Phone { digits: "4".into() });
        assert_eq!(looking_for("lead123@"), Looking::Text, "an email is not a phone number");
        assert_eq!(looking_for("3M"), Looking::Text);
        assert_eq!(looking_for("."), Looking::Text, "a dot is found in emails");
        assert_eq!(looking_for("-"), Looking::Text);
    }

    #[test]
    fn long_text_is_looked_up_by_a_spread_of_pieces() {
        let text = "abcdefghijklmnopqrstuvwxyz";
        let pieces = trigrams(text);
        assert_eq!(pieces.len(), MAX_TRIGRAMS);
        assert_eq!(pieces.first().map(String::as_str), Some("abc"));
        assert_eq!(pieces.last().map(String::as_str), Some("xyz"));
    }

    #[test]
    fn pieces_are_characters_not_bytes() {
        assert_eq!(trigrams("Zoë Å"), ["Zoë", "oë ", "ë Å"]);
    }
}
