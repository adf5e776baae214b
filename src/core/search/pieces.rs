//! Searches of one or two characters (V1) through the trigram index.
//!
//! The index holds three-character pieces, none as short as such a text;
//! but a field of three characters or more holds a short text only inside
//! one of its pieces ("qx" inside "aqx" or "qxb"). `search_pieces`
//! (migration 8) lists every distinct piece of the leads up to
//! `search_pieces_state.upto`, as the index folds them: the few holding the
//! text are found there (about 14,000 rows on the 1M demo, scanned in a
//! millisecond), the index gives their leads, and `LIKE` keeps those that
//! hold the text itself, as for a longer text.
//!
//! No lead that holds the text is missed, because for every lead one of
//! these is true:
//! - its id is after `upto` (added or imported since the list was brought
//!   up to date): it is read itself. New leads take the id after the
//!   largest one, and deleting a lead lowers `upto` to the largest id left
//!   (a trigger), so no new lead takes an id at or below `upto`;
//! - it is in `search_pieces_outside`, and is read itself: a field of one or
//!   two characters (it has no piece), a field that is not valid text, or
//!   a lead edited (its indexed fields or id: a trigger) or deleted since
//!   its pieces were listed (so a lead put back under that id is read too);
//! - its every piece is listed (collected here from its fields, with the
//!   index's own folding, see [`super::fold`]). Pieces are never removed: a
//!   piece no lead holds any more costs a lookup that finds nothing.
//!
//! Adding or importing leads writes nothing here, so writes cost what they
//! did. A short search that finds more than [`REFRESH_AT`] leads after
//! `upto` folds them in first ([`refresh`]: about 0.6 µs a lead, twice what
//! reading one by one costs, once); the demo and the migration fold in
//! every lead they make. `doctor` checks the list against the index itself.

use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};
use std::time::Duration;

use rusqlite::types::ValueRef;
use rusqlite::{Connection, ErrorCode, OptionalExtension, Transaction, TransactionBehavior, params};

use super::FindBy;
use super::fold::fold;
use crate::core::error::Result;

/// A text holding more pieces than this is common: asking the index for
/// them all costs more than walking the leads (on the 1M demo "x" has 486
/// pieces and 75,000 leads, "a" 2,054 and 969,000; "zo" 30 and 17,600).
pub const MAX_PIECES: usize = 200;

/// At most this many candidates are looked up through their pieces, even
/// for a count that would take more from the index (a longer text's are
/// narrowed by all its pieces; these are not): each is read by id, about
/// 3 µs on the 1M demo, where reading every lead costs 0.2 µs a lead.
pub const MOST_CANDIDATES: usize = 50_000;

/// Beyond this many leads after `upto`, a short search folds them in (see
/// [`refresh`]: about 12 ms on the 1M demo) instead of reading each again
/// (about 6 ms each time).
pub const REFRESH_AT: i64 = 20_000;

/// Beyond this many leads after `upto`, a short search that could not fold
/// them in (another seat was writing) reads every lead instead: about 60 ms
/// of reading them one by one, a third of reading every lead of the demo.
pub const STALE_LIMIT: i64 = 200_000;

/// A short search's candidates, for `Filter::to_sql_with(FindBy::Pieces)`:
/// the ids of the leads of every listed piece holding the (folded) text,
/// of the leads outside the list and of those after it (an id may come
/// twice). One parameter: the folded text. No piece: `"-"`, a phrase too
/// short to have a piece, matches nothing.
pub const CANDIDATES: &str = "\
    SELECT rowid AS id FROM leads_search WHERE leads_search MATCH (\
        SELECT coalesce(group_concat('\"' || replace(piece, '\"', '\"\"') || '\"', ' OR '), '\"-\"') \
        FROM search_pieces WHERE instr(piece, ?) > 0) \
    UNION ALL SELECT lead_id FROM search_pieces_outside \
    UNION ALL SELECT id FROM leads WHERE id > coalesce((SELECT upto FROM search_pieces_state), 0)";

