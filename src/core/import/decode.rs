//! The bytes of a CSV file as text: UTF-8 with or without BOM; UTF-16 with a
//! BOM; a file that is not UTF-8 at all (no valid multi-byte sequence
//! anywhere) is read as Windows-1252, the superset of Latin-1 that
//! spreadsheets on Windows write. A UTF-8 file with a stray invalid byte is
//! an error naming the line, since guessing would garble the rest.

use serde::Serialize;

use crate::core::error::{Error, Result};

/// The text encoding the file was read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, strum::IntoStaticStr, strum::EnumIter)]
pub enum Encoding {
    #[serde(rename = "utf-8")]
    #[strum(serialize = "utf-8")]
    Utf8,
    #[serde(rename = "utf-8-bom")]
    #[strum(serialize = "utf-8-bom")]
    Utf8Bom,
    #[serde(rename = "utf-16le")]
    #[strum(serialize = "utf-16le")]
    Utf16Le,
    #[serde(rename = "utf-16be")]
    #[strum(serialize = "utf-16be")]
    Utf16Be,
    #[serde(rename = "windows-1252")]
    #[strum(serialize = "windows-1252")]
    Windows1252,
}

impl Encoding {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// The file as text, and the encoding it was read in.
pub(super) fn decode(bytes: &[u8]) -> Result<(String, Encoding)> {
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

/// The 1-based line of byte `offset`.
pub(super) fn line_of(bytes: &[u8], offset: usize) -> usize {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
