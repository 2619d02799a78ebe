//! The second pass over the graded sheet: its XML copied with the results added to each row.

use super::*;

/// A cell of an added column being read: held until its end, to know whether it has a value.
pub(super) struct Held {
    pub(super) column: u32,
    pub(super) raw: Vec<u8>,
    /// Whether it has a value or formula (an earlier annotation, or anything else to replace).
    pub(super) content: bool,
    pub(super) style: Option<Vec<u8>>,
}

/// The most bytes of a held cell kept; a longer one is dropped as having content.
pub(super) const MAX_HELD: usize = 1 << 20;

/// Where the rewriter is in a row.
pub(super) struct RowState {
    pub(super) number: u32,
    /// Whether the row's cells get the added cells, or only lose their old ones.
    pub(super) touched: bool,
    /// The column of the last cell, for a cell without `r`.
    pub(super) column: Option<u32>,
    pub(super) pending: Vec<Added>,
    /// Whether a cell was added or left out before, so that a following cell without `r` needs
    /// one.
    pub(super) shifted: bool,
    /// The style of the last cell of the row copied (for the added header cells).
    pub(super) last_style: Option<Vec<u8>>,
}

/// Copies the sheet's XML with the added cells.
pub(super) struct Rewriter<'p, 'a, W: Write> {
    pub(super) plan: &'p Plan<'a>,
    pub(super) rows: Rows<'p, 'a>,
    pub(super) out: W,
    pub(super) prefix: Vec<u8>,
    pub(super) in_data: bool,
    pub(super) cols_seen: bool,
    pub(super) cols_added: bool,
    pub(super) last_row: u32,
    pub(super) rows_inserted: bool,
    pub(super) row: Option<RowState>,
    /// Inside a copied cell; inside a cell of an added column.
    pub(super) in_cell: bool,
    pub(super) held: Option<Held>,
}

impl<'p, 'a, W: Write> Rewriter<'p, 'a, W> {
    pub(super) fn new(plan: &'p Plan<'a>, out: W) -> Rewriter<'p, 'a, W> {
        Rewriter {
            plan,
            rows: Rows::new(plan),
            out,
            prefix: Vec::new(),
            in_data: false,
            cols_seen: false,
            cols_added: false,
            last_row: 0,
            rows_inserted: false,
            row: None,
            in_cell: false,
            held: None,
        }
    }

    pub(super) fn finish(mut self) -> io::Result<()> {
        self.out.flush()
    }

    pub(super) fn is_target(&self, column: u32) -> bool {
        self.plan.targets.contains(&column)
    }

    /// Writes the added `<col>` elements, once.
    pub(super) fn write_added_cols(&mut self) -> io::Result<()> {
        if self.cols_added {
            return Ok(());
        }
        self.cols_added = true;
        for &(column, width) in &self.plan.widths {
            let n = column + 1;
            write!(
                self.out,
                "<{p}col min=\"{n}\" max=\"{n}\" width=\"{width}\" customWidth=\"1\"/>",
                p = Prefix(&self.prefix)
            )?;
        }
        Ok(())
    }

    /// A `<col>` of the sheet's `<cols>`: kept, or split around the added columns (a column the
    /// sheet hid, or sized, up to XFD would otherwise hide them).
    pub(super) fn col(&mut self, raw: &[u8], tag: &TagRef<'_>) -> io::Result<()> {
        let Some((first, last)) = self.plan.added else {
            return self.out.write_all(raw);
        };
        let number = |key: &[u8]| -> Option<u32> {
            std::str::from_utf8(tag.attribute(key)?)
                .ok()?
                .trim()
                .parse()
                .ok()
        };
        let (Some(min), Some(max)) = (number(b"min"), number(b"max")) else {
            return self.out.write_all(raw);
        };
        // 1-based, as <col> counts.
        let (a, b) = (first + 1, last + 1);
        if max < a {
            return self.out.write_all(raw);
        }
        if min > b {
            self.write_added_cols()?;
            return self.out.write_all(raw);
        }
        if min < a {
            let before = set_attribute(
                &set_attribute(raw, b"min", &min.to_string()),
                b"max",
                &(a - 1).to_string(),
            );
            self.out.write_all(&before)?;
        }
        self.write_added_cols()?;
        if max > b {
            let after = set_attribute(
                &set_attribute(raw, b"min", &(b + 1).to_string()),
                b"max",
                &max.to_string(),
            );
            self.out.write_all(&after)?;
        }
        Ok(())
    }

