//! The annotated copy of a workbook that is not an `.xlsx` (or cannot be streamed): every sheet
//! copied as values, the results beside the graded sheet's rows.

use super::*;

/// The columns an annotated copy adds to the graded sheet.
pub fn annotation_columns() -> Vec<Column> {
    vec![
        Column::new("assessed_grade", "评定级别", "assessed grade"),
        Column::new("minimum_grade", "最低要求", "minimum"),
        Column::new("status", "状态", "status"),
        Column::new("gaps", "缺项", "gaps"),
        Column::new("problems", "数据问题", "data problems"),
    ]
}

/// The data problems of one row, for the added column.
fn problems_cell(problems: &[&Problem], lang: Lang) -> Out {
    let texts: Vec<String> = problems
        .iter()
        .map(|p| match &p.column {
            Some(c) => format!(
                "{}: {}",
                lang.pick(&format!("「{c}」"), &format!("`{c}`")),
                p.message(lang)
            ),
            None => p.message(lang),
        })
        .collect();
    text_or_null(texts.join(lang.pick("；", "; ")))
}

fn text_or_null(s: String) -> Out {
    if s.is_empty() { Out::Null } else { Out::Str(s) }
}

/// What an annotated copy adds to an auditor's workbook.
pub struct Annotations<'p> {
    /// The cells of [`crate::report::annotate::RowResult::cells`] for each outlet, by the sheet's row
    /// number (1-based).
    pub rows: HashMap<u64, Vec<Out>>,
    /// Data problems: each is listed in its row's 数据问题 cell, and one with a cell gets a note
    /// and a colour there.
    pub problems: &'p [Problem],
}

/// The auditor's workbook as they sent it — every sheet, row and column, their values and merged
/// cells — with the graded sheet's results in columns added right of their own (or written over
/// those columns, when the workbook is an annotated copy already), and a note on every bad cell.
/// Their formatting and formulas are not carried over: each cell keeps the value it showed.
pub fn annotated(
    copy: &WorkbookCopy,
    notes: &Annotations,
    lang: Lang,
    book: &Rulebook,
) -> Result<Vec<u8>, XlsxError> {
    temp_dir_writable(lang)?;
    let styles = Styles::new();
    let mut workbook = Workbook::new();
    let graded_name = copy.sheets.get(copy.graded).map(|s| s.name.as_str());
    let columns = annotation_columns();
    let (bad, by_row) = bad_cells(notes.problems, graded_name, lang);
    let mut names = Vec::new();
    for (index, s) in copy.sheets.iter().enumerate() {
        let sheet = workbook.add_worksheet();
        if set_name(sheet, &s.name, &mut names).is_err() {
            set_name(sheet, &format!("Sheet{}", index + 1), &mut names)?;
        }
        if s.hidden {
            sheet.set_hidden(true);
        }
        let graded = index == copy.graded;
        // The added columns: where the header already has them, else right of everything.
        let mut next = s.last_column.map_or(0, |c| c + 1);
        let targets: Vec<u32> = columns
            .iter()
            .map(|column| {
                let existing = copy.header.iter().find(|(_, h)| {
                    *h == column.title.zh || *h == column.title.en || *h == column.key
                });
                existing.map_or_else(
                    || {
                        next += 1;
                        next - 1
                    },
                    |(c, _)| *c,
                )
            })
            .collect();
        let mut widths: HashMap<u32, usize> = HashMap::new();
        let mut filled: std::collections::HashSet<(u32, u32)> = Default::default();
        for (r, c, v) in &s.cells {
            if graded && *r > copy.header_row && targets.contains(c) {
                continue; // an earlier annotation, written anew below
            }
            let Ok(column) = u16::try_from(*c) else {
                continue;
            };
            let look = if let Some((look, _)) = bad.get(&(*r, *c)).filter(|_| graded) {
                *look
            } else if s.merged.iter().any(|m| (m.0, m.1) == (*r, *c)) {
                Look::Merged
            } else {
                Look::Plain
            };
            let shown = write_copy(sheet, *r, column, v, look)?;
            filled.insert((*r, *c));
            // Columns are sized to the table: the title lines above the header do not count.
            let above_header = graded && *r < copy.header_row;
            if !above_header
                && !s
                    .merged
                    .iter()
                    .any(|m| m.0 <= *r && *r <= m.2 && m.1 <= *c && *c <= m.3)
            {
                let w = widths.entry(*c).or_default();
                *w = (*w).max(text_width(&shown));
            }
        }
        for &(r0, c0, r1, c1) in &s.merged {
            let (Ok(c0), Ok(c1)) = (u16::try_from(c0), u16::try_from(c1)) else {
                continue;
            };
            // A merge that Excel would refuse (overlapping another) is left unmerged.
            if (r0, c0) == (r1, c1)
                || sheet
                    .merge_range(r0, c0, r1, c1, "", &styles.merged)
                    .is_err()
            {
                continue;
            }
            // Merging blanks the first cell: its value is written again.
            let first = s
                .cells
                .iter()
                .find(|(r, c, _)| (*r, *c) == (r0, u32::from(c0)));
            if let Some((_, _, v)) = first {
                write_copy(sheet, r0, c0, v, Look::Merged)?;
            }
        }
        if graded {
            let results = Results {
                copy,
                notes,
                bad: &bad,
                by_row: &by_row,
                columns: &columns,
                targets: &targets,
                lang,
                book,
                styles: &styles,
            };
            results.write(sheet, &filled, &mut widths)?;
        }
        for (c, w) in widths {
            if let Ok(c) = u16::try_from(c) {
                sheet.set_column_width(c, (w + 2).clamp(6, MAX_WIDTH) as f64)?;
            }
        }
    }
    workbook.save_to_buffer()
}

