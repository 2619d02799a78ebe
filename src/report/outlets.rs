//! The rows of `grade`, `gaps` and `explain`: columns and cells for an outlet and its assessment.

use super::describe::{observed, observed_fields, push_observed};
use super::{Column, CsvCells, Out, words};
use crate::eval::{Assessment, Brief, Evaluator, Outcome, Status};
use crate::inventory::Outlet;
use crate::rulebook::Rulebook;
use crate::text::{Lang, Text};

/// The outlet's type, naming the reference type of a partner outlet: 共建(社区).
pub fn type_cell(book: &Rulebook, outlet: &Outlet) -> Out {
    type_cell_of(book, outlet.type_, outlet.grading_type)
}

fn type_cell_of(book: &Rulebook, type_: usize, grading_type: usize) -> Out {
    let t = &book.types[type_];
    let title = if grading_type == type_ {
        (&t.name).into()
    } else {
        let r = &book.types[grading_type];
        words::Title {
            zh: format!("{}(参照{})", t.name.zh, r.name.zh).as_str().into(),
            en: format!("{} (as {})", t.name.en, r.name.en).as_str().into(),
        }
    };
    Out::Key {
        key: t.key.as_str().into(),
        title,
    }
}

/// Cells that the gap rows of every outlet share, made once per evaluator: cloning one costs a
/// reference count, not a copy.
#[derive(Debug)]
pub struct SharedCells {
    /// The type cell of each (type, grading type) pair, at `type * types + grading type`.
    types: Vec<Out>,
    /// Per rule: id, article, then title and requirement in Chinese and in English.
    rules: Vec<[Out; 6]>,
    /// Per rule: the fields its condition reads.
    fields: Vec<Vec<usize>>,
    /// The region fields ([`REGION_KEYS`]), if the rulebook has them.
    regions: [Option<usize>; 4],
}

impl SharedCells {
    pub fn new(book: &Rulebook) -> Self {
        let n = book.types.len();
        let types = (0..n * n)
            .map(|i| type_cell_of(book, i / n, i % n))
            .collect();
        let shared = |s: &str| Out::Shared(s.into());
        let rules = book
            .rules
            .iter()
            .map(|r| {
                [
                    shared(&r.id),
                    shared(&r.article),
                    shared(&r.title.zh),
                    shared(&r.requirement.zh),
                    shared(&r.title.en),
                    shared(&r.requirement.en),
                ]
            })
            .collect();
        let fields = book.rules.iter().map(|r| r.check.fields()).collect();
        SharedCells {
            types,
            rules,
            fields,
            regions: REGION_KEYS.map(|k| field_index(book, k)),
        }
    }

    fn type_cell(&self, book: &Rulebook, outlet: &Outlet) -> Out {
        let n = book.types.len();
        self.types
            .get(outlet.type_ * n + outlet.grading_type)
            .cloned()
            .unwrap_or_else(|| type_cell(book, outlet))
    }
}

/// The region columns, by key.
const REGION_KEYS: [&str; 4] = ["province", "city", "county", "township"];

