//! Properties of grading that hold for every outlet, checked on random outlets (proptest):
//!
//! - adding a resource or a service never lowers a grade (nor fails a rule that passed);
//! - the grade does not depend on the order of the columns, on the headers' language, on the
//!   spelling of the values, on the encoding (UTF-8, UTF-8 with a BOM, GB18030) or on the input
//!   format (CSV or YAML, with native or string values);
//! - an outlet's gap list to a grade is empty exactly when it reaches that grade, and its list
//!   to the next grade is empty exactly when it is grade 1;
//! - the brief assessment `summary` makes gives the grade and status of the whole one.
//!
//! Outlets are described by a [`Spec`] of typed values, then written out as an inventory file
//! and read back through the library, as `outlet` reads a file. The built-in rulebook grades.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    reason = "a test fails loudly when its own set-up fails"
)]

mod common;

use std::io::Cursor;

use common::book;
use jiff::ToSpan;
use jiff::civil::{Date, date};
use outlet::eval::{Assessment, Evaluator, Outcome, rank};
use outlet::inventory::{InputFormat, Inventory, Outlet};
use outlet::report::outlets::gaps_rows;
use outlet::rulebook::RuleKind;
use outlet::text::Lang;
use proptest::prelude::*;
use proptest::sample::Index;

const AS_OF: Date = date(2025, 11, 30);

/// The yes/no fields, in [`Spec::yes_no`] order: key, Chinese header.
const YES_NO: [(&str, &str); 6] = [
    ("info_board", "信息发布栏"),
    ("online_channel", "线上发布渠道"),
    ("business_system", "业务系统接入"),
    ("doorstep_station", "家门口就业服务站"),
    ("party_building", "党建引领"),
    ("dedicated_funds", "专项经费"),
];

/// The count fields, in [`Spec::counts`] order: key, Chinese header, units.
const COUNTS: [(&str, &str, &[&str]); 5] = [
    ("kiosk", "自助查询机", &["台", "个"]),
    ("windows", "经办窗口数", &["个"]),
    ("full_time_staff", "专职人员数", &["人", "名"]),
    ("part_time_staff", "兼职人员数", &["人", "名"]),
    ("computers", "电脑数", &["台", "个"]),
];

/// Types: canonical name first, then aliases.
const TYPES: [&[&str]; 5] = [
    &["乡镇"],
    &["街道"],
    &["村", "行政村"],
    &["社区", "居委会", "社区居委会"],
    &["共建", "合作共建", "高校", "工业园区", "园区", "金融机构"],
];
const REFERENCES: [&str; 3] = ["乡镇", "街道", "社区"];
/// Service space and management system levels, each level's spellings.
const SPACES: [&[&str]; 3] = [&["无"], &["共享", "共建共享"], &["独立", "专用"]];
const RULES: [&[&str]; 3] = [&["无"], &["有", "部分"], &["完整", "健全"]];
const EQUIPMENT: [&[&str]; 4] = [
    &["AI面试模拟", "AI面试模拟设备", "人工智能面试模拟设备"],
    &["职业能力测评", "职业能力测评设备"],
    &["创业能力测评", "创业能力测评设备"],
    &["创业沙盘", "创业沙盘设备"],
];
const SERVICES: [&[&str]; 17] = [
    &["就业信息查询", "信息查询"],
    &["信息宣传", "政策宣传", "信息发布"],
    &["就失业登记", "就业登记", "失业登记", "就业失业登记"],
    &["求职登记", "求职招聘登记"],
    &["补贴申领", "补贴申请", "政策申领"],
    &["劳动力资源摸排", "劳动力摸排"],
    &["重点群体摸排", "重点就业群体信息摸排"],
    &["就业困难人员认定"],
    &["职业指导"],
    &["岗位推荐", "推荐岗位信息", "推荐岗位"],
    &["培训信息推荐", "推荐培训信息", "培训推荐"],
    &["供需匹配", "需求匹配", "人岗匹配"],
    &["培训报名", "组织培训报名"],
    &["就业援助"],
    &[
        "一对一服务",
        "一对一就业援助",
        "一对一创业扶持",
        "一对一就业援助或创业扶持",
    ],
    &["职业生涯规划", "生涯规划"],
    &["岗位说明书指导", "指导用人单位制订岗位说明书"],
];

