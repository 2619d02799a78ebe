//! The header layer: which column feeds which field, decided once per file.
//!
//! Counties fill in their own copies of a provincial template, so one column arrives under many
//! names and layouts (DOMAIN "Reading real inventories (台账)"). A header is folded
//! ([`fold_header`]: full-width to half-width, spaces, line breaks and `*` removed) and matched
//! whole against each field's name, key and synonyms from the rulebook; only when that fails is
//! a bracketed part taken off — a unit when the field's kind lists it (`年度工作经费(元)`: bare
//! numbers in the column are 元), a note otherwise (`网点类型(乡镇/街道/村/社区)`) — and the rest
//! matched again. A two-row header (人员配置 merged over 专职人员数 | 兼职人员数) is read as one.
//!
//! The result is a [`ColumnReport`]: the header that fed each field, the headers left unplaced,
//! and each field no column feeds, judged by the rules that read it — an error when a required
//! rule can then only fail as 未填报 for every outlet, a warning when it has another column to
//! pass on. A header that cannot be placed never turns silently into wrong grades.

use crate::problem::Severity;
use crate::rulebook::{RuleKind, Rulebook};
use crate::text::{fold_header, trim};

/// How many rows from the top of a table may hold the header (title, 填报单位 and 填报日期 rows
/// come first in a county's 台账).
pub const HEADER_SCAN: usize = 30;

/// How a header was matched to its field.
#[derive(Clone, Debug, PartialEq)]
pub enum Matched {
    /// By the field's name, key or a synonym, whole.
    Whole,
    /// After a bracketed unit of the field's kind was taken off (`专职人员数(人)`).
    Unit(String),
    /// After a bracketed note was taken off (`网点类型(乡镇/街道/村/社区)`).
    Note(String),
}

/// A header placed on a field.
#[derive(Clone, Debug, PartialEq)]
pub struct Placed {
    pub field: usize,
    pub matched: Matched,
    /// For a number field whose header names a unit with a factor (`年度工作经费(元)`): what a bare
    /// number in the column is multiplied by to be in the field's unit (0.0001 for 元 → 万元).
    pub factor: Option<f64>,
}

/// The field a header names, if any.
pub fn place(book: &Rulebook, header: &str) -> Option<Placed> {
    let folded = fold_header(header);
    if folded.is_empty() {
        return None;
    }
    if let Some(field) = book.field_for_header(&folded) {
        return Some(Placed {
            field,
            matched: Matched::Whole,
            factor: None,
        });
    }
    let (base, parts) = split_brackets(&folded);
    if parts.is_empty() || base.is_empty() {
        return None;
    }
    let field = book.field_for_header(&base)?;
    let kind = &book.fields[field].kind;
    for part in &parts {
        if let Some(factor) = super::kind::unit_factor(kind, part) {
            let factor = (factor != 1.0).then_some(factor);
            return Some(Placed {
                field,
                matched: Matched::Unit(part.clone()),
                factor,
            });
        }
    }
    Some(Placed {
        field,
        matched: Matched::Note(parts.join(",")),
        factor: None,
    })
}

/// A folded header without its bracketed parts, and those parts (outermost brackets only).
fn split_brackets(folded: &str) -> (String, Vec<String>) {
    let mut base = String::new();
    let mut parts = Vec::new();
    let mut part = String::new();
    let mut depth = 0usize;
    for c in folded.chars() {
        match c {
            '(' | '[' | '【' | '〔' | '〈' | '《' if depth == 0 => depth = 1,
            '(' | '[' | '【' | '〔' | '〈' | '《' => {
                depth += 1;
                part.push(c);
            }
            ')' | ']' | '】' | '〕' | '〉' | '》' if depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    parts.push(std::mem::take(&mut part));
                } else {
                    part.push(c);
                }
            }
            _ if depth > 0 => part.push(c),
            _ => base.push(c),
        }
    }
    // An unclosed bracket: what follows it is a note all the same.
    if depth > 0 && !part.is_empty() {
        parts.push(part);
    }
    parts.retain(|p| !p.is_empty());
    (base, parts)
}

/// The header of a table: where it is among the first rows, and one name per column.
#[derive(Clone, Debug, PartialEq)]
pub struct HeaderRows {
    /// 0-based index, among the rows given, of the header's first row.
    pub first: usize,
    /// How many rows it takes: 1, or 2 for a two-row header.
    pub height: usize,
    /// One name per column: the cell's text, or for a two-row header the lower cell, or the upper
    /// and lower joined when the lower alone names no field (a lone upper cell when the lower is
    /// blank).
    pub names: Vec<String>,
}

