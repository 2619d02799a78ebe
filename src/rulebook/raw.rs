//! The rulebook file as written: strict serde types, deserialized before any validation.
//!
//! Every struct denies unknown keys. Optional fields are `Option` (or default to empty) so that
//! validation, not serde, reports what is missing — all of it in one pass.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A text in both languages as written; a missing translation is a validation problem.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawText {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zh: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub en: Option<String>,
}

/// A whole rulebook file.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawRulebook {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<RawText>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spellings: Option<RawSpellings>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub grades: Vec<RawGrade>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub types: Vec<RawType>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<RawField>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub vocabularies: BTreeMap<String, Vec<RawEntry>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<RawRule>,
    /// The guideline's articles and how the rulebook covers them, for `outlet rules coverage`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub articles: Vec<RawArticle>,
    /// Region-level structure checks over a group of outlets (advisory), for `outlet summary`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub structure: Vec<RawStructure>,
}

/// A region-level check: the share (or count) of a group's outlets of some types whose assessed
/// grade is one of `grades`, compared with a threshold.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawStructure {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub article: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quote: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<RawText>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requirement: Option<RawText>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interpretation: Option<RawText>,
    /// Type keys of the outlets counted; every type when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub types: Option<Vec<String>>,
    /// The assessed grades that count (1-4; 0 for 未达四级).
    #[serde(default)]
    pub grades: Vec<u8>,
    /// Compare the share (0-1) of counted outlets among the outlets of `types` …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub share: Option<RawThreshold>,
    /// … or their number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<RawThreshold>,
}

/// One comparison with a number.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawThreshold {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_least: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub more_than: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_most: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub less_than: Option<f64>,
}

/// One article of the guideline: what it is about, and why no rule encodes it where none does.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawArticle {
    pub article: String,
    pub chapter: u8,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<RawText>,
    /// Why the rulebook encodes no rule of it (or only part of it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<RawText>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawSpellings {
    #[serde(default)]
    pub yes: Vec<String>,
    #[serde(default)]
    pub no: Vec<String>,
    #[serde(default)]
    pub list_separators: Vec<String>,
    /// Words for "none" (无, 没有): 0 in a count or amount, no in a yes/no cell, an empty list;
    /// blank in a date, enum or grade cell.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub none: Vec<String>,
    /// Marks standing alone for "nothing to fill in" (`/`, `—`): 0 in a count or amount, an
    /// empty list, blank anywhere else.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub blank_marks: Vec<String>,
    /// A row whose id or name cell begins with one of these (合计, 小计) is no outlet.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub total_rows: Vec<String>,
    /// A row whose first non-empty cell begins with one of these (审核人, 填表人, 注：) is no
    /// outlet.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub footer_rows: Vec<String>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawGrade {
    pub grade: u8,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<RawText>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub motto: Option<RawText>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub article: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawType {
    pub key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<RawText>,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_grade: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub article: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<RawReference>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawReference {
    pub allowed: Vec<String>,
    pub default: String,
    /// More spellings of allowed types, accepted in the reference column only, by type key: the
    /// guideline's 乡镇(街道) names a reference, never an outlet's own type.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub aliases: BTreeMap<String, Vec<String>>,
    /// Why the default is what it is, where the guideline does not say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interpretation: Option<RawText>,
}

/// Spellings a field refuses, with a hint saying what to write instead: a data error, never a
/// guess (the guideline's 乡镇(街道) does not say whether an outlet is a 乡镇 or a 街道).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawRefusal {
    pub spellings: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<RawText>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawField {
    pub key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<RawText>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub required: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unique: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digits: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vocabulary: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub units: Option<RawUnits>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<RawText>,
    /// For a division code: how many leading digits name each region column (`county: 6`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regions: Option<BTreeMap<String, usize>>,
    /// For a division code: the township-segment and village-segment numbers each outlet type's
    /// code may have, as inclusive ranges.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub type_digits: Option<BTreeMap<String, RawTypeDigits>>,
    /// For the outlet-type field: spellings refused with a hint.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refuse: Vec<RawRefusal>,
}

/// The ranges of a division code's township and village segments for one outlet type.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawTypeDigits {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub township: Vec<[u32; 2]>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub village: Vec<[u32; 2]>,
}

/// Units a cell may carry: a plain list (each worth 1) or a map of unit to factor.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(untagged)]
pub enum RawUnits {
    List(Vec<String>),
    Factors(BTreeMap<String, f64>),
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawEntry {
    pub key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<RawText>,
    #[serde(default)]
    pub aliases: Vec<String>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawRule {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grade: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub article: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quote: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<RawText>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requirement: Option<RawText>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explanation: Option<RawText>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interpretation: Option<RawText>,
    /// Type keys the rule applies to (a partner outlet counts as its reference type); all when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applies_to: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check: Option<RawCondition>,
}

/// One node of the condition language. Exactly one form must be given; validation says which
/// combination is wrong rather than serde guessing.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawCondition {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub all: Option<Vec<RawCondition>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub any: Option<Vec<RawCondition>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not: Option<Box<RawCondition>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sum: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_least: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub more_than: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_most: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub less_than: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equals: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub one_of: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub includes_all: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub includes_any: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub within_days: Option<i64>,
}

/// An overlay: a rulebook that extends another and changes it by id.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawOverlay {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<u32>,
    /// `builtin`, or the path of another rulebook (relative to this file).
    pub extends: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<RawText>,
    /// More spellings of yes and no, and more list separators.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub add_spellings: Option<RawSpellings>,
    /// New inventory fields (columns) that the overlay's rules use.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub add_fields: Vec<RawField>,
    /// More aliases, by section (`fields`, `types`, or a vocabulary's key) and then by key.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub add_aliases: BTreeMap<String, BTreeMap<String, Vec<String>>>,
    /// New vocabulary entries, by vocabulary key (a new key makes a new vocabulary).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub add_entries: BTreeMap<String, Vec<RawEntry>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub modify_types: Vec<RawTypePatch>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub modify_rules: Vec<RawRulePatch>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub add_rules: Vec<RawRule>,
    /// Structure checks replaced whole by id (`disabled: true` removes one).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub modify_structure: Vec<RawStructurePatch>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub add_structure: Vec<RawStructure>,
}

/// Changes to a structure check: any key given replaces the check's.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawStructurePatch {
    pub id: String,
    #[serde(default)]
    pub disabled: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub types: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grades: Option<Vec<u8>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub share: Option<RawThreshold>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<RawThreshold>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requirement: Option<RawText>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interpretation: Option<RawText>,
}

/// Changes to an outlet type.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawTypePatch {
    pub key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_grade: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub article: Option<String>,
}

/// Changes to a rule, by id: any key given replaces the rule's; `set` changes its test in place.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawRulePatch {
    pub id: String,
    /// Removes the rule from the effective rulebook.
    #[serde(default)]
    pub disabled: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grade: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub article: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quote: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<RawText>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requirement: Option<RawText>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explanation: Option<RawText>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interpretation: Option<RawText>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applies_to: Option<Vec<String>>,
    /// Replaces the whole condition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check: Option<RawCondition>,
    /// Changes a single-test condition in place: a threshold (`at_least: 2`), a window
    /// (`within_days: 20`), a list (`includes_any: […]`, `count: 2`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub set: Option<RawCondition>,
}
