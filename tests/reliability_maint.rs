//! `leadrota backup FILE` and `leadrota doctor`: a backup taken while other
//! seats write is a consistent, openable database; doctor passes healthy
//! files (the demo included) and names each kind of damage with exit 1.

mod reliability_support;

use std::process::Stdio;

use reliability_support::*;

fn team_with_history() -> Db {
    let db = Db::new();
    db.team();
    db.ok(&["group", "add", "Inbound", "--daily", "3"]);
    db.ok(&["group", "members", "Inbound", "--add", "Tom,Stephanie,Lewis"]);
    db.bulk_leads(40);
    db.ok(&["rotate", "--group", "Inbound", "--unassigned"]);
    db.ok(&["assign", "--to", "Denise", "--unassigned"]);
    db
}

#[test]
fn a_backup_taken_while_others_write_is_a_consistent_database() {
    let db = team_with_history();
    db.bulk_leads(5_000);
    // A bulk assign and a reassign run while the backups are taken.
    let writers: Vec<_> =
        [vec!["assign", "--to", "Tom", "--unassigned"], vec!["reassign", "--to", "Lewis", "--owner", "Denise"]]
            .into_iter()
            .map(|a| db.cmd().args(a).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap())
            .collect();
    let mut copies = Vec::new();
    for i in 0..3 {
        let copy = db.dir.path().join(format!("backup-{i}.db"));
        let out = db.run(&["--json", "backup", copy.to_str().unwrap()]);
        assert!(out.status.success(), "{}", stderr_of(&out));
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(report["schema_version"], leadrota::core::store::SCHEMA_VERSION);
        copies.push(copy);
    }
    for w in writers {
        let out = w.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", stderr_of(&out));
    }
    for copy in copies {
        assert_eq!(integrity(&copy), "ok");
        let restored = Db { dir: tempfile::TempDir::new().unwrap(), path: copy.clone() };
        std::fs::copy(&copy, &restored.path).unwrap_or_default();
        doctor_ok(&restored);
        // No partial file is ever left beside it.
        let leftovers = std::fs::read_dir(db.dir.path())
            .unwrap()
            .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().contains(".leadrota-"))
            .count();
        assert_eq!(leftovers, 0);
    }
}

