//! The optional config file (TOML) and platform paths. Every key is optional;
//! an unknown key or a bad value is an error naming the key and line.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::core::error::{Error, Result};

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Database file; `--db` and `LEADROTA_DB` win over it.
    pub database: Option<PathBuf>,
    /// The user leadrota acts as when `--as` is not given.
    pub acting_user: Option<String>,
    /// Office time zone (IANA name) for daily and monthly limits and reports.
    pub timezone: Option<String>,
    #[serde(default = "default_true")]
    pub notify_on_assign: bool,
    #[serde(default = "default_alert_hours")]
    pub unassigned_alert_hours: u32,
    #[serde(default = "default_stale_days")]
    pub stale_days: u32,
    /// A program run after each committed change of owners, with the new
    /// owners and their leads as JSON on stdin (SPEC §6).
    pub notify_command: Option<String>,
    /// Console key overrides: action name → key.
    #[serde(default)]
    pub keys: BTreeMap<String, String>,
    /// How `import` reads another CRM's names.
    #[serde(default)]
    pub import: ImportConfig,
    /// The console's own settings.
    #[serde(default)]
    pub console: ConsoleConfig,
    /// The file this config was read from, or would be read from (the
    /// platform path) when there is none yet: where a saved mapping goes.
    #[serde(skip)]
    pub file: Option<PathBuf>,
}

/// `[import.status_map]` and `[import.owner_map]`: another CRM's status
/// names onto our stages and owner cells onto users, applied by every import
/// (the `--map-status` and `--map-owner` flags win over them).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ImportConfig {
    #[serde(default)]
    pub status_map: BTreeMap<String, String>,
    #[serde(default)]
    pub owner_map: BTreeMap<String, String>,
}

/// `[console]`: the Leads table's columns, in order.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ConsoleConfig {
    #[serde(default = "default_columns")]
    pub columns: Vec<LeadColumn>,
}

impl Default for ConsoleConfig {
    fn default() -> Self {
        ConsoleConfig { columns: default_columns() }
    }
}

/// A column the Leads table can show.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, strum::EnumIter, strum::IntoStaticStr)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum LeadColumn {
    Name,
    Company,
    Email,
    Phone,
    Source,
    Status,
    Tags,
    Owner,
    /// Since the lead was created.
    Age,
    /// Since it was created, for an unassigned lead only: how long it has waited.
    Waiting,
}

/// T1's columns.
fn default_columns() -> Vec<LeadColumn> {
    use LeadColumn::*;
    vec![Name, Company, Source, Status, Owner, Age]
}

fn default_true() -> bool {
    true
}
fn default_alert_hours() -> u32 {
    24
}
fn default_stale_days() -> u32 {
    7
}

impl Default for Config {
    fn default() -> Self {
        Config {
            database: None,
            acting_user: None,
            timezone: None,
            notify_on_assign: true,
            unassigned_alert_hours: default_alert_hours(),
            stale_days: default_stale_days(),
            notify_command: None,
            keys: BTreeMap::new(),
            import: ImportConfig::default(),
            console: ConsoleConfig::default(),
            file: None,
        }
    }
}

fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("", "", "leadrota")
}

/// `~/.local/share/leadrota/leadrota.db` on Linux, the platform equivalent elsewhere.
pub fn default_database_path() -> PathBuf {
    project_dirs().map_or_else(|| PathBuf::from("leadrota.db"), |d| d.data_dir().join("leadrota.db"))
}

pub fn default_config_path() -> Option<PathBuf> {
    project_dirs().map(|d| d.config_dir().join("config.toml"))
}

