//! Sorted, keyset-paginated windows over a filter (V2). No OFFSET: each page
//! continues from the last row's sort key, so deep pages cost what the first does.

use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use rusqlite::Connection;
use rusqlite::types::Value;

use super::error::{Error, Result};
use super::filter::{Filter, OwnerFilter};
use super::leads::{SELECT_LEAD, from_row};
use super::model::Lead;
use super::search::{self, FindBy};
use super::{stages, users};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    /// Oldest first: the triage default.
    #[default]
    Created,
    Name,
    /// Stage order, then oldest first within a stage.
    Status,
    /// Unassigned first, then owners by name, oldest first within each.
    Owner,
    /// Longest in its current stage first.
    AgeInStage,
}

impl SortKey {
    pub const ALL: [SortKey; 5] =
        [SortKey::Created, SortKey::Name, SortKey::Status, SortKey::Owner, SortKey::AgeInStage];

    pub fn as_str(self) -> &'static str {
        match self {
            SortKey::Created => "created",
            SortKey::Name => "name",
            SortKey::Status => "status",
            SortKey::Owner => "owner",
            SortKey::AgeInStage => "age",
        }
    }
}

/// A sort key and direction, written `created`, `-created` (newest first), `name`, …
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Sort {
    pub key: SortKey,
    pub descending: bool,
}

impl FromStr for Sort {
    type Err = Error;
    fn from_str(text: &str) -> Result<Sort> {
        let text = text.trim();
        let (descending, name) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let key = match name.to_ascii_lowercase().as_str() {
            "created" | "oldest" => SortKey::Created,
            "name" => SortKey::Name,
            "status" | "stage" => SortKey::Status,
            "owner" => SortKey::Owner,
            "age" | "age-in-stage" => SortKey::AgeInStage,
            _ => {
                return Err(Error::invalid(format!(
                    "unknown sort '{text}' (expected created, name, status, owner or age; prefix - to reverse)"
                )));
            }
        };
        Ok(Sort { key, descending })
    }
}

/// Where a page ends: the sort key of its last row.
#[derive(Debug, Clone, PartialEq)]
pub struct Cursor {
    partition: usize,
    key: Value,
    id: i64,
}

/// Which way to read from a cursor; `Backward` reads the rows just before it
/// (returned in display order), for paging up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Forward,
    Backward,
}

/// Sorts by status and owner are read one partition (stage or owner) at a
/// time, so every query walks an index in order instead of sorting.
enum Partitions {
    None,
    Column(&'static str, Vec<Value>),
}

fn partitions(conn: &Connection, key: SortKey) -> Result<Partitions> {
    Ok(match key {
        SortKey::Status => {
            Partitions::Column("l.stage_id", stages::list(conn)?.iter().map(|s| Value::Integer(s.id)).collect())
        }
        SortKey::Owner => {
            let mut owners = vec![Value::Null];
            owners.extend(users::list(conn)?.iter().map(|u| Value::Integer(u.id)));
            Partitions::Column("l.owner_id", owners)
        }
        _ => Partitions::None,
    })
}

fn key_column(key: SortKey) -> &'static str {
    match key {
        SortKey::Name => "l.name COLLATE NOCASE",
        SortKey::AgeInStage => "l.status_changed_at",
        SortKey::Created | SortKey::Status | SortKey::Owner => "l.created_at",
    }
}

fn key_value(key: SortKey, lead: &Lead) -> Value {
    match key {
        SortKey::Name => Value::Text(lead.name.clone()),
        SortKey::AgeInStage => Value::Integer(lead.status_changed_at),
        SortKey::Created | SortKey::Status | SortKey::Owner => Value::Integer(lead.created_at),
    }
}

/// Up to `limit` leads matching `filter` in `sort` order, starting after
/// `after` (or from the top), reading in `direction`.
pub fn page(
    conn: &Connection,
    filter: &Filter,
    sort: Sort,
    after: Option<&Cursor>,
    direction: Direction,
    limit: usize,
) -> Result<(Vec<Lead>, Option<Cursor>)> {
    read(conn, filter, sort, after, false, direction, limit)
}

/// As [`page`], but starting at the row `from` itself (for redrawing a window in place).
pub fn page_from(conn: &Connection, filter: &Filter, sort: Sort, from: &Cursor, limit: usize) -> Result<Vec<Lead>> {
    Ok(read(conn, filter, sort, Some(from), true, Direction::Forward, limit)?.0)
}

