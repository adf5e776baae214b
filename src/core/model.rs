//! Plain data types shared by the core, the CLI and the console.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use super::error::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Manager,
    Agent,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Manager => "manager",
            Role::Agent => "agent",
        }
    }
}

impl FromStr for Role {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s.trim().to_ascii_lowercase().as_str() {
            "admin" => Ok(Role::Admin),
            "manager" => Ok(Role::Manager),
            "agent" => Ok(Role::Agent),
            other => Err(Error::invalid(format!("unknown role '{other}' (expected admin, manager or agent)"))),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub active: bool,
    pub on_leave: bool,
    pub can_pickup: bool,
    /// A17: the weekly working hours (`Mon-Fri 09:00-17:30`; empty: always on).
    pub schedule: String,
    /// A17: the first day back after an absence (`YYYY-MM-DD`; empty: not away).
    pub away_until: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stage {
    pub id: i64,
    pub name: String,
    pub position: i64,
    pub closed: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Lead {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub phone: String,
    pub company: String,
    pub source: String,
    pub stage_id: i64,
    pub status: String,
    pub tags: Vec<String>,
    pub owner_id: Option<i64>,
    pub owner: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub status_changed_at: i64,
    pub assigned_at: Option<i64>,
}

/// Fields of a lead about to be created; empty strings mean "not given".
#[derive(Debug, Clone, Default)]
pub struct NewLead {
    pub name: String,
    pub email: String,
    pub phone: String,
    pub company: String,
    pub source: String,
    pub status: Option<String>,
    pub tags: Vec<String>,
    pub owner: Option<String>,
    pub created_at: Option<i64>,
}

/// Normalised keys used to spot duplicates (R4): lower-case email, phone digits.
pub fn email_key(email: &str) -> String {
    email.trim().to_lowercase()
}

pub fn phone_key(phone: &str) -> String {
    phone.chars().filter(char::is_ascii_digit).collect()
}

/// Tags are a set: trimmed, empty ones dropped, duplicates (case-insensitive) removed.
pub fn normalise_tags<I, S>(tags: I) -> Vec<String>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut out: Vec<String> = Vec::new();
    for tag in tags {
        let tag = tag.as_ref().trim();
        if !tag.is_empty() && !out.iter().any(|t| t.eq_ignore_ascii_case(tag)) {
            out.push(tag.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_key_keeps_digits_only() {
        assert_eq!(phone_key("+1 (555) 010-2030"), "15550102030");
    }

    #[test]
    fn tags_are_a_case_insensitive_set() {
        assert_eq!(normalise_tags([" vip", "VIP", "", "hot "]), vec!["vip", "hot"]);
    }

    #[test]
    fn role_parse_rejects_unknown() {
        assert!("boss".parse::<Role>().is_err());
        assert_eq!("Manager".parse::<Role>().ok(), Some(Role::Manager));
    }
}
