//! The workbook renderer: the main rows on their sheets, streamed as they come ([`Stream`]);
//! related tables (a gap list, grades) on sheets of their own; the sections and problems on the
//! closing sheets.

use std::io::{self, Write};

use super::{Place, Stream};
use crate::problem::Problem;
use crate::report::render::{Head, Render, Wants};
use crate::report::{Column, Out, Section};

/// The workbook renderer, its workbook started at its first use.
#[derive(Default)]
pub(in crate::report) struct XlsxRender {
    workbook: Option<Stream>,
}

impl XlsxRender {
    /// The workbook, started at its first use.
    fn stream(&mut self, h: &Head<'_>) -> io::Result<&mut Stream> {
        if self.workbook.is_none() {
            let stream = Stream::new(
                h.lang,
                h.meta.command,
                h.workbook_dir.as_deref(),
                h.sheet_rows,
            )
            .map_err(io::Error::other)?;
            self.workbook = Some(stream);
        }
        self.workbook
            .as_mut()
            .ok_or_else(|| io::Error::other("the workbook was not started"))
    }

    /// Writes rows of a table of the workbook's: `place` says where it goes.
    fn rows(
        &mut self,
        h: &Head<'_>,
        key: &str,
        place: Place,
        columns: &[Column],
        rows: &[Vec<Out>],
    ) -> io::Result<()> {
        let stream = self.stream(h)?;
        let t = stream
            .table(key, place, columns)
            .map_err(io::Error::other)?;
        for r in rows {
            stream.row(t, r, h.book).map_err(io::Error::other)?;
        }
        Ok(())
    }
}

impl<'a, W: Write> Render<'a, W> for XlsxRender {
    fn begin(&mut self, _: &mut Head<'a>, _: &mut W) -> io::Result<()> {
        Ok(())
    }

    fn row(&mut self, h: &mut Head<'a>, _: &mut W, cells: &[Out], _: usize) -> io::Result<()> {
        let stream = self.stream(h)?;
        let t = stream
            .table(h.rows_key, Place::Main, &h.columns)
            .map_err(io::Error::other)?;
        stream.row(t, cells, h.book).map_err(io::Error::other)
    }

    fn wants(&self) -> Wants {
        Wants {
            related: true,
            paths: true,
            sections: true,
            ..Wants::default()
        }
    }

    fn related(
        &mut self,
        h: &Head<'a>,
        key: &str,
        columns: &[Column],
        rows: &[Vec<Out>],
    ) -> io::Result<()> {
        self.rows(h, key, Place::Other, columns, rows)
    }

    fn finish(
        &mut self,
        h: &mut Head<'a>,
        out: &mut W,
        _: usize,
        sections: &[Section],
        problems: &[Problem],
    ) -> io::Result<()> {
        // The main table has a sheet even with no rows.
        self.rows(h, h.rows_key, Place::Main, &h.columns, &[])?;
        for s in std::mem::take(&mut h.preamble) {
            self.rows(h, &s.key, Place::Preamble, &s.columns, &s.rows)?;
        }
        if let Some(stream) = self.workbook.take() {
            stream
                .finish(&h.meta, sections, problems, h.book, out)
                .map_err(io::Error::other)?;
        }
        Ok(())
    }
}
