//! SPEC §7: names of users, groups and rules refuse control characters, line
//! breaks and bidirectional overrides (they would break every table, or show
//! one name as another); a name with a comma can still join a group.

mod common;

use common::{Bin, one_line_error};

const NOW: &str = "2026-03-02T10:00:00Z";

fn refused(db: &Bin, args: &[&str]) -> String {
    one_line_error(&db.cmd(args).output().unwrap())
}

#[test]
fn names_with_line_breaks_controls_or_bidi_overrides_are_refused_everywhere() {
    let db = Bin::new(NOW);
    db.ok(&["user", "add", "Tom"]);
    db.ok(&["group", "add", "Inbound"]);
    for bad in ["Eve\nAdmin", "Eve\r\nx", "Eve\tTab", "Eve\u{1b}[31m", "Tom\u{202E}sipeL", "x\u{2066}y", "a\u{2028}b"] {
        for args in [
            vec!["user", "add", bad],
            vec!["group", "add", bad],
            vec!["group", "set", "Inbound", "--rename", bad],
            vec!["rule", "add", bad, "--to-user", "Tom"],
        ] {
            let said = refused(&db, &args);
            assert!(
                said.contains("name cannot hold control characters, line breaks or bidirectional overrides"),
                "{said}"
            );
        }
    }
    let users = db.json(&["user", "list"]);
    assert_eq!(users.as_array().map(Vec::len), Some(1));
    assert_eq!(db.json(&["group", "list"]).as_array().map(Vec::len), Some(1));
    assert_eq!(db.json(&["rule", "list"]), serde_json::json!([]));
}

#[test]
fn a_name_with_a_comma_joins_a_group_whole_or_quoted() {
    let db = Bin::new(NOW);
    for name in ["Smith, John", "Tom", "Lewis", "Denise"] {
        db.ok(&["user", "add", name]);
    }
    db.ok(&["group", "add", "Inbound"]);
    db.ok(&["group", "add", "Outbound"]);
    let members = |group: &str| -> Vec<String> {
        let shown = db.json(&["group", "show", group]);
        shown["members"].as_array().unwrap().iter().map(|m| m["user"].as_str().unwrap().to_string()).collect()
    };
    // One name per --add, as typed in quotes in the shell.
    db.ok(&["group", "members", "Inbound", "--add", "Smith, John", "--add", "Tom"]);
    assert_eq!(members("Inbound"), ["Smith, John", "Tom"]);
    // A list, with the comma name quoted inside it.
    db.ok(&["group", "members", "Outbound", "--add", "Lewis,\"Smith, John\",Denise"]);
    assert_eq!(members("Outbound"), ["Lewis", "Smith, John", "Denise"]);
    db.ok(&["group", "members", "Outbound", "--order", "Denise,\"Smith, John\",Lewis"]);
    assert_eq!(members("Outbound"), ["Denise", "Smith, John", "Lewis"]);
    db.ok(&["group", "members", "Outbound", "--remove", "Smith, John"]);
    assert_eq!(members("Outbound"), ["Denise", "Lewis"]);
    // Unquoted, the comma splits, and "Smith" alone is nobody.
    let said = refused(&db, &["group", "members", "Outbound", "--add", "Smith, John,Tom"]);
    assert!(said.contains("user 'Smith' not found"), "{said}");
    let said = refused(&db, &["group", "members", "Outbound", "--add", "\"Smith, John,Tom"]);
    assert!(said.contains("quote a name that holds a comma"), "{said}");
}
