//! A generator of synthetic, realistic outlet inventories, for benchmarks, fuzz seeds and load
//! tests.
//!
//! ```text
//! cargo run --release --example generate -- --outlets 662000 --seed 1 > national.csv
//! cargo run --release --example generate -- --outlets 500 --seed 7 --bad-cells 20 > county.csv
//! cargo run --release --example generate -- --outlets 50 --seed 3 --format yaml > small.yaml
//! cargo run --release --example generate -- --outlets 662000 --seed 1 --divisions > list.csv
//! ```
//!
//! The output has the Chinese headers of DOMAIN.md in their usual order, plus one free-text
//! column (备注) that the rulebook does not know and passes through. What it holds:
//!
//! - types in national proportions (the 2023 division codes: 41,351 township-level units, of
//!   which about a fifth are 街道, and 620,572 village-level units, of which about 19% are
//!   居委会): about 6% 乡镇/街道, 94% 村/社区, and 0.3% 共建 outlets with a 参照类型;
//! - resources chosen per outlet to reach a target grade of the built-in rulebook and to fail at
//!   least one required rule of the next one, so every grade and 未达四级 occur (about 5% grade 1,
//!   20% grade 2, 35% grade 3, 28% grade 4, 12% ungraded), some by a blank cell (未填报) and some by
//!   a value that falls short (不满足);
//! - 12-digit division codes consistent with the type (township digits 001–099 街道, 100–199 镇,
//!   200–399 乡; village digits 001–199 社区, 200–399 村), and region names (省, 市, 县, 乡镇街道)
//!   consistent with the codes: one name per code prefix and, unless `--shared-names`, one prefix
//!   per name (`--shared-names` repeats township names across counties, as 城关镇 repeats in the
//!   real codes);
//! - a small share (`--messy`, 3% of cells by default) of messy but valid spellings: √/Y/有 for 是,
//!   2025年4月17日 and 2025/4/17 dates, units (3人, 2台, 5000元), thousands separators, aliases of
//!   types, services and equipment, other list separators, stray white space;
//! - exactly `--bad-cells K` unreadable cells (若干, 45981, 5.20123E+11, …), none of them in the
//!   id, name or type columns, so every row is still graded.
//!
//! With `--divisions`, it writes instead the official division list (统计用区划代码) that matches
//! the inventory of the same arguments, as the statistics bureau's table has it (12-digit codes;
//! columns 统计用区划代码, 城乡分类代码, 名称): every province, city, county and township of the
//! generator's map (41,356 townships, as the real codes have) with the names the rows give them,
//! and every village-level code of the first `--outlets` rows (about 620,000 at 662,000 rows,
//! the real count). An inventory of no more rows with the same seed then has every code in it, at
//! its level, with the official names: `outlet grade --divisions list.csv` finds nothing, and
//! measures what the check costs.
//!
//! Each row depends only on the seed and its own index, so the first n rows of a larger file are
//! the n-row file (bad cells aside), and the same arguments give the same bytes on every machine.
//! The generator knows the built-in rulebook's rules; it does not read the rulebook.

use std::collections::BTreeMap;
use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

/// Headers in the order of DOMAIN.md, then a pass-through column.
const HEADERS: [&str; 29] = [
    "网点编号",
    "网点名称",
    "省",
    "市",
    "县",
    "乡镇街道",
    "行政区划代码",
    "网点类型",
    "参照类型",
    "申报级别",
    "信息发布栏",
    "线上发布渠道",
    "信息更新日期",
    "自助查询机",
    "经办窗口数",
    "专职人员数",
    "兼职人员数",
    "电脑数",
    "业务系统接入",
    "服务空间",
    "服务空间面积",
    "家门口就业服务站",
    "党建引领",
    "年度工作经费",
    "专项经费",
    "服务事项及管理制度",
    "专业设备",
    "服务项目",
    "备注",
];

/// The English keys of the same columns, for YAML output.
const KEYS: [&str; 29] = [
    "id",
    "name",
    "province",
    "city",
    "county",
    "township",
    "division_code",
    "type",
    "reference_type",
    "claimed_grade",
    "info_board",
    "online_channel",
    "info_updated",
    "kiosk",
    "windows",
    "full_time_staff",
    "part_time_staff",
    "computers",
    "business_system",
    "service_space",
    "space_area",
    "doorstep_station",
    "party_building",
    "funds",
    "dedicated_funds",
    "management_system",
    "equipment",
    "services",
    "备注",
];

// Column indices.
const ID: usize = 0;
const NAME: usize = 1;
const TYPE: usize = 7;
const CODE: usize = 6;
const CLAIMED: usize = 9;
const INFO_BOARD: usize = 10;
const ONLINE: usize = 11;
const UPDATED: usize = 12;
const KIOSK: usize = 13;
const WINDOWS: usize = 14;
const FULL_TIME: usize = 15;
const PART_TIME: usize = 16;
const COMPUTERS: usize = 17;
const SYSTEM: usize = 18;
const SPACE: usize = 19;
const AREA: usize = 20;
const DOORSTEP: usize = 21;
const PARTY: usize = 22;
const FUNDS: usize = 23;
const DEDICATED: usize = 24;
const RULES: usize = 25;
const EQUIPMENT: usize = 26;
const SERVICES: usize = 27;

