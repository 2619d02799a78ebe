//! `outlet summary` (per county, township or type: outlets by type × grade, and the region-level
//! structure checks), `outlet diff` (two inventories a year apart), and the division-code checks
//! that region grouping relies on.
//!
//! Every expected number is derived here from `tests/fixtures/county-expected.csv` (a reading of
//! the county example worked out by hand from DOMAIN.md) and the inventory's 乡镇街道 column — not
//! from the tool's own output. What `summary` and `diff` print for the example county, with their
//! exit codes, is in trycmd case files under `tests/cmd/summary` and `tests/cmd/diff`.

#![allow(
    clippy::expect_used,
    reason = "a test fails loudly when its fixture is broken"
)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::process::Output;

use common::files::{COUNTY_CSV, read_root};
use common::run::{code, report, run, stderr, stdout};
use common::table::{Record, records};
use serde_json::Value as Json;

const COUNTY_2024: &str = "examples/county-2024.csv";
const EXPECTED: &str = "tests/fixtures/county-expected.csv";

/// The county example's rows with a data error (tests/fixtures/county-expected-notes.md).
// AN-050: its update date is after the as-of date (DOMAIN "Freshness", revised).
const WITH_ERRORS: [&str; 5] = ["AN-009", "AN-030", "AN-032", "AN-039", "AN-050"];

const TYPES: [&str; 5] = ["township", "subdistrict", "village", "community", "partner"];

/// One outlet of the hand-derived reading, with its township from the inventory.
#[derive(Clone, Debug)]
struct Known {
    type_: String,
    township: String,
    /// 1-4, or 0 for 未达四级.
    grade: u8,
    status: String,
    error: bool,
}

fn known() -> Vec<Known> {
    let township: BTreeMap<String, String> = records(&read_root(COUNTY_CSV))
        .into_iter()
        .map(|r| (r["网点编号"].clone(), r["乡镇街道"].clone()))
        .collect();
    let rows: Vec<Known> = records(&read_root(EXPECTED))
        .into_iter()
        .map(|r| Known {
            township: township[&r["id"]].clone(),
            grade: r["assessed_grade"].parse().unwrap_or(0),
            status: r["status"].clone(),
            error: WITH_ERRORS.contains(&r["id"].as_str()),
            type_: r["type"].clone(),
        })
        .collect();
    assert_eq!(rows.len(), 50);
    rows
}

/// The counts of one summary row, computed from the reading.
#[derive(Clone, Debug, Default, PartialEq)]
struct Counts {
    grades: [u64; 5],
    total: u64,
    below: u64,
    over: u64,
    errors: u64,
}

impl Counts {
    fn add(&mut self, k: &Known) {
        let slot = if k.grade == 0 {
            4
        } else {
            usize::from(k.grade) - 1
        };
        self.grades[slot] += 1;
        self.total += 1;
        self.below += u64::from(k.status == "below_minimum");
        self.over += u64::from(k.status == "overclaimed");
        self.errors += u64::from(k.error);
    }

    fn share_meeting(&self) -> f64 {
        (self.total - self.below) as f64 / self.total as f64
    }

    /// The same counts as read from a summary CSV row.
    fn of_row(r: &Record) -> Counts {
        let n = |k: &str| -> u64 {
            r[k].parse()
                .unwrap_or_else(|_| panic!("`{k}` is a count: {r:?}"))
        };
        Counts {
            grades: [
                n("grade_1"),
                n("grade_2"),
                n("grade_3"),
                n("grade_4"),
                n("ungraded"),
            ],
            total: n("total"),
            below: n("below_minimum"),
            over: n("overclaimed"),
            errors: n("with_errors"),
        }
    }
}

/// Expected summary rows: (group, type key or "total") → counts.
fn expected_by(group_of: impl Fn(&Known) -> String) -> BTreeMap<(String, String), Counts> {
    let mut out: BTreeMap<(String, String), Counts> = BTreeMap::new();
    for k in known() {
        let g = group_of(&k);
        out.entry((g.clone(), k.type_.clone())).or_default().add(&k);
        out.entry((g, "total".into())).or_default().add(&k);
    }
    out
}

