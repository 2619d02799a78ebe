//! [`InventoryError`]: why an inventory could not be read at all (exit 2), in either language.

use std::io;

use crate::text::Lang;

/// Why an inventory could not be read at all (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum InventoryError {
    #[error("{file}: cannot read: {source}")]
    Io { file: String, source: io::Error },
    #[error("{file}: the file is empty")]
    Empty { file: String },
    #[error("{file}: the file is UTF-16 text; save it as CSV (UTF-8 or GBK)")]
    Utf16 { file: String },
    #[error(
        "{file}: this is not a text file (it contains NUL bytes); if it is a workbook, add `--input-format xlsx`"
    )]
    Binary { file: String },
    #[error("{file}: {message}")]
    Csv { file: String, message: String },
    /// `zh`: the message in Chinese, where it is the tool's own (not the YAML parser's).
    #[error("{file}: invalid YAML inventory: {message}")]
    Yaml {
        file: String,
        message: String,
        zh: Option<String>,
    },
    /// `zh`: the message in Chinese, where it is the tool's own (not the workbook reader's).
    #[error("{file}: cannot read the workbook: {message}")]
    Workbook {
        file: String,
        message: String,
        zh: Option<String>,
    },
    /// A workbook refused before it is read: a decompression bomb, an over-long cell, a
    /// password (see [`super::xlsx::guard`]).
    #[error("{file}: {refusal}")]
    Refused {
        file: String,
        refusal: super::xlsx::guard::Refusal,
    },
    #[error("{file}: no sheet named `{sheet}`{}; sheets: {}", suggestion.as_ref().map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default(), sheets.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", "))]
    NoSheet {
        file: String,
        sheet: String,
        sheets: Vec<String>,
        suggestion: Option<String>,
    },
    #[error("{file}: not a workbook; a sheet can be chosen only in .xlsx, .xls or .ods files")]
    NotAWorkbook { file: String },
    #[error("{file}{}: missing required column{}: {}; the header read: {}{}{}", sheet.as_ref().map(|s| format!(", sheet `{s}`")).unwrap_or_default(), if missing.len() == 1 { "" } else { "s" }, missing.iter().map(|m| format!("`{}` ({}){}", m.name, m.key, m.nearest.as_ref().map(|h| format!(" — is `{h}` that column?")).unwrap_or_default())).collect::<Vec<_>>().join(", "), if seen.is_empty() { "nothing".to_string() } else { seen.iter().map(|h| format!("`{h}`")).collect::<Vec<_>>().join(", ") }, if missing.iter().any(|m| m.nearest.is_some()) { "" } else { " (a province names its own headers with `add_aliases` in its rulebook)" }, if other_sheets.is_empty() { String::new() } else { format!("; other sheets: {}", other_sheets.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ")) })]
    MissingColumns {
        file: String,
        missing: Vec<MissingColumn>,
        /// The headers read, as written.
        seen: Vec<String>,
        /// In a workbook: the sheet read, and the others it has.
        sheet: Option<String>,
        other_sheets: Vec<String>,
    },
    #[error(
        "{file}: a quote in the header is never closed: the {lines} lines after it, to the end of the file, went into one column name"
    )]
    HeaderQuote { file: String, lines: u64 },
    #[error("{file}: the header has {columns} columns, more than a worksheet's {max}")]
    WideHeader {
        file: String,
        columns: usize,
        max: usize,
    },
    #[error("{file}: columns `{first}` and `{second}` both name field `{field}`")]
    DuplicateColumn {
        file: String,
        first: String,
        second: String,
        field: String,
    },
}

