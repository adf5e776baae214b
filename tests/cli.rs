//! The real binary, as scripts and cron jobs use it (SPEC §6).

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;
use tempfile::TempDir;

const NOW: &str = "2026-03-02T10:00:00Z";

struct Db {
    _dir: TempDir,
    path: PathBuf,
}

impl Db {
    fn new() -> Db {
        let dir = TempDir::new().unwrap();
        let path = dir.path().join("team.db");
        Db { _dir: dir, path }
    }

    fn cmd(&self, args: &[&str]) -> Command {
        self.cmd_at(NOW, args)
    }

    fn cmd_at(&self, now: &str, args: &[&str]) -> Command {
        let mut cmd = Command::cargo_bin("leadrota").unwrap();
        cmd.env_remove("LEADROTA_DB")
            .env("HOME", self.path.parent().unwrap())
            .env("XDG_CONFIG_HOME", self.path.parent().unwrap().join("config"))
            .arg("--db")
            .arg(&self.path)
            .arg("--now")
            .arg(now)
            .args(args);
        cmd
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.cmd(args).assert().success().get_output().stdout.clone();
        String::from_utf8(out).unwrap()
    }

    fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        serde_json::from_str(&self.ok(&all)).unwrap()
    }

    /// Expect a user error: exit 1, exactly one line on stderr, no panic.
    fn fails(&self, args: &[&str], needle: &str) {
        let out = self.cmd(args).assert().code(1).get_output().clone();
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
        assert!(stderr.contains(needle), "{stderr:?} should mention {needle:?}");
        assert!(!stderr.contains("panicked"));
    }

    fn bytes(&self) -> Vec<u8> {
        std::fs::read(&self.path).unwrap_or_default()
    }

    fn team(&self) {
        for name in ["Tom", "Stephanie", "Lewis", "Denise"] {
            self.ok(&["user", "add", name, "--can-pickup"]);
        }
        self.ok(&["user", "add", "Maria", "--role", "manager"]);
    }
}

#[test]
fn a_new_path_creates_and_migrates_a_database() {
    let db = Db::new();
    let nested = db.path.parent().unwrap().join("a/b/new.db");
    let mut cmd = Command::cargo_bin("leadrota").unwrap();
    cmd.args(["--db", nested.to_str().unwrap(), "--json", "lead", "list"]).assert().success().stdout("[]\n");
    assert!(nested.exists());
}

#[test]
fn a_file_that_is_not_a_leadrota_database_is_refused_and_untouched() {
    let db = Db::new();
    std::fs::write(&db.path, "name,email\nAnn,ann@example.com\n").unwrap();
    let before = db.bytes();
    db.fails(&["lead", "list"], "not a leadrota database");
    assert_eq!(db.bytes(), before);

    let other = Db::new();
    let conn = rusqlite::Connection::open(&other.path).unwrap();
    conn.execute_batch(
        "CREATE TABLE photos (id INTEGER PRIMARY KEY, path TEXT); INSERT INTO photos VALUES (1, 'a.jpg');",
    )
    .unwrap();
    drop(conn);
    let before = other.bytes();
    other.fails(&["lead", "list"], "another program");
    assert_eq!(other.bytes(), before);
    assert!(!Path::new(&format!("{}-wal", other.path.display())).exists());
}

#[test]
fn users_are_added_listed_and_put_on_leave() {
    let db = Db::new();
    db.ok(&["user", "add", "Tom", "--email", "tom@x.com", "--can-pickup"]);
    db.ok(&["user", "add", "maria", "--role", "manager"]);
    db.fails(&["user", "add", "TOM"], "already exists");
    db.fails(&["user", "add", "Ann", "--role", "boss"], "boss");
    db.ok(&["user", "leave", "tom", "--on"]);
    let users = db.json(&["user", "list"]);
    let tom = &users.as_array().unwrap().iter().find(|u| u["name"] == "Tom").unwrap();
    for key in ["name", "email", "role", "active", "on_leave", "can_pickup", "groups"] {
        assert!(tom.get(key).is_some(), "user list shape lacks {key}");
    }
    assert_eq!(tom["on_leave"], true);
    assert_eq!(tom["role"], "agent");
    db.fails(&["user", "leave", "Nobody", "--on"], "user 'Nobody' not found");
}