/// How a page is read (see [`reading`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reading {
    /// Along the sort's own index, keeping the rows that match: a screenful
    /// is found within the first rows when many leads match. When they lie
    /// far along it, the walk gives up and they are sorted (top N) instead.
    Walk,
    /// These matches, found through the filter's own indexes (the search
    /// index, a tag, a date range, an owner…), sorted: quick when few match,
    /// where a walk would read the whole table to find them.
    SortMatches(Vec<i64>),
}

/// Up to this many matches are sorted rather than walked to. Sorting 5,000
/// leads reads each once (a few milliseconds on the 1,000,000-lead demo);
/// beyond it, one lead in 200 matches and a walk finds a screenful within
/// ten thousand rows of its index.
pub const SORT_MATCHES_UP_TO: usize = 5_000;

/// How pages of `filter` are read: decided by finding its matches, up to
/// [`SORT_MATCHES_UP_TO`], through the filter's own indexes. A search of one
/// or two characters is looked up through the search index's pieces that
/// hold it when they are few (see [`search::pieces`]); when they are many,
/// finding its matches tests each lead, and stops at the limit.
pub fn reading(conn: &Connection, filter: &Filter) -> Result<Reading> {
    let planned = search::plan(conn, &filter.search_text(), SORT_MATCHES_UP_TO)?;
    reading_by(conn, filter, finding(planned))
}

/// How [`reading_by`] finds the matches, given the search's plan: through
/// the filter's indexes, and a short text's pieces only when they are few.
fn finding(planned: FindBy) -> FindBy {
    if planned == FindBy::Pieces { FindBy::Pieces } else { FindBy::Index }
}

fn reading_by(conn: &Connection, filter: &Filter, by: FindBy) -> Result<Reading> {
    let (clause, mut params) = filter.to_sql_with(by);
    if clause == "1" {
        return Ok(Reading::Walk);
    }
    params.push(Value::Integer(i64::try_from(SORT_MATCHES_UP_TO).unwrap_or(i64::MAX) + 1));
    let ids = conn
        .prepare_cached(&matches_sql(&clause))?
        .query_map(rusqlite::params_from_iter(params), |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<i64>>>()?;
    Ok(if ids.len() > SORT_MATCHES_UP_TO { Reading::Walk } else { Reading::SortMatches(ids) })
}

/// Up to this many candidates of a short search (see [`search::pieces`]) are
/// sorted when a first walk did not find the page: each is read by id,
/// about 3 ms a thousand on the 1,000,000-lead demo ("zo": 17,600 in 60 ms,
/// where finding 5,000 matches and walking again took 90 to 130 ms; "q",
/// 28,700, is quicker that way).
pub const SORT_CANDIDATES_UP_TO: usize = 20_000;

/// How much a first try at walking may cost, in SQLite virtual-machine
/// steps: a few milliseconds, enough to find a screenful when one lead in a
/// hundred or so matches along the sort's index.
const FIRST_WALK_STEPS: u32 = 30_000;
/// How much a walk to many matches may cost before they are sorted instead:
/// many leads can match and still lie far along the sort's index (the
/// newest leads sorted by age in stage, a tag given in name order).
const LONG_WALK_STEPS: u32 = 150_000;
const STEPS_PER_CHECK: i32 = 500;

/// `read`'s result, or `None` when it took more than `steps`.
fn within_effort<T>(conn: &Connection, steps: u32, read: impl FnOnce() -> Result<T>) -> Result<Option<T>> {
    let gave_up = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&gave_up);
    let mut checks = 0;
    conn.progress_handler(
        STEPS_PER_CHECK,
        Some(move || {
            checks += 1;
            let over = checks * STEPS_PER_CHECK.unsigned_abs() > steps;
            if over {
                flag.store(true, Ordering::Relaxed);
            }
            over
        }),
    )?;
    let result = read();
    conn.progress_handler(0, None::<fn() -> bool>)?;
    match result {
        // Interrupted by the effort bound, not by another thread's interrupt.
        Err(_) if gave_up.load(Ordering::Relaxed) => Ok(None),
        other => other.map(Some),
    }
}

/// What one read asks for, whichever way it is read.
struct Request<'a> {
    key: SortKey,
    after: Option<&'a Cursor>,
    inclusive: bool,
    ascending: bool,
    limit: usize,
}

impl Request<'_> {
    /// The comparison that continues from the cursor, and the order's direction.
    fn cmp_and_dir(&self) -> (&'static str, &'static str) {
        match (self.ascending, self.inclusive) {
            (true, false) => (">", "ASC"),
            (true, true) => (">=", "ASC"),
            (false, false) => ("<", "DESC"),
            (false, true) => ("<=", "DESC"),
        }
    }
}

