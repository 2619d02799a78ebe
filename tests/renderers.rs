//! One renderer per format behind one trait, fed from one column specification (issue 16): every
//! format renders the columns it is given, a column added to a report shows in every format, the
//! fast CSV lines of `grade` and `gaps` come out of the same specification as their typed rows,
//! and a renderer asks a command only for what it shows (`Wants`). Data flows one way: the
//! evaluator keeps no report cells (issue 18).

#![allow(
    clippy::expect_used,
    reason = "a test fails loudly when its fixture is broken"
)]

mod common;

use std::io::Cursor;

use calamine::{Reader, Xlsx};
use common::{as_of, book, read_rows, with};
use outlet::eval::Evaluator;
use outlet::report::outlets::{
    GAPS, GRADE, GapLines, GradeLines, gaps_columns, gaps_rows, grade_columns, grade_row,
};
use outlet::report::{Column, Format, Meta, Out, Writer};
use outlet::text::Lang;

const FORMATS: [Format; 6] = [
    Format::Table,
    Format::Csv,
    Format::Json,
    Format::Markdown,
    Format::Html,
    Format::Xlsx,
];

fn meta() -> Meta {
    Meta {
        command: "grade",
        as_of: Some("2025-11-30".into()),
        input: Some("county.csv".into()),
        ..Meta::rulebook("grade", book())
    }
}

/// The text of a report in `format`: a workbook's cells, one sheet after another.
fn text(format: Format, bytes: Vec<u8>) -> String {
    if format != Format::Xlsx {
        return String::from_utf8(bytes).expect("UTF-8");
    }
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).expect("a workbook");
    let mut all = String::new();
    for name in wb.sheet_names() {
        let range = wb.worksheet_range(&name).expect("a sheet");
        for row in range.rows() {
            for cell in row {
                all.push_str(&cell.to_string());
                all.push('\t');
            }
            all.push('\n');
        }
    }
    all
}

/// The report of `rows` under `columns`, every column shown.
fn render(format: Format, lang: Lang, columns: Vec<Column>, rows: &[Vec<Out>]) -> String {
    let mut w = Writer::new(Vec::new(), format, lang, book(), meta(), "outlets", columns);
    for r in rows {
        w.row(r).expect("a row");
    }
    text(format, w.finish(&[], &[]).expect("it finishes"))
}

/// What a column is called in `format`: its key in English CSV and in JSON, its title elsewhere.
fn header(format: Format, lang: Lang, c: &Column) -> String {
    match (format, lang) {
        (Format::Json, _) | (Format::Csv, Lang::En) => c.key.clone(),
        _ => c.title.get(lang).to_string(),
    }
}

#[test]
fn a_column_added_to_a_report_shows_in_every_format_with_its_cells() {
    let mut columns = vec![
        Column::new("id", "网点编号", "id"),
        Column::new("name", "网点名称", "name"),
    ];
    let rows = vec![
        vec![Out::str("R-1"), Out::str("东城驿站")],
        vec![Out::str("R-2"), Out::str("西城驿站")],
    ];
    // The same report with one more column, and a cell for it in each row.
    columns.push(Column::new("opening_hours", "开放时间", "opening hours"));
    let added: Vec<Vec<Out>> = rows
        .iter()
        .zip(["周一至周五 9:00-17:00", "全天"])
        .map(|(r, h)| {
            let mut r = r.clone();
            r.push(Out::str(h));
            r
        })
        .collect();
    for format in FORMATS {
        for lang in [Lang::Zh, Lang::En] {
            let page = render(format, lang, columns.clone(), &added);
            let title = header(format, lang, &columns[2]);
            assert!(
                page.contains(&title),
                "{format:?} {lang:?} lacks `{title}`:\n{page}"
            );
            for cell in ["周一至周五 9:00-17:00", "全天", "R-1", "西城驿站"] {
                assert!(page.contains(cell), "{format:?} {lang:?} lacks `{cell}`");
            }
            let before = render(format, lang, columns[..2].to_vec(), &rows);
            assert!(
                !before.contains(&title),
                "{format:?} {lang:?}: the column shows before it is added"
            );
        }
    }
}

#[test]
fn grades_columns_are_their_specification_in_order_then_the_inventorys_own() {
    let extras = vec!["备注".to_string(), "备注".to_string()];
    let (columns, shown) = grade_columns(&extras);
    assert_eq!(columns.len(), GRADE.len() + extras.len());
    for ((c, s), spec) in columns.iter().zip(&shown).zip(&GRADE) {
        assert_eq!(
            (c.key.as_str(), c.title.zh.as_str(), c.title.en.as_str(), *s),
            (spec.key, spec.zh, spec.en, spec.shown)
        );
    }
    assert_eq!(columns[GRADE.len() + 1].key, "备注_2");
    let (gap_columns, gap_shown) = gaps_columns();
    let keys: Vec<&str> = GAPS.iter().map(|c| c.key).collect();
    let made: Vec<&str> = gap_columns.iter().map(|c| c.key.as_str()).collect();
    assert_eq!(made, keys);
    assert_eq!(gap_shown, GAPS.iter().map(|c| c.shown).collect::<Vec<_>>());
}

