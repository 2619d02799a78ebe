//! `outlet template`: a blank inventory (CSV or YAML, Chinese headers or English keys) with a
//! column for every field of the effective rulebook, the notes file beside a CSV template that
//! explains each column with the values the rulebook accepts, and the round trip: the template
//! reads back as a valid inventory, and filled with one outlet it grades.
//!
//! The fields are listed here from DOMAIN.md's inventory table, not read from the rulebook.

#![allow(
    clippy::expect_used,
    reason = "a test fails loudly when its fixture is broken"
)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Output;

use common::files::{PROVINCE, path_str, root};
use common::run::{code, ok, outlet, outlet_in, run, stderr, stdout};
use common::table::{Table, records, unbom};
use common::{SERVICES, baseline};
use tempfile::TempDir;

/// Every field of the built-in rulebook, as DOMAIN.md lists them: key and Chinese header.
const FIELDS: [(&str, &str); 28] = [
    ("id", "网点编号"),
    ("name", "网点名称"),
    ("province", "省"),
    ("city", "市"),
    ("county", "县"),
    ("township", "乡镇街道"),
    ("division_code", "行政区划代码"),
    ("type", "网点类型"),
    ("reference_type", "参照类型"),
    ("claimed_grade", "申报级别"),
    ("info_board", "信息发布栏"),
    ("online_channel", "线上发布渠道"),
    ("info_updated", "信息更新日期"),
    ("kiosk", "自助查询机"),
    ("windows", "经办窗口数"),
    ("full_time_staff", "专职人员数"),
    ("part_time_staff", "兼职人员数"),
    ("computers", "电脑数"),
    ("business_system", "业务系统接入"),
    ("service_space", "服务空间"),
    ("space_area", "服务空间面积"),
    ("doorstep_station", "家门口就业服务站"),
    ("party_building", "党建引领"),
    ("funds", "年度工作经费"),
    ("dedicated_funds", "专项经费"),
    ("management_system", "服务事项及管理制度"),
    ("equipment", "专业设备"),
    ("services", "服务项目"),
];

/// The column the example overlay adds.
const HOURS: (&str, &str) = ("weekly_hours", "每周开放时长");

fn province() -> String {
    root(PROVINCE).display().to_string()
}

/// The header row of a CSV template.
fn header(text: &str) -> Vec<String> {
    Table::parse(text).headers
}

fn expected_columns(lang: &str, with_hours: bool) -> Vec<String> {
    let mut fields = FIELDS.to_vec();
    if with_hours {
        fields.push(HOURS);
    }
    fields
        .iter()
        .map(|(key, zh)| if lang == "en" { key } else { zh }.to_string())
        .collect()
}

fn sorted(v: &[String]) -> BTreeSet<String> {
    v.iter().cloned().collect()
}

// ---- the columns ----

#[test]
fn the_csv_template_has_a_column_for_every_field_in_both_languages() {
    for lang in ["zh", "en"] {
        let text = ok(&["template", "--lang", lang]);
        let columns = header(&text);
        assert_eq!(
            sorted(&columns),
            sorted(&expected_columns(lang, false)),
            "{lang}"
        );
        assert_eq!(columns.len(), FIELDS.len(), "{lang}: no column twice");
        assert_eq!(
            &columns[..3],
            &expected_columns(lang, false)[..3],
            "{lang}: id and name lead"
        );
        assert_eq!(unbom(&text).lines().count(), 1, "{lang}: a header row only");
    }
}

#[test]
fn the_chinese_csv_template_starts_with_a_bom_for_excel() {
    let text = ok(&["template"]);
    assert!(text.starts_with('\u{feff}'), "{text:?}");
}

#[test]
fn the_templates_of_the_example_overlay_add_its_column() {
    let rules = province();
    for lang in ["zh", "en"] {
        let columns = header(&ok(&["template", "--rules", &rules, "--lang", lang]));
        assert_eq!(
            sorted(&columns),
            sorted(&expected_columns(lang, true)),
            "{lang}"
        );
        let yaml = ok(&[
            "template", "--rules", &rules, "--lang", lang, "--format", "yaml",
        ]);
        let keys = yaml_keys(&yaml);
        assert_eq!(keys, sorted(&expected_columns(lang, true)), "{lang} yaml");
    }
}

