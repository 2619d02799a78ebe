//! One self-contained HTML page: headline figures, bar charts of grades (inline SVG), a sortable and
//! filterable table, and each outlet's gap list. No external scripts, fonts or network.
//!
//! The page is written piece by piece as it is made, each table row by row from the report's
//! sections and tallies: neither the page nor a table of it is ever held whole as text. What it
//! keeps until the end is bounded: the rows it lists ([`Listing`]), their gap lists as HTML, and
//! the tallies by county.

use std::io::{self, Write};
use std::sync::Arc;

use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::render::{Encode, Head, Render, Rows as MadeRows, Wants, page_title};
use super::summary::{GroupBy, Groups};
use super::{Column, Format, Out, Section};
use crate::problem::Problem;
use crate::rulebook::Rulebook;
use crate::text::{Lang, Text};

/// A page lists every row of a report of at most this many; a longer one (a province, the
/// nation) is shown by region, and lists only the rows a reader acts on ([`Listing`]).
pub const ALL_ROWS: usize = 5_000;
/// Past [`ALL_ROWS`]: at most so many rows listed per county, and in all.
pub const PER_COUNTY: usize = 50;
pub const LISTED: usize = 2_000;

/// What a long report's page lists, decided row by row in bounded memory: while the report has
/// at most [`ALL_ROWS`] rows, every one; past that, only the rows a reader acts on (below the
/// minimum, overclaimed; every row of a report without a status), at most [`PER_COUNTY`] per
/// county and [`LISTED`] in all, in the order they come. The rest are counted.
#[derive(Debug, Default)]
pub struct Listing {
    rows: usize,
    /// Past [`ALL_ROWS`].
    long: bool,
    /// Until then, each row offered, to decide on if the report grows long.
    early: Vec<ListingRow>,
    /// Rows listed, by county, and in all; the ids of the rows listed.
    per_county: rustc_hash::FxHashMap<String, usize>,
    listed: usize,
    ids: rustc_hash::FxHashSet<String>,
    /// Rows a reader acts on that are not listed, and whether the report has statuses at all.
    unlisted: usize,
    has_status: bool,
}

/// What [`Listing`] needs of a row.
#[derive(Clone, Debug, Default)]
pub struct ListingRow {
    pub id: String,
    /// Province, city and county, each ended by U+001F.
    pub region: String,
    /// Below the minimum or overclaimed; `None` when the report has no status.
    pub acted_on: Option<bool>,
}

impl Listing {
    /// Offers a row; returns whether the page lists it (for now: see [`Listing::overflowed`]).
    pub fn offer(&mut self, row: ListingRow) -> bool {
        self.offer_with(row.acted_on, || row)
    }

    /// As [`Listing::offer`], for a row whose status is `acted_on`: `row` is made only when the
    /// page may list it (not for the many rows of a long report it passes over).
    pub fn offer_with(&mut self, acted_on: Option<bool>, row: impl FnOnce() -> ListingRow) -> bool {
        self.rows += 1;
        self.has_status |= acted_on.is_some();
        if !self.long {
            self.early.push(row());
            return true;
        }
        if acted_on == Some(false) {
            return false;
        }
        if self.listed >= LISTED {
            self.unlisted += 1;
            return false;
        }
        self.admit(row())
    }

    fn admit(&mut self, row: ListingRow) -> bool {
        if row.acted_on == Some(false) {
            return false;
        }
        let in_county = self.per_county.get(&row.region).copied().unwrap_or(0);
        if self.listed >= LISTED || in_county >= PER_COUNTY {
            self.unlisted += 1;
            return false;
        }
        self.listed += 1;
        self.per_county.insert(row.region, in_county + 1);
        self.ids.insert(row.id);
        true
    }

    /// When the report has just grown past [`ALL_ROWS`]: of the rows offered so far, which stay.
    pub fn overflowed(&mut self) -> Option<Vec<bool>> {
        if self.long || self.rows <= ALL_ROWS {
            return None;
        }
        self.long = true;
        let early = std::mem::take(&mut self.early);
        Some(early.into_iter().map(|r| self.admit(r)).collect())
    }

    /// The ids of the rows listed (past [`ALL_ROWS`]).
    pub fn listed_ids(&self) -> &rustc_hash::FxHashSet<String> {
        &self.ids
    }

    /// Whether the page lists only the rows a reader acts on (a long report with statuses).
    pub fn acted_on_only(&self) -> bool {
        self.long && self.has_status
    }

    /// Whether the page lists no more rows: a long report whose list is full.
    pub fn is_full(&self) -> bool {
        self.long && self.listed >= LISTED
    }

    /// Whether the page shows the report by region, listing only some rows.
    pub fn is_long(&self) -> bool {
        self.long
    }

