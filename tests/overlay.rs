//! Overlay rulebooks (`extends: builtin` or a path): each operation on its own small overlay
//! written by the test, observed through the grades, gaps and rule lists it changes; chains;
//! `rules show --resolved` as a rulebook of its own; and the worked example
//! `examples/province-overlay.yaml` against `examples/README.md`. The overlays that `rules check`
//! refuses (cycles, unknown ids, every problem in one pass), as printed, are the trycmd cases of
//! `tests/cmd/rules-check/overlay-refused.trycmd`.

#![allow(
    clippy::expect_used,
    reason = "a test fails loudly when its fixture is broken"
)]

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use common::files::{COUNTY_CSV, PROVINCE, Scratch, path_str, root};
use common::run::{code, outlet, outlet_in, report, report_in, run, stderr, stdout};
use common::table::records;
use common::{AS_OF, Row, csv, with};
use serde_json::Value as Json;

/// One outlet of a grade report: assessed grade ("" = 未达四级) and status.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Graded {
    assessed: String,
    status: String,
}

/// `outlet grade INVENTORY [--rules RULES] --format csv --lang en --fail-on never`, by id.
fn grade(inventory: &str, rules: Option<&str>) -> BTreeMap<String, Graded> {
    let mut args = vec!["grade", inventory];
    if let Some(r) = rules {
        args.extend(["--rules", r]);
    }
    let out = report("csv", &args);
    assert_eq!(code(&out), 0, "grade ran: {}", stderr(&out));
    records(&stdout(&out))
        .into_iter()
        .map(|r| {
            (
                r["id"].clone(),
                Graded {
                    assessed: r["assessed_grade"].clone(),
                    status: r["status"].clone(),
                },
            )
        })
        .collect()
}

/// The assessed grade of every outlet, built-in rulebook first, then the overlay.
fn grades_both(
    inventory: &Path,
    overlay: &Path,
) -> (BTreeMap<String, String>, BTreeMap<String, String>) {
    let only = |m: BTreeMap<String, Graded>| m.into_iter().map(|(k, v)| (k, v.assessed)).collect();
    (
        only(grade(path_str(inventory), None)),
        only(grade(path_str(inventory), Some(path_str(overlay)))),
    )
}

fn row(id: &str, changes: &[(&str, &str)]) -> Row {
    let mut all = vec![("网点编号", id)];
    all.extend_from_slice(changes);
    with(&all)
}

/// The outcome of one rule for one outlet, from `outlet explain --format csv --lang en`.
fn outcome(inventory: &Path, rules: &Path, id: &str, rule: &str) -> String {
    let out = report(
        "csv",
        &[
            "explain",
            path_str(inventory),
            id,
            "--rules",
            path_str(rules),
        ],
    );
    assert_eq!(code(&out), 0, "explain ran: {}", stderr(&out));
    records(&stdout(&out))
        .into_iter()
        .find(|r| r["rule"] == rule)
        .unwrap_or_else(|| panic!("explain lists no rule `{rule}`: {}", stdout(&out)))["outcome"]
        .clone()
}

fn check_rulebook(file: &Path) -> Output {
    outlet(&["rules", "check", path_str(file), "--lang", "en"])
}

fn assert_valid(file: &Path) {
    let out = check_rulebook(file);
    assert_eq!(
        code(&out),
        0,
        "`{}` should be a valid rulebook: {}{}",
        file.display(),
        stdout(&out),
        stderr(&out)
    );
}

// ---- modify_rules: set ----

#[test]
fn set_at_least_raises_a_threshold() {
    let s = Scratch::new();
    let overlay = s.overlay(
        "o.yaml",
        "modify_rules:\n  - id: G3-WINDOW\n    set: {at_least: 2}\n",
    );
    assert_valid(&overlay);
    let inv = s.inventory(&[
        row("W-1", &[("经办窗口数", "1")]),
        row("W-2", &[("经办窗口数", "2")]),
    ]);
    let (builtin, changed) = grades_both(&inv, &overlay);
    assert_eq!(
        builtin["W-1"], "1",
        "one window is enough for the built-in rulebook"
    );
    assert_eq!(
        changed["W-1"], "4",
        "one window now fails grade 3: {changed:?}"
    );
    assert_eq!(changed["W-2"], "1", "two windows still pass: {changed:?}");
}

#[test]
fn set_within_days_narrows_the_freshness_window() {
    let s = Scratch::new();
    let overlay = s.overlay(
        "o.yaml",
        "modify_rules:\n  - id: G4-FRESH\n    set: {within_days: 20}\n",
    );
    // 20 days before 2025-11-30 is 2025-11-10 (inclusive).
    let inv = s.inventory(&[
        row("F-1", &[("信息更新日期", "2025-11-10")]),
        row("F-2", &[("信息更新日期", "2025-11-09")]),
        row("F-3", &[("信息更新日期", "2025-10-31")]),
    ]);
    let (builtin, changed) = grades_both(&inv, &overlay);
    assert_eq!(
        [&builtin["F-1"], &builtin["F-2"], &builtin["F-3"]],
        ["1", "1", "1"],
        "all three are fresh within 30 days"
    );
    assert_eq!(
        changed["F-1"], "1",
        "20 days before is still fresh: {changed:?}"
    );
    assert_eq!(changed["F-2"], "", "21 days before is stale: {changed:?}");
    assert_eq!(changed["F-3"], "", "30 days before is stale: {changed:?}");
}

