//! The checks a workbook passes before calamine reads it: one raw, streaming pass over the entries
//! of its zip that refuses decompression bombs in bounded memory, and a look for the encryption
//! that makes an OOXML file an OLE compound file.
//!
//! calamine inflates the parts it needs whole (the shared strings, a sheet's XML as it builds the
//! grid) and believes what the zip says; a 4 MB file with 4 GB of XML took 10 GB of memory. So,
//! as Apache POI's `ZipSecureFile` does, every entry is inflated here through a fixed buffer and
//! counted as it streams — the sizes the zip's headers declare are not trusted — and the file is
//! refused, before calamine sees it, when an entry
//!
//! - past [`Limits::ratio_grace`] (1 MiB) inflates to more than [`Limits::ratio`] (100) times the
//!   compressed bytes read so far,
//! - is the shared-string table and passes [`Limits::shared_strings`] (256 MiB),
//! - passes [`Limits::part`] (2 GiB), whatever it is,
//!
//! or when the text of one cell (an inline string, a formula's text result, a shared string)
//! passes Excel's own limit of 32,767 characters, which no workbook Excel wrote can hold.
//!
//! The pass reads the XML of the sheets and of the shared strings with a small tokenizer
//! (`xml::Tokenizer`) that keeps one tag at a time. Each worksheet is inspected by a [`SheetScan`]:
//! besides every cell's text, it collects what calamine's streaming reader cannot give as the cells
//! pass (`super::stream`): the merged ranges, the formulas without a cached value, the used area
//! (where the header's columns begin) and whether the cells come in order. With [`read`], it also
//! reads the cells themselves, with the shared strings and the styles' number formats they need
//! (`cells`), so that the sheet is inflated and tokenized once rather than here and again by
//! calamine.

mod cells;
mod inspect;
mod refusal;
mod xml;

use std::cell::Cell as Counter;
use std::io::{self, Cursor, Read, Seek, SeekFrom};
use std::rc::Rc;
use std::sync::Arc;

use crate::problem::SheetRef;

pub use cells::{Buffer, Format, Strings, Workbook};
use cells::{Collect, MAX_BUFFERED, StringsScan, StylesScan};
use inspect::{Inspector, Kind, SharedScan};
pub use refusal::Refusal;
pub(crate) use xml::{local, unescape};

/// The limits of the pass; [`Limits::default`] holds the ones every workbook is read with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The most an entry may inflate to per compressed byte read…
    pub ratio: u64,
    /// …once it has inflated to more than this many bytes.
    pub ratio_grace: u64,
    /// The most bytes the shared-string table may inflate to.
    pub shared_strings: u64,
    /// The most bytes any entry may inflate to.
    pub part: u64,
    /// The most characters (UTF-16 units, as Excel counts them) of one cell's text.
    pub cell_chars: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            ratio: 100,
            ratio_grace: 1 << 20,
            shared_strings: 256 << 20,
            part: 2 << 30,
            cell_chars: 32_767,
        }
    }
}

/// The signature of an OLE compound file (CFB): `.xls`, and an encrypted `.xlsx`.
const CFB_MAGIC: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// Whether `bytes` is an encrypted OOXML workbook: a compound file (what Excel writes when a
/// workbook has a password to open) with an `EncryptionInfo` stream, whose name the compound
/// file's directory holds in UTF-16LE.
pub fn is_encrypted(bytes: &[u8]) -> bool {
    const NAME: &[u8] = b"E\0n\0c\0r\0y\0p\0t\0i\0o\0n\0I\0n\0f\0o\0";
    is_compound(bytes) && memchr::memmem::find(bytes, NAME).is_some()
}

/// Whether `bytes` begin as an OLE compound file does (an `.xls`, an encrypted `.xlsx`).
pub fn is_compound(bytes: &[u8]) -> bool {
    bytes.starts_with(&CFB_MAGIC)
}

/// What the pass found in a workbook that passed it.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Scan {
    /// The worksheets, in the order of their parts in the zip.
    pub sheets: Vec<SheetScan>,
    /// With [`read`], when every worksheet's cells were read by the pass exactly as calamine
    /// reads them ([`SheetScan::read`]): the shared strings and number formats they need.
    pub book: Option<Arc<Workbook>>,
    /// The offset in the file of the shared-string part's name in the zip's central directory,
    /// when [`Scan::book`] holds its strings: calamine need not read them again.
    pub shared_strings_name: Option<(u64, usize)>,
}

