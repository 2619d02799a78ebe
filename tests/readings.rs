//! Readings of the guideline corrected in the built-in rulebook (issue 15), each test quoting the
//! article it follows: 第十条's two grade-2 services 推荐岗位信息、培训信息; the guideline's own
//! spellings “一对一”就业援助 and 乡镇(街道); 第十六条's 业务经办信息系统所需的配套设备; every
//! interpretation listed as one by `rules coverage`; and words that follow numbers — every rule
//! text a template over its rule's parameters, rendered with the values in force.

#![allow(
    clippy::expect_used,
    reason = "a test fails loudly when its fixture is broken"
)]

mod common;

use common::files::{Scratch, path_str};
use common::run::{code, ok, outlet, report, report_in, stderr, stdout};
use common::table::records;
use common::{
    assess_row, book, list_of, only_problem, outcome, read_rows, services_without, type_index, with,
};
use outlet::eval::Outcome;
use outlet::problem::{ProblemKind, Severity};
use outlet::rulebook::Rulebook;
use outlet::rulebook::raw::RawText;
use outlet::rulebook::template::{self, Parameter};
use outlet::text::Lang;

// ---- 第十条: "推荐岗位信息、培训信息" are two grade-2 services ----

/// 第十条: 二级服务 "提供职业指导,推荐岗位信息、培训信息,进行需求匹配,组织培训报名,实施就业援助等".
#[test]
fn grade_two_asks_for_training_information_as_well_as_jobs() {
    let g2 = &book().rules[common::rule("G2-SERVICES")];
    assert!(g2.quote.contains("推荐岗位信息、培训信息"), "{}", g2.quote);
    assert!(
        g2.requirement.zh.contains("培训信息推荐"),
        "{:?}",
        g2.requirement
    );

    // Without it, an outlet that has everything else stops at grade 3, lacking that service.
    let (outlet, a, problems) =
        assess_row(with(&[("服务项目", &services_without("培训信息推荐"))]));
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(a.assessed, Some(3));
    assert_eq!(outcome(&a, "G2-SERVICES"), Outcome::Lacking);
    let observed = outlet::report::describe::observed(book(), g2, &outlet, Lang::Zh);
    assert_eq!(observed, "服务项目缺少: 培训信息推荐");
}

#[test]
fn training_information_recommendation_is_read_under_each_of_its_names() {
    for name in [
        "培训信息推荐",
        "推荐培训信息",
        "培训推荐",
        "training_info_recommendation",
    ] {
        let read = read_rows(&[with(&[("服务项目", name)])]);
        assert!(read.problems.is_empty(), "{name}: {:?}", read.problems);
        assert_eq!(
            read.only().values[common::field("services")],
            list_of("services", &["training_info_recommendation"]),
            "{name}"
        );
    }
    // The guideline's phrase split at its 、: 推荐岗位信息 is one service; 培训信息 alone is no
    // name of the other (names match whole), and only a warning.
    let read = read_rows(&[with(&[("服务项目", "推荐岗位信息、推荐培训信息")])]);
    assert!(read.problems.is_empty(), "{:?}", read.problems);
    assert_eq!(
        read.only().values[common::field("services")],
        list_of(
            "services",
            &["job_recommendation", "training_info_recommendation"]
        )
    );
}

// ---- 第十条: “一对一”就业援助, the guideline's own spelling ----