    /// What the page says above a long report's list: what it lists, what it leaves out, and
    /// where to find everything.
    pub fn note(&self, rows: usize, lang: crate::text::Lang) -> Option<String> {
        use crate::text::Lang;
        if !self.long {
            return None;
        }
        let (listed, unlisted) = (self.listed, self.unlisted);
        Some(match (lang, self.has_status) {
            (Lang::Zh, true) => format!(
                "共 {rows} 行,超过 {ALL_ROWS} 行:本页按地区(省、市、县)汇总,只列出需要处理的网点\
                 (低于最低要求、申报偏高),每县最多 {PER_COUNTY} 个、共最多 {LISTED} 个。\
                 已列出 {listed} 个,另有 {unlisted} 个需要处理的网点未列出。\
                 全部结果请用 --format csv 或 --format xlsx --output 文件名.xlsx 导出。"
            ),
            (Lang::Zh, false) => format!(
                "共 {rows} 行,超过 {ALL_ROWS} 行:本页只列出其中 {listed} 行(每县最多 {PER_COUNTY} 行、\
                 共最多 {LISTED} 行),另有 {unlisted} 行未列出。\
                 全部结果请用 --format csv 或 --format xlsx --output 文件名.xlsx 导出。"
            ),
            (Lang::En, true) => format!(
                "{rows} rows, more than {ALL_ROWS}: this page shows them by region (province, city, \
                 county) and lists only the outlets to act on (below minimum, overclaimed), at most \
                 {PER_COUNTY} a county and {LISTED} in all. {listed} are listed; {unlisted} more to \
                 act on are not. For all of them use --format csv or --format xlsx --output FILE.xlsx."
            ),
            (Lang::En, false) => format!(
                "{rows} rows, more than {ALL_ROWS}: this page lists {listed} of them (at most \
                 {PER_COUNTY} a county and {LISTED} in all); {unlisted} more are not listed. For all \
                 of them use --format csv or --format xlsx --output FILE.xlsx."
            ),
        })
    }
}

/// What showing a typed cell takes: the report's language and rulebook.
#[derive(Clone, Copy)]
pub struct Shown<'b> {
    pub lang: Lang,
    pub book: &'b Rulebook,
}

impl Shown<'_> {
    fn cells(&self, row: &[Out]) -> Vec<String> {
        row.iter()
            .map(|c| c.text(Format::Html, self.lang, self.book))
            .collect()
    }
}

/// Rows of text fields packed into one string. What the page keeps of the rows it lists lies in
/// a few large allocations: dropping most of them when the report grows long gives their memory
/// back whole, instead of leaving it scattered among the rows that stay.
#[derive(Debug, Default)]
pub struct Packed {
    text: String,
    /// Where each field ends in `text`.
    ends: Vec<usize>,
    /// Where each row's fields end in `ends`.
    rows: Vec<usize>,
}

impl Packed {
    fn push<'s>(&mut self, fields: impl IntoIterator<Item = &'s str>) {
        for field in fields {
            self.text.push_str(field);
            self.ends.push(self.text.len());
        }
        self.rows.push(self.ends.len());
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The rows, each as its fields.
    pub fn iter(&self) -> impl Iterator<Item = Vec<&str>> + '_ {
        let (mut field, mut start) = (0, 0);
        self.rows.iter().map(move |&row_end| {
            let mut row = Vec::with_capacity(row_end.saturating_sub(field));
            while field < row_end {
                let end = self.ends.get(field).copied().unwrap_or(start);
                row.push(self.text.get(start..end).unwrap_or_default());
                start = end;
                field += 1;
            }
            row
        })
    }

    /// Only the rows for which `keep` (told each row's place) says so, packed anew.
    fn retain(&mut self, mut keep: impl FnMut(usize) -> bool) {
        let mut kept = Packed::default();
        for (i, row) in self.iter().enumerate() {
            if keep(i) {
                kept.push(row);
            }
        }
        *self = kept;
    }
}

/// Where a table's rows come from: each is made as the page is written.
pub enum Rows<'t> {
    /// Cells as shown.
    Text(&'t [Vec<String>]),
    /// Cells as shown, packed.
    Packed(&'t Packed),
    /// Typed cells (a section's), shown as the page shows them.
    Cells(&'t [Vec<Out>]),
    /// Tallies by region: a row per type present in a region, then the region's total
    /// ([`Groups::each_row`]).
    Regions(&'t Groups),
}

/// A table of the page: its headers, and where its rows come from.
pub struct Table<'t> {
    pub key: String,
    pub title: String,
    pub headers: Vec<(String, String)>,
    pub rows: Rows<'t>,
    /// A section of one row, shown as (field, value) pairs.
    pub single: bool,
}

impl Table<'_> {
    /// Gives each row, its cells as shown, to `f` in turn.
    fn each_row(
        &self,
        shown: Shown<'_>,
        mut f: impl FnMut(&[String]) -> io::Result<()>,
    ) -> io::Result<()> {
        match &self.rows {
            Rows::Text(rows) => rows.iter().try_for_each(|r| f(r)),
            Rows::Packed(rows) => rows.iter().try_for_each(|r| {
                let r: Vec<String> = r.into_iter().map(str::to_string).collect();
                f(&r)
            }),
            Rows::Cells(rows) => rows.iter().try_for_each(|r| f(&shown.cells(r))),
            Rows::Regions(groups) => {
                groups.each_row(shown.book, shown.lang, false, |r| f(&shown.cells(&r)))
            }
        }
    }

    /// The first row, as shown (of a table of rows or cells: a section's).
    fn first_row(&self, shown: Shown<'_>) -> Option<Vec<String>> {
        match &self.rows {
            Rows::Text(rows) => rows.first().cloned(),
            Rows::Packed(rows) => rows
                .iter()
                .next()
                .map(|r| r.into_iter().map(str::to_string).collect()),
            Rows::Cells(rows) => rows.first().map(|r| shown.cells(r)),
            Rows::Regions(_) => None,
        }
    }
}

/// Everything the page shows.
pub struct Page<'t> {
    /// For a long report: what the page lists of it ([`Listing::note`]).
    pub note: Option<String>,
    pub zh: bool,
    pub title: String,
    pub meta: String,
    pub main: Table<'t>,
    pub sections: Vec<Table<'t>>,
    /// Per outlet listed: its gap list ([`GapLists`]).
    pub details: &'t GapLists,
    pub problems: Vec<String>,
}

