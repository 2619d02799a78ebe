//! The rulebook: what is graded and how, loaded from YAML in two phases.
//!
//! [`raw`] deserializes a file strictly; [`Rulebook::from_raw`] validates it into the typed form
//! that `eval` and `report` consume, gathering every problem — unknown fields, duplicate ids,
//! unknown vocabulary entries, missing translations, malformed conditions — before failing.
//! The built-in rulebook (`rules/builtin.yaml`) is compiled into the binary.

pub mod condition;
pub mod overlay;
pub mod raw;
pub mod template;
mod validate;

use std::collections::HashMap;

/// A table that cells are looked up in, once per cell, keyed by the rulebook's normalized
/// spellings, over a fast hash (the keys are the rulebook's own spellings). A hand-written table
/// that compared the stored hash before the bytes was measured at 0.3% of `grade`: not worth it.
type Lookup<T> = rustc_hash::FxHashMap<String, T>;

use std::fmt;
use std::path::Path;

use crate::suggest::did_you_mean;
use crate::text::{Text, normalize};
pub use condition::{CmpOp, Condition};
use raw::RawRulebook;
use validate::validate;

/// The text of the built-in rulebook.
pub const BUILTIN_YAML: &str = include_str!("../../rules/builtin.yaml");
/// The name under which the built-in rulebook is reported.
pub const BUILTIN_NAME: &str = "builtin";

/// The validated rulebook.
#[derive(Clone, Debug)]
pub struct Rulebook {
    pub id: String,
    pub version: String,
    pub title: Text,
    /// Spellings of yes and no, normalized.
    pub yes: Vec<String>,
    pub no: Vec<String>,
    pub list_separators: Vec<char>,
    /// Words for "none" ([`RawSpellings::none`](raw::RawSpellings)), normalized.
    pub none: Vec<String>,
    /// Lone marks for "nothing to fill in" (`/`, `—`), normalized.
    pub blank_marks: Vec<String>,
    /// Words that begin the id or name cell of a row that is no outlet (合计), folded.
    pub total_rows: Vec<String>,
    /// Words that begin the first cell of a signature or note row (审核人), folded.
    pub footer_rows: Vec<String>,
    /// Grades 4, 3, 2, 1 in that order (lowest first).
    pub grades: Vec<GradeInfo>,
    pub types: Vec<TypeDef>,
    pub fields: Vec<Field>,
    pub vocabularies: Vec<Vocabulary>,
    /// Rules ordered by grade, lowest grade (4) first, then as written.
    pub rules: Vec<Rule>,
    /// Indices of the fields the engine itself reads.
    pub core: CoreFields,
    /// The guideline's articles, for coverage.
    pub articles: Vec<Article>,
    /// Region-level structure checks, for summaries.
    pub structure: Vec<StructureCheck>,
    /// What a division code says of an outlet's type and region, where the rulebook declares it.
    pub code_checks: Option<CodeChecks>,
    /// The official division list the codes are checked against (`--divisions`), when given.
    pub divisions: Option<std::sync::Arc<crate::divisions::Divisions>>,
    /// The effective rulebook as raw data, for `rules show`.
    pub raw: RawRulebook,
    /// The rulebooks it extends, base first: (id, version).
    pub extends: Vec<(String, String)>,
    /// The file it was loaded from (`builtin` for the built-in one).
    pub file: String,
    /// Every file read to make it (see [`Rulebook::source_files`]).
    sources: Vec<std::path::PathBuf>,
    type_lookup: Lookup<usize>,
    /// Spellings accepted as a partner's reference type only (`reference.aliases`).
    reference_lookup: Lookup<usize>,
    field_lookup: HashMap<String, usize>,
    header_lookup: HashMap<String, usize>,
}

/// A region-level check over a group of outlets: advisory, never part of an outlet's grade.
#[derive(Clone, Debug)]
pub struct StructureCheck {
    pub id: String,
    pub article: String,
    pub quote: String,
    pub title: Text,
    pub requirement: Text,
    pub interpretation: Option<Text>,
    /// Type indices of the outlets considered; every type when `None`.
    pub types: Option<Vec<usize>>,
    /// Assessed grades that count; 0 stands for 未达四级.
    pub grades: Vec<u8>,
    /// Whether the share (else the count) of counted outlets is compared.
    pub share: bool,
    pub op: CmpOp,
    pub value: f64,
}