fn region_columns() -> [(&'static str, Column); 4] {
    [
        ("province", Column::new("province", "省", "province")),
        ("city", Column::new("city", "市", "city")),
        ("county", Column::new("county", "县", "county")),
        ("township", Column::new("township", "乡镇街道", "township")),
    ]
}

/// The index of the field with `key`, as `Rulebook::field_by_key` finds it. The region fields
/// come early in a rulebook, so a scan finds them sooner than a hash of the key would.
pub(super) fn field_index(book: &Rulebook, key: &str) -> Option<usize> {
    book.fields.iter().position(|f| f.key == key)
}

/// Columns of `grade`: the contract's first, then context, then the inventory's own extra columns.
/// The second value says which columns the terminal table and Markdown show.
pub fn grade_columns(extras: &[String]) -> (Vec<Column>, Vec<bool>) {
    let mut cols = vec![
        (Column::new("id", "网点编号", "id"), true),
        (Column::new("name", "网点名称", "name"), true),
        (Column::new("type", "网点类型", "type"), true),
        (Column::new("minimum_grade", "最低要求", "minimum"), true),
        (Column::new("claimed_grade", "申报级别", "claimed"), true),
        (Column::new("assessed_grade", "评定级别", "assessed"), true),
        (Column::new("status", "状态", "status"), true),
        (Column::new("next_grade", "下一级", "next grade"), false),
        (Column::new("required_gaps", "缺项数", "gaps"), true),
        (
            Column::new("waived_rules", "已豁免规则", "waived rules"),
            false,
        ),
        (
            Column::new("reference_type", "参照类型", "reference type"),
            false,
        ),
    ];
    cols.extend(region_columns().into_iter().map(|(_, c)| (c, false)));
    cols.push((Column::new("row", "行号", "row"), false));
    // The inventory's own extra columns follow; one whose name a report column already has is
    // marked as the input's, so that it never overwrites the report's.
    let taken: std::collections::HashSet<String> = cols
        .iter()
        .flat_map(|(c, _)| [&c.key, &c.title.zh, &c.title.en])
        .map(|t| crate::text::normalize(t))
        .collect();
    // Two extra columns of one name (two 备注) stay two: the second is `备注_2`, the third
    // `备注_3`, in every format, so that JSON, whose keys must differ, keeps every value.
    // (The next number to try is kept per name: a header of 10,000 备注 is not quadratic.)
    let mut keys: std::collections::HashSet<String> =
        cols.iter().map(|(c, _)| c.key.clone()).collect();
    let mut next: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for h in extras {
        let input = taken.contains(&crate::text::normalize(h));
        let base = if input {
            format!("input_{h}")
        } else {
            h.clone()
        };
        let mut n = next.get(&base).copied().unwrap_or(1);
        let mut key = if n == 1 {
            base.clone()
        } else {
            format!("{base}_{n}")
        };
        while !keys.insert(key.clone()) {
            n += 1;
            key = format!("{base}_{n}");
        }
        next.insert(base, n + 1);
        let suffix = if n > 1 {
            format!("_{n}")
        } else {
            String::new()
        };
        let column = if input {
            Column {
                key,
                title: Text::new(format!("{h}(原表){suffix}"), format!("{h} (input){suffix}")),
            }
        } else {
            Column {
                key,
                title: Text::new(format!("{h}{suffix}"), format!("{h}{suffix}")),
            }
        };
        cols.push((column, false));
    }
    cols.into_iter().unzip()
}

pub fn grade_row(ev: &Evaluator, outlet: &Outlet, a: &Assessment) -> Vec<Out> {
    grade_row_of(ev, outlet, &a.brief(), Some(a))
}

/// [`grade_row`] from the outlet's [`Evaluator::brief`]: `a`, its whole assessment, names the
/// waived rules (needed only when `b.waived > 0`).
pub fn grade_row_of(
    ev: &Evaluator,
    outlet: &Outlet,
    b: &Brief,
    a: Option<&Assessment>,
) -> Vec<Out> {
    let book = ev.book;
    let reference = if outlet.grading_type != outlet.type_ {
        let r = &book.types[outlet.grading_type];
        Out::Key {
            key: r.key.as_str().into(),
            title: (&r.name).into(),
        }
    } else {
        Out::Null
    };
    let waived = match a {
        Some(a) if b.waived > 0 => waived_rules(book, a),
        _ => Out::Null,
    };
    // Every cell pushed into a row of the final size: no regrowth.
    let mut row = Vec::with_capacity(12 + REGION_KEYS.len() + outlet.extras.len());
    row.push(Out::str(&outlet.id));
    row.push(Out::str(&outlet.name));
    row.push(ev.shared_cells().type_cell(book, outlet));
    row.push(Out::OptGrade(Some(b.minimum)));
    row.push(Out::OptGrade(outlet.claimed));
    row.push(Out::Grade(b.assessed));
    row.push(words::status(b.status));
    row.push(Out::OptGrade(b.next));
    row.push(Out::Int(b.required_gaps as i64));
    row.push(waived);
    row.push(reference);
    let cells = ev.shared_cells();
    row.extend(
        cells
            .regions
            .iter()
            .map(|f| match f.map(|f| outlet.value(f)) {
                Some(crate::inventory::Value::Text(s)) => Out::str(s),
                _ => Out::Null,
            }),
    );
    row.push(Out::Int(outlet.row as i64));
    row.extend(
        outlet
            .extras
            .iter()
            .map(|e| if e.is_empty() { Out::Null } else { Out::str(e) }),
    );
    row
}

/// The ids of the rules waived for the outlet, space-separated.
fn waived_rules(book: &Rulebook, a: &Assessment) -> Out {
    if !a.outcomes.contains(&crate::eval::Outcome::Waived) {
        return Out::Null;
    }
    let ids: Vec<&str> = book
        .rules
        .iter()
        .zip(&a.outcomes)
        .filter(|(_, o)| **o == crate::eval::Outcome::Waived)
        .map(|(r, _)| r.id.as_str())
        .collect();
    if ids.is_empty() {
        Out::Null
    } else {
        Out::str(ids.join(" "))
    }
}

pub fn gaps_columns() -> (Vec<Column>, Vec<bool>) {
    [
        (Column::new("id", "网点编号", "id"), true),
        (Column::new("name", "网点名称", "name"), true),
        (Column::new("type", "网点类型", "type"), false),
        (Column::new("assessed_grade", "评定级别", "assessed"), true),
        (Column::new("target_grade", "目标级别", "target"), true),
        (Column::new("rule", "规则", "rule"), true),
        (Column::new("rule_grade", "规则级别", "rule grade"), false),
        (Column::new("kind", "类别", "kind"), true),
        (Column::new("reason", "原因", "reason"), true),
        (Column::new("title", "项目", "title"), false),
        (Column::new("requirement", "要求", "requirement"), true),
        (Column::new("observed", "现状", "observed"), true),
        (Column::new("article", "条款", "article"), true),
    ]
    .into_iter()
    .unzip()
}

/// `grade`'s CSV lines written straight, without making the row's cells: the same bytes as
/// [`grade_row`]'s row written by a CSV [`super::Writer`] (a test holds them to it). What many rows
/// share is rendered once.
#[derive(Debug)]
pub struct GradeLines<'a> {
    csv: CsvCells<'a>,
    /// The type cell and the reference-type cell of each (type, grading type) pair, at
    /// `type * types + grading type`, rendered.
    types: Vec<(String, String)>,
    /// A grade 1-4 as [`Out::OptGrade`] and [`Out::Grade`] render it, at the grade (0: none).
    grades: [(String, String); 5],
    /// Each status, rendered.
    statuses: [String; 3],
}

