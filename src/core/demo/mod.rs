//! The demo database: a small sales team's CRM with two years of history,
//! generated deterministically from a seed.
//!
//! All of it is one write (`store.write(ctx, "demo", …)`):
//! 1. the team (20 users), five groups with members, limits and pick-up
//!    stages, six rules; the limits are sized to the lead volume so that they
//!    bite on busy days only;
//! 2. a producer thread simulates the two years: creation times drawn from a
//!    growing, office-hours shaped distribution and sorted (lead ids follow
//!    time), then every lead in order is routed as it would have been (rules,
//!    sequential / random / balanced rotation, daily and monthly limits per
//!    office-local day and month, overflow assigned by hand), and its history
//!    events are queued in a min-heap so that they leave in time order;
//! 3. this thread writes what the producer sends: leads, tags and activity
//!    with multi-row INSERTs, one batch (`demo`) per office-local day of
//!    events, deliveries for group hand-outs, notifications for the last days.
//!
//! For speed the secondary indexes of the bulk tables are dropped first and
//! built again at the end, and foreign keys are not checked row by row (the
//! rows are consistent by construction; the tests run `foreign_key_check`).
//! Measured on a 1,000,000-lead file (2 cores): keeping the indexes during
//! the load was 30–60 % slower than rebuilding them, checking foreign keys
//! cost about a fifth of the CPU time, and a larger page cache or sorter
//! threads made no measurable difference.
//!
//! Randomness comes only from a `ChaCha8Rng` seeded with the seed, and the
//! arithmetic uses only correctly rounded operations (`+ - * / sqrt`), so the
//! same seed and the same clock give the same bytes on every build.

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::fmt::Write as _;
use std::sync::mpsc::{Receiver, SyncSender};

use chrono::{DateTime, Datelike, NaiveDate, Offset, TimeZone, Utc};
use chrono_tz::Tz;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rusqlite::config::DbConfig;
use rusqlite::{CachedStatement, Connection, Statement, params};

use super::context::Ctx;
use super::error::{Error, Result};
use super::model::{Role, email_key, phone_key};
use super::store::Store;
use super::time::local_midnight;

const FIRST_NAMES: &str = include_str!("../../../assets/demo/first_names.txt");
const LAST_NAMES: &str = include_str!("../../../assets/demo/last_names.txt");
const COMPANY_WORDS: &str = include_str!("../../../assets/demo/company_words.txt");
const INDUSTRIES: &str = include_str!("../../../assets/demo/industries.txt");

/// More than this would only exhaust memory and patience.
pub const MAX_LEADS: u64 = 10_000_000;

const DAY: i64 = 86_400;
const HISTORY_DAYS: i64 = 730;
/// Lead volume grows over the two years: the density at the end is
/// `1 + GROWTH` times the density at the start.
const GROWTH: f64 = 3.0;
/// Drop the secondary indexes of the bulk tables (and the search index's
/// triggers) during the load and build them again at the end (same
/// transaction, same definitions): measured faster than maintaining them row
/// by row.
const REBUILD_INDEXES: bool = true;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoOptions {
    pub leads: u64,
    pub seed: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoSummary {
    pub leads: u64,
    pub unassigned: u64,
    pub users: u64,
    pub groups: u64,
    pub rules: u64,
    pub activity: u64,
}

/// Fill an empty, migrated store. Refuses (Error::invalid) if the store already has leads or users.
pub fn generate(store: &mut Store, ctx: &Ctx, opts: &DemoOptions) -> Result<DemoSummary> {
    if opts.leads > MAX_LEADS {
        return Err(Error::invalid(format!("demo makes at most {MAX_LEADS} leads (asked for {})", opts.leads)));
    }
    let written = store.write(ctx, "demo", |w| {
        ensure_empty(w.conn())?;
        // Every row below is consistent by construction (the tests check it
        // with `PRAGMA foreign_key_check`); checking each of some six million
        // references as it goes costs a fifth of the run. The PRAGMA cannot
        // change inside a transaction, the connection option can; it is put
        // back whatever happens.
        let conn = w.conn();
        let enforced = conn.db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_FKEY)?;
        conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_FKEY, false)?;
        let result = Generator::new(ctx, opts).run(conn, w.batch());
        conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_FKEY, enforced)?;
        let summary = result?;
        // A deactivated user keeps their history but has left every rotation (A12).
        conn.execute("DELETE FROM memberships WHERE user_id IN (SELECT id FROM users WHERE active = 0)", [])?;
        w.count_bulk(usize::try_from(summary.activity).unwrap_or(usize::MAX));
        Ok(summary)
    })?;
    Ok(written.value)
}

fn ensure_empty(conn: &Connection) -> Result<()> {
    let used: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM leads) OR EXISTS (SELECT 1 FROM users) \
         OR EXISTS (SELECT 1 FROM user_groups) OR EXISTS (SELECT 1 FROM rules)",
        [],
        |r| r.get(0),
    )?;
    if used {
        return Err(Error::invalid("the database already holds leads or users; demo data only goes into an empty one"));
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// The team, its groups and its rules.

#[derive(Clone, Copy, PartialEq, Eq)]
enum Standing {
    Active,
    OnLeave,
    Deactivated,
}

struct Person {
    name: &'static str,
    role: Role,
    can_pickup: bool,
    joined_days_ago: i64,
    standing: Standing,
}

const fn person(name: &'static str, role: Role, can_pickup: bool, joined_days_ago: i64, standing: Standing) -> Person {
    Person { name, role, can_pickup, joined_days_ago, standing }
}

/// User ids are positions in this list, from 1.
const TEAM: [Person; 20] = [
    person("Priya", Role::Admin, false, 790, Standing::Active),
    person("Marcus", Role::Manager, false, 780, Standing::Active),
    person("Helen", Role::Manager, false, 770, Standing::Active),
    person("Tom", Role::Agent, true, 760, Standing::Active),
    person("Stephanie", Role::Agent, true, 760, Standing::Active),
    person("Lewis", Role::Agent, false, 755, Standing::Active),
    person("Denise", Role::Agent, true, 750, Standing::Active),
    person("Aaron", Role::Agent, false, 748, Standing::Active),
    person("Zoë", Role::Agent, false, 430, Standing::Active),
    person("Rafael", Role::Agent, true, 745, Standing::Active),
    person("Grace", Role::Agent, false, 700, Standing::Active),
    person("Omar", Role::Agent, false, 740, Standing::Active),
    person("Sofia", Role::Agent, true, 735, Standing::Active),
    person("Kenji", Role::Agent, false, 735, Standing::Active),
    person("Hannah", Role::Agent, false, 600, Standing::OnLeave),
    person("Diego", Role::Agent, true, 730, Standing::Active),
    person("Fatima", Role::Agent, true, 250, Standing::Active),
    person("Liam", Role::Agent, false, 742, Standing::Deactivated),
    person("Ingrid", Role::Agent, false, 725, Standing::Active),
    person("Noah", Role::Agent, false, 58, Standing::Active),
];
const PRIYA: i64 = 1;
const MARCUS: i64 = 2;
const HELEN: i64 = 3;
/// Liam left this many days ago; his leads went to Noah, who had just joined.
const LIAM: i64 = 18;
const NOAH: i64 = 20;
const DEPARTED_DAYS_AGO: i64 = 45;
const LEAVE_DAYS_AGO: i64 = 9;
/// Users whose recent notifications are still unread.
const UNREAD_USERS: [i64; 5] = [4, 5, 6, 7, 13];
const TEAM_DOMAIN: &str = "harborfinch.com";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Method {
    Sequential,
    Random,
    Balanced,
}

impl Method {
    fn as_str(self) -> &'static str {
        match self {
            Method::Sequential => "sequential",
            Method::Random => "random",
            Method::Balanced => "balanced",
        }
    }
}

/// A per-member limit that differs from the group's: a fraction of it.
struct Override {
    member: &'static str,
    daily: Option<(i64, i64)>,
    monthly: Option<(i64, i64)>,
}

struct GroupSpec {
    name: &'static str,
    method: Method,
    /// In rotation order; members who joined later come last.
    members: &'static [&'static str],
    pickup: &'static [i64],
    /// Rough share of all leads the rules send here; sizes the limits.
    share: f64,
    daily: bool,
    monthly: bool,
    overrides: &'static [Override],
}