#[test]
fn set_includes_any_with_a_count_changes_the_list_and_the_number() {
    let s = Scratch::new();
    let overlay = s.overlay(
        "o.yaml",
        "modify_rules:\n  - id: G1-EQUIPMENT\n    set:\n      includes_any: [ai_interview, vocational_assessment, entrepreneurship_sandbox]\n      count: 2\n",
    );
    assert_valid(&overlay);
    let inv = s.inventory(&[
        row("E-1", &[("专业设备", "AI面试模拟")]),
        row("E-2", &[("专业设备", "AI面试模拟、职业能力测评")]),
        // Two kinds, but 创业能力测评 is no longer on the list.
        row("E-3", &[("专业设备", "创业能力测评、创业沙盘")]),
        row("E-4", &[("专业设备", "创业沙盘设备、职业能力测评设备")]),
    ]);
    let (builtin, changed) = grades_both(&inv, &overlay);
    for id in ["E-1", "E-2", "E-3", "E-4"] {
        assert_eq!(
            builtin[id], "1",
            "{id}: one kind suffices for the built-in rulebook"
        );
    }
    assert_eq!(
        changed["E-1"], "2",
        "one kind where two are needed: {changed:?}"
    );
    assert_eq!(changed["E-2"], "1", "{changed:?}");
    assert_eq!(
        changed["E-3"], "2",
        "only one kind from the new list: {changed:?}"
    );
    assert_eq!(changed["E-4"], "1", "aliases still count: {changed:?}");
}

// ---- modify_rules: kind, check, requirement, disabled ----

#[test]
fn an_advisory_rule_made_required_blocks_the_grade() {
    let s = Scratch::new();
    let overlay = s.overlay(
        "o.yaml",
        "modify_rules:\n  - id: G4-KIOSK\n    kind: required\n",
    );
    let inv = s.inventory(&[
        row("K-0", &[("自助查询机", "0")]),
        row("K-1", &[("自助查询机", "1")]),
    ]);
    let (builtin, changed) = grades_both(&inv, &overlay);
    assert_eq!(
        builtin["K-0"], "1",
        "advisory: no kiosk still reaches grade 1"
    );
    assert_eq!(
        changed["K-0"], "",
        "required at grade 4: no kiosk, no grade: {changed:?}"
    );
    assert_eq!(changed["K-1"], "1");
    let list = stdout(&outlet(&[
        "rules",
        "list",
        "--rules",
        path_str(&overlay),
        "--format",
        "csv",
        "--lang",
        "en",
    ]));
    let kiosk = records(&list)
        .into_iter()
        .find(|r| r["id"] == "G4-KIOSK")
        .expect("G4-KIOSK is listed");
    assert_eq!(kiosk["kind"], "required");
}

#[test]
fn a_required_rule_made_advisory_no_longer_blocks() {
    let s = Scratch::new();
    let overlay = s.overlay(
        "o.yaml",
        "modify_rules:\n  - id: G3-SYSTEM\n    kind: advisory\n",
    );
    let inv = s.inventory(&[row("S-1", &[("业务系统接入", "否")])]);
    let (builtin, changed) = grades_both(&inv, &overlay);
    assert_eq!(
        builtin["S-1"], "4",
        "G3-SYSTEM is required by the built-in rulebook"
    );
    assert_eq!(changed["S-1"], "1", "advisory now: {changed:?}");
    assert_eq!(outcome(&inv, &overlay, "S-1", "G3-SYSTEM"), "lacking");
}

#[test]
fn an_advisory_rule_made_required_and_back_grades_as_the_built_in_one() {
    let s = Scratch::new();
    let there = s.overlay(
        "there.yaml",
        "modify_rules:\n  - id: G2-DOORSTEP\n    kind: required\n",
    );
    let back = s.write(
        "back.yaml",
        "schema: 1\nextends: there.yaml\nid: back\nversion: \"1\"\nmodify_rules:\n  - id: G2-DOORSTEP\n    kind: advisory\n",
    );
    let inv = s.inventory(&[row("D-1", &[("家门口就业服务站", "否")])]);
    let builtin = grade(path_str(&inv), None);
    let required = grade(path_str(&inv), Some(path_str(&there)));
    let advisory = grade(path_str(&inv), Some(path_str(&back)));
    assert_eq!(builtin["D-1"].assessed, "1");
    assert_eq!(
        required["D-1"].assessed, "3",
        "a required doorstep station blocks grade 2"
    );
    assert_eq!(advisory["D-1"], builtin["D-1"], "back to advisory");
}

#[test]
fn a_replaced_check_is_the_one_evaluated() {
    let s = Scratch::new();
    // Party leadership may be shown by a doorstep station instead.
    let overlay = s.overlay(
        "o.yaml",
        "modify_rules:\n  - id: G2-PARTY\n    check:\n      any:\n        - {field: party_building, is: true}\n        - {field: doorstep_station, is: true}\n",
    );
    assert_valid(&overlay);
    let inv = s.inventory(&[
        row("P-1", &[("党建引领", "否"), ("家门口就业服务站", "是")]),
        row("P-2", &[("党建引领", "否"), ("家门口就业服务站", "否")]),
    ]);
    let (builtin, changed) = grades_both(&inv, &overlay);
    assert_eq!(builtin["P-1"], "3");
    assert_eq!(changed["P-1"], "1", "{changed:?}");
    assert_eq!(changed["P-2"], "3", "neither holds: {changed:?}");
    let show = stdout(&outlet(&[
        "rules",
        "show",
        "--rules",
        path_str(&overlay),
        "--format",
        "csv",
        "--lang",
        "en",
    ]));
    let party = records(&show)
        .into_iter()
        .find(|r| r["id"] == "G2-PARTY")
        .expect("G2-PARTY is shown");
    assert!(party["check"].contains("doorstep_station"), "{party:?}");
}