/// Services by grade (canonical name, aliases); grade 0 is known but required by no grade.
const SERVICE_NAMES: [(u8, &str, &[&str]); 16] = [
    (4, "就业信息查询", &["信息查询"]),
    (4, "信息宣传", &["政策宣传", "信息发布"]),
    (3, "就失业登记", &["就业登记", "失业登记", "就业失业登记"]),
    (3, "求职登记", &["求职招聘登记"]),
    (3, "补贴申领", &["补贴申请", "政策申领"]),
    (3, "劳动力资源摸排", &["劳动力摸排"]),
    (3, "重点群体摸排", &["重点就业群体信息摸排"]),
    (0, "就业困难人员认定", &[]),
    (2, "职业指导", &[]),
    (2, "岗位推荐", &["推荐岗位信息", "推荐岗位"]),
    (2, "供需匹配", &["需求匹配", "人岗匹配"]),
    (2, "培训报名", &["组织培训报名"]),
    (2, "就业援助", &[]),
    (1, "一对一服务", &["一对一就业援助", "一对一创业扶持"]),
    (1, "职业生涯规划", &["生涯规划"]),
    (1, "岗位说明书指导", &["指导用人单位制订岗位说明书"]),
];

const EQUIPMENT_NAMES: [(&str, &str); 4] = [
    ("AI面试模拟", "AI面试模拟设备"),
    ("职业能力测评", "职业能力测评设备"),
    ("创业能力测评", "创业能力测评设备"),
    ("创业沙盘", "创业沙盘设备"),
];

const PROVINCES: [(&str, u8); 31] = [
    ("北京市", 11),
    ("天津市", 12),
    ("河北省", 13),
    ("山西省", 14),
    ("内蒙古自治区", 15),
    ("辽宁省", 21),
    ("吉林省", 22),
    ("黑龙江省", 23),
    ("上海市", 31),
    ("江苏省", 32),
    ("浙江省", 33),
    ("安徽省", 34),
    ("福建省", 35),
    ("江西省", 36),
    ("山东省", 37),
    ("河南省", 41),
    ("湖北省", 42),
    ("湖南省", 43),
    ("广东省", 44),
    ("广西壮族自治区", 45),
    ("海南省", 46),
    ("重庆市", 50),
    ("四川省", 51),
    ("贵州省", 52),
    ("云南省", 53),
    ("西藏自治区", 54),
    ("陕西省", 61),
    ("甘肃省", 62),
    ("青海省", 63),
    ("宁夏回族自治区", 64),
    ("新疆维吾尔自治区", 65),
];

/// Syllables for place names.
const SYLLABLES: [&str; 40] = [
    "安", "宁", "东", "城", "西", "河", "南", "山", "平", "阳", "新", "丰", "永", "兴", "长", "青",
    "石", "桥", "林", "泉", "清", "水", "龙", "凤", "金", "华", "和", "福", "嘉", "善", "云", "溪",
    "江", "湖", "白", "沙", "桃", "李", "柳", "岗",
];

const PARTNER_NAMES: [&str; 5] = ["高校", "工业园区", "金融机构", "合作共建", "共建"];

const BAD_CELLS: [(usize, &str); 10] = [
    (WINDOWS, "若干"),
    (UPDATED, "45981"),
    (KIOSK, "若干"),
    (CODE, "5.20123E+11"),
    (SPACE, "临时"),
    (SYSTEM, "可能"),
    (FUNDS, "很多"),
    (CLAIMED, "五级"),
    (COMPUTERS, "2.5"),
    (RULES, "待定"),
];

/// splitmix64: small, fast, and good enough for synthetic data.
#[derive(Clone)]
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    /// A float in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            items.swap(i, j);
        }
    }
}

/// The seed of row `i`: rows are independent of each other.
fn row_seed(seed: u64, i: u64) -> u64 {
    let mut r = Rng::new(seed ^ i.wrapping_mul(0xD134_2543_DE82_EF95));
    r.next()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Csv,
    Yaml,
}

struct Args {
    outlets: u64,
    seed: u64,
    bad_cells: u64,
    messy: f64,
    format: Format,
    gbk: bool,
    /// Township names repeat across counties, as 城关镇 does in the real codes.
    shared_names: bool,
    /// Write the matching division list instead of the inventory.
    divisions: bool,
    /// Days since 1970-01-01 of the as-of date the freshness of update dates is set against.
    as_of: i64,
}

