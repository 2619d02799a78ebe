//! What the integration tests share: a grade-1 baseline outlet, inventories built from it one
//! changed cell at a time, and the few calls into the library that read and assess them.
//!
//! The baseline is written here from DOMAIN.md, not from the rulebook, so that a test compares
//! the tool against the spec rather than against itself.
//!
//! The tests of the binary share [`run`] (running `outlet` and reading what it printed), [`table`]
//! (its CSV and JSON reports) and [`files`] (the examples and scratch folders).

#![allow(
    dead_code,
    reason = "each test crate uses a different part of this module"
)]
#![allow(
    clippy::expect_used,
    reason = "a test fails loudly when its fixture is broken"
)]

use std::io::Cursor;
use std::sync::LazyLock;

use jiff::civil::{Date, date};
use outlet::eval::{Assessment, Evaluator, Outcome};
use outlet::inventory::{InputFormat, Inventory, Outlet, Value};
use outlet::problem::{Problem, Severity};
use outlet::rulebook::Rulebook;

pub mod files;
pub mod run;
pub mod table;

/// Every test grades as of this date.
pub const AS_OF: &str = "2025-11-30";

pub fn as_of() -> Date {
    date(2025, 11, 30)
}

/// The built-in rulebook, loaded once.
pub fn book() -> &'static Rulebook {
    static BOOK: LazyLock<Rulebook> =
        LazyLock::new(|| Rulebook::builtin().expect("the built-in rulebook loads"));
    &BOOK
}

/// The 17 services of DOMAIN.md's vocabulary, by canonical name.
pub const SERVICES: [&str; 17] = [
    "就业信息查询",
    "信息宣传",
    "就失业登记",
    "求职登记",
    "补贴申领",
    "劳动力资源摸排",
    "重点群体摸排",
    "就业困难人员认定",
    "职业指导",
    "岗位推荐",
    "培训信息推荐",
    "供需匹配",
    "培训报名",
    "就业援助",
    "一对一服务",
    "职业生涯规划",
    "岗位说明书指导",
];

/// Every service a grade-1 outlet must offer, by canonical name, in grade order: all of
/// [`SERVICES`] but 就业困难人员认定 (index 7), which no grade asks for.
pub const ALL_SERVICES: [&str; 16] = {
    let mut out = [""; 16];
    let mut i = 0;
    while i < out.len() {
        out[i] = SERVICES[if i < 7 { i } else { i + 1 }];
        i += 1;
    }
    out
};

/// The services of a grade-1 outlet joined with 、.
pub fn all_services() -> String {
    ALL_SERVICES.join("、")
}

/// The services of a grade-1 outlet without `name`.
pub fn services_without(name: &str) -> String {
    assert!(
        ALL_SERVICES.contains(&name),
        "`{name}` is no baseline service"
    );
    ALL_SERVICES
        .iter()
        .filter(|s| **s != name)
        .copied()
        .collect::<Vec<_>>()
        .join("、")
}

/// A 乡镇 outlet with every field at grade-1 level (and the advisory rules met too), by Chinese
/// header. `服务项目` is filled in by [`baseline`].
const BASELINE: [(&str, &str); 24] = [
    ("网点编号", "B-001"),
    ("网点名称", "基线乡镇就业服务站"),
    // Blank: a code would contradict the type whenever a test changes the type.
    ("行政区划代码", ""),
    ("网点类型", "乡镇"),
    ("参照类型", ""),
    ("申报级别", "一级"),
    ("信息发布栏", "是"),
    ("线上发布渠道", "是"),
    ("信息更新日期", "2025-11-20"),
    ("自助查询机", "1"),
    ("经办窗口数", "2"),
    ("专职人员数", "2"),
    ("兼职人员数", "1"),
    ("电脑数", "3"),
    ("业务系统接入", "是"),
    ("服务空间", "独立"),
    ("服务空间面积", "120"),
    ("家门口就业服务站", "是"),
    ("党建引领", "是"),
    ("年度工作经费", "5"),
    ("专项经费", "是"),
    ("服务事项及管理制度", "完整"),
    ("专业设备", "AI面试模拟"),
    ("服务项目", ""),
];

/// One inventory row: (header, cell) pairs in column order.
pub type Row = Vec<(String, String)>;

