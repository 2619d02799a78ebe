//! Hostile inputs: files that are empty, broken, binary, huge in one dimension or built to exhaust a
//! parser. Each must end in a clear error (exit 2) or a data problem (exit 1, or a warning) — never
//! a panic, a hang, or memory that grows without bound.
//!
//! The small files live in `tests/hostile/`; the large ones (a 1 MB cell, 10,000 columns, YAML
//! nested 100,000 deep) are made here at run time. Every run of `outlet` here has a time limit and
//! a limit on its address space (`ulimit -v`), so a hang or a memory blow-up fails the test instead
//! of the machine. Inputs that the fuzzers found to crash are kept in `tests/hostile/` as
//! `fuzz-*` files and run by [`every_corpus_file_ends_cleanly`].

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    reason = "a test fails loudly when its own set-up fails"
)]

use std::ffi::OsStr;
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Wall-clock limit of one run: generous for a debug build on a loaded machine.
const TIME_LIMIT: Duration = Duration::from_secs(30);
/// Address-space limit of one run, in KiB. `outlet` grades a 1 MB cell in under 64 MiB.
const MEMORY_LIMIT_KIB: u64 = 256 * 1024;

/// The outcome of one run of `outlet`.
#[derive(Debug)]
struct Run {
    /// The exit code; `None` when a signal ended it (an abort on allocation failure, say).
    code: Option<i32>,
    stdout: String,
    stderr: String,
    elapsed: Duration,
}

fn corpus(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/hostile")
        .join(name)
}

/// Runs `outlet ARGS` with stdin closed, under the time and memory limits.
fn outlet<I, S>(args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let dir = tempfile::tempdir().unwrap();
    let out_path = dir.path().join("stdout");
    let err_path = dir.path().join("stderr");
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -v {MEMORY_LIMIT_KIB} && exec \"$0\" \"$@\""
        ))
        .arg(env!("CARGO_BIN_EXE_outlet"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(File::create(&out_path).unwrap())
        .stderr(File::create(&err_path).unwrap())
        .spawn()
        .expect("sh runs");
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > TIME_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("outlet did not finish within {TIME_LIMIT:?}: a hang");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let read = |p: &Path| String::from_utf8_lossy(&fs::read(p).unwrap()).into_owned();
    Run {
        code: status.code(),
        stdout: read(&out_path),
        stderr: read(&err_path),
        elapsed: start.elapsed(),
    }
}

/// `outlet grade` in English CSV, so that messages can be matched.
fn grade(path: &Path) -> Run {
    outlet([
        OsStr::new("grade"),
        OsStr::new("--as-of"),
        OsStr::new("2025-11-30"),
        OsStr::new("--format"),
        OsStr::new("csv"),
        OsStr::new("--lang"),
        OsStr::new("en"),
        path.as_os_str(),
    ])
}

impl Run {
    /// Ended by itself with a documented exit code, without a panic.
    fn ended_cleanly(&self) -> &Self {
        assert!(
            !self.stderr.contains("panicked"),
            "outlet panicked:\n{}",
            self.stderr
        );
        assert!(
            matches!(self.code, Some(0..=2)),
            "exit code {:?} (a signal, an abort or a panic); stderr:\n{}",
            self.code,
            head(&self.stderr)
        );
        self
    }

    /// Could not run (exit 2), saying why in one line that contains `needle`.
    fn clear_error(&self, needle: &str) -> &Self {
        self.ended_cleanly();
        assert_eq!(self.code, Some(2), "stderr:\n{}", head(&self.stderr));
        let lines: Vec<&str> = self.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "one line of error:\n{}", head(&self.stderr));
        assert!(
            lines[0].starts_with("error: ") && lines[0].contains(needle),
            "expected an error about `{needle}`, got:\n{}",
            lines[0]
        );
        self
    }

    /// Ran to the end and reported a data error that contains each of `needles` (exit 1).
    fn data_error(&self, needles: &[&str]) -> &Self {
        self.ended_cleanly();
        assert_eq!(self.code, Some(1), "stderr:\n{}", head(&self.stderr));
        for needle in needles {
            assert!(
                self.stderr.contains(needle),
                "expected a data problem with `{needle}`, got:\n{}",
                head(&self.stderr)
            );
        }
        self
    }

    /// The outlets graded, by the `id` column of the CSV report.
    fn graded_ids(&self) -> Vec<String> {
        self.stdout
            .lines()
            .skip(1)
            .filter_map(|l| l.split(',').next())
            .map(str::to_string)
            .collect()
    }
}