const USAGE: &str = "usage: generate --outlets N [--seed S] [--bad-cells K] [--messy P] \
[--format csv|yaml] [--gbk] [--shared-names] [--as-of YYYY-MM-DD] [--divisions] > inventory.csv";

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        outlets: 0,
        seed: 1,
        bad_cells: 0,
        messy: 0.03,
        format: Format::Csv,
        gbk: false,
        shared_names: false,
        divisions: false,
        as_of: days_from_civil(2025, 11, 30),
    };
    let mut outlets = None;
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = |name: &str| it.next().ok_or_else(|| format!("`{name}` needs a value"));
        match flag.as_str() {
            "--outlets" | "-n" => outlets = Some(number(&value(&flag)?, &flag)?),
            "--seed" | "-s" => args.seed = number(&value(&flag)?, &flag)?,
            "--bad-cells" => args.bad_cells = number(&value(&flag)?, &flag)?,
            "--messy" => {
                let v = value(&flag)?;
                args.messy = v
                    .parse::<f64>()
                    .ok()
                    .filter(|p| (0.0..=1.0).contains(p))
                    .ok_or_else(|| format!("`--messy {v}`: expected a share from 0 to 1"))?;
            }
            "--format" => {
                args.format = match value(&flag)?.as_str() {
                    "csv" => Format::Csv,
                    "yaml" => Format::Yaml,
                    other => return Err(format!("`--format {other}`: expected csv or yaml")),
                }
            }
            "--gbk" => args.gbk = true,
            "--shared-names" => args.shared_names = true,
            "--divisions" => args.divisions = true,
            "--as-of" => {
                let v = value(&flag)?;
                args.as_of =
                    parse_ymd(&v).ok_or_else(|| format!("`--as-of {v}`: expected YYYY-MM-DD"))?;
            }
            "--help" | "-h" => return Err(String::new()),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    args.outlets = outlets.ok_or("`--outlets N` is required")?;
    if args.divisions && args.format == Format::Yaml {
        return Err("`--divisions` writes a CSV table".into());
    }
    if args.gbk && args.format == Format::Yaml {
        return Err("`--gbk` is for CSV only; YAML is UTF-8".into());
    }
    Ok(args)
}

fn number(s: &str, flag: &str) -> Result<u64, String> {
    s.replace('_', "")
        .parse()
        .map_err(|_| format!("`{flag} {s}`: expected a whole number"))
}

fn parse_ymd(s: &str) -> Option<i64> {
    let mut parts = s.splitn(3, '-').map(|p| p.parse::<i64>().ok());
    let (y, m, d) = (parts.next()??, parts.next()??, parts.next()??);
    ((1..=12).contains(&m) && (1..=31).contains(&d)).then(|| days_from_civil(y, m, d))
}

/// Days since 1970-01-01 (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// The outlet's kind, as drawn.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Township,
    Subdistrict,
    Village,
    Community,
    Partner,
}

/// One generated row: a cell per column, blank when `None`; list cells as items.
struct Row {
    cells: Vec<Cell>,
}

#[derive(Clone)]
enum Cell {
    Blank,
    Text(String),
    List(Vec<String>, &'static str),
}

/// What the row says about each rule of the built-in rulebook: which rules pass.
struct Plan {
    pass: [bool; 19],
}

// Rule indices in `Plan::pass`, grade 4 first.
const G4_CHANNEL: usize = 0;
const G4_FRESH: usize = 1;
const G4_SERVICES: usize = 2;
const G3_WINDOW: usize = 3;
const G3_STAFF: usize = 4;
const G3_COMPUTER: usize = 5;
const G3_SYSTEM: usize = 6;
const G3_SERVICES: usize = 7;
const G2_SPACE: usize = 8;
const G2_PARTY: usize = 9;
const G2_FUNDS: usize = 10;
const G2_RULES: usize = 11;
const G2_SERVICES: usize = 12;
const G1_SPACE: usize = 13;
const G1_STAFF: usize = 14;
const G1_EQUIPMENT: usize = 15;
const G1_FUNDS: usize = 16;
const G1_RULES: usize = 17;
const G1_SERVICES: usize = 18;

/// The required rules of each grade, by index.
fn rules_of(grade: u8) -> &'static [usize] {
    match grade {
        4 => &[G4_CHANNEL, G4_FRESH, G4_SERVICES],
        3 => &[G3_WINDOW, G3_STAFF, G3_COMPUTER, G3_SYSTEM, G3_SERVICES],
        2 => &[G2_SPACE, G2_PARTY, G2_FUNDS, G2_RULES, G2_SERVICES],
        _ => &[
            G1_SPACE,
            G1_STAFF,
            G1_EQUIPMENT,
            G1_FUNDS,
            G1_RULES,
            G1_SERVICES,
        ],
    }
}

