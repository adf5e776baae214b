//! CSV import (SPEC §6): the file a user exports from another CRM or a
//! spreadsheet goes in as it is.
//!
//! Reading is pure and happens before the database is touched:
//! - encoding: UTF-8 with or without BOM; UTF-16 with a BOM; a file that is
//!   not UTF-8 at all (no valid multi-byte sequence anywhere) is read as
//!   Windows-1252, the superset of Latin-1 that spreadsheets on Windows write,
//!   and the report says so. A UTF-8 file with a stray invalid byte is an
//!   error naming the line, since guessing would garble the rest;
//! - delimiter: comma, semicolon or tab, whichever the header line uses most
//!   (an Excel `sep=;` first line wins);
//! - header matched by name with the usual aliases; unknown columns are
//!   reported once and ignored;
//! - every record keeps the physical line it starts on, for error messages.
//!
//! Writing is one [`Store::write_or_preview`] transaction: each row is checked
//! with [`leads::validate`] and created with [`leads::insert_rows`] (via `import`),
//! then, with routing, one [`Router`] plans every new lead and applies the plan
//! once at the end.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use super::context::Ctx;
use super::distribute::{Placement, Router, Unplaced};
use super::error::{Error, Result};
use super::model::{Lead, NewLead, normalise_tags};
use super::store::{Change, Store};
use super::{leads, settings, users};

/// How an import runs.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Every imported lead gets this owner (via `import`; not a delivery).
    pub assignee: Option<String>,
    /// Route each new lead without an owner through the rules (R3), if routing is on.
    pub route: bool,
    /// Do everything, report it, write nothing.
    pub dry_run: bool,
    /// Import nothing when any row is bad.
    pub strict: bool,
}

/// A row that was not imported, by the physical line it starts on.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rejected {
    pub line: u64,
    pub error: String,
}

/// The text encoding the file was read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Encoding {
    #[serde(rename = "utf-8")]
    Utf8,
    #[serde(rename = "utf-8-bom")]
    Utf8Bom,
    #[serde(rename = "utf-16le")]
    Utf16Le,
    #[serde(rename = "utf-16be")]
    Utf16Be,
    #[serde(rename = "windows-1252")]
    Windows1252,
}

impl Encoding {
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Utf8Bom => "utf-8-bom",
            Encoding::Utf16Le => "utf-16le",
            Encoding::Utf16Be => "utf-16be",
            Encoding::Windows1252 => "windows-1252",
        }
    }
}

/// What an import did (or, with `dry_run`, would do).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImportReport {
    pub batch: Option<i64>,
    /// Leads created.
    pub created: usize,
    /// Created leads that got an owner: from the owner column or `--assignee`
    /// (`rule` null) or by routing.
    pub assigned: Vec<Placement>,
    /// Created leads that routing could not place, and why. Leads imported
    /// without `--route` and without an owner are not listed here.
    pub unassigned: Vec<Unplaced>,
    pub rejected: Vec<Rejected>,
    /// Header names that matched no lead field (or repeated one), ignored.
    pub ignored_columns: Vec<String>,
    pub encoding: Encoding,
    pub delimiter: char,
    /// Data rows read (blank rows are not counted).
    pub rows: usize,
    pub dry_run: bool,
    /// `--strict` found bad rows, so nothing was imported.
    pub aborted: bool,
}

/// A lead field a column can feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Name,
    First,
    Last,
    Email,
    Phone,
    Company,
    Source,
    Status,
    Owner,
    Tags,
    Created,
    Notes,
}