const STYLE: &str = "body{font-family:-apple-system,'Segoe UI','PingFang SC','Microsoft YaHei','Noto Sans CJK SC',sans-serif;margin:24px;color:#1f2328}\
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}.meta{color:#59636e;font-size:13px}\
.cards{display:flex;gap:12px;flex-wrap:wrap;margin:16px 0}.card{border:1px solid #d1d9e0;border-radius:8px;padding:10px 16px;min-width:110px}\
.card b{display:block;font-size:24px}.card span{font-size:12px;color:#59636e}\
table{border-collapse:collapse;font-size:13px;margin:6px 0}th,td{border:1px solid #d1d9e0;padding:4px 8px;text-align:left;vertical-align:top}\
th{background:#f6f8fa;cursor:pointer;white-space:nowrap}th.asc::after{content:' \\25B2'}th.desc::after{content:' \\25BC'}\
td.below_minimum{background:#ffebe9}td.overclaimed{background:#fff8c5}#filter{padding:4px 8px;width:280px;margin:4px 0}\
details{margin:2px 0}summary{cursor:pointer}.problems li{font-size:13px}svg text{font-size:12px}";

/// Sorts on a header click (numbers numerically, else by collation), filters on input, and applies
/// `#sort=KEY` / `#sort=-KEY` from the address on load. Errors are recorded on the body.
const SCRIPT: &str = r#"(function(){
window.addEventListener('error',function(e){document.body.setAttribute('data-error',String(e.message));});
var t=document.getElementById('main');if(!t)return;var tb=t.tBodies[0];
function val(r,i){var c=r.cells[i];return c?c.getAttribute('data-sort')||c.textContent:'';}
function sort(i,desc){var rows=Array.prototype.slice.call(tb.rows);
rows.sort(function(a,b){var x=val(a,i),y=val(b,i),nx=parseFloat(x),ny=parseFloat(y);var r;
if(!isNaN(nx)&&!isNaN(ny)&&String(nx)===x.trim()&&String(ny)===y.trim()){r=nx-ny;}else{r=x.localeCompare(y,'zh');}return desc?-r:r;});
rows.forEach(function(r){tb.appendChild(r);});
var hs=t.tHead.rows[0].cells;for(var k=0;k<hs.length;k++){hs[k].className='';}hs[i].className=desc?'desc':'asc';
document.body.setAttribute('data-sorted',hs[i].getAttribute('data-key')+(desc?':desc':':asc'));}
var hs=t.tHead.rows[0].cells;Array.prototype.forEach.call(hs,function(h,i){h.addEventListener('click',function(){sort(i,h.className==='asc');});});
var f=document.getElementById('filter');if(f){f.addEventListener('input',function(){var q=f.value.toLowerCase();
Array.prototype.forEach.call(tb.rows,function(r){r.style.display=r.textContent.toLowerCase().indexOf(q)>=0?'':'none';});});}
var m=/sort=(-?)([\w]+)/.exec(location.hash);if(m){for(var k=0;k<hs.length;k++){if(hs[k].getAttribute('data-key')===m[2]){sort(k,m[1]==='-');}}}
})();"#;

/// Writes a piece of the page that maud made (and escaped).
fn put(out: &mut impl Write, markup: Markup) -> io::Result<()> {
    out.write_all(markup.into_string().as_bytes())
}

/// A table, row by row: one of rows and columns, or for a section of one row a table of
/// (field, value) pairs. `main`: the main table, which the page's script sorts and filters.
/// Every piece of text goes through maud; only the tags that open and close the table and its
/// body, which hold no text, are written as they are.
fn write_table(
    out: &mut impl Write,
    t: &Table<'_>,
    main: bool,
    shown: Shown<'_>,
) -> io::Result<()> {
    if t.single {
        out.write_all(b"<table>")?;
        let mut first = true;
        t.each_row(shown, |row| {
            let markup = html! {
                @if !first {
                    tr { td colspan="2" {} }
                }
                @for ((_, h), v) in t.headers.iter().zip(row) {
                    tr { th { (h) } td { (v) } }
                }
            };
            first = false;
            put(out, markup)
        })?;
        return out.write_all(b"</table>");
    }
    out.write_all(if main {
        b"<table id=\"main\">"
    } else {
        b"<table>"
    })?;
    write_head(out, t)?;
    out.write_all(b"<tbody>")?;
    write_rows(out, t, shown)?;
    out.write_all(b"</tbody></table>")
}

/// A table's head: a row of its headers, each with its column's key.
fn write_head(out: &mut impl Write, t: &Table<'_>) -> io::Result<()> {
    put(
        out,
        html! {
            thead {
                tr {
                    @for (key, h) in &t.headers {
                        th data-key=(key) { (h) }
                    }
                }
            }
        },
    )
}

/// A table's rows, each status cell marked by its class.
fn write_rows(out: &mut impl Write, t: &Table<'_>, shown: Shown<'_>) -> io::Result<()> {
    let status = t
        .headers
        .iter()
        .position(|(k, _)| k == "status" || k == "new_status");
    let class = |i: usize, v: &str| {
        Some(i)
            .filter(|i| Some(*i) == status)
            .map(|_| status_class(v))
            .filter(|c| !c.is_empty())
    };
    t.each_row(shown, |row| {
        put(
            out,
            html! {
                tr {
                    @for (i, v) in row.iter().enumerate() {
                        td class=[class(i, v)] { (v) }
                    }
                }
            },
        )
    })
}

