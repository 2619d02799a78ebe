//! The official division list (`--divisions FILE`): the statistics bureau's 统计用区划代码 table,
//! against which each outlet's division code is checked — that it exists, at the level of the
//! outlet's type (a partner outlet's reference type), and that the inventory's region names agree
//! with the official names of the code's prefixes.
//!
//! The list is read by the command line (`cli::divisions`) through a [`DivisionsBuilder`], which
//! refuses a bad file whole, naming the file and line; the rulebook then carries the list
//! ([`Rulebook::divisions`]) so that the inventory checks each outlet as it types it
//! ([`Divisions::check`]). Codes follow the NBS structure: 2 province + 2 city + 2 county +
//! 3 township + 3 village digits; a shorter code in the list is a prefix padded with zeros.
//!
//! Memory: a national list holds ~662,000 codes, of which ~620,000 are villages. A village is
//! kept as its last three digits (2 bytes) among those of its township: no region column of an
//! inventory names a village, so village names are never compared. The ~45,000 units above them
//! keep their names, in one string arena, and are found by a hash of their codes. A national list
//! takes about 3 MB, and an outlet's check a few lookups in tables that stay in the processor's
//! cache.

use std::fmt;

use crate::problem::ProblemKind;
use crate::rulebook::Rulebook;
use crate::table::Table;
use crate::text::{Lang, Text, normalize, trim};

/// The headers of the code column, as NBS-derived tables name it (compared normalised).
pub const CODE_HEADERS: [&str; 4] = ["统计用区划代码", "区划代码", "行政区划代码", "code"];
/// The headers of the name column.
pub const NAME_HEADERS: [&str; 3] = ["名称", "区划名称", "name"];

/// The digits of a division code.
const DIGITS: usize = 12;

/// The names the list gives to a city-level unit that is no city: the districts and counties of a
/// municipality (北京市 / 市辖区, 重庆市 / 县) and the county-level units a province governs
/// directly (省直辖县级行政区划). An inventory may name the province (or the county) there instead.
const PLACEHOLDER_CITIES: [&str; 4] = [
    "市辖区",
    "县",
    "省直辖县级行政区划",
    "自治区直辖县级行政区划",
];

/// The level of a unit in the list, told by its code: the last non-zero group of digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Province,
    City,
    County,
    Township,
    Village,
}

impl Level {
    /// Every level, highest first.
    const ALL: [Level; 5] = [
        Level::Province,
        Level::City,
        Level::County,
        Level::Township,
        Level::Village,
    ];

    /// How many leading digits name a unit of this level.
    pub fn digits(self) -> usize {
        match self {
            Level::Province => 2,
            Level::City => 4,
            Level::County => 6,
            Level::Township => 9,
            Level::Village => 12,
        }
    }

    /// The level whose units are named by `digits` leading digits.
    pub fn of_prefix(digits: usize) -> Option<Level> {
        Level::ALL.into_iter().find(|l| l.digits() == digits)
    }

    /// The level of a padded code: that of its last group of digits that is not zero; `None` for
    /// a code whose province digits are 00.
    pub fn of_code(code: u64) -> Option<Level> {
        if Level::Province.own_group(code) == 0 {
            return None;
        }
        Level::ALL
            .into_iter()
            .rev()
            .find(|l| l.own_group(code) != 0)
    }

    /// This level's own group of digits in `code`: 2 digits for a province, city or county, 3 for
    /// a township or village.
    fn own_group(self, code: u64) -> u64 {
        let group = match self {
            Level::Province | Level::City | Level::County => 2,
            Level::Township | Level::Village => 3,
        };
        (code / self.tail()) % if group == 2 { 100 } else { 1000 }
    }

    /// Ten to the power of the digits after this level's: the divisor that leaves its prefix.
    /// (A constant for each level: `10u64.pow` of a variable took 7% of reading a national list.)
    fn tail(self) -> u64 {
        match self {
            Level::Province => 10_000_000_000,
            Level::City => 100_000_000,
            Level::County => 1_000_000,
            Level::Township => 1_000,
            Level::Village => 1,
        }
    }

    /// The code of the unit of this level that contains `code`: its prefix, padded with zeros.
    pub fn prefix(self, code: u64) -> u64 {
        code - code % self.tail()
    }

    /// The level's name, as an adjective: 县级 / county-level.
    pub fn name(self, lang: Lang) -> &'static str {
        match self {
            Level::Province => lang.pick("省级", "province-level"),
            Level::City => lang.pick("地级", "prefecture-level"),
            Level::County => lang.pick("县级", "county-level"),
            Level::Township => lang.pick("乡级", "township-level"),
            Level::Village => lang.pick("村级", "village-level"),
        }
    }
}

