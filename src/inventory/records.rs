//! CSV records, read exactly as the `csv` crate reads them (quotes, `""`, any of `\r`, `\n` and
//! `\r\n` ending a record, blank lines skipped, rows of any width) but faster on the lines most
//! inventories are made of.
//!
//! A line with no quote and no carriage return can only be read one way: its fields are the text
//! between delimiters. Such a line is found and split with SIMD searches (`memchr`), a few times
//! faster than a byte-by-byte parse. Any other record — quoted cells, line breaks inside a cell,
//! `\r`, a line longer than the buffer — is read by `csv_core`, the `csv` crate's own parser, from
//! the same place. Between records `csv_core` is always at the start of a record, so the two
//! never disagree (`tests` checks this against the `csv` crate on generated input).

use std::io::{self, Read};

/// One record: its bytes and where each field is in them.
///
/// A line with no quote is read whole and split into fields later, by [`Record::split_fields`]:
/// on the thread that types it, not the one that reads ([`Records::read_line`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Record {
    /// The fields' bytes, with or without the delimiters between them.
    bytes: Vec<u8>,
    /// Each field's `start..end` in `bytes`.
    bounds: Vec<(usize, usize)>,
    /// The delimiter, while `bytes` is a line not yet split into `bounds`.
    unsplit: Option<u8>,
    /// The fields past [`MAX_FIELDS`], counted but not kept in `bounds`: a line of a hundred
    /// million commas takes the memory of its bytes, not sixteen bytes more per field.
    dropped: usize,
    /// A quote opened in this record was still open at the end of the file: the lines after
    /// the record's first that it took in.
    open_quote: Option<u64>,
}

/// The most fields a record keeps: a worksheet's columns (Excel's limit, XFD). A row of more is
/// a data error ([`Record::dropped`]).
pub const MAX_FIELDS: usize = 16_384;

impl Record {
    /// How many fields it has.
    pub fn len(&self) -> usize {
        self.split_first();
        self.bounds.len()
    }

    pub fn is_empty(&self) -> bool {
        self.split_first();
        self.bounds.is_empty()
    }

    /// The memory it holds, in bytes (what it keeps for reuse, not only what it holds now).
    pub fn capacity(&self) -> usize {
        self.bytes.capacity() + self.bounds.capacity() * std::mem::size_of::<(usize, usize)>()
    }

    /// Its bytes: every field's, maybe with delimiters between them.
    pub fn as_slice(&self) -> &[u8] {
        &self.bytes
    }

    /// Each field's `start..end` in [`Record::as_slice`].
    pub fn bounds(&self) -> &[(usize, usize)] {
        self.split_first();
        &self.bounds
    }

    /// Its fields, in order.
    pub fn iter(&self) -> impl Iterator<Item = &[u8]> {
        self.split_first();
        self.bounds
            .iter()
            .map(|&(start, end)| &self.bytes[start..end])
    }

    /// Finds the fields of a line read whole; once they are found, does nothing.
    pub fn split_fields(&mut self) {
        if let Some(delimiter) = self.unsplit.take() {
            self.dropped = split(&self.bytes, delimiter, &mut self.bounds);
        }
    }

    /// How many fields past [`MAX_FIELDS`] the record had (and were not kept).
    pub fn dropped(&self) -> usize {
        self.dropped
    }

    /// When a quote opened in this record is never closed: how many lines after the record's
    /// first it swallowed, to the end of the file.
    pub fn open_quote(&self) -> Option<u64> {
        self.open_quote
    }

    /// Whether every field is empty or ASCII white space (a row that a spreadsheet saves for a
    /// blank line). A line not yet split is all delimiters and white space.
    pub fn is_blank(&self) -> bool {
        match self.unsplit {
            Some(d) => self
                .bytes
                .iter()
                .all(|&b| b == d || b.is_ascii_whitespace()),
            None => self.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)),
        }
    }

    /// The fields are read only once found (a bug otherwise, caught by the tests).
    fn split_first(&self) {
        debug_assert!(
            self.unsplit.is_none(),
            "a record's fields are read before it is split"
        );
    }

    fn clear(&mut self) {
        self.bytes.clear();
        self.bounds.clear();
        self.unsplit = None;
        self.dropped = 0;
        self.open_quote = None;
    }
}

