//! `--waivers FILE` (YAML or CSV): a waived failing rule counts as passed and shows as waived in
//! `grade`, `explain`, `gaps` and the totals; an expired waiver is a warning and is not applied; a
//! waiver for an unknown outlet or rule is a warning; a waiver without a reason stops the run, and
//! every bad row is reported at once (the refusals, as printed, are the trycmd cases of
//! `tests/cmd/grade/waivers-refused.trycmd`).
//!
//! The county example's outlets used (from tests/fixtures/county-expected.csv and its notes):
//! AN-031 (township, grade 4, fails only G3-SYSTEM on the way to 3, below its minimum 3);
//! AN-045 (village, ungraded, fails G4-CHANNEL and G4-FRESH, claims 3);
//! AN-022 (partner taking 乡镇 as reference, grade 4, fails G3-SERVICES and G2-SERVICES, claims 3).

#![allow(
    clippy::expect_used,
    reason = "a test fails loudly when its fixture is broken"
)]

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::files::{COUNTY_CSV, Scratch, path_str};
use common::run::{code, report, report_in, run, stderr, stdout};
use common::table::{Record, records};
use common::{csv, with};
use serde_json::Value as Json;

/// Grade rows by id, with `--waivers` when given.
fn grade(inventory: &str, waivers: Option<&Path>, lang: &str) -> BTreeMap<String, Record> {
    let mut args = vec!["grade", inventory];
    if let Some(w) = waivers {
        args.extend(["--waivers", path_str(w)]);
    }
    let out = report_in(lang, "csv", &args);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let id = if lang == "en" { "id" } else { "网点编号" };
    records(&stdout(&out))
        .into_iter()
        .map(|r| (r[id].clone(), r))
        .collect()
}

const YAML_WAIVERS: &str = "waivers:
  - outlet: AN-031
    rule: G3-SYSTEM
    reason: 系统接入已申请,待省厅开通
    approved_by: 县人社局
    expires: 2026-06-30
  - outlet: AN-045
    rule: G4-CHANNEL
    reason: 信息栏损毁,重建中
    approved_by: 县人社局
    expires: 2026-03-31
  - outlet: AN-045
    rule: G4-FRESH
    reason: 信息栏损毁,重建中
    approved_by: 县人社局
  - outlet: AN-022
    rule: G3-SERVICES
    reason: 园区共建网点不承担摸排
    approved_by: 市人社局
    expires: 2026-12-31
  - outlet: AN-022
    rule: G2-SERVICES
    reason: 园区共建网点不承担就业援助
    approved_by: 市人社局
    expires: 2026-12-31
";

const CSV_WAIVERS: &str = "网点编号,规则,理由,批准人,有效期至
AN-031,G3-SYSTEM,系统接入已申请,县人社局,2026年6月30日
AN-045,G4-CHANNEL,信息栏损毁,县人社局,2026/3/31
AN-045,G4-FRESH,信息栏损毁,县人社局,
AN-022,G3-SERVICES,园区共建网点不承担摸排,市人社局,2026-12-31
AN-022,G2-SERVICES,园区共建网点不承担就业援助,市人社局,2026-12-31
";

/// What the waivers above do to the county example, in English CSV terms.
fn check_waived_grades(waivers: &Path) {
    let before = grade(COUNTY_CSV, None, "en");
    let after = grade(COUNTY_CSV, Some(waivers), "en");
    assert_eq!(before.len(), 50);
    assert_eq!(after.len(), 50);
    let expect = |id: &str, old: (&str, &str), new: (&str, &str, &str)| {
        let (b, a) = (&before[id], &after[id]);
        assert_eq!(
            (b["assessed_grade"].as_str(), b["status"].as_str()),
            old,
            "{id} without waivers"
        );
        assert_eq!(b["waived_rules"], "", "{id} without waivers");
        assert_eq!(
            (
                a["assessed_grade"].as_str(),
                a["status"].as_str(),
                a["waived_rules"].as_str()
            ),
            new,
            "{id} with waivers"
        );
    };
    expect(
        "AN-031",
        ("4", "below_minimum"),
        ("3", "meets", "G3-SYSTEM"),
    );
    expect(
        "AN-045",
        ("", "below_minimum"),
        ("4", "overclaimed", "G4-CHANNEL G4-FRESH"),
    );
    expect(
        "AN-022",
        ("4", "below_minimum"),
        ("2", "meets", "G3-SERVICES G2-SERVICES"),
    );
    for (id, b) in &before {
        if !["AN-031", "AN-045", "AN-022"].contains(&id.as_str()) {
            assert_eq!(b, &after[id], "{id} has no waiver and does not change");
        }
    }
}

