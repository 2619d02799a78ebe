//! Reading cells as DOMAIN.md spells them: every yes/no, list separator, date, count, amount and
//! grade spelling; every alias of every vocabulary; names matched whole; headers by Chinese name or
//! English key; YAML's native values. Then bad cells: each is a data problem at its row, column and
//! value, counts as missing, and leaves the other outlets graded.

#![allow(
    clippy::expect_used,
    reason = "a test fails loudly when its fixture is broken"
)]

mod common;

use common::*;
use jiff::civil::date;
use outlet::eval::Outcome;
use outlet::inventory::Value;
use outlet::problem::{Problem, ProblemKind, Severity};

/// Reads the baseline with some cells changed; returns the outlet's value of `key`.
fn value_of(key: &str, changes: &[(&str, &str)]) -> (Value, Vec<Problem>) {
    let read = read_rows(&[with(changes)]);
    let v = read.only().value(field(key)).clone();
    (v, read.problems)
}

/// Asserts that a cell reads cleanly as `expected`.
fn reads_as(header: &str, key: &str, cell: &str, expected: Value) {
    let (v, problems) = value_of(key, &[(header, cell)]);
    assert!(problems.is_empty(), "{header} `{cell}`: {problems:?}");
    assert_eq!(v, expected, "{header} `{cell}`");
}

// ---- yes / no ----

#[test]
fn every_yes_spelling_is_yes() {
    for s in [
        "是", "有", "√", "✓", "Y", "yes", "true", "1", "y", "YES", "True",
    ] {
        reads_as("业务系统接入", "business_system", s, Value::Bool(true));
    }
}

#[test]
fn every_no_spelling_is_no() {
    for s in ["否", "无", "×", "N", "no", "false", "0", "n", "NO", "False"] {
        reads_as("业务系统接入", "business_system", s, Value::Bool(false));
    }
}

#[test]
fn yes_no_spellings_decide_the_rule() {
    let (_, a, _) = assess_row(with(&[("党建引领", "√")]));
    assert_eq!(outcome(&a, "G2-PARTY"), Outcome::Passed);
    let (_, a, _) = assess_row(with(&[("党建引领", "×")]));
    assert_eq!(outcome(&a, "G2-PARTY"), Outcome::Lacking);
}

#[test]
fn white_space_around_a_cell_is_ignored() {
    reads_as(
        "业务系统接入",
        "business_system",
        "  是 ",
        Value::Bool(true),
    );
    reads_as(
        "业务系统接入",
        "business_system",
        "\u{3000}否\u{3000}",
        Value::Bool(false),
    );
}

// ---- lists ----

#[test]
fn every_list_separator_splits_services() {
    let expected = list_of(
        "services",
        &["info_query", "info_publicity", "subsidy_application"],
    );
    for sep in [";", "；", "、", ",", "，", "|"] {
        let cell = ["就业信息查询", "信息宣传", "补贴申领"].join(sep);
        reads_as("服务项目", "services", &cell, expected.clone());
    }
    // Spaces around items, a trailing separator and a repeat change nothing.
    reads_as(
        "服务项目",
        "services",
        " 就业信息查询 ; 信息宣传；补贴申领、信息宣传、",
        expected,
    );
}

#[test]
fn every_list_separator_splits_equipment() {
    let expected = list_of("equipment", &["ai_interview", "entrepreneurship_sandbox"]);
    for sep in [";", "；", "、", ",", "，", "|"] {
        reads_as(
            "专业设备",
            "equipment",
            &format!("AI面试模拟{sep}创业沙盘"),
            expected.clone(),
        );
    }
}

#[test]
fn services_with_each_separator_reach_grade_one() {
    for sep in [";", "；", "、", ",", "，", "|"] {
        let (_, a, problems) = assess_row(with(&[("服务项目", &ALL_SERVICES.join(sep))]));
        assert!(problems.is_empty(), "`{sep}`: {problems:?}");
        assert_eq!(a.assessed, Some(1), "`{sep}`");
    }
}

// ---- dates ----