/// Why a division list could not be read: the whole list is refused (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum DivisionsError {
    #[error(
        "--divisions needs a rulebook whose 12-digit division code field declares `regions` and `type_digits`"
    )]
    NoCodeField,
    #[error("{file}: the division list's header names no {} column (expected {}); its columns: {}",
        if *code { "code" } else { "name" },
        expected(*code).iter().map(|h| format!("`{h}`")).collect::<Vec<_>>().join(" or "),
        headers.iter().map(|h| format!("`{h}`")).collect::<Vec<_>>().join(", "))]
    MissingColumn {
        file: String,
        /// The code column (else the name column) is missing.
        code: bool,
        headers: Vec<String>,
    },
    #[error(
        "{file}, line {line}: `{value}` is not a division code (expected 2, 4, 6, 9 or 12 digits, a shorter code being the prefix of a higher-level unit)"
    )]
    BadCode {
        file: String,
        line: u64,
        value: String,
    },
    #[error("{file}, line {line}: division code `{code}` has no name")]
    NoName {
        file: String,
        line: u64,
        code: String,
    },
    #[error("{file}, line {line}: the {column} cell is not valid text in the file's encoding")]
    BadCell {
        file: String,
        line: u64,
        column: String,
    },
    #[error(
        "{file}, line {line}: division code `{code}` is listed on line {first} as `{first_name}` and here as `{name}`"
    )]
    Repeated {
        file: String,
        line: u64,
        code: String,
        first: u64,
        first_name: String,
        name: String,
    },
    #[error("{file}: the division list has no codes")]
    Empty { file: String },
}

impl DivisionsError {
    /// A cell of `file` on `line`, in `column`, that is not text in the file's encoding.
    pub fn bad_cell(file: &str, line: u64, column: &str) -> DivisionsError {
        DivisionsError::BadCell {
            file: file.to_string(),
            line,
            column: column.to_string(),
        }
    }
}

fn expected(code: bool) -> &'static [&'static str] {
    if code { &CODE_HEADERS } else { &NAME_HEADERS }
}

impl DivisionsError {
    /// The message in `lang`.
    pub fn render(&self, lang: Lang) -> String {
        if lang == Lang::En {
            return self.to_string();
        }
        match self {
            DivisionsError::NoCodeField => {
                "--divisions 需要规则集声明12位行政区划代码字段的 `regions` 和 `type_digits`".into()
            }
            DivisionsError::MissingColumn {
                file,
                code,
                headers,
            } => format!(
                "{file}: 区划代码表的表头没有{}列(应为{});现有列: {}",
                if *code { "代码" } else { "名称" },
                expected(*code)
                    .iter()
                    .map(|h| format!("「{h}」"))
                    .collect::<Vec<_>>()
                    .join("或"),
                headers
                    .iter()
                    .map(|h| format!("「{h}」"))
                    .collect::<Vec<_>>()
                    .join("、")
            ),
            DivisionsError::BadCode { file, line, value } => format!(
                "{file} 第{line}行: `{value}` 不是区划代码(应为2、4、6、9或12位数字,较短的代码是上级单位的代码前缀)"
            ),
            DivisionsError::NoName { file, line, code } => {
                format!("{file} 第{line}行: 区划代码 `{code}` 没有名称")
            }
            DivisionsError::BadCell { file, line, column } => {
                format!("{file} 第{line}行: 列「{column}」的单元格不是该文件编码的有效文本")
            }
            DivisionsError::Repeated {
                file,
                line,
                code,
                first,
                first_name,
                name,
            } => format!(
                "{file} 第{line}行: 区划代码 `{code}` 在第{first}行名为「{first_name}」,此处名为「{name}」"
            ),
            DivisionsError::Empty { file } => format!("{file}: 区划代码表中没有代码"),
        }
    }
}

