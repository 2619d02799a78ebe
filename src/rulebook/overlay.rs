//! Overlay rulebooks: `extends: builtin` (or a path), then changes by id — after the model of
//! XCCDF tailoring files and `InSpec` overlays. An overlay is applied to the raw form of its base, and
//! the result is validated as strictly as any rulebook. Overlays chain; a cycle is an error.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;

use super::raw::{
    RawCondition, RawOverlay, RawRule, RawRulePatch, RawRulebook, RawSpellings, RawStructure,
    RawStructurePatch, RawTypePatch,
};
use super::template;
use super::{BUILTIN_NAME, BUILTIN_YAML, Problems, RulebookError, RulebookProblem};
use crate::suggest::did_you_mean;

/// The deepest chain of rulebook files an `extends` chain may have (the file named first
/// included): deeper is an error, not a stack overflow.
pub const MAX_DEPTH: usize = 64;

/// A rulebook file read and resolved to a whole raw rulebook.
pub struct Resolved {
    pub raw: RawRulebook,
    /// The file the last layer came from, and its text (for line numbers).
    pub file: String,
    pub source: String,
    /// The rulebooks underneath, base first: (id, version).
    pub extends: Vec<(String, String)>,
    /// Which overlay file last wrote each id or key.
    pub origins: Origins,
    /// Problems found while applying overlays; validation adds its own after.
    pub problems: Vec<RulebookProblem>,
}

/// For each rule id, field, type, entry or structure key an overlay wrote: the overlay's file name
/// and text (shared: an overlay writes many).
pub type Origins = std::collections::HashMap<String, (Arc<str>, Arc<str>)>;

/// The files of an `extends` chain: those being resolved (to find a cycle), and every file read.
#[derive(Debug, Default)]
pub struct Chain {
    /// The files being resolved, the one named first first, canonical.
    pub stack: Vec<PathBuf>,
    /// Every rulebook file read, canonical, in the order read.
    pub files: Vec<PathBuf>,
    /// The bytes read so far, of every file: at most [`crate::files::MAX_BYTES`] in all.
    pub bytes: u64,
}

impl Chain {
    /// The chain of a rulebook file named by the user, already read (`text`).
    pub fn of(path: &Path, text: &str) -> Chain {
        let canonical: Vec<PathBuf> = std::fs::canonicalize(path).into_iter().collect();
        Chain {
            stack: canonical.clone(),
            files: canonical,
            bytes: text.len() as u64,
        }
    }
}

#[derive(Deserialize)]
struct Probe {
    #[serde(default)]
    extends: Option<String>,
}

fn single(file: &str, line: Option<usize>, context: &str, message: String) -> RulebookError {
    RulebookError {
        problems: vec![RulebookProblem {
            file: file.to_string(),
            line,
            context: context.into(),
            message,
            help: None,
            message_zh: None,
        }],
    }
}

/// As [`single`], with the message in Chinese too.
fn single_zh(
    file: &str,
    line: Option<usize>,
    context: &str,
    message: String,
    zh: String,
) -> RulebookError {
    let mut e = single(file, line, context, message);
    if let Some(p) = e.problems.first_mut() {
        p.message_zh = Some(zh);
    }
    e
}

/// The top-level keys one of which every rulebook and overlay has.
const RULEBOOK_KEYS: [&str; 4] = ["schema", "extends", "id", "rules"];

/// A YAML error in a rulebook file, which quotes nothing of a file that is no rulebook (a
/// password file named by mistake, say): only where the problem is. In a file that looks like a
/// rulebook, the message names keys but still quotes no value.
fn yaml_error(file: &str, text: &str, e: &serde_yaml::Error) -> RulebookError {
    let location = e.location();
    let looks_like_rulebook = text.lines().any(|l| {
        RULEBOOK_KEYS
            .iter()
            .any(|k| l.strip_prefix(k).is_some_and(|rest| rest.starts_with(':')))
    });
    let message = if looks_like_rulebook {
        crate::files::redact_strings(&e.to_string())
    } else {
        let at = location
            .as_ref()
            .map(|l| {
                format!(
                    " (the first problem is at line {} column {})",
                    l.line(),
                    l.column()
                )
            })
            .unwrap_or_default();
        format!(
            "not a rulebook: expected a YAML map with `schema:` and `id:`, or an overlay's \
             `extends:`{at}"
        )
    };
    let mut e = single(file, location.map(|l| l.line()), "yaml", message);
    let zh = if looks_like_rulebook {
        "YAML 写法有误(英文详情请加 `--lang en`)".to_string()
    } else {
        "不是规则集: 应为含 `schema:` 和 `id:` 的 YAML 映射,或叠加规则的 `extends:`".to_string()
    };
    if let Some(p) = e.problems.first_mut() {
        p.message_zh = Some(zh);
    }
    e
}