    /// Writes the rows with added cells above row `row` that the sheet has no `<row>` for.
    pub(super) fn insert_rows_before(&mut self, row: u32) -> io::Result<()> {
        while let Some((number, values)) = self.rows.next_row(row.saturating_sub(1)) {
            let cells = self.plan.cells_of(values);
            if cells.is_empty() {
                continue;
            }
            self.rows_inserted = true;
            write!(
                self.out,
                "<{p}row r=\"{number}\">",
                p = Prefix(&self.prefix)
            )?;
            for cell in &cells {
                write_cell(&mut self.out, &self.prefix, number, cell)?;
            }
            write!(self.out, "</{p}row>", p = Prefix(&self.prefix))?;
        }
        Ok(())
    }

    pub(super) fn start_row(&mut self, raw: &[u8], tag: &TagRef<'_>) -> io::Result<()> {
        let number = row_number(tag, self.last_row);
        self.last_row = number;
        self.insert_rows_before(number)?;
        let touched = number >= self.plan.header_row;
        let mut pending = match self.rows.next_row(number) {
            Some((_, values)) => self.plan.cells_of(values),
            None => Vec::new(),
        };
        pending.sort_by_key(|c| c.column);
        let mut raw = std::borrow::Cow::Borrowed(raw);
        if self.rows_inserted && tag.attribute(b"r").is_none() {
            raw = set_attribute(&raw, b"r", &number.to_string()).into();
        }
        if !pending.is_empty()
            && let Some(spans) = tag.attribute(b"spans")
            && let Some(spans) = widen_spans(spans, &pending)
        {
            raw = set_attribute(&raw, b"spans", &spans).into();
        }
        if tag.kind == Kind::Empty {
            if pending.is_empty() {
                return self.out.write_all(&raw);
            }
            // `<row …/>` becomes `<row …>` with the added cells.
            let open = &raw[..raw.len() - 2];
            self.out.write_all(open.trim_ascii_end())?;
            self.out.write_all(b">")?;
            for cell in &pending {
                write_cell(&mut self.out, &self.prefix, number, cell)?;
            }
            return write!(self.out, "</{p}row>", p = Prefix(&self.prefix));
        }
        self.out.write_all(&raw)?;
        self.row = Some(RowState {
            number,
            touched,
            column: None,
            pending,
            shifted: false,
            last_style: None,
        });
        Ok(())
    }

    /// Writes the row's added cells left of `column` (all of them, without one).
    pub(super) fn flush_pending(&mut self, column: Option<u32>) -> io::Result<()> {
        let Some(row) = &mut self.row else {
            return Ok(());
        };
        let header = row.number == self.plan.header_row;
        while let Some(cell) = row.pending.first() {
            if column.is_some_and(|c| cell.column >= c) {
                break;
            }
            let mut cell = row.pending.remove(0);
            if cell.style.is_none() && header {
                cell.style.clone_from(&row.last_style);
            }
            write_cell(&mut self.out, &self.prefix, row.number, &cell)?;
            row.shifted = true;
        }
        Ok(())
    }

    pub(super) fn start_cell(&mut self, raw: &[u8], tag: &TagRef<'_>) -> io::Result<()> {
        let Some(row) = &mut self.row else {
            self.in_cell = tag.kind == Kind::Start;
            return self.out.write_all(raw);
        };
        let (_, column) = cell_place(tag, row.number, row.column);
        row.column = Some(column);
        let style = tag.attribute(b"s").map(<[u8]>::to_vec);
        let touched = row.touched;
        if touched && self.is_target(column) {
            self.flush_pending(Some(column))?;
            let held = Held {
                column,
                raw: raw.to_vec(),
                content: false,
                style,
            };
            if tag.kind == Kind::Empty {
                return self.end_held(held);
            }
            self.held = Some(held);
            return Ok(());
        }
        self.flush_pending(Some(column))?;
        let Some(row) = &mut self.row else {
            return Ok(());
        };
        if row.number == self.plan.header_row {
            row.last_style.clone_from(&style);
        }
        self.in_cell = tag.kind == Kind::Start;
        if row.shifted && tag.attribute(b"r").is_none() {
            let reference = format!("{}{}", column_letters(column), row.number);
            return self.out.write_all(&set_attribute(raw, b"r", &reference));
        }
        self.out.write_all(raw)
    }

