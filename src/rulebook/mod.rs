//! The rulebook: what is graded and how, loaded from YAML in two phases.
//!
//! [`raw`] deserializes a file strictly; [`Rulebook::from_raw`] validates it into the typed form
//! that `eval` and `report` consume, gathering every problem — unknown fields, duplicate ids,
//! unknown vocabulary entries, missing translations, malformed conditions — before failing.
//! The built-in rulebook (`rules/builtin.yaml`) is compiled into the binary.

pub mod condition;
pub mod overlay;
pub mod raw;

use std::collections::HashMap;

/// The tables that cells are looked up in, once per cell: a fast hash (the keys are the rulebook's
/// own spellings, not attacker-chosen in a way that matters for a batch tool).
type Lookup<T> = rustc_hash::FxHashMap<String, T>;
use std::fmt;
use std::path::Path;

use crate::suggest::did_you_mean;
use crate::text::{Text, normalize};
pub use condition::{CmpOp, Condition};
use raw::{RawRulebook, RawText, RawUnits};

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
    /// The effective rulebook as raw data, for `rules show`.
    pub raw: RawRulebook,
    /// The rulebooks it extends, base first: (id, version).
    pub extends: Vec<(String, String)>,
    /// The file it was loaded from (`builtin` for the built-in one).
    pub file: String,
    type_lookup: Lookup<usize>,
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

impl CodeChecks {
    /// The types whose ranges a code fits.
    pub fn types_of(&self, code: &str) -> Vec<usize> {
        let segment = |(a, b): (usize, usize)| code.get(a..b).and_then(|s| s.parse::<u32>().ok());
        let (t, v) = (
            segment(self.township_segment),
            segment(self.village_segment),
        );
        let fits = |ranges: &[(u32, u32)], n: Option<u32>| {
            ranges.is_empty()
                || n.is_some_and(|n| ranges.iter().any(|(lo, hi)| (*lo..=*hi).contains(&n)))
        };
        self.by_type
            .iter()
            .filter(|d| fits(&d.township, t) && fits(&d.village, v))
            .map(|d| d.type_)
            .collect()
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
            FieldKind::Enum { .. } => "enum",
            FieldKind::List { .. } => "list",
        }
    }
}

const KINDS: [&str; 10] = [
    "text", "code", "type", "grade", "yes_no", "count", "number", "date", "enum", "list",
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
}