#[test]
fn every_date_spelling_is_read() {
    let d = Value::Date(date(2025, 11, 20));
    for s in ["2025-11-20", "2025/11/20", "2025.11.20", "2025年11月20日"] {
        reads_as("信息更新日期", "info_updated", s, d.clone());
    }
    let d = Value::Date(date(2025, 4, 7));
    for s in ["2025-04-07", "2025/4/7", "2025.4.7", "2025年4月7日"] {
        reads_as("信息更新日期", "info_updated", s, d.clone());
    }
}

#[test]
fn a_date_spelling_decides_freshness_like_the_iso_spelling() {
    for (s, fresh) in [
        ("2025年10月31日", Outcome::Passed),
        ("2025/10/30", Outcome::Lacking),
        ("2025.10.31", Outcome::Passed),
    ] {
        let (_, a, _) = assess_row(with(&[("信息更新日期", s)]));
        assert_eq!(outcome(&a, "G4-FRESH"), fresh, "{s}");
    }
}

// ---- counts and amounts ----

#[test]
fn counts_may_carry_their_unit() {
    reads_as("专职人员数", "full_time_staff", "3人", Value::Number(3.0));
    reads_as("兼职人员数", "part_time_staff", "2名", Value::Number(2.0));
    reads_as("电脑数", "computers", "4台", Value::Number(4.0));
    reads_as("电脑数", "computers", "4个", Value::Number(4.0));
    reads_as("自助查询机", "kiosk", "2台", Value::Number(2.0));
    reads_as("经办窗口数", "windows", "2个", Value::Number(2.0));
    reads_as("经办窗口数", "windows", "1,200", Value::Number(1200.0));
}

#[test]
fn counts_with_units_decide_rules_like_bare_numbers() {
    let (_, a, problems) = assess_row(with(&[
        ("专职人员数", "2名"),
        ("兼职人员数", "0人"),
        ("电脑数", "1台"),
        ("经办窗口数", "1个"),
        ("自助查询机", "1台"),
    ]));
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(a.assessed, Some(1));
    let (_, a, _) = assess_row(with(&[("专职人员数", "1名")]));
    assert_eq!(outcome(&a, "G1-STAFF"), Outcome::Lacking);
}

fn funds(cell: &str) -> f64 {
    match value_of("funds", &[("年度工作经费", cell)]) {
        (Value::Number(n), problems) if problems.is_empty() => n,
        other => panic!("年度工作经费 `{cell}` read as {other:?}"),
    }
}

#[test]
fn amounts_convert_to_ten_thousand_yuan() {
    for (cell, expected) in [
        ("5.5万元", 5.5),
        ("5000元", 0.5),
        ("12,000元", 1.2),
        ("8000元", 0.8),
        ("3", 3.0),
        ("0.5", 0.5),
        ("10万", 10.0),
    ] {
        let n = funds(cell);
        assert!(
            (n - expected).abs() < 1e-9,
            "`{cell}` read as {n}, not {expected}"
        );
    }
}

#[test]
fn a_small_amount_in_yuan_still_counts_as_funds() {
    let (_, a, _) = assess_row(with(&[("年度工作经费", "5000元")]));
    assert_eq!(outcome(&a, "G2-FUNDS"), Outcome::Passed);
    let (_, a, _) = assess_row(with(&[("年度工作经费", "0元")]));
    assert_eq!(outcome(&a, "G2-FUNDS"), Outcome::Lacking);
}

// ---- grades ----

#[test]
fn every_grade_spelling_is_read() {
    for (cells, g) in [
        (["一级", "1", "1级"], 1u8),
        (["二级", "2", "2级"], 2),
        (["三级", "3", "3级"], 3),
        (["四级", "4", "4级"], 4),
    ] {
        for cell in cells {
            let read = read_rows(&[with(&[("申报级别", cell)])]);
            assert!(read.problems.is_empty(), "`{cell}`: {:?}", read.problems);
            assert_eq!(read.only().claimed, Some(g), "`{cell}`");
        }
    }
}

// ---- vocabularies: every name and alias of DOMAIN.md ----