/// Draws a target grade (`None` is 未达四级) and which rules pass to reach exactly it.
fn plan(rng: &mut Rng, kind: Kind) -> (Option<u8>, Plan) {
    // Township outlets are better equipped than village ones, as the guideline expects.
    let roll = rng.unit();
    let target = if matches!(kind, Kind::Township | Kind::Subdistrict) {
        match roll {
            x if x < 0.12 => Some(1),
            x if x < 0.45 => Some(2),
            x if x < 0.82 => Some(3),
            x if x < 0.94 => Some(4),
            _ => None,
        }
    } else {
        match roll {
            x if x < 0.05 => Some(1),
            x if x < 0.24 => Some(2),
            x if x < 0.58 => Some(3),
            x if x < 0.87 => Some(4),
            _ => None,
        }
    };
    let mut pass = [false; 19];
    // Grades above the next one do not matter: draw them at random.
    for p in pass.iter_mut() {
        *p = rng.chance(0.5);
    }
    let reached = target.unwrap_or(5);
    for g in [4u8, 3, 2, 1] {
        if g >= reached {
            for &r in rules_of(g) {
                pass[r] = true;
            }
        } else if g == reached - 1 {
            // The next grade: at least one required rule fails.
            let rules = rules_of(g);
            for &r in rules {
                pass[r] = rng.chance(0.6);
            }
            let fail = *rng.pick(rules);
            pass[fail] = false;
        }
    }
    (target, Plan { pass })
}

struct Gen<'a> {
    rng: Rng,
    args: &'a Args,
}