/// Problems on the graded sheet: by 0-based (row, column) for notes, by row for the column.
/// A cell with an error is coloured as bad, one with only warnings as neutral.
type BadCells = HashMap<(u32, u32), (Look, Vec<String>)>;
type ByRow<'p> = std::collections::BTreeMap<u32, Vec<&'p Problem>>;

/// The problems of the graded sheet (`graded_name`), by cell and by row.
fn bad_cells<'p>(
    problems: &'p [Problem],
    graded_name: Option<&str>,
    lang: Lang,
) -> (BadCells, ByRow<'p>) {
    let mut bad: BadCells = HashMap::new();
    let mut by_row: ByRow<'p> = Default::default();
    for p in problems {
        if let Some(cell) = &p.cell
            && Some(&*cell.sheet) == graded_name
        {
            by_row.entry(cell.row).or_default().push(p);
            if let Some(c) = cell.column {
                let text = format!(
                    "{}: {}{}",
                    match p.severity {
                        Severity::Error => lang.pick("错误", "error"),
                        Severity::Warning => lang.pick("警告", "warning"),
                    },
                    p.message(lang),
                    p.help(lang).map(|h| format!(" ({h})")).unwrap_or_default()
                );
                let entry = bad
                    .entry((cell.row.saturating_sub(1), c))
                    .or_insert((Look::Warning, Vec::new()));
                if p.severity == Severity::Error {
                    entry.0 = Look::Bad;
                }
                entry.1.push(text);
            }
        }
    }
    (bad, by_row)
}

/// What the graded sheet of a copy gets: the problems' notes and colours, and the results in the
/// added columns.
struct Results<'r> {
    copy: &'r WorkbookCopy,
    notes: &'r Annotations<'r>,
    bad: &'r BadCells,
    by_row: &'r ByRow<'r>,
    columns: &'r [Column],
    targets: &'r [u32],
    lang: Lang,
    book: &'r Rulebook,
    styles: &'r Styles,
}

