//! `notify_command` (SPEC §6): a program the office configures to hear of
//! every committed change of owners — the way to wire mail, chat or desktop
//! notifications. It gets a JSON array on stdin, one entry per new owner:
//!
//! ```json
//! [{"user": "Tom", "email": "tom@acme.test", "leads": [{"id": 7, "name": "Ada"}], "batch": 42, "via": "group:1"}]
//! ```
//!
//! It runs after the commit, on a thread of its own, so neither the
//! transaction nor the console waits for it; a failure or a run past the
//! timeout is logged and never undoes the change. A store waits for its
//! hooks when it closes, so a CLI command's hook finishes (or times out)
//! before the process ends.

use std::collections::BTreeMap;
use std::io::{Read, Seek, Write};
use std::process::{Child, Command, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;

use crate::core::error::Result;

/// How long the program may run before it is stopped (SPEC §6).
pub const NOTIFY_TIMEOUT: Duration = Duration::from_secs(10);

/// One lead that got a new owner in a write.
#[derive(Debug, Clone, PartialEq)]
pub struct NewOwner {
    pub owner: i64,
    pub lead: i64,
    pub lead_name: String,
    pub via: String,
}

/// One element of the JSON array: a new owner and the leads they received.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OwnerNotice {
    pub user: String,
    pub email: String,
    pub leads: Vec<LeadRef>,
    pub batch: i64,
    /// How the leads came (`manual`, `bulk`, `group:2`, `rule:3`, …); when an
    /// owner's leads came in several ways, those ways joined by ", ".
    pub via: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LeadRef {
    pub id: i64,
    pub name: String,
}

/// The configured program and the runs still going.
pub struct OwnerHook {
    command: String,
    timeout: Duration,
    running: Vec<JoinHandle<()>>,
}

impl OwnerHook {
    pub fn new(command: String, timeout: Duration) -> OwnerHook {
        OwnerHook { command, timeout, running: Vec::new() }
    }

    /// Tell the program about `changes` of `batch`, in the background.
    pub fn notify(&mut self, conn: &Connection, batch: i64, changes: &[NewOwner]) {
        self.running.retain(|h| !h.is_finished());
        let notices = match notices(conn, batch, changes) {
            Ok(n) if n.is_empty() => return,
            Ok(n) => n,
            Err(e) => {
                tracing::warn!("notify_command: could not gather batch {batch}: {e}");
                return;
            }
        };
        let input = match serde_json::to_vec(&notices) {
            Ok(bytes) => bytes,
            Err(e) => return tracing::warn!("notify_command: could not encode batch {batch}: {e}"),
        };
        let (command, timeout) = (self.command.clone(), self.timeout);
        let spawned = std::thread::Builder::new().name("notify_command".into()).spawn(move || {
            if let Err(why) = run(&command, &input, timeout) {
                tracing::warn!("notify_command for batch {batch} failed: {why}; the change stands");
            }
        });
        match spawned {
            Ok(handle) => self.running.push(handle),
            Err(e) => tracing::warn!("notify_command: could not start a thread for batch {batch}: {e}"),
        }
    }
}

impl Drop for OwnerHook {
    fn drop(&mut self) {
        for handle in self.running.drain(..) {
            let _ = handle.join();
        }
    }
}

/// Group the changes by new owner (in the order owners first appear) and name them.
pub fn notices(conn: &Connection, batch: i64, changes: &[NewOwner]) -> Result<Vec<OwnerNotice>> {
    let mut order: Vec<i64> = Vec::new();
    let mut by_owner: BTreeMap<i64, (Vec<LeadRef>, Vec<&str>)> = BTreeMap::new();
    for c in changes {
        let (leads, vias) = by_owner.entry(c.owner).or_insert_with(|| {
            order.push(c.owner);
            (Vec::new(), Vec::new())
        });
        leads.push(LeadRef { id: c.lead, name: c.lead_name.clone() });
        if !vias.contains(&c.via.as_str()) {
            vias.push(&c.via);
        }
    }
    let mut user = conn.prepare_cached("SELECT name, email FROM users WHERE id = ?1")?;
    let mut out = Vec::with_capacity(order.len());
    for owner in order {
        let Some((leads, vias)) = by_owner.remove(&owner) else { continue };
        let Some((name, email)) =
            user.query_row([owner], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))).optional()?
        else {
            continue;
        };
        out.push(OwnerNotice { user: name, email, leads, batch, via: vias.join(", ") });
    }
    Ok(out)
}

