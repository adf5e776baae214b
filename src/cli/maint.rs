//! doctor and backup: looking after the database file.

use std::path::Path;

use serde_json::json;

use super::Session;
use super::output::print_json;
use crate::core::backup;
use crate::core::doctor::{self, DoctorOptions, DoctorReport};
use crate::core::error::{Error, Result};

/// Check the database; a problem is printed and makes the exit code 1.
pub fn doctor(s: &Session, quick: bool) -> Result<()> {
    let report = doctor::check(&s.store, s.ctx.tz, DoctorOptions { quick })?;
    if s.json {
        print_json(&json!(report))?;
    } else {
        print_doctor(&report);
    }
    if report.is_healthy() {
        return Ok(());
    }
    let n = report.problems.len();
    Err(Error::invalid(format!(
        "doctor found {n} problem{} in {} (see above); keep a copy of the file before changing anything",
        if n == 1 { "" } else { "s" },
        report.path
    )))
}

fn print_doctor(r: &DoctorReport) {
    let c = |name: &str| r.counts.get(name).copied().unwrap_or(0);
    println!("database     {}", r.path);
    println!(
        "schema       version {} (this build: {}), application id {:#x}",
        r.schema_version, r.known_schema_version, r.application_id
    );
    println!(
        "storage      journal {}, {} pages of {} bytes ({} free)",
        r.journal_mode, r.page_count, r.page_size, r.freelist_count
    );
    println!("integrity    {}", r.integrity.join("; "));
    println!("leads        {} ({} unassigned), {} tags", c("leads"), c("leads_unassigned"), c("lead_tags"));
    println!(
        "team         {} users ({} active), {} groups, {} memberships, {} rules",
        c("users"),
        c("users_active"),
        c("user_groups"),
        c("memberships"),
        c("rules")
    );
    println!(
        "history      {} batches ({} undone), {} activity rows, {} deliveries, {} notifications",
        c("batches"),
        c("batches_undone"),
        c("activity"),
        c("deliveries"),
        c("notifications")
    );
    const CHECKS: [&str; 12] = [
        "integrity",
        "schema",
        "journal",
        "orphans",
        "search",
        "ownership",
        "deliveries",
        "limits",
        "caps",
        "shifts",
        "reclaim",
        "rotations",
    ];
    // A finding of a check not listed here is still printed, never dropped.
    let others = r.problems.iter().chain(&r.warnings).map(|f| f.check).filter(|c| !CHECKS.contains(c));
    let mut others: Vec<&str> = others.collect();
    others.sort_unstable();
    others.dedup();
    for check in CHECKS.into_iter().chain(others) {
        let problems: Vec<_> = r.problems.iter().filter(|f| f.check == check).collect();
        let warnings: Vec<_> = r.warnings.iter().filter(|f| f.check == check).collect();
        if problems.is_empty() && warnings.is_empty() {
            println!("{check:<12} ok");
        }
        for f in problems {
            println!("{check:<12} PROBLEM: {}", f.detail);
        }
        for f in warnings {
            println!("{check:<12} warning: {}", f.detail);
        }
    }
}

/// Write a consistent copy of the live database to `file`.
pub fn backup(s: &Session, file: &Path, force: bool) -> Result<()> {
    let r = backup::backup(&s.store, &s.ctx, file, force)?;
    if s.json {
        return print_json(&json!(r));
    }
    println!(
        "backed up {} to {} ({} leads, {} KiB, schema {})",
        r.source,
        r.backup.display(),
        r.leads,
        r.bytes.div_ceil(1024),
        r.schema_version
    );
    Ok(())
}
