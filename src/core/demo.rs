//! The demo database: a small sales team's CRM with two years of history,
//! generated deterministically from a seed.
//!
//! Shape of the work, all inside one write transaction:
//! 1. the team (20 users), five groups with members and limits, six rules;
//! 2. the creation times of all leads, drawn from a growing, office-hours
//!    shaped distribution over the two years before now, then sorted, so lead
//!    ids follow creation time;
//! 3. one pass over the leads in creation order that simulates routing as it
//!    would have happened (rules, rotation, daily and monthly limits counted
//!    per office-local day and month), writes each lead row with its final
//!    state and queues its history events;
//! 4. the queued events leave through a min-heap, so activity ids are in time
//!    order; each office-local day of events gets one batch (`demo`).
//!
//! Randomness comes only from a `ChaCha8Rng` seeded with the seed, and the
//! arithmetic uses only correctly rounded operations (`+ - * / sqrt`), so the
//! same seed and the same clock give the same bytes on every build.

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::fmt::Write as _;

use chrono::{DateTime, Datelike, NaiveDate, Offset, TimeZone, Utc};
use chrono_tz::Tz;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rusqlite::{CachedStatement, Connection, params};

use super::context::Ctx;
use super::error::{Error, Result};
use super::model::{Role, email_key, phone_key};
use super::store::Store;
use super::time::local_midnight;

const FIRST_NAMES: &str = include_str!("../../assets/demo/first_names.txt");
const LAST_NAMES: &str = include_str!("../../assets/demo/last_names.txt");
const COMPANY_WORDS: &str = include_str!("../../assets/demo/company_words.txt");
const INDUSTRIES: &str = include_str!("../../assets/demo/industries.txt");

/// More than this would only exhaust memory and patience.
pub const MAX_LEADS: u64 = 10_000_000;

const DAY: i64 = 86_400;
const HISTORY_DAYS: i64 = 730;
/// Lead volume grows over the two years: the density at the end is
/// `1 + GROWTH` times the density at the start.
const GROWTH: f64 = 3.0;
/// Drop the secondary indexes of the bulk tables during the load and build
/// them again at the end (same transaction, same definitions).
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
        let summary = Generator::new(ctx, opts).run(w.conn(), w.batch())?;
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
    Rule(usize),
    Group(usize),
}

struct Event {
    at: i64,
    seq: u64,
    lead: Option<i64>,
    kind: Kind,
    actor: Option<i64>,
    from_owner: Option<i64>,
    to_owner: Option<i64>,
    from_stage: Option<i64>,
    to_stage: Option<i64>,
    via: Via,
    /// The group whose distribution handed this lead out (a delivery row).
    delivery: Option<i64>,
    note: Option<String>,
}

