//! Hostile files and careless paths (issue 17, items 1, 2, 3, 8 and 9): no output lands on a file
//! the run reads; the temporary file beside `--output` is unpredictable, made with the usual
//! permissions, and never left behind — not on an error, a signal or `ulimit -f`; a link planted
//! at `--output` in a shared folder is not followed; a rulebook or waiver path that is a device,
//! a pipe or someone's secrets is refused without reading for ever, waiting for ever or quoting
//! it; an `extends` chain is at most 64 files deep.

#![cfg(unix)]
#![allow(
    clippy::expect_used,
    reason = "a test fails loudly when its fixture is broken"
)]

mod common;

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::files::{COUNTY_CSV, Scratch, path_str, root};
use common::run::{code, outlet, run, stderr};
use common::{baseline, csv};

/// The bytes of each file, to prove that nothing was written.
fn snapshot(paths: &[&Path]) -> Vec<Vec<u8>> {
    paths
        .iter()
        .map(|p| fs::read(p).expect("the file is there"))
        .collect()
}

/// The names in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// A small inventory (the baseline outlet) in `s`.
fn small_inventory(s: &Scratch, name: &str) -> PathBuf {
    s.write(name, &csv(&[baseline()]))
}

// ---- 1. No output over a file the run reads ----

/// Runs `args` and checks it refuses (exit 2), names `option` and leaves every file in `kept` as
/// it was.
fn assert_refused(args: &[&str], option: &str, kept: &[&Path]) -> String {
    let before = snapshot(kept);
    let out = run(args);
    let err = stderr(&out);
    assert_eq!(code(&out), 2, "`{}` should refuse: {err}", args.join(" "));
    assert!(err.contains(option), "the message names {option}: {err}");
    assert_eq!(
        snapshot(kept),
        before,
        "`{}` wrote over a file it reads",
        args.join(" ")
    );
    err
}

#[test]
fn diff_never_writes_over_either_inventory() {
    let s = Scratch::new();
    let old = small_inventory(&s, "old.csv");
    let new = small_inventory(&s, "new.csv");
    let (o, n) = (path_str(&old), path_str(&new));
    let err = assert_refused(
        &["diff", o, n, "--format", "csv", "-o", o],
        "OLD",
        &[&old, &new],
    );
    // Chinese by default, naming the file.
    assert!(err.contains("读取") && err.contains(o), "{err}");
    assert_refused(
        &["diff", o, n, "--format", "csv", "-o", n],
        "NEW",
        &[&old, &new],
    );
    // The same file by another name: a hard link.
    let alias = s.dir.path().join("alias.csv");
    fs::hard_link(&old, &alias).expect("a hard link");
    let err = assert_refused(
        &["diff", o, n, "--lang", "en", "-o", path_str(&alias)],
        "OLD",
        &[&old, &new],
    );
    assert!(err.contains("reads"), "{err}");
}

#[test]
fn no_output_over_the_rulebook_any_file_it_extends_or_the_waivers() {
    let s = Scratch::new();
    let inventory = small_inventory(&s, "inventory.csv");
    let inv = path_str(&inventory);
    let base = s.write(
        "base.yaml",
        "schema: 1\nextends: builtin\nid: base\nversion: \"1\"\n",
    );
    let top = s.write(
        "sub/top.yaml",
        "schema: 1\nextends: ../base.yaml\nid: top\nversion: \"1\"\n",
    );
    let waivers = s.write(
        "waivers.csv",
        "outlet,rule,reason,approved_by,expires\nB-001,G1-STAFF,测试,某,2099-01-01\n",
    );
    let (t, b, w) = (path_str(&top), path_str(&base), path_str(&waivers));
    let kept: [&Path; 4] = [&inventory, &base, &top, &waivers];
    for target in [t, b] {
        for cmd in ["grade", "gaps", "summary"] {
            assert_refused(
                &[cmd, inv, "--rules", t, "--format", "csv", "-o", target],
                "--rules",
                &kept,
            );
        }
        assert_refused(
            &["rules", "list", "--rules", t, "-o", target],
            "--rules",
            &kept,
        );
        assert_refused(
            &["rules", "show", "--rules", t, "-o", target],
            "--rules",
            &kept,
        );
        assert_refused(&["template", "--rules", t, "-o", target], "--rules", &kept);
    }
    for cmd in ["grade", "gaps", "summary"] {
        assert_refused(
            &[cmd, inv, "--waivers", w, "--format", "csv", "-o", w],
            "--waivers",
            &kept,
        );
    }
    // Through a link to the rulebook, too.
    let link = s.dir.path().join("link.yaml");
    std::os::unix::fs::symlink(&base, &link).expect("a link");
    let err = assert_refused(
        &[
            "grade",
            inv,
            "--rules",
            t,
            "--lang",
            "en",
            "-o",
            path_str(&link),
        ],
        "--rules",
        &kept,
    );
    assert!(
        err.contains("base.yaml"),
        "the message names the file: {err}"
    );
}