/// Header names are compared lower-case with everything but letters and
/// digits removed, so `E-mail`, `e_mail` and `EMAIL` are one name.
fn normalise_header(name: &str) -> String {
    name.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

fn field_for(header: &str) -> Option<Field> {
    let field = match normalise_header(header).as_str() {
        "name" | "fullname" | "leadname" | "contactname" | "contact" | "customername" => Field::Name,
        "firstname" | "first" | "givenname" | "forename" => Field::First,
        "lastname" | "last" | "surname" | "familyname" => Field::Last,
        "email" | "emailaddress" | "mail" | "workemail" | "primaryemail" => Field::Email,
        "phone" | "phonenumber" | "telephone" | "tel" | "mobile" | "mobilephone" | "mobilenumber" | "phoneno"
        | "workphone" | "primaryphone" => Field::Phone,
        "company" | "companyname" | "organization" | "organisation" | "organizationname" | "organisationname"
        | "account" | "accountname" | "business" | "businessname" => Field::Company,
        "source" | "leadsource" | "origin" | "channel" => Field::Source,
        "status" | "leadstatus" | "stage" | "leadstage" => Field::Status,
        "owner" | "assignedto" | "leadowner" | "ownername" | "assignee" | "salesrep" => Field::Owner,
        "tags" | "tag" | "labels" | "label" => Field::Tags,
        "created" | "createdat" | "createdon" | "createddate" | "createdtime" | "createdate" | "datecreated"
        | "creationdate" => Field::Created,
        "notes" | "note" | "description" | "comments" | "comment" => Field::Notes,
        _ => return None,
    };
    Some(field)
}

/// One data row, ready for validation.
#[derive(Debug, Clone)]
struct Row {
    line: u64,
    lead: NewLead,
    note: Option<String>,
}

/// The file as read: rows, rows already rejected while reading, and what was learnt.
#[derive(Debug)]
struct Parsed {
    rows: Vec<Row>,
    rejected: Vec<Rejected>,
    ignored_columns: Vec<String>,
    encoding: Encoding,
    delimiter: char,
    data_rows: usize,
}

/// Import CSV `bytes` (a whole file) into the store.
pub fn import(store: &mut Store, ctx: &Ctx, bytes: &[u8], opts: &ImportOptions) -> Result<ImportReport> {
    users::require_manager(ctx, "import leads")?;
    if opts.route && opts.assignee.is_some() {
        return Err(Error::invalid("--assignee and --route cannot be combined"));
    }
    let assignee = match opts.assignee.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(name) => {
            let user = users::find(store.conn(), name)?;
            if !user.active {
                return Err(Error::invalid(format!("user '{}' is deactivated and cannot own leads", user.name)));
            }
            Some(user.name)
        }
        None => None,
    };
    let parsed = parse(bytes, ctx.tz)?;
    let cache: i64 = store.conn().pragma_query_value(None, "cache_size", |r| r.get(0))?;
    store.conn().pragma_update(None, "cache_size", -cache_kib(parsed.rows.len()).max(-cache))?;
    let written = write(store, ctx, &parsed, assignee.as_deref(), opts);
    store.conn().pragma_update(None, "cache_size", cache)?;
    let written = written?;
    Ok(ImportReport { batch: written.batch, ..written.value })
}

fn write(
    store: &mut Store,
    ctx: &Ctx,
    parsed: &Parsed,
    assignee: Option<&str>,
    opts: &ImportOptions,
) -> Result<super::store::Written<ImportReport>> {
    store.write_or_preview(ctx, "import", opts.dry_run, |w| {
        let mut report = ImportReport {
            batch: None,
            created: 0,
            assigned: Vec::new(),
            unassigned: Vec::new(),
            rejected: parsed.rejected.clone(),
            ignored_columns: parsed.ignored_columns.clone(),
            encoding: parsed.encoding,
            delimiter: parsed.delimiter,
            rows: parsed.data_rows,
            dry_run: opts.dry_run,
            aborted: false,
        };
        // Check every row first, so --strict can refuse before anything is written.
        let mut valid = Vec::with_capacity(parsed.rows.len());
        let lookup = leads::Lookup::load(w.conn())?;
        for row in &parsed.rows {
            let mut lead = row.lead.clone();
            if let Some(name) = assignee {
                lead.owner = Some(name.to_string());
            }
            match lookup.validate(&lead) {
                Ok((stage, owner)) => valid.push((row, lead, stage, owner)),
                Err(e @ (Error::Invalid(_) | Error::NotFound { .. })) => {
                    report.rejected.push(Rejected { line: row.line, error: e.to_string() });
                }
                Err(e) => return Err(e),
            }
        }
        report.rejected.sort_by_key(|r| r.line);
        if opts.strict && !report.rejected.is_empty() {
            report.aborted = true;
            return Ok(report);
        }
        let mut router = if opts.route && settings::is_on(w.conn(), settings::AUTO_ASSIGN)? {
            w.plan_reset()?;
            Some(Router::load(w.conn())?)
        } else {
            None
        };
        // Rows first, then their `created` activity in one statement, then
        // notes, owners and routing, so each lead's timeline reads in order.
        let rows: Vec<(&NewLead, i64, Option<i64>)> =
            valid.iter().map(|(_, lead, stage, owner)| (lead, *stage, *owner)).collect();
        let ids = leads::insert_rows(w, &rows)?;
        w.record_created(&ids, "import")?;
        report.created = ids.len();
        for ((row, lead, stage, owner), id) in valid.into_iter().zip(ids) {
            if let Some(owner) = owner {
                w.record(Change::owner(id, None, Some(owner), "import"))?;
            }
            if let Some(note) = &row.note {
                w.record(Change::event(Some(id), "note", "import", Some(note.clone())))?;
            }
            if let Some(owner) = owner {
                let name = lookup.user_name(owner).to_string();
                report.assigned.push(Placement { lead: id, owner: name, rule: None });
                continue;
            }
            match router.as_mut() {
                Some(router) => {
                    let created = as_inserted(id, &lead, stage, lookup.stage_name(stage), w.now());
                    match router.route(w, ctx, &created)? {
                        Ok((owner, rule)) => report.assigned.push(Placement { lead: id, owner, rule }),
                        Err(reason) => report.unassigned.push(Unplaced { lead: id, reason }),
                    }
                }
                None if opts.route => report.unassigned.push(Unplaced {
                    lead: id,
                    reason: "routing is paused (`leadrota routing on` resumes it)".to_string(),
                }),
                None => {}
            }
        }
        if let Some(router) = router {
            w.plan_apply()?;
            router.finish(w)?;
        }
        Ok(report)
    })
}