impl Event {
    fn new(at: i64, lead: Option<i64>, kind: Kind, via: Via) -> Event {
        Event {
            at,
            seq: 0,
            lead,
            kind,
            actor: None,
            from_owner: None,
            to_owner: None,
            from_stage: None,
            to_stage: None,
            via,
            delivery: None,
            note: None,
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

const INSERT_LEAD: &str = "INSERT INTO leads (id, name, email, phone, company, source, stage_id, owner_id, \
     created_at, updated_at, status_changed_at, assigned_at, email_key, phone_key) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)";
const INSERT_TAG: &str = "INSERT INTO lead_tags (lead_id, tag) VALUES (?1, ?2)";
const INSERT_ACTIVITY: &str = "INSERT INTO activity (lead_id, at, actor_id, kind, from_owner_id, to_owner_id, \
     from_stage_id, to_stage_id, via, batch_id, note) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";
const INSERT_DELIVERY: &str =
    "INSERT INTO deliveries (group_id, user_id, lead_id, at, batch_id) VALUES (?1, ?2, ?3, ?4, ?5)";
const INSERT_BATCH: &str = "INSERT INTO batches (actor_id, at, command) VALUES (NULL, ?1, 'demo')";
const INSERT_NOTIFICATION: &str = "INSERT INTO notifications (user_id, lead_id, at, text, read) \
     SELECT ?1, id, ?2, 'Lead #' || id || ' ' || name || ' is now yours', ?3 FROM leads WHERE id = ?4";

/// Writes events as activity rows (and deliveries, batches, notifications).
struct Sink<'c> {
    activity: CachedStatement<'c>,
    delivery: CachedStatement<'c>,
    batch: CachedStatement<'c>,
    notification: CachedStatement<'c>,
    calendar: Calendar,
    now: i64,
    batch_id: i64,
    batch_until: i64,
    via_rule: Vec<String>,
    via_group: Vec<String>,
    rows: u64,
}

impl Sink<'_> {
    fn emit(&mut self, ev: &Event) -> Result<()> {
        if self.batch_id == 0 || ev.at >= self.batch_until {
            self.batch_id = self.batch.insert(params![ev.at])?;
            self.batch_until = self.calendar.day(ev.at).1;
        }
        let via = match ev.via {
            Via::Manual => "manual",
            Via::Bulk => "bulk",
            Via::Import => "import",
            Via::Offboard => "offboard",
            Via::Rule(i) => self.via_rule.get(i).map_or("rule", String::as_str),
            Via::Group(i) => self.via_group.get(i).map_or("group", String::as_str),
        };
        self.activity.execute(params![
            ev.lead,
            ev.at,
            ev.actor,
            ev.kind.as_str(),
            ev.from_owner,
            ev.to_owner,
            ev.from_stage,
            ev.to_stage,
            via,
            self.batch_id,
            ev.note.as_deref(),
        ])?;
        self.rows += 1;
        if let (Some(group), Some(user), Some(lead)) = (ev.delivery, ev.to_owner, ev.lead) {
            self.delivery.execute(params![group, user, lead, ev.at, self.batch_id])?;
        }
        if let (Kind::Assigned | Kind::Reassigned, Some(user), Some(lead)) = (ev.kind, ev.to_owner, ev.lead)
            && ev.actor != Some(user)
            && ev.at >= self.now - 3 * DAY
        {
            let read = !(UNREAD_USERS.contains(&user) && ev.at >= self.now - DAY);
            self.notification.execute(params![user, ev.at, read, lead])?;
        }
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

struct Draft {
    name: String,
    email: String,
    phone: String,
    company: String,
    region: usize,
}

struct Company {
    name: String,
    domain: String,
    region: usize,
}

enum Route {
    Group(usize),
    User(usize, i64),
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
    seq: u64,
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
            calendar: Calendar::new(ctx.tz),
            unassigned: 0,
        }
    }

    fn user_index(name: &str) -> Option<usize> {
        TEAM.iter().position(|p| p.name == name)
    }

    fn push(&mut self, mut ev: Event) {
        ev.seq = self.seq;
        self.seq += 1;
        self.heap.push(ev);
    }

    fn run(mut self, conn: &Connection, demo_batch: i64) -> Result<DemoSummary> {
        self.setup(conn)?;
        let indexes = if REBUILD_INDEXES { drop_indexes(conn)? } else { Vec::new() };
        let times = self.creation_times();
        self.companies = self.company_pool();
        let mut sink = Sink {
            activity: conn.prepare_cached(INSERT_ACTIVITY)?,
            delivery: conn.prepare_cached(INSERT_DELIVERY)?,
            batch: conn.prepare_cached(INSERT_BATCH)?,
            notification: conn.prepare_cached(INSERT_NOTIFICATION)?,
            calendar: Calendar::new(self.tz),
            now: self.now,
            batch_id: 0,
            batch_until: i64::MIN,
            via_rule: (1..=RULES.len()).map(|i| format!("rule:{i}")).collect(),
            via_group: (1..=GROUPS.len()).map(|i| format!("group:{i}")).collect(),
            rows: 0,
        };
        let mut insert_lead = conn.prepare_cached(INSERT_LEAD)?;
        let mut insert_tag = conn.prepare_cached(INSERT_TAG)?;
        for (id, &t) in (1i64..).zip(times.iter()) {
            while self.heap.peek().is_some_and(|ev| ev.at < t) {
                if let Some(ev) = self.heap.pop() {
                    sink.emit(&ev)?;
                }
            }
            self.lead(id, t, &mut insert_lead, &mut insert_tag)?;
        }
        while let Some(ev) = self.heap.pop() {
            sink.emit(&ev)?;
        }
        drop(insert_lead);
        drop(insert_tag);
        let mut activity = sink.rows;
        drop(sink);

        for group in &self.groups {
            conn.execute("UPDATE user_groups SET cursor_position = ?1 WHERE id = ?2", params![group.cursor, group.id])?;
        }
        // The command's own batch says what was made.
        conn.execute(
            "INSERT INTO activity (lead_id, at, actor_id, kind, via, batch_id, note) VALUES (NULL, ?1, NULL, 'demo', 'import', ?2, ?3)",
            params![
                self.now,
                demo_batch,
                format!("demo data: {} leads, {} users, {} groups, seed {}", self.leads, TEAM.len(), GROUPS.len(), self.seed)
            ],
        )?;
        activity += 1;
        for sql in &indexes {
            conn.execute_batch(sql)?;
        }
        Ok(DemoSummary {
            leads: self.leads,
            unassigned: self.unassigned,
            users: TEAM.len() as u64,
            groups: GROUPS.len() as u64,
            rules: RULES.len() as u64,
            activity,
        })
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
            ev.actor = (u != PRIYA).then_some(PRIYA);
            ev.note = Some(format!("added {} ({})", p.name, p.role));
            self.push(ev);
            if p.standing == Standing::OnLeave {
                let mut ev = Event::new(now - LEAVE_DAYS_AGO * DAY, None, Kind::UserChanged, Via::Manual);
                ev.actor = Some(MARCUS);
                ev.note = Some(format!("{} went on leave", p.name));
                self.push(ev);
            }
            if p.standing == Standing::Deactivated {
                let mut ev = Event::new(now - DEPARTED_DAYS_AGO * DAY, None, Kind::UserChanged, Via::Manual);
                ev.actor = Some(PRIYA);
                ev.note =
                    Some(format!("{} deactivated; leads reassigned to {}", p.name, TEAM[(NOAH - 1) as usize].name));
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
                let own_daily = o.and_then(|o| o.daily).map(|(n, d)| nice((daily * n / d) as f64).max(1));
                let own_monthly = o.and_then(|o| o.monthly).map(|(n, d)| nice((monthly * n / d) as f64).max(1));
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
                ev.actor = Some(MARCUS);
                ev.note = Some(format!("disabled rule '{}'", spec.name));
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
        let mut times = Vec::with_capacity(n);
        for _ in 0..n {
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
                return Draft {
                    name: d.name.clone(),
                    email: d.email.clone(),
                    phone: d.phone.clone(),
                    company: d.company.clone(),
                    region: d.region,
                };
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
        let draft = Draft { name, email, phone: phone_text, company, region };
        let keep = Draft {
            name: draft.name.clone(),
            email: draft.email.clone(),
            phone: draft.phone.clone(),
            company: draft.company.clone(),
            region: draft.region,
        };
        if self.recent.len() < 256 {
            self.recent.push(keep);
        } else {
            let i = (self.seq as usize) % 256;
            if let Some(slot) = self.recent.get_mut(i) {
                *slot = keep;
            }
        }
        draft
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
                        "contains" => any(&|t| t.to_lowercase().contains(&value.to_lowercase())),
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
                    "contains" => actual.to_lowercase().contains(&value.to_lowercase()),
                    "in" => value.split(',').any(|v| actual.eq_ignore_ascii_case(v.trim())),
                    _ => false,
                }
            });
            if holds {
                return match rule.target {
                    Target::Group(g) => Route::Group((g - 1) as usize),
                    Target::User(u) => Route::User(i, u),
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

    fn lead(
        &mut self,
        id: i64,
        t: i64,
        insert_lead: &mut CachedStatement<'_>,
        insert_tag: &mut CachedStatement<'_>,
    ) -> Result<()> {
        let now = self.now;
        let age = now - t;
        let source = pick_weighted(&mut self.rng, &SOURCES, "Website");
        let draft = self.person(source);
        let tags = self.tags(source);

        // How the lead came in, and who got it.
        let mut created = Event::new(t, Some(id), Kind::Created, Via::Import);
        created.to_stage = Some(STAGE_NEW);
        let waiting = |age: i64, fresh: f64, old: f64| match age {
            a if a < DAY => fresh,
            a if a < 3 * DAY => 0.6,
            a if a < 14 * DAY => 0.4,
            _ => old,
        };
        let assignment = if source == "Cold call" {
            let owner = self.pick_agent(t, None).map(|u| u as i64 + 1);
            created.via = Via::Manual;
            created.actor = owner;
            owner.map(|owner| Assignment { owner, at: t, via: Via::Manual, actor: Some(owner), delivery: None })
        } else {
            if source == "CSV import" {
                created.actor = Some(self.manager());
            }
            match self.route(t, &draft, source, &tags) {
                Route::Group(g) => match self.distribute(g, t) {
                    Some(user) => {
                        let gid = self.groups.get(g).map_or(0, |g| g.id);
                        Some(Assignment {
                            owner: user as i64 + 1,
                            at: t,
                            via: Via::Group(g),
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
                    self.later(t, waiting(age, 0.92, 0.38), None, via)
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

        let ekey = email_key(&draft.email);
        let pkey = phone_key(&draft.phone);
        insert_lead.execute(params![
            id,
            draft.name,
            draft.email,
            draft.phone,
            draft.company,
            source,
            stage,
            owner,
            t,
            updated,
            status_at,
            assigned_at,
            ekey,
            pkey,
        ])?;
        for tag in &tags {
            insert_tag.execute(params![id, tag])?;
        }
        if owner.is_none() {
            self.unassigned += 1;
        }

        // History, queued to leave in time order.
        self.push(created);
        if let Some(a) = &assignment {
            let mut ev = Event::new(a.at, Some(id), Kind::Assigned, a.via);
            ev.actor = a.actor;
            ev.to_owner = Some(a.owner);
            ev.delivery = a.delivery;
            self.push(ev);
            if offboarded {
                let mut ev = Event::new(departed, Some(id), Kind::Reassigned, Via::Offboard);
                ev.actor = Some(PRIYA);
                ev.from_owner = Some(LIAM);
                ev.to_owner = Some(NOAH);
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
            ev.actor = actor;
            ev.from_stage = Some(STAGE_NEW);
            ev.to_stage = Some(stage);
            self.push(ev);
        }
        Ok(())
    }
}

/// Drop the secondary indexes of the bulk-loaded tables, returning the SQL
/// that makes them again, exactly as the migrations wrote it.
fn drop_indexes(conn: &Connection) -> Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL \
         AND tbl_name IN ('leads', 'activity', 'lead_tags', 'deliveries', 'notifications') ORDER BY rowid",
    )?;
    let found: Vec<(String, String)> =
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<_>>()?;
    drop(stmt);
    let mut again = Vec::with_capacity(found.len());
    for (name, sql) in found {
        conn.execute_batch(&format!("DROP INDEX \"{}\"", name.replace('"', "\"\"")))?;
        again.push(sql);
    }
    Ok(again)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::time::parse_now;

    fn ctx() -> Ctx {
        let mut ctx = Ctx::new(Tz::UTC);
        ctx.pinned_now = Some(parse_now("2026-03-02T10:30:00Z").unwrap());
        ctx
    }

    fn demo(leads: u64, seed: u64) -> (Store, DemoSummary) {
        let mut store = Store::open_in_memory().unwrap();
        let summary = generate(&mut store, &ctx(), &DemoOptions { leads, seed }).unwrap();
        (store, summary)
    }

    fn rows(store: &Store, sql: &str) -> Vec<String> {
        let mut stmt = store.conn().prepare(sql).unwrap();
        let n = stmt.column_count();
        stmt.query_map([], |r| {
            let mut line = String::new();
            for i in 0..n {
                let v: rusqlite::types::Value = r.get(i)?;
                line.push_str(&format!("{v:?}|"));
            }
            Ok(line)
        })
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
    }

    fn count(store: &Store, sql: &str) -> i64 {
        store.conn().query_row(sql, [], |r| r.get(0)).unwrap()
    }

    const DUMPS: [&str; 5] = [
        "SELECT * FROM leads ORDER BY id",
        "SELECT * FROM lead_tags ORDER BY lead_id, tag",
        "SELECT * FROM activity ORDER BY id",
        "SELECT * FROM deliveries ORDER BY id",
        "SELECT * FROM memberships ORDER BY group_id, position",
    ];

    #[test]
    fn same_seed_and_clock_give_identical_data() {
        let (a, _) = demo(1500, 7);
        let (b, _) = demo(1500, 7);
        for sql in DUMPS {
            assert_eq!(rows(&a, sql), rows(&b, sql), "{sql}");
        }
    }

    #[test]
    fn another_seed_gives_other_leads() {
        let (a, _) = demo(500, 1);
        let (b, _) = demo(500, 2);
        assert_ne!(rows(&a, DUMPS[0]), rows(&b, DUMPS[0]));
    }

    #[test]
    fn demo_has_the_promised_shape() {
        let (s, summary) = demo(5000, 42);
        assert_eq!(summary.leads, 5000);
        assert_eq!(count(&s, "SELECT count(*) FROM leads"), 5000);
        assert_eq!(count(&s, "SELECT count(*) FROM users"), 20);
        assert_eq!(count(&s, "SELECT count(*) FROM user_groups"), 5);
        assert_eq!(count(&s, "SELECT count(*) FROM rules"), summary.rules as i64);
        assert_eq!(count(&s, "SELECT count(*) FROM rules WHERE enabled = 0"), 1);
        assert_eq!(count(&s, "SELECT count(*) FROM users WHERE on_leave = 1"), 1);
        assert_eq!(count(&s, "SELECT count(*) FROM users WHERE active = 0"), 1);
        assert_eq!(count(&s, "SELECT count(*) FROM users WHERE role = 'admin'"), 1);
        assert_eq!(count(&s, "SELECT count(*) FROM users WHERE role = 'manager'"), 2);
        for name in ["Tom", "Stephanie", "Lewis", "Denise"] {
            assert_eq!(count(&s, &format!("SELECT count(*) FROM users WHERE name = '{name}' AND role = 'agent'")), 1);
        }
        let unassigned = count(&s, "SELECT count(*) FROM leads WHERE owner_id IS NULL");
        assert_eq!(unassigned as u64, summary.unassigned);
        assert!((5000 * 4 / 100..=5000 * 12 / 100).contains(&unassigned), "{unassigned} unassigned");
        let now = ctx().now_ts();
        assert!(
            count(&s, &format!("SELECT count(*) FROM leads WHERE owner_id IS NULL AND created_at < {}", now - DAY)) > 0
        );
        assert_eq!(count(&s, "SELECT count(*) FROM activity"), summary.activity as i64);
        // Each lead: created, assigned when owned, status when not New.
        assert_eq!(count(&s, "SELECT count(*) FROM activity WHERE kind = 'created'"), 5000);
        assert_eq!(count(&s, "SELECT count(*) FROM activity WHERE kind = 'assigned'"), 5000 - unassigned,);
        assert_eq!(
            count(&s, "SELECT count(*) FROM activity WHERE kind = 'status'"),
            count(&s, "SELECT count(*) FROM leads WHERE stage_id <> 1"),
        );
        assert!(count(&s, "SELECT count(*) FROM batches") < 1000);
        assert!(count(&s, "SELECT count(*) FROM deliveries") > 1000);
        assert!(count(&s, "SELECT count(*) FROM notifications WHERE read = 0") > 0);
        for via in ["manual", "bulk", "import", "offboard", "rule:3", "group:1", "group:5"] {
            assert!(count(&s, &format!("SELECT count(*) FROM activity WHERE via = '{via}'")) > 0, "{via}");
        }
    }

    #[test]
    fn leads_are_consistent_in_time_and_keys() {
        let (s, _) = demo(3000, 3);
        let now = ctx().now_ts();
        let bad = [
            "SELECT count(*) FROM leads a JOIN leads b ON b.id = a.id + 1 WHERE b.created_at < a.created_at"
                .to_string(),
            format!("SELECT count(*) FROM leads WHERE created_at < {} OR created_at > {now}", now - HISTORY_DAYS * DAY),
            format!("SELECT count(*) FROM leads WHERE status_changed_at < created_at OR status_changed_at > {now}"),
            "SELECT count(*) FROM leads WHERE updated_at < status_changed_at OR updated_at < created_at \
             OR updated_at < coalesce(assigned_at, 0)"
                .to_string(),
            "SELECT count(*) FROM leads WHERE (owner_id IS NULL) <> (assigned_at IS NULL)".to_string(),
            "SELECT count(*) FROM leads WHERE email_key <> lower(email)".to_string(),
            "SELECT count(*) FROM activity a JOIN activity b ON b.id = a.id + 1 WHERE b.at < a.at".to_string(),
            "SELECT count(*) FROM deliveries d JOIN activity a ON a.lead_id = d.lead_id AND a.kind = 'assigned' \
             WHERE a.via <> 'group:' || d.group_id OR a.to_owner_id <> d.user_id OR a.at <> d.at"
                .to_string(),
        ];
        for sql in bad {
            assert_eq!(count(&s, &sql), 0, "{sql}");
        }
        let mut stmt = s.conn().prepare("SELECT phone, phone_key FROM leads").unwrap();
        let pairs: Vec<(String, String)> =
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().collect::<rusqlite::Result<_>>().unwrap();
        assert!(pairs.iter().all(|(p, k)| phone_key(p) == *k));
        assert!(pairs.iter().any(|(p, _)| p.starts_with("+44 ")));
    }

    #[test]
    fn no_member_ever_exceeds_a_limit() {
        // Enough leads that the limits bite on busy days.
        let (s, _) = demo(20_000, 11);
        let over = |period: &str, column: &str| {
            count(
                &s,
                &format!(
                    "SELECT count(*) FROM (SELECT d.group_id, d.user_id, {period} AS p, count(*) AS n, \
                     coalesce(m.{column}, g.{column}) AS lim FROM deliveries d \
                     JOIN memberships m ON m.group_id = d.group_id AND m.user_id = d.user_id \
                     JOIN user_groups g ON g.id = d.group_id GROUP BY 1, 2, 3) WHERE lim > 0 AND n > lim"
                ),
            )
        };
        assert_eq!(over("date(d.at, 'unixepoch')", "daily_limit"), 0);
        assert_eq!(over("strftime('%Y-%m', d.at, 'unixepoch')", "monthly_limit"), 0);
        // …and that they did bite: some leads went out by hand instead.
        let at_limit = count(
            &s,
            "SELECT count(*) FROM (SELECT d.group_id, d.user_id, date(d.at, 'unixepoch'), count(*) AS n, \
             coalesce(m.daily_limit, g.daily_limit) AS lim FROM deliveries d \
             JOIN memberships m ON m.group_id = d.group_id AND m.user_id = d.user_id \
             JOIN user_groups g ON g.id = d.group_id GROUP BY 1, 2, 3) WHERE lim > 0 AND n = lim",
        );
        assert!(at_limit > 0);
    }

    #[test]
    fn owners_are_active_users() {
        let (s, _) = demo(5000, 5);
        assert_eq!(count(&s, "SELECT count(*) FROM leads l JOIN users u ON u.id = l.owner_id WHERE u.active = 0"), 0);
    }

    #[test]
    fn a_database_in_use_is_refused() {
        let (mut s, _) = demo(100, 1);
        let err = generate(&mut s, &ctx(), &DemoOptions { leads: 10, seed: 1 }).unwrap_err();
        assert!(matches!(err, Error::Invalid(_)));
        assert_eq!(count(&s, "SELECT count(*) FROM leads"), 100);
    }

    #[test]
    fn indexes_are_rebuilt_as_the_schema_defines_them() {
        let fresh = Store::open_in_memory().unwrap();
        let sql = "SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name";
        let before = rows(&fresh, sql);
        let (s, _) = demo(200, 9);
        assert_eq!(rows(&s, sql), before);
        assert_eq!(count(&s, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
    }

    /// `cargo test --release -- --ignored --nocapture demo_timing`; DEMO_LEADS overrides the size.
    #[test]
    #[ignore]
    fn demo_timing() {
        let leads = std::env::var("DEMO_LEADS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("demo.db");
        let mut store = Store::open(&path).unwrap();
        let started = std::time::Instant::now();
        let summary = generate(&mut store, &ctx(), &DemoOptions { leads, seed: 42 }).unwrap();
        let elapsed = started.elapsed();
        drop(store);
        let size: u64 = ["", "-wal"]
            .iter()
            .filter_map(|suffix| std::fs::metadata(format!("{}{suffix}", path.display())).ok())
            .map(|m| m.len())
            .sum();
        println!("{summary:?}\n{leads} leads in {:.2} s, {:.1} MB", elapsed.as_secs_f64(), size as f64 / 1e6);
    }
}
