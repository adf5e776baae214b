//! Reading a CSV file into rows, before the database is touched:
//! - delimiter: comma, semicolon or tab, whichever the header line uses most
//!   (an Excel `sep=;` first line wins);
//! - header matched by name with the usual aliases ([`columns`]); unknown
//!   columns are reported once and ignored;
//! - every record keeps the physical line it starts on, for error messages;
//! - a quote that opens and is never closed swallows the rest of the file:
//!   that is an error naming the line where it opened, not a silent loss.

use chrono_tz::Tz;

use super::Rejected;
use super::columns::{Field, map_columns};
use super::dates::{SlashOrder, parse_created, slash_order};
use super::decode::{Encoding, decode, line_of};
use crate::core::error::shown;
use crate::core::error::{Error, Result};
use crate::core::export::FORMULA_STARTS;
use crate::core::model::NewLead;

/// One data row, ready for validation. `lead.status` and `lead.owner` hold
/// the cells as written; mapping them onto stages and users comes later.
#[derive(Debug, Clone)]
pub(super) struct Row {
    pub line: u64,
    pub lead: NewLead,
    pub note: Option<String>,
}

/// The file as read: rows, rows already rejected while reading, and what was learnt.
#[derive(Debug)]
pub(super) struct Parsed {
    pub rows: Vec<Row>,
    pub rejected: Vec<Rejected>,
    pub ignored_columns: Vec<String>,
    pub encoding: Encoding,
    pub delimiter: char,
    pub data_rows: usize,
}

/// Header names shown in the "no name or email column" error.
const HEADER_NAMES_SHOWN: usize = 8;

/// Read a whole CSV file into rows (no database involved); `now` bounds the
/// created dates.
pub(super) fn parse(bytes: &[u8], tz: Tz, now: i64) -> Result<Parsed> {
    let (mut text, encoding) = decode(bytes)?;
    // Excel's `sep=;` hint line: blank it out so line numbers stay physical.
    let mut delimiter = None;
    let first_line = text.lines().next().unwrap_or("").trim();
    if first_line.len() == 5 && first_line.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("sep=")) {
        delimiter = first_line.chars().nth(4);
        let end = text.find('\n').unwrap_or(text.len());
        text.replace_range(..end, "");
    }
    let delimiter = delimiter.unwrap_or_else(|| sniff_delimiter(&text));
    let delimiter_byte = u8::try_from(delimiter)
        .ok()
        .filter(u8::is_ascii)
        .ok_or_else(|| Error::invalid(format!("unsupported delimiter '{delimiter}' in the sep= line")))?;
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter_byte)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let header = loop {
        match records.next() {
            None => return Err(Error::invalid("the file has no header row (a CSV import needs one)")),
            Some(Ok(r)) if r.iter().all(|f| f.trim().is_empty()) => continue,
            Some(Ok(r)) => break r,
            Some(Err(e)) => return Err(Error::invalid(format!("cannot read the header row: {e}"))),
        }
    };
    let mut last_start = header.position().map_or(0, csv::Position::byte);
    let (columns, ignored_columns) = map_columns(&header);
    let has = |f: Field| columns.contains(&Some(f));
    if !(has(Field::Name) || has(Field::First) || has(Field::Last) || has(Field::Email)) {
        check_quotes_closed(&text, last_start, delimiter_byte)?;
        return Err(no_name_or_email(&header));
    }

    let mut raw: Vec<(u64, csv::StringRecord)> = Vec::new();
    let mut rejected = Vec::new();
    let mut data_rows = 0;
    let mut lines = Lines { text: text.as_bytes(), at: 0, line: 1 };
    for record in records {
        match record {
            Ok(r) => {
                last_start = r.position().map_or(last_start, csv::Position::byte);
                if r.iter().all(|f| f.trim().is_empty()) {
                    continue;
                }
                data_rows += 1;
                let line = lines.of(r.position());
                if r.len() != header.len() {
                    rejected.push(Rejected {
                        line,
                        error: format!(
                            "{} fields where the header has {} (an unquoted '{delimiter}' or line break?)",
                            r.len(),
                            header.len()
                        ),
                    });
                    continue;
                }
                raw.push((line, r));
            }
            Err(e) => {
                data_rows += 1;
                let line = lines.of(e.position());
                rejected.push(Rejected { line, error: format!("unreadable row: {e}") });
            }
        }
    }
    check_quotes_closed(&text, last_start, delimiter_byte)?;

    let created_index = columns.iter().position(|c| *c == Some(Field::Created));
    let order = slash_order(created_index.map(|i| raw.iter().filter_map(move |(_, r)| r.get(i))));
    let mut rows = Vec::with_capacity(raw.len());
    for (line, record) in raw {
        match to_row(&columns, &record, &Dates { tz, order, now }) {
            Ok((lead, note)) => rows.push(Row { line, lead, note }),
            Err(error) => rejected.push(Rejected { line, error }),
        }
    }
    Ok(Parsed { rows, rejected, ignored_columns, encoding, delimiter, data_rows })
}