/// Checks the workbook in `bytes` with the default [`Limits`]: refuses an encrypted OOXML file
/// and, in a zip (`.xlsx`, `.xlsm`, `.xlsb`, `.ods`), every entry that breaks a limit. Anything
/// else (an `.xls`, a damaged zip, an entry that cannot be inflated) passes unchanged, for
/// calamine to read or to refuse.
pub fn check(bytes: &[u8]) -> Result<Scan, Refusal> {
    check_with(bytes, &Limits::default())
}

/// [`check`] with the given limits.
pub fn check_with(bytes: &[u8], limits: &Limits) -> Result<Scan, Refusal> {
    pass(bytes, limits, false)
}

/// [`check`], the pass also reading the cells of every worksheet, their shared strings and
/// number formats ([`Scan::book`], [`SheetScan::read`]): the sheet is inflated and tokenized
/// once, for its limits and its cells.
pub fn read(bytes: &[u8]) -> Result<Scan, Refusal> {
    pass(bytes, &Limits::default(), true)
}

fn pass(bytes: &[u8], limits: &Limits, collect: bool) -> Result<Scan, Refusal> {
    if is_encrypted(bytes) {
        return Err(Refusal::Encrypted);
    }
    pass_reader(Cursor::new(bytes), bytes.len() as u64, limits, collect)
}

/// [`check`] (or, with `collect`, [`read`]) of the `len` bytes `reader` reads, read where they
/// are needed rather than held in memory: for a workbook that is no OLE compound file
/// ([`is_compound`]), so that the encryption check, which looks through all of one, has nothing
/// to find.
pub(crate) fn read_reader<R: Read + Seek>(
    reader: R,
    len: u64,
    collect: bool,
) -> Result<Scan, Refusal> {
    pass_reader(reader, len, &Limits::default(), collect)
}

fn pass_reader<R: Read + Seek>(
    reader: R,
    len: u64,
    limits: &Limits,
    collect: bool,
) -> Result<Scan, Refusal> {
    let Some(mut zip) = Zip::open(reader, len) else {
        return Ok(Scan::default());
    };
    zip.check_overlap()?;
    let mut pass = Pass {
        limits: *limits,
        book: BookNames::default(),
        scan: Scan::default(),
        collect,
        values: Values::default(),
    };
    match zip.walk(limits, &mut pass) {
        Err(Refusal::SharedString { index, limit, .. }) => {
            // Which cell shows it: the sheets are read again, only for this (they passed once).
            let mut find = FindShared {
                book: pass.book,
                index,
                cell: None,
            };
            let _ = zip.walk(limits, &mut find);
            Err(Refusal::SharedString {
                index,
                cell: find.cell,
                limit,
            })
        }
        Err(refusal) => Err(refusal),
        Ok(()) => {
            let mut scan = pass.scan;
            if collect {
                pass.values.settle(&mut scan, zip);
            }
            Ok(scan)
        }
    }
}

/// What the pass read of the shared strings and styles, for the cells.
#[derive(Default)]
struct Values {
    strings: Option<StringsScan>,
    /// The central directory's offset of the shared-string part's header, and its declared size.
    strings_header: Option<u64>,
    strings_size: u64,
    styles: Option<StylesScan>,
    /// Whether some entry could not be inflated (calamine may read it otherwise).
    unread: bool,
}

