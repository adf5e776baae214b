//! From another CRM's names to ours, and the advice that gets a migration
//! right before anything is written.
//!
//! - A status cell is one of our stages (any case), or a name the status map
//!   takes to one (`--map-status FROM=TO`, `[import.status_map]`); anything
//!   else is a row error, counted per status so the report can print the
//!   flag that would take it, with a stage suggested from the words of the
//!   status (`OPEN_DEAL` → Proposal, `Closed - Not Converted` → Lost).
//! - An owner cell is a user's name or email (any case), or a name the owner
//!   map takes to a user; anything else is a row error, counted per owner
//!   with the users whose name or email is closest.

use std::collections::HashMap;

use serde::Serialize;

use crate::core::error::shown;
use crate::core::error::{Error, Result};
use crate::core::model::{Stage, User};

/// A status nobody mapped: how many rows have it and the flag that would take it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnknownStatus {
    /// As first written in the file.
    pub status: String,
    pub rows: usize,
    pub first_line: u64,
    /// The stage the flag suggests; check it before running the flag.
    pub suggested: String,
    /// `--map-status 'OPEN_DEAL=Proposal'`, quoted for a POSIX shell.
    pub flag: String,
}

/// An owner cell that is no user's name or email.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnknownOwner {
    /// As first written in the file.
    pub owner: String,
    pub rows: usize,
    pub first_line: u64,
    /// Active users whose name or email is closest, best first (at most 3).
    pub closest: Vec<String>,
    /// `--map-owner 'florent@acme.test=Florent'` for the closest user, if any.
    pub flag: Option<String>,
}

/// A status the map took onto one of our stages, and on how many rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MappedStatus {
    pub from: String,
    pub to: String,
    pub rows: usize,
}

/// What a status cell means here.
pub(super) enum Status<'a> {
    /// One of our stages, by name.
    Ours,
    /// Taken by the map onto this stage.
    Mapped(&'a str),
    Unknown,
}

/// Our stages and users, and the maps onto them, read once per import.
pub(super) struct Names {
    stages: Vec<Stage>,
    /// Lower-case stage names, for a status cell that is one of ours.
    stage_keys: std::collections::HashSet<String>,
    users: Vec<User>,
    /// Lower-case FROM → stage name.
    status_map: HashMap<String, String>,
    /// Lower-case FROM, user name or user email → index in `users`.
    owners: HashMap<String, usize>,
}

fn key(text: &str) -> String {
    text.trim().to_lowercase()
}

impl Names {
    /// Check every map entry's target now, so a typo stops the import before
    /// any row is read. Later entries win over earlier ones with the same FROM.
    pub fn new(
        stages: Vec<Stage>,
        users: Vec<User>,
        status_map: &[(String, String)],
        owner_map: &[(String, String)],
    ) -> Result<Names> {
        let mut statuses = HashMap::new();
        for (from, to) in status_map {
            let Some(stage) = stages.iter().find(|s| s.name.eq_ignore_ascii_case(to.trim())) else {
                let names: Vec<&str> = stages.iter().map(|s| s.name.as_str()).collect();
                return Err(Error::invalid(format!(
                    "cannot map status '{}' to '{}': there is no such stage (stages: {})",
                    shown(from),
                    shown(to),
                    names.join(", ")
                )));
            };
            statuses.insert(key(from), stage.name.clone());
        }
        let mut owners = HashMap::new();
        // Emails first, so that a name wins where a name and an email collide.
        for (i, user) in users.iter().enumerate() {
            if !user.email.trim().is_empty() {
                owners.insert(key(&user.email), i);
            }
        }
        for (i, user) in users.iter().enumerate() {
            owners.insert(key(&user.name), i);
        }
        for (from, to) in owner_map {
            let Some(i) = users.iter().position(|u| u.name.eq_ignore_ascii_case(to.trim())) else {
                return Err(Error::invalid(format!(
                    "cannot map owner '{}' to '{}': there is no such user (`leadrota user list` shows them)",
                    shown(from),
                    shown(to)
                )));
            };
            owners.insert(key(from), i);
        }
        let stage_keys = stages.iter().map(|s| key(&s.name)).collect();
        Ok(Names { stages, stage_keys, users, status_map: statuses, owners })
    }

    pub fn status(&self, cell: &str) -> Status<'_> {
        let wanted = key(cell);
        if let Some(stage) = self.status_map.get(&wanted) {
            return Status::Mapped(stage);
        }
        if self.stage_keys.contains(&wanted) { Status::Ours } else { Status::Unknown }
    }

    /// The user an owner cell names: through the owner map, by name or by email.
    pub fn owner(&self, cell: &str) -> Option<&User> {
        self.owners.get(&key(cell)).and_then(|&i| self.users.get(i))
    }
}

/// Row counts gathered during the one pass over the rows.
#[derive(Debug, Default)]
pub(super) struct Advice {
    statuses: Tally,
    owners: Tally,
    /// (from as first written, to) → rows, keyed by lower-case from.
    mapped: HashMap<String, MappedStatus>,
}

/// Cells counted case-insensitively, keeping the first spelling and line.
#[derive(Debug, Default)]
struct Tally(HashMap<String, (String, usize, u64)>);

