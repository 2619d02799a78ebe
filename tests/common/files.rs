//! The example files, paths, and scratch folders for the files a test writes.

use std::path::{Path, PathBuf};

use tempfile::TempDir;

use super::{Row, csv};

/// The county example: 50 outlets of one county.
pub const COUNTY_CSV: &str = "examples/county.csv";

/// The example overlay of a province.
pub const PROVINCE: &str = "examples/province-overlay.yaml";

/// A path below the package root.
pub fn root(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// A text file below the package root.
pub fn read_root(path: &str) -> String {
    std::fs::read_to_string(root(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The bytes of a file below the package root (an example inventory, say).
pub fn example(path: &str) -> Vec<u8> {
    std::fs::read(root(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A path as an argument.
pub fn path_str(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 temporary path")
}

/// A scratch folder for overlays, inventories and waivers.
pub struct Scratch {
    pub dir: TempDir,
}

impl Scratch {
    pub fn new() -> Scratch {
        Scratch {
            dir: tempfile::tempdir().expect("a temporary folder"),
        }
    }

    /// Writes `text` to `name` (its folders made as needed) below the scratch folder.
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("the folder is created");
        }
        std::fs::write(&path, text).expect("the file is written");
        path
    }

    /// An overlay on the built-in rulebook: the header, then `body`.
    pub fn overlay(&self, name: &str, body: &str) -> PathBuf {
        self.write(
            name,
            &format!("schema: 1\nextends: builtin\nid: test-overlay\nversion: \"1\"\n{body}"),
        )
    }

    /// The rows as `inventory.csv`.
    pub fn inventory(&self, rows: &[Row]) -> PathBuf {
        self.write("inventory.csv", &csv(rows))
    }
}

/// A named pipe made at `path`, and a thread that reads it whole once a writer opens it. (Ask
/// whether the pipe is still one before waiting for the thread: a pipe replaced by a file is
/// never written, and its reader would wait for ever.)
#[cfg(unix)]
pub fn named_pipe(path: &Path) -> std::thread::JoinHandle<String> {
    use std::io::Read;
    let made = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs");
    assert!(made.success(), "mkfifo {}", path.display());
    let path = path.to_path_buf();
    std::thread::spawn(move || {
        let mut text = String::new();
        std::fs::File::open(&path)
            .expect("the pipe opens for reading")
            .read_to_string(&mut text)
            .expect("the pipe is read");
        text
    })
}
