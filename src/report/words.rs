//! The tool's own words for the closed sets it reports: statuses, rule kinds, outcomes.
//! Everything about the guideline itself (grades, types, rule texts) comes from the rulebook.

use std::ops::Deref;
use std::sync::Arc;

use super::Out;
use crate::eval::{Outcome, Status};
use crate::rulebook::RuleKind;
use crate::text::{Lang, Text};

/// Text a cell shares rather than copies: the tool's own words, or a rulebook's text made once
/// and shared by every row that shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Shared {
    Static(&'static str),
    Arc(Arc<str>),
}

impl Deref for Shared {
    type Target = str;

    fn deref(&self) -> &str {
        match self {
            Shared::Static(s) => s,
            Shared::Arc(s) => s,
        }
    }
}

impl From<&str> for Shared {
    fn from(s: &str) -> Self {
        Shared::Arc(Arc::from(s))
    }
}

/// The titles of a key cell in both languages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Title {
    pub zh: Shared,
    pub en: Shared,
}

impl Title {
    pub const fn new(zh: &'static str, en: &'static str) -> Self {
        Title {
            zh: Shared::Static(zh),
            en: Shared::Static(en),
        }
    }

    /// The title in `lang`.
    pub fn get(&self, lang: Lang) -> &str {
        lang.pick(&self.zh, &self.en)
    }
}

impl From<&Text> for Title {
    fn from(t: &Text) -> Self {
        Title {
            zh: t.zh.as_str().into(),
            en: t.en.as_str().into(),
        }
    }
}

pub fn status(s: Status) -> Out {
    match s {
        Status::Meets => Out::key("meets", "达标", "meets"),
        Status::BelowMinimum => Out::key("below_minimum", "低于最低要求", "below minimum"),
        Status::Overclaimed => Out::key("overclaimed", "申报偏高", "overclaimed"),
    }
}

pub fn kind(k: RuleKind) -> Out {
    match k {
        RuleKind::Required => Out::key("required", "必备", "required"),
        RuleKind::Advisory => Out::key("advisory", "建议", "advisory"),
    }
}

/// Why a rule fails: the outlet lacks the thing, or the inventory does not say.
pub fn reason(o: Outcome) -> Out {
    match o {
        Outcome::Missing => Out::key("missing", "未填报", "missing"),
        _ => Out::key("lacking", "不满足", "lacking"),
    }
}

pub fn outcome(o: Outcome) -> Out {
    match o {
        Outcome::Passed => Out::key("passed", "通过", "passed"),
        Outcome::Lacking => Out::key("lacking", "不满足", "lacking"),
        Outcome::Missing => Out::key("missing", "未填报", "missing"),
        Outcome::NotApplicable => Out::key("not_applicable", "不适用", "not applicable"),
        Outcome::Waived => Out::key("waived", "已豁免", "waived"),
    }
}
