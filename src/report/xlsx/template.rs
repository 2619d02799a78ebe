//! The blank inventory template workbook.

use super::*;

/// A blank inventory workbook: the columns of the effective rulebook on the first sheet, with a
/// drop-down list on every yes/no and enumerated column (its values from the rulebook), the code
/// column formatted as text and the date column as dates; the second sheet explains each column.
pub fn template(book: &Rulebook, lang: Lang) -> Result<Vec<u8>, XlsxError> {
    temp_dir_writable(lang)?;
    let styles = Styles::new();
    let mut workbook = Workbook::new();
    let mut names = Vec::new();
    // Lists longer than Excel's 255-character limit for an inline list go on a hidden sheet.
    let lists_sheet = lang.pick("取值", "values").to_string();
    let mut long_lists: Vec<Vec<String>> = Vec::new();
    {
        let sheet = workbook.add_worksheet();
        set_name(sheet, lang.pick("台账", "inventory"), &mut names)?;
        // Excel's built-in text format (`@`), so that a 12-digit code keeps its digits.
        let text_format = Format::new().set_num_format_index(49);
        for (c, f) in book.fields.iter().enumerate() {
            let column = col(c);
            let title = header(f, lang);
            sheet.write_string_with_format(0, column, title, &styles.header)?;
            let (format, width) = kind::column(&f.kind);
            let width = width.unwrap_or_else(|| text_width(title) + 4);
            sheet.set_column_width(column, width.clamp(10, MAX_WIDTH) as f64)?;
            match format {
                ColumnFormat::Text => {
                    sheet.set_column_format(column, &text_format)?;
                }
                ColumnFormat::Date => {
                    sheet.set_column_format(column, &styles.date)?;
                }
                ColumnFormat::General => {}
            }
            let values = choices(book, c, lang);
            if values.is_empty() {
                continue;
            }
            let joined = values.join(",").chars().count();
            let validation = if joined <= 255 && values.iter().all(|v| !v.contains(',')) {
                DataValidation::new().allow_list_strings(&values)?
            } else {
                long_lists.push(values.clone());
                let list_col = crate::problem::column_letters(
                    u32::try_from(long_lists.len() - 1).unwrap_or(0),
                );
                DataValidation::new().allow_list_formula(Formula::new(format!(
                    "='{lists_sheet}'!${list_col}$1:${list_col}${}",
                    values.len()
                )))
            };
            let message = values.join(" / ");
            let validation = validation
                .set_error_style(DataValidationErrorStyle::Warning)
                .set_error_title(lang.pick("不在下拉列表中", "Not in the list"))?
                .set_error_message(clip_to(
                    &format!("{}{message}", lang.pick("可选: ", "choose one of: ")),
                    225,
                ))?;
            sheet.add_data_validation(1, column, MAX_ROWS as u32, column, &validation)?;
        }
        sheet.set_freeze_panes(1, 0)?;
    }
    {
        let sheet = workbook.add_worksheet();
        set_name(sheet, lang.pick("说明", "columns"), &mut names)?;
        write_table(
            sheet,
            &template_columns(),
            &template_rows(book, lang),
            lang,
            book,
            &styles,
        )?;
    }
    if !long_lists.is_empty() {
        let sheet = workbook.add_worksheet();
        set_name(sheet, &lists_sheet, &mut names)?;
        for (c, values) in long_lists.iter().enumerate() {
            for (r, v) in values.iter().enumerate() {
                sheet.write_string(u32::try_from(r).unwrap_or(0), col(c), v)?;
            }
        }
        sheet.set_hidden(true);
    }
    workbook.save_to_buffer()
}

/// The values a template's drop-down list offers for a field: the field kind says
/// ([`kind::choices`]).
pub use crate::inventory::kind::choices;

fn clip_to(s: &str, chars: usize) -> String {
    s.chars().take(chars).collect()
}