impl Values {
    /// Keeps the cells the pass read only when every worksheet's were read exactly and the
    /// strings and styles are those calamine would find.
    fn settle<R: Read + Seek>(self, scan: &mut Scan, zip: Zip<R>) {
        let normalized = |n: &str| n.replace('\\', "/").to_ascii_lowercase();
        let count = |part: &str| {
            zip.archive
                .file_names()
                .filter(|n| normalized(n) == part)
                .count()
        };
        let (strings_parts, styles_parts) = (count("xl/sharedstrings.xml"), count("xl/styles.xml"));
        let buffered: usize = scan
            .sheets
            .iter()
            .map(|s| s.read.as_ref().map_or(0, |c| c.bytes))
            .sum();
        let mut exact = !self.unread
            && buffered <= MAX_BUFFERED
            && !scan.sheets.is_empty()
            // A sheet out of order is read whole, by calamine, which needs the strings.
            && scan.sheets.iter().all(|s| s.read.is_some() && s.ordered)
            && strings_parts <= 1
            && styles_parts <= 1
            && (strings_parts == 0 || self.strings.as_ref().is_some_and(|s| s.exact))
            && (styles_parts == 0 || self.styles.as_ref().is_some_and(|s| s.exact));
        let strings = self.strings.map(|s| s.strings).unwrap_or_default();
        let shared = scan
            .sheets
            .iter()
            .map(|s| s.read.as_ref().map_or(0, |c| c.shared))
            .max()
            .unwrap_or(0);
        exact &= shared <= strings.len();
        // The part's name in the central directory, checked to be where its header says.
        let mut reader = zip.archive.into_inner();
        let name = self.strings_header.and_then(|header| {
            const NAME: &[u8; 20] = b"xl/sharedStrings.xml";
            let start = header.checked_add(46)?;
            let mut found = [0u8; NAME.len()];
            reader.seek(SeekFrom::Start(start)).ok()?;
            reader.read_exact(&mut found).ok()?;
            found
                .eq_ignore_ascii_case(NAME)
                .then_some((start, NAME.len()))
        });
        if strings_parts == 1 && name.is_none() {
            exact = false;
        }
        if !exact {
            for sheet in &mut scan.sheets {
                sheet.read = None;
            }
            return;
        }
        scan.book = Some(Arc::new(Workbook {
            strings,
            formats: self.styles.map(|s| s.formats).unwrap_or_default(),
            is_1904: false,
        }));
        scan.shared_strings_name = name;
    }
}

/// A reader of the file that tells how far into it the last read went, so that the compressed
/// bytes an entry has used are counted as they are read, not taken from its header.
struct Counting<R> {
    inner: R,
    position: Rc<Counter<u64>>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.position
            .set(self.position.get().saturating_add(n as u64));
        Ok(n)
    }
}

impl<R: Seek> Seek for Counting<R> {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let at = self.inner.seek(to)?;
        self.position.set(at);
        Ok(at)
    }
}

/// The zip, open.
struct Zip<R> {
    archive: zip::ZipArchive<Counting<R>>,
    position: Rc<Counter<u64>>,
    len: u64,
}

/// What the pass does with each entry.
trait Visitor {
    /// The inspector for the XML of entry `name`, or `None` to only count its bytes.
    fn inspector(&mut self, name: &str) -> Option<Inspector>;
    /// Whether entries without an inspector are skipped rather than counted (when they were
    /// counted once already).
    fn only_inspected(&self) -> bool {
        false
    }
    /// Takes back the inspector of an entry read to its end.
    fn done(&mut self, inspector: Inspector);
    /// An entry begins: its name, where its header is in the central directory, and the size
    /// its header declares.
    fn entry(&mut self, _name: &str, _central_header: u64, _size: u64) {}
    /// An entry could not be opened or inflated to its end.
    fn unread(&mut self) {}
}

impl<R: Read + Seek> Zip<R> {
    /// The zip `reader` reads (from its start), of `len` bytes.
    fn open(reader: R, len: u64) -> Option<Zip<R>> {
        let position = Rc::new(Counter::new(0));
        let reader = Counting {
            inner: reader,
            position: position.clone(),
        };
        let archive = zip::ZipArchive::new(reader).ok()?;
        Some(Zip {
            archive,
            position,
            len,
        })
    }

    /// Refuses entries that claim more compressed bytes than the file holds: entries that share
    /// their bytes, the trick of the "non-recursive" zip bombs, each within any ratio.
    fn check_overlap(&mut self) -> Result<(), Refusal> {
        let mut total: u64 = 0;
        for i in 0..self.archive.len() {
            if let Ok(entry) = self.archive.by_index_raw(i) {
                total = total.saturating_add(entry.compressed_size());
            }
        }
        if total > self.len {
            return Err(Refusal::Overlap);
        }
        Ok(())
    }