impl Config {
    /// Parse config text; `origin` names the file in errors.
    pub fn parse(text: &str, origin: &Path) -> Result<Config> {
        let config: Config = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
            let message = e.message().lines().next().unwrap_or("invalid value").trim().to_string();
            match line {
                Some(line) => Error::invalid(format!("{} line {line}: {message}", origin.display())),
                None => Error::invalid(format!("{}: {message}", origin.display())),
            }
        })?;
        if let Err(p) = crate::tui::keymap::Keymap::with_overrides(&config.keys) {
            let line = key_line(text, &p.action).map_or_else(String::new, |n| format!(" line {n}"));
            return Err(Error::invalid(format!("{}{line}: [keys] {}: {}", origin.display(), p.action, p.problem)));
        }
        if let Some(tz) = &config.timezone {
            crate::core::time::parse_tz(tz)
                .map_err(|e| Error::invalid(format!("{}: timezone: {e}", origin.display())))?;
        }
        Ok(config)
    }

    /// Load `explicit` (which must exist) or the platform config file (which may not).
    pub fn load(explicit: Option<&Path>) -> Result<Config> {
        let (path, required) = match explicit {
            Some(p) => (p.to_path_buf(), true),
            None => match default_config_path() {
                Some(p) => (p, false),
                None => return Ok(Config::default()),
            },
        };
        let config = match read_text(&path) {
            Ok(text) => Config::parse(&text, &path)?,
            Err(Error::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound && !required => {
                Config::default()
            }
            Err(e) => return Err(e),
        };
        Ok(Config { file: Some(path), ..config })
    }
}

/// The line of `action`'s entry in the `[keys]` table of a config text.
fn key_line(text: &str, action: &str) -> Option<usize> {
    #[derive(Deserialize)]
    struct KeyLines {
        #[serde(default)]
        keys: BTreeMap<String, toml::Spanned<toml::Value>>,
    }
    let lines: KeyLines = toml::from_str(text).ok()?;
    let start = lines.keys.get(action)?.span().start;
    Some(text[..start.min(text.len())].matches('\n').count() + 1)
}

/// A config file's text; it must be UTF-8.
pub(crate) fn read_text(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|source| Error::Io { path: path.to_path_buf(), source })?;
    String::from_utf8(bytes)
        .map_err(|_| Error::invalid(format!("{}: the config file is not UTF-8 text", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_key_names_key_and_line() {
        let err = Config::parse("stale_days = 3\ncolour = 'red'\n", Path::new("c.toml")).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("line 2") && msg.contains("colour"), "{msg}");
        assert!(!msg.contains('\n'));
    }

    #[test]
    fn keys_errors_name_the_line_and_a_clash_names_both_actions() {
        let text = "stale_days = 3\n\n[keys]\nhelp = \"f1\"\nassign = \"a\"\n";
        let msg = Config::parse(text, Path::new("c.toml")).unwrap_err().to_string();
        assert_eq!(
            msg,
            "c.toml line 5: [keys] assign: \"a\" would do both assign and select_all in the leads keys; \
             choose another key for one of them"
        );
        let msg = Config::parse("[keys]\nfly = \"x\"\n", Path::new("c.toml")).unwrap_err().to_string();
        assert!(msg.starts_with("c.toml line 2: [keys] fly: unknown action 'fly'"), "{msg}");
        let msg = Config::parse("[keys]\n\nquit = \"hyper-x\"\n", Path::new("c.toml")).unwrap_err().to_string();
        assert!(msg.starts_with("c.toml line 3: [keys] quit: unknown key 'hyper-x'"), "{msg}");
    }

    #[test]
    fn bad_value_is_an_error() {
        let err = Config::parse("stale_days = 'soon'\n", Path::new("c.toml")).unwrap_err();
        assert!(err.to_string().contains("line 1"), "{err}");
        assert!(Config::parse("timezone = 'Nowhere/Land'", Path::new("c.toml")).is_err());
    }

    #[test]
    fn import_maps_read_from_their_tables() {
        let text = "[import.status_map]\nOPEN_DEAL = \"Proposal\"\n\"In Progress\" = \"Contacted\"\n\n\
                    [import.owner_map]\n\"florent@acme.test\" = \"Florent\"\n";
        let config = Config::parse(text, Path::new("c.toml")).unwrap();
        assert_eq!(config.import.status_map.get("In Progress").map(String::as_str), Some("Contacted"));
        assert_eq!(config.import.owner_map.get("florent@acme.test").map(String::as_str), Some("Florent"));
        let err = Config::parse("[import]\nstatus_mapping = {}\n", Path::new("c.toml")).unwrap_err();
        assert!(err.to_string().contains("line 2") && err.to_string().contains("status_mapping"), "{err}");
    }

    #[test]
    fn the_documented_example_config_is_valid() {
        let example = include_str!("../config.example.toml");
        assert!(Config::parse(example, Path::new("config.example.toml")).is_ok());
    }

    #[test]
    fn empty_file_gives_defaults() {
        assert_eq!(Config::parse("", Path::new("c.toml")).unwrap(), Config::default());
    }
}
