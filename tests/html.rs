//! The HTML report in a real headless browser (Debian's `chromium`): the page loads without a script
//! error, the table sorts, and a screenshot shows the charts. `.ci/run` installs chromium where it is
//! missing; outside CI, the test says so and passes only when chromium cannot be found.

#![allow(
    clippy::expect_used,
    reason = "a test stops at the first thing that goes wrong"
)]

use std::path::{Path, PathBuf};
use std::process::Command;

use assert_cmd::cargo::cargo_bin;

fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|name| {
            let out = Command::new("which").arg(name).output().ok()?;
            out.status
                .success()
                .then(|| PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
        })
}

fn browser(chrome: &Path, profile: &Path, args: &[&str]) -> (String, String) {
    let out = Command::new(chrome)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
        ])
        .args([
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args([
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=5000",
        ])
        .args(args)
        .output()
        .expect("chromium runs");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn page(dir: &Path, name: &str, args: &[&str]) -> PathBuf {
    let path = dir.join(name);
    let status = Command::new(cargo_bin("outlet"))
        .args(args)
        .args([
            "--as-of",
            "2025-11-30",
            "--format",
            "html",
            "--fail-on",
            "never",
            "--output",
        ])
        .arg(&path)
        .status()
        .expect("outlet runs");
    assert!(status.success(), "outlet {args:?} failed");
    path
}

#[test]
fn html_reports_load_sort_and_chart_in_a_browser() {
    let Some(chrome) = chromium() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install chromium (see .ci/run)"
        );
        eprintln!("skipped: no chromium on this machine (apt-get install chromium)");
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let profile = tempfile::tempdir().expect("profile dir");
    let grade = page(dir.path(), "grade.html", &["grade", "examples/county.csv"]);

    // Sorting by gaps, descending, puts AN-008 (6 required gaps, the most) first.
    let url = format!("file://{}#sort=-required_gaps", grade.display());
    let (dom, log) = browser(&chrome, profile.path(), &["--dump-dom", &url]);
    assert!(
        dom.contains("data-sorted=\"required_gaps:desc\""),
        "the table did not sort: {}",
        &dom[..dom.len().min(400)]
    );
    assert!(!dom.contains("data-error=\""), "a script error on the page");
    assert!(!log.contains("Uncaught"), "console error: {log}");
    let first = dom.split("<tbody><tr><td>").nth(1).unwrap_or_default();
    assert!(
        first.starts_with("AN-008"),
        "first row after sorting: {}",
        &first[..first.len().min(40)]
    );
    // Ascending by id restores file order.
    let url = format!("file://{}#sort=id", grade.display());
    let (dom, _) = browser(&chrome, profile.path(), &["--dump-dom", &url]);
    assert!(
        dom.split("<tbody><tr><td>")
            .nth(1)
            .unwrap_or_default()
            .starts_with("AN-001")
    );

    // Charts: grades by type and by county, as inline SVG bars; the gap list of each outlet.
    assert!(dom.matches("<svg").count() >= 2, "expected two charts");
    assert!(dom.contains("<rect"), "charts have bars");
    assert!(dom.contains("id=\"gaps-AN-031\""), "AN-031's gap list");
    assert!(
        !dom.contains("<script src") && !dom.contains("<link"),
        "the page must be self-contained"
    );

    let shot = dir.path().join("grade.png");
    let (_, log) = browser(
        &chrome,
        profile.path(),
        &[
            "--window-size=1200,900",
            &format!("--screenshot={}", shot.display()),
            &format!("file://{}", grade.display()),
        ],
    );
    let size = std::fs::metadata(&shot).map(|m| m.len()).unwrap_or(0);
    assert!(size > 10_000, "screenshot too small ({size} bytes): {log}");

    // The other reports load without errors too.
    for (name, args) in [
        (
            "gaps.html",
            vec!["gaps", "examples/county.csv", "--lang", "en"],
        ),
        (
            "summary.html",
            vec!["summary", "examples/county.csv", "--by", "township"],
        ),
        (
            "diff.html",
            vec![
                "diff",
                "examples/county-2024.csv",
                "examples/county.csv",
                "--old-as-of",
                "2024-11-30",
            ],
        ),
    ] {
        let path = page(dir.path(), name, &args);
        let (dom, log) = browser(
            &chrome,
            profile.path(),
            &["--dump-dom", &format!("file://{}#sort=id", path.display())],
        );
        assert!(
            dom.contains("data-sorted=\"id:asc\"") || name == "summary.html",
            "{name} did not sort"
        );
        assert!(
            !dom.contains("data-error=\"") && !log.contains("Uncaught"),
            "{name}: script error: {log}"
        );
    }
}
