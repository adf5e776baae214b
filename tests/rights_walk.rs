//! SPEC V6: every subcommand, run as an admin, a manager and an agent on the
//! same office. Admins and managers may run all of them; an agent is refused
//! (exit 1, "permission denied: agents cannot …", nothing changed) exactly
//! where the rights table says, and no output an agent gets — success or
//! error — names a lead they cannot see or its owner.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use clap::CommandFactory;
use common::Bin;
use leadrota::cli::args::Cli;

const NOW: &str = "2026-03-02T10:00:00Z";

/// Words that would tell agent Tom about leads he cannot see: the names and
/// email domain of Lewis's leads and of an unassigned lead outside Tom's
/// pick-up statuses.
const HIDDEN: [&str; 3] = ["Secret", "hidden.test", "Far Pool"];

/// One subcommand of the walk.
struct Step {
    /// The subcommand's path, as clap names it ("group show").
    path: &'static str,
    args: Vec<String>,
    agent_may: bool,
    /// Lists the team (users, group members, rule targets): it may name Lewis
    /// as a user, never as the owner of a lead.
    names_team: bool,
}

fn step(path: &'static str, args: &[&str], agent_may: bool) -> Step {
    Step { path, args: args.iter().map(|a| a.to_string()).collect(), agent_may, names_team: false }
}

fn team_step(path: &'static str, args: &[&str]) -> Step {
    Step { names_team: true, ..step(path, args, true) }
}

/// Admin Ada, manager Maria, agents Tom and Lewis, all in "Inbound" (pick-up
/// from New); a rule; duplicate routing on. Leads: #1 "Secret Deal" and #6
/// "Secret Two" are Lewis's (#6 was Tom's until Maria moved it), #2 is Tom's,
/// #3 and #5 are unassigned and New (Tom may pick them up; he picked up #5),
/// #4 "Far Pool" is unassigned and Qualified (hidden from Tom).
fn office() -> Bin {
    let db = Bin::new(NOW);
    db.ok(&["user", "add", "Ada", "--role", "admin", "--can-pickup"]);
    db.ok(&["user", "add", "Maria", "--role", "manager", "--can-pickup"]);
    db.ok(&["user", "add", "Tom", "--can-pickup"]);
    db.ok(&["user", "add", "Lewis", "--can-pickup"]);
    db.ok(&["group", "add", "Inbound"]);
    db.ok(&["group", "add", "Spare"]);
    db.ok(&["group", "members", "Inbound", "--add", "Tom", "--add", "Lewis", "--add", "Maria", "--add", "Ada"]);
    db.ok(&["group", "set", "Inbound", "--pickup-statuses", "New"]);
    db.ok(&["routing", "off"]);
    db.ok(&["lead", "add", "--name", "Secret Deal", "--email", "deal@hidden.test", "--status", "Contacted"]);
    db.ok(&["lead", "add", "--name", "Tom Own", "--email", "own@tom.test", "--owner", "Tom"]);
    db.ok(&["lead", "add", "--name", "Open Pool", "--email", "pool@open.test"]);
    db.ok(&["lead", "add", "--name", "Far Pool", "--email", "far@pool.test", "--status", "Qualified"]);
    db.ok(&["lead", "add", "--name", "Second Pool", "--email", "second@open.test"]);
    db.ok(&["lead", "add", "--name", "Secret Two", "--email", "two@hidden.test"]);
    db.ok(&["rule", "add", "Web", "--to-group", "Inbound", "--if", "source=Web"]);
    db.ok(&["--as", "Maria", "assign", "--to", "Tom", "6"]);
    db.ok(&["--as", "Maria", "lead", "move", "6", "--status", "Contacted"]);
    db.ok(&["--as", "Maria", "reassign", "--to", "Lewis", "6"]);
    db.ok(&["--as", "Ada", "assign", "--to", "Lewis", "1"]);
    db.ok(&["--as", "Tom", "pickup", "5"]);
    db.ok(&["--as", "Maria", "lead", "move", "2", "--status", "Contacted"]);
    db.ok(&["routing", "on"]);
    db.ok(&["routing", "duplicates", "on"]);
    std::fs::write(db.dir.path().join("in.csv"), "name,email\nImported,imp@x.test\n").unwrap();
    db
}

