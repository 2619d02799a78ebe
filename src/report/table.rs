//! The terminal table of a long report, streamed (issue 16): column widths are measured on the
//! first block of rows ([`super::TABLE_BLOCK`]), then every row is written as it comes, in those
//! widths, so that memory stays bounded however long the inventory. A later cell wider than its
//! column is cut, with `…`; the CSV and the workbook have it whole, as the closing hint says.
//! The lines look like the short table's (comfy-table's `UTF8_FULL_CONDENSED`).

use std::io::{self, Write};
use std::sync::Arc;

use comfy_table::{ContentArrangement, Table, presets};

use super::render::{Encode, Head, Render, TextLines, Wants, meta_line_shown, pairs};
use super::{Format, Out, Section, TABLE_BLOCK};
use crate::problem::Problem;
use crate::rulebook::Rulebook;
use crate::text::{Lang, visible};

/// The widest a streamed column is made, in terminal cells.
const MAX_WIDTH: usize = 60;

/// The widths a long table is streamed in.
pub(super) struct Streamed {
    widths: Vec<usize>,
    /// The line being written, reused from row to row.
    line: String,
}

/// A cell as the table shows it: one line, its control characters visible.
fn shown(cell: &str) -> String {
    visible(cell.trim_end_matches('\n')).into_owned()
}

/// Appends a cell as the table shows it ([`shown`]): the text that [`encode`] separates.
pub(super) fn push_shown(buf: &mut String, cell: &str) {
    buf.push_str(&visible(cell.trim_end_matches('\n')));
}

/// Separates the cells of a row encoded for the table: a shown cell has no control character.
pub(super) const CELL_END: char = '\u{1f}';

/// The width of text on a terminal: a Chinese (wide) character takes two cells.
fn width(s: &str) -> usize {
    if s.is_ascii() {
        return s.len();
    }
    s.chars().map(char_width).sum()
}

fn char_width(c: char) -> usize {
    if super::xlsx::is_wide(c) { 2 } else { 1 }
}

impl Streamed {
    /// Widths that fit the headers and `rows`.
    pub(super) fn measure(headers: &[String], rows: &[Vec<String>]) -> Streamed {
        let mut widths: Vec<usize> = headers.iter().map(|h| width(&shown(h))).collect();
        for r in rows {
            for (w, c) in widths.iter_mut().zip(r) {
                *w = (*w).max(width(&shown(c)));
            }
        }
        for w in &mut widths {
            *w = (*w).clamp(1, MAX_WIDTH);
        }
        Streamed {
            widths,
            line: String::new(),
        }
    }

    fn line(&self, out: &mut impl Write, (left, fill, cross, right): Border) -> io::Result<()> {
        let mut line = String::new();
        line.push(left);
        for (i, w) in self.widths.iter().enumerate() {
            if i > 0 {
                line.push(cross);
            }
            line.extend(std::iter::repeat_n(fill, w + 2));
        }
        line.push(right);
        writeln!(out, "{line}")
    }

    /// Writes a row of cells already shown ([`push_shown`]).
    fn cells<'c>(
        &mut self,
        out: &mut impl Write,
        mut cells: impl Iterator<Item = &'c str>,
    ) -> io::Result<()> {
        let line = &mut self.line;
        line.clear();
        line.push('│');
        for (i, w) in self.widths.iter().enumerate() {
            if i > 0 {
                line.push('┆');
            }
            line.push(' ');
            let cell = cells.next().unwrap_or("");
            let cell_width = width(cell);
            let used = if cell_width <= *w {
                line.push_str(cell);
                cell_width
            } else {
                let mut used = 0;
                for c in cell.chars() {
                    let cw = char_width(c);
                    // Room for `…` when the cell is cut.
                    if used + cw + 1 > *w {
                        line.push('…');
                        used += 1;
                        break;
                    }
                    line.push(c);
                    used += cw;
                }
                used
            };
            line.extend(std::iter::repeat_n(' ', w.saturating_sub(used) + 1));
        }
        line.push_str("│\n");
        out.write_all(line.as_bytes())
    }

    /// The top border, the header, and the line under it.
    pub(super) fn head(&mut self, out: &mut impl Write, headers: &[String]) -> io::Result<()> {
        self.line(out, ('┌', '─', '┬', '┐'))?;
        let headers: Vec<String> = headers.iter().map(|h| shown(h)).collect();
        self.cells(out, headers.iter().map(String::as_str))?;
        self.line(out, ('╞', '═', '╪', '╡'))
    }

    /// One row of cells already shown.
    pub(super) fn row(&mut self, out: &mut impl Write, cells: &[String]) -> io::Result<()> {
        self.cells(out, cells.iter().map(String::as_str))
    }

    /// One row encoded for the table: cells already shown, each ended by [`CELL_END`].
    pub(super) fn encoded_row(&mut self, out: &mut impl Write, row: &str) -> io::Result<()> {
        self.cells(out, row.split_terminator(CELL_END))
    }

    /// The bottom border.
    pub(super) fn end(&self, out: &mut impl Write) -> io::Result<()> {
        self.line(out, ('└', '─', '┴', '┘'))
    }
}

