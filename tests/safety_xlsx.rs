//! Hostile workbooks (issue 17, items 7 and 13): decompression bombs refused before calamine
//! reads them, in bounded memory; a cell longer than Excel allows; an encrypted workbook called
//! what it is; an id that Excel stored as a number and so lost its digits.
//!
//! The bombs are made here, not committed: a deflate stream of a gigabyte of XML is a megabyte
//! piece compressed once and repeated (each piece ends with a full flush, so none refers back into
//! the one before). Their declared sizes are lies, as an attacker's would be. Each runs in a child
//! `outlet` whose peak resident memory is measured (`/usr/bin/time`, or `VmHWM` from `/proc`) and
//! whose address space is capped, so that a regression fails the test instead of the machine.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    reason = "a test fails loudly when its fixture is broken"
)]

mod common;

use std::fs::{self, File};
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::files::{Scratch, example, path_str};
use common::run::{code, run, stderr};
use common::{baseline, with};
use flate2::{Compress, Compression, FlushCompress};
use rust_xlsxwriter::Workbook;

/// The address space a child may take: a safety net for the machine (the limit of the issue is
/// 600 MB of resident memory; this catches a regression long before it takes gigabytes).
const ADDRESS_SPACE_KIB: u64 = 3 << 20;

/// The peak resident memory a refused bomb may take: far below the issue's 600 MB, far above
/// what refusing takes (a few tens of MB for a debug build).
const PEAK_LIMIT_KIB: u64 = 200 << 10;

/// One entry of a zip being made: its name, its method (0 stored, 8 deflated), its bytes as
/// stored, and the CRC and size it declares.
struct Entry {
    name: String,
    method: u16,
    data: Vec<u8>,
    crc: u32,
    size: u32,
}

impl Entry {
    /// An ordinary entry: deflated, with its true CRC and size.
    fn deflated(name: &str, bytes: &[u8]) -> Entry {
        let mut crc = flate2::Crc::new();
        crc.update(bytes);
        Entry {
            name: name.into(),
            method: 8,
            data: deflate(bytes, FlushCompress::Finish),
            crc: crc.sum(),
            size: bytes.len() as u32,
        }
    }

    /// `head`, then `piece` `times` over, then `tail`, deflated into a stream some hundreds of
    /// times smaller than what it inflates to; it declares a size of 1,000 bytes and no CRC.
    fn bomb(name: &str, head: &[u8], piece: &[u8], times: usize, tail: &[u8]) -> Entry {
        let mut data = deflate(head, FlushCompress::Full);
        let one = deflate(piece, FlushCompress::Full);
        data.reserve(one.len() * times);
        for _ in 0..times {
            data.extend_from_slice(&one);
        }
        data.extend(deflate(tail, FlushCompress::Finish));
        Entry {
            name: name.into(),
            method: 8,
            data,
            crc: 0,
            size: 1000,
        }
    }
}

/// `bytes` as raw deflate, ending with `flush`: a full flush ends the piece on a byte boundary
/// with nothing referring back, so that pieces can be put one after the other.
fn deflate(bytes: &[u8], flush: FlushCompress) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + 1024);
    Compress::new(Compression::best(), false)
        .compress_vec(bytes, &mut out, flush)
        .expect("deflate");
    out
}

/// A zip of `entries`, written by hand (the zip crate cannot write a stream made elsewhere).
fn zip(entries: &[Entry]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut directory = Vec::new();
    let le16 = |v: &mut Vec<u8>, n: u16| v.extend_from_slice(&n.to_le_bytes());
    let le32 = |v: &mut Vec<u8>, n: u32| v.extend_from_slice(&n.to_le_bytes());
    for e in entries {
        let offset = out.len() as u32;
        le32(&mut out, 0x0403_4b50);
        le16(&mut out, 20);
        le16(&mut out, 0);
        le16(&mut out, e.method);
        le16(&mut out, 0);
        le16(&mut out, 0x21);
        le32(&mut out, e.crc);
        le32(&mut out, e.data.len() as u32);
        le32(&mut out, e.size);
        le16(&mut out, e.name.len() as u16);
        le16(&mut out, 0);
        out.extend_from_slice(e.name.as_bytes());
        out.extend_from_slice(&e.data);

        le32(&mut directory, 0x0201_4b50);
        le16(&mut directory, 20);
        le16(&mut directory, 20);
        le16(&mut directory, 0);
        le16(&mut directory, e.method);
        le16(&mut directory, 0);
        le16(&mut directory, 0x21);
        le32(&mut directory, e.crc);
        le32(&mut directory, e.data.len() as u32);
        le32(&mut directory, e.size);
        le16(&mut directory, e.name.len() as u16);
        for _ in 0..4 {
            le16(&mut directory, 0);
        }
        le32(&mut directory, 0);
        le32(&mut directory, offset);
        directory.extend_from_slice(e.name.as_bytes());
    }
    let at = out.len() as u32;
    out.extend_from_slice(&directory);
    le32(&mut out, 0x0605_4b50);
    le32(&mut out, 0);
    le16(&mut out, entries.len() as u16);
    le16(&mut out, entries.len() as u16);
    le32(&mut out, directory.len() as u32);
    le32(&mut out, at);
    le16(&mut out, 0);
    out
}

