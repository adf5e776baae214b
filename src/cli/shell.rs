//! `completions` and `man`: what a shell and `man` need, generated from the
//! same clap definitions as `--help`, so they never drift from the commands.

use std::io::Write;

use clap_complete::Shell;

use super::help;
use crate::core::error::{Error, Result};

/// The completion script for `shell` on stdout.
pub fn completions(shell: Shell) -> Result<()> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut help::command(), "leadrota", &mut out);
    write_stdout(&out)
}

/// The manual page (roff) on stdout: the whole command with every subcommand.
pub fn man() -> Result<()> {
    write_stdout(&man_page()?)
}

pub fn man_page() -> Result<Vec<u8>> {
    let command = help::command();
    let man = clap_mangen::Man::new(command.clone());
    // Built: value names and argument counts are filled in, as `--help` shows them.
    let mut built = command.clone();
    built.build();
    let mut out = Vec::new();
    let io = |e: std::io::Error| Error::invalid(format!("could not render the manual page: {e}"));
    man.render_title(&mut out).map_err(io)?;
    man.render_name_section(&mut out).map_err(io)?;
    man.render_synopsis_section(&mut out).map_err(io)?;
    man.render_description_section(&mut out).map_err(io)?;
    man.render_options_section(&mut out).map_err(io)?;
    render_commands(&built, &mut out).map_err(io)?;
    out.extend_from_slice(ENVIRONMENT_AND_FILES.as_bytes());
    man.render_version_section(&mut out).map_err(io)?;
    Ok(out)
}

const ENVIRONMENT_AND_FILES: &str = r#".SH ENVIRONMENT
.TP
\fBLEADROTA_DB\fR
The database file, when \fB\-\-db\fR is not given; it wins over the config's \fBdatabase\fR.
.TP
\fBNO_COLOR\fR
Set (to anything): the console draws without colour, selection and focus in reverse and bold.
.SH FILES
.TP
\fI~/.config/leadrota/config.toml\fR
The optional config (the platform config directory elsewhere); \fBconfig.example.toml\fR in the sources lists every key.
.TP
\fI~/.local/share/leadrota/leadrota.db\fR
The default database (the platform data directory elsewhere).
.TP
\fIleadrota.log\fR
Beside the database: the console's log, and failures of the config's \fBnotify_command\fR.
"#;

/// A COMMANDS section naming every subcommand (as `group show`) with its
/// synopsis, help, options and examples: clap_mangen's own subcommand section
/// stops at the first level.
fn render_commands(command: &clap::Command, out: &mut Vec<u8>) -> std::io::Result<()> {
    writeln!(out, ".SH COMMANDS")?;
    for (path, sub) in leaves(command, "") {
        let usage = sub.clone().bin_name(format!("leadrota {path}")).render_usage().to_string();
        writeln!(out, ".TP\n\\fB{}\\fR", roff_escape(usage.trim_start_matches("Usage: ")))?;
        if let Some(about) = sub.get_long_about().or(sub.get_about()) {
            writeln!(out, "{}", roff_escape(&about.to_string()))?;
        }
        // The global options are in OPTIONS once; --help and --version need no words.
        let options: Vec<&clap::Arg> = sub
            .get_arguments()
            .filter(|a| !a.is_hide_set() && !a.is_global_set() && !["help", "version"].contains(&a.get_id().as_str()))
            .collect();
        if !options.is_empty() {
            writeln!(out, ".RS")?;
            for arg in options {
                writeln!(out, ".TP\n{}", roff_escape(&arg_label(arg)))?;
                if let Some(help) = arg.get_long_help().or(arg.get_help()) {
                    writeln!(out, "{}", roff_escape(&help.to_string()))?;
                }
            }
            writeln!(out, ".RE")?;
        }
        if let Some(examples) = sub.get_after_help() {
            writeln!(out, ".RS\n.nf")?;
            for line in examples.to_string().lines() {
                writeln!(out, "{}", roff_escape(line))?;
            }
            writeln!(out, ".fi\n.RE")?;
        }
    }
    Ok(())
}

/// `--to <TO>`, `-o, --output <FILE>` or `<NAME>`, as `--help` shows them.
fn arg_label(arg: &clap::Arg) -> String {
    let value = arg.get_value_names().map(|names| names.iter().map(|n| format!("<{n}>")).collect::<Vec<_>>().join(" "));
    let takes_value = arg.get_num_args().is_some_and(|n| n.takes_values());
    let mut flags = Vec::new();
    if let Some(short) = arg.get_short() {
        flags.push(format!("-{short}"));
    }
    if let Some(long) = arg.get_long() {
        flags.push(format!("--{long}"));
    }
    let value = value.unwrap_or_else(|| format!("<{}>", arg.get_id().as_str().to_uppercase()));
    match (flags.is_empty(), takes_value || arg.is_positional()) {
        (true, _) => value,
        (false, true) => format!("{} {value}", flags.join(", ")),
        (false, false) => flags.join(", "),
    }
}

/// Every runnable subcommand with its path ("group show"), in clap's order.
fn leaves(command: &clap::Command, prefix: &str) -> Vec<(String, clap::Command)> {
    let mut out = Vec::new();
    for sub in command.get_subcommands().filter(|s| s.get_name() != "help") {
        let path = format!("{prefix}{}", sub.get_name());
        if sub.has_subcommands() {
            out.extend(leaves(sub, &format!("{path} ")));
        } else {
            out.push((path, sub.clone()));
        }
    }
    out
}

/// Text safe in a roff line: backslashes and dashes escaped, other scripts
/// by code point, and a leading `.` or `'` (a request to roff) guarded.
fn roff_escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => escaped.push_str("\\e"),
            '-' => escaped.push_str("\\-"),
            // Any other character by its code point: old groff reads ASCII only.
            c if !c.is_ascii() => escaped.push_str(&format!("\\[u{:04X}]", u32::from(c))),
            c => escaped.push(c),
        }
    }
    let text = escaped;
    if text.starts_with('.') || text.starts_with('\'') { format!("\\&{text}") } else { text }
}

fn write_stdout(bytes: &[u8]) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(bytes).and_then(|()| stdout.flush()).map_err(|e| Error::invalid(format!("could not write: {e}")))
}