/// The lead [`leads::insert_rows`] just wrote, as the router sees it, without
/// reading it back: the same trimming, name fallback and tag set.
fn as_inserted(id: i64, new: &NewLead, stage_id: i64, status: &str, now: i64) -> Lead {
    let created = new.created_at.unwrap_or(now);
    let name = if new.name.trim().is_empty() { new.email.trim() } else { new.name.trim() };
    Lead {
        id,
        name: name.to_string(),
        email: new.email.trim().to_string(),
        phone: new.phone.trim().to_string(),
        company: new.company.trim().to_string(),
        source: new.source.trim().to_string(),
        stage_id,
        status: status.to_string(),
        tags: normalise_tags(&new.tags),
        owner_id: None,
        owner: None,
        created_at: created,
        updated_at: now,
        status_changed_at: created,
        assigned_at: None,
    }
}

/// Page cache for one import: big enough that the new leads' index pages
/// stay in memory until the commit instead of spilling to the WAL and being
/// read back (about 2 KiB a row, between SQLite's default 2 MiB and 256 MiB).
fn cache_kib(rows: usize) -> i64 {
    i64::try_from(rows.saturating_mul(2)).unwrap_or(i64::MAX).clamp(2_000, 262_144)
}

/// Read a whole CSV file into rows (no database involved).
fn parse(bytes: &[u8], tz: Tz) -> Result<Parsed> {
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
    let (columns, ignored_columns) = map_columns(&header);
    let has = |f: Field| columns.contains(&Some(f));
    if !(has(Field::Name) || has(Field::First) || has(Field::Last) || has(Field::Email)) {
        let found: Vec<&str> = header.iter().map(str::trim).filter(|h| !h.is_empty()).collect();
        return Err(Error::invalid(format!(
            "no name or email column in the header (found: {}); the first row must name the columns",
            if found.is_empty() { "nothing".to_string() } else { found.join(", ") }
        )));
    }

    let mut raw: Vec<(u64, csv::StringRecord)> = Vec::new();
    let mut rejected = Vec::new();
    let mut data_rows = 0;
    for record in records {
        match record {
            Ok(r) => {
                if r.iter().all(|f| f.trim().is_empty()) {
                    continue;
                }
                data_rows += 1;
                let line = r.position().map_or(0, csv::Position::line);
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
                let line = e.position().map_or(0, csv::Position::line);
                rejected.push(Rejected { line, error: format!("unreadable row: {e}") });
            }
        }
    }

    let created_index = columns.iter().position(|c| *c == Some(Field::Created));
    let order = slash_order(created_index.map(|i| raw.iter().filter_map(move |(_, r)| r.get(i))));
    let mut rows = Vec::with_capacity(raw.len());
    for (line, record) in raw {
        match to_row(&columns, &record, tz, order) {
            Ok((lead, note)) => rows.push(Row { line, lead, note }),
            Err(error) => rejected.push(Rejected { line, error }),
        }
    }
    Ok(Parsed { rows, rejected, ignored_columns, encoding, delimiter, data_rows })
}