/// Reads `text` (from `file`, in folder `dir`) and resolves any `extends` chain, walking at most
/// [`MAX_DEPTH`] files deep; the files read are added to `chain.files`.
pub fn resolve(
    text: &str,
    file: &str,
    dir: Option<&Path>,
    chain: &mut Chain,
) -> Result<Resolved, RulebookError> {
    if crate::text::yaml_flow_depth(text, crate::text::YAML_DEPTH_LIMIT)
        > crate::text::YAML_DEPTH_LIMIT
    {
        return Err(single_zh(
            file,
            None,
            "yaml",
            format!(
                "recursion limit exceeded: collections nested more than {} deep",
                crate::text::YAML_DEPTH_LIMIT
            ),
            format!("嵌套层数超过上限 {}", crate::text::YAML_DEPTH_LIMIT),
        ));
    }
    let probe: Probe = serde_yaml::from_str(text).map_err(|e| yaml_error(file, text, &e))?;
    let Some(extends) = probe.extends else {
        let raw: RawRulebook =
            serde_yaml::from_str(text).map_err(|e| yaml_error(file, text, &e))?;
        return Ok(Resolved {
            raw,
            file: file.into(),
            source: text.into(),
            extends: Vec::new(),
            origins: Origins::new(),
            problems: Vec::new(),
        });
    };
    let overlay: RawOverlay = serde_yaml::from_str(text).map_err(|e| yaml_error(file, text, &e))?;
    let at_extends = |message: String, zh: String| {
        single_zh(file, line_of_key(text, "extends"), "extends", message, zh)
    };
    let base = if extends == BUILTIN_NAME {
        resolve(BUILTIN_YAML, BUILTIN_NAME, None, chain)?
    } else {
        let path = dir.map_or_else(|| PathBuf::from(&extends), |d| d.join(&extends));
        let canonical = std::fs::canonicalize(&path).map_err(|e| {
            at_extends(
                format!("cannot read `{}`: {e}", path.display()),
                format!(
                    "无法读取 `{}`: {}",
                    path.display(),
                    crate::text::io_message(&e, crate::text::Lang::Zh)
                ),
            )
        })?;
        if chain.stack.contains(&canonical) {
            let cycle: Vec<String> = chain
                .stack
                .iter()
                .chain(std::iter::once(&canonical))
                .map(|p| p.display().to_string())
                .collect();
            return Err(at_extends(
                format!(
                    "rulebooks extend each other in a cycle: {}",
                    cycle.join(" -> ")
                ),
                format!("规则集循环相互扩展: {}", cycle.join(" -> ")),
            ));
        }
        if chain.stack.len() >= MAX_DEPTH {
            return Err(at_extends(
                format!(
                    "the `extends` chain is more than {MAX_DEPTH} rulebooks deep; `{}` is not read",
                    path.display()
                ),
                format!(
                    "`extends` 链超过 {MAX_DEPTH} 层;未读取 `{}`",
                    path.display()
                ),
            ));
        }
        let base_text = crate::files::read_text(&canonical).map_err(|e| {
            at_extends(
                format!(
                    "cannot read `{}`: {}",
                    path.display(),
                    e.text().get(crate::text::Lang::En)
                ),
                format!(
                    "无法读取 `{}`: {}",
                    path.display(),
                    e.text()
                        .get(crate::text::Lang::Zh)
                        .trim_start_matches("无法读取: ")
                ),
            )
        })?;
        chain.bytes += base_text.len() as u64;
        if chain.bytes > crate::files::MAX_BYTES {
            return Err(at_extends(
                format!(
                    "the rulebook and the files it extends come to more than {} MB; `{}` is not used",
                    crate::files::MAX_BYTES >> 20,
                    path.display()
                ),
                format!(
                    "规则集及其扩展的文件合计超过 {} MB;未使用 `{}`",
                    crate::files::MAX_BYTES >> 20,
                    path.display()
                ),
            ));
        }
        chain.stack.push(canonical.clone());
        chain.files.push(canonical.clone());
        let resolved = resolve(
            &base_text,
            &path.display().to_string(),
            canonical.parent(),
            chain,
        )?;
        chain.stack.pop();
        resolved
    };
    let mut extends_chain = base.extends.clone();
    extends_chain.push((
        base.raw.id.clone().unwrap_or_default(),
        base.raw.version.clone().unwrap_or_default(),
    ));
    // What this overlay writes is attributed to it; the rest keeps its base's attribution.
    let mut origins = base.origins;
    let (shared_file, shared_text): (Arc<str>, Arc<str>) = (Arc::from(file), Arc::from(text));
    for name in written(&overlay) {
        origins.insert(name, (shared_file.clone(), shared_text.clone()));
    }
    let mut p = Problems::new(file, text);
    let raw = apply(base.raw, overlay, &mut p);
    let mut problems = base.problems;
    problems.extend(p.items);
    Ok(Resolved {
        raw,
        file: file.into(),
        source: text.into(),
        extends: extends_chain,
        origins,
        problems,
    })
}

