//! Real county inventories (台账) read right, or refused out loud (DOMAIN "Reading real
//! inventories"): the same 50 outlets of the example county laid out as counties lay them out —
//! title and 填报单位 rows, the headers real templates use, a two-row header, 小计/合计 rows and
//! signature lines, a 填报说明 sheet before the 台账 — grade exactly as the plain CSV does; and a
//! column renamed to nonsense never passes silently.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    reason = "a test fails loudly on a broken fixture"
)]

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::files::{COUNTY_CSV, Scratch, path_str, read_root};
use common::run::{code, report, run, stderr, stdout};
use common::table::records;

/// What a layout must not change: each outlet's grade, status and gaps, by id.
fn grades(inventory: &Path) -> BTreeMap<String, (String, String, String)> {
    let out = report("csv", &["grade", path_str(inventory)]);
    assert!(
        matches!(code(&out), 0 | 1),
        "{}: {}",
        inventory.display(),
        stderr(&out)
    );
    records(&stdout(&out))
        .into_iter()
        .map(|r| {
            (
                r["id"].clone(),
                (
                    r["assessed_grade"].clone(),
                    r["status"].clone(),
                    r["required_gaps"].clone(),
                ),
            )
        })
        .collect()
}

/// The example county's header and rows, as cells.
fn county() -> (Vec<String>, Vec<Vec<String>>) {
    let text = read_root(COUNTY_CSV);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes());
    let mut rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.expect("a record").iter().map(str::to_string).collect())
        .collect();
    let header = rows.remove(0);
    (header, rows)
}

/// Headers as real templates write them (DOMAIN's synonyms, units and notes in brackets).
fn real_header(header: &[String]) -> Vec<String> {
    header
        .iter()
        .map(|h| {
            match h.as_str() {
                "网点名称" => "站点名称",
                "网点编号" => "*服务站编号",
                "省" => "省（区、市）",
                "市" => "市（州）",
                "县" => "县(市、区)",
                "乡镇街道" => "街道(乡镇)",
                "行政区划代码" => "统计用区划代码",
                "网点类型" => "网点类型（乡镇/街道/村/社区/共建）",
                "信息更新日期" => "信息更新时间",
                "经办窗口数" => "窗口数量",
                "专职人员数" => "专职工作人员(人)",
                "兼职人员数" => "兼职工作人员",
                "电脑数" => "电脑（台）",
                "业务系统接入" => "是否接入业务系统",
                "年度工作经费" => "年度工作经费（万元）",
                "党建引领" => "党建引领作用发挥明显",
                other => other,
            }
            .to_string()
        })
        .collect()
}

fn csv_text(rows: &[Vec<String>]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let width = rows.iter().map(Vec::len).max().unwrap_or(0);
    for row in rows {
        let mut row = row.clone();
        row.resize(width, String::new());
        w.write_record(&row).expect("a record");
    }
    String::from_utf8(w.into_inner().expect("the CSV")).expect("UTF-8")
}

fn blank_row(text: &str, width: usize) -> Vec<String> {
    let mut row = vec![String::new(); width];
    row[0] = text.to_string();
    row
}

/// The county as a 台账 laid out the way counties send it: title and 填报单位 rows, real
/// headers, a 小计 row between townships, a 合计 row and signature lines at the end.
fn real_layout() -> Vec<Vec<String>> {
    let (header, rows) = county();
    let width = header.len();
    let mut out = vec![
        blank_row("安宁县基层公共就业服务网点台账", width),
        {
            let mut r = blank_row("填报单位:安宁县人力资源和社会保障局", width);
            r[width - 2] = "填报日期:2025年11月30日".into();
            r
        },
        real_header(&header),
    ];
    for (i, row) in rows.into_iter().enumerate() {
        out.push(row);
        if i == 9 {
            let mut subtotal = blank_row("", width);
            subtotal[1] = "小计".into();
            subtotal[14] = "12".into();
            out.push(subtotal);
        }
    }
    let mut total = blank_row("合计", width);
    total[14] = "60".into();
    out.push(total);
    out.push(blank_row("审核人:张三        填表人:李四", width));
    out.push(blank_row("注:本表由各乡镇(街道)汇总填报。", width));
    out
}