fn summary_csv(by: &str) -> Vec<Record> {
    let out = run(&[
        "summary", COUNTY_CSV, "--by", by, "--format", "csv", "--lang", "en",
    ]);
    assert_eq!(code(&out), 1, "the county has findings: {}", stderr(&out));
    records(&stdout(&out))
}

fn check_summary(by: &str, expected: &BTreeMap<(String, String), Counts>) {
    let rows = summary_csv(by);
    let mut seen = BTreeSet::new();
    for r in &rows {
        let key = (r["group"].clone(), r["type"].clone());
        assert!(
            TYPES.contains(&key.1.as_str()) || key.1 == "total",
            "--by {by}: a type key: {key:?}"
        );
        let want = expected
            .get(&key)
            .unwrap_or_else(|| panic!("--by {by}: unexpected row {key:?}"));
        assert_eq!(&Counts::of_row(r), want, "--by {by}: {key:?}");
        let share: f64 = r["share_meeting_minimum"].parse().expect("a share");
        assert!(
            (share - want.share_meeting()).abs() < 1e-4,
            "--by {by} {key:?}: share {share} vs {}",
            want.share_meeting()
        );
        assert!(seen.insert(key.clone()), "--by {by}: {key:?} twice");
    }
    let missing: Vec<_> = expected.keys().filter(|k| !seen.contains(*k)).collect();
    assert!(missing.is_empty(), "--by {by}: rows missing: {missing:?}");
    // Each group's rows end with its total.
    let mut last_group: Option<&str> = None;
    for (i, r) in rows.iter().enumerate() {
        if last_group != Some(r["group"].as_str()) {
            if i > 0 {
                assert_eq!(
                    rows[i - 1]["type"],
                    "total",
                    "--by {by}: a group ends in its total"
                );
            }
            last_group = Some(r["group"].as_str());
        }
    }
    assert_eq!(rows.last().map(|r| r["type"].as_str()), Some("total"));
}

// ---- summary ----

#[test]
fn summary_by_township_counts_every_group_as_derived_by_hand() {
    check_summary("township", &expected_by(|k| k.township.clone()));
}

#[test]
fn summary_by_township_pins_the_river_mouth_town() {
    // 河口镇: AN-031 township grade 4 (below minimum 3), AN-032 village grade 4 claiming 3 with a
    // bad 经办窗口数, AN-033 and AN-035 ungraded villages, AN-034 a grade-4 village.
    let rows = summary_csv("township");
    let total = rows
        .iter()
        .find(|r| r["group"] == "河口镇" && r["type"] == "total")
        .expect("a 河口镇 total");
    assert_eq!(
        Counts::of_row(total),
        Counts {
            grades: [0, 0, 0, 3, 2],
            total: 5,
            below: 3,
            over: 1,
            errors: 1,
        }
    );
    assert_eq!(
        total["share_meeting_minimum"].parse::<f64>().ok(),
        Some(0.4)
    );
    let villages = rows
        .iter()
        .find(|r| r["group"] == "河口镇" && r["type"] == "village")
        .expect("河口镇 villages");
    assert_eq!(villages["total"], "4");
    assert!(
        !rows
            .iter()
            .any(|r| r["group"] == "河口镇" && r["type"] == "community"),
        "no row for a type the group does not have"
    );
}

#[test]
fn summary_by_county_has_one_group_with_the_county_totals() {
    let expected = expected_by(|_| "安宁县".into());
    check_summary("county", &expected);
    let total = &expected[&("安宁县".to_string(), "total".to_string())];
    // The county's totals as README.md shows them: 5/10/15/13/7, 9 below, 8 overclaimed.
    assert_eq!(total.grades, [5, 10, 15, 13, 7]);
    assert_eq!((total.total, total.below, total.over), (50, 9, 8));
}