    /// The end of a cell of an added column: replaced by the added cell (which takes its style),
    /// left out when it had a value (an earlier annotation), or kept (an empty cell with a
    /// style, in a row without an added cell there).
    pub(super) fn end_held(&mut self, held: Held) -> io::Result<()> {
        let Some(row) = &mut self.row else {
            return self.out.write_all(&held.raw);
        };
        if let Some(added) = row.pending.iter_mut().find(|c| c.column == held.column) {
            if added.style.is_none() {
                added.style = held.style;
            }
            row.shifted = true;
            return Ok(());
        }
        if held.content {
            row.shifted = true;
            if let Some(style) = held.style {
                let reference = format!("{}{}", column_letters(held.column), row.number);
                self.out.write_all(b"<")?;
                self.out.write_all(&self.prefix)?;
                self.out.write_all(b"c r=\"")?;
                self.out.write_all(reference.as_bytes())?;
                self.out.write_all(b"\" s=\"")?;
                self.out.write_all(&style)?;
                self.out.write_all(b"\"/>")?;
            }
            return Ok(());
        }
        self.out.write_all(&held.raw)
    }

    pub(super) fn end_row(&mut self, raw: &[u8]) -> io::Result<()> {
        self.flush_pending(None)?;
        self.row = None;
        self.out.write_all(raw)
    }
}

impl<W: Write> Sink for Rewriter<'_, '_, W> {
    fn text(&mut self, raw: &[u8]) -> io::Result<()> {
        match &mut self.held {
            Some(held) => {
                if held.raw.len() + raw.len() <= MAX_HELD {
                    held.raw.extend_from_slice(raw);
                } else {
                    held.content = true;
                }
                Ok(())
            }
            None => self.out.write_all(raw),
        }
    }

    fn tag(&mut self, raw: &[u8]) -> io::Result<()> {
        let tag = TagRef::parse(raw);
        let name = local(tag.name());
        if tag.kind == Kind::End
            && name == b"c"
            && let Some(mut held) = self.held.take()
        {
            if held.raw.len() + raw.len() <= MAX_HELD {
                held.raw.extend_from_slice(raw);
            }
            return self.end_held(held);
        }
        if let Some(held) = &mut self.held {
            if matches!(tag.kind, Kind::Start | Kind::Empty) && matches!(name, b"v" | b"is" | b"f")
            {
                held.content = true;
            }
            if held.raw.len() + raw.len() <= MAX_HELD {
                held.raw.extend_from_slice(raw);
            } else {
                held.content = true;
            }
            return Ok(());
        }
        if self.in_cell {
            if tag.kind == Kind::End && name == b"c" {
                self.in_cell = false;
            }
            return self.out.write_all(raw);
        }
        match (tag.kind, name) {
            (Kind::Start | Kind::Empty, b"worksheet") => {
                self.prefix = prefix(tag.name()).to_vec();
                self.out.write_all(raw)
            }
            (Kind::Start | Kind::Empty, b"dimension") if !self.in_data => {
                match tag.attribute(b"ref").and_then(parse_range) {
                    Some(((r0, c0), _)) => {
                        let reference = format!(
                            "{}{}:{}{}",
                            column_letters(c0),
                            r0,
                            column_letters(self.plan.last_column),
                            self.plan.last_row
                        );
                        self.out.write_all(&set_attribute(raw, b"ref", &reference))
                    }
                    None => self.out.write_all(raw),
                }
            }
            (Kind::Start, b"cols") if !self.in_data => {
                self.cols_seen = true;
                self.out.write_all(raw)
            }
            (Kind::Empty, b"col") if !self.in_data && self.cols_seen => self.col(raw, &tag),
            (Kind::End, b"cols") if !self.in_data => {
                if self.plan.added.is_some() {
                    self.write_added_cols()?;
                }
                self.out.write_all(raw)
            }
            (Kind::Start | Kind::Empty, b"sheetData") => {
                if !self.cols_seen && !self.plan.widths.is_empty() {
                    write!(self.out, "<{p}cols>", p = Prefix(&self.prefix))?;
                    self.write_added_cols()?;
                    write!(self.out, "</{p}cols>", p = Prefix(&self.prefix))?;
                }
                self.cols_seen = true;
                if tag.kind == Kind::Empty {
                    let open = &raw[..raw.len() - 2];
                    self.out.write_all(open.trim_ascii_end())?;
                    self.out.write_all(b">")?;
                    self.insert_rows_before(u32::MAX)?;
                    return write!(self.out, "</{p}sheetData>", p = Prefix(tag.name_prefix()));
                }
                self.in_data = true;
                self.out.write_all(raw)
            }
            (Kind::End, b"sheetData") => {
                if self.row.is_some() {
                    self.flush_pending(None)?;
                    self.row = None;
                }
                self.insert_rows_before(u32::MAX)?;
                self.in_data = false;
                self.out.write_all(raw)
            }
            (Kind::Start | Kind::Empty, b"row") if self.in_data => self.start_row(raw, &tag),
            (Kind::End, b"row") if self.in_data => self.end_row(raw),
            (Kind::Start | Kind::Empty, b"c") if self.in_data => self.start_cell(raw, &tag),
            _ => self.out.write_all(raw),
        }
    }
}