/// Characters of a short text: one or two.
pub fn is_short(text: &str) -> bool {
    (1..=2).contains(&text.chars().count())
}

/// A short text as the index folds it; `None` when it is not short or
/// holds a NUL or a character the folding does not know.
pub fn folded(text: &str) -> Option<String> {
    if !is_short(text) || text.contains('\0') {
        return None;
    }
    text.chars().map(fold).collect()
}

/// Whether the pieces find few enough candidates for `folded` (at most
/// `too_many`, and [`MOST_CANDIDATES`]): [`FindBy::Pieces`], else [`FindBy::Scan`].
pub(super) fn plan(conn: &Connection, folded: &str, too_many: usize) -> Result<FindBy> {
    let too_many = too_many.min(MOST_CANDIDATES);
    let pieces = holding(conn, folded, MAX_PIECES + 1)?;
    if pieces.len() > MAX_PIECES {
        return Ok(FindBy::Scan);
    }
    let mut after = stale(conn)?;
    if after > REFRESH_AT && refresh_if_free(conn) {
        after = 0;
    }
    if after > STALE_LIMIT {
        return Ok(FindBy::Scan);
    }
    let limit = i64::try_from(too_many).unwrap_or(i64::MAX).saturating_add(1);
    let count = |query: &str| -> Result<i64> {
        Ok(conn
            .prepare_cached("SELECT count(*) FROM (SELECT 1 FROM leads_search WHERE leads_search MATCH ?1 LIMIT ?2)")?
            .query_row(params![query, limit], |r| r.get(0))?)
    };
    // One piece in too many leads settles it, without merging every piece's
    // leads (a tenth of a millisecond, where counting "ll" took seven).
    for piece in &pieces {
        if count(&quoted(piece))? > limit - 1 {
            return Ok(FindBy::Scan);
        }
    }
    let outside: i64 = conn
        .prepare_cached("SELECT count(*) FROM (SELECT 1 FROM search_pieces_outside LIMIT ?1)")?
        .query_row([limit], |r| r.get(0))?;
    let matched = match any_of(&pieces) {
        None => 0,
        Some(query) => count(&query)?,
    };
    Ok(if (matched + outside) as usize > too_many { FindBy::Scan } else { FindBy::Pieces })
}

/// Up to `most` listed pieces holding `folded`.
fn holding(conn: &Connection, folded: &str, most: usize) -> Result<Vec<String>> {
    let most = i64::try_from(most).unwrap_or(i64::MAX);
    let pieces = conn
        .prepare_cached("SELECT piece FROM search_pieces WHERE instr(piece, ?1) > 0 LIMIT ?2")?
        .query_map(params![folded, most], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(pieces)
}

/// The pieces quoted and joined with OR, as [`CANDIDATES`] joins them.
fn any_of(pieces: &[String]) -> Option<String> {
    (!pieces.is_empty()).then(|| pieces.iter().map(|p| quoted(p)).collect::<Vec<_>>().join(" OR "))
}

/// A piece as an FTS5 phrase.
fn quoted(piece: &str) -> String {
    format!("\"{}\"", piece.replace('"', "\"\""))
}

/// How many leads a short search reads itself for being after `upto` (at
/// most; ids may have gaps).
pub fn stale(conn: &Connection) -> Result<i64> {
    Ok(conn
        .prepare_cached(
            "SELECT coalesce((SELECT max(id) FROM leads), 0) - coalesce((SELECT upto FROM search_pieces_state), 0)",
        )?
        .query_row([], |r| r.get(0))?)
}

/// [`refresh`], as a search does it on the way: never inside the caller's
/// transaction, and not at all when that fails (the search reads every lead
/// instead, as it would have).
fn refresh_if_free(conn: &Connection) -> bool {
    match refresh(conn) {
        Ok(done) => done,
        Err(e) => {
            tracing::debug!("search pieces not brought up to date: {e}");
            false
        }
    }
}

/// Fold the leads after `upto`, and those outside the list, into it, in a
/// transaction of its own: `false`, having written nothing, when the
/// connection is inside a transaction or another connection is writing
/// (this never waits for one).
pub fn refresh(conn: &Connection) -> Result<bool> {
    if !conn.is_autocommit() {
        return Ok(false);
    }
    let waits: i64 = conn.pragma_query_value(None, "busy_timeout", |r| r.get(0))?;
    conn.busy_timeout(Duration::ZERO)?;
    let began = Transaction::new_unchecked(conn, TransactionBehavior::Immediate);
    conn.busy_timeout(Duration::from_millis(u64::try_from(waits).unwrap_or(0)))?;
    let tx = match began {
        Ok(tx) => tx,
        Err(e) if matches!(e.sqlite_error_code(), Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)) => {
            return Ok(false);
        }
        Err(e) => return Err(e.into()),
    };
    collect(&tx)?;
    tx.commit()?;
    Ok(true)
}