/// The baseline row.
pub fn baseline() -> Row {
    BASELINE
        .iter()
        .map(|(h, v)| {
            let v = if *h == "服务项目" {
                all_services()
            } else {
                v.to_string()
            };
            (h.to_string(), v)
        })
        .collect()
}

/// The baseline's headers, in column order.
pub fn baseline_headers() -> Vec<String> {
    baseline().into_iter().map(|(h, _)| h).collect()
}

/// The cells of outlet `id`: the baseline's with `changes`, in column order.
pub fn baseline_values(id: &str, changes: &[(&str, &str)]) -> Vec<String> {
    let mut all = vec![("网点编号", id)];
    all.extend_from_slice(changes);
    with(&all).into_iter().map(|(_, v)| v).collect()
}

/// The column of the baseline's header `name`.
pub fn baseline_column(name: &str) -> u16 {
    baseline_headers()
        .iter()
        .position(|h| h == name)
        .expect("a column") as u16
}

/// The baseline row with some cells changed (a header it lacks is added as a new column).
pub fn with(changes: &[(&str, &str)]) -> Row {
    let mut row = baseline();
    for (h, v) in changes {
        match row.iter_mut().find(|(rh, _)| rh == h) {
            Some(cell) => cell.1 = v.to_string(),
            None => row.push((h.to_string(), v.to_string())),
        }
    }
    row
}

/// The baseline row with one cell changed to an owned value.
pub fn with_owned(changes: &[(&str, String)]) -> Row {
    let borrowed: Vec<(&str, &str)> = changes.iter().map(|(h, v)| (*h, v.as_str())).collect();
    with(&borrowed)
}