fn walk(dir: &Path) -> Vec<Step> {
    let file = |name: &str| dir.join(name).display().to_string();
    let (backup, csv, export) = (file("copy.db"), file("in.csv"), file("out.csv"));
    vec![
        step("user add", &["user", "add", "Zed"], false),
        team_step("user list", &["user", "list"]),
        step("user leave", &["user", "leave", "Lewis", "--on"], false),
        step("user activate", &["user", "activate", "Lewis"], false),
        step("user hours", &["user", "hours", "Lewis", "Mon-Fri 09:00-17:30"], false),
        step("user away", &["user", "away", "Lewis", "--until", "2026-12-03"], false),
        step("user deactivate", &["user", "deactivate", "Lewis", "--leave-unassigned"], false),
        step("lead add", &["lead", "add", "--name", "Probe", "--email", "deal@hidden.test"], true),
        step("lead list", &["lead", "list"], true),
        step("lead show", &["lead", "show", "2"], true),
        step("lead move", &["lead", "move", "2", "--status", "Qualified"], true),
        step("lead note", &["lead", "note", "2", "called back"], true),
        step("lead explain", &["lead", "explain", "2"], true),
        step("activity", &["activity", "--user", "Tom"], true),
        step("assign", &["assign", "--to", "Tom", "3"], false),
        step("reassign", &["reassign", "--to", "Tom", "1"], false),
        step("unassign", &["unassign", "1"], false),
        step("rotate", &["rotate", "--group", "Inbound", "--unassigned", "--dry-run"], false),
        step("route", &["route", "--unassigned", "--dry-run"], false),
        step("reclaim", &["reclaim", "--dry-run"], false),
        step("pickup", &["pickup", "3"], true),
        step("undo", &["undo"], true),
        step("doctor", &["doctor"], false),
        step("backup", &["backup", &backup], false),
        step("group add", &["group", "add", "Outbound"], false),
        step("group set", &["group", "set", "Inbound", "--daily", "5"], false),
        step("group members", &["group", "members", "Inbound", "--remove", "Ada"], false),
        step("group limit", &["group", "limit", "Inbound", "Tom", "--daily", "2"], false),
        step("group weight", &["group", "weight", "Inbound", "Tom", "2"], false),
        step("group delete", &["group", "delete", "Spare"], false),
        team_step("group list", &["group", "list"]),
        team_step("group show", &["group", "show", "Inbound"]),
        step("rule add", &["rule", "add", "Ads", "--to-group", "Inbound", "--if", "source=Ads"], false),
        team_step("rule list", &["rule", "list"]),
        step("rule enable", &["rule", "enable", "1"], false),
        step("rule disable", &["rule", "disable", "1"], false),
        step("rule delete", &["rule", "delete", "1"], false),
        step("rule move", &["rule", "move", "1", "--to", "1"], false),
        step("routing on", &["routing", "on"], false),
        step("routing off", &["routing", "off"], false),
        step("routing status", &["routing", "status"], true),
        step("routing duplicates", &["routing", "duplicates", "off"], false),
        step("import", &["import", &csv], false),
        step("export", &["export", "-o", &export], true),
        step("report workload", &["report", "workload"], false),
        step("report unassigned", &["report", "unassigned", "--older-than", "0"], true),
        step("notifications", &["notifications"], true),
    ]
}

/// Subcommands the walk leaves out, and why.
const NOT_WALKED: [&str; 3] = [
    // Builds a database of its own: there is nobody to act as yet.
    "demo",
    // Print text about the program itself and open no database (tests/shell.rs).
    "completions",
    "man",
];

/// Every leaf subcommand clap knows, as "group show".
fn leaf_commands(cmd: &clap::Command, prefix: &str, out: &mut BTreeSet<String>) {
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        let path = if prefix.is_empty() { sub.get_name().to_string() } else { format!("{prefix} {}", sub.get_name()) };
        if sub.has_subcommands() {
            leaf_commands(sub, &path, out);
        } else {
            out.insert(path);
        }
    }
}

#[test]
fn the_walk_covers_every_subcommand() {
    let mut all = BTreeSet::new();
    leaf_commands(&Cli::command(), "", &mut all);
    let dir = tempfile::TempDir::new().unwrap();
    let walked: BTreeSet<String> =
        walk(dir.path()).iter().map(|s| s.path.to_string()).chain(NOT_WALKED.map(String::from)).collect();
    let missing: Vec<_> = all.difference(&walked).collect();
    assert!(missing.is_empty(), "add these subcommands to the rights walk (tests/rights_walk.rs): {missing:?}");
}

/// A copy of the office's file in a fresh folder, so each run starts alike.
fn copy_of(office: &Bin) -> Bin {
    let copy = Bin::new(NOW);
    for suffix in ["", "-wal"] {
        let from = format!("{}{suffix}", office.path.display());
        if Path::new(&from).exists() {
            std::fs::copy(&from, format!("{}{suffix}", copy.path.display())).unwrap();
        }
    }
    std::fs::copy(office.dir.path().join("in.csv"), copy.dir.path().join("in.csv")).unwrap();
    copy
}

fn fingerprint(db: &Bin) -> String {
    let conn = rusqlite::Connection::open(&db.path).unwrap();
    let q = "SELECT (SELECT group_concat(id || ':' || coalesce(owner_id, '-') || ':' || stage_id) FROM leads) || '|' || \
             (SELECT count(*) FROM activity) || '|' || (SELECT count(*) FROM users WHERE active) || '|' || \
             (SELECT count(*) FROM memberships) || '|' || (SELECT count(*) FROM rules) || '|' || \
             (SELECT group_concat(key || '=' || value) FROM settings)";
    conn.query_row(q, [], |r| r.get(0)).unwrap()
}