/// Group ids are positions in this list, from 1.
const GROUPS: [GroupSpec; 5] = [
    GroupSpec {
        name: "Inbound",
        method: Method::Sequential,
        members: &["Tom", "Stephanie", "Lewis", "Denise"],
        pickup: &[1, 2],
        share: 0.29,
        daily: true,
        monthly: false,
        overrides: &[],
    },
    GroupSpec {
        name: "Web leads",
        method: Method::Random,
        members: &["Aaron", "Rafael", "Grace", "Omar", "Hannah", "Zoë"],
        pickup: &[1],
        share: 0.38,
        daily: true,
        monthly: true,
        overrides: &[Override { member: "Zoë", daily: Some((1, 2)), monthly: Some((1, 2)) }],
    },
    GroupSpec {
        name: "Enterprise",
        method: Method::Balanced,
        members: &["Sofia", "Kenji", "Ingrid"],
        pickup: &[],
        share: 0.06,
        daily: false,
        monthly: true,
        overrides: &[Override { member: "Kenji", daily: None, monthly: Some((3, 5)) }],
    },
    GroupSpec {
        name: "Partners",
        method: Method::Sequential,
        members: &["Diego", "Liam", "Fatima", "Noah"],
        pickup: &[],
        share: 0.045,
        daily: false,
        monthly: false,
        overrides: &[],
    },
    GroupSpec {
        name: "EMEA",
        method: Method::Balanced,
        members: &["Ingrid", "Omar", "Stephanie", "Fatima"],
        pickup: &[1, 2],
        share: 0.09,
        daily: true,
        monthly: true,
        overrides: &[],
    },
];

#[derive(Clone, Copy)]
enum Target {
    Group(i64),
    User(i64),
}

struct RuleSpec {
    name: &'static str,
    target: Target,
    /// Days ago the rule was switched off, if it was.
    disabled_days_ago: Option<i64>,
    conditions: &'static [(&'static str, &'static str, &'static str)],
}

/// Rule ids and priorities are positions in this list, from 1.
const RULES: [RuleSpec; 6] = [
    RuleSpec {
        name: "Partner referrals",
        target: Target::Group(4),
        disabled_days_ago: None,
        conditions: &[("source", "is", "Referral"), ("tag", "is", "partner")],
    },
    RuleSpec {
        name: "Enterprise and VIP",
        target: Target::Group(3),
        disabled_days_ago: None,
        conditions: &[("tag", "in", "enterprise,vip"), ("email_domain", "is_not", "gmail.com")],
    },
    RuleSpec {
        name: "Trade shows to Helen",
        target: Target::User(HELEN),
        disabled_days_ago: Some(120),
        conditions: &[("source", "is", "Trade show")],
    },
    RuleSpec {
        name: "DACH companies",
        target: Target::Group(5),
        disabled_days_ago: None,
        conditions: &[("company", "contains", "GmbH")],
    },
    RuleSpec {
        name: "Paid ads",
        target: Target::Group(2),
        disabled_days_ago: None,
        conditions: &[("source", "in", "Facebook,Google,LinkedIn"), ("status", "is", "New")],
    },
    RuleSpec {
        name: "Website and referrals",
        target: Target::Group(1),
        disabled_days_ago: None,
        conditions: &[("source", "in", "Website,Referral")],
    },
];

const SOURCES: [(&str, u32); 8] = [
    ("Website", 22),
    ("Google", 20),
    ("Facebook", 17),
    ("CSV import", 12),
    ("Referral", 10),
    ("LinkedIn", 7),
    ("Trade show", 7),
    ("Cold call", 5),
];
const TAGS: [(&str, u32); 7] =
    [("follow-up", 24), ("newsletter", 20), ("hot", 15), ("smb", 17), ("enterprise", 6), ("vip", 5), ("partner", 5)];
const TAG_COUNTS: [u32; 4] = [45, 35, 15, 5];

/// Relative chance of a lead arriving on a local weekday (Monday first) and hour.
const WEEKDAY_WEIGHT: [u32; 7] = [100, 95, 92, 90, 80, 35, 25];
const HOUR_WEIGHT: [u32; 24] =
    [10, 6, 4, 4, 5, 10, 25, 50, 80, 95, 100, 100, 90, 95, 100, 95, 90, 80, 65, 55, 45, 35, 25, 15];

const STAGE_NEW: i64 = 1;
const STAGE_LOST: i64 = 6;

struct Region {
    weight: u32,
    tlds: &'static [&'static str],
    suffixes: &'static [(&'static str, u32)],
    personal: &'static [&'static str],
}

const US: usize = 0;
const UK: usize = 1;
const DACH: usize = 2;
const SPAIN: usize = 3;
const FRANCE: usize = 4;
const NETHERLANDS: usize = 5;

const REGIONS: [Region; 7] = [
    Region {
        weight: 50,
        tlds: &[".com"],
        suffixes: &[("", 5), (" Inc.", 3), (" LLC", 2), (" Co.", 1)],
        personal: &["gmail.com", "gmail.com", "outlook.com", "yahoo.com", "icloud.com", "hotmail.com"],
    },
    Region {
        weight: 15,
        tlds: &[".co.uk", ".co.uk", ".com"],
        suffixes: &[(" Ltd", 6), ("", 3), (" plc", 1)],
        personal: &["gmail.com", "outlook.com", "btinternet.com", "yahoo.co.uk"],
    },
    Region {
        weight: 15,
        tlds: &[".de", ".de", ".de", ".at", ".ch"],
        suffixes: &[(" GmbH", 7), (" AG", 2), (" KG", 1)],
        personal: &["gmail.com", "gmx.de", "web.de", "t-online.de"],
    },
    Region {
        weight: 6,
        tlds: &[".es"],
        suffixes: &[(" S.L.", 3), (" S.A.", 1)],
        personal: &["gmail.com", "hotmail.es", "outlook.es"],
    },
    Region {
        weight: 6,
        tlds: &[".fr"],
        suffixes: &[(" SARL", 2), (" SAS", 2), (" SA", 1)],
        personal: &["gmail.com", "orange.fr", "free.fr"],
    },
    Region {
        weight: 4,
        tlds: &[".nl"],
        suffixes: &[(" B.V.", 3), ("", 1)],
        personal: &["gmail.com", "ziggo.nl", "outlook.com"],
    },
    Region {
        weight: 4,
        tlds: &[".se", ".dk", ".no"],
        suffixes: &[(" AB", 2), ("", 1)],
        personal: &["gmail.com", "outlook.com", "hotmail.com"],
    },
];

// ---------------------------------------------------------------------------
// Small helpers.

fn words(text: &'static str) -> Vec<&'static str> {
    text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).collect()
}

fn pick<'a>(rng: &mut ChaCha8Rng, list: &[&'a str]) -> &'a str {
    if list.is_empty() {
        return "";
    }
    list[rng.random_range(0..list.len())]
}

fn weighted(rng: &mut ChaCha8Rng, weights: impl Iterator<Item = u32> + Clone) -> usize {
    let total: u32 = weights.clone().sum();
    if total == 0 {
        return 0;
    }
    let mut r = rng.random_range(0..total);
    let mut last = 0;
    for (i, w) in weights.enumerate() {
        if r < w {
            return i;
        }
        r -= w;
        last = i;
    }
    last
}

fn pick_weighted<T: Copy>(rng: &mut ChaCha8Rng, items: &[(T, u32)], fallback: T) -> T {
    let i = weighted(rng, items.iter().map(|(_, w)| *w));
    items.get(i).map_or(fallback, |(t, _)| *t)
}

/// A uniform number in `[0, 1)`.
fn unit(rng: &mut ChaCha8Rng) -> f64 {
    rng.random::<f64>()
}

/// A random span in `lo..hi` seconds, skewed towards `lo` by `power`.
fn skewed(rng: &mut ChaCha8Rng, lo: i64, hi: i64, power: u32) -> i64 {
    let mut u = unit(rng);
    let base = u;
    for _ in 1..power {
        u *= base;
    }
    lo + (u * (hi - lo) as f64) as i64
}

/// Round up to a number a manager would type: 1, 2, 3, 5, 8, 10, 12, 15, 20, 25, 30, 40, 50, 60, 75, 100, …
fn nice(x: f64) -> i64 {
    let mut p: i64 = 1;
    while ((p * 10) as f64) <= x && p < 1_000_000_000 {
        p *= 10;
    }
    for step in [10, 12, 15, 20, 25, 30, 40, 50, 60, 75, 100] {
        let candidate = (p * step / 10).max(1);
        if candidate as f64 >= x {
            return candidate;
        }
    }
    p * 10
}

/// ASCII form of a name for an email address: `José` → `jose`, `Müller` → `mueller`.
fn fold(text: &str, out: &mut String) {
    for c in text.chars() {
        let lower = c.to_lowercase().next().unwrap_or(c);
        match lower {
            'a'..='z' | '0'..='9' => out.push(lower),
            'ä' | 'æ' => out.push_str("ae"),
            'ö' | 'œ' => out.push_str("oe"),
            'ü' => out.push_str("ue"),
            'ß' => out.push_str("ss"),
            'á' | 'à' | 'â' | 'ã' | 'å' | 'ā' | 'ą' => out.push('a'),
            'é' | 'è' | 'ê' | 'ë' | 'ę' | 'ě' => out.push('e'),
            'í' | 'ì' | 'î' | 'ï' => out.push('i'),
            'ó' | 'ò' | 'ô' | 'õ' | 'ø' | 'ő' => out.push('o'),
            'ú' | 'ù' | 'û' | 'ů' | 'ű' => out.push('u'),
            'ñ' | 'ń' => out.push('n'),
            'ç' | 'ć' | 'č' => out.push('c'),
            'ś' | 'š' => out.push('s'),
            'ź' | 'ż' | 'ž' => out.push('z'),
            'ł' => out.push('l'),
            'ř' => out.push('r'),
            'ý' => out.push('y'),
            'đ' => out.push('d'),
            _ => {}
        }
    }
}