fn read(
    conn: &Connection,
    filter: &Filter,
    sort: Sort,
    after: Option<&Cursor>,
    inclusive: bool,
    direction: Direction,
    limit: usize,
) -> Result<(Vec<Lead>, Option<Cursor>)> {
    let ascending = sort.descending == (direction == Direction::Backward);
    let request = Request { key: sort.key, after, inclusive, ascending, limit };
    let parts = partitions(conn, sort.key)?;
    // Most pages a console asks for (an owner's, a stage's, the unassigned)
    // walk straight to their rows: try that first, for a bounded effort,
    // and count the matches only when it did not find the page in time.
    // Every way is bounded by the table or by the matches, never worse.
    let walked = |steps| within_effort(conn, steps, || walk(conn, filter, &parts, &request));
    // A search the index answers with few candidates goes straight to them.
    let text = filter.search_text();
    let planned = search::plan(conn, &text, SORT_MATCHES_UP_TO)?;
    let tried = if planned == FindBy::Scan { walked(FIRST_WALK_STEPS)? } else { None };
    let rows = match tried {
        Some(rows) => rows,
        // A short text in too many leads to go straight to, spread along the
        // sort's order, whose pieces still find few enough candidates: the
        // best of them, sorted.
        None if planned == FindBy::Scan
            && search::short_text(&text).is_some()
            && search::plan(conn, &text, SORT_CANDIDATES_UP_TO)? == FindBy::Pieces =>
        {
            sort_matches(conn, filter, None, FindBy::Pieces, &parts, &request)?
        }
        None => match reading_by(conn, filter, finding(planned))? {
            Reading::SortMatches(ids) => sort_matches(conn, filter, Some(&ids), FindBy::Index, &parts, &request)?,
            Reading::Walk => match walked(LONG_WALK_STEPS)? {
                Some(rows) => rows,
                None => sort_matches(conn, filter, None, FindBy::Index, &parts, &request)?,
            },
        },
    };
    let next = rows.last().map(|(part, lead)| Cursor { partition: *part, key: key_value(sort.key, lead), id: lead.id });
    let mut leads: Vec<Lead> = rows.into_iter().map(|(_, l)| l).collect();
    if direction == Direction::Backward {
        leads.reverse();
    }
    Ok((leads, next))
}

/// The index a walk in `key` order reads, where no filter's index gives
/// that order (the created order comes with the owner, stage, source and
/// unassigned indexes too, so the planner picks among them).
fn walk_index(key: SortKey) -> &'static str {
    match key {
        SortKey::Name => " INDEXED BY leads_name",
        SortKey::AgeInStage => " INDEXED BY leads_stage_age",
        SortKey::Created | SortKey::Status | SortKey::Owner => "",
    }
}

/// [`Reading::Walk`]: one partition (stage or owner) at a time, each along an index in order.
fn walk(conn: &Connection, filter: &Filter, parts: &Partitions, request: &Request) -> Result<Vec<(usize, Lead)>> {
    // Many leads match: looking each up in an index would cost more than testing it.
    let matching = filter.to_sql_with(FindBy::Scan);
    let ruled_out = ruled_out(conn, filter, parts)?;
    let mut rows: Vec<(usize, Lead)> = Vec::new();
    for part in walk_order(parts, request) {
        if rows.len() >= request.limit {
            break;
        }
        if ruled_out.get(part).copied().unwrap_or(false) {
            continue;
        }
        let query = walk_sql(&matching, parts, part, request, request.limit - rows.len());
        let mut stmt = conn.prepare_cached(&query.rows_sql())?;
        let found = stmt.query_map(rusqlite::params_from_iter(query.params), from_row)?;
        for lead in found {
            rows.push((part, lead?));
        }
    }
    Ok(rows)
}