impl<'a> GradeLines<'a> {
    pub fn new(book: &Rulebook, csv: CsvCells<'a>) -> Self {
        let n = book.types.len();
        let types = (0..n * n)
            .map(|i| {
                let (t, g) = (i / n, i % n);
                let reference = if t == g {
                    Out::Null
                } else {
                    Out::Key {
                        key: book.types[g].key.as_str().into(),
                        title: (&book.types[g].name).into(),
                    }
                };
                (
                    csv.render(&[type_cell_of(book, t, g)]),
                    csv.render(&[reference]),
                )
            })
            .collect();
        let grades = [None, Some(1), Some(2), Some(3), Some(4)].map(|g| {
            (
                csv.render(&[Out::OptGrade(g)]),
                csv.render(&[Out::Grade(g)]),
            )
        });
        let statuses = [Status::Meets, Status::BelowMinimum, Status::Overclaimed]
            .map(|s| csv.render(&[words::status(s)]));
        GradeLines {
            csv,
            types,
            grades,
            statuses,
        }
    }

    /// Appends a grade as [`Out::OptGrade`] (`opt`) or [`Out::Grade`] renders it, and a comma.
    fn grade(&self, line: &mut String, scratch: &mut String, grade: Option<u8>, opt: bool) {
        // Any other grade (none is) is rendered as made.
        let index = match grade {
            None => 0,
            Some(g @ 1..=4) => usize::from(g),
            Some(_) => usize::MAX,
        };
        match self.grades.get(index) {
            Some((o, _)) if opt => line.push_str(o),
            Some((_, g)) => line.push_str(g),
            None if opt => self.csv.push(line, scratch, &Out::OptGrade(grade)),
            None => self.csv.push(line, scratch, &Out::Grade(grade)),
        }
        line.push(',');
    }