/// The ids and keys an overlay adds or changes.
fn written(o: &RawOverlay) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    names.extend(o.add_fields.iter().map(|f| f.key.clone()));
    names.extend(o.add_entries.values().flatten().map(|e| e.key.clone()));
    names.extend(o.modify_types.iter().map(|t| t.key.clone()));
    names.extend(o.modify_rules.iter().map(|r| r.id.clone()));
    names.extend(o.add_rules.iter().map(|r| r.id.clone()));
    names.extend(o.modify_structure.iter().map(|c| c.id.clone()));
    names.extend(o.add_structure.iter().map(|c| c.id.clone()));
    names
}

fn line_of_key(text: &str, key: &str) -> Option<usize> {
    text.lines()
        .position(|l| l.trim_start().starts_with(&format!("{key}:")))
        .map(|i| i + 1)
}

fn hint<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    did_you_mean(word, candidates).map(|s| format!("did you mean `{s}`?"))
}

/// Applies an overlay's changes to its base, reporting every change that names nothing.
fn apply(mut base: RawRulebook, o: RawOverlay, p: &mut Problems) -> RawRulebook {
    apply_identity(&mut base, &o, p);
    if o.title.is_some() {
        base.title = o.title;
    }
    if let Some(add) = o.add_spellings {
        add_spellings(&mut base, add);
    }
    base.fields.extend(o.add_fields);
    for (vocab, entries) in o.add_entries {
        base.vocabularies.entry(vocab).or_default().extend(entries);
    }
    for (section, by_key) in o.add_aliases {
        add_aliases(&mut base, &section, by_key, p);
    }
    for patch in o.modify_types {
        modify_type(&mut base, patch, p);
    }
    for patch in o.modify_rules {
        modify_rule(&mut base, &patch, p);
    }
    for patch in o.modify_structure {
        modify_structure(&mut base, patch, p);
    }
    add_structure(&mut base, o.add_structure, p);
    add_rules(&mut base, o.add_rules, p);
    base
}

/// The overlay's schema, and its own id and version, which name the effective rulebook.
fn apply_identity(base: &mut RawRulebook, o: &RawOverlay, p: &mut Problems) {
    if o.schema != Some(1) {
        p.push("schema", "an overlay needs `schema: 1`".into(), None);
    }
    match (&o.id, &o.version) {
        (Some(id), Some(version)) if !id.trim().is_empty() && !version.trim().is_empty() => {
            base.id = Some(id.clone());
            base.version = Some(version.clone());
        }
        _ => p.push(
            "id",
            "an overlay needs its own `id` and `version`".into(),
            Some("they name the effective rulebook in every report".into()),
        ),
    }
}

/// `add_spellings`: more words for yes, no, none, blank and the rows that are no outlets.
fn add_spellings(base: &mut RawRulebook, add: RawSpellings) {
    let s = base.spellings.get_or_insert_with(Default::default);
    s.yes.extend(add.yes);
    s.no.extend(add.no);
    s.list_separators.extend(add.list_separators);
    s.none.extend(add.none);
    s.blank_marks.extend(add.blank_marks);
    s.total_rows.extend(add.total_rows);
    s.footer_rows.extend(add.footer_rows);
}