    /// Inflates every entry through one buffer, counting its bytes against `limits` and feeding
    /// the XML of the entries `visitor` inspects.
    fn walk(&mut self, limits: &Limits, visitor: &mut dyn Visitor) -> Result<(), Refusal> {
        let mut buf = vec![0u8; 64 * 1024];
        for i in 0..self.archive.len() {
            // An entry that cannot be opened (an unknown method, a zip password) is left to
            // calamine, which refuses it if it needs it.
            let Ok(mut entry) = self.archive.by_index(i) else {
                visitor.unread();
                continue;
            };
            if entry.is_dir() {
                continue;
            }
            let name = entry.name().to_string();
            visitor.entry(&name, entry.central_header_start(), entry.size());
            let start = entry.data_start().unwrap_or_else(|| self.position.get());
            let shared = is_shared_strings(&name);
            let mut inspector = visitor.inspector(&name);
            if inspector.is_none() && visitor.only_inspected() {
                continue;
            }
            let mut inflated: u64 = 0;
            loop {
                // A damaged stream ends the entry: calamine says so if it reads it.
                let n = match entry.read(&mut buf) {
                    Ok(0) => break,
                    Err(_) => {
                        visitor.unread();
                        break;
                    }
                    Ok(n) => n,
                };
                inflated += n as u64;
                let compressed = self.position.get().saturating_sub(start).max(1);
                if inflated > limits.ratio_grace
                    && inflated > compressed.saturating_mul(limits.ratio)
                {
                    return Err(Refusal::Ratio {
                        part: name,
                        inflated,
                        compressed,
                        ratio: limits.ratio,
                    });
                }
                if shared && inflated > limits.shared_strings {
                    return Err(Refusal::SharedStrings {
                        part: name,
                        limit: limits.shared_strings,
                    });
                }
                if inflated > limits.part {
                    return Err(Refusal::Part {
                        part: name,
                        limit: limits.part,
                    });
                }
                if let Some(inspector) = &mut inspector {
                    inspector.feed(&buf[..n])?;
                }
            }
            if let Some(inspector) = inspector {
                visitor.done(inspector);
            }
        }
        Ok(())
    }
}

/// Whether an entry is the shared-string table (calamine finds it whatever its case).
fn is_shared_strings(name: &str) -> bool {
    name.eq_ignore_ascii_case("xl/sharedStrings.xml")
}

/// Whether an entry is a worksheet's XML.
fn is_worksheet(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.starts_with("xl/worksheets/") && lower.ends_with(".xml") && !lower[14..].contains('/')
}

/// The sheets' names by part, from `xl/workbook.xml` and its relationships (both come before
/// the sheets in the files Excel writes; when they do not, a cell is named by its part).
#[derive(Debug, Default)]
struct BookNames {
    /// (relationship id, sheet name) from the workbook.
    sheets: Vec<(String, String)>,
    /// (relationship id, part) from the workbook's relationships.
    targets: Vec<(String, String)>,
}

/// How many sheets and relationships are remembered: more than any workbook has.
const MAX_NAMES: usize = 65_536;

impl BookNames {
    /// The name of the sheet in `part`, or the part itself when the workbook did not say.
    fn sheet(&self, part: &str) -> Arc<str> {
        self.targets
            .iter()
            .find(|(_, target)| target.eq_ignore_ascii_case(part))
            .and_then(|(id, _)| self.sheets.iter().find(|(rid, _)| rid == id))
            .map_or_else(|| Arc::from(part), |(_, name)| Arc::from(name.as_str()))
    }

    fn take(&mut self, inspector: Inspector) {
        match inspector.kind {
            Kind::Workbook(names) => {
                for pair in names {
                    if self.sheets.len() < MAX_NAMES {
                        self.sheets.push(pair);
                    }
                }
            }
            Kind::Relationships(targets) => {
                for (id, target) in targets {
                    if self.targets.len() < MAX_NAMES {
                        let part = match target.strip_prefix('/') {
                            Some(absolute) => absolute.to_string(),
                            None => format!("xl/{target}"),
                        };
                        self.targets.push((id, part));
                    }
                }
            }
            _ => {}
        }
    }
}

/// The first pass: limits, cell text, and what the sheets hold (with `collect`, their cells).
struct Pass {
    limits: Limits,
    book: BookNames,
    scan: Scan,
    collect: bool,
    values: Values,
}

impl Visitor for Pass {
    fn inspector(&mut self, name: &str) -> Option<Inspector> {
        let kind = if name == "xl/workbook.xml" {
            Kind::Workbook(Vec::new())
        } else if name == "xl/_rels/workbook.xml.rels" {
            Kind::Relationships(Vec::new())
        } else if is_shared_strings(name) {
            Kind::SharedStrings(SharedScan::new(self.collect.then(|| {
                // The text is at most the part's XML: room for it at once, rather than grown by
                // doubling (a copy, and twice the memory for a moment). Only a hint: the size is
                // the zip's word, and the room is not touched until it is written.
                let room = self.values.strings_size.min(64 << 20);
                StringsScan::with_room(usize::try_from(room).unwrap_or(0))
            })))
        } else if self.collect && name.eq_ignore_ascii_case("xl/styles.xml") {
            Kind::Styles(StylesScan::new())
        } else if is_worksheet(name) {
            let mut sheet = SheetScan::new(name, self.book.sheet(name));
            if self.collect {
                sheet.collect = Some(Box::default());
            }
            Kind::Sheet(sheet)
        } else {
            return None;
        };
        Some(Inspector::new(kind, self.limits.cell_chars))
    }

