//! The rules, the division-code checks and the structure checks: each reads the fields, types
//! and vocabularies of the rulebook read so far.

use super::{Problems, rendered, required_str, text, valid_rule_id};
use crate::rulebook::raw::{RawRulebook, RawText};
use crate::rulebook::template;
use crate::rulebook::{
    CmpOp, CodeChecks, Condition, FieldKind, Rule, RuleKind, Rulebook, StructureCheck, TypeDigits,
    condition,
};
use crate::suggest::did_you_mean;

/// The rules, lowest grade first (in their written order within a grade).
pub(super) fn rules(raw: &RawRulebook, book: &Rulebook, p: &mut Problems) -> Vec<Rule> {
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
        let check = if let Some(c) = &r.check {
            condition::compile(c, book, ctx, p)
        } else {
            p.push(ctx, "`check` is missing".into(), None);
            None
        };
        // Texts name the condition's numbers, and show the effective ones.
        let params = r
            .check
            .as_ref()
            .map(template::parameters)
            .unwrap_or_default();
        let words = |t: &Option<RawText>, what: &str, p: &mut Problems| {
            let t = text(t, ctx, what, p);
            rendered(t, &params, ctx, what, p)
        };
        let title = words(&r.title, "title", p);
        let requirement = words(&r.requirement, "requirement", p);
        let explanation = words(&r.explanation, "explanation", p);
        let interpretation = r
            .interpretation
            .as_ref()
            .map(|t| words(&Some(t.clone()), "interpretation", p));
        let rule = Rule {
            id: r.id.clone(),
            grade,
            kind,
            article: required_str(&r.article, ctx, "article", p),
            quote: r.quote.clone().unwrap_or_default(),
            title,
            requirement,
            explanation,
            interpretation,
            applies_to,
            check: check.unwrap_or(Condition::All(Vec::new())),
        };
        if !rules.iter().any(|o: &Rule| o.id == rule.id) {
            rules.push(rule);
        }
    }
    // Lowest grade first; the sort is stable, so rules keep their written order within a grade.
    rules.sort_by_key(|r| std::cmp::Reverse(r.grade));
    rules
}

/// The division-code checks, declared on the code field (`regions` and `type_digits`).
pub(super) fn code_checks(
    raw: &RawRulebook,
    book: &Rulebook,
    p: &mut Problems,
) -> Option<CodeChecks> {
    let mut checks = None;
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
        // In the types' order, as messages list them.
        by_type.sort_by_key(|d: &TypeDigits| d.type_);
        checks = Some(CodeChecks {
            field,
            regions: prefixes,
            township_segment: (township_start, township_end),
            village_segment: (township_end, digits),
            by_type,
        });
    }
    checks
}

/// The structure checks over a region's outlets.
pub(super) fn structure(
    raw: &RawRulebook,
    book: &Rulebook,
    p: &mut Problems,
) -> Vec<StructureCheck> {
    let mut checks: Vec<StructureCheck> = Vec::new();
    for c in &raw.structure {
        let ctx = c.id.as_str();
        if checks.iter().any(|o| o.id == c.id) {
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
            let params = [template::structure_parameter(share, value)];
            let words = |t: &Option<RawText>, what: &str, p: &mut Problems| {
                let t = text(t, ctx, what, p);
                rendered(t, &params, ctx, what, p)
            };
            let title = words(&c.title, "title", p);
            let requirement = words(&c.requirement, "requirement", p);
            let interpretation = c
                .interpretation
                .as_ref()
                .map(|t| words(&Some(t.clone()), "interpretation", p));
            checks.push(StructureCheck {
                id: c.id.clone(),
                article: required_str(&c.article, ctx, "article", p),
                quote: c.quote.clone().unwrap_or_default(),
                title,
                requirement,
                interpretation,
                types,
                grades: c.grades.clone(),
                share,
                op,
                value,
            });
        }
    }
    checks
}
