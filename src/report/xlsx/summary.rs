//! The closing sheets of a report workbook: the data problems and the summary (how it was made,
//! the column report, the tallies).

use super::*;

/// The data problems as a table: severity, where, the value, what is wrong, what was expected.
pub(super) fn problem_table(problems: &[Problem], lang: Lang) -> (Vec<Column>, Vec<Vec<Out>>) {
    let columns = vec![
        Column::new("severity", "级别", "severity"),
        Column::new("file", "文件", "file"),
        Column::new("cell", "单元格", "cell"),
        Column::new("row", "行", "row"),
        Column::new("column", "列", "column"),
        Column::new("value", "取值", "value"),
        Column::new("message", "问题", "problem"),
        Column::new("expected", "应填", "expected"),
    ];
    let opt = |s: Option<String>| s.filter(|s| !s.is_empty()).map_or(Out::Null, Out::Str);
    let rows = problems
        .iter()
        .map(|p| {
            vec![
                match p.severity {
                    Severity::Error => Out::key("error", "错误", "error"),
                    Severity::Warning => Out::key("warning", "警告", "warning"),
                },
                Out::str(&*p.file),
                opt(p.cell.as_ref().map(ToString::to_string)),
                p.row.map_or(Out::Null, |r| Out::Int(r as i64)),
                opt(p.column.clone()),
                opt(p.value.clone()),
                Out::str(p.message(lang)),
                opt(p.help(lang)),
            ]
        })
        .collect();
    (columns, rows)
}

/// How the report was made (as-of date, input, rulebook), then every summary section.
pub(super) fn write_summary(
    sheet: &mut Worksheet,
    meta: &Meta,
    splits: &[String],
    sections: &[Section],
    lang: Lang,
    book: &Rulebook,
    styles: &Styles,
) -> Result<(), XlsxError> {
    let zh = lang == Lang::Zh;
    let mut r = 0u32;
    let mut widths = vec![0usize; 2];
    let mut measure = |c: usize, s: &str| {
        if widths.len() <= c {
            widths.resize(c + 1, 0);
        }
        widths[c] = widths[c].max(text_width(s));
    };
    let mut pairs: Vec<(&str, String)> = vec![
        (lang.pick("命令", "command"), meta.command.to_string()),
        (
            lang.pick("清单", "inventory"),
            meta.input.clone().unwrap_or_default(),
        ),
        (
            lang.pick("原清单评定日期", "old inventory as of"),
            meta.old_as_of.clone().unwrap_or_default(),
        ),
        (
            match meta.old_as_of {
                Some(_) => lang.pick("新清单评定日期", "new inventory as of"),
                None => lang.pick("评定日期", "as of"),
            },
            meta.as_of.clone().unwrap_or_default(),
        ),
        (lang.pick("规则", "rulebook"), meta.rulebook_id.clone()),
        (
            lang.pick("规则版本", "rulebook version"),
            meta.rulebook_version.clone(),
        ),
    ];
    if !meta.extends.is_empty() {
        let chain: Vec<String> = meta
            .extends
            .iter()
            .map(|(id, v)| format!("{id} {v}"))
            .collect();
        pairs.push((lang.pick("基于", "extends"), chain.join(", ")));
    }
    for split in splits {
        pairs.push((lang.pick("分表", "continued"), split.clone()));
    }
    pairs.push((
        lang.pick("生成工具", "made by"),
        format!("outlet {}", env!("CARGO_PKG_VERSION")),
    ));
    sheet.write_string_with_format(
        r,
        0,
        lang.pick("报告信息", "About this report"),
        &styles.title,
    )?;
    r += 1;
    for (k, v) in pairs.iter().filter(|(_, v)| !v.is_empty()) {
        sheet.write_string_with_format(r, 0, *k, &styles.header)?;
        measure(0, k);
        let as_of = [&meta.old_as_of, &meta.as_of]
            .into_iter()
            .find_map(|d| d.as_deref().filter(|a| a == v));
        match as_of.and_then(|a| a.parse::<jiff::civil::Date>().ok()) {
            Some(d) => {
                let date = ExcelDateTime::from_ymd(
                    u16::try_from(d.year()).unwrap_or(1900),
                    d.month() as u8,
                    d.day() as u8,
                )?;
                sheet.write_datetime_with_format(r, 1, &date, &styles.date)?;
            }
            None => {
                sheet.write_string(r, 1, v)?;
            }
        }
        measure(1, v);
        r += 1;
    }
    for (columns, title) in [
        (
            &meta.old_columns,
            Text::new("原清单的列", "Columns of the old inventory"),
        ),
        (
            &meta.columns,
            Text::new("列的读取", "How the columns were read"),
        ),
    ] {
        let Some(columns) = columns else { continue };
        r += 1;
        sheet.write_string_with_format(r, 0, title.get(lang), &styles.title)?;
        r += 1;
        for (i, row) in column_report_rows(columns, book, lang).iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                if i == 0 {
                    sheet.write_string_with_format(r, col(c), cell, &styles.header)?;
                } else {
                    sheet.write_string(r, col(c), cell)?;
                }
                measure(c, cell);
            }
            r += 1;
        }
    }
    for s in sections {
        r += 1;
        sheet.write_string_with_format(r, 0, s.title.get(lang), &styles.title)?;
        r += 1;
        if s.single {
            for row in &s.rows {
                for (column, cell) in s.columns.iter().zip(row) {
                    let title = column.title.get(lang);
                    sheet.write_string_with_format(r, 0, title, &styles.header)?;
                    measure(0, title);
                    write_out(sheet, r, 1, cell, lang, book, styles)?;
                    measure(1, &cell.text(crate::report::Format::Xlsx, lang, book));
                    r += 1;
                }
            }
        } else {
            for (c, column) in s.columns.iter().enumerate() {
                let title = column.title.get(lang);
                sheet.write_string_with_format(r, col(c), title, &styles.header)?;
                measure(c, title);
            }
            r += 1;
            for row in &s.rows {
                for (c, cell) in row.iter().enumerate() {
                    write_out(sheet, r, col(c), cell, lang, book, styles)?;
                    measure(c, &cell.text(crate::report::Format::Xlsx, lang, book));
                }
                r += 1;
            }
        }
    }
    for (c, w) in widths.iter().enumerate() {
        let min = if c == 0 && zh { 14 } else { 8 };
        sheet.set_column_width(col(c), (w + 2).clamp(min, MAX_WIDTH) as f64)?;
    }
    Ok(())
}

