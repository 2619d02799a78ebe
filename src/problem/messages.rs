//! The words of each family of data problems ([`super::Family`]): what is wrong, quoting the
//! value, and what was expected, in Chinese and in English.

#![allow(
    clippy::unnested_or_patterns,
    reason = "the families' pattern macros, joined; clippy would flatten them into one long list"
)]

use std::fmt::Write as _;

use super::{Family, ProblemKind, shape_zh};
use crate::text::Lang;

/// [`Problem::message`]: what is wrong, quoting the value `v`, in the words of the kind's family.
///
/// Each family's function matches every kind: its own each with its words, the other families'
/// kinds routed back here, so that a new kind cannot fall through to a message without words.
pub(super) fn message(kind: &ProblemKind, v: &str, lang: Lang) -> String {
    match kind.family() {
        Family::Read => read_message(kind, v, lang),
        Family::Cell => cell_message(kind, v, lang),
        Family::Identity => identity_message(kind, v, lang),
        Family::Code => code_message(kind, v, lang),
        Family::Waiver => waiver_message(kind, v, lang),
    }
}

/// [`Problem::message`] for reading the file, its header and its rows.
fn read_message(kind: &ProblemKind, v: &str, lang: Lang) -> String {
    let zh = lang == Lang::Zh;
    match kind {
        ProblemKind::Encoding { encoding } => {
            if zh {
                format!("单元格不是有效的 {encoding} 文本")
            } else {
                format!("the cell is not valid {encoding} text")
            }
        }
        ProblemKind::Utf8InGbk => {
            if zh {
                "文件按 GBK(GB18030)读取,这一行却是 UTF-8 文本(可能从另一文件粘贴而来),含中文的单元格未读取".to_string()
            } else {
                "the file is read as GBK (GB18030) but this row is UTF-8 text (pasted from another file?); its cells with Chinese text are not read".to_string()
            }
        }
        ProblemKind::SheetError { error } => {
            if zh {
                format!("单元格是 Excel 错误值 `{error}`,不是取值")
            } else {
                format!("the cell holds the Excel error `{error}`, not a value")
            }
        }
        ProblemKind::Ragged { cells, columns } => {
            if zh {
                format!("该行有 {cells} 个单元格,表头只有 {columns} 列,多出的单元格被忽略")
            } else {
                format!(
                    "the row has {cells} cells but the header has {columns} columns; the extra cells are ignored"
                )
            }
        }
        ProblemKind::RequiredBlank { graded } => match (zh, graded) {
            (true, true) => "必填项为空或无法识别".into(),
            (true, false) => "必填项为空或无法识别,该网点未参与评定".into(),
            (false, true) => "a required cell is blank or unreadable".into(),
            (false, false) => {
                "a required cell is blank or unreadable; the outlet is not graded".into()
            }
        },
        ProblemKind::TooManyFields { fields, max } => {
            if zh {
                format!("该行有 {fields} 个字段,超过工作表的列数上限 {max},该行未评定")
            } else {
                format!(
                    "the row has {fields} fields, more than a worksheet's {max} columns; the row is not graded"
                )
            }
        }
        ProblemKind::UnterminatedQuote { lines } => {
            if zh {
                format!(
                    "本行的引号直到文件末尾都未闭合,其后 {lines} 行都被并入一个单元格;该行未评定"
                )
            } else {
                format!(
                    "a quote opened in this row is never closed: the {lines} lines after it, to the end of the file, went into one cell; the row is not graded"
                )
            }
        }
        ProblemKind::Shape { expected } => {
            if zh {
                format!("取值形式不对,应为{}", shape_zh(expected))
            } else {
                format!("the value should be {expected}")
            }
        }
        ProblemKind::Empty => {
            if zh {
                "清单中没有网点".into()
            } else {
                "the inventory has no outlets".into()
            }
        }
        ProblemKind::AbsentColumn {
            field,
            key,
            rules,
            fails,
            ..
        } => {
            let rules = rules.join(if zh { "、" } else { ", " });
            match (zh, fails) {
                (true, true) => format!(
                    "缺少「{}」列({key}):规则 {rules} 对每个网点都只能判为未填报",
                    field.zh
                ),
                (true, false) => format!(
                    "缺少「{}」列({key}):规则 {rules} 只能依据其他列判定",
                    field.zh
                ),
                (false, true) => format!(
                    "no column for `{}` ({key}): rule(s) {rules} can only fail as missing for every outlet",
                    field.zh
                ),
                (false, false) => format!(
                    "no column for `{}` ({key}): rule(s) {rules} are judged on the other columns only",
                    field.zh
                ),
            }
        }
        ProblemKind::NotOutlets { rows, count } => {
            let mut list = rows
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(if zh { "、" } else { ", " });
            if *count > rows.len() {
                let _ = write!(list, "…(+{})", count - rows.len());
            }
            if zh {
                format!("{count} 行不是网点(合计、小计或签名行),已跳过: 第 {list} 行")
            } else {
                format!(
                    "{count} row(s) are no outlets (totals, subtotals or signature lines), skipped: rows {list}"
                )
            }
        }
        ProblemKind::UncachedFormula => {
            if zh {
                "单元格是公式,但文件中没有保存计算结果,按未填报处理".to_string()
            } else {
                "the cell holds a formula whose result the file does not store; read as blank"
                    .to_string()
            }
        }
        // Routed by family in `message`; listed so that the match is exhaustive.
        cell_kinds!() | identity_kinds!() | code_kinds!() | waiver_kinds!() => {
            message(kind, v, lang)
        }
    }
}

