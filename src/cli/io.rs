//! import and export.

use std::io::{Read, Write};
use std::path::Path;

use serde_json::json;

use super::Session;
use super::args::{FilterArgs, ImportArgs};
use super::output::print_json;
use crate::core::error::{Error, Result};
use crate::core::export;
use crate::core::import::{self, Encoding, ImportOptions, ImportReport};
use crate::core::safe_file::{self, IfExists};

/// Rejected rows and unassigned leads shown in the human summary (`--json` lists all).
const SHOWN: usize = 20;

pub fn import(s: &mut Session, a: &ImportArgs) -> Result<()> {
    let bytes = read_input(&a.file)?;
    let opts = ImportOptions { assignee: a.assignee.clone(), route: a.route, dry_run: a.dry_run, strict: a.strict };
    let r = import::import(&mut s.store, &s.ctx, &bytes, &opts)?;
    if s.json {
        print_json(&import_json(&r))?;
    } else {
        print_import(&r);
    }
    if r.aborted {
        return Err(Error::invalid(format!(
            "{} of {} rows are bad; nothing was imported (--strict)",
            r.rejected.len(),
            r.rows
        )));
    }
    Ok(())
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
    })
}

fn print_import(r: &ImportReport) {
    if r.encoding == Encoding::Windows1252 {
        println!("note: the file is not UTF-8; it was read as Windows-1252 (Latin-1)");
    }
    if !r.ignored_columns.is_empty() {
        println!("ignored columns: {}", r.ignored_columns.join(", "));
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
    let mut per_owner: Vec<(&str, usize)> = Vec::new();
    for p in &r.assigned {
        match per_owner.iter_mut().find(|(o, _)| *o == p.owner) {
            Some((_, n)) => *n += 1,
            None => per_owner.push((&p.owner, 1)),
        }
    }
    for (owner, n) in per_owner {
        println!("    {owner:<20} {n}");
    }
    for u in r.unassigned.iter().take(SHOWN) {
        println!("  #{:<8} unassigned: {}", u.lead, u.reason);
    }
    if r.unassigned.len() > SHOWN {
        println!("  … and {} more unassigned (--json lists all)", r.unassigned.len() - SHOWN);
    }
    for x in r.rejected.iter().take(SHOWN) {
        println!("  line {:<6} rejected: {}", x.line, x.error);
    }
    if r.rejected.len() > SHOWN {
        println!("  … and {} more rejected rows (--json lists all)", r.rejected.len() - SHOWN);
    }
}

pub fn export(s: &Session, filter: &FilterArgs, output: Option<&Path>) -> Result<()> {
    let filter = filter.spec().resolve(s.store.conn(), &s.ctx)?;
    let Some(path) = output.filter(|p| *p != Path::new("-")) else {
        let stdout = std::io::stdout().lock();
        export::write_csv(s.store.conn(), &filter, std::io::BufWriter::new(stdout))?;
        return Ok(());
    };
    // Through the safe writer: never the database, a link or a device, and
    // never half a file.
    let n = safe_file::write(s.store.path(), path, IfExists::Replace, |file, _| {
        export::write_csv(s.store.conn(), &filter, std::io::BufWriter::new(file))
    })?;
    if s.json {
        print_json(&json!({"exported": n, "file": path.display().to_string()}))
    } else {
        let _ = writeln!(std::io::stdout(), "exported {n} leads to {}", path.display());
        Ok(())
    }
}