    fn done(&mut self, inspector: Inspector) {
        match inspector.kind {
            Kind::Sheet(mut sheet) => {
                if let Some(mut collect) = sheet.collect.take()
                    && collect.finish()
                {
                    sheet.read = Some(std::mem::take(&mut collect.cells));
                }
                self.scan.sheets.push(sheet);
            }
            Kind::SharedStrings(SharedScan {
                strings: Some(mut strings),
                ..
            }) => {
                strings.finish();
                self.values.strings = Some(strings);
            }
            Kind::Styles(styles) => self.values.styles = Some(styles),
            _ => self.book.take(inspector),
        }
    }

    fn entry(&mut self, name: &str, central_header: u64, size: u64) {
        if is_shared_strings(name) {
            self.values.strings_header = Some(central_header);
            self.values.strings_size = size;
        }
    }

    fn unread(&mut self) {
        self.values.unread = true;
    }
}

/// The second pass after an over-long shared string: the first cell that shows it.
struct FindShared {
    book: BookNames,
    index: u64,
    cell: Option<String>,
}

impl Visitor for FindShared {
    fn inspector(&mut self, name: &str) -> Option<Inspector> {
        if self.cell.is_some() || !is_worksheet(name) {
            return None;
        }
        let mut sheet = SheetScan::new(name, self.book.sheet(name));
        sheet.find_shared = Some(self.index);
        Some(Inspector::new(Kind::Sheet(sheet), u64::MAX))
    }

    fn only_inspected(&self) -> bool {
        true
    }

    fn done(&mut self, inspector: Inspector) {
        if let Kind::Sheet(sheet) = inspector.kind
            && let Some(cell) = sheet.found
        {
            self.cell = Some(cell.to_string());
        }
    }
}

/// One worksheet as the pass saw it.
#[derive(Debug, PartialEq, Eq)]
pub struct SheetScan {
    /// Its part in the zip (`xl/worksheets/sheet1.xml`).
    pub part: String,
    /// Its name, as the workbook gives it (its part when the workbook does not say).
    pub name: Arc<str>,
    /// How many `<c>` elements it has.
    pub cells: u64,
    /// The cells whose formula (`<f>`) has no saved result (`<v>`), as 0-based (row, column): at
    /// most [`MAX_UNCACHED`] of them, and how many more there were. The reader cannot tell such a
    /// cell from an empty one.
    pub uncached: Vec<(u32, u32)>,
    pub uncached_more: u64,
    /// The merged ranges, as 0-based (first row, first column, last row, last column) as the
    /// sheet writes them: at most [`MAX_MERGED`] of them. The streaming reader gives them only
    /// after the cells.
    pub merged: Vec<(u32, u32, u32, u32)>,
    /// The area of the cells that hold a value as calamine reads them (an empty string is one,
    /// a formula without a result is none): the grid calamine would build of the sheet.
    pub used: Option<Area>,
    /// The area of every cell element, empty ones too.
    pub extent: Option<Area>,
    /// Whether the cells come row by row and left to right, each cell in its row: a sheet read as
    /// it streams must (a crafted one that does not is read whole).
    pub ordered: bool,
    /// Whether the current cell holds a value, as calamine reads it; inside its `<v>` of a type
    /// whose empty `<v>` is no value, and whether text came.
    has_value: bool,
    in_value: bool,
    value_text: bool,
    /// The row its `<row>` element gives, 1-based, and the last cell's (row, column).
    row_element: u32,
    last: Option<(u32, u32)>,
    /// Whether the current cell has a formula, and a saved value.
    formula: bool,
    cached: bool,
    /// The current row and cell, 1-based row and 0-based column, as `r` gives them or, where a
    /// row or cell omits it, as they follow the one before.
    row: u32,
    column: Option<u32>,
    /// The type attribute (`t`) of the current cell, and the characters of its text so far.
    cell_type: String,
    chars: u64,
    /// Inside `<v>` or `<t>` (text that counts), and inside a phonetic run (text that does not).
    in_text: bool,
    in_phonetic: bool,
    /// The digits of the current `<v>`, when looking for a shared string's cell.
    value: String,
    find_shared: Option<u64>,
    found: Option<SheetRef>,
    /// The cells being read, with [`read`].
    pub(super) collect: Option<Box<Collect>>,
    /// With [`read`], the sheet's cells, when the pass read every one of them exactly as
    /// calamine reads them.
    pub read: Option<Buffer>,
}