/// The delimiters in up to 64 bytes, as the bits of a mask (the first byte's lowest): eight
/// bytes at a time without a branch, then the last few one by one.
#[inline]
fn marks(bytes: &[u8], delimiter: u8) -> u64 {
    const ONES: u64 = u64::from_le_bytes([0x01; 8]);
    const LOW7: u64 = u64::from_le_bytes([0x7f; 8]);
    let pattern = ONES * u64::from(delimiter);
    // One bit for each byte of the word that is the delimiter, the first byte's lowest.
    let word_marks = |chunk: &[u8]| -> u64 {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word) ^ pattern;
        // The high bit of each byte of `x` that is zero (a delimiter), and no other bit: a byte
        // plus 0x7f (its high bit aside) cannot carry into the next.
        let high = !(((x & LOW7) + LOW7) | x | LOW7);
        // Those eight bits gathered into the top byte, in order (each lands on its own bit: no
        // two products of the multiplication meet, so nothing carries).
        (high >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56
    };
    let mut mask = 0;
    let mut chunks = bytes.chunks_exact(8);
    for (i, chunk) in (&mut chunks).enumerate() {
        mask |= word_marks(chunk) << (8 * i);
    }
    let tail = bytes.len() - chunks.remainder().len();
    for (i, &b) in chunks.remainder().iter().enumerate() {
        mask |= u64::from(b == delimiter) << (tail + i);
    }
    mask
}

/// Adds the bounds of the fields of `line` (a line with no quote) to `bounds`, at most
/// [`MAX_FIELDS`] of them; returns how many more there were. The delimiters of 64 bytes at a time
/// are found first, as the bits of one mask ([`marks`], eight bytes at a time in plain Rust);
/// the fields are then read off the mask. (A field is about a dozen bytes: `memchr_iter`, which
/// starts a vector search for each field, took 20% of `grade` at 662,000 outlets against 9% for
/// this; hand-written SSE2 through `safe_arch` bought 1–2% more and was dropped.)
fn split(line: &[u8], delimiter: u8, bounds: &mut Vec<(usize, usize)>) -> usize {
    /// The fields ending at the marks of one block.
    #[inline(always)]
    fn take(bounds: &mut Vec<(usize, usize)>, start: &mut usize, mut mask: u64, base: usize) {
        while mask != 0 {
            let at = base + mask.trailing_zeros() as usize;
            bounds.push((*start, at));
            *start = at + 1;
            mask &= mask - 1;
        }
    }
    /// Past the limit: the fields are counted, and only the first [`MAX_FIELDS`] kept.
    #[cold]
    fn too_wide(
        line: &[u8],
        delimiter: u8,
        bounds: &mut Vec<(usize, usize)>,
        first: usize,
    ) -> usize {
        let fields = memchr::memchr_iter(delimiter, line).count() + 1;
        bounds.truncate(first + MAX_FIELDS);
        fields - MAX_FIELDS
    }
    let first = bounds.len();
    let mut start = 0;
    let mut blocks = line.chunks_exact(64);
    let mut base = 0;
    for block in &mut blocks {
        take(bounds, &mut start, marks(block, delimiter), base);
        base += 64;
        // Checked once a block: at most 64 fields past the limit are pushed.
        if bounds.len() - first >= MAX_FIELDS {
            return too_wide(line, delimiter, bounds, first);
        }
    }
    take(
        bounds,
        &mut start,
        marks(blocks.remainder(), delimiter),
        base,
    );
    bounds.push((start, line.len()));
    if bounds.len() - first > MAX_FIELDS {
        return too_wide(line, delimiter, bounds, first);
    }
    0
}

/// Where [`Records::read_slow`] is in a record as `csv_core` reads it, as far as quotes go: so
/// that a quote still open at the end of the file is told, and the lines it took in counted.
/// (`csv_core` itself just ends the record there.)
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Quoting {
    /// At the start of a field.
    #[default]
    FieldStart,
    /// In a field that did not start with a quote (a quote in it is text).
    Plain,
    /// In a quoted field.
    Open,
    /// Just after a quote in a quoted field: `""` or its end.
    Closing,
}