/// The keys of the one outlet of a YAML template; every value is blank.
fn yaml_keys(text: &str) -> BTreeSet<String> {
    let doc: serde_yaml::Value = serde_yaml::from_str(text).expect("the template is YAML");
    let outlets = doc["outlets"].as_sequence().expect("an `outlets:` list");
    assert_eq!(outlets.len(), 1, "one blank outlet");
    let map = outlets[0].as_mapping().expect("an outlet map");
    map.iter()
        .map(|(k, v)| {
            assert!(v.is_null(), "a blank value: {k:?} = {v:?}");
            k.as_str().expect("a text key").to_string()
        })
        .collect()
}

#[test]
fn the_yaml_template_has_a_key_for_every_field_with_a_comment_in_both_languages() {
    for lang in ["zh", "en"] {
        let text = ok(&["template", "--format", "yaml", "--lang", lang]);
        assert_eq!(
            yaml_keys(&text),
            sorted(&expected_columns(lang, false)),
            "{lang}"
        );
        let commented = text.lines().filter(|l| l.contains("  # ")).count();
        assert_eq!(
            commented,
            FIELDS.len(),
            "{lang}: every key is commented:\n{text}"
        );
        // The comment of an enum column lists its values.
        let space = text
            .lines()
            .find(|l| {
                l.trim_start().starts_with(if lang == "en" {
                    "service_space:"
                } else {
                    "服务空间:"
                })
            })
            .expect("the service space key");
        let values = if lang == "en" {
            ["none", "shared", "independent"]
        } else {
            ["无", "共享", "独立"]
        };
        for v in values {
            assert!(space.contains(v), "{lang}: {space}");
        }
    }
}

// ---- the notes file ----

struct Written {
    _dir: TempDir,
    template: PathBuf,
    notes: PathBuf,
}

fn write_template(lang: &str, rules: Option<&str>, notes: &str) -> Written {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let template = dir.path().join("x.csv");
    let mut args = vec!["template", "--lang", lang, "--output", path_str(&template)];
    if let Some(r) = rules {
        args.extend(["--rules", r]);
    }
    let out = outlet(&args);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stdout(&out).is_empty(), "the template goes to the file");
    let notes = dir.path().join(notes);
    Written {
        _dir: dir,
        template,
        notes,
    }
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn a_chinese_template_file_gets_its_notes_beside_it() {
    let w = write_template("zh", None, "x.说明.csv");
    assert_eq!(
        sorted(&header(&read(&w.template))),
        sorted(&expected_columns("zh", false))
    );
    assert!(
        !w.template.with_file_name("x.columns.csv").exists(),
        "Chinese notes only"
    );
    let rows = records(&read(&w.notes));
    let columns: Vec<&str> = rows.iter().map(|r| r["列名"].as_str()).collect();
    assert_eq!(
        columns,
        header(&read(&w.template)),
        "one note per column, in the template's order"
    );
    let by: BTreeMap<&str, &BTreeMap<String, String>> =
        rows.iter().map(|r| (r["列名"].as_str(), r)).collect();
    for (key, zh) in FIELDS {
        assert_eq!(by[zh]["字段"], key, "{zh}");
        assert!(!by[zh]["说明"].is_empty(), "{zh} is explained");
        let required = if ["id", "name", "type"].contains(&key) {
            "是"
        } else {
            "否"
        };
        assert_eq!(by[zh]["必填"], required, "{zh}");
    }
    // Allowed values come from the rulebook's vocabularies.
    for v in ["无", "共享", "独立"] {
        assert!(by["服务空间"]["取值"].contains(v), "{:?}", by["服务空间"]);
    }
    for v in ["无", "有", "完整"] {
        assert!(by["服务事项及管理制度"]["取值"].contains(v));
    }
    for v in ["乡镇", "街道", "村", "社区", "共建"] {
        assert!(by["网点类型"]["取值"].contains(v), "{:?}", by["网点类型"]);
    }
    for v in ["AI面试模拟", "职业能力测评", "创业能力测评", "创业沙盘"] {
        assert!(by["专业设备"]["取值"].contains(v), "{:?}", by["专业设备"]);
    }
    for s in SERVICES {
        assert!(
            by["服务项目"]["取值"].contains(s),
            "{s}: {:?}",
            by["服务项目"]
        );
    }
    assert!(
        by["年度工作经费"]["取值"].contains("万元"),
        "{:?}",
        by["年度工作经费"]
    );
    assert!(
        by["行政区划代码"]["取值"].contains("12"),
        "{:?}",
        by["行政区划代码"]
    );
    assert!(
        by["申报级别"]["取值"].contains("一级"),
        "{:?}",
        by["申报级别"]
    );
}

