//! Rule texts as templates over the rule's parameters, so that words follow numbers.
//!
//! A rule's title, requirement, explanation and interpretation may name the numbers its condition
//! compares with: `信息更新日期在评定日前{within_days}天以内`. The names are the keys of the
//! condition's tests — `at_least`, `more_than`, `at_most`, `less_than`, `equals`, `within_days`,
//! `count` — each also qualified by what it tests (`funds.more_than`,
//! `full_time_staff+part_time_staff.at_least`) for a rule that tests the same key twice. A structure
//! check's texts name `share` (shown as a percentage) or `count`. Texts are rendered with the
//! effective values when the rulebook is validated, so every report shows the words of the
//! rulebook in force; `{{` and `}}` stand for literal braces.

use super::raw::RawCondition;

/// One number a condition compares with.
#[derive(Clone, Debug, PartialEq)]
pub struct Parameter {
    /// The test's key: `at_least`, `within_days`, `count` …
    pub name: String,
    /// The key qualified by the field (or the `+`-joined fields of a sum): `funds.more_than`.
    pub qualified: String,
    pub value: f64,
    /// How the value is written: as a number, or as a percentage (a structure check's share).
    pub percent: bool,
}

impl Parameter {
    fn new(name: &str, subject: &str, value: f64) -> Parameter {
        Parameter {
            name: name.to_string(),
            qualified: format!("{subject}.{name}"),
            value,
            percent: false,
        }
    }

    /// The value as a text shows it.
    pub fn text(&self) -> String {
        if self.percent {
            format!("{}%", number(self.value * 100.0))
        } else {
            number(self.value)
        }
    }
}

/// A number as a rule text writes it: whole numbers without a decimal point.
pub fn number(v: f64) -> String {
    let rounded = (v * 1e9).round() / 1e9;
    if rounded.fract() == 0.0 && rounded.abs() < 1e15 {
        format!("{}", rounded as i64)
    } else {
        format!("{rounded}")
    }
}

/// The keys of a condition's tests that are parameters, as an overlay's `set:` names them.
pub const PARAMETER_KEYS: [&str; 7] = [
    "at_least",
    "more_than",
    "at_most",
    "less_than",
    "equals",
    "within_days",
    "count",
];

/// The numbers a raw condition compares with, in the order written.
pub fn parameters(c: &RawCondition) -> Vec<Parameter> {
    let mut out = Vec::new();
    collect(c, &mut out);
    out
}

/// The parameter keys a condition (an overlay's `set:`) gives.
pub fn keys_given(c: &RawCondition) -> Vec<&'static str> {
    let given = [
        c.at_least.is_some(),
        c.more_than.is_some(),
        c.at_most.is_some(),
        c.less_than.is_some(),
        c.equals.is_some(),
        c.within_days.is_some(),
        c.count.is_some(),
    ];
    PARAMETER_KEYS
        .iter()
        .zip(given)
        .filter(|(_, g)| *g)
        .map(|(k, _)| *k)
        .collect()
}

fn collect(c: &RawCondition, out: &mut Vec<Parameter>) {
    for list in [&c.all, &c.any].into_iter().flatten() {
        for inner in list {
            collect(inner, out);
        }
    }
    if let Some(inner) = &c.not {
        collect(inner, out);
    }
    let subject = match (&c.field, &c.sum) {
        (Some(f), _) => f.clone(),
        (None, Some(fields)) => fields.join("+"),
        (None, None) => return,
    };
    let numbers = [
        ("at_least", c.at_least),
        ("more_than", c.more_than),
        ("at_most", c.at_most),
        ("less_than", c.less_than),
        ("equals", c.equals),
        ("within_days", c.within_days.map(|d| d as f64)),
        // `count` defaults to 1 with `includes_any`.
        (
            "count",
            c.count
                .or(c.includes_any.as_ref().map(|_| 1))
                .map(|n| n as f64),
        ),
    ];
    for (name, value) in numbers {
        if let Some(v) = value {
            out.push(Parameter::new(name, &subject, v));
        }
    }
}

/// The parameter of a structure check: its share (a percentage) or its count.
pub fn structure_parameter(share: bool, value: f64) -> Parameter {
    let name = if share { "share" } else { "count" };
    Parameter {
        name: name.into(),
        qualified: name.into(),
        value,
        percent: share,
    }
}

