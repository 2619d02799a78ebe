//! The commands in the README and the rulebook docs run as written, with the output they show.

#[test]
fn readme_examples() {
    trycmd::TestCases::new()
        .register_bin("outlet", trycmd::cargo::cargo_bin!("outlet"))
        .case("README.md");
}

#[test]
fn examples_readme() {
    trycmd::TestCases::new()
        .register_bin("outlet", trycmd::cargo::cargo_bin!("outlet"))
        .case("examples/README.md");
}

#[test]
fn rules_readme() {
    trycmd::TestCases::new()
        .register_bin("outlet", trycmd::cargo::cargo_bin!("outlet"))
        .case("rules/README.md");
}