/// Checks of the division code against the outlet's type and region columns.
#[derive(Clone, Debug)]
pub struct CodeChecks {
    /// The code field.
    pub field: usize,
    /// Region fields and the length of the code prefix that names each, shortest first.
    pub regions: Vec<(usize, usize)>,
    /// Digit positions `[start, end)` of the township and village segments.
    pub township_segment: (usize, usize),
    pub village_segment: (usize, usize),
    /// Per type: the segment ranges its codes may have.
    pub by_type: Vec<TypeDigits>,
}

/// The township-segment and village-segment ranges an outlet type's codes may have (empty: any).
#[derive(Clone, Debug)]
pub struct TypeDigits {
    pub type_: usize,
    pub township: Vec<(u32, u32)>,
    pub village: Vec<(u32, u32)>,
}

impl TypeDigits {
    /// Whether a code's township and village segments are in this type's ranges.
    fn fits(&self, (township, village): (Option<u32>, Option<u32>)) -> bool {
        let fits = |ranges: &[(u32, u32)], n: Option<u32>| {
            ranges.is_empty()
                || n.is_some_and(|n| ranges.iter().any(|(lo, hi)| (*lo..=*hi).contains(&n)))
        };
        fits(&self.township, township) && fits(&self.village, village)
    }
}

impl CodeChecks {
    /// The types whose ranges a code fits.
    pub fn types_of(&self, code: &str) -> Vec<usize> {
        let segments = self.segments(code);
        self.by_type
            .iter()
            .filter(|d| d.fits(segments))
            .map(|d| d.type_)
            .collect()
    }

    /// Whether a code fits the ranges of `type_`: whether [`CodeChecks::types_of`] lists it.
    pub fn fits(&self, code: &str, type_: usize) -> bool {
        let segments = self.segments(code);
        self.by_type
            .iter()
            .any(|d| d.type_ == type_ && d.fits(segments))
    }

    /// The township and village segments of a code, as numbers.
    fn segments(&self, code: &str) -> (Option<u32>, Option<u32>) {
        let segment = |(a, b): (usize, usize)| code.get(a..b).and_then(|s| s.parse::<u32>().ok());
        (
            segment(self.township_segment),
            segment(self.village_segment),
        )
    }

    /// Whether the rulebook says which codes an outlet type may have.
    pub fn covers(&self, type_: usize) -> bool {
        self.by_type.iter().any(|d| d.type_ == type_)
    }
}

/// An article of the guideline and what the rulebook says of it.
#[derive(Clone, Debug)]
pub struct Article {
    pub article: String,
    pub chapter: u8,
    pub topic: Text,
    pub note: Option<Text>,
}

#[derive(Clone, Debug)]
pub struct GradeInfo {
    pub grade: u8,
    pub name: Text,
    pub motto: Text,
    pub article: String,
}

#[derive(Clone, Debug)]
pub struct TypeDef {
    pub key: String,
    pub name: Text,
    pub aliases: Vec<String>,
    /// The minimum grade, or `None` for a type that takes it from a reference type.
    pub minimum_grade: Option<u8>,
    pub article: String,
    pub reference: Option<Reference>,
}

/// How a partner outlet picks the type it takes as reference.
#[derive(Clone, Debug)]
pub struct Reference {
    pub allowed: Vec<usize>,
    pub default: usize,
    /// Why the default is what it is (an interpretation of the guideline), if the rulebook says.
    pub interpretation: Option<Text>,
}

/// Spellings a field refuses, and what to write instead.
#[derive(Clone, Debug)]
pub struct Refusal {
    /// Normalized.
    pub spellings: Vec<String>,
    pub hint: Text,
}

#[derive(Clone, Debug)]
pub struct Field {
    pub key: String,
    pub name: Text,
    pub aliases: Vec<String>,
    pub kind: FieldKind,
    pub required: bool,
    pub unique: bool,
    pub description: Text,
    /// Spellings refused with a hint (the outlet-type field only).
    pub refuse: Vec<Refusal>,
}

