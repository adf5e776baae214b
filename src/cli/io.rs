//! import and export.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::Path;

use serde_json::json;

use super::Session;
use super::args::{FilterArgs, ImportArgs};
use super::output::print_json;
use crate::config;
use crate::config_edit::{MapTable, save_import_map};
use crate::core::error::{Error, Result};
use crate::core::export::{self, Cells};
use crate::core::import::{self, Encoding, ImportOptions, ImportReport};
use crate::core::safe_file::{self, IfExists};
use crate::core::stages;

/// Rejected rows and unassigned leads shown in the human summary (`--json` lists all).
const SHOWN: usize = 20;

pub fn import(s: &mut Session, a: &ImportArgs) -> Result<()> {
    let bytes = read_input(&a.file)?;
    let opts = ImportOptions {
        assignee: a.assignee.clone(),
        route: a.route,
        dry_run: a.dry_run,
        strict: a.strict,
        status_map: with_config(&s.config.import.status_map, &a.map_status),
        owner_map: with_config(&s.config.import.owner_map, &a.map_owner),
    };
    s.ctx.expect = a.expect;
    if a.seed.is_some() && !a.route {
        return Err(Error::invalid("--seed repeats a routed import's draws: it goes with --route"));
    }
    s.ctx.seed = a.seed;
    let r = import::import(&mut s.store, &s.ctx, &bytes, &opts)?;
    if s.json {
        print_json(&import_json(&r))?;
    } else {
        let stages: Vec<String> = stages::list(s.store.conn())?.into_iter().map(|st| st.name).collect();
        print_import(&r, &stages);
    }
    if r.aborted {
        return Err(Error::invalid(format!(
            "{} of {} rows are bad; nothing was imported (--strict)",
            r.rejected.len(),
            r.rows
        )));
    }
    if a.save_mapping {
        save_mapping(s, a)?;
    }
    Ok(())
}

/// `--save-mapping`: the flags go into the config for the next files.
fn save_mapping(s: &Session, a: &ImportArgs) -> Result<()> {
    let file = s.config.file.clone().or_else(config::default_config_path).ok_or_else(|| {
        Error::invalid("there is no config file to save the mapping to; pass --config PATH".to_string())
    })?;
    save_import_map(&file, s.store.path(), MapTable::Status, &a.map_status)?;
    save_import_map(&file, s.store.path(), MapTable::Owner, &a.map_owner)?;
    if !s.json {
        let n = a.map_status.len() + a.map_owner.len();
        println!("saved {n} mapping{} to {}", if n == 1 { "" } else { "s" }, file.display());
    }
    Ok(())
}

/// The config's map entries, then the flags' (the core lets later ones win).
fn with_config(config: &BTreeMap<String, String>, flags: &[(String, String)]) -> Vec<(String, String)> {
    config.iter().map(|(from, to)| (from.clone(), to.clone())).chain(flags.iter().cloned()).collect()
}

fn read_input(path: &Path) -> Result<Vec<u8>> {
    let io_error = |source| Error::Io { path: path.to_path_buf(), source };
    if path == Path::new("-") {
        let mut bytes = Vec::new();
        std::io::stdin().read_to_end(&mut bytes).map_err(io_error)?;
        return Ok(bytes);
    }
    if path.is_dir() {
        return Err(Error::invalid(format!("{} is a directory, not a CSV file", path.display())));
    }
    std::fs::read(path).map_err(io_error)
}

pub fn import_json(r: &ImportReport) -> serde_json::Value {
    json!({
        "batch": r.batch,
        "created": r.created,
        "assigned": r.assigned.iter().map(|p| json!({"lead": p.lead, "owner": p.owner, "rule": p.rule})).collect::<Vec<_>>(),
        "unassigned": r.unassigned.iter().map(|u| json!({"lead": u.lead, "reason": u.reason})).collect::<Vec<_>>(),
        "rejected": r.rejected.iter().map(|x| json!({"line": x.line, "error": x.error})).collect::<Vec<_>>(),
        "rows": r.rows,
        "ignored_columns": r.ignored_columns,
        "encoding": r.encoding.as_str(),
        "delimiter": r.delimiter.to_string(),
        "dry_run": r.dry_run,
        "aborted": r.aborted,
        "owners": r.owners,
        "mapped_statuses": r.mapped_statuses,
        "unknown_statuses": r.unknown_statuses,
        "unknown_owners": r.unknown_owners,
        "seed": r.seed,
    })
}

/// Column names listed in the human summary.
const COLUMNS_SHOWN: usize = 12;

fn rows(n: usize) -> String {
    if n == 1 { "1 row".to_string() } else { format!("{n} rows") }
}