impl SheetScan {
    fn new(part: &str, name: Arc<str>) -> SheetScan {
        SheetScan {
            part: part.to_string(),
            name,
            cells: 0,
            uncached: Vec::new(),
            uncached_more: 0,
            merged: Vec::new(),
            used: None,
            extent: None,
            ordered: true,
            has_value: false,
            in_value: false,
            value_text: false,
            row_element: 0,
            last: None,
            formula: false,
            cached: false,
            row: 0,
            column: None,
            cell_type: String::new(),
            chars: 0,
            in_text: false,
            in_phonetic: false,
            value: String::new(),
            find_shared: None,
            found: None,
            collect: None,
            read: None,
        }
    }

    /// Notes where the cell just begun is: cells out of order, or outside their row, make the
    /// sheet one to read whole.
    fn follow(&mut self) {
        let at = (self.row, self.column.unwrap_or(0));
        if self.row != self.row_element || self.last.is_some_and(|last| at <= last) {
            self.ordered = false;
        }
        self.last = Some(at);
    }

    /// A `<v>` begins: by the cell's type, whether it holds a value whatever it says (a string
    /// or a date, even empty), none (an inline string's `<v>` is ignored), or one if it has text.
    fn start_value(&mut self) {
        match self.cell_type.as_str() {
            "inlineStr" | "is" => self.has_value = false,
            "n" | "s" | "b" | "e" | "" => {
                self.in_value = true;
                self.value_text = false;
            }
            _ => self.has_value = true,
        }
    }

    /// A cell ends: its place in the areas, and a formula without a saved result.
    fn end_cell(&mut self) {
        let at = (self.row.saturating_sub(1), self.column.unwrap_or(0));
        Area::grow(&mut self.extent, at);
        if self.has_value {
            Area::grow(&mut self.used, at);
        }
        self.has_value = false;
        self.in_value = false;
        if self.formula && !self.cached {
            if self.uncached.len() < MAX_UNCACHED {
                self.uncached.push(at);
            } else {
                self.uncached_more += 1;
            }
            self.formula = false;
        }
    }

    /// The current cell, as problems name it (`台账!D7`).
    fn cell(&self) -> SheetRef {
        SheetRef {
            sheet: self.name.clone(),
            row: self.row,
            column: Some(self.column.unwrap_or(0)),
        }
    }
}

/// The most formula cells without a saved result a [`SheetScan`] lists (8 bytes each).
const MAX_UNCACHED: usize = 100_000;

/// The most merged ranges a [`SheetScan`] lists (16 bytes each); those past it are not filled.
pub const MAX_MERGED: usize = 100_000;

/// A rectangle of cells: 0-based (row, column) of its first and last cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Area {
    pub first: (u32, u32),
    pub last: (u32, u32),
}

impl Area {
    /// `area` grown to hold the cell `at`.
    pub fn grow(area: &mut Option<Area>, at: (u32, u32)) {
        *area = Some(match *area {
            None => Area {
                first: at,
                last: at,
            },
            Some(a) => Area {
                first: (a.first.0.min(at.0), a.first.1.min(at.1)),
                last: (a.last.0.max(at.0), a.last.1.max(at.1)),
            },
        });
    }

    /// How many cells it spans.
    pub fn cells(&self) -> u64 {
        u64::from(self.last.0 - self.first.0 + 1) * u64::from(self.last.1 - self.first.1 + 1)
    }
}

/// The last row and column (0-based) of a worksheet: 1,048,576 and XFD.
const MAX_ROW: u32 = 1_048_576;
const MAX_COLUMN: u32 = 16_383;

/// The refusal of a reference that names no cell of a worksheet.
fn bad_reference(part: &str, r: &[u8]) -> Refusal {
    let shown = String::from_utf8_lossy(&r[..r.len().min(40)]).into_owned();
    Refusal::BadReference {
        part: part.to_string(),
        reference: shown,
    }
}

/// A cell reference (`B7`) as a 1-based row and a 0-based column.
pub(crate) fn parse_reference(r: &[u8]) -> Option<(u32, u32)> {
    let r = r.trim_ascii();
    let r = r.strip_prefix(b"$").unwrap_or(r);
    let letters = r.iter().take_while(|b| b.is_ascii_alphabetic()).count();
    if letters == 0 || letters > 3 {
        return None;
    }
    let mut column: u32 = 0;
    for b in &r[..letters] {
        column = column * 26 + u32::from(b.to_ascii_uppercase() - b'A') + 1;
    }
    let digits = &r[letters..];
    let digits = digits.strip_prefix(b"$").unwrap_or(digits);
    let row: u32 = std::str::from_utf8(digits).ok()?.parse().ok()?;
    ((1..=MAX_ROW).contains(&row) && column - 1 <= MAX_COLUMN).then_some((row, column - 1))
}