/// Physical line numbers of records, counted forward through the text once.
/// (The CSV reader's own count lags a line behind in CRLF files.)
struct Lines<'a> {
    text: &'a [u8],
    at: usize,
    line: u64,
}

impl Lines<'_> {
    /// The line a record starting at `position` begins on; positions only
    /// move forward. The reader may place a record's start on the line break
    /// that ends the one before, so line breaks there are stepped over.
    fn of(&mut self, position: Option<&csv::Position>) -> u64 {
        let Some(position) = position else { return 0 };
        let mut start = usize::try_from(position.byte()).unwrap_or(usize::MAX).min(self.text.len());
        while matches!(self.text.get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        if start > self.at {
            self.line += self.text[self.at..start].iter().filter(|&&b| b == b'\n').count() as u64;
            self.at = start;
        }
        self.line
    }
}

fn no_name_or_email(header: &csv::StringRecord) -> Error {
    let found: Vec<String> =
        header.iter().map(str::trim).filter(|h| !h.is_empty()).map(|h| shown(h).into_owned()).collect();
    let mut list = found.iter().take(HEADER_NAMES_SHOWN).cloned().collect::<Vec<_>>().join(", ");
    if found.len() > HEADER_NAMES_SHOWN {
        list.push_str(&format!(" and {} more", found.len() - HEADER_NAMES_SHOWN));
    }
    Error::invalid(format!(
        "no name or email column in the header (found: {}); the first row must name the columns",
        if list.is_empty() { "nothing" } else { &list }
    ))
}

/// The file's last record (starting at byte `start`) must not end inside a
/// quoted field: the CSV reader would take the rest of the file as one
/// value and the rows in it would vanish without a word.
fn check_quotes_closed(text: &str, start: u64, delimiter: u8) -> Result<()> {
    let start = usize::try_from(start).unwrap_or(usize::MAX);
    let Some(open) = unclosed_quote(text.as_bytes(), start, delimiter) else { return Ok(()) };
    let line = line_of(text.as_bytes(), open);
    let last = line_of(text.as_bytes(), text.trim_end().len());
    let after: String = text[open + 1..].chars().take_while(|c| *c != '\n' && *c != '\r').collect();
    Err(Error::invalid(format!(
        "line {line}: the quote (\") before '{}' is never closed, so it swallows the rest of the file \
         (lines {line}–{last}); close it or remove it, then import again",
        shown(&after)
    )))
}