    /// Writes the outlet's line at the end of `line`, from its [`Evaluator::brief`] (assessed
    /// whole when a rule is waived, to name the rules).
    pub fn write_brief(&self, ev: &Evaluator, outlet: &Outlet, b: &Brief, line: &mut String) {
        if b.waived > 0 {
            let a = ev.assess(outlet);
            return self.line(ev, outlet, &a.brief(), Some(&a), line);
        }
        self.line(ev, outlet, b, None, line);
    }

    /// Writes the outlet's line at the end of `line`; `a` names the waived rules, if any.
    fn line(
        &self,
        ev: &Evaluator,
        outlet: &Outlet,
        b: &Brief,
        a: Option<&Assessment>,
        line: &mut String,
    ) {
        let (csv, book) = (&self.csv, ev.book);
        let mut scratch = String::new();
        let n = book.types.len();
        // Its types are the rulebook's, as every pair is here.
        let (type_, reference) = &self.types[outlet.type_ * n + outlet.grading_type];
        csv.push_str(line, &outlet.id);
        line.push(',');
        csv.push_str(line, &outlet.name);
        line.push(',');
        line.push_str(type_);
        line.push(',');
        self.grade(line, &mut scratch, Some(b.minimum), true);
        self.grade(line, &mut scratch, outlet.claimed, true);
        self.grade(line, &mut scratch, b.assessed, false);
        line.push_str(
            &self.statuses[match b.status {
                Status::Meets => 0,
                Status::BelowMinimum => 1,
                Status::Overclaimed => 2,
            }],
        );
        line.push(',');
        self.grade(line, &mut scratch, b.next, true);
        Out::push_int(line, b.required_gaps as i64);
        line.push(',');
        if let Some(a) = a.filter(|_| b.waived > 0) {
            csv.push(line, &mut scratch, &waived_rules(book, a));
        }
        line.push(',');
        line.push_str(reference);
        for f in ev.shared_cells().regions {
            line.push(',');
            if let Some(crate::inventory::Value::Text(s)) = f.map(|f| outlet.value(f)) {
                csv.push_str(line, s);
            }
        }
        line.push(',');
        Out::push_int(line, outlet.row as i64);
        for e in &outlet.extras {
            line.push(',');
            csv.push_str(line, e);
        }
        csv.end(line);
    }
}

/// `gaps`' CSV lines written straight, without making the rows' cells: the same bytes as
/// [`gaps_rows`]' rows written by a CSV [`super::Writer`] (a test holds them to it). A rule's
/// own cells are rendered once.
#[derive(Debug)]
pub struct GapLines<'a> {
    csv: CsvCells<'a>,
    /// Per rule: its id, grade and kind; its title and requirement; its article.
    rules: Vec<[String; 3]>,
    /// The type cell of each (type, grading type) pair, rendered.
    types: Vec<String>,
}

