//! Where an inventory comes from and in what format: [`Input`] (a path or standard input),
//! [`InputFormat`] (told by the extension or given), and [`read_all`] for the formats read whole.

use std::io::Read;
use std::path::{Path, PathBuf};

use super::InventoryError;

/// Where the inventory comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    Stdin,
    Path(PathBuf),
}

impl Input {
    /// `-` is standard input.
    pub fn from_arg(arg: &Path) -> Input {
        if arg == Path::new("-") {
            Input::Stdin
        } else {
            Input::Path(arg.to_path_buf())
        }
    }

    pub fn label(&self) -> String {
        match self {
            Input::Stdin => "<stdin>".into(),
            Input::Path(p) => p.display().to_string(),
        }
    }
}

/// The format of an inventory file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
#[non_exhaustive]
pub enum InputFormat {
    Csv,
    Yaml,
    /// A workbook: .xlsx, .xlsm, .xlsb, .xls or .ods (told apart by content).
    #[value(alias = "xls", alias = "xlsm", alias = "xlsb", alias = "ods")]
    Xlsx,
}

impl InputFormat {
    /// By the file's extension; CSV when it says nothing (and for standard input).
    pub fn detect(input: &Input) -> InputFormat {
        match input {
            Input::Path(p) => match p
                .extension()
                .and_then(|e| e.to_str())
                .map(str::to_ascii_lowercase)
                .as_deref()
            {
                Some("yaml" | "yml") => InputFormat::Yaml,
                Some("xlsx" | "xlsm" | "xlsb" | "xls" | "ods") => InputFormat::Xlsx,
                _ => InputFormat::Csv,
            },
            Input::Stdin => InputFormat::Csv,
        }
    }
}
/// Reads a whole file (a workbook is read whole: its format needs to seek).
pub fn read_all(read: &mut dyn Read, label: &str) -> Result<Vec<u8>, InventoryError> {
    let mut bytes = Vec::new();
    read.read_to_end(&mut bytes)
        .map_err(|e| InventoryError::Io {
            file: label.into(),
            source: e,
        })?;
    if bytes.is_empty() {
        return Err(InventoryError::Empty { file: label.into() });
    }
    Ok(bytes)
}