/// One outlet, as typed values; `None` is a blank cell.
#[derive(Clone, Debug)]
struct Spec {
    type_: usize,
    reference: Option<usize>,
    claimed: Option<u8>,
    yes_no: [Option<bool>; 6],
    /// Days before the as-of date (negative: after it).
    updated: Option<i64>,
    counts: [Option<u32>; 5],
    space: Option<usize>,
    area: Option<u32>,
    /// 万元.
    funds: Option<u32>,
    rules: Option<usize>,
    equipment: Option<Vec<bool>>,
    services: Option<Vec<bool>>,
}

/// Random outlets of every grade: a quality q is drawn first, then each value is good (present,
/// yes, at or above its threshold, fresh, listed) with probability q. Uniform values would leave
/// almost every outlet ungraded.
fn spec() -> impl Strategy<Value = Spec> {
    prop_oneof![1 => Just(0.999f64), 4 => 0.55f64..0.999].prop_flat_map(spec_of_quality)
}

/// A value, or now and then a blank cell: the better the outlet, the fewer blanks.
fn present<S: Strategy>(q: f64, s: S) -> impl Strategy<Value = Option<S::Value>> {
    proptest::option::weighted(q.clamp(0.7, 0.97), s)
}

fn spec_of_quality(q: f64) -> impl Strategy<Value = Spec> {
    let good = move || prop::bool::weighted(q);
    let head = (
        0..TYPES.len(),
        proptest::option::of(0..REFERENCES.len()),
        proptest::option::of(1u8..=4),
        proptest::array::uniform6(present(q, good())),
        present(
            q,
            (good(), 0i64..90).prop_map(|(fresh, d)| if fresh { d % 31 - 2 } else { d }),
        ),
    );
    // Counts near the thresholds (1 and 2) matter most.
    let count = move || (good(), 0u32..4).prop_map(|(ok, n)| if ok { n.max(1) } else { n / 3 });
    let level = move || (good(), good()).prop_map(|(a, b)| usize::from(a) + usize::from(a && b));
    let resources = (
        proptest::array::uniform5(present(q, count())),
        present(q, level()),
        proptest::option::of(0u32..500),
        present(
            q,
            (good(), 0u32..20).prop_map(|(ok, f)| if ok { f.max(1) } else { 0 }),
        ),
        present(q, level()),
    );
    let lists = (
        present(
            q,
            proptest::collection::vec(prop::bool::weighted(q * 0.6), 4),
        ),
        present(q, proptest::collection::vec(good(), 17)),
    );
    (head, resources, lists).prop_map(
        |(
            (type_, reference, claimed, yes_no, updated),
            (counts, space, area, funds, rules),
            (equipment, services),
        )| Spec {
            type_,
            reference,
            claimed,
            yes_no,
            updated,
            counts,
            space,
            area,
            funds,
            rules,
            equipment,
            services,
        },
    )
}

/// How a file spells things: header language, value spellings, encoding, format.
#[derive(Clone, Copy, Debug)]
struct Style {
    /// Chinese headers (or English keys).
    chinese: bool,
    /// Aliases and other valid spellings instead of canonical names; picks among them by `seed`.
    messy: bool,
    seed: u64,
}

impl Style {
    const PLAIN: Style = Style {
        chinese: true,
        messy: false,
        seed: 0,
    };

    /// The `salt`-th choice among `options`: the first when plain.
    fn pick<'a>(&self, options: &[&'a str], salt: u64) -> &'a str {
        if !self.messy || options.len() == 1 {
            return options[0];
        }
        let mut z = self.seed ^ salt.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 31)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z ^= z >> 29;
        options[(z % options.len() as u64) as usize]
    }
}

/// A cell as the file holds it: text, or (in YAML) a native value.
#[derive(Clone, Debug)]
enum Cell {
    Text(String),
    Int(u32),
    Bool(bool),
    List(Vec<String>),
}