/// [`Problem::help`] for reading the file, its header and its rows.
pub(super) fn read_help(kind: &ProblemKind, lang: Lang) -> Option<String> {
    let zh = lang == Lang::Zh;
    Some(match kind {
        ProblemKind::AbsentColumn {
            field,
            nearest: Some(header),
            ..
        } => {
            if zh {
                format!(
                    "「{header}」是否即「{}」?可改表头,或在省级规则的 add_aliases 中加入同义词",
                    field.zh
                )
            } else {
                format!(
                    "is `{header}` that column? rename the header, or add it to `add_aliases` in a provincial rulebook"
                )
            }
        }
        ProblemKind::AbsentColumn { field, .. } => {
            if zh {
                format!(
                    "请加上「{}」列,或在省级规则的 add_aliases 中加入本表使用的列名",
                    field.zh
                )
            } else {
                format!(
                    "add a `{}` column, or name this table's header in `add_aliases` of a provincial rulebook",
                    field.zh
                )
            }
        }
        ProblemKind::UncachedFormula => {
            if zh {
                "请用 Excel 或 WPS 打开并保存该文件,使公式结果写入文件;或把公式改为数值".to_string()
            } else {
                "open and save the file in Excel or WPS so that the result is stored, or paste the values"
                    .to_string()
            }
        }
        ProblemKind::UnterminatedQuote { .. } => {
            if zh {
                "单元格中的引号须成对出现;检查该行引号是否漏写了结尾的 \"".into()
            } else {
                "quotes in a cell come in pairs; look for the closing \" missing in this row".into()
            }
        }
        _ => return None,
    })
}

