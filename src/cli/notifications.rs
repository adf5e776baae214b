//! notifications: the acting user's, newest first; listing marks them read.

use serde_json::{Value, json};

use super::Session;
use super::output::{print_json, table};
use crate::core::error::Result;
use crate::core::notifications;
use crate::core::time::to_rfc3339;

pub fn run(s: &mut Session, unread: bool, limit: usize) -> Result<()> {
    let found = notifications::read(&mut s.store, &s.ctx, unread, limit)?;
    if s.json {
        let rows = found
            .iter()
            .map(|n| json!({"id": n.id, "at": to_rfc3339(n.at), "lead": n.lead, "text": n.text, "read": n.read}))
            .collect();
        return print_json(&Value::Array(rows));
    }
    if found.is_empty() {
        println!("{}", if unread { "no unread notifications" } else { "no notifications" });
        return Ok(());
    }
    let mut t = table(&["", "AT", "LEAD", "TEXT"]);
    for n in &found {
        t.add_row(vec![
            if n.read { String::new() } else { "new".to_string() },
            to_rfc3339(n.at),
            n.lead.map(|l| format!("#{l}")).unwrap_or_default(),
            n.text.clone(),
        ]);
    }
    println!("{t}");
    Ok(())
}