fn contains_ignore_case(haystack: &str, needle: &str) -> bool {
    if needle.is_ascii() {
        let n = needle.len();
        n == 0 || haystack.as_bytes().windows(n).any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
    } else {
        haystack.to_lowercase().contains(&needle.to_lowercase())
    }
}

fn folded(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    fold(text, &mut out);
    out
}

fn push_digits(rng: &mut ChaCha8Rng, out: &mut String, n: usize) {
    for _ in 0..n {
        out.push(char::from(b'0' + rng.random_range(0..10u8)));
    }
}

/// A phone number as people type them in the region.
fn phone(rng: &mut ChaCha8Rng, region: usize, out: &mut String) {
    let d = |rng: &mut ChaCha8Rng, n: usize| {
        let mut s = String::with_capacity(n);
        push_digits(rng, &mut s, n);
        s
    };
    let style = rng.random_range(0..4u32);
    let _ = match region {
        US => {
            const AREAS: [&str; 20] = [
                "212", "646", "415", "312", "617", "206", "303", "512", "305", "404", "213", "702", "615", "503",
                "612", "214", "480", "919", "704", "267",
            ];
            let area = pick(rng, &AREAS);
            let exchange = rng.random_range(200..1000u32);
            let line = d(rng, 4);
            match style {
                0 => write!(out, "+1 ({area}) {exchange}-{line}"),
                1 => write!(out, "({area}) {exchange}-{line}"),
                2 => write!(out, "{area}-{exchange}-{line}"),
                _ => write!(out, "+1 {area} {exchange} {line}"),
            }
        }
        UK => match style {
            0 => write!(out, "+44 20 7{} {}", d(rng, 3), d(rng, 4)),
            1 => write!(out, "020 7{} {}", d(rng, 3), d(rng, 4)),
            2 => write!(out, "07{} {}", d(rng, 3), d(rng, 6)),
            _ => write!(out, "+44 161 {} {}", d(rng, 3), d(rng, 4)),
        },
        DACH => {
            const MOBILE: [&str; 8] = ["151", "152", "160", "170", "171", "172", "176", "178"];
            match style {
                0 => write!(out, "0{} {}", pick(rng, &MOBILE), d(rng, 7)),
                1 => write!(out, "+49 30 {}", d(rng, 8)),
                2 => write!(out, "+49 (0)89 {}", d(rng, 7)),
                _ => write!(out, "+49 {} {}", pick(rng, &MOBILE), d(rng, 7)),
            }
        }
        SPAIN => match style {
            0 | 1 => write!(out, "+34 6{} {} {}", d(rng, 2), d(rng, 3), d(rng, 3)),
            2 => write!(out, "91{} {} {}", d(rng, 1), d(rng, 3), d(rng, 3)),
            _ => write!(out, "+34 93 {} {} {}", d(rng, 3), d(rng, 2), d(rng, 2)),
        },
        FRANCE => match style {
            0 => write!(out, "+33 1 {} {} {} {}", d(rng, 2), d(rng, 2), d(rng, 2), d(rng, 2)),
            1 => write!(out, "06 {} {} {} {}", d(rng, 2), d(rng, 2), d(rng, 2), d(rng, 2)),
            _ => write!(out, "+33 6 {} {} {} {}", d(rng, 2), d(rng, 2), d(rng, 2), d(rng, 2)),
        },
        NETHERLANDS => match style {
            0 | 1 => write!(out, "06-{}", d(rng, 8)),
            2 => write!(out, "+31 20 {} {}", d(rng, 3), d(rng, 4)),
            _ => write!(out, "+31 6 {}", d(rng, 8)),
        },
        _ => match style {
            0 | 1 => write!(out, "+46 70 {} {} {}", d(rng, 3), d(rng, 2), d(rng, 2)),
            2 => write!(out, "070-{} {} {}", d(rng, 3), d(rng, 2), d(rng, 2)),
            _ => write!(out, "+46 8 {} {} {}", d(rng, 3), d(rng, 3), d(rng, 2)),
        },
    };
}

fn at_of(ts: i64) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp(ts, 0).unwrap_or_default()
}

/// Seconds east of UTC of the office zone at `ts`.
fn utc_offset(tz: Tz, ts: i64) -> i64 {
    i64::from(tz.offset_from_utc_datetime(&at_of(ts).naive_utc()).fix().local_minus_utc())
}

/// Office-local days and months as UTC bounds, recomputed only when `ts`
/// leaves the current one.
struct Calendar {
    tz: Tz,
    day: (i64, i64),
    month: (i64, i64),
}

impl Calendar {
    fn new(tz: Tz) -> Self {
        Calendar { tz, day: (i64::MAX, i64::MIN), month: (i64::MAX, i64::MIN) }
    }

    fn local_date(&self, ts: i64) -> NaiveDate {
        at_of(ts).with_timezone(&self.tz).date_naive()
    }

    /// Start of the office day holding `ts`, and the start of the next one.
    fn day(&mut self, ts: i64) -> (i64, i64) {
        if ts < self.day.0 || ts >= self.day.1 {
            let date = self.local_date(ts);
            let start = local_midnight(self.tz, date).timestamp();
            let next = date.succ_opt().map_or(start + DAY, |d| local_midnight(self.tz, d).timestamp());
            self.day = (start, next.max(ts + 1));
        }
        self.day
    }

    fn month(&mut self, ts: i64) -> (i64, i64) {
        if ts < self.month.0 || ts >= self.month.1 {
            let date = self.local_date(ts);
            let first = NaiveDate::from_ymd_opt(date.year(), date.month(), 1).unwrap_or(date);
            let following = if date.month() == 12 {
                NaiveDate::from_ymd_opt(date.year() + 1, 1, 1)
            } else {
                NaiveDate::from_ymd_opt(date.year(), date.month() + 1, 1)
            };
            let start = local_midnight(self.tz, first).timestamp();
            let next = following.map_or(start + 31 * DAY, |d| local_midnight(self.tz, d).timestamp());
            self.month = (start, next.max(ts + 1));
        }
        self.month
    }
}

// ---------------------------------------------------------------------------
// History events, released in time order.

#[derive(Clone, Copy)]
enum Kind {
    Created,
    Assigned,
    Reassigned,
    Status,
    UserAdded,
    UserChanged,
    RuleChanged,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Created => "created",
            Kind::Assigned => "assigned",
            Kind::Reassigned => "reassigned",
            Kind::Status => "status",
            Kind::UserAdded => "user_added",
            Kind::UserChanged => "user_changed",
            Kind::RuleChanged => "rule_changed",
        }
    }
}

#[derive(Clone, Copy)]
enum Via {
    Manual,
    Bulk,
    Import,
    Offboard,
    /// Index into `RULES`.
    Rule(u8),
    /// Index into `GROUPS`.
    Group(u8),
}

/// One activity row to be. Kept small (a million leads queue a lot of
/// them): user, group and stage ids fit a byte, 0 meaning none.
#[derive(Clone, Copy)]
struct Event {
    at: i64,
    seq: u32,
    lead: u32,
    kind: Kind,
    via: Via,
    actor: u8,
    from_owner: u8,
    to_owner: u8,
    from_stage: u8,
    to_stage: u8,
    /// The group whose distribution handed this lead out (a delivery row).
    delivery: u8,
    /// 1 + index into the notes, or 0.
    note: u16,
}

/// A small id (user, group, stage) as an event stores it.
fn id8(id: Option<i64>) -> u8 {
    id.and_then(|v| u8::try_from(v).ok()).unwrap_or(0)
}

fn opt(id: u8) -> Option<i64> {
    (id != 0).then_some(i64::from(id))
}

impl Event {
    fn new(at: i64, lead: Option<i64>, kind: Kind, via: Via) -> Event {
        Event {
            at,
            seq: 0,
            lead: lead.and_then(|l| u32::try_from(l).ok()).unwrap_or(0),
            kind,
            via,
            actor: 0,
            from_owner: 0,
            to_owner: 0,
            from_stage: 0,
            to_stage: 0,
            delivery: 0,
            note: 0,
        }
    }
}