/// Which partitions the filter rules out (another owner's, a closed stage
/// when only open leads are asked for): a walk skips them rather than read
/// an owner's or a stage's every lead to find none.
fn ruled_out(conn: &Connection, filter: &Filter, parts: &Partitions) -> Result<Vec<bool>> {
    let Partitions::Column(column, values) = parts else { return Ok(Vec::new()) };
    if *column == "l.stage_id" {
        let stages = stages::list(conn)?;
        return Ok(values
            .iter()
            .map(|value| {
                let Value::Integer(id) = value else { return false };
                let closed = stages.iter().any(|s| s.id == *id && s.closed);
                (!filter.stage_ids.is_empty() && !filter.stage_ids.contains(id)) || (filter.open_only && closed)
            })
            .collect());
    }
    let owner = |value: &Value| match value {
        Value::Integer(id) => Some(*id),
        _ => None,
    };
    Ok(values
        .iter()
        .map(|value| {
            let owner = owner(value);
            let by_filter = match filter.owner {
                OwnerFilter::Any => false,
                OwnerFilter::Unassigned => owner.is_some(),
                OwnerFilter::User(id) => owner != Some(id),
            };
            let by_agent = filter.visible_to_agent.is_some_and(|agent| owner.is_some_and(|o| o != agent));
            by_filter || by_agent
        })
        .collect())
}

/// The partitions a walk reads, in order, from the cursor's on.
fn walk_order(parts: &Partitions, request: &Request) -> Vec<usize> {
    let count = match parts {
        Partitions::None => 1,
        Partitions::Column(_, values) => values.len(),
    };
    let after = |part: &usize| match request.after {
        Some(c) if request.ascending => *part >= c.partition,
        Some(c) => *part <= c.partition,
        None => true,
    };
    if request.ascending { (0..count).filter(after).collect() } else { (0..count).rev().filter(after).collect() }
}

/// A page's query: its ids in order (`ids`, after `with`), then their rows
/// in the same `order`, so that only the page's rows read their owner,
/// stage and tags.
struct PageQuery {
    with: String,
    ids: String,
    order: String,
    params: Vec<Value>,
}

impl PageQuery {
    fn rows_sql(&self) -> String {
        format!("{}{SELECT_LEAD} WHERE l.id IN ({}){}", self.with, self.ids, self.order)
    }

    fn ids_sql(&self) -> String {
        format!("{}{}", self.with, self.ids)
    }
}

/// The query for up to `limit` rows of partition `part`; `matching` is the
/// filter's clause and parameters, made once for every partition.
fn walk_sql(
    matching: &(String, Vec<Value>),
    parts: &Partitions,
    part: usize,
    request: &Request,
    limit: usize,
) -> PageQuery {
    let (where_clause, params) = matching;
    let mut params = params.clone();
    let key_sql = key_column(request.key);
    let (cmp, dir) = request.cmp_and_dir();
    let mut sql = format!("SELECT l.id FROM leads l{} WHERE {where_clause}", walk_index(request.key));
    if let Partitions::Column(column, values) = parts {
        match &values[part] {
            Value::Null => sql.push_str(&format!(" AND {column} IS NULL")),
            value => {
                sql.push_str(&format!(" AND {column} = ?"));
                params.push(value.clone());
            }
        }
    }
    if let Some(c) = request.after.filter(|c| c.partition == part) {
        sql.push_str(&format!(" AND ({key_sql}, l.id) {cmp} (?, ?)"));
        params.push(c.key.clone());
        params.push(Value::Integer(c.id));
    }
    let order = format!(" ORDER BY {key_sql} {dir}, l.id {dir}");
    sql.push_str(&format!("{order} LIMIT ?"));
    params.push(Value::Integer(i64::try_from(limit).unwrap_or(i64::MAX)));
    PageQuery { with: String::new(), ids: sql, order, params }
}

/// Every partition in one query over the matches, sorted: those of
/// [`Reading::SortMatches`], or (`None`) all, found as `finding` says
/// through the filter's own indexes and kept to the page's best by
/// SQLite's top-N sort.
fn sort_matches(
    conn: &Connection,
    filter: &Filter,
    matches: Option<&[i64]>,
    finding: FindBy,
    parts: &Partitions,
    request: &Request,
) -> Result<Vec<(usize, Lead)>> {
    let query = sort_sql(filter, matches, finding, parts, request);
    let mut stmt = conn.prepare_cached(&query.rows_sql())?;
    let found = stmt.query_map(rusqlite::params_from_iter(query.params), from_row)?;
    let mut rows = Vec::new();
    for lead in found {
        let lead = lead?;
        rows.push((partition_of(parts, &lead), lead));
    }
    Ok(rows)
}