/// DOMAIN.md's service table: key, canonical name, aliases.
const SERVICES: [(&str, &[&str]); 17] = [
    ("info_query", &["就业信息查询", "信息查询"]),
    ("info_publicity", &["信息宣传", "政策宣传", "信息发布"]),
    (
        "employment_registration",
        &["就失业登记", "就业登记", "失业登记", "就业失业登记"],
    ),
    ("jobseeker_registration", &["求职登记", "求职招聘登记"]),
    ("subsidy_application", &["补贴申领", "补贴申请", "政策申领"]),
    ("labour_survey", &["劳动力资源摸排", "劳动力摸排"]),
    (
        "key_group_survey",
        &["重点群体摸排", "重点就业群体信息摸排"],
    ),
    ("hardship_certification", &["就业困难人员认定"]),
    ("career_guidance", &["职业指导"]),
    (
        "job_recommendation",
        &["岗位推荐", "推荐岗位信息", "推荐岗位"],
    ),
    (
        "training_info_recommendation",
        &["培训信息推荐", "推荐培训信息", "培训推荐"],
    ),
    ("matching", &["供需匹配", "需求匹配", "人岗匹配"]),
    ("training_enrollment", &["培训报名", "组织培训报名"]),
    ("employment_assistance", &["就业援助"]),
    (
        "one_on_one",
        &[
            "一对一服务",
            "一对一就业援助",
            "一对一创业扶持",
            "一对一就业援助或创业扶持",
        ],
    ),
    ("career_planning", &["职业生涯规划", "生涯规划"]),
    (
        "job_description_guidance",
        &["岗位说明书指导", "指导用人单位制订岗位说明书"],
    ),
];

const EQUIPMENT: [(&str, &[&str]); 4] = [
    (
        "ai_interview",
        &["AI面试模拟", "AI面试模拟设备", "人工智能面试模拟设备"],
    ),
    (
        "vocational_assessment",
        &["职业能力测评", "职业能力测评设备"],
    ),
    (
        "entrepreneurship_assessment",
        &["创业能力测评", "创业能力测评设备"],
    ),
    ("entrepreneurship_sandbox", &["创业沙盘", "创业沙盘设备"]),
];

#[test]
fn every_service_name_and_alias_names_its_service_alone() {
    for (key, names) in SERVICES {
        for name in names {
            reads_as("服务项目", "services", name, list_of("services", &[key]));
        }
    }
}

#[test]
fn every_equipment_name_and_alias_names_its_kind_alone() {
    for (key, names) in EQUIPMENT {
        for name in names {
            reads_as("专业设备", "equipment", name, list_of("equipment", &[key]));
        }
    }
}

#[test]
fn aliases_alone_reach_grade_one() {
    // Every service by its last alias, every rule still passes (as AN-002 of the example).
    let services: Vec<&str> = SERVICES
        .iter()
        .filter(|(k, _)| *k != "hardship_certification")
        .map(|(_, names)| names[names.len() - 1])
        .collect();
    let (_, a, problems) = assess_row(with(&[
        ("服务项目", &services.join("；")),
        ("专业设备", "人工智能面试模拟设备"),
    ]));
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(a.assessed, Some(1));
}

#[test]
fn every_type_name_and_alias_names_its_type() {
    for (key, names) in [
        ("township", &["乡镇"][..]),
        ("subdistrict", &["街道"]),
        ("village", &["村", "行政村"]),
        ("community", &["社区", "居委会", "社区居委会"]),
        (
            "partner",
            &["共建", "合作共建", "高校", "工业园区", "园区", "金融机构"],
        ),
    ] {
        for name in names {
            let read = read_rows(&[with(&[("网点类型", name), ("参照类型", "社区")])]);
            assert!(read.problems.is_empty(), "{name}: {:?}", read.problems);
            assert_eq!(read.only().type_, type_index(key), "{name}");
        }
    }
}

#[test]
fn every_service_space_name_and_alias_is_read() {
    for (key, names) in [
        ("none", &["无"][..]),
        ("shared", &["共享", "共建共享"]),
        ("independent", &["独立", "专用"]),
    ] {
        for name in names {
            reads_as(
                "服务空间",
                "service_space",
                name,
                Value::Item(entry("service_space", key)),
            );
        }
    }
}

#[test]
fn every_management_system_name_and_alias_is_read() {
    for (key, names) in [
        ("none", &["无"][..]),
        ("some", &["有", "部分"]),
        ("complete", &["完整", "健全"]),
    ] {
        for name in names {
            reads_as(
                "服务事项及管理制度",
                "management_system",
                name,
                Value::Item(entry("management_system", key)),
            );
        }
    }
}