#[test]
fn an_english_template_file_gets_its_notes_as_columns_csv() {
    let w = write_template("en", None, "x.columns.csv");
    assert!(!w.template.with_file_name("x.说明.csv").exists());
    let rows = records(&read(&w.notes));
    assert_eq!(
        rows.iter().map(|r| r["header"].clone()).collect::<Vec<_>>(),
        header(&read(&w.template))
    );
    let by: BTreeMap<&str, &BTreeMap<String, String>> =
        rows.iter().map(|r| (r["key"].as_str(), r)).collect();
    assert_eq!(by.len(), FIELDS.len());
    assert_eq!(by["service_space"]["kind"], "enum");
    assert_eq!(by["services"]["kind"], "list");
    assert_eq!(by["windows"]["kind"], "count");
    assert_eq!(by["id"]["required"], "yes");
    assert_eq!(by["kiosk"]["required"], "no");
    for v in ["none", "shared", "independent"] {
        assert!(
            by["service_space"]["accepted"].contains(v),
            "{:?}",
            by["service_space"]
        );
    }
}

#[test]
fn the_notes_of_the_example_overlay_explain_its_column_and_its_new_equipment() {
    let w = write_template("zh", Some(&province()), "x.说明.csv");
    let rows = records(&read(&w.notes));
    let hours = rows
        .iter()
        .find(|r| r["列名"] == "每周开放时长")
        .expect("a note for the new column");
    assert_eq!(hours["字段"], "weekly_hours");
    assert!(hours["取值"].contains("小时"), "{hours:?}");
    assert_eq!(hours["说明"], "每周对外开放的小时数");
    let equipment = rows
        .iter()
        .find(|r| r["列名"] == "专业设备")
        .expect("专业设备");
    assert!(equipment["取值"].contains("直播带岗设备"), "{equipment:?}");
}

#[test]
fn the_notes_for_the_reference_type_list_only_the_allowed_reference_types() {
    let w = write_template("zh", None, "x.说明.csv");
    let rows = records(&read(&w.notes));
    let reference = rows
        .iter()
        .find(|r| r["列名"] == "参照类型")
        .expect("参照类型");
    for v in ["乡镇", "街道", "社区"] {
        assert!(reference["取值"].contains(v), "{reference:?}");
    }
    assert!(!reference["取值"].contains('村'), "{reference:?}");
    assert!(!reference["取值"].contains("共建"), "{reference:?}");
    let yaml = ok(&["template", "--format", "yaml"]);
    let line = yaml
        .lines()
        .find(|l| l.trim_start().starts_with("参照类型:"))
        .expect("参照类型");
    assert!(!line.contains('村'), "{line}");
}

// ---- reading the template back ----

fn grade_file(path: &Path) -> Output {
    run(&["grade", path_str(path), "--format", "csv", "--lang", "en"])
}

#[test]
fn every_blank_template_reads_back_as_a_valid_inventory() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let rules = province();
    for (format, ext) in [("csv", "csv"), ("yaml", "yaml")] {
        for lang in ["zh", "en"] {
            for overlay in [None, Some(rules.as_str())] {
                let path = dir.path().join(format!("t-{lang}.{ext}"));
                let mut args = vec![
                    "template",
                    "--format",
                    format,
                    "--lang",
                    lang,
                    "--output",
                    path_str(&path),
                ];
                if let Some(r) = overlay {
                    args.extend(["--rules", r]);
                }
                assert_eq!(code(&outlet(&args)), 0);
                let mut grade = vec!["grade", path_str(&path), "--format", "json", "--lang", "en"];
                if let Some(r) = overlay {
                    grade.extend(["--rules", r]);
                }
                let out = run(&grade);
                assert_eq!(
                    code(&out),
                    0,
                    "{format} {lang} {overlay:?}: {}",
                    stderr(&out)
                );
                let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
                assert_eq!(doc["outlets"], serde_json::json!([]));
                assert!(
                    doc["problems"]
                        .as_array()
                        .expect("problems")
                        .iter()
                        .all(|p| p["severity"] != "error"),
                    "{format} {lang}: {}",
                    doc["problems"]
                );
            }
        }
    }
}

