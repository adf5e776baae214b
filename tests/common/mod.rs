//! Shared set-up for integration tests: a fresh database, a pinned clock,
//! and helpers that go through the public core API only.
#![allow(dead_code)]

pub mod console;
pub mod sizes;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use leadrota::core::assign::Selection;
use leadrota::core::context::{Actor, Ctx};
use leadrota::core::distribute;
use leadrota::core::filter::Filter;
use leadrota::core::groups::{self, MemberChanges, Method};
use leadrota::core::model::{NewLead, Role};
use leadrota::core::users::{self, NewUser};
use leadrota::core::{Store, time};

pub fn at(text: &str) -> DateTime<Utc> {
    time::parse_now(text).expect("test times are valid")
}

pub fn ctx_at(now: &str) -> Ctx {
    Ctx { pinned_now: Some(at(now)), ..Ctx::new(Tz::UTC) }
}

pub fn ctx_in(tz: &str, now: &str) -> Ctx {
    Ctx { pinned_now: Some(at(now)), ..Ctx::new(time::parse_tz(tz).expect("valid zone")) }
}

pub fn as_user(store: &Store, ctx: &Ctx, name: &str) -> Ctx {
    let user = users::find(store.conn(), name).expect("user exists");
    Ctx { actor: Actor::User(user), ..ctx.clone() }
}

pub fn store() -> Store {
    Store::open_in_memory().expect("in-memory store")
}

pub fn add_user(store: &mut Store, ctx: &Ctx, name: &str, role: Role) {
    let new =
        NewUser { name: name.into(), email: format!("{}@team.test", name.to_lowercase()), role, can_pickup: true };
    users::add(store, ctx, &new).expect("add user");
}

pub fn team(store: &mut Store, ctx: &Ctx, names: &[&str]) {
    for n in names {
        add_user(store, ctx, n, Role::Agent);
    }
}

pub fn group(store: &mut Store, ctx: &Ctx, name: &str, method: Method, daily: i64, monthly: i64, members: &[&str]) {
    groups::add(store, ctx, name, method, daily, monthly).expect("add group");
    let add = members.iter().map(|m| m.to_string()).collect();
    groups::change_members(store, ctx, name, &MemberChanges { add, ..MemberChanges::default() }).expect("members");
}

/// `n` unassigned leads created one minute apart (oldest first), with routing off.
pub fn leads(store: &mut Store, ctx: &Ctx, n: usize) -> Vec<i64> {
    distribute::set_auto_assign(store, ctx, false).expect("pause routing");
    let base = ctx.now_ts() - 86_400;
    (0..n)
        .map(|i| {
            let new = NewLead {
                name: format!("Lead {i}"),
                email: format!("lead{i}@example.com"),
                source: "Website".into(),
                created_at: Some(base + i as i64 * 60),
                ..NewLead::default()
            };
            distribute::create_lead(store, ctx, &new).expect("add lead").0.id
        })
        .collect()
}

pub fn unassigned() -> Selection {
    Selection::Filter(Filter { owner: leadrota::core::filter::OwnerFilter::Unassigned, ..Filter::default() })
}

/// Owner name (or None) of each lead, in id order.
pub fn owners(store: &Store, ids: &[i64]) -> Vec<Option<String>> {
    ids.iter()
        .map(|&id| {
            store
                .conn()
                .query_row("SELECT (SELECT name FROM users WHERE id = owner_id) FROM leads WHERE id = ?1", [id], |r| {
                    r.get(0)
                })
                .expect("lead exists")
        })
        .collect()
}

pub fn count(store: &Store, sql: &str) -> i64 {
    store.conn().query_row(sql, [], |r| r.get(0)).expect("count query")
}

/// A user error: exit 1 and one line on stderr, which is returned.
pub fn one_line_error(out: &std::process::Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    stderr
}

/// A database file driven through the real binary with a pinned clock, the
/// way scripts and cron jobs use it; no config from the machine leaks in.
pub struct Bin {
    pub dir: tempfile::TempDir,
    pub path: std::path::PathBuf,
    pub now: &'static str,
}

impl Bin {
    pub fn new(now: &'static str) -> Bin {
        let dir = tempfile::TempDir::new().expect("temp dir");
        let path = dir.path().join("team.db");
        Bin { dir, path, now }
    }

    pub fn cmd(&self, args: &[&str]) -> assert_cmd::Command {
        let mut cmd = assert_cmd::Command::cargo_bin("leadrota").expect("the binary");
        cmd.env_remove("LEADROTA_DB")
            .env("HOME", self.dir.path())
            .env("XDG_CONFIG_HOME", self.dir.path().join("config"))
            .arg("--db")
            .arg(&self.path)
            .arg("--now")
            .arg(self.now)
            .args(args);
        cmd
    }

    pub fn ok(&self, args: &[&str]) -> String {
        String::from_utf8(self.cmd(args).assert().success().get_output().stdout.clone()).expect("UTF-8 output")
    }

    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        serde_json::from_str(&self.ok(&all)).expect("JSON output")
    }
}

/// The console tests' office on 2026-03-02: agents Tom, Stephanie, Lewis and
/// Denise in the sequential group "Inbound" (daily limit `daily`), manager
/// Maria, and `n` leads of which the `lewis` oldest are Lewis's.
pub fn console_sample(daily: i64, n: usize, lewis: usize) -> (Store, Ctx) {
    let mut s = store();
    let ctx = ctx_at("2026-03-02T10:00:00Z");
    team(&mut s, &ctx, &["Tom", "Stephanie", "Lewis", "Denise"]);
    add_user(&mut s, &ctx, "Maria", Role::Manager);
    group(&mut s, &ctx, "Inbound", Method::Sequential, daily, 0, &["Tom", "Stephanie", "Lewis", "Denise"]);
    let ids = leads(&mut s, &ctx, n);
    leadrota::core::assign::assign(&mut s, &ctx, &Selection::Ids(ids[..lewis].to_vec()), "Lewis").expect("assign");
    (s, ctx)
}