#[test]
fn every_subcommand_as_admin_manager_and_agent() {
    let office = office();
    let mut refusals = 0;
    for actor in ["Ada", "Maria", "Tom"] {
        let agent = actor == "Tom";
        for probe in walk(office.dir.path()) {
            let db = copy_of(&office);
            // The walk's file paths name the office's folder; point them at the copy.
            let args: Vec<String> = probe
                .args
                .iter()
                .map(|a| a.replace(&office.dir.path().display().to_string(), &db.dir.path().display().to_string()))
                .collect();
            let before = fingerprint(&db);
            let mut all = vec!["--as".to_string(), actor.to_string()];
            all.extend(args);
            let out = db.cmd(&all.iter().map(String::as_str).collect::<Vec<_>>()).output().unwrap();
            let stdout = String::from_utf8_lossy(&out.stdout);
            let stderr = String::from_utf8_lossy(&out.stderr);
            let said = format!("{stdout}{stderr}");
            let what = format!("{actor} {}: {said}", probe.path);
            if agent && !probe.agent_may {
                assert_eq!(out.status.code(), Some(1), "{what}");
                assert!(stderr.starts_with("error: permission denied: agents cannot "), "{what}");
                assert_eq!(stderr.lines().count(), 1, "{what}");
                assert_eq!(fingerprint(&db), before, "a refused {} changed the database", probe.path);
                refusals += 1;
            } else {
                assert!(out.status.success(), "{what}");
            }
            if agent {
                for word in HIDDEN {
                    assert!(!said.contains(word), "{what}\nnames a lead Tom cannot see ({word})");
                }
                if !probe.names_team {
                    assert!(!said.contains("Lewis"), "{what}\nnames the owner of a lead Tom cannot see");
                }
            }
        }
    }
    assert_eq!(refusals, walk(office.dir.path()).iter().filter(|s| !s.agent_may).count());
}

#[test]
fn a_lead_an_agent_cannot_see_is_not_found_in_the_same_words_as_one_that_does_not_exist() {
    let office = office();
    let message = |args: &[&str]| -> String {
        let mut all = vec!["--as", "Tom"];
        all.extend_from_slice(args);
        let out = office.cmd(&all).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    for (hidden, absent) in [
        (vec!["pickup", "1"], vec!["pickup", "99"]),
        (vec!["pickup", "4"], vec!["pickup", "99"]),
        (vec!["lead", "show", "1"], vec!["lead", "show", "99"]),
        (vec!["lead", "explain", "6"], vec!["lead", "explain", "99"]),
        (vec!["lead", "move", "1", "--status", "Won"], vec!["lead", "move", "99", "--status", "Won"]),
        (vec!["lead", "note", "4", "hi"], vec!["lead", "note", "99", "hi"]),
        (vec!["activity", "--lead", "1"], vec!["activity", "--lead", "99"]),
    ] {
        let hidden_id = hidden.iter().find(|a| a.parse::<i64>().is_ok()).unwrap();
        let said = message(&hidden);
        assert_eq!(said.replace(&format!("#{hidden_id}"), "#99"), message(&absent), "{hidden:?}");
        assert_eq!(said, format!("error: lead '#{hidden_id}' not found\n"));
    }
    // A manager is told who owns it.
    let out = office.cmd(&["--as", "Maria", "pickup", "1"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("owned by Lewis"));
}

#[test]
fn a_duplicate_routed_to_someone_else_is_created_without_naming_the_owner() {
    let office = office();
    let text = office.ok(&["--as", "Tom", "lead", "add", "--name", "Probe", "--email", "DEAL@hidden.test"]);
    assert_eq!(text.trim(), "created lead #7; routing gave it to another owner");
    let json = office.json(&["--as", "Tom", "lead", "add", "--name", "Probe 2", "--email", "deal@hidden.test"]);
    assert_eq!(json, serde_json::json!({"id": 8, "visible": false}));
    // It went to Lewis all the same, as duplicate routing says.
    let shown = office.json(&["--as", "Maria", "lead", "show", "7"]);
    assert_eq!(shown["owner"], "Lewis");
}

#[test]
fn the_core_refuses_an_agents_backup_too_not_only_the_cli() {
    use leadrota::core::model::Role;
    let dir = tempfile::TempDir::new().unwrap();
    let mut store = leadrota::core::Store::open(&dir.path().join("team.db")).unwrap();
    let ctx = common::ctx_at(NOW);
    common::add_user(&mut store, &ctx, "Tom", Role::Agent);
    let tom = common::as_user(&store, &ctx, "Tom");
    let copy = dir.path().join("copy.db");
    let err = leadrota::core::backup::backup(&store, &tom, &copy, false).unwrap_err();
    assert_eq!(err.to_string(), "permission denied: agents cannot back up the database");
    assert!(!copy.exists());
    leadrota::core::backup::backup(&store, &ctx, &copy, false).unwrap();
    assert!(copy.exists());
}