#[test]
fn summary_by_type_groups_by_the_type_name() {
    let expected = expected_by(|k| k.type_.clone());
    check_summary("type", &expected);
    // In Chinese the group is the type's Chinese name (first column).
    let out = run(&["summary", COUNTY_CSV, "--by", "type", "--format", "csv"]);
    let text = stdout(&out);
    let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let groups: BTreeSet<String> = reader
        .records()
        .map(|r| r.expect("a CSV record")[0].to_string())
        .collect();
    let want: BTreeSet<String> = ["乡镇", "街道", "村", "社区", "共建"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(groups, want);
}

/// One structure check of one group, computed from the reading.
#[derive(Debug, PartialEq)]
struct Structure {
    measured: Option<f64>,
    result: &'static str,
}

fn expected_structure(outlets: &[&Known]) -> BTreeMap<&'static str, Structure> {
    let share = |types: &[&str], grades: &[u8]| -> Option<f64> {
        let of: Vec<&&Known> = outlets
            .iter()
            .filter(|k| types.contains(&k.type_.as_str()))
            .collect();
        if of.is_empty() {
            return None;
        }
        let counted = of.iter().filter(|k| grades.contains(&k.grade)).count();
        Some(counted as f64 / of.len() as f64)
    };
    let verdict = |m: Option<f64>, holds: &dyn Fn(f64) -> bool| match m {
        None => "not_applicable",
        Some(v) if holds(v) => "met",
        Some(_) => "not_met",
    };
    // 第十八条: more than half of the 乡镇/街道 outlets at grade 2 or better.
    let townships = share(&["township", "subdistrict"], &[1, 2]);
    // 第十二条: at most 10% of communities at grade 4 or below it (ungraded).
    let communities = share(&["community"], &[4, 0]);
    // 第二十一条: at least one grade-1 outlet.
    let models = Some(outlets.iter().filter(|k| k.grade == 1).count() as f64);
    BTreeMap::from([
        (
            "S-TOWNSHIPS-G2",
            Structure {
                measured: townships,
                result: verdict(townships, &|v| v > 0.5),
            },
        ),
        (
            "S-COMMUNITIES-G4",
            Structure {
                measured: communities,
                result: verdict(communities, &|v| v <= 0.1),
            },
        ),
        (
            "S-MODEL-G1",
            Structure {
                measured: models,
                result: verdict(models, &|v| v >= 1.0),
            },
        ),
    ])
}

fn summary_json(by: &str) -> Json {
    let out = report("json", &["summary", COUNTY_CSV, "--by", by]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).expect("JSON")
}

fn check_structure(by: &str, group_of: impl Fn(&Known) -> String) {
    let all = known();
    let mut groups: BTreeMap<String, Vec<&Known>> = BTreeMap::new();
    for k in &all {
        groups.entry(group_of(k)).or_default().push(k);
    }
    let doc = summary_json(by);
    let checks = doc["structure"].as_array().expect("a structure section");
    assert_eq!(
        checks.len(),
        groups.len() * 3,
        "--by {by}: three checks per group"
    );
    for (group, outlets) in &groups {
        for (id, want) in expected_structure(outlets) {
            let got = checks
                .iter()
                .find(|c| c["group"] == group.as_str() && c["check"] == id)
                .unwrap_or_else(|| panic!("--by {by}: no {id} for {group}"));
            assert_eq!(got["result"], want.result, "--by {by} {group} {id}: {got}");
            assert_eq!(got["kind"], "advisory", "{got}");
            match want.measured {
                None => assert!(got["measured"].is_null(), "{group} {id}: {got}"),
                Some(m) => {
                    let v = got["measured"].as_f64().unwrap_or_else(|| panic!("{got}"));
                    assert!((v - m).abs() < 1e-3, "--by {by} {group} {id}: {v} vs {m}");
                }
            }
        }
    }
    for c in checks {
        let article = match c["check"].as_str() {
            Some("S-TOWNSHIPS-G2") => "第十八条",
            Some("S-COMMUNITIES-G4") => "第十二条",
            Some("S-MODEL-G1") => "第二十一条",
            other => panic!("unexpected check {other:?}"),
        };
        assert_eq!(c["article"], article);
    }
}

#[test]
fn structure_checks_per_county_as_derived_by_hand() {
    check_structure("county", |_| "安宁县".into());
}

#[test]
fn structure_checks_by_township_and_by_type_are_those_of_the_enclosing_county() {
    // A township has one township outlet and a type is no region: their structure is judged over
    // the county, all its outlets together.
    check_structure("township", |_| "安宁县".into());
    check_structure("type", |_| "安宁县".into());
}