/// The first lines of a long output, for assertion messages.
fn head(s: &str) -> String {
    let out: String = s.lines().take(12).collect::<Vec<_>>().join("\n");
    out.chars().take(3000).collect()
}

const HEADER: &str = "网点编号,网点名称,网点类型,经办窗口数,服务项目,备注\n";

fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn every_corpus_file_ends_cleanly() {
    let dir = corpus("");
    let mut seen = 0;
    for entry in fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        for command in ["grade", "gaps"] {
            for format in ["csv", "json"] {
                let run = outlet([
                    OsStr::new(command),
                    OsStr::new("--as-of"),
                    OsStr::new("2025-11-30"),
                    OsStr::new("--format"),
                    OsStr::new(format),
                    path.as_os_str(),
                ]);
                assert!(
                    !run.stderr.contains("panicked") && matches!(run.code, Some(0..=2)),
                    "{name}: outlet {command} --format {format} ended with {:?}:\n{}",
                    run.code,
                    head(&run.stderr)
                );
            }
        }
        seen += 1;
    }
    assert!(seen >= 15, "the corpus has {seen} files");
}

#[test]
fn empty_file_is_an_error() {
    grade(&corpus("empty.csv")).clear_error("the file is empty");
}

#[test]
fn byte_order_mark_alone_is_an_empty_file() {
    grade(&corpus("bom-only.csv")).clear_error("the file is empty");
}

#[test]
fn blank_lines_alone_are_an_empty_file() {
    grade(&corpus("blank-lines-only.csv")).clear_error("the file is empty");
}

#[test]
fn header_only_warns_that_there_are_no_outlets() {
    let run = grade(&corpus("header-only.csv"));
    run.ended_cleanly();
    assert!(
        run.stderr.contains("no outlets"),
        "a warning about no outlets:\n{}",
        run.stderr
    );
    assert!(run.graded_ids().is_empty());
}

#[test]
fn ragged_rows_are_data_problems_and_the_rest_is_graded() {
    let run = grade(&corpus("ragged.csv"));
    run.data_error(&[
        "row 3: the row has 8 cells but the header has 6 columns",
        "row 4, column `网点类型`",
    ]);
    // A short row is padded with blanks; trailing empty cells are no overflow.
    assert_eq!(run.graded_ids(), ["A-1", "A-2", "A-4"]);
}

#[test]
fn unterminated_quote_ends_as_a_data_problem() {
    // The open quote swallows the rest of the file into one cell: an error at the row where it
    // opened, saying so (issue 17, item 11), not a blank type.
    grade(&corpus("unterminated-quote.csv")).data_error(&["row 2", "never closed"]);
}

#[test]
fn invalid_utf8_in_one_cell_is_a_problem_of_that_cell() {
    let run = grade(&corpus("invalid-utf8-cell.csv"));
    run.data_error(&["row 3, column `网点名称`", "UTF-8"]);
    assert_eq!(run.graded_ids(), ["A-1", "A-2", "A-3"]);
}

#[test]
fn invalid_utf8_in_one_cell_never_panics() {
    grade(&corpus("invalid-utf8-cell.csv")).ended_cleanly();
}