impl Tally {
    fn add(&mut self, cell: &str, line: u64) {
        self.0.entry(key(cell)).or_insert_with(|| (cell.trim().to_string(), 0, line)).1 += 1;
    }

    /// Most rows first, then by first line.
    fn sorted(self) -> Vec<(String, usize, u64)> {
        let mut all: Vec<_> = self.0.into_values().collect();
        all.sort_by(|a, b| b.1.cmp(&a.1).then(a.2.cmp(&b.2)));
        all
    }
}

impl Advice {
    pub fn unknown_status(&mut self, cell: &str, line: u64) {
        self.statuses.add(cell, line);
    }

    pub fn unknown_owner(&mut self, cell: &str, line: u64) {
        self.owners.add(cell, line);
    }

    pub fn mapped(&mut self, cell: &str, to: &str) {
        let entry = self.mapped.entry(key(cell)).or_insert_with(|| MappedStatus {
            from: cell.trim().to_string(),
            to: to.to_string(),
            rows: 0,
        });
        entry.rows += 1;
    }

    /// The grouped advice, with a stage suggested per unknown status and the
    /// closest users per unknown owner.
    pub fn finish(self, names: &Names) -> (Vec<UnknownStatus>, Vec<UnknownOwner>, Vec<MappedStatus>) {
        let statuses = self
            .statuses
            .sorted()
            .into_iter()
            .map(|(status, rows, first_line)| {
                let suggested = suggest_stage(&status, &names.stages);
                let flag = format!("--map-status {}", shell_quote(&format!("{status}={suggested}")));
                UnknownStatus { status, rows, first_line, suggested, flag }
            })
            .collect();
        let owners = self
            .owners
            .sorted()
            .into_iter()
            .map(|(owner, rows, first_line)| {
                let closest = closest_users(&owner, &names.users);
                let flag = closest.first().map(|u| format!("--map-owner {}", shell_quote(&format!("{owner}={u}"))));
                UnknownOwner { owner, rows, first_line, closest, flag }
            })
            .collect();
        let mut mapped: Vec<MappedStatus> = self.mapped.into_values().collect();
        mapped.sort_by(|a, b| b.rows.cmp(&a.rows).then_with(|| a.from.cmp(&b.from)));
        (statuses, owners, mapped)
    }
}

/// Words in other CRMs' stage names and the default stage they usually mean,
/// tried in order (so `Not Converted` is lost before `Converted` is won).
const STAGE_WORDS: [(&[&str], &str); 7] = [
    (
        &[
            "notconverted",
            "lost",
            "unqualified",
            "notqualified",
            "disqualified",
            "junk",
            "badtiming",
            "notinterested",
            "dead",
            "rejected",
        ],
        "Lost",
    ),
    (&["won", "converted", "customer", "closedwon"], "Won"),
    (&["notcontacted", "uncontacted"], "New"),
    (&["proposal", "proposition", "quote", "deal", "negotiat"], "Proposal"),
    (&["qualified"], "Qualified"),
    (&["contact", "progress", "working", "attempt", "connected", "meeting", "followup", "future"], "Contacted"),
    (&["new", "open", "fresh"], "New"),
];

/// The stage an unknown status most likely means: by its words when that
/// stage exists here, else the most similar stage name, else where new leads
/// start.
fn suggest_stage(status: &str, stages: &[Stage]) -> String {
    let words: String = status.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect();
    let by_words = STAGE_WORDS
        .iter()
        .find(|(needles, _)| needles.iter().any(|n| words.contains(n)))
        .and_then(|(_, stage)| stages.iter().find(|s| s.name.eq_ignore_ascii_case(stage)));
    let similar = || {
        stages
            .iter()
            .map(|s| (strsim::jaro_winkler(&words, &s.name.to_lowercase()), s))
            .filter(|(score, _)| *score >= 0.85)
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, s)| s)
    };
    let first_open = || stages.iter().find(|s| !s.closed).or(stages.first());
    by_words.or_else(similar).or_else(first_open).map_or_else(|| "New".to_string(), |s| s.name.clone())
}

/// The words a name or email is compared by: the whole text and its words
/// (of an email, the words before the `@`: the domain is everyone's).
fn words(text: &str) -> Vec<String> {
    let text = text.trim().to_lowercase();
    let local = text.split_once('@').map_or(text.as_str(), |(local, _)| local);
    let mut words: Vec<String> =
        local.split(|c: char| !c.is_alphanumeric()).filter(|w| w.chars().count() >= 2).map(str::to_string).collect();
    words.push(text);
    words
}