#[test]
fn enum_aliases_decide_the_rules() {
    // 共建共享 is shared: grade 2 space, not grade 1 space (doorstep station 否).
    let (_, a, _) = assess_row(with(&[
        ("服务空间", "共建共享"),
        ("家门口就业服务站", "否"),
    ]));
    assert_eq!(outcome(&a, "G2-SPACE"), Outcome::Passed);
    assert_eq!(outcome(&a, "G1-SPACE"), Outcome::Lacking);
    // 专用 is independent.
    let (_, a, _) = assess_row(with(&[("服务空间", "专用"), ("家门口就业服务站", "否")]));
    assert_eq!(outcome(&a, "G1-SPACE"), Outcome::Passed);
    // 部分 is some: grade 2 rules, not grade 1; 健全 is complete.
    let (_, a, _) = assess_row(with(&[("服务事项及管理制度", "部分")]));
    assert_eq!(outcome(&a, "G2-RULES"), Outcome::Passed);
    assert_eq!(outcome(&a, "G1-RULES"), Outcome::Lacking);
    let (_, a, _) = assess_row(with(&[("服务事项及管理制度", "健全")]));
    assert_eq!(outcome(&a, "G1-RULES"), Outcome::Passed);
}

// ---- names are matched whole, never as substrings ----

#[test]
fn one_on_one_assistance_is_not_employment_assistance() {
    reads_as(
        "服务项目",
        "services",
        "一对一就业援助",
        list_of("services", &["one_on_one"]),
    );
    let services = services_without("就业援助").replace("一对一服务", "一对一就业援助");
    let (_, a, problems) = assess_row(with(&[("服务项目", &services)]));
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(outcome(&a, "G2-SERVICES"), Outcome::Lacking);
    assert_eq!(outcome(&a, "G1-SERVICES"), Outcome::Passed);
}

#[test]
fn a_name_inside_a_longer_unknown_name_counts_for_nothing() {
    for cell in ["就业援助站", "信息宣传栏", "职业指导服务", "创业"] {
        let (v, problems) = value_of("services", &[("服务项目", cell)]);
        assert_eq!(v, Value::List(Vec::new()), "`{cell}`");
        let p = only_problem(&problems);
        assert_eq!(p.severity, Severity::Warning, "`{cell}`");
    }
    let (v, _) = value_of("equipment", &[("专业设备", "沙盘")]);
    assert_eq!(v, Value::List(Vec::new()));
}

#[test]
fn a_type_inside_a_longer_word_is_no_type() {
    for cell in ["农村", "社区服务站", "乡镇街道"] {
        let read = read_rows(&[with(&[("网点类型", cell)])]);
        assert!(read.outlets.is_empty(), "`{cell}` was read as a type");
        let p = only_problem(&read.problems);
        assert_eq!(p.severity, Severity::Error);
        assert_at(p, 2, "网点类型", cell);
    }
}

// ---- headers ----

#[test]
fn headers_match_by_english_key_trimmed_and_in_any_case() {
    let text = "  ID ,Name,TYPE, Info_Board ,online_channel,info_updated,services\n\
                E-1,英文表头,village,yes,no,2025-11-20,就业信息查询、信息宣传\n";
    let read = read_csv(text);
    // Only the columns this short file lacks are problems (at the header row), no cell is.
    assert!(
        read.problems
            .iter()
            .all(|p| matches!(p.kind, ProblemKind::AbsentColumn { .. }) && p.row == Some(1)),
        "{:?}",
        read.problems
    );
    let o = read.only();
    assert_eq!(o.id, "E-1");
    assert_eq!(o.type_, type_index("village"));
    assert_eq!(o.value(field("info_board")), &Value::Bool(true));
    let a = assess(o);
    assert_eq!(outcome(&a, "G4-CHANNEL"), Outcome::Passed);
    assert_eq!(a.assessed, Some(4));
}

#[test]
fn the_county_header_may_be_written_with_its_brackets() {
    let row = with(&[("县(市、区)", "安宁县")]);
    let read = read_rows(&[row]);
    assert!(read.problems.is_empty(), "{:?}", read.problems);
    assert_eq!(
        read.only().value(field("county")),
        &Value::Text("安宁县".into())
    );
}

