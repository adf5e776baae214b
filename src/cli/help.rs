//! What `--help`, the man page and the completion scripts show: the clap
//! definitions of `args.rs` with one or two real examples at the end of each
//! command's help, as git and gh print them.

use clap::{Command, CommandFactory};

use super::args::Cli;

/// Each runnable command (as its words) and the examples its help ends with.
const EXAMPLES: &[(&str, &[&str])] = &[
    ("demo", &["leadrota demo", "leadrota demo --leads 100000 --db /tmp/big.db --no-tui"]),
    (
        "user add",
        &["leadrota user add Tom --email tom@acme.test --can-pickup", "leadrota user add Maria --role manager"],
    ),
    ("user list", &["leadrota user list", "leadrota --json user list"]),
    ("user leave", &["leadrota user leave Tom --on", "leadrota user leave Tom --off"]),
    ("user activate", &["leadrota user activate Tom"]),
    ("user hours", &["leadrota user hours Ingrid \"Mon-Fri 09:00-13:00\"", "leadrota user hours Ingrid --clear"]),
    ("user away", &["leadrota user away Grace --until 2026-12-07", "leadrota user away Grace --off"]),
    (
        "user deactivate",
        &[
            "leadrota user deactivate Lewis --redistribute Inbound --dry-run",
            "leadrota user deactivate Lewis --reassign-to Tom",
        ],
    ),
    ("lead add", &["leadrota lead add --name \"Ada Lovelace\" --email ada@example.com --source Website --tags vip"]),
    (
        "lead list",
        &[
            "leadrota lead list --unassigned --open-only --older-than 24",
            "leadrota lead list --search acme --sort -created --limit 20",
        ],
    ),
    ("lead show", &["leadrota lead show 42", "leadrota --json lead show 42"]),
    ("lead move", &["leadrota lead move 42 --status Qualified"]),
    ("lead note", &["leadrota lead note 42 \"called back, wants a demo on Friday\""]),
    ("lead explain", &["leadrota lead explain 42"]),
    ("activity", &["leadrota activity --lead 42", "leadrota activity --user Tom --limit 20"]),
    ("assign", &["leadrota assign --to Tom 12 15", "leadrota assign --to Tom --unassigned --source Website"]),
    ("reassign", &["leadrota reassign --to Stephanie --from Tom --open-only", "leadrota reassign --to Tom 42"]),
    ("unassign", &["leadrota unassign 42", "leadrota unassign --owner Lewis --status New"]),
    (
        "rotate",
        &[
            "leadrota rotate --group Inbound --unassigned --dry-run",
            "leadrota rotate --group Inbound --unassigned --expect 37",
        ],
    ),
    ("route", &["leadrota route --dry-run", "leadrota route --source Website"]),
    ("reclaim", &["leadrota reclaim --dry-run", "*/15 * * * *  leadrota reclaim     # in a crontab"]),
    ("pickup", &["leadrota --as Tom pickup 42 43"]),
    ("undo", &["leadrota undo", "leadrota --as Maria undo"]),
    ("doctor", &["leadrota doctor --quick", "leadrota doctor"]),
    ("backup", &["leadrota backup /srv/backups/leadrota-$(date +%F).db"]),
    (
        "group add",
        &["leadrota group add Inbound --daily 20 --monthly 300", "leadrota group add Partners --method balanced"],
    ),
    ("group set", &["leadrota group set Inbound --max-open 30", "leadrota group set Partners --reclaim-after 72"]),
    (
        "group members",
        &["leadrota group members Inbound --add Tom,Stephanie", "leadrota group members Inbound --order Stephanie,Tom"],
    ),
    ("group limit", &["leadrota group limit Inbound Tom --daily 5", "leadrota group limit Inbound Tom"]),
    ("group weight", &["leadrota group weight Inbound Tom 2"]),
    ("group delete", &["leadrota group delete Spare"]),
    ("group list", &["leadrota group list"]),
    ("group show", &["leadrota group show Inbound"]),
    (
        "rule add",
        &[
            "leadrota rule add Web --to-group Inbound --if source=Website,Webinar",
            "leadrota rule add Big --to-user Maria --if tag=enterprise --priority 1",
        ],
    ),
    ("rule list", &["leadrota rule list"]),
    ("rule enable", &["leadrota rule enable 3"]),
    ("rule disable", &["leadrota rule disable 3"]),
    ("rule delete", &["leadrota rule delete 3"]),
    ("rule move", &["leadrota rule move 3 --to 1"]),
    ("routing on", &["leadrota routing on"]),
    ("routing off", &["leadrota routing off"]),
    ("routing status", &["leadrota routing status"]),
    ("routing duplicates", &["leadrota routing duplicates on"]),
    ("import", &["leadrota import leads.csv --route --dry-run", "leadrota import leads.csv --assignee Tom"]),
    ("export", &["leadrota export --owner Tom -o tom.csv", "leadrota export --unassigned --open-only > backlog.csv"]),
    ("report workload", &["leadrota report workload", "leadrota report workload --stale-days 14"]),
    ("report unassigned", &["leadrota report unassigned --older-than 48"]),
    ("notifications", &["leadrota --as Tom notifications --unread"]),
    ("completions", &["leadrota completions bash > ~/.local/share/bash-completion/completions/leadrota"]),
    ("man", &["leadrota man | man -l -"]),
];

/// The whole command line, each command's help ending with its examples.
pub fn command() -> Command {
    EXAMPLES.iter().fold(Cli::command(), |cmd, (path, lines)| {
        let words: Vec<&str> = path.split(' ').collect();
        let text = format!("Examples:\n{}", lines.iter().map(|l| format!("  {l}")).collect::<Vec<_>>().join("\n"));
        with_after_help(cmd, &words, text)
    })
}

fn with_after_help(cmd: Command, path: &[&str], text: String) -> Command {
    match path {
        [] => cmd.after_help(text),
        [first, rest @ ..] => cmd.mut_subcommand(*first, |sub| with_after_help(sub, rest, text)),
    }
}