/// [`refresh`]'s work, in the caller's write transaction: list the pieces
/// of every lead after `upto` and of every lead outside the list, keep
/// outside those that must stay, and move `upto` to the last lead.
pub fn collect(conn: &Connection) -> Result<()> {
    let upto: i64 = conn.query_row("SELECT upto FROM search_pieces_state", [], |r| r.get(0)).optional()?.unwrap_or(0);
    let last: i64 = conn.query_row("SELECT coalesce(max(id), 0) FROM leads", [], |r| r.get(0))?;
    let mut listed = Listed::load(conn)?;
    let mut settled = Vec::new();
    {
        let mut stmt = conn.prepare(
            "SELECT l.id, l.name, l.email, l.company, l.phone_key FROM search_pieces_outside o \
             JOIN leads l ON l.id = o.lead_id",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            if listed.add_lead(row)? {
                settled.push(row.get::<_, i64>(0)?);
            }
        }
    }
    let mut outside = Vec::new();
    {
        let mut stmt =
            conn.prepare("SELECT id, name, email, company, phone_key FROM leads WHERE id > ?1 ORDER BY id")?;
        let mut rows = stmt.query([upto])?;
        while let Some(row) = rows.next()? {
            if !listed.add_lead(row)? {
                outside.push(row.get::<_, i64>(0)?);
            }
        }
    }
    let mut insert = conn.prepare("INSERT OR IGNORE INTO search_pieces (piece) VALUES (?1)")?;
    for piece in &listed.new {
        insert.execute([piece.iter().collect::<String>()])?;
    }
    let mut keep = conn.prepare("INSERT OR IGNORE INTO search_pieces_outside (lead_id) VALUES (?1)")?;
    for id in outside {
        keep.execute([id])?;
    }
    let mut forget = conn.prepare("DELETE FROM search_pieces_outside WHERE lead_id = ?1")?;
    for id in settled {
        forget.execute([id])?;
    }
    conn.execute("INSERT OR REPLACE INTO search_pieces_state (id, upto) VALUES (1, ?1)", [last])?;
    Ok(())
}

/// Pieces in memory: those listed, and those found new.
#[derive(Default)]
pub(crate) struct Listed {
    known: PieceSet,
    pub(crate) new: Vec<[char; 3]>,
}

impl Listed {
    /// Every piece in `search_pieces`.
    pub(crate) fn load(conn: &Connection) -> Result<Listed> {
        let mut listed = Listed::default();
        let mut stmt = conn.prepare("SELECT piece FROM search_pieces")?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            if let Some(piece) = piece_of(row.get_ref(0)?) {
                listed.known.insert(key(piece));
            }
        }
        Ok(listed)
    }

    pub(crate) fn contains(&self, piece: [char; 3]) -> bool {
        self.known.contains(&key(piece))
    }

    /// Add `piece`; a piece not known yet is also kept in `new`.
    pub(crate) fn add(&mut self, piece: [char; 3]) {
        if self.known.insert(key(piece)) {
            self.new.push(piece);
        }
    }

    /// List the pieces of the lead in `row` (see [`lead_pieces`]).
    fn add_lead(&mut self, row: &rusqlite::Row) -> Result<bool> {
        lead_pieces(row, |piece| self.add(piece))
    }
}