/// The terminal table renderer: rows kept until [`TABLE_BLOCK`] have come (a short table is
/// comfy-table's), then streamed in widths measured on them ([`Streamed`]).
#[derive(Default)]
pub(super) struct TableRender {
    /// Rows kept while the widths are measured, each cell as shown.
    kept: Vec<Vec<String>>,
    streamed: Option<Streamed>,
    /// The line buffer, reused from row to row.
    line: String,
}

/// Appends a main row encoded for the terminal table: each shown cell as the table shows it,
/// ended by [`CELL_END`]; then a line break.
fn table_line(line: &mut String, cells: &[Out], shown: &[bool], lang: Lang, book: &Rulebook) {
    let mut text = String::new();
    for (c, _) in cells.iter().zip(shown).filter(|(_, s)| **s) {
        text.clear();
        c.write_text(&mut text, Format::Table, lang, book);
        push_shown(line, &text);
        line.push(CELL_END);
    }
    line.push('\n');
}

impl TableRender {
    /// A main row encoded for the table ([`table_line`]): kept while the widths are measured,
    /// written in them after.
    fn table_row(&mut self, h: &mut Head<'_>, out: &mut impl Write, line: &str) -> io::Result<()> {
        let line = line.strip_suffix('\n').unwrap_or(line);
        if let Some(streamed) = &mut self.streamed {
            return streamed.encoded_row(out, line);
        }
        self.kept.push(
            line.split_terminator(CELL_END)
                .map(str::to_string)
                .collect(),
        );
        if self.kept.len() > TABLE_BLOCK && !h.vertical {
            self.stream_table(h, out)?;
        }
        Ok(())
    }

    /// Past [`TABLE_BLOCK`] rows: the report's head, then the table's header and the rows kept,
    /// in widths measured on them; the rows to come are written as they come.
    fn stream_table(&mut self, h: &mut Head<'_>, out: &mut impl Write) -> io::Result<()> {
        let headers = table_head(h, out)?;
        let rows = std::mem::take(&mut self.kept);
        let mut streamed = Streamed::measure(&headers, &rows);
        streamed.head(out, &headers)?;
        for r in &rows {
            streamed.row(out, r)?;
        }
        self.streamed = Some(streamed);
        Ok(())
    }
}

/// A terminal table's head: the report's line and the sections before the rows; returns the
/// rows' column headers.
fn table_head(h: &mut Head<'_>, out: &mut impl Write) -> io::Result<Vec<String>> {
    writeln!(out, "{}", meta_line_shown(h))?;
    for section in std::mem::take(&mut h.preamble) {
        table_section(out, h, &section)?;
    }
    Ok(h.human_columns()
        .iter()
        .map(|c| c.header(Format::Table, h.lang).to_string())
        .collect())
}

fn table_section(out: &mut impl Write, h: &Head<'_>, section: &Section) -> io::Result<()> {
    writeln!(out)?;
    writeln!(out, "{}", visible(section.title.get(h.lang)))?;
    let headers: Vec<String> = section
        .columns
        .iter()
        .map(|c| c.header(Format::Table, h.lang).to_string())
        .collect();
    let rows: Vec<Vec<String>> = section
        .rows
        .iter()
        .map(|r| {
            r.iter()
                .map(|c| c.text(Format::Table, h.lang, h.book))
                .collect()
        })
        .collect();
    if section.single {
        for row in rows {
            print_table(out, &[], pairs(&headers, row))?;
        }
        Ok(())
    } else {
        print_table(out, &headers, rows)
    }
}