impl HeaderRows {
    /// 0-based index of the first row below the header.
    pub fn data_start(&self) -> usize {
        self.first + self.height
    }
}

/// Finds the header among the first [`HEADER_SCAN`] rows: the row whose cells name the most
/// fields, joined with the row below or above when they are a two-row header that names more.
/// Without any row naming a field, the first non-blank row (so the missing-column error names
/// what it saw).
pub fn find_header(rows: &[Vec<String>], book: &Rulebook) -> HeaderRows {
    let scan = &rows[..rows.len().min(HEADER_SCAN)];
    let mut best: Option<(usize, usize)> = None;
    for (r, row) in scan.iter().enumerate() {
        let score = score(book, row);
        if score > 0 && best.is_none_or(|(s, _)| score > s) {
            best = Some((score, r));
        }
    }
    let Some((single, b)) = best else {
        let first = scan
            .iter()
            .position(|row| row.iter().any(|c| !trim(c).is_empty()))
            .unwrap_or(0);
        return HeaderRows {
            first,
            height: 1,
            names: rows.get(first).map_or_else(Vec::new, |r| clean(r)),
        };
    };
    let mut chosen = HeaderRows {
        first: b,
        height: 1,
        names: clean(&scan[b]),
    };
    let mut chosen_score = single;
    for upper in [b.checked_sub(1), Some(b)].into_iter().flatten() {
        let (Some(u), Some(l)) = (scan.get(upper), scan.get(upper + 1)) else {
            continue;
        };
        let names = join_rows(book, u, l);
        let s = score(book, &names);
        if s > chosen_score {
            chosen_score = s;
            chosen = HeaderRows {
                first: upper,
                height: 2,
                names,
            };
        }
    }
    chosen
}

/// What a reader learns of a table's top rows: where its header is, and whether the header has
/// every required column (a workbook's sheet that lacks them is passed over for the next).
#[derive(Clone, Debug, PartialEq)]
pub struct Found {
    pub rows: HeaderRows,
    pub complete: bool,
}

/// How a reader asks where the header is, given the table's first rows as text; the inventory
/// answers with the rulebook ([`find`]), other tables (waivers, division lists) with their first
/// non-blank row ([`first_row`]).
pub type Finder<'a> = dyn Fn(&[Vec<String>]) -> Found + 'a;

/// [`find_header`], and whether it names every required field.
pub fn find(rows: &[Vec<String>], book: &Rulebook) -> Found {
    let rows = find_header(rows, book);
    let mut placed = vec![false; book.fields.len()];
    for name in &rows.names {
        if let Some(p) = place(book, name) {
            placed[p.field] = true;
        }
    }
    let complete = book
        .fields
        .iter()
        .zip(&placed)
        .all(|(f, placed)| !f.required || *placed);
    Found { rows, complete }
}

/// The first non-blank row, as the header of a table with no rulebook.
pub fn first_row(rows: &[Vec<String>]) -> Found {
    let first = rows
        .iter()
        .position(|row| row.iter().any(|c| !trim(c).is_empty()))
        .unwrap_or(0);
    Found {
        rows: HeaderRows {
            first,
            height: 1,
            names: rows.get(first).map_or_else(Vec::new, |r| clean(r)),
        },
        complete: true,
    }
}

/// The row among the first that has the most cells `known` accepts (the first non-blank row
/// when none has any), as the header of a table with a fixed set of columns (waivers).
pub fn best_row(rows: &[Vec<String>], known: &dyn Fn(&str) -> bool) -> Found {
    let scan = &rows[..rows.len().min(HEADER_SCAN)];
    let mut best: Option<(usize, usize)> = None;
    for (r, row) in scan.iter().enumerate() {
        let score = row.iter().filter(|c| known(&one_line(c))).count();
        if score > 0 && best.is_none_or(|(s, _)| score > s) {
            best = Some((score, r));
        }
    }
    match best {
        Some((_, r)) => Found {
            rows: HeaderRows {
                first: r,
                height: 1,
                names: clean(&scan[r]),
            },
            complete: true,
        },
        None => first_row(rows),
    }
}

/// How many distinct fields a row of header cells names.
fn score(book: &Rulebook, row: &[String]) -> usize {
    let mut fields: Vec<usize> = row
        .iter()
        .filter_map(|h| place(book, h).map(|p| p.field))
        .collect();
    fields.sort_unstable();
    fields.dedup();
    fields.len()
}