impl Gen<'_> {
    fn messy(&mut self) -> bool {
        self.args.messy > 0.0 && self.rng.chance(self.args.messy)
    }

    /// Pads a value with stray white space, now and then.
    fn pad(&mut self, s: String) -> String {
        if self.messy() {
            match self.rng.below(3) {
                0 => format!(" {s}"),
                1 => format!("{s} "),
                _ => format!("\u{3000}{s}"),
            }
        } else {
            s
        }
    }

    fn yes_no(&mut self, b: bool) -> Cell {
        let s = if self.messy() {
            let spellings: &[&str] = if b {
                &["有", "√", "✓", "Y", "yes", "true", "1"]
            } else {
                &["无", "×", "N", "no", "false", "0"]
            };
            self.rng.pick(spellings).to_string()
        } else if b {
            "是".into()
        } else {
            "否".into()
        };
        Cell::Text(self.pad(s))
    }

    /// A yes/no cell that fails: no, or now and then blank.
    fn fail_yes_no(&mut self) -> Cell {
        if self.rng.chance(0.2) {
            Cell::Blank
        } else {
            self.yes_no(false)
        }
    }

    fn count(&mut self, n: u64, units: &[&str]) -> Cell {
        let s = if self.messy() {
            format!("{n}{}", self.rng.pick(units))
        } else {
            n.to_string()
        };
        Cell::Text(self.pad(s))
    }

    /// A count below 1 that fails `at least 1`: 0, or blank.
    fn fail_count(&mut self, units: &[&str]) -> Cell {
        if self.rng.chance(0.25) {
            Cell::Blank
        } else {
            self.count(0, units)
        }
    }

    fn date(&mut self, days: i64) -> Cell {
        let (y, m, d) = civil_from_days(days);
        let s = if self.messy() {
            match self.rng.below(4) {
                0 => format!("{y}/{m}/{d}"),
                1 => format!("{y}.{m}.{d}"),
                2 => format!("{y}年{m}月{d}日"),
                _ => format!("{y}/{m}/{d} 0:00"),
            }
        } else {
            format!("{y}-{m:02}-{d:02}")
        };
        Cell::Text(self.pad(s))
    }

    /// Funds in 万元.
    fn funds(&mut self, wan: u64) -> Cell {
        let s = if self.messy() {
            match self.rng.below(4) {
                0 => format!("{wan}万元"),
                1 => format!("{wan}万"),
                2 => format!("{}元", wan * 10_000),
                _ => format!("{}元", group_thousands(wan * 10_000)),
            }
        } else {
            wan.to_string()
        };
        Cell::Text(self.pad(s))
    }

    fn list(&mut self, items: Vec<String>) -> Cell {
        if items.is_empty() {
            return Cell::Blank;
        }
        let sep = if self.messy() {
            *self.rng.pick(&[";", "；", ",", "，", "|"])
        } else {
            "、"
        };
        Cell::List(items, sep)
    }

    fn services(&mut self, grades: &[(u8, bool)]) -> Vec<String> {
        let mut out = Vec::new();
        for &(grade, all) in grades {
            let names: Vec<_> = SERVICE_NAMES.iter().filter(|s| s.0 == grade).collect();
            // Drop at least one service of a grade whose checklist fails.
            let dropped = if all {
                usize::MAX
            } else {
                self.rng.below(names.len() as u64) as usize
            };
            for (i, (_, name, aliases)) in names.iter().enumerate() {
                let keep = if all {
                    true
                } else {
                    i != dropped && self.rng.chance(0.5)
                };
                if keep {
                    let name = if !aliases.is_empty() && self.messy() {
                        self.rng.pick(aliases)
                    } else {
                        name
                    };
                    out.push(name.to_string());
                }
            }
        }
        if self.rng.chance(0.3) {
            out.push("就业困难人员认定".into());
        }
        out
    }

    /// A made-up name of two or three syllables, for villages, communities and partners.
    fn place(&mut self, min: u64, max: u64) -> String {
        let n = self.rng.range(min, max);
        (0..n).map(|_| *self.rng.pick(&SYLLABLES)).collect()
    }

    fn row(&mut self, index: u64) -> Row {
        let mut cells = vec![Cell::Blank; HEADERS.len()];
        let rng = &mut self.rng;
        // 41,351 township-level units of 661,923: 6.2%; a fifth of them 街道. Of the village-level
        // units, 19% are 居委会. A few outlets are built with partners.
        let roll = rng.unit();
        let kind = match roll {
            x if x < 0.003 => Kind::Partner,
            x if x < 0.003 + 0.049 => Kind::Township,
            x if x < 0.003 + 0.062 => Kind::Subdistrict,
            x if x < 0.003 + 0.062 + 0.760 => Kind::Village,
            _ => Kind::Community,
        };
        // A county of the nation's ~2,950, and one of its 14 townships: 3 街道, 8 镇 and 3 乡, so
        // that an inventory of any size has at most 41,356 townships, as the real codes have.
        let county = rng.below(COUNTIES_NATIONAL);
        let slot = match kind {
            Kind::Subdistrict => rng.below(3),
            Kind::Township => rng.range(3, TOWNSHIPS_PER_COUNTY - 1),
            _ => rng.below(TOWNSHIPS_PER_COUNTY),
        };
        let Place {
            province,
            pcode,
            city_no,
            county_no,
            township_digits,
            city_name,
            county_name,
            township_name,
        } = Place::of(county, slot, self.args.shared_names);
        let village_digits = match kind {
            Kind::Village => rng.range(200, 399),
            Kind::Community => rng.range(1, 199),
            _ => 0,
        };
        let (type_text, name) = match kind {
            Kind::Township => ("乡镇".to_string(), format!("{township_name}就业服务站")),
            Kind::Subdistrict => ("街道".to_string(), format!("{township_name}就业服务站")),
            Kind::Village => {
                let t = if self.messy() { "行政村" } else { "村" };
                (t.to_string(), format!("{}村就业服务点", self.place(2, 2)))
            }
            Kind::Community => {
                let t = if self.messy() {
                    *self.rng.pick(&["居委会", "社区居委会"])
                } else {
                    "社区"
                };
                (t.to_string(), format!("{}社区就业驿站", self.place(2, 2)))
            }
            Kind::Partner => {
                let t = *self.rng.pick(&PARTNER_NAMES);
                (t.to_string(), format!("{}{t}就业服务站", self.place(2, 3)))
            }
        };
        cells[ID] = Cell::Text(format!("WD{:08}", index + 1));
        cells[NAME] = Cell::Text(name);
        cells[2] = Cell::Text(province.into());
        cells[3] = Cell::Text(city_name);
        cells[4] = Cell::Text(county_name);
        cells[5] = Cell::Text(township_name);
        if kind != Kind::Partner {
            cells[CODE] = Cell::Text(format!(
                "{pcode:02}{city_no:02}{county_no:02}{township_digits:03}{village_digits:03}"
            ));
        }
        cells[TYPE] = Cell::Text(self.pad(type_text));
        if kind == Kind::Partner && !self.rng.chance(0.1) {
            cells[8] = Cell::Text(self.rng.pick(&["乡镇", "街道", "社区"]).to_string());
        }

        let (target, plan) = plan(&mut self.rng, kind);
        let pass = plan.pass;
        if self.rng.chance(0.4) {
            // A claim: mostly the grade reached, sometimes one better (overclaimed).
            let reached = target.unwrap_or(5);
            let claim = if self.rng.chance(0.25) && reached > 1 {
                reached - 1
            } else {
                reached.min(4)
            };
            let s = if self.messy() {
                match self.rng.below(3) {
                    0 => claim.to_string(),
                    1 => format!("{claim}级"),
                    _ => format!("{}级", ["一", "二", "三", "四"][usize::from(claim - 1)]),
                }
            } else {
                format!("{}级", ["一", "二", "三", "四"][usize::from(claim - 1)])
            };
            cells[CLAIMED] = Cell::Text(s);
        }

        // G4 channel: a board or an online channel.
        if pass[G4_CHANNEL] {
            let (board, online) = match self.rng.below(3) {
                0 => (true, true),
                1 => (true, false),
                _ => (false, true),
            };
            cells[INFO_BOARD] = self.yes_no(board);
            cells[ONLINE] = if online || self.rng.chance(0.7) {
                self.yes_no(online)
            } else {
                Cell::Blank
            };
        } else {
            cells[INFO_BOARD] = self.fail_yes_no();
            cells[ONLINE] = self.fail_yes_no();
        }
        // G4 fresh: updated in the 30 days before the as-of date. (A date after the as-of date is
        // a data error that counts as missing, DOMAIN.md; `--bad-cells` makes errors on request.)
        let as_of = self.args.as_of;
        cells[UPDATED] = if pass[G4_FRESH] {
            let offset = self.rng.range(0, 30) as i64;
            self.date(as_of - offset)
        } else if self.rng.chance(0.3) {
            Cell::Blank
        } else {
            let offset = self.rng.range(31, 700) as i64;
            self.date(as_of - offset)
        };
        cells[KIOSK] = if self.rng.chance(0.2) {
            Cell::Blank
        } else {
            let n = self.rng.below(3);
            self.count(n, &["台", "个"])
        };
        cells[WINDOWS] = if pass[G3_WINDOW] {
            let n = self.rng.range(1, 4);
            self.count(n, &["个"])
        } else {
            self.fail_count(&["个"])
        };
        // Staff: G1 wants 2 full-time, G3 wants 1 person in all.
        let (full, part) = if pass[G3_STAFF] && pass[G1_STAFF] {
            (self.rng.range(2, 4), self.rng.range(0, 3))
        } else if pass[G3_STAFF] {
            let full = self.rng.range(0, 1);
            (full, self.rng.range(1 - full, 3))
        } else {
            (0, 0)
        };
        let staff_units = ["人", "名"];
        cells[FULL_TIME] = if !pass[G3_STAFF] && self.rng.chance(0.3) {
            Cell::Blank
        } else {
            self.count(full, &staff_units)
        };
        cells[PART_TIME] = if (full >= 1 || !pass[G3_STAFF]) && self.rng.chance(0.15) {
            Cell::Blank
        } else {
            self.count(part, &staff_units)
        };
        cells[COMPUTERS] = if pass[G3_COMPUTER] {
            let n = self.rng.range(1, 6);
            self.count(n, &["台"])
        } else {
            self.fail_count(&["台"])
        };
        cells[SYSTEM] = if pass[G3_SYSTEM] {
            self.yes_no(true)
        } else {
            self.fail_yes_no()
        };
        // Space: G2 wants shared, independent or a doorstep station; G1 independent or doorstep.
        let (space, doorstep) = if !pass[G2_SPACE] {
            (
                if self.rng.chance(0.3) {
                    None
                } else {
                    Some("无")
                },
                false,
            )
        } else if pass[G1_SPACE] {
            if self.rng.chance(0.5) {
                (Some("独立"), self.rng.chance(0.3))
            } else {
                (Some(*self.rng.pick(&["无", "共享", "独立"])), true)
            }
        } else {
            (Some("共享"), false)
        };
        cells[SPACE] = match space {
            None => Cell::Blank,
            Some(s) => {
                let s = match s {
                    "共享" if self.messy() => "共建共享",
                    "独立" if self.messy() => "专用",
                    s => s,
                };
                Cell::Text(self.pad(s.to_string()))
            }
        };
        if space.is_some_and(|s| s != "无") || doorstep {
            let area = self.rng.range(20, 400);
            cells[AREA] = Cell::Text(if self.messy() {
                format!("{area}平方米")
            } else {
                area.to_string()
            });
        }
        cells[DOORSTEP] = if !doorstep && self.rng.chance(0.2) {
            Cell::Blank
        } else {
            self.yes_no(doorstep)
        };
        cells[PARTY] = if pass[G2_PARTY] {
            self.yes_no(true)
        } else {
            self.fail_yes_no()
        };
        cells[FUNDS] = if pass[G2_FUNDS] {
            let wan = self.rng.range(1, 30);
            self.funds(wan)
        } else if self.rng.chance(0.4) {
            Cell::Blank
        } else {
            self.funds(0)
        };
        cells[DEDICATED] = if pass[G1_FUNDS] {
            self.yes_no(true)
        } else {
            self.fail_yes_no()
        };
        cells[RULES] = if !pass[G2_RULES] {
            if self.rng.chance(0.3) {
                Cell::Blank
            } else {
                Cell::Text("无".into())
            }
        } else {
            let s = if pass[G1_RULES] {
                if self.messy() { "健全" } else { "完整" }
            } else if self.messy() {
                "部分"
            } else {
                "有"
            };
            Cell::Text(self.pad(s.to_string()))
        };
        cells[EQUIPMENT] = if pass[G1_EQUIPMENT] {
            let mut kinds: Vec<usize> = (0..EQUIPMENT_NAMES.len()).collect();
            self.rng.shuffle(&mut kinds);
            let n = self.rng.range(1, 4) as usize;
            let items = kinds[..n]
                .iter()
                .map(|&k| {
                    let (name, alias) = EQUIPMENT_NAMES[k];
                    if self.messy() { alias } else { name }.to_string()
                })
                .collect();
            self.list(items)
        } else {
            Cell::Blank
        };
        let services = self.services(&[
            (4, pass[G4_SERVICES]),
            (3, pass[G3_SERVICES]),
            (2, pass[G2_SERVICES]),
            (1, pass[G1_SERVICES]),
        ]);
        cells[SERVICES] = self.list(services);
        if self.rng.chance(0.05) {
            cells[28] = Cell::Text(
                self.rng
                    .pick(&["省级示范网点", "新建", "与党群服务中心合署", "待验收"])
                    .to_string(),
            );
        }
        Row { cells }
    }
}

