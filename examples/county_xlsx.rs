//! Writes `examples/county.xlsx`: the 50 outlets of `examples/county.csv` laid out as a county
//! sends its 台账 in Excel, to show and test reading workbooks.
//!
//! ```text
//! cargo run --example county_xlsx            # regenerates examples/county.xlsx
//! ```
//!
//! What makes it a real 台账 rather than a CSV saved as xlsx:
//!
//! - a merged title row (安宁县基层公共就业服务网点台账) and a 填报单位/日期 line above the header,
//!   which sits in row 3, so every outlet is two rows lower than in the CSV;
//! - 行政区划代码 stored as numbers (shown with the number format `0`, as a county's clerk would
//!   set it), except AN-030's `5.20123E+11`, kept as the text a mangled paste leaves;
//! - 信息更新日期 as real Excel dates, except AN-039's bare `45981`, a number with no date format
//!   (a data problem, as in the CSV);
//! - other cells that hold only a number stored as numbers, except the 电脑数 column, stored as
//!   text (a column formatted as text before it was filled in);
//! - a frozen header and column widths for Chinese text.
//!
//! Grading it gives the same result as the CSV (`tests/xlsx.rs` checks that).

use std::error::Error;

use outlet::inventory::cell::parse_date;
use rust_xlsxwriter::{ExcelDateTime, Format, FormatAlign, Workbook};

const SOURCE: &str = "examples/county.csv";
const TARGET: &str = "examples/county.xlsx";

fn main() -> Result<(), Box<dyn Error>> {
    let mut reader = csv::Reader::from_path(SOURCE)?;
    let headers: Vec<String> = reader.headers()?.iter().map(str::to_string).collect();
    let column = |name: &str| headers.iter().position(|h| h == name);
    let (code, date, computers) = (
        column("行政区划代码"),
        column("信息更新日期"),
        column("电脑数"),
    );

    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("台账")?;
    let title = Format::new()
        .set_bold()
        .set_font_size(16)
        .set_align(FormatAlign::Center);
    let bold = Format::new().set_bold().set_text_wrap();
    let date_format = Format::new().set_num_format("yyyy/m/d");
    let code_format = Format::new().set_num_format("0");
    let last = u16::try_from(headers.len())? - 1;

    sheet.merge_range(0, 0, 0, last, "安宁县基层公共就业服务网点台账", &title)?;
    sheet.write(1, 0, "填报单位: 安宁县人力资源和社会保障局(盖章)")?;
    sheet.write(1, 12, "填报日期: 2025年11月30日")?;
    for (c, h) in headers.iter().enumerate() {
        sheet.write_with_format(2, u16::try_from(c)?, h, &bold)?;
    }
    for (i, record) in reader.records().enumerate() {
        let record = record?;
        let row = u32::try_from(i)? + 3;
        for (c, value) in record.iter().enumerate() {
            let col = u16::try_from(c)?;
            if value.is_empty() {
                continue;
            }
            let number = value
                .parse::<f64>()
                .ok()
                .filter(|_| value.bytes().all(|b| b.is_ascii_digit() || b == b'.'));
            if Some(c) == date
                && let Some(d) = parse_date(value)
            {
                let d = ExcelDateTime::from_ymd(
                    u16::try_from(d.year())?,
                    u8::try_from(d.month())?,
                    u8::try_from(d.day())?,
                )?;
                sheet.write_datetime_with_format(row, col, &d, &date_format)?;
                continue;
            }
            match number {
                Some(n) if Some(c) == code => {
                    sheet.write_number_with_format(row, col, n, &code_format)?;
                }
                Some(n) if Some(c) != computers => {
                    sheet.write_number(row, col, n)?;
                }
                _ => {
                    sheet.write_string(row, col, value)?;
                }
            }
        }
    }
    for (c, h) in headers.iter().enumerate() {
        let width = match h.as_str() {
            "网点名称" => 30.0,
            "服务项目" | "专业设备" => 40.0,
            "行政区划代码" | "信息更新日期" => 14.0,
            _ => 10.0,
        };
        sheet.set_column_width(u16::try_from(c)?, width)?;
    }
    sheet.set_freeze_panes(3, 2)?;
    workbook.save(TARGET)?;
    println!("wrote {TARGET}");
    Ok(())
}