fn clean(row: &[String]) -> Vec<String> {
    row.iter().map(|c| one_line(c)).collect()
}

/// A header cell's text on one line: a header wrapped in its cell (经办↵窗口数) is one name.
fn one_line(cell: &str) -> String {
    cell.lines().map(trim).collect()
}

/// Two header rows read as one (see [`HeaderRows::names`]). A group cell merged across its
/// sub-headers holds its text in its first column only; it stands over the blank cells to its
/// right.
fn join_rows(book: &Rulebook, upper: &[String], lower: &[String]) -> Vec<String> {
    let width = upper.len().max(lower.len());
    let mut names = Vec::with_capacity(width);
    let mut group = String::new();
    for c in 0..width {
        let up = upper.get(c).map(|s| one_line(s)).unwrap_or_default();
        let low = lower.get(c).map(|s| one_line(s)).unwrap_or_default();
        if !up.is_empty() {
            group = up.clone();
        }
        let name = if low.is_empty() {
            up
        } else if place(book, &low).is_some() || group.is_empty() {
            low
        } else {
            let joined = format!("{group}{low}");
            if place(book, &joined).is_some() {
                joined
            } else {
                low
            }
        };
        names.push(name);
    }
    names
}

/// A field no column feeds, and what follows from it.
#[derive(Clone, Debug, PartialEq)]
pub struct Absent {
    pub field: usize,
    /// Error: a required rule reads it and can then only fail as 未填报 for every outlet.
    /// Warning: required rules read it but each has another column to pass on. `None`: no
    /// required rule reads it.
    pub severity: Option<Severity>,
    /// The ids of the required rules that read the field (those that can only fail first).
    pub rules: Vec<String>,
    /// The unplaced header most like one of the field's names, if any is close.
    pub nearest: Option<String>,
}

/// Which column fed each field, which were left unplaced, and which fields no column feeds.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ColumnReport {
    /// (column, header, placement), in column order.
    pub placed: Vec<(usize, String, Placed)>,
    /// (column, header) of the columns no field knows, in order; blank headers left out.
    pub unplaced: Vec<(usize, String)>,
    /// Fields no column feeds, in rulebook order.
    pub absent: Vec<Absent>,
}

impl ColumnReport {
    /// Places every header. A field named by two columns is placed by the first; the second is
    /// returned as `duplicates` (field, first column, second column) for the caller to refuse.
    pub fn new(book: &Rulebook, headers: &[String]) -> (ColumnReport, Vec<(usize, usize, usize)>) {
        let mut report = ColumnReport::default();
        let mut by_field: Vec<Option<usize>> = vec![None; book.fields.len()];
        let mut duplicates = Vec::new();
        for (c, h) in headers.iter().enumerate() {
            match place(book, h) {
                Some(p) => {
                    if let Some(first) = by_field[p.field] {
                        duplicates.push((p.field, first, c));
                    } else {
                        by_field[p.field] = Some(c);
                        report.placed.push((c, h.clone(), p));
                    }
                }
                None if trim(h).is_empty() => {}
                None => report.unplaced.push((c, h.clone())),
            }
        }
        let placed = |f: usize| by_field[f].is_some();
        for (f, field) in book.fields.iter().enumerate() {
            if placed(f) {
                continue;
            }
            let reading: Vec<_> = book
                .rules
                .iter()
                .filter(|r| r.kind == RuleKind::Required && r.check.fields().contains(&f))
                .collect();
            let failing: Vec<String> = reading
                .iter()
                .filter(|r| !r.check.can_pass(&placed))
                .map(|r| r.id.clone())
                .collect();
            let (severity, rules) = if !failing.is_empty() {
                (Some(Severity::Error), failing)
            } else if !reading.is_empty() {
                (
                    Some(Severity::Warning),
                    reading.iter().map(|r| r.id.clone()).collect(),
                )
            } else {
                (None, Vec::new())
            };
            let spellings: Vec<String> = [&field.key, &field.name.zh]
                .into_iter()
                .chain(&field.aliases)
                .map(|s| fold_header(s))
                .collect();
            let nearest = nearest(&spellings, &report.unplaced);
            report.absent.push(Absent {
                field: f,
                severity,
                rules,
                nearest,
            });
        }
        (report, duplicates)
    }

