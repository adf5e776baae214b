//! SPEC §7: a CSV export is safe to open in a spreadsheet. A cell that a
//! spreadsheet would run as a formula (it begins with `=`, `+`, `-`, `@`,
//! tab or carriage return) is written with a leading `'`; `--raw` writes
//! the cells as stored.

mod common;

use common::Bin;

const NOW: &str = "2026-03-02T10:00:00Z";

const HOSTILE: [(&str, &str); 4] = [
    ("name", r#"=HYPERLINK("http://evil.test","x")"#),
    ("company", "+cmd|' /C calc'!A0"),
    ("source", "@SUM(1+1)*cmd|' /C calc'!A0"),
    ("phone", "-2+3"),
];

fn office() -> Bin {
    let db = Bin::new(NOW);
    db.ok(&["routing", "off"]);
    // `--field=value`, so a value that starts with `-` is not read as a flag.
    let fields: Vec<String> = HOSTILE.iter().map(|(field, value)| format!("--{field}={value}")).collect();
    let mut args = vec!["lead", "add", "--email", "probe@evil.test"];
    args.extend(fields.iter().map(String::as_str));
    db.ok(&args);
    db.ok(&["lead", "add", "--name", "Ann Lee", "--email", "ann@acme.com", "--company", "a=b"]);
    db
}

/// The cells of the CSV's data rows, by column name.
fn rows(csv_text: &str) -> Vec<std::collections::HashMap<String, String>> {
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_string).collect();
    reader.records().map(|r| header.iter().cloned().zip(r.unwrap().iter().map(str::to_string)).collect()).collect()
}

#[test]
fn formula_cells_get_a_leading_quote_and_ordinary_cells_are_untouched() {
    let db = office();
    let out = db.dir.path().join("leads.csv");
    db.ok(&["export", "-o", out.to_str().unwrap()]);
    for text in [std::fs::read_to_string(&out).unwrap(), db.ok(&["export"])] {
        let rows = rows(&text);
        for (field, value) in HOSTILE {
            assert_eq!(rows[0][field], format!("'{value}"), "{field}");
        }
        assert_eq!(rows[0]["email"], "probe@evil.test");
        assert_eq!((rows[1]["name"].as_str(), rows[1]["company"].as_str()), ("Ann Lee", "a=b"));
    }
}

#[test]
fn raw_writes_the_cells_exactly_as_stored() {
    let db = office();
    let rows = rows(&db.ok(&["export", "--raw"]));
    for (field, value) in HOSTILE {
        assert_eq!(rows[0][field], value, "{field}");
    }
}

#[test]
fn formula_cells_survive_export_then_import_unchanged() {
    let db = office();
    let out = db.dir.path().join("leads.csv");
    db.ok(&["export", "-o", out.to_str().unwrap()]);
    let fresh = Bin::new(NOW);
    fresh.ok(&["routing", "off"]);
    let report = fresh.json(&["import", out.to_str().unwrap()]);
    assert_eq!(report["created"], 2, "{report}");
    let fields = ["name", "email", "phone", "company", "source", "status", "tags", "owner", "created_at"];
    let leads = |db: &Bin| -> Vec<Vec<serde_json::Value>> {
        let list = db.json(&["lead", "list"]);
        list.as_array().unwrap().iter().map(|l| fields.iter().map(|f| l[*f].clone()).collect()).collect()
    };
    assert_eq!(leads(&fresh), leads(&db));
    assert_eq!(leads(&fresh)[0][0], HOSTILE[0].1);
}