/// The grade-1 baseline outlet's value for a Chinese header, with two kinds of equipment (the
/// example overlay asks for two) and 25 opening hours.
fn value_for(zh: &str) -> String {
    match zh {
        "专业设备" => "AI面试模拟、职业能力测评".into(),
        "每周开放时长" => "25".into(),
        _ => baseline()
            .into_iter()
            .find(|(h, _)| h == zh)
            .map(|(_, v)| v)
            .unwrap_or_default(),
    }
}

fn key_to_zh(key: &str) -> &'static str {
    FIELDS
        .iter()
        .chain(std::iter::once(&HOURS))
        .find(|(k, _)| *k == key)
        .map(|(_, zh)| *zh)
        .unwrap_or_else(|| panic!("no field `{key}`"))
}

fn csv_line(cells: &[String]) -> String {
    cells
        .iter()
        .map(|c| {
            if c.contains([',', '"']) {
                format!("\"{}\"", c.replace('"', "\"\""))
            } else {
                c.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

#[test]
fn a_csv_template_filled_with_one_outlet_grades() {
    let rules = province();
    for lang in ["zh", "en"] {
        for overlay in [None, Some(rules.as_str())] {
            let w = write_template(lang, overlay, "unused");
            let text = read(&w.template);
            let columns = header(&text);
            let cells: Vec<String> = columns
                .iter()
                .map(|c| value_for(if lang == "en" { key_to_zh(c) } else { c }))
                .collect();
            std::fs::write(&w.template, format!("{}{}\n", text, csv_line(&cells)))
                .expect("the filled template is written");
            let mut args = vec![
                "grade",
                path_str(&w.template),
                "--format",
                "csv",
                "--lang",
                "en",
            ];
            if let Some(r) = overlay {
                args.extend(["--rules", r]);
            }
            let out = run(&args);
            assert_eq!(code(&out), 0, "{lang} {overlay:?}: {}", stderr(&out));
            assert!(stderr(&out).is_empty(), "no data problem: {}", stderr(&out));
            let rows = records(&stdout(&out));
            assert_eq!(rows.len(), 1, "{lang}");
            assert_eq!(rows[0]["id"], "B-001");
            assert_eq!(rows[0]["type"], "township");
            assert_eq!(
                rows[0]["assessed_grade"], "1",
                "{lang} {overlay:?}: {:?}",
                rows[0]
            );
            assert_eq!(rows[0]["status"], "meets");
        }
    }
}

#[test]
fn a_yaml_template_filled_with_one_outlet_grades() {
    for lang in ["zh", "en"] {
        let text = ok(&["template", "--format", "yaml", "--lang", lang]);
        let mut doc: serde_yaml::Value = serde_yaml::from_str(&text).expect("YAML");
        let outlet_map = doc["outlets"][0].as_mapping_mut().expect("an outlet map");
        for (k, v) in outlet_map.iter_mut() {
            let key = k.as_str().expect("a text key");
            let zh = if lang == "en" { key_to_zh(key) } else { key };
            *v = serde_yaml::Value::String(value_for(zh));
        }
        let dir = tempfile::tempdir().expect("a temporary folder");
        let path = dir.path().join("filled.yaml");
        std::fs::write(&path, serde_yaml::to_string(&doc).expect("YAML"))
            .expect("the filled template is written");
        let out = grade_file(&path);
        assert_eq!(code(&out), 0, "{lang}: {}", stderr(&out));
        let rows = records(&stdout(&out));
        assert_eq!(rows.len(), 1, "{lang}: {}", stdout(&out));
        assert_eq!(rows[0]["assessed_grade"], "1", "{lang}: {:?}", rows[0]);
    }
}

#[test]
fn a_template_written_in_a_folder_of_its_own_lands_there() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let out = outlet_in(dir.path(), &["template", "--output", "台账.csv"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(dir.path().join("台账.csv").exists());
    assert!(
        dir.path().join("台账.说明.csv").exists(),
        "the README's example: 台账.说明.csv beside 台账.csv"
    );
}

/// Into a named pipe (as into `/dev/null`), the header goes into the pipe and no notes file is
/// made beside it.
#[cfg(unix)]
#[test]
fn a_template_into_a_named_pipe_makes_no_notes_file_beside_it() {
    let dir = TempDir::new().expect("a temp dir");
    let pipe = dir.path().join("x.csv");
    let reader = common::files::named_pipe(&pipe);
    let out = outlet(&["template", "-o", path_str(&pipe)]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let header = reader.join().expect("the reader ends");
    assert!(unbom(&header).starts_with("网点编号,"), "{header}");
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["x.csv"]);
}