/// What a column holds and therefore how its cells are read.
#[derive(Clone, Debug, PartialEq)]
pub enum FieldKind {
    Text,
    /// A code of exactly this many digits, kept as text (leading zeros matter).
    Code {
        digits: usize,
    },
    /// An outlet type (the `types` section is its vocabulary).
    Type,
    /// A grade, 1 to 4.
    Grade,
    YesNo,
    /// A whole number, optionally followed by one of the units.
    Count {
        units: Vec<String>,
    },
    /// A number in `unit`, optionally written in one of `units` (with its factor).
    Number {
        unit: String,
        units: Vec<(String, f64)>,
    },
    Date,
    /// Weekly opening hours (`周一至周五 9:00-17:00`), read as hours a week: a number.
    Hours,
    Enum {
        vocabulary: usize,
    },
    List {
        vocabulary: usize,
    },
}

impl FieldKind {
    pub fn name(&self) -> &'static str {
        match self {
            FieldKind::Text => "text",
            FieldKind::Code { .. } => "code",
            FieldKind::Type => "type",
            FieldKind::Grade => "grade",
            FieldKind::YesNo => "yes_no",
            FieldKind::Count { .. } => "count",
            FieldKind::Number { .. } => "number",
            FieldKind::Date => "date",
            FieldKind::Hours => "hours",
            FieldKind::Enum { .. } => "enum",
            FieldKind::List { .. } => "list",
        }
    }

    /// Whether a cell of the kind reads as a number, so that conditions compare it (`at_least`,
    /// `sum`, …) as they compare counts.
    pub fn is_numeric(&self) -> bool {
        matches!(
            self,
            FieldKind::Count { .. } | FieldKind::Number { .. } | FieldKind::Hours
        )
    }
}

const KINDS: [&str; 11] = [
    "text", "code", "type", "grade", "yes_no", "count", "number", "date", "hours", "enum", "list",
];

#[derive(Clone, Debug)]
pub struct Vocabulary {
    pub key: String,
    pub entries: Vec<Entry>,
    lookup: Lookup<u16>,
}

impl Vocabulary {
    /// The entry a cell value names: its Chinese or English name, key or an alias, matched whole.
    pub fn find(&self, value: &str) -> Option<u16> {
        lookup(&self.lookup, value)
    }
}

#[derive(Clone, Debug)]
pub struct Entry {
    pub key: String,
    pub name: Text,
    pub aliases: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RuleKind {
    Required,
    Advisory,
}

impl RuleKind {
    pub fn key(self) -> &'static str {
        match self {
            RuleKind::Required => "required",
            RuleKind::Advisory => "advisory",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Rule {
    pub id: String,
    pub grade: u8,
    pub kind: RuleKind,
    pub article: String,
    pub quote: String,
    pub title: Text,
    pub requirement: Text,
    pub explanation: Text,
    pub interpretation: Option<Text>,
    /// Type indices the rule applies to; `None` for every type.
    pub applies_to: Option<Vec<usize>>,
    pub check: Condition,
}

/// The fields the engine reads by name: identity, type and claim.
#[derive(Clone, Debug)]
pub struct CoreFields {
    pub id: usize,
    pub name: usize,
    pub type_: usize,
    pub reference_type: Option<usize>,
    pub claimed_grade: Option<usize>,
    /// The region fields, outermost first ([`REGION_FIELDS`]), those the rulebook declares:
    /// looked up once, not by key for each outlet.
    pub regions: [Option<usize>; 4],
}

/// The keys of the region fields, outermost first: province, city, county, township.
pub const REGION_FIELDS: [&str; 4] = ["province", "city", "county", "township"];

/// One problem in a rulebook.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RulebookProblem {
    pub file: String,
    pub line: Option<usize>,
    /// What the problem is in: a rule id, a field key, a section.
    pub context: String,
    pub message: String,
    pub help: Option<String>,
    /// The message in Chinese, where it has been written (reading the file, its YAML); the
    /// others are told in Chinese by where they are and the command that shows them in English.
    pub message_zh: Option<String>,
}

impl RulebookProblem {
    /// The problem in `lang`, wholly in that language.
    pub fn render(&self, lang: crate::text::Lang) -> String {
        if lang == crate::text::Lang::En {
            return self.to_string();
        }
        let mut s = self.file.clone();
        if let Some(line) = self.line {
            s.push_str(&format!(":{line}"));
        }
        s.push_str(&format!(": {}", self.message_in(lang)));
        if let Some(help) = self.help_in(lang) {
            s.push_str(&format!("\n  {help}"));
        }
        s
    }

