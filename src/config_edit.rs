//! Saving import mappings into the config file (`import --save-mapping`, the
//! console's import), so the next export from the same CRM needs no flags.
//!
//! The file is edited as text, not rewritten from the parsed values: the
//! user's comments, order and spacing stay. Entries go at the end of the
//! `[import.status_map]` (or `[import.owner_map]`) table, created at the end
//! of the file when missing; an entry for the same name (ignoring case) is
//! replaced. The result must parse as a config with the new entries, or
//! nothing is written; it is written through the safe writer.

use std::io::Write;
use std::path::Path;

use crate::config::{Config, read_text};
use crate::core::error::{Error, Result};
use crate::core::safe_file::{self, IfExists};

/// Which mapping table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MapTable {
    Status,
    Owner,
}

impl MapTable {
    fn header(self) -> &'static str {
        match self {
            MapTable::Status => "[import.status_map]",
            MapTable::Owner => "[import.owner_map]",
        }
    }
}

/// Add `pairs` (FROM, TO) to `table` of the config at `file` (created when
/// missing), for the database at `db` (the safe writer's guard).
pub fn save_import_map(file: &Path, db: &Path, table: MapTable, pairs: &[(String, String)]) -> Result<()> {
    if pairs.is_empty() {
        return Ok(());
    }
    let text = match read_text(file) {
        Ok(text) => text,
        Err(Error::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e),
    };
    Config::parse(&text, file)?;
    let edited = with_entries(&text, table, pairs);
    let config = Config::parse(&edited, file).map_err(|_| {
        Error::invalid(format!(
            "{}: cannot add to {} there (is it written another way?); add the entries by hand",
            file.display(),
            table.header()
        ))
    })?;
    let saved = match table {
        MapTable::Status => &config.import.status_map,
        MapTable::Owner => &config.import.owner_map,
    };
    if pairs.iter().any(|(from, to)| saved.get(from.trim()) != Some(&to.trim().to_string())) {
        return Err(Error::invalid(format!("{}: the mapping could not be added; add it by hand", file.display())));
    }
    if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| Error::Io { path: dir.to_path_buf(), source })?;
    }
    safe_file::write(db, file, IfExists::Replace, |out, path| {
        out.write_all(edited.as_bytes()).map_err(|source| Error::Io { path: path.to_path_buf(), source })
    })
}

/// `text` with `pairs` at the end of `table` (see the module comment).
fn with_entries(text: &str, table: MapTable, pairs: &[(String, String)]) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let is_header = |line: &str| {
        let line = line.trim();
        line.strip_prefix(table.header()).is_some_and(|rest| rest.trim().is_empty() || rest.trim().starts_with('#'))
    };
    let entries: Vec<String> = pairs.iter().map(|(from, to)| entry(from.trim(), to.trim())).collect();
    let Some(start) = lines.iter().position(|l| is_header(l)) else {
        if lines.last().is_some_and(|l| !l.trim().is_empty()) {
            lines.push(String::new());
        }
        lines.push(table.header().to_string());
        lines.extend(entries);
        return lines.join("\n") + "\n";
    };
    let end =
        lines[start + 1..].iter().position(|l| l.trim_start().starts_with('[')).map_or(lines.len(), |i| start + 1 + i);
    let replaced = |line: &String| {
        key_of(line).is_some_and(|key| pairs.iter().any(|(from, _)| key.eq_ignore_ascii_case(from.trim())))
    };
    let mut table_lines: Vec<String> = lines[start + 1..end].iter().filter(|l| !replaced(l)).cloned().collect();
    // After the table's last entry or comment, before the blank lines that part it from the next.
    let at = table_lines.iter().rposition(|l| !l.trim().is_empty()).map_or(0, |i| i + 1);
    table_lines.splice(at..at, entries);
    lines.splice(start + 1..end, table_lines);
    lines.join("\n") + "\n"
}

/// `"FROM" = "TO"`, both as TOML strings.
fn entry(from: &str, to: &str) -> String {
    format!("{} = {}", toml::Value::String(from.to_string()), toml::Value::String(to.to_string()))
}

/// The key of a `key = value` line, if it is one.
fn key_of(line: &str) -> Option<String> {
    let parsed: toml::Table = toml::from_str(line).ok()?;
    let mut keys = parsed.keys();
    let key = keys.next()?.clone();
    keys.next().is_none().then_some(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
    }

    #[test]
    fn entries_go_into_a_new_table_at_the_end_and_the_rest_stays() {
        let text = "# my office\nstale_days = 3\n\n[keys]\nassign = \"ctrl-a\"\n";
        let edited = with_entries(text, MapTable::Status, &pairs(&[("In Progress", "Contacted")]));
        assert_eq!(edited, format!("{text}\n[import.status_map]\n\"In Progress\" = \"Contacted\"\n"));
    }

    #[test]
    fn an_existing_table_keeps_its_comments_and_loses_only_the_replaced_entry() {
        let text = "[import.status_map]\n# from HubSpot\nopen_deal = \"Qualified\"\nNEW_LEAD = \"New\"\n\n[keys]\n";
        let edited = with_entries(text, MapTable::Status, &pairs(&[("OPEN_DEAL", "Proposal")]));
        assert_eq!(
            edited,
            "[import.status_map]\n# from HubSpot\nNEW_LEAD = \"New\"\n\"OPEN_DEAL\" = \"Proposal\"\n\n[keys]\n"
        );
        let config = Config::parse(&edited, Path::new("c.toml")).unwrap();
        assert_eq!(config.import.status_map.len(), 2);
    }

    #[test]
    fn saving_writes_the_file_and_creates_it_when_missing() {
        let dir = tempfile::TempDir::new().unwrap();
        let file = dir.path().join("conf/config.toml");
        let db = dir.path().join("team.db");
        save_import_map(&file, &db, MapTable::Owner, &pairs(&[("flo@old.test", "Florent")])).unwrap();
        save_import_map(&file, &db, MapTable::Status, &pairs(&[("Junk Lead", "Lost")])).unwrap();
        let config = Config::parse(&std::fs::read_to_string(&file).unwrap(), &file).unwrap();
        assert_eq!(config.import.owner_map.get("flo@old.test").map(String::as_str), Some("Florent"));
        assert_eq!(config.import.status_map.get("Junk Lead").map(String::as_str), Some("Lost"));
    }

    #[test]
    fn a_broken_config_is_left_alone() {
        let dir = tempfile::TempDir::new().unwrap();
        let file = dir.path().join("config.toml");
        std::fs::write(&file, "stale_days = 'soon'\n").unwrap();
        let err = save_import_map(&file, &dir.path().join("t.db"), MapTable::Status, &pairs(&[("a", "New")]));
        assert!(err.is_err());
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "stale_days = 'soon'\n");
    }
}