/// 第十条: 一级服务 "开展“一对一”就业援助或创业扶持".
#[test]
fn quote_marks_in_a_list_item_are_ignored() {
    let g1 = &book().rules[common::rule("G1-SERVICES")];
    assert!(
        g1.quote.contains("“一对一”就业援助或创业扶持"),
        "{}",
        g1.quote
    );
    for spelled in [
        "“一对一”就业援助",
        "“一对一”就业援助或创业扶持",
        "\"一对一\"创业扶持",
        "‘一对一’就业援助",
        "'一对一'就业援助",
        "「一对一」就业援助",
        "“一对一服务”",
    ] {
        let read = read_rows(&[with(&[("服务项目", spelled)])]);
        assert!(read.problems.is_empty(), "{spelled}: {:?}", read.problems);
        assert_eq!(
            read.only().values[common::field("services")],
            list_of("services", &["one_on_one"]),
            "{spelled}"
        );
    }
    // In a whole list, the outlet reaches grade 1 with the guideline's spelling.
    let services = services_without("一对一服务") + "、“一对一”就业援助或创业扶持";
    let (_, a, problems) = assess_row(with(&[("服务项目", &services)]));
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(a.assessed, Some(1));
    // Quotes do not make an unknown name known.
    let read = read_rows(&[with(&[("服务项目", "“一对二”就业援助")])]);
    assert_eq!(only_problem(&read.problems).severity, Severity::Warning);
}

// ---- 第九条 and 第十五条: 乡镇(街道) ----

/// 第九条: 共建网点 "可参照乡镇(街道)、社区服务网点的有关要求"; 第十五条: "所有乡镇(街道)服务网点
/// 至少可提供三级服务". Written as the guideline writes it, the reference means 乡镇.
#[test]
fn a_partner_may_name_its_reference_as_the_guideline_writes_it() {
    for spelled in ["乡镇(街道)", "乡镇（街道）", " 乡镇(街道) "] {
        let read = read_rows(&[with(&[("网点类型", "共建"), ("参照类型", spelled)])]);
        assert!(read.problems.is_empty(), "{spelled}: {:?}", read.problems);
        let o = read.only();
        assert_eq!(o.grading_type, type_index("township"), "{spelled}");
        let a = common::assess(o);
        assert_eq!(a.minimum, 3, "{spelled}: the minimum of 乡镇, not 社区's 4");
    }
}