/// The query for a page of `matches` (or of every match). The filter is
/// tested again so that the page is exact even if a lead changed since the
/// matches were found.
fn sort_sql(
    filter: &Filter,
    matches: Option<&[i64]>,
    finding: FindBy,
    parts: &Partitions,
    request: &Request,
) -> PageQuery {
    let by = if matches.is_some() { FindBy::Scan } else { finding };
    let (where_clause, filter_params) = filter.to_sql_with(by);
    let mut params: Vec<Value> = Vec::new();
    // A partition's rank is its place in the list, looked up in a small table of (value, rank).
    let (with, rank) = match parts {
        Partitions::None => (String::new(), None),
        Partitions::Column(column, values) => {
            let rows: Vec<String> = (0..values.len()).map(|i| format!("(?, {i})")).collect();
            params.extend(values.iter().cloned());
            (
                format!("WITH part(value, rank) AS (VALUES {}) ", rows.join(", ")),
                Some(format!("coalesce((SELECT rank FROM part WHERE part.value IS {column}), {})", values.len())),
            )
        }
    };
    if let Some(matches) = matches {
        params.push(Value::Text(ids_json(matches)));
    }
    params.extend(filter_params);
    // The unary `+` keeps the planner off the sort's index: the matches come from the list.
    let key_sql = format!("+{}", key_column(request.key));
    let (cmp, dir) = request.cmp_and_dir();
    // CROSS JOIN keeps the matches the outer loop: left to choose, the
    // planner may walk an owner's or a stage's every lead instead.
    let mut inner = match matches {
        Some(_) => format!(
            "SELECT l.id FROM json_each(?) matched CROSS JOIN leads l ON l.id = matched.value WHERE {where_clause}"
        ),
        None => format!("SELECT l.id FROM leads l WHERE {where_clause}"),
    };
    if let Some(c) = request.after {
        match &rank {
            Some(rank) => {
                inner.push_str(&format!(" AND ({rank}, {key_sql}, +l.id) {cmp} (?, ?, ?)"));
                params.push(Value::Integer(i64::try_from(c.partition).unwrap_or(i64::MAX)));
            }
            None => inner.push_str(&format!(" AND ({key_sql}, +l.id) {cmp} (?, ?)")),
        }
        params.push(c.key.clone());
        params.push(Value::Integer(c.id));
    }
    let order = match &rank {
        Some(rank) => format!(" ORDER BY {rank} {dir}, {key_sql} {dir}, +l.id {dir}"),
        None => format!(" ORDER BY {key_sql} {dir}, +l.id {dir}"),
    };
    inner.push_str(&format!("{order} LIMIT ?"));
    params.push(Value::Integer(i64::try_from(request.limit).unwrap_or(i64::MAX)));
    PageQuery { with, ids: inner, order, params }
}

/// How the first page of `filter` in `sort` order is read, and the query
/// plan (`EXPLAIN QUERY PLAN`, one line per step) of its first query for
/// ids: for
/// tests that hold each filter and sort to a plan that stays fast.
pub fn first_page_plan(conn: &Connection, filter: &Filter, sort: Sort, limit: usize) -> Result<(Reading, Vec<String>)> {
    let request = Request { key: sort.key, after: None, inclusive: false, ascending: !sort.descending, limit };
    let parts = partitions(conn, sort.key)?;
    let reading = reading(conn, filter)?;
    let query = match &reading {
        Reading::Walk => {
            let Some(&part) = walk_order(&parts, &request).first() else { return Ok((reading, Vec::new())) };
            walk_sql(&filter.to_sql_with(FindBy::Scan), &parts, part, &request, limit)
        }
        Reading::SortMatches(ids) => sort_sql(filter, Some(ids), FindBy::Index, &parts, &request),
    };
    let plan = conn
        .prepare(&format!("EXPLAIN QUERY PLAN {}", query.ids_sql()))?
        .query_map(rusqlite::params_from_iter(query.params), |r| r.get::<_, String>(3))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    Ok((reading, plan))
}

/// The query plan (`EXPLAIN QUERY PLAN`, one line per step) of the query
/// that [`reading`] finds the matches of `filter` with: for tests that hold
/// a filter whose matches are few to finding them without reading every lead.
pub fn matches_plan(conn: &Connection, filter: &Filter) -> Result<Vec<String>> {
    let planned = search::plan(conn, &filter.search_text(), SORT_MATCHES_UP_TO)?;
    let (clause, mut params) = filter.to_sql_with(finding(planned));
    params.push(Value::Integer(i64::try_from(SORT_MATCHES_UP_TO).unwrap_or(i64::MAX) + 1));
    let plan = conn
        .prepare(&format!("EXPLAIN QUERY PLAN {}", matches_sql(&clause)))?
        .query_map(rusqlite::params_from_iter(params), |r| r.get::<_, String>(3))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(plan)
}