/// The entries of the example workbook, inflated: (name, bytes).
fn county() -> Vec<(String, Vec<u8>)> {
    let mut zip = zip::ZipArchive::new(Cursor::new(example("examples/county.xlsx"))).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut f = zip.by_index(i).unwrap();
            let mut bytes = Vec::new();
            f.read_to_end(&mut bytes).unwrap();
            (f.name().to_string(), bytes)
        })
        .collect()
}

/// The example workbook with the part `name` made by `make` from its own bytes.
fn county_with(name: &str, make: impl Fn(&[u8]) -> Entry) -> Vec<u8> {
    let entries: Vec<Entry> = county()
        .iter()
        .map(|(n, bytes)| {
            if n == name {
                make(bytes)
            } else {
                Entry::deflated(n, bytes)
            }
        })
        .collect();
    zip(&entries)
}

/// `xml` cut before `marker`: (what comes before, the marker and what follows).
fn split_at<'x>(xml: &'x [u8], marker: &str) -> (&'x [u8], &'x [u8]) {
    let at = xml
        .windows(marker.len())
        .position(|w| w == marker.as_bytes())
        .unwrap_or_else(|| panic!("no `{marker}`"));
    xml.split_at(at)
}

const MIB: usize = 1 << 20;

/// A 14 MB workbook with 4 GB of sheet XML: 41 million cells of text in 41,000 rows of 1,000, a
/// grid small enough for the used-area check (50 million cells) and big enough to take gigabytes.
fn xml_bomb() -> Vec<u8> {
    county_with("xl/worksheets/sheet1.xml", |sheet| {
        let (head, tail) = split_at(sheet, "</sheetData>");
        let cell = format!(
            r#"<c t="inlineStr"><is><t>{}</t></is></c>"#,
            "数".repeat(20)
        );
        let row = format!("<row>{}</row>", cell.repeat(1000));
        let piece = row.repeat(MIB / row.len());
        Entry::bomb(
            "xl/worksheets/sheet1.xml",
            head,
            piece.as_bytes(),
            4096,
            tail,
        )
    })
}

