//! Routing rules (R1): ordered conditions with a group or user target.

pub mod known;

use std::fmt;

use rusqlite::{Connection, OptionalExtension, params};

use super::context::Ctx;
use super::error::{Error, Result};
use super::model::Lead;
use super::named_ids::{Named, keep_given, next_id};
use super::names;
use super::rights::{self, Action};
use super::store::{Change, Store, Writer};
use super::{groups, users};

/// What a condition looks at (R1). The first name is stored; the others are
/// accepted when typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::EnumIter, strum::IntoStaticStr, strum::EnumString)]
#[strum(ascii_case_insensitive)]
pub enum Field {
    #[strum(to_string = "source")]
    Source,
    #[strum(to_string = "status", serialize = "stage")]
    Status,
    #[strum(to_string = "tag", serialize = "tags")]
    Tag,
    #[strum(to_string = "company")]
    Company,
    #[strum(to_string = "email_domain", serialize = "domain", serialize = "email")]
    EmailDomain,
}

/// How a condition compares, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr, strum::EnumString)]
#[strum(serialize_all = "snake_case")]
pub enum Op {
    Is,
    IsNot,
    Contains,
    In,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub field: Field,
    pub op: Op,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    Group { id: i64, name: String },
    User { id: i64, name: String },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub id: i64,
    pub name: String,
    pub priority: i64,
    pub enabled: bool,
    pub conditions: Vec<Condition>,
    pub target: Target,
}

impl Field {
    fn as_str(self) -> &'static str {
        self.into()
    }

    fn parse(text: &str) -> Result<Field> {
        text.trim().parse().map_err(|_| {
            Error::invalid(format!(
                "unknown rule field '{}' (expected source, status, tag, company or domain)",
                text.trim().to_ascii_lowercase()
            ))
        })
    }
}

impl Op {
    fn as_str(self) -> &'static str {
        self.into()
    }

    /// As stored; anything else reads as `is`, the plainest comparison.
    fn parse(text: &str) -> Op {
        text.parse().unwrap_or(Op::Is)
    }
}

impl Condition {
    /// `FIELD=VALUE` (is; a comma-separated VALUE means "any of"), `FIELD!=VALUE`
    /// (is not) or `FIELD~VALUE` (contains). Matching ignores case.
    pub fn parse(text: &str) -> Result<Condition> {
        let (field, op, value) = if let Some((f, v)) = text.split_once("!=") {
            (f, Op::IsNot, v)
        } else if let Some((f, v)) = text.split_once('~') {
            (f, Op::Contains, v)
        } else if let Some((f, v)) = text.split_once('=') {
            (f, if v.contains(',') { Op::In } else { Op::Is }, v)
        } else {
            return Err(Error::invalid(format!(
                "bad condition '{text}' (expected FIELD=VALUE, FIELD!=VALUE or FIELD~VALUE)"
            )));
        };
        let value = value.trim();
        if value.is_empty() {
            return Err(Error::invalid(format!("condition '{text}' has no value")));
        }
        Ok(Condition { field: Field::parse(field)?, op, value: value.to_string() })
    }

    /// The values compared: each of an "any of" list, else the one value.
    pub fn values(&self) -> Vec<&str> {
        match self.op {
            Op::In => self.value.split(',').map(str::trim).filter(|v| !v.is_empty()).collect(),
            _ => vec![self.value.as_str()],
        }
    }

    /// This condition with `old`, one of its [`values`](Self::values), put as `new`.
    pub fn with_value(&self, old: &str, new: &str) -> Condition {
        let values: Vec<&str> = self.values().into_iter().map(|v| if v == old { new } else { v }).collect();
        Condition { value: values.join(","), ..self.clone() }
    }