/// [`Problem::message`] for a cell that does not read as its field's kind.
fn cell_message(kind: &ProblemKind, v: &str, lang: Lang) -> String {
    let zh = lang == Lang::Zh;
    match kind {
        ProblemKind::NotACount { .. } => {
            if zh {
                format!("`{v}` 不是数量")
            } else {
                format!("`{v}` is not a count")
            }
        }
        ProblemKind::CountTooLarge { max } => {
            if zh {
                format!("数量 `{v}` 超过 {max},不可信,按缺失处理")
            } else {
                format!("the count `{v}` is above {max}, not believable; it counts as missing")
            }
        }
        ProblemKind::NotANumber { .. } => {
            if zh {
                format!("`{v}` 不是数字")
            } else {
                format!("`{v}` is not a number")
            }
        }
        ProblemKind::NotADate => {
            if zh {
                format!("`{v}` 不是日期")
            } else {
                format!("`{v}` is not a date")
            }
        }
        ProblemKind::NotHours => {
            if zh {
                format!("`{v}` 不是每周开放时间")
            } else {
                format!("`{v}` is not weekly opening hours")
            }
        }
        ProblemKind::BareNumberDate => {
            if zh {
                format!("`{v}` 是数字而不是日期(可能是丢失了日期格式的 Excel 日期序号)")
            } else {
                format!(
                    "`{v}` is a number, not a date (perhaps an Excel date serial that lost its date format)"
                )
            }
        }
        ProblemKind::NotYesNo { .. } => {
            if zh {
                format!("`{v}` 不是“是/否”")
            } else {
                format!("`{v}` is not a yes/no value")
            }
        }
        ProblemKind::NotAGrade => {
            if zh {
                format!("`{v}` 不是级别")
            } else {
                format!("`{v}` is not a grade")
            }
        }
        ProblemKind::UnknownValue { .. } => {
            if zh {
                format!("未知取值 `{v}`")
            } else {
                format!("unknown value `{v}`")
            }
        }
        ProblemKind::Refused { .. } => {
            if zh {
                format!("`{v}` 不能作为此列的取值")
            } else {
                format!("`{v}` is not accepted in this column")
            }
        }
        ProblemKind::UnknownItem { .. } => {
            if zh {
                format!("未知项目 `{v}`,不计入任何规则")
            } else {
                format!("unknown item `{v}`; it counts for no rule")
            }
        }
        ProblemKind::FutureDate { as_of } => {
            if zh {
                format!("`{v}` 晚于评定日期 {as_of},按未填报处理")
            } else {
                format!("`{v}` is after the as-of date {as_of}; the cell counts as missing")
            }
        }
        ProblemKind::Range => {
            if zh {
                format!("`{v}` 是一个范围,不是一个数")
            } else {
                format!("`{v}` is a range, not one number")
            }
        }
        ProblemKind::Negative => {
            if zh {
                format!("`{v}` 是负数,按未填报处理")
            } else {
                format!("`{v}` is negative; the cell counts as missing")
            }
        }
        ProblemKind::MonthOnly => {
            if zh {
                format!("`{v}` 只有年月,按该月1日计")
            } else {
                format!("`{v}` gives a month without a day; read as the month's first day")
            }
        }
        // Routed by family in `message`; listed so that the match is exhaustive.
        read_kinds!() | identity_kinds!() | code_kinds!() | waiver_kinds!() => {
            message(kind, v, lang)
        }
    }
}