/// Where a quote opens that is still open at the end of `bytes`, reading
/// one record from `start` the way the CSV reader does: a quote opens only
/// at the start of a field, and `""` inside quotes is a quote.
fn unclosed_quote(bytes: &[u8], start: usize, delimiter: u8) -> Option<usize> {
    let mut open = None;
    let mut field_start = true;
    let mut i = start;
    while let Some(&b) = bytes.get(i) {
        match open {
            Some(_) if b == b'"' => {
                if bytes.get(i + 1) == Some(&b'"') {
                    i += 1;
                } else {
                    open = None;
                }
            }
            Some(_) => {}
            None if b == b'"' && field_start => {
                open = Some(i);
                field_start = false;
            }
            None => field_start = b == delimiter || b == b'\n' || b == b'\r',
        }
        i += 1;
    }
    open
}

/// Comma, semicolon or tab: whichever the header line (outside quotes) has most.
fn sniff_delimiter(text: &str) -> char {
    let mut counts = [(',', 0usize), (';', 0), ('\t', 0)];
    let mut quoted = false;
    for c in text.chars() {
        match c {
            '"' => quoted = !quoted,
            '\n' if !quoted => break,
            c if !quoted => {
                if let Some(slot) = counts.iter_mut().find(|(d, _)| *d == c) {
                    slot.1 += 1;
                }
            }
            _ => {}
        }
    }
    // max_by_key keeps the last maximum; iterate reversed so ties go to the comma.
    counts.iter().rev().max_by_key(|(_, n)| *n).filter(|(_, n)| *n > 0).map_or(',', |(d, _)| *d)
}

/// SPEC §7: a spreadsheet-safe export writes `'` before a value that begins
/// with `=`, `+`, `-`, `@`, tab or carriage return, so that a spreadsheet
/// shows it as text instead of running it; reading it back drops that `'`.
fn unprotect(value: &str) -> &str {
    match value.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_STARTS) => rest,
        _ => value,
    }
}

/// A field value: surrounding blanks go, so does a spreadsheet guard
/// ([`unprotect`]), and Windows line breaks inside a quoted value become
/// `\n` (as `lead add` would store them).
fn clean(value: &str) -> String {
    let value = unprotect(value.trim());
    if value.contains('\r') { value.replace("\r\n", "\n").replace('\r', "\n") } else { value.to_string() }
}

/// How created dates are read: office zone, the file's slash order, the clock.
struct Dates {
    tz: Tz,
    order: SlashOrder,
    now: i64,
}