fn csv_cell(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// A CSV file (LF line endings) of rows that share the first row's headers.
pub fn csv(rows: &[Row]) -> String {
    let first = rows.first().expect("at least one row");
    let mut out = first
        .iter()
        .map(|(h, _)| csv_cell(h))
        .collect::<Vec<_>>()
        .join(",");
    out.push('\n');
    for row in rows {
        assert_eq!(
            row.iter().map(|(h, _)| h).collect::<Vec<_>>(),
            first.iter().map(|(h, _)| h).collect::<Vec<_>>(),
            "every row of a test inventory has the same columns"
        );
        out.push_str(
            &row.iter()
                .map(|(_, v)| csv_cell(v))
                .collect::<Vec<_>>()
                .join(","),
        );
        out.push('\n');
    }
    out
}

/// What reading an inventory gave: the outlets that can be graded and every problem met.
pub struct Read {
    pub outlets: Vec<Outlet>,
    pub problems: Vec<Problem>,
}

impl Read {
    pub fn errors(&self) -> Vec<&Problem> {
        self.problems
            .iter()
            .filter(|p| p.severity == Severity::Error)
            .collect()
    }

    pub fn warnings(&self) -> Vec<&Problem> {
        self.problems
            .iter()
            .filter(|p| p.severity == Severity::Warning)
            .collect()
    }

    /// The only outlet read.
    pub fn only(&self) -> &Outlet {
        assert_eq!(
            self.outlets.len(),
            1,
            "expected one outlet; problems: {:?}",
            self.problems
        );
        &self.outlets[0]
    }

    pub fn outlet(&self, id: &str) -> &Outlet {
        self.outlets
            .iter()
            .find(|o| o.id == id)
            .unwrap_or_else(|| panic!("no outlet `{id}` was read; problems: {:?}", self.problems))
    }
}

/// Reads an inventory from bytes with the built-in rulebook.
pub fn read_bytes(bytes: Vec<u8>, format: InputFormat) -> Read {
    let label = if format == InputFormat::Yaml {
        "t.yaml"
    } else {
        "t.csv"
    };
    read_labelled(bytes, format, label)
}

/// Reads an inventory from bytes with the built-in rulebook, naming it `label` in problems.
pub fn read_labelled(bytes: Vec<u8>, format: InputFormat, label: &str) -> Read {
    let mut inv = Inventory::from_reader(Box::new(Cursor::new(bytes)), format, label, book())
        .expect("the inventory opens");
    let mut problems = Vec::new();
    let mut outlets = Vec::new();
    while let Some(o) = inv.next_outlet(&mut problems).expect("the inventory reads") {
        outlets.push(o);
    }
    Read { outlets, problems }
}

pub fn read_csv(text: &str) -> Read {
    read_bytes(text.as_bytes().to_vec(), InputFormat::Csv)
}

pub fn read_yaml(text: &str) -> Read {
    read_bytes(text.as_bytes().to_vec(), InputFormat::Yaml)
}

/// Reads the rows as CSV.
pub fn read_rows(rows: &[Row]) -> Read {
    read_csv(&csv(rows))
}

pub fn assess(outlet: &Outlet) -> Assessment {
    Evaluator::new(book(), as_of()).assess(outlet)
}

pub fn assess_at(outlet: &Outlet, day: Date) -> Assessment {
    Evaluator::new(book(), day).assess(outlet)
}

/// The index of a rule of the built-in rulebook.
pub fn rule(id: &str) -> usize {
    book()
        .rule_by_id(id)
        .unwrap_or_else(|| panic!("the built-in rulebook has no rule `{id}`"))
}

/// A rule's outcome in an assessment.
pub fn outcome(a: &Assessment, id: &str) -> Outcome {
    a.outcomes[rule(id)]
}

/// Reads one row (as CSV) and assesses it; fails the test if the row is not read as one outlet.
pub fn assess_row(row: Row) -> (Outlet, Assessment, Vec<Problem>) {
    let read = read_rows(&[row]);
    let outlet = read.only().clone();
    let a = assess(&outlet);
    (outlet, a, read.problems)
}

/// The index of a field of the built-in rulebook.
pub fn field(key: &str) -> usize {
    book()
        .field_by_key(key)
        .unwrap_or_else(|| panic!("the built-in rulebook has no field `{key}`"))
}

/// The index of an entry of a vocabulary, by its key.
pub fn entry(vocabulary: &str, key: &str) -> u16 {
    let v = book()
        .vocabularies
        .iter()
        .find(|v| v.key == vocabulary)
        .unwrap_or_else(|| panic!("no vocabulary `{vocabulary}`"));
    let i = v
        .entries
        .iter()
        .position(|e| e.key == key)
        .unwrap_or_else(|| panic!("vocabulary `{vocabulary}` has no `{key}`"));
    u16::try_from(i).expect("a small vocabulary")
}

/// The index of a type of the built-in rulebook, by its key.
pub fn type_index(key: &str) -> usize {
    book()
        .type_by_key(key)
        .unwrap_or_else(|| panic!("no type `{key}`"))
}

/// The list of a vocabulary's entries a list value should hold, sorted as the reader keeps them.
pub fn list_of(vocabulary: &str, keys: &[&str]) -> Value {
    let mut items: Vec<u16> = keys.iter().map(|k| entry(vocabulary, k)).collect();
    items.sort_unstable();
    items.dedup();
    Value::List(items)
}

/// The one problem in `problems` (fails the test when there is not exactly one).
pub fn only_problem(problems: &[Problem]) -> &Problem {
    assert_eq!(problems.len(), 1, "expected one problem, got {problems:?}");
    &problems[0]
}

/// Asserts where a problem is: its row, column and value.
pub fn assert_at(p: &Problem, row: u64, column: &str, value: &str) {
    assert_eq!(p.row, Some(row), "row of {p:?}");
    assert_eq!(p.column.as_deref(), Some(column), "column of {p:?}");
    assert_eq!(p.value.as_deref(), Some(value), "value of {p:?}");
}

/// The entries of a zip (a workbook), rewritten through `edit` (name, bytes → bytes).
pub fn rezip(bytes: &[u8], edit: impl Fn(&str, Vec<u8>) -> Vec<u8>) -> Vec<u8> {
    use std::io::{Read as _, Write as _};
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("a zip");
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for i in 0..zip.len() {
        let mut file = zip.by_index(i).expect("an entry");
        let name = file.name().to_string();
        let mut data = Vec::new();
        file.read_to_end(&mut data).expect("read");
        let data = edit(&name, data);
        out.start_file(name, zip::write::SimpleFileOptions::default())
            .expect("an entry");
        out.write_all(&data).expect("written");
    }
    out.finish().expect("a zip").into_inner()
}

/// A workbook's bytes with its entry `entry` (a sheet's XML) rewritten through `edit`; every
/// other entry as it was.
pub fn edit_zip_entry(bytes: &[u8], entry: &str, edit: impl Fn(String) -> String) -> Vec<u8> {
    rezip(bytes, |name, data| {
        if name == entry {
            edit(String::from_utf8(data).expect("UTF-8")).into_bytes()
        } else {
            data
        }
    })
}