/// [`Problem::help`] for a cell that does not read as its field's kind.
pub(super) fn cell_help(kind: &ProblemKind, lang: Lang) -> Option<String> {
    let zh = lang == Lang::Zh;
    let join = |v: &[String]| v.join(if zh { "、" } else { ", " });
    Some(match kind {
        ProblemKind::FutureDate { .. } => {
            if zh {
                "请核对日期,或用 --as-of 指定评定日期".to_string()
            } else {
                "check the date, or set the as-of date with --as-of".to_string()
            }
        }
        ProblemKind::Range => {
            if zh {
                "请填写实际的数(如 2),不要填范围".to_string()
            } else {
                "fill in the actual number (such as 2), not a range".to_string()
            }
        }
        ProblemKind::Negative => {
            if zh {
                "数量和金额不能为负".to_string()
            } else {
                "counts and amounts cannot be negative".to_string()
            }
        }
        ProblemKind::MonthOnly => {
            if zh {
                "请填写完整日期,如 2025-11-20".to_string()
            } else {
                "fill in the whole date, such as 2025-11-20".to_string()
            }
        }
        ProblemKind::NotACount { units } => {
            let eg = units
                .first()
                .map(|u| format!(" 或 2{u}"))
                .unwrap_or_default();
            let eg_en = units
                .first()
                .map(|u| format!(" or 2{u}"))
                .unwrap_or_default();
            if zh {
                format!("应为非负整数,如 2{eg}")
            } else {
                format!("expected a whole number such as 2{eg_en}")
            }
        }
        ProblemKind::CountTooLarge { max } => {
            if zh {
                format!("应为 0 到 {max} 之间的整数")
            } else {
                format!("expected a whole number from 0 to {max}")
            }
        }
        ProblemKind::NotANumber { unit, units } => {
            if zh {
                format!("应为数字,单位{unit},可写 {}", join(units))
            } else {
                format!(
                    "expected a number in {unit}; units accepted: {}",
                    join(units)
                )
            }
        }
        ProblemKind::NotADate | ProblemKind::BareNumberDate => {
            if zh {
                "应为日期,如 2025-04-17、2025/4/17、2025.4.17 或 2025年4月17日".into()
            } else {
                "expected a date such as 2025-04-17, 2025/4/17, 2025.4.17 or 2025年4月17日".into()
            }
        }
        ProblemKind::NotHours => {
            if zh {
                "应为每周开放时间: 日期加时段,如 周一至周五 9:00-17:00、工作日 8:30-12:00,14:00-17:30(多个时段用 , 、 或 ; 分隔),或 每周40小时".into()
            } else {
                "expected weekly opening hours: days and times such as 周一至周五 9:00-17:00 or 工作日 8:30-12:00,14:00-17:30 (times separated by , 、 or ;), or a weekly total such as 每周40小时".into()
            }
        }
        ProblemKind::NotYesNo { yes, no } => {
            if zh {
                format!("应为 {yes} 或 {no}")
            } else {
                format!("expected {yes} or {no}")
            }
        }
        ProblemKind::NotAGrade => {
            if zh {
                "应为 一级…四级、1…4 或 1级…4级".into()
            } else {
                "expected 一级…四级, 1…4 or 1级…4级".into()
            }
        }
        ProblemKind::UnknownValue {
            allowed,
            suggestion,
        }
        | ProblemKind::UnknownItem {
            known: allowed,
            suggestion,
        } => {
            let mut s = if zh {
                format!("可用取值: {}", join(allowed))
            } else {
                format!("known values: {}", join(allowed))
            };
            if let Some(sug) = suggestion {
                s = if zh {
                    format!("是否想写 `{sug}`?{s}")
                } else {
                    format!("did you mean `{sug}`? {s}")
                };
            }
            s
        }
        ProblemKind::Refused { hint } => hint.get(lang).to_string(),
        _ => return None,
    })
}

/// [`Problem::message`] for ids and reference types.
fn identity_message(kind: &ProblemKind, v: &str, lang: Lang) -> String {
    let zh = lang == Lang::Zh;
    match kind {
        ProblemKind::IdLostDigits => {
            if zh {
                format!(
                    "网点编号 `{v}` 在 Excel 中存成了数字,Excel 只保留 15 位有效数字,编号的其余位数已丢失"
                )
            } else {
                format!(
                    "outlet id `{v}` is stored in Excel as a number, which keeps only 15 significant digits; the rest of the id is lost"
                )
            }
        }
        ProblemKind::DuplicateId { first_row } => {
            if zh {
                format!("网点编号 `{v}` 与第{first_row}行重复,该行未参与评定")
            } else {
                format!("outlet id `{v}` repeats row {first_row}; this row is not graded")
            }
        }
        ProblemKind::NoReference { default } => {
            if zh {
                format!("共建网点未填参照类型,按默认「{default}」评定")
            } else {
                format!("partner outlet names no reference type; graded as the default `{default}`")
            }
        }
        ProblemKind::BadReference { default, .. } => {
            if zh {
                format!("参照类型 `{v}` 不可用,按默认「{default}」评定")
            } else {
                format!("reference type `{v}` is not allowed; graded as the default `{default}`")
            }
        }
        // Routed by family in `message`; listed so that the match is exhaustive.
        read_kinds!() | cell_kinds!() | code_kinds!() | waiver_kinds!() => message(kind, v, lang),
    }
}

