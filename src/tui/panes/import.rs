//! Importing a CSV file from the Leads pane (`i`): the migration assistant
//! of `leadrota import --dry-run`, one question at a time.
//!
//! 1. A prompt asks for the file.
//! 2. The core's dry run reads it ([`import::import`] with `dry_run`); each
//!    status no stage or map entry takes gets a stage picker, its suggested
//!    stage on top, and the dry run is made again with the answer.
//! 3. When the manager mapped statuses here, a picker asks whether to save
//!    them to the config file for the next export.
//! 4. A confirm shows the report (rows imported and rejected, owners,
//!    statuses mapped, unknown owners) and names the count; the import runs
//!    with that count as its `expect` (A14), so a file changed in between
//!    is refused, not half-imported.
//!
//! Every answer is data ([`ImportThen`]): the file and the mappings chosen
//! so far travel with the question.

use std::path::{Path, PathBuf};

use crate::config::{self, Config};
use crate::config_edit::{MapTable, save_import_map};
use crate::core::error::{Error, Result};
use crate::core::import::{self, ImportOptions, ImportReport, UnknownStatus};
use crate::core::{Ctx, Store, rights, stages};
use crate::tui::flow::{Answer, Env, ImportThen, Pending, Pick, Then, plural};
use crate::tui::modal::{Confirm, Modal, Step, choose, prompt};
use crate::tui::run::thousands;
use crate::tui::widgets::fit;
use crate::tui::widgets::picker::Choice;

/// Lines of each kind the confirm lists before "… and N more".
const LISTED: usize = 3;

/// `i`: ask for the file (agents may not import).
pub fn start(env: &Env<'_>) -> Result<Step> {
    rights::require(env.ctx, rights::Action::Import)?;
    Ok(Step::Open(prompt::ask("Import a CSV file: its path", "", Then::Import(ImportThen::File))))
}

/// The next question after an answer.
pub fn resume(then: ImportThen, answer: Answer, env: &mut Env<'_>) -> Result<Option<Step>> {
    match (then, answer) {
        (ImportThen::File, Answer::Text(text)) => {
            if text.is_empty() {
                return Err(Error::invalid("type the path of a CSV file (Esc cancels)"));
            }
            let file = expand_home(&text);
            std::fs::read(&file).map_err(|source| Error::Io { path: file.clone(), source })?;
            next(env, file, Vec::new(), None).map(Some)
        }
        (ImportThen::Status { file, mut chosen, status }, Answer::Pick(Pick::Name(stage))) => {
            chosen.push((status, stage));
            next(env, file, chosen, None).map(Some)
        }
        (ImportThen::Save { file, chosen }, Answer::Pick(pick)) => {
            let save = pick == Pick::Name(SAVE.to_string());
            next(env, file, chosen, Some(save)).map(Some)
        }
        _ => Ok(None),
    }
}

/// The value of the "save" choice.
const SAVE: &str = "save";

/// Dry-run `file` with the config's maps and `chosen`, then ask what is
/// still open: a status to map, whether to save, or the confirm.
fn next(env: &mut Env<'_>, file: PathBuf, chosen: Vec<(String, String)>, save: Option<bool>) -> Result<Step> {
    let status_map = with_config(env.config, &chosen);
    let report = dry_run(env.store, env.ctx, env.config, &file, &status_map)?;
    if let Some(unknown) = report.unknown_statuses.first() {
        let picker = stage_picker(env.store, unknown, report.unknown_statuses.len(), file, chosen)?;
        return Ok(Step::Open(picker));
    }
    let config_file = env.config.file.clone().or_else(config::default_config_path);
    let save_to = match (save, &config_file) {
        (None, Some(path)) if !chosen.is_empty() => {
            let choices = vec![
                Choice {
                    label: "Save to the config file".into(),
                    detail: "the next export needs no mapping".into(),
                    value: Pick::Name(SAVE.into()),
                },
                Choice {
                    label: "Only for this import".into(),
                    detail: String::new(),
                    value: Pick::Name("once".into()),
                },
            ];
            let home = std::env::var_os("HOME").map(PathBuf::from);
            let title = save_question(chosen.len(), path, home.as_deref());
            return Ok(Step::Open(choose::choose(title, choices, Then::Import(ImportThen::Save { file, chosen }))));
        }
        (Some(true), Some(path)) => Some(path.clone()),
        _ => None,
    };
    if report.created == 0 {
        let why = report.rejected.first().map_or(String::new(), |r| format!(" (line {}: {})", r.line, r.error));
        return Ok(Step::Say(format!(
            "nothing to import: {} of {} rows are rejected{why}",
            thousands(report.rejected.len()),
            thousands(report.rows)
        )));
    }
    let title = format!(
        "Import {} lead{} from {}?",
        thousands(report.created),
        plural(report.created),
        file.file_name().map_or_else(|| file.display().to_string(), |n| n.to_string_lossy().into_owned())
    );
    let mut lines = summary(&report);
    if let Some(path) = &save_to {
        lines.push(format!("the status mapping will be saved to {}", path.display()));
    }
    let owner_map = options(env.config, &[], false).owner_map;
    let pending = Pending::Import {
        file,
        status_map,
        owner_map,
        save: save_to.map(|path| (path, chosen)),
        expect: report.created,
    };
    Ok(Step::Open(Modal::Confirm(Confirm::new(title, lines, pending))))
}