/// [`reading`]'s query for up to a limit (its last parameter) of matches.
fn matches_sql(clause: &str) -> String {
    format!("SELECT l.id FROM leads l WHERE {clause} LIMIT ?")
}

/// Ids as a JSON array, for `json_each`: one parameter, however many.
fn ids_json(ids: &[i64]) -> String {
    let listed: Vec<String> = ids.iter().map(i64::to_string).collect();
    format!("[{}]", listed.join(","))
}

/// Which partition `lead` sits in.
fn partition_of(parts: &Partitions, lead: &Lead) -> usize {
    match parts {
        Partitions::None => 0,
        Partitions::Column(column, values) => {
            let wanted = if *column == "l.stage_id" {
                Value::Integer(lead.stage_id)
            } else {
                lead.owner_id.map(Value::Integer).unwrap_or(Value::Null)
            };
            values.iter().position(|v| *v == wanted).unwrap_or(values.len())
        }
    }
}

/// The cursor that sits on `lead` in `sort` order, to page backward from it
/// or forward past it.
pub fn cursor_at(conn: &Connection, sort: Sort, lead: &Lead) -> Result<Cursor> {
    let partition = partition_of(&partitions(conn, sort.key)?, lead);
    Ok(Cursor { partition, key: key_value(sort.key, lead), id: lead.id })
}

/// Every page of a filter, for exports and listings without a limit.
pub fn all(conn: &Connection, filter: &Filter, sort: Sort, limit: Option<usize>) -> Result<Vec<Lead>> {
    const CHUNK: usize = 2000;
    let mut out = Vec::new();
    let mut cursor: Option<Cursor> = None;
    loop {
        let want = limit.map_or(CHUNK, |l| CHUNK.min(l - out.len()));
        if want == 0 {
            break;
        }
        let (rows, next) = page(conn, filter, sort, cursor.as_ref(), Direction::Forward, want)?;
        let done = rows.len() < want;
        out.extend(rows);
        cursor = next;
        if done {
            break;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LONG: &str = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000) \
                        SELECT count(*) FROM n";

    fn count(conn: &Connection) -> Result<i64> {
        Ok(conn.query_row(LONG, [], |r| r.get(0))?)
    }

    #[test]
    fn sorting_every_match_pages_as_the_walk_does() {
        let store = crate::core::Store::open_in_memory().unwrap();
        let conn = store.conn();
        conn.execute_batch(
            "INSERT INTO users (id, name, role, created_at) VALUES (1, 'Zoe', 'agent', 0), (2, 'Abe', 'agent', 0);
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40)
             INSERT INTO leads (name, stage_id, owner_id, created_at, updated_at, status_changed_at)
             SELECT 'N' || (i % 5), 1 + i % 3, CASE i % 3 WHEN 0 THEN NULL ELSE i % 3 END, i % 7, 0, i % 4 FROM n;",
        )
        .unwrap();
        let filter = Filter { created_from: Some(2), ..Filter::default() };
        for key in SortKey::ALL {
            for descending in [false, true] {
                let sort = Sort { key, descending };
                let parts = partitions(conn, key).unwrap();
                let mut after: Option<Cursor> = None;
                loop {
                    let request =
                        Request { key, after: after.as_ref(), inclusive: false, ascending: !descending, limit: 6 };
                    let walked = walk(conn, &filter, &parts, &request).unwrap();
                    let sorted = sort_matches(conn, &filter, None, FindBy::Index, &parts, &request).unwrap();
                    let ids = |rows: &[(usize, Lead)]| rows.iter().map(|(p, l)| (*p, l.id)).collect::<Vec<_>>();
                    assert_eq!(ids(&sorted), ids(&walked), "{sort:?} after {after:?}");
                    let Some((part, lead)) = walked.last() else { break };
                    after = Some(Cursor { partition: *part, key: key_value(key, lead), id: lead.id });
                }
            }
        }
    }

    #[test]
    fn a_read_over_its_effort_gives_up_and_leaves_the_connection_unbounded() {
        let conn = Connection::open_in_memory().unwrap();
        assert_eq!(
            within_effort(&conn, FIRST_WALK_STEPS, || count(&conn)).unwrap(),
            None,
            "a million steps is over the effort"
        );
        assert_eq!(
            within_effort(&conn, FIRST_WALK_STEPS, || Ok(conn.query_row("SELECT 7", [], |r| r.get::<_, i64>(0))?))
                .unwrap(),
            Some(7)
        );
        assert_eq!(count(&conn).unwrap(), 1_000_000, "the bound ends with the try");
    }
}
