//! The one description of "which leads" (V1). The table, the board, select-all,
//! bulk commands and the CLI all compile it to the same parameterised SQL, so a
//! bulk action on a filter touches exactly the rows the user sees.

use rusqlite::types::Value;

use super::context::{Actor, Ctx};
use super::error::{Error, Result};
use super::search::{self, FindBy, Looking};
use super::time;
use super::{stages, users};

/// Whose leads.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum OwnerFilter {
    #[default]
    Any,
    Unassigned,
    User(i64),
}

/// A resolved filter: ids, not names. Empty lists mean "any".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    pub owner: OwnerFilter,
    pub stage_ids: Vec<i64>,
    pub sources: Vec<String>,
    pub tags: Vec<String>,
    pub created_from: Option<i64>,
    pub created_before: Option<i64>,
    pub search: String,
    pub open_only: bool,
    pub ids: Option<Vec<i64>>,
    /// Leads left out of a "select all" by hand.
    pub exclude_ids: Vec<i64>,
    /// V6: an agent sees their own leads and the unassigned ones they may pick up.
    pub visible_to_agent: Option<i64>,
}

/// A filter as a person types it: names and dates as text.
#[derive(Debug, Clone, Default)]
pub struct FilterSpec {
    pub unassigned: bool,
    /// A user name, or `me`, or `unassigned`.
    pub owner: Option<String>,
    pub statuses: Vec<String>,
    pub sources: Vec<String>,
    pub tags: Vec<String>,
    pub since: Option<String>,
    pub until: Option<String>,
    pub search: Option<String>,
    pub open_only: bool,
    /// Created more than this many hours before the clock (V1: the waiting queue).
    pub older_than_hours: Option<u32>,
}

impl FilterSpec {
    pub fn is_empty(&self) -> bool {
        !self.unassigned
            && self.owner.is_none()
            && self.statuses.is_empty()
            && self.sources.is_empty()
            && self.tags.is_empty()
            && self.since.is_none()
            && self.until.is_none()
            && self.search.is_none()
            && !self.open_only
            && self.older_than_hours.is_none()
    }

    /// Resolve names and dates against the database; unknown names are errors.
    pub fn resolve(&self, conn: &rusqlite::Connection, ctx: &Ctx) -> Result<Filter> {
        let mut filter = Filter::for_actor(ctx);
        filter.owner = match (&self.owner, self.unassigned) {
            (Some(_), true) => return Err(Error::invalid("--owner and --unassigned cannot be combined")),
            (None, true) => OwnerFilter::Unassigned,
            (None, false) => OwnerFilter::Any,
            (Some(name), false) => resolve_owner(conn, ctx, name)?,
        };
        for status in &self.statuses {
            filter.stage_ids.push(stages::find(conn, status)?.id);
        }
        filter.sources = self.sources.iter().map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
        filter.tags = self.tags.iter().map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
        filter.created_from =
            self.since.as_deref().map(|d| time::parse_date(ctx.tz, d)).transpose()?.map(|t| t.timestamp());
        filter.created_before =
            self.until.as_deref().map(|d| time::parse_until(ctx.tz, d)).transpose()?.map(|t| t.timestamp());
        if let Some(hours) = self.older_than_hours {
            let bound = ctx.now_ts() - i64::from(hours) * 3600;
            filter.created_before = Some(filter.created_before.map_or(bound, |until| until.min(bound)));
        }
        if let (Some(from), Some(before)) = (filter.created_from, filter.created_before)
            && from >= before
        {
            return Err(Error::invalid("--since must be before --until"));
        }
        filter.search = self.search.as_deref().unwrap_or("").trim().to_string();
        let length = filter.search.chars().count();
        if length > MAX_SEARCH {
            return Err(Error::invalid(format!(
                "--search text is {length} characters long; at most {MAX_SEARCH} are searched for"
            )));
        }
        filter.open_only = self.open_only;
        Ok(filter)
    }
}

fn resolve_owner(conn: &rusqlite::Connection, ctx: &Ctx, name: &str) -> Result<OwnerFilter> {
    let name = name.trim();
    if name.eq_ignore_ascii_case("unassigned") || name.eq_ignore_ascii_case("none") {
        return Ok(OwnerFilter::Unassigned);
    }
    if name.eq_ignore_ascii_case("me") {
        return match &ctx.actor {
            Actor::User(u) => Ok(OwnerFilter::User(u.id)),
            Actor::System => Err(Error::invalid("--owner me needs an acting user (--as NAME)")),
        };
    }
    Ok(OwnerFilter::User(users::find(conn, name)?.id))
}