#[test]
fn structure_checks_of_the_county_pin_the_numbers() {
    // 10 乡镇/街道 outlets, 6 at grade 2 or better (AN-001, 006, 011, 015, 019, 025): 60%, met.
    // 14 communities, 1 at grade 4 (AN-014) and 1 ungraded: 14.3%, not met. 5 grade-1 outlets:
    // met.
    let doc = summary_json("county");
    let by: BTreeMap<&str, &Json> = doc["structure"]
        .as_array()
        .expect("structure")
        .iter()
        .map(|c| (c["check"].as_str().expect("an id"), c))
        .collect();
    assert_eq!(by["S-TOWNSHIPS-G2"]["measured"], 0.6);
    assert_eq!(by["S-TOWNSHIPS-G2"]["result"], "met");
    let communities = by["S-COMMUNITIES-G4"]["measured"]
        .as_f64()
        .expect("a share");
    assert!((communities - 2.0 / 14.0).abs() < 1e-3, "{communities}");
    assert_eq!(by["S-COMMUNITIES-G4"]["result"], "not_met");
    assert_eq!(by["S-MODEL-G1"]["measured"], 5.0);
    // By township, no check is made of 河口镇 (one township outlet, no community): the checks are
    // the county's, the same numbers.
    let doc = summary_json("township");
    let checks = doc["structure"].as_array().expect("structure");
    assert!(checks.iter().all(|c| c["group"] == "安宁县"), "{checks:?}");
    let township: BTreeMap<&str, &Json> = checks
        .iter()
        .map(|c| (c["check"].as_str().expect("an id"), c))
        .collect();
    assert_eq!(township, by);
}

// ---- diff ----

fn diff(old: &str, new: &str, extra: &[&str]) -> (Vec<Record>, Output) {
    let mut args = vec!["diff", old, new, "--format", "csv", "--lang", "en"];
    args.extend_from_slice(extra);
    let out = run(&args);
    (records(&stdout(&out)), out)
}

#[test]
fn diff_counts_changes_per_group_in_json() {
    let out = report(
        "json",
        &["diff", COUNTY_2024, COUNTY_CSV, "--old-as-of", "2024-11-30"],
    );
    assert_eq!(code(&out), 0);
    let doc: Json = serde_json::from_slice(&out.stdout).expect("JSON");
    let groups = doc["by_group"].as_array().expect("by_group");
    let total = groups
        .iter()
        .find(|g| g["group"] == "total")
        .unwrap_or_else(|| panic!("{}", doc["by_group"]));
    assert_eq!(total["upgraded"], 2);
    assert_eq!(total["downgraded"], 3);
    assert_eq!(total["unchanged"], 43);
    assert_eq!(total["new"], 2);
    assert_eq!(total["closed"], 1);
    assert_eq!(total["claims_changed"], 2);
    assert_eq!(total["fell_below_minimum"], 2);
    let county = groups
        .iter()
        .find(|g| g["group"] == "安宁县")
        .expect("the county");
    assert_eq!(county["downgraded"], 3);
}

#[test]
fn diff_grades_the_old_inventory_as_of_the_old_date() {
    // Graded as of 2025-11-30, the 2024 inventory's updates are all stale: AN-002, grade 1 in
    // both years, would look upgraded from 未达四级.
    let (rows, _) = diff(
        COUNTY_2024,
        COUNTY_CSV,
        &["--old-as-of", "2025-11-30", "--fail-on", "never"],
    );
    let an002 = rows.iter().find(|r| r["id"] == "AN-002").expect("AN-002");
    assert_eq!(an002["old_grade"], "");
    assert_eq!(an002["change"], "upgraded");
    // As of its own date, given or by default a year before --as-of, it is unchanged.
    for extra in [&["--old-as-of", "2024-11-30"][..], &[]] {
        let mut args = extra.to_vec();
        args.extend(["--fail-on", "never"]);
        let (rows, _) = diff(COUNTY_2024, COUNTY_CSV, &args);
        let an002 = rows.iter().find(|r| r["id"] == "AN-002").expect("AN-002");
        assert_eq!(an002["old_grade"], "1", "{extra:?}");
        assert_eq!(an002["change"], "unchanged", "{extra:?}");
        assert_eq!(an002["old_as_of"], "2024-11-30", "{extra:?}");
    }
}

