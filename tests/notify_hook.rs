//! `notify_command` (SPEC §6): after each committed change of owners the
//! configured program gets the new owners and their leads as JSON on stdin;
//! a failing program never undoes the change, and nothing that changes no
//! owner (a preview, an unassign) calls it.

mod reliability_support;

use std::path::PathBuf;

use reliability_support::*;
use serde_json::Value;

/// A database with a team, a config whose `notify_command` appends each
/// call's input as one line to `calls.jsonl`, and the path of that file.
fn recorded(command: &str) -> (Db, PathBuf, PathBuf) {
    let db = Db::new();
    db.team();
    db.bulk_leads(6);
    let calls = db.dir.path().join("calls.jsonl");
    let script = db.dir.path().join("record.sh");
    std::fs::write(&script, format!("#!/bin/sh\ncat >> '{}'\necho >> '{}'\n", calls.display(), calls.display()))
        .unwrap();
    let config = db.dir.path().join("config.toml");
    let command = command.replace("RECORD", &format!("sh '{}'", script.display()));
    std::fs::write(&config, format!("notify_command = {}\n", toml_string(&command))).unwrap();
    (db, config, calls)
}

fn toml_string(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

fn calls(path: &PathBuf) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn a_rotation_tells_the_program_each_new_owner_and_their_leads() {
    let (db, config, recorded_calls) = recorded("RECORD");
    let c = config.to_str().unwrap();
    db.ok(&["--config", c, "group", "add", "Inbound"]);
    db.ok(&["--config", c, "group", "members", "Inbound", "--add", "Tom,Stephanie"]);
    db.ok(&["--config", c, "rotate", "--group", "Inbound", "--unassigned"]);
    let got = calls(&recorded_calls);
    assert_eq!(got.len(), 1, "one call per committed change: {got:#?}");
    let entries = got[0].as_array().unwrap();
    assert_eq!(entries.len(), 2, "one entry per new owner: {entries:#?}");
    let batch = db.count("SELECT max(batch_id) FROM activity");
    for e in entries {
        let user = e["user"].as_str().unwrap();
        assert!(["Tom", "Stephanie"].contains(&user), "{e}");
        assert_eq!(
            e["email"],
            db.conn().query_row("SELECT email FROM users WHERE name = ?1", [user], |r| r.get::<_, String>(0)).unwrap()
        );
        assert_eq!(e["batch"], batch);
        assert!(e["via"].as_str().unwrap().starts_with("group:"), "{e}");
        for lead in e["leads"].as_array().unwrap() {
            let id = lead["id"].as_i64().unwrap();
            let (owner, name): (String, String) = db
                .conn()
                .query_row(
                    "SELECT u.name, l.name FROM leads l JOIN users u ON u.id = l.owner_id WHERE l.id = ?1",
                    [id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .unwrap();
            assert_eq!((owner.as_str(), name.as_str()), (user, lead["name"].as_str().unwrap()));
        }
    }
    let told: usize = entries.iter().map(|e| e["leads"].as_array().unwrap().len()).sum();
    assert_eq!(told, 6, "every lead of the rotation is told");
}

#[test]
fn a_single_assign_is_told_and_previews_and_unassigns_are_not() {
    let (db, config, recorded_calls) = recorded("RECORD");
    let c = config.to_str().unwrap();
    db.ok(&["--config", c, "assign", "--to", "Lewis", "1", "2"]);
    db.ok(&["--config", c, "unassign", "1"]);
    db.ok(&["--config", c, "group", "add", "Inbound"]);
    db.ok(&["--config", c, "group", "members", "Inbound", "--add", "Tom"]);
    db.ok(&["--config", c, "rotate", "--group", "Inbound", "--unassigned", "--dry-run"]);
    let got = calls(&recorded_calls);
    assert_eq!(got.len(), 1, "{got:#?}");
    assert_eq!(got[0][0]["user"], "Lewis");
    assert_eq!(got[0][0]["leads"], serde_json::json!([{"id": 1, "name": "Lead 1"}, {"id": 2, "name": "Lead 2"}]));
}

#[test]
fn a_failing_program_never_undoes_the_change() {
    let (db, config, _) = recorded("echo 'mail relay down' >&2; exit 7");
    let out = db.run(&["--config", config.to_str().unwrap(), "assign", "--to", "Denise", "3"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(
        db.count("SELECT owner_id FROM leads WHERE id = 3"),
        db.count("SELECT id FROM users WHERE name = 'Denise'")
    );
    assert!(!stderr_of(&out).contains("mail relay down"), "the program's complaint goes to the log, not the terminal");
    let log = std::fs::read_to_string(db.path.with_file_name("leadrota.log")).unwrap_or_default();
    assert!(log.contains("mail relay down") && log.contains("the change stands"), "{log}");
}

#[test]
fn the_demo_history_is_not_news_for_the_program() {
    let db = Db::new();
    let calls_file = db.dir.path().join("calls.jsonl");
    let config = db.dir.path().join("config.toml");
    let command = format!("cat >> '{}'", calls_file.display());
    std::fs::write(&config, format!("notify_command = {}\n", toml_string(&command))).unwrap();
    db.ok(&["--config", config.to_str().unwrap(), "demo", "--leads", "500", "--no-tui"]);
    assert!(db.count("SELECT count(*) FROM activity WHERE kind = 'assigned'") > 100);
    assert_eq!(calls(&calls_file), Vec::<Value>::new(), "the demo's routing called the notify_command");
}