/// 第九条 names 乡镇(街道) as one class; as an outlet's own type it does not say which, so it is a
/// data error whose hint asks for 乡镇 or 街道 — never a silent 社区 or 乡镇.
#[test]
fn an_outlet_type_written_as_the_guideline_writes_it_is_an_error_with_a_hint() {
    for spelled in ["乡镇(街道)", "乡镇（街道）"] {
        let read = read_rows(&[with(&[("网点类型", spelled)])]);
        assert!(read.outlets.is_empty(), "{spelled}: not graded");
        let p = only_problem(&read.problems);
        assert_eq!(p.severity, Severity::Error);
        assert_eq!(p.column.as_deref(), Some("网点类型"));
        assert_eq!(p.value.as_deref(), Some(spelled));
        assert!(matches!(p.kind, ProblemKind::Refused { .. }), "{p:?}");
        for lang in [Lang::Zh, Lang::En] {
            let help = p.help(lang).expect("a hint");
            assert!(help.contains("乡镇") && help.contains("街道"), "{help}");
        }
    }
    // On the command line: exit 1 (a data error), the hint in Chinese by default.
    let scratch = Scratch::new();
    let inventory = scratch.inventory(&[with(&[("网点类型", "乡镇（街道）")])]);
    let out = common::run::run(&["grade", path_str(&inventory)]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("请写明“乡镇”或“街道”"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn reference_aliases_and_refusals_are_rulebook_data() {
    // An overlay-free rulebook without them refuses 乡镇(街道) as a reference, as before.
    let text = outlet::rulebook::BUILTIN_YAML.replace(
        "      aliases: {township: [乡镇(街道), 乡镇（街道）]}\n",
        "",
    );
    let plain = Rulebook::from_yaml(&text, "plain.yaml").expect("loads");
    assert_eq!(plain.find_type("乡镇(街道)"), None);
    assert_eq!(book().find_type("乡镇(街道)"), Some(type_index("township")));
    assert_eq!(book().find_outlet_type("乡镇(街道)"), None);
    // A reference alias for a type a partner may not take is a problem; so is `refuse` elsewhere.
    let bad = outlet::rulebook::BUILTIN_YAML
        .replace(
            "aliases: {township: [乡镇(街道), 乡镇（街道）]}",
            "aliases: {village: [村委会]}",
        )
        .replace(
            "    kind: date\n    description: {zh: 最近一次更新发布信息的日期",
            "    kind: date\n    refuse: [{spellings: [x], hint: {zh: x, en: x}}]\n    description: {zh: 最近一次更新发布信息的日期",
        );
    let problems = Rulebook::from_yaml(&bad, "bad.yaml")
        .expect_err("refused")
        .problems;
    let messages: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
    assert!(
        messages.iter().any(|m| m.contains("`village`")),
        "{messages:?}"
    );
    assert!(
        messages.iter().any(|m| m.contains("`refuse` goes only")),
        "{messages:?}"
    );
}

// ---- 第十六条: G3-SYSTEM ----

/// 第十六条: "配备所需的电脑,以及业务经办信息系统所需的配套设备".
#[test]
fn the_system_rule_quotes_the_article_and_says_how_the_column_stands_for_it() {
    let r = &book().rules[common::rule("G3-SYSTEM")];
    assert_eq!(r.article, "第十六条");
    assert!(
        r.quote.contains("业务经办信息系统所需的配套设备"),
        "{}",
        r.quote
    );
    assert!(
        r.requirement.zh.contains("业务经办信息系统所需的配套设备"),
        "{:?}",
        r.requirement
    );
    assert!(
        r.requirement
            .en
            .contains("the equipment the business information system needs"),
        "{:?}",
        r.requirement
    );
    let i = r.interpretation.as_ref().expect("an interpretation");
    assert!(
        i.zh.contains("业务系统接入") || i.zh.contains("接入业务系统"),
        "{i:?}"
    );
    assert!(i.en.contains("业务系统接入"), "{i:?}");
    let explained = ok(&[
        "rules",
        "explain",
        "G3-SYSTEM",
        "--format",
        "csv",
        "--lang",
        "en",
    ]);
    assert!(explained.contains("observable form"), "{explained}");
}

// ---- interpretations, and rules coverage ----

/// 第二十二条 (G1-SPACE: "功能更加完善的家门口就业服务站等载体,或…独立就业创业服务空间"), 第九条 (the
/// default reference), 第十八条 (大部分), 第十二条 (个别) and 第二十一条 (示范带动): each reading is
/// an interpretation, and says so.
#[test]
fn every_interpretation_is_labelled_and_listed_by_coverage() {
    let b = book();
    let g1 = &b.rules[common::rule("G1-SPACE")];
    assert!(g1.interpretation.is_some(), "G1-SPACE");
    let partner = &b.types[type_index("partner")];
    let reference = partner.reference.as_ref().expect("a reference");
    assert_eq!(reference.default, type_index("community"));
    assert!(
        reference
            .interpretation
            .as_ref()
            .is_some_and(|t| t.zh.contains("社区")),
        "the default 社区 is an interpretation"
    );
    for s in &b.structure {
        let i = s.interpretation.as_ref().expect("every threshold");
        assert!(!i.zh.is_empty() && !i.en.is_empty(), "{}", s.id);
    }

    let out = ok(&["rules", "coverage", "--format", "json", "--lang", "en"]);
    let doc: serde_json::Value = serde_json::from_str(&out).expect("json");
    let listed: Vec<String> = doc["interpretations"]
        .as_array()
        .expect("an interpretations section")
        .iter()
        .map(|r| r["rule"].as_str().unwrap_or_default().to_string())
        .collect();
    for id in [
        "G1-SPACE",
        "G3-SYSTEM",
        "type:partner",
        "structure:S-TOWNSHIPS-G2",
        "structure:S-COMMUNITIES-G4",
        "structure:S-MODEL-G1",
    ] {
        assert!(listed.iter().any(|l| l == id), "{id} in {listed:?}");
    }

    let rows = records(&ok(&[
        "rules", "coverage", "--format", "csv", "--lang", "en",
    ]));
    let status = |article: &str| {
        rows.iter()
            .find(|r| r["article"] == article)
            .map(|r| (r["status"].clone(), r["interpretations"].clone()))
            .unwrap_or_else(|| panic!("{article}"))
    };
    assert_eq!(
        status("第九条"),
        ("encoded_interpreted".into(), "type:partner".into())
    );
    let (s, i) = status("第二十二条");
    assert_eq!(s, "partly_interpreted");
    assert!(i.contains("G1-SPACE"), "{i}");
    let (s, i) = status("第十八条");
    assert_eq!(s, "partly_interpreted");
    assert_eq!(i, "structure:S-TOWNSHIPS-G2");
    assert_eq!(status("第十五条").0, "encoded", "no interpretation there");
    // In Chinese, and in words a reader sees.
    let zh = ok(&["rules", "coverage", "--format", "markdown"]);
    assert!(zh.contains("已编码(含解释)"), "{zh}");
    assert!(zh.contains("部分编码(含解释)"), "{zh}");
}

// ---- words follow numbers ----

/// The texts of a raw rule a report shows (not the quote: the guideline's own words).
fn texts(t: [&Option<RawText>; 4]) -> Vec<String> {
    t.into_iter()
        .flatten()
        .flat_map(|t| [t.zh.clone(), t.en.clone()])
        .flatten()
        .collect()
}

/// The numbers written as digits in a text, outside placeholders, outside quotations of the
/// guideline (“…” or "…": "2—3名") and outside grade names (grade-1, G3).
fn literal_numbers(text: &str) -> Vec<f64> {
    let mut bare = String::new();
    let mut depth = 0;
    let mut quoted = false;
    for c in text.chars() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            '“' | '”' | '"' => quoted = !quoted || c == '“',
            _ if depth > 0 => {}
            _ if quoted => {}
            _ => bare.push(c),
        }
        if c == '”' {
            quoted = false;
        }
    }
    let mut out = Vec::new();
    let chars: Vec<char> = bare.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            let before: String = chars[..start].iter().collect();
            let grade_name =
                before.ends_with("grade-") || before.ends_with("grade ") || before.ends_with('G');
            let digits: String = chars[start..i].iter().collect();
            if let (false, Ok(n)) = (grade_name, digits.trim_end_matches('.').parse::<f64>()) {
                out.push(n);
            }
        } else {
            i += 1;
        }
    }
    out
}