/// [`Quoting`] and the line breaks inside the quote last opened.
#[derive(Clone, Copy, Debug, Default)]
struct QuoteWatch {
    state: Quoting,
    lines: u64,
    /// The last byte seen was a line feed.
    newline: bool,
}

impl QuoteWatch {
    /// Follows the bytes `csv_core` consumed.
    fn feed(&mut self, bytes: &[u8], delimiter: u8) {
        let mut i = 0;
        while let Some(&b) = bytes.get(i) {
            match self.state {
                Quoting::FieldStart | Quoting::Closing => {
                    let closing = self.state == Quoting::Closing;
                    self.state = match b {
                        b'"' if !closing => {
                            self.lines = 0;
                            Quoting::Open
                        }
                        b'"' => Quoting::Open,
                        b'\n' | b'\r' => Quoting::FieldStart,
                        _ if b == delimiter => Quoting::FieldStart,
                        _ => Quoting::Plain,
                    };
                    i += 1;
                }
                Quoting::Plain => match memchr::memchr3(delimiter, b'\n', b'\r', &bytes[i..]) {
                    Some(at) => {
                        i += at + 1;
                        self.state = Quoting::FieldStart;
                    }
                    None => i = bytes.len(),
                },
                Quoting::Open => {
                    let rest = &bytes[i..];
                    let at = memchr::memchr(b'"', rest);
                    let inside = &rest[..at.unwrap_or(rest.len())];
                    self.lines += memchr::memchr_iter(b'\n', inside).count() as u64;
                    match at {
                        Some(at) => {
                            i += at + 1;
                            self.state = Quoting::Closing;
                        }
                        None => i = bytes.len(),
                    }
                }
            }
        }
        if let Some(&last) = bytes.last() {
            self.newline = last == b'\n';
        }
    }

    /// The lines after the opening one that an open quote took in: its line breaks, but for a
    /// last one that ends the file.
    fn swallowed(&self) -> Option<u64> {
        (self.state == Quoting::Open)
            .then(|| self.lines - u64::from(self.newline && self.lines > 0))
    }
}

/// The buffer's size: most lines fit many times over; a longer line is read by `csv_core`, which
/// needs no more of it than what is buffered.
const BUFFER: usize = 256 * 1024;

/// Records read from a stream.
pub struct Records {
    read: Box<dyn Read>,
    buf: Box<[u8]>,
    /// The bytes read but not yet parsed: `buf[pos..end]`.
    pos: usize,
    end: usize,
    /// The stream has no more bytes.
    eof: bool,
    /// The last record has been read.
    done: bool,
    delimiter: u8,
    /// Boxed: its tables are large, and the reader is moved around whole.
    core: Box<csv_core::Reader>,
    /// Where `csv_core` says the fields of a record end.
    ends: Vec<usize>,
    /// A UTF-8 byte-order mark at the very start is skipped, as `csv_core` does.
    started: bool,
}

impl Records {
    pub fn new(read: Box<dyn Read>, delimiter: u8) -> Records {
        Records::with_buffer(read, delimiter, BUFFER)
    }

    /// [`Records::new`] with a buffer of `size` bytes (at least 4).
    fn with_buffer(read: Box<dyn Read>, delimiter: u8, size: usize) -> Records {
        let mut core = Box::new(csv_core::ReaderBuilder::new().delimiter(delimiter).build());
        // `csv_core` skips a byte-order mark at the start of what it reads first; only the start
        // of the stream may have one, and `read` skips it there. A first call that reads nothing
        // turns that off.
        let _ = core.read_record(b"\n", &mut [], &mut []);
        Records {
            read,
            buf: vec![0; size.max(4)].into_boxed_slice(),
            pos: 0,
            end: 0,
            eof: false,
            done: false,
            delimiter,
            core,
            ends: Vec::new(),
            started: false,
        }
    }

    /// Reads the next record into `record`; false at the end.
    pub fn read(&mut self, record: &mut Record) -> io::Result<bool> {
        let more = self.read_line(record)?;
        record.split_fields();
        Ok(more)
    }

