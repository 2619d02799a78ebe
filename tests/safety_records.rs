//! Hostile records (issue 17, items 10-13): counts bounded alike from every reader, duplicated
//! pass-through columns kept in JSON, an unterminated quote reported, and memory bounded by bytes
//! (a very wide row, very long rows), the last measured as the child process's peak RSS.

#![allow(
    clippy::expect_used,
    reason = "a test fails loudly when its fixture is broken"
)]

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use common::run::{json_of, report, report_in, stdout};
use common::table::Table;
use common::{baseline, book, csv, read_bytes, read_csv, with_owned};
use outlet::inventory::{InputFormat, Value};
use outlet::problem::ProblemKind;
use rust_xlsxwriter::Workbook;

/// The staff-count field of the built-in rulebook.
fn part_time_staff() -> usize {
    book()
        .fields
        .iter()
        .position(|f| f.key == "part_time_staff")
        .expect("the built-in rulebook has part_time_staff")
}

/// A workbook of the baseline outlet, with `兼职人员数` stored as the number `staff`.
fn workbook_with_staff(staff: f64) -> Vec<u8> {
    let mut wb = Workbook::new();
    let s = wb.add_worksheet();
    for (c, (h, v)) in baseline().iter().enumerate() {
        let c = u16::try_from(c).expect("few columns");
        s.write(0, c, h.as_str()).expect("a header");
        if h == "兼职人员数" {
            s.write(1, c, staff).expect("a cell");
        } else {
            s.write(1, c, v.as_str()).expect("a cell");
        }
    }
    wb.save_to_buffer().expect("the workbook is made")
}

#[test]
fn a_huge_count_is_the_same_data_error_from_csv_and_from_a_workbook() {
    let f = part_time_staff();
    let nines = "99999999999999999999";
    let from_csv = read_csv(&csv(&[with_owned(&[("兼职人员数", nines.to_string())])]));
    let from_xlsx = read_bytes(
        workbook_with_staff(99_999_999_999_999_999_999.0),
        InputFormat::Xlsx,
    );
    for (reader, read) in [("csv", &from_csv), ("xlsx", &from_xlsx)] {
        let outlet = read.only();
        assert_eq!(outlet.value(f), &Value::Missing, "{reader}");
        let errors = read.errors();
        assert_eq!(errors.len(), 1, "{reader}: {:?}", read.problems);
        assert_eq!(
            errors[0].kind,
            ProblemKind::CountTooLarge { max: 100_000 },
            "{reader}"
        );
        assert_eq!(errors[0].column.as_deref(), Some("兼职人员数"), "{reader}");
    }
    // The bound itself is a count, from either reader.
    let at_bound = read_csv(&csv(&[with_owned(&[("兼职人员数", "100000".to_string())])]));
    assert_eq!(at_bound.only().value(f), &Value::Number(100_000.0));
    let at_bound = read_bytes(workbook_with_staff(100_000.0), InputFormat::Xlsx);
    assert_eq!(at_bound.only().value(f), &Value::Number(100_000.0));
}

#[test]
fn two_pass_through_columns_of_one_name_keep_both_values_in_every_format() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut row = baseline();
    row.push(("备注".to_string(), "第一条".to_string()));
    row.push(("联系人".to_string(), "张三".to_string()));
    row.push(("备注".to_string(), "第二条".to_string()));
    row.push(("备注".to_string(), "第三条".to_string()));
    let path = dir.path().join("two-notes.csv");
    std::fs::write(&path, csv(&[row])).expect("written");
    let p = path.to_str().expect("a UTF-8 path");
    let doc = json_of(&report("json", &["grade", p]));
    let first = &doc["outlets"][0];
    assert_eq!(first["备注"], "第一条", "{first}");
    assert_eq!(first["备注_2"], "第二条", "{first}");
    assert_eq!(first["备注_3"], "第三条", "{first}");
    assert_eq!(first["联系人"], "张三", "{first}");
    // CSV names the columns alike, in both languages.
    for lang in ["en", "zh"] {
        let out = report_in(lang, "csv", &["grade", p]);
        let table = Table::parse(&stdout(&out));
        let tail: Vec<&str> = table
            .headers
            .iter()
            .rev()
            .take(4)
            .rev()
            .map(String::as_str)
            .collect();
        assert_eq!(tail, ["备注", "联系人", "备注_2", "备注_3"], "{lang}");
        assert_eq!(table.column("备注_2"), ["第二条"]);
    }
}

