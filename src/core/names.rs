//! Names of users, groups and rules (SPEC §7). They are printed in every
//! table, picker and message, so a name may not hold what would break a
//! line or reorder the text around it: control characters (line breaks and
//! tabs among them), Unicode line and paragraph separators, and the
//! bidirectional controls that make "Tom" display as something else.

use super::error::{Error, Result};

/// Characters that change the direction of the text after them.
const BIDI_CONTROLS: [char; 12] = [
    '\u{061C}', '\u{200E}', '\u{200F}', '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}',
    '\u{2067}', '\u{2068}', '\u{2069}',
];

fn forbidden(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') || BIDI_CONTROLS.contains(&c)
}

/// The name, trimmed, if it is a usable name for a `kind` ("user", "group", "rule").
pub fn check<'a>(kind: &str, name: &'a str) -> Result<&'a str> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::invalid(format!("a {kind} needs a name")));
    }
    if let Some(c) = name.chars().find(|&c| forbidden(c)) {
        return Err(Error::invalid(format!(
            "a {kind} name cannot hold control characters, line breaks or bidirectional overrides \
             (it has U+{:04X}); type the name plainly",
            u32::from(c)
        )));
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_names_pass_trimmed_and_any_script_is_welcome() {
        assert_eq!(check("user", "  Smith, John ").unwrap(), "Smith, John");
        for name in ["Zoë Åberg", "محمد", "山田 太郎", "O'Brien-Smith"] {
            assert_eq!(check("user", name).unwrap(), name);
        }
    }

    #[test]
    fn line_breaks_controls_and_bidi_overrides_are_refused() {
        for bad in
            ["Tom\nLewis", "Tom\rX", "A\tB", "x\u{7}", "Tom\u{202E}sipeL", "a\u{2066}b", "a\u{2028}b", "\u{200F}x"]
        {
            let message = check("group", bad).unwrap_err().to_string();
            assert!(message.starts_with("a group name cannot hold"), "{bad:?}: {message}");
            assert!(!message.contains('\n'));
        }
        assert_eq!(check("rule", "   ").unwrap_err().to_string(), "a rule needs a name");
    }
}