/// Cities per province and counties per city in generated codes: 31 × 12 × 8 ≥ 2,954 counties.
/// A township of the generator's map: its codes and the names of its regions.
struct Place {
    province: &'static str,
    pcode: u8,
    city_no: u64,
    county_no: u64,
    township_digits: u64,
    city_name: String,
    county_name: String,
    township_name: String,
}

impl Place {
    /// Township `slot` (of [`TOWNSHIPS_PER_COUNTY`]) of county `county` (of
    /// [`COUNTIES_NATIONAL`]).
    fn of(county: u64, slot: u64, shared_names: bool) -> Place {
        let township_digits = match slot {
            0..=2 => 1 + slot,
            3..=10 => 100 + slot - 3,
            _ => 200 + slot - 11,
        };
        let province_index = county % PROVINCES.len() as u64;
        let (province, pcode) = PROVINCES[province_index as usize];
        let city_no = (county / PROVINCES.len() as u64) % CITIES + 1;
        let county_no = county / (PROVINCES.len() as u64 * CITIES) + 1;
        // Region names follow from the code: the same code prefix always has the same name, and
        // (unless --shared-names) a name belongs to one prefix only.
        let city_key = province_index * CITIES + city_no - 1;
        let county_key = city_key * COUNTIES + county_no - 1;
        let township_key = if shared_names {
            township_digits
        } else {
            county_key * 400 + township_digits
        };
        let city_name = region_name(city_key, 2, 0x11) + "市";
        let county_name = region_name(county_key, 3, 0x22)
            + if county_no.is_multiple_of(3) {
                "区"
            } else {
                "县"
            };
        let township_name = region_name(township_key, 4, 0x33)
            + match township_digits {
                1..=99 => "街道",
                100..=199 => "镇",
                _ => "乡",
            };
        Place {
            province,
            pcode,
            city_no,
            county_no,
            township_digits,
            city_name,
            county_name,
            township_name,
        }
    }