/// One problem in a rulebook.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RulebookProblem {
    pub file: String,
    pub line: Option<usize>,
    /// What the problem is in: a rule id, a field key, a section.
    pub context: String,
    pub message: String,
    pub help: Option<String>,
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
            Some((file, text)) => (file.clone(), line_of(text, context, nth)),
            None => (self.file.clone(), line_of(self.source, context, nth)),
        };
        self.items.push(RulebookProblem {
            file,
            line,
            context: context.to_string(),
            message,
            help,
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
fn lookup<T: Copy>(table: &Lookup<T>, value: &str) -> Option<T> {
    if let Some(found) = table.get(value) {
        return Some(*found);
    }
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

    /// Loads a rulebook file: a whole rulebook, or an overlay on another (`extends:`).
    pub fn load(path: &Path) -> Result<Rulebook, RulebookError> {
        let label = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| RulebookError {
            problems: vec![RulebookProblem {
                file: label.clone(),
                line: None,
                context: "file".into(),
                message: format!("cannot read the rulebook: {e}"),
                help: None,
            }],
        })?;
        let mut chain: Vec<std::path::PathBuf> = std::fs::canonicalize(path).into_iter().collect();
        let resolved = overlay::resolve(&text, &label, path.parent(), &mut chain)?;
        Rulebook::from_resolved(resolved)
    }

    /// Parses and validates rulebook text; `file` names it in messages. An overlay's `extends`
    /// path is taken relative to the working directory.
    pub fn from_yaml(text: &str, file: &str) -> Result<Rulebook, RulebookError> {
        let resolved = overlay::resolve(text, file, None, &mut Vec::new())?;
        Rulebook::from_resolved(resolved)
    }

    fn from_resolved(r: overlay::Resolved) -> Result<Rulebook, RulebookError> {
        // Problems found while applying overlays come first; validation still runs, so that
        // every problem is reported in one pass.
        let mut p = Problems::new(&r.file, &r.source);
        p.origins = r.origins;
        p.items = r.problems;
        let book = validate(r.raw, &mut p);
        match book {
            Some(mut book) if p.items.is_empty() => {
                book.extends = r.extends;
                book.file = r.file;
                Ok(book)
            }
            _ => Err(RulebookError { problems: p.items }),
        }
    }

    /// Validates a raw rulebook; `source` is its text, used to give line numbers.
    pub fn from_raw(raw: RawRulebook, file: &str, source: &str) -> Result<Rulebook, RulebookError> {
        let mut p = Problems::new(file, source);
        let book = validate(raw, &mut p);
        if p.items.is_empty() {
            book.ok_or_else(|| RulebookError {
                problems: Vec::new(),
            })
        } else {
            Err(RulebookError { problems: p.items })
        }
    }

    pub fn grade_info(&self, grade: u8) -> Option<&GradeInfo> {
        self.grades.iter().find(|g| g.grade == grade)
    }

    /// The type a cell names, by its Chinese name, key, English name or alias.
    pub fn find_type(&self, value: &str) -> Option<usize> {
        lookup(&self.type_lookup, value)
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

    /// The field a column header names: its Chinese name, key or an alias, case-insensitively.
    pub fn field_for_header(&self, header: &str) -> Option<usize> {
        self.header_lookup.get(&normalize(header)).copied()
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
            match vocab.entries.iter().position(|e| &e.key == key) {
                Some(i) => out.push(i as u16),
                None => {
                    ok = false;
                    p.push(
                        context,
                        format!("unknown entry `{key}` in vocabulary `{}`", vocab.key),
                        did_you_mean(key, vocab.entries.iter().map(|e| e.key.as_str()))
                            .map(|s| format!("did you mean `{s}`?")),
                    );
                }
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
            match self.type_by_key(key) {
                Some(i) => out.push(i as u16),
                None => {
                    ok = false;
                    p.push(
                        context,
                        format!("unknown type `{key}`"),
                        did_you_mean(key, self.types.iter().map(|t| t.key.as_str()))
                            .map(|s| format!("did you mean `{s}`?")),
                    );
                }
            }
        }
        ok.then_some(out)
    }
}

/// Both translations of a text, or a problem for each one missing.
fn text(raw: &Option<RawText>, context: &str, what: &str, p: &mut Problems) -> Text {
    let empty = RawText::default();
    let raw = raw.as_ref().unwrap_or(&empty);
    let mut get = |lang: &str, v: &Option<String>| match v {
        Some(s) if !s.trim().is_empty() => s.clone(),
        _ => {
            p.push(
                context,
                format!("`{what}` has no `{lang}` text"),
                Some(format!("add `{what}: {{zh: …, en: …}}`")),
            );
            String::new()
        }
    };
    let zh = get("zh", &raw.zh);
    let en = get("en", &raw.en);
    Text { zh, en }
}

fn required_str(v: &Option<String>, context: &str, what: &str, p: &mut Problems) -> String {
    match v {
        Some(s) if !s.trim().is_empty() => s.clone(),
        _ => {
            p.push(context, format!("`{what}` is missing"), None);
            String::new()
        }
    }
}

fn valid_key(key: &str) -> bool {
    !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn valid_rule_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

fn validate(raw: RawRulebook, p: &mut Problems) -> Option<Rulebook> {
    match raw.schema {
        Some(1) => {}
        Some(n) => p.push(
            "schema",
            format!("unsupported schema version {n}"),
            Some("this version of outlet reads `schema: 1`".into()),
        ),
        None => p.push(
            "schema",
            "`schema` is missing".into(),
            Some("start the file with `schema: 1`".into()),
        ),
    }
    let id = required_str(&raw.id, "id", "id", p);
    let version = required_str(&raw.version, "version", "version", p);
    let title = text(&raw.title, "title", "title", p);

    // Spellings.
    let (yes, no, list_separators) = match &raw.spellings {
        None => {
            p.push("spellings", "`spellings` is missing".into(), None);
            (Vec::new(), Vec::new(), Vec::new())
        }
        Some(s) => {
            let yes: Vec<String> = s.yes.iter().map(|v| normalize(v)).collect();
            let no: Vec<String> = s.no.iter().map(|v| normalize(v)).collect();
            if yes.is_empty() || no.is_empty() {
                p.push(
                    "spellings",
                    "`yes` and `no` each need at least one spelling".into(),
                    None,
                );
            }
            for y in &yes {
                if no.contains(y) {
                    p.push(
                        "spellings",
                        format!("`{y}` is spelled both yes and no"),
                        None,
                    );
                }
            }
            let mut seps = Vec::new();
            for sep in &s.list_separators {
                let mut chars = sep.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => seps.push(c),
                    _ => p.push(
                        "spellings",
                        format!("list separator `{sep}` must be one character"),
                        None,
                    ),
                }
            }
            if seps.is_empty() {
                p.push(
                    "spellings",
                    "`list_separators` needs at least one separator".into(),
                    None,
                );
            }
            (yes, no, seps)
        }
    };

    // Grades: exactly 4, 3, 2, 1.
    let mut grades = Vec::new();
    for want in [4u8, 3, 2, 1] {
        let found: Vec<_> = raw.grades.iter().filter(|g| g.grade == want).collect();
        match found.as_slice() {
            [g] => {
                let ctx = format!("grade {want}");
                grades.push(GradeInfo {
                    grade: want,
                    name: text(&g.name, &ctx, "name", p),
                    motto: text(&g.motto, &ctx, "motto", p),
                    article: required_str(&g.article, &ctx, "article", p),
                });
            }
            [] => p.push("grades", format!("grade {want} is not described"), None),
            _ => p.push(
                "grades",
                format!("grade {want} is described more than once"),
                None,
            ),
        }
    }
    for g in &raw.grades {
        if !(1..=4).contains(&g.grade) {
            p.push(
                "grades",
                format!("grade {} is not one of 1, 2, 3, 4", g.grade),
                None,
            );
        }
    }

    // Types.
    let mut types: Vec<TypeDef> = Vec::new();
    let mut type_lookup: Lookup<usize> = Lookup::default();
    for t in &raw.types {
        if !valid_key(&t.key) {
            p.push(
                &t.key,
                format!(
                    "type key `{}` must be lower-case letters, digits and `_`",
                    t.key
                ),
                None,
            );
        }
        if types.iter().any(|o| o.key == t.key) {
            p.push(&t.key, format!("type `{}` is declared twice", t.key), None);
            continue;
        }
        let name = text(&t.name, &t.key, "name", p);
        let index = types.len();
        for spelling in [&t.key, &name.zh, &name.en]
            .into_iter()
            .chain(t.aliases.iter())
        {
            if spelling.is_empty() {
                continue;
            }
            if let Some(&other) = type_lookup.get(&normalize(spelling)) {
                if other != index {
                    p.push(
                        &t.key,
                        format!("`{spelling}` already names type `{}`", types[other].key),
                        None,
                    );
                }
            } else {
                type_lookup.insert(normalize(spelling), index);
            }
        }
        if let Some(m) = t.minimum_grade {
            if !(1..=4).contains(&m) {
                p.push(
                    &t.key,
                    format!("minimum_grade {m} is not one of 1, 2, 3, 4"),
                    None,
                );
            }
        }
        if t.minimum_grade.is_some() == t.reference.is_some() {
            p.push(
                &t.key,
                "a type needs exactly one of `minimum_grade` and `reference`".into(),
                None,
            );
        }
        types.push(TypeDef {
            key: t.key.clone(),
            name,
            aliases: t.aliases.clone(),
            minimum_grade: t.minimum_grade,
            article: required_str(&t.article, &t.key, "article", p),
            reference: None,
        });
    }
    if types.is_empty() {
        p.push(
            "types",
            "the rulebook declares no outlet types".into(),
            None,
        );
    }
    for (i, t) in raw.types.iter().enumerate() {
        let Some(r) = &t.reference else { continue };
        if i >= types.len() || types[i].key != t.key {
            continue;
        }
        let resolve = |key: &str, p: &mut Problems| -> Option<usize> {
            let found = types.iter().position(|o| o.key == key);
            match found {
                Some(j) if types[j].minimum_grade.is_some() => Some(j),
                Some(_) => {
                    p.push(
                        &t.key,
                        format!("reference type `{key}` has no minimum grade of its own"),
                        None,
                    );
                    None
                }
                None => {
                    p.push(
                        &t.key,
                        format!("unknown reference type `{key}`"),
                        did_you_mean(key, types.iter().map(|o| o.key.as_str()))
                            .map(|s| format!("did you mean `{s}`?")),
                    );
                    None
                }
            }
        };
        let allowed: Vec<usize> = r.allowed.iter().filter_map(|k| resolve(k, p)).collect();
        let default = resolve(&r.default, p);
        if let Some(d) = default {
            if !allowed.contains(&d) {
                p.push(
                    &t.key,
                    format!(
                        "the default reference `{}` is not among `allowed`",
                        r.default
                    ),
                    None,
                );
            }
            types[i].reference = Some(Reference {
                allowed,
                default: d,
            });
        }
    }

    // Vocabularies.
    let mut vocabularies = Vec::new();
    let mut vocabulary_lookup = HashMap::new();
    for (key, entries) in &raw.vocabularies {
        let mut vocab = Vocabulary {
            key: key.clone(),
            entries: Vec::new(),
            lookup: Lookup::default(),
        };
        for e in entries {
            let ctx = format!("{key}.{}", e.key);
            if !valid_key(&e.key) {
                p.push(
                    &e.key,
                    format!(
                        "entry key `{}` must be lower-case letters, digits and `_`",
                        e.key
                    ),
                    None,
                );
            }
            if vocab.entries.iter().any(|o| o.key == e.key) {
                p.push(
                    &e.key,
                    format!("`{}` is declared twice in vocabulary `{key}`", e.key),
                    None,
                );
                continue;
            }
            let name = text(&e.name, &ctx, "name", p);
            let index = vocab.entries.len() as u16;
            for spelling in [&e.key, &name.zh, &name.en]
                .into_iter()
                .chain(e.aliases.iter())
            {
                if spelling.is_empty() {
                    continue;
                }
                match vocab.lookup.get(&normalize(spelling)) {
                    Some(&other) if other != index => p.push(
                        &e.key,
                        format!(
                            "`{spelling}` already names `{}` in vocabulary `{key}`",
                            vocab.entries[other as usize].key
                        ),
                        None,
                    ),
                    _ => {
                        vocab.lookup.insert(normalize(spelling), index);
                    }
                }
            }
            vocab.entries.push(Entry {
                key: e.key.clone(),
                name,
                aliases: e.aliases.clone(),
            });
        }
        if vocab.entries.is_empty() {
            p.push(key, format!("vocabulary `{key}` is empty"), None);
        }
        vocabulary_lookup.insert(key.clone(), vocabularies.len());
        vocabularies.push(vocab);
    }

    // Fields.
    let mut fields: Vec<Field> = Vec::new();
    let mut field_lookup = HashMap::new();
    let mut header_lookup: HashMap<String, usize> = HashMap::new();
    for f in &raw.fields {
        if !valid_key(&f.key) {
            p.push(
                &f.key,
                format!(
                    "field key `{}` must be lower-case letters, digits and `_`",
                    f.key
                ),
                None,
            );
        }
        if field_lookup.contains_key(&f.key) {
            p.push(&f.key, format!("field `{}` is declared twice", f.key), None);
            continue;
        }
        let name = text(&f.name, &f.key, "name", p);
        let description = text(&f.description, &f.key, "description", p);
        let kind_name = f.kind.as_deref().unwrap_or("");
        let vocab = |p: &mut Problems| -> Option<usize> {
            let Some(v) = &f.vocabulary else {
                p.push(
                    &f.key,
                    format!("a `{kind_name}` field needs a `vocabulary`"),
                    None,
                );
                return None;
            };
            let found = vocabulary_lookup.get(v).copied();
            if found.is_none() {
                p.push(
                    &f.key,
                    format!("unknown vocabulary `{v}`"),
                    did_you_mean(v, vocabulary_lookup.keys().map(String::as_str))
                        .map(|s| format!("did you mean `{s}`?")),
                );
            }
            found
        };
        let kind = match kind_name {
            "text" => Some(FieldKind::Text),
            "code" => match f.digits {
                Some(d) if d > 0 => Some(FieldKind::Code { digits: d }),
                _ => {
                    p.push(
                        &f.key,
                        "a `code` field needs `digits`, a positive number".into(),
                        None,
                    );
                    None
                }
            },
            "type" => Some(FieldKind::Type),
            "grade" => Some(FieldKind::Grade),
            "yes_no" => Some(FieldKind::YesNo),
            "date" => Some(FieldKind::Date),
            "count" => {
                let units = match &f.units {
                    None => Vec::new(),
                    Some(RawUnits::List(l)) => l.clone(),
                    Some(RawUnits::Factors(m)) => {
                        p.push(
                            &f.key,
                            "a `count` field lists its units without factors".into(),
                            None,
                        );
                        m.keys().cloned().collect()
                    }
                };
                Some(FieldKind::Count { units })
            }
            "number" => {
                let unit = f.unit.clone().unwrap_or_default();
                let mut units: Vec<(String, f64)> = match &f.units {
                    None => Vec::new(),
                    Some(RawUnits::List(l)) => l.iter().map(|u| (u.clone(), 1.0)).collect(),
                    Some(RawUnits::Factors(m)) => m.iter().map(|(u, x)| (u.clone(), *x)).collect(),
                };
                for (u, x) in &units {
                    if !(x.is_finite() && *x > 0.0) {
                        p.push(&f.key, format!("unit `{u}` needs a positive factor"), None);
                    }
                }
                // Longest first, so that 万元 is tried before 元.
                units.sort_by_key(|u| std::cmp::Reverse(u.0.chars().count()));
                Some(FieldKind::Number { unit, units })
            }
            "enum" => vocab(p).map(|vocabulary| FieldKind::Enum { vocabulary }),
            "list" => vocab(p).map(|vocabulary| FieldKind::List { vocabulary }),
            other => {
                p.push(
                    &f.key,
                    if other.is_empty() {
                        "`kind` is missing".into()
                    } else {
                        format!("unknown kind `{other}`")
                    },
                    Some(match did_you_mean(other, KINDS) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => format!("one of {}", KINDS.join(", ")),
                    }),
                );
                None
            }
        };
        if f.digits.is_some() && kind_name != "code" {
            p.push(&f.key, "`digits` goes only with kind `code`".into(), None);
        }
        if f.vocabulary.is_some() && !matches!(kind_name, "enum" | "list") {
            p.push(
                &f.key,
                "`vocabulary` goes only with kinds `enum` and `list`".into(),
                None,
            );
        }
        if (f.unit.is_some() || f.units.is_some()) && !matches!(kind_name, "count" | "number") {
            p.push(
                &f.key,
                "`unit`/`units` go only with kinds `count` and `number`".into(),
                None,
            );
        }
        let index = fields.len();
        for spelling in [&f.key, &name.zh].into_iter().chain(f.aliases.iter()) {
            if spelling.is_empty() {
                continue;
            }
            match header_lookup.get(&normalize(spelling)) {
                Some(&other) if other != index => p.push(
                    &f.key,
                    format!(
                        "header `{spelling}` already names field `{}`",
                        fields[other].key
                    ),
                    None,
                ),
                _ => {
                    header_lookup.insert(normalize(spelling), index);
                }
            }
        }
        field_lookup.insert(f.key.clone(), index);
        fields.push(Field {
            key: f.key.clone(),
            name,
            aliases: f.aliases.clone(),
            kind: kind.unwrap_or(FieldKind::Text),
            required: f.required,
            unique: f.unique,
            description,
        });
    }

    // The fields the engine reads itself.
    let core_field = |key: &str, kind: &str, needed: bool, p: &mut Problems| -> Option<usize> {
        match field_lookup.get(key) {
            Some(&i) if fields[i].kind.name() == kind => Some(i),
            Some(_) => {
                p.push(key, format!("field `{key}` must be of kind `{kind}`"), None);
                None
            }
            None if needed => {
                p.push(
                    "fields",
                    format!("the rulebook must declare field `{key}` (kind `{kind}`)"),
                    None,
                );
                None
            }
            None => None,
        }
    };
    let id_f = core_field("id", "text", true, p);
    let name_f = core_field("name", "text", true, p);
    let type_f = core_field("type", "type", true, p);
    let reference_f = core_field("reference_type", "type", false, p);
    let claimed_f = core_field("claimed_grade", "grade", false, p);

    let mut book = Rulebook {
        id,
        version,
        title,
        yes,
        no,
        list_separators,
        grades,
        types,
        fields,
        vocabularies,
        rules: Vec::new(),
        core: CoreFields {
            id: id_f.unwrap_or(0),
            name: name_f.unwrap_or(0),
            type_: type_f.unwrap_or(0),
            reference_type: reference_f,
            claimed_grade: claimed_f,
        },
        articles: Vec::new(),
        structure: Vec::new(),
        code_checks: None,
        raw: RawRulebook::default(),
        extends: Vec::new(),
        file: String::new(),
        type_lookup,
        field_lookup,
        header_lookup,
    };

    // Rules.
    let mut rules = Vec::new();
    for r in &raw.rules {
        let ctx = r.id.as_str();
        if !valid_rule_id(ctx) {
            p.push(
                ctx,
                format!("rule id `{ctx}` must be upper-case letters, digits and `-`"),
                Some("for example `G3-WINDOW`".into()),
            );
        }
        if raw.rules.iter().filter(|o| o.id == r.id).count() > 1
            && !rules.iter().any(|o: &Rule| o.id == r.id)
        {
            p.push(
                ctx,
                format!("rule `{ctx}` is declared more than once"),
                None,
            );
        }
        let grade = match r.grade {
            Some(g @ 1..=4) => g,
            Some(g) => {
                p.push(ctx, format!("grade {g} is not one of 1, 2, 3, 4"), None);
                4
            }
            None => {
                p.push(ctx, "`grade` is missing".into(), None);
                4
            }
        };
        let kind = match r.kind.as_deref() {
            Some("required") => RuleKind::Required,
            Some("advisory") => RuleKind::Advisory,
            Some(other) => {
                p.push(
                    ctx,
                    format!("unknown kind `{other}`"),
                    Some("`required` or `advisory`".into()),
                );
                RuleKind::Required
            }
            None => {
                p.push(
                    ctx,
                    "`kind` is missing".into(),
                    Some("`required` or `advisory`".into()),
                );
                RuleKind::Required
            }
        };
        let applies_to = r.applies_to.as_ref().map(|keys| {
            book.type_items(keys, ctx, p)
                .unwrap_or_default()
                .into_iter()
                .map(usize::from)
                .collect()
        });
        let check = match &r.check {
            Some(c) => condition::compile(c, &book, ctx, p),
            None => {
                p.push(ctx, "`check` is missing".into(), None);
                None
            }
        };
        let rule = Rule {
            id: r.id.clone(),
            grade,
            kind,
            article: required_str(&r.article, ctx, "article", p),
            quote: r.quote.clone().unwrap_or_default(),
            title: text(&r.title, ctx, "title", p),
            requirement: text(&r.requirement, ctx, "requirement", p),
            explanation: text(&r.explanation, ctx, "explanation", p),
            interpretation: r
                .interpretation
                .as_ref()
                .map(|t| text(&Some(t.clone()), ctx, "interpretation", p)),
            applies_to,
            check: check.unwrap_or(Condition::All(Vec::new())),
        };
        if !rules.iter().any(|o: &Rule| o.id == rule.id) {
            rules.push(rule);
        }
    }
    // Lowest grade first; the sort is stable, so rules keep their written order within a grade.
    rules.sort_by_key(|r| std::cmp::Reverse(r.grade));
    book.rules = rules;
    // Division-code checks, declared on the code field.
    for f in &raw.fields {
        let (Some(regions), Some(type_digits)) = (&f.regions, &f.type_digits) else {
            if f.regions.is_some() != f.type_digits.is_some() {
                p.push(
                    &f.key,
                    "`regions` and `type_digits` go together".into(),
                    None,
                );
            }
            continue;
        };
        let ctx = f.key.as_str();
        let Some(field) = book.field_by_key(&f.key) else {
            continue;
        };
        let FieldKind::Code { digits } = book.fields[field].kind else {
            p.push(
                ctx,
                "`regions` and `type_digits` go only with kind `code`".into(),
                None,
            );
            continue;
        };
        let mut prefixes: Vec<(usize, usize)> = Vec::new();
        for (key, len) in regions {
            match book.field_by_key(key) {
                Some(rf) if *len > 0 && *len < digits => prefixes.push((rf, *len)),
                Some(_) => p.push(ctx, format!("region `{key}`: a prefix of {len} digits does not fit a {digits}-digit code"), None),
                None => p.push(ctx, format!("unknown region field `{key}`"), did_you_mean(key, book.fields.iter().map(|f| f.key.as_str())).map(|s| format!("did you mean `{s}`?"))),
            }
        }
        prefixes.sort_by_key(|(_, len)| *len);
        let (Some(&(_, township_end)), true) = (prefixes.last(), prefixes.len() >= 2) else {
            p.push(ctx, "`regions` needs at least two region columns (the longest prefix ends the township segment)".into(), None);
            continue;
        };
        let township_start = prefixes[prefixes.len() - 2].1;
        let mut by_type = Vec::new();
        for (key, d) in type_digits {
            let Some(t) = book.type_by_key(key) else {
                p.push(
                    ctx,
                    format!("unknown type `{key}`"),
                    did_you_mean(key, book.types.iter().map(|t| t.key.as_str()))
                        .map(|s| format!("did you mean `{s}`?")),
                );
                continue;
            };
            let ranges = |v: &Vec<[u32; 2]>| v.iter().map(|[a, b]| (*a, *b)).collect::<Vec<_>>();
            by_type.push(TypeDigits {
                type_: t,
                township: ranges(&d.township),
                village: ranges(&d.village),
            });
        }
        book.code_checks = Some(CodeChecks {
            field,
            regions: prefixes,
            township_segment: (township_start, township_end),
            village_segment: (township_end, digits),
            by_type,
        });
    }

    for c in &raw.structure {
        let ctx = c.id.as_str();
        if book.structure.iter().any(|o| o.id == c.id) {
            p.push(
                ctx,
                format!("structure check `{ctx}` is declared twice"),
                None,
            );
            continue;
        }
        let types = c.types.as_ref().map(|keys| {
            book.type_items(keys, ctx, p)
                .unwrap_or_default()
                .into_iter()
                .map(usize::from)
                .collect()
        });
        if c.grades.is_empty() || c.grades.iter().any(|g| *g > 4) {
            p.push(
                ctx,
                "`grades` needs one or more of 1, 2, 3, 4 (0 for 未达四级)".into(),
                None,
            );
        }
        let threshold = match (&c.share, &c.count) {
            (Some(t), None) => Some((true, t)),
            (None, Some(t)) => Some((false, t)),
            _ => {
                p.push(
                    ctx,
                    "a structure check needs exactly one of `share` and `count`".into(),
                    None,
                );
                None
            }
        };
        let compared = threshold.and_then(|(share, t)| {
            let ops: Vec<(CmpOp, f64)> = [
                (CmpOp::AtLeast, t.at_least),
                (CmpOp::MoreThan, t.more_than),
                (CmpOp::AtMost, t.at_most),
                (CmpOp::LessThan, t.less_than),
            ]
            .into_iter()
            .filter_map(|(op, v)| v.map(|v| (op, v)))
            .collect();
            match ops.as_slice() {
                [(op, v)] if !share || (0.0..=1.0).contains(v) => Some((share, *op, *v)),
                [_] => {
                    p.push(ctx, "a `share` is a fraction from 0 to 1".into(), None);
                    None
                }
                _ => {
                    p.push(ctx, "a threshold needs exactly one of `at_least`, `more_than`, `at_most`, `less_than`".into(), None);
                    None
                }
            }
        });
        if let Some((share, op, value)) = compared {
            book.structure.push(StructureCheck {
                id: c.id.clone(),
                article: required_str(&c.article, ctx, "article", p),
                quote: c.quote.clone().unwrap_or_default(),
                title: text(&c.title, ctx, "title", p),
                requirement: text(&c.requirement, ctx, "requirement", p),
                interpretation: c
                    .interpretation
                    .as_ref()
                    .map(|t| text(&Some(t.clone()), ctx, "interpretation", p)),
                types,
                grades: c.grades.clone(),
                share,
                op,
                value,
            });
        }
    }
    for a in &raw.articles {
        if book
            .articles
            .iter()
            .any(|o: &Article| o.article == a.article)
        {
            p.push(
                &a.article,
                format!("article `{}` is listed twice", a.article),
                None,
            );
            continue;
        }
        book.articles.push(Article {
            article: a.article.clone(),
            chapter: a.chapter,
            topic: text(&a.topic, &a.article, "topic", p),
            note: a
                .note
                .as_ref()
                .map(|n| text(&Some(n.clone()), &a.article, "note", p)),
        });
    }
    book.raw = raw;
    Some(book)
}