/// Active users whose name or email is most like `cell` (Jaro-Winkler over
/// whole texts and words), best first, at most three.
fn closest_users(cell: &str, users: &[User]) -> Vec<String> {
    const ENOUGH: f64 = 0.85;
    let theirs = words(cell);
    let mut scored: Vec<(f64, &str)> = users
        .iter()
        .filter(|u| u.active)
        .filter_map(|u| {
            let mine = [words(&u.name), words(&u.email)].concat();
            let best = theirs
                .iter()
                .flat_map(|a| mine.iter().map(move |b| strsim::jaro_winkler(a, b)))
                .fold(0.0_f64, f64::max);
            (best >= ENOUGH).then_some((best, u.name.as_str()))
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    scored.into_iter().take(3).map(|(_, name)| name.to_string()).collect()
}

/// `text` as one POSIX shell word: bare when it is plainly safe, else in
/// single quotes (a `'` inside becomes `'\''`).
pub(crate) fn shell_quote(text: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "_-=.,@/:+".contains(c);
    if !text.is_empty() && text.chars().all(safe) {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::model::Role;

    fn stages() -> Vec<Stage> {
        ["New", "Contacted", "Qualified", "Proposal", "Won", "Lost"]
            .iter()
            .zip(0..)
            .map(|(name, i)| Stage { id: i + 1, name: (*name).to_string(), position: i, closed: i >= 4 })
            .collect()
    }

    fn user(name: &str, email: &str) -> User {
        User {
            id: 0,
            name: name.into(),
            email: email.into(),
            role: Role::Agent,
            active: true,
            on_leave: false,
            can_pickup: false,
            schedule: String::new(),
            away_until: String::new(),
        }
    }

    #[test]
    fn foreign_stage_names_suggest_the_stage_they_usually_mean() {
        let s = stages();
        for (foreign, ours) in [
            ("OPEN_DEAL", "Proposal"),
            ("IN_PROGRESS", "Contacted"),
            ("Attempted to contact", "Contacted"),
            ("Not Contacted", "New"),
            ("Open - Not Contacted", "New"),
            ("Working - Contacted", "Contacted"),
            ("Closed - Converted", "Won"),
            ("Closed - Not Converted", "Lost"),
            ("Junk Lead", "Lost"),
            ("Pre-Qualified", "Qualified"),
            ("Not Qualified", "Lost"),
            ("UNQUALIFIED", "Lost"),
            ("Proposition", "Proposal"),
            ("Contact in Future", "Contacted"),
            ("Qualifed", "Qualified"),
            ("Hot", "New"),
        ] {
            assert_eq!(suggest_stage(foreign, &s), ours, "{foreign}");
        }
    }

    #[test]
    fn owners_match_by_name_or_email_and_the_map_wins() {
        let users = vec![user("Florent", "florent@acme.test"), user("Tom", "tom@acme.test")];
        let map = [("Flo M.".to_string(), "tom".to_string())];
        let names = Names::new(stages(), users, &[], &map).unwrap();
        assert_eq!(names.owner("FLORENT@acme.test").map(|u| u.name.as_str()), Some("Florent"));
        assert_eq!(names.owner(" tom ").map(|u| u.name.as_str()), Some("Tom"));
        assert_eq!(names.owner("flo m.").map(|u| u.name.as_str()), Some("Tom"));
        assert!(names.owner("Ghost").is_none());
    }

    #[test]
    fn a_map_onto_a_stage_or_user_that_does_not_exist_is_refused() {
        let bad = [("OPEN_DEAL".to_string(), "Deal".to_string())];
        let err = Names::new(stages(), vec![], &bad, &[]).err().unwrap().to_string();
        assert!(err.contains("'OPEN_DEAL' to 'Deal'") && err.contains("Proposal"), "{err}");
        let bad = [("x".to_string(), "Ghost".to_string())];
        assert!(Names::new(stages(), vec![], &[], &bad).is_err());
    }

    #[test]
    fn closest_users_compare_names_and_the_words_before_the_at() {
        let users = vec![
            user("Florent", "florent.martin@acme.test"),
            user("Tom", "tom@acme.test"),
            user("Stephanie", "steph@acme.test"),
        ];
        assert_eq!(closest_users("Florent Martin", &users), ["Florent"]);
        assert_eq!(closest_users("flo.martin@old-crm.com", &users), ["Florent"]);
        assert_eq!(closest_users("Stéphanie Durand", &users), ["Stephanie"]);
        assert!(closest_users("Zed", &users).is_empty());
    }

    #[test]
    fn flags_are_quoted_for_the_shell() {
        assert_eq!(shell_quote("OPEN_DEAL=Proposal"), "OPEN_DEAL=Proposal");
        assert_eq!(shell_quote("In Progress=Contacted"), "'In Progress=Contacted'");
        assert_eq!(shell_quote("Bob's=New"), r"'Bob'\''s=New'");
    }

    #[test]
    fn advice_groups_cells_whatever_their_case_most_rows_first() {
        let mut advice = Advice::default();
        advice.unknown_status("In Progress", 4);
        advice.unknown_status("OPEN_DEAL", 2);
        advice.unknown_status("in progress", 9);
        let names = Names::new(stages(), vec![], &[], &[]).unwrap();
        let (statuses, _, _) = advice.finish(&names);
        let got: Vec<(&str, usize, u64)> = statuses.iter().map(|s| (s.status.as_str(), s.rows, s.first_line)).collect();
        assert_eq!(got, [("In Progress", 2, 4), ("OPEN_DEAL", 1, 2)]);
        assert_eq!(statuses[0].flag, "--map-status 'In Progress=Contacted'");
    }
}