// ---- 2. The temporary file and links at --output ----

/// `grade` of the example county into `target` in English CSV, under `umask`.
fn grade_with_umask(umask: &str, target: &Path) -> std::process::Output {
    Command::new("bash")
        .current_dir(root(""))
        .args([
            "-c",
            &format!("umask {umask}; exec \"$@\""),
            "bash",
            env!("CARGO_BIN_EXE_outlet"),
            "grade",
            COUNTY_CSV,
            "--as-of",
            common::AS_OF,
            "--format",
            "csv",
            "-o",
            path_str(target),
        ])
        .output()
        .expect("bash runs")
}

#[test]
fn the_report_has_the_permissions_a_new_file_gets_under_the_umask() {
    let s = Scratch::new();
    for (umask, mode) in [("022", 0o644), ("002", 0o664), ("077", 0o600)] {
        let report = s.dir.path().join(format!("report-{umask}.csv"));
        let out = grade_with_umask(umask, &report);
        assert_eq!(code(&out), 1, "{}", stderr(&out));
        let got = fs::metadata(&report)
            .expect("the report")
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(got, mode, "umask {umask}: mode {got:o}");
    }
}

/// A world-writable folder with the sticky bit, as `/tmp` is.
fn shared_folder(s: &Scratch) -> PathBuf {
    let shared = s.dir.path().join("shared");
    fs::create_dir(&shared).expect("mkdir");
    fs::set_permissions(&shared, fs::Permissions::from_mode(0o1777)).expect("chmod 1777");
    shared
}