#[test]
fn the_literal_number_finder_sees_what_a_reader_sees() {
    assert_eq!(literal_numbers("至少1台电脑"), vec![1.0]);
    assert_eq!(literal_numbers("至少{at_least}台电脑"), Vec::<f64>::new());
    assert_eq!(
        literal_numbers("须“有2—3名专职工作人员”,即至少{at_least}名"),
        Vec::<f64>::new()
    );
    assert_eq!(literal_numbers("A grade-1 outlet: 2.5 万元"), vec![2.5]);
}

/// "Words follow numbers": no built-in text writes a number that is one of its rule's parameters
/// as a literal, which an overlay's `set:` would leave behind.
#[test]
fn no_built_in_text_writes_a_parameter_as_a_literal_number() {
    let raw = &book().raw;
    let mut found = Vec::new();
    let mut templated = 0;
    for r in &raw.rules {
        let params: Vec<Parameter> = r
            .check
            .as_ref()
            .map(template::parameters)
            .unwrap_or_default();
        for text in texts([&r.title, &r.requirement, &r.explanation, &r.interpretation]) {
            for n in literal_numbers(&text) {
                if params.iter().any(|p| (p.value - n).abs() < 1e-9) {
                    found.push(format!("{}: {n} in `{text}`", r.id));
                }
            }
        }
        // Every parameter is named by some text of its rule.
        for p in &params {
            let all = texts([&r.title, &r.requirement, &r.explanation, &r.interpretation]);
            assert!(
                all.iter().any(|t| template::uses(t, p)),
                "{}: no text names {{{}}}",
                r.id,
                p.name
            );
            templated += 1;
        }
    }
    for s in &raw.structure {
        let (share, value) = match (&s.share, &s.count) {
            (Some(t), _) => (true, t),
            (None, Some(t)) => (false, t),
            (None, None) => continue,
        };
        let v = [
            value.at_least,
            value.more_than,
            value.at_most,
            value.less_than,
        ]
        .into_iter()
        .flatten()
        .next()
        .expect("a threshold");
        let p = template::structure_parameter(share, v);
        for text in texts([&s.title, &s.requirement, &s.interpretation, &None]) {
            for n in literal_numbers(&text) {
                if (n - v).abs() < 1e-9 || (share && (n - v * 100.0).abs() < 1e-9) {
                    found.push(format!("{}: {n} in `{text}`", s.id));
                }
            }
        }
        let all = texts([&s.requirement, &s.interpretation, &None, &None]);
        assert!(all.iter().any(|t| template::uses(t, &p)), "{}", s.id);
        templated += 1;
    }
    assert!(found.is_empty(), "literal numbers: {found:#?}");
    assert!(templated >= 12, "the check saw the rules' parameters");
    // And rendered: the effective texts hold the numbers.
    let fresh = &book().rules[common::rule("G4-FRESH")];
    assert_eq!(fresh.requirement.zh, "信息更新日期在评定日前30天以内");
}