/// The field each column feeds (first one wins), and the names of ignored columns.
fn map_columns(header: &csv::StringRecord) -> (Vec<Option<Field>>, Vec<String>) {
    let mut columns = Vec::with_capacity(header.len());
    let mut ignored = Vec::new();
    for name in header {
        let name = name.trim();
        let field = field_for(name).filter(|f| !columns.contains(&Some(*f)));
        if field.is_none() && !name.is_empty() {
            ignored.push(name.to_string());
        }
        columns.push(field);
    }
    (columns, ignored)
}

/// A field value: surrounding blanks go, Windows line breaks inside a quoted
/// value become `\n` (as `lead add` would store them).
fn clean(value: &str) -> String {
    let value = value.trim();
    if value.contains('\r') { value.replace("\r\n", "\n").replace('\r', "\n") } else { value.to_string() }
}

fn to_row(
    columns: &[Option<Field>],
    record: &csv::StringRecord,
    tz: Tz,
    order: SlashOrder,
) -> std::result::Result<(NewLead, Option<String>), String> {
    let mut lead = NewLead::default();
    let (mut first, mut last, mut note) = (String::new(), String::new(), None);
    for (field, value) in columns.iter().zip(record.iter()) {
        let Some(field) = field else { continue };
        match field {
            Field::Name => lead.name = clean(value),
            Field::First => first = clean(value),
            Field::Last => last = clean(value),
            Field::Email => lead.email = clean(value),
            Field::Phone => lead.phone = clean(value),
            Field::Company => lead.company = clean(value),
            Field::Source => lead.source = clean(value),
            Field::Status => lead.status = Some(clean(value)).filter(|s| !s.is_empty()),
            Field::Owner => {
                let owner = clean(value);
                let none = owner.is_empty() || ["unassigned", "none"].iter().any(|n| owner.eq_ignore_ascii_case(n));
                lead.owner = if none { None } else { Some(owner) };
            }
            Field::Tags => lead.tags = value.split([',', ';', '\n']).map(str::trim).map(str::to_string).collect(),
            Field::Created => {
                let text = clean(value);
                if !text.is_empty() {
                    lead.created_at = Some(parse_created(tz, &text, order)?.timestamp());
                }
            }
            Field::Notes => {
                let text = clean(value);
                if !text.is_empty() {
                    note = Some(text);
                }
            }
        }
    }
    if lead.name.is_empty() {
        lead.name =
            [first.as_str(), last.as_str()].iter().filter(|s| !s.is_empty()).copied().collect::<Vec<_>>().join(" ");
    }
    if !lead.email.is_empty() && !lead.email.contains('@') {
        return Err(format!("bad email '{}'", lead.email));
    }
    Ok((lead, note))
}

// ---------------------------------------------------------------- encoding

/// The file as text, and the encoding it was read in.
fn decode(bytes: &[u8]) -> Result<(String, Encoding)> {
    if bytes.is_empty() {
        return Err(Error::invalid("the file is empty (a CSV import needs a header row)"));
    }
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Err(Error::invalid(
            "this is a spreadsheet workbook, not CSV; save it as \"CSV UTF-8\" and import that",
        ));
    }
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return Ok((utf8(rest, 1)?, Encoding::Utf8Bom));
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        return Ok((utf16(rest, u16::from_le_bytes)?, Encoding::Utf16Le));
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        return Ok((utf16(rest, u16::from_be_bytes)?, Encoding::Utf16Be));
    }
    if let Some(at) = bytes.iter().position(|&b| b == 0) {
        return Err(Error::invalid(format!(
            "line {}: the file contains NUL bytes; it is not a text CSV (UTF-16 without a byte-order mark?)",
            line_of(bytes, at)
        )));
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok((text.to_string(), Encoding::Utf8));
    }
    // Not UTF-8. If some of it is UTF-8 beyond ASCII, it is a damaged UTF-8
    // file: transcoding would garble the good part, so say where it breaks.
    let multibyte_utf8 = bytes.utf8_chunks().any(|chunk| !chunk.valid().is_ascii());
    if multibyte_utf8 {
        let at = std::str::from_utf8(bytes).err().map_or(0, |e| e.valid_up_to());
        return Err(Error::invalid(format!(
            "line {}: invalid UTF-8 (byte 0x{:02X}) in a file that is otherwise UTF-8; re-save it as \"CSV UTF-8\"",
            line_of(bytes, at),
            bytes.get(at).copied().unwrap_or(0)
        )));
    }
    Ok((bytes.iter().map(|&b| windows_1252(b)).collect(), Encoding::Windows1252))
}