impl InventoryError {
    /// The message in `lang`.
    pub fn render(&self, lang: Lang) -> String {
        if lang == Lang::En {
            return self.to_string();
        }
        match self {
            InventoryError::Io { file, source } => {
                format!(
                    "{file}: 无法读取: {}",
                    crate::text::io_message(source, lang)
                )
            }
            InventoryError::Empty { file } => format!("{file}: 文件为空"),
            InventoryError::Utf16 { file } => {
                format!("{file}: 文件是 UTF-16 文本;请另存为 CSV(UTF-8 或 GBK)")
            }
            InventoryError::Binary { file } => {
                format!("{file}: 不是文本文件(含有 NUL 字节);若是工作簿,请加 `--input-format xlsx`")
            }
            InventoryError::Csv { file, .. } => {
                format!("{file}: CSV 无法读取(英文详情请加 `--lang en` 查看)")
            }
            InventoryError::Yaml { file, zh, .. } => format!(
                "{file}: YAML 清单无效: {}",
                zh.as_deref()
                    .unwrap_or("写法有误(英文详情请加 `--lang en` 查看)")
            ),
            InventoryError::Workbook { file, zh, .. } => format!(
                "{file}: 无法读取工作簿: {}",
                zh.as_deref()
                    .unwrap_or("工作簿读取出错(英文详情请加 `--lang en` 查看)")
            ),
            InventoryError::Refused { file, refusal } => {
                format!("{file}: {}", refusal.render(lang))
            }
            InventoryError::NoSheet {
                file,
                sheet,
                sheets,
                suggestion,
            } => format!(
                "{file}: 没有名为「{sheet}」的工作表{};现有工作表: {}",
                suggestion
                    .as_ref()
                    .map(|s| format!("(是否想写「{s}」?)"))
                    .unwrap_or_default(),
                sheets
                    .iter()
                    .map(|s| format!("「{s}」"))
                    .collect::<Vec<_>>()
                    .join("、")
            ),
            InventoryError::NotAWorkbook { file } => {
                format!("{file}: 不是工作簿;只有 .xlsx、.xls 或 .ods 文件可以选择工作表")
            }
            InventoryError::MissingColumns {
                file,
                missing,
                seen,
                sheet,
                other_sheets,
            } => {
                let sheet = sheet
                    .as_ref()
                    .map(|s| format!(" 工作表「{s}」"))
                    .unwrap_or_default();
                let missing = missing
                    .iter()
                    .map(|m| {
                        let nearest = m
                            .nearest
                            .as_ref()
                            .map(|h| format!("(「{h}」是否即「{}」?)", m.name))
                            .unwrap_or_default();
                        format!("「{}」({}){nearest}", m.name, m.key)
                    })
                    .collect::<Vec<_>>()
                    .join("、");
                let seen = if seen.is_empty() {
                    "无".to_string()
                } else {
                    seen.iter()
                        .map(|h| format!("「{h}」"))
                        .collect::<Vec<_>>()
                        .join("、")
                };
                let others = if other_sheets.is_empty() {
                    String::new()
                } else {
                    format!(
                        ";其他工作表: {}",
                        other_sheets
                            .iter()
                            .map(|s| format!("「{s}」"))
                            .collect::<Vec<_>>()
                            .join("、")
                    )
                };
                format!("{file}{sheet}: 缺少必填列: {missing};读到的表头: {seen}{others}")
            }
            InventoryError::HeaderQuote { file, lines } => {
                format!("{file}: 表头中的引号直到文件末尾都未闭合,其后 {lines} 行都被并入一个列名")
            }
            InventoryError::WideHeader { file, columns, max } => {
                format!("{file}: 表头有 {columns} 列,超过工作表的列数上限 {max}")
            }
            InventoryError::DuplicateColumn {
                file,
                first,
                second,
                field,
            } => {
                format!("{file}: 列「{first}」和「{second}」对应同一字段 `{field}`")
            }
        }
    }
}

/// A required column the header lacks, for [`InventoryError::MissingColumns`].
#[derive(Debug, Clone, PartialEq)]
pub struct MissingColumn {
    pub key: String,
    /// The field's Chinese name, the header a template uses.
    pub name: String,
    /// The unplaced header most like it, if any.
    pub nearest: Option<String>,
}
