//! Running the `outlet` binary and reading what it printed.

use std::path::Path;
use std::process::Output;

use assert_cmd::Command;
use serde_json::Value as Json;

use super::AS_OF;

/// `outlet ARGS…`, run from `dir`.
pub fn command_in(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_outlet"));
    cmd.current_dir(dir).args(args);
    cmd
}

/// `outlet ARGS… --as-of DATE`, run from the package root.
pub fn command_as_of(args: &[&str], as_of: &str) -> Command {
    let mut cmd = command_in(Path::new(env!("CARGO_MANIFEST_DIR")), args);
    cmd.args(["--as-of", as_of]);
    cmd
}

/// `outlet ARGS…`, run from `dir`.
pub fn outlet_in(dir: &Path, args: &[&str]) -> Output {
    command_in(dir, args).output().expect("outlet runs")
}

/// `outlet ARGS…`, run from the package root as written (no `--as-of`: for the commands that do
/// not grade, or ARGS that give their own date).
pub fn outlet(args: &[&str]) -> Output {
    outlet_in(Path::new(env!("CARGO_MANIFEST_DIR")), args)
}

/// `outlet ARGS… --as-of 2025-11-30`, run from the package root: for every command that grades.
pub fn run(args: &[&str]) -> Output {
    command_as_of(args, AS_OF).output().expect("outlet runs")
}

/// `outlet ARGS… --format FORMAT --lang en --fail-on never`, as [`run`]: a report in English whose
/// findings do not make the run fail.
pub fn report(format: &str, args: &[&str]) -> Output {
    report_in("en", format, args)
}

/// [`report`] in the language `lang`.
pub fn report_in(lang: &str, format: &str, args: &[&str]) -> Output {
    let mut all = args.to_vec();
    all.extend(["--format", format, "--lang", lang, "--fail-on", "never"]);
    run(&all)
}

/// [`run`] with `input` on standard input.
pub fn run_stdin(args: &[&str], input: impl Into<Vec<u8>>) -> Output {
    command_as_of(args, AS_OF)
        .write_stdin(input.into())
        .output()
        .expect("outlet runs")
}

/// [`outlet`], which must exit 0; its standard output.
pub fn ok(args: &[&str]) -> String {
    let out = outlet(args);
    assert_eq!(
        code(&out),
        0,
        "`outlet {}` should exit 0: {}",
        args.join(" "),
        stderr(&out)
    );
    stdout(&out)
}

pub fn code(out: &Output) -> i32 {
    out.status.code().expect("outlet exits with a code")
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("stdout is UTF-8")
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).expect("stderr is UTF-8")
}

/// Standard output as one JSON document.
pub fn json_of(out: &Output) -> Json {
    serde_json::from_slice(&out.stdout).expect("stdout is one JSON document")
}
