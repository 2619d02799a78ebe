//! One self-contained HTML page: headline figures, bar charts of grades (inline SVG), a sortable and
//! filterable table, and each outlet's gap list. No external scripts, fonts or network.

use std::io::{self, Write};

use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::render::{Head, Render, Wants, page_title};
use super::{Column, Format, Out, Section};
use crate::problem::Problem;
use crate::text::{Lang, Text};

/// A table as plain text cells.
pub struct Table {
    pub key: String,
    pub title: String,
    pub headers: Vec<(String, String)>,
    pub rows: Vec<Vec<String>>,
    pub single: bool,
}

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
        self.rows += 1;
        self.has_status |= row.acted_on.is_some();
        if !self.long {
            self.early.push(row);
            return true;
        }
        self.admit(row)
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

/// Everything the page shows.
pub struct Page {
    /// For a long report: what the page lists of it ([`Listing::note`]).
    pub note: Option<String>,
    pub zh: bool,
    pub title: String,
    pub meta: String,
    pub main: Table,
    pub sections: Vec<Table>,
    /// Per outlet: its id, a heading, and its gap rows.
    pub details: Vec<(String, String, Table)>,
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

/// A table: one of rows and columns, or for a section of one row a table of (field, value)
/// pairs. `id` names the main table, which the page's script sorts and filters.
fn table(t: &Table, id: Option<&str>) -> Markup {
    if t.single {
        return html! {
            table {
                @for (row_i, row) in t.rows.iter().enumerate() {
                    @if row_i > 0 {
                        tr { td colspan="2" {} }
                    }
                    @for ((_, h), v) in t.headers.iter().zip(row) {
                        tr { th { (h) } td { (v) } }
                    }
                }
            }
        };
    }
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
    html! {
        table id=[id] {
            thead {
                tr {
                    @for (key, h) in &t.headers {
                        th data-key=(key) { (h) }
                    }
                }
            }
            tbody {
                @for row in &t.rows {
                    tr {
                        @for (i, v) in row.iter().enumerate() {
                            td class=[class(i, v)] { (v) }
                        }
                    }
                }
            }
        }
    }
}

fn status_class(v: &str) -> &'static str {
    match v {
        "低于最低要求" | "below minimum" | "below_minimum" => "below_minimum",
        "申报偏高" | "overclaimed" => "overclaimed",
        _ => "",
    }
}

/// The most bars a chart draws.
const MAX_BARS: usize = 400;

const COLORS: [&str; 5] = ["#1a7f37", "#4ac26b", "#54aeff", "#d4a72c", "#cf222e"];

/// A horizontal stacked bar chart of grade counts: one bar per row of a section whose columns
/// include `grade_1` … `grade_4` and `ungraded`; `None` for a table without them, or with more
/// bars than a reader can use.
fn chart(t: &Table, label_col: usize, zh: bool) -> Option<Markup> {
    let keys = ["grade_1", "grade_2", "grade_3", "grade_4", "ungraded"];
    let cols: Vec<usize> = keys
        .iter()
        .filter_map(|k| t.headers.iter().position(|(h, _)| h == k))
        .collect();
    if cols.len() != keys.len() {
        return None;
    }
    let type_col = t.headers.iter().position(|(h, _)| h == "type");
    let rows: Vec<(&str, Vec<f64>)> = t
        .rows
        .iter()
        .filter(|r| !matches!(r.get(label_col).map(String::as_str), Some("合计" | "total")))
        .filter(|r| {
            type_col.is_none_or(|tc| {
                tc == label_col || matches!(r.get(tc).map(String::as_str), Some("合计" | "total"))
            })
        })
        .map(|r| {
            (
                r.get(label_col).map_or("", String::as_str),
                cols.iter()
                    .map(|c| r.get(*c).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0))
                    .collect(),
            )
        })
        .collect();
    // A chart of thousands of bars (every county of the nation) helps no reader: the table has them.
    if rows.len() > MAX_BARS {
        return None;
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
        (y, *label, segments, x, values.iter().sum::<f64>())
    });
    Some(html! {
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
    })
}

