//! `leadrota completions SHELL` and `leadrota man`: what a shell and `man`
//! need, generated from the same definitions as `--help`, without a database.

use std::collections::BTreeSet;
use std::process::{Command, Output, Stdio};

use clap::CommandFactory;
use leadrota::cli::args::Cli;

fn leadrota(args: &[&str]) -> (Output, tempfile::TempDir) {
    let home = tempfile::TempDir::new().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_leadrota"))
        .env_remove("LEADROTA_DB")
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("XDG_DATA_HOME", home.path().join("data"))
        .args(args)
        .output()
        .unwrap();
    (out, home)
}

fn stdout_of(args: &[&str]) -> String {
    let (out, home) = leadrota(args);
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    assert!(!home.path().join("data").exists(), "{args:?} created a database");
    String::from_utf8(out.stdout).unwrap()
}

/// Every runnable subcommand as its words ("group show").
fn leaf_commands(cmd: &clap::Command, prefix: &str, out: &mut BTreeSet<String>) {
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        let path = format!("{prefix}{}", sub.get_name());
        if sub.has_subcommands() {
            leaf_commands(sub, &format!("{path} "), out);
        } else {
            out.insert(path);
        }
    }
}

fn have(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn every_shell_gets_a_completion_script_naming_the_commands() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let script = stdout_of(&["completions", shell]);
        for word in ["rotate", "reassign", "doctor", "--unassigned"] {
            assert!(script.contains(word), "{shell} completions lack {word}");
        }
    }
}

#[test]
fn the_bash_completion_script_parses_in_bash() {
    let script = stdout_of(&["completions", "bash"]);
    let dir = tempfile::TempDir::new().unwrap();
    let file = dir.path().join("leadrota.bash");
    std::fs::write(&file, &script).unwrap();
    let out = Command::new("bash").arg("-n").arg(&file).output().unwrap();
    assert!(out.status.success(), "bash -n: {}", String::from_utf8_lossy(&out.stderr));
    // Sourced, it registers itself for the command.
    let out = Command::new("bash")
        .arg("-c")
        .arg(format!("source '{}' && complete -p leadrota", file.display()))
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("leadrota"), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn an_unknown_shell_is_one_clear_line() {
    let (out, _home) = leadrota(&["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("tcsh"), "{stderr}");
}

#[test]
fn the_man_page_has_its_sections_and_every_command() {
    let page = stdout_of(&["man"]);
    assert!(page.starts_with(".ie") || page.starts_with(".TH"), "{}", &page[..80.min(page.len())]);
    for section in ["NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "COMMANDS", "ENVIRONMENT", "FILES"] {
        assert!(page.contains(&format!(".SH {section}\n")), "no {section} section");
    }
    let mut leaves = BTreeSet::new();
    leaf_commands(&Cli::command(), "", &mut leaves);
    for command in leaves {
        let roff = format!("\\fBleadrota {}", command.replace('-', "\\-"));
        assert!(page.contains(&roff), "the man page lacks `leadrota {command}`");
    }
}

#[test]
fn the_man_page_renders_without_warnings_where_groff_is_installed() {
    if !have("groff") {
        eprintln!("groff is not installed: the sections were checked as text only");
        return;
    }
    let page = stdout_of(&["man"]);
    let mut groff = Command::new("groff")
        // Plain text: no overstriking for bold or underline.
        .args(["-man", "-Tutf8", "-ww", "-P-c", "-P-b", "-P-u"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut groff.stdin.take().unwrap(), page.as_bytes()).unwrap();
    let out = groff.wait_with_output().unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stderr), "", "groff warned");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("leadrota rotate"), "rendered page lacks the commands");
}

/// Each runnable command with its clap definition, as the binary shows it.
fn leaves_of(cmd: &clap::Command, prefix: &str, out: &mut Vec<(String, clap::Command)>) {
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        let path = format!("{prefix}{}", sub.get_name());
        if sub.has_subcommands() {
            leaves_of(sub, &format!("{path} "), out);
        } else {
            out.push((path, sub.clone()));
        }
    }
}

/// A word like `A1`, `R5` or `(A11)`: the product contract's internal ids.
fn contract_id(word: &str) -> bool {
    let w = word.trim_matches(|c: char| !c.is_ascii_alphanumeric());
    let mut chars = w.chars();
    chars.next().is_some_and(|c| c.is_ascii_uppercase())
        && w.len() > 1
        && w.len() <= 3
        && chars.all(|c| c.is_ascii_digit())
}

#[test]
fn no_help_text_shows_the_contracts_internal_ids() {
    let mut cmd = leadrota::cli::help::command();
    cmd.build();
    let mut texts = vec![("leadrota".to_string(), cmd.render_long_help().to_string())];
    let mut leaves = Vec::new();
    leaves_of(&cmd, "", &mut leaves);
    for sub in cmd.get_subcommands_mut() {
        texts.push((sub.get_name().to_string(), sub.render_long_help().to_string()));
    }
    for (path, mut sub) in leaves {
        texts.push((path, sub.render_long_help().to_string()));
    }
    for (path, text) in texts {
        let ids: Vec<&str> = text.split_whitespace().filter(|w| contract_id(w)).collect();
        assert!(ids.is_empty(), "`leadrota {path} --help` shows {ids:?}:\n{text}");
    }
    assert!(contract_id("(A11)") && contract_id("R5") && !contract_id("UTF-8") && !contract_id("Q"));
}

#[test]
fn every_command_s_help_ends_with_real_examples() {
    let mut leaves = Vec::new();
    leaves_of(&leadrota::cli::help::command(), "", &mut leaves);
    for (path, _) in leaves {
        let mut args: Vec<&str> = path.split(' ').collect();
        args.push("--help");
        let help = stdout_of(&args);
        let examples = help.rsplit_once("Examples:\n").map(|(_, e)| e).unwrap_or_default();
        let lines: Vec<&str> = examples.lines().filter(|l| !l.trim().is_empty()).collect();
        assert!(!lines.is_empty(), "`leadrota {path} --help` ends without examples:\n{help}");
        for line in lines {
            assert!(line.contains("leadrota ") && line.contains(path.as_str()), "{path}: {line}");
        }
    }
}
