//! Reading the small files a run is configured with (a rulebook and the files it extends, a
//! waiver file): regular files only, and at most [`MAX_BYTES`] of each. A device such as
//! `/dev/zero` would be read for ever, and a named pipe would wait for a writer for ever; neither
//! is opened. Errors never quote what the file holds.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read};
use std::path::Path;

use crate::text::Text;

/// The largest configuration file read: the cap YAML inventories have.
pub const MAX_BYTES: u64 = 16 << 20;

/// Why a configuration file could not be read.
#[derive(Debug)]
pub enum ReadError {
    /// Not a regular file: what it is instead.
    NotAFile(&'static str),
    /// Larger than [`MAX_BYTES`].
    TooLarge,
    /// Not UTF-8 text.
    NotUtf8,
    Io(io::Error),
}

impl ReadError {
    /// What is wrong, in both languages (the file is named by the caller).
    pub fn text(&self) -> Text {
        match self {
            ReadError::NotAFile(kind) => Text::new(
                format!("不是普通文件(而是{}),只能读取普通文件", kind_zh(kind)),
                format!("not a regular file but a {kind}; only regular files are read"),
            ),
            ReadError::TooLarge => Text::new(
                format!("文件大于 {} MB", MAX_BYTES >> 20),
                format!("the file is larger than {} MB", MAX_BYTES >> 20),
            ),
            ReadError::NotUtf8 => Text::new("文件不是 UTF-8 文本", "the file is not UTF-8 text"),
            ReadError::Io(e) => Text::new(
                format!(
                    "无法读取: {}",
                    crate::text::io_message(e, crate::text::Lang::Zh)
                ),
                format!("cannot read: {e}"),
            ),
        }
    }
}

fn kind_zh(kind: &str) -> &'static str {
    match kind {
        "folder" => "文件夹",
        "named pipe" => "命名管道",
        "character device" => "字符设备",
        "block device" => "块设备",
        "socket" => "套接字",
        _ => "特殊文件",
    }
}

/// What a path that is not a regular file is.
fn kind_of(m: &fs::Metadata) -> &'static str {
    if m.is_dir() {
        return "folder";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = m.file_type();
        if t.is_fifo() {
            return "named pipe";
        }
        if t.is_char_device() {
            return "character device";
        }
        if t.is_block_device() {
            return "block device";
        }
        if t.is_socket() {
            return "socket";
        }
    }
    "special file"
}

/// Opens `path` (links followed) for reading if it is a regular file. What it is is asked before
/// opening, and asked again of the file opened (it may have been swapped in between); a named
/// pipe swapped in is opened without waiting for a writer.
pub fn open_regular(path: &Path) -> Result<File, ReadError> {
    let before = fs::metadata(path).map_err(ReadError::Io)?;
    if !before.is_file() {
        return Err(ReadError::NotAFile(kind_of(&before)));
    }
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // Reads of a regular file never block: the flag matters only for what is not one.
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path).map_err(ReadError::Io)?;
    let opened = file.metadata().map_err(ReadError::Io)?;
    if !opened.is_file() {
        return Err(ReadError::NotAFile(kind_of(&opened)));
    }
    Ok(file)
}

/// Reads at most [`MAX_BYTES`] of a regular file, whole.
pub fn read_bytes(path: &Path) -> Result<Vec<u8>, ReadError> {
    let file = open_regular(path)?;
    let mut bytes = Vec::new();
    file.take(MAX_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > MAX_BYTES {
        return Err(ReadError::TooLarge);
    }
    Ok(bytes)
}

/// Reads a regular file of UTF-8 text of at most [`MAX_BYTES`].
pub fn read_text(path: &Path) -> Result<String, ReadError> {
    String::from_utf8(read_bytes(path)?).map_err(|_| ReadError::NotUtf8)
}

/// `message` with every double-quoted string (serde's way of quoting a value it did not expect)
/// left out.
pub fn redact_strings(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(open) = rest.find('"') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        // The closing quote: the first one not escaped.
        let mut escaped = false;
        let close = after.char_indices().find_map(|(i, c)| {
            let found = c == '"' && !escaped;
            escaped = c == '\\' && !escaped;
            found.then_some(i)
        });
        out.push_str("\"…\"");
        match close {
            Some(i) => rest = &after[i + 1..],
            None => return out,
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn devices_and_folders_are_not_read() {
        assert!(matches!(
            read_text(Path::new("/dev/zero")),
            Err(ReadError::NotAFile("character device"))
        ));
        assert!(matches!(
            read_text(Path::new("/")),
            Err(ReadError::NotAFile("folder"))
        ));
    }

    #[test]
    fn quoted_values_are_left_out_of_messages() {
        assert_eq!(
            redact_strings(r#"invalid type: string "root:$6$x\"y", expected a map at line 1"#),
            "invalid type: string \"…\", expected a map at line 1"
        );
        assert_eq!(
            redact_strings("unknown field `titel`"),
            "unknown field `titel`"
        );
        assert_eq!(redact_strings(r#"open "quote"#), "open \"…\"");
    }
}