/// Whether the tests run as root (who can give a link to another user).
fn root_user() -> bool {
    fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

#[test]
fn a_link_planted_by_another_user_in_a_shared_folder_is_not_followed() {
    if !root_user() {
        eprintln!("skipped: only root can make a link that belongs to another user");
        return;
    }
    let s = Scratch::new();
    let shared = shared_folder(&s);
    // The victim's file (root's, say), and another user's link to it in the shared folder.
    let victim = s.write("victim.txt", "precious");
    let link = shared.join("report.csv");
    std::os::unix::fs::symlink(&victim, &link).expect("a link");
    std::os::unix::fs::lchown(&link, Some(4242), Some(4242)).expect("the link is given away");
    for lang in ["zh", "en"] {
        let out = run(&[
            "grade",
            COUNTY_CSV,
            "--format",
            "csv",
            "--lang",
            lang,
            "-o",
            path_str(&link),
        ]);
        assert_eq!(code(&out), 2, "{}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains(path_str(&link)), "{err}");
        if lang == "en" {
            assert!(err.contains("another user"), "{err}");
        }
    }
    assert_eq!(fs::read_to_string(&victim).expect("read"), "precious");
    assert!(
        fs::symlink_metadata(&link)
            .expect("the link")
            .file_type()
            .is_symlink()
    );
    assert_eq!(
        names(&shared),
        ["report.csv"],
        "nothing was left in the folder"
    );

    // The folder owner's link, and one's own, are followed.
    let mine = shared.join("mine.csv");
    std::os::unix::fs::symlink(&victim, &mine).expect("a link");
    let out = run(&[
        "grade",
        COUNTY_CSV,
        "--format",
        "csv",
        "-o",
        path_str(&mine),
    ]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert_ne!(fs::read_to_string(&victim).expect("read"), "precious");
    assert!(
        fs::symlink_metadata(&mine)
            .expect("the link")
            .file_type()
            .is_symlink()
    );
}

// ---- 3. No temporary file left behind ----

/// An inventory of `rows` outlets (the baseline outlet under new ids), big enough that a run
/// writing its report is still running when the test looks.
fn big_inventory(s: &Scratch, rows: usize) -> PathBuf {
    let one = csv(&[baseline()]);
    let (header, line) = one.split_once('\n').expect("a header line");
    let rest = line
        .strip_prefix("B-001")
        .expect("the row starts with its id");
    let mut text = String::with_capacity(rows * (line.len() + 4));
    text.push_str(header);
    text.push('\n');
    for i in 0..rows {
        text.push_str(&format!("B-{i:07}{rest}"));
    }
    s.write("big.csv", &text)
}

/// Starts `grade BIG -o DIR/report.csv`, waits until its temporary file is in `dir`, and returns
/// the child and the temporary file's name.
fn start_writing(big: &Path, dir: &Path) -> (std::process::Child, String) {
    let report = dir.join("report.csv");
    let mut child = Command::new(env!("CARGO_BIN_EXE_outlet"))
        .args([
            "grade",
            path_str(big),
            "--as-of",
            common::AS_OF,
            "--format",
            "csv",
            "-j",
            "1",
            "-o",
            path_str(&report),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("outlet starts");
    loop {
        let temps: Vec<String> = names(dir)
            .into_iter()
            .filter(|n| n.ends_with(".tmp"))
            .collect();
        if let Some(temp) = temps.into_iter().next() {
            return (child, temp);
        }
        if let Some(status) = child.try_wait().expect("wait") {
            panic!("the run ended ({status}) before its temporary file was seen");
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
}

fn kill(child: &std::process::Child, signal: &str) {
    let sent = Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(sent.success());
}

#[test]
fn a_signal_leaves_no_temporary_file_and_the_name_is_not_predictable() {
    let s = Scratch::new();
    let big = big_inventory(&s, 200_000);
    for (signal, expected) in [("TERM", 143), ("INT", 130), ("HUP", 129)] {
        let dir = s.dir.path().join(format!("out-{signal}"));
        fs::create_dir(&dir).expect("mkdir");
        let (mut child, temp) = start_writing(&big, &dir);
        // Not `.report.csv.PID.tmp`, a name anyone could plant a link under beforehand.
        assert_ne!(temp, format!(".report.csv.{}.tmp", child.id()));
        kill(&child, signal);
        let status = child.wait().expect("the run ends");
        assert_eq!(status.code(), Some(expected), "SIG{signal}: {status}");
        assert!(names(&dir).is_empty(), "SIG{signal} left {:?}", names(&dir));
    }
}

#[test]
fn a_file_size_limit_leaves_no_temporary_file() {
    let s = Scratch::new();
    let big = big_inventory(&s, 2_000);
    let dir = s.dir.path().join("out");
    fs::create_dir(&dir).expect("mkdir");
    let report = dir.join("report.csv");
    let out = Command::new("bash")
        .args([
            "-c",
            "ulimit -f 1; exec \"$@\"",
            "bash",
            env!("CARGO_BIN_EXE_outlet"),
            "grade",
            path_str(&big),
            "--as-of",
            common::AS_OF,
            "--format",
            "csv",
            "-o",
            path_str(&report),
        ])
        .output()
        .expect("bash runs");
    assert!(
        !out.status.success(),
        "the run cannot succeed past the limit"
    );
    assert!(
        out.status.code().is_some(),
        "ended by a signal: {}",
        out.status
    );
    assert!(names(&dir).is_empty(), "left {:?}", names(&dir));
}

// ---- 8. Rulebook and waiver paths that are not rulebooks ----

#[test]
fn a_device_as_rulebook_or_waivers_is_refused_without_reading_it() {
    let inv = COUNTY_CSV;
    let out = run(&["grade", inv, "--rules", "/dev/zero", "--lang", "en"]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("not a regular file"),
        "{}",
        stderr(&out)
    );
    let out = outlet(&["rules", "check", "/dev/zero"]);
    assert_eq!(code(&out), 2);
    let s = Scratch::new();
    let overlay = s.write(
        "o.yaml",
        "schema: 1\nextends: /dev/zero\nid: o\nversion: \"1\"\n",
    );
    let out = run(&["grade", inv, "--rules", path_str(&overlay), "--lang", "en"]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("not a regular file"),
        "{}",
        stderr(&out)
    );
    for waivers in ["/dev/zero", "/dev/null"] {
        let out = run(&["grade", inv, "--waivers", waivers, "--lang", "en"]);
        assert_eq!(code(&out), 2, "{waivers}");
        assert!(
            stderr(&out).contains("not a regular file"),
            "{}",
            stderr(&out)
        );
    }
}

#[test]
fn a_named_pipe_as_rulebook_or_waivers_is_refused_without_waiting() {
    let s = Scratch::new();
    let pipe = s.dir.path().join("pipe.yaml");
    let made = Command::new("mkfifo").arg(&pipe).status().expect("mkfifo");
    assert!(made.success());
    let overlay = s.write(
        "o.yaml",
        "schema: 1\nextends: pipe.yaml\nid: o\nversion: \"1\"\n",
    );
    let p = path_str(&pipe);
    for args in [
        vec![
            "grade",
            COUNTY_CSV,
            "--lang",
            "en",
            "--rules",
            path_str(&overlay),
        ],
        vec!["grade", COUNTY_CSV, "--lang", "en", "--rules", p],
        vec!["grade", COUNTY_CSV, "--lang", "en", "--waivers", p],
    ] {
        let out = run(&args);
        assert_eq!(code(&out), 2, "{}", stderr(&out));
        assert!(stderr(&out).contains("named pipe"), "{}", stderr(&out));
    }
    let out = run(&["grade", COUNTY_CSV, "--waivers", p]);
    assert!(stderr(&out).contains("命名管道"), "{}", stderr(&out));
}

/// A file of secrets in the form of `/etc/shadow`.
const SHADOW: &str = "root:$6$SECRETSALT$SECRETHASH:19000:0:99999:7:::\n\
                      daemon:*:19000:0:99999:7:::\nalice:$6$ALICESALT$ALICEHASH:19000:0:99999:7:::\n";

#[test]
fn a_file_that_is_no_rulebook_is_not_quoted_in_the_error() {
    let s = Scratch::new();
    let secrets = s.write("shadow", SHADOW);
    let overlay = s.write(
        "o.yaml",
        "schema: 1\nextends: shadow\nid: o\nversion: \"1\"\n",
    );
    // A map of secrets, too.
    let map = s.write(
        "secrets.yaml",
        "password: SECRETHASH\ntoken: \"ALICEHASH\"\n",
    );
    for rules in [&secrets, &overlay, &map] {
        for args in [
            vec![
                "grade",
                COUNTY_CSV,
                "--as-of",
                common::AS_OF,
                "--rules",
                path_str(rules),
                "--lang",
                "en",
            ],
            vec!["rules", "check", path_str(rules), "--lang", "en"],
        ] {
            let out = outlet(&args);
            let err = format!("{}{}", stderr(&out), common::run::stdout(&out));
            assert_eq!(code(&out), 2, "{err}");
            for secret in ["SECRET", "ALICE", "root:"] {
                assert!(
                    !err.contains(secret),
                    "`{}` quotes the file: {err}",
                    args.join(" ")
                );
            }
            assert!(err.contains("line 1"), "the place is given: {err}");
        }
    }
    // A waiver file of secrets.
    let waivers = s.write("waivers.yaml", SHADOW);
    let out = run(&["grade", COUNTY_CSV, "--waivers", path_str(&waivers)]);
    assert_eq!(code(&out), 2);
    assert!(!stderr(&out).contains("SECRET"), "{}", stderr(&out));
}

#[test]
fn a_rulebook_larger_than_16_mb_is_refused() {
    let s = Scratch::new();
    let big = s.write("big.yaml", &"# padding\n".repeat(1_700_000));
    let out = run(&[
        "grade",
        COUNTY_CSV,
        "--rules",
        path_str(&big),
        "--lang",
        "en",
    ]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("larger than 16 MB"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn waiver_file_errors_speak_of_the_waiver_file() {
    let s = Scratch::new();
    let waivers = s.write("waivers.yaml", "waivers: [\n  {outlet: B-001,\n");
    let w = path_str(&waivers);
    let out = run(&["grade", COUNTY_CSV, "--waivers", w, "--lang", "en"]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert!(err.contains("waiver file"), "{err}");
    assert!(!err.contains("inventory"), "{err}");
    let out = run(&["grade", COUNTY_CSV, "--waivers", w]);
    let err = stderr(&out);
    assert!(err.contains("豁免文件"), "{err}");
    assert!(!err.contains("清单"), "{err}");
}

// ---- 9. Deep extends chains ----

/// A chain of `n` overlays, `o0.yaml` extending `o1.yaml` … extending the built-in rulebook.
fn chain(s: &Scratch, n: usize) -> PathBuf {
    for i in 0..n {
        let base = if i + 1 == n {
            "builtin".to_string()
        } else {
            format!("o{}.yaml", i + 1)
        };
        s.write(
            &format!("o{i}.yaml"),
            &format!("schema: 1\nextends: {base}\nid: o{i}\nversion: \"1\"\n"),
        );
    }
    s.dir.path().join("o0.yaml")
}

#[test]
fn an_extends_chain_of_3000_files_is_an_error_not_a_crash() {
    let s = Scratch::new();
    let top = chain(&s, 3000);
    let out = run(&[
        "grade",
        COUNTY_CSV,
        "--rules",
        path_str(&top),
        "--lang",
        "en",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("more than 64"), "{}", stderr(&out));
}

#[test]
fn an_extends_chain_of_64_files_is_read_and_65_is_not() {
    let s = Scratch::new();
    let top = chain(&s, 64);
    let out = outlet(&["rules", "check", path_str(&top)]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let s = Scratch::new();
    let top = chain(&s, 65);
    let out = outlet(&["rules", "check", path_str(&top)]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
}

/// `-o /dev/stdout` in a pipeline (standard output a pipe, as here): the report goes down the
/// pipe. (Following the link by hand led to `/proc/self/fd/pipe:[…]`, which no path names.)
#[test]
fn output_to_dev_stdout_writes_down_a_pipe() {
    let out = run(&[
        "grade",
        COUNTY_CSV,
        "--format",
        "csv",
        "--fail-on",
        "never",
        "-o",
        "/dev/stdout",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("网点编号,") || text.starts_with("id,"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 51, "a header and 50 outlets");
}
