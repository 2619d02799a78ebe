//! Every rule of the built-in rulebook against DOMAIN.md: for each, a row that passes, a row that
//! fails because the outlet lacks the thing (不满足) and a row that fails because the inventory does
//! not say (未填报), each built from the grade-1 baseline by changing the cells the rule reads.
//! Then how rules combine into a grade: freshness, cumulative grades, advisory rules, minimum grades
//! per type, and the status of an outlet against its minimum and its claim.

#![allow(
    clippy::expect_used,
    reason = "a test fails loudly when its fixture is broken"
)]

mod common;

use common::*;
use outlet::eval::{Outcome, Status, rank};
use outlet::problem::{ProblemKind, Severity};
use outlet::rulebook::RuleKind;

/// The cells to change for one rule: to pass it, to lack it, to leave it unsaid.
struct Case {
    rule: &'static str,
    pass: Vec<(&'static str, String)>,
    lacking: Vec<(&'static str, String)>,
    missing: Vec<(&'static str, String)>,
}

fn c(pairs: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    pairs.iter().map(|(h, v)| (*h, v.to_string())).collect()
}

fn case(
    rule: &'static str,
    pass: &[(&'static str, &str)],
    lacking: &[(&'static str, &str)],
    missing: &[(&'static str, &str)],
) -> Case {
    Case {
        rule,
        pass: c(pass),
        lacking: c(lacking),
        missing: c(missing),
    }
}

/// A services case: pass with every service, lack `name`, leave the cell blank.
fn services_case(rule: &'static str, name: &str) -> Case {
    Case {
        rule,
        pass: vec![("服务项目", all_services())],
        lacking: vec![("服务项目", services_without(name))],
        missing: vec![("服务项目", String::new())],
    }
}

/// One case per rule. The passing rows sit on the rule's threshold where it has one.
fn cases() -> Vec<Case> {
    vec![
        // 第十三条: a board or another channel.
        case(
            "G4-CHANNEL",
            &[("信息发布栏", "否"), ("线上发布渠道", "是")],
            &[("信息发布栏", "否"), ("线上发布渠道", "否")],
            &[("信息发布栏", ""), ("线上发布渠道", "")],
        ),
        // 30 days inclusive before 2025-11-30: 2025-10-31 is the last fresh day.
        case(
            "G4-FRESH",
            &[("信息更新日期", "2025-10-31")],
            &[("信息更新日期", "2025-10-30")],
            &[("信息更新日期", "")],
        ),
        services_case("G4-SERVICES", "信息宣传"),
        case(
            "G4-KIOSK",
            &[("自助查询机", "1")],
            &[("自助查询机", "0")],
            &[("自助查询机", "")],
        ),
        case(
            "G3-WINDOW",
            &[("经办窗口数", "1")],
            &[("经办窗口数", "0")],
            &[("经办窗口数", "")],
        ),
        // Full-time plus part-time, at least 1.
        case(
            "G3-STAFF",
            &[("专职人员数", "0"), ("兼职人员数", "1")],
            &[("专职人员数", "0"), ("兼职人员数", "0")],
            &[("专职人员数", ""), ("兼职人员数", "")],
        ),
        case(
            "G3-COMPUTER",
            &[("电脑数", "1")],
            &[("电脑数", "0")],
            &[("电脑数", "")],
        ),
        case(
            "G3-SYSTEM",
            &[("业务系统接入", "是")],
            &[("业务系统接入", "否")],
            &[("业务系统接入", "")],
        ),
        services_case("G3-SERVICES", "补贴申领"),
        // A shared or independent space, or a doorstep station.
        case(
            "G2-SPACE",
            &[("服务空间", "共享"), ("家门口就业服务站", "否")],
            &[("服务空间", "无"), ("家门口就业服务站", "否")],
            &[("服务空间", ""), ("家门口就业服务站", "")],
        ),
        case(
            "G2-PARTY",
            &[("党建引领", "是")],
            &[("党建引领", "否")],
            &[("党建引领", "")],
        ),
        // Annual funds above 0.
        case(
            "G2-FUNDS",
            &[("年度工作经费", "0.1")],
            &[("年度工作经费", "0")],
            &[("年度工作经费", "")],
        ),
        // 有 is enough at grade 2.
        case(
            "G2-RULES",
            &[("服务事项及管理制度", "有")],
            &[("服务事项及管理制度", "无")],
            &[("服务事项及管理制度", "")],
        ),
        services_case("G2-SERVICES", "就业援助"),
        // Advisory: a doorstep station with at least 2 staff and funds above 0.
        case(
            "G2-DOORSTEP",
            &[
                ("家门口就业服务站", "是"),
                ("专职人员数", "1"),
                ("兼职人员数", "1"),
                ("年度工作经费", "0.1"),
            ],
            &[("家门口就业服务站", "否")],
            &[("家门口就业服务站", "")],
        ),
        // An independent space, or a doorstep station.
        case(
            "G1-SPACE",
            &[("服务空间", "无"), ("家门口就业服务站", "是")],
            &[("服务空间", "共享"), ("家门口就业服务站", "否")],
            &[("服务空间", ""), ("家门口就业服务站", "")],
        ),
        // At least 2 full-time; part-time staff do not count.
        case(
            "G1-STAFF",
            &[("专职人员数", "2"), ("兼职人员数", "0")],
            &[("专职人员数", "1"), ("兼职人员数", "3")],
            &[("专职人员数", "")],
        ),
        // At least 1 of the 4 kinds; another device is no such kind.
        case(
            "G1-EQUIPMENT",
            &[("专业设备", "创业沙盘")],
            &[("专业设备", "电子显示屏")],
            &[("专业设备", "")],
        ),
        case(
            "G1-FUNDS",
            &[("专项经费", "是")],
            &[("专项经费", "否")],
            &[("专项经费", "")],
        ),
        // 完整 only; 有 is not enough at grade 1.
        case(
            "G1-RULES",
            &[("服务事项及管理制度", "完整")],
            &[("服务事项及管理制度", "有")],
            &[("服务事项及管理制度", "")],
        ),
        services_case("G1-SERVICES", "岗位说明书指导"),
    ]
}

/// Checks one rule's three rows, and that a failing required rule keeps the outlet below the
/// rule's grade while a failing advisory rule leaves it at grade 1.
fn check_rule(id: &str) {
    let all = cases();
    let case = all
        .iter()
        .find(|c| c.rule == id)
        .unwrap_or_else(|| panic!("no case for `{id}`"));
    let r = &book().rules[rule(id)];
    for (changes, expected) in [
        (&case.pass, Outcome::Passed),
        (&case.lacking, Outcome::Lacking),
        (&case.missing, Outcome::Missing),
    ] {
        let (_, a, problems) = assess_row(with_owned(changes));
        let errors: Vec<_> = problems
            .iter()
            .filter(|p| p.severity == Severity::Error)
            .collect();
        assert!(
            errors.is_empty(),
            "{id} {changes:?}: data errors {errors:?}"
        );
        assert_eq!(outcome(&a, id), expected, "{id} with {changes:?}");
        if expected == Outcome::Passed {
            continue;
        }
        match r.kind {
            RuleKind::Advisory => assert_eq!(
                a.assessed,
                Some(1),
                "{id} is advisory and must not block grade 1 ({changes:?})"
            ),
            RuleKind::Required => assert!(
                rank(a.assessed) > r.grade,
                "{id} (grade {}) fails with {changes:?}, yet the outlet reaches {:?}",
                r.grade,
                a.assessed
            ),
        }
    }
}

macro_rules! rule_tests {
    ($($name:ident => $id:literal),* $(,)?) => {
        /// The rule ids this file has a test for.
        const TESTED: &[&str] = &[$($id),*];
        $(
            #[test]
            fn $name() {
                check_rule($id);
            }
        )*
    };
}

rule_tests! {
    g4_channel => "G4-CHANNEL",
    g4_fresh => "G4-FRESH",
    g4_services => "G4-SERVICES",
    g4_kiosk => "G4-KIOSK",
    g3_window => "G3-WINDOW",
    g3_staff => "G3-STAFF",
    g3_computer => "G3-COMPUTER",
    g3_system => "G3-SYSTEM",
    g3_services => "G3-SERVICES",
    g2_space => "G2-SPACE",
    g2_party => "G2-PARTY",
    g2_funds => "G2-FUNDS",
    g2_rules => "G2-RULES",
    g2_services => "G2-SERVICES",
    g2_doorstep => "G2-DOORSTEP",
    g1_space => "G1-SPACE",
    g1_staff => "G1-STAFF",
    g1_equipment => "G1-EQUIPMENT",
    g1_funds => "G1-FUNDS",
    g1_rules => "G1-RULES",
    g1_services => "G1-SERVICES",
}

#[test]
fn every_builtin_rule_has_a_pass_lacking_and_missing_case() {
    let all = cases();
    let untested: Vec<&str> = book()
        .rules
        .iter()
        .map(|r| r.id.as_str())
        .filter(|id| !TESTED.contains(id) || !all.iter().any(|c| c.rule == *id))
        .collect();
    assert!(
        untested.is_empty(),
        "rules with no pass/lacking/missing case in tests/rules.rs: {untested:?}"
    );
    // And no case names a rule the rulebook does not have (a renamed id would go unnoticed).
    for id in TESTED {
        assert!(
            book().rule_by_id(id).is_some(),
            "`{id}` is no rule any more"
        );
    }
}

#[test]
fn rules_sit_at_the_grades_and_kinds_of_domain_md() {
    for r in &book().rules {
        let grade: u8 = r.id[1..2].parse().expect("ids start with G and a grade");
        assert_eq!(r.grade, grade, "{}", r.id);
        let advisory = matches!(r.id.as_str(), "G4-KIOSK" | "G2-DOORSTEP");
        assert_eq!(r.kind == RuleKind::Advisory, advisory, "{}", r.id);
        assert!(
            r.article.starts_with('第') && r.article.ends_with('条'),
            "{}: article `{}`",
            r.id,
            r.article
        );
    }
}

#[test]
fn the_baseline_is_a_clean_grade_one_outlet() {
    let (_, a, problems) = assess_row(baseline());
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(a.assessed, Some(1));
    assert_eq!(a.status, Status::Meets);
    assert_eq!(a.next, None);
    assert_eq!(a.required_gaps, 0);
    let failed: Vec<&str> = book()
        .rules
        .iter()
        .zip(&a.outcomes)
        .filter(|(_, o)| **o != Outcome::Passed)
        .map(|(r, _)| r.id.as_str())
        .collect();
    assert!(failed.is_empty(), "the baseline fails {failed:?}");
}

// ---- blank cells inside a combined rule (DOMAIN.md, "Edge cases, decided") ----

fn outcome_with(id: &str, changes: &[(&str, &str)]) -> Outcome {
    let (_, a, _) = assess_row(with(changes));
    outcome(&a, id)
}

#[test]
fn channel_passes_on_a_known_yes_whatever_the_other_cell() {
    for (board, online) in [("", "是"), ("是", ""), ("否", "是"), ("是", "否")] {
        assert_eq!(
            outcome_with(
                "G4-CHANNEL",
                &[("信息发布栏", board), ("线上发布渠道", online)]
            ),
            Outcome::Passed,
            "board `{board}`, online `{online}`"
        );
    }
}

#[test]
fn channel_is_missing_when_a_blank_could_still_make_it_pass() {
    for (board, online) in [("", ""), ("否", ""), ("", "否")] {
        assert_eq!(
            outcome_with(
                "G4-CHANNEL",
                &[("信息发布栏", board), ("线上发布渠道", online)]
            ),
            Outcome::Missing,
            "board `{board}`, online `{online}`"
        );
    }
}

#[test]
fn channel_is_lacking_when_both_say_no() {
    assert_eq!(
        outcome_with(
            "G4-CHANNEL",
            &[("信息发布栏", "否"), ("线上发布渠道", "否")]
        ),
        Outcome::Lacking
    );
}

#[test]
fn staff_passes_on_part_time_alone_when_full_time_is_blank() {
    assert_eq!(
        outcome_with("G3-STAFF", &[("专职人员数", ""), ("兼职人员数", "1")]),
        Outcome::Passed
    );
    assert_eq!(
        outcome_with("G3-STAFF", &[("专职人员数", "1"), ("兼职人员数", "")]),
        Outcome::Passed
    );
}

#[test]
fn staff_is_missing_when_a_blank_could_add_the_person() {
    for (full, part) in [("", ""), ("0", ""), ("", "0")] {
        assert_eq!(
            outcome_with("G3-STAFF", &[("专职人员数", full), ("兼职人员数", part)]),
            Outcome::Missing,
            "full-time `{full}`, part-time `{part}`"
        );
    }
}

#[test]
fn staff_is_lacking_when_both_are_zero() {
    assert_eq!(
        outcome_with("G3-STAFF", &[("专职人员数", "0"), ("兼职人员数", "0")]),
        Outcome::Lacking
    );
}

#[test]
fn service_space_rules_read_the_doorstep_station_too() {
    // (服务空间, 家门口就业服务站) → (G2-SPACE, G1-SPACE)
    let cases = [
        ("共享", "", Outcome::Passed, Outcome::Missing),
        ("共享", "否", Outcome::Passed, Outcome::Lacking),
        ("独立", "", Outcome::Passed, Outcome::Passed),
        ("", "是", Outcome::Passed, Outcome::Passed),
        ("无", "是", Outcome::Passed, Outcome::Passed),
        ("无", "", Outcome::Missing, Outcome::Missing),
        ("", "否", Outcome::Missing, Outcome::Missing),
        ("无", "否", Outcome::Lacking, Outcome::Lacking),
    ];
    for (space, doorstep, g2, g1) in cases {
        let (_, a, _) = assess_row(with(&[("服务空间", space), ("家门口就业服务站", doorstep)]));
        assert_eq!(
            (outcome(&a, "G2-SPACE"), outcome(&a, "G1-SPACE")),
            (g2, g1),
            "space `{space}`, doorstep `{doorstep}`"
        );
    }
}

#[test]
fn doorstep_advice_is_lacking_when_any_known_part_fails_and_missing_only_when_a_blank_could_help() {
    let cases: [(&[(&str, &str)], Outcome); 4] = [
        // A known no cannot be rescued by blank staff or funds.
        (
            &[
                ("家门口就业服务站", "否"),
                ("专职人员数", ""),
                ("年度工作经费", ""),
            ],
            Outcome::Lacking,
        ),
        // One person in all, both counts known: lacking.
        (
            &[
                ("家门口就业服务站", "是"),
                ("专职人员数", "1"),
                ("兼职人员数", "0"),
            ],
            Outcome::Lacking,
        ),
        // One person known and one count blank: the blank could be the second person.
        (
            &[
                ("家门口就业服务站", "是"),
                ("专职人员数", "1"),
                ("兼职人员数", ""),
            ],
            Outcome::Missing,
        ),
        (
            &[("家门口就业服务站", "是"), ("年度工作经费", "")],
            Outcome::Missing,
        ),
    ];
    for (changes, expected) in cases {
        assert_eq!(
            outcome_with("G2-DOORSTEP", changes),
            expected,
            "{changes:?}"
        );
    }
}

// ---- freshness ----

fn fresh_on(updated: &str, day: jiff::civil::Date) -> Outcome {
    let read = read_rows(&[with(&[("信息更新日期", updated)])]);
    let a = assess_at(read.only(), day);
    outcome(&a, "G4-FRESH")
}

#[test]
fn freshness_window_is_thirty_days_inclusive_before_the_as_of_date() {
    let day = as_of();
    assert_eq!(fresh_on("2025-10-31", day), Outcome::Passed);
    assert_eq!(fresh_on("2025-10-30", day), Outcome::Lacking);
    assert_eq!(fresh_on("2025-11-30", day), Outcome::Passed);
    assert_eq!(fresh_on("2024-11-30", day), Outcome::Lacking);
}

#[test]
fn an_update_after_the_as_of_date_is_fresh() {
    assert_eq!(fresh_on("2025-12-01", as_of()), Outcome::Passed);
    assert_eq!(fresh_on("2026-06-30", as_of()), Outcome::Passed);
}

#[test]
fn freshness_counts_days_from_the_as_of_date_not_calendar_months() {
    // 2025-03-01 minus 30 days is 2025-01-30 (February has 28 days).
    let day = jiff::civil::date(2025, 3, 1);
    assert_eq!(fresh_on("2025-01-30", day), Outcome::Passed);
    assert_eq!(fresh_on("2025-01-29", day), Outcome::Lacking);
    // The same update is fresh or stale depending on --as-of alone.
    assert_eq!(
        fresh_on("2025-10-31", jiff::civil::date(2025, 12, 1)),
        Outcome::Lacking
    );
}

#[test]
fn a_stale_update_leaves_an_otherwise_grade_one_outlet_ungraded() {
    let (_, a, _) = assess_row(with(&[("信息更新日期", "2025-10-30")]));
    assert_eq!(a.assessed, None);
    assert_eq!(a.next, Some(4));
    assert_eq!(a.required_gaps, 1);
}

// ---- cumulative grades ----

#[test]
fn failing_only_a_grade_three_rule_gives_grade_four_despite_meeting_grades_two_and_one() {
    let (_, a, _) = assess_row(with(&[("经办窗口数", "0")]));
    for r in &book().rules {
        let expected = if r.id == "G3-WINDOW" {
            Outcome::Lacking
        } else {
            Outcome::Passed
        };
        assert_eq!(a.outcomes[rule(&r.id)], expected, "{}", r.id);
    }
    assert_eq!(a.assessed, Some(4));
    assert_eq!(a.next, Some(3));
    assert_eq!(a.required_gaps, 1);
}

#[test]
fn failing_only_a_grade_two_rule_gives_grade_three() {
    let (_, a, _) = assess_row(with(&[("党建引领", "否")]));
    assert_eq!(a.assessed, Some(3));
    assert_eq!(a.required_gaps, 1);
}

#[test]
fn failing_only_a_grade_one_rule_gives_grade_two() {
    let (_, a, _) = assess_row(with(&[("专项经费", "否")]));
    assert_eq!(a.assessed, Some(2));
    assert_eq!(a.next, Some(1));
    assert_eq!(a.required_gaps, 1);
}

#[test]
fn required_gaps_count_only_the_next_grade() {
    // Fails G3-WINDOW and two grade-1 rules: the next grade is 3, one gap there.
    let (_, a, _) = assess_row(with(&[
        ("经办窗口数", "0"),
        ("专项经费", "否"),
        ("服务事项及管理制度", "有"),
    ]));
    assert_eq!(a.assessed, Some(4));
    assert_eq!(a.required_gaps, 1);
    // Fails three grade-2 rules: three gaps to grade 2.
    let (_, a, _) = assess_row(with(&[
        ("党建引领", "否"),
        ("年度工作经费", "0"),
        ("服务事项及管理制度", "无"),
    ]));
    assert_eq!(a.assessed, Some(3));
    assert_eq!(a.required_gaps, 3);
}

// ---- advisory rules never block ----

#[test]
fn no_kiosk_still_reaches_grade_one() {
    let (_, a, _) = assess_row(with(&[("自助查询机", "0")]));
    assert_eq!(outcome(&a, "G4-KIOSK"), Outcome::Lacking);
    assert_eq!(a.assessed, Some(1));
}

#[test]
fn no_kiosk_on_an_otherwise_grade_four_outlet_is_still_grade_four() {
    let (_, a, _) = assess_row(with(&[("自助查询机", "0"), ("经办窗口数", "0")]));
    assert_eq!(outcome(&a, "G4-KIOSK"), Outcome::Lacking);
    assert_eq!(a.assessed, Some(4));
}

#[test]
fn failing_the_doorstep_advice_still_reaches_grade_one() {
    let (_, a, _) = assess_row(with(&[("家门口就业服务站", "否")]));
    assert_eq!(outcome(&a, "G2-DOORSTEP"), Outcome::Lacking);
    assert_eq!(a.assessed, Some(1));
    let (_, a, _) = assess_row(with(&[("自助查询机", ""), ("家门口就业服务站", "")]));
    assert_eq!(outcome(&a, "G4-KIOSK"), Outcome::Missing);
    assert_eq!(outcome(&a, "G2-DOORSTEP"), Outcome::Missing);
    assert_eq!(a.assessed, Some(1));
}

// ---- minimum grade per type (第九条, 第十二条, 第十五条) ----

fn minimum_of(changes: &[(&str, &str)]) -> (u8, Vec<outlet::problem::Problem>) {
    let (_, a, problems) = assess_row(with(changes));
    (a.minimum, problems)
}

#[test]
fn townships_and_subdistricts_must_reach_grade_three() {
    for t in ["乡镇", "街道"] {
        let (min, problems) = minimum_of(&[("网点类型", t)]);
        assert_eq!(min, 3, "{t}");
        assert!(problems.is_empty(), "{t}: {problems:?}");
    }
}

#[test]
fn villages_and_communities_must_reach_grade_four() {
    for t in ["村", "社区"] {
        let (min, problems) = minimum_of(&[("网点类型", t)]);
        assert_eq!(min, 4, "{t}");
        assert!(problems.is_empty(), "{t}: {problems:?}");
    }
}

#[test]
fn a_partner_takes_the_minimum_of_its_reference_type() {
    for (partner, reference, expected) in [
        ("共建", "乡镇", 3),
        ("共建", "街道", 3),
        ("共建", "社区", 4),
        ("高校", "乡镇", 3),
        ("工业园区", "街道", 3),
        ("金融机构", "社区", 4),
    ] {
        let (outlet, a, problems) =
            assess_row(with(&[("网点类型", partner), ("参照类型", reference)]));
        assert_eq!(a.minimum, expected, "{partner} 参照 {reference}");
        assert!(
            problems.is_empty(),
            "{partner} 参照 {reference}: {problems:?}"
        );
        assert_eq!(outlet.type_, type_index("partner"), "{partner}");
    }
}

#[test]
fn a_partner_with_a_blank_reference_type_is_graded_as_a_community_with_a_warning() {
    let (outlet, a, problems) = assess_row(with(&[("网点类型", "共建"), ("参照类型", "")]));
    assert_eq!(a.minimum, 4);
    assert_eq!(outlet.grading_type, type_index("community"));
    let p = only_problem(&problems);
    assert_eq!(p.severity, Severity::Warning);
    assert!(matches!(p.kind, ProblemKind::NoReference { .. }), "{p:?}");
    assert_eq!(p.row, Some(2));
    assert_eq!(p.column.as_deref(), Some("参照类型"));
}

#[test]
fn a_partner_in_a_file_without_a_reference_column_gets_the_default_and_a_warning() {
    let row: Row = with(&[("网点类型", "高校")])
        .into_iter()
        .filter(|(h, _)| h != "参照类型")
        .collect();
    let (outlet, a, problems) = assess_row(row);
    assert_eq!(a.minimum, 4);
    assert_eq!(outlet.grading_type, type_index("community"));
    let p = only_problem(&problems);
    assert_eq!(p.severity, Severity::Warning);
    assert!(matches!(p.kind, ProblemKind::NoReference { .. }), "{p:?}");
}

#[test]
fn a_partner_naming_a_village_as_reference_is_a_data_error_and_gets_the_default() {
    let (outlet, a, problems) = assess_row(with(&[("网点类型", "共建"), ("参照类型", "村")]));
    assert_eq!(a.minimum, 4);
    assert_eq!(outlet.grading_type, type_index("community"));
    let p = only_problem(&problems);
    assert_eq!(p.severity, Severity::Error);
    assert_at(p, 2, "参照类型", "村");
}

#[test]
fn a_partner_naming_an_unknown_reference_is_a_data_error_and_gets_the_default() {
    let (outlet, a, problems) = assess_row(with(&[("网点类型", "共建"), ("参照类型", "学校")]));
    assert_eq!(a.minimum, 4);
    assert_eq!(outlet.grading_type, type_index("community"));
    let p = only_problem(&problems);
    assert_eq!(p.severity, Severity::Error);
    assert_at(p, 2, "参照类型", "学校");
}

#[test]
fn a_reference_type_on_a_non_partner_row_is_ignored() {
    for (t, reference, expected) in [
        ("村", "乡镇", 4),
        ("社区", "街道", 4),
        ("乡镇", "社区", 3),
        ("街道", "村", 3),
        ("村", "随便写的", 4),
    ] {
        let (outlet, a, problems) = assess_row(with(&[("网点类型", t), ("参照类型", reference)]));
        assert_eq!(a.minimum, expected, "{t} 参照 {reference}");
        assert_eq!(outlet.grading_type, outlet.type_, "{t} 参照 {reference}");
        assert!(problems.is_empty(), "{t} 参照 {reference}: {problems:?}");
    }
}

// ---- status: below minimum, overclaimed, meets ----

fn status_of(changes: &[(&str, &str)]) -> (Option<u8>, Status) {
    let (_, a, _) = assess_row(with(changes));
    (a.assessed, a.status)
}

#[test]
fn below_minimum_beats_overclaimed() {
    // A 乡镇 outlet claiming grade 1 that only reaches grade 4.
    assert_eq!(
        status_of(&[
            ("网点类型", "乡镇"),
            ("申报级别", "一级"),
            ("经办窗口数", "0")
        ]),
        (Some(4), Status::BelowMinimum)
    );
    // A village claiming grade 4 that is ungraded.
    assert_eq!(
        status_of(&[
            ("网点类型", "村"),
            ("申报级别", "四级"),
            ("信息更新日期", "2025-10-30")
        ]),
        (None, Status::BelowMinimum)
    );
}

#[test]
fn a_blank_claim_is_never_overclaimed() {
    assert_eq!(
        status_of(&[("网点类型", "村"), ("申报级别", ""), ("经办窗口数", "0")]),
        (Some(4), Status::Meets)
    );
    assert_eq!(
        status_of(&[("网点类型", "村"), ("申报级别", ""), ("信息更新日期", "")]),
        (None, Status::BelowMinimum)
    );
    assert_eq!(
        status_of(&[("网点类型", "乡镇"), ("申报级别", ""), ("经办窗口数", "0")]),
        (Some(4), Status::BelowMinimum)
    );
}

#[test]
fn claiming_more_than_reached_is_overclaimed() {
    assert_eq!(
        status_of(&[("网点类型", "村"), ("申报级别", "二级"), ("党建引领", "否")]),
        (Some(3), Status::Overclaimed)
    );
    assert_eq!(
        status_of(&[
            ("网点类型", "乡镇"),
            ("申报级别", "一级"),
            ("专项经费", "否")
        ]),
        (Some(2), Status::Overclaimed)
    );
}

#[test]
fn claiming_what_is_reached_or_less_meets() {
    assert_eq!(
        status_of(&[("网点类型", "村"), ("申报级别", "四级")]),
        (Some(1), Status::Meets)
    );
    assert_eq!(
        status_of(&[("网点类型", "村"), ("申报级别", "一级")]),
        (Some(1), Status::Meets)
    );
    assert_eq!(
        status_of(&[
            ("网点类型", "乡镇"),
            ("申报级别", "三级"),
            ("党建引领", "否")
        ]),
        (Some(3), Status::Meets)
    );
}

#[test]
fn a_partner_below_its_reference_minimum_is_below_minimum() {
    // 工业园区 参照 乡镇 at grade 4 (AN-022's situation).
    assert_eq!(
        status_of(&[
            ("网点类型", "工业园区"),
            ("参照类型", "乡镇"),
            ("申报级别", "三级"),
            ("服务项目", "就业信息查询、信息宣传、就失业登记"),
        ]),
        (Some(4), Status::BelowMinimum)
    );
    // The same outlet as reference 社区 meets its minimum and overclaims.
    assert_eq!(
        status_of(&[
            ("网点类型", "工业园区"),
            ("参照类型", "社区"),
            ("申报级别", "三级"),
            ("服务项目", "就业信息查询、信息宣传、就失业登记"),
        ]),
        (Some(4), Status::Overclaimed)
    );
}