/// A value holding exactly one piece (a term of the index, a listed piece).
pub(crate) fn piece_of(value: ValueRef) -> Option<[char; 3]> {
    let ValueRef::Text(bytes) = value else { return None };
    let mut chars = std::str::from_utf8(bytes).ok()?.chars();
    let piece = [chars.next()?, chars.next()?, chars.next()?];
    chars.next().is_none().then_some(piece)
}

/// Give `each` the pieces of the lead in `row` (id, name, email, company,
/// phone_key, as the index has them); `false` when a short search must read
/// the lead itself: a name, email or company of one or two characters (it
/// has no piece), or a field that is not valid text.
pub(crate) fn lead_pieces(row: &rusqlite::Row, mut each: impl FnMut([char; 3])) -> Result<bool> {
    let mut covered = true;
    for column in 1..=4 {
        let text = match row.get_ref(column)? {
            ValueRef::Text(bytes) => std::str::from_utf8(bytes).ok(),
            ValueRef::Null => Some(""),
            _ => None,
        };
        let Some(text) = text else {
            covered = false;
            continue;
        };
        // A short phone key holds no text that a text search looks for.
        if column != 4 && (1..=2).contains(&text.chars().filter(|&c| c != '\0').count()) {
            covered = false;
        }
        covered &= pieces(text, &mut each);
    }
    Ok(covered)
}

/// The pieces FTS5's trigram tokenizer makes of `text`, in order: every
/// three characters in a row, NULs left out (the tokenizer skips them),
/// folded as the index folds them. `false` when a character does not fold
/// to a character (none does: see the folding's test).
pub(crate) fn pieces(text: &str, mut each: impl FnMut([char; 3])) -> bool {
    let mut window = ['\0'; 3];
    let mut filled = 0;
    for c in text.chars().filter(|&c| c != '\0') {
        let Some(c) = fold(c) else { return false };
        window = [window[1], window[2], c];
        filled += 1;
        if filled >= 3 {
            each(window);
        }
    }
    true
}

/// A piece as one number: three characters of 21 bits each.
fn key(piece: [char; 3]) -> u64 {
    (u64::from(piece[0]) << 42) | (u64::from(piece[1]) << 21) | u64::from(piece[2])
}

/// Sets of pieces: a piece's number mixed once (SplitMix64's finaliser),
/// several times quicker than the default hasher over the million leads of
/// a demo (a bare multiply left pieces that end alike in one bucket).
type PieceSet = HashSet<u64, BuildHasherDefault<Mix>>;

#[derive(Default)]
struct Mix(u64);

