//! Languages and bilingual text.
//!
//! Rule texts, field names and vocabularies carry their own `zh`/`en` strings in the rulebook; this
//! module holds the type for them and the few interface words (status names, reasons) that belong
//! to the tool rather than to any rulebook.

use std::borrow::Cow;

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

/// `s` as a terminal may safely show it on one line: every control character made visible, so that
/// a value from a file can neither move the cursor, retitle the window nor overwrite what was
/// printed before it (an ESC starts a sequence, a bare CR returns to the line's start). ESC is
/// shown as `\x1b`, CR, LF and tab as the control pictures `␍`, `␊` and `␉`, the other C0 and C1
/// controls and DEL as `\xNN`, and the bidirectional overrides and isolates (which reorder what
/// follows them) as `\u{202e}`. Text without any of them is returned as it is.
///
/// This is the one place where data meets the terminal: the table, the problem lines, error
/// messages and every other text written for people go through it or [`visible_lines`].
pub fn visible(s: &str) -> Cow<'_, str> {
    visible_with(s, false)
}

/// As [`visible`], for text of several lines: LF and tab are kept, everything else is shown.
pub fn visible_lines(s: &str) -> Cow<'_, str> {
    visible_with(s, true)
}

fn hidden(c: char, lines: bool) -> bool {
    match c {
        '\n' | '\t' => !lines,
        c if c.is_control() => true,
        '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => true,
        _ => false,
    }
}

fn visible_with(s: &str, lines: bool) -> Cow<'_, str> {
    use std::fmt::Write as _;
    // Most text has no control character: the bytes below 0x20 and DEL tell at once, and the
    // rare text with the others (C1, bidirectional) is checked character by character.
    let suspect = s
        .bytes()
        .any(|b| b < 0x20 || b == 0x7f || b == 0xc2 || b == 0xe2);
    if !suspect || !s.chars().any(|c| hidden(c, lines)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if !hidden(c, lines) {
            out.push(c);
            continue;
        }
        match c {
            '\r' => out.push('␍'),
            '\n' => out.push('␊'),
            '\t' => out.push('␉'),
            c if u32::from(c) <= 0xff => {
                let _ = write!(out, "\\x{:02x}", u32::from(c));
            }
            c => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
        }
    }
    Cow::Owned(out)
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
                    quote = Some(c);
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

/// An I/O error in `lang`: in Chinese by its kind (文件不存在, 没有权限 …), never the system's
/// English sentence; in English as the system words it.
pub fn io_message(e: &std::io::Error, lang: Lang) -> String {
    use std::io::ErrorKind as K;
    if lang == Lang::En {
        return e.to_string();
    }
    let what = match e.kind() {
        K::NotFound => "文件不存在",
        K::PermissionDenied => "没有权限",
        K::AlreadyExists => "文件已存在",
        K::IsADirectory => "这是文件夹,不是文件",
        K::NotADirectory => "路径中有一级不是文件夹",
        K::DirectoryNotEmpty => "文件夹不为空",
        K::InvalidData => "数据无效",
        K::InvalidInput => "参数无效",
        K::UnexpectedEof => "文件意外结束",
        K::StorageFull => "磁盘已满",
        K::ReadOnlyFilesystem => "文件系统只读",
        K::FileTooLarge => "文件过大",
        K::BrokenPipe => "管道已被关闭",
        K::WouldBlock => "暂时无法读写",
        K::TimedOut => "读写超时",
        K::Interrupted => "读写被中断",
        K::OutOfMemory => "内存不足",
        K::CrossesDevices => "不能跨文件系统移动",
        K::ResourceBusy => "文件正被占用",
        K::WriteZero => "无法写入",
        K::Unsupported => "系统不支持该操作",
        _ => "读写出错",
    };
    match e.raw_os_error() {
        Some(code) => format!("{what}(系统错误码 {code})"),
        None => what.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `trim` as first written: every character tested.
    fn trim_reference(s: &str) -> &str {
        s.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}' || c == '\u{3000}')
    }

    #[test]
    fn control_characters_are_shown_not_sent() {
        assert_eq!(visible("网点 A-1"), "网点 A-1");
        assert!(matches!(visible("网点 A-1"), Cow::Borrowed(_)));
        assert_eq!(visible("a\x1b]0;t\x07b"), "a\\x1b]0;t\\x07b");
        assert_eq!(visible("ok\rBAD"), "ok␍BAD");
        assert_eq!(visible("a\tb\nc"), "a␉b␊c");
        assert_eq!(visible_lines("a\tb\nc\r"), "a\tb\nc␍");
        assert_eq!(visible("\x7f\u{9b}31m"), "\\x7f\\x9b31m");
        assert_eq!(visible("abc\u{202e}fed"), "abc\\u{202e}fed");
        assert_eq!(visible("é中\u{a0}"), "é中\u{a0}");
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