fn status_class(v: &str) -> &'static str {
    match v {
        "低于最低要求" | "below minimum" | "below_minimum" => "below_minimum",
        "申报偏高" | "overclaimed" => "overclaimed",
        _ => "",
    }
}

/// The gap lists of the outlets listed, as the page keeps them: of each, its id, its heading
/// and the HTML of its table's rows ([`Packed`]), and its table's head, shared by the gap lists
/// of the same columns.
#[derive(Debug, Default)]
pub struct GapLists {
    lists: Packed,
    /// Each list's head, in `heads`.
    head_of: Vec<usize>,
    heads: Vec<String>,
}

impl GapLists {
    fn push(&mut self, id: &str, heading: &str, head: String, rows: &str) {
        let head = match self.heads.iter().position(|known| *known == head) {
            Some(i) => i,
            None => {
                self.heads.push(head);
                self.heads.len() - 1
            }
        };
        self.lists.push([id, heading, rows]);
        self.head_of.push(head);
    }

    /// Only the gap lists of the outlets `listed`.
    fn retain(&mut self, listed: &rustc_hash::FxHashSet<String>) {
        let keep: Vec<bool> = self
            .lists
            .iter()
            .map(|list| list.first().is_some_and(|id| listed.contains(*id)))
            .collect();
        self.lists.retain(|i| keep.get(i).copied().unwrap_or(false));
        let mut keep = keep.into_iter();
        self.head_of.retain(|_| keep.next().unwrap_or(false));
    }

    fn is_empty(&self) -> bool {
        self.lists.is_empty()
    }

    /// Writes each gap list: a folded table under its heading.
    fn write(&self, out: &mut impl Write) -> io::Result<()> {
        for (list, head) in self.lists.iter().zip(&self.head_of) {
            let [id, heading, rows] = list[..] else {
                continue;
            };
            let head = self.heads.get(*head).map_or("", String::as_str);
            put(
                out,
                html! {
                    details id={ "gaps-" (id) } {
                        summary { (heading) }
                        table {
                            (PreEscaped(head))
                            tbody { (PreEscaped(rows)) }
                        }
                    }
                },
            )?;
        }
        Ok(())
    }
}

/// Text that was written as UTF-8.
fn utf8(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// The most bars a chart draws.
const MAX_BARS: usize = 400;

const COLORS: [&str; 5] = ["#1a7f37", "#4ac26b", "#54aeff", "#d4a72c", "#cf222e"];

/// A horizontal stacked bar chart of grade counts: one bar per row of a table whose columns
/// include `grade_1` … `grade_4` and `ungraded` (its label in the first column; of a table by
/// type and region, the regions' totals); `None` for a table without them, or with more bars
/// than a reader can use.
fn chart(t: &Table<'_>, shown: Shown<'_>, zh: bool) -> io::Result<Option<Markup>> {
    let label_col = 0;
    let keys = ["grade_1", "grade_2", "grade_3", "grade_4", "ungraded"];
    let cols: Vec<usize> = keys
        .iter()
        .filter_map(|k| t.headers.iter().position(|(h, _)| h == k))
        .collect();
    if cols.len() != keys.len() {
        return Ok(None);
    }
    let type_col = t.headers.iter().position(|(h, _)| h == "type");
    let is_total = |v: Option<&String>| matches!(v.map(String::as_str), Some("合计" | "total"));
    // The bars, one more than a chart draws at most: then there is no chart.
    let mut rows: Vec<(String, Vec<f64>)> = Vec::new();
    t.each_row(shown, |r| {
        if rows.len() > MAX_BARS
            || is_total(r.get(label_col))
            || !type_col.is_none_or(|tc| tc == label_col || is_total(r.get(tc)))
        {
            return Ok(());
        }
        rows.push((
            r.get(label_col).cloned().unwrap_or_default(),
            cols.iter()
                .map(|c| r.get(*c).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0))
                .collect(),
        ));
        Ok(())
    })?;
    // A chart of thousands of bars (every county of the nation) helps no reader: the table has them.
    if rows.len() > MAX_BARS {
        return Ok(None);
    }
    let max = rows
        .iter()
        .map(|(_, v)| v.iter().sum::<f64>())
        .fold(0.0, f64::max)
        .max(1.0);
    let (label_w, bar_w, bar_h) = (120.0, 480.0, 22.0);
    let height = (rows.len() as f64) * (bar_h + 6.0) + 34.0;
    let legend_y = rows.len() as f64 * (bar_h + 6.0) + 14.0;
    let legend_step = if zh { 80.0 } else { 90.0 };
    // Each bar's segments: where it starts, its width, its value, its colour and grade.
    let bars = rows.iter().enumerate().map(|(i, (label, values))| {
        let y = i as f64 * (bar_h + 6.0);
        let mut x = label_w;
        let mut segments = Vec::new();
        for (j, v) in values.iter().enumerate() {
            let w = v / max * bar_w;
            if w > 0.0 {
                segments.push((x, w, *v, j));
            }
            x += w;
        }
        (y, label.as_str(), segments, x, values.iter().sum::<f64>())
    });
    Ok(Some(html! {
        svg xmlns="http://www.w3.org/2000/svg" width=(label_w + bar_w + 60.0) height=(height)
            role="img" class="chart" {
            @for (y, label, segments, end, total) in bars {
                text x=(label_w - 6.0) y=(y + 15.0) text-anchor="end" { (label) }
                @for (x, w, v, j) in segments {
                    rect x=(format!("{x:.1}")) y=(y) width=(format!("{w:.1}")) height=(bar_h)
                        fill=(COLORS[j]) {
                        title { (t.headers[cols[j]].1) ": " (v) }
                    }
                }
                text x=(format!("{:.1}", end + 4.0)) y=(y + 15.0) { (total) }
            }
            @for (j, c) in cols.iter().enumerate() {
                rect x=(label_w + j as f64 * legend_step) y=(legend_y) width="12" height="12"
                    fill=(COLORS[j]) {}
                text x=(label_w + j as f64 * legend_step + 16.0) y=(legend_y + 11.0) {
                    (t.headers[*c].1)
                }
            }
        }
    }))
}

