//! SPEC §7, issue 7 suite 3: schema evolution. A database written by the
//! first schema version opens with this binary (migrating in place when the
//! schema has moved on) with its data intact; a database from a newer
//! leadrota, and a file that is not a leadrota database at all, are refused
//! with one line and left byte for byte as they were.
//!
//! `tests/fixtures/reliability/v1.db` was written by leadrota at schema
//! version 1 (rollback-journal mode, 1 KiB pages, so it is small): four users,
//! a limited group, a rule, four leads (one with SQL in its name), an
//! assignment, a rotation, a stage move and a note. The same kind of file is
//! also rebuilt here from each prefix of `assets/migrations/`, so every older
//! version gets the in-place migration once there is more than one.

mod reliability_support;

use std::path::{Path, PathBuf};

use leadrota::core::Store;
use leadrota::core::store::{APPLICATION_ID, SCHEMA_VERSION};
use reliability_support::*;
use rusqlite::Connection;

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/reliability/v1.db");

fn migrations() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/migrations");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .collect();
    files.sort();
    files
}

/// A database as leadrota at schema `version` left it, with a little data.
fn build_at_version(path: &Path, version: usize) {
    let conn = Connection::open(path).unwrap();
    for file in &migrations()[..version] {
        conn.execute_batch(&std::fs::read_to_string(file).unwrap()).unwrap();
    }
    conn.pragma_update(None, "user_version", version as i64).unwrap();
    conn.pragma_update(None, "application_id", APPLICATION_ID).unwrap();
    // Data in the shape every version has had since the first.
    conn.execute_batch(
        "INSERT INTO users (id, name, email, role, created_at) VALUES (1, 'Tom', 'tom@team.test', 'agent', 1772000000);
         INSERT INTO batches (id, actor_id, at, command) VALUES (1, NULL, 1772000000, 'assign');
         INSERT INTO leads (id, name, stage_id, owner_id, created_at, updated_at, status_changed_at, assigned_at)
             VALUES (1, 'Old Lead', 1, 1, 1771000000, 1772000000, 1771000000, 1772000000),
                    (2, 'Waiting Lead', 1, NULL, 1771000100, 1771000100, 1771000100, NULL);
         INSERT INTO activity (lead_id, at, kind, from_owner_id, to_owner_id, via, batch_id)
             VALUES (1, 1772000000, 'assigned', NULL, 1, 'bulk', 1);",
    )
    .unwrap();
}

/// Writes one kind of foreign file at the path.
type Maker = Box<dyn Fn(&Path)>;

fn file_bytes(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap()
}

/// Exit code 1, one line on stderr mentioning `needle`, no panic.
fn refused(db: &Db, args: &[&str], needle: &str) {
    let out = db.run(args);
    let stderr = stderr_of(&out);
    assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
    assert!(stderr.contains(needle), "{stderr:?} should mention {needle:?}");
    assert!(!stderr.contains("panicked"));
}

#[test]
fn the_version_1_fixture_opens_with_its_data_intact_and_doctor_passes() {
    let db = Db::new();
    std::fs::copy(FIXTURE, &db.path).unwrap();
    let leads: serde_json::Value = serde_json::from_str(&db.ok(&["--json", "lead", "list"])).unwrap();
    let pairs: Vec<(String, String)> = leads
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["name"].as_str().unwrap().to_string(), l["owner"].as_str().unwrap_or("-").to_string()))
        .collect();
    assert_eq!(
        pairs,
        [
            ("Ann Lee".to_string(), "Tom".to_string()),
            ("Zoë Ünal".into(), "Tom".into()),
            ("李小龍".into(), "Stephanie".into()),
            ("O'Brien; DROP TABLE leads;--".into(), "Lewis".into()),
        ]
    );
    let report = doctor_ok(&db);
    assert_eq!(report["schema_version"], SCHEMA_VERSION);
    assert_eq!(report["journal_mode"], "wal", "opening switched the old rollback-journal file to WAL");
    assert_eq!(report["counts"]["activity"], 19);
    assert_eq!(report["counts"]["deliveries"], 2);
    // And it takes writes as any current database does.
    db.ok(&["reassign", "--to", "Lewis", "1"]);
    db.ok(&["undo"]);
    doctor_ok(&db);
}

