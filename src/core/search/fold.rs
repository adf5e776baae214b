//! The case folding of FTS5's trigram tokenizer, character by character, so
//! that a short search can name the index's pieces that hold its text and
//! the pieces of a lead can be known without asking the index.
//!
//! A port of `sqlite3Fts5UnicodeFold(c, 0)` (SQLite's `fts5_unicode2.c`,
//! generated from Unicode's CaseFolding.txt; `remove_diacritics` is off for
//! the trigram tokenizer by default, and `leads_search` keeps the default).
//! The unit test below compares it with the bundled SQLite's own tokenizer
//! for every character, so an SQLite upgrade that changes the folding fails
//! the build's tests instead of missing leads.

/// Ranges of characters that fold: (first, flags, length). When the low bit
/// of `flags` is set only every second character from `first` folds; the
/// character folds to `(c + OFFSETS[flags >> 1]) & 0xFFFF`.
#[rustfmt::skip]
const ENTRIES: [(u16, u8, u8); 163] = [
    (65, 14, 26), (181, 64, 1), (192, 14, 23), (216, 14, 7), (256, 1, 48), (306, 1, 6),
    (313, 1, 16), (330, 1, 46), (376, 116, 1), (377, 1, 6), (383, 104, 1), (385, 50, 1),
    (386, 1, 4), (390, 44, 1), (391, 0, 1), (393, 42, 2), (395, 0, 1), (398, 32, 1),
    (399, 38, 1), (400, 40, 1), (401, 0, 1), (403, 42, 1), (404, 46, 1), (406, 52, 1),
    (407, 48, 1), (408, 0, 1), (412, 52, 1), (413, 54, 1), (415, 56, 1), (416, 1, 6),
    (422, 60, 1), (423, 0, 1), (425, 60, 1), (428, 0, 1), (430, 60, 1), (431, 0, 1),
    (433, 58, 2), (435, 1, 4), (439, 62, 1), (440, 0, 1), (444, 0, 1), (452, 2, 1),
    (453, 0, 1), (455, 2, 1), (456, 0, 1), (458, 2, 1), (459, 1, 18), (478, 1, 18),
    (497, 2, 1), (498, 1, 4), (502, 122, 1), (503, 134, 1), (504, 1, 40), (544, 110, 1),
    (546, 1, 18), (570, 70, 1), (571, 0, 1), (573, 108, 1), (574, 68, 1), (577, 0, 1),
    (579, 106, 1), (580, 28, 1), (581, 30, 1), (582, 1, 10), (837, 36, 1), (880, 1, 4),
    (886, 0, 1), (902, 18, 1), (904, 16, 3), (908, 26, 1), (910, 24, 2), (913, 14, 17),
    (931, 14, 9), (962, 0, 1), (975, 4, 1), (976, 140, 1), (977, 142, 1), (981, 146, 1),
    (982, 144, 1), (984, 1, 24), (1008, 136, 1), (1009, 138, 1), (1012, 130, 1), (1013, 128, 1),
    (1015, 0, 1), (1017, 152, 1), (1018, 0, 1), (1021, 110, 3), (1024, 34, 16), (1040, 14, 32),
    (1120, 1, 34), (1162, 1, 54), (1216, 6, 1), (1217, 1, 14), (1232, 1, 88), (1329, 22, 38),
    (4256, 66, 38), (4295, 66, 1), (4301, 66, 1), (7680, 1, 150), (7835, 132, 1), (7838, 96, 1),
    (7840, 1, 96), (7944, 150, 8), (7960, 150, 6), (7976, 150, 8), (7992, 150, 8), (8008, 150, 6),
    (8025, 151, 8), (8040, 150, 8), (8072, 150, 8), (8088, 150, 8), (8104, 150, 8), (8120, 150, 2),
    (8122, 126, 2), (8124, 148, 1), (8126, 100, 1), (8136, 124, 4), (8140, 148, 1), (8152, 150, 2),
    (8154, 120, 2), (8168, 150, 2), (8170, 118, 2), (8172, 152, 1), (8184, 112, 2), (8186, 114, 2),
    (8188, 148, 1), (8486, 98, 1), (8490, 92, 1), (8491, 94, 1), (8498, 12, 1), (8544, 8, 16),
    (8579, 0, 1), (9398, 10, 26), (11264, 22, 47), (11360, 0, 1), (11362, 88, 1), (11363, 102, 1),
    (11364, 90, 1), (11367, 1, 6), (11373, 84, 1), (11374, 86, 1), (11375, 80, 1), (11376, 82, 1),
    (11378, 0, 1), (11381, 0, 1), (11390, 78, 2), (11392, 1, 100), (11499, 1, 4), (11506, 0, 1),
    (42560, 1, 46), (42624, 1, 24), (42786, 1, 14), (42802, 1, 62), (42873, 1, 4), (42877, 76, 1),
    (42878, 1, 10), (42891, 0, 1), (42893, 74, 1), (42896, 1, 4), (42912, 1, 10), (42922, 72, 1),
    (65313, 14, 26),
];