/// Writes the page, piece by piece. maud makes every piece and escapes every value it is given:
/// text from the data or the rulebook can only ever be text. The style and the script are the
/// page's own, inserted as they are, and so are the tags that open and close the document, its
/// body and its tables, which hold no text.
pub fn render(out: &mut impl Write, page: &Page<'_>, shown: Shown<'_>) -> io::Result<()> {
    let zh = page.zh;
    let pick = |a: &'static str, b: &'static str| if zh { a } else { b };
    // Headline figures.
    let totals = page
        .sections
        .iter()
        .find(|s| s.key == "totals")
        .and_then(|t| t.first_row(shown).map(|row| (t, row)));
    let cards: Vec<(&str, &str, &str)> = totals.as_ref().map_or_else(Vec::new, |(t, row)| {
        [
            "outlets",
            "meets",
            "below_minimum",
            "overclaimed",
            "share_meeting_minimum",
            "data_errors",
        ]
        .into_iter()
        .filter_map(|key| {
            let i = t.headers.iter().position(|(k, _)| k == key)?;
            Some((key, row.get(i)?.as_str(), t.headers[i].1.as_str()))
        })
        .collect()
    });
    put(out, html! { (DOCTYPE) })?;
    out.write_all(if zh {
        b"<html lang=\"zh-CN\">"
    } else {
        b"<html lang=\"en\">"
    })?;
    put(
        out,
        html! {
            head {
                meta charset="utf-8";
                title { (page.title) }
                style { (PreEscaped(STYLE)) }
            }
        },
    )?;
    out.write_all(b"<body>")?;
    put(
        out,
        html! {
            h1 { (page.title) }
            div class="meta" { (page.meta) }
            @if totals.is_some() {
                div class="cards" {
                    @for (key, value, title) in &cards {
                        div class="card" data-key=(key) { b { (value) } span { (title) } }
                    }
                }
            }
        },
    )?;
    // Charts: grades by type, and by region where the report has regions.
    for t in page
        .sections
        .iter()
        .chain(std::iter::once(&page.main))
        .filter(|t| !t.single)
    {
        if let Some(chart) = chart(t, shown, zh)? {
            let title = format!("{}{}", t.title, pick(" · 级别分布", " · grades"));
            put(out, html! { h2 { (title) } (chart) })?;
        }
    }
    put(
        out,
        html! {
            h2 { (page.main.title) }
            @if let Some(note) = &page.note {
                p class="note" id="listing" { (note) }
            }
            input id="filter" type="search" placeholder=(pick("筛选…", "Filter…"));
        },
    )?;
    write_table(out, &page.main, true, shown)?;
    for t in &page.sections {
        put(out, html! { h2 { (t.title) } })?;
        write_table(out, t, false, shown)?;
    }
    if !page.details.is_empty() {
        put(
            out,
            html! { h2 { (pick("各网点缺项清单", "Each outlet's gaps")) } },
        )?;
        page.details.write(out)?;
    }
    put(
        out,
        html! {
            @if !page.problems.is_empty() {
                h2 { (pick("数据问题", "Data problems")) }
                ul class="problems" {
                    @for p in &page.problems {
                        li { (p) }
                    }
                }
            }
            script { (PreEscaped(SCRIPT)) }
        },
    )?;
    out.write_all(b"</body></html>\n")
}

/// Where the page finds what [`Listing`] needs of a main row, by column.
#[derive(Clone, Debug, Default)]
struct ListingColumns {
    id: Option<usize>,
    /// Province, city and county, in the order of the columns.
    region: Vec<usize>,
    /// The last of `status` and `new_status`.
    status: Option<usize>,
}

impl ListingColumns {
    fn of(columns: &[Column]) -> ListingColumns {
        let mut found = ListingColumns::default();
        for (i, c) in columns.iter().enumerate() {
            match c.key.as_str() {
                "id" => found.id = Some(i),
                "province" | "city" | "county" => found.region.push(i),
                "status" | "new_status" => found.status = Some(i),
                _ => {}
            }
        }
        found
    }
}

/// The HTML renderer: a page for people ([`Page`]). It keeps the rows it lists ([`Listing`]:
/// every one of a short report, the outlets to act on of a long one), their gap lists as HTML
/// and the tallies by county, and writes the page at the end.
pub(super) struct HtmlRender {
    /// The rows listed, each cell as shown.
    kept: Packed,
    /// Per outlet listed: its gap list.
    details: GapLists,
    listing: Listing,
    /// Whether the page lists the row written last.
    listed_last: bool,
    /// Where the listing's cells are, found at the first row.
    listing_columns: Option<ListingColumns>,
    /// The outlets' tallies by county ([`Render::regions`]).
    counties: Option<Groups>,
}

