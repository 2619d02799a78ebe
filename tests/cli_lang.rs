//! The command line in its users' language (issue 19): help and argument errors in Chinese by
//! default and in English with `--lang en` or `OUTLET_LANG=en`; every message wholly in the
//! run's language; dates and grades on the command line as cells spell them; completions and a
//! man page; and the README's command reference, checked against clap's definitions.
#![allow(
    clippy::expect_used,
    reason = "a test fails loudly when its fixture is broken"
)]

use std::path::Path;
use std::process::Output;

use assert_cmd::Command;
use clap::Command as ClapCommand;
use outlet::text::Lang;

const COUNTY_CSV: &str = "examples/county.csv";
const COUNTY_XLSX: &str = "examples/county.xlsx";

fn outlet(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_outlet"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("OUTLET_LANG")
        .args(args)
        .output()
        .expect("outlet runs")
}

fn outlet_stdin(args: &[&str], stdin: Vec<u8>) -> Output {
    Command::new(env!("CARGO_BIN_EXE_outlet"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("OUTLET_LANG")
        .args(args)
        .write_stdin(stdin)
        .output()
        .expect("outlet runs")
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn trycmd_cases() {
    trycmd::TestCases::new()
        .register_bin("outlet", trycmd::cargo::cargo_bin!("outlet"))
        .case("tests/cmd/*/*.toml")
        .case("tests/cmd/*/*.trycmd");
}

// ---- one language per message ----

/// An English sentence in a message: three or more ASCII words in a row, outside backticks and
/// quoted values (which echo what was given), file names and placeholders.
fn english_sentence(message: &str) -> Option<String> {
    let mut plain = String::new();
    let mut quoted = false;
    for c in message.chars() {
        match c {
            '`' | '「' | '」' => {
                quoted = !quoted || c == '」';
                if c == '」' {
                    quoted = false;
                }
                plain.push(' ');
            }
            _ if quoted => {}
            _ => plain.push(c),
        }
    }
    let mut run: Vec<&str> = Vec::new();
    for token in plain.split(|c: char| c.is_whitespace() || !c.is_ascii()) {
        let word = token.trim_matches(|c: char| ",.;:()[]!?'\"".contains(c));
        let is_word = word.len() > 1
            && word.chars().all(|c| c.is_ascii_alphabetic() || c == '\'')
            && !token.starts_with('.')
            && !token.contains(['/', '<', '>', '-', '=', '_']);
        if is_word {
            run.push(word);
            if run.len() >= 3 {
                return Some(run.join(" "));
            }
        } else if !token.is_empty() || !run.is_empty() {
            run.clear();
        }
    }
    None
}

#[test]
fn the_sentence_finder_finds_english_and_leaves_names_alone() {
    assert!(english_sentence("错误: --format xlsx writes a workbook; name it").is_some());
    assert!(english_sentence("错误: x.csv: 无法读取: No such file or directory").is_some());
    assert!(english_sentence("错误: `no such rule here` 不是规则").is_none());
    assert!(english_sentence("错误: 文件不存在(系统错误码 2)").is_none());
}

/// Every error path of the command line, each run in both languages: the Chinese message has no
/// English sentence, and the English one is English.
#[test]
fn every_error_is_in_one_language() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let d = dir.path().to_str().expect("utf-8 path");
    let xlsx = std::fs::read(COUNTY_XLSX).expect("the example workbook");
    let bad_rules = dir.path().join("bad.yaml");
    std::fs::write(&bad_rules, "not: a rulebook\n").expect("written");
    let bad = bad_rules.to_str().expect("utf-8 path");
    let folder = format!("{d}/");
    let yaml = dir.path().join("bad.yaml.inventory.yaml");
    std::fs::write(&yaml, "outlets: [a, {b: c\n").expect("written");
    let yaml = yaml.to_str().expect("utf-8 path");
    let not_a_workbook = dir.path().join("fake.xlsx");
    std::fs::write(&not_a_workbook, b"PK\x03\x04 not a zip at all").expect("written");
    let not_a_workbook = not_a_workbook.to_str().expect("utf-8 path");
    let waivers = dir.path().join("waivers.yaml");
    std::fs::write(&waivers, "- outlet: [\n").expect("written");
    let waivers = waivers.to_str().expect("utf-8 path");
    let cycle = dir.path().join("a.yaml");
    std::fs::write(
        &cycle,
        "schema: 1\nextends: b.yaml\nid: a\nversion: \"1\"\n",
    )
    .expect("written");
    std::fs::write(
        dir.path().join("b.yaml"),
        "schema: 1\nextends: a.yaml\nid: b\nversion: \"1\"\n",
    )
    .expect("written");
    let cycle = cycle.to_str().expect("utf-8 path");
    let missing_base = dir.path().join("o.yaml");
    std::fs::write(
        &missing_base,
        "schema: 1\nextends: nowhere.yaml\nid: o\nversion: \"1\"\n",
    )
    .expect("written");
    let missing_base = missing_base.to_str().expect("utf-8 path");
    let cases: Vec<(Vec<&str>, Option<Vec<u8>>)> = vec![
        (vec!["grade", "--fromat", "csv", COUNTY_CSV], None),
        (vec!["grade", COUNTY_CSV, "--format", "pdf"], None),
        (vec!["grade", COUNTY_CSV, "--as-of", "2025-13-45"], None),
        (vec!["grade", COUNTY_CSV, "--as-of"], None),
        (vec!["grade"], None),
        (vec!["gaps", COUNTY_CSV, "--target", "五级"], None),
        (vec!["gardes"], None),
        (
            vec!["rules", "check", "rules/builtin.yaml", "--format", "html"],
            None,
        ),
        (vec!["grade", "no-such-file.csv"], None),
        (
            vec!["grade", COUNTY_CSV, "--rules", "no-such-rules.yaml"],
            None,
        ),
        (vec!["grade", COUNTY_CSV, "--rules", bad], None),
        (vec!["rules", "check", bad], None),
        (
            vec!["grade", COUNTY_CSV, "--excel", "--format", "json"],
            None,
        ),
        (
            vec!["grade", COUNTY_CSV, "--format", "xlsx", "-o", "x.csv"],
            None,
        ),
        (vec!["grade", COUNTY_CSV, "-o", &folder], None),
        (
            vec!["grade", COUNTY_CSV, "--annotate", "-o", "x.xlsx"],
            None,
        ),
        (vec!["grade", "-"], Some(xlsx.clone())),
        (vec!["explain", COUNTY_CSV, "NO-SUCH-ID"], None),
        (vec!["rules", "explain", "G4-FRSH"], None),
        (vec!["man", "nothing"], None),
        (vec!["grade", yaml], None),
        (vec!["grade", not_a_workbook], None),
        (vec!["grade", COUNTY_CSV, "--waivers", waivers], None),
        (vec!["grade", COUNTY_CSV, "--rules", cycle], None),
        (vec!["rules", "check", missing_base], None),
    ];
    for (args, stdin) in &cases {
        for lang in ["zh", "en"] {
            let mut all = args.clone();
            all.extend(["--as-of", "2025-11-30", "--lang", lang]);
            if args.contains(&"--as-of") || args == &["grade"] || args[0] == "rules" {
                all.truncate(all.len() - 4);
                all.extend(["--lang", lang]);
            }
            let out = match stdin {
                Some(bytes) => outlet_stdin(&all, bytes.clone()),
                None => outlet(&all),
            };
            let err = text(&out.stderr) + &text(&out.stdout);
            assert_eq!(code(&out), 2, "{all:?}: {err}");
            assert!(!err.trim().is_empty(), "{all:?}");
            if lang == "zh" {
                assert!(
                    english_sentence(&err).is_none(),
                    "{all:?}: English in a Chinese message ({:?}): {err}",
                    english_sentence(&err)
                );
            } else {
                assert!(english_sentence(&err).is_some(), "{all:?}: {err}");
            }
        }
    }
}

#[test]
fn a_workbook_on_standard_input_is_named_with_the_option_that_reads_it() {
    let xlsx = std::fs::read(COUNTY_XLSX).expect("the example workbook");
    for lang in ["zh", "en"] {
        let out = outlet_stdin(&["grade", "-", "--lang", lang], xlsx.clone());
        assert_eq!(code(&out), 2);
        assert!(
            text(&out.stderr).contains("--input-format xlsx"),
            "{}",
            text(&out.stderr)
        );
    }
    let out = outlet_stdin(
        &[
            "grade",
            "-",
            "--input-format",
            "xlsx",
            "--as-of",
            "2025-11-30",
            "--fail-on",
            "never",
            "--format",
            "csv",
        ],
        xlsx,
    );
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
}

#[test]
fn lang_and_outlet_lang_choose_the_language_of_help() {
    let zh = outlet(&["grade", "--help"]);
    assert!(text(&zh.stdout).contains("用法"));
    let en = outlet(&["grade", "--help", "--lang", "en"]);
    assert!(text(&en.stdout).contains("Usage"));
    let env = Command::new(env!("CARGO_BIN_EXE_outlet"))
        .env("OUTLET_LANG", "en_US.UTF-8")
        .args(["gaps", "--help"])
        .output()
        .expect("runs");
    assert!(text(&env.stdout).contains("Usage"));
    // --lang wins over OUTLET_LANG.
    let both = Command::new(env!("CARGO_BIN_EXE_outlet"))
        .env("OUTLET_LANG", "en")
        .args(["gaps", "--help", "--lang", "zh"])
        .output()
        .expect("runs");
    assert!(text(&both.stdout).contains("用法"));
    // The report follows OUTLET_LANG too.
    let report = Command::new(env!("CARGO_BIN_EXE_outlet"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("OUTLET_LANG", "en")
        .args([
            "grade",
            COUNTY_CSV,
            "--as-of",
            "2025-11-30",
            "--format",
            "csv",
        ])
        .args(["--fail-on", "never"])
        .output()
        .expect("runs");
    assert!(
        text(&report.stdout).starts_with("id,"),
        "{}",
        text(&report.stdout)
    );
}

// ---- dates and grades as people write them ----

#[test]
fn as_of_takes_every_full_date_spelling_of_a_cell() {
    let run = |day: &str| {
        let out = outlet(&[
            "grade",
            COUNTY_CSV,
            "--format",
            "csv",
            "--fail-on",
            "never",
            "--as-of",
            day,
        ]);
        assert_eq!(code(&out), 0, "{day}: {}", text(&out.stderr));
        out.stdout
    };
    let expected = run("2025-11-30");
    for day in [
        "2025/11/30",
        "2025.11.30",
        "2025年11月30日",
        "20251130",
        "２０２５－１１－３０",
    ] {
        assert_eq!(run(day), expected, "{day}");
    }
    for day in ["2025-11", "2025年11月", "30/11/2025"] {
        let out = outlet(&["grade", COUNTY_CSV, "--as-of", day]);
        assert_eq!(code(&out), 2, "{day}");
    }
}

#[test]
fn old_as_of_takes_the_same_spellings() {
    let run = |day: &str| {
        let out = outlet(&[
            "diff",
            "examples/county-2024.csv",
            COUNTY_CSV,
            "--as-of",
            "2025-11-30",
            "--old-as-of",
            day,
            "--format",
            "csv",
            "--fail-on",
            "never",
        ]);
        assert_eq!(code(&out), 0, "{day}: {}", text(&out.stderr));
        out.stdout
    };
    assert_eq!(run("2024年11月30日"), run("2024-11-30"));
}

#[test]
fn target_takes_grades_as_the_claim_column_spells_them() {
    let run = |t: &str| {
        let out = outlet(&[
            "gaps",
            COUNTY_CSV,
            "--as-of",
            "2025-11-30",
            "--format",
            "csv",
            "--fail-on",
            "never",
            "--target",
            t,
        ]);
        assert_eq!(code(&out), 0, "{t}: {}", text(&out.stderr));
        out.stdout
    };
    let expected = run("1");
    assert_eq!(run("一级"), expected);
    assert_eq!(run("1级"), expected);
    assert_eq!(run("２"), run("二级"));
}

#[test]
fn waiver_dates_take_the_same_spellings() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let write = |name: &str, expires: &str| {
        let p = dir.path().join(name);
        std::fs::write(
            &p,
            format!(
                "outlet,rule,reason,approved_by,expires\nAN-020,G4-FRESH,renovation,county bureau,{expires}\n"
            ),
        )
        .expect("written");
        p
    };
    let run = |p: &Path| {
        let out = outlet(&[
            "grade",
            COUNTY_CSV,
            "--as-of",
            "2025-11-30",
            "--format",
            "csv",
            "--fail-on",
            "never",
            "--waivers",
            p.to_str().expect("utf-8"),
        ]);
        assert_eq!(code(&out), 0, "{}", text(&out.stderr));
        (out.stdout, text(&out.stderr))
    };
    let plain = run(&write("a.csv", "2026-06-30"));
    let eight = run(&write("b.csv", "20260630"));
    let wide = run(&write("c.csv", "２０２６/６/３０"));
    assert_eq!(eight, plain);
    assert_eq!(wide, plain);
}

// ---- small inconsistencies ----

#[test]
fn rules_check_refuses_formats_it_cannot_write() {
    for format in ["html", "xlsx"] {
        let out = outlet(&["rules", "check", "rules/builtin.yaml", "--format", format]);
        assert_eq!(code(&out), 2, "{format}");
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn a_workbook_named_as_something_else_is_refused_before_the_rulebook_is_read() {
    // The rulebook does not exist: the output's name is refused first.
    for args in [
        vec![
            "rules",
            "list",
            "--format",
            "xlsx",
            "-o",
            "x.csv",
            "--rules",
            "nope.yaml",
        ],
        vec![
            "template",
            "--format",
            "xlsx",
            "-o",
            "x.csv",
            "--rules",
            "nope.yaml",
        ],
        vec![
            "grade",
            COUNTY_CSV,
            "--format",
            "xlsx",
            "-o",
            "x.csv",
            "--rules",
            "nope.yaml",
        ],
    ] {
        let out = outlet(&args);
        assert_eq!(code(&out), 2, "{args:?}");
        assert!(text(&out.stderr).contains(".csv"), "{}", text(&out.stderr));
        assert!(
            !text(&out.stderr).contains("nope.yaml"),
            "{}",
            text(&out.stderr)
        );
    }
}

#[test]
fn an_output_that_cannot_be_written_is_refused_before_any_data_problem() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let inv = dir.path().join("bad.csv");
    std::fs::write(
        &inv,
        "网点编号,网点名称,网点类型,电脑数\nA-1,甲,社区,很多\n",
    )
    .expect("written");
    let folder = format!("{}/", dir.path().display());
    for command in ["summary", "explain"] {
        let mut args = vec![command, inv.to_str().expect("utf-8")];
        if command == "explain" {
            args.push("A-1");
        }
        args.extend(["--as-of", "2025-11-30", "-o", &folder]);
        let out = outlet(&args);
        assert_eq!(code(&out), 2, "{command}");
        let err = text(&out.stderr);
        assert_eq!(err.lines().count(), 1, "{command}: only the refusal: {err}");
    }
}

// ---- completions and the man page ----

#[test]
fn completions_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = outlet(&["completions", shell]);
        assert_eq!(code(&out), 0, "{shell}");
        let script = text(&out.stdout);
        assert!(script.contains("outlet"), "{shell}");
        assert!(script.contains("--as-of"), "{shell}");
    }
}

#[test]
fn the_man_page_is_roff() {
    let out = outlet(&["man", "--lang", "en"]);
    assert_eq!(code(&out), 0);
    let page = text(&out.stdout);
    assert!(
        page.starts_with(".ie") || page.contains(".TH outlet"),
        "{page}"
    );
    let out = outlet(&["man", "rules", "check"]);
    assert_eq!(code(&out), 0);
    assert!(text(&out.stdout).contains(".TH outlet-rules-check"));
}

// ---- the README's command reference ----

/// The reference of every command, made from clap's definitions in English.
fn reference() -> String {
    let cmd = outlet::cli::i18n::command(Lang::En);
    let mut s = String::new();
    write_command(&cmd, "outlet", &mut s);
    s
}

fn write_command(cmd: &ClapCommand, path: &str, s: &mut String) {
    let args: Vec<_> = cmd
        .get_arguments()
        .filter(|a| !a.is_hide_set())
        .filter(|a| !matches!(a.get_id().as_str(), "help" | "version"))
        .collect();
    s.push_str(&format!("### `{path}`\n\n"));
    if let Some(about) = cmd.get_about() {
        s.push_str(&format!("{about}.\n\n"));
    }
    if !args.is_empty() {
        s.push_str("| option | values | meaning |\n| --- | --- | --- |\n");
        for a in args {
            let names = a
                .get_value_names()
                .map(|v| v.iter().map(|n| n.to_string()).collect::<Vec<_>>())
                .unwrap_or_default();
            let name = if a.is_positional() {
                let n = names.join(" ");
                if a.is_required_set() {
                    n
                } else {
                    format!("[{n}]")
                }
            } else {
                let mut n = String::new();
                if let Some(short) = a.get_short() {
                    n.push_str(&format!("-{short}, "));
                }
                n.push_str(&format!("--{}", a.get_long().unwrap_or_default()));
                if a.get_action().takes_values() && !names.is_empty() {
                    n.push_str(&format!(" {}", names.join(" ")));
                }
                n
            };
            let defaults: Vec<String> = a
                .get_default_values()
                .iter()
                .map(|v| v.to_string_lossy().into_owned())
                .collect();
            let values: Vec<String> = if a.get_action().takes_values() {
                a.get_possible_values()
                    .iter()
                    .filter(|v| !v.is_hide_set())
                    .map(|v| {
                        let mut t = format!("`{}`", v.get_name());
                        if defaults.iter().any(|d| d == v.get_name()) {
                            t.push_str(" (default)");
                        }
                        t
                    })
                    .collect()
            } else {
                Vec::new()
            };
            let help = a
                .get_help()
                .map(|h| h.to_string())
                .unwrap_or_default()
                .split(" [")
                .next()
                .unwrap_or_default()
                .replace('|', "\\|");
            s.push_str(&format!("| `{name}` | {} | {help} |\n", values.join(" ")));
        }
        s.push('\n');
    }
    for sub in cmd.get_subcommands().filter(|c| c.get_name() != "help") {
        write_command(sub, &format!("{path} {}", sub.get_name()), s);
    }
}

#[test]
fn the_readme_command_reference_is_clap_s() {
    let readme_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let readme = std::fs::read_to_string(&readme_path).expect("README.md");
    let start_mark = "<!-- reference: made from clap's definitions by tests/cli_lang.rs -->\n";
    let end_mark = "<!-- end of reference -->\n";
    let (Some(start), Some(end)) = (readme.find(start_mark), readme.find(end_mark)) else {
        panic!("README.md has no command reference between the markers");
    };
    let body = &readme[start + start_mark.len()..end];
    let expected = format!("\n{}", reference());
    if body != expected && std::env::var_os("OUTLET_BLESS").is_some() {
        let new = format!(
            "{}{start_mark}{expected}{}",
            &readme[..start],
            &readme[end..]
        );
        std::fs::write(&readme_path, new).expect("README.md written");
        return;
    }
    assert_eq!(
        body, expected,
        "README.md's command reference differs from clap's definitions; run with OUTLET_BLESS=1"
    );
}

/// The help of every command, long and short, in Chinese has no English sentence.
#[test]
fn chinese_help_has_no_english_sentence() {
    fn walk(cmd: &mut ClapCommand, path: &str) {
        for help in [
            cmd.render_help().to_string(),
            cmd.render_long_help().to_string(),
        ] {
            // Lists of values (`[可选值: table, csv]`, `- table: 表格`) name values, as typed.
            let help: String = help
                .lines()
                // The usage line names the command as typed.
                .filter(|l| !l.starts_with("用法:"))
                .map(|l| match l.find('[') {
                    Some(i) => &l[..i],
                    None => l
                        .trim_start()
                        .strip_prefix("- ")
                        .map_or(l, |v| v.split_once(':').map_or(v, |(_, rest)| rest)),
                })
                .collect::<Vec<_>>()
                .join("\n");
            assert!(
                english_sentence(&help).is_none(),
                "{path}: {:?}\n{help}",
                english_sentence(&help)
            );
        }
        let names: Vec<String> = cmd
            .get_subcommands()
            .map(|c| c.get_name().to_string())
            .collect();
        for name in names {
            if let Some(sub) = cmd.find_subcommand_mut(&name) {
                walk(sub, &format!("{path} {name}"));
            }
        }
    }
    walk(&mut outlet::cli::i18n::command(Lang::Zh), "outlet");
}