/// `add_aliases` of one section (`fields`, `types` or a vocabulary): more names for its items.
fn add_aliases(
    base: &mut RawRulebook,
    section: &str,
    by_key: BTreeMap<String, Vec<String>>,
    p: &mut Problems,
) {
    for (key, aliases) in by_key {
        let ctx = format!("add_aliases.{section}.{key}");
        // Each section's items, as (key, aliases) pairs, and what an unknown key is called.
        let (items, noun, place): (Vec<(&String, &mut Vec<String>)>, &str, String) = match section {
            "fields" => (
                base.fields
                    .iter_mut()
                    .map(|f| (&f.key, &mut f.aliases))
                    .collect(),
                "field",
                String::new(),
            ),
            "types" => (
                base.types
                    .iter_mut()
                    .map(|t| (&t.key, &mut t.aliases))
                    .collect(),
                "type",
                String::new(),
            ),
            vocab => {
                if let Some(entries) = base.vocabularies.get_mut(vocab) {
                    (
                        entries
                            .iter_mut()
                            .map(|e| (&e.key, &mut e.aliases))
                            .collect(),
                        "entry",
                        format!(" in vocabulary `{vocab}`"),
                    )
                } else {
                    let mut sections: Vec<&str> = vec!["fields", "types"];
                    sections.extend(base.vocabularies.keys().map(String::as_str));
                    let help = hint(vocab, sections);
                    p.push(
                        &ctx,
                        format!("unknown section `{vocab}`: not `fields`, `types` or a vocabulary"),
                        help,
                    );
                    continue;
                }
            }
        };
        let keys: Vec<String> = items.iter().map(|(k, _)| (*k).clone()).collect();
        match items.into_iter().find(|(k, _)| **k == key) {
            Some((_, list)) => list.extend(aliases),
            None => p.push(
                &ctx,
                format!("unknown {noun} `{key}`{place}"),
                hint(&key, keys.iter().map(String::as_str)),
            ),
        }
    }
}

/// One patch of `modify_types`.
fn modify_type(base: &mut RawRulebook, patch: RawTypePatch, p: &mut Problems) {
    let Some(index) = position(&base.types, &patch.key, "type", |t| &t.key, p) else {
        return;
    };
    let t = &mut base.types[index];
    if let Some(m) = patch.minimum_grade {
        if t.reference.is_some() {
            let message = format!(
                "type `{}` takes its minimum from its reference type",
                patch.key
            );
            p.push(&patch.key, message, None);
        }
        t.minimum_grade = Some(m);
    }
    if patch.article.is_some() {
        t.article = patch.article;
    }
}

/// One patch of `modify_rules`: disabled, fields replaced, or its single test's parameters `set`.
fn modify_rule(base: &mut RawRulebook, patch: &RawRulePatch, p: &mut Problems) {
    let Some(index) = position(&base.rules, &patch.id, "rule", |r| &r.id, p) else {
        return;
    };
    if patch.disabled {
        base.rules.remove(index);
        return;
    }
    let r = &mut base.rules[index];
    macro_rules! replace {
        ($($f:ident),*) => { $( if patch.$f.is_some() { r.$f = patch.$f.clone(); } )* };
    }
    replace!(
        grade,
        kind,
        article,
        quote,
        title,
        requirement,
        explanation,
        interpretation,
        applies_to
    );
    if let Some(check) = patch.check.clone() {
        r.check = Some(check);
    }
    if let Some(set) = &patch.set {
        match r.check.as_mut() {
            Some(leaf) if leaf.all.is_none() && leaf.any.is_none() && leaf.not.is_none() => {
                set_in_place(leaf, set);
                let leaf = leaf.clone();
                unused_parameters(r, &leaf, set, p);
            }
            _ => p.push(
                &patch.id,
                format!(
                    "`set` changes a single test, and rule `{}` combines several",
                    patch.id
                ),
                Some("replace the whole condition with `check:` instead".into()),
            ),
        }
    }
}