#[test]
fn backup_refuses_to_overwrite_or_to_copy_onto_the_database_itself() {
    let db = team_with_history();
    let copy = db.dir.path().join("copy.db");
    db.ok(&["backup", copy.to_str().unwrap()]);
    let first = std::fs::read(&copy).unwrap();
    for (args, needle) in [
        (vec!["backup", copy.to_str().unwrap()], "already exists"),
        (vec!["backup", db.path.to_str().unwrap(), "--force"], "the database itself"),
        (vec!["backup", db.dir.path().to_str().unwrap()], "is a directory"),
        (vec!["backup", "/nonexistent-dir/x.db"], "does not exist"),
    ] {
        let out = db.run(&args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let stderr = stderr_of(&out);
        assert!(stderr.contains(needle) && stderr.trim_end().lines().count() == 1, "{args:?}: {stderr}");
    }
    assert!(std::fs::read(&copy).unwrap() == first, "a refused backup changed the existing copy");
    db.ok(&["assign", "--to", "Lewis", "1"]);
    db.ok(&["backup", copy.to_str().unwrap(), "--force"]);
    assert!(std::fs::read(&copy).unwrap() != first, "--force did not replace the backup");
}

#[test]
fn doctor_passes_the_demo_database() {
    // The demo is an office run by the core: its routing, limits, cursors
    // and offboarding leave nothing for doctor to report.
    let db = Db::new();
    let out = db.cmd().args(["demo", "--leads", "5000", "--no-tui"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let report = doctor_ok(&db);
    assert_eq!(report["counts"]["leads"], 5000);
    assert_eq!(report["warnings"], serde_json::json!([]), "{report}");
}

/// Each kind of damage, made by hand with SQL, is found and named.
#[test]
fn doctor_names_each_kind_of_damage_and_exits_1() {
    let damages: [(&str, &str, &str); 6] = [
        ("ownership", "UPDATE leads SET owner_id = 4 WHERE id = 1", "activity log ends with"),
        (
            "ownership",
            "INSERT INTO activity (lead_id, at, kind, from_owner_id, to_owner_id, via, batch_id) \
             SELECT 2, at, 'reassigned', 3, (SELECT owner_id FROM leads WHERE id = 2), 'bulk', batch_id \
             FROM activity WHERE lead_id = 2 ORDER BY id DESC LIMIT 1",
            "do not start from the previous owner",
        ),
        (
            "deliveries",
            "INSERT INTO deliveries (group_id, user_id, lead_id, at, batch_id) SELECT 1, 2, 30, at, batch_id FROM deliveries LIMIT 1",
            "without the activity row",
        ),
        ("deliveries", "DELETE FROM deliveries WHERE lead_id = 1", "without their delivery"),
        (
            "limits",
            "INSERT INTO deliveries (group_id, user_id, lead_id, at, batch_id) \
             SELECT group_id, user_id, lead_id, at, batch_id FROM deliveries WHERE user_id = 1",
            "over the limit in force at the delivery",
        ),
        (
            "orphans",
            "PRAGMA foreign_keys = OFF; UPDATE leads SET owner_id = 99 WHERE id = 5",
            "owned by a user who does not exist",
        ),
    ];
    for (check, sql, needle) in damages {
        let db = team_with_history();
        doctor_ok(&db);
        db.conn().execute_batch(sql).unwrap();
        let out = db.run(&["--json", "doctor"]);
        assert_eq!(out.status.code(), Some(1), "{check}: {}", stderr_of(&out));
        assert!(stderr_of(&out).contains("doctor found"), "{}", stderr_of(&out));
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let found = report["problems"].as_array().unwrap();
        assert!(
            found.iter().any(|p| p["check"] == check && p["detail"].as_str().unwrap().contains(needle)),
            "{check}: {needle:?} not in {found:#?}"
        );
    }
}

#[test]
fn doctor_finds_a_damaged_file() {
    let db = team_with_history();
    // Scribble over the one page of an index (the file is checkpointed: no WAL).
    let root: i64 =
        db.conn().query_row("SELECT rootpage FROM sqlite_master WHERE name = 'leads_name'", [], |r| r.get(0)).unwrap();
    let mut bytes = std::fs::read(&db.path).unwrap();
    let at = (root as usize - 1) * 4096;
    for b in &mut bytes[at + 8..at + 4000] {
        *b = 0x5A;
    }
    std::fs::write(&db.path, bytes).unwrap();
    let out = db.run(&["doctor"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("integrity    PROBLEM"), "{stdout}");
    let stderr = stderr_of(&out);
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(!stderr.contains("panicked"));
}

/// Read in a terminal (stdout and stderr on one stream), the report ends with
/// a line break before the closing error line: never `rotations    okerror: …`.
#[test]
fn doctor_report_and_its_error_line_stay_on_separate_lines() {
    let db = team_with_history();
    db.conn().execute_batch("UPDATE leads SET owner_id = 4 WHERE id = 1").unwrap();
    let both = db.dir.path().join("terminal.txt");
    let screen = std::fs::File::create(&both).unwrap();
    let status = db.cmd().arg("doctor").stdout(screen.try_clone().unwrap()).stderr(screen).status().unwrap();
    assert_eq!(status.code(), Some(1));
    let text = std::fs::read_to_string(&both).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let last_check = lines.iter().position(|l| l.starts_with("rotations")).expect("rotations line");
    assert_eq!(lines[last_check], "rotations    ok", "{text}");
    assert!(lines[last_check + 1].starts_with("error: doctor found 1 problem"), "{text}");
    assert!(text.ends_with('\n'), "{text:?}");
}