/// Run `command` through the shell with `input` on stdin; an error says why
/// it failed. The input goes through an unnamed temporary file, so a program
/// that never reads it neither blocks us nor breaks a pipe under us.
pub fn run(command: &str, input: &[u8], timeout: Duration) -> std::result::Result<(), String> {
    let mut stdin = tempfile::tempfile().map_err(|e| format!("no temporary file for its input: {e}"))?;
    stdin.write_all(input).and_then(|()| stdin.rewind()).map_err(|e| format!("could not stage its input: {e}"))?;
    let mut child = shell(command)
        .stdin(Stdio::from(stdin))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not start `{command}`: {e}"))?;
    let status = wait_at_most(&mut child, timeout)?;
    if status.success() {
        return Ok(());
    }
    let mut said = String::new();
    if let Some(stderr) = child.stderr.as_mut() {
        let _ = stderr.take(1024).read_to_string(&mut said);
    }
    let said = said.lines().next().unwrap_or("").trim();
    Err(format!("`{command}` ended with {status}{}", if said.is_empty() { String::new() } else { format!(": {said}") }))
}

fn wait_at_most(child: &mut Child, timeout: Duration) -> std::result::Result<std::process::ExitStatus, String> {
    let deadline = Instant::now() + timeout;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Ok(status),
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("still running after {} s; stopped", timeout.as_secs_f32()));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(format!("could not wait for it: {e}")),
        }
    }
}

#[cfg(unix)]
fn shell(command: &str) -> Command {
    let mut c = Command::new("sh");
    c.arg("-c").arg(command);
    c
}

#[cfg(not(unix))]
fn shell(command: &str) -> Command {
    let mut c = Command::new("cmd");
    c.arg("/C").arg(command);
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_program_past_its_timeout_is_stopped_and_reported() {
        let started = Instant::now();
        let why = run("sleep 5", b"[]", Duration::from_millis(200)).unwrap_err();
        assert!(why.contains("still running"), "{why}");
        assert!(started.elapsed() < Duration::from_secs(3));
    }

    #[test]
    fn a_failing_program_is_reported_with_what_it_said() {
        let why = run("echo 'mail server down' >&2; exit 3", b"[]", NOTIFY_TIMEOUT).unwrap_err();
        assert!(why.contains("mail server down"), "{why}");
    }

    #[test]
    fn a_program_that_ignores_its_input_is_fine() {
        let big = vec![b'x'; 1 << 20];
        run("true", &big, NOTIFY_TIMEOUT).unwrap();
    }

    #[test]
    fn changes_are_grouped_per_new_owner_in_order_of_appearance() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, email TEXT); \
             INSERT INTO users VALUES (1, 'Tom', 'tom@a.test'), (2, 'Ann', 'ann@a.test');",
        )
        .unwrap();
        let change =
            |owner, lead: i64, via: &str| NewOwner { owner, lead, lead_name: format!("Lead {lead}"), via: via.into() };
        let got =
            notices(&conn, 9, &[change(2, 5, "group:1"), change(1, 6, "group:1"), change(2, 7, "rule:3")]).unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!((got[0].user.as_str(), got[0].via.as_str()), ("Ann", "group:1, rule:3"));
        assert_eq!(got[0].leads.iter().map(|l| l.id).collect::<Vec<_>>(), [5, 7]);
        assert_eq!((got[1].user.as_str(), got[1].email.as_str(), got[1].batch), ("Tom", "tom@a.test", 9));
    }
}