#[test]
fn unknown_columns_are_kept_and_passed_through() {
    let read = read_rows(&[with(&[("备注", "省级示范"), ("联系人", "张三")])]);
    assert!(read.problems.is_empty(), "{:?}", read.problems);
    assert_eq!(
        read.only().extras,
        vec!["省级示范".to_string(), "张三".into()]
    );
}

// ---- YAML ----

const YAML_NATIVE: &str = r#"
outlets:
  - id: Y-1
    name: 原生取值网点
    type: 乡镇
    claimed_grade: 1
    info_board: true
    online_channel: false
    info_updated: 2025-11-20
    kiosk: 1
    windows: 2
    full_time_staff: 2
    part_time_staff: 0
    computers: 3
    business_system: true
    service_space: 独立
    doorstep_station: false
    party_building: true
    funds: 0.5
    dedicated_funds: true
    management_system: 完整
    equipment: [AI面试模拟, 创业沙盘]
    services: [就业信息查询, 信息宣传, 就失业登记, 求职登记, 补贴申领, 劳动力资源摸排, 重点群体摸排, 职业指导, 岗位推荐, 培训信息推荐, 供需匹配, 培训报名, 就业援助, 一对一服务, 职业生涯规划, 岗位说明书指导]
"#;

#[test]
fn yaml_native_values_read_like_csv_cells() {
    let read = read_yaml(YAML_NATIVE);
    assert!(read.problems.is_empty(), "{:?}", read.problems);
    let o = read.only();
    assert_eq!(o.claimed, Some(1));
    assert_eq!(o.value(field("info_board")), &Value::Bool(true));
    assert_eq!(o.value(field("online_channel")), &Value::Bool(false));
    assert_eq!(
        o.value(field("info_updated")),
        &Value::Date(date(2025, 11, 20))
    );
    assert_eq!(o.value(field("funds")), &Value::Number(0.5));
    assert_eq!(
        o.value(field("equipment")),
        &list_of("equipment", &["ai_interview", "entrepreneurship_sandbox"])
    );
    let a = assess(o);
    assert_eq!(a.assessed, Some(1));
}

#[test]
fn yaml_may_be_a_bare_list_with_chinese_keys_and_csv_spellings() {
    let text = "- 网点编号: Y-2\n  网点名称: 中文键网点\n  网点类型: 社区\n  信息发布栏: 是\n  \
                信息更新日期: 2025年11月20日\n  经办窗口数: 2个\n  年度工作经费: 5000元\n  \
                服务项目: 信息查询、政策宣传\n";
    let read = read_yaml(text);
    assert!(read.problems.is_empty(), "{:?}", read.problems);
    let o = read.only();
    assert_eq!(o.type_, type_index("community"));
    assert_eq!(o.value(field("windows")), &Value::Number(2.0));
    let a = assess(o);
    assert_eq!(outcome(&a, "G4-SERVICES"), Outcome::Passed);
    assert_eq!(outcome(&a, "G2-FUNDS"), Outcome::Passed);
    assert_eq!(a.assessed, Some(4));
}

#[test]
fn yaml_bad_cells_are_reported_by_item() {
    let text = "- {id: Y-1, name: a, type: 村, windows: 若干}\n- {id: Y-2, name: b, type: 村, info_updated: \"45981\"}\n";
    let read = read_yaml(text);
    assert_eq!(read.outlets.len(), 2);
    assert_eq!(read.errors().len(), 2, "{:?}", read.problems);
    assert_at(read.errors()[0], 1, "windows", "若干");
    assert_at(read.errors()[1], 2, "info_updated", "45981");
}

// ---- bad cells ----

/// Three outlets; the middle one (CSV line 3) has `changes`.
fn middle_bad(changes: &[(&str, &str)]) -> Read {
    read_rows(&[
        with(&[("网点编号", "B-1")]),
        with(&[&[("网点编号", "B-2")][..], changes].concat()),
        with(&[("网点编号", "B-3")]),
    ])
}

