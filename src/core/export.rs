//! CSV export: RFC 4180 (CRLF, quotes only where needed), with a header that
//! [`super::import`] reads back to the same leads.

use std::io::Write;

use rusqlite::Connection;

use super::error::{Error, Result};
use super::filter::Filter;
use super::page::{self, Direction, Sort};
use super::time::to_rfc3339;

/// The columns, in order. `id` is informative: import ignores it and gives
/// each lead a new id.
pub const COLUMNS: [&str; 10] =
    ["id", "name", "email", "phone", "company", "source", "status", "tags", "owner", "created_at"];

/// How tags are joined in one field; import splits on commas and semicolons.
pub const TAG_JOIN: &str = ", ";

const CHUNK: usize = 2000;

/// Write every lead matching `filter` (oldest first) to `out`, a page at a
/// time so memory stays flat; returns how many were written. A reader that
/// goes away (`leadrota export | head`) ends the export quietly.
pub fn write_csv<W: Write>(conn: &Connection, filter: &Filter, out: W) -> Result<usize> {
    match write_all(conn, filter, out) {
        Err(Failure::Write(e)) if matches!(e.kind(), csv::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::BrokenPipe) => {
            Ok(0)
        }
        Err(Failure::Write(e)) => Err(Error::invalid(format!("cannot write the CSV: {e}"))),
        Err(Failure::Core(e)) => Err(e),
        Ok(n) => Ok(n),
    }
}

enum Failure {
    Core(Error),
    Write(csv::Error),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Core(e)
    }
}

impl From<csv::Error> for Failure {
    fn from(e: csv::Error) -> Self {
        Failure::Write(e)
    }
}

fn write_all<W: Write>(conn: &Connection, filter: &Filter, out: W) -> std::result::Result<usize, Failure> {
    let mut csv = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(out);
    csv.write_record(COLUMNS)?;
    let mut written = 0;
    let mut cursor = None;
    loop {
        let (leads, next) = page::page(conn, filter, Sort::default(), cursor.as_ref(), Direction::Forward, CHUNK)?;
        for l in &leads {
            let id = l.id.to_string();
            let tags = l.tags.join(TAG_JOIN);
            let created = to_rfc3339(l.created_at);
            let owner = l.owner.as_deref().unwrap_or("");
            csv.write_record([
                id.as_str(),
                &l.name,
                &l.email,
                &l.phone,
                &l.company,
                &l.source,
                &l.status,
                &tags,
                owner,
                &created,
            ])?;
        }
        written += leads.len();
        if leads.len() < CHUNK {
            break;
        }
        cursor = next;
    }
    csv.flush().map_err(csv::Error::from)?;
    Ok(written)
}
