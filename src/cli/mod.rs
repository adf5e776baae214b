//! The headless CLI: one small function per subcommand over the core.

mod activity;
pub mod args;
mod assign;
mod demo;
mod group;
pub mod help;
mod io;
mod lead;
mod maint;
mod notifications;
mod output;
mod report;
mod rule;
mod shell;
mod user;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::FromArgMatches;

use crate::config::{self, Config};
use crate::core::context::{Actor, Ctx};
use crate::core::error::{Error, Result};
use crate::core::export::Cells;
use crate::core::rights::{self, Action};
use crate::core::{Store, settings, time, users};
use args::{Cli, Command, UserCommand};

/// Everything a subcommand needs: the open store, the context, the config.
pub struct Session {
    pub store: Store,
    pub ctx: Ctx,
    pub config: Config,
    pub json: bool,
}

/// Parse the process arguments, run, and map the outcome to an exit code:
/// 0 on success, 1 with one line on stderr for anything the user can fix.
pub fn main() -> ExitCode {
    let cli = match help::command().try_get_matches().and_then(|m| Cli::from_arg_matches(&m)) {
        Ok(cli) => cli,
        Err(e) => return clap_exit(&e),
    };
    match cli.with_db_from_env().and_then(run) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // Whatever was printed goes out before the closing error line.
            let _ = std::io::stdout().flush();
            let message = e.to_string().replace('\n', " ");
            let _ = writeln!(std::io::stderr(), "error: {message}");
            ExitCode::from(1)
        }
    }
}

fn clap_exit(e: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            ExitCode::SUCCESS
        }
        _ => {
            let rendered = e.render().to_string();
            let first = rendered.lines().find(|l| !l.trim().is_empty()).unwrap_or("error: invalid arguments");
            let first = first.trim_start_matches("error: ");
            let _ = writeln!(std::io::stderr(), "error: {first} (see --help)");
            ExitCode::from(1)
        }
    }
}

pub fn run(cli: Cli) -> Result<()> {
    let Some(command) = cli.command.as_ref() else {
        let s = open_session(&cli, None)?;
        return crate::tui::run(s.store, s.ctx, s.config);
    };
    // Every subcommand that opens the database asks the rights table before it runs.
    let session = || -> Result<Session> {
        let s = open_session(&cli, None)?;
        if let Some(action) = action_of(command) {
            rights::require(&s.ctx, action)?;
        }
        Ok(s)
    };
    match command {
        Command::Demo(a) => demo::run(&cli, a),
        Command::User(c) => user::run(&mut session()?, c),
        Command::Lead(c) => lead::run(&mut session()?, c),
        Command::Activity(a) => activity::run(&session()?, a),
        Command::Assign { to, target } => assign::assign(&mut session()?, to, target),
        Command::Reassign { to, from, target } => assign::reassign(&mut session()?, to, from.as_deref(), target),
        Command::Unassign { target } => assign::unassign(&mut session()?, target),
        Command::Rotate { group, target, preview } => assign::rotate(&mut session()?, group, target, preview),
        Command::Route { filter, preview, guard } => assign::route(&mut session()?, filter, preview, guard),
        Command::Reclaim { preview, guard } => assign::reclaim(&mut session()?, preview, guard),
        Command::Pickup { ids } => assign::pickup(&mut session()?, ids),
        Command::Undo => assign::undo(&mut session()?),
        Command::Doctor { quick } => maint::doctor(&session()?, *quick),
        Command::Backup { file, force } => maint::backup(&session()?, file, *force),
        Command::Group(c) => group::run(&mut session()?, c),
        Command::Rule(c) => rule::run(&mut session()?, c),
        Command::Routing { command } => rule::routing(&mut session()?, command),
        Command::Import(a) => io::import(&mut session()?, a),
        Command::Export { filter, output, raw } => {
            let cells = if *raw { Cells::Raw } else { Cells::SpreadsheetSafe };
            io::export(&session()?, filter, output.as_deref(), cells)
        }
        Command::Report { command } => report::run(&session()?, command),
        Command::Notifications { unread, limit } => notifications::run(&mut session()?, *unread, *limit),
        Command::Completions { shell } => shell::completions(*shell),
        Command::Man => shell::man(),
    }
}