    /// The column that feeds `field`.
    pub fn column_of(&self, field: usize) -> Option<usize> {
        self.placed
            .iter()
            .find(|(_, _, p)| p.field == field)
            .map(|(c, _, _)| *c)
    }
}

/// The unplaced header most like one of `spellings` (folded), when alike enough to suggest.
fn nearest(spellings: &[String], unplaced: &[(usize, String)]) -> Option<String> {
    unplaced
        .iter()
        .map(|(_, h)| {
            let folded = fold_header(h);
            let (base, _) = split_brackets(&folded);
            let best = spellings
                .iter()
                .map(|s| likeness(&base, s))
                .fold(0.0_f64, f64::max);
            (best, h)
        })
        .filter(|(l, _)| *l >= 0.5)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, h)| h.clone())
}

/// How alike two names are, 0 to 1: twice their longest common subsequence of characters over
/// their lengths (专职工作人员 and 专职人员数 share 专职人员: 8/11).
fn likeness(a: &str, b: &str) -> f64 {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let mut prev = vec![0usize; b.len() + 1];
    let mut cur = vec![0usize; b.len() + 1];
    for ca in &a {
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = if ca == cb {
                prev[j] + 1
            } else {
                prev[j + 1].max(cur[j])
            };
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    let lcs = prev[b.len()] as f64;
    2.0 * lcs / (a.len() + b.len()) as f64
}

#[cfg(test)]
#[allow(
    clippy::expect_used,
    reason = "a test fails loudly on a broken fixture"
)]
mod tests {
    use super::*;

    fn book() -> Rulebook {
        Rulebook::builtin().expect("the built-in rulebook")
    }

    fn key_of(book: &Rulebook, header: &str) -> Option<String> {
        place(book, header).map(|p| book.fields[p.field].key.clone())
    }