#[test]
fn a_replaced_requirement_shows_in_gaps() {
    let s = Scratch::new();
    let overlay = s.overlay(
        "o.yaml",
        "modify_rules:\n  - id: G3-WINDOW\n    requirement: {zh: 本省要求设立综合窗口甲, en: a provincial window requirement}\n",
    );
    let inv = s.inventory(&[row("R-1", &[("经办窗口数", "0")])]);
    for (lang, text) in [
        ("en", "a provincial window requirement"),
        ("zh", "本省要求设立综合窗口甲"),
    ] {
        let out = report_in(
            lang,
            "csv",
            &["gaps", path_str(&inv), "--rules", path_str(&overlay)],
        );
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        let gaps = stdout(&out);
        let line = gaps
            .lines()
            .find(|l| l.contains("G3-WINDOW"))
            .unwrap_or_else(|| panic!("no G3-WINDOW gap: {gaps}"));
        assert!(line.contains(text), "{lang}: {line}");
    }
    // The built-in text is gone.
    let out = report(
        "csv",
        &["gaps", path_str(&inv), "--rules", path_str(&overlay)],
    );
    assert!(!stdout(&out).contains("comprehensive or dedicated service windows: at least"));
}

#[test]
fn a_disabled_rule_leaves_the_list_and_no_longer_blocks() {
    let s = Scratch::new();
    let overlay = s.overlay(
        "o.yaml",
        "modify_rules:\n  - id: G3-SYSTEM\n    disabled: true\n",
    );
    let listed = |rules: Option<&Path>| {
        let mut args = vec!["rules", "list", "--format", "csv", "--lang", "en"];
        if let Some(r) = rules {
            args.extend(["--rules", path_str(r)]);
        }
        records(&stdout(&outlet(&args)))
            .into_iter()
            .map(|r| r["id"].clone())
            .collect::<Vec<_>>()
    };
    let before = listed(None);
    let after = listed(Some(&overlay));
    assert!(before.contains(&"G3-SYSTEM".to_string()));
    assert!(!after.contains(&"G3-SYSTEM".to_string()), "{after:?}");
    assert_eq!(after.len(), before.len() - 1, "only that rule goes");
    let inv = s.inventory(&[row("X-1", &[("业务系统接入", "否")])]);
    let (builtin, changed) = grades_both(&inv, &overlay);
    assert_eq!(builtin["X-1"], "4");
    assert_eq!(changed["X-1"], "1", "{changed:?}");
    let explain = outlet(&[
        "rules",
        "explain",
        "G3-SYSTEM",
        "--rules",
        path_str(&overlay),
        "--as-of",
        AS_OF,
    ]);
    assert_eq!(code(&explain), 2, "a disabled rule cannot be explained");
}

// ---- add_rules with applies_to ----

const AREA_RULE: &str = "add_rules:
  - id: T-G2-AREA-TOWN
    grade: 2
    kind: required
    article: 第十九条
    title: {zh: 乡镇服务空间面积, en: township service space area}
    requirement: {zh: 服务空间面积不少于100平方米, en: at least 100 m²}
    explanation: {zh: 乡镇网点服务空间不少于100平方米。, en: Township outlets need 100 m².}
    applies_to: [township]
    check: {field: space_area, at_least: 100}
";

#[test]
fn a_new_rule_applies_to_its_types_and_to_partners_that_take_them_as_reference() {
    let s = Scratch::new();
    let overlay = s.overlay("o.yaml", AREA_RULE);
    assert_valid(&overlay);
    let inv = s.inventory(&[
        row("A-1", &[("网点类型", "乡镇"), ("服务空间面积", "50")]),
        row(
            "A-2",
            &[("网点类型", "乡镇"), ("服务空间面积", "100平方米")],
        ),
        row("A-3", &[("网点类型", "社区"), ("服务空间面积", "50")]),
        row(
            "A-4",
            &[
                ("网点类型", "共建"),
                ("参照类型", "乡镇"),
                ("服务空间面积", "50"),
            ],
        ),
        row(
            "A-5",
            &[
                ("网点类型", "共建"),
                ("参照类型", "社区"),
                ("服务空间面积", "50"),
            ],
        ),
        row("A-6", &[("网点类型", "乡镇"), ("服务空间面积", "")]),
    ]);
    let (builtin, changed) = grades_both(&inv, &overlay);
    assert!(builtin.values().all(|g| g == "1"), "{builtin:?}");
    assert_eq!(
        changed["A-1"], "3",
        "a township with 50 m² stops at 3: {changed:?}"
    );
    assert_eq!(changed["A-2"], "1", "{changed:?}");
    assert_eq!(
        changed["A-3"], "1",
        "the rule is not for communities: {changed:?}"
    );
    assert_eq!(
        changed["A-4"], "3",
        "a partner that takes 乡镇 as reference: {changed:?}"
    );
    assert_eq!(
        changed["A-5"], "1",
        "a partner that takes 社区 as reference: {changed:?}"
    );
    assert_eq!(changed["A-6"], "3", "a blank area fails: {changed:?}");
    assert_eq!(outcome(&inv, &overlay, "A-1", "T-G2-AREA-TOWN"), "lacking");
    assert_eq!(
        outcome(&inv, &overlay, "A-3", "T-G2-AREA-TOWN"),
        "not_applicable"
    );
    assert_eq!(outcome(&inv, &overlay, "A-4", "T-G2-AREA-TOWN"), "lacking");
    assert_eq!(
        outcome(&inv, &overlay, "A-5", "T-G2-AREA-TOWN"),
        "not_applicable"
    );
    assert_eq!(outcome(&inv, &overlay, "A-6", "T-G2-AREA-TOWN"), "missing");
}

