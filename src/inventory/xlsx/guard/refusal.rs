//! Why a workbook is refused before it is read, in both languages.

use std::fmt;

use crate::text::Lang;

/// Why a workbook is refused before it is read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The file is an encrypted (password-protected) OOXML workbook.
    Encrypted,
    /// An entry inflates to more than `ratio` times its compressed size.
    Ratio {
        part: String,
        inflated: u64,
        compressed: u64,
        ratio: u64,
    },
    /// The shared-string table inflates to more than `limit` bytes.
    SharedStrings { part: String, limit: u64 },
    /// An entry inflates to more than `limit` bytes.
    Part { part: String, limit: u64 },
    /// The zip's entries overlap (share their compressed bytes): a crafted file.
    Overlap,
    /// A cell's text passes `limit` characters; `cell` is `Sheet!A1` (or the part, when the
    /// sheet's name is not known).
    CellText { cell: String, limit: u64 },
    /// A cell or row whose reference (`r="B7"`) is no cell of a worksheet: more than three
    /// letters, a column past XFD or a row past 1,048,576 — a damaged or crafted sheet.
    BadReference { part: String, reference: String },
    /// Shared string number `index` (from 0) passes `limit` characters; `cell` is the first cell
    /// that shows it, if any.
    SharedString {
        index: u64,
        cell: Option<String>,
        limit: u64,
    },
}

impl Refusal {
    /// The message in `lang`, without the file's name.
    pub fn render(&self, lang: Lang) -> String {
        if lang == Lang::En {
            return self.to_string();
        }
        match self {
            Refusal::Encrypted => {
                "工作簿设有打开密码(已加密),无法读取;请在 Excel 中取消密码(文件 → 信息 → 保护工作簿 → 用密码进行加密,清空密码)后保存,再读取".into()
            }
            Refusal::Ratio {
                part,
                inflated,
                compressed,
                ratio,
            } => format!(
                "工作簿的 `{part}` 解压后超过压缩大小的 {ratio} 倍(已解压 {},压缩数据只读了 {}),疑似压缩炸弹,拒绝读取;请用 Excel 重新保存",
                size(*inflated),
                size(*compressed)
            ),
            Refusal::SharedStrings { part, limit } => format!(
                "工作簿的共享字符串表 `{part}` 解压后超过 {},拒绝读取;请删去不需要的文字,或拆分工作簿",
                size(*limit)
            ),
            Refusal::Part { part, limit } => {
                format!(
                    "工作簿的 `{part}` 解压后超过 {},拒绝读取;请拆分工作簿",
                    size(*limit)
                )
            }
            Refusal::Overlap => {
                "工作簿的压缩条目相互重叠,不是 Excel 能写出的文件(疑似压缩炸弹),拒绝读取".into()
            }
            Refusal::CellText { cell, limit } => format!(
                "单元格 {cell} 的文字超过 Excel 的上限 {} 个字符,拒绝读取;Excel 无法保存这样的单元格,请缩短它",
                thousands(*limit)
            ),
            Refusal::BadReference { part, reference } => format!(
                "工作簿的 `{part}` 中有单元格引用 `{reference}`,不是工作表上的单元格(工作表最多 XFD 列、1048576 行),文件已损坏,拒绝读取;请用 Excel 打开并重新保存"
            ),
            Refusal::SharedString { index, cell, limit } => match cell {
                Some(cell) => format!(
                    "单元格 {cell} 的文字超过 Excel 的上限 {} 个字符,拒绝读取;Excel 无法保存这样的单元格,请缩短它",
                    thousands(*limit)
                ),
                None => format!(
                    "共享字符串表的第 {} 项超过 Excel 的上限 {} 个字符,拒绝读取;Excel 无法保存这样的文字",
                    index + 1,
                    thousands(*limit)
                ),
            },
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Encrypted => write!(
                f,
                "the workbook is password-protected (encrypted) and cannot be read; remove the password in Excel (File > Info > Protect Workbook > Encrypt with Password, clear it), save, and read it again"
            ),
            Refusal::Ratio {
                part,
                inflated,
                compressed,
                ratio,
            } => write!(
                f,
                "`{part}` of the workbook inflates to more than {ratio} times its compressed size ({} from {} read so far): a decompression bomb, refused; save the workbook again in Excel",
                size(*inflated),
                size(*compressed)
            ),
            Refusal::SharedStrings { part, limit } => write!(
                f,
                "the shared-string table `{part}` of the workbook inflates to more than {}: refused; delete text that is not needed, or split the workbook",
                size(*limit)
            ),
            Refusal::Part { part, limit } => write!(
                f,
                "`{part}` of the workbook inflates to more than {}: refused; split the workbook",
                size(*limit)
            ),
            Refusal::Overlap => write!(
                f,
                "the workbook's zip entries overlap, which no spreadsheet program writes (a decompression bomb?): refused"
            ),
            Refusal::CellText { cell, limit } => write!(
                f,
                "the text of cell {cell} is longer than Excel's limit of {} characters: refused; Excel cannot save such a cell, shorten it",
                thousands(*limit)
            ),
            Refusal::BadReference { part, reference } => write!(
                f,
                "`{part}` of the workbook has the cell reference `{reference}`, which is no cell of a worksheet (at most column XFD and row 1,048,576): a damaged file, refused; open and save it again in Excel"
            ),
            Refusal::SharedString { index, cell, limit } => match cell {
                Some(cell) => write!(
                    f,
                    "the text of cell {cell} is longer than Excel's limit of {} characters: refused; Excel cannot save such a cell, shorten it",
                    thousands(*limit)
                ),
                None => write!(
                    f,
                    "shared string {} of the workbook is longer than Excel's limit of {} characters: refused; Excel cannot save such text",
                    index + 1,
                    thousands(*limit)
                ),
            },
        }
    }
}

/// A size as people read it: `2 GiB`, `256 MiB`, `3.4 MiB`, `512 KiB`, `12 bytes`.
pub(super) fn size(bytes: u64) -> String {
    const UNITS: [(u64, &str); 3] = [(1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")];
    for (unit, name) in UNITS {
        if bytes >= unit {
            return if bytes.is_multiple_of(unit) {
                format!("{} {name}", bytes / unit)
            } else {
                format!("{:.1} {name}", bytes as f64 / unit as f64)
            };
        }
    }
    format!("{bytes} bytes")
}

/// `32767` as `32,767`.
pub(super) fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}
