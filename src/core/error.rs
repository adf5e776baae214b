use std::borrow::Cow;
use std::path::PathBuf;

/// Every failure the core reports. `Invalid` and friends are the user's to fix
/// and print as one line; `Sql` is an internal fault.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Invalid(String),
    #[error("{kind} '{name}' not found")]
    NotFound { kind: &'static str, name: String },
    #[error("permission denied: {0}")]
    Forbidden(String),
    #[error("{} is not a leadrota database ({reason}); it was left untouched", path.display())]
    NotLeadrota { path: PathBuf, reason: String },
    #[error(
        "{} was written by a newer leadrota (schema {found}, this build knows {known}); upgrade leadrota to open it",
        path.display()
    )]
    TooNew { path: PathBuf, found: i64, known: i64 },
    #[error("cannot open {}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    /// Shown without SQLite's own words (§7: no "UNIQUE constraint failed…"
    /// reaches a user); the full error goes to the log.
    #[error("{}", sql_message(.0))]
    Sql(#[from] rusqlite::Error),
    #[error("terminal: {0}")]
    Terminal(#[from] std::io::Error),
    #[error(
        "the selection changed: {} leads match now, not {} — preview again",
        thousands(*now),
        thousands(*expected)
    )]
    SelectionChanged { now: usize, expected: usize },
    #[error(
        "the selection changed: another seat changed the owner or status of {} since the preview — preview again",
        if *count == 1 { "this lead".to_string() } else { format!("some of these {} leads", thousands(*count)) }
    )]
    LeadsChanged { count: usize },
    #[error("migration failed: {0}")]
    Migration(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn invalid(msg: impl Into<String>) -> Self {
        Error::Invalid(msg.into())
    }

    pub fn not_found(kind: &'static str, name: impl Into<String>) -> Self {
        Error::NotFound { kind, name: name.into() }
    }
}

/// What a user reads for an internal database failure: what happened to
/// their change and what to do, with SQLite's error code for a bug report.
fn sql_message(e: &rusqlite::Error) -> String {
    // An interrupted statement is a search a newer key stopped, not a fault.
    if e.sqlite_error_code() == Some(rusqlite::ErrorCode::OperationInterrupted) {
        tracing::debug!("statement interrupted: {e}");
    } else {
        tracing::error!("database error: {e}");
    }
    let code = e.sqlite_error_code().map_or_else(|| "internal".to_string(), |c| format!("{c:?}"));
    format!("the database refused this ({code}); nothing was written — `leadrota doctor` checks the file")
}

/// [`thousands`] for a stored count (never negative; 0 if it were).
pub fn thousands_of(n: i64) -> String {
    thousands(usize::try_from(n).unwrap_or(0))
}

/// `8407` as "8,407": the figures a user compares with what they confirmed.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Longest user text quoted in a message.
const SHOWN_CHARS: usize = 60;

/// User text as quoted in a one-line message: control characters become
/// spaces and anything past [`SHOWN_CHARS`] characters is cut with `…`, so a
/// 10 MB cell never makes a 10 MB error line.
pub fn shown(text: &str) -> Cow<'_, str> {
    let plain = text.chars().count() <= SHOWN_CHARS && !text.chars().any(char::is_control);
    if plain {
        return Cow::Borrowed(text);
    }
    let mut out: String = text.chars().take(SHOWN_CHARS).map(|c| if c.is_control() { ' ' } else { c }).collect();
    if text.chars().nth(SHOWN_CHARS).is_some() {
        out.push('…');
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shown_text_is_one_short_line() {
        assert_eq!(shown("OPEN_DEAL"), "OPEN_DEAL");
        assert_eq!(shown("a\nb\tc"), "a b c");
        let text = "x".repeat(10_000);
        let long = shown(&text);
        assert_eq!(long.chars().count(), SHOWN_CHARS + 1);
        assert!(long.ends_with('…'));
    }
}