#[test]
fn a_yaml_waiver_counts_a_failing_rule_as_passed() {
    let s = Scratch::new();
    check_waived_grades(&s.write("waivers.yaml", YAML_WAIVERS));
}

#[test]
fn a_csv_waiver_with_chinese_headers_does_the_same() {
    let s = Scratch::new();
    check_waived_grades(&s.write("waivers.csv", CSV_WAIVERS));
}

#[test]
fn a_yaml_waiver_file_may_be_a_bare_list() {
    let s = Scratch::new();
    let bare = YAML_WAIVERS
        .strip_prefix("waivers:\n")
        .expect("the map form")
        .lines()
        .map(|l| l.strip_prefix("  ").unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n");
    check_waived_grades(&s.write("waivers.yaml", &bare));
}

#[test]
fn the_waived_rules_column_is_there_in_chinese_too() {
    let s = Scratch::new();
    let w = s.write("waivers.yaml", YAML_WAIVERS);
    let rows = grade(COUNTY_CSV, Some(&w), "zh");
    assert_eq!(rows["AN-031"]["已豁免规则"], "G3-SYSTEM");
    assert_eq!(rows["AN-031"]["评定级别"], "三级");
    assert_eq!(rows["AN-031"]["状态"], "达标");
    assert_eq!(rows["AN-001"]["已豁免规则"], "");
}

#[test]
fn waivers_stop_being_findings_when_they_lift_every_outlet_below_its_minimum() {
    // Without waivers the county exits 1 (outlets below minimum and data errors); with waivers
    // the data errors are still there, so it still exits 1: a waiver lifts grades, not bad cells.
    let s = Scratch::new();
    let w = s.write("waivers.yaml", YAML_WAIVERS);
    let out = run(&["grade", COUNTY_CSV, "--waivers", path_str(&w)]);
    assert_eq!(code(&out), 1);
    // One outlet, below its minimum because of one rule, waived: clean.
    let inv = s.write("one.csv", &csv(&[with(&[("业务系统接入", "否")])]));
    let plain = run(&["grade", path_str(&inv)]);
    assert_eq!(code(&plain), 1, "grade 4 township: below minimum");
    let waiver = s.write(
        "w.csv",
        "outlet,rule,reason,approved_by,expires\nB-001,G3-SYSTEM,待开通,县人社局,2026-01-31\n",
    );
    let waived = run(&["grade", path_str(&inv), "--waivers", path_str(&waiver)]);
    assert_eq!(code(&waived), 0, "{}", stderr(&waived));
}

#[test]
fn explain_shows_a_waived_rule_as_waived() {
    let s = Scratch::new();
    let w = s.write("waivers.yaml", YAML_WAIVERS);
    for (lang, rule_col, outcome_col, word) in [
        ("en", "rule", "outcome", "waived"),
        ("zh", "规则", "结果", "已豁免"),
    ] {
        let out = run(&[
            "explain",
            COUNTY_CSV,
            "AN-031",
            "--waivers",
            path_str(&w),
            "--format",
            "csv",
            "--lang",
            lang,
        ]);
        let rows = records(&stdout(&out));
        let system = rows
            .iter()
            .find(|r| r[rule_col] == "G3-SYSTEM")
            .unwrap_or_else(|| panic!("{lang}: {}", stdout(&out)));
        assert_eq!(system[outcome_col], word, "{lang}");
        // The observed value is still what the inventory says.
        assert!(
            system
                .values()
                .any(|v| v.contains("=否") || v.contains("=no")),
            "{system:?}"
        );
        let window = rows
            .iter()
            .find(|r| r[rule_col] == "G3-WINDOW")
            .expect("G3-WINDOW");
        assert_ne!(window[outcome_col], word, "only the waived rule");
    }
    let out = run(&[
        "explain",
        COUNTY_CSV,
        "AN-031",
        "--waivers",
        path_str(&w),
        "--format",
        "json",
        "--lang",
        "en",
    ]);
    let text = stdout(&out);
    assert!(text.contains("\"waived\""), "{text}");
}

#[test]
fn a_waived_rule_is_no_gap() {
    let s = Scratch::new();
    let w = s.write("waivers.yaml", YAML_WAIVERS);
    let gaps = |waivers: Option<&Path>| {
        let mut args = vec!["gaps", COUNTY_CSV];
        if let Some(w) = waivers {
            args.extend(["--waivers", path_str(w)]);
        }
        records(&stdout(&report("csv", &args)))
            .into_iter()
            .filter(|r| r["id"] == "AN-031")
            .map(|r| (r["rule"].clone(), r["target_grade"].clone()))
            .collect::<Vec<_>>()
    };
    let before = gaps(None);
    assert!(
        before.contains(&("G3-SYSTEM".into(), "3".into())),
        "{before:?}"
    );
    let after = gaps(Some(&w));
    assert!(
        after
            .iter()
            .all(|(rule, target)| rule != "G3-SYSTEM" && target == "2"),
        "AN-031 now aims at grade 2: {after:?}"
    );
    assert!(!after.is_empty());
}

fn totals(cmd: &str, waivers: Option<&Path>) -> Json {
    let mut args = vec![cmd, COUNTY_CSV];
    if let Some(w) = waivers {
        args.extend(["--waivers", path_str(w)]);
    }
    let out = report("json", &args);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let doc: Json = serde_json::from_slice(&out.stdout).expect("JSON");
    doc["totals"].clone()
}

#[test]
fn the_totals_count_waived_rules_and_outlets() {
    let s = Scratch::new();
    let w = s.write("waivers.yaml", YAML_WAIVERS);
    for cmd in ["summary", "grade"] {
        let before = totals(cmd, None);
        assert_eq!(before["waived_rules"], 0, "{cmd}");
        assert_eq!(before["waived_outlets"], 0, "{cmd}");
        assert_eq!(before["below_minimum"], 9, "{cmd}");
        let after = totals(cmd, Some(&w));
        assert_eq!(after["waived_rules"], 5, "{cmd}: {after}");
        assert_eq!(after["waived_outlets"], 3, "{cmd}: {after}");
        assert_eq!(after["below_minimum"], 6, "{cmd}: {after}");
        assert_eq!(after["outlets"], 50, "{cmd}");
    }
}

// ---- expiry ----

#[test]
fn an_expired_waiver_is_a_warning_and_is_not_applied() {
    let s = Scratch::new();
    let w = s.write(
        "w.csv",
        "outlet,rule,reason,approved_by,expires\nAN-031,G3-SYSTEM,待开通,县人社局,2025-11-29\n",
    );
    let out = run(&[
        "grade",
        COUNTY_CSV,
        "--waivers",
        path_str(&w),
        "--format",
        "csv",
        "--lang",
        "en",
    ]);
    assert_eq!(code(&out), 1, "still below minimum: {}", stderr(&out));
    let rows = records(&stdout(&out));
    let an031 = rows.iter().find(|r| r["id"] == "AN-031").expect("AN-031");
    assert_eq!(an031["assessed_grade"], "4");
    assert_eq!(an031["status"], "below_minimum");
    assert_eq!(an031["waived_rules"], "");
    let err = stderr(&out);
    let line = err
        .lines()
        .find(|l| l.contains("w.csv"))
        .unwrap_or_else(|| panic!("no warning about the waiver file: {err}"));
    assert!(line.starts_with("warning"), "{line}");
    assert!(
        line.contains("expired") && line.contains("2025-11-29"),
        "{line}"
    );
    assert!(line.contains("row 2"), "{line}");
}

#[test]
fn a_waiver_expiring_on_the_as_of_date_still_applies() {
    let s = Scratch::new();
    let w = s.write(
        "w.csv",
        "outlet,rule,reason,approved_by,expires\nAN-031,G3-SYSTEM,待开通,县人社局,2025-11-30\n",
    );
    let rows = grade(COUNTY_CSV, Some(&w), "en");
    assert_eq!(rows["AN-031"]["waived_rules"], "G3-SYSTEM");
    assert_eq!(rows["AN-031"]["assessed_grade"], "3");
}

#[test]
fn an_expired_waiver_is_a_warning_in_json_too() {
    let s = Scratch::new();
    let w = s.write(
        "w.yaml",
        "- outlet: AN-031\n  rule: G3-SYSTEM\n  reason: 待开通\n  expires: 2025-01-01\n",
    );
    let out = report("json", &["grade", COUNTY_CSV, "--waivers", path_str(&w)]);
    let doc: Json = serde_json::from_slice(&out.stdout).expect("JSON");
    let p = doc["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .find(|p| p["file"].as_str().is_some_and(|f| f.ends_with("w.yaml")))
        .unwrap_or_else(|| panic!("{}", doc["problems"]));
    assert_eq!(p["severity"], "warning");
    assert_eq!(p["value"], "G3-SYSTEM");
    assert!(
        p["message"]
            .as_str()
            .is_some_and(|m| m.contains("2025-01-01")),
        "{p}"
    );
    assert_eq!(doc["totals"]["waived_rules"], 0);
}

// ---- unknown outlets and rules ----

#[test]
fn a_waiver_for_an_unknown_outlet_or_rule_is_a_warning_that_changes_nothing() {
    let s = Scratch::new();
    let inv = s.write("one.csv", &csv(&[with(&[])]));
    let w = s.write(
        "w.csv",
        "outlet,rule,reason\nAN-999,G3-WINDOW,no such outlet\nB-001,G3-STAF,a typo\n",
    );
    let out = run(&[
        "grade",
        path_str(&inv),
        "--waivers",
        path_str(&w),
        "--format",
        "csv",
        "--lang",
        "en",
    ]);
    assert_eq!(code(&out), 0, "warnings only: {}", stderr(&out));
    let rows = records(&stdout(&out));
    assert_eq!(rows[0]["assessed_grade"], "1");
    assert_eq!(rows[0]["waived_rules"], "");
    let err = stderr(&out);
    let outlet_line = err
        .lines()
        .find(|l| l.contains("AN-999"))
        .unwrap_or_else(|| panic!("{err}"));
    assert!(outlet_line.starts_with("warning"), "{outlet_line}");
    assert!(outlet_line.contains("row 2"), "{outlet_line}");
    let rule_line = err
        .lines()
        .find(|l| l.contains("G3-STAF`"))
        .unwrap_or_else(|| panic!("{err}"));
    assert!(rule_line.starts_with("warning"), "{rule_line}");
    assert!(rule_line.contains("row 3"), "{rule_line}");
    assert!(
        rule_line.contains("did you mean `G3-STAFF`?"),
        "{rule_line}"
    );
    assert!(err.contains("0 errors, 2 warnings"), "{err}");
}

#[test]
fn unknown_outlet_and_rule_warnings_are_in_chinese_by_default() {
    let s = Scratch::new();
    let inv = s.write("one.csv", &csv(&[with(&[])]));
    let w = s.write(
        "w.csv",
        "outlet,rule,reason\nAN-999,G3-WINDOW,no such outlet\nB-001,G3-STAF,a typo\n",
    );
    let out = run(&["grade", path_str(&inv), "--waivers", path_str(&w)]);
    assert_eq!(code(&out), 0);
    let err = stderr(&out);
    assert!(
        err.lines()
            .any(|l| l.starts_with("警告") && l.contains("AN-999")),
        "{err}"
    );
    assert!(
        err.lines()
            .any(|l| l.starts_with("警告") && l.contains("G3-STAFF")),
        "{err}"
    );
}

#[test]
fn a_waiver_for_a_rule_of_an_overlay_needs_that_overlay() {
    let s = Scratch::new();
    let w = s.write(
        "w.csv",
        "outlet,rule,reason\nAN-013,SF-G2-AREA-VILLAGE,面积待测\n",
    );
    let builtin = run(&[
        "grade",
        COUNTY_CSV,
        "--waivers",
        path_str(&w),
        "--lang",
        "en",
        "--fail-on",
        "never",
    ]);
    assert!(
        stderr(&builtin).contains("SF-G2-AREA-VILLAGE"),
        "unknown to the built-in rulebook: {}",
        stderr(&builtin)
    );
    let out = report(
        "csv",
        &[
            "grade",
            COUNTY_CSV,
            "--rules",
            "examples/province-overlay.yaml",
            "--waivers",
            path_str(&w),
        ],
    );
    let rows = records(&stdout(&out));
    let an013 = rows.iter().find(|r| r["id"] == "AN-013").expect("AN-013");
    assert_eq!(an013["waived_rules"], "SF-G2-AREA-VILLAGE");
    // Grade 2 now; grade 1 still needs a second kind of equipment.
    assert_eq!(an013["assessed_grade"], "2");
    assert!(
        !stderr(&out).contains("SF-G2-AREA-VILLAGE"),
        "{}",
        stderr(&out)
    );
}