impl Results<'_> {
    /// Writes them on `sheet`; `filled` are the cells copied, `widths` grow to fit.
    fn write(
        &self,
        sheet: &mut Worksheet,
        filled: &std::collections::HashSet<(u32, u32)>,
        widths: &mut HashMap<u32, usize>,
    ) -> Result<(), XlsxError> {
        for ((r, c), (look, texts)) in self.bad {
            let Ok(column) = u16::try_from(*c) else {
                continue;
            };
            if !filled.contains(&(*r, *c)) {
                // A blank cell that should not be: coloured too.
                let format = if *look == Look::Bad {
                    &self.styles.bad
                } else {
                    &self.styles.neutral
                };
                sheet.write_blank(*r, column, format)?;
            }
            let note = Note::new(texts.join("\n"))
                .set_author("outlet")
                .add_author_prefix(false)
                .set_width(320)
                .set_height(90);
            sheet.insert_note(*r, column, &note)?;
        }
        for (column, &target) in self.columns.iter().zip(self.targets) {
            let Ok(c) = u16::try_from(target) else {
                continue;
            };
            let title = column.title.get(self.lang);
            sheet.write_string_with_format(self.copy.header_row, c, title, &self.styles.header)?;
            let w = widths.entry(target).or_default();
            *w = (*w).max(text_width(title) + 2);
        }
        let rows: std::collections::BTreeSet<u64> = self
            .notes
            .rows
            .keys()
            .copied()
            .chain(self.by_row.keys().map(|r| u64::from(*r)))
            .collect();
        for row in rows {
            let Some(r) = row.checked_sub(1).and_then(|r| u32::try_from(r).ok()) else {
                continue;
            };
            let mut cells = self
                .notes
                .rows
                .get(&row)
                .cloned()
                .unwrap_or_else(|| vec![Out::Null; self.columns.len() - 1]);
            let problems = u32::try_from(row)
                .ok()
                .and_then(|r| self.by_row.get(&r))
                .map_or(&[][..], Vec::as_slice);
            cells.push(problems_cell(problems, self.lang));
            for (cell, &target) in cells.iter().zip(self.targets) {
                let Ok(c) = u16::try_from(target) else {
                    continue;
                };
                write_out(sheet, r, c, cell, self.lang, self.book, self.styles)?;
                let w = widths.entry(target).or_default();
                *w = (*w).max(text_width(&cell.text(
                    crate::report::Format::Xlsx,
                    self.lang,
                    self.book,
                )));
            }
        }
        sheet.set_freeze_panes(self.copy.header_row + 1, 0)?;
        Ok(())
    }
}

/// How a copied cell is shown: as it was, coloured as a cell with an error or a warning, or
/// centred in a merged range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Look {
    Plain,
    Bad,
    Warning,
    Merged,
}

/// Writes one copied value as it was (a date as a date, a 12-digit number in full); returns the
/// text it shows, to size the column.
fn write_copy(
    sheet: &mut Worksheet,
    r: u32,
    c: u16,
    v: &CopyValue,
    look: Look,
) -> Result<String, XlsxError> {
    // The number format the value needs: a long whole number (a division code) would show as
    // 5.20123E+11 in General.
    let base = match v {
        // Excel's built-in `0`.
        CopyValue::Number(n) if n.fract() == 0.0 && n.abs() >= 1e11 => {
            Some(Format::new().set_num_format_index(1))
        }
        CopyValue::DateTime(_, _, _, 0, 0, 0) => Some(Format::new().set_num_format("yyyy-mm-dd")),
        CopyValue::DateTime(..) => Some(Format::new().set_num_format("yyyy-mm-dd hh:mm:ss")),
        _ => None,
    };
    let format = match look {
        Look::Plain => base,
        Look::Bad => Some(
            base.unwrap_or_default()
                .set_background_color(Color::RGB(BAD_FILL))
                .set_font_color(Color::RGB(BAD_FONT)),
        ),
        Look::Warning => Some(
            base.unwrap_or_default()
                .set_background_color(Color::RGB(NEUTRAL_FILL))
                .set_font_color(Color::RGB(NEUTRAL_FONT)),
        ),
        Look::Merged => Some(
            base.unwrap_or_default()
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter),
        ),
    };
    macro_rules! put {
        ($value:expr) => {
            match &format {
                Some(f) => sheet.write_with_format(r, c, $value, f)?,
                None => sheet.write(r, c, $value)?,
            }
        };
    }
    Ok(match v {
        CopyValue::Text(s) | CopyValue::Error(s) => {
            put!(clip(s));
            s.clone()
        }
        CopyValue::Number(n) => {
            put!(*n);
            crate::inventory::xlsx::number_text(*n)
        }
        CopyValue::Bool(b) => {
            put!(*b);
            if *b { "TRUE" } else { "FALSE" }.to_string()
        }
        &CopyValue::DateTime(y, m, d, h, min, s) => {
            let date =
                ExcelDateTime::from_ymd(y, m, d).and_then(|dt| dt.and_hms(u16::from(h), min, s));
            match date {
                Ok(dt) => put!(&dt),
                Err(_) => put!(format!("{y:04}-{m:02}-{d:02}")),
            };
            if (h, min, s) == (0, 0, 0) {
                "0000-00-00".into()
            } else {
                "0000-00-00 00:00:00".into()
            }
        }
    })
}