/// [`Problem::help`] for ids and reference types.
pub(super) fn identity_help(kind: &ProblemKind, lang: Lang) -> Option<String> {
    let zh = lang == Lang::Zh;
    let join = |v: &[String]| v.join(if zh { "、" } else { ", " });
    Some(match kind {
        ProblemKind::IdLostDigits => {
            if zh {
                "在 Excel 中将编号列设为文本格式,再重新录入完整编号".into()
            } else {
                "format the id column as text in Excel and enter the whole ids again".into()
            }
        }
        ProblemKind::BadReference { allowed, .. } => {
            if zh {
                format!("可用取值: {}", join(allowed))
            } else {
                format!("allowed: {}", join(allowed))
            }
        }
        _ => return None,
    })
}

/// [`Problem::message`] for division codes.
fn code_message(kind: &ProblemKind, v: &str, lang: Lang) -> String {
    let zh = lang == Lang::Zh;
    match kind {
        ProblemKind::BadCode { digits } => {
            if zh {
                format!("`{v}` 不是{digits}位数字代码")
            } else {
                format!("`{v}` is not a {digits}-digit code")
            }
        }
        ProblemKind::ScientificCode { .. } => {
            if zh {
                format!("`{v}` 是被 Excel 转成科学计数法的代码,原值已无法恢复")
            } else {
                format!(
                    "`{v}` is a code that Excel turned into scientific notation; the original digits are lost"
                )
            }
        }
        ProblemKind::CodeContradictsType {
            code_says,
            outlet_type,
        } => {
            let t = outlet_type.get(lang);
            if code_says.is_empty() {
                return if zh {
                    format!("行政区划代码 `{v}` 不在任何网点类型的代码范围内,与网点类型「{t}」不符")
                } else {
                    format!(
                        "division code `{v}` is in the ranges of no outlet type, so not of the outlet's type `{t}`"
                    )
                };
            }
            let says: Vec<&str> = code_says.iter().map(|t| t.get(lang)).collect();
            let says = says.join(lang.pick("或", " or "));
            if zh {
                format!("行政区划代码 `{v}` 表示{says},与网点类型「{t}」不符")
            } else {
                format!("division code `{v}` is that of {says}, not of the outlet's type `{t}`")
            }
        }
        ProblemKind::CodeContradictsRegion {
            region,
            name,
            prefix,
            majority,
            total,
        } => {
            let r = region.get(lang);
            match majority.as_slice() {
                [(most, count)] => {
                    if zh {
                        format!(
                            "行政区划代码 `{v}` 的前缀 `{prefix}` 与同属{r}「{name}」的多数网点不符:{total}个网点中{count}个的前缀为 `{most}`"
                        )
                    } else {
                        format!(
                            "division code `{v}` has the prefix `{prefix}`, while {count} of the {total} outlets of {r} `{name}` share the prefix `{most}`"
                        )
                    }
                }
                tied => {
                    let each = tied.first().map_or(0, |(_, c)| *c);
                    let names: Vec<String> = tied.iter().map(|(p, _)| format!("`{p}`")).collect();
                    if zh {
                        format!(
                            "行政区划代码 `{v}` 的前缀为 `{prefix}`;{r}「{name}」的{total}个网点中没有多数前缀:{}各有{each}个",
                            names.join("、")
                        )
                    } else {
                        format!(
                            "division code `{v}` has the prefix `{prefix}`; no prefix is shared by most of the {total} outlets of {r} `{name}`: {} have {each} each",
                            names.join(" and ")
                        )
                    }
                }
            }
        }
        ProblemKind::CodeContradictsRegionMore {
            region,
            name,
            prefix,
            more,
        } => {
            let r = region.get(lang);
            if zh {
                format!(
                    "{r}「{name}」另有{more}个网点的行政区划代码前缀为 `{prefix}`,同样与多数不符,未逐行列出"
                )
            } else {
                format!(
                    "{more} more outlets of {r} `{name}` have division codes with the prefix `{prefix}`, also not the majority's; they are not listed one by one"
                )
            }
        }
        ProblemKind::DivisionNotListed { list } => {
            if zh {
                format!("行政区划代码 `{v}` 不在区划代码表 `{list}` 中")
            } else {
                format!("division code `{v}` is not in the division list `{list}`")
            }
        }
        ProblemKind::DivisionWrongLevel {
            level,
            expected,
            official,
            outlet_type,
        } => {
            let unit = match (official, zh) {
                (Some(name), true) => format!("{}单位「{name}」", level.name(lang)),
                (Some(name), false) => format!("the {} unit `{name}`", level.name(lang)),
                (None, true) => format!("{}单位", level.name(lang)),
                (None, false) => format!("a {} unit", level.name(lang)),
            };
            let outlet_type = outlet_type.get(lang);
            let expected = expected.name(lang);
            if zh {
                format!(
                    "行政区划代码 `{v}` 在区划代码表中是{unit}的代码,网点类型「{outlet_type}」应填{expected}代码"
                )
            } else {
                format!(
                    "division code `{v}` is that of {unit} in the division list; an outlet of type `{outlet_type}` needs a {expected} code"
                )
            }
        }
        ProblemKind::DivisionNameDiffers { code, official } => {
            if zh {
                format!("`{v}` 与区划代码表中 `{code}` 的名称「{official}」不符")
            } else {
                format!(
                    "`{v}` differs from `{official}`, the official name of `{code}` in the division list"
                )
            }
        }
        // Routed by family in `message`; listed so that the match is exhaustive.
        read_kinds!() | cell_kinds!() | identity_kinds!() | waiver_kinds!() => {
            message(kind, v, lang)
        }
    }
}

