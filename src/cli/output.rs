//! Where a report goes: standard output, or a file written atomically — to a temporary file beside
//! the target, renamed into place only when the report is complete, so that an error or Ctrl-C
//! never leaves a half-written file. A target that is not a file (`/dev/null`, a named pipe, a
//! terminal) is written straight: a file renamed over it would take its place. Through a link to
//! a file, the file is written and the link kept.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::inventory::Input;

/// A destination being written.
pub enum Output {
    Stdout(BufWriter<io::Stdout>),
    File(AtomicFile),
    /// A device or a pipe, written straight.
    Stream(BufWriter<File>),
}

impl Output {
    /// Opens `path` (standard output when `None` or `-`), refusing to overwrite the input.
    pub fn open(path: Option<&Path>, input: Option<&Input>) -> Result<Output> {
        let Some(path) = path.filter(|p| *p != Path::new("-")) else {
            return Ok(Output::Stdout(BufWriter::with_capacity(
                1 << 16,
                io::stdout(),
            )));
        };
        if let Some(Input::Path(inp)) = input {
            if same_file(inp, path) {
                bail!(
                    "--output `{}` names the input file; outlet never overwrites its input",
                    path.display()
                );
            }
        }
        let straight = || -> Result<Output> {
            let file = OpenOptions::new()
                .write(true)
                .open(path)
                .with_context(|| format!("cannot write `{}`", path.display()))?;
            Ok(Output::Stream(BufWriter::with_capacity(1 << 16, file)))
        };
        // What the path names, links followed.
        match fs::metadata(path) {
            // A new file (or a link to nothing, which the file replaces).
            Err(_) => Ok(Output::File(AtomicFile::create(path)?)),
            Ok(m) if m.is_dir() => bail!(
                "--output `{}` is a folder; name a file (in it or elsewhere)",
                path.display()
            ),
            Ok(m) if m.is_file() => {
                // Through a link (such as /dev/stdout redirected to a file), the file it leads to
                // is written, beside itself, and the link is kept.
                let link = fs::symlink_metadata(path).is_ok_and(|l| l.file_type().is_symlink());
                match link.then(|| fs::canonicalize(path)) {
                    None => Ok(Output::File(AtomicFile::create(path)?)),
                    Some(Ok(target)) => Ok(Output::File(AtomicFile::create(&target)?)),
                    Some(Err(_)) => straight(),
                }
            }
            Ok(m) if is_stream(&m) => straight(),
            Ok(_) => bail!(
                "--output `{}` is neither a file, a terminal or other character device, nor a \
                 named pipe",
                path.display()
            ),
        }
    }

    /// Finishes the output: flushes standard output, or renames the file into place.
    pub fn commit(self) -> Result<()> {
        match self {
            Output::Stdout(mut w) => Ok(w.flush()?),
            Output::Stream(mut w) => Ok(w.flush()?),
            Output::File(f) => f.commit(),
        }
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Output::Stdout(w) => w.write(buf),
            Output::Stream(w) => w.write(buf),
            Output::File(f) => f.writer.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Output::Stdout(w) => w.flush(),
            Output::Stream(w) => w.flush(),
            Output::File(f) => f.writer.flush(),
        }
    }
}

/// Whether a path that is not a file can take a report, written straight: a character device
/// (`/dev/null`, a terminal) or a named pipe. (Not a block device: a disk.)
#[cfg(unix)]
fn is_stream(m: &fs::Metadata) -> bool {
    use std::os::unix::fs::FileTypeExt;
    let kind = m.file_type();
    kind.is_char_device() || kind.is_fifo()
}

#[cfg(not(unix))]
fn is_stream(m: &fs::Metadata) -> bool {
    !m.is_file() && !m.is_dir()
}

/// Refuses to write a workbook under a name that says it is something else (`.xls`, `.csv`):
/// Excel would refuse to open it, or warn. No extension, `.xlsx` and `.xlsm` are fine.
pub fn check_workbook_name(path: Option<&Path>) -> Result<()> {
    let ext = path
        .and_then(|p| p.extension())
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    match ext.as_deref() {
        None | Some("xlsx" | "xlsm") => Ok(()),
        Some(other) => bail!(
            "the workbook is written as .xlsx; `--output` names a .{other} file (name it FILE.xlsx)"
        ),
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (fs::canonicalize(a), fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

/// A file written under a temporary name and renamed into place on commit; removed if dropped.
pub struct AtomicFile {
    target: PathBuf,
    temp: PathBuf,
    writer: BufWriter<File>,
    committed: bool,
}

impl AtomicFile {
    pub fn create(target: &Path) -> Result<AtomicFile> {
        let dir = target
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "output".into());
        let temp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
        let file =
            File::create(&temp).with_context(|| format!("cannot create `{}`", temp.display()))?;
        Ok(AtomicFile {
            target: target.to_path_buf(),
            temp,
            writer: BufWriter::new(file),
            committed: false,
        })
    }

    pub fn commit(mut self) -> Result<()> {
        self.writer.flush()?;
        self.writer.get_ref().sync_all()?;
        fs::rename(&self.temp, &self.target)
            .with_context(|| format!("cannot write `{}`", self.target.display()))?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_file(&self.temp);
        }
    }
}