    fn row(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|s| (*s).to_string()).collect()
    }

    #[test]
    fn whole_names_match_before_brackets_are_taken_off() {
        let b = book();
        // A name in its own right, brackets and all.
        assert_eq!(key_of(&b, "乡镇(街道)").as_deref(), Some("township"));
        assert_eq!(key_of(&b, "乡镇（街道）").as_deref(), Some("township"));
        assert_eq!(key_of(&b, "县（市、区）").as_deref(), Some("county"));
        let p = place(&b, " 网点编号 ").map(|p| p.matched);
        assert_eq!(p, Some(Matched::Whole));
    }

    #[test]
    fn full_width_spaces_line_breaks_and_required_marks_are_folded() {
        let b = book();
        assert_eq!(key_of(&b, "*网点编号").as_deref(), Some("id"));
        assert_eq!(key_of(&b, "经办\n窗口数").as_deref(), Some("windows"));
        assert_eq!(key_of(&b, "经办 窗口数").as_deref(), Some("windows"));
        assert_eq!(key_of(&b, "ＩＤ").as_deref(), Some("id"));
    }

    #[test]
    fn a_bracketed_unit_of_the_kind_is_the_columns_unit() {
        let b = book();
        let staff = place(&b, "专职人员数（人）").expect("placed");
        assert_eq!(b.fields[staff.field].key, "full_time_staff");
        assert_eq!(staff.matched, Matched::Unit("人".into()));
        assert_eq!(staff.factor, None);
        let funds = place(&b, "年度工作经费（元）").expect("placed");
        assert_eq!(b.fields[funds.field].key, "funds");
        assert_eq!(funds.matched, Matched::Unit("元".into()));
        assert_eq!(funds.factor, Some(0.0001));
        let same = place(&b, "年度工作经费(万元)").expect("placed");
        assert_eq!(same.factor, None);
    }

    #[test]
    fn any_other_bracketed_part_is_a_note() {
        let b = book();
        let t = place(&b, "网点类型（乡镇/街道/村/社区）").expect("placed");
        assert_eq!(b.fields[t.field].key, "type");
        assert!(matches!(t.matched, Matched::Note(_)));
        // A unit of another kind is a note, never a factor: 元 on a count.
        let w = place(&b, "经办窗口数(元)").expect("placed");
        assert!(matches!(w.matched, Matched::Note(_)));
        assert_eq!(w.factor, None);
    }

    #[test]
    fn nonsense_is_not_placed() {
        let b = book();
        assert_eq!(key_of(&b, "备注"), None);
        assert_eq!(key_of(&b, "(人)"), None);
        assert_eq!(key_of(&b, ""), None);
    }

    #[test]
    fn the_header_is_found_below_title_rows() {
        let b = book();
        let rows = vec![
            row(&["某某县基层公共就业服务网点台账", "", ""]),
            row(&["填报单位:某某县人社局", "", "填报日期:2025年11月"]),
            row(&["网点编号", "网点名称", "网点类型"]),
            row(&["A1", "甲", "村"]),
        ];
        let h = find_header(&rows, &b);
        assert_eq!((h.first, h.height, h.data_start()), (2, 1, 3));
        assert_eq!(h.names, row(&["网点编号", "网点名称", "网点类型"]));
    }

    #[test]
    fn a_two_row_header_is_read_as_one() {
        let b = book();
        let rows = vec![
            row(&["网点编号", "网点名称", "人员配置", "", "信息发布", ""]),
            row(&[
                "",
                "",
                "专职人员数",
                "兼职人员数",
                "信息发布栏",
                "线上发布渠道",
            ]),
            row(&["A1", "甲", "1", "0", "是", "否"]),
        ];
        let h = find_header(&rows, &b);
        assert_eq!((h.first, h.height), (0, 2));
        assert_eq!(
            h.names,
            row(&[
                "网点编号",
                "网点名称",
                "专职人员数",
                "兼职人员数",
                "信息发布栏",
                "线上发布渠道"
            ])
        );
    }

    #[test]
    fn a_lower_cell_unknown_alone_is_joined_to_its_group() {
        let b = book();
        let rows = vec![
            row(&["网点编号", "网点名称", "经办", ""]),
            row(&["", "", "窗口数", "说明"]),
            row(&["A1", "甲", "1", "x"]),
        ];
        let h = find_header(&rows, &b);
        assert_eq!(h.height, 2);
        assert_eq!(h.names[2], "经办窗口数");
        assert_eq!(h.names[3], "说明");
    }

    #[test]
    fn a_single_header_with_data_below_stays_single() {
        let b = book();
        let rows = vec![
            row(&["网点编号", "网点名称", "网点类型", "经办窗口数"]),
            row(&["A1", "甲", "村", "1"]),
            row(&["A2", "乙", "社区", "2"]),
        ];
        let h = find_header(&rows, &b);
        assert_eq!((h.first, h.height), (0, 1));
    }

    #[test]
    fn an_absent_field_that_a_rule_cannot_pass_without_is_an_error() {
        let b = book();
        let headers = row(&[
            "网点编号",
            "网点名称",
            "网点类型",
            "专职工作人员数量(人)",
            "兼职人员数",
        ]);
        let (report, dups) = ColumnReport::new(&b, &headers);
        assert!(dups.is_empty());
        let by_key = |k: &str| {
            let f = b.field_by_key(k).expect("field");
            report.absent.iter().find(|a| a.field == f).cloned()
        };
        // Windows: G3-WINDOW reads it alone.
        let windows = by_key("windows").expect("absent");
        assert_eq!(windows.severity, Some(Severity::Error));
        assert!(windows.rules.iter().any(|r| r == "G3-WINDOW"));
        // Full-time staff: G3-STAFF can pass on 兼职人员数; G1-STAFF cannot.
        let full = by_key("full_time_staff").expect("absent");
        assert_eq!(full.severity, Some(Severity::Error));
        assert!(full.rules.iter().any(|r| r == "G1-STAFF"));
        assert!(!full.rules.iter().any(|r| r == "G3-STAFF"));
        assert_eq!(full.nearest.as_deref(), Some("专职工作人员数量(人)"));
        // Province: no rule reads it.
        assert_eq!(by_key("province").expect("absent").severity, None);
        assert_eq!(
            report.unplaced,
            vec![(3, "专职工作人员数量(人)".to_string())]
        );
    }

    #[test]
    fn a_field_with_another_column_to_pass_on_is_a_warning() {
        let b = book();
        let headers = row(&["网点编号", "网点名称", "网点类型", "信息发布栏"]);
        let (report, _) = ColumnReport::new(&b, &headers);
        let f = b.field_by_key("online_channel").expect("field");
        let a = report.absent.iter().find(|a| a.field == f).expect("absent");
        assert_eq!(a.severity, Some(Severity::Warning));
    }

    #[test]
    fn likeness_ranks_shared_characters() {
        assert!(likeness("专职工作人员", "专职人员数") > 0.7);
        assert!(likeness("备注", "专职人员数") < 0.3);
        assert_eq!(likeness("", "x"), 0.0);
    }
}