/// The page, built with maud, which escapes every value it is given: text from the data or the
/// rulebook can only ever be text. The style and the script are the page's own, inserted as
/// they are.
pub fn render(out: &mut impl Write, page: &Page) -> io::Result<()> {
    let zh = page.zh;
    let pick = |a: &'static str, b: &'static str| if zh { a } else { b };
    // Headline figures.
    let totals = page
        .sections
        .iter()
        .find(|s| s.key == "totals")
        .and_then(|t| t.rows.first().map(|row| (t, row)));
    let cards: Vec<(&str, &str, &str)> = totals.map_or_else(Vec::new, |(t, row)| {
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
    // Charts: grades by type, and by region where the report has regions.
    let charts: Vec<(String, Markup)> = page
        .sections
        .iter()
        .chain(std::iter::once(&page.main))
        .filter(|t| !t.single)
        .filter_map(|t| {
            let title = format!("{}{}", t.title, pick(" · 级别分布", " · grades"));
            chart(t, 0, zh).map(|c| (title, c))
        })
        .collect();
    let markup = html! {
        (DOCTYPE)
        html lang=(pick("zh-CN", "en")) {
            head {
                meta charset="utf-8";
                title { (page.title) }
                style { (PreEscaped(STYLE)) }
            }
            body {
                h1 { (page.title) }
                div class="meta" { (page.meta) }
                @if totals.is_some() {
                    div class="cards" {
                        @for (key, value, title) in &cards {
                            div class="card" data-key=(key) { b { (value) } span { (title) } }
                        }
                    }
                }
                @for (title, chart) in &charts {
                    h2 { (title) }
                    (chart)
                }
                h2 { (page.main.title) }
                @if let Some(note) = &page.note {
                    p class="note" id="listing" { (note) }
                }
                input id="filter" type="search" placeholder=(pick("筛选…", "Filter…"));
                (table(&page.main, Some("main")))
                @for t in &page.sections {
                    h2 { (t.title) }
                    (table(t, None))
                }
                @if !page.details.is_empty() {
                    h2 { (pick("各网点缺项清单", "Each outlet's gaps")) }
                    @for (id, heading, t) in &page.details {
                        details id={ "gaps-" (id) } {
                            summary { (heading) }
                            (table(t, None))
                        }
                    }
                }
                @if !page.problems.is_empty() {
                    h2 { (pick("数据问题", "Data problems")) }
                    ul class="problems" {
                        @for p in &page.problems {
                            li { (p) }
                        }
                    }
                }
                script { (PreEscaped(SCRIPT)) }
            }
        }
    };
    out.write_all(markup.into_string().as_bytes())?;
    writeln!(out)
}

/// The HTML renderer: a page for people ([`Page`]). It keeps the rows it lists ([`Listing`]:
/// every one of a short report, the outlets to act on of a long one) and their gap lists, and
/// writes the page at the end.
pub(super) struct HtmlRender {
    /// The rows listed, each cell as shown.
    kept: Vec<Vec<String>>,
    /// Per outlet listed: its id, a heading, and its gap rows.
    details: Vec<(String, String, Table)>,
    listing: Listing,
    /// Whether the page lists the row written last.
    listed_last: bool,
}

impl HtmlRender {
    pub(super) fn new() -> HtmlRender {
        HtmlRender {
            kept: Vec::new(),
            details: Vec::new(),
            listing: Listing::default(),
            listed_last: true,
        }
    }

    /// What the listing needs of a main row: its id, its region, whether a reader acts on it.
    fn listing_row(h: &Head<'_>, cells: &[Out]) -> ListingRow {
        let mut row = ListingRow::default();
        for (c, cell) in h.columns.iter().zip(cells) {
            match c.key.as_str() {
                "id" => row.id = cell.text(Format::Html, h.lang, h.book),
                "province" | "city" | "county" => {
                    row.region
                        .push_str(&cell.text(Format::Html, h.lang, h.book));
                    row.region.push('\u{1f}');
                }
                "status" | "new_status" => {
                    row.acted_on = Some(matches!(
                        cell,
                        Out::Key { key, .. } if matches!(&**key, "below_minimum" | "overclaimed")
                    ));
                }
                _ => {}
            }
        }
        row
    }
}

/// A table of the page, its cells as shown.
fn page_table(
    h: &Head<'_>,
    key: &str,
    title: &Text,
    columns: &[Column],
    rows: Vec<Vec<String>>,
    single: bool,
) -> Table {
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
        let row = Self::listing_row(h, cells);
        self.listed_last = self.listing.offer(row);
        if self.listed_last {
            self.kept.push(h.human_cells(cells, Format::Html));
        }
        if let Some(listed) = self.listing.overflowed() {
            // Past the outlets a page lists whole: only those listed stay.
            let mut listed = listed.into_iter();
            self.kept.retain(|_| listed.next().unwrap_or(false));
            let ids = self.listing.listed_ids();
            self.details.retain(|(id, _, _)| ids.contains(id));
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
        let table = Table {
            key: "gaps".into(),
            title: heading.clone(),
            headers: columns
                .iter()
                .map(|c| (c.key.clone(), c.title.get(h.lang).to_string()))
                .collect(),
            rows: rows
                .iter()
                .map(|r| {
                    r.iter()
                        .map(|c| c.text(Format::Html, h.lang, h.book))
                        .collect()
                })
                .collect(),
            single: false,
        };
        self.details.push((id.to_string(), heading, table));
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
        let main = page_table(h, h.rows_key, &listed_title, &columns, rows, h.vertical);
        let mut tables = Vec::new();
        for s in std::mem::take(&mut h.preamble).iter().chain(sections) {
            let rows = s
                .rows
                .iter()
                .map(|r| {
                    r.iter()
                        .map(|c| c.text(Format::Html, h.lang, h.book))
                        .collect()
                })
                .collect();
            tables.push(page_table(h, &s.key, &s.title, &s.columns, rows, s.single));
        }
        let page = Page {
            note: self.listing.note(rows_written, h.lang),
            zh: h.lang == Lang::Zh,
            title: main_title.get(h.lang).to_string(),
            meta: h.meta_line(),
            main,
            sections: tables,
            details: std::mem::take(&mut self.details),
            problems: problems.iter().map(|p| p.render(h.lang)).collect(),
        };
        render(out, &page)
    }
}
