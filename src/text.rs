//! Languages and bilingual text.
//!
//! Rule texts, field names and vocabularies carry their own `zh`/`en` strings in the rulebook; this
//! module holds the type for them and the few interface words (status names, reasons) that belong
//! to the tool rather than to any rulebook.

use serde::{Deserialize, Serialize};

/// The language of a report: Chinese by default, English one flag away.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Lang {
    /// 中文
    #[default]
    Zh,
    /// English
    En,
}

impl Lang {
    /// Picks the string for this language.
    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }
}

/// A text in both languages, as the rulebook holds it after validation.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Text {
    pub zh: String,
    pub en: String,
}

impl Text {
    pub fn new(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Text {
            zh: zh.into(),
            en: en.into(),
        }
    }

    /// The text in `lang`.
    pub fn get(&self, lang: Lang) -> &str {
        lang.pick(&self.zh, &self.en)
    }
}

/// The form in which names, headers and cell spellings are compared: trimmed of white space
/// (including the ideographic space and a stray byte-order mark) and lower-cased.
pub fn normalize(s: &str) -> String {
    trim(s).to_lowercase()
}

/// The form in which column headers are compared (DOMAIN "Reading real inventories"): full-width
/// forms folded to half-width (NFKC: `（人）` → `(人)`, `３` → `3`), every space and line break
/// removed (a header wrapped in its cell, 经办↵窗口数, is one name), a `*` required-mark dropped,
/// Latin letters lower-cased.
pub fn fold_header(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    s.nfkc()
        .filter(|c| !c.is_whitespace() && *c != '*' && *c != '\u{feff}' && *c != '\u{200b}')
        .flat_map(char::to_lowercase)
        .collect()
}

/// Trims white space, the ideographic space and a byte-order mark from both ends.
#[inline]
pub fn trim(s: &str) -> &str {
    // Most cells need no trimming: their first and last bytes say so at once.
    let b = s.as_bytes();
    match (b.first(), b.last()) {
        (Some(&first), Some(&last)) if plain_start(first) && plain_end(b, last) => s,
        (None, _) | (_, None) => s,
        _ => trim_blank(s),
    }
}

/// Whether a character that starts with `lead` cannot be blank. The blank characters are ASCII
/// (tab to carriage return, space) or start with 0xC2 (U+0085, U+00A0), 0xE1 (U+1680), 0xE2
/// (U+2000 to U+205F), 0xE3 (U+3000) or 0xEF (U+FEFF).
#[inline]
fn plain_start(lead: u8) -> bool {
    if lead < 0x80 {
        !(lead == b' ' || (b'\t'..=b'\r').contains(&lead))
    } else {
        !matches!(lead, 0xC2 | 0xE1 | 0xE2 | 0xE3 | 0xEF)
    }
}

/// Whether the last character of `b` (whose last byte is `last`) cannot be blank; `false` when
/// unsure (a two- or four-byte character), which only costs the careful path.
#[inline]
fn plain_end(b: &[u8], last: u8) -> bool {
    if last < 0x80 {
        return plain_start(last);
    }
    // A three-byte lead byte three bytes from the end starts the last character.
    match b.len().checked_sub(3).map(|i| b[i]) {
        Some(lead @ 0xE0..=0xEF) => plain_start(lead),
        _ => false,
    }
}

/// The careful path of [`trim`].
#[inline(never)]
fn trim_blank(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}' || c == '\u{3000}')
}

/// How deep YAML flow collections (`[…]`, `{…}`) nest, stopping once past `limit`. A YAML parser
/// takes time quadratic in that depth before its own recursion limit stops it, so callers refuse
/// deep text up front. Quoted strings and comments are skipped.
pub fn yaml_flow_depth(text: &str, limit: usize) -> usize {
    let (mut depth, mut max) = (0usize, 0usize);
    let mut quote: Option<char> = None;
    let mut comment = false;
    let mut prev = '\n';
    for c in text.chars() {
        if comment {
            comment = c != '\n';
        } else if let Some(q) = quote {
            if c == q {
                quote = None;
            }
        } else {
            match c {
                '"' | '\'' if matches!(prev, ' ' | '[' | '{' | ',' | ':' | '\n' | '\t') => {
                    quote = Some(c)
                }
                '#' if prev.is_whitespace() => comment = true,
                '[' | '{' => {
                    depth += 1;
                    max = max.max(depth);
                    if max > limit {
                        return max;
                    }
                }
                ']' | '}' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        prev = c;
    }
    max
}

/// The deepest YAML nesting `outlet` reads.
pub const YAML_DEPTH_LIMIT: usize = 100;

#[cfg(test)]
mod tests {
    use super::*;

    /// `trim` as first written: every character tested.
    fn trim_reference(s: &str) -> &str {
        s.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}' || c == '\u{3000}')
    }

    #[test]
    fn trim_agrees_with_the_plain_definition_for_every_character() {
        // One buffer for every case: cheap enough for a debug build.
        let mut s = String::new();
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            for (before, after) in [("", ""), ("x", ""), ("", "x"), ("中", "中"), ("é", "")] {
                for both in [false, true] {
                    s.clear();
                    if both {
                        s.push(c);
                    }
                    s.push_str(before);
                    s.push(c);
                    s.push_str(after);
                    if both {
                        s.push(c);
                    }
                    assert_eq!(trim(&s), trim_reference(&s), "{s:?}");
                }
            }
            s.clear();
            s.push(c);
            s.push('\u{3000}');
            assert_eq!(trim(&s), trim_reference(&s), "{s:?}");
        }
        assert_eq!(trim(""), "");
        assert_eq!(trim(" \u{feff}\u{3000}\t"), "");
    }
}
