//! Shared by the reliability suites (SPEC §7): run the real binary on a
//! database file, read the file back with plain SQL, and compare states.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use rusqlite::Connection;
use tempfile::TempDir;

pub const NOW: &str = "2026-03-02T10:00:00Z";

/// True when the long variants were asked for (`LEADROTA_LONG_TESTS=1`).
pub fn long() -> bool {
    std::env::var_os("LEADROTA_LONG_TESTS").is_some_and(|v| v != "0" && !v.is_empty())
}

/// A temporary directory holding one database file.
pub struct Db {
    pub dir: TempDir,
    pub path: PathBuf,
}

impl Db {
    pub fn new() -> Db {
        let dir = TempDir::new().expect("temp dir");
        let path = dir.path().join("team.db");
        Db { dir, path }
    }

    /// The binary on this database with a pinned clock, no user config, UTC office.
    pub fn cmd(&self) -> Command {
        leadrota(&self.path, self.dir.path())
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().expect("run leadrota")
    }

    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(out.status.success(), "leadrota {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn conn(&self) -> Connection {
        let conn = Connection::open(&self.path).expect("open db");
        conn.busy_timeout(std::time::Duration::from_secs(10)).expect("busy timeout");
        conn
    }

    pub fn count(&self, sql: &str) -> i64 {
        self.conn().query_row(sql, [], |r| r.get(0)).expect(sql)
    }

    /// Users Tom, Stephanie, Lewis, Denise (agents) and Maria (manager).
    pub fn team(&self) {
        for name in ["Tom", "Stephanie", "Lewis", "Denise"] {
            self.ok(&["user", "add", name, "--can-pickup"]);
        }
        self.ok(&["user", "add", "Maria", "--role", "manager"]);
    }

    /// `n` unassigned leads inserted with plain SQL (fast), one second apart.
    pub fn bulk_leads(&self, n: i64) {
        self.conn()
            .execute_batch(&format!(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {n}) \
                 INSERT INTO leads (name, email, email_key, source, stage_id, created_at, updated_at, status_changed_at) \
                 SELECT 'Lead ' || i, 'lead' || i || '@example.com', 'lead' || i || '@example.com', \
                    CASE i % 3 WHEN 0 THEN 'Facebook' WHEN 1 THEN 'Website' ELSE 'Referral' END, 1, \
                    1772000000 + i, 1772000000 + i, 1772000000 + i FROM n;"
            ))
            .expect("insert leads");
    }
}

pub fn leadrota(db: &Path, home: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_leadrota"));
    cmd.env_remove("LEADROTA_DB")
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("TZ", "UTC")
        .env("RUST_BACKTRACE", "0")
        .arg("--db")
        .arg(db)
        .arg("--now")
        .arg(NOW);
    cmd
}

/// `PRAGMA integrity_check` of a file, opened with plain SQLite.
pub fn integrity(path: &Path) -> String {
    let conn = Connection::open(path).expect("open db");
    conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).expect("integrity_check")
}

/// `leadrota doctor --json` on the file: exit 0 and no problems.
pub fn doctor_ok(db: &Db) -> serde_json::Value {
    let out = db.run(&["--json", "doctor"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "doctor failed: {}\n{stdout}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_str(&stdout).expect("doctor json");
    assert_eq!(report["problems"], serde_json::json!([]), "{report:#}");
    report
}

/// Everything a batch can touch, in a comparable form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct State {
    pub owners: Vec<(i64, Option<i64>)>,
    pub leads: i64,
    pub activity: i64,
    pub deliveries: i64,
    pub batches: i64,
    pub notifications: i64,
    pub cursors: Vec<(i64, i64)>,
}

pub fn state(conn: &Connection) -> State {
    let q = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).expect(sql) };
    let mut stmt = conn.prepare("SELECT id, owner_id FROM leads ORDER BY id").expect("owners");
    let owners = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).expect("owners").map(Result::unwrap).collect();
    let mut stmt = conn.prepare("SELECT id, cursor_position FROM user_groups ORDER BY id").expect("cursors");
    let cursors = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).expect("cursors").map(Result::unwrap).collect();
    State {
        owners,
        leads: q("SELECT count(*) FROM leads"),
        activity: q("SELECT count(*) FROM activity"),
        deliveries: q("SELECT count(*) FROM deliveries"),
        batches: q("SELECT count(*) FROM batches"),
        notifications: q("SELECT count(*) FROM notifications"),
        cursors,
    }
}

pub fn stderr_of(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}
