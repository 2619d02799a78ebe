//! The library's public API grades as the command line does: the re-exported types at the crate
//! root are enough to read an inventory and assess every outlet (`examples/library.rs`).

#![allow(
    clippy::expect_used,
    reason = "a test fails loudly on a broken fixture"
)]

mod common;

use std::collections::BTreeMap;

use common::files::COUNTY_CSV;
use common::run::{report, stdout};
use common::table::records;
use outlet::{Evaluator, Input, Inventory, Problem, Rulebook, Status};

#[test]
fn the_public_api_grades_the_example_county_as_the_command_line_does() {
    let book = Rulebook::builtin().expect("the built-in rulebook");
    let as_of: jiff::civil::Date = common::AS_OF.parse().expect("a date");
    let mut inventory =
        Inventory::open(&Input::Path(COUNTY_CSV.into()), None, &book).expect("the example county");
    inventory.set_as_of(Some(as_of));
    let evaluator = Evaluator::new(&book, as_of);
    let mut problems: Vec<Problem> = Vec::new();
    let mut by_library = BTreeMap::new();
    while let Some(outlet) = inventory.next_outlet(&mut problems).expect("an outlet") {
        let a = evaluator.assess(&outlet);
        let grade = a.assessed.map_or(String::new(), |g| g.to_string());
        let below = a.status == Status::BelowMinimum;
        by_library.insert(outlet.id.clone(), (grade, a.minimum.to_string(), below));
    }
    assert_eq!(by_library.len(), 50);
    assert!(!problems.is_empty(), "the example county has data problems");

    let out = report("csv", &["grade", COUNTY_CSV]);
    let by_cli: BTreeMap<String, (String, String, bool)> = records(&stdout(&out))
        .into_iter()
        .map(|r| {
            (
                r["id"].clone(),
                (
                    r["assessed_grade"].clone(),
                    r["minimum_grade"].clone(),
                    r["status"] == "below_minimum",
                ),
            )
        })
        .collect();
    assert_eq!(by_library, by_cli);
}