    /// The township's code, padded.
    fn code(&self) -> u64 {
        ((u64::from(self.pcode) * 100 + self.city_no) * 100 + self.county_no) * 1_000_000
            + self.township_digits * 1000
    }
}

/// Writes the division list that matches the inventory of `args` (see the module's text).
fn write_divisions(args: &Args) -> io::Result<()> {
    let stdout = io::stdout();
    let mut w = BufWriter::with_capacity(1 << 16, stdout.lock());
    // Every unit above village level, by code: its name and 城乡分类代码 (none above village).
    let mut units: BTreeMap<u64, String> = BTreeMap::new();
    for county in 0..COUNTIES_NATIONAL {
        for slot in 0..TOWNSHIPS_PER_COUNTY {
            let place = Place::of(county, slot, args.shared_names);
            let township = place.code();
            let county_code = township - township % 1_000_000;
            let city = township - township % 100_000_000;
            let province = township - township % 10_000_000_000;
            units.insert(province, place.province.to_string());
            units.insert(city, place.city_name);
            units.insert(county_code, place.county_name);
            units.insert(township, place.township_name);
        }
    }
    // The village-level codes of the rows.
    let mut villages: Vec<u64> = Vec::new();
    for i in 0..args.outlets {
        let mut g = Gen {
            rng: Rng::new(row_seed(args.seed, i)),
            args,
        };
        let row = g.row(i);
        if let Cell::Text(code) = &row.cells[CODE] {
            match code.parse::<u64>() {
                Ok(code) if code % 1000 != 0 => villages.push(code),
                _ => {}
            }
        }
    }
    villages.sort_unstable();
    villages.dedup();
    let mut buf = Vec::with_capacity(1 << 16);
    buf.extend_from_slice("统计用区划代码,城乡分类代码,名称\n".as_bytes());
    let mut villages = villages.into_iter().peekable();
    let write_village = |buf: &mut Vec<u8>, code: u64| {
        // 村委会 (village digits 200–399) are rural (220), 居委会 urban (111); the name is the
        // code's own, as the inventory names no village.
        let (kind, suffix) = if code % 1000 >= 200 {
            ("220", "村委会")
        } else {
            ("111", "社区居委会")
        };
        let name = region_name(code, 2, 0x44) + suffix;
        buf.extend_from_slice(format!("{code:012},{kind},{name}\n").as_bytes());
    };
    for (code, name) in units {
        while let Some(village) = villages.next_if(|&v| v < code) {
            write_village(&mut buf, village);
        }
        buf.extend_from_slice(format!("{code:012},,{name}\n").as_bytes());
        if buf.len() >= 1 << 15 {
            flush(&mut w, &mut buf, args.gbk)?;
        }
    }
    for village in villages {
        write_village(&mut buf, village);
        if buf.len() >= 1 << 15 {
            flush(&mut w, &mut buf, args.gbk)?;
        }
    }
    flush(&mut w, &mut buf, args.gbk)?;
    w.flush()
}

const CITIES: u64 = 12;
const COUNTIES: u64 = 8;
/// Counties and townships per county: 2,954 × 14 = 41,356 townships, as in the 2023 codes.
const COUNTIES_NATIONAL: u64 = 2954;
const TOWNSHIPS_PER_COUNTY: u64 = 14;