    /// Whether the lead's field matches, ignoring case. Routing asks this of
    /// every rule for every new lead of an import, so nothing is allocated
    /// unless the condition is "contains".
    pub fn matches(&self, lead: &Lead) -> bool {
        let domain = lead.email.rsplit_once('@').map_or("", |(_, d)| d);
        let one = |value: &str| -> bool {
            let value = value.trim();
            let hit = |field: &str| match self.op {
                Op::Contains => field.to_lowercase().contains(&value.to_lowercase()),
                Op::Is | Op::IsNot | Op::In => same_text(field, value),
            };
            match self.field {
                Field::Source => hit(&lead.source),
                Field::Status => hit(&lead.status),
                Field::Company => hit(&lead.company),
                Field::EmailDomain => hit(domain),
                Field::Tag => lead.tags.iter().any(|t| hit(t)),
            }
        };
        match self.op {
            Op::Is | Op::Contains => one(&self.value),
            Op::IsNot => !one(&self.value),
            Op::In => self.value.split(',').filter(|v| !v.trim().is_empty()).any(one),
        }
    }
}

/// Equal once both are lower-cased; without new strings when both are ASCII
/// (whole-string lower-casing is context-dependent: a final Σ becomes ς).
fn same_text(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() { a.eq_ignore_ascii_case(b) } else { a.to_lowercase() == b.to_lowercase() }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let op = match self.op {
            Op::Is | Op::In => "=",
            Op::IsNot => "!=",
            Op::Contains => "~",
        };
        write!(f, "{}{op}{}", self.field.as_str(), self.value)
    }
}

/// Conditions typed as one line, separated by `;` ("source=Facebook; tag=vip").
pub fn parse_conditions(text: &str) -> Result<Vec<Condition>> {
    text.split(';').map(str::trim).filter(|c| !c.is_empty()).map(Condition::parse).collect()
}

impl Rule {
    pub fn matches(&self, lead: &Lead) -> bool {
        self.conditions.iter().all(|c| c.matches(lead))
    }

    pub fn target_label(&self) -> String {
        match &self.target {
            Target::Group { name, .. } => format!("group {name}"),
            Target::User { name, .. } => name.clone(),
        }
    }
}