#[test]
fn gbk_row_in_a_utf8_file_is_a_problem_of_that_row() {
    // The GBK row's type cell cannot be read as UTF-8, so that outlet alone is not graded.
    let run = grade(&corpus("mixed-gbk-utf8.csv"));
    run.data_error(&["row 3", "UTF-8"]);
    assert_eq!(run.graded_ids(), ["A-1", "A-3"]);
}

#[test]
fn gbk_row_in_a_utf8_file_never_panics() {
    grade(&corpus("mixed-gbk-utf8.csv")).ended_cleanly();
}

#[test]
fn utf8_row_in_a_gbk_file_is_a_data_problem() {
    // Decoded as GB18030 the UTF-8 row would be mojibake; it is told by being valid UTF-8 with
    // Chinese in it, and its Chinese cells are not read (so it is not graded).
    let run = grade(&corpus("mixed-utf8-gbk-header.csv"));
    run.data_error(&["row 3", "column `网点类型`", "this row is UTF-8 text"]);
    run.data_error(&["row 3", "column `网点名称`", "this row is UTF-8 text"]);
    assert_eq!(run.graded_ids(), ["A-1"]);
}

#[test]
fn utf16_is_an_error_that_says_so() {
    grade(&corpus("utf16.csv")).clear_error("UTF-16");
}

#[test]
fn spreadsheet_renamed_csv_is_an_error() {
    grade(&corpus("xlsx-renamed.csv")).clear_error("not a text file");
}

#[test]
fn binary_without_nul_bytes_is_an_error() {
    // Random bytes decode as GB18030 text, but no header is there.
    grade(&corpus("binary-no-nul.csv")).clear_error("missing required column");
}

#[test]
fn yaml_alias_bomb_is_an_error() {
    let run = grade(&corpus("alias-bomb.yaml"));
    run.clear_error("invalid YAML");
    assert!(run.elapsed < Duration::from_secs(10));
}

#[test]
fn deeply_nested_yaml_is_an_error() {
    grade(&corpus("deeply-nested.yaml")).clear_error("invalid YAML");
}

#[test]
fn yaml_nested_100_000_deep_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in [
        (
            "lists.yaml",
            format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)),
        ),
        (
            "maps.yaml",
            format!("{}1{}", "{a: ".repeat(5_000), "}".repeat(5_000)),
        ),
        (
            "block.yaml",
            (0..1_000)
                .map(|i| format!("{}- \n", " ".repeat(i)))
                .collect(),
        ),
    ] {
        let run = grade(&write(dir.path(), name, text));
        run.clear_error("recursion limit exceeded");
    }
}

#[test]
fn yaml_flow_maps_nested_100_000_deep_fail_fast() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!("{}1{}", "{a: ".repeat(100_000), "}".repeat(100_000));
    let run = grade(&write(dir.path(), "maps.yaml", text));
    run.clear_error("invalid YAML");
    assert!(run.elapsed < Duration::from_secs(5), "{:?}", run.elapsed);
}

#[test]
fn yaml_that_is_not_a_list_of_maps() {
    grade(&corpus("scalar.yaml")).clear_error("expected a list of outlets");
    grade(&corpus("not-maps.yaml")).data_error(&["item 1", "item 2", "a map of columns to values"]);
    grade(&corpus("invalid-utf8.yaml")).clear_error("not valid UTF-8");
    grade(&corpus("duplicate-keys.yaml")).clear_error("duplicate entry");
}

