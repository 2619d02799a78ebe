//! Markdown: GitHub-flavoured tables.

use super::{Format, Out};
use crate::rulebook::Rulebook;
use crate::text::{Lang, visible};

/// Appends a main row as a line of a Markdown table.
pub(super) fn markdown_line(
    line: &mut String,
    cells: &[Out],
    shown: &[bool],
    lang: Lang,
    book: &Rulebook,
) {
    let mut text = String::new();
    line.push_str("| ");
    for (i, (c, _)) in cells.iter().zip(shown).filter(|(_, s)| **s).enumerate() {
        if i > 0 {
            line.push_str(" | ");
        }
        text.clear();
        c.write_text(&mut text, Format::Markdown, lang, book);
        line.push_str(&md_escape(&text));
    }
    line.push_str(" |\n");
}

/// A Markdown table cell: a pipe escaped, a line break made a space, the other control
/// characters shown ([`visible`]).
pub(super) fn md_escape(s: &str) -> String {
    visible(&s.replace('|', "\\|").replace('\n', " ")).into_owned()
}
