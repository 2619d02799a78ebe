//! The cell-value parsers: dates, counts, numbers with units, grades, and every field kind of the
//! built-in rulebook through `cell::parse`.

#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use outlet::inventory::cell::{
    self, Cell, Value, parse_count, parse_date, parse_grade, parse_number,
};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(d) = parse_date(text) {
        // A date read back from its ISO form is the same date.
        let iso = format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day());
        assert_eq!(parse_date(&iso), Some(d), "{text:?} -> {iso}");
    }
    let units = [
        "人".to_string(),
        "名".to_string(),
        "台".to_string(),
        "个".to_string(),
    ];
    if let Some(n) = parse_count(text, &units) {
        assert!(
            n.is_finite() && n >= 0.0 && n.fract() == 0.0,
            "{text:?} -> {n}"
        );
    }
    let money = [
        ("万元".to_string(), 1.0),
        ("万".to_string(), 1.0),
        ("元".to_string(), 0.0001),
    ];
    if let Some(n) = parse_number(text, &money) {
        assert!(n.is_finite(), "{text:?} -> {n}");
    }
    if let Some(g) = parse_grade(text) {
        assert!((1..=4).contains(&g), "{text:?} -> {g}");
    }
    let book = common::builtin();
    // A none-word or a blank mark (无, a lone `/` or `—`: DOMAIN "Reading real inventories")
    // reads as blank in a text or code cell, and rightly says nothing.
    let folded = outlet::text::fold_header(text);
    let said_blank = folded.is_empty()
        || book
            .none
            .iter()
            .chain(&book.blank_marks)
            .any(|w| outlet::text::fold_header(w) == folded);
    let cell = Cell::text(text);
    for field in &book.fields {
        let parsed = cell::parse(book, &field.kind, &cell);
        match &parsed.value {
            Value::Number(n) => assert!(n.is_finite(), "{text:?} -> {n}"),
            Value::Grade(g) => assert!((1..=4).contains(g)),
            Value::List(items) => assert!(items.windows(2).all(|w| w[0] < w[1])),
            // A cell that is not blank yet reads as nothing says why.
            Value::Missing => assert!(
                said_blank || !parsed.problems.is_empty(),
                "{text:?} is missing without a problem in {}",
                field.key
            ),
            _ => {}
        }
    }
    // The same items as a native (YAML) list.
    let items: Vec<String> = text.split('\n').map(str::to_string).collect();
    for field in &book.fields {
        let _ = cell::parse(book, &field.kind, &Cell::List(items.clone()));
    }
});