#[test]
fn leads_are_added_listed_filtered_sorted_shown_and_moved() {
    let db = Db::new();
    db.team();
    db.ok(&["routing", "off"]);
    db.ok(&[
        "lead",
        "add",
        "--name",
        "Ann Lee",
        "--email",
        "ann@acme.com",
        "--source",
        "Facebook",
        "--tags",
        "vip,hot",
    ]);
    db.ok(&["lead", "add", "--name", "Bob Stone", "--company", "Stone & Co", "--source", "Google", "--owner", "Tom"]);
    db.ok(&["lead", "add", "--name", "Cy 100%_sure", "--phone", "+1 (555) 010-2030", "--status", "Qualified"]);
    let all = db.json(&["lead", "list"]);
    let first = &all[0];
    for key in ["id", "name", "email", "phone", "company", "source", "status", "tags", "owner", "created_at"] {
        assert!(first.get(key).is_some(), "lead shape lacks {key}");
    }
    assert_eq!(first["tags"], serde_json::json!(["hot", "vip"]));
    assert_eq!(db.json(&["lead", "list", "--unassigned"]).as_array().unwrap().len(), 2);
    assert_eq!(db.json(&["lead", "list", "--owner", "tom"])[0]["name"], "Bob Stone");
    assert_eq!(db.json(&["lead", "list", "--tag", "VIP"])[0]["name"], "Ann Lee");
    assert_eq!(db.json(&["lead", "list", "--search", "100%"])[0]["name"], "Cy 100%_sure");
    assert_eq!(db.json(&["lead", "list", "--search", "5550102"])[0]["name"], "Cy 100%_sure");
    assert_eq!(db.json(&["lead", "list", "--search", "%"]).as_array().unwrap().len(), 1, "% is literal");
    assert_eq!(db.json(&["lead", "list", "--sort", "-name", "--limit", "1"])[0]["name"], "Cy 100%_sure");
    assert_eq!(db.json(&["lead", "list", "--status", "qualified"]).as_array().unwrap().len(), 1);
    let moved = db.json(&["lead", "move", "1", "--status", "Contacted"]);
    assert_eq!(moved["status"], "Contacted");
    let shown = db.json(&["lead", "show", "1"]);
    let kinds: Vec<&str> = shown["activity"].as_array().unwrap().iter().map(|a| a["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["status", "created"], "newest first");
    for key in ["at", "lead", "actor", "kind", "from", "to", "via", "batch"] {
        assert!(shown["activity"][0].get(key).is_some(), "activity shape lacks {key}");
    }
}

#[test]
fn bad_input_is_one_line_exit_1_and_changes_nothing() {
    let db = Db::new();
    db.team();
    db.ok(&["lead", "add", "--name", "Ann"]);
    let before = db.ok(&["--json", "activity", "--limit", "1000"]);
    db.fails(&["lead", "add", "--name", "X", "--owner", "Ghost"], "user 'Ghost' not found");
    db.fails(&["lead", "add", "--name", "X", "--status", "Maybe"], "unknown status 'Maybe'");
    // The same rule as an import row's: an email address has an @.
    db.fails(&["lead", "add", "--name", "X", "--email=n/a"], "bad email 'n/a'");
    db.fails(&["lead", "list", "--since", "last tuesday"], "bad date");
    db.fails(&["lead", "move", "1", "--status", "Nope"], "unknown status");
    db.fails(&["lead", "show", "42"], "lead '#42' not found");
    db.fails(&["lead", "list", "--sort", "price"], "unknown sort");
    db.fails(&["lead", "show", "abc"], "invalid value");
    db.fails(&["assign", "--to", "Ghost", "1"], "user 'Ghost' not found");
    db.fails(&["assign", "--to", "Tom"], "give lead ids or a filter");
    db.fails(&["rotate", "--group", "Nowhere", "--unassigned"], "group 'Nowhere' not found");
    db.fails(&["rule", "add", "R", "--to-user", "Tom", "--if", "colour=red"], "unknown rule field");
    db.fails(&["group", "add", "G", "--daily", "-1"], "daily limit");
    let mut bad_now = Command::cargo_bin("leadrota").unwrap();
    let out = bad_now.args(["--db", db.path.to_str().unwrap(), "--now", "soon", "lead", "list"]).assert().code(1);
    assert!(String::from_utf8_lossy(&out.get_output().stderr).contains("bad time 'soon'"));
    assert_eq!(db.ok(&["--json", "activity", "--limit", "1000"]), before);
}

#[test]
fn a_config_file_with_an_unknown_key_is_an_error_naming_key_and_line() {
    let db = Db::new();
    let config = db.path.with_file_name("c.toml");
    std::fs::write(&config, "stale_days = 3\nfavourite_colour = 'red'\n").unwrap();
    db.fails(&["--config", config.to_str().unwrap(), "lead", "list"], "line 2");
}

#[test]
fn rotation_continues_where_the_previous_process_stopped() {
    let db = Db::new();
    db.team();
    db.ok(&["routing", "off"]);
    db.ok(&["group", "add", "Inbound", "--daily", "2"]);
    db.ok(&["group", "members", "Inbound", "--add", "Tom,Stephanie,Lewis,Denise"]);
    for i in 0..10 {
        db.ok(&["lead", "add", "--name", &format!("Lead {i}")]);
    }
    let first = db.json(&["rotate", "--group", "Inbound", "1", "2", "3"]);
    let second = db.json(&["rotate", "--group", "Inbound", "--unassigned"]);
    let owners: Vec<&str> = first["assigned"]
        .as_array()
        .unwrap()
        .iter()
        .chain(second["assigned"].as_array().unwrap())
        .map(|a| a["owner"].as_str().unwrap())
        .collect();
    assert_eq!(owners, ["Tom", "Stephanie", "Lewis", "Denise", "Tom", "Stephanie", "Lewis", "Denise"]);
    assert_eq!(second["unassigned"].as_array().unwrap().len(), 2);
    assert_eq!(second["unassigned"][0]["reason"], "all members at limit");
    let show = db.json(&["group", "show", "Inbound"]);
    for key in ["name", "method", "daily_limit", "monthly_limit", "members", "next"] {
        assert!(show.get(key).is_some(), "group show lacks {key}");
    }
    assert_eq!(show["members"][0]["today"], 2);
    assert_eq!(show["members"][0]["eligible"], false);
    assert_eq!(show["next"], Value::Null);
    let out = db
        .cmd_at("2026-03-03T09:00:00Z", &["--json", "rotate", "--group", "Inbound", "--unassigned"])
        .assert()
        .success();
    let tomorrow: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(tomorrow["assigned"].as_array().unwrap().len(), 2);
}

#[test]
fn bulk_commands_print_batch_changed_unchanged_and_undo_reverts() {
    let db = Db::new();
    db.team();
    db.ok(&["routing", "off"]);
    for i in 0..5 {
        db.ok(&["lead", "add", "--name", &format!("Lead {i}")]);
    }
    let r = db.json(&["--as", "Maria", "assign", "--to", "Tom", "--unassigned"]);
    assert_eq!((r["changed"].as_i64(), r["unchanged"].as_i64()), (Some(5), Some(0)));
    assert!(r["batch"].is_i64());
    let r = db.json(&["--as", "Maria", "reassign", "--from", "Tom", "--to", "Lewis", "--open-only"]);
    assert_eq!(r["changed"], 5);
    let r = db.json(&["--as", "Maria", "undo"]);
    assert_eq!(r["changed"], 5);
    assert_eq!(db.json(&["lead", "list", "--owner", "Tom"]).as_array().unwrap().len(), 5);
    db.fails(&["--as", "Tom", "assign", "--to", "Tom", "1"], "agents cannot");
    let r = db.json(&["unassign", "1", "2"]);
    assert_eq!(r["changed"], 2);
}

#[test]
fn routing_rules_overflow_to_the_next_rule_when_a_group_is_full() {
    let db = Db::new();
    db.team();
    db.ok(&["group", "add", "Ads", "--daily", "1"]);
    db.ok(&["group", "members", "Ads", "--add", "Tom"]);
    db.ok(&["rule", "add", "Facebook ads", "--to-group", "Ads", "--if", "source=Facebook"]);
    db.ok(&["rule", "add", "Overflow", "--to-user", "Denise", "--if", "source~face"]);
    let rules = db.json(&["rule", "list"]);
    assert_eq!(rules[0]["conditions"], serde_json::json!(["source=Facebook"]));
    assert_eq!(rules[0]["target"], serde_json::json!({"group": "Ads"}));
    let a = db.json(&["lead", "add", "--name", "A", "--source", "Facebook"]);
    let b = db.json(&["lead", "add", "--name", "B", "--source", "Facebook"]);
    let c = db.json(&["lead", "add", "--name", "C", "--source", "Google"]);
    assert_eq!((a["owner"].as_str(), b["owner"].as_str(), c["owner"].as_str()), (Some("Tom"), Some("Denise"), None));
    let explained = db.json(&["lead", "explain", "1"]);
    assert_eq!(explained["rule"], 1);
    assert_eq!(explained["group"], "Ads");
    db.cmd_at("2026-03-02T11:00:00Z", &["routing", "off"]).assert().success();
    db.cmd_at("2026-03-02T11:05:00Z", &["lead", "add", "--name", "D", "--source", "Facebook"]).assert().success();
    let on = db.ok(&["routing", "on"]);
    assert!(on.contains("1 lead arrived while paused and is still unassigned"), "{on}");
    let preview = db.json(&["route", "--unassigned", "--dry-run"]);
    assert_eq!(preview["batch"], Value::Null);
    assert_eq!(preview["unassigned"].as_array().unwrap().len(), 1, "C matches no rule");
    assert_eq!(preview["assigned"][0]["owner"], "Denise");
    assert_eq!(db.json(&["lead", "list", "--unassigned"]).as_array().unwrap().len(), 2, "a preview writes nothing");
    let run = db.json(&["route", "--unassigned"]);
    assert_eq!(run["assigned"], preview["assigned"]);
}

#[test]
fn duplicates_follow_the_existing_owner_when_switched_on() {
    let db = Db::new();
    db.team();
    db.ok(&["routing", "duplicates", "on"]);
    db.ok(&["lead", "add", "--name", "Ann", "--email", "Ann@Acme.com", "--owner", "Lewis"]);
    let dup = db.json(&["lead", "add", "--name", "Ann again", "--email", "ann@acme.com"]);
    assert_eq!(dup["owner"], "Lewis");
    let activity = db.json(&["activity", "--lead", "2"]);
    assert_eq!(activity[0]["via"], "duplicate");
}

#[test]
fn pickup_and_offboarding_from_the_cli() {
    let db = Db::new();
    db.team();
    db.ok(&["routing", "off"]);
    db.ok(&["group", "add", "Floor"]);
    db.ok(&["group", "members", "Floor", "--add", "Tom,Lewis"]);
    db.ok(&["group", "set", "Floor", "--pickup-statuses", "New"]);
    db.ok(&["lead", "add", "--name", "A"]);
    db.ok(&["lead", "add", "--name", "B"]);
    let r = db.json(&["--as", "Tom", "pickup", "1", "2"]);
    assert_eq!(r["changed"], 2);
    // V6: an agent learns nothing of a lead they cannot see, its owner included.
    db.fails(&["--as", "Lewis", "pickup", "1"], "lead '#1' not found");
    let r = db.json(&["user", "deactivate", "Tom", "--redistribute", "Floor"]);
    assert_eq!(r["assigned"].as_array().unwrap().len(), 2);
    assert!(r["assigned"].as_array().unwrap().iter().all(|a| a["owner"] == "Lewis"));
    db.fails(&["user", "deactivate", "Lewis"], "required");
}

#[test]
#[cfg(unix)]
fn a_reader_that_stops_early_ends_the_listing_quietly() {
    use std::os::unix::process::ExitStatusExt;
    use std::process::Stdio;
    let db = Db::new();
    db.ok(&["demo", "--leads", "3000", "--no-tui"]);
    // Like `leadrota lead list | head -1`: the reader goes away after one line.
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin!("leadrota"))
        .env_remove("LEADROTA_DB")
        .arg("--db")
        .arg(&db.path)
        .args(["lead", "list", "--limit", "3000"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 16];
    std::io::Read::read_exact(child.stdout.as_mut().unwrap(), &mut first).unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.signal(), Some(libc::SIGPIPE), "{:?}", out.status);
}

#[test]
fn a_rule_value_no_lead_has_is_saved_with_a_warning_naming_the_close_known_values() {
    let db = Db::new();
    db.team();
    db.ok(&["lead", "add", "--name", "A", "--source", "LinkedIn"]);
    let out = db.cmd(&["rule", "add", "Social", "--to-user", "Tom", "--if", "source=LinkdIn"]).assert().success();
    let out = out.get_output();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr.trim_end(),
        "warning: No lead has source 'LinkdIn'. Did you mean LinkedIn? Saved as typed.",
        "one line on stderr"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("added rule #1 Social"));
    assert_eq!(db.json(&["rule", "list"])[0]["conditions"], serde_json::json!(["source=LinkdIn"]));
    let quiet = db.cmd(&["rule", "add", "Known", "--to-user", "Tom", "--if", "source=linkedin"]).assert().success();
    assert!(quiet.get_output().stderr.is_empty(), "a known value in any case says nothing");
    // A status that is no stage never matches: refused, naming the stages.
    db.fails(
        &["rule", "add", "Typo", "--to-user", "Tom", "--if", "status=Qualifed"],
        "No status is called 'Qualifed'. Did you mean Qualified? The statuses are New, Contacted, Qualified",
    );
    db.fails(
        &["rule", "add", "Part", "--to-user", "Tom", "--if", "status~Neg"],
        "No status contains 'Neg'. The statuses are New, Contacted",
    );
    assert_eq!(db.json(&["rule", "list"]).as_array().map(Vec::len), Some(2), "nothing saved");
}