/// A row's `spans` (`1:29`) widened to the added cells, if it can be read.
pub(super) fn widen_spans(spans: &[u8], cells: &[Added]) -> Option<String> {
    let spans = std::str::from_utf8(spans).ok()?;
    let (a, b) = spans.trim().split_once(':')?;
    let (mut a, mut b): (u32, u32) = (a.parse().ok()?, b.parse().ok()?);
    for cell in cells {
        a = a.min(cell.column + 1);
        b = b.max(cell.column + 1);
    }
    Some(format!("{a}:{b}"))
}

/// Writes an added cell: an inline string (or, for a grade in English, a number).
pub(super) fn write_cell(
    out: &mut impl Write,
    prefix: &[u8],
    row: u32,
    cell: &Added,
) -> io::Result<()> {
    let p = Prefix(prefix);
    write!(out, "<{p}c r=\"{}{row}\"", column_letters(cell.column))?;
    if let Some(style) = &cell.style {
        out.write_all(b" s=\"")?;
        out.write_all(style)?;
        out.write_all(b"\"")?;
    }
    match &cell.value {
        Value::Number(n) => write!(out, "><{p}v>{n}</{p}v></{p}c>"),
        Value::Text(s) => {
            let space = if s.starts_with(char::is_whitespace) || s.ends_with(char::is_whitespace) {
                " xml:space=\"preserve\""
            } else {
                ""
            };
            write!(out, " t=\"inlineStr\"><{p}is><{p}t{space}>")?;
            let mut escaped = Vec::with_capacity(s.len() + 16);
            push_escaped(&mut escaped, s);
            out.write_all(&escaped)?;
            write!(out, "</{p}t></{p}is></{p}c>")
        }
    }
}

/// An element's namespace prefix, with its colon (`x:`), or nothing.
pub(super) struct Prefix<'a>(&'a [u8]);

impl std::fmt::Display for Prefix<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&String::from_utf8_lossy(self.0))
    }
}

/// Appends `s` as the text of an XML element, as Excel reads it: `&`, `<` and `>` escaped, the
/// control characters XML cannot hold as Excel's `_x000B_`, a literal `_x000B_` kept literal
/// (`_x005F_x000B_`), cut to Excel's limit of 32,767 characters.
pub fn push_escaped(out: &mut Vec<u8>, s: &str) {
    let mut units = 0;
    for (i, ch) in s.char_indices() {
        units += ch.len_utf16();
        if units > MAX_CELL_UNITS {
            break;
        }
        match ch {
            '&' => out.extend_from_slice(b"&amp;"),
            '<' => out.extend_from_slice(b"&lt;"),
            '>' => out.extend_from_slice(b"&gt;"),
            '\t' | '\n' => out.push(ch as u8),
            '_' if looks_escaped(&s.as_bytes()[i..]) => out.extend_from_slice(b"_x005F_"),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {
                out.extend_from_slice(format!("_x{:04X}_", c as u32).as_bytes());
            }
            c => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
}

/// Whether text starts as Excel's escape of a character does (`_x000D_`).
pub(super) fn looks_escaped(s: &[u8]) -> bool {
    s.len() >= 7
        && s[0] == b'_'
        && (s[1] == b'x' || s[1] == b'X')
        && s[2..6].iter().all(u8::is_ascii_hexdigit)
        && s[6] == b'_'
}

// ---------------------------------------------------------------------------------------------
// The tokenizer.
