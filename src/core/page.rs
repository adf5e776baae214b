//! Sorted, keyset-paginated windows over a filter (V2). No OFFSET: each page
//! continues from the last row's sort key, so deep pages cost what the first does.

use std::str::FromStr;

use rusqlite::Connection;
use rusqlite::types::Value;

use super::error::{Error, Result};
use super::filter::Filter;
use super::leads::{SELECT_LEAD, from_row};
use super::model::Lead;
use super::{search, stages, users};

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
    let parts = partitions(conn, sort.key)?;
    let (column, values) = match &parts {
        Partitions::None => (None, vec![Value::Null]),
        Partitions::Column(c, v) => (Some(*c), v.clone()),
    };
    let order: Vec<usize> = if ascending { (0..values.len()).collect() } else { (0..values.len()).rev().collect() };
    let (where_clause, filter_params) =
        filter.to_sql_with(search::plan(conn, &filter.search_text(), search::PAGE_CANDIDATES)?);
    let key_sql = key_column(sort.key);
    let (cmp, dir) = match (ascending, inclusive) {
        (true, false) => (">", "ASC"),
        (true, true) => (">=", "ASC"),
        (false, false) => ("<", "DESC"),
        (false, true) => ("<=", "DESC"),
    };

    let mut rows: Vec<(usize, Lead)> = Vec::new();
    for part in order {
        if rows.len() >= limit {
            break;
        }
        if let Some(c) = after
            && ((ascending && part < c.partition) || (!ascending && part > c.partition))
        {
            continue;
        }
        let mut sql = format!("SELECT l.id FROM leads l WHERE {where_clause}");
        let mut params = filter_params.clone();
        if let Some(col) = column {
            match &values[part] {
                Value::Null => sql.push_str(&format!(" AND {col} IS NULL")),
                v => {
                    sql.push_str(&format!(" AND {col} = ?"));
                    params.push(v.clone());
                }
            }
        }
        if let Some(c) = after.filter(|c| c.partition == part) {
            sql.push_str(&format!(" AND ({key_sql}, l.id) {cmp} (?, ?)"));
            params.push(c.key.clone());
            params.push(Value::Integer(c.id));
        }
        let order = format!(" ORDER BY {key_sql} {dir}, l.id {dir}");
        sql.push_str(&format!("{order} LIMIT ?"));
        params.push(Value::Integer(i64::try_from(limit - rows.len()).unwrap_or(i64::MAX)));
        // The page's ids first, then its rows: when the ids need sorting (a
        // search answered by the index), only they are sorted, not every
        // candidate's owner, stage and tags.
        let sql = format!("{SELECT_LEAD} WHERE l.id IN ({sql}){order}");
        let mut stmt = conn.prepare_cached(&sql)?;
        let found = stmt.query_map(rusqlite::params_from_iter(params), from_row)?;
        for lead in found {
            rows.push((part, lead?));
        }
    }
    let next = rows.last().map(|(part, lead)| Cursor { partition: *part, key: key_value(sort.key, lead), id: lead.id });
    let mut leads: Vec<Lead> = rows.into_iter().map(|(_, l)| l).collect();
    if direction == Direction::Backward {
        leads.reverse();
    }
    Ok((leads, next))
}

/// The cursor that sits on `lead` in `sort` order, to page backward from it
/// or forward past it.
pub fn cursor_at(conn: &Connection, sort: Sort, lead: &Lead) -> Result<Cursor> {
    let partition = match partitions(conn, sort.key)? {
        Partitions::None => 0,
        Partitions::Column(col, values) => {
            let wanted = if col == "l.stage_id" {
                Value::Integer(lead.stage_id)
            } else {
                lead.owner_id.map(Value::Integer).unwrap_or(Value::Null)
            };
            values.iter().position(|v| *v == wanted).unwrap_or(0)
        }
    };
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