impl HtmlRender {
    pub(super) fn new() -> HtmlRender {
        HtmlRender {
            kept: Packed::default(),
            details: GapLists::default(),
            listing: Listing::default(),
            listed_last: true,
            listing_columns: None,
            counties: None,
        }
    }

    /// Whether a reader acts on a main row (below the minimum, overclaimed); `None` for a report
    /// without a status.
    fn acted_on(at: &ListingColumns, cells: &[Out]) -> Option<bool> {
        let cell = cells.get(at.status?)?;
        Some(matches!(
            cell,
            Out::Key { key, .. } if matches!(&**key, "below_minimum" | "overclaimed")
        ))
    }

    /// What the listing needs of a main row: its id, its region, whether a reader acts on it.
    fn listing_row(
        h: &Head<'_>,
        at: &ListingColumns,
        cells: &[Out],
        acted_on: Option<bool>,
    ) -> ListingRow {
        let text = |i: usize| {
            cells
                .get(i)
                .map(|c| c.text(Format::Html, h.lang, h.book))
                .unwrap_or_default()
        };
        let mut row = ListingRow {
            id: at.id.map(text).unwrap_or_default(),
            region: String::new(),
            acted_on,
        };
        for i in &at.region {
            row.region.push_str(&text(*i));
            row.region.push('\u{1f}');
        }
        row
    }

    /// After a main row is offered to the listing: keeps its `cells` (as shown) if the page
    /// lists it, and of the rows kept so far only those listed once the report is long.
    fn take_offered<'s>(&mut self, listed: bool, cells: impl IntoIterator<Item = &'s str>) {
        self.listed_last = listed;
        if listed {
            self.kept.push(cells);
        }
        if let Some(listed) = self.listing.overflowed() {
            // Past the outlets a page lists whole: only those listed stay.
            let mut listed = listed.into_iter();
            self.kept.retain(|_| listed.next().unwrap_or(false));
            self.details.retain(self.listing.listed_ids());
        }
    }
}

/// Main rows as the page reads them, written on the thread that makes them ([`Encode`]) into
/// the text of their batch: of each row, whether a reader acts on it, then its id, its region
/// (as [`ListingRow`] has them) and its shown cells as the page shows them, each field after its
/// length. Nothing of a row is kept apart or freed on another thread, and the page reads a row
/// it passes over no further than its first field.
struct HtmlRows<'b> {
    shown: Vec<bool>,
    at: ListingColumns,
    lang: Lang,
    book: &'b Rulebook,
}

/// Writes a field: its length in decimal digits and `:`, then the field.
fn push_field(text: &mut String, field: &str) {
    let len = field.len();
    let mut digits = [0u8; 20];
    let mut n = len;
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 || at == 0 {
            break;
        }
    }
    text.extend(digits[at..].iter().map(|d| char::from(*d)));
    text.push(':');
    text.push_str(field);
}

thread_local! {
    /// A row and a cell being written, on the thread that writes them ([`HtmlRows`]): made once
    /// a thread, not once a row.
    static SCRATCH: std::cell::RefCell<(String, String)> = const {
        std::cell::RefCell::new((String::new(), String::new()))
    };
}

impl Encode for HtmlRows<'_> {
    fn encode(&self, rows: &mut dyn Iterator<Item = Vec<Out>>) -> MadeRows {
        super::render::encode_apart(self, rows)
    }

    fn in_text(&self) -> bool {
        true
    }

    fn encode_into(&self, rows: &mut dyn Iterator<Item = Vec<Out>>, text: &mut String) -> usize {
        SCRATCH.with(|scratch| match scratch.try_borrow_mut() {
            Ok(mut scratch) => {
                let (row, cell) = &mut *scratch;
                self.write_rows(rows, text, row, cell)
            }
            Err(_) => self.write_rows(rows, text, &mut String::new(), &mut String::new()),
        })
    }

    fn pass_over(&self, acted_on: bool, text: &mut String) -> bool {
        Self::passed_over(acted_on, text);
        true
    }
}

impl HtmlRows<'_> {
    /// [`Encode::pass_over`]: the mark of a row, and its length and those of an id and region
    /// that are empty (no cell follows).
    fn passed_over(acted_on: bool, text: &mut String) {
        text.push(if acted_on { 'y' } else { 'n' });
        text.push_str("4:0:0:");
    }

    /// [`Encode::encode_into`], with a row and a cell to write into first.
    fn write_rows(
        &self,
        rows: &mut dyn Iterator<Item = Vec<Out>>,
        text: &mut String,
        row: &mut String,
        cell: &mut String,
    ) -> usize {
        let (lang, book) = (self.lang, self.book);
        let mut count = 0;
        for cells in rows {
            count += 1;
            row.clear();
            cell.clear();
            if let Some(c) = self.at.id.and_then(|i| cells.get(i)) {
                c.write_text(cell, Format::Html, lang, book);
            }
            push_field(row, cell);
            cell.clear();
            for c in self.at.region.iter().filter_map(|i| cells.get(*i)) {
                c.write_text(cell, Format::Html, lang, book);
                cell.push('\u{1f}');
            }
            push_field(row, cell);
            for (c, _) in cells.iter().zip(&self.shown).filter(|(_, s)| **s) {
                cell.clear();
                c.write_text(cell, Format::Html, lang, book);
                push_field(row, cell);
            }
            text.push(match HtmlRender::acted_on(&self.at, &cells) {
                None => '-',
                Some(false) => 'n',
                Some(true) => 'y',
            });
            push_field(text, row);
        }
        count
    }
}