/// The official division list, ready to check outlets against.
///
/// The layout serves the check of one outlet with few trips to memory, for outlets come in any
/// order and a national list is bigger than the processor's caches: a unit above village level
/// is found by one probe of an open-addressing table of 16-byte slots ([`crate::table`]), and its
/// record holds where its name is and, for a township, its villages' digits. An outlet's
/// township and village cost two fetches from memory, and the township's name a third, where a
/// hash map of every unit and the villages' digits and their bounds in tables of their own cost
/// four. (The names lie apart, as text: in the records, as bytes, each name found was checked
/// as UTF-8 again, which cost more than the fetch.) (Measured with `perf` at
/// 662,000 outlets in random region order: the lookups took 20% of `grade --divisions` before,
/// 17–18% now; fetching a batch's slots and records ahead of typing it moved those misses into
/// the fetching without saving any, and was dropped.)
pub struct Divisions {
    /// The list's file, as messages name it.
    file: String,
    /// The inventory's code field.
    field: usize,
    /// The inventory's region fields and the level of the prefix each names.
    regions: Vec<(usize, Level)>,
    /// Per outlet type: the level its codes have, where the rulebook's `type_digits` tell.
    type_levels: Vec<Option<Level>>,
    /// How many codes the list holds.
    count: usize,
    /// The units above village level, by padded code.
    units: Table<Unit>,
    /// Each unit's record: where its name begins in [`Divisions::names`] and its length in bytes
    /// (4 bytes each, little-endian), then, for a township, the last three digits of its
    /// villages in order (2 bytes each, little-endian).
    records: Vec<u8>,
    /// The units' names, one after the other (text, so that a name is read without checking its
    /// bytes again: `str::from_utf8` on each name found was 5% of a run with the list).
    names: String,
    /// The village codes whose township is not listed, in order.
    orphans: Vec<u64>,
}

/// A unit above village level: its padded code (never 0) and its record's place in
/// [`Divisions::records`].
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Unit {
    code: u64,
    start: u32,
    end: u32,
}

impl fmt::Debug for Divisions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Divisions")
            .field("file", &self.file)
            .field("codes", &self.count)
            .finish()
    }
}

impl Divisions {
    /// The list's file, as messages name it.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// How many codes the list holds.
    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the list has `code` (padded), and the official name of a unit above village level.
    fn find(&self, code: u64) -> Option<Option<&str>> {
        let village = (code % 1000) as u16;
        let unit = code - u64::from(village);
        let record = self
            .units
            .find(code_hash(unit), |u| u.code == unit)
            .map(|u| &self.records[u.start as usize..u.end as usize]);
        let Some(record) = record else {
            // A village whose township is not listed.
            return (village != 0 && self.orphans.binary_search(&code).is_ok()).then_some(None);
        };
        let (place, villages) = record.split_at(8);
        let word =
            |i: usize| u32::from_le_bytes([place[i], place[i + 1], place[i + 2], place[i + 3]]);
        let (start, length) = (word(0) as usize, word(4) as usize);
        if village == 0 {
            return self.names.get(start..start + length).map(Some);
        }
        let found = if unit.is_multiple_of(1_000_000) {
            // Under a county or above, not a township: only the unplaced villages.
            self.orphans.binary_search(&code).is_ok()
        } else {
            has_digits(villages, village)
        };
        found.then_some(None)
    }

    /// The official name of the unit with this padded code, when listed above village level.
    pub fn name_of(&self, code: u64) -> Option<&str> {
        self.find(code).flatten()
    }

    /// Checks one outlet of type `type_`, graded as `grading_type` (its reference type, for a
    /// partner outlet), whose field `f` reads as `text(f)`: that its division code is listed, at
    /// the level of `grading_type`, and that its region names are the official ones. Each
    /// problem goes to `report` with the field it is about and the value it quotes.
    pub fn check<'v>(
        &self,
        book: &Rulebook,
        type_: usize,
        grading_type: usize,
        text: impl Fn(usize) -> Option<&'v str>,
        mut report: impl FnMut(usize, String, ProblemKind),
    ) {
        let Some(written) = text(self.field) else {
            return;
        };
        let written = trim(written);
        let Some(code) = parse_code(written).filter(|_| written.len() == DIGITS) else {
            // Not a code: the inventory has said so.
            return;
        };
        let Some(level) = Level::of_code(code) else {
            report(
                self.field,
                written.to_string(),
                ProblemKind::DivisionNotListed {
                    list: self.file.clone(),
                },
            );
            return;
        };
        let expected = self.type_levels.get(grading_type).copied().flatten();
        match self.find(code) {
            None => report(
                self.field,
                written.to_string(),
                ProblemKind::DivisionNotListed {
                    list: self.file.clone(),
                },
            ),
            Some(official) => {
                // A township or village code whose digits contradict the outlet's own type has
                // had the type warning (`CodeContradictsType`), which names the type the code is
                // of; the level is told where that check does not look (a partner outlet) or
                // cannot name the code's type (a county's code, say).
                let told = matches!(level, Level::Township | Level::Village)
                    && book
                        .code_checks
                        .as_ref()
                        .is_some_and(|c| c.covers(type_) && !c.fits(written, type_));
                if let Some(expected) = expected.filter(|&e| e != level && !told) {
                    report(
                        self.field,
                        written.to_string(),
                        ProblemKind::DivisionWrongLevel {
                            level,
                            expected,
                            official: official.map(str::to_string),
                            outlet_type: type_text(book, type_, grading_type),
                        },
                    );
                }
            }
        }
        for &(f, region) in &self.regions {
            if region > level {
                continue;
            }
            let Some(name) = text(f).map(trim).filter(|n| !n.is_empty()) else {
                continue;
            };
            let prefix = region.prefix(code);
            let Some(official) = self.name_of(prefix) else {
                continue;
            };
            if name == official || self.placeholder_city(region, code, official, name) {
                continue;
            }
            report(
                f,
                name.to_string(),
                ProblemKind::DivisionNameDiffers {
                    code: format!("{prefix:012}"),
                    official: official.to_string(),
                },
            );
        }
    }

    /// Whether `name`, in the city column, stands for a city-level unit that is no city
    /// ([`PLACEHOLDER_CITIES`]): it names the province or the county instead.
    fn placeholder_city(&self, region: Level, code: u64, official: &str, name: &str) -> bool {
        region == Level::City
            && PLACEHOLDER_CITIES.contains(&official)
            && [Level::Province, Level::County]
                .into_iter()
                .any(|l| self.name_of(l.prefix(code)) == Some(name))
    }
}