/// The config's `[import.status_map]`, then what was chosen here (later wins).
fn with_config(config: &Config, chosen: &[(String, String)]) -> Vec<(String, String)> {
    config.import.status_map.iter().map(|(from, to)| (from.clone(), to.clone())).chain(chosen.iter().cloned()).collect()
}

fn options(config: &Config, status_map: &[(String, String)], dry_run: bool) -> ImportOptions {
    ImportOptions {
        dry_run,
        status_map: status_map.to_vec(),
        owner_map: config.import.owner_map.iter().map(|(from, to)| (from.clone(), to.clone())).collect(),
        ..ImportOptions::default()
    }
}

fn dry_run(
    store: &mut Store,
    ctx: &Ctx,
    config: &Config,
    file: &Path,
    status_map: &[(String, String)],
) -> Result<ImportReport> {
    let bytes = std::fs::read(file).map_err(|source| Error::Io { path: file.to_path_buf(), source })?;
    import::import(store, ctx, &bytes, &options(config, status_map, true))
}

/// Our stages for one unknown status, the suggested one on top.
fn stage_picker(
    store: &Store,
    unknown: &UnknownStatus,
    left: usize,
    file: PathBuf,
    chosen: Vec<(String, String)>,
) -> Result<Modal> {
    let mut choices: Vec<Choice<Pick>> = stages::list(store.conn())?
        .into_iter()
        .map(|s| Choice {
            detail: if s.name == unknown.suggested { "suggested".into() } else { String::new() },
            value: Pick::Name(s.name.clone()),
            label: s.name,
        })
        .collect();
    choices.sort_by_key(|c| c.detail.is_empty());
    let title = stage_question(unknown, left);
    let then = Then::Import(ImportThen::Status { file, chosen, status: unknown.status.clone() });
    Ok(choose::choose(title, choices, then))
}

/// Longest status name a stage picker's title quotes whole: with the
/// counts after it the title fits an 80-column window.
const QUOTED: usize = 30;

/// "Map 'OPEN_DEAL' (1,250 rows; 2 statuses left) to": a long
/// status name is cut with … so that its counts always show.
fn stage_question(unknown: &UnknownStatus, left: usize) -> String {
    format!(
        "Map '{}' ({} row{}; {left} status{} left) to",
        fit::clip(&crate::core::error::shown(&unknown.status), QUOTED),
        thousands(unknown.rows),
        plural(unknown.rows),
        if left == 1 { "" } else { "es" }
    )
}

/// Longest title a picker shows whole in an 80-column window (its box's
/// borders and padding take four).
const TITLE_ROOM: usize = 76;

/// "Save the 2 status mappings to ~/.config/leadrota/config.toml?": the
/// question names the file, `~` for the home folder, and a long path gives
/// up its start (`…/leadrota/config.toml`) so the file name and the
/// question mark always show.
fn save_question(mappings: usize, path: &Path, home: Option<&Path>) -> String {
    let shown = match home.and_then(|home| path.strip_prefix(home).ok()) {
        Some(rest) if !rest.as_os_str().is_empty() => Path::new("~").join(rest).display().to_string(),
        _ => path.display().to_string(),
    };
    let question = format!("Save the {mappings} status mapping{} to ", plural(mappings));
    let room = TITLE_ROOM.saturating_sub(question.chars().count() + 1);
    format!("{question}{}?", fit::clip_start(&shown, room))
}