/// Reads a field that [`push_field`] wrote: the field, and what follows it.
fn read_field(bytes: &[u8]) -> io::Result<(&[u8], &[u8])> {
    let bad = || io::Error::new(io::ErrorKind::InvalidData, "a row of the page is cut short");
    let colon = bytes
        .iter()
        .take(21)
        .position(|b| *b == b':')
        .ok_or_else(bad)?;
    let (digits, rest) = bytes.split_at(colon);
    if digits.is_empty() {
        return Err(bad());
    }
    let len = digits.iter().try_fold(0usize, |len, d| {
        let d = char::from(*d).to_digit(10).ok_or_else(bad)?;
        len.checked_mul(10)
            .and_then(|len| len.checked_add(d as usize))
            .ok_or_else(bad)
    })?;
    rest.get(1..)
        .and_then(|rest| rest.split_at_checked(len))
        .ok_or_else(bad)
}

/// A field's text.
fn field_text(bytes: &[u8]) -> io::Result<String> {
    std::str::from_utf8(bytes)
        .map(str::to_string)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

/// A table of the page, its headers as the page shows them.
fn page_table<'t>(
    h: &Head<'_>,
    key: &str,
    title: &Text,
    columns: &[Column],
    rows: Rows<'t>,
    single: bool,
) -> Table<'t> {
    Table {
        key: key.to_string(),
        title: title.get(h.lang).to_string(),
        headers: columns
            .iter()
            .map(|c| (c.key.clone(), c.header(Format::Html, h.lang).to_string()))
            .collect(),
        rows,
        single,
    }
}

impl<'a, W: Write> Render<'a, W> for HtmlRender {
    fn begin(&mut self, _: &mut Head<'a>, _: &mut W) -> io::Result<()> {
        Ok(())
    }

    fn row(&mut self, h: &mut Head<'a>, _: &mut W, cells: &[Out], _: usize) -> io::Result<()> {
        let at = self
            .listing_columns
            .get_or_insert_with(|| ListingColumns::of(&h.columns));
        let acted_on = Self::acted_on(at, cells);
        let listed = self
            .listing
            .offer_with(acted_on, || Self::listing_row(h, at, cells, acted_on));
        let cells = if listed {
            h.human_cells(cells, Format::Html)
        } else {
            Vec::new()
        };
        self.take_offered(listed, cells.iter().map(String::as_str));
        Ok(())
    }