#[test]
fn one_megabyte_cells() {
    let dir = tempfile::tempdir().unwrap();
    let mb = 1 << 20;
    // In a pass-through column, in the name, in the id and in a count column.
    let note = "备".repeat(mb / 3);
    let run = grade(&write(
        dir.path(),
        "note.csv",
        format!(
            "{HEADER}A-1,东城街道就业服务站,街道,1,就业信息查询,{note}\nA-2,西城社区,社区,1,信息宣传,\n"
        ),
    ));
    run.ended_cleanly();
    assert_eq!(run.graded_ids(), ["A-1", "A-2"]);
    assert!(run.stdout.contains(&note), "the note passes through whole");

    let name = "名".repeat(mb / 3);
    let run = grade(&write(
        dir.path(),
        "name.csv",
        format!("{HEADER}A-1,{name},街道,1,就业信息查询,\n"),
    ));
    run.ended_cleanly();
    assert_eq!(run.graded_ids(), ["A-1"]);

    let id = "x".repeat(mb);
    let run = grade(&write(
        dir.path(),
        "id.csv",
        format!("{HEADER}{id},东城,街道,1,就业信息查询,\n{id},西城,社区,1,信息宣传,\n"),
    ));
    run.data_error(&["repeats row 2"]);

    let count = "1".repeat(mb);
    grade(&write(
        dir.path(),
        "count.csv",
        format!("{HEADER}A-1,东城,街道,{count},就业信息查询,\n"),
    ))
    .data_error(&["row 2, column `经办窗口数`"]);

    // One unknown service a megabyte long: a warning, computed in bounded time.
    let item = "x".repeat(mb);
    let run = grade(&write(
        dir.path(),
        "item.csv",
        format!("{HEADER}A-1,东城,街道,1,{item},\n"),
    ));
    run.ended_cleanly();
    assert!(run.stderr.contains("unknown item"));
}

#[test]
fn one_megabyte_cell_of_known_list_items() {
    let dir = tempfile::tempdir().unwrap();
    let items = "信息宣传、".repeat((1 << 20) / 15);
    let run = grade(&write(
        dir.path(),
        "known.csv",
        format!("{HEADER}A-1,东城,街道,1,{items},\n"),
    ));
    run.ended_cleanly();
    assert_eq!(run.graded_ids(), ["A-1"]);
}

#[test]
fn one_megabyte_cell_of_unknown_list_items_stays_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let items = "x、".repeat((1 << 20) / 4);
    let run = grade(&write(
        dir.path(),
        "unknown.csv",
        format!("{HEADER}A-1,东城,街道,1,{items},\nA-2,西城,社区,1,信息宣传,\n"),
    ));
    run.ended_cleanly();
    assert_eq!(run.graded_ids(), ["A-1", "A-2"]);
    assert!(
        run.stderr.len() < 1 << 20,
        "{} bytes of messages for a 1 MB cell",
        run.stderr.len()
    );
}

#[test]
fn ten_thousand_columns_in_csv() {
    let dir = tempfile::tempdir().unwrap();
    let extra = 10_000 - 3;
    let mut text = String::from("网点编号,网点名称,网点类型");
    for i in 0..extra {
        text.push_str(&format!(",列{i}"));
    }
    text.push('\n');
    for r in 0..50 {
        text.push_str(&format!("A-{r},网点{r},村"));
        for i in 0..extra {
            text.push_str(&format!(",{i}"));
        }
        text.push('\n');
    }
    let run = grade(&write(dir.path(), "wide.csv", text));
    run.ended_cleanly();
    assert_eq!(run.graded_ids().len(), 50);
    assert!(
        run.stdout.lines().next().unwrap().ends_with(",列9996"),
        "extra columns pass through"
    );

    // A header of 10,000 columns that all name the same field.
    let mut text = String::from("网点编号,网点名称,网点类型");
    for _ in 0..extra {
        text.push_str(",备注");
    }
    text.push_str("\nA-1,东城,村\n");
    grade(&write(dir.path(), "same.csv", text)).ended_cleanly();

    // One row of a million cells under a three-column header.
    let text = format!(
        "网点编号,网点名称,网点类型\nA-1,东城,村{}\n",
        ",x".repeat(1_000_000)
    );
    // More fields than a worksheet's 16,384 columns: a data error of its own (issue 17, item 10).
    grade(&write(dir.path(), "long-row.csv", text)).data_error(&["row 2", "1000003 fields"]);
}

