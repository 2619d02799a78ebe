//! Markdown: GitHub-flavoured tables.

use std::io::{self, Write};
use std::sync::Arc;

use super::render::{Encode, Head, Render, TextLines, Wants, meta_line_shown};
use super::{Format, Out, Section};
use crate::problem::Problem;
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

/// The Markdown renderer: the report's line, the sections before the rows, then a table whose
/// rows are written as they come (or a (field, value) table a row, for a report of one record),
/// and the sections.
#[derive(Default)]
pub(super) struct MarkdownRender {
    /// The line buffer, reused from row to row.
    line: String,
}

impl<'a, W: Write> Render<'a, W> for MarkdownRender {
    fn begin(&mut self, h: &mut Head<'a>, out: &mut W) -> io::Result<()> {
        writeln!(out, "{}", meta_line_shown(h))?;
        writeln!(out)?;
        for section in std::mem::take(&mut h.preamble) {
            markdown_section(out, h, &section)?;
        }
        let headers: Vec<String> = h
            .human_columns()
            .iter()
            .map(|c| md_escape(c.header(Format::Markdown, h.lang)))
            .collect();
        if !h.vertical && !headers.is_empty() {
            writeln!(out, "| {} |", headers.join(" | "))?;
            writeln!(out, "|{}", "---|".repeat(headers.len()))?;
        }
        Ok(())
    }

    fn row(&mut self, h: &mut Head<'a>, out: &mut W, cells: &[Out], _: usize) -> io::Result<()> {
        if h.vertical {
            let texts: Vec<String> = h
                .human_cells(cells, Format::Markdown)
                .iter()
                .map(|t| md_escape(t))
                .collect();
            let headers: Vec<String> = h
                .human_columns()
                .iter()
                .map(|c| md_escape(c.header(Format::Markdown, h.lang)))
                .collect();
            return markdown_vertical(out, h.lang, &headers, &[texts]);
        }
        self.line.clear();
        markdown_line(&mut self.line, cells, &h.shown, h.lang, h.book);
        out.write_all(self.line.as_bytes())
    }

    fn wants(&self) -> Wants {
        Wants {
            sections: true,
            ..Wants::default()
        }
    }

    fn encoder(&self, h: &Head<'a>) -> Arc<dyn Encode + 'a> {
        TextLines::encoder(h, markdown_line)
    }

    fn finish(
        &mut self,
        h: &mut Head<'a>,
        out: &mut W,
        _: usize,
        sections: &[Section],
        _: &[Problem],
    ) -> io::Result<()> {
        for section in sections {
            writeln!(out)?;
            markdown_section(out, h, section)?;
        }
        Ok(())
    }
}

fn markdown_section(out: &mut impl Write, h: &Head<'_>, section: &Section) -> io::Result<()> {
    writeln!(out, "**{}**", md_escape(section.title.get(h.lang)))?;
    writeln!(out)?;
    let headers: Vec<String> = section
        .columns
        .iter()
        .map(|c| md_escape(c.header(Format::Markdown, h.lang)))
        .collect();
    let rows: Vec<Vec<String>> = section
        .rows
        .iter()
        .map(|r| {
            r.iter()
                .map(|c| md_escape(&c.text(Format::Markdown, h.lang, h.book)))
                .collect()
        })
        .collect();
    if section.single {
        markdown_vertical(out, h.lang, &headers, &rows)?;
    } else {
        writeln!(out, "| {} |", headers.join(" | "))?;
        writeln!(out, "|{}", "---|".repeat(headers.len()))?;
        for r in rows {
            writeln!(out, "| {} |", r.join(" | "))?;
        }
    }
    writeln!(out)
}

fn markdown_vertical(
    out: &mut impl Write,
    lang: Lang,
    headers: &[String],
    rows: &[Vec<String>],
) -> io::Result<()> {
    let (field, value) = match lang {
        Lang::Zh => ("项", "值"),
        Lang::En => ("field", "value"),
    };
    for r in rows {
        writeln!(out, "| {field} | {value} |")?;
        writeln!(out, "|---|---|")?;
        for (h, v) in headers.iter().zip(r) {
            writeln!(out, "| {h} | {v} |")?;
        }
    }
    Ok(())
}