/// An overlay of 示范省-like thresholds: within_days 15, at_least 2 windows, funds above 1,
/// two kinds of equipment.
const SET_OVERLAY: &str = "modify_rules:
  - id: G4-FRESH
    set: {within_days: 15}
  - id: G3-WINDOW
    set: {at_least: 2}
  - id: G2-FUNDS
    set: {more_than: 1}
  - id: G1-EQUIPMENT
    set: {count: 2}
";

#[test]
fn an_overlay_that_sets_a_threshold_changes_the_words_in_every_report() {
    let scratch = Scratch::new();
    let rules = scratch.overlay("set.yaml", SET_OVERLAY);
    let rules = path_str(&rules);
    // An outlet that fails each changed rule: updated 20 days before, one window, funds 0.5,
    // one kind of equipment.
    let inventory = scratch.inventory(&[with(&[
        ("信息更新日期", "2025-11-10"),
        ("经办窗口数", "1"),
        ("年度工作经费", "0.5"),
    ])]);
    let inventory = path_str(&inventory);
    let gaps = stdout(&report_in(
        "zh",
        "csv",
        &["gaps", inventory, "--target", "1", "--rules", rules],
    ));
    let explain = stdout(&report_in(
        "zh",
        "csv",
        &["explain", inventory, "B-001", "--rules", rules],
    ));
    for text in [&gaps, &explain] {
        for words in [
            "信息更新日期在评定日前15天以内",
            "至少2个综合性或专门经办服务窗口",
            "年度工作经费大于1万元",
            "至少2种专业设备",
        ] {
            assert!(text.contains(words), "{words} in {text}");
        }
        for old in ["30天", "至少1个综合", "至少1种"] {
            assert!(!text.contains(old), "{old} in {text}");
        }
    }
    // G2-DOORSTEP keeps its own "大于0万元"; G2-FUNDS says 1.
    let funds = records(&explain)
        .into_iter()
        .find(|r| r["规则"] == "G2-FUNDS")
        .expect("G2-FUNDS explained");
    assert_eq!(funds["要求"], "年度工作经费大于1万元");
    let english = stdout(&report(
        "csv",
        &["gaps", inventory, "--target", "1", "--rules", rules],
    ));
    assert!(
        english.contains("information updated within 15 days"),
        "{english}"
    );
    for (id, words) in [
        ("G4-FRESH", "评定日前15天"),
        ("G3-WINDOW", "至少2个"),
        ("G2-FUNDS", "大于1万元"),
        ("G1-EQUIPMENT", "至少2种"),
    ] {
        let explained = ok(&["rules", "explain", id, "--rules", rules, "--format", "csv"]);
        assert!(explained.contains(words), "{id}: {explained}");
        assert!(!explained.contains("30天"), "{id}: {explained}");
    }
}