    /// The message in `lang`: in Chinese where it has been written, else where the problem is
    /// and the command that tells it in English.
    pub fn message_in(&self, lang: crate::text::Lang) -> String {
        match (lang, &self.message_zh) {
            (crate::text::Lang::En, _) => self.message.clone(),
            (_, Some(m)) => m.clone(),
            (_, None) => format!(
                "`{}`: 规则集的这一处写法有误;详情请运行 `outlet rules check {} --lang en`",
                self.context, self.file
            ),
        }
    }

    /// The help in `lang`, if any: in Chinese, a suggestion keeps its names and other help is
    /// left to the English message.
    pub fn help_in(&self, lang: crate::text::Lang) -> Option<String> {
        if lang == crate::text::Lang::En {
            return self.help.clone();
        }
        let name = self
            .help
            .as_deref()
            .and_then(|h| h.strip_prefix("did you mean `"))
            .and_then(|h| h.split_once('`'))
            .map(|(name, _)| name)?;
        Some(format!("提示: 是否想写 `{name}`?"))
    }
}

impl RulebookError {
    /// Every problem in `lang`, after a line that counts them.
    pub fn render(&self, lang: crate::text::Lang) -> String {
        if lang == crate::text::Lang::En {
            return self.to_string();
        }
        let mut s = format!("规则集无效: 共 {} 个问题", self.problems.len());
        for p in &self.problems {
            s.push('\n');
            s.push_str(&p.render(lang));
        }
        s
    }
}

impl fmt::Display for RulebookProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        write!(f, ": {}: {}", self.context, self.message)?;
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

/// A rulebook that could not be loaded, with every problem found.
#[derive(Debug, thiserror::Error)]
pub struct RulebookError {
    pub problems: Vec<RulebookProblem>,
}

impl fmt::Display for RulebookError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.problems.len();
        writeln!(
            f,
            "invalid rulebook: {n} problem{}",
            if n == 1 { "" } else { "s" }
        )?;
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

/// Collects problems while validating, locating each in the source text where it can.
pub(crate) struct Problems<'s> {
    file: String,
    source: &'s str,
    /// Where ids and keys came from when overlays were applied: the file that last wrote each,
    /// and its text, so that a problem names the file and line the author has to change.
    origins: overlay::Origins,
    items: Vec<RulebookProblem>,
}

impl<'s> Problems<'s> {
    fn new(file: &str, source: &'s str) -> Self {
        Problems {
            file: file.to_string(),
            source,
            origins: overlay::Origins::default(),
            items: Vec::new(),
        }
    }

    pub(crate) fn push(&mut self, context: &str, message: String, help: Option<String>) {
        self.push_nth(context, 0, message, help);
    }

    /// As `push`, for the `nth` (0-based) declaration of `context` in the file: a repeated id.
    pub(crate) fn push_nth(
        &mut self,
        context: &str,
        nth: usize,
        message: String,
        help: Option<String>,
    ) {
        let (file, line) = match self.origins.get(context) {
            Some((file, text)) => (file.to_string(), line_of(text, context, nth)),
            None => (self.file.clone(), line_of(self.source, context, nth)),
        };
        self.items.push(RulebookProblem {
            file,
            line,
            context: context.to_string(),
            message,
            help,
            message_zh: None,
        });
    }
}

/// The line (1-based) of the `nth` declaration of `name` as an `id:` or `key:`, if any.
fn line_of(source: &str, name: &str, nth: usize) -> Option<usize> {
    source
        .lines()
        .enumerate()
        .filter(|(_, line)| {
            let t = line.trim_start().trim_start_matches("- ").trim_start();
            ["id:", "key:"].iter().any(|k| {
                t.strip_prefix(k)
                    .is_some_and(|rest| rest.trim().trim_matches(['"', '\'']) == name)
            })
        })
        .nth(nth)
        .map(|(i, _)| i + 1)
}

/// Looks a spelling up in a table of normalized spellings: as written first (the common case, with
/// no allocation), then normalized.
#[inline]
fn lookup<T: Copy>(table: &Lookup<T>, value: &str) -> Option<T> {
    match table.get(value) {
        Some(found) => Some(*found),
        None => lookup_normalized(table, value),
    }
}

/// The careful path of [`lookup`]: the spelling normalized.
#[inline(never)]
fn lookup_normalized<T: Copy>(table: &Lookup<T>, value: &str) -> Option<T> {
    let normalized = normalize(value);
    if normalized == value {
        None
    } else {
        table.get(&normalized).copied()
    }
}

impl Rulebook {
    /// The built-in rulebook.
    pub fn builtin() -> Result<Rulebook, RulebookError> {
        Rulebook::from_yaml(BUILTIN_YAML, BUILTIN_NAME)
    }