impl<'a> GapLines<'a> {
    pub fn new(book: &Rulebook, csv: CsvCells<'a>) -> Self {
        let lang = csv.lang;
        let rules = book
            .rules
            .iter()
            .map(|r| {
                let shared = |s: &str| Out::Shared(s.into());
                [
                    csv.render(&[
                        shared(&r.id),
                        Out::OptGrade(Some(r.grade)),
                        words::kind(r.kind),
                    ]),
                    csv.render(&[shared(r.title.get(lang)), shared(r.requirement.get(lang))]),
                    csv.render(&[shared(&r.article)]),
                ]
            })
            .collect();
        let n = book.types.len();
        let types = (0..n * n)
            .map(|i| csv.render(&[type_cell_of(book, i / n, i % n)]))
            .collect();
        GapLines { csv, rules, types }
    }

    /// Writes the outlet's lines at the end of `line`, one per rule it fails on the way to
    /// `target` (the next grade when `None`); how many. `brief` and `gaps` are as
    /// [`Evaluator::brief_gaps`] finds them.
    pub fn write(
        &self,
        ev: &Evaluator,
        outlet: &Outlet,
        brief: &Brief,
        target: Option<u8>,
        gaps: &[(usize, Outcome)],
        line: &mut String,
    ) -> usize {
        let Some(target_grade) = target.or(brief.next) else {
            return 0;
        };
        if gaps.is_empty() {
            return 0;
        }
        let (csv, book, lang) = (&self.csv, ev.book, self.csv.lang);
        let cells = ev.shared_cells();
        let mut scratch = String::new();
        // The outlet's own cells begin each of its lines.
        let mut outlet_cells = String::with_capacity(96);
        csv.push_str(&mut outlet_cells, &outlet.id);
        outlet_cells.push(',');
        csv.push_str(&mut outlet_cells, &outlet.name);
        outlet_cells.push(',');
        let n = book.types.len();
        outlet_cells.push_str(&self.types[outlet.type_ * n + outlet.grading_type]);
        outlet_cells.push(',');
        csv.push(&mut outlet_cells, &mut scratch, &Out::Grade(brief.assessed));
        outlet_cells.push(',');
        csv.push(
            &mut outlet_cells,
            &mut scratch,
            &Out::OptGrade(Some(target_grade)),
        );
        // Each line is made in a buffer of its own and then copied to the batch's text: a field
        // is checked for quoting right after it is written, and read back there it waited for
        // memory that the reading thread last held.
        let mut own = String::with_capacity(512);
        line.reserve(gaps.len() * 320);
        for &(i, outcome) in gaps {
            let rule = &book.rules[i];
            let [head, texts, article] = &self.rules[i];
            own.clear();
            own.push_str(&outlet_cells);
            own.push(',');
            own.push_str(head);
            own.push(',');
            csv.push(&mut own, &mut scratch, &words::reason(outcome));
            own.push(',');
            own.push_str(texts);
            own.push(',');
            let start = own.len();
            match cells.fields.get(i) {
                Some(fields) => push_observed(&mut own, book, rule, fields, outlet, lang),
                None => own.push_str(&observed(book, rule, outlet, lang)),
            }
            csv.quote_from(&mut own, &mut scratch, start);
            own.push(',');
            own.push_str(article);
            csv.end(&mut own);
            line.push_str(&own);
        }
        gaps.len()
    }
}

/// One row per failing rule on the way to `target` (the next grade when `None`).
pub fn gaps_rows(
    ev: &Evaluator,
    outlet: &Outlet,
    a: &Assessment,
    target: Option<u8>,
    lang: Lang,
) -> Vec<Vec<Out>> {
    let Some(target_grade) = target.or(a.next) else {
        return Vec::new();
    };
    let gaps: Vec<(usize, Outcome)> = ev
        .gaps(a, Some(target_grade))
        .into_iter()
        .map(|i| (i, a.outcomes[i]))
        .collect();
    gap_rows_of(ev, outlet, &a.brief(), target, &gaps, lang)
}