/// Rules in priority order.
pub fn list(conn: &Connection) -> Result<Vec<Rule>> {
    let mut stmt = conn.prepare_cached(
        "SELECT r.id, r.name, r.priority, r.enabled, r.target_group_id, g.name, r.target_user_id, u.name \
         FROM rules r LEFT JOIN user_groups g ON g.id = r.target_group_id LEFT JOIN users u ON u.id = r.target_user_id \
         ORDER BY r.priority, r.id",
    )?;
    let heads = stmt
        .query_map([], |r| {
            let target = match r.get::<_, Option<i64>>(4)? {
                Some(id) => Target::Group { id, name: r.get::<_, Option<String>>(5)?.unwrap_or_default() },
                None => Target::User {
                    id: r.get::<_, Option<i64>>(6)?.unwrap_or_default(),
                    name: r.get::<_, Option<String>>(7)?.unwrap_or_default(),
                },
            };
            Ok(Rule {
                id: r.get(0)?,
                name: r.get(1)?,
                priority: r.get(2)?,
                enabled: r.get(3)?,
                conditions: vec![],
                target,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut cond =
        conn.prepare_cached("SELECT field, op, value FROM rule_conditions WHERE rule_id = ?1 ORDER BY id")?;
    heads
        .into_iter()
        .map(|mut rule| {
            rule.conditions = cond
                .query_map([rule.id], |r| {
                    let field: String = r.get(0)?;
                    let op: String = r.get(1)?;
                    Ok(Condition {
                        field: Field::parse(&field).unwrap_or(Field::Source),
                        op: Op::parse(&op),
                        value: r.get(2)?,
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rule)
        })
        .collect()
}

pub fn get(conn: &Connection, id: i64) -> Result<Rule> {
    list(conn)?.into_iter().find(|r| r.id == id).ok_or_else(|| Error::not_found("rule", format!("#{id}")))
}

/// What a new rule sends leads to, by name.
#[derive(Debug, Clone)]
pub enum TargetName {
    Group(String),
    User(String),
}

fn note(w: &mut Writer<'_>, text: String) -> Result<()> {
    w.record(Change::event(None, "rule_changed", "manual", Some(text)))
}

/// Renumber priorities 1..n in the given order.
fn renumber(w: &Writer<'_>, ordered: &[i64]) -> Result<()> {
    for (i, id) in ordered.iter().enumerate() {
        w.conn().execute("UPDATE rules SET priority = ?1 WHERE id = ?2", params![i as i64 + 1, id])?;
    }
    Ok(())
}

fn ordered_ids(conn: &Connection) -> Result<Vec<i64>> {
    let mut stmt = conn.prepare_cached("SELECT id FROM rules ORDER BY priority, id")?;
    Ok(stmt.query_map([], |r| r.get(0))?.collect::<Result<Vec<_>, _>>()?)
}

fn resolve_target(conn: &Connection, target: &TargetName) -> Result<(Option<i64>, Option<i64>)> {
    Ok(match target {
        TargetName::Group(g) => (Some(groups::find(conn, g)?.id), None),
        TargetName::User(u) => {
            let user = users::find(conn, u)?;
            if !user.active {
                return Err(Error::invalid(format!("user '{}' is deactivated", user.name)));
            }
            (None, Some(user.id))
        }
    })
}

fn write_conditions(w: &Writer<'_>, rule: i64, conditions: &[Condition]) -> Result<()> {
    w.conn().execute("DELETE FROM rule_conditions WHERE rule_id = ?1", [rule])?;
    for c in conditions {
        w.conn().execute(
            "INSERT INTO rule_conditions (rule_id, field, op, value) VALUES (?1, ?2, ?3, ?4)",
            params![rule, c.field.as_str(), c.op.as_str(), c.value],
        )?;
    }
    Ok(())
}

/// Change a rule's conditions and target. Leads it already routed keep their owners (R7).
pub fn update(store: &mut Store, ctx: &Ctx, id: i64, target: &TargetName, conditions: &[Condition]) -> Result<Rule> {
    rights::require(ctx, Action::ManageRules)?;
    let rule = get(store.conn(), id)?;
    let (group_id, user_id) = resolve_target(store.conn(), target)?;
    statuses_are_stages(store.conn(), conditions)?;
    store.write(ctx, "rule change", |w| {
        w.conn().execute(
            "UPDATE rules SET target_group_id = ?1, target_user_id = ?2 WHERE id = ?3",
            params![group_id, user_id, id],
        )?;
        write_conditions(w, id, conditions)?;
        note(w, format!("changed rule #{id} {}", rule.name))
    })?;
    get(store.conn(), id)
}

/// A status that is no stage never matches a lead, now or later, so a rule
/// naming one is refused (a source or tag no lead has yet only warns).
fn statuses_are_stages(conn: &Connection, conditions: &[Condition]) -> Result<()> {
    let stages = known::values(conn, Field::Status)?;
    let unknown = known::unknown_values(conn, conditions)?;
    if let Some(status) = unknown.iter().find(|u| u.field == Field::Status) {
        return Err(Error::invalid(format!("{} The statuses are {}.", status.question(), stages.join(", "))));
    }
    // `status~Neg` is a part of a status: one that is part of none never matches either.
    let contains = conditions.iter().filter(|c| c.field == Field::Status && c.op == Op::Contains);
    for value in contains.flat_map(Condition::values) {
        let folded = value.to_lowercase();
        if !stages.iter().any(|s| s.to_lowercase().contains(&folded)) {
            return Err(Error::invalid(format!(
                "No status contains '{value}'. The statuses are {}.",
                stages.join(", ")
            )));
        }
    }
    Ok(())
}

/// Add a rule at `priority` (1 = first; default last).
pub fn add(
    store: &mut Store,
    ctx: &Ctx,
    name: &str,
    target: &TargetName,
    conditions: &[Condition],
    priority: Option<i64>,
) -> Result<Rule> {
    rights::require(ctx, Action::ManageRules)?;
    let name = names::check("rule", name)?;
    let (group_id, user_id) = resolve_target(store.conn(), target)?;
    statuses_are_stages(store.conn(), conditions)?;
    if let Some(p) = priority
        && p < 1
    {
        return Err(Error::invalid("--priority starts at 1"));
    }
    let written = store.write(ctx, "rule add", |w| {
        // Never a deleted rule's id: the log names routed leads' way by it.
        let id = next_id(w.conn(), Named::Rule)?;
        w.conn().execute(
            "INSERT INTO rules (id, name, priority, target_group_id, target_user_id, created_at) \
             VALUES (?1, ?2, (SELECT coalesce(max(priority), 0) + 1 FROM rules), ?3, ?4, ?5)",
            params![id, name, group_id, user_id, w.now()],
        )?;
        keep_given(w.conn(), Named::Rule, id)?;
        write_conditions(w, id, conditions)?;
        if let Some(p) = priority {
            let mut ids: Vec<i64> = ordered_ids(w.conn())?.into_iter().filter(|&r| r != id).collect();
            let at = usize::try_from(p - 1).unwrap_or(0).min(ids.len());
            ids.insert(at, id);
            renumber(w, &ids)?;
        }
        note(w, format!("added rule #{id} {name}"))?;
        Ok(id)
    })?;
    get(store.conn(), written.value)
}

pub fn set_enabled(store: &mut Store, ctx: &Ctx, id: i64, enabled: bool) -> Result<Rule> {
    rights::require(ctx, Action::ManageRules)?;
    get(store.conn(), id)?;
    store.write(ctx, "rule change", |w| {
        w.conn().execute("UPDATE rules SET enabled = ?1 WHERE id = ?2", params![enabled, id])?;
        note(w, format!("rule #{id} {}", if enabled { "enabled" } else { "disabled" }))
    })?;
    get(store.conn(), id)
}

pub fn delete(store: &mut Store, ctx: &Ctx, id: i64) -> Result<()> {
    rights::require(ctx, Action::ManageRules)?;
    let rule = get(store.conn(), id)?;
    store.write(ctx, "rule delete", |w| {
        w.conn().execute("DELETE FROM rules WHERE id = ?1", [id])?;
        renumber(w, &ordered_ids(w.conn())?)?;
        note(w, format!("deleted rule #{id} {}", rule.name))
    })?;
    Ok(())
}

/// Move a rule to position `to` (1 = tried first).
pub fn move_to(store: &mut Store, ctx: &Ctx, id: i64, to: i64) -> Result<Rule> {
    rights::require(ctx, Action::ManageRules)?;
    get(store.conn(), id)?;
    if to < 1 {
        return Err(Error::invalid("--to starts at 1"));
    }
    store.write(ctx, "rule move", |w| {
        let mut ids: Vec<i64> = ordered_ids(w.conn())?.into_iter().filter(|&r| r != id).collect();
        let at = usize::try_from(to - 1).unwrap_or(0).min(ids.len());
        ids.insert(at, id);
        renumber(w, &ids)?;
        note(w, format!("moved rule #{id} to {to}"))
    })?;
    get(store.conn(), id)
}

/// The rule that an activity `via` such as `rule:3` names, if it still exists.
pub fn from_via(conn: &Connection, via: &str) -> Result<Option<Rule>> {
    let Some(id) = via.strip_prefix("rule:").and_then(|n| n.parse::<i64>().ok()) else {
        return Ok(None);
    };
    let exists: Option<i64> = conn.query_row("SELECT id FROM rules WHERE id = ?1", [id], |r| r.get(0)).optional()?;
    exists.map(|id| get(conn, id)).transpose()
}

#[cfg(test)]
mod tests {
    use strum::IntoEnumIterator;

    #[test]
    fn every_field_method_and_encoding_name_reads_back() {
        for field in Field::iter() {
            assert_eq!(Field::parse(field.as_str()).unwrap(), field);
            assert_eq!(Field::parse(&field.as_str().to_uppercase()).unwrap(), field);
        }
        assert_eq!(Field::parse("domain").unwrap(), Field::EmailDomain);
        for op in [Op::Is, Op::IsNot, Op::Contains, Op::In] {
            assert_eq!(Op::parse(op.as_str()), op);
        }
        for method in crate::core::groups::Method::iter() {
            assert_eq!(crate::core::groups::Method::parse(method.as_str()).unwrap(), method);
            assert_eq!(method.to_string(), method.as_str());
        }
        assert_eq!(crate::core::groups::Method::parse(" Least-Busy ").unwrap(), crate::core::groups::Method::Balanced);
        let err = crate::core::groups::Method::parse("fifo").unwrap_err().to_string();
        assert_eq!(err, "unknown method 'fifo' (expected sequential, random, balanced)");
        for encoding in crate::core::import::Encoding::iter() {
            assert_eq!(serde_json::to_value(encoding).unwrap(), encoding.as_str());
        }
    }

    use super::*;

    fn lead() -> Lead {
        Lead {
            id: 1,
            name: "Ann".into(),
            email: "ann@Acme.com".into(),
            phone: String::new(),
            company: "Acme Bank".into(),
            source: "Facebook".into(),
            stage_id: 1,
            status: "New".into(),
            tags: vec!["VIP".into()],
            owner_id: None,
            owner: None,
            created_at: 0,
            updated_at: 0,
            status_changed_at: 0,
            assigned_at: None,
        }
    }

    #[test]
    fn conditions_match_case_insensitively() {
        for (text, expected) in [
            ("source=facebook", true),
            ("source!=Facebook", false),
            ("company~bank", true),
            ("domain=acme.com", true),
            ("tag=vip", true),
            ("tag!=vip", false),
            ("source=Google,Facebook", true),
            ("source= google , facebook ,", true),
            ("source=Google,Bing", false),
            ("status=Contacted", false),
            ("status=NEW", true),
            ("company~BANK", true),
            ("company=bank", false),
            ("tag=Hot,vip", true),
            ("tag!=hot", true),
        ] {
            assert_eq!(Condition::parse(text).unwrap().matches(&lead()), expected, "{text}");
        }
    }

    #[test]
    fn equality_lower_cases_whole_words() {
        assert!(same_text("οδος", "ΟΔΟΣ"), "a final sigma");
        assert!(same_text("Weiß GmbH", "weiß gmbh"));
        assert!(!same_text("Acme", "Acme Bank"));
    }

    #[test]
    fn bad_conditions_are_errors() {
        assert!(Condition::parse("source").is_err());
        assert!(Condition::parse("colour=red").is_err());
        assert!(Condition::parse("source=").is_err());
    }

    #[test]
    fn a_value_of_an_any_of_list_is_put_right_alone() {
        let c = Condition::parse("source=Google, LinkdIn").unwrap();
        assert_eq!(c.values(), ["Google", "LinkdIn"]);
        assert_eq!(c.with_value("LinkdIn", "LinkedIn").to_string(), "source=Google,LinkedIn");
        let c = Condition::parse("tag!=vipp").unwrap();
        assert_eq!(c.with_value("vipp", "vip").to_string(), "tag!=vip");
    }

    #[test]
    fn conditions_print_as_typed() {
        assert_eq!(Condition::parse("company~bank").unwrap().to_string(), "company~bank");
        assert_eq!(Condition::parse("source=A,B").unwrap().to_string(), "source=A,B");
    }
}