    fn encoder(&self, h: &Head<'a>) -> Arc<dyn Encode + 'a> {
        if h.vertical {
            return Arc::new(super::render::Typed);
        }
        Arc::new(HtmlRows {
            shown: h.shown.clone(),
            at: ListingColumns::of(&h.columns),
            lang: h.lang,
            book: h.book,
        })
    }

    fn encoded(&mut self, _: &mut Head<'a>, _: &mut W, bytes: &[u8], _: usize) -> io::Result<()> {
        let mut rest = bytes;
        while let Some((mark, after)) = rest.split_first() {
            let acted_on = match mark {
                b'y' => Some(true),
                b'n' => Some(false),
                _ => None,
            };
            let (row, after) = read_field(after)?;
            rest = after;
            let (id, fields) = read_field(row)?;
            let (region, mut fields) = read_field(fields)?;
            // Only a row the page may list is read further.
            let mut bad = None;
            let listed = self.listing.offer_with(acted_on, || {
                let (id, region) = match (field_text(id), field_text(region)) {
                    (Ok(id), Ok(region)) => (id, region),
                    (Err(e), _) | (_, Err(e)) => {
                        bad = Some(e);
                        Default::default()
                    }
                };
                ListingRow {
                    id,
                    region,
                    acted_on,
                }
            });
            if let Some(e) = bad {
                return Err(e);
            }
            let mut cells = Vec::new();
            if listed {
                while !fields.is_empty() {
                    let (cell, after) = read_field(fields)?;
                    cells.push(
                        std::str::from_utf8(cell)
                            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?,
                    );
                    fields = after;
                }
            }
            self.take_offered(listed, cells);
        }
        Ok(())
    }

    fn wants(&self) -> Wants {
        Wants {
            details: true,
            sections: true,
            ..Wants::default()
        }
    }

    fn detail(
        &mut self,
        h: &Head<'a>,
        id: &str,
        heading: String,
        columns: &[Column],
        rows: &[Vec<Out>],
    ) {
        if rows.is_empty() || !self.listed_last {
            return;
        }
        let shown = Shown {
            lang: h.lang,
            book: h.book,
        };
        let rows: Vec<Vec<String>> = rows.iter().map(|r| shown.cells(r)).collect();
        let table = Table {
            key: "gaps".into(),
            title: String::new(),
            headers: columns
                .iter()
                .map(|c| (c.key.clone(), c.title.get(h.lang).to_string()))
                .collect(),
            rows: Rows::Text(&rows),
            single: false,
        };
        // Written to memory, which cannot fail.
        let (mut head, mut body) = (Vec::new(), Vec::new());
        if write_head(&mut head, &table).is_err() || write_rows(&mut body, &table, shown).is_err() {
            return;
        }
        self.details.push(id, &heading, utf8(head), &utf8(body));
    }

    fn regions(&mut self, counties: Groups) {
        self.counties = Some(counties);
    }

    fn lists_some(&self) -> bool {
        self.listing.is_long()
    }

    fn lists_no_more(&self) -> bool {
        self.listing.is_full()
    }

    fn finish(
        &mut self,
        h: &mut Head<'a>,
        out: &mut W,
        rows_written: usize,
        sections: &[Section],
        problems: &[Problem],
    ) -> io::Result<()> {
        let preamble = std::mem::take(&mut h.preamble);
        let h = &*h;
        let shown = Shown {
            lang: h.lang,
            book: h.book,
        };
        let columns: Vec<Column> = h.human_columns().into_iter().cloned().collect();
        let rows = std::mem::take(&mut self.kept);
        let main_title = page_title(h.meta.command);
        // A long report's page lists only the outlets to act on, and says so.
        let listed_title = if self.listing.acted_on_only() {
            Text::new(
                "需要处理的网点(低于最低要求、申报偏高)",
                "Outlets to act on (below minimum, overclaimed)",
            )
        } else {
            main_title.clone()
        };
        let main = page_table(
            h,
            h.rows_key,
            &listed_title,
            &columns,
            Rows::Packed(&rows),
            h.vertical,
        );
        let mut tables: Vec<Table<'_>> = preamble
            .iter()
            .chain(sections)
            .map(|s| {
                page_table(
                    h,
                    &s.key,
                    &s.title,
                    &s.columns,
                    Rows::Cells(&s.rows),
                    s.single,
                )
            })
            .collect();
        // By county; for a report too long to list every outlet, by province and by city first.
        let counties = self.counties.take();
        let (provinces, cities) = match &counties {
            Some(c) if self.listing.is_long() => (
                Some(c.rollup(GroupBy::Province)),
                Some(c.rollup(GroupBy::City)),
            ),
            _ => (None, None),
        };
        for (key, title, groups) in [
            (
                "by_province",
                Text::new("按省统计", "By province"),
                &provinces,
            ),
            ("by_city", Text::new("按市统计", "By city"), &cities),
            ("by_region", Text::new("按县统计", "By county"), &counties),
        ] {
            if let Some(groups) = groups {
                let columns = Groups::columns(h.book, groups.by(), false);
                tables.push(page_table(
                    h,
                    key,
                    &title,
                    &columns,
                    Rows::Regions(groups),
                    false,
                ));
            }
        }
        let page = Page {
            note: self.listing.note(rows_written, h.lang),
            zh: h.lang == Lang::Zh,
            title: main_title.get(h.lang).to_string(),
            meta: h.meta_line(),
            main,
            sections: tables,
            details: &self.details,
            problems: problems.iter().map(|p| p.render(h.lang)).collect(),
        };
        render(out, &page, shown)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_passed_over_is_a_row_of_an_empty_id_and_region_and_no_cell() {
        let mut text = String::new();
        HtmlRows::passed_over(true, &mut text);
        let (mark, rest) = text.as_bytes().split_at(1);
        assert_eq!(mark, b"y");
        let Ok((row, rest)) = read_field(rest) else {
            panic!("a row");
        };
        assert!(rest.is_empty());
        let Ok((id, row)) = read_field(row) else {
            panic!("an id");
        };
        let Ok((region, row)) = read_field(row) else {
            panic!("a region");
        };
        assert!(id.is_empty() && region.is_empty() && row.is_empty());
    }

    #[test]
    fn packed_rows_read_back_as_pushed_and_keep_only_the_rows_retained() {
        let rows: [&[&str]; 4] = [&["a", "", "甲乙"], &[], &["", ""], &["<td>", "x"]];
        let mut packed = Packed::default();
        for row in rows {
            packed.push(row.iter().copied());
        }
        assert_eq!(packed.len(), 4);
        let read: Vec<Vec<&str>> = packed.iter().collect();
        assert_eq!(read, rows.map(<[&str]>::to_vec));
        packed.retain(|i| i % 2 == 1);
        let read: Vec<Vec<&str>> = packed.iter().collect();
        assert_eq!(read, [rows[1].to_vec(), rows[3].to_vec()]);
        assert_eq!(
            packed.text, "<td>x",
            "the rows dropped are gone from the text"
        );
    }

    #[test]
    fn a_field_reads_back_whatever_it_holds_and_a_cut_short_one_is_an_error() {
        let long = "长".repeat(400);
        let fields = [
            "",
            "WD-1",
            "甲省\u{1f}乙市\u{1f}",
            "12:34",
            "<b>&\"\n",
            &long,
        ];
        let mut text = String::new();
        for f in fields {
            push_field(&mut text, f);
        }
        let mut rest = text.as_bytes();
        for f in fields {
            let Ok((field, after)) = read_field(rest) else {
                panic!("`{f}` does not read back");
            };
            assert_eq!(field, f.as_bytes());
            rest = after;
        }
        assert!(rest.is_empty());
        for cut in 1..text.len() {
            let mut rest = &text.as_bytes()[..cut];
            let mut read = 0;
            while !rest.is_empty() {
                match read_field(rest) {
                    Ok((_, after)) => {
                        rest = after;
                        read += 1;
                    }
                    Err(e) => {
                        assert_eq!(e.kind(), io::ErrorKind::InvalidData);
                        break;
                    }
                }
            }
            assert!(read < fields.len(), "{cut}");
        }
        for bad in [
            &b":"[..],
            b"x:",
            b"9:ab",
            b"99999999999999999999999:",
            b"12345",
        ] {
            assert!(read_field(bad).is_err(), "{bad:?}");
        }
    }
}