/// [`gaps_rows`] from what [`Evaluator::brief_gaps`] finds: the outlet's brief and the rules it
/// fails on the way to `target`, with their outcomes.
pub fn gap_rows_of(
    ev: &Evaluator,
    outlet: &Outlet,
    brief: &Brief,
    target: Option<u8>,
    gaps: &[(usize, Outcome)],
    lang: Lang,
) -> Vec<Vec<Out>> {
    let book = ev.book;
    let Some(target_grade) = target.or(brief.next) else {
        return Vec::new();
    };
    if gaps.is_empty() {
        return Vec::new();
    }
    let cells = ev.shared_cells();
    let type_ = cells.type_cell(book, outlet);
    let (id, name) = if gaps.len() > 1 {
        // Shared by the outlet's rows rather than copied into each.
        (
            Out::Shared(outlet.id.as_str().into()),
            Out::Shared(outlet.name.as_str().into()),
        )
    } else {
        (Out::str(&outlet.id), Out::str(&outlet.name))
    };
    let texts = match lang {
        Lang::Zh => 2,
        Lang::En => 4,
    };
    gaps.iter()
        .map(|&(i, outcome)| {
            let rule = &book.rules[i];
            let [rule_id, article, title, requirement] = match cells.rules.get(i) {
                Some(r) => [
                    r[0].clone(),
                    r[1].clone(),
                    r[texts].clone(),
                    r[texts + 1].clone(),
                ],
                None => [
                    Out::str(&rule.id),
                    Out::str(&rule.article),
                    Out::str(rule.title.get(lang)),
                    Out::str(rule.requirement.get(lang)),
                ],
            };
            vec![
                id.clone(),
                name.clone(),
                type_.clone(),
                Out::Grade(brief.assessed),
                Out::OptGrade(Some(target_grade)),
                rule_id,
                Out::OptGrade(Some(rule.grade)),
                words::kind(rule.kind),
                words::reason(outcome),
                title,
                requirement,
                Out::str(match cells.fields.get(i) {
                    Some(fields) => observed_fields(book, rule, fields, outlet, lang),
                    None => observed(book, rule, outlet, lang),
                }),
                article,
            ]
        })
        .collect()
}

pub fn explain_columns() -> (Vec<Column>, Vec<bool>) {
    [
        (Column::new("id", "网点编号", "id"), false),
        (Column::new("rule", "规则", "rule"), true),
        (Column::new("grade", "级别", "grade"), true),
        (Column::new("kind", "类别", "kind"), true),
        (Column::new("outcome", "结果", "outcome"), true),
        (Column::new("title", "项目", "title"), true),
        (Column::new("requirement", "要求", "requirement"), true),
        (Column::new("observed", "现状", "observed"), true),
        (Column::new("article", "条款", "article"), true),
    ]
    .into_iter()
    .unzip()
}

/// Every rule for one outlet, lowest grade first.
pub fn explain_rows(book: &Rulebook, outlet: &Outlet, a: &Assessment, lang: Lang) -> Vec<Vec<Out>> {
    book.rules
        .iter()
        .zip(&a.outcomes)
        .map(|(rule, o)| {
            vec![
                Out::str(&outlet.id),
                Out::str(&rule.id),
                Out::OptGrade(Some(rule.grade)),
                words::kind(rule.kind),
                words::outcome(*o),
                Out::str(rule.title.get(lang)),
                Out::str(rule.requirement.get(lang)),
                Out::str(observed(book, rule, outlet, lang)),
                Out::str(&rule.article),
            ]
        })
        .collect()
}

/// The outlet an explanation is about, as a one-row section.
pub fn explain_outlet(ev: &Evaluator, outlet: &Outlet, a: &Assessment) -> super::Section {
    let (columns, _) = grade_columns(&[]);
    let mut row = grade_row(ev, outlet, a);
    row.truncate(columns.len());
    super::Section {
        key: "outlet".into(),
        title: Text::new("网点", "outlet"),
        columns,
        rows: vec![row],
        single: true,
    }
}