/// A 1 MB workbook whose sheet holds one inline string of 1 GB.
fn inline_string_bomb() -> Vec<u8> {
    county_with("xl/worksheets/sheet1.xml", |sheet| {
        let (head, tail) = split_at(sheet, "</sheetData>");
        let mut head = head.to_vec();
        head.extend_from_slice(br#"<row r="90"><c r="B90" t="inlineStr"><is><t>"#);
        let mut end = b"</t></is></c></row>".to_vec();
        end.extend_from_slice(tail);
        Entry::bomb("xl/worksheets/sheet1.xml", &head, &[b'a'; MIB], 1024, &end)
    })
}

/// A workbook whose shared-string table ends with one string of 1 GB.
fn shared_string_bomb() -> Vec<u8> {
    county_with("xl/sharedStrings.xml", |shared| {
        let (head, tail) = split_at(shared, "</sst>");
        let mut head = head.to_vec();
        head.extend_from_slice(b"<si><t>");
        let mut end = b"</t></si>".to_vec();
        end.extend_from_slice(tail);
        Entry::bomb("xl/sharedStrings.xml", &head, &[b'a'; MIB], 1024, &end)
    })
}

/// What a child `outlet` did: its exit code, what it printed on stderr, its peak resident memory.
struct Child {
    code: Option<i32>,
    stderr: String,
    peak_kib: u64,
}

/// `outlet grade FILE --format csv --lang LANG`, its address space capped, its peak memory read.
fn grade_measured(file: &Path, lang: &str) -> Child {
    let scratch = tempfile::tempdir().unwrap();
    let err_path = scratch.path().join("stderr");
    let time_path = scratch.path().join("time");
    let time = Path::new("/usr/bin/time");
    let mut command = Command::new("sh");
    command.arg("-c");
    if time.exists() {
        command
            .arg(format!(
                "ulimit -v {ADDRESS_SPACE_KIB} && exec /usr/bin/time -f %M -o \"$0\" \"$@\""
            ))
            .arg(&time_path);
    } else {
        command.arg(format!(
            "ulimit -v {ADDRESS_SPACE_KIB} && exec \"$0\" \"$@\""
        ));
    }
    let mut child = command
        .arg(env!("CARGO_BIN_EXE_outlet"))
        .args(["grade", "--as-of", "2025-11-30", "--format", "csv"])
        .args(["--lang", lang])
        .arg(file)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(File::create(&err_path).unwrap())
        .spawn()
        .expect("sh runs");
    // Without /usr/bin/time, the high-water mark of the child's resident memory, read until it
    // ends (it only grows, so the last reading is at most a poll short of the peak).
    let mut polled = 0;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if let Some(kib) = vm_hwm(child.id()) {
            polled = polled.max(kib);
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    };
    let peak_kib = if time.exists() {
        let text = fs::read_to_string(&time_path).unwrap_or_default();
        // The last line is the figure; a line before it says how a signal ended the child.
        text.lines()
            .last()
            .and_then(|l| l.trim().parse().ok())
            .unwrap_or(u64::MAX)
    } else {
        polled
    };
    Child {
        code: status.code(),
        stderr: fs::read_to_string(&err_path).unwrap(),
        peak_kib,
    }
}

/// `VmHWM` of process `pid`, in KiB.
fn vm_hwm(pid: u32) -> Option<u64> {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

impl Child {
    /// Refused (exit 2) in one line of error that says `needles`, in bounded memory.
    fn refused(&self, needles: &[&str]) {
        assert_eq!(self.code, Some(2), "stderr:\n{}", self.stderr);
        let lines: Vec<&str> = self.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "one line of error:\n{}", self.stderr);
        for needle in needles {
            assert!(lines[0].contains(needle), "no `{needle}` in:\n{}", lines[0]);
        }
        assert!(
            self.peak_kib < PEAK_LIMIT_KIB,
            "peak resident memory {} KiB, more than {PEAK_LIMIT_KIB} KiB",
            self.peak_kib
        );
    }
}

fn write(scratch: &Scratch, name: &str, bytes: &[u8]) -> PathBuf {
    let path = scratch.dir.path().join(name);
    fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn a_workbook_of_4_gb_of_xml_in_14_mb_is_refused_in_bounded_memory() {
    let scratch = Scratch::new();
    let bytes = xml_bomb();
    assert!(bytes.len() < 16 * MIB, "{} bytes", bytes.len());
    let path = write(&scratch, "xml-bomb.xlsx", &bytes);
    grade_measured(&path, "en").refused(&[
        "xml-bomb.xlsx: `xl/worksheets/sheet1.xml` of the workbook inflates to more than 100 times its compressed size",
        "a decompression bomb, refused",
    ]);
    // In Chinese by default.
    grade_measured(&path, "zh").refused(&["解压后超过压缩大小的 100 倍", "疑似压缩炸弹"]);
}

#[test]
fn a_one_gigabyte_inline_string_is_refused_in_bounded_memory() {
    let scratch = Scratch::new();
    let bytes = inline_string_bomb();
    assert!(bytes.len() < 2 * MIB, "{} bytes", bytes.len());
    let path = write(&scratch, "inline-bomb.xlsx", &bytes);
    grade_measured(&path, "en").refused(&[
        "inline-bomb.xlsx: the text of cell 台账!B90 is longer than Excel's limit of 32,767 characters",
    ]);
    grade_measured(&path, "zh").refused(&["单元格 台账!B90 的文字超过 Excel 的上限 32,767 个字符"]);
}

#[test]
fn a_one_gigabyte_shared_string_is_refused_in_bounded_memory() {
    let scratch = Scratch::new();
    let path = write(&scratch, "shared-bomb.xlsx", &shared_string_bomb());
    grade_measured(&path, "en").refused(&[
        "shared-bomb.xlsx: shared string",
        "is longer than Excel's limit of 32,767 characters",
    ]);
}

/// The example workbook with one more row, whose cell B90 holds `text` inline.
fn county_with_cell(text: &str) -> Vec<u8> {
    county_with("xl/worksheets/sheet1.xml", |sheet| {
        let (head, tail) = split_at(sheet, "</sheetData>");
        let mut xml = head.to_vec();
        xml.extend_from_slice(
            format!(r#"<row r="90"><c r="B90" t="inlineStr"><is><t>{text}</t></is></c></row>"#)
                .as_bytes(),
        );
        xml.extend_from_slice(tail);
        Entry::deflated("xl/worksheets/sheet1.xml", &xml)
    })
}

#[test]
fn a_cell_of_32768_characters_is_refused_and_one_of_32767_is_read() {
    let scratch = Scratch::new();
    // Characters, not bytes: Chinese text of 32,767 characters is 98,301 bytes.
    let fits = write(
        &scratch,
        "fits.xlsx",
        &county_with_cell(&"网".repeat(32_767)),
    );
    let out = run(&["grade", "--format", "csv", "--lang", "en", path_str(&fits)]);
    assert!(
        !stderr(&out).contains("32,767"),
        "{}",
        stderr(&out).lines().next().unwrap_or_default()
    );
    assert!(matches!(code(&out), 0 | 1), "{}", stderr(&out));

    let long = write(
        &scratch,
        "long.xlsx",
        &county_with_cell(&"网".repeat(32_768)),
    );
    let out = run(&["grade", "--format", "csv", "--lang", "en", path_str(&long)]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("long.xlsx: the text of cell 台账!B90 is longer than Excel's limit"),
        "{}",
        stderr(&out)
    );
}

/// The start of an encrypted OOXML file as Excel writes it: a compound file whose directory
/// names the `EncryptionInfo` and `EncryptedPackage` streams (UTF-16LE).
fn encrypted_workbook() -> Vec<u8> {
    let mut bytes = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    bytes.resize(1024, 0);
    for name in ["EncryptionInfo", "EncryptedPackage"] {
        let mut entry: Vec<u8> = name.encode_utf16().flat_map(u16::to_le_bytes).collect();
        entry.resize(128, 0);
        bytes.extend(entry);
    }
    bytes.resize(4096, 0);
    bytes
}

#[test]
fn an_encrypted_workbook_is_called_password_protected_not_damaged() {
    let scratch = Scratch::new();
    let path = write(&scratch, "locked.xlsx", &encrypted_workbook());
    let out = run(&["grade", "--lang", "en", path_str(&path)]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert!(
        err.contains("locked.xlsx: the workbook is password-protected (encrypted)")
            && err.contains("remove the password in Excel")
            && !err.contains("damaged"),
        "{err}"
    );
    let out = run(&["grade", path_str(&path)]);
    assert!(
        stderr(&out).contains("工作簿设有打开密码"),
        "{}",
        stderr(&out)
    );
}

/// A workbook of the baseline outlet and two more rows whose ids are the numbers `ids`.
fn numeric_ids(ids: &[f64]) -> Vec<u8> {
    let mut wb = Workbook::new();
    let sheet = wb.add_worksheet();
    sheet.set_name("台账").unwrap();
    let row = baseline();
    for (c, (header, _)) in row.iter().enumerate() {
        sheet.write(0, c as u16, header.as_str()).unwrap();
    }
    for (r, id) in ids.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, (header, value)) in with(&[("网点名称", &format!("网点{r}"))])
            .iter()
            .enumerate()
        {
            if header == "网点编号" {
                sheet.write(r, c as u16, *id).unwrap();
            } else {
                sheet.write(r, c as u16, value.as_str()).unwrap();
            }
        }
    }
    wb.save_to_buffer().unwrap()
}

#[test]
fn an_id_that_lost_digits_in_excel_is_a_warning_at_its_cell() {
    let scratch = Scratch::new();
    let path = write(
        &scratch,
        "ids.xlsx",
        &numeric_ids(&[12_345_678_901_234_567_890.0, 520_123_001_000.0]),
    );
    let out = run(&["grade", "--format", "csv", "--lang", "en", path_str(&path)]);
    let err = stderr(&out);
    let warnings: Vec<&str> = err
        .lines()
        .filter(|l| l.contains("15 significant"))
        .collect();
    assert_eq!(
        warnings,
        [format!(
            "warning: {}, 台账!A2, column `网点编号`: outlet id `1.23456789012346E19` is stored in Excel as a number, which keeps only 15 significant digits; the rest of the id is lost (format the id column as text in Excel and enter the whole ids again)",
            path.display()
        )],
        "{err}"
    );
    let out = run(&["grade", "--format", "csv", path_str(&path)]);
    assert!(
        stderr(&out).contains(
            "台账!A2 列「网点编号」: 网点编号 `1.23456789012346E19` 在 Excel 中存成了数字"
        ),
        "{}",
        stderr(&out)
    );
}