/// The bad cell is one error at line 3, the middle outlet is graded with the cell as missing, and
/// the outlets around it are untouched.
fn assert_one_bad_cell(header: &str, key: &str, cell: &str) -> outlet::eval::Assessment {
    let read = middle_bad(&[(header, cell)]);
    let p = only_problem(&read.problems);
    assert_eq!(p.severity, Severity::Error, "{p:?}");
    assert_at(p, 3, header, cell);
    let bad = read.outlet("B-2");
    assert_eq!(
        bad.value(field(key)),
        &Value::Missing,
        "`{cell}` is no guess"
    );
    assert!(bad.errors > 0);
    for id in ["B-1", "B-3"] {
        assert_eq!(assess(read.outlet(id)).assessed, Some(1), "{id}");
    }
    assess(bad)
}

#[test]
fn a_count_in_words_is_a_data_problem_and_counts_as_missing() {
    let a = assert_one_bad_cell("经办窗口数", "windows", "若干");
    assert_eq!(outcome(&a, "G3-WINDOW"), Outcome::Missing);
    assert_eq!(a.assessed, Some(4));
}

#[test]
fn a_code_in_scientific_notation_is_a_data_problem() {
    let read = middle_bad(&[("行政区划代码", "1.10101E+11")]);
    let p = only_problem(&read.problems);
    assert!(
        matches!(p.kind, ProblemKind::ScientificCode { .. }),
        "{p:?}"
    );
    let a = assert_one_bad_cell("行政区划代码", "division_code", "1.10101E+11");
    assert_eq!(a.assessed, Some(1), "the code plays no part in the grade");
}

#[test]
fn a_code_keeps_its_leading_zero() {
    // A 镇 (township digits 100) of province 01: the code fits the baseline's type 乡镇.
    let (v, problems) = value_of("division_code", &[("行政区划代码", "011010100000")]);
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(v, Value::Text("011010100000".into()));
}

#[test]
fn a_bare_number_in_a_date_column_is_a_data_problem_not_a_date() {
    let read = middle_bad(&[("信息更新日期", "45981")]);
    let p = only_problem(&read.problems);
    assert!(matches!(p.kind, ProblemKind::BareNumberDate), "{p:?}");
    let a = assert_one_bad_cell("信息更新日期", "info_updated", "45981");
    assert_eq!(outcome(&a, "G4-FRESH"), Outcome::Missing);
    assert_eq!(a.assessed, None);
}

#[test]
fn an_unknown_enum_value_is_a_data_problem_and_counts_as_missing() {
    let read = read_rows(&[
        with(&[("网点编号", "B-1")]),
        with(&[
            ("网点编号", "B-2"),
            ("服务空间", "临时"),
            ("家门口就业服务站", "否"),
        ]),
    ]);
    let p = only_problem(&read.problems);
    assert_eq!(p.severity, Severity::Error);
    assert!(matches!(p.kind, ProblemKind::UnknownValue { .. }), "{p:?}");
    assert_at(p, 3, "服务空间", "临时");
    let a = assess(read.outlet("B-2"));
    assert_eq!(outcome(&a, "G2-SPACE"), Outcome::Missing);
    assert_eq!(a.assessed, Some(3));
    assert_eq!(assess(read.outlet("B-1")).assessed, Some(1));
}

#[test]
fn other_unreadable_cells_count_as_missing() {
    for (header, key, cell, rule) in [
        ("业务系统接入", "business_system", "可能", "G3-SYSTEM"),
        ("年度工作经费", "funds", "三万", "G2-FUNDS"),
        ("信息更新日期", "info_updated", "上个月", "G4-FRESH"),
        (
            "服务事项及管理制度",
            "management_system",
            "在建",
            "G2-RULES",
        ),
        ("专职人员数", "full_time_staff", "2.5", "G1-STAFF"),
    ] {
        let a = assert_one_bad_cell(header, key, cell);
        assert_eq!(outcome(&a, rule), Outcome::Missing, "{header} `{cell}`");
    }
}

#[test]
fn an_unreadable_claim_is_a_data_problem_and_claims_nothing() {
    let read = middle_bad(&[("申报级别", "五级")]);
    let p = only_problem(&read.problems);
    assert_at(p, 3, "申报级别", "五级");
    assert_eq!(read.outlet("B-2").claimed, None);
}

