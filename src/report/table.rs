//! The terminal table of a long report, streamed (issue 16): column widths are measured on the
//! first block of rows ([`super::TABLE_BLOCK`]), then every row is written as it comes, in those
//! widths, so that memory stays bounded however long the inventory. A later cell wider than its
//! column is cut, with `…`; the CSV and the workbook have it whole, as the closing hint says.
//! The lines look like the short table's (comfy-table's `UTF8_FULL_CONDENSED`).

use std::io::{self, Write};

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