/// Prints a table for the terminal; every header and cell is shown with its control characters
/// made visible ([`visible`]), so that a cell is one line (a line break in a name cannot fake
/// a row) and sends nothing to the terminal. The line break that ends a YAML block text is
/// dropped rather than shown.
fn print_table(out: &mut impl Write, headers: &[String], rows: Vec<Vec<String>>) -> io::Result<()> {
    let shown = |cells: &[String]| -> Vec<String> {
        cells
            .iter()
            .map(|c| visible(c.trim_end_matches('\n')).into_owned())
            .collect()
    };
    let mut table = Table::new();
    table
        .load_style(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled);
    if !headers.is_empty() {
        table.set_header(shown(headers));
    }
    for r in rows {
        table.add_row(shown(&r));
    }
    writeln!(out, "{table}")
}

impl<'a, W: Write> Render<'a, W> for TableRender {
    fn begin(&mut self, _: &mut Head<'a>, _: &mut W) -> io::Result<()> {
        Ok(())
    }

    fn row(&mut self, h: &mut Head<'a>, out: &mut W, cells: &[Out], _: usize) -> io::Result<()> {
        let mut line = std::mem::take(&mut self.line);
        line.clear();
        table_line(&mut line, cells, &h.shown, h.lang, h.book);
        let written = self.table_row(h, out, &line);
        self.line = line;
        written
    }

    fn encoded(&mut self, h: &mut Head<'a>, out: &mut W, bytes: &[u8], _: usize) -> io::Result<()> {
        let text = std::str::from_utf8(bytes).map_err(io::Error::other)?;
        text.lines()
            .try_for_each(|line| self.table_row(h, out, line))
    }

    fn wants(&self) -> Wants {
        Wants {
            sections: true,
            ..Wants::default()
        }
    }

    fn encoder(&self, h: &Head<'a>) -> Arc<dyn Encode + 'a> {
        TextLines::encoder(h, table_line)
    }

    fn finish(
        &mut self,
        h: &mut Head<'a>,
        out: &mut W,
        rows: usize,
        sections: &[Section],
        _: &[Problem],
    ) -> io::Result<()> {
        if let Some(streamed) = self.streamed.take() {
            streamed.end(out)?;
            for section in sections {
                table_section(out, h, section)?;
            }
            writeln!(out)?;
            return writeln!(out, "{}", hint(rows, h.lang));
        }
        let headers = table_head(h, out)?;
        let rows = std::mem::take(&mut self.kept);
        if h.vertical {
            for row in rows {
                print_table(out, &[], pairs(&headers, row))?;
            }
        } else if !headers.is_empty() {
            print_table(out, &headers, rows)?;
        }
        for section in sections {
            table_section(out, h, section)?;
        }
        Ok(())
    }
}

type Border = (char, char, char, char);

/// What to use for a table of `rows` rows, more than a screen shows.
pub(super) fn hint(rows: usize, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!(
            "共 {rows} 行,超过一屏;完整数据请用 --format csv 或 --format xlsx --output 文件名.xlsx 导出,过长的单元格在此表中已截断(…)。"
        ),
        Lang::En => format!(
            "{rows} rows, more than a screen shows; for all of it use --format csv or --format xlsx \
             --output FILE.xlsx (cells too long for this table are cut here, with …)."
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_streamed_row_keeps_its_column_and_a_long_cell_is_cut() -> io::Result<()> {
        let headers = vec!["编号".to_string(), "name".to_string()];
        let mut t = Streamed::measure(&headers, &[vec!["1".into(), "ab".into()]]);
        let mut out = Vec::new();
        t.head(&mut out, &headers)?;
        t.row(&mut out, &["22".into(), "网点名称".into()])?;
        t.end(&mut out)?;
        assert_eq!(
            String::from_utf8_lossy(&out),
            "┌──────┬──────┐\n│ 编号 ┆ name │\n╞══════╪══════╡\n│ 22   ┆ 网…  │\n└──────┴──────┘\n"
        );
        Ok(())
    }
}