impl Hasher for Mix {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(self.0 ^ u64::from(b));
        }
    }

    fn write_u64(&mut self, n: u64) {
        let mut z = n.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        self.0 = z ^ (z >> 31);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::Store;

    fn pieces_of(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        assert!(pieces(text, |p| out.push(p.iter().collect())));
        out
    }

    #[test]
    fn pieces_are_folded_and_skip_nuls() {
        assert_eq!(pieces_of("Zoë Å"), ["zoë", "oë ", "ë å"]);
        assert_eq!(pieces_of("ab\0cd"), ["abc", "bcd"]);
        assert!(pieces_of("ab").is_empty());
    }

    #[test]
    fn short_texts_are_folded_as_the_index_folds() {
        assert_eq!(folded("QX").as_deref(), Some("qx"));
        assert_eq!(folded("Ÿ").as_deref(), Some("ÿ"));
        assert_eq!(folded("abc"), None);
        assert_eq!(folded(""), None);
    }

    fn store_with(names: &[&str]) -> Store {
        let store = Store::open_in_memory().unwrap();
        for (i, name) in names.iter().enumerate() {
            store
                .conn()
                .execute(
                    "INSERT INTO leads (id, name, email, stage_id, created_at, updated_at, status_changed_at) \
                     VALUES (?1, ?2, ?3, 1, 0, 0, 0)",
                    params![i as i64 + 1, name, format!("l{i}@example.com")],
                )
                .unwrap();
        }
        store
    }

    fn listed(conn: &Connection) -> Vec<String> {
        conn.prepare("SELECT piece FROM search_pieces ORDER BY piece")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }

    fn ids(conn: &Connection, sql: &str) -> Vec<i64> {
        conn.prepare(sql).unwrap().query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
    }

    /// The list equals the index's own terms once every lead is folded in.
    #[test]
    fn the_list_is_the_index_vocabulary() {
        let store = store_with(&["Zoë Åberg", "QXY Ltd", "Weiß", "Jo", "ÿ\0Ÿes", "ΣΑΣ"]);
        let conn = store.conn();
        assert!(refresh(conn).unwrap());
        conn.execute_batch("CREATE VIRTUAL TABLE temp.v USING fts5vocab (main, 'leads_search', 'row');").unwrap();
        let vocabulary: Vec<String> = conn
            .prepare("SELECT term FROM temp.v ORDER BY term")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(listed(conn), vocabulary);
        assert_eq!(ids(conn, "SELECT lead_id FROM search_pieces_outside"), [4], "'Jo' has no piece");
        assert_eq!(stale(conn).unwrap(), 0);
    }

    #[test]
    fn the_candidates_of_a_text_no_piece_holds_are_the_leads_outside_and_after() {
        let store = store_with(&["Anna", "Jo"]);
        let conn = store.conn();
        let candidates = |text: &str| {
            let mut stmt = conn.prepare(&format!("SELECT DISTINCT id FROM ({CANDIDATES}) ORDER BY id")).unwrap();
            stmt.query_map([text], |r| r.get::<_, i64>(0)).unwrap().map(Result::unwrap).collect::<Vec<_>>()
        };
        assert_eq!(candidates("qx"), [1, 2], "not listed yet: both read");
        refresh(conn).unwrap();
        assert_eq!(candidates("qx"), [2], "no piece holds it; 'Jo' is read");
        assert_eq!(candidates("nn"), [1, 2]);
        conn.execute(
            "INSERT INTO leads (id, name, stage_id, created_at, updated_at, status_changed_at) \
             VALUES (3, 'Qxa', 1, 0, 0, 0)",
            [],
        )
        .unwrap();
        assert_eq!(candidates("qx"), [2, 3], "a new lead is read");
    }

    #[test]
    fn an_edited_or_deleted_lead_is_read_until_folded_in() {
        let store = store_with(&["Anna", "Berta", "Carla"]);
        let conn = store.conn();
        refresh(conn).unwrap();
        conn.execute("UPDATE leads SET name = 'Dora' WHERE id = 1", []).unwrap();
        conn.execute("UPDATE leads SET stage_id = 2, updated_at = 9 WHERE id = 2", []).unwrap();
        assert_eq!(ids(conn, "SELECT lead_id FROM search_pieces_outside"), [1], "other columns do not count");
        conn.execute("UPDATE leads SET phone_key = '5550102' WHERE id = 2", []).unwrap();
        assert_eq!(ids(conn, "SELECT lead_id FROM search_pieces_outside"), [1, 2]);
        conn.execute("DELETE FROM leads WHERE id = 3", []).unwrap();
        assert_eq!(ids(conn, "SELECT lead_id FROM search_pieces_outside"), [1, 2, 3]);
        assert_eq!(ids(conn, "SELECT upto FROM search_pieces_state"), [2], "a new lead takes id 3 again");
        refresh(conn).unwrap();
        assert_eq!(ids(conn, "SELECT lead_id FROM search_pieces_outside"), [3], "gone, not forgotten");
        assert!(listed(conn).contains(&"dor".to_string()));
    }

    #[test]
    fn a_text_in_many_pieces_or_many_leads_is_not_looked_up() {
        let letters: Vec<char> = ('a'..='p').collect();
        let names: Vec<String> = letters.iter().flat_map(|a| letters.iter().map(move |b| format!("{a}x{b}"))).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let store = store_with(&names);
        let conn = store.conn();
        refresh(conn).unwrap();
        assert_eq!(plan(conn, "x", usize::MAX).unwrap(), FindBy::Scan, "256 pieces hold 'x'");
        assert_eq!(plan(conn, "ax", 10).unwrap(), FindBy::Scan, "16 leads hold 'ax'");
        assert_eq!(plan(conn, "ax", 16).unwrap(), FindBy::Pieces);
        assert_eq!(plan(conn, "qx", 0).unwrap(), FindBy::Pieces);
    }

    #[test]
    fn new_leads_are_folded_in_on_the_way_or_read_while_another_seat_writes() {
        let dir = tempfile::TempDir::new().unwrap();
        let path = dir.path().join("t.db");
        let store = Store::open(&path).unwrap();
        let conn = store.conn();
        let add = |n: i64| {
            conn.execute(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1) \
                 INSERT INTO leads (name, stage_id, created_at, updated_at, status_changed_at) \
                 SELECT 'Lead ' || i, 1, i, i, i FROM n",
                [n],
            )
            .unwrap();
        };
        add(REFRESH_AT + 1);
        let other = Store::open(&path).unwrap();
        other.conn().execute_batch("BEGIN IMMEDIATE").unwrap();
        assert_eq!(plan(conn, "qx", 10).unwrap(), FindBy::Pieces, "read one by one meanwhile");
        assert_eq!(stale(conn).unwrap(), REFRESH_AT + 1);
        other.conn().execute_batch("ROLLBACK").unwrap();
        assert_eq!(plan(conn, "qx", 10).unwrap(), FindBy::Pieces);
        assert_eq!(stale(conn).unwrap(), 0, "folded in");
        // More than reading one by one pays for, and no way to fold them in: every lead is read.
        conn.execute("UPDATE search_pieces_state SET upto = -?1", [STALE_LIMIT]).unwrap();
        other.conn().execute_batch("BEGIN IMMEDIATE").unwrap();
        assert_eq!(plan(conn, "qx", 10).unwrap(), FindBy::Scan);
        other.conn().execute_batch("ROLLBACK").unwrap();
    }

    #[test]
    fn a_field_that_is_not_text_is_read_itself() {
        let store = store_with(&["Anna"]);
        let conn = store.conn();
        conn.execute("UPDATE leads SET company = x'ff41' WHERE id = 1", []).unwrap();
        refresh(conn).unwrap();
        assert_eq!(ids(conn, "SELECT lead_id FROM search_pieces_outside"), [1]);
    }

    #[test]
    fn refresh_stays_out_of_a_transaction_and_off_a_busy_file() {
        let dir = tempfile::TempDir::new().unwrap();
        let path = dir.path().join("t.db");
        let store = Store::open(&path).unwrap();
        let conn = store.conn();
        conn.execute_batch("BEGIN").unwrap();
        assert!(!refresh(conn).unwrap());
        conn.execute_batch("COMMIT").unwrap();
        let other = Store::open(&path).unwrap();
        other.conn().execute_batch("BEGIN IMMEDIATE").unwrap();
        let started = std::time::Instant::now();
        assert!(!refresh(conn).unwrap());
        assert!(started.elapsed() < Duration::from_secs(1), "never waits");
        other.conn().execute_batch("ROLLBACK").unwrap();
        assert!(refresh(conn).unwrap());
        let waits: i64 = conn.pragma_query_value(None, "busy_timeout", |r| r.get(0)).unwrap();
        assert_eq!(waits, crate::core::store::BUSY_TIMEOUT.as_millis() as i64, "the wait is put back");
    }
}