/// The right a subcommand needs (V6: the rights table of `core::rights`),
/// asked before it runs; the core asks again, and narrower (an agent's own
/// leads, their own batch). `None` for what opens no database.
fn action_of(command: &Command) -> Option<Action> {
    use args::{GroupCommand as G, LeadCommand as L, ReportCommand as R, RoutingCommand as Rt, RuleCommand as Ru};
    Some(match command {
        Command::Completions { .. } | Command::Man => return None,
        Command::Demo(_) => Action::Demo,
        Command::User(UserCommand::List) => Action::SeeTeam,
        Command::User(_) => Action::ManageUsers,
        Command::Lead(L::Add(_)) => Action::AddLead,
        Command::Lead(L::List { .. } | L::Show { .. } | L::Explain { .. }) | Command::Activity(_) => Action::SeeLeads,
        Command::Lead(L::Move { .. } | L::Note { .. }) => Action::WorkLead,
        Command::Assign { .. } | Command::Reassign { .. } | Command::Unassign { .. } => Action::Assign,
        Command::Rotate { .. } | Command::Reclaim { .. } => Action::Rotate,
        Command::Route { .. } => Action::Route,
        Command::Pickup { .. } => Action::PickUp,
        Command::Undo => Action::UndoOwnBatch,
        Command::Doctor { .. } => Action::Doctor,
        Command::Backup { .. } => Action::Backup,
        Command::Group(G::List | G::Show { .. }) => Action::SeeTeam,
        Command::Group(_) => Action::ManageGroups,
        Command::Rule(Ru::List) => Action::SeeTeam,
        Command::Rule(_) => Action::ManageRules,
        Command::Routing { command: Rt::Status } => Action::SeeTeam,
        Command::Routing { .. } => Action::ChangeSettings,
        Command::Import(_) => Action::Import,
        Command::Export { .. } => Action::Export,
        Command::Report { command: R::Workload { .. } } => Action::SeeWorkload,
        Command::Report { command: R::Unassigned { .. } } => Action::SeeLeads,
        Command::Notifications { .. } => Action::ReadNotifications,
    })
}

/// Logs go to `leadrota.log` beside the database, as the console's do.
fn log_beside_database(store: &Store) {
    let Some(dir) = store.path().parent().filter(|d| d.is_dir()) else { return };
    let appender = tracing_appender::rolling::never(dir, "leadrota.log");
    let _ = tracing_subscriber::fmt().with_writer(appender).with_ansi(false).try_init();
}

/// Open the database named by `--db`, `LEADROTA_DB`, the config or the
/// platform default (in that order), and resolve the acting user and clock.
pub fn open_session(cli: &Cli, db_default: Option<PathBuf>) -> Result<Session> {
    let config = Config::load(cli.config.as_deref())?;
    // Parse everything the user typed before touching the database.
    let pinned_now = cli.now.as_deref().map(time::parse_now).transpose()?;
    let path =
        cli.db.clone().or(db_default).or_else(|| config.database.clone()).unwrap_or_else(config::default_database_path);
    let mut store = Store::open(&path)?;
    if config.notify_command.is_some() {
        // A notify_command that fails is logged, never shown: the command succeeded.
        log_beside_database(&store);
    }
    store.set_notify_command(config.notify_command.as_deref());
    let tz = match &config.timezone {
        Some(name) => time::parse_tz(name)?,
        None => match settings::get(store.conn(), settings::TIMEZONE)?.filter(|s| !s.is_empty()) {
            Some(name) => time::parse_tz(&name)?,
            None => time::system_tz(),
        },
    };
    let actor = match cli.acting_user.as_deref().or(config.acting_user.as_deref()) {
        None => Actor::System,
        Some(name) if name.eq_ignore_ascii_case("system") => Actor::System,
        Some(name) => {
            let user = users::find(store.conn(), name)?;
            if !user.active {
                return Err(Error::invalid(format!("user '{}' is deactivated and cannot act", user.name)));
            }
            Actor::User(user)
        }
    };
    let ctx = Ctx { actor, pinned_now, notify_on_assign: config.notify_on_assign, ..Ctx::new(tz) };
    Ok(Session { store, ctx, config, json: cli.json })
}
