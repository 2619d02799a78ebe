//! The commands in the README and the rulebook docs run as written, with the output they show.

#[test]
fn readme_examples() {
    trycmd::TestCases::new()
        .register_bin("outlet", trycmd::cargo::cargo_bin!("outlet"))
        .case("README.md");
}