#[rustfmt::skip]
const OFFSETS: [u16; 77] = [
    1, 2, 8, 15, 16, 26, 28, 32, 37, 38, 40, 48,
    63, 64, 69, 71, 79, 80, 116, 202, 203, 205, 206, 207,
    209, 210, 211, 213, 214, 217, 218, 219, 775, 7264, 10792, 10795,
    23228, 23256, 30204, 54721, 54753, 54754, 54756, 54787, 54793, 54809, 57153, 57274,
    57921, 58019, 58363, 61722, 65268, 65341, 65373, 65406, 65408, 65410, 65415, 65424,
    65436, 65439, 65450, 65462, 65472, 65476, 65478, 65480, 65482, 65488, 65506, 65511,
    65514, 65521, 65527, 65528, 65529,
];

/// `c` as the trigram tokenizer reads it and writes it into a piece; `None` for a
/// character it would turn into something that is not one (no character
/// does, as the test shows; a caller treats it as "unknown", never as a match).
pub fn fold(c: char) -> Option<char> {
    // SQLite reads U+FFFE and U+FFFF as U+FFFD (its READ_UTF8; so does `LIKE`).
    let code = match u32::from(c) {
        0xFFFE | 0xFFFF => 0xFFFD,
        code => code,
    };
    let folded = if code < 128 {
        if c.is_ascii_uppercase() { code + 32 } else { code }
    } else if code < 65_536 {
        // The last range starting at or before `c` (the first starts at 65).
        let at = ENTRIES.partition_point(|&(first, _, _)| u32::from(first) <= code) - 1;
        let (first, flags, length) = ENTRIES[at];
        let (first, flags) = (u32::from(first), u32::from(flags));
        if code < first + u32::from(length) && (1 & flags & (first ^ code)) == 0 {
            (code + u32::from(OFFSETS[(flags >> 1) as usize])) & 0xFFFF
        } else {
            code
        }
    } else if (66_560..66_600).contains(&code) {
        code + 40
    } else {
        code
    };
    char::from_u32(folded)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::Connection;

    #[test]
    fn folds_as_the_index_does() {
        assert_eq!(fold('Q'), Some('q'));
        assert_eq!(fold('q'), Some('q'));
        assert_eq!(fold('Ÿ'), Some('ÿ'));
        assert_eq!(fold('Ë'), Some('ë'));
        assert_eq!(fold('ẞ'), Some('ß'));
        assert_eq!(fold('Σ'), Some('σ'));
        assert_eq!(fold('@'), Some('@'));
        assert_eq!(fold('𐐀'), Some('𐐨'), "Deseret, outside the basic plane");
        assert_eq!(fold('\u{FFFF}'), Some('\u{FFFD}'), "read as the replacement character");
    }

    /// Every character, tripled, is one piece for the bundled SQLite's
    /// trigram tokenizer: its folding, character by character.
    #[test]
    fn every_character_folds_as_the_bundled_sqlite_folds_it() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE VIRTUAL TABLE t USING fts5 (x, tokenize = 'trigram', detail = 'none');
             CREATE VIRTUAL TABLE v USING fts5vocab (t, 'instance');",
        )
        .unwrap();
        let chars: Vec<char> = (1..=u32::from(char::MAX)).filter_map(char::from_u32).collect();
        for block in chars.chunks(100_000) {
            let tx = conn.unchecked_transaction().unwrap();
            conn.execute("DELETE FROM t", []).unwrap();
            {
                let mut insert = conn.prepare("INSERT INTO t (rowid, x) VALUES (?1, ?2)").unwrap();
                for &c in block {
                    insert.execute(rusqlite::params![u32::from(c), c.to_string().repeat(3)]).unwrap();
                }
            }
            let mut found = std::collections::HashMap::new();
            let mut stmt = conn.prepare("SELECT doc, term FROM v").unwrap();
            let rows = stmt.query_map([], |r| Ok((r.get::<_, u32>(0)?, r.get::<_, String>(1)?))).unwrap();
            for row in rows {
                let (doc, term) = row.unwrap();
                found.insert(doc, term);
            }
            for &c in block {
                let expected = found.get(&u32::from(c)).map(|t| t.chars().next().unwrap());
                assert_eq!(fold(c), expected, "U+{:04X}", u32::from(c));
                assert_eq!(found.get(&u32::from(c)).map(|t| t.chars().count()), Some(3));
                // A listed piece, asked for in a query, is folded again: it must stay the same.
                assert_eq!(fold(c).and_then(fold), fold(c), "U+{:04X} folds once", u32::from(c));
            }
            drop(stmt);
            tx.commit().unwrap();
        }
    }
}