fn utf8(bytes: &[u8], first_line: usize) -> Result<String> {
    std::str::from_utf8(bytes).map(str::to_string).map_err(|e| {
        let at = e.valid_up_to();
        Error::invalid(format!(
            "line {}: invalid UTF-8 (byte 0x{:02X}) although the file starts with a UTF-8 byte-order mark; \
             re-save it as \"CSV UTF-8\"",
            line_of(bytes, at) + first_line - 1,
            bytes.get(at).copied().unwrap_or(0)
        ))
    })
}

fn utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16) -> Result<String> {
    let units = bytes.chunks(2).map(|pair| unit([pair[0], pair.get(1).copied().unwrap_or(0)]));
    let mut out = String::with_capacity(bytes.len() / 2);
    let mut line = 1;
    for c in char::decode_utf16(units) {
        match c {
            Ok(c) => {
                if c == '\n' {
                    line += 1;
                }
                out.push(c);
            }
            Err(_) => return Err(Error::invalid(format!("line {line}: invalid UTF-16 (an unpaired surrogate)"))),
        }
    }
    Ok(out)
}

fn line_of(bytes: &[u8], offset: usize) -> usize {
    bytes[..offset.min(bytes.len())].iter().filter(|&&b| b == b'\n').count() + 1
}

/// Windows-1252: Latin-1 plus printable characters in 0x80–0x9F.
fn windows_1252(byte: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8D}', 'Ž', '\u{8F}', '\u{90}', '‘',
        '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9D}', 'ž', 'Ÿ',
    ];
    match byte {
        0x80..=0x9F => HIGH[usize::from(byte - 0x80)],
        _ => char::from(byte),
    }
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

// ------------------------------------------------------------------- dates

/// Day/month order of `dd/dd/yyyy` dates, decided once per file from the
/// values that can only be read one way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SlashOrder {
    DayFirst,
    MonthFirst,
    Unknown,
    Conflicting,
}

fn slash_parts(text: &str) -> Option<(u32, u32)> {
    let mut parts = text.trim().split(['/', ' ', 'T']);
    let a = parts.next()?.parse().ok()?;
    let b = parts.next()?.parse().ok()?;
    parts.next()?.parse::<u32>().ok()?;
    Some((a, b))
}

fn slash_order<'a>(values: Option<impl Iterator<Item = &'a str>>) -> SlashOrder {
    let (mut day_first, mut month_first) = (false, false);
    for (a, b) in values.into_iter().flatten().filter_map(slash_parts) {
        day_first |= a > 12 && b <= 12;
        month_first |= b > 12 && a <= 12;
    }
    match (day_first, month_first) {
        (true, false) => SlashOrder::DayFirst,
        (false, true) => SlashOrder::MonthFirst,
        (true, true) => SlashOrder::Conflicting,
        (false, false) => SlashOrder::Unknown,
    }
}

const TIME_FORMATS: [&str; 4] = ["%H:%M:%S%.f", "%H:%M:%S", "%H:%M", "%I:%M %p"];

/// A created date: RFC 3339, `YYYY-MM-DD[ HH:MM[:SS]]` or `DD.MM.YYYY[ HH:MM[:SS]]`
/// in office time, or `dd/dd/yyyy` when the file shows the day/month order.
fn parse_created(tz: Tz, text: &str, order: SlashOrder) -> std::result::Result<DateTime<Utc>, String> {
    let bad = || format!("bad created date '{text}' (expected YYYY-MM-DD, YYYY-MM-DD HH:MM, DD.MM.YYYY or RFC 3339)");
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    let (date_part, time_part) = match text.split_once([' ', 'T']) {
        Some((d, t)) => (d, Some(t.trim())),
        None => (text, None),
    };
    let date = if date_part.contains('/') {
        let formats: &[&str] = match order {
            SlashOrder::DayFirst => &["%d/%m/%Y"],
            SlashOrder::MonthFirst => &["%m/%d/%Y"],
            SlashOrder::Unknown | SlashOrder::Conflicting => {
                if let Some((a, b)) = slash_parts(date_part)
                    && a == b
                {
                    &["%d/%m/%Y"]
                } else if order == SlashOrder::Conflicting {
                    return Err(format!(
                        "created date '{text}': the file mixes day-first and month-first dates; use YYYY-MM-DD"
                    ));
                } else {
                    return Err(format!("ambiguous created date '{text}' (day/month order unknown); use YYYY-MM-DD"));
                }
            }
        };
        formats.iter().find_map(|f| NaiveDate::parse_from_str(date_part, f).ok())
    } else {
        ["%Y-%m-%d", "%d.%m.%Y"].iter().find_map(|f| NaiveDate::parse_from_str(date_part, f).ok())
    };
    let date = date.ok_or_else(bad)?;
    let time = match time_part.filter(|t| !t.is_empty()) {
        None => NaiveTime::MIN,
        Some(t) => TIME_FORMATS.iter().find_map(|f| NaiveTime::parse_from_str(t, f).ok()).ok_or_else(bad)?,
    };
    local(tz, date.and_time(time)).ok_or_else(bad)
}