#[test]
fn an_unknown_type_is_a_data_problem_and_the_other_outlets_are_graded() {
    let read = middle_bad(&[("网点类型", "学校")]);
    let p = only_problem(&read.problems);
    assert_eq!(p.severity, Severity::Error);
    assert_at(p, 3, "网点类型", "学校");
    let ids: Vec<&str> = read.outlets.iter().map(|o| o.id.as_str()).collect();
    assert_eq!(ids, ["B-1", "B-3"]);
}

#[test]
fn an_unknown_service_is_only_a_warning_and_the_rest_of_the_list_counts() {
    let services = format!("{}、直播带岗", all_services());
    let read = middle_bad(&[("服务项目", &services)]);
    let p = only_problem(&read.problems);
    assert_eq!(p.severity, Severity::Warning);
    assert!(matches!(p.kind, ProblemKind::UnknownItem { .. }), "{p:?}");
    assert_at(p, 3, "服务项目", "直播带岗");
    let bad = read.outlet("B-2");
    assert_eq!(bad.errors, 0);
    assert_eq!(assess(bad).assessed, Some(1));
}

#[test]
fn an_unknown_equipment_name_is_only_a_warning() {
    let read = middle_bad(&[("专业设备", "VR实训设备")]);
    let p = only_problem(&read.problems);
    assert_eq!(p.severity, Severity::Warning);
    assert_at(p, 3, "专业设备", "VR实训设备");
    assert_eq!(
        outcome(&assess(read.outlet("B-2")), "G1-EQUIPMENT"),
        Outcome::Lacking
    );
}

#[test]
fn a_repeated_id_is_a_data_problem_and_only_the_first_is_graded() {
    let read = read_rows(&[
        with(&[("网点编号", "B-1"), ("网点名称", "第一")]),
        with(&[("网点编号", "B-2")]),
        with(&[("网点编号", "B-1"), ("网点名称", "第二")]),
    ]);
    let p = only_problem(&read.problems);
    assert_eq!(p.severity, Severity::Error);
    assert!(
        matches!(p.kind, ProblemKind::DuplicateId { first_row: 2 }),
        "{p:?}"
    );
    assert_at(p, 4, "网点编号", "B-1");
    assert_eq!(read.outlets.len(), 2);
    assert_eq!(read.outlet("B-1").name, "第一");
}

#[test]
fn a_blank_id_or_type_leaves_the_row_ungraded_with_a_problem() {
    for (header, value) in [("网点编号", ""), ("网点类型", "")] {
        let read = read_rows(&[
            with(&[("网点编号", "B-1")]),
            with(&[("网点编号", "B-2"), (header, value)]),
        ]);
        assert_eq!(read.outlets.len(), 1, "{header}");
        let p = only_problem(&read.problems);
        assert_eq!(p.severity, Severity::Error);
        assert_eq!(p.row, Some(3));
        assert_eq!(p.column.as_deref(), Some(header));
    }
}

#[test]
fn every_problem_is_reported_in_one_pass() {
    let read = read_rows(&[
        with(&[("网点编号", "B-1"), ("经办窗口数", "若干")]),
        with(&[("网点编号", "B-2"), ("行政区划代码", "1.10101E+11")]),
        with(&[("网点编号", "B-3"), ("信息更新日期", "45981")]),
    ]);
    assert_eq!(read.outlets.len(), 3);
    let errors = read.errors();
    assert_eq!(errors.len(), 3, "{:?}", read.problems);
    assert_at(errors[0], 2, "经办窗口数", "若干");
    assert_at(errors[1], 3, "行政区划代码", "1.10101E+11");
    assert_at(errors[2], 4, "信息更新日期", "45981");
}

#[test]
fn several_bad_cells_in_one_row_are_each_reported() {
    let read = read_rows(&[with(&[
        ("经办窗口数", "若干"),
        ("党建引领", "可能"),
        ("服务空间", "临时"),
    ])]);
    let o = read.only();
    assert_eq!(o.errors, 3);
    let columns: Vec<&str> = read
        .errors()
        .iter()
        .filter_map(|p| p.column.as_deref())
        .collect();
    assert_eq!(columns, ["经办窗口数", "服务空间", "党建引领"]);
}

// ---- rows as Excel saves them ----

