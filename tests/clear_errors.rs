//! Errors that used to confuse (issue 12): each is now one line that says
//! what to do, and nothing is written.

mod common;

use common::{Bin, one_line_error};

const NOW: &str = "2026-03-02T10:00:00Z";

/// The binary with no database option at all, in a scratch home.
fn bare(home: &std::path::Path) -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("leadrota").unwrap();
    cmd.env_remove("LEADROTA_DB")
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"));
    cmd
}

#[test]
fn a_device_as_the_database_is_refused_and_nothing_is_created_beside_it() {
    let home = tempfile::TempDir::new().unwrap();
    let out = bare(home.path()).args(["--db", "/dev/null", "user", "list"]).output().unwrap();
    assert_eq!(
        one_line_error(&out),
        "error: /dev/null is a device or other special file, not a database file; give --db (or LEADROTA_DB, \
         or `database` in the config) the path of a database file\n"
    );
    assert!(!std::path::Path::new("/dev/null-journal").exists());
    assert!(!std::path::Path::new("/dev/null-wal").exists());
}

#[test]
fn an_empty_leadrota_db_says_to_set_or_unset_it_and_db_still_wins() {
    let home = tempfile::TempDir::new().unwrap();
    let out = bare(home.path()).env("LEADROTA_DB", "").args(["user", "list"]).output().unwrap();
    assert_eq!(
        one_line_error(&out),
        "error: LEADROTA_DB is set but empty; set it to the database file, or unset it to use the default\n"
    );
    assert!(!home.path().join("data").exists(), "no default database was created");
    let db = home.path().join("team.db");
    bare(home.path()).env("LEADROTA_DB", "").arg("--db").arg(&db).args(["user", "add", "Tom"]).assert().success();
    // A set variable is the database, as before.
    let out = bare(home.path()).env("LEADROTA_DB", &db).args(["--json", "user", "list"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("\"Tom\""));
}

#[test]
fn keys_in_the_config_are_checked_with_their_line_and_a_clash_names_both_actions() {
    let db = Bin::new(NOW);
    let config = db.dir.path().join("leadrota.toml");
    for (text, expected) in [
        (
            "stale_days = 3\n[keys]\nassign = \"a\"\n",
            "line 3: [keys] assign: \"a\" would do both assign and select_all in the leads keys; choose another key \
             for one of them",
        ),
        ("[keys]\nhelp = \"f1\"\nteleport = \"t\"\n", "line 3: [keys] teleport: unknown action 'teleport'"),
        ("[keys]\n\nquit = \"hyper-q\"\n", "line 3: [keys] quit: unknown key 'hyper-q'"),
    ] {
        std::fs::write(&config, text).unwrap();
        let out = db.cmd(&["--config", config.to_str().unwrap(), "user", "list"]).output().unwrap();
        let said = one_line_error(&out);
        assert!(said.contains(expected), "{said:?} should contain {expected:?}");
    }
    std::fs::write(&config, "[keys]\nassign = \"ctrl-a\"\n").unwrap();
    db.cmd(&["--config", config.to_str().unwrap(), "user", "list"]).assert().success();
}