// ---- division codes ----

fn code_inventory(rows: &[(&str, &str, &str, &str)]) -> String {
    let mut text = String::from(
        "网点编号,网点名称,县,乡镇街道,行政区划代码,网点类型,信息发布栏,信息更新日期,服务项目,\
         线上发布渠道,经办窗口数,专职人员数,兼职人员数,电脑数,业务系统接入,服务空间,家门口就业服务站,\
         党建引领,年度工作经费,专项经费,服务事项及管理制度,专业设备\n",
    );
    // Every column the rules read is there (blank ones stay missing), so that the header is
    // complete and only the codes are judged.
    for (id, county, township, code) in rows {
        let type_ = if id.starts_with('V') { "村" } else { "社区" };
        text.push_str(&format!(
            "{id},{id}网点,{county},{township},{code},{type_},是,2025-11-20,就业信息查询、信息宣传{}\n",
            ",".repeat(13)
        ));
    }
    text
}

fn grade_codes(text: &str) -> (Vec<Json>, Output) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("codes.csv");
    std::fs::write(&path, text).expect("the inventory is written");
    let out = run(&[
        "grade",
        path.to_str().expect("a UTF-8 path"),
        "--format",
        "json",
        "--lang",
        "en",
    ]);
    let doc: Json = serde_json::from_slice(&out.stdout).expect("JSON");
    let problems = doc["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .filter(|p| p["column"] == "行政区划代码")
        .cloned()
        .collect();
    (problems, out)
}

#[test]
fn a_community_with_a_village_code_is_a_warning_naming_both() {
    let (problems, out) = grade_codes(&code_inventory(&[
        ("C-1", "安宁县", "东城街道", "520123001201"),
        ("C-2", "安宁县", "东城街道", "520123001002"),
    ]));
    assert_eq!(
        code(&out),
        0,
        "a warning does not change the exit code: {}",
        stderr(&out)
    );
    assert_eq!(problems.len(), 1, "{problems:?}");
    let p = &problems[0];
    assert_eq!(p["severity"], "warning");
    assert_eq!(p["row"], 2);
    assert_eq!(p["value"], "520123001201");
    let message = p["message"].as_str().expect("a message");
    assert!(
        message.contains("village,") && message.contains("`community`"),
        "{message}"
    );
    // On stderr too, in Chinese by default.
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("codes.csv");
    std::fs::write(
        &path,
        code_inventory(&[("C-1", "安宁县", "东城街道", "520123001201")]),
    )
    .expect("the inventory is written");
    let out = run(&["grade", path.to_str().expect("a UTF-8 path")]);
    let err = stderr(&out);
    let line = err
        .lines()
        .find(|l| l.contains("520123001201"))
        .unwrap_or_else(|| panic!("{err}"));
    assert!(line.starts_with("警告"), "{line}");
    assert!(line.contains('村') && line.contains("社区"), "{line}");
}

#[test]
fn a_village_with_a_community_code_is_a_warning_too() {
    let (problems, _) = grade_codes(&code_inventory(&[(
        "V-1",
        "安宁县",
        "城关镇",
        "520123101001",
    )]));
    assert_eq!(problems.len(), 1, "{problems:?}");
    let message = problems[0]["message"].as_str().expect("a message");
    assert!(
        message.contains("`village`") && message.contains("community,"),
        "{message}"
    );
}