/// [`Problem::help`] for division codes.
pub(super) fn code_help(kind: &ProblemKind, lang: Lang) -> Option<String> {
    let zh = lang == Lang::Zh;
    Some(match kind {
        ProblemKind::BadCode { digits } | ProblemKind::ScientificCode { digits } => {
            if zh {
                format!("应为{digits}位数字;在 Excel 中请将该列设为文本格式")
            } else {
                format!("expected {digits} digits; format the column as text in Excel")
            }
        }
        ProblemKind::DivisionNotListed { .. } => {
            if zh {
                "请核对代码,以及区划代码表的年份".into()
            } else {
                "check the code, and the year of the division list".into()
            }
        }
        ProblemKind::DivisionNameDiffers { official, .. } => {
            if zh {
                format!("应为「{official}」")
            } else {
                format!("expected `{official}`")
            }
        }
        _ => return None,
    })
}

/// [`Problem::message`] for waivers.
fn waiver_message(kind: &ProblemKind, v: &str, lang: Lang) -> String {
    let zh = lang == Lang::Zh;
    match kind {
        ProblemKind::WaiverUnknownRule { .. } => {
            if zh {
                format!("豁免的规则 `{v}` 不存在,已忽略")
            } else {
                format!("waiver for unknown rule `{v}`; ignored")
            }
        }
        ProblemKind::WaiverUnknownOutlet => {
            if zh {
                format!("豁免的网点 `{v}` 不在清单中,已忽略")
            } else {
                format!("waiver for outlet `{v}`, which the inventory does not have; ignored")
            }
        }
        ProblemKind::WaiverExpired { expires } => {
            if zh {
                format!("规则 `{v}` 的豁免已于 {expires} 到期,未予适用")
            } else {
                format!("the waiver of `{v}` expired on {expires}; not applied")
            }
        }
        // Routed by family in `message`; listed so that the match is exhaustive.
        read_kinds!() | cell_kinds!() | identity_kinds!() | code_kinds!() => message(kind, v, lang),
    }
}

/// [`Problem::help`] for waivers.
pub(super) fn waiver_help(kind: &ProblemKind, lang: Lang) -> Option<String> {
    let zh = lang == Lang::Zh;
    Some(match kind {
        ProblemKind::WaiverUnknownRule {
            suggestion: Some(s),
        } => {
            if zh {
                format!("是否想写 `{s}`?")
            } else {
                format!("did you mean `{s}`?")
            }
        }
        _ => return None,
    })
}