/// The outlet's cells, by column: (key, Chinese header, cell); blank cells are left out.
fn cells(spec: &Spec, style: Style) -> Vec<(&'static str, &'static str, Cell)> {
    let mut out = vec![
        ("id", "网点编号", Cell::Text("P-1".into())),
        ("name", "网点名称", Cell::Text("测试网点".into())),
        (
            "type",
            "网点类型",
            Cell::Text(style.pick(TYPES[spec.type_], 1).into()),
        ),
    ];
    let mut push = |key, zh, cell| out.push((key, zh, cell));
    if let Some(r) = spec.reference {
        push(
            "reference_type",
            "参照类型",
            Cell::Text(REFERENCES[r].into()),
        );
    }
    if let Some(g) = spec.claimed {
        let spellings = [
            format!("{}级", ["一", "二", "三", "四"][usize::from(g - 1)]),
            g.to_string(),
            format!("{g}级"),
        ];
        let s = style.pick(&[&spellings[0], &spellings[1], &spellings[2]], 2);
        push("claimed_grade", "申报级别", Cell::Text(s.to_string()));
    }
    for (i, (&(key, zh), value)) in YES_NO.iter().zip(spec.yes_no).enumerate() {
        let Some(b) = value else { continue };
        let cell = if style.messy && style.pick(&["native", "text"], 10 + i as u64) == "native" {
            Cell::Bool(b)
        } else if b {
            Cell::Text(
                style
                    .pick(
                        &["是", "有", "√", "✓", "Y", "yes", "TRUE", "1"],
                        20 + i as u64,
                    )
                    .into(),
            )
        } else {
            Cell::Text(
                style
                    .pick(&["否", "无", "×", "N", "no", "False", "0"], 20 + i as u64)
                    .into(),
            )
        };
        push(key, zh, cell);
    }
    if let Some(days) = spec.updated {
        let d = AS_OF.checked_sub(days.days()).unwrap();
        let (y, m, dd) = (d.year(), d.month(), d.day());
        let spellings = [
            format!("{y}-{m:02}-{dd:02}"),
            format!("{y}/{m}/{dd}"),
            format!("{y}.{m}.{dd}"),
            format!("{y}年{m}月{dd}日"),
            format!("{y}/{m}/{dd} 0:00"),
        ];
        let refs: Vec<&str> = spellings.iter().map(String::as_str).collect();
        push(
            "info_updated",
            "信息更新日期",
            Cell::Text(style.pick(&refs, 30).to_string()),
        );
    }
    for (i, (&(key, zh, units), value)) in COUNTS.iter().zip(spec.counts).enumerate() {
        let Some(n) = value else { continue };
        let cell = match style.pick(&["native", "plain", "unit", "padded"], 40 + i as u64) {
            "native" => Cell::Int(n),
            "unit" => Cell::Text(format!("{n}{}", style.pick(units, 50 + i as u64))),
            "padded" => Cell::Text(format!(" {n} ")),
            _ => Cell::Text(n.to_string()),
        };
        push(key, zh, cell);
    }
    if let Some(s) = spec.space {
        push(
            "service_space",
            "服务空间",
            Cell::Text(style.pick(SPACES[s], 60).into()),
        );
    }
    if let Some(a) = spec.area {
        let s = match style.pick(&["plain", "unit"], 61) {
            "unit" => format!("{a}平方米"),
            _ => a.to_string(),
        };
        push("space_area", "服务空间面积", Cell::Text(s));
    }
    if let Some(f) = spec.funds {
        let cell = match style.pick(&["native", "plain", "wan", "yuan", "grouped"], 70) {
            "native" => Cell::Int(f),
            "wan" => Cell::Text(format!("{f}万元")),
            "yuan" => Cell::Text(format!("{}元", f * 10_000)),
            "grouped" if f > 0 => Cell::Text(format!("{},000元", f * 10)),
            _ => Cell::Text(f.to_string()),
        };
        push("funds", "年度工作经费", cell);
    }
    if let Some(r) = spec.rules {
        push(
            "management_system",
            "服务事项及管理制度",
            Cell::Text(style.pick(RULES[r], 80).into()),
        );
    }
    for (key, zh, chosen, vocab, salt) in [
        (
            "equipment",
            "专业设备",
            &spec.equipment,
            &EQUIPMENT[..],
            100u64,
        ),
        ("services", "服务项目", &spec.services, &SERVICES[..], 200),
    ] {
        let Some(chosen) = chosen else { continue };
        let items: Vec<String> = chosen
            .iter()
            .enumerate()
            .filter(|(_, on)| **on)
            .map(|(i, _)| style.pick(vocab[i], salt + i as u64).to_string())
            .collect();
        if items.is_empty() {
            continue;
        }
        let cell = if style.messy && style.pick(&["native", "text"], salt + 50) == "native" {
            Cell::List(items)
        } else {
            let sep = style.pick(&["、", ";", "；", ",", "，", "|"], salt + 51);
            Cell::Text(items.join(sep))
        };
        push(key, zh, cell);
    }
    out
}