/// The name of region `key`: `syllables` syllables, a different name for every key below
/// 40^syllables (the key is scrambled by a bijection first, so that neighbours look unrelated).
fn region_name(key: u64, syllables: u32, salt: u64) -> String {
    let space = (SYLLABLES.len() as u64).pow(syllables);
    // 7919 is prime and coprime with 40, so multiplying by it permutes 0..40^k.
    let mut k = (key % space * 7919 + salt) % space;
    let mut name = String::new();
    for _ in 0..syllables {
        name.push_str(SYLLABLES[(k % SYLLABLES.len() as u64) as usize]);
        k /= SYLLABLES.len() as u64;
    }
    name
}

fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Chooses which rows get how many bad cells: `k` draws over `n` rows, independent of the rows.
fn bad_cell_rows(seed: u64, n: u64, k: u64) -> BTreeMap<u64, u32> {
    let mut rng = Rng::new(seed ^ 0xBAD0_CE11);
    let mut rows = BTreeMap::new();
    if n == 0 {
        return rows;
    }
    for _ in 0..k {
        *rows.entry(rng.below(n)).or_insert(0) += 1;
    }
    rows
}

fn spoil(rng: &mut Rng, row: &mut Row, count: u32) {
    let mut choices: Vec<usize> = (0..BAD_CELLS.len()).collect();
    rng.shuffle(&mut choices);
    // Each kind spoils its own column, so up to 10 bad cells on a row are 10 problems; more than
    // that cycle through the kinds again.
    for i in 0..count as usize {
        let (column, value) = BAD_CELLS[choices[i % choices.len()]];
        row.cells[column] = Cell::Text(value.to_string());
    }
}

fn csv_field(out: &mut Vec<u8>, s: &str) {
    if s.contains([',', '"', '\n', '\r']) {
        out.push(b'"');
        out.extend_from_slice(s.replace('"', "\"\"").as_bytes());
        out.push(b'"');
    } else {
        out.extend_from_slice(s.as_bytes());
    }
}

fn write_csv_row(out: &mut Vec<u8>, cells: &[Cell]) {
    for (i, cell) in cells.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        match cell {
            Cell::Blank => {}
            Cell::Text(s) => csv_field(out, s),
            Cell::List(items, sep) => csv_field(out, &items.join(sep)),
        }
    }
    out.push(b'\n');
}

/// A YAML scalar, quoted so that it stays a string.
fn yaml_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn write_yaml_row(out: &mut Vec<u8>, cells: &[Cell]) {
    let mut first = true;
    for (key, cell) in KEYS.iter().zip(cells) {
        let value = match cell {
            Cell::Blank => continue,
            Cell::Text(s) => yaml_str(s),
            Cell::List(items, _) => format!(
                "[{}]",
                items
                    .iter()
                    .map(|s| yaml_str(s))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        let lead = if first { "  - " } else { "    " };
        first = false;
        out.extend_from_slice(format!("{lead}{key}: {value}\n").as_bytes());
    }
}

fn run(args: &Args) -> io::Result<()> {
    if args.divisions {
        return write_divisions(args);
    }
    let stdout = io::stdout();
    let mut w = BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut buf = Vec::with_capacity(4096);
    let bad = bad_cell_rows(args.seed, args.outlets, args.bad_cells);
    let mut bad_rng = Rng::new(args.seed ^ 0x5B01_1ED0);
    match args.format {
        Format::Csv => {
            let header: Vec<Cell> = HEADERS.iter().map(|h| Cell::Text(h.to_string())).collect();
            write_csv_row(&mut buf, &header);
        }
        Format::Yaml => buf.extend_from_slice(
            format!(
                "# {} synthetic outlets, seed {}\noutlets:\n",
                args.outlets, args.seed
            )
            .as_bytes(),
        ),
    }
    for i in 0..args.outlets {
        let mut g = Gen {
            rng: Rng::new(row_seed(args.seed, i)),
            args,
        };
        let mut row = g.row(i);
        if let Some(&k) = bad.get(&i) {
            spoil(&mut bad_rng, &mut row, k);
        }
        match args.format {
            Format::Csv => write_csv_row(&mut buf, &row.cells),
            Format::Yaml => write_yaml_row(&mut buf, &row.cells),
        }
        if buf.len() >= 1 << 15 {
            flush(&mut w, &mut buf, args.gbk)?;
        }
    }
    flush(&mut w, &mut buf, args.gbk)?;
    w.flush()
}

fn flush(w: &mut impl Write, buf: &mut Vec<u8>, gbk: bool) -> io::Result<()> {
    if gbk {
        // The buffer always ends at the end of a row, so it is whole UTF-8.
        let text = String::from_utf8_lossy(buf);
        let (bytes, _, _) = encoding_rs::GB18030.encode(&text);
        w.write_all(&bytes)?;
    } else {
        w.write_all(buf)?;
    }
    buf.clear();
    Ok(())
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("error: {e}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        // `generate … | head` is fine.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
