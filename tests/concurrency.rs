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

/// (frames in the log, frames already folded into the database file), asked
/// without folding anything.
fn wal_frames(conn: &rusqlite::Connection) -> (i64, i64) {
    conn.query_row("PRAGMA wal_checkpoint(NOOP)", [], |r| Ok((r.get(1)?, r.get(2)?))).unwrap()
}

#[test]
fn a_command_folds_its_log_into_the_file_even_while_a_console_is_open() {
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("team.db");
    run_ok(&db, &["user", "add", "Tom"]);
    // Another seat holds the file open, so closing is not the last close
    // (which SQLite would checkpoint anyway).
    let console = leadrota::core::Store::open(&db).unwrap();
    run_ok(&db, &["lead", "add", "--name", "Ann Lee", "--email", "ann@acme.test"]);
    let (log, folded) = wal_frames(console.conn());
    assert!(log > 0, "the command wrote through the log");
    assert_eq!(folded, log, "and folded all of it into the file when it closed");

    // The commit itself leaves the folding to later: a second store commits,
    // the frames wait, and its close folds them.
    let mut writer = leadrota::core::Store::open(&db).unwrap();
    let ctx = leadrota::core::Ctx::new(chrono_tz::Tz::UTC);
    leadrota::core::distribute::set_auto_assign(&mut writer, &ctx, false).unwrap();
    let (log, folded) = wal_frames(console.conn());
    assert!(folded < log, "a commit does not wait for the checkpoint ({folded} of {log})");
    drop(writer);
    let (log, folded) = wal_frames(console.conn());
    assert_eq!(folded, log);
}