    /// The rulebook in `path`, or the built-in one when there is none.
    pub fn load_or_builtin(path: Option<&Path>) -> Result<Rulebook, RulebookError> {
        match path {
            Some(p) => Rulebook::load(p),
            None => Rulebook::builtin(),
        }
    }

    /// Loads a rulebook file: a whole rulebook, or an overlay on another (`extends:`). Only
    /// regular files are read, each of at most [`crate::files::MAX_BYTES`], and an `extends` chain
    /// at most [`overlay::MAX_DEPTH`] files deep.
    pub fn load(path: &Path) -> Result<Rulebook, RulebookError> {
        let label = path.display().to_string();
        let text = crate::files::read_text(path).map_err(|e| RulebookError {
            problems: vec![RulebookProblem {
                file: label.clone(),
                line: None,
                context: "file".into(),
                message: format!(
                    "cannot read the rulebook: {}",
                    e.text().get(crate::text::Lang::En)
                ),
                help: None,
                message_zh: Some(format!(
                    "无法读取规则集: {}",
                    e.text()
                        .get(crate::text::Lang::Zh)
                        .trim_start_matches("无法读取: ")
                )),
            }],
        })?;
        let mut chain = overlay::Chain::of(path, &text);
        let resolved = overlay::resolve(&text, &label, path.parent(), &mut chain)?;
        let mut book = Rulebook::from_resolved(resolved)?;
        book.sources = chain.files;
        Ok(book)
    }

    /// Parses and validates rulebook text; `file` names it in messages. An overlay's `extends`
    /// path is taken relative to the working directory.
    pub fn from_yaml(text: &str, file: &str) -> Result<Rulebook, RulebookError> {
        let mut chain = overlay::Chain::default();
        let resolved = overlay::resolve(text, file, None, &mut chain)?;
        let mut book = Rulebook::from_resolved(resolved)?;
        book.sources = chain.files;
        Ok(book)
    }

    /// Every file the rulebook was read from — the file named and each file of its `extends`
    /// chain — canonical; none for the built-in rulebook. A run never writes over them.
    pub fn source_files(&self) -> &[std::path::PathBuf] {
        &self.sources
    }

    fn from_resolved(r: overlay::Resolved) -> Result<Rulebook, RulebookError> {
        // Problems found while applying overlays come first; validation still runs, so that
        // every problem is reported in one pass.
        let mut p = Problems::new(&r.file, &r.source);
        p.origins = r.origins;
        p.items = r.problems;
        let mut book = validate(r.raw, &mut p);
        if !p.items.is_empty() {
            return Err(RulebookError { problems: p.items });
        }
        book.extends = r.extends;
        book.file = r.file;
        Ok(book)
    }

    /// Validates a raw rulebook; `source` is its text, used to give line numbers.
    pub fn from_raw(raw: RawRulebook, file: &str, source: &str) -> Result<Rulebook, RulebookError> {
        let mut p = Problems::new(file, source);
        let book = validate(raw, &mut p);
        if p.items.is_empty() {
            Ok(book)
        } else {
            Err(RulebookError { problems: p.items })
        }
    }

    pub fn grade_info(&self, grade: u8) -> Option<&GradeInfo> {
        self.grades.iter().find(|g| g.grade == grade)
    }

    /// The type a reference cell names: by its Chinese name, key, English name or alias, or by a
    /// spelling the rulebook accepts for a reference only (`reference.aliases`: 乡镇(街道)).
    pub fn find_type(&self, value: &str) -> Option<usize> {
        self.find_outlet_type(value)
            .or_else(|| lookup(&self.reference_lookup, value))
    }

    /// The type an outlet-type cell names: by its Chinese name, key, English name or alias.
    pub fn find_outlet_type(&self, value: &str) -> Option<usize> {
        lookup(&self.type_lookup, value)
    }

    /// The refusal of the outlet-type field that `value` is spelled as, if any.
    pub fn type_refusal(&self, value: &str) -> Option<&Refusal> {
        let refuse = &self.fields.get(self.core.type_)?.refuse;
        if refuse.is_empty() {
            return None;
        }
        let value = normalize(value);
        refuse.iter().find(|r| r.spellings.contains(&value))
    }

