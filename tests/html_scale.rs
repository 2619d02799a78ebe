//! The HTML page of a long inventory (issue 16): its region tables count every outlet once, by
//! province, city and county, however the counties' names repeat; it lists at most 50 outlets to
//! act on a county and 2,000 in all, each with its gap list, and counts the rest; and it is the same
//! page on one thread and on several.

#![allow(
    clippy::expect_used,
    reason = "a test fails loudly when its fixture is broken"
)]

mod common;

use std::collections::BTreeMap;

/// Outlets in the inventory: more than the page lists whole, with more to act on than it lists.
const OUTLETS: usize = 12_000;

/// Outlet `i`'s province, city and county. Half the outlets are in five crowded counties, the
/// rest spread over 55; every fourth county is named 城区, a name many cities share.
fn region(i: usize) -> (String, String, String) {
    let county = if i.is_multiple_of(2) {
        i % 5
    } else {
        5 + i % 55
    };
    let province = format!("省{}", county % 3);
    let city = format!("{province}市{}", county % 7);
    let name = if county % 4 == 0 {
        "城区".to_string()
    } else {
        format!("县{county:02}")
    };
    (province, city, name)
}

/// Every third outlet has no full-time staff: an outlet to act on (it claims grade 1).
fn acted_on(i: usize) -> bool {
    i.is_multiple_of(3)
}

fn id(i: usize) -> String {
    format!("R-{i:05}")
}

fn inventory() -> String {
    let rows: Vec<common::Row> = (0..OUTLETS)
        .map(|i| {
            let (province, city, county) = region(i);
            let mut changes = vec![
                ("网点编号", id(i)),
                ("省份", province),
                ("地市", city),
                ("区县", county),
            ];
            if acted_on(i) {
                changes.push(("专职人员数", "0".to_string()));
            }
            common::with_owned(&changes)
        })
        .collect();
    common::csv(&rows)
}

fn page(path: &str, threads: &str) -> String {
    let out = common::run::run(&[
        "grade",
        path,
        "--lang",
        "en",
        "--fail-on",
        "never",
        "--format",
        "html",
        "--threads",
        threads,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8")
}

/// The cells of a table's rows, by the keys of its columns.
fn table_after<'p>(page: &'p str, heading: &str) -> Vec<BTreeMap<String, &'p str>> {
    let start = page
        .find(&format!("<h2>{heading}</h2>"))
        .unwrap_or_else(|| panic!("no table {heading}"));
    let table = &page[start..];
    let table = &table[..table.find("</table>").expect("its end")];
    let keys: Vec<String> = table
        .split("data-key=\"")
        .skip(1)
        .map(|s| s[..s.find('"').expect("a key")].to_string())
        .collect();
    let body = &table[table.find("<tbody>").expect("a body")..];
    body.split("<tr>")
        .skip(1)
        .map(|row| {
            let cells = row.split("<td").skip(1).map(|cell| {
                let cell = &cell[cell.find('>').expect("a cell") + 1..];
                &cell[..cell.find("</td>").expect("its end")]
            });
            keys.iter().cloned().zip(cells).collect()
        })
        .collect()
}

/// Each region's outlets, and of them those to act on (below the minimum or overclaimed), by label,
/// as a region table shows them.
fn totals(page: &str, heading: &str) -> BTreeMap<String, (u64, u64)> {
    table_after(page, heading)
        .into_iter()
        .filter(|row| row.get("type") == Some(&"total"))
        .map(|row| {
            let number = |key: &str| {
                row.get(key)
                    .and_then(|v| v.parse::<u64>().ok())
                    .unwrap_or_else(|| panic!("{heading}: no {key} in {row:?}"))
            };
            let label = row.get("group").expect("a label").to_string();
            let to_act_on = number("below_minimum") + number("overclaimed");
            (label, (number("total"), to_act_on))
        })
        .collect()
}

#[test]
fn a_long_page_counts_every_outlet_in_its_province_city_and_county_and_lists_a_bounded_few() {
    let scratch = common::files::Scratch::new();
    let path = scratch.write("national.csv", &inventory());
    let path = common::files::path_str(&path);
    let page = page(path, "2");

    // What the page should show, worked out from the inventory: each region's outlets and those
    // to act on (a county named 城区 is told by its city), and the outlets listed in the
    // order they come, at most 50 a county and 2,000 in all.
    let mut provinces = BTreeMap::new();
    let mut cities = BTreeMap::new();
    let mut counties = BTreeMap::new();
    let mut per_county: BTreeMap<(String, String, String), usize> = BTreeMap::new();
    let mut listed = Vec::new();
    for i in 0..OUTLETS {
        let (province, city, county) = region(i);
        let to_act_on = u64::from(acted_on(i));
        let label = if county == "城区" {
            format!("{city}/{county}")
        } else {
            county.clone()
        };
        for (map, key) in [
            (&mut provinces, province.clone()),
            (&mut cities, city.clone()),
            (&mut counties, label),
        ] {
            let entry: &mut (u64, u64) = map.entry(key).or_default();
            entry.0 += 1;
            entry.1 += to_act_on;
        }
        if acted_on(i) {
            let in_county = per_county.entry((province, city, county)).or_default();
            if listed.len() < 2_000 && *in_county < 50 {
                *in_county += 1;
                listed.push(id(i));
            }
        }
    }
    assert_eq!(totals(&page, "By province"), provinces);
    assert_eq!(totals(&page, "By city"), cities);
    assert_eq!(totals(&page, "By county"), counties);
    // The crowded counties are capped, and the list is full.
    assert!(per_county.values().any(|n| *n == 50));
    assert_eq!(listed.len(), 2_000);

    let main = table_after(&page, "Outlets to act on (below minimum, overclaimed)");
    let shown: Vec<&str> = main.iter().map(|row| row["id"]).collect();
    assert_eq!(shown, listed);
    assert!(
        main.iter()
            .all(|row| matches!(row["status"], "below minimum" | "overclaimed"))
    );
    let gaps: Vec<&str> = page
        .split("<details id=\"gaps-")
        .skip(1)
        .map(|s| &s[..s.find('"').expect("an id")])
        .collect();
    assert_eq!(
        gaps, listed,
        "a gap list for each outlet listed, and no other"
    );
    let to_act_on = (0..OUTLETS).filter(|i| acted_on(*i)).count();
    assert!(
        page.contains(&format!(
            "{OUTLETS} rows, more than 5000: this page shows them by region"
        )),
        "{}",
        &page[..page.len().min(2_000)]
    );
    assert!(page.contains(&format!(
        "2000 are listed; {} more to act on are not.",
        to_act_on - 2_000
    )));
}

#[test]
fn a_long_page_is_the_same_on_one_thread_and_on_several() {
    let scratch = common::files::Scratch::new();
    let path = scratch.write("national.csv", &inventory());
    let path = common::files::path_str(&path);
    let one = page(path, "1");
    let several = page(path, "3");
    assert!(one == several, "the pages differ");
    assert!(one.contains("<h2>By county</h2>"));
}