#[test]
fn ten_thousand_columns_in_yaml() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("outlets:\n");
    for r in 0..3 {
        text.push_str(&format!("  - id: A-{r}\n    name: 网点{r}\n    type: 村\n"));
        for i in 0..10_000 - 3 {
            text.push_str(&format!("    k{i}: {i}\n"));
        }
    }
    let run = grade(&write(dir.path(), "wide.yaml", text));
    run.ended_cleanly();
    assert_eq!(run.graded_ids().len(), 3);
}

#[test]
fn ten_thousand_columns_in_yaml_for_twenty_outlets() {
    // Keys are matched to columns once per key, not by a search through every column.
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("outlets:\n");
    for r in 0..20 {
        text.push_str(&format!("  - id: A-{r}\n    name: 网点{r}\n    type: 村\n"));
        for i in 0..10_000 - 3 {
            text.push_str(&format!("    k{i}: {i}\n"));
        }
    }
    let run = grade(&write(dir.path(), "wide.yaml", text));
    run.ended_cleanly();
    assert_eq!(run.graded_ids().len(), 20);
}

#[test]
fn workbook_with_one_far_away_cell_is_an_error() {
    // 1.6 kB: the header is in row 1 and one number sits in the last cell of the sheet, so a dense
    // grid of the used area would be 17 billion cells.
    let run = grade(&corpus("sparse-cell-bomb.xlsx"));
    run.clear_error("XFD1048576");
}

#[test]
fn binary_noise_on_standard_input_is_an_error() {
    // Every byte value but NUL, many times over: read as CSV from a file named nothing in particular.
    let dir = tempfile::tempdir().unwrap();
    let noise: Vec<u8> = (0..200_000u32)
        .map(|i| (i * 7919 % 255 + 1) as u8)
        .collect();
    let run = grade(&write(dir.path(), "noise", noise));
    run.ended_cleanly();
    assert_eq!(run.code, Some(2), "{}", head(&run.stderr));
}

#[test]
fn a_bad_cell_in_every_row_is_printed_and_counted_but_the_report_lists_the_first_10000() {
    // Kept problems would grow with the file; past 10,000 they are only printed and counted.
    let county =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/county.csv"))
            .unwrap();
    let mut lines = county.lines();
    let header = lines.next().unwrap();
    let windows = header.split(',').position(|h| h == "经办窗口数").unwrap();
    let row: Vec<&str> = lines.next().unwrap().split(',').collect();
    let rows = 12_000;
    let mut text = format!("{header}\n");
    for i in 0..rows {
        let mut cells = row.clone();
        let id = format!("BAD-{i}");
        cells[0] = &id;
        cells[windows] = "若干";
        text.push_str(&cells.join(","));
        text.push('\n');
    }
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "bad-every-row.csv", text);
    let run = outlet([
        OsStr::new("grade"),
        OsStr::new("--as-of"),
        OsStr::new("2025-11-30"),
        OsStr::new("--format"),
        OsStr::new("json"),
        OsStr::new("--lang"),
        OsStr::new("en"),
        path.as_os_str(),
    ]);
    run.ended_cleanly();
    assert_eq!(run.code, Some(1), "data errors are findings");
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let listed = doc["problems"].as_array().unwrap();
    assert_eq!(listed.len(), 10_000, "the report lists the first 10,000");
    assert_eq!(listed[9_999]["row"], 10_001, "in order: rows 2 to 10,001");
    assert_eq!(
        doc["totals"]["data_errors"], rows,
        "the totals count them all"
    );
    let printed = run
        .stderr
        .lines()
        .filter(|l| l.contains("经办窗口数") || l.contains("windows"))
        .count();
    // Standard error groups them: the first three, then one line for the rest.
    assert_eq!(printed, 4, "{}", head(&run.stderr));
    assert!(
        run.stderr
            .contains(&format!("the same on {} more rows", rows - 3)),
        "{}",
        head(&run.stderr)
    );
    assert!(
        run.stderr
            .contains(&format!("data problems: {rows} errors, 0 warnings")),
        "{}",
        head(&run.stderr)
    );
}