/// Why a template cannot be rendered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TemplateError {
    /// A placeholder that names no parameter.
    Unknown(String),
    /// A bare name that more than one parameter has; the qualified names tell them apart.
    Ambiguous(String, Vec<String>),
    /// A `{` without its `}`, or a `}` alone.
    Unbalanced,
}

/// The placeholders a template names, in order (escaped braces are not placeholders).
pub fn placeholders(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let _ = walk(text, |name| {
        out.push(name.to_string());
        Ok(String::new())
    });
    out
}

/// Whether a template names parameter `p`, by its name or its qualified name.
pub fn uses(text: &str, p: &Parameter) -> bool {
    placeholders(text)
        .iter()
        .any(|n| *n == p.name || *n == p.qualified)
}

/// The template with every placeholder replaced by its parameter's value.
pub fn render(text: &str, params: &[Parameter]) -> Result<String, TemplateError> {
    if !text.contains(['{', '}']) {
        return Ok(text.to_string());
    }
    walk(text, |name| {
        let by_qualified: Vec<&Parameter> = params.iter().filter(|p| p.qualified == name).collect();
        if let [p] = by_qualified.as_slice() {
            return Ok(p.text());
        }
        let by_name: Vec<&Parameter> = params.iter().filter(|p| p.name == name).collect();
        match by_name.as_slice() {
            [p] => Ok(p.text()),
            [] => Err(TemplateError::Unknown(name.to_string())),
            many => Err(TemplateError::Ambiguous(
                name.to_string(),
                many.iter().map(|p| p.qualified.clone()).collect(),
            )),
        }
    })
}

/// Copies `text`, replacing each `{name}` by `fill(name)`, `{{` by `{` and `}}` by `}`.
fn walk(
    text: &str,
    mut fill: impl FnMut(&str) -> Result<String, TemplateError>,
) -> Result<String, TemplateError> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(['{', '}']) {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if rest[i..].starts_with("{{") {
            out.push('{');
            rest = &rest[i + 2..];
        } else if rest[i..].starts_with("}}") {
            out.push('}');
            rest = &rest[i + 2..];
        } else if rest[i..].starts_with('}') {
            return Err(TemplateError::Unbalanced);
        } else {
            let Some(end) = after.find('}') else {
                return Err(TemplateError::Unbalanced);
            };
            let name = after[..end].trim();
            if name.is_empty() || name.contains('{') {
                return Err(TemplateError::Unbalanced);
            }
            out.push_str(&fill(name)?);
            rest = &after[end + 1..];
        }
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaf(field: &str) -> RawCondition {
        RawCondition {
            field: Some(field.into()),
            ..RawCondition::default()
        }
    }

    #[test]
    fn placeholders_render_with_their_values() {
        let c = RawCondition {
            within_days: Some(15),
            ..leaf("info_updated")
        };
        let ps = parameters(&c);
        assert_eq!(
            render("评定日前{within_days}天以内", &ps),
            Ok("评定日前15天以内".into())
        );
        assert_eq!(
            render("{info_updated.within_days} days {{sic}}", &ps),
            Ok("15 days {sic}".into())
        );
        assert_eq!(
            render("{at_least}", &ps),
            Err(TemplateError::Unknown("at_least".into()))
        );
        assert_eq!(render("{within_days", &ps), Err(TemplateError::Unbalanced));
        assert_eq!(render("x } y", &ps), Err(TemplateError::Unbalanced));
    }

    #[test]
    fn a_name_tested_twice_must_be_qualified() {
        let c = RawCondition {
            all: Some(vec![
                RawCondition {
                    at_least: Some(2.0),
                    ..leaf("computers")
                },
                RawCondition {
                    sum: Some(vec!["full_time_staff".into(), "part_time_staff".into()]),
                    at_least: Some(3.0),
                    ..RawCondition::default()
                },
            ]),
            ..RawCondition::default()
        };
        let ps = parameters(&c);
        assert!(matches!(
            render("{at_least}", &ps),
            Err(TemplateError::Ambiguous(..))
        ));
        assert_eq!(
            render(
                "{computers.at_least}/{full_time_staff+part_time_staff.at_least}",
                &ps
            ),
            Ok("2/3".into())
        );
    }

    #[test]
    fn numbers_and_shares_read_as_people_write_them() {
        assert_eq!(number(30.0), "30");
        assert_eq!(number(0.5), "0.5");
        assert_eq!(structure_parameter(true, 0.1).text(), "10%");
        assert_eq!(structure_parameter(true, 0.5).text(), "50%");
        assert_eq!(structure_parameter(false, 1.0).text(), "1");
    }
}