/// The county with a two-row header: 人员配置 over 专职人员数 | 兼职人员数, 信息发布 over
/// 信息发布栏 | 线上发布渠道, and every other header in the upper row with the lower blank (a
/// cell merged down).
fn two_row_layout() -> Vec<Vec<String>> {
    let (header, rows) = county();
    let mut upper = Vec::new();
    let mut lower = Vec::new();
    for h in &header {
        match h.as_str() {
            "专职人员数" => {
                upper.push("人员配置".to_string());
                lower.push(h.clone());
            }
            "信息发布栏" => {
                upper.push("信息发布".to_string());
                lower.push(h.clone());
            }
            "兼职人员数" | "线上发布渠道" => {
                upper.push(String::new());
                lower.push(h.clone());
            }
            _ => {
                upper.push(h.clone());
                lower.push(String::new());
            }
        }
    }
    let mut out = vec![
        blank_row("安宁县基层公共就业服务网点台账", header.len()),
        upper,
        lower,
    ];
    out.extend(rows);
    out
}

/// The two-row layout as a workbook: a 填报说明 sheet first, then the 台账 with its title merged
/// across, the group headers merged over their sub-headers, and a hidden column.
fn workbook(path: &Path) {
    use rust_xlsxwriter::{Format, Workbook};
    let rows = two_row_layout();
    let mut book = Workbook::new();
    let notes = book.add_worksheet();
    notes.set_name("填报说明").expect("a name");
    notes
        .write(0, 0, "填报说明:请按模板填写,每个网点一行。")
        .expect("a cell");
    notes.write(1, 0, "网点编号由县统一编制。").expect("a cell");
    let sheet = book.add_worksheet();
    sheet.set_name("台账").expect("a name");
    let width = rows[1].len() as u16;
    sheet
        .merge_range(0, 0, 0, width - 1, &rows[0][0], &Format::new())
        .expect("a merged title");
    for (r, row) in rows.iter().enumerate().skip(1) {
        for (c, value) in row.iter().enumerate() {
            if value.is_empty() {
                continue;
            }
            let (r, c) = (r as u32, c as u16);
            // Counts as number cells, the rest as text.
            match value.parse::<f64>() {
                Ok(n) if r > 2 && !value.starts_with('0') && value.len() < 6 => {
                    sheet.write_number(r, c, n).expect("a cell")
                }
                _ => sheet.write_string(r, c, value).expect("a cell"),
            };
        }
    }
    // The group cells merged over their sub-headers.
    for (c, h) in rows[1].iter().enumerate() {
        if h == "人员配置" || h == "信息发布" {
            let c = c as u16;
            sheet
                .merge_range(1, c, 1, c + 1, h, &Format::new())
                .expect("a merged group");
        }
    }
    // A hidden column (a contact's phone, in a real 台账).
    let last = rows[1].len() as u16 - 1;
    sheet.set_column_hidden(last).expect("hidden");
    book.save(path).expect("the workbook");
}

#[test]
fn every_layout_of_the_county_grades_as_the_plain_csv() {
    let s = Scratch::new();
    let plain = grades(Path::new(COUNTY_CSV));
    assert_eq!(plain.len(), 50);

    let real = s.write("台账-真实表头.csv", &csv_text(&real_layout()));
    assert_eq!(
        grades(&real),
        plain,
        "title rows, real headers, 小计/合计, signatures"
    );

    let two = s.write("台账-双行表头.csv", &csv_text(&two_row_layout()));
    assert_eq!(grades(&two), plain, "a two-row header");

    let xlsx = s.write("placeholder", "");
    let xlsx = xlsx.with_file_name("台账.xlsx");
    workbook(&xlsx);
    assert_eq!(grades(&xlsx), plain, "a workbook with a notes sheet first");
}