/// Office-local wall time to UTC; a time in a DST gap moves forward past it.
fn local(tz: Tz, naive: NaiveDateTime) -> Option<DateTime<Utc>> {
    (0..5)
        .find_map(|step| tz.from_local_datetime(&(naive + Duration::minutes(30 * step))).earliest())
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> Parsed {
        parse(text.as_bytes(), Tz::UTC).unwrap()
    }

    #[test]
    fn headers_match_aliases_whatever_the_spelling() {
        for (h, f) in [
            ("E-mail", Field::Email),
            ("Phone Number", Field::Phone),
            ("Company Name", Field::Company),
            ("Organization", Field::Company),
            ("Lead Source", Field::Source),
            ("Lead Status", Field::Status),
            ("Assigned To", Field::Owner),
            ("first_name", Field::First),
            ("Created at", Field::Created),
            ("Full Name", Field::Name),
        ] {
            assert_eq!(field_for(h), Some(f), "{h}");
        }
        assert_eq!(field_for("Deal value"), None);
    }

    #[test]
    fn delimiter_is_sniffed_from_the_header_outside_quotes() {
        assert_eq!(sniff_delimiter("Name;Email;\"a,b,c\"\nx,y,z,w"), ';');
        assert_eq!(sniff_delimiter("Name,Email\n"), ',');
        assert_eq!(sniff_delimiter("Name\tEmail\n"), '\t');
        assert_eq!(sniff_delimiter("Email\n"), ',');
    }

    #[test]
    fn windows_1252_maps_the_high_range() {
        assert_eq!(windows_1252(0x80), '€');
        assert_eq!(windows_1252(0xE9), 'é');
        assert_eq!(windows_1252(b'a'), 'a');
    }

    #[test]
    fn a_stray_byte_in_a_utf8_file_is_an_error_naming_the_line() {
        let err = decode(b"Name\nZo\xC3\xAB\nJos\xE9\n").unwrap_err().to_string();
        assert!(err.contains("line 3") && err.contains("0xE9"), "{err}");
    }

    #[test]
    fn sep_hint_line_sets_the_delimiter_and_keeps_line_numbers() {
        let p = parse_str("sep=;\nName;Email\nAnn;ann@x.com\nBo;bo@x.com\n");
        assert_eq!(p.delimiter, ';');
        assert_eq!(p.rows[0].line, 3);
        assert_eq!(p.rows[1].line, 4);
    }

    #[test]
    fn slash_dates_follow_the_order_the_file_shows() {
        let t = |s: &str, o| parse_created(Tz::UTC, s, o).map(|t| t.to_rfc3339());
        assert_eq!(t("25/03/2026", SlashOrder::DayFirst).unwrap(), "2026-03-25T00:00:00+00:00");
        assert_eq!(t("03/04/2026 14:30", SlashOrder::MonthFirst).unwrap(), "2026-03-04T14:30:00+00:00");
        assert!(t("03/04/2026", SlashOrder::Unknown).unwrap_err().contains("ambiguous"));
        assert_eq!(slash_order(Some(["03/04/2026", "25/03/2026"].into_iter())), SlashOrder::DayFirst);
        assert!(t("yesterday", SlashOrder::Unknown).is_err());
        assert_eq!(t("31.12.2025 23:59", SlashOrder::Unknown).unwrap(), "2025-12-31T23:59:00+00:00");
    }

    #[test]
    fn first_and_last_names_join_when_there_is_no_name() {
        let p = parse_str("First Name,Last Name,Email\nAnn,Lee,\n,Stone,b@x.com\n");
        assert_eq!(p.rows[0].lead.name, "Ann Lee");
        assert_eq!(p.rows[1].lead.name, "Stone");
    }
}