fn text_of(cell: &Cell) -> String {
    match cell {
        Cell::Text(s) => s.clone(),
        Cell::Int(n) => n.to_string(),
        Cell::Bool(b) => if *b { "是" } else { "否" }.to_string(),
        Cell::List(items) => items.join("、"),
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) || s.starts_with(' ') {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

#[derive(Clone, Copy, Debug)]
enum Encoding {
    Utf8,
    Utf8Bom,
    Gb18030,
}

/// A CSV file of one outlet, columns in `order` (a permutation of the cells' indices).
fn csv(spec: &Spec, style: Style, order: &[usize], encoding: Encoding) -> Vec<u8> {
    let cells = cells(spec, style);
    let order: Vec<usize> = order.iter().copied().filter(|&i| i < cells.len()).collect();
    let header: Vec<String> = order
        .iter()
        .map(|&i| {
            csv_field(if style.chinese {
                cells[i].1
            } else {
                cells[i].0
            })
        })
        .collect();
    let row: Vec<String> = order
        .iter()
        .map(|&i| csv_field(&text_of(&cells[i].2)))
        .collect();
    let text = format!("{}\n{}\n", header.join(","), row.join(","));
    match encoding {
        Encoding::Utf8 => text.into_bytes(),
        Encoding::Utf8Bom => [&b"\xEF\xBB\xBF"[..], text.as_bytes()].concat(),
        Encoding::Gb18030 => encoding_rs::GB18030.encode(&text).0.into_owned(),
    }
}

fn yaml_scalar(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// A YAML file of one outlet, keys in `order`.
fn yaml(spec: &Spec, style: Style, order: &[usize]) -> Vec<u8> {
    let cells = cells(spec, style);
    let mut text = String::from("outlets:\n");
    let mut first = true;
    for &i in order.iter().filter(|&&i| i < cells.len()) {
        let (key, zh, cell) = &cells[i];
        let value = match cell {
            Cell::Text(s) => yaml_scalar(s),
            Cell::Int(n) => n.to_string(),
            Cell::Bool(b) => b.to_string(),
            Cell::List(items) => format!(
                "[{}]",
                items
                    .iter()
                    .map(|s| yaml_scalar(s))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        let lead = if first { "  - " } else { "    " };
        first = false;
        let key = if style.chinese { zh } else { key };
        text.push_str(&format!("{lead}{key}: {value}\n"));
    }
    text.into_bytes()
}

/// Reads the one outlet of an inventory file and assesses it.
fn read(bytes: Vec<u8>, format: InputFormat) -> (Outlet, Assessment) {
    let book = book();
    let mut inventory =
        Inventory::from_reader(Box::new(Cursor::new(bytes.clone())), format, "prop", book)
            .unwrap_or_else(|e| panic!("{e}\n{}", String::from_utf8_lossy(&bytes)));
    let mut problems = Vec::new();
    let outlet = inventory
        .next_outlet(&mut problems)
        .expect("the row reads")
        .unwrap_or_else(|| {
            panic!(
                "no outlet: {problems:?}\n{}",
                String::from_utf8_lossy(&bytes)
            )
        });
    // Every spelling written is valid: at most the partner's missing reference is a warning.
    assert_eq!(
        outlet.errors,
        0,
        "{problems:?}\n{}",
        String::from_utf8_lossy(&bytes)
    );
    let assessment = Evaluator::new(book, AS_OF).assess(&outlet);
    (outlet, assessment)
}

fn plain(spec: &Spec) -> Assessment {
    let order: Vec<usize> = (0..64).collect();
    read(
        csv(spec, Style::PLAIN, &order, Encoding::Utf8),
        InputFormat::Csv,
    )
    .1
}

/// One way of adding a resource or a service.
#[derive(Clone, Debug)]
enum Add {
    /// A yes/no field becomes yes.
    Yes(usize),
    /// A count grows by 1 to 3 (from 0 when blank).
    More(usize, u32),
    Funds(u32),
    /// The service space or management system moves up a level.
    BetterSpace,
    BetterRules,
    Equipment(usize),
    Service(usize),
}

fn add() -> impl Strategy<Value = Add> {
    prop_oneof![
        (0..YES_NO.len()).prop_map(Add::Yes),
        (0..COUNTS.len(), 1u32..=3).prop_map(|(i, k)| Add::More(i, k)),
        (1u32..10).prop_map(Add::Funds),
        Just(Add::BetterSpace),
        Just(Add::BetterRules),
        (0..EQUIPMENT.len()).prop_map(Add::Equipment),
        (0..SERVICES.len()).prop_map(Add::Service),
    ]
}

fn apply(spec: &Spec, add: &Add) -> Spec {
    let mut s = spec.clone();
    let up = |level: Option<usize>| Some(level.map_or(0, |l| (l + 1).min(2)));
    match *add {
        Add::Yes(i) => s.yes_no[i] = Some(true),
        Add::More(i, k) => s.counts[i] = Some(s.counts[i].unwrap_or(0) + k),
        Add::Funds(k) => s.funds = Some(s.funds.unwrap_or(0) + k),
        Add::BetterSpace => s.space = up(s.space),
        Add::BetterRules => s.rules = up(s.rules),
        Add::Equipment(i) => s.equipment.get_or_insert_with(|| vec![false; 4])[i] = true,
        Add::Service(i) => s.services.get_or_insert_with(|| vec![false; 17])[i] = true,
    }
    s
}

fn grades(a: &Assessment) -> String {
    match a.assessed {
        Some(g) => format!("grade {g}"),
        None => "ungraded".into(),
    }
}

proptest! {
    // No regression files: a failure prints its minimal case, which belongs in a named test.
    #![proptest_config(ProptestConfig {
        cases: 512,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn adding_resources_never_lowers_the_grade(
        spec in spec(),
        adds in proptest::collection::vec(add(), 1..6),
    ) {
        let mut before = spec;
        let mut a = plain(&before);
        for add in &adds {
            let after = apply(&before, add);
            let b = plain(&after);
            prop_assert!(
                rank(b.assessed) <= rank(a.assessed),
                "{add:?} lowered {} to {}\nbefore: {before:?}\nafter: {after:?}",
                grades(&a),
                grades(&b)
            );
            for (i, (x, y)) in a.outcomes.iter().zip(&b.outcomes).enumerate() {
                prop_assert!(
                    !(*x == Outcome::Passed && y.failed()),
                    "{add:?} made rule {} fail",
                    book().rules[i].id
                );
            }
            before = after;
            a = b;
        }
    }

    #[test]
    fn grade_ignores_column_order_spelling_encoding_and_format(
        spec in spec(),
        order in Just((0..32).collect::<Vec<usize>>()).prop_shuffle(),
        chinese in any::<bool>(),
        messy in any::<bool>(),
        seed in any::<u64>(),
        pick in any::<Index>(),
    ) {
        let reference = plain(&spec);
        let style = Style { chinese, messy, seed };
        let files = [
            ("CSV in UTF-8", csv(&spec, style, &order, Encoding::Utf8), InputFormat::Csv),
            ("CSV in UTF-8 with a BOM", csv(&spec, style, &order, Encoding::Utf8Bom), InputFormat::Csv),
            ("CSV in GB18030", csv(&spec, style, &order, Encoding::Gb18030), InputFormat::Csv),
            ("YAML", yaml(&spec, style, &order), InputFormat::Yaml),
        ];
        // All four every time would be slow in a debug build: two of them, one picked at random.
        let chosen = [&files[pick.index(files.len())], &files[3]];
        for (what, bytes, format) in chosen {
            let (_, a) = read(bytes.clone(), *format);
            prop_assert_eq!(
                a.assessed,
                reference.assessed,
                "{} with {:?} grades differently:\n{}",
                what,
                style,
                String::from_utf8_lossy(bytes)
            );
            prop_assert_eq!(&a.outcomes, &reference.outcomes, "{}", what);
            prop_assert_eq!(a.status, reference.status, "{}", what);
        }
    }

    #[test]
    fn gap_list_is_empty_exactly_when_the_grade_is_reached(spec in spec()) {
        let order: Vec<usize> = (0..64).collect();
        let (outlet, a) = read(csv(&spec, Style::PLAIN, &order, Encoding::Utf8), InputFormat::Csv);
        let ev = Evaluator::new(book(), AS_OF);
        let required = |rules: &[usize]| {
            rules.iter().filter(|&&i| book().rules[i].kind == RuleKind::Required).count()
        };
        for target in 1..=4u8 {
            let reached = rank(a.assessed) <= target;
            let gaps = ev.gaps(&a, Some(target));
            prop_assert_eq!(
                gaps.is_empty(),
                reached,
                "gaps to grade {} of a {} outlet: {:?}",
                target,
                grades(&a),
                gaps
            );
            prop_assert_eq!(required(&gaps) == 0, reached);
            let rows = gaps_rows(&ev, &outlet, &a, Some(target), Lang::En);
            prop_assert_eq!(rows.is_empty(), reached, "the `gaps` report to grade {}", target);
        }
        // To the next grade: empty exactly for a grade-1 outlet, and the count says as much.
        let next = ev.gaps(&a, None);
        prop_assert_eq!(next.is_empty(), a.assessed == Some(1));
        prop_assert_eq!(required(&next), a.required_gaps);
        prop_assert_eq!(a.next.is_none(), a.assessed == Some(1));
    }

    /// The brief assessment of `grade` in CSV (required rules only, up to the first grade
    /// missed) finds the grade, status, next grade and gaps that the whole assessment does,
    /// `summary`'s standing (up to the first rule missed) its grade and status, and `gaps`' in
    /// CSV (the brief, then the rules on the way to the target) the same failing rules.
    #[test]
    fn the_brief_assessment_agrees_with_the_whole_one(spec in spec()) {
        let order: Vec<usize> = (0..64).collect();
        let (outlet, a) = read(csv(&spec, Style::PLAIN, &order, Encoding::Utf8), InputFormat::Csv);
        let ev = Evaluator::new(book(), AS_OF);
        prop_assert_eq!(ev.brief(&outlet), a.brief(), "{}", grades(&a));
        prop_assert_eq!(ev.standing(&outlet), a.brief().standing());
        // `gaps` in CSV: the rules on the way to each target, with their outcomes.
        for target in [None, Some(1), Some(2), Some(3), Some(4)] {
            let whole: Vec<(usize, Outcome)> =
                ev.gaps(&a, target).into_iter().map(|i| (i, a.outcomes[i])).collect();
            prop_assert_eq!(ev.brief_gaps(&outlet, target), (a.brief(), whole), "to {:?}", target);
        }
    }
}

/// The generator of specs reaches every grade: the properties above are not vacuous.
#[test]
fn random_outlets_reach_every_grade() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let strategy = spec();
    let mut seen = [0u32; 5];
    for _ in 0..2000 {
        let spec = strategy.new_tree(&mut runner).unwrap().current();
        seen[usize::from(rank(plain(&spec).assessed)) - 1] += 1;
    }
    eprintln!("outlets by grade 1-4, ungraded: {seen:?}");
    assert!(
        seen.iter().all(|&n| n >= 40),
        "outlets by grade 1-4, ungraded: {seen:?}"
    );
}