#[test]
fn rows_are_numbered_by_line_with_lf_endings() {
    let text = csv(&[
        with(&[("网点编号", "B-1")]),
        with(&[("网点编号", "B-2"), ("经办窗口数", "若干")]),
    ]);
    let read = read_csv(&text);
    assert_eq!(read.outlet("B-1").row, 2);
    assert_eq!(read.outlet("B-2").row, 3);
    assert_eq!(only_problem(&read.problems).row, Some(3));
}

#[test]
fn rows_are_numbered_by_line_with_crlf_endings() {
    let text = csv(&[
        with(&[("网点编号", "B-1")]),
        with(&[("网点编号", "B-2"), ("经办窗口数", "若干")]),
    ])
    .replace('\n', "\r\n");
    let read = read_csv(&text);
    assert_eq!(read.outlet("B-1").row, 2);
    assert_eq!(read.outlet("B-2").row, 3);
    assert_eq!(only_problem(&read.problems).row, Some(3));
}

#[test]
fn a_line_break_inside_a_cell_does_not_shift_the_rows_after_it() {
    let text = csv(&[
        with(&[("网点编号", "B-1"), ("备注", "第一行\n第二行")]),
        with(&[("网点编号", "B-2"), ("经办窗口数", "若干"), ("备注", "")]),
    ]);
    let read = read_csv(&text);
    assert_eq!(read.outlet("B-1").row, 2);
    // The second outlet is the spreadsheet's row 3, as README.md says rows are numbered.
    assert_eq!(read.outlet("B-2").row, 3);
    assert_eq!(only_problem(&read.problems).row, Some(3));
}

#[test]
fn crlf_line_endings_do_not_change_the_grades() {
    let rows = [
        with(&[("网点编号", "B-1")]),
        with(&[("网点编号", "B-2"), ("经办窗口数", "0")]),
    ];
    let read = read_csv(&csv(&rows).replace('\n', "\r\n"));
    assert!(read.problems.is_empty(), "{:?}", read.problems);
    assert_eq!(assess(read.outlet("B-1")).assessed, Some(1));
    assert_eq!(assess(read.outlet("B-2")).assessed, Some(4));
}

#[test]
fn a_gbk_file_reads_like_its_utf8_text() {
    let text = csv(&[with(&[("服务项目", &services_without("就业援助"))])]);
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(&text);
    assert!(!unmappable);
    let read = read_bytes(gbk.into_owned(), outlet::inventory::InputFormat::Csv);
    assert!(read.problems.is_empty(), "{:?}", read.problems);
    let o = read.only();
    assert_eq!(o.name, "基线乡镇就业服务站");
    assert_eq!(assess(o).assessed, Some(3));
}

#[test]
fn a_utf8_bom_does_not_hide_the_first_header() {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(csv(&[baseline()]).into_bytes());
    let read = read_bytes(bytes, outlet::inventory::InputFormat::Csv);
    assert!(read.problems.is_empty(), "{:?}", read.problems);
    assert_eq!(read.only().id, "B-001");
}

#[test]
fn yaml_outlets_may_mix_english_keys_and_chinese_headers() {
    let read = read_yaml(
        "- id: Y1\n  name: 一村\n  type: 村\n  windows: 1\n\
         - 网点编号: Y2\n  网点名称: 二村\n  网点类型: 社区\n  经办窗口数: 若干\n",
    );
    assert_eq!(read.outlets.len(), 2, "{:?}", read.problems);
    assert_eq!(
        read.outlet("Y1").value(field("windows")),
        &Value::Number(1.0)
    );
    assert_eq!(read.outlet("Y2").type_, type_index("community"));
    // The bad cell of the second outlet is reported under the column's first spelling.
    assert_at(only_problem(&read.problems), 2, "windows", "若干");
}

#[test]
fn a_reference_type_that_is_no_reference_type_names_the_allowed_ones() {
    for value in ["村", "村委会"] {
        let read = read_rows(&[with(&[("网点类型", "共建"), ("参照类型", value)])]);
        let p = only_problem(&read.problems);
        assert_eq!(p.severity, outlet::problem::Severity::Error);
        assert_at(p, 2, "参照类型", value);
        let allowed = p.help(outlet::text::Lang::Zh).unwrap_or_default();
        assert!(
            allowed.contains("乡镇、街道、社区") && !allowed.contains('村'),
            "{allowed}"
        );
        assert_eq!(read.outlets[0].grading_type, type_index("community"));
    }
}