// ---- modify_types ----

#[test]
fn a_higher_minimum_for_a_type_changes_the_status() {
    let s = Scratch::new();
    let overlay = s.overlay(
        "o.yaml",
        "modify_types:\n  - key: community\n    minimum_grade: 3\n    article: 第二十八条\n",
    );
    assert_valid(&overlay);
    // Grade 4: no window.
    let inv = s.inventory(&[
        row(
            "M-1",
            &[("网点类型", "社区"), ("经办窗口数", "0"), ("申报级别", "")],
        ),
        row(
            "M-2",
            &[("网点类型", "村"), ("经办窗口数", "0"), ("申报级别", "")],
        ),
        row(
            "M-3",
            &[
                ("网点类型", "共建"),
                ("参照类型", "社区"),
                ("经办窗口数", "0"),
                ("申报级别", ""),
            ],
        ),
    ]);
    let builtin = grade(path_str(&inv), None);
    let changed = grade(path_str(&inv), Some(path_str(&overlay)));
    for id in ["M-1", "M-2", "M-3"] {
        assert_eq!(builtin[id].assessed, "4");
        assert_eq!(builtin[id].status, "meets", "{id}");
    }
    assert_eq!(changed["M-1"].status, "below_minimum", "{changed:?}");
    assert_eq!(
        changed["M-2"].status, "meets",
        "villages keep grade 4: {changed:?}"
    );
    assert_eq!(
        changed["M-3"].status, "below_minimum",
        "a partner takes its reference type's new minimum: {changed:?}"
    );
    let out = run(&[
        "grade",
        path_str(&inv),
        "--rules",
        path_str(&overlay),
        "--format",
        "csv",
        "--lang",
        "en",
    ]);
    assert_eq!(code(&out), 1, "an outlet below its minimum is a finding");
    let m1 = records(&stdout(&out))
        .into_iter()
        .find(|r| r["id"] == "M-1")
        .expect("M-1");
    assert_eq!(m1["minimum_grade"], "3");
}

// ---- add_fields ----

const HOURS: &str = "add_fields:
  - key: weekly_hours
    name: {zh: 每周开放时长, en: weekly opening hours}
    aliases: [每周开放小时数]
    kind: number
    unit: 小时
    units: {小时: 1, h: 1}
    description: {zh: 每周对外开放的小时数, en: hours a week the outlet is open}
add_rules:
  - id: T-G3-HOURS
    grade: 3
    kind: required
    article: 第二十八条
    title: {zh: 开放时长, en: opening hours}
    requirement: {zh: 每周开放不少于20小时, en: open at least 20 hours a week}
    explanation: {zh: 每周开放不少于20小时。, en: Open 20 hours a week.}
    check: {field: weekly_hours, at_least: 20}
";

#[test]
fn a_new_column_is_read_by_its_chinese_name() {
    let s = Scratch::new();
    let overlay = s.overlay("o.yaml", HOURS);
    assert_valid(&overlay);
    let inv = s.inventory(&[
        row("H-1", &[("每周开放时长", "25")]),
        row("H-2", &[("每周开放时长", "10小时")]),
        row("H-3", &[("每周开放时长", "")]),
        row("H-4", &[("每周开放时长", "20h")]),
    ]);
    let (builtin, changed) = grades_both(&inv, &overlay);
    assert!(
        builtin.values().all(|g| g == "1"),
        "an unknown column changes nothing: {builtin:?}"
    );
    assert_eq!(changed["H-1"], "1", "{changed:?}");
    assert_eq!(changed["H-2"], "4", "{changed:?}");
    assert_eq!(changed["H-3"], "4", "{changed:?}");
    assert_eq!(changed["H-4"], "1", "a unit of the field: {changed:?}");
    assert_eq!(outcome(&inv, &overlay, "H-2", "T-G3-HOURS"), "lacking");
    assert_eq!(outcome(&inv, &overlay, "H-3", "T-G3-HOURS"), "missing");
}

#[test]
fn a_new_column_is_read_by_its_alias_and_its_key() {
    let s = Scratch::new();
    let overlay = s.overlay("o.yaml", HOURS);
    let by_alias = s.write(
        "alias.csv",
        &csv(&[
            row("H-1", &[("每周开放小时数", "25")]),
            row("H-2", &[("每周开放小时数", "5")]),
        ]),
    );
    let changed = grade(path_str(&by_alias), Some(path_str(&overlay)));
    assert_eq!(changed["H-1"].assessed, "1", "{changed:?}");
    assert_eq!(changed["H-2"].assessed, "4", "{changed:?}");
    let by_key = s.write(
        "key.csv",
        &csv(&[
            row("H-1", &[("weekly_hours", "25")]),
            row("H-2", &[("weekly_hours", "5")]),
        ]),
    );
    let changed = grade(path_str(&by_key), Some(path_str(&overlay)));
    assert_eq!(changed["H-1"].assessed, "1", "{changed:?}");
    assert_eq!(changed["H-2"].assessed, "4", "{changed:?}");
}

#[test]
fn a_bad_cell_in_a_new_column_is_a_data_error_naming_it() {
    let s = Scratch::new();
    let overlay = s.overlay("o.yaml", HOURS);
    let inv = s.inventory(&[row("H-1", &[("每周开放时长", "很多")])]);
    let out = run(&[
        "grade",
        path_str(&inv),
        "--rules",
        path_str(&overlay),
        "--lang",
        "en",
        "--format",
        "csv",
    ]);
    assert_eq!(code(&out), 1, "a data error is a finding");
    let err = stderr(&out);
    assert!(
        err.contains("每周开放时长") && err.contains("很多"),
        "{err}"
    );
    assert!(err.contains("row 2"), "{err}");
}

