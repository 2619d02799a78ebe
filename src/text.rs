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

/// Trims white space, the ideographic space and a byte-order mark from both ends.
pub fn trim(s: &str) -> &str {
    let blank = |c: char| c.is_whitespace() || c == '\u{feff}' || c == '\u{3000}';
    // Most cells need no trimming: their first and last characters say so at once.
    match (s.chars().next(), s.chars().next_back()) {
        (Some(a), Some(b)) if !blank(a) && !blank(b) => s,
        _ => s.trim_matches(blank),
    }
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