fn to_row(
    columns: &[Option<Field>],
    record: &csv::StringRecord,
    dates: &Dates,
) -> std::result::Result<(NewLead, Option<String>), String> {
    let mut lead = NewLead::default();
    let (mut first, mut last, mut owner, mut status, mut tags, mut created, mut note) =
        (String::new(), String::new(), String::new(), String::new(), String::new(), String::new(), String::new());
    for (field, value) in columns.iter().zip(record.iter()) {
        let Some(field) = field else { continue };
        let slot = match field {
            Field::Name => &mut lead.name,
            Field::First => &mut first,
            Field::Last => &mut last,
            Field::Email => &mut lead.email,
            Field::Phone => &mut lead.phone,
            Field::Company => &mut lead.company,
            Field::Source => &mut lead.source,
            Field::Status => &mut status,
            Field::Owner => &mut owner,
            Field::Tags => &mut tags,
            Field::Created => &mut created,
            Field::Notes => &mut note,
        };
        // The first column of a field that is not empty on this row wins.
        if slot.is_empty() {
            *slot = clean(value);
        }
    }
    lead.status = Some(status).filter(|s| !s.is_empty());
    let no_owner = owner.is_empty() || ["unassigned", "none"].iter().any(|n| owner.eq_ignore_ascii_case(n));
    lead.owner = if no_owner { None } else { Some(owner) };
    lead.tags = tags.split([',', ';', '\n']).map(str::trim).map(str::to_string).collect();
    if !created.is_empty() {
        lead.created_at = Some(parse_created(dates.tz, &created, dates.order, dates.now)?.timestamp());
    }
    let note = Some(note).filter(|n| !n.is_empty());
    if lead.name.is_empty() {
        lead.name =
            [first.as_str(), last.as_str()].iter().filter(|s| !s.is_empty()).copied().collect::<Vec<_>>().join(" ");
    }
    Ok((lead, note))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_772_445_600; // 2026-03-02T10:00:00Z

    fn parse_str(text: &str) -> Parsed {
        parse(text.as_bytes(), Tz::UTC, NOW).unwrap()
    }

    #[test]
    fn delimiter_is_sniffed_from_the_header_outside_quotes() {
        assert_eq!(sniff_delimiter("Name;Email;\"a,b,c\"\nx,y,z,w"), ';');
        assert_eq!(sniff_delimiter("Name,Email\n"), ',');
        assert_eq!(sniff_delimiter("Name\tEmail\n"), '\t');
        assert_eq!(sniff_delimiter("Email\n"), ',');
    }

    #[test]
    fn sep_hint_line_sets_the_delimiter_and_keeps_line_numbers() {
        let p = parse_str("sep=;\nName;Email\nAnn;ann@x.com\nBo;bo@x.com\n");
        assert_eq!(p.delimiter, ';');
        assert_eq!(p.rows[0].line, 3);
        assert_eq!(p.rows[1].line, 4);
    }

    #[test]
    fn rows_keep_their_physical_line_in_crlf_files_too() {
        for text in [
            "\"Name\",\"Note\"\r\n\"A\",\"x\"\r\n\"B\",\"two\r\nlines\"\r\n\r\nC,z\r\n",
            "Name,Note\nA,x\nB,\"two\nlines\"\n\nC,z\n",
        ] {
            let p = parse_str(text);
            let lines: Vec<u64> = p.rows.iter().map(|r| r.line).collect();
            assert_eq!(lines, [2, 3, 6], "{text:?}");
        }
    }

    #[test]
    fn first_and_last_names_join_when_there_is_no_name() {
        let p = parse_str("First Name,Last Name,Email\nAnn,Lee,\n,Stone,b@x.com\n");
        assert_eq!(p.rows[0].lead.name, "Ann Lee");
        assert_eq!(p.rows[1].lead.name, "Stone");
    }

    #[test]
    fn a_spreadsheet_guard_quote_is_dropped_once_and_only_before_formula_characters() {
        let p = parse_str("Name,Company,Phone,Tags\n'=HYPERLINK(\"x\"),'@acme,'+1 555,'-cold\nO'Brien,'plain,''=x,\n");
        let a = &p.rows[0].lead;
        assert_eq!((a.name.as_str(), a.company.as_str(), a.phone.as_str()), ("=HYPERLINK(\"x\")", "@acme", "+1 555"));
        assert_eq!(a.tags, ["-cold"]);
        let b = &p.rows[1].lead;
        assert_eq!((b.name.as_str(), b.company.as_str(), b.phone.as_str()), ("O'Brien", "'plain", "''=x"));
    }

    #[test]
    fn an_unclosed_quote_names_the_line_where_it_opened() {
        let text = "Name,Company\nAnn,Acme\nBob,\"Stone, Bauer\nCy,Ray\nDee,Ode\n";
        let err = parse(text.as_bytes(), Tz::UTC, NOW).unwrap_err().to_string();
        assert!(err.starts_with("line 3: the quote (\") before 'Stone, Bauer' is never closed"), "{err}");
        assert!(err.contains("lines 3–5"), "{err}");
        assert_eq!(unclosed_quote(b"a,\"b\"\"c\",d\n", 0, b','), None, "doubled quotes inside quotes");
        assert_eq!(unclosed_quote(b"a,5\" screen,d\n", 0, b','), None, "a quote inside a value is a character");
    }

    #[test]
    fn a_huge_header_gives_a_short_error() {
        let header = format!("{},Colour\n1,red\n", "x".repeat(10_000_000));
        let err = parse(header.as_bytes(), Tz::UTC, NOW).unwrap_err().to_string();
        assert!(err.len() < 300, "{} bytes", err.len());
        assert!(err.contains("no name or email column"), "{err}");
    }
}