#[test]
fn without_a_terminal_the_demo_says_how_to_explore_it_and_the_console_says_why_it_cannot_open() {
    let db = Db::new();
    // `cargo run -- demo | tee log` or a script: nobody could see a console.
    let out = db.ok(&["demo", "--leads", "500"]);
    assert!(out.contains("created"), "{out}");
    assert!(out.contains("lead list --unassigned"), "{out}");
    db.fails(&["--as", "Helen"], "the console needs a terminal");
}

#[test]
fn a_batch_is_listed_whole_and_a_cut_list_says_so() {
    let db = Db::new();
    db.team();
    db.ok(&["routing", "off"]);
    let csv = db.path.parent().unwrap().join("sixty.csv");
    let rows: String = (0..60).map(|i| format!("Lead {i},lead{i}@example.com\n")).collect();
    std::fs::write(&csv, format!("name,email\n{rows}")).unwrap();
    db.ok(&["import", csv.to_str().unwrap()]);
    let batch = db.json(&["assign", "--to", "Tom", "--unassigned"])["batch"].as_i64().unwrap();
    let listed = db.json(&["activity", "--batch", &batch.to_string()]);
    assert_eq!(listed.as_array().map(Vec::len), Some(60), "the whole batch, as its confirm promised");
    let out = db.cmd(&["activity"]).assert().success().get_output().clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim_end(), "the newest 50 rows; --limit N shows more");
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 51, "a header and 50 rows");
    let out = db.cmd(&["activity", "--limit", "500"]).assert().success().get_output().clone();
    assert!(out.stderr.is_empty(), "nothing was cut");
}

#[test]
fn reclaiming_at_most_zero_times_is_refused_for_what_it_would_not_do() {
    let db = Db::new();
    db.team();
    db.ok(&["group", "add", "Floor"]);
    db.fails(&["group", "set", "Floor", "--reclaim-after", "5", "--reclaim-max", "0"], "--reclaim-max is at least 1");
    db.ok(&["group", "set", "Floor", "--reclaim-after", "5", "--reclaim-max", "2"]);
}
