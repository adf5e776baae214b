//! The command-line contract (SPEC §6), as clap definitions.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::core::filter::FilterSpec;

#[derive(Debug, Parser)]
#[command(
    name = "leadrota",
    version,
    about = "Triage leads and decide who owns each one",
    long_about = "Triage leads and decide who owns each one.\n\n\
        leadrota keeps a small sales team's leads in one SQLite file: who owns each lead, \
        the rotations and rules that hand new leads out, and the history of every change. \
        Run it without a command to open the console; the commands below do the same work \
        from a shell or a script (add --json for machine-readable output).",
    after_help = "Examples:\n  leadrota demo                       # a realistic office to try things on\n  \
        leadrota lead list --unassigned --open-only\n  \
        leadrota --as Maria assign --to Tom 12 15"
)]
pub struct Cli {
    /// Database file [env: LEADROTA_DB] [default: the platform data dir, e.g. ~/.local/share/leadrota/leadrota.db]
    // LEADROTA_DB is read after parsing (`Cli::with_db_from_env`), so that an
    // empty variable gets a message of its own rather than clap's.
    #[arg(long, global = true, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Config file [default: the platform config dir, e.g. ~/.config/leadrota/config.toml]
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Act as this user (default: acting_user from the config, else the system)
    #[arg(long = "as", global = true, value_name = "USER")]
    pub acting_user: Option<String>,
    /// Pin the clock (RFC 3339), for scripting, backfills and tests
    #[arg(long, global = true, value_name = "RFC3339")]
    pub now: Option<String>,
    /// Machine-readable JSON output
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

impl Cli {
    /// `--db`, else `LEADROTA_DB`; an empty variable is an error saying what to do.
    pub fn with_db_from_env(mut self) -> crate::core::error::Result<Cli> {
        if self.db.is_none() {
            match std::env::var_os("LEADROTA_DB") {
                Some(value) if value.is_empty() => {
                    return Err(crate::core::error::Error::invalid(
                        "LEADROTA_DB is set but empty; set it to the database file, or unset it to use the default",
                    ));
                }
                Some(value) => self.db = Some(PathBuf::from(value)),
                None => {}
            }
        }
        Ok(self)
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a realistic demo database and open it
    Demo(DemoArgs),
    /// Manage the team's users
    #[command(subcommand)]
    User(UserCommand),
    /// Add, list, show and move leads
    #[command(subcommand)]
    Lead(LeadCommand),
    /// The activity timeline, newest first
    Activity(ActivityArgs),
    /// Give leads to a user
    Assign {
        #[arg(long)]
        to: String,
        #[command(flatten)]
        target: TargetArgs,
    },
    /// Move owned leads to another user; --from X moves all of X's leads
    Reassign {
        #[arg(long)]
        to: String,
        /// Every lead of this user (with --open-only: every open lead)
        #[arg(long)]
        from: Option<String>,
        #[command(flatten)]
        target: TargetArgs,
    },
    /// Clear the owner of leads
    Unassign {
        #[command(flatten)]
        target: TargetArgs,
    },
    /// Hand leads out through a group's rotation, oldest first
    Rotate {
        #[arg(long)]
        group: String,
        #[command(flatten)]
        target: TargetArgs,
        #[command(flatten)]
        preview: PreviewArgs,
    },
    /// Route the unassigned backlog (open, unassigned leads) through the rules
    Route {
        #[command(flatten)]
        filter: FilterArgs,
        #[command(flatten)]
        preview: PreviewArgs,
        #[command(flatten)]
        guard: GuardArgs,
    },
    /// Hand delivered leads their owners left untouched too long to the next member (for cron)
    Reclaim {
        #[command(flatten)]
        preview: PreviewArgs,
        #[command(flatten)]
        guard: GuardArgs,
    },
    /// The acting user picks up unassigned leads (groups with pick-up statuses allow it)
    Pickup {
        #[arg(required = true)]
        ids: Vec<i64>,
    },
    /// Revert the acting user's latest batch
    Undo,
    /// Check the database: integrity, schema, orphaned rows, ownership history, deliveries against limits
    Doctor {
        /// SQLite's quick_check instead of the full integrity_check (faster on big files)
        #[arg(long)]
        quick: bool,
    },
    /// Write a consistent copy of the live database to FILE (other seats may keep working)
    Backup {
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// Replace FILE if it exists
        #[arg(long)]
        force: bool,
    },
    /// Groups, their members, methods and limits
    #[command(subcommand)]
    Group(GroupCommand),
    /// Routing rules
    #[command(subcommand)]
    Rule(RuleCommand),
    /// The auto-assign and duplicate routing switches
    Routing {
        #[command(subcommand)]
        command: RoutingCommand,
    },
    /// Import leads from a CSV file (`-` reads standard input)
    Import(ImportArgs),
    /// Write the leads matching FILTERS as CSV (RFC 4180) that `import` reads back
    Export {
        #[command(flatten)]
        filter: FilterArgs,
        /// Write to this file instead of standard output (`-` is standard output)
        #[arg(short = 'o', long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Write cells exactly as stored: no leading ' before a cell that starts with =, +, -, @, tab or CR
        #[arg(long)]
        raw: bool,
    },
    /// Workload per owner, and the unassigned leads that wait
    Report {
        #[command(subcommand)]
        command: ReportCommand,
    },
    /// The acting user's notifications, newest first; listing marks them read
    Notifications {
        /// Only the unread ones
        #[arg(long)]
        unread: bool,
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// Print the shell completion script for SHELL (README: "Shell completion and man page")
    Completions {
        #[arg(value_enum, value_name = "SHELL")]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), for `man -l -` or a man directory
    Man,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The CSV file: a header row, comma or semicolon separated, UTF-8 (Latin-1 is transcoded)
    #[arg(value_name = "FILE.csv")]
    pub file: PathBuf,
    /// Give every imported lead to this user (not a delivery: no limits count it)
    #[arg(long, value_name = "USER", conflicts_with = "route")]
    pub assignee: Option<String>,
    /// Route each new lead through the rules (when routing is on)
    #[arg(long)]
    pub route: bool,
    /// Report exactly what would happen; write nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Import nothing if any row is bad
    #[arg(long)]
    pub strict: bool,
    /// Take another CRM's status onto one of our stages, e.g. 'OPEN_DEAL=Proposal' (repeatable; wins over
    /// [import.status_map] in the config). `--dry-run` prints the flags a file needs
    #[arg(long = "map-status", value_name = "FROM=TO", value_parser = parse_mapping)]
    pub map_status: Vec<(String, String)>,
    /// Take an owner cell that is no user's name or email onto a user, e.g. 'Florent Martin=Florent'
    /// (repeatable; wins over [import.owner_map])
    #[arg(long = "map-owner", value_name = "FROM=TO", value_parser = parse_mapping)]
    pub map_owner: Vec<(String, String)>,
    /// Also write the --map-status and --map-owner flags into the config file's [import.status_map] and
    /// [import.owner_map], for the next files (after a successful import or dry run)
    #[arg(long)]
    pub save_mapping: bool,
    /// Write nothing unless exactly N rows would be imported (the count a dry run showed)
    #[arg(long, value_name = "N")]
    pub expect: Option<usize>,
    /// Seed for random groups when routing, to repeat a dry run (printed when drawn)
    #[arg(long)]
    pub seed: Option<u64>,
}

/// `FROM=TO`, split at the last `=` (our stage and user names have none).
fn parse_mapping(text: &str) -> Result<(String, String), String> {
    match text.rsplit_once('=') {
        Some((from, to)) if !from.trim().is_empty() && !to.trim().is_empty() => {
            Ok((from.trim().to_string(), to.trim().to_string()))
        }
        _ => Err("expected FROM=TO, e.g. 'OPEN_DEAL=Proposal'".to_string()),
    }
}

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Per owner: open leads, leads by status, leads stale in their stage; the unassigned backlog
    Workload {
        /// A lead is stale after this many days in its stage [default: stale_days from the config, 7]
        #[arg(long, value_name = "N")]
        stale_days: Option<u32>,
    },
    /// Unassigned leads waiting longer than a threshold, oldest first
    Unassigned {
        /// [default: unassigned_alert_hours from the config, 24]
        #[arg(long, value_name = "HOURS")]
        older_than: Option<u32>,
        #[arg(long)]
        limit: Option<usize>,
    },
}

/// Lead ids, or FILTERS selecting every matching lead.
#[derive(Debug, Args, Clone)]
pub struct TargetArgs {
    pub ids: Vec<i64>,
    #[command(flatten)]
    pub filter: FilterArgs,
    /// Every lead (when no ids or filters are given)
    #[arg(long)]
    pub all: bool,
    #[command(flatten)]
    pub guard: GuardArgs,
}

/// A preview of a distribution and the seed that repeats it.
#[derive(Debug, Args, Clone, Default)]
pub struct PreviewArgs {
    /// Show who would get what, what stays unassigned and why; write nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Seed for random groups, to repeat a preview or a run (printed when drawn)
    #[arg(long)]
    pub seed: Option<u64>,
}

/// The guard of a preview: apply exactly what was previewed, or nothing.
#[derive(Debug, Args, Clone, Default)]
pub struct GuardArgs {
    /// Write nothing unless the selection still holds exactly N leads (the count a preview showed)
    #[arg(long, value_name = "N")]
    pub expect: Option<usize>,
}

#[derive(Debug, Subcommand)]
pub enum GroupCommand {
    /// Create a group
    Add {
        name: String,
        #[arg(long, default_value = "sequential")]
        method: String,
        /// Leads per member per office day (0 = unlimited)
        #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
        daily: i64,
        /// Leads per member per office month (0 = unlimited)
        #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
        monthly: i64,
    },
    /// Change a group's name, method, limits or pick-up statuses
    Set {
        name: String,
        #[arg(long)]
        rename: Option<String>,
        #[arg(long)]
        method: Option<String>,
        #[arg(long, allow_negative_numbers = true)]
        daily: Option<i64>,
        #[arg(long, allow_negative_numbers = true)]
        monthly: Option<i64>,
        /// Statuses members may pick up from (comma-separated; empty for none)
        #[arg(long, value_delimiter = ',', num_args = 0..)]
        pickup_statuses: Option<Vec<String>>,
        /// Open leads a member may hold before getting no more (0 = no cap)
        #[arg(long, value_name = "N", allow_negative_numbers = true)]
        max_open: Option<i64>,
        /// Hand a delivered lead its owner has not touched for HOURS to the next member (0 = off)
        #[arg(long, value_name = "HOURS", allow_negative_numbers = true)]
        reclaim_after: Option<i64>,
        /// Reclaim one lead at most N times [default: 1]
        #[arg(long, value_name = "N", allow_negative_numbers = true)]
        reclaim_max: Option<i64>,
    },
    /// Add, remove or reorder members
    /// Names are comma-separated (--add Tom,Lewis) or one per flag (--add Tom --add Lewis);
    /// a name with a comma is taken whole when it is a user's name, or quoted: --add '"Smith, John",Tom'
    Members {
        name: String,
        #[arg(long)]
        add: Vec<String>,
        #[arg(long)]
        remove: Vec<String>,
        /// Every member, in the new rotation order
        #[arg(long)]
        order: Option<Vec<String>>,
    },
    /// Override one member's limits; --daily/--monthly together set both (an omitted one is the group's);
    /// --max-open alone sets only the open-lead cap; no flag at all clears every override
    Limit {
        name: String,
        user: String,
        #[arg(long, allow_negative_numbers = true)]
        daily: Option<i64>,
        #[arg(long, allow_negative_numbers = true)]
        monthly: Option<i64>,
        /// The member's own open-lead cap (0 = none for them)
        #[arg(long, value_name = "N", allow_negative_numbers = true)]
        max_open: Option<i64>,
    },
    /// A member's share of the group's leads, 1–100 (default 1): weight 2 gets twice the leads of weight 1
    Weight {
        name: String,
        user: String,
        #[arg(allow_negative_numbers = true)]
        weight: i64,
    },
    /// Delete a group (its leads keep their owners)
    Delete {
        name: String,
    },
    List,
    /// Members in rotation order with today's and this month's deliveries, eligibility and who is next
    Show {
        name: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum RuleCommand {
    /// Add a rule: --if FIELD=VALUE (any of a,b), FIELD!=VALUE, FIELD~VALUE (contains); fields source, status, tag, company, domain
    Add {
        name: String,
        #[arg(long, conflicts_with = "to_user", required_unless_present = "to_user")]
        to_group: Option<String>,
        #[arg(long)]
        to_user: Option<String>,
        /// A condition; a source or tag no lead has is saved with a warning naming the closest known values; a status that is no stage is refused
        #[arg(long = "if", value_name = "CONDITION")]
        conditions: Vec<String>,
        /// 1 = tried first (default: last)
        #[arg(long, allow_negative_numbers = true)]
        priority: Option<i64>,
    },
    /// The rules in the order they are tried
    List,
    /// Try this rule again
    Enable { id: i64 },
    /// Keep this rule but skip it
    Disable { id: i64 },
    /// Delete this rule (leads it routed keep their owners)
    Delete { id: i64 },
    /// Move a rule to another place in the order
    Move {
        id: i64,
        #[arg(long, allow_negative_numbers = true)]
        to: i64,
    },
}

#[derive(Debug, Subcommand)]
pub enum RoutingCommand {
    /// Route new leads automatically
    On,
    /// Pause: new leads stay unassigned
    Off,
    Status,
    /// Send a new lead that matches an existing one to that lead's owner
    Duplicates {
        #[arg(value_parser = ["on", "off"])]
        state: String,
    },
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// How many leads to create
    #[arg(long, default_value_t = 5000)]
    pub leads: u64,
    /// Seed for the generator; the same seed gives the same data
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Print a summary instead of opening the console
    #[arg(long)]
    pub no_tui: bool,
    /// Replace an existing demo database instead of reopening it
    #[arg(long)]
    pub fresh: bool,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user
    Add {
        name: String,
        #[arg(long, default_value = "")]
        email: String,
        #[arg(long, default_value = "agent", value_parser = ["admin", "manager", "agent"])]
        role: String,
        /// May pick up unassigned leads
        #[arg(long)]
        can_pickup: bool,
    },
    /// List users with their groups
    List,
    /// Put a user on leave (skipped by rotations) or bring them back
    Leave {
        name: String,
        #[arg(long, conflicts_with = "off", required_unless_present = "off")]
        on: bool,
        #[arg(long)]
        off: bool,
    },
    /// Reactivate a deactivated user
    Activate { name: String },
    /// Working hours in the office time zone, e.g. "Mon-Fri 09:00-17:30" or "Mon-Fri 09:00-12:00, 13:00-17:30; Sat 10:00-14:00"
    Hours {
        name: String,
        #[arg(required_unless_present = "clear", conflicts_with = "clear")]
        schedule: Option<String>,
        /// Always on again (no schedule)
        #[arg(long)]
        clear: bool,
    },
    /// Away (on holiday): no automatic distribution before DATE, the first day back
    Away {
        name: String,
        #[arg(long, value_name = "DATE", required_unless_present = "off", conflicts_with = "off")]
        until: Option<String>,
        /// Back now
        #[arg(long)]
        off: bool,
    },
    /// Deactivate a user and hand over their open leads
    #[command(group = clap::ArgGroup::new("handover").required(true).multiple(false))]
    Deactivate {
        name: String,
        #[arg(long, group = "handover")]
        reassign_to: Option<String>,
        #[arg(long, group = "handover")]
        redistribute: Option<String>,
        #[arg(long, group = "handover")]
        leave_unassigned: bool,
        #[command(flatten)]
        preview: PreviewArgs,
        #[command(flatten)]
        guard: GuardArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum LeadCommand {
    /// Create a lead
    Add(LeadAddArgs),
    /// List leads matching filters
    List {
        #[command(flatten)]
        filter: FilterArgs,
        /// created (default, oldest first), name, status, owner, age; prefix - to reverse
        #[arg(long, default_value = "created", allow_hyphen_values = true)]
        sort: String,
        #[arg(long)]
        limit: Option<usize>,
    },
    /// Show one lead with its activity
    Show { id: i64 },
    /// Move a lead to another stage (the owner stays)
    Move {
        id: i64,
        #[arg(long)]
        status: String,
    },
    /// Add a note to a lead's timeline
    Note { id: i64, text: String },
    /// Why the lead is owned by whom
    Explain { id: i64 },
}

#[derive(Debug, Args)]
pub struct LeadAddArgs {
    #[arg(long)]
    pub name: String,
    #[arg(long, default_value = "")]
    pub email: String,
    #[arg(long, default_value = "")]
    pub phone: String,
    #[arg(long, default_value = "")]
    pub company: String,
    #[arg(long, default_value = "")]
    pub source: String,
    #[arg(long)]
    pub status: Option<String>,
    /// Comma-separated
    #[arg(long, value_delimiter = ',')]
    pub tags: Vec<String>,
    #[arg(long)]
    pub owner: Option<String>,
}

#[derive(Debug, Args)]
pub struct ActivityArgs {
    #[arg(long)]
    pub lead: Option<i64>,
    #[arg(long)]
    pub user: Option<String>,
    /// Only the rows of one batch (e.g. an import), all of them unless --limit is given
    #[arg(long)]
    pub batch: Option<i64>,
    /// At most this many rows, newest first [default: 50; a whole batch with --batch]
    #[arg(long)]
    pub limit: Option<usize>,
}

/// Which leads: repeat a flag to accept any of several values.
#[derive(Debug, Args, Default, Clone)]
pub struct FilterArgs {
    /// Only leads without an owner
    #[arg(long)]
    pub unassigned: bool,
    /// A user name, or `me`
    #[arg(long)]
    pub owner: Option<String>,
    #[arg(long)]
    pub status: Vec<String>,
    #[arg(long)]
    pub source: Vec<String>,
    #[arg(long)]
    pub tag: Vec<String>,
    /// Created on or after (YYYY-MM-DD, office time, or RFC 3339)
    #[arg(long)]
    pub since: Option<String>,
    /// Created on or before (a whole day for YYYY-MM-DD)
    #[arg(long)]
    pub until: Option<String>,
    /// Text in name, email or company; digits and phone punctuation search phone numbers
    #[arg(long)]
    pub search: Option<String>,
    /// Only leads in an open (not closed) stage
    #[arg(long)]
    pub open_only: bool,
    /// Only leads created more than HOURS ago (with --unassigned --open-only: the waiting queue)
    #[arg(long, value_name = "HOURS")]
    pub older_than: Option<u32>,
}

impl FilterArgs {
    pub fn spec(&self) -> FilterSpec {
        FilterSpec {
            unassigned: self.unassigned,
            owner: self.owner.clone(),
            statuses: self.status.clone(),
            sources: self.source.clone(),
            tags: self.tag.clone(),
            since: self.since.clone(),
            until: self.until.clone(),
            search: self.search.clone(),
            open_only: self.open_only,
            older_than_hours: self.older_than,
        }
    }
}