/// `rules check` refuses an overlay whose `set:` changes a number that no text of its rule
/// names: its reports would contradict it.
#[test]
fn rules_check_refuses_a_set_that_no_text_names() {
    let scratch = Scratch::new();
    let overlay = scratch.overlay(
        "mute.yaml",
        "modify_rules:
  - id: G3-COMPUTER
    set: {at_least: 2}
    requirement: {zh: 至少1台电脑, en: at least 1 computer}
    explanation: {zh: 三级网点须配备电脑。, en: A grade-3 outlet needs computers.}
",
    );
    let out = outlet(&["rules", "check", path_str(&overlay), "--lang", "en"]);
    assert_eq!(code(&out), 2, "{}", stdout(&out));
    let text = stdout(&out);
    assert!(text.contains("G3-COMPUTER"), "{text}");
    assert!(text.contains("`set` changes `at_least`"), "{text}");
    assert!(text.contains("{at_least}"), "{text}");
    // With the placeholder in its new requirement, the same overlay is valid.
    let fixed = scratch.overlay(
        "fixed.yaml",
        "modify_rules:
  - id: G3-COMPUTER
    set: {at_least: 2}
    requirement: {zh: \"至少{at_least}台电脑\", en: \"computers: at least {at_least}\"}
    explanation: {zh: 三级网点须配备电脑。, en: A grade-3 outlet needs computers.}
",
    );
    let out = outlet(&["rules", "check", path_str(&fixed)]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
}

/// A placeholder that names no parameter of its rule (or is ambiguous, or unbalanced) is refused
/// with the rule's parameters as the hint.
#[test]
fn rules_check_refuses_a_placeholder_that_names_no_parameter() {
    let scratch = Scratch::new();
    let overlay = scratch.overlay(
        "typo.yaml",
        "modify_rules:
  - id: G3-COMPUTER
    requirement: {zh: \"至少{at_lest}台电脑\", en: \"computers: at least {at_least\"}
  - id: G2-DOORSTEP
    check:
      all:
        - {field: doorstep_station, is: true}
        - {field: computers, at_least: 2}
        - {sum: [full_time_staff, part_time_staff], at_least: 2}
  - id: G4-CHANNEL
    requirement: {zh: \"至少{count}种渠道\", en: channels}
",
    );
    let out = outlet(&["rules", "check", path_str(&overlay), "--lang", "en"]);
    assert_eq!(code(&out), 2, "{}", stdout(&out));
    let text = stdout(&out);
    assert!(
        text.contains("uses `{at_lest}`, which names no parameter"),
        "{text}"
    );
    assert!(text.contains("its parameters: at_least"), "{text}");
    assert!(text.contains("opens or closes no placeholder"), "{text}");
    // G2-DOORSTEP's texts say {at_least}, which its new check tests twice.
    assert!(text.contains("more than one test has"), "{text}");
    assert!(text.contains("computers.at_least"), "{text}");
    assert!(text.contains("it has no parameters"), "{text}");
}

/// A province's own structure threshold changes the words of `summary` too.
#[test]
fn a_structure_threshold_set_by_an_overlay_changes_its_words() {
    let scratch = Scratch::new();
    let overlay = scratch.overlay(
        "structure.yaml",
        "modify_structure:
  - id: S-TOWNSHIPS-G2
    share: {more_than: 0.6}
",
    );
    let text = Rulebook::load(&overlay).expect("loads");
    let check = text
        .structure
        .iter()
        .find(|c| c.id == "S-TOWNSHIPS-G2")
        .expect("the check");
    assert!(
        check.requirement.zh.contains("超过60%"),
        "{:?}",
        check.requirement
    );
    assert!(
        check
            .interpretation
            .as_ref()
            .is_some_and(|i| i.en.contains("60%")),
        "{:?}",
        check.interpretation
    );
    let builtin = book()
        .structure
        .iter()
        .find(|c| c.id == "S-COMMUNITIES-G4")
        .expect("the check");
    assert!(
        builtin.requirement.zh.contains("10%"),
        "{:?}",
        builtin.requirement
    );
}