/// Longest search text, in characters. SQLite refuses LIKE patterns over
/// 50,000 bytes ("pattern too complex"); this keeps every pattern, escaped
/// and in 4-byte characters, well under that.
pub const MAX_SEARCH: usize = 1000;

/// Escape `%`, `_` and `\` so that search text matches literally under `LIKE … ESCAPE '\'`.
pub fn like_pattern(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

impl Filter {
    /// The empty filter as seen by the acting user (agents see less, V6).
    pub fn for_actor(ctx: &Ctx) -> Filter {
        let visible_to_agent = match &ctx.actor {
            Actor::User(u) if !ctx.actor.is_manager() => Some(u.id),
            _ => None,
        };
        Filter { visible_to_agent, ..Filter::default() }
    }

    /// R5's backlog: open leads without an owner. The status bar's
    /// "unassigned", the console's `u`, `report workload` and routing all
    /// count these; a closed lead waits for nobody.
    pub fn unassigned(ctx: &Ctx) -> Filter {
        Filter { owner: OwnerFilter::Unassigned, open_only: true, ..Filter::for_actor(ctx) }
    }

    /// V1's triage queue: open, unassigned, created more than `hours` before
    /// the clock. Its count is the status bar's and the report's "waiting".
    pub fn waiting(ctx: &Ctx, hours: u32) -> Filter {
        Filter {
            open_only: true,
            created_before: Some(ctx.now_ts() - i64::from(hours) * 3600),
            ..Filter::unassigned(ctx)
        }
    }

    /// The WHERE clause (over `leads l`) and its parameters, the search text
    /// and tags looked up in their indexes. Every value is a parameter; only
    /// fixed SQL text is ever concatenated.
    pub fn to_sql(&self) -> (String, Vec<Value>) {
        self.to_sql_with(FindBy::Index)
    }

    /// [`Filter::to_sql`], with the search text and tags found as `by` says
    /// (see [`search::plan`] and `page::reading`).
    pub fn to_sql_with(&self, by: FindBy) -> (String, Vec<Value>) {
        let mut clauses: Vec<String> = Vec::new();
        let mut params: Vec<Value> = Vec::new();
        match self.owner {
            OwnerFilter::Any => {}
            OwnerFilter::Unassigned => clauses.push("l.owner_id IS NULL".into()),
            OwnerFilter::User(id) => {
                clauses.push("l.owner_id = ?".into());
                params.push(Value::Integer(id));
            }
        }
        if !self.stage_ids.is_empty() {
            clauses.push(format!("l.stage_id IN ({})", placeholders(self.stage_ids.len())));
            params.extend(self.stage_ids.iter().map(|&id| Value::Integer(id)));
        }
        if !self.sources.is_empty() {
            clauses.push(format!("l.source COLLATE NOCASE IN ({})", placeholders(self.sources.len())));
            params.extend(self.sources.iter().map(|s| Value::Text(s.clone())));
        }
        if !self.tags.is_empty() {
            let tags = placeholders(self.tags.len());
            // Another index, or a short text's few candidates, lead: each lead's tags are probed.
            let probe = by == FindBy::Scan || self.short_search(by).is_some();
            clauses.push(if probe {
                format!("EXISTS (SELECT 1 FROM lead_tags t WHERE t.lead_id = l.id AND t.tag IN ({tags}))")
            } else {
                format!("l.id IN (SELECT t.lead_id FROM lead_tags t WHERE t.tag IN ({tags}))")
            });
            params.extend(self.tags.iter().map(|s| Value::Text(s.clone())));
        }
        if let Some(from) = self.created_from {
            clauses.push("l.created_at >= ?".into());
            params.push(Value::Integer(from));
        }
        if let Some(before) = self.created_before {
            clauses.push("l.created_at < ?".into());
            params.push(Value::Integer(before));
        }
        if !self.search_text().is_empty() {
            self.push_search(by, &mut clauses, &mut params);
        }
        if self.open_only {
            clauses.push("l.stage_id IN (SELECT id FROM stages WHERE closed = 0)".into());
        }
        if let Some(ids) = &self.ids {
            clauses.push(format!("l.id IN ({})", placeholders(ids.len())));
            params.extend(ids.iter().map(|&id| Value::Integer(id)));
        }
        if !self.exclude_ids.is_empty() {
            clauses.push(format!("l.id NOT IN ({})", placeholders(self.exclude_ids.len())));
            params.extend(self.exclude_ids.iter().map(|&id| Value::Integer(id)));
        }
        if let Some(agent) = self.visible_to_agent {
            clauses.push(
                "(l.owner_id = ? OR (l.owner_id IS NULL AND l.stage_id IN (\
                 SELECT p.stage_id FROM group_pickup_stages p JOIN memberships m ON m.group_id = p.group_id \
                 WHERE m.user_id = ?)))"
                    .into(),
            );
            params.push(Value::Integer(agent));
            params.push(Value::Integer(agent));
        }
        let clause = if clauses.is_empty() { "1".to_string() } else { clauses.join(" AND ") };
        match self.short_search(by) {
            // The candidates lead, and the rest of the filter tests each:
            // left to choose, the planner may walk an owner's every lead.
            Some(folded) => {
                params.insert(0, Value::Text(folded));
                let candidates = search::pieces::CANDIDATES;
                (
                    format!(
                        "l.id IN (SELECT l.id FROM ({candidates}) c CROSS JOIN leads l ON l.id = c.id WHERE {clause})"
                    ),
                    params,
                )
            }
            None => (clause, params),
        }
    }

    /// The folded text of a short search that `by` looks up through its pieces.
    fn short_search(&self, by: FindBy) -> Option<String> {
        (by == FindBy::Pieces).then(|| search::short_text(&self.search_text())).flatten()
    }

    /// The text actually searched for: a longer one (pasted into the console's
    /// search box) by its start, and nothing after a NUL, where SQLite stops
    /// reading a `LIKE` pattern (so the index and a scan agree).
    pub fn search_text(&self) -> String {
        self.search.chars().take(MAX_SEARCH).take_while(|&c| c != '\0').collect()
    }

    fn push_search(&self, by: FindBy, clauses: &mut Vec<String>, params: &mut Vec<Value>) {
        let search = self.search_text();
        if by != FindBy::Scan
            && let Some(query) = search::match_query(&search)
        {
            clauses.push("l.id IN (SELECT rowid FROM leads_search WHERE leads_search MATCH ?)".into());
            params.push(Value::Text(query));
        }
        match search::looking_for(&search) {
            Looking::Text => {
                let columns = ["l.name", "l.email", "l.company"];
                let alternatives: Vec<String> = columns.iter().map(|c| format!("{c} LIKE ? ESCAPE '\\'")).collect();
                params.extend(std::iter::repeat_n(Value::Text(like_pattern(&search)), columns.len()));
                clauses.push(format!("({})", alternatives.join(" OR ")));
            }
            // "555 0102" finds "+1 (555) 010-2030": phones compare digits with digits.
            Looking::Phone { digits } if digits.len() >= search::MIN_PHONE_DIGITS => {
                clauses.push("l.phone_key LIKE ?".into());
                params.push(Value::Text(format!("%{digits}%")));
            }
            // "+4": the start of a phone number, which matches nothing yet.
            Looking::Phone { .. } => clauses.push("0".into()),
        }
    }
}

fn placeholders(n: usize) -> String {
    vec!["?"; n].join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_pattern_escapes_wildcards() {
        assert_eq!(like_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
    }

    #[test]
    fn empty_filter_matches_everything() {
        let (sql, params) = Filter::default().to_sql();
        assert_eq!(sql, "1");
        assert!(params.is_empty());
    }

    #[test]
    fn every_value_is_a_parameter() {
        let filter = Filter {
            owner: OwnerFilter::User(7),
            stage_ids: vec![1, 2],
            sources: vec!["x'; DROP TABLE leads; --".into()],
            tags: vec!["vip".into()],
            created_from: Some(10),
            created_before: Some(20),
            search: "o'brien".into(),
            ..Filter::default()
        };
        let (sql, params) = filter.to_sql();
        assert!(!sql.contains("DROP"));
        assert!(!sql.contains("brien"));
        assert_eq!(sql.matches('?').count(), params.len());
    }
}
