//! `outlet template`: a blank inventory with every column the effective rulebook grades on, and
//! an explanation of each column, so that a county fills in exactly what will be graded.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::ValueEnum;

use super::Exit;
use super::output::{Output, Reads};
use crate::report::rules::{accepted_field, header, template_columns, template_rows};
use crate::report::{Format, Meta, Writer};
use crate::rulebook::Rulebook;
use crate::text::Lang;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum TemplateFormat {
    /// A header row; with --output, the column notes go to a second file beside it.
    #[default]
    Csv,
    /// A YAML inventory with one commented blank outlet.
    Yaml,
    /// An Excel workbook: the header row with drop-down lists, and a sheet explaining each column.
    Xlsx,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    #[arg(long, value_enum, default_value_t = TemplateFormat::Csv)]
    pub format: TemplateFormat,
    /// Header language (the global `--lang`): Chinese names, or English keys.
    #[arg(skip)]
    pub lang: Lang,
    /// The rulebook whose columns to use; the built-in one when absent.
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,
    /// Write to FILE instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<Exit> {
    let lang = args.lang;
    super::output::check_workbook(
        args.format == TemplateFormat::Xlsx,
        args.output.as_deref(),
        lang,
    )?;
    let book = Rulebook::load_or_builtin(args.rules.as_deref())?;
    let reads = Reads::of_rulebook(&book);
    let mut out = Output::open(args.output.as_deref(), &reads, lang)?;
    match args.format {
        TemplateFormat::Csv => {
            // A BOM so that Excel on Chinese Windows opens the Chinese headers correctly.
            out.write_all("\u{feff}".as_bytes())?;
            let headers: Vec<&str> = book.fields.iter().map(|f| header(f, lang)).collect();
            writeln!(out, "{}", headers.join(","))?;
            // The notes go beside a file, not beside a device or a pipe.
            let into_file = matches!(out, Output::File(_));
            out.commit()?;
            if let Some(path) = args.output.as_ref().filter(|_| into_file) {
                let notes = notes_path(path, lang);
                let notes_out = Output::open(Some(&notes), &reads, lang)?;
                let mut w = Writer::new(
                    notes_out,
                    Format::Csv,
                    lang,
                    &book,
                    Meta::rulebook("template", &book),
                    "columns",
                    template_columns(),
                );
                for row in template_rows(&book, lang) {
                    w.row(&row)?;
                }
                w.finish(&[], &[])?.commit()?;
            }
        }
        TemplateFormat::Yaml => {
            write!(out, "{}", yaml_template(&book, lang))?;
            out.commit()?;
        }
        TemplateFormat::Xlsx => {
            out.write_all(&crate::report::xlsx::template(&book, lang)?)?;
            out.commit()?;
        }
    }
    Ok(Exit::Clean)
}

/// `county.csv` → `county.columns.csv` (`county.说明.csv` in Chinese).
fn notes_path(path: &Path, lang: Lang) -> PathBuf {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!("{stem}.{}.csv", lang.pick("说明", "columns")))
}

/// A YAML inventory with one blank outlet whose every key carries a comment; an outlet whose
/// values are all blank is skipped when read, so the template reads back as a valid inventory.
fn yaml_template(book: &Rulebook, lang: Lang) -> String {
    let mut s = String::new();
    s.push_str(&format!(
        "# {}\n# {}: {} {}\n# {}\noutlets:\n",
        lang.pick("基层公共就业服务网点清单模板", "Inventory template for grassroots employment-service outlets"),
        lang.pick("规则", "rulebook"),
        book.id,
        book.version,
        lang.pick(
            "每个网点一项(复制 - 开头的一段);键可用中文列名或英文键;留空表示未填报。",
            "One item per outlet (copy the block that starts with -); keys may be Chinese headers or English keys; leave blank what is unknown."
        ),
    ));
    for (i, f) in book.fields.iter().enumerate() {
        let lead = if i == 0 { "  - " } else { "    " };
        let required = if f.required {
            lang.pick("必填; ", "required; ")
        } else {
            ""
        };
        s.push_str(&format!(
            "{lead}{}:{}# {required}{}; {}\n",
            yaml_key(header(f, lang)),
            " ".repeat(2),
            f.description.get(lang),
            accepted_field(book, i, lang)
        ));
    }
    s
}

fn yaml_key(k: &str) -> String {
    if k.chars()
        .any(|c| matches!(c, ':' | '#' | '(' | ')' | '（' | '）' | '、' | ' '))
    {
        format!("\"{k}\"")
    } else {
        k.to_string()
    }
}