fn print_import(r: &ImportReport, stages: &[String]) {
    if r.encoding == Encoding::Windows1252 {
        println!("note: the file is not UTF-8; it was read as Windows-1252 (Latin-1)");
    }
    if !r.ignored_columns.is_empty() {
        let mut names: Vec<String> =
            r.ignored_columns.iter().take(COLUMNS_SHOWN).map(|c| crate::core::error::shown(c).into_owned()).collect();
        if r.ignored_columns.len() > COLUMNS_SHOWN {
            names.push(format!("and {} more", r.ignored_columns.len() - COLUMNS_SHOWN));
        }
        println!("ignored columns: {}", names.join(", "));
    }
    let verb = if r.aborted {
        "would have been imported; nothing was written".to_string()
    } else if r.dry_run {
        "would be imported (dry run: nothing written)".to_string()
    } else {
        match r.batch {
            Some(b) => format!("imported (batch {b}; `leadrota activity --batch {b}` shows it)"),
            None => "imported".to_string(),
        }
    };
    let created = if r.aborted { r.rows - r.rejected.len() } else { r.created };
    println!("{created} of {} rows {verb}, {} rejected", r.rows, r.rejected.len());
    if !r.aborted && (r.created > 0) {
        println!("  {} assigned, {} left unassigned", r.assigned.len(), r.created - r.assigned.len());
    }
    for o in &r.owners {
        println!("    {:<20} {}", o.owner, o.leads);
    }
    for u in r.unassigned.iter().take(SHOWN) {
        println!("  #{:<8} unassigned: {}", u.lead, u.reason);
    }
    if r.unassigned.len() > SHOWN {
        println!("  … and {} more unassigned (--json lists all)", r.unassigned.len() - SHOWN);
    }
    if let Some(seed) = r.seed.filter(|_| r.dry_run && !r.aborted) {
        println!("to import exactly this: add --expect {created} --seed {seed}");
    }
    print_mapping_advice(r, stages);
    for x in r.rejected.iter().take(SHOWN) {
        println!("  line {:<6} rejected: {}", x.line, x.error);
    }
    if r.rejected.len() > SHOWN {
        println!("  … and {} more rejected rows (--json lists all)", r.rejected.len() - SHOWN);
    }
}

/// The migration assistant: what the status map did, and the flags that
/// would take the statuses and owners nothing takes yet.
fn print_mapping_advice(r: &ImportReport, stages: &[String]) {
    if !r.mapped_statuses.is_empty() {
        println!("statuses mapped:");
        for m in &r.mapped_statuses {
            println!("  {} → {} ({})", crate::core::error::shown(&m.from), m.to, rows(m.rows));
        }
    }
    if !r.unknown_statuses.is_empty() {
        println!(
            "unknown statuses (our stages: {}); check each suggested stage, add the flags, run again:",
            stages.join(", ")
        );
        for u in &r.unknown_statuses {
            println!("  {:<32} {}", format!("{} ({})", crate::core::error::shown(&u.status), rows(u.rows)), u.flag);
        }
        if r.unknown_statuses.len() > 1 {
            let all: Vec<&str> = r.unknown_statuses.iter().map(|u| u.flag.as_str()).collect();
            println!("  all of them: {}", all.join(" "));
        }
    }
    if !r.unknown_owners.is_empty() {
        println!("unknown owners: no user has these names or emails:");
        for u in &r.unknown_owners {
            let what = format!("{} ({})", crate::core::error::shown(&u.owner), rows(u.rows));
            match &u.flag {
                Some(flag) => println!("  {what:<32} closest: {}; {flag}", u.closest.join(", ")),
                None if u.owner.contains('@') => println!(
                    "  {what:<32} no similar user; add one: leadrota user add NAME --email {}",
                    import::shell_quote(&u.owner)
                ),
                None => println!(
                    "  {what:<32} no similar user; add one: leadrota user add {}",
                    import::shell_quote(&u.owner)
                ),
            }
        }
    }
}

pub fn export(s: &Session, filter: &FilterArgs, output: Option<&Path>, cells: Cells) -> Result<()> {
    let filter = filter.spec().resolve(s.store.conn(), &s.ctx)?;
    let Some(path) = output.filter(|p| *p != Path::new("-")) else {
        let stdout = std::io::stdout().lock();
        export::write_csv(s.store.conn(), &filter, cells, std::io::BufWriter::new(stdout))?;
        return Ok(());
    };
    // Through the safe writer: never the database, a link or a device, and
    // never half a file.
    let n = safe_file::write(s.store.path(), path, IfExists::Replace, |file, _| {
        export::write_csv(s.store.conn(), &filter, cells, std::io::BufWriter::new(file)).map_err(|e| match e {
            Error::Invalid(why) => Error::Invalid(format!("{why}; nothing was written to {}", path.display())),
            other => other,
        })
    })?;
    if s.json {
        print_json(&json!({"exported": n, "file": path.display().to_string()}))
    } else {
        let _ = writeln!(std::io::stdout(), "exported {n} leads to {}", path.display());
        Ok(())
    }
}
