//! Grading on several threads gives the same report, problems and exit code as grading on one.
//!
//! The inventory here is the example county repeated until it spans many of the batches the
//! threads take, with the trouble that depends on order mixed in: repeated ids (the first one
//! wins), rows without id or type, partner outlets without a reference type, bad cells, and
//! division codes that contradict an earlier outlet of the same township.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    reason = "a test fails loudly when its own set-up fails"
)]

mod common;

use std::path::Path;

use common::run::run;

/// The example county 60 times over (3,000 rows, a dozen batches), with trouble every few rows.
fn messy_inventory(dir: &Path) -> String {
    let text = std::fs::read(common::files::root("examples/county.csv")).unwrap();
    let mut reader = csv::ReaderBuilder::new().from_reader(text.as_slice());
    let headers = reader.headers().unwrap().clone();
    let column = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (id, type_, code, windows, date) = (
        column("网点编号"),
        column("网点类型"),
        column("行政区划代码"),
        column("经办窗口数"),
        column("信息更新日期"),
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let path = dir.join("messy.csv");
    let mut writer = csv::Writer::from_path(&path).unwrap();
    writer.write_record(&headers).unwrap();
    let mut n = 0usize;
    for copy in 0..60 {
        for row in &rows {
            n += 1;
            let mut cells: Vec<String> = row.iter().map(str::to_string).collect();
            cells[id] = format!("{}-{copy}", cells[id]);
            match n % 13 {
                // A repeat of an id read several batches before.
                1 if n > 700 => cells[id] = format!("{}-{}", &row[id], copy - 5),
                3 => cells[id].clear(),
                5 => cells[type_].clear(),
                7 => cells[windows] = "两个半".into(),
                9 => cells[date] = "2025-13-45".into(),
                11 => cells[code] = format!("5201{:08}", n % 97),
                12 => cells[type_] = "共建".into(),
                _ => {}
            }
            writer.write_record(&cells).unwrap();
        }
    }
    writer.flush().unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn every_number_of_threads_gives_the_same_report_problems_and_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let inventory = messy_inventory(dir.path());
    for command in ["grade", "gaps", "summary"] {
        for format in ["csv", "json", "table"] {
            let args = |threads: &'static str| {
                run(&[
                    command,
                    &inventory,
                    "--format",
                    format,
                    "--threads",
                    threads,
                ])
            };
            let one = args("1");
            assert_eq!(one.status.code(), Some(1), "{command} {format}: findings");
            let stderr = String::from_utf8_lossy(&one.stderr);
            for trouble in [
                "重复",
                "未填参照类型",
                "两个半",
                "2025-13-45",
                "行政区划代码",
            ] {
                assert!(
                    stderr.contains(trouble),
                    "{command}: no `{trouble}` in\n{stderr}"
                );
            }
            for threads in ["2", "3", "8"] {
                let many = args(threads);
                assert_eq!(
                    many.status.code(),
                    one.status.code(),
                    "{command} -j {threads}"
                );
                assert!(
                    many.stdout == one.stdout,
                    "{command} {format}: the report differs with {threads} threads"
                );
                assert!(
                    many.stderr == one.stderr,
                    "{command} {format}: the problems differ with {threads} threads"
                );
            }
        }
    }
}

#[test]
fn diff_reads_both_inventories_on_any_number_of_threads_as_on_one() {
    let dir = tempfile::tempdir().unwrap();
    let messy = messy_inventory(dir.path());
    let county = common::files::root("examples/county.csv");
    let county = county.to_str().unwrap();
    // The messy file as the later inventory, then as the earlier one.
    for (old, new) in [(county, messy.as_str()), (messy.as_str(), county)] {
        for format in ["csv", "table"] {
            let args = |threads: &'static str| {
                run(&["diff", old, new, "--format", format, "--threads", threads])
            };
            let one = args("1");
            assert!(
                one.stdout.len() > 1000,
                "{old} → {new}: a report\n{}",
                String::from_utf8_lossy(&one.stderr)
            );
            for threads in ["2", "8"] {
                let many = args(threads);
                assert_eq!(many.status.code(), one.status.code(), "-j {threads}");
                assert!(
                    many.stdout == one.stdout,
                    "{old} → {new} {format}: the report differs with {threads} threads"
                );
                assert!(
                    many.stderr == one.stderr,
                    "{old} → {new} {format}: the problems differ with {threads} threads"
                );
            }
        }
    }
}

#[test]
fn threads_read_yaml_and_gbk_inventories_as_one_does() {
    for input in ["examples/county.yaml", "examples/county-gbk.csv"] {
        let one = run(&["grade", input, "--format", "csv", "-j", "1"]);
        let many = run(&["grade", input, "--format", "csv", "-j", "4"]);
        assert_eq!(one.status.code(), many.status.code(), "{input}");
        assert!(one.stdout == many.stdout, "{input}: the report differs");
        assert!(one.stderr == many.stderr, "{input}: the problems differ");
        assert!(one.stdout.len() > 1000, "{input}: a report of 50 outlets");
    }
}

#[test]
fn csv_fields_with_commas_quotes_and_line_breaks_are_quoted_on_any_number_of_threads() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("quoted.csv");
    std::fs::write(
        &path,
        "网点编号,网点名称,网点类型,备注\nQ-1,\"甲,乙\"\"站\"\"\",社区,\"多行\n备注\"\nQ-2,平常站,村,无\n",
    )
    .unwrap();
    let path = path.to_str().unwrap();
    for threads in ["1", "2"] {
        let out = run(&[
            "grade", path, "--format", "csv", "--lang", "en", "-j", threads,
        ]);
        let mut reader = csv::Reader::from_reader(out.stdout.as_slice());
        let headers = reader.headers().unwrap().clone();
        let column = |name: &str| headers.iter().position(|h| h == name).unwrap();
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 2, "-j {threads}");
        assert_eq!(&rows[0][column("name")], "甲,乙\"站\"", "-j {threads}");
        assert_eq!(&rows[0][column("备注")], "多行\n备注", "-j {threads}");
        assert_eq!(&rows[1][column("name")], "平常站", "-j {threads}");
    }
}