#[test]
fn a_ledger_that_says_site_for_outlet_in_every_core_header_grades_as_the_plain_csv() {
    // 站点编号, 站点名称, 站点类型: one word for 网点 throughout, as many county templates have.
    let s = Scratch::new();
    let (header, rows) = county();
    let header: Vec<String> = header
        .iter()
        .map(|h| match h.as_str() {
            "网点编号" => "站点编号".to_string(),
            "网点名称" => "站点名称".to_string(),
            "网点类型" => "站点类型".to_string(),
            other => other.to_string(),
        })
        .collect();
    let ledger = s.write("站点台账.csv", &csv_text(&[vec![header], rows].concat()));
    assert_eq!(grades(&ledger), grades(Path::new(COUNTY_CSV)));
}

#[test]
fn rows_that_are_no_outlets_are_one_note_not_broken_outlets() {
    let s = Scratch::new();
    let real = s.write("台账.csv", &csv_text(&real_layout()));
    let out = run(&["grade", path_str(&real), "--format", "json", "--lang", "en"]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let problems = doc["problems"].as_array().expect("problems");
    let notes: Vec<&serde_json::Value> = problems
        .iter()
        .filter(|p| {
            p["message"]
                .as_str()
                .is_some_and(|m| m.contains("are no outlets"))
        })
        .collect();
    assert_eq!(notes.len(), 1, "{problems:#?}");
    let message = notes[0]["message"].as_str().expect("a message");
    assert!(message.starts_with("4 row(s)"), "{message}");
    assert_eq!(notes[0]["severity"], "warning");
    // No problem names a 合计 or 审核人 row as an outlet without an id.
    assert!(
        !problems.iter().any(|p| p["message"]
            .as_str()
            .is_some_and(|m| m.contains("required"))),
        "{problems:#?}"
    );
}

#[test]
fn the_sheet_read_and_the_headers_read_by_synonym_are_said() {
    let s = Scratch::new();
    let path = s.write("placeholder", "").with_file_name("台账.xlsx");
    workbook(&path);
    let out = run(&["grade", path_str(&path), "--format", "csv"]);
    let err = stderr(&out);
    assert!(err.contains("读取工作表「台账」"), "{err}");
    assert!(err.contains("「填报说明」"), "the sheet passed over: {err}");

    let real = s.write("台账.csv", &csv_text(&real_layout()));
    let err = stderr(&run(&["grade", path_str(&real), "--format", "csv"]));
    assert!(err.contains("「窗口数量」→经办窗口数"), "{err}");
    assert!(
        err.contains("「专职工作人员(人)」→专职人员数(单位 人)"),
        "{err}"
    );
}

/// Every field a required rule reads, renamed to nonsense in turn: a problem at the header row
/// names it — an error when its rules can then only fail as 未填报, a warning when another column
/// carries them — and a required column's absence stops the run naming it.
#[test]
fn a_renamed_column_never_passes_silently() {
    let s = Scratch::new();
    let (header, rows) = county();
    let fields: Vec<(String, String, String)> = {
        let out = common::run::outlet(&["rules", "show", "--resolved"]);
        let book: serde_yaml::Value =
            serde_yaml::from_slice(&out.stdout).expect("the rulebook as YAML");
        book["fields"]
            .as_sequence()
            .expect("fields")
            .iter()
            .map(|f| {
                (
                    f["key"].as_str().expect("a key").to_string(),
                    f["name"]["zh"].as_str().expect("a name").to_string(),
                    f["required"].as_bool().unwrap_or(false).to_string(),
                )
            })
            .collect()
    };
    let mut checked = 0;
    for (i, h) in header.iter().enumerate() {
        let Some((key, _, required)) = fields.iter().find(|(_, zh, _)| zh == h) else {
            continue;
        };
        let mut renamed = header.clone();
        renamed[i] = format!("栏目{i}XYZ");
        let mut table = vec![renamed];
        table.extend(rows.iter().cloned());
        let path = s.write(&format!("renamed-{key}.csv"), &csv_text(&table));
        let out = run(&["grade", path_str(&path), "--format", "csv", "--lang", "en"]);
        let err = stderr(&out);
        if required == "true" {
            assert_eq!(code(&out), 2, "{key}: {err}");
            assert!(err.contains("missing required column"), "{key}: {err}");
            assert!(err.contains(&format!("({key})")), "{key}: {err}");
        } else {
            let line = err
                .lines()
                .find(|l| l.contains(&format!("no column for `{h}`")));
            match line {
                Some(line) => {
                    assert!(line.contains("row 1"), "at the header row: {line}");
                    assert!(line.contains(&format!("({key})")), "{line}");
                }
                // No rule reads it: only grouping columns and the area.
                None => assert!(
                    [
                        "province",
                        "city",
                        "county",
                        "township",
                        "division_code",
                        "reference_type",
                        "claimed_grade",
                        "space_area",
                        "kiosk"
                    ]
                    .contains(&key.as_str()),
                    "{key} renamed without a word: {err}"
                ),
            }
        }
        checked += 1;
    }
    assert!(checked >= 25, "every field's column was renamed: {checked}");
}

/// One systematic spelling across a file: the first rows each on a line, then one line with the
/// count and the first rows of the rest; the JSON report keeps every row.
#[test]
fn repeated_problems_are_one_line_in_the_terminal_and_every_row_in_json() {
    let s = Scratch::new();
    let (header, rows) = county();
    let windows = header
        .iter()
        .position(|h| h == "经办窗口数")
        .expect("windows");
    let mut table = vec![header];
    for mut row in rows {
        row[windows] = "若干".into();
        table.push(row);
    }
    let path = s.write("repeated.csv", &csv_text(&table));
    let out = run(&["grade", path_str(&path), "--format", "csv"]);
    let err = stderr(&out);
    let alike: Vec<&str> = err.lines().filter(|l| l.contains("`若干`")).collect();
    assert_eq!(alike.len(), 4, "{err}");
    assert!(
        alike[3].contains("同样的问题另有 47 行: 第 5、6、7、8、9… 行"),
        "{err}"
    );
    let json = run(&["grade", path_str(&path), "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    let count = doc["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .filter(|p| p["value"] == "若干")
        .count();
    assert_eq!(count, 50);
}

/// 第二条: a form (零工驿站 …) in the type column is a data error whose hint says what a type is.
#[test]
fn a_form_in_the_type_column_is_an_error_explaining_form_and_type() {
    let s = Scratch::new();
    let (header, rows) = county();
    let type_ = header.iter().position(|h| h == "网点类型").expect("type");
    let mut row = rows[0].clone();
    row[type_] = "零工驿站".into();
    let path = s.write("form.csv", &csv_text(&[header, row]));
    let out = run(&["grade", path_str(&path), "--format", "csv"]);
    assert_eq!(code(&out), 1);
    let err = stderr(&out);
    assert!(err.contains("`零工驿站`"), "{err}");
    assert!(err.contains("第二条"), "{err}");
    assert!(err.contains("不是类型"), "{err}");
}

/// A unit in the header is the unit of the column's bare numbers: 5000 under 年度工作经费（元）
/// is 0.5 万元 (DOMAIN "Headers are normalised before matching"); a number with its own unit
/// keeps it.
#[test]
fn a_unit_in_the_header_applies_to_bare_numbers_only() {
    let s = Scratch::new();
    let (mut header, rows) = county();
    let funds = header
        .iter()
        .position(|h| h == "年度工作经费")
        .expect("funds");
    header[funds] = "年度工作经费（元）".into();
    let mut bare = rows[0].clone();
    bare[funds] = "5000".into();
    let mut own = rows[1].clone();
    own[funds] = "2万元".into();
    let path = s.write("funds.csv", &csv_text(&[header, bare, own]));
    let observed = |id: &str| {
        let out = report("csv", &["explain", path_str(&path), id]);
        records(&stdout(&out))
            .into_iter()
            .find(|r| r["rule"] == "G2-FUNDS")
            .map(|r| r["observed"].clone())
            .expect("G2-FUNDS")
    };
    assert_eq!(observed("AN-001"), "annual funds=0.5万元");
    assert_eq!(observed("AN-002"), "annual funds=2万元");
}

/// The column report travels with the results: in the JSON head (`columns`) and on the workbook's
/// summary sheet, for a reader who gets the report and not the terminal.
#[test]
fn the_column_report_is_in_the_json_head_and_the_workbook() {
    let s = Scratch::new();
    let path = s.write("placeholder", "").with_file_name("台账.xlsx");
    workbook(&path);
    let out = run(&["grade", path_str(&path), "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let columns = &doc["columns"];
    assert_eq!(columns["sheet"], "台账", "{columns:#}");
    assert_eq!(columns["passed_over"], serde_json::json!(["填报说明"]));
    let placed = columns["placed"].as_array().expect("placed columns");
    let windows = placed
        .iter()
        .find(|p| p["field"] == "windows")
        .expect("the windows column");
    assert!(
        windows["column"].as_u64().is_some_and(|c| c > 0),
        "{windows:#}"
    );
    assert!(columns["absent"].as_array().expect("absent").is_empty());

    // A column renamed to nonsense: unplaced, and its field absent, an error naming its rules.
    let mut rows = real_layout();
    let c = rows[2]
        .iter()
        .position(|h| h == "窗口数量")
        .expect("the windows header");
    rows[2][c] = "甲乙丙".into();
    let renamed = s.write("台账-改名.csv", &csv_text(&rows));
    let out = run(&["grade", path_str(&renamed), "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let columns = &doc["columns"];
    assert!(columns["sheet"].is_null());
    assert!(
        columns["unplaced"]
            .as_array()
            .expect("unplaced")
            .iter()
            .any(|u| u["header"] == "甲乙丙" && u["column"] == c + 1),
        "{columns:#}"
    );
    let staff = columns["placed"]
        .as_array()
        .expect("placed columns")
        .iter()
        .find(|p| p["field"] == "full_time_staff")
        .expect("the full-time staff column");
    assert_eq!(staff["header"], "专职工作人员(人)", "{staff:#}");
    assert_eq!(staff["read_by"], "unit", "{staff:#}");
    assert_eq!(staff["unit"], "人", "{staff:#}");
    let absent = columns["absent"].as_array().expect("absent");
    let windows = absent
        .iter()
        .find(|a| a["field"] == "windows")
        .expect("the windows field is absent");
    assert_eq!(windows["severity"], "error", "{windows:#}");
    assert!(!windows["rules"].as_array().expect("rules").is_empty());

    // The workbook report says the same on its summary sheet.
    let report_path = s.write("placeholder", "").with_file_name("结果.xlsx");
    let out = run(&[
        "grade",
        path_str(&renamed),
        "--format",
        "xlsx",
        "-o",
        path_str(&report_path),
    ]);
    assert!(matches!(code(&out), 0 | 1), "{}", stderr(&out));
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(&report_path).expect("a workbook");
    let text: Vec<String> = wb
        .sheet_names()
        .iter()
        .flat_map(|n| {
            let range = wb.worksheet_range(n).expect("a sheet");
            range
                .rows()
                .map(|r| {
                    r.iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join("|")
                })
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(text.iter().any(|l| l.contains("列的读取")), "{text:#?}");
    assert!(
        text.iter()
            .any(|l| l.contains("甲乙丙") && l.contains("未识别")),
        "{text:#?}"
    );
    assert!(
        text.iter()
            .any(|l| l.contains("经办窗口数") && l.contains("缺少此列")),
        "{text:#?}"
    );
}