/// One patch of `modify_structure`.
fn modify_structure(base: &mut RawRulebook, patch: RawStructurePatch, p: &mut Problems) {
    let Some(index) = position(&base.structure, &patch.id, "structure check", |c| &c.id, p) else {
        return;
    };
    if patch.disabled {
        base.structure.remove(index);
        return;
    }
    let c = &mut base.structure[index];
    if patch.types.is_some() {
        c.types = patch.types;
    }
    if let Some(g) = patch.grades {
        c.grades = g;
    }
    if patch.share.is_some() || patch.count.is_some() {
        c.share = patch.share;
        c.count = patch.count;
    }
    if patch.requirement.is_some() {
        c.requirement = patch.requirement;
    }
    if patch.interpretation.is_some() {
        c.interpretation = patch.interpretation;
    }
}

/// `add_structure`: new structure checks, each under an id not yet taken.
fn add_structure(base: &mut RawRulebook, checks: Vec<RawStructure>, p: &mut Problems) {
    for check in checks {
        if base.structure.iter().any(|c| c.id == check.id) {
            p.push(
                &check.id,
                format!("structure check `{}` already exists", check.id),
                None,
            );
            continue;
        }
        base.structure.push(check);
    }
}

/// `add_rules`: new rules, each under an id not yet taken.
fn add_rules(base: &mut RawRulebook, rules: Vec<RawRule>, p: &mut Problems) {
    for rule in rules {
        if base.rules.iter().any(|r| r.id == rule.id) {
            p.push(
                &rule.id,
                format!("rule `{}` already exists", rule.id),
                Some("change it under `modify_rules`, or choose a new id".into()),
            );
            continue;
        }
        base.rules.push(rule);
    }
}

/// Where the item an overlay changes by `id` is, or a problem (with a "did you mean") when no
/// item has it.
fn position<T>(
    items: &[T],
    id: &str,
    what: &str,
    id_of: impl Fn(&T) -> &String,
    p: &mut Problems,
) -> Option<usize> {
    let found = items.iter().position(|item| id_of(item) == id);
    if found.is_none() {
        p.push(
            id,
            format!("unknown {what} `{id}`"),
            hint(id, items.iter().map(|item| id_of(item).as_str())),
        );
    }
    found
}

/// Words follow numbers: a parameter that `set` changes must be named by some text of the rule
/// (`{within_days}`), or reports would go on printing the old number.
fn unused_parameters(r: &RawRule, leaf: &RawCondition, set: &RawCondition, p: &mut Problems) {
    let texts: Vec<&str> = [&r.title, &r.requirement, &r.explanation, &r.interpretation]
        .into_iter()
        .flatten()
        .flat_map(|t| [t.zh.as_deref(), t.en.as_deref()])
        .flatten()
        .collect();
    let given = template::keys_given(set);
    for param in template::parameters(leaf) {
        if !given.contains(&param.name.as_str()) {
            continue;
        }
        if !texts.iter().any(|t| template::uses(t, &param)) {
            p.push(
                &r.id,
                format!(
                    "`set` changes `{}` of rule `{}` to {}, but no text of the rule names `{{{}}}`",
                    param.name,
                    r.id,
                    template::number(param.value),
                    param.name
                ),
                Some(format!(
                    "write `{{{}}}` where the rule's requirement says the number (give a new `requirement:` beside `set:`), so that reports show the number in force",
                    param.name
                )),
            );
        }
    }
}

/// Sets keys of a single-test condition: a new test replaces the old one (and its `count`).
fn set_in_place(leaf: &mut RawCondition, set: &RawCondition) {
    let new_test = set.at_least.is_some()
        || set.more_than.is_some()
        || set.at_most.is_some()
        || set.less_than.is_some()
        || set.equals.is_some()
        || set.is.is_some()
        || set.one_of.is_some()
        || set.includes_all.is_some()
        || set.includes_any.is_some()
        || set.within_days.is_some();
    if new_test {
        leaf.at_least = None;
        leaf.more_than = None;
        leaf.at_most = None;
        leaf.less_than = None;
        leaf.equals = None;
        leaf.is = None;
        leaf.one_of = None;
        leaf.includes_all = None;
        leaf.includes_any = None;
        leaf.within_days = None;
        leaf.count = None;
    }
    macro_rules! copy {
        ($($f:ident),*) => { $( if set.$f.is_some() { leaf.$f = set.$f.clone(); } )* };
    }
    copy!(
        field,
        sum,
        at_least,
        more_than,
        at_most,
        less_than,
        equals,
        is,
        one_of,
        includes_all,
        includes_any,
        count,
        within_days
    );
}