/// The CSV lines of `rows` as a CSV writer writes them.
fn csv_of(lang: Lang, columns: Vec<Column>, rows: Vec<Vec<Out>>) -> String {
    let mut w = Writer::new(Vec::new(), Format::Csv, lang, book(), meta(), "x", columns);
    for r in &rows {
        w.row(r).expect("a row");
    }
    let page = String::from_utf8(w.finish(&[], &[]).expect("it finishes")).expect("UTF-8");
    // Without the header line.
    page.split_once('\n')
        .map(|(_, rest)| rest.to_string())
        .unwrap_or_default()
}

#[test]
fn the_fast_csv_lines_are_the_specifications_cells_for_every_column() {
    // Outlets that differ in every column the specification has: a partner type, a claim, a
    // region, gaps of several kinds.
    let read = read_rows(&[
        with(&[("省", ""), ("县", "")]),
        with(&[
            ("网点编号", "R-2"),
            ("申报级别", "一级"),
            ("电脑数", "0"),
            ("省", ""),
            ("县", ""),
        ]),
        with(&[
            ("网点编号", "R-3"),
            ("网点类型", "共建"),
            ("参照类型", "社区"),
            ("省", "示范省"),
            ("县", ""),
        ]),
        with(&[
            ("网点编号", "R-4"),
            ("信息发布栏", "否"),
            ("服务空间", "无"),
            ("省", "示范省"),
            ("县", "安宁县"),
        ]),
    ]);
    let ev = Evaluator::new(book(), as_of());
    for lang in [Lang::Zh, Lang::En] {
        let mut w = Writer::new(Vec::new(), Format::Csv, lang, book(), meta(), "x", vec![]);
        let maker = w.row_maker();
        let csv = maker.csv().expect("a CSV writer writes lines straight");
        let gap_lines = GapLines::new(book(), outlet::report::Straight::Csv(csv), lang);
        let grade_lines = GradeLines::new(book(), csv);
        let mut gap_count = 0;
        for o in &read.outlets {
            let a = ev.assess(o);
            let mut line = String::new();
            grade_lines.write_brief(&ev, o, &ev.brief(o), &mut line);
            let typed = csv_of(lang, grade_columns(&[]).0, vec![grade_row(&ev, o, &a)]);
            assert_eq!(line, typed, "{} {lang:?}", o.id);
            assert_eq!(line.matches(',').count() + 1, GRADE.len(), "{line}");
            let (brief, failing) = ev.brief_gaps(o, None);
            let mut lines = String::new();
            gap_count += gap_lines.write(&ev, o, &brief, None, &failing, &mut lines);
            let typed = csv_of(lang, gaps_columns().0, gaps_rows(&ev, o, &a, None, lang));
            assert_eq!(lines, typed, "{} {lang:?}", o.id);
        }
        assert!(gap_count > 0, "some outlet has gaps");
    }
}

#[test]
fn a_renderer_asks_only_for_what_it_shows() {
    for format in FORMATS {
        let mut w = Writer::new(Vec::new(), format, Lang::Zh, book(), meta(), "x", vec![]);
        let wants = w.wants();
        assert_eq!(wants.related, format == Format::Xlsx, "{format:?}");
        assert_eq!(wants.details, format == Format::Html, "{format:?}");
        assert_eq!(
            w.row_maker().csv().is_some(),
            format == Format::Csv,
            "{format:?}"
        );
        // Programs read CSV, JSON and workbooks; a CSV file holds one table.
        let machines = matches!(format, Format::Csv | Format::Json | Format::Xlsx);
        assert_eq!(wants.paths, machines, "{format:?}");
        assert_eq!(wants.sections, format != Format::Csv, "{format:?}");
        // Only CSV has no head for a report's facts: its rows carry them.
        assert_eq!(wants.bare, format == Format::Csv, "{format:?}");
        assert_eq!(format.wants(), wants, "{format:?}");
    }
}

#[test]
fn a_related_table_goes_on_a_workbooks_sheets_and_nowhere_else() {
    let columns = vec![Column::new("id", "网点编号", "id")];
    let related = vec![Column::new("rule", "规则", "rule")];
    for format in FORMATS {
        let mut w = Writer::new(
            Vec::new(),
            format,
            Lang::En,
            book(),
            meta(),
            "outlets",
            columns.clone(),
        );
        w.row(&[Out::str("R-1")]).expect("a row");
        w.related("gaps", &related, &[vec![Out::str("R-L4-RELATED")]])
            .expect("related rows");
        let page = text(format, w.finish(&[], &[]).expect("it finishes"));
        assert_eq!(
            page.contains("R-L4-RELATED"),
            format == Format::Xlsx,
            "{format:?}:\n{page}"
        );
    }
}

/// Data flows one way (rulebook ← inventory ← eval ← report ← cli): the layers left of the
/// report never name it, nor the command line.
#[test]
fn the_layers_left_of_the_report_never_import_it() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = vec![root.join("eval.rs")];
    for dir in ["inventory", "rulebook"] {
        let mut stack = vec![root.join(dir)];
        while let Some(d) = stack.pop() {
            for entry in std::fs::read_dir(&d).expect("a source folder") {
                let path = entry.expect("an entry").path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    files.push(path);
                }
            }
        }
    }
    for file in files {
        let source = std::fs::read_to_string(&file).expect("a source file");
        for right in ["crate::report", "crate::cli"] {
            assert!(
                !source.contains(right),
                "{} names `{right}`",
                file.display()
            );
        }
    }
}