    /// The types a partner outlet may name as its reference, in rulebook order.
    pub fn reference_types(&self) -> Vec<usize> {
        let mut allowed: Vec<usize> = self
            .types
            .iter()
            .filter_map(|t| t.reference.as_ref())
            .flat_map(|r| r.allowed.iter().copied())
            .collect();
        allowed.sort_unstable();
        allowed.dedup();
        allowed
    }

    pub fn type_by_key(&self, key: &str) -> Option<usize> {
        self.types.iter().position(|t| t.key == key)
    }

    pub fn field_by_key(&self, key: &str) -> Option<usize> {
        self.field_lookup.get(key).copied()
    }

    /// The field a column header names, whole: its Chinese name, key or an alias, compared as
    /// [`fold_header`](crate::text::fold_header) folds them. The inventory's header layer takes
    /// bracketed units and notes off before asking again.
    pub fn field_for_header(&self, header: &str) -> Option<usize> {
        self.header_lookup
            .get(&crate::text::fold_header(header))
            .copied()
    }

    pub fn rule_by_id(&self, id: &str) -> Option<usize> {
        self.rules.iter().position(|r| r.id == id)
    }

    /// Keys of the types a partner outlet may name as reference, for messages.
    pub fn type_names(&self, indices: &[usize]) -> Vec<String> {
        indices
            .iter()
            .map(|&i| self.types[i].name.zh.clone())
            .collect()
    }

    fn field_named(&self, name: &str, context: &str, p: &mut Problems) -> Option<usize> {
        let found = self.field_by_key(name);
        if found.is_none() {
            p.push(
                context,
                format!("unknown field `{name}`"),
                did_you_mean(name, self.fields.iter().map(|f| f.key.as_str()))
                    .map(|s| format!("did you mean `{s}`?")),
            );
        }
        found
    }

    fn items(
        &self,
        vocabulary: usize,
        keys: &[String],
        context: &str,
        p: &mut Problems,
    ) -> Option<Vec<u16>> {
        let vocab = &self.vocabularies[vocabulary];
        let mut out = Vec::new();
        let mut ok = true;
        for key in keys {
            if let Some(i) = vocab.entries.iter().position(|e| &e.key == key) {
                out.push(i as u16);
            } else {
                ok = false;
                p.push(
                    context,
                    format!("unknown entry `{key}` in vocabulary `{}`", vocab.key),
                    did_you_mean(key, vocab.entries.iter().map(|e| e.key.as_str()))
                        .map(|s| format!("did you mean `{s}`?")),
                );
            }
        }
        if keys.is_empty() {
            p.push(context, "the list of entries is empty".into(), None);
            ok = false;
        }
        ok.then_some(out)
    }

    fn type_items(&self, keys: &[String], context: &str, p: &mut Problems) -> Option<Vec<u16>> {
        let mut out = Vec::new();
        let mut ok = true;
        for key in keys {
            if let Some(i) = self.type_by_key(key) {
                out.push(i as u16);
            } else {
                ok = false;
                p.push(
                    context,
                    format!("unknown type `{key}`"),
                    did_you_mean(key, self.types.iter().map(|t| t.key.as_str()))
                        .map(|s| format!("did you mean `{s}`?")),
                );
            }
        }
        ok.then_some(out)
    }
}

#[cfg(test)]
mod lookup_tests {
    use super::*;

    #[test]
    fn a_lookup_finds_what_was_inserted_and_nothing_else() {
        let mut table: Lookup<usize> = Lookup::default();
        assert_eq!(table.get("a"), None);
        let keys: Vec<String> = (0..500)
            .map(|i| match i % 4 {
                0 => format!("{i}"),
                1 => format!("职业指导{i}"),
                2 => format!("a much longer spelling of entry number {i}"),
                _ => "x".repeat(i % 17),
            })
            .collect();
        let mut reference = std::collections::HashMap::new();
        for (i, k) in keys.iter().enumerate() {
            table.insert(k.clone(), i);
            reference.insert(k.clone(), i);
        }
        for k in &keys {
            assert_eq!(table.get(k), reference.get(k), "{k}");
            for other in [format!("{k}!"), format!("!{k}"), k.chars().rev().collect()] {
                assert_eq!(table.get(&other), reference.get(&other), "{other}");
            }
        }
        assert_eq!(lookup(&table, "  职业指导1 "), Some(1));
        assert_eq!(
            lookup(&table, "A MUCH longer spelling of entry number 2"),
            Some(2)
        );
    }
}