// Reversed, so that `BinaryHeap` hands out the earliest event first.
impl Ord for Event {
    fn cmp(&self, other: &Self) -> Ordering {
        (other.at, other.seq).cmp(&(self.at, self.seq))
    }
}
impl PartialOrd for Event {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl PartialEq for Event {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}
impl Eq for Event {}

const INSERT_DELIVERY: &str =
    "INSERT INTO deliveries (group_id, user_id, lead_id, at, batch_id) VALUES (?1, ?2, ?3, ?4, ?5)";
const INSERT_BATCH: &str = "INSERT INTO batches (actor_id, at, command) VALUES (NULL, ?1, 'demo')";
const INSERT_NOTIFICATION: &str = "INSERT INTO notifications (user_id, lead_id, at, text, read) \
     SELECT ?1, id, ?2, 'Lead #' || id || ' ' || name || ' is now yours', ?3 FROM leads WHERE id = ?4";

/// Rows per multi-row INSERT: fewer statement runs for the same rows.
const ROWS_PER_INSERT: usize = 16;

/// `INSERT INTO table (columns) VALUES (?, …), …` for `rows` rows.
fn insert_sql(table: &str, columns: &[&str], rows: usize) -> String {
    let one = format!("({})", vec!["?"; columns.len()].join(", "));
    format!("INSERT INTO {table} ({}) VALUES {}", columns.join(", "), vec![one; rows].join(", "))
}

const ACTIVITY_COLUMNS: [&str; 11] = [
    "lead_id",
    "at",
    "actor_id",
    "kind",
    "from_owner_id",
    "to_owner_id",
    "from_stage_id",
    "to_stage_id",
    "via",
    "batch_id",
    "note",
];

/// The texts events refer to by number.
struct Labels {
    via_rule: Vec<String>,
    via_group: Vec<String>,
    notes: Vec<String>,
}

impl Labels {
    fn via(&self, via: Via) -> &str {
        match via {
            Via::Manual => "manual",
            Via::Bulk => "bulk",
            Via::Import => "import",
            Via::Offboard => "offboard",
            Via::Rule(i) => self.via_rule.get(usize::from(i)).map_or("rule", String::as_str),
            Via::Group(i) => self.via_group.get(usize::from(i)).map_or("group", String::as_str),
        }
    }

    fn note(&self, note: u16) -> Option<&str> {
        usize::from(note).checked_sub(1).and_then(|i| self.notes.get(i)).map(String::as_str)
    }

    /// Bind one activity row at parameter offset `base`.
    fn bind(&self, stmt: &mut Statement<'_>, base: usize, ev: &Event, batch: i64) -> rusqlite::Result<()> {
        stmt.raw_bind_parameter(base + 1, (ev.lead != 0).then_some(i64::from(ev.lead)))?;
        stmt.raw_bind_parameter(base + 2, ev.at)?;
        stmt.raw_bind_parameter(base + 3, opt(ev.actor))?;
        stmt.raw_bind_parameter(base + 4, ev.kind.as_str())?;
        stmt.raw_bind_parameter(base + 5, opt(ev.from_owner))?;
        stmt.raw_bind_parameter(base + 6, opt(ev.to_owner))?;
        stmt.raw_bind_parameter(base + 7, opt(ev.from_stage))?;
        stmt.raw_bind_parameter(base + 8, opt(ev.to_stage))?;
        stmt.raw_bind_parameter(base + 9, self.via(ev.via))?;
        stmt.raw_bind_parameter(base + 10, batch)?;
        stmt.raw_bind_parameter(base + 11, self.note(ev.note))
    }
}

/// Writes events as activity rows (and deliveries, batches, notifications).
struct Sink<'c> {
    activity: CachedStatement<'c>,
    activity_many: CachedStatement<'c>,
    delivery: CachedStatement<'c>,
    batch: CachedStatement<'c>,
    notification: CachedStatement<'c>,
    labels: Labels,
    /// Activity rows waiting to fill a multi-row INSERT.
    pending: Vec<(Event, i64)>,
    calendar: Calendar,
    now: i64,
    batch_id: i64,
    batch_until: i64,
    rows: u64,
}

