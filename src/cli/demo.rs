use super::args::{Cli, DemoArgs};
use super::open_session;
use crate::config;
use crate::core::demo::{self, DemoOptions};
use crate::core::error::{Error, Result};
use crate::core::filter::Filter;
use crate::core::leads;

/// `demo` writes to its own file (never the everyday database) unless `--db` names one.
pub fn run(cli: &Cli, a: &DemoArgs) -> Result<()> {
    let default_path = config::default_database_path().with_file_name("demo.db");
    let path = cli.db.clone().unwrap_or(default_path);
    if a.fresh && path.exists() {
        {
            let s = open_session(cli, Some(path.clone()))?;
            if !is_demo(&s.store)? {
                return Err(Error::invalid(format!(
                    "{} holds data that demo did not create; --fresh only replaces demo databases",
                    path.display()
                )));
            }
        }
        for suffix in ["", "-wal", "-shm"] {
            let file = std::path::PathBuf::from(format!("{}{suffix}", path.display()));
            if file.exists() {
                std::fs::remove_file(&file).map_err(|source| Error::Io { path: file.clone(), source })?;
            }
        }
    }
    let mut s = open_session(cli, Some(path.clone()))?;
    let fresh =
        leads::count(s.store.conn(), &Filter::default())? == 0 && crate::core::users::list(s.store.conn())?.is_empty();
    if fresh {
        let started = std::time::Instant::now();
        // Two years of made-up hand-outs are no news for the office's notify_command.
        s.store.set_notify_command(None);
        let summary = demo::generate(&mut s.store, &s.ctx, &DemoOptions { leads: a.leads, seed: a.seed });
        s.store.set_notify_command(s.config.notify_command.as_deref());
        let summary = summary?;
        println!(
            "created {} in {:.1} s: {} leads ({} unassigned), {} users, {} groups, {} routing rules, {} activity rows",
            path.display(),
            started.elapsed().as_secs_f64(),
            summary.leads,
            summary.unassigned,
            summary.users,
            summary.groups,
            summary.rules,
            summary.activity
        );
    } else if is_demo(&s.store)? {
        println!("reusing the demo database {} (--fresh to rebuild it)", path.display());
    } else {
        return Err(Error::invalid(format!(
            "{} already holds data; demo only fills a new file (choose another --db)",
            path.display()
        )));
    }
    // Piped or scripted, the demo says how to explore it instead of opening a console nobody sees.
    if !a.no_tui && crate::tui::has_terminal() {
        return crate::tui::run(s.store, s.ctx, s.config);
    }
    println!("try:");
    let db = shell_quote(&path.display().to_string());
    println!("  leadrota --db {db} lead list --unassigned --limit 20");
    println!("  leadrota --db {db} user list");
    println!("  leadrota --db {db} activity --limit 20");
    Ok(())
}

fn is_demo(store: &crate::core::Store) -> Result<bool> {
    Ok(store.conn().query_row("SELECT EXISTS (SELECT 1 FROM batches WHERE command = 'demo')", [], |r| r.get(0))?)
}

fn shell_quote(text: &str) -> String {
    if text.chars().all(|c| c.is_ascii_alphanumeric() || "/._-~".contains(c)) {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}