// ---- add_entries, add_aliases, add_spellings ----

#[test]
fn new_vocabulary_entries_and_their_aliases_count() {
    let s = Scratch::new();
    let overlay = s.overlay(
        "o.yaml",
        "add_entries:
  equipment:
    - key: livestream
      name: {zh: 直播带岗设备, en: livestream kit}
      aliases: [直播带岗]
modify_rules:
  - id: G1-EQUIPMENT
    set: {includes_any: [livestream]}
",
    );
    assert_valid(&overlay);
    let inv = s.inventory(&[
        row("V-1", &[("专业设备", "直播带岗")]),
        row("V-2", &[("专业设备", "直播带岗设备")]),
        row("V-3", &[("专业设备", "AI面试模拟")]),
    ]);
    let (builtin, changed) = grades_both(&inv, &overlay);
    assert_eq!(builtin["V-1"], "2", "unknown equipment satisfies no rule");
    assert_eq!(changed["V-1"], "1", "{changed:?}");
    assert_eq!(changed["V-2"], "1", "{changed:?}");
    assert_eq!(
        changed["V-3"], "2",
        "AI面试模拟 is no longer on the list: {changed:?}"
    );
    // The new entry is known: no warning about an unknown item.
    let out = run(&[
        "grade",
        path_str(&inv),
        "--rules",
        path_str(&overlay),
        "--lang",
        "en",
    ]);
    assert!(!stderr(&out).contains("直播带岗"), "{}", stderr(&out));
}

#[test]
fn a_new_vocabulary_backs_a_new_enum_column() {
    let s = Scratch::new();
    let overlay = s.overlay(
        "o.yaml",
        "add_entries:
  opening_mode:
    - key: daily
      name: {zh: 每日开放, en: daily}
      aliases: [天天开]
    - key: weekly
      name: {zh: 每周开放, en: weekly}
add_fields:
  - key: opening_mode
    name: {zh: 开放方式, en: opening mode}
    kind: enum
    vocabulary: opening_mode
    description: {zh: 开放方式, en: how often it opens}
add_rules:
  - id: T-G3-DAILY
    grade: 3
    kind: required
    article: 第二十八条
    title: {zh: 每日开放, en: open daily}
    requirement: {zh: 每日开放, en: open every day}
    explanation: {zh: 每日开放。, en: Open every day.}
    check: {field: opening_mode, one_of: [daily]}
",
    );
    assert_valid(&overlay);
    let inv = s.inventory(&[
        row("N-1", &[("开放方式", "天天开")]),
        row("N-2", &[("开放方式", "每周开放")]),
        row("N-3", &[("开放方式", "偶尔")]),
    ]);
    let changed = grade(path_str(&inv), Some(path_str(&overlay)));
    assert_eq!(changed["N-1"].assessed, "1", "{changed:?}");
    assert_eq!(changed["N-2"].assessed, "4", "{changed:?}");
    assert_eq!(
        changed["N-3"].assessed, "4",
        "an unknown value counts as missing: {changed:?}"
    );
}