impl Sink<'_> {
    fn emit(&mut self, ev: &Event) -> Result<()> {
        if self.batch_id == 0 || ev.at >= self.batch_until {
            self.batch_id = self.batch.insert(params![ev.at])?;
            self.batch_until = self.calendar.day(ev.at).1;
        }
        self.pending.push((*ev, self.batch_id));
        if self.pending.len() == ROWS_PER_INSERT {
            for (i, (ev, batch)) in self.pending.iter().enumerate() {
                self.labels.bind(&mut self.activity_many, i * ACTIVITY_COLUMNS.len(), ev, *batch)?;
            }
            self.activity_many.raw_execute()?;
            self.pending.clear();
        }
        self.rows += 1;
        let lead = (ev.lead != 0).then_some(i64::from(ev.lead));
        if let (Some(group), Some(user), Some(lead)) = (opt(ev.delivery), opt(ev.to_owner), lead) {
            self.delivery.execute(params![group, user, lead, ev.at, self.batch_id])?;
        }
        if let (Kind::Assigned | Kind::Reassigned, Some(user), Some(lead)) = (ev.kind, opt(ev.to_owner), lead)
            && opt(ev.actor) != Some(user)
            && ev.at >= self.now - 3 * DAY
        {
            let read = !UNREAD_USERS.contains(&user);
            self.notification.execute(params![user, ev.at, read, lead])?;
        }
        Ok(())
    }

    /// Write the activity rows still waiting.
    fn finish(&mut self) -> Result<()> {
        for (ev, batch) in &self.pending {
            self.labels.bind(&mut self.activity, 0, ev, *batch)?;
            self.activity.raw_execute()?;
        }
        self.pending.clear();
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// The simulation.

struct UserState {
    id: i64,
    role: Role,
    joined: i64,
    departed: Option<i64>,
    leave_from: Option<i64>,
    /// Leads assigned this office month (balanced rotation counts it).
    month_key: i64,
    month_load: i64,
}

struct MemberState {
    user: usize,
    position: i64,
    daily: i64,
    monthly: i64,
    day_key: i64,
    day_count: i64,
    month_key: i64,
    month_count: i64,
}

impl MemberState {
    fn under_limits(&self, day: i64, month: i64) -> bool {
        let today = if self.day_key == day { self.day_count } else { 0 };
        let this_month = if self.month_key == month { self.month_count } else { 0 };
        (self.daily == 0 || today < self.daily) && (self.monthly == 0 || this_month < self.monthly)
    }

    fn count(&mut self, day: i64, month: i64) {
        if self.day_key != day {
            self.day_key = day;
            self.day_count = 0;
        }
        if self.month_key != month {
            self.month_key = month;
            self.month_count = 0;
        }
        self.day_count += 1;
        self.month_count += 1;
    }
}

struct GroupState {
    id: i64,
    method: Method,
    members: Vec<MemberState>,
    cursor: i64,
}

#[derive(Clone)]
struct Draft {
    name: String,
    email: String,
    phone: String,
    company: String,
}

/// A lead as the generator hands it to the writer.
struct LeadRow {
    id: i64,
    draft: Draft,
    source: &'static str,
    stage: i64,
    owner: Option<i64>,
    created: i64,
    updated: i64,
    status_at: i64,
    assigned_at: Option<i64>,
    email_key: String,
    phone_key: String,
    tags: Vec<&'static str>,
}

/// Leads, then the history events released while they were made.
#[derive(Default)]
struct Chunk {
    leads: Vec<LeadRow>,
    events: Vec<Event>,
}

/// What the generator thread reports back once done.
struct Outcome {
    cursors: Vec<(i64, i64)>,
    unassigned: u64,
}

struct Company {
    name: String,
    domain: String,
    region: usize,
}

enum Route {
    Group(usize),
    User(u8, i64),
    Nowhere,
}

struct Assignment {
    owner: i64,
    at: i64,
    via: Via,
    actor: Option<i64>,
    delivery: Option<i64>,
}

struct Generator {
    rng: ChaCha8Rng,
    tz: Tz,
    now: i64,
    start: i64,
    leads: u64,
    seed: u64,
    first: Vec<&'static str>,
    last: Vec<&'static str>,
    brands: Vec<&'static str>,
    industries: Vec<&'static str>,
    users: Vec<UserState>,
    groups: Vec<GroupState>,
    rule_off: Vec<Option<i64>>,
    companies: Vec<Company>,
    recent: Vec<Draft>,
    pool: Vec<usize>,
    heap: BinaryHeap<Event>,
    seq: u32,
    notes: Vec<String>,
    lump_at: i64,
    lump_left: usize,
    lump_note: u16,
    drafts: usize,
    calendar: Calendar,
    unassigned: u64,
}

impl Generator {
    fn new(ctx: &Ctx, opts: &DemoOptions) -> Generator {
        let now = ctx.now_ts();
        let users = TEAM
            .iter()
            .zip(1i64..)
            .map(|(p, id)| UserState {
                id,
                role: p.role,
                joined: now - p.joined_days_ago * DAY,
                departed: (p.standing == Standing::Deactivated).then_some(now - DEPARTED_DAYS_AGO * DAY),
                leave_from: (p.standing == Standing::OnLeave).then_some(now - LEAVE_DAYS_AGO * DAY),
                month_key: 0,
                month_load: 0,
            })
            .collect();
        Generator {
            rng: ChaCha8Rng::seed_from_u64(opts.seed),
            tz: ctx.tz,
            now,
            start: now - HISTORY_DAYS * DAY,
            leads: opts.leads,
            seed: opts.seed,
            first: words(FIRST_NAMES),
            last: words(LAST_NAMES),
            brands: words(COMPANY_WORDS),
            industries: words(INDUSTRIES),
            users,
            groups: Vec::new(),
            rule_off: RULES.iter().map(|r| r.disabled_days_ago.map(|d| now - d * DAY)).collect(),
            companies: Vec::new(),
            recent: Vec::new(),
            pool: Vec::with_capacity(TEAM.len()),
            heap: BinaryHeap::new(),
            seq: 0,
            notes: Vec::new(),
            lump_at: i64::MIN,
            lump_left: 0,
            lump_note: 0,
            drafts: 0,
            calendar: Calendar::new(ctx.tz),
            unassigned: 0,
        }
    }

    fn user_index(name: &str) -> Option<usize> {
        TEAM.iter().position(|p| p.name == name)
    }

    fn note(&mut self, text: String) -> u16 {
        self.notes.push(text);
        u16::try_from(self.notes.len()).unwrap_or(0)
    }

    fn push(&mut self, mut ev: Event) {
        ev.seq = self.seq;
        self.seq = self.seq.wrapping_add(1);
        self.heap.push(ev);
    }

    fn run(mut self, conn: &Connection, demo_batch: i64) -> Result<DemoSummary> {
        self.setup(conn)?;
        let indexes = if REBUILD_INDEXES { drop_indexes(conn)? } else { Vec::new() };
        let (leads, seed, now) = (self.leads, self.seed, self.now);
        let mut sink = Sink {
            activity: conn.prepare_cached(&insert_sql("activity", &ACTIVITY_COLUMNS, 1))?,
            activity_many: conn.prepare_cached(&insert_sql("activity", &ACTIVITY_COLUMNS, ROWS_PER_INSERT))?,
            delivery: conn.prepare_cached(INSERT_DELIVERY)?,
            batch: conn.prepare_cached(INSERT_BATCH)?,
            notification: conn.prepare_cached(INSERT_NOTIFICATION)?,
            labels: Labels {
                via_rule: (1..=RULES.len()).map(|i| format!("rule:{i}")).collect(),
                via_group: (1..=GROUPS.len()).map(|i| format!("group:{i}")).collect(),
                notes: std::mem::take(&mut self.notes),
            },
            pending: Vec::with_capacity(ROWS_PER_INSERT),
            calendar: Calendar::new(self.tz),
            now,
            batch_id: 0,
            batch_until: i64::MIN,
            rows: 0,
        };
        // The simulation runs on its own thread and hands over rows in
        // chunks; this thread only writes them, in the order received.
        let (tx, rx) = std::sync::mpsc::sync_channel::<Chunk>(8);
        let (written, outcome) = std::thread::scope(|scope| {
            let producer = scope.spawn(move || self.produce(&tx));
            let written = write_chunks(conn, &rx, &mut sink);
            // Stop the producer early if writing failed.
            drop(rx);
            (written, producer.join())
        });
        written?;
        let outcome = outcome.map_err(|_| Error::invalid("the demo generator stopped unexpectedly"))?;
        let mut activity = sink.rows;
        drop(sink);

        for &(group, cursor) in &outcome.cursors {
            conn.execute("UPDATE user_groups SET cursor_position = ?1 WHERE id = ?2", params![cursor, group])?;
        }
        // The command's own batch says what was made.
        conn.execute(
            "INSERT INTO activity (lead_id, at, actor_id, kind, via, batch_id, note) \
             VALUES (NULL, ?1, NULL, 'demo', 'import', ?2, ?3)",
            params![now, demo_batch, format!("generated {leads} leads, {} users, seed {seed}", TEAM.len())],
        )?;
        activity += 1;
        for sql in &indexes {
            conn.execute_batch(sql)?;
        }
        if REBUILD_INDEXES {
            // The search index's triggers were off during the load: index every lead at once.
            conn.execute_batch("INSERT INTO leads_search (leads_search) VALUES ('rebuild');")?;
        }
        Ok(DemoSummary {
            leads,
            unassigned: outcome.unassigned,
            users: TEAM.len() as u64,
            groups: GROUPS.len() as u64,
            rules: RULES.len() as u64,
            activity,
        })
    }

    /// The simulation proper: every lead in creation order, and the history
    /// events in time order, sent on in chunks.
    fn produce(mut self, tx: &SyncSender<Chunk>) -> Outcome {
        const LEADS_PER_CHUNK: usize = 2048;
        let times = self.creation_times();
        self.companies = self.company_pool();
        let mut chunk = Chunk::default();
        for (id, &t) in (1i64..).zip(times.iter()) {
            while self.heap.peek().is_some_and(|ev| ev.at < t) {
                if let Some(ev) = self.heap.pop() {
                    chunk.events.push(ev);
                }
            }
            let imported = t == self.lump_at && self.lump_left > 0;
            if imported {
                self.lump_left -= 1;
            }
            let row = self.lead(id, t, imported);
            chunk.leads.push(row);
            if chunk.leads.len() >= LEADS_PER_CHUNK && tx.send(std::mem::take(&mut chunk)).is_err() {
                return self.outcome();
            }
        }
        while let Some(ev) = self.heap.pop() {
            chunk.events.push(ev);
            if chunk.events.len() >= 4 * LEADS_PER_CHUNK && tx.send(std::mem::take(&mut chunk)).is_err() {
                return self.outcome();
            }
        }
        let _ = tx.send(chunk);
        self.outcome()
    }

    fn outcome(&self) -> Outcome {
        Outcome { cursors: self.groups.iter().map(|g| (g.id, g.cursor)).collect(), unassigned: self.unassigned }
    }

    /// Users, groups, memberships, pick-up stages, rules, and the team's own history.
    fn setup(&mut self, conn: &Connection) -> Result<()> {
        let now = self.now;
        let mut insert_user = conn.prepare_cached(
            "INSERT INTO users (id, name, email, role, active, on_leave, can_pickup, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?;
        for (p, u) in TEAM.iter().zip(&self.users) {
            let email = format!("{}@{TEAM_DOMAIN}", folded(p.name));
            insert_user.execute(params![
                u.id,
                p.name,
                email,
                p.role.as_str(),
                p.standing != Standing::Deactivated,
                p.standing == Standing::OnLeave,
                p.can_pickup,
                u.joined
            ])?;
        }
        drop(insert_user);
        for (p, u) in TEAM.iter().zip(1i64..) {
            let joined = now - p.joined_days_ago * DAY;
            let mut ev = Event::new(joined, None, Kind::UserAdded, Via::Manual);
            ev.actor = id8((u != PRIYA).then_some(PRIYA));
            ev.note = self.note(format!("added {} ({})", p.name, p.role));
            self.push(ev);
            if p.standing == Standing::OnLeave {
                let mut ev = Event::new(now - LEAVE_DAYS_AGO * DAY, None, Kind::UserChanged, Via::Manual);
                ev.actor = id8(Some(MARCUS));
                ev.note = self.note(format!("{} went on leave", p.name));
                self.push(ev);
            }
            if p.standing == Standing::Deactivated {
                let mut ev = Event::new(now - DEPARTED_DAYS_AGO * DAY, None, Kind::UserChanged, Via::Manual);
                ev.actor = id8(Some(PRIYA));
                ev.note = self.note(format!(
                    "{} deactivated; leads reassigned to {}",
                    p.name,
                    TEAM[(NOAH - 1) as usize].name
                ));
                self.push(ev);
            }
        }

        // Limits sized to the lead volume, so that they bite on busy days only.
        let rate = self.leads as f64 * (1.0 + GROWTH) / (1.0 + GROWTH / 2.0) / HISTORY_DAYS as f64;
        let week: u32 = WEEKDAY_WEIGHT.iter().sum();
        let peak_day = rate * 7.0 * f64::from(WEEKDAY_WEIGHT[0]) / f64::from(week);
        let mut insert_group = conn.prepare_cached(
            "INSERT INTO user_groups (id, name, method, daily_limit, monthly_limit, cursor_position, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6)",
        )?;
        let mut insert_member = conn.prepare_cached(
            "INSERT INTO memberships (group_id, user_id, position, daily_limit, monthly_limit) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        let mut insert_pickup =
            conn.prepare_cached("INSERT INTO group_pickup_stages (group_id, stage_id) VALUES (?1, ?2)")?;
        for (spec, gid) in GROUPS.iter().zip(1i64..) {
            let available = spec
                .members
                .iter()
                .filter_map(|m| Self::user_index(m))
                .filter(|&u| TEAM[u].standing == Standing::Active)
                .count()
                .max(1) as f64;
            let daily = if spec.daily { nice(peak_day * spec.share / available).max(3) } else { 0 };
            let monthly = if spec.monthly { nice(rate * 30.44 * spec.share / available * 1.1).max(20) } else { 0 };
            insert_group.execute(params![
                gid,
                spec.name,
                spec.method.as_str(),
                daily,
                monthly,
                self.start - 20 * DAY
            ])?;
            let mut members = Vec::new();
            for (name, position) in spec.members.iter().zip(1i64..) {
                let Some(user) = Self::user_index(name) else { continue };
                let o = spec.overrides.iter().find(|o| o.member == *name);
                // Overrides are fractions of the group's limit (a part-timer), never "unlimited".
                let own_daily =
                    o.and_then(|o| o.daily).filter(|_| daily > 0).map(|(n, d)| nice((daily * n / d) as f64).max(2));
                let own_monthly = o
                    .and_then(|o| o.monthly)
                    .filter(|_| monthly > 0)
                    .map(|(n, d)| nice((monthly * n / d) as f64).max(10));
                insert_member.execute(params![gid, user as i64 + 1, position, own_daily, own_monthly])?;
                members.push(MemberState {
                    user,
                    position,
                    daily: own_daily.unwrap_or(daily),
                    monthly: own_monthly.unwrap_or(monthly),
                    day_key: i64::MIN,
                    day_count: 0,
                    month_key: i64::MIN,
                    month_count: 0,
                });
            }
            for stage in spec.pickup {
                insert_pickup.execute(params![gid, stage])?;
            }
            self.groups.push(GroupState { id: gid, method: spec.method, members, cursor: 0 });
        }
        drop(insert_group);
        drop(insert_member);
        drop(insert_pickup);

        self.lump_note = self.note("imported from badge-scans.csv (trade show)".into());
        let mut insert_rule = conn.prepare_cached(
            "INSERT INTO rules (id, name, priority, enabled, target_group_id, target_user_id, created_at) \
             VALUES (?1, ?2, ?1, ?3, ?4, ?5, ?6)",
        )?;
        let mut insert_condition =
            conn.prepare_cached("INSERT INTO rule_conditions (rule_id, field, op, value) VALUES (?1, ?2, ?3, ?4)")?;
        for (spec, rid) in RULES.iter().zip(1i64..) {
            let (group, user) = match spec.target {
                Target::Group(g) => (Some(g), None),
                Target::User(u) => (None, Some(u)),
            };
            insert_rule.execute(params![
                rid,
                spec.name,
                spec.disabled_days_ago.is_none(),
                group,
                user,
                self.start - 15 * DAY
            ])?;
            for (field, op, value) in spec.conditions {
                insert_condition.execute(params![rid, field, op, value])?;
            }
            if let Some(days) = spec.disabled_days_ago {
                let mut ev = Event::new(now - days * DAY, None, Kind::RuleChanged, Via::Manual);
                ev.actor = id8(Some(MARCUS));
                ev.note = self.note(format!("disabled rule '{}'", spec.name));
                self.push(ev);
            }
        }
        Ok(())
    }

    /// Creation times, sorted: volume grows over the two years, most leads
    /// arrive in office hours on weekdays (office zone), none after now.
    fn creation_times(&mut self) -> Vec<i64> {
        let span = (self.now - self.start) as f64;
        let a = GROWTH;
        let n = usize::try_from(self.leads).unwrap_or(0);
        // Yesterday's trade-show badge scans, imported in one go and still
        // waiting for someone to hand them out.
        let lump = if n < 200 { n / 20 } else { (n * 3 / 10_000).clamp(10, 400) };
        self.lump_left = lump;
        // In office hours, within the last day.
        self.lump_at = self.now - 3 * 3600;
        for _ in 0..64 {
            let at = self.now - self.rng.random_range(3 * 3600..22 * 3600);
            let hour = (at + utc_offset(self.tz, at)).rem_euclid(DAY) / 3600;
            if (9..17).contains(&hour) {
                self.lump_at = at;
                break;
            }
        }
        self.lump_at = self.lump_at.max(self.start);
        let mut times = Vec::with_capacity(n);
        times.resize(lump, self.lump_at);
        for _ in lump..n {
            let mut ts = self.now;
            for _ in 0..64 {
                // Inverse of the CDF of the density (1 + a x) / (1 + a / 2) on [0, 1].
                let f = unit(&mut self.rng);
                let x = ((1.0 + f * a * (2.0 + a)).sqrt() - 1.0) / a;
                ts = (self.start + (x * span) as i64).min(self.now);
                let local = ts + utc_offset(self.tz, ts);
                let days = local.div_euclid(DAY);
                let weekday = (days + 3).rem_euclid(7) as usize; // 1970-01-01 was a Thursday
                let hour = (local.rem_euclid(DAY) / 3600) as usize;
                let weight =
                    WEEKDAY_WEIGHT.get(weekday).copied().unwrap_or(50) * HOUR_WEIGHT.get(hour).copied().unwrap_or(50);
                if self.rng.random_range(0..10_000u32) < weight {
                    break;
                }
            }
            times.push(ts);
        }
        times.sort_unstable();
        times
    }

    fn company_pool(&mut self) -> Vec<Company> {
        let size = usize::try_from(self.leads / 5).unwrap_or(usize::MAX).clamp(40, 50_000);
        let mut pool = Vec::with_capacity(size);
        for _ in 0..size {
            let region = weighted(&mut self.rng, REGIONS.iter().map(|r| r.weight));
            let r = &REGIONS[region.min(REGIONS.len() - 1)];
            let brand = pick(&mut self.rng, &self.brands);
            let industry = pick(&mut self.rng, &self.industries);
            let suffix = pick_weighted(&mut self.rng, r.suffixes, "");
            let (name, domain_stem) = match self.rng.random_range(0..10u32) {
                // A brand alone: "Acme Bank" style names dominate, a few are just "Acme GmbH".
                0 => (format!("{brand}{suffix}"), folded(brand)),
                1..=4 => (format!("{brand} {industry}{suffix}"), format!("{}{}", folded(brand), folded(industry))),
                _ => (format!("{brand} {industry}{suffix}"), format!("{}-{}", folded(brand), folded(industry))),
            };
            let tld = pick(&mut self.rng, r.tlds);
            pool.push(Company { name, domain: format!("{domain_stem}{tld}"), region });
        }
        pool
    }

    /// A new person, or now and then someone who already wrote in (a duplicate).
    fn person(&mut self, source: &str) -> Draft {
        if !self.recent.is_empty() && self.rng.random_bool(0.015) {
            let i = self.rng.random_range(0..self.recent.len());
            if let Some(d) = self.recent.get(i) {
                return d.clone();
            }
        }
        let rng = &mut self.rng;
        let first = pick(rng, &self.first);
        let last = pick(rng, &self.last);
        let mut name = format!("{first} {last}");
        if rng.random_bool(0.02) {
            name = name.to_lowercase();
        }
        let consumer = self.companies.is_empty() || rng.random_bool(0.08);
        let (company, domain, region) = if consumer {
            let region = weighted(rng, REGIONS.iter().map(|r| r.weight));
            (String::new(), None, region)
        } else {
            // Popular companies send many leads.
            let u = unit(rng);
            let i = ((u * u * self.companies.len() as f64) as usize).min(self.companies.len() - 1);
            let c = &self.companies[i];
            (c.name.clone(), Some(c.domain.as_str()), c.region)
        };
        let r = &REGIONS[region.min(REGIONS.len() - 1)];
        let no_email = if source == "Cold call" || source == "Trade show" { 0.25 } else { 0.03 };
        let mut email = String::new();
        if !rng.random_bool(no_email) {
            let f = folded(first);
            let l = folded(last);
            match domain {
                Some(domain) if rng.random_bool(0.75) => {
                    let _ = match rng.random_range(0..10u32) {
                        0..=5 => write!(email, "{f}.{l}@{domain}"),
                        6 | 7 => write!(email, "{}{l}@{domain}", f.chars().next().unwrap_or('x')),
                        8 => write!(email, "{f}@{domain}"),
                        _ => write!(email, "{f}_{l}@{domain}"),
                    };
                }
                _ => {
                    let personal = pick(rng, r.personal);
                    let _ = match rng.random_range(0..10u32) {
                        0..=3 => write!(email, "{f}.{l}@{personal}"),
                        4 | 5 => write!(email, "{f}{l}@{personal}"),
                        6 | 7 => write!(email, "{f}.{l}{}@{personal}", rng.random_range(1..100u32)),
                        _ => write!(
                            email,
                            "{}{l}{}@{personal}",
                            f.chars().next().unwrap_or('x'),
                            rng.random_range(1950..2006u32)
                        ),
                    };
                }
            }
            if rng.random_bool(0.05) {
                // Typed with capitals; the duplicate key folds them.
                if let Some((local, host)) = email.split_once('@') {
                    let local: Vec<String> = local
                        .split('.')
                        .map(|part| {
                            let mut cs = part.chars();
                            cs.next().map_or(String::new(), |c| c.to_uppercase().chain(cs).collect())
                        })
                        .collect();
                    email = format!("{}@{host}", local.join("."));
                }
            }
        }
        let mut phone_text = String::new();
        if email.is_empty() || !rng.random_bool(0.12) {
            phone(rng, region, &mut phone_text);
        }
        Draft { name, email, phone: phone_text, company }
    }

    /// Keep a written lead's person, so that a later lead can be the same person again.
    fn remember(&mut self, draft: Draft) {
        const KEPT: usize = 256;
        if self.recent.len() < KEPT {
            self.recent.push(draft);
        } else if let Some(slot) = self.recent.get_mut(self.drafts % KEPT) {
            *slot = draft;
        }
        self.drafts += 1;
    }

    fn tags(&mut self, source: &str) -> Vec<&'static str> {
        let mut tags: Vec<&'static str> = Vec::new();
        let n = weighted(&mut self.rng, TAG_COUNTS.iter().copied());
        for _ in 0..n {
            let tag = pick_weighted(&mut self.rng, &TAGS, "hot");
            if !tags.contains(&tag) {
                tags.push(tag);
            }
        }
        if source == "Referral" && !tags.contains(&"partner") && self.rng.random_bool(0.4) {
            tags.push("partner");
        }
        tags
    }

    fn route(&self, t: i64, draft: &Draft, source: &str, tags: &[&str]) -> Route {
        let domain = draft.email.rsplit_once('@').map_or("", |(_, d)| d);
        for (i, rule) in RULES.iter().enumerate() {
            if self.rule_off.get(i).copied().flatten().is_some_and(|off| t >= off) {
                continue;
            }
            let holds = rule.conditions.iter().all(|&(field, op, value)| {
                if field == "tag" {
                    let any = |f: &dyn Fn(&str) -> bool| tags.iter().any(|t| f(t));
                    return match op {
                        "is" => any(&|t| t.eq_ignore_ascii_case(value)),
                        "is_not" => !any(&|t| t.eq_ignore_ascii_case(value)),
                        "contains" => any(&|t| contains_ignore_case(t, value)),
                        "in" => any(&|t| value.split(',').any(|v| t.eq_ignore_ascii_case(v.trim()))),
                        _ => false,
                    };
                }
                let actual = match field {
                    "source" => source,
                    "status" => "New",
                    "company" => draft.company.as_str(),
                    "email_domain" => domain,
                    _ => "",
                };
                match op {
                    "is" => actual.eq_ignore_ascii_case(value),
                    "is_not" => !actual.eq_ignore_ascii_case(value),
                    "contains" => contains_ignore_case(actual, value),
                    "in" => value.split(',').any(|v| actual.eq_ignore_ascii_case(v.trim())),
                    _ => false,
                }
            });
            if holds {
                return match rule.target {
                    Target::Group(g) => Route::Group((g - 1) as usize),
                    Target::User(u) => Route::User(u8::try_from(i).unwrap_or(0), u),
                };
            }
        }
        Route::Nowhere
    }

    fn available(&self, user: usize, t: i64) -> bool {
        self.users
            .get(user)
            .is_some_and(|u| t >= u.joined && u.departed.is_none_or(|d| t < d) && u.leave_from.is_none_or(|l| t < l))
    }

    fn count_load(&mut self, user: usize, month: i64) {
        if let Some(u) = self.users.get_mut(user) {
            if u.month_key != month {
                u.month_key = month;
                u.month_load = 0;
            }
            u.month_load += 1;
        }
    }

    fn load(&self, user: usize, month: i64) -> i64 {
        self.users.get(user).map_or(0, |u| if u.month_key == month { u.month_load } else { 0 })
    }

    /// The group's own distribution at `t`: who gets the lead, if anyone is eligible.
    fn distribute(&mut self, g: usize, t: i64) -> Option<usize> {
        let day = self.calendar.day(t).0;
        let month = self.calendar.month(t).0;
        let group = self.groups.get(g)?;
        let n = group.members.len();
        if n == 0 {
            return None;
        }
        // Rotation order: the members after the cursor, wrapping around.
        let first = group.members.iter().position(|m| m.position > group.cursor).unwrap_or(0);
        self.pool.clear();
        for k in 0..n {
            let m = &group.members[(first + k) % n];
            if self.available(m.user, t) && m.under_limits(day, month) {
                self.pool.push((first + k) % n);
            }
        }
        let chosen = match group.method {
            Method::Sequential => self.pool.first().copied(),
            Method::Random => {
                if self.pool.is_empty() {
                    None
                } else {
                    let i = self.rng.random_range(0..self.pool.len());
                    self.pool.get(i).copied()
                }
            }
            Method::Balanced => {
                let mut best: Option<(usize, i64)> = None;
                for &i in &self.pool {
                    let load = self.load(group.members[i].user, month);
                    if best.is_none_or(|(_, b)| load < b) {
                        best = Some((i, load));
                    }
                }
                best.map(|(i, _)| i)
            }
        }?;
        let group = self.groups.get_mut(g)?;
        let member = group.members.get_mut(chosen)?;
        member.count(day, month);
        group.cursor = member.position;
        let user = member.user;
        self.count_load(user, month);
        Some(user)
    }

    /// An agent who could take a lead by hand at `t`, preferring `among`.
    fn pick_agent(&mut self, t: i64, among: Option<usize>) -> Option<usize> {
        self.pool.clear();
        if let Some(group) = among.and_then(|g| self.groups.get(g)) {
            for m in &group.members {
                if self.users.get(m.user).is_some_and(|u| {
                    t >= u.joined && u.departed.is_none_or(|d| t < d) && u.leave_from.is_none_or(|l| t < l)
                }) {
                    self.pool.push(m.user);
                }
            }
        }
        if self.pool.is_empty() {
            for (i, u) in self.users.iter().enumerate() {
                if u.role == Role::Agent
                    && t >= u.joined
                    && u.departed.is_none_or(|d| t < d)
                    && u.leave_from.is_none_or(|l| t < l)
                {
                    self.pool.push(i);
                }
            }
        }
        if self.pool.is_empty() {
            return None;
        }
        let i = self.rng.random_range(0..self.pool.len());
        let user = self.pool.get(i).copied()?;
        let month = self.calendar.month(t).0;
        self.count_load(user, month);
        Some(user)
    }

    fn manager(&mut self) -> i64 {
        pick_weighted(&mut self.rng, &[(MARCUS, 45), (HELEN, 45), (PRIYA, 10)], MARCUS)
    }

    /// A later hand assignment (or none: the lead is still waiting).
    fn later(&mut self, t: i64, stay_unassigned: f64, among: Option<usize>, via: Via) -> Option<Assignment> {
        if self.rng.random_bool(stay_unassigned.clamp(0.0, 1.0)) {
            return None;
        }
        let delay = match via {
            Via::Bulk => skewed(&mut self.rng, 30 * 60, 5 * DAY, 2),
            _ => skewed(&mut self.rng, 2 * 60, 36 * 3600, 3),
        };
        let mut at = t + delay;
        if at > self.now {
            at = t + self.rng.random_range(0..=(self.now - t).max(0));
        }
        let user = self.pick_agent(at, among)?;
        let actor = self.manager();
        Some(Assignment { owner: user as i64 + 1, at, via, actor: Some(actor), delivery: None })
    }

    fn stage(&mut self, age: i64, owned: bool) -> i64 {
        if !owned {
            return if age > 30 * DAY && self.rng.random_bool(0.35) { STAGE_LOST } else { STAGE_NEW };
        }
        let weights: [u32; 6] = match age {
            a if a < DAY => [80, 17, 3, 0, 0, 0],
            a if a < 7 * DAY => [40, 33, 14, 7, 2, 4],
            a if a < 30 * DAY => [18, 28, 20, 13, 7, 14],
            a if a < 90 * DAY => [8, 16, 14, 12, 16, 34],
            _ => [3, 5, 5, 4, 23, 60],
        };
        weighted(&mut self.rng, weights.iter().copied()) as i64 + 1
    }

    fn lead(&mut self, id: i64, t: i64, imported: bool) -> LeadRow {
        let now = self.now;
        let age = now - t;
        let source = if imported { "CSV import" } else { pick_weighted(&mut self.rng, &SOURCES, "Website") };
        let draft = self.person(source);
        let tags = self.tags(source);

        // How the lead came in, and who got it.
        let mut created = Event::new(t, Some(id), Kind::Created, Via::Import);
        created.to_stage = id8(Some(STAGE_NEW));
        // Chance that a lead nobody routed is still waiting, by age.
        let waiting = match age {
            a if a < DAY => 0.95,
            a if a < 3 * DAY => 0.7,
            a if a < 14 * DAY => 0.55,
            _ => 0.5,
        };
        let assignment = if imported {
            created.actor = id8(Some(HELEN));
            created.note = self.lump_note;
            None
        } else if source == "Cold call" {
            let owner = self.pick_agent(t, None).map(|u| u as i64 + 1);
            created.via = Via::Manual;
            created.actor = id8(owner);
            owner.map(|owner| Assignment { owner, at: t, via: Via::Manual, actor: Some(owner), delivery: None })
        } else {
            if source == "CSV import" {
                created.actor = id8(Some(self.manager()));
            }
            match self.route(t, &draft, source, &tags) {
                Route::Group(g) => match self.distribute(g, t) {
                    Some(user) => {
                        let gid = self.groups.get(g).map_or(0, |g| g.id);
                        Some(Assignment {
                            owner: user as i64 + 1,
                            at: t,
                            via: Via::Group(u8::try_from(g).unwrap_or(0)),
                            actor: None,
                            delivery: Some(gid),
                        })
                    }
                    // Everyone at their limit: a manager hands it out by hand.
                    None => self.later(t, if age < DAY { 0.7 } else { 0.05 }, Some(g), Via::Manual),
                },
                Route::User(rule, user) => {
                    let month = self.calendar.month(t).0;
                    self.count_load((user - 1) as usize, month);
                    Some(Assignment { owner: user, at: t, via: Via::Rule(rule), actor: None, delivery: None })
                }
                Route::Nowhere => {
                    let via = if source == "CSV import" && self.rng.random_bool(0.8) { Via::Bulk } else { Via::Manual };
                    self.later(t, waiting, None, via)
                }
            }
        };

        // Liam's leads went to Noah when he left.
        let departed = now - DEPARTED_DAYS_AGO * DAY;
        let offboarded = assignment.as_ref().is_some_and(|a| a.owner == LIAM);
        let (owner, assigned_at) = match &assignment {
            Some(_) if offboarded => (Some(NOAH), Some(departed)),
            Some(a) => (Some(a.owner), Some(a.at)),
            None => (None, None),
        };

        let stage = self.stage(age, assignment.is_some());
        let status_at = if stage == STAGE_NEW {
            t
        } else {
            let base = assignment.as_ref().map_or(t, |a| a.at);
            let (lo, hi) = match stage {
                2 => (600, 3 * DAY),
                3 => (DAY, 14 * DAY),
                4 => (3 * DAY, 30 * DAY),
                5 => (7 * DAY, 90 * DAY),
                _ => (DAY, 60 * DAY),
            };
            let at = base + skewed(&mut self.rng, lo, hi, 2);
            if at > now { base + self.rng.random_range(0..=(now - base).max(0)) } else { at }
        };
        let mut updated = t.max(status_at).max(assigned_at.unwrap_or(t));
        if self.rng.random_bool(0.2) {
            updated = (updated + skewed(&mut self.rng, 60, 5 * DAY, 2)).min(now).max(updated);
        }

        if id % 4 == 0 {
            self.remember(draft.clone());
        }
        if owner.is_none() {
            self.unassigned += 1;
        }
        let row = LeadRow {
            id,
            email_key: email_key(&draft.email),
            phone_key: phone_key(&draft.phone),
            draft,
            source,
            stage,
            owner,
            created: t,
            updated,
            status_at,
            assigned_at,
            tags,
        };

        // History, queued to leave in time order.
        self.push(created);
        if let Some(a) = &assignment {
            let mut ev = Event::new(a.at, Some(id), Kind::Assigned, a.via);
            ev.actor = id8(a.actor);
            ev.to_owner = id8(Some(a.owner));
            ev.delivery = id8(a.delivery);
            self.push(ev);
            if offboarded {
                let mut ev = Event::new(departed, Some(id), Kind::Reassigned, Via::Offboard);
                ev.actor = id8(Some(PRIYA));
                ev.from_owner = id8(Some(LIAM));
                ev.to_owner = id8(Some(NOAH));
                self.push(ev);
            }
        }
        if stage != STAGE_NEW {
            let actor = match &assignment {
                Some(_) if offboarded && status_at >= departed => Some(NOAH),
                Some(a) => Some(a.owner),
                None => Some(self.manager()),
            };
            let mut ev = Event::new(status_at, Some(id), Kind::Status, Via::Manual);
            ev.actor = id8(actor);
            ev.from_stage = id8(Some(STAGE_NEW));
            ev.to_stage = id8(Some(stage));
            self.push(ev);
        }
        row
    }
}

const LEAD_COLUMNS: [&str; 14] = [
    "id",
    "name",
    "email",
    "phone",
    "company",
    "source",
    "stage_id",
    "owner_id",
    "created_at",
    "updated_at",
    "status_changed_at",
    "assigned_at",
    "email_key",
    "phone_key",
];

fn bind_lead(stmt: &mut Statement<'_>, base: usize, lead: &LeadRow) -> rusqlite::Result<()> {
    let d = &lead.draft;
    stmt.raw_bind_parameter(base + 1, lead.id)?;
    stmt.raw_bind_parameter(base + 2, d.name.as_str())?;
    stmt.raw_bind_parameter(base + 3, d.email.as_str())?;
    stmt.raw_bind_parameter(base + 4, d.phone.as_str())?;
    stmt.raw_bind_parameter(base + 5, d.company.as_str())?;
    stmt.raw_bind_parameter(base + 6, lead.source)?;
    stmt.raw_bind_parameter(base + 7, lead.stage)?;
    stmt.raw_bind_parameter(base + 8, lead.owner)?;
    stmt.raw_bind_parameter(base + 9, lead.created)?;
    stmt.raw_bind_parameter(base + 10, lead.updated)?;
    stmt.raw_bind_parameter(base + 11, lead.status_at)?;
    stmt.raw_bind_parameter(base + 12, lead.assigned_at)?;
    stmt.raw_bind_parameter(base + 13, lead.email_key.as_str())?;
    stmt.raw_bind_parameter(base + 14, lead.phone_key.as_str())
}

/// Write the chunks the generator sends, until it is done.
fn write_chunks(conn: &Connection, rx: &Receiver<Chunk>, sink: &mut Sink<'_>) -> Result<()> {
    let mut lead_one = conn.prepare_cached(&insert_sql("leads", &LEAD_COLUMNS, 1))?;
    let mut lead_many = conn.prepare_cached(&insert_sql("leads", &LEAD_COLUMNS, ROWS_PER_INSERT))?;
    let mut tag_one = conn.prepare_cached(&insert_sql("lead_tags", &["lead_id", "tag"], 1))?;
    let mut tag_many = conn.prepare_cached(&insert_sql("lead_tags", &["lead_id", "tag"], ROWS_PER_INSERT))?;
    let mut tags: Vec<(i64, &'static str)> = Vec::new();
    for chunk in rx.iter() {
        let mut groups = chunk.leads.chunks_exact(ROWS_PER_INSERT);
        for group in groups.by_ref() {
            for (i, lead) in group.iter().enumerate() {
                bind_lead(&mut lead_many, i * LEAD_COLUMNS.len(), lead)?;
            }
            lead_many.raw_execute()?;
        }
        for lead in groups.remainder() {
            bind_lead(&mut lead_one, 0, lead)?;
            lead_one.raw_execute()?;
        }
        tags.clear();
        tags.extend(chunk.leads.iter().flat_map(|l| l.tags.iter().map(move |t| (l.id, *t))));
        let mut groups = tags.chunks_exact(ROWS_PER_INSERT);
        for group in groups.by_ref() {
            for (i, (lead, tag)) in group.iter().enumerate() {
                tag_many.raw_bind_parameter(2 * i + 1, lead)?;
                tag_many.raw_bind_parameter(2 * i + 2, tag)?;
            }
            tag_many.raw_execute()?;
        }
        for (lead, tag) in groups.remainder() {
            tag_one.execute(params![lead, tag])?;
        }
        for ev in &chunk.events {
            sink.emit(ev)?;
        }
    }
    sink.finish()
}

/// Drop the secondary indexes of the bulk-loaded tables and the triggers
/// that keep the search index in step with leads, returning the SQL that
/// makes them again, exactly as the migrations wrote it.
fn drop_indexes(conn: &Connection) -> Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') AND sql IS NOT NULL \
         AND tbl_name IN ('leads', 'activity', 'lead_tags', 'deliveries', 'notifications') ORDER BY rowid",
    )?;
    let found: Vec<(String, String, String)> =
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<rusqlite::Result<_>>()?;
    drop(stmt);
    let mut again = Vec::with_capacity(found.len());
    for (kind, name, sql) in found {
        let kind = if kind == "trigger" { "TRIGGER" } else { "INDEX" };
        conn.execute_batch(&format!("DROP {kind} \"{}\"", name.replace('"', "\"\"")))?;
        again.push(sql);
    }
    Ok(again)
}

#[cfg(test)]
mod tests;