    /// Reads the next record into `record`, leaving a line with no quote to be split into fields
    /// ([`Record::split_fields`]); false at the end.
    pub fn read_line(&mut self, record: &mut Record) -> io::Result<bool> {
        record.clear();
        if self.done {
            return Ok(false);
        }
        if !self.started {
            while self.end - self.pos < 3 && !self.eof {
                self.fill()?;
            }
            if self.buf[self.pos..self.end].starts_with(b"\xef\xbb\xbf") {
                self.pos += 3;
            }
            self.started = true;
        }
        loop {
            let rest = &self.buf[self.pos..self.end];
            let stop = memchr::memchr3(b'\n', b'"', b'\r', rest);
            let line = match stop {
                Some(i) if rest[i] == b'\n' => &rest[..i],
                // All the rest, at the end of the stream.
                None if self.eof => rest,
                // A line that is not whole in the buffer: read more, or let csv_core read it.
                None if self.pos > 0 || self.end < self.buf.len() => {
                    self.fill()?;
                    continue;
                }
                _ => return self.read_slow(record),
            };
            let taken = line.len() + usize::from(stop.is_some());
            if line.is_empty() {
                // A blank line is no record; at the end of the stream, nothing is left.
                if stop.is_none() {
                    self.done = true;
                    return Ok(false);
                }
                self.pos += taken;
                continue;
            }
            record.bytes.extend_from_slice(line);
            record.unsplit = Some(self.delimiter);
            self.pos += taken;
            return Ok(true);
        }
    }

    /// Reads one record with `csv_core`, from the start of a record.
    fn read_slow(&mut self, record: &mut Record) -> io::Result<bool> {
        use csv_core::ReadRecordResult as R;
        let (mut out, mut ends) = (0, 0);
        let mut watch = QuoteWatch::default();
        // Fields past MAX_FIELDS: their ends are written over one another, past the first
        // MAX_FIELDS, and counted here.
        let mut dropped = 0;
        // The record's bytes grow as csv_core fills them, from a little: a long record once
        // does not make every record after it fill as much (its allocation is kept, not filled).
        record.bytes.resize(1024, 0);
        if self.ends.is_empty() {
            self.ends.resize(64, 0);
        }
        loop {
            if self.pos == self.end && !self.eof {
                self.fill()?;
            }
            let input = &self.buf[self.pos..self.end];
            let (result, nin, nout, nend) =
                self.core
                    .read_record(input, &mut record.bytes[out..], &mut self.ends[ends..]);
            watch.feed(&input[..nin], self.delimiter);
            self.pos += nin;
            out += nout;
            ends += nend;
            match result {
                R::InputEmpty => {}
                R::OutputFull => record.bytes.resize(record.bytes.len() * 2, 0),
                R::OutputEndsFull if self.ends.len() >= MAX_FIELDS + 64 => {
                    dropped += ends - MAX_FIELDS;
                    ends = MAX_FIELDS;
                }
                R::OutputEndsFull => {
                    let len = (self.ends.len() * 2).min(MAX_FIELDS + 64);
                    self.ends.resize(len, 0);
                }
                R::Record => {
                    record.bytes.truncate(out);
                    if ends > MAX_FIELDS {
                        dropped += ends - MAX_FIELDS;
                        ends = MAX_FIELDS;
                    }
                    record.dropped = dropped;
                    let mut start = 0;
                    record.bounds.extend(self.ends[..ends].iter().map(|&end| {
                        let field = (start, end);
                        start = end;
                        field
                    }));
                    // A quote open when the record ended: it ended with the file.
                    record.open_quote = watch.swallowed();
                    return Ok(true);
                }
                R::End => {
                    record.clear();
                    self.done = true;
                    return Ok(false);
                }
            }
        }
    }