/// The column report as rows of text, a header row first: each column of the inventory with the
/// field it feeds (or none), then each field that no column feeds and what follows from that.
fn column_report_rows(
    columns: &crate::report::ColumnsRead,
    book: &Rulebook,
    lang: Lang,
) -> Vec<Vec<String>> {
    use crate::inventory::header::Matched;
    let zh = lang == Lang::Zh;
    let name = |f: usize| {
        book.fields
            .get(f)
            .map_or("", |f| f.name.get(lang))
            .to_string()
    };
    // Columns as the sheet's letters, or as numbers in a CSV or YAML inventory.
    let place = |c: usize| match columns.sheet {
        Some(_) => crate::problem::column_letters(u32::try_from(c).unwrap_or(u32::MAX)),
        None => (c + 1).to_string(),
    };
    let mut rows = vec![
        [
            lang.pick("列", "column"),
            lang.pick("表头", "header"),
            lang.pick("字段", "field"),
            lang.pick("识别方式", "read"),
        ]
        .map(str::to_string)
        .to_vec(),
    ];
    if let Some((sheet, passed)) = &columns.sheet {
        let mut how = String::new();
        if !passed.is_empty() {
            how = if zh {
                format!("跳过了缺少必填列的工作表 {}", passed.join("、"))
            } else {
                format!(
                    "passed over {}, which lack the required columns",
                    passed.join(", ")
                )
            };
        }
        rows.push(vec![
            String::new(),
            sheet.clone(),
            lang.pick("工作表", "sheet").to_string(),
            how,
        ]);
    }
    let report = &columns.report;
    let mut by_column: Vec<(usize, Vec<String>)> = report
        .placed
        .iter()
        .map(|(c, header, p)| {
            let how = match (&p.matched, zh) {
                (Matched::Whole, true) => "按名称或同义词".to_string(),
                (Matched::Whole, false) => "by name or synonym".to_string(),
                (Matched::Unit(u), true) => format!("去掉单位「{u}」"),
                (Matched::Unit(u), false) => format!("without the unit `{u}`"),
                (Matched::Note(n), true) => format!("去掉括注「{n}」"),
                (Matched::Note(n), false) => format!("without the note `{n}`"),
            };
            (*c, vec![place(*c), header.clone(), name(p.field), how])
        })
        .chain(report.unplaced.iter().map(|(c, header)| {
            let how = lang.pick("未识别,原样保留", "not placed, passed through");
            (
                *c,
                vec![place(*c), header.clone(), String::new(), how.to_string()],
            )
        }))
        .collect();
    by_column.sort_by_key(|(c, _)| *c);
    rows.extend(by_column.into_iter().map(|(_, row)| row));
    for a in &report.absent {
        let rules = a.rules.join(", ");
        let how = match (a.severity, zh) {
            (Some(Severity::Error), true) => format!("缺少此列:规则 {rules} 只能判为未填报(错误)"),
            (Some(Severity::Error), false) => {
                format!("no column: rules {rules} can only fail as not reported (error)")
            }
            (Some(Severity::Warning), true) => {
                format!("缺少此列:规则 {rules} 只能依据其他列(警告)")
            }
            (Some(Severity::Warning), false) => {
                format!("no column: rules {rules} rest on their other columns (warning)")
            }
            (None, true) => "缺少此列".to_string(),
            (None, false) => "no column".to_string(),
        };
        let how = match (&a.nearest, zh) {
            (Some(n), true) => format!("{how};最接近的表头「{n}」"),
            (Some(n), false) => format!("{how}; the nearest header is `{n}`"),
            (None, _) => how,
        };
        rows.push(vec![String::new(), String::new(), name(a.field), how]);
    }
    rows
}