/// How a problem names the outlet's type: its own, and for a partner outlet the reference type.
fn type_text(book: &Rulebook, type_: usize, grading_type: usize) -> Text {
    let name = |t: usize| {
        book.types
            .get(t)
            .map(|t| t.name.clone())
            .unwrap_or_default()
    };
    let own = name(type_);
    if type_ == grading_type {
        return own;
    }
    let reference = name(grading_type);
    Text::new(
        format!("{}(参照{})", own.zh, reference.zh),
        format!("{} (as {})", own.en, reference.en),
    )
}

/// The hash a unit's padded code is found by in [`Divisions::units`]: its bits mixed. Codes are
/// far from random — a county's townships are 1000 apart — and given as they are, the table's
/// Fibonacci hashing put them in runs: a lookup in a national list probed 19 slots on average
/// (2.6 mixed), and with `--divisions` that probing was a fifth of a national run's samples.
fn code_hash(code: u64) -> u64 {
    crate::table::mix(code)
}

/// Whether `digits`, numbers of 2 bytes (little-endian) in order, hold `digits`.
fn has_digits(digits: &[u8], wanted: u16) -> bool {
    let at = |i: usize| u16::from_le_bytes([digits[2 * i], digits[2 * i + 1]]);
    let (mut low, mut high) = (0, digits.len() / 2);
    while low < high {
        let mid = low + (high - low) / 2;
        match at(mid).cmp(&wanted) {
            std::cmp::Ordering::Less => low = mid + 1,
            std::cmp::Ordering::Greater => high = mid,
            std::cmp::Ordering::Equal => return true,
        }
    }
    false
}

/// A code of digits only, as a number; `None` for anything else or more than 12 digits.
fn parse_code(s: &str) -> Option<u64> {
    if s.is_empty() || s.len() > DIGITS {
        return None;
    }
    // At most 12 digits: no overflow. (`str::parse`, after the check for digits, was an eighth of
    // a national list's loading, in callgrind.)
    s.bytes().try_fold(0u64, |n, b| {
        b.is_ascii_digit().then(|| n * 10 + u64::from(b - b'0'))
    })
}

/// Builds a [`Divisions`] from the rows of a list file, refusing the first bad one.
pub struct DivisionsBuilder {
    list: Divisions,
    /// Units above village level as read: padded code, line, and the name's place in the arena.
    read: Vec<(u64, u64, u32, u32)>,
    arena: String,
    /// The villages read in order under the unit read last (as the bureau's table lists them):
    /// their last three digits, those of `read[i]` from `digit_starts[i]` on. Kept so, a
    /// national list's villages take 2 bytes each while it is read, not 8.
    digits: Vec<u16>,
    digit_starts: Vec<u32>,
    /// The last code read in order: the unit read last, or its last village.
    last: u64,
    /// The other villages' codes.
    stray: Vec<u64>,
}