#[test]
fn new_aliases_for_fields_types_and_a_vocabulary_are_accepted() {
    let s = Scratch::new();
    let overlay = s.overlay(
        "o.yaml",
        "add_aliases:
  fields:
    county: [区县名称]
    windows: [窗口个数]
  types:
    village: [自然村]
  services:
    career_guidance: [职业咨询]
",
    );
    assert_valid(&overlay);
    let services = common::services_without("职业指导") + "、职业咨询";
    let rows: Vec<Row> = vec![row(
        "L-1",
        &[
            ("网点类型", "自然村"),
            ("服务项目", services.as_str()),
            ("区县名称", "示范县"),
        ],
    )]
    .into_iter()
    .map(|mut r| {
        // Rename the windows column to the new alias.
        for cell in &mut r {
            if cell.0 == "经办窗口数" {
                cell.0 = "窗口个数".into();
                cell.1 = "0".into();
            }
        }
        r
    })
    .collect();
    let inv = s.inventory(&rows);
    // Built-in: 自然村 is no type the built-in rulebook knows, so the row cannot be graded.
    let builtin = report("csv", &["grade", path_str(&inv)]);
    assert!(
        records(&stdout(&builtin)).is_empty(),
        "{}",
        stdout(&builtin)
    );
    let out = report(
        "csv",
        &["grade", path_str(&inv), "--rules", path_str(&overlay)],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let r = records(&stdout(&out));
    assert_eq!(r.len(), 1, "{}", stdout(&out));
    assert_eq!(r[0]["type"], "village");
    assert_eq!(r[0]["county"], "示范县", "区县名称 is read as 县");
    // 窗口个数 0 is read as the windows column: grade 4.
    assert_eq!(r[0]["assessed_grade"], "4", "{:?}", r[0]);
    assert!(
        !stderr(&out).contains("职业咨询"),
        "职业咨询 is known: {}",
        stderr(&out)
    );
    assert_eq!(outcome(&inv, &overlay, "L-1", "G2-SERVICES"), "passed");
}

#[test]
fn new_spellings_of_yes_no_and_list_separators_are_read() {
    let s = Scratch::new();
    let overlay = s.overlay(
        "o.yaml",
        "add_spellings:\n  yes: [已联网]\n  no: [未联网]\n  list_separators: [\"/\"]\n",
    );
    assert_valid(&overlay);
    let slashed = common::ALL_SERVICES.join("/");
    let inv = s.inventory(&[
        row(
            "Y-1",
            &[("业务系统接入", "已联网"), ("服务项目", slashed.as_str())],
        ),
        row("Y-2", &[("业务系统接入", "未联网")]),
    ]);
    let out = report(
        "csv",
        &["grade", path_str(&inv), "--rules", path_str(&overlay)],
    );
    assert!(
        !stderr(&out).contains("error"),
        "both spellings are known: {}",
        stderr(&out)
    );
    let changed = grade(path_str(&inv), Some(path_str(&overlay)));
    assert_eq!(changed["Y-1"].assessed, "1", "{changed:?}");
    assert_eq!(
        changed["Y-2"].assessed, "4",
        "未联网 reads as no: {changed:?}"
    );
    assert_eq!(outcome(&inv, &overlay, "Y-2", "G3-SYSTEM"), "lacking");
    // The built-in rulebook knows neither: a data error, and the cell counts as missing.
    let builtin = run(&["grade", path_str(&inv), "--format", "csv", "--lang", "en"]);
    assert_eq!(code(&builtin), 1);
    assert!(stderr(&builtin).contains("已联网"), "{}", stderr(&builtin));
}

// ---- modify_structure / add_structure ----

/// The structure checks of `outlet summary` on the county example, by check id.
fn structure(rules: Option<&Path>) -> BTreeMap<String, Json> {
    let mut args = vec!["summary", COUNTY_CSV];
    if let Some(r) = rules {
        args.extend(["--rules", path_str(r)]);
    }
    let out = report("json", &args);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let doc: Json = serde_json::from_slice(&out.stdout).expect("JSON");
    doc["structure"]
        .as_array()
        .expect("a structure section")
        .iter()
        .map(|c| {
            (
                c["check"].as_str().expect("a check id").to_string(),
                c.clone(),
            )
        })
        .collect()
}

#[test]
fn structure_checks_are_changed_disabled_and_added_by_id() {
    let s = Scratch::new();
    let overlay = s.overlay(
        "o.yaml",
        "modify_structure:
  - id: S-MODEL-G1
    count: {at_least: 6}
  - id: S-COMMUNITIES-G4
    disabled: true
add_structure:
  - id: T-VILLAGES-G3
    article: 第十二条
    title: {zh: 村网点达到三级, en: villages at grade 3}
    requirement: {zh: 三级及以上村网点过半, en: more than half the villages at grade 3 or better}
    types: [village]
    grades: [1, 2, 3]
    share: {more_than: 0.5}
",
    );
    assert_valid(&overlay);
    let before = structure(None);
    let after = structure(Some(&overlay));
    // The county has 5 grade-1 outlets (AN-001, 002, 013, 019, 047).
    assert_eq!(before["S-MODEL-G1"]["measured"], 5.0);
    assert_eq!(before["S-MODEL-G1"]["result"], "met");
    assert_eq!(after["S-MODEL-G1"]["measured"], 5.0);
    assert_eq!(
        after["S-MODEL-G1"]["result"], "not_met",
        "6 are asked for now"
    );
    assert!(before.contains_key("S-COMMUNITIES-G4"));
    assert!(!after.contains_key("S-COMMUNITIES-G4"), "{after:?}");
    assert!(!before.contains_key("T-VILLAGES-G3"));
    // Villages at grade 1-3: AN-023, 024, 030, 037, 042, 047, 049: 7 of 22.
    let added = &after["T-VILLAGES-G3"];
    let measured = added["measured"].as_f64().expect("a share");
    assert!((measured - 7.0 / 22.0).abs() < 1e-3, "{added}");
    assert_eq!(added["result"], "not_met");
    // The untouched check is as before.
    assert_eq!(after["S-TOWNSHIPS-G2"], before["S-TOWNSHIPS-G2"]);
}

// ---- chains and cycles ----

#[test]
fn a_city_overlay_extends_its_province_by_relative_path() {
    let s = Scratch::new();
    let province = std::fs::read_to_string(PROVINCE).expect("the example overlay");
    s.write("province/shifan.yaml", &province);
    let city = s.write(
        "city/anning.yaml",
        "schema: 1
extends: ../province/shifan.yaml
id: anning-city
version: \"2026.3\"
modify_rules:
  - id: G4-FRESH
    set: {within_days: 25}
",
    );
    assert_valid(&city);
    let out = report("json", &["grade", COUNTY_CSV, "--rules", path_str(&city)]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let doc: Json = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(
        doc["rulebook"],
        serde_json::json!({
            "id": "anning-city",
            "version": "2026.3",
            "extends": [
                {"id": "builtin", "version": "2025.04.17-1"},
                {"id": "shifan-province", "version": "2026.1"}
            ]
        })
    );
    let table = run(&[
        "grade",
        COUNTY_CSV,
        "--rules",
        path_str(&city),
        "--fail-on",
        "never",
    ]);
    let first = stdout(&table)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string();
    assert!(
        first.contains("anning-city 2026.3")
            && first.contains("builtin 2025.04.17-1")
            && first.contains("shifan-province 2026.1"),
        "the table names the chain: {first}"
    );
    // The province's changes hold under the city's: AN-047 has one kind of equipment (grade 2, as
    // under the province), and freshness is 25 days: AN-002 (2025-11-03, 27 days) is stale, AN-020
    // (2025-10-31) too, AN-017 (2025-11-02, 28 days) too, while AN-012 (2025-11-08) is fresh.
    let graded = grade(COUNTY_CSV, Some(path_str(&city)));
    assert_eq!(graded["AN-047"].assessed, "2");
    assert_eq!(graded["AN-002"].assessed, "");
    assert_eq!(graded["AN-017"].assessed, "");
    assert_eq!(
        graded["AN-012"].assessed, "2",
        "fresh within 25 days, as under the built-in rulebook"
    );
}

#[test]
fn a_chain_resolves_to_a_whole_rulebook_that_grades_the_same_and_works_from_any_folder() {
    let s = Scratch::new();
    let province = std::fs::read_to_string(PROVINCE).expect("the example overlay");
    s.write("province/shifan.yaml", &province);
    let city = s.write(
        "city/anning.yaml",
        "schema: 1\nextends: ../province/shifan.yaml\nid: anning-city\nversion: \"1\"\n\
         modify_rules:\n  - id: G3-SYSTEM\n    kind: advisory\n",
    );
    let resolved = resolved_of(&s, path_str(&city));
    assert_valid(&resolved);
    assert_eq!(county_csv(path_str(&resolved)), county_csv(path_str(&city)));
    // `extends` is relative to the overlay, not to the working folder.
    let county = root(COUNTY_CSV);
    let out = outlet_in(
        s.dir.path(),
        &[
            "grade",
            path_str(&county),
            "--rules",
            "city/anning.yaml",
            "--as-of",
            AS_OF,
            "--format",
            "csv",
            "--lang",
            "en",
            "--fail-on",
            "never",
        ],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(stdout(&out), county_csv(path_str(&city)));
}

#[test]
fn a_problem_in_a_base_overlay_names_the_base_file_and_line() {
    let s = Scratch::new();
    s.write(
        "province/p.yaml",
        "schema: 1
extends: builtin
id: p
version: \"1\"
add_rules:
  - id: P-G3-X
    grade: 3
    kind: advisory
    article: 第二十八条
    title: {zh: 开放时长}
    requirement: {zh: 开放, en: open}
    explanation: {zh: 开放。, en: Open.}
    check: {field: kiosk, at_least: 1}
",
    );
    let city = s.write(
        "city/c.yaml",
        "schema: 1\nextends: ../province/p.yaml\nid: c\nversion: \"1\"\n",
    );
    let out = check_rulebook(&city);
    assert_eq!(code(&out), 2);
    let text = stdout(&out);
    let line = text
        .lines()
        .find(|l| l.contains("P-G3-X"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        line.contains("p.yaml:6:"),
        "the base file and the rule's line: {line}"
    );
}

#[test]
fn a_rule_moved_to_another_grade_blocks_that_grade() {
    let s = Scratch::new();
    let overlay = s.overlay(
        "o.yaml",
        "modify_rules:\n  - id: G3-COMPUTER\n    grade: 2\n",
    );
    let inv = s.inventory(&[row("G-1", &[("电脑数", "0")])]);
    let (builtin, changed) = grades_both(&inv, &overlay);
    assert_eq!(builtin["G-1"], "4");
    assert_eq!(
        changed["G-1"], "3",
        "no computer now stops at grade 3: {changed:?}"
    );
    let list = records(&stdout(&outlet(&[
        "rules",
        "list",
        "--rules",
        path_str(&overlay),
        "--format",
        "csv",
        "--lang",
        "en",
    ])));
    let computer = list
        .iter()
        .find(|r| r["id"] == "G3-COMPUTER")
        .expect("listed");
    assert_eq!(computer["grade"], "2");
}

#[test]
fn a_rule_limited_to_some_types_no_longer_applies_to_the_others() {
    let s = Scratch::new();
    let overlay = s.overlay(
        "o.yaml",
        "modify_rules:\n  - id: G1-STAFF\n    applies_to: [township, subdistrict]\n",
    );
    let inv = s.inventory(&[
        row("T-1", &[("网点类型", "乡镇"), ("专职人员数", "0")]),
        row("T-2", &[("网点类型", "社区"), ("专职人员数", "0")]),
        row(
            "T-3",
            &[
                ("网点类型", "共建"),
                ("参照类型", "街道"),
                ("专职人员数", "0"),
            ],
        ),
    ]);
    let (builtin, changed) = grades_both(&inv, &overlay);
    assert!(builtin.values().all(|g| g == "2"), "{builtin:?}");
    assert_eq!(changed["T-1"], "2", "{changed:?}");
    assert_eq!(changed["T-2"], "1", "{changed:?}");
    assert_eq!(
        changed["T-3"], "2",
        "a partner taking 街道 as reference: {changed:?}"
    );
    assert_eq!(outcome(&inv, &overlay, "T-2", "G1-STAFF"), "not_applicable");
}

#[test]
fn a_rulebook_without_extends_chain_names_no_base() {
    let out = report("json", &["grade", COUNTY_CSV]);
    let doc: Json = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(doc["rulebook"]["id"], "builtin");
    assert_eq!(doc["rulebook"]["extends"], serde_json::json!([]));
    let out = report("json", &["grade", COUNTY_CSV, "--rules", PROVINCE]);
    let doc: Json = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(
        doc["rulebook"],
        serde_json::json!({
            "id": "shifan-province",
            "version": "2026.1",
            "extends": [{"id": "builtin", "version": "2025.04.17-1"}]
        })
    );
}

// ---- rules show --resolved ----

fn resolved_of(s: &Scratch, rules: &str) -> PathBuf {
    let out = outlet(&["rules", "show", "--resolved", "--rules", rules]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    s.write("resolved.yaml", &stdout(&out))
}

/// The grade CSV of the county example with a rulebook.
fn county_csv(rules: &str) -> String {
    let out = report("csv", &["grade", COUNTY_CSV, "--rules", rules]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    stdout(&out)
}

#[test]
fn the_resolved_example_overlay_loads_again_and_grades_the_same() {
    let s = Scratch::new();
    let resolved = resolved_of(&s, PROVINCE);
    assert_valid(&resolved);
    let text = std::fs::read_to_string(&resolved).expect("resolved");
    assert!(!text.contains("extends"), "a whole rulebook: {text}");
    assert_eq!(county_csv(path_str(&resolved)), county_csv(PROVINCE));
    for cmd in ["gaps", "summary"] {
        let run = |rules: &str| stdout(&report("csv", &[cmd, COUNTY_CSV, "--rules", rules]));
        assert_eq!(run(path_str(&resolved)), run(PROVINCE), "{cmd}");
    }
    let list = |rules: &str| {
        stdout(&outlet(&[
            "rules", "list", "--rules", rules, "--format", "csv",
        ]))
    };
    assert_eq!(list(path_str(&resolved)), list(PROVINCE));
}

#[test]
fn the_resolved_form_of_an_overlay_using_every_operation_loads_again_and_grades_the_same() {
    let s = Scratch::new();
    let overlay = s.overlay(
        "o.yaml",
        &format!(
            "{HOURS}add_spellings:\n  yes: [已联网]\nadd_aliases:\n  types:\n    village: [自然村]\n\
             modify_types:\n  - key: community\n    minimum_grade: 3\n\
             modify_rules:\n  - id: G3-SYSTEM\n    disabled: true\n  - id: G4-KIOSK\n    kind: required\n\
             modify_structure:\n  - id: S-MODEL-G1\n    count: {{at_least: 6}}\n"
        ),
    );
    assert_valid(&overlay);
    let resolved = resolved_of(&s, path_str(&overlay));
    assert_valid(&resolved);
    assert_eq!(
        county_csv(path_str(&resolved)),
        county_csv(path_str(&overlay))
    );
    let summary = |rules: &str| {
        stdout(&report(
            "markdown",
            &["summary", COUNTY_CSV, "--rules", rules],
        ))
    };
    let (a, b) = (summary(path_str(&resolved)), summary(path_str(&overlay)));
    // Only the rulebook line differs (a whole rulebook extends nothing).
    let body = |t: &str| t.lines().skip(1).map(str::to_string).collect::<Vec<_>>();
    assert_eq!(body(&a), body(&b));
}

// ---- the worked example of examples/README.md ----

#[test]
fn the_example_overlay_changes_exactly_the_outlets_examples_readme_lists() {
    let builtin = grade(COUNTY_CSV, None);
    let province = grade(COUNTY_CSV, Some(PROVINCE));
    assert_eq!(builtin.len(), 50);
    assert_eq!(province.len(), 50);
    let stale = [
        "AN-002", "AN-007", "AN-012", "AN-014", "AN-017", "AN-020", "AN-024", "AN-027", "AN-034",
        "AN-037", "AN-043", "AN-044", "AN-046",
    ];
    let mut changed = Vec::new();
    for (id, before) in &builtin {
        let after = &province[id];
        if before != after {
            changed.push(id.as_str());
        }
        if stale.contains(&id.as_str()) {
            assert!(
                ["1", "2", "3", "4"].contains(&before.assessed.as_str()),
                "{id} reaches a grade under the built-in rulebook: {before:?}"
            );
            assert_eq!(
                after,
                &Graded {
                    assessed: String::new(),
                    status: "below_minimum".into()
                },
                "{id} is stale under 20 days"
            );
        }
    }
    let mut expected: Vec<&str> = stale.to_vec();
    expected.extend(["AN-013", "AN-047"]);
    expected.sort_unstable();
    assert_eq!(changed, expected, "exactly 15 outlets change");
    assert_eq!(builtin["AN-013"].assessed, "1");
    assert_eq!(
        province["AN-013"],
        Graded {
            assessed: "3".into(),
            status: "overclaimed".into()
        }
    );
    assert_eq!(builtin["AN-047"].assessed, "1");
    assert_eq!(
        province["AN-047"],
        Graded {
            assessed: "2".into(),
            status: "meets".into()
        }
    );
}

#[test]
fn the_example_overlay_explains_an_013_as_examples_readme_shows() {
    let out = run(&[
        "explain", COUNTY_CSV, "AN-013", "--rules", PROVINCE, "--format", "csv",
    ]);
    let text = stdout(&out);
    assert!(
        text.contains("SF-G2-AREA-VILLAGE,二级,必备,未填报,服务空间面积(村社区),服务空间面积不少于50平方米,服务空间面积=(空),第十九条"),
        "{text}"
    );
    assert!(
        text.contains("G1-EQUIPMENT,一级,必备,不满足,专业设备,至少2种专业设备,\"专业设备=AI面试模拟(已有1种,需至少2种)\",第二十二条"),
        "{text}"
    );
    // The township rule does not apply to a community.
    let line = text
        .lines()
        .find(|l| l.contains("SF-G2-AREA-TOWN,"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(line.contains("不适用"), "{line}");
}

#[test]
fn the_example_overlay_checks_as_rules_readme_shows() {
    let out = outlet(&["rules", "check", PROVINCE, "--lang", "en"]);
    assert_eq!(code(&out), 0);
    assert_eq!(
        stdout(&out),
        "examples/province-overlay.yaml: rulebook shifan-province 2026.1 is valid: 24 rules, 29 fields\n"
    );
}
