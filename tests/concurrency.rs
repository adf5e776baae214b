//! Several processes rotating through one group on one database file at once
//! never exceed a limit, never double-assign, and never show "locked".

use std::process::{Command, Stdio};

use tempfile::TempDir;

fn leadrota(db: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_leadrota"));
    cmd.env_remove("LEADROTA_DB").arg("--db").arg(db).arg("--now").arg("2026-03-02T10:00:00Z");
    cmd
}

fn run_ok(db: &std::path::Path, args: &[&str]) {
    let out = leadrota(db).args(args).output().unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn four_processes_rotating_through_one_group_never_exceed_its_limit() {
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("team.db");
    for name in ["Tom", "Stephanie", "Lewis", "Denise"] {
        run_ok(&db, &["user", "add", name]);
    }
    run_ok(&db, &["routing", "off"]);
    run_ok(&db, &["group", "add", "Inbound", "--daily", "15"]);
    run_ok(&db, &["group", "members", "Inbound", "--add", "Tom,Stephanie,Lewis,Denise"]);
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200) \
             INSERT INTO leads (name, stage_id, created_at, updated_at, status_changed_at) \
             SELECT 'Lead ' || i, 1, 1772000000 + i, 1772000000, 1772000000 FROM n;",
        )
        .unwrap();
    }
    let children: Vec<_> = (0..4)
        .map(|i| {
            // Overlapping selections: every process also wants the others' leads.
            let digit = (i % 2).to_string();
            leadrota(&db)
                .args(["--json", "rotate", "--group", "Inbound", "--unassigned", "--search", &digit])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .chain((0..4).map(|_| {
            leadrota(&db)
                .args(["--json", "rotate", "--group", "Inbound", "--unassigned"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        }))
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{stderr}");
        assert!(!stderr.contains("locked") && !stderr.contains("busy"), "{stderr}");
    }
    let conn = rusqlite::Connection::open(&db).unwrap();
    let q = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    assert_eq!(q("SELECT count(*) FROM leads WHERE owner_id IS NOT NULL"), 60, "4 members × 15");
    assert_eq!(q("SELECT max(n) FROM (SELECT count(*) n FROM deliveries GROUP BY user_id)"), 15);
    assert_eq!(q("SELECT count(*) FROM (SELECT lead_id FROM deliveries GROUP BY lead_id HAVING count(*) > 1)"), 0);
    assert_eq!(q("SELECT count(*) FROM activity WHERE kind = 'assigned'"), 60);
    let integrity: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(integrity, "ok");
}