/// A merged range (`A1:C3`, or one cell) as 0-based (first row, first column, last row, last
/// column).
fn merged_range(r: &[u8]) -> Option<(u32, u32, u32, u32)> {
    let mut ends = r.split(|&b| b == b':');
    let (r0, c0) = parse_reference(ends.next()?)?;
    let (r1, c1) = match ends.next() {
        Some(end) => parse_reference(end)?,
        None => (r0, c0),
    };
    Some((r0 - 1, c0, r1 - 1, c1))
}

/// Whether a range (`A1:C3`) or a cell (`A1`) names cells of a worksheet.
fn is_range(r: &[u8]) -> bool {
    r.split(|&b| b == b':')
        .all(|end| parse_reference(end).is_some())
}

#[cfg(test)]
#[expect(
    clippy::unwrap_used,
    reason = "a test fails loudly when its fixture is broken"
)]
mod tests {
    use std::io::Write;

    use super::refusal::{size, thousands};
    use super::*;
    use crate::text::Lang;

    /// A zip of `entries`, deflated.
    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .large_file(true);
        for (name, bytes) in entries {
            zip.start_file(*name, options).unwrap();
            zip.write_all(bytes).unwrap();
        }
        zip.finish().unwrap().into_inner()
    }

    const WORKBOOK: &str = r#"<?xml version="1.0"?><workbook xmlns:r="r"><sheets><sheet name="Notes" sheetId="1" r:id="rId2"/><sheet name="台账 1" sheetId="2" r:id="rId1"/></sheets></workbook>"#;
    const RELS: &[u8] = br#"<Relationships><Relationship Id="rId1" Type="ws" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Target="/xl/worksheets/sheet2.xml"/></Relationships>"#;

    fn sheet(cells: &str) -> Vec<u8> {
        format!(r#"<?xml version="1.0"?><worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row>{cells}</sheetData></worksheet>"#).into_bytes()
    }

    fn book(sheet1: &[u8], shared: &[u8]) -> Vec<u8> {
        zip_of(&[
            ("xl/workbook.xml", WORKBOOK.as_bytes()),
            ("xl/_rels/workbook.xml.rels", RELS),
            ("xl/worksheets/sheet1.xml", sheet1),
            ("xl/worksheets/sheet2.xml", &sheet("")),
            ("xl/sharedStrings.xml", shared),
        ])
    }

    fn small() -> Limits {
        Limits {
            cell_chars: 10,
            ..Limits::default()
        }
    }

    #[test]
    fn sizes_read_as_people_read_them() {
        assert_eq!(size(2 << 30), "2 GiB");
        assert_eq!(size(256 << 20), "256 MiB");
        assert_eq!(size(1536), "1.5 KiB");
        assert_eq!(size(12), "12 bytes");
        assert_eq!(thousands(32_767), "32,767");
        assert_eq!(thousands(100), "100");
    }

    #[test]
    fn an_ordinary_workbook_passes_and_its_sheets_are_scanned() {
        let scan = check(&book(&sheet(""), b"<sst><si><t>a</t></si></sst>")).unwrap();
        let parts: Vec<_> = scan.sheets.iter().map(|s| (&*s.part, &*s.name)).collect();
        assert_eq!(
            parts,
            [
                ("xl/worksheets/sheet1.xml", "台账 1"),
                ("xl/worksheets/sheet2.xml", "Notes")
            ]
        );
        assert_eq!(scan.sheets[0].cells, 1);
        let example = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/county.xlsx"));
        assert!(check(&example.unwrap()).is_ok());
    }

    #[test]
    fn a_long_inline_string_is_refused_naming_its_cell() {
        let long = r#"<row r="7"><c r="B7" t="n"><v>1</v></c><c t="inlineStr"><is><r><t>123456</t></r><r><t>78901</t></r></is></c></row>"#;
        let refusal = check_with(&book(&sheet(long), b"<sst/>"), &small()).unwrap_err();
        assert_eq!(
            refusal,
            Refusal::CellText {
                cell: "'台账 1'!C7".into(),
                limit: 10
            }
        );
        // Ten characters, phonetic runs aside, pass.
        let fits = r#"<row><c r="B7" t="inlineStr"><is><t>1234567890</t><rPh><t>abc</t></rPh></is></c></row>"#;
        assert!(check_with(&book(&sheet(fits), b"<sst/>"), &small()).is_ok());
    }

    #[test]
    fn a_long_shared_string_is_refused_naming_the_cell_that_shows_it() {
        let shared: &[u8] =
            b"<sst><si><t>short</t></si><si><r><t>12345</t></r><r><t>678901</t></r></si></sst>";
        let cells = r#"<row r="3"><c r="D3" t="s"><v>0</v></c><c r="E3" t="s"><v>1</v></c></row>"#;
        let refusal = check_with(&book(&sheet(cells), shared), &small()).unwrap_err();
        assert_eq!(
            refusal,
            Refusal::SharedString {
                index: 1,
                cell: Some("'台账 1'!E3".into()),
                limit: 10
            }
        );
        assert_eq!(
            refusal.to_string(),
            "the text of cell '台账 1'!E3 is longer than Excel's limit of 10 characters: refused; Excel cannot save such a cell, shorten it"
        );
        let unused = check_with(&book(&sheet(""), shared), &small()).unwrap_err();
        assert!(matches!(unused, Refusal::SharedString { cell: None, .. }));
        assert!(unused.render(Lang::Zh).contains("共享字符串表的第 2 项"));
    }

    #[test]
    fn an_entry_that_inflates_past_the_ratio_is_refused_as_it_streams() {
        let zeros = vec![b' '; 3 << 20];
        let refusal = check(&book(&sheet(""), &zeros)).unwrap_err();
        let Refusal::Ratio {
            part,
            inflated,
            compressed,
            ratio,
        } = refusal
        else {
            panic!("{refusal:?}");
        };
        assert_eq!((&*part, ratio), ("xl/sharedStrings.xml", 100));
        // Refused on the way, long before the end of the entry.
        assert!(inflated > 1 << 20 && inflated < 2 << 20, "{inflated}");
        assert!(inflated > 100 * compressed);
        // Within the grace, anything goes.
        assert!(check(&book(&sheet(""), &zeros[..1 << 20])).is_ok());
    }

    #[test]
    fn shared_strings_and_parts_past_their_sizes_are_refused() {
        let limits = Limits {
            ratio: u64::MAX,
            shared_strings: 1000,
            part: 5000,
            ..Limits::default()
        };
        let shared = vec![b' '; 1001];
        assert_eq!(
            check_with(&book(&sheet(""), &shared), &limits),
            Err(Refusal::SharedStrings {
                part: "xl/sharedStrings.xml".into(),
                limit: 1000
            })
        );
        let mut big = sheet("");
        big.resize(5001, b' ');
        assert_eq!(
            check_with(&book(&big, b""), &limits),
            Err(Refusal::Part {
                part: "xl/worksheets/sheet1.xml".into(),
                limit: 5000
            })
        );
    }

    #[test]
    fn an_encrypted_workbook_is_told_apart_from_an_xls() {
        let mut cfb = CFB_MAGIC.to_vec();
        cfb.extend_from_slice(&[0; 100]);
        assert_eq!(check(&cfb).map(|s| s.sheets.len()), Ok(0));
        for c in "EncryptionInfo".encode_utf16() {
            cfb.extend_from_slice(&c.to_le_bytes());
        }
        assert_eq!(check(&cfb).unwrap_err(), Refusal::Encrypted);
        assert!(Refusal::Encrypted.render(Lang::Zh).contains("密码"));
        assert!(
            Refusal::Encrypted
                .to_string()
                .contains("password-protected")
        );
    }

    #[test]
    fn what_is_not_a_zip_passes_for_calamine_to_judge() {
        assert!(check(b"").is_ok());
        assert!(check(b"PK\x03\x04 damaged").is_ok());
        let mut cut = book(&sheet(""), b"<sst/>");
        cut.truncate(cut.len() / 2);
        assert!(check(&cut).is_ok());
    }

    #[test]
    fn attributes_are_read_with_their_entities() {
        assert_eq!(
            unescape("a&amp;b&#x4E2D;&#25991;&bogus;&"),
            "a&b中文&bogus;&"
        );
        assert_eq!(parse_reference(b"XFD1048576"), Some((1_048_576, 16_383)));
        assert_eq!(parse_reference(b"A0x"), None);
        assert_eq!(parse_reference(b"7"), None);
    }
}