impl DivisionsBuilder {
    /// A builder for the list in `file` (as messages name it), for outlets read by `book`.
    pub fn new(book: &Rulebook, file: &str) -> Result<DivisionsBuilder, DivisionsError> {
        let checks = book
            .code_checks
            .as_ref()
            .filter(|c| {
                matches!(
                    book.fields.get(c.field).map(|f| &f.kind),
                    Some(crate::rulebook::FieldKind::Code { digits: DIGITS })
                )
            })
            .ok_or(DivisionsError::NoCodeField)?;
        let regions = checks
            .regions
            .iter()
            .filter_map(|&(f, len)| Level::of_prefix(len).map(|l| (f, l)))
            .collect();
        // A type's level, by the village digits its codes may have: only 000 is township level,
        // none of them 000 is village level.
        let type_levels = (0..book.types.len())
            .map(|t| {
                let digits = checks.by_type.iter().find(|d| d.type_ == t)?;
                let village = &digits.village;
                if !village.is_empty() && village.iter().all(|&r| r == (0, 0)) {
                    Some(Level::Township)
                } else if !village.is_empty() && village.iter().all(|&(lo, _)| lo > 0) {
                    Some(Level::Village)
                } else {
                    None
                }
            })
            .collect();
        Ok(DivisionsBuilder {
            list: Divisions {
                file: file.to_string(),
                field: checks.field,
                regions,
                type_levels,
                count: 0,
                units: Table::default(),
                records: Vec::new(),
                names: String::new(),
                orphans: Vec::new(),
            },
            read: Vec::new(),
            arena: String::new(),
            digits: Vec::new(),
            digit_starts: Vec::new(),
            last: 0,
            stray: Vec::new(),
        })
    }

    /// The code and name columns of a list with these headers.
    pub fn columns(&self, headers: &[String]) -> Result<(usize, usize), DivisionsError> {
        let find = |names: &[&str]| {
            // The first name that a header has wins: 统计用区划代码 before 区划代码.
            names.iter().find_map(|n| {
                let n = normalize(n);
                headers.iter().position(|h| normalize(h) == n)
            })
        };
        let missing = |code: bool| DivisionsError::MissingColumn {
            file: self.list.file.clone(),
            code,
            headers: headers.iter().map(|h| trim(h).to_string()).collect(),
        };
        let code = find(&CODE_HEADERS).ok_or_else(|| missing(true))?;
        let name = find(&NAME_HEADERS).ok_or_else(|| missing(false))?;
        Ok((code, name))
    }

    /// Adds the row on `line`: its code and name cells (blank when `None`). A row blank in both
    /// is skipped.
    pub fn push(
        &mut self,
        line: u64,
        code: Option<&str>,
        name: Option<&str>,
    ) -> Result<(), DivisionsError> {
        let name = name.unwrap_or("");
        let blank = trim(name).is_empty();
        self.push_with(line, code.unwrap_or(""), blank, || Ok(name.into()))
    }