#[test]
fn a_code_contradicting_an_earlier_outlet_of_the_same_county_is_a_warning() {
    let (problems, out) = grade_codes(&code_inventory(&[
        ("C-1", "安宁县", "东城街道", "520123001001"),
        ("C-2", "安宁县", "西城街道", "520123002001"),
        ("C-3", "安宁县", "南湖街道", "530123003001"),
    ]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(problems.len(), 1, "{problems:?}");
    let p = &problems[0];
    assert_eq!(p["severity"], "warning");
    assert_eq!(p["row"], 4);
    assert_eq!(p["value"], "530123003001");
    let message = p["message"].as_str().expect("a message");
    assert!(message.contains("520123"), "the earlier prefix: {message}");
    assert!(
        message.contains("row 2") || message.contains('2'),
        "the earlier row: {message}"
    );
    assert!(message.contains("安宁县"), "{message}");
}

#[test]
fn codes_of_different_counties_do_not_contradict_each_other() {
    let (problems, out) = grade_codes(&code_inventory(&[
        ("C-1", "安宁县", "东城街道", "520123001001"),
        ("C-2", "平安县", "南街街道", "530123001001"),
    ]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(problems.is_empty(), "{problems:?}");
}

#[test]
fn same_named_townships_of_different_counties_do_not_contradict_each_other() {
    let text = "网点编号,网点名称,省,市,县,乡镇街道,行政区划代码,网点类型,信息发布栏,信息更新日期,服务项目
T-1,甲县城关镇网点,示范省,甲市,甲县,城关镇,520123101000,乡镇,是,2025-11-20,就业信息查询、信息宣传
T-2,乙县城关镇网点,示范省,甲市,乙县,城关镇,520124101000,乡镇,是,2025-11-20,就业信息查询、信息宣传
C-1,北京朝阳网点,北京市,北京市,朝阳区,建外街道,110105001000,街道,是,2025-11-20,就业信息查询、信息宣传
C-2,长春朝阳网点,吉林省,长春市,朝阳区,前进街道,220104001000,街道,是,2025-11-20,就业信息查询、信息宣传
";
    // The outlets reach only grade 4, below the minimum of their type: exit 1, but no warning.
    let (problems, _) = grade_codes(text);
    assert!(problems.is_empty(), "{problems:?}");
}

#[test]
fn an_eleven_digit_code_is_an_error() {
    let (problems, out) = grade_codes(&code_inventory(&[(
        "C-1",
        "安宁县",
        "东城街道",
        "52012300100",
    )]));
    assert_eq!(code(&out), 1, "a data error is a finding");
    assert_eq!(problems.len(), 1, "{problems:?}");
    let p = &problems[0];
    assert_eq!(p["severity"], "error");
    assert_eq!(p["row"], 2);
    assert_eq!(p["value"], "52012300100");
    // The outlet is still graded.
    let doc: Json = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(doc["outlets"][0]["assessed_grade"], 4);
}

#[test]
fn a_code_excel_turned_into_a_number_is_an_error() {
    let (problems, out) = grade_codes(&code_inventory(&[(
        "C-1",
        "安宁县",
        "东城街道",
        "5.20123E+11",
    )]));
    assert_eq!(code(&out), 1);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0]["severity"], "error");
}

#[test]
fn a_code_that_fits_its_type_and_county_is_silent() {
    let (problems, out) = grade_codes(&code_inventory(&[
        ("C-1", "安宁县", "东城街道", "520123001001"),
        ("V-1", "安宁县", "城关镇", "520123101201"),
        ("C-2", "安宁县", "东城街道", "520123001199"),
        ("V-2", "安宁县", "城关镇", "520123101399"),
    ]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(problems.is_empty(), "{problems:?}");
}

/// DOMAIN "Year over year": without `--old-as-of` the earlier inventory is graded a year before
/// `--as-of`, and an update in it after that date is warned about, naming the date and the outlet
/// (read on every thread, the warning stays the one for the latest date); with the date given, or
/// an earlier inventory older than it, there is no warning.
#[test]
fn an_earlier_inventory_updated_after_its_default_date_is_warned_about() {
    let diff = |old: &str, extra: &[&str]| {
        let mut args = vec!["diff", old, COUNTY_CSV, "--format", "csv", "--lang", "en"];
        args.extend(extra);
        args.extend(["--fail-on", "never"]);
        stderr(&run(&args))
    };
    for threads in ["1", "4"] {
        let warned = diff(COUNTY_CSV, &["--threads", threads]);
        assert!(
            warned.contains(
                "the latest update date in the old inventory is 2025-12-01 (outlet `AN-050`)"
            ),
            "{warned}"
        );
    }
    let given = diff(COUNTY_CSV, &["--old-as-of", "2025-12-31"]);
    assert!(!given.contains("latest update date"), "{given}");
    let older = diff("examples/county-2024.csv", &[]);
    assert!(!older.contains("latest update date"), "{older}");
}

/// Changes are counted under the group each outlet is in now; a closed outlet under its old one;
/// and a group no row is counted in is not listed.
#[test]
fn diff_counts_a_moved_outlet_in_its_new_group_and_lists_no_empty_group() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let text = read_root(COUNTY_CSV);
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let header = lines.remove(0);
    let row = |id: &str| {
        lines
            .iter()
            .find(|l| l.starts_with(&format!("{id},")))
            .cloned()
            .expect("the row")
    };
    let (moved, closed, kept) = (row("AN-001"), row("AN-002"), row("AN-003"));
    let old = [
        header.clone(),
        moved.replace(",安宁县,", ",旧县,"),
        closed.replace(",安宁县,", ",撤并县,"),
        kept.clone(),
    ]
    .join("\n");
    let new = [header, moved.clone(), kept].join("\n");
    let (old_path, new_path) = (dir.path().join("old.csv"), dir.path().join("new.csv"));
    std::fs::write(&old_path, old).expect("written");
    std::fs::write(&new_path, new).expect("written");
    let out = report(
        "json",
        &[
            "diff",
            old_path.to_str().expect("a path"),
            new_path.to_str().expect("a path"),
            "--old-as-of",
            "2025-11-30",
        ],
    );
    assert!(code(&out) <= 1, "{}", stderr(&out));
    let doc: Json = serde_json::from_slice(&out.stdout).expect("JSON");
    let groups: BTreeMap<String, [i64; 5]> = doc["by_group"]
        .as_array()
        .expect("by_group")
        .iter()
        .map(|g| {
            let n = |k: &str| g[k].as_i64().expect("a count");
            let counts = [
                n("upgraded") + n("downgraded") + n("unchanged"),
                n("new"),
                n("closed"),
                n("claims_changed"),
                n("fell_below_minimum"),
            ];
            (g["group"].as_str().unwrap_or("total").to_string(), counts)
        })
        .collect();
    // AN-001 and AN-003 matched, both in 安宁县 now; AN-002 closed in 撤并县; 旧县 has no row.
    assert_eq!(groups["安宁县"][0], 2, "{groups:?}");
    assert_eq!(groups["撤并县"], [0, 0, 1, 0, 0], "{groups:?}");
    assert!(!groups.contains_key("旧县"), "{groups:?}");
}

#[test]
fn diff_matches_outlets_whatever_order_the_later_inventory_lists_them_in() {
    // The later inventory's outlets are looked for first where the last one matched was
    // followed: a reordered inventory must match each outlet just the same.
    let dir = tempfile::tempdir().expect("a temporary directory");
    let text = read_root(COUNTY_CSV);
    let mut lines: Vec<&str> = text.lines().collect();
    let header = lines.remove(0);
    // Reversed, then the first half rotated to the end: runs in order, runs out of it.
    lines.reverse();
    let half = lines.len() / 2;
    lines.rotate_left(half);
    let reordered = dir.path().join("reordered.csv");
    std::fs::write(
        &reordered,
        [header]
            .into_iter()
            .chain(lines)
            .collect::<Vec<_>>()
            .join("\n"),
    )
    .expect("written");
    let extra = ["--old-as-of", "2024-11-30", "--threads", "2"];
    let (in_order, _) = diff(COUNTY_2024, COUNTY_CSV, &extra);
    let (out_of_order, _) = diff(COUNTY_2024, reordered.to_str().expect("a path"), &extra);
    let by_id = |rows: Vec<Record>| -> BTreeMap<String, Record> {
        rows.into_iter().map(|r| (r["id"].clone(), r)).collect()
    };
    let (in_order, out_of_order) = (by_id(in_order), by_id(out_of_order));
    assert!(in_order.len() > 40);
    assert!(
        in_order
            .values()
            .any(|r| r["change"] == "downgraded" && !r["rules"].is_empty())
    );
    assert_eq!(in_order, out_of_order);
}