    /// Moves what is left to the front of the buffer and reads more after it, if there is room.
    fn fill(&mut self) -> io::Result<()> {
        self.buf.copy_within(self.pos..self.end, 0);
        self.end -= self.pos;
        self.pos = 0;
        if self.end == self.buf.len() {
            return Ok(());
        }
        loop {
            match self.read.read(&mut self.buf[self.end..]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(());
                }
                Ok(n) => {
                    self.end += n;
                    return Ok(());
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Gives out its bytes a few at a time, as a pipe may.
    struct Trickle {
        bytes: Vec<u8>,
        at: usize,
        step: usize,
    }

    impl Read for Trickle {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.step.min(buf.len()).min(self.bytes.len() - self.at);
            buf[..n].copy_from_slice(&self.bytes[self.at..self.at + n]);
            self.at += n;
            Ok(n)
        }
    }

    type Fields = Vec<Vec<Vec<u8>>>;

    fn ours(bytes: &[u8], delimiter: u8, buffer: usize, step: usize) -> io::Result<Fields> {
        let read = Trickle {
            bytes: bytes.to_vec(),
            at: 0,
            step,
        };
        let mut records = Records::with_buffer(Box::new(read), delimiter, buffer);
        let mut record = Record::default();
        let mut all = Vec::new();
        while records.read(&mut record)? {
            all.push(record.iter().map(<[u8]>::to_vec).collect());
        }
        // The end stays the end.
        assert!(!records.read(&mut record)?);
        Ok(all)
    }

    fn csv_crate(bytes: &[u8], delimiter: u8) -> csv::Result<Fields> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .from_reader(bytes);
        let mut record = csv::ByteRecord::new();
        let mut all = Vec::new();
        while reader.read_byte_record(&mut record)? {
            all.push(record.iter().map(<[u8]>::to_vec).collect());
        }
        Ok(all)
    }

    #[test]
    fn reads_plain_quoted_and_broken_lines() -> Result<(), Box<dyn std::error::Error>> {
        let text =
            "\u{feff}编号,名称\n\nA1,\"村,站\"\r\nA2,\"说\"\"明\"\rA3,多\n行\"x\n\n,,\nA4,\"未完";
        let got = ours(text.as_bytes(), b',', 8, 3)?;
        let fields = |r: &Vec<Vec<u8>>| -> Vec<String> {
            r.iter()
                .map(|f| String::from_utf8_lossy(f).into_owned())
                .collect()
        };
        let got: Vec<Vec<String>> = got.iter().map(fields).collect();
        assert_eq!(
            got,
            [
                vec!["编号", "名称"],
                vec!["A1", "村,站"],
                vec!["A2", "说\"明"],
                vec!["A3", "多"],
                vec!["行\"x"],
                vec!["", "", ""],
                vec!["A4", "未完"],
            ]
        );
        assert_eq!(
            ours(text.as_bytes(), b',', 1 << 16, 1 << 16)?,
            csv_crate(text.as_bytes(), b',')?
        );
        Ok(())
    }

    /// Reads every record: its first field, and what it says of an open quote.
    fn quotes(text: &str, buffer: usize) -> Vec<(String, Option<u64>)> {
        let read = Trickle {
            bytes: text.as_bytes().to_vec(),
            at: 0,
            step: 7,
        };
        let mut records = Records::with_buffer(Box::new(read), b',', buffer);
        let mut record = Record::default();
        let mut all = Vec::new();
        while records.read(&mut record).unwrap_or(false) {
            let first = record.iter().next().unwrap_or_default();
            all.push((
                String::from_utf8_lossy(first).into_owned(),
                record.open_quote(),
            ));
        }
        all
    }

    #[test]
    fn a_quote_open_at_the_end_says_how_many_lines_it_took_in() {
        for buffer in [8, 64, 1 << 16] {
            // Quotes closed, across lines, doubled, or in the middle of a field: no complaint.
            let fine = "a,\"x\ny\"\nb,\"say \"\"hi\"\"\",c\nc,d\"e\nd,\"\"\n\"e\nf\",g";
            let got = quotes(fine, buffer);
            assert!(got.iter().all(|(_, open)| open.is_none()), "{got:?}");
            assert_eq!(got.len(), 5, "{got:?}");
            // A quote opened on row 2 and never closed: the three lines after it went in.
            for end in ["", "\n"] {
                let text = format!("h,i\nA,\"oops\nB,1\nC,2\nD,3{end}");
                let got = quotes(&text, buffer);
                assert_eq!(got, [("h".to_string(), None), ("A".to_string(), Some(3))]);
            }
            // Open on the last line: nothing swallowed, still an open quote.
            let got = quotes("h\nA,\"x", buffer);
            assert_eq!(got[1], ("A".to_string(), Some(0)));
            // A doubled quote inside the open one does not close it.
            let got = quotes("h\nA,\"x\"\"y\nB", buffer);
            assert_eq!(got[1], ("A".to_string(), Some(1)));
        }
    }

    #[test]
    fn a_record_keeps_at_most_max_fields_and_counts_the_rest() {
        for (extra, buffer) in [
            (0, 1 << 20),
            (1, 1 << 20),
            (100_000, 1 << 20),
            (100_000, 64),
        ] {
            let fields = MAX_FIELDS + extra;
            // Plain (split), and with a quote (read by csv_core).
            for quoted in [false, true] {
                let mut line = ",".repeat(fields - 1);
                if quoted {
                    line.insert_str(0, "\"q\"");
                }
                line.push_str("\nnext\n");
                let read = Box::new(io::Cursor::new(line.into_bytes()));
                let mut records = Records::with_buffer(read, b',', buffer);
                let mut record = Record::default();
                assert!(records.read(&mut record).unwrap_or(false));
                assert_eq!(record.len(), MAX_FIELDS, "{extra} {quoted} {buffer}");
                assert_eq!(record.dropped(), extra, "{extra} {quoted} {buffer}");
                assert!(records.read(&mut record).unwrap_or(false));
                assert_eq!((record.len(), record.dropped()), (1, 0));
            }
        }
    }

    #[test]
    fn splits_at_every_delimiter_and_only_there() {
        for line in [
            &b""[..],
            b",",
            b"a,b",
            b",,,,,,,,,,,,,,,,,,",
            b"abcdefg,hijklmnop,,q",
            "中文,\u{2c00}\u{ac2c},x".as_bytes(),
            b"\xac\x2c\x2c\xff\x2d,\x2b\x2c\x00,",
        ] {
            let mut bounds = Vec::new();
            split(line, b',', &mut bounds);
            let fields: Vec<&[u8]> = bounds.iter().map(|&(s, e)| &line[s..e]).collect();
            let expected: Vec<&[u8]> = line.split(|&b| b == b',').collect();
            assert_eq!(fields, expected);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        /// Whatever the bytes, the buffer size and how the stream hands them over, the records
        /// are the csv crate's.
        #[test]
        fn reads_as_the_csv_crate_does(
            parts in proptest::collection::vec(
                prop_oneof![
                    Just(&b"a"[..]), Just(&b"bc"[..]), Just(&b"defghijklmn"[..]), Just(&b","[..]), Just(&b";"[..]),
                    Just(&b"\""[..]), Just(&b"\r"[..]), Just(&b"\n"[..]), Just(&b"\r\n"[..]),
                    Just(&b" "[..]), Just("中".as_bytes()), Just(&b"\xef\xbb\xbf"[..]),
                    Just(&b"\xd6\xd0"[..]), Just(&b"\0"[..]),
                ],
                0..60,
            ),
            semicolon in any::<bool>(),
            buffer in 4usize..40,
            step in 1usize..50,
        ) {
            let bytes = parts.concat();
            let delimiter = if semicolon { b';' } else { b',' };
            let ours = ours(&bytes, delimiter, buffer, step).map_err(|e| e.to_string());
            let theirs = csv_crate(&bytes, delimiter).map_err(|e| e.to_string());
            prop_assert_eq!(ours, theirs);
        }

        /// A line of any bytes and any length (across the 64-byte blocks the splitter reads and
        /// their ends) splits at every delimiter and only there.
        #[test]
        fn splits_any_line_as_slice_split_does(
            line in proptest::collection::vec(
                prop_oneof![Just(b','), Just(b';'), Just(b'\t'), Just(0x2cu8 | 0x80), any::<u8>()],
                0..300,
            ),
            delimiter in prop_oneof![Just(b','), Just(b';'), Just(b'\t'), Just(0xacu8)],
        ) {
            let mut bounds = Vec::new();
            split(&line, delimiter, &mut bounds);
            let fields: Vec<&[u8]> = bounds.iter().map(|&(s, e)| &line[s..e]).collect();
            let expected: Vec<&[u8]> = line.split(|&b| b == delimiter).collect();
            prop_assert_eq!(fields, expected);
        }
    }
}
