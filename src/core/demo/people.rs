//! Who writes in: the people, companies, sources and tags of the demo's
//! leads, and when they arrive. Pure content, drawn from its own generator
//! on its own thread; what the office does with each lead is `history`'s.

use std::fmt::Write as _;
use std::sync::mpsc::SyncSender;

use chrono_tz::Tz;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::calendar::utc_offset;
use super::{DAY, GROWTH, HISTORY_DAYS};

const FIRST_NAMES: &str = include_str!("../../../assets/demo/first_names.txt");
const LAST_NAMES: &str = include_str!("../../../assets/demo/last_names.txt");
const COMPANY_WORDS: &str = include_str!("../../../assets/demo/company_words.txt");
const INDUSTRIES: &str = include_str!("../../../assets/demo/industries.txt");

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
pub(super) const WEEKDAY_WEIGHT: [u32; 7] = [100, 95, 92, 90, 80, 35, 25];
const HOUR_WEIGHT: [u32; 24] =
    [10, 6, 4, 4, 5, 10, 25, 50, 80, 95, 100, 100, 90, 95, 100, 95, 90, 80, 65, 55, 45, 35, 25, 15];

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

fn words(text: &'static str) -> Vec<&'static str> {
    text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).collect()
}

fn pick<'a>(rng: &mut ChaCha8Rng, list: &[&'a str]) -> &'a str {
    if list.is_empty() {
        return "";
    }
    list[rng.random_range(0..list.len())]
}

pub(super) fn weighted(rng: &mut ChaCha8Rng, weights: impl Iterator<Item = u32> + Clone) -> usize {
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

pub(super) fn pick_weighted<T: Copy>(rng: &mut ChaCha8Rng, items: &[(T, u32)], fallback: T) -> T {
    let i = weighted(rng, items.iter().map(|(_, w)| *w));
    items.get(i).map_or(fallback, |(t, _)| *t)
}

/// A uniform number in `[0, 1)`.
fn unit(rng: &mut ChaCha8Rng) -> f64 {
    rng.random::<f64>()
}

/// A random span in `lo..hi` seconds, skewed towards `lo` by `power`.
pub(super) fn skewed(rng: &mut ChaCha8Rng, lo: i64, hi: i64, power: u32) -> i64 {
    let mut u = unit(rng);
    let base = u;
    for _ in 1..power {
        u *= base;
    }
    lo + (u * (hi - lo) as f64) as i64
}

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

pub(super) fn folded(text: &str) -> String {
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

#[derive(Clone)]
pub(super) struct Draft {
    pub name: String,
    pub email: String,
    pub phone: String,
    pub company: String,
}

/// One lead as it arrives at the office, before anyone has looked at it.
pub(super) struct Arrival {
    pub id: i64,
    pub t: i64,
    /// One of yesterday's trade-show badge scans, imported in one go.
    pub imported: bool,
    pub source: &'static str,
    pub draft: Draft,
    pub tags: Vec<&'static str>,
}

pub(super) const COLD_CALL: &str = "Cold call";
pub(super) const CSV_IMPORT: &str = "CSV import";

struct Company {
    name: String,
    domain: String,
    region: usize,
}

/// Draws the arrivals, in time order (lead ids follow time).
pub(super) struct Arrivals {
    rng: ChaCha8Rng,
    tz: Tz,
    now: i64,
    start: i64,
    leads: u64,
    first: Vec<&'static str>,
    last: Vec<&'static str>,
    brands: Vec<&'static str>,
    industries: Vec<&'static str>,
    companies: Vec<Company>,
    recent: Vec<Draft>,
    drafts: usize,
    lump_at: i64,
    lump_left: usize,
}

impl Arrivals {
    pub fn new(tz: Tz, now: i64, leads: u64, seed: u64) -> Arrivals {
        Arrivals {
            rng: ChaCha8Rng::seed_from_u64(seed),
            tz,
            now,
            start: now - HISTORY_DAYS * DAY,
            leads,
            first: words(FIRST_NAMES),
            last: words(LAST_NAMES),
            brands: words(COMPANY_WORDS),
            industries: words(INDUSTRIES),
            companies: Vec::new(),
            recent: Vec::new(),
            drafts: 0,
            lump_at: i64::MIN,
            lump_left: 0,
        }
    }

    /// Send every arrival in order, in chunks, until done or until nobody listens.
    pub fn send(mut self, tx: &SyncSender<Vec<Arrival>>) {
        const PER_CHUNK: usize = 2048;
        let times = self.creation_times();
        self.companies = self.company_pool();
        let mut chunk = Vec::with_capacity(PER_CHUNK);
        for (id, &t) in (1i64..).zip(times.iter()) {
            let imported = t == self.lump_at && self.lump_left > 0;
            if imported {
                self.lump_left -= 1;
            }
            let source = if imported { CSV_IMPORT } else { pick_weighted(&mut self.rng, &SOURCES, "Website") };
            let draft = self.person(source);
            let tags = self.tags(source);
            if id % 4 == 0 {
                self.remember(draft.clone());
            }
            chunk.push(Arrival { id, t, imported, source, draft, tags });
            if chunk.len() >= PER_CHUNK
                && tx.send(std::mem::replace(&mut chunk, Vec::with_capacity(PER_CHUNK))).is_err()
            {
                return;
            }
        }
        let _ = tx.send(chunk);
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
}