#[test]
fn every_older_schema_version_migrates_in_place_keeping_its_data() {
    for version in 1..=SCHEMA_VERSION as usize {
        let db = Db::new();
        build_at_version(&db.path, version);
        let store = Store::open(&db.path).expect("opens");
        let version_now: i64 = store.conn().pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
        assert_eq!(version_now, SCHEMA_VERSION, "from version {version}");
        let names: Vec<(String, Option<i64>)> = store
            .conn()
            .prepare("SELECT name, owner_id FROM leads ORDER BY id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(names, [("Old Lead".to_string(), Some(1)), ("Waiting Lead".to_string(), None)]);
        drop(store);
        doctor_ok(&db);
    }
}

#[test]
fn a_database_from_a_newer_leadrota_is_refused_and_not_touched() {
    let db = Db::new();
    std::fs::copy(FIXTURE, &db.path).unwrap();
    {
        let conn = Connection::open(&db.path).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
    }
    let before = file_bytes(&db.path);
    for args in [&["user", "list"][..], &["lead", "add", "--name", "X"], &["doctor"], &["backup", "copy.db"], &[]] {
        refused(&db, args, "newer leadrota (schema 99");
    }
    assert!(Store::open(&db.path).is_err());
    assert!(file_bytes(&db.path) == before, "the newer file was changed");
    assert!(!db.dir.path().join("copy.db").exists());
}

#[test]
fn a_file_that_is_not_a_leadrota_database_is_refused_and_not_touched() {
    let db = Db::new();
    let cases: Vec<(&str, Maker)> = vec![
        (
            "belongs to another program",
            Box::new(|p| {
                let c = Connection::open(p).unwrap();
                c.execute_batch(
                    "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT); INSERT INTO notes VALUES (1, 'mine');",
                )
                .unwrap();
            }),
        ),
        (
            "belongs to another program",
            Box::new(|p| {
                // Another program's application id, even with a table called leads.
                let c = Connection::open(p).unwrap();
                c.execute_batch("PRAGMA application_id = 1234; CREATE TABLE leads (x);").unwrap();
            }),
        ),
        (
            "marked as schema 3 but holds no tables",
            Box::new(|p| {
                // An empty file some tool stamped with a version: migrating from 3 would fail midway.
                Connection::open(p).unwrap().pragma_update(None, "user_version", 3).unwrap();
            }),
        ),
        ("not an SQLite file", Box::new(|p| std::fs::write(p, "name,email\nAnn,ann@x.com\n").unwrap())),
        ("not an SQLite file", Box::new(|p| std::fs::write(p, [0u8, 159, 146, 150, 255, 0, 1]).unwrap())),
        (
            "unreadable SQLite file",
            Box::new(|p| {
                // The right magic, then garbage.
                let mut bytes = b"SQLite format 3\0".to_vec();
                bytes.extend(std::iter::repeat_n(0xA5u8, 4096));
                std::fs::write(p, bytes).unwrap();
            }),
        ),
    ];
    for (i, (needle, make)) in cases.into_iter().enumerate() {
        let path = db.dir.path().join(format!("foreign-{i}.db"));
        make(&path);
        let before = file_bytes(&path);
        let other = Db { dir: tempfile::TempDir::new().unwrap(), path: path.clone() };
        refused(&other, &["user", "add", "Tom"], needle);
        refused(&other, &["doctor"], needle);
        assert!(file_bytes(&path) == before, "case {i} was changed");
    }
    // A directory where the database should be.
    let dir_db = db.dir.path().join("a-folder.db");
    std::fs::create_dir(&dir_db).unwrap();
    refused(&Db { dir: tempfile::TempDir::new().unwrap(), path: dir_db }, &["user", "list"], "is a directory");
}

/// Several seats starting on a file that does not exist yet: one creates and
/// migrates it, the others wait for the lock and find it done.
#[test]
fn six_processes_creating_the_same_new_database_at_once_all_succeed() {
    let db = Db::new();
    let children: Vec<_> = (0..6)
        .map(|i| {
            db.cmd()
                .args(["user", "add", &format!("User{i}")])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", stderr_of(&out));
    }
    assert_eq!(db.count("SELECT count(*) FROM users"), 6);
    let conn = db.conn();
    let app_id: i64 = conn.pragma_query_value(None, "application_id", |r| r.get(0)).unwrap();
    assert_eq!(app_id, APPLICATION_ID);
    doctor_ok(&db);
}