    /// Adds the row on `line`, as [`DivisionsBuilder::push`] does, told whether its name cell is
    /// blank and how to read it: it is read only where it is kept (above village level).
    pub fn push_with<'n>(
        &mut self,
        line: u64,
        code: &str,
        name_blank: bool,
        name: impl FnOnce() -> Result<std::borrow::Cow<'n, str>, DivisionsError>,
    ) -> Result<(), DivisionsError> {
        let code = trim(code);
        if code.is_empty() && name_blank {
            return Ok(());
        }
        let bad = || DivisionsError::BadCode {
            file: self.list.file.clone(),
            line,
            value: code.to_string(),
        };
        let padded = parse_code(code)
            .filter(|_| Level::of_prefix(code.len()).is_some())
            .map(|n| n * 10u64.pow((DIGITS - code.len()) as u32))
            .ok_or_else(bad)?;
        let level = Level::of_code(padded).ok_or_else(bad)?;
        if name_blank {
            return Err(DivisionsError::NoName {
                file: self.list.file.clone(),
                line,
                code: code.to_string(),
            });
        }
        if level == Level::Village {
            let under_last = (self.read.last()).is_some_and(|u| u.0 == padded - padded % 1000);
            if under_last && padded > self.last {
                self.digits.push((padded % 1000) as u16);
                self.last = padded;
            } else {
                self.stray.push(padded);
            }
        } else {
            let name = name()?;
            let name = trim(&name);
            if name.is_empty() {
                return Err(DivisionsError::NoName {
                    file: self.list.file.clone(),
                    line,
                    code: code.to_string(),
                });
            }
            let start = self.arena.len();
            self.arena.push_str(name);
            let end = u32::try_from(self.arena.len()).map_err(|_| bad())?;
            self.read.push((padded, line, start as u32, end));
            self.digit_starts.push(self.digits.len() as u32);
            self.last = padded;
        }
        Ok(())
    }

    /// The list, its codes in order; a code listed twice under two names is refused.
    pub fn finish(self) -> Result<Divisions, DivisionsError> {
        let DivisionsBuilder {
            mut list,
            mut read,
            arena,
            digits,
            digit_starts,
            stray,
            ..
        } = self;
        if read.is_empty() && digits.is_empty() && stray.is_empty() {
            return Err(DivisionsError::Empty { file: list.file });
        }
        // Every village code, in order: a list in order (as the bureau publishes it) has them in
        // order already.
        let mut villages = stray;
        for (i, unit) in read.iter().enumerate() {
            let start = digit_starts.get(i).map_or(0, |&s| s as usize);
            let end = (digit_starts.get(i + 1)).map_or(digits.len(), |&e| e as usize);
            villages.extend(digits[start..end].iter().map(|&d| unit.0 + u64::from(d)));
        }
        drop(digits);
        if !villages.is_sorted_by(|a, b| a < b) {
            villages.sort_unstable();
            villages.dedup();
        }
        // Stable: of a repeated code, the first line comes first.
        read.sort_by_key(|&(code, ..)| code);
        let name =
            |&(_, _, start, end): &(u64, u64, u32, u32)| &arena[start as usize..end as usize];
        let mut villages = villages.into_iter().peekable();
        list.units.reserve(read.len(), |u| code_hash(u.code));
        let mut last: Option<&(u64, u64, u32, u32)> = None;
        let (mut units, mut placed) = (0, 0);
        let too_long = |entry: &(u64, u64, u32, u32)| DivisionsError::BadCode {
            file: list.file.clone(),
            line: entry.1,
            value: format!("{:012}", entry.0),
        };
        for entry in &read {
            if let Some(first) = last.filter(|l| l.0 == entry.0) {
                if name(first) != name(entry) {
                    return Err(DivisionsError::Repeated {
                        file: list.file,
                        line: entry.1,
                        code: format!("{:012}", entry.0),
                        first: first.1,
                        first_name: name(first).to_string(),
                        name: name(entry).to_string(),
                    });
                }
                continue;
            }
            last = Some(entry);
            units += 1;
            let (code, text) = (entry.0, name(entry));
            let start = list.records.len();
            let name_start = u32::try_from(list.names.len()).map_err(|_| too_long(entry))?;
            let length = u32::try_from(text.len()).map_err(|_| too_long(entry))?;
            list.records.extend(name_start.to_le_bytes());
            list.records.extend(length.to_le_bytes());
            list.names.push_str(text);
            if !code.is_multiple_of(1_000_000) {
                // A township, with the villages under it; those before it have no listed
                // township.
                list.orphans
                    .extend(std::iter::from_fn(|| villages.next_if(|&v| v < code)));
                while let Some(v) = villages.next_if(|&v| v < code + 1000) {
                    list.records.extend(((v % 1000) as u16).to_le_bytes());
                    placed += 1;
                }
            }
            let place = |at: usize| u32::try_from(at).map_err(|_| too_long(entry));
            let unit = Unit {
                code,
                start: place(start)?,
                end: place(list.records.len())?,
            };
            list.units
                .insert(code_hash(code), unit, |u| code_hash(u.code));
        }
        list.orphans.extend(villages);
        list.count = units + placed + list.orphans.len();
        list.records.shrink_to_fit();
        list.names.shrink_to_fit();
        list.orphans.shrink_to_fit();
        Ok(list)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_are_told_by_the_last_group_that_is_not_zero() {
        assert_eq!(Level::of_code(530_000_000_000), Some(Level::Province));
        assert_eq!(Level::of_code(530_100_000_000), Some(Level::City));
        assert_eq!(Level::of_code(530_102_000_000), Some(Level::County));
        assert_eq!(Level::of_code(530_102_001_000), Some(Level::Township));
        assert_eq!(Level::of_code(530_102_001_001), Some(Level::Village));
        assert_eq!(Level::of_code(530_102_400_000), Some(Level::Township));
        assert_eq!(Level::of_code(0), None);
        assert_eq!(Level::of_code(1_001_000), None);
        assert_eq!(Level::Township.prefix(530_102_001_201), 530_102_001_000);
        assert_eq!(Level::City.prefix(530_102_001_201), 530_100_000_000);
        assert_eq!(Level::Province.prefix(530_102_001_201), 530_000_000_000);
    }

    #[test]
    fn a_national_list_of_codes_is_found_in_few_probes() {
        // Codes as the bureau's are made: the 31 provinces, each with cities, counties and
        // townships numbered from 1. (Hashed as they are, these took 19.7 probes a lookup.)
        let provinces = [
            11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50,
            51, 52, 53, 54, 61, 62, 63, 64, 65,
        ];
        let mut b = builder();
        let mut line = 2;
        let mut units = Vec::new();
        let mut unit = |code: u64| {
            b.push(line, Some(&code.to_string()), Some("某地"))
                .unwrap_or_else(|e| panic!("{e}"));
            line += 1;
            units.push(code);
        };
        for p in provinces {
            let p = p * 10_000_000_000;
            unit(p);
            for c in (1..13).map(|c| p + c * 100_000_000) {
                unit(c);
                for k in (1..9).map(|k| c + k * 1_000_000) {
                    unit(k);
                    (1..13).for_each(|t| unit(k + t * 1000));
                }
            }
        }
        let list = b.finish().unwrap_or_else(|e| panic!("{e}"));
        let probes: usize = units
            .iter()
            .map(|&code| list.units.probes(code_hash(code), |u| u.code == code))
            .sum();
        let mean = probes as f64 / units.len() as f64;
        // Linear probing at three slots in four taken averages 2.5 probes for random hashes.
        assert!(mean < 4.0, "{mean} probes a lookup");
    }

    fn builder() -> DivisionsBuilder {
        let book = Rulebook::builtin().unwrap_or_else(|e| panic!("{e}"));
        DivisionsBuilder::new(&book, "list.csv").unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn short_codes_are_padded_and_names_kept_above_village_level() {
        let mut b = builder();
        let rows = [
            ("53", "云南省"),
            ("5301", "昆明市"),
            ("530102000000", "五华区"),
            ("530102001", "华山街道"),
            ("530102001001", "西门社区居委会"),
        ];
        // Out of order, as a hand-made list may be.
        for (i, (code, name)) in rows.iter().enumerate().rev() {
            b.push(i as u64 + 2, Some(code), Some(name))
                .unwrap_or_else(|e| panic!("{e}"));
        }
        b.push(9, Some(" "), None).unwrap_or_else(|e| panic!("{e}"));
        let list = b.finish().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(list.len(), 5);
        assert_eq!(list.name_of(530_000_000_000), Some("云南省"));
        assert_eq!(list.name_of(530_100_000_000), Some("昆明市"));
        assert_eq!(list.name_of(530_102_000_000), Some("五华区"));
        assert_eq!(list.name_of(530_102_001_000), Some("华山街道"));
        assert_eq!(list.find(530_102_001_001), Some(None));
        assert_eq!(list.find(530_102_001_002), None);
        assert_eq!(list.find(530_102_002_000), None);
    }

    #[test]
    fn villages_are_found_under_their_township_or_without_it() {
        let mut b = builder();
        let rows = [
            ("530102001", "华山街道"),
            ("530102001001", "西门社区居委会"),
            ("530102001002", "东门社区居委会"),
            // The villages of a township the list lacks, between two listed ones.
            ("530102002001", "无主社区居委会"),
            ("530102003", "护国街道"),
            ("530102003201", "某村委会"),
            // And after the last unit.
            ("530102999201", "末村委会"),
        ];
        for (i, (code, name)) in rows.iter().enumerate() {
            b.push(i as u64 + 2, Some(code), Some(name))
                .unwrap_or_else(|e| panic!("{e}"));
        }
        let list = b.finish().unwrap_or_else(|e| panic!("{e}"));
        for code in [
            530_102_001_001,
            530_102_001_002,
            530_102_002_001,
            530_102_003_201,
            530_102_999_201,
        ] {
            assert_eq!(list.find(code), Some(None), "{code}");
        }
        for code in [
            530_102_001_003,
            530_102_002_002,
            530_102_003_001,
            530_102_004_201,
            530_102_999_202,
        ] {
            assert_eq!(list.find(code), None, "{code}");
        }
    }

    #[test]
    fn units_are_found_whatever_level_the_list_skips() {
        let mut b = builder();
        let rows = [
            // A city with townships and no counties (东莞市).
            ("4419", "东莞市"),
            ("441900003", "东城街道"),
            ("441900003001", "某社区居委会"),
            // A township whose county the list lacks, and a village whose township digits are
            // 000 (under a county, not a township).
            ("441901004", "无县镇"),
            ("441901004201", "某村委会"),
            ("441902", "某县"),
            ("441902000201", "县下村"),
        ];
        for (i, (code, name)) in rows.iter().enumerate() {
            b.push(i as u64 + 2, Some(code), Some(name))
                .unwrap_or_else(|e| panic!("{e}"));
        }
        let list = b.finish().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(list.len(), rows.len());
        assert_eq!(list.name_of(441_900_000_000), Some("东莞市"));
        assert_eq!(list.name_of(441_900_003_000), Some("东城街道"));
        assert_eq!(list.name_of(441_901_004_000), Some("无县镇"));
        assert_eq!(list.name_of(441_901_000_000), None);
        assert_eq!(list.name_of(441_902_000_000), Some("某县"));
        for code in [441_900_003_001, 441_901_004_201, 441_902_000_201] {
            assert_eq!(list.find(code), Some(None), "{code}");
        }
        for code in [
            441_900_003_002,
            441_901_004_001,
            441_902_000_202,
            441_900_000_001,
        ] {
            assert_eq!(list.find(code), None, "{code}");
        }
    }

    #[test]
    fn a_list_in_order_and_the_same_list_in_any_order_find_the_same_codes() {
        // Two counties of three townships each, with villages 001–004 and 201–203, in order.
        let mut rows = vec![("53".to_string(), "云南省".to_string())];
        for county in ["530102", "530103"] {
            rows.push((county.to_string(), format!("{county}县")));
            for township in ["001", "101", "201"] {
                rows.push((format!("{county}{township}"), format!("{township}镇")));
                for village in ["001", "002", "004", "201", "203"] {
                    let code = format!("{county}{township}{village}");
                    rows.push((code.clone(), format!("{code}村委会")));
                }
            }
        }
        let build = |rows: &[(String, String)]| {
            let mut b = builder();
            for (i, (code, name)) in rows.iter().enumerate() {
                b.push(i as u64 + 2, Some(code), Some(name))
                    .unwrap_or_else(|e| panic!("{e}"));
            }
            // In order, every village is placed as it is read.
            let in_order = b.stray.is_empty();
            (b.finish().unwrap_or_else(|e| panic!("{e}")), in_order)
        };
        let (ordered, in_order) = build(&rows);
        assert!(in_order);
        // Reversed, and with one village repeated.
        let mut shuffled: Vec<_> = rows.iter().rev().cloned().collect();
        shuffled.push(rows[3].clone());
        let (reversed, in_order) = build(&shuffled);
        assert!(!in_order);
        assert_eq!(ordered.len(), rows.len());
        assert_eq!(reversed.len(), rows.len());
        for county in [530_102u64, 530_103, 530_104] {
            for township in [1u64, 101, 201, 301] {
                for village in 0..1000 {
                    let code = (county * 1000 + township) * 1000 + village;
                    assert_eq!(ordered.find(code), reversed.find(code), "{code}");
                }
            }
        }
        assert_eq!(ordered.find(530_103_201_203), Some(None));
        assert_eq!(ordered.find(530_103_201_202), None);
        assert_eq!(ordered.name_of(530_103_201_000), Some("201镇"));
    }

    #[test]
    fn bad_rows_are_refused_with_their_line() {
        for (code, name) in [
            ("5.30102E+11", "某地"),
            ("53010", "某地"),
            ("000000000000", "某地"),
            ("", "某地"),
            ("５３", "某地"),
        ] {
            let mut b = builder();
            match b.push(7, Some(code), Some(name)) {
                Err(DivisionsError::BadCode { line: 7, .. }) => {}
                other => panic!("{code}: {other:?}"),
            }
        }
        let mut b = builder();
        assert!(matches!(
            b.push(3, Some("53"), None),
            Err(DivisionsError::NoName { line: 3, .. })
        ));
        let mut b = builder();
        for (line, name) in [(2, "云南省"), (3, "云南省"), (4, "滇")] {
            b.push(line, Some("530000000000"), Some(name))
                .unwrap_or_else(|e| panic!("{e}"));
        }
        match b.finish() {
            Err(DivisionsError::Repeated {
                line: 4, first: 2, ..
            }) => {}
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            builder().finish(),
            Err(DivisionsError::Empty { .. })
        ));
    }

    #[test]
    fn columns_are_found_by_their_nbs_names() {
        let b = builder();
        let headers = |h: &[&str]| h.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            b.columns(&headers(&["统计用区划代码", "城乡分类代码", "名称"]))
                .ok(),
            Some((0, 2))
        );
        assert_eq!(b.columns(&headers(&[" Name ", "CODE"])).ok(), Some((1, 0)));
        assert!(matches!(
            b.columns(&headers(&["代码", "名称"])),
            Err(DivisionsError::MissingColumn { code: true, .. })
        ));
        assert!(matches!(
            b.columns(&headers(&["code", "城乡分类代码"])),
            Err(DivisionsError::MissingColumn { code: false, .. })
        ));
    }
}