/// The dry run's report as the confirm's lines.
fn summary(r: &ImportReport) -> Vec<String> {
    let mut lines = vec![format!(
        "{} of {} rows will be imported, {} rejected",
        thousands(r.created),
        thousands(r.rows),
        thousands(r.rejected.len())
    )];
    if let Some(first) = r.rejected.first() {
        lines.push(format!("first rejected: line {}: {}", first.line, first.error));
    }
    let owned: usize = r.owners.iter().map(|o| o.leads).sum();
    let mut owners: Vec<String> =
        r.owners.iter().take(LISTED).map(|o| format!("{} {}", o.owner, thousands(o.leads))).collect();
    if r.owners.len() > LISTED {
        owners.push(format!("… {} more", r.owners.len() - LISTED));
    }
    owners.push(format!("{} without an owner", thousands(r.created.saturating_sub(owned))));
    lines.push(format!("owners: {}", owners.join(", ")));
    for m in r.mapped_statuses.iter().take(LISTED) {
        let (from, rows) = (crate::core::error::shown(&m.from), thousands(m.rows));
        lines.push(format!("status {from} → {} ({rows} row{})", m.to, plural(m.rows)));
    }
    for u in r.unknown_owners.iter().take(LISTED) {
        let closest = if u.closest.is_empty() { String::new() } else { format!("; closest: {}", u.closest.join(", ")) };
        lines.push(format!(
            "unknown owner {} ({} row{} skipped{closest})",
            crate::core::error::shown(&u.owner),
            thousands(u.rows),
            plural(u.rows)
        ));
    }
    lines
}

/// `~/x.csv` is in the home folder, as in a shell.
fn expand_home(text: &str) -> PathBuf {
    match (text.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(text),
    }
}

/// What the confirmed import runs with.
#[derive(Debug, Clone)]
pub struct Confirmed<'a> {
    pub file: &'a Path,
    pub status_map: &'a [(String, String)],
    pub owner_map: &'a [(String, String)],
    /// The config file, and the mappings chosen in the console to save there.
    pub save: Option<&'a (PathBuf, Vec<(String, String)>)>,
    /// The rows the confirm counted.
    pub expect: usize,
}

/// The confirmed import: exactly the rows the confirm counted, then the
/// mapping saved when asked.
pub fn execute(store: &mut Store, ctx: &Ctx, c: Confirmed<'_>) -> Result<String> {
    let bytes = std::fs::read(c.file).map_err(|source| Error::Io { path: c.file.to_path_buf(), source })?;
    let ctx = ctx.guarded(c.expect, None);
    let opts = ImportOptions {
        status_map: c.status_map.to_vec(),
        owner_map: c.owner_map.to_vec(),
        ..ImportOptions::default()
    };
    let r = import::import(store, &ctx, &bytes, &opts)?;
    let mut message = format!("imported {} lead{}", thousands(r.created), plural(r.created));
    if let Some(batch) = r.batch {
        message.push_str(&format!(" (batch {batch})"));
    }
    message.push_str(&format!(", {} rejected", thousands(r.rejected.len())));
    if let Some((path, chosen)) = c.save {
        save_import_map(path, store.path(), MapTable::Status, chosen)?;
        message.push_str(&format!("; mapping saved to {}", path.display()));
    }
    Ok(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stage_question_cuts_a_long_status_and_keeps_a_seven_digit_count() {
        let unknown = UnknownStatus {
            status: "Qualified – awaiting procurement sign-off".into(),
            rows: 1_234_567,
            first_line: 2,
            suggested: "Qualified".into(),
            flag: String::new(),
        };
        let title = stage_question(&unknown, 3);
        assert_eq!(title, "Map 'Qualified – awaiting procurem…' (1,234,567 rows; 3 statuses left) to");
        // Inside an 80-column window with the box's borders and padding.
        assert!(title.chars().count() + 4 <= 80, "{title}");
    }

    #[test]
    fn the_save_question_names_the_config_file_from_home_and_keeps_its_name() {
        let home = Path::new("/home/maria");
        let usual = Path::new("/home/maria/.config/leadrota/config.toml");
        assert_eq!(
            save_question(2, usual, Some(home)),
            "Save the 2 status mappings to ~/.config/leadrota/config.toml?"
        );
        assert_eq!(
            save_question(1, usual, None),
            "Save the 1 status mapping to /home/maria/.config/leadrota/config.toml?"
        );
        let deep = PathBuf::from(format!("/srv/{}/leadrota.toml", "offices/emea/".repeat(8)));
        let title = save_question(2, &deep, Some(home));
        assert!(title.chars().count() <= TITLE_ROOM, "{title}");
        assert!(title.starts_with("Save the 2 status mappings to …") && title.ends_with("/leadrota.toml?"), "{title}");
    }
}
