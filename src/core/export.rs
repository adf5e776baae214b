//! CSV export: RFC 4180 (CRLF, quotes only where needed), with a header that
//! [`super::import`] reads back to the same leads.
//!
//! Spreadsheet-safe by default (SPEC §7): a spreadsheet runs a cell that
//! begins with `=`, `+`, `-` or `@` as a formula (`=HYPERLINK(…)`,
//! `+cmd|' /C calc'!A0`), and tab or carriage return can smuggle one in; such
//! a cell is written with a leading `'`, which spreadsheets show as text and
//! import drops again. [`Cells::Raw`] writes what is stored.

use std::borrow::Cow;

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

/// How cells are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Cells {
    /// A cell a spreadsheet would run as a formula gets a leading `'`.
    #[default]
    SpreadsheetSafe,
    /// Exactly as stored (`export --raw`).
    Raw,
}

/// The first characters that make a spreadsheet read a cell as a formula.
pub const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// `cell` as a spreadsheet will show it, never run it.
pub fn spreadsheet_safe(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(FORMULA_STARTS) { Cow::Owned(format!("'{cell}")) } else { Cow::Borrowed(cell) }
}

/// Write every lead matching `filter` (oldest first) to `out`, a page at a
/// time so memory stays flat; returns how many were written. A reader that
/// goes away (`leadrota export | head`) ends the export quietly.
pub fn write_csv<W: Write>(conn: &Connection, filter: &Filter, cells: Cells, out: W) -> Result<usize> {
    match write_all(conn, filter, cells, out) {
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

fn write_all<W: Write>(
    conn: &Connection,
    filter: &Filter,
    cells: Cells,
    out: W,
) -> std::result::Result<usize, Failure> {
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
            let fields = [&l.name, &l.email, &l.phone, &l.company, &l.source, &l.status, &tags, owner, &created];
            let mut record = Vec::with_capacity(COLUMNS.len());
            record.push(Cow::Borrowed(id.as_str()));
            record.extend(fields.iter().map(|f| match cells {
                Cells::SpreadsheetSafe => spreadsheet_safe(f),
                Cells::Raw => Cow::Borrowed(*f as &str),
            }));
            csv.write_record(record.iter().map(|c| c.as_bytes()))?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_a_spreadsheet_would_run_get_a_leading_quote() {
        for cell in ["=HYPERLINK(\"http://evil.test\",\"x\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(spreadsheet_safe(cell), format!("'{cell}"));
        }
        for cell in ["Ann Lee", "", "'quoted", "a=b", "ann@acme.com", "x-y"] {
            assert_eq!(spreadsheet_safe(cell), cell);
        }
    }
}