#[test]
fn a_quote_never_closed_is_an_error_at_its_row_saying_how_many_lines_it_took() {
    let rows: Vec<_> = (1..=6)
        .map(|i| with_owned(&[("网点编号", format!("Q-{i}"))]))
        .collect();
    let mut text = csv(&rows);
    // Row 3 (the second outlet) opens a quote in its name that nothing closes.
    let second = text.find("Q-2,").expect("the second row") + "Q-2,".len();
    text.insert(second, '"');
    let read = read_csv(&text);
    assert_eq!(
        read.outlets
            .iter()
            .map(|o| o.id.as_str())
            .collect::<Vec<_>>(),
        ["Q-1"]
    );
    let errors = read.errors();
    assert_eq!(errors.len(), 1, "{:?}", read.problems);
    assert_eq!(errors[0].row, Some(3));
    assert_eq!(errors[0].kind, ProblemKind::UnterminatedQuote { lines: 4 });
    // Said in either language, exit 1 even so.
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("open-quote.csv");
    std::fs::write(&path, &text).expect("written");
    let p = path.to_str().expect("a UTF-8 path");
    for (lang, words) in [("en", "never closed"), ("zh", "未闭合")] {
        let out = common::run::run(&["grade", p, "--lang", lang, "--format", "csv"]);
        assert_eq!(common::run::code(&out), 1, "{lang}");
        let err = common::run::stderr(&out);
        assert!(err.contains(words) && err.contains('4'), "{lang}: {err}");
    }
    // A cell over several lines inside closed quotes is still one cell, and no error.
    let mut text = csv(&rows);
    text.insert_str(second, "\"第一行\n第二行\"");
    let read = read_csv(&text);
    assert_eq!(read.outlets.len(), 6, "{:?}", read.problems);
    assert!(read.errors().is_empty(), "{:?}", read.problems);
    assert!(read.outlet("Q-2").name.starts_with("第一行\n第二行"));
}

/// Runs `outlet ARGS…` with what `feed` writes on its standard input, its output discarded;
/// returns its exit code and its peak resident set size in MB, read from `/proc/PID/status`
/// (`VmHWM`, a high-water mark) while it runs. No timing: it runs as long as it takes.
fn peak_rss_mb(args: &[&str], feed: impl FnOnce(&mut dyn Write) + Send) -> (Option<i32>, u64) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_outlet"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("outlet runs");
    let status_path = format!("/proc/{}/status", child.id());
    let mut stdin = child.stdin.take().expect("a pipe");
    std::thread::scope(|scope| {
        scope.spawn(move || {
            feed(&mut stdin);
            drop(stdin);
        });
        let mut peak_kib = 0u64;
        let status = loop {
            if let Ok(status) = std::fs::read_to_string(&status_path) {
                let hwm = status
                    .lines()
                    .find_map(|l| l.strip_prefix("VmHWM:"))
                    .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok());
                peak_kib = peak_kib.max(hwm.unwrap_or(0));
            }
            if let Some(status) = child.try_wait().expect("outlet is waited for") {
                break status;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        };
        (status.code(), peak_kib / 1024)
    })
}

#[test]
fn a_row_of_forty_million_empty_fields_takes_little_memory() {
    // 40 MB of commas in one row (27 bytes a field took 1 GB): the row is an error, and the
    // reader keeps no more than a worksheet's columns of it.
    let header = "网点编号,网点名称,网点类型\n";
    let (code, peak) = peak_rss_mb(
        &["grade", "-", "--format", "csv", "--as-of", "2025-11-30"],
        |w| {
            let _ = w.write_all(header.as_bytes());
            let _ = w.write_all(b"W-1");
            let chunk = vec![b','; 1 << 20];
            for _ in 0..40 {
                if w.write_all(&chunk).is_err() {
                    return;
                }
            }
            let _ = w.write_all("\nW-2,东城,村\n".as_bytes());
        },
    );
    assert_eq!(code, Some(1), "a data error, the run goes on");
    assert!(peak < 200, "peak RSS {peak} MB");
}

#[test]
fn rows_of_a_megabyte_on_two_threads_take_megabytes_not_gigabytes() {
    // 200 rows of 1 MB: before, the read-ahead was counted in rows (2,048 on two threads) and
    // held the whole input (about 700 MB); bounded by bytes, at most 64 MB are in flight.
    let cell = vec![b'x'; 1 << 20];
    let (code, peak) = peak_rss_mb(
        &[
            "grade",
            "-",
            "--format",
            "csv",
            "--as-of",
            "2025-11-30",
            "--threads",
            "2",
        ],
        |w| {
            let _ = w.write_all("网点编号,网点名称,网点类型,备注\n".as_bytes());
            for i in 0..200 {
                let row = format!("L-{i},网点{i},村,");
                if w.write_all(row.as_bytes()).is_err()
                    || w.write_all(&cell).is_err()
                    || w.write_all(b"\n").is_err()
                {
                    return;
                }
            }
        },
    );
    assert!(matches!(code, Some(0 | 1)), "graded: {code:?}");
    assert!(peak < 250, "peak RSS {peak} MB");
}

#[test]
fn a_header_that_a_quote_or_its_width_makes_unreadable_is_refused_in_either_language() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let quoted = dir.path().join("header-quote.csv");
    std::fs::write(
        &quoted,
        "网点编号,\"网点名称,网点类型\nA-1,东城,村\nA-2,西城,村\n",
    )
    .expect("written");
    let wide = dir.path().join("header-wide.csv");
    let mut header = String::from("网点编号,网点名称,网点类型");
    header.push_str(&",列".repeat(20_000));
    std::fs::write(&wide, format!("{header}\nA-1,东城,村\n")).expect("written");
    for (path, en, zh) in [
        (&quoted, "never closed", "未闭合"),
        (&wide, "20003 columns", "20003 列"),
    ] {
        let p = path.to_str().expect("a UTF-8 path");
        for (lang, words) in [("en", en), ("zh", zh)] {
            let out = common::run::run(&["grade", p, "--lang", lang, "--format", "csv"]);
            assert_eq!(common::run::code(&out), 2, "{p} {lang}");
            let err = common::run::stderr(&out);
            assert!(err.contains(words), "{p} {lang}: {err}");
        }
    }
}
