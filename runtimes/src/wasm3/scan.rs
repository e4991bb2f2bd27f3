//! A single pass over the module's binary before wasm3 sees it: structure, imports,
//! `_start`, and the instruction set wasm3 0.4.7 implements. `memory.copy`,
//! `memory.fill` and `memory.size` are replaced by calls to helper functions appended
//! to the module (see [`Helper`]); the function bodies are re-encoded around them.

use super::{host_function, ErrorKind, WASM3_C_VERSION};

pub(super) enum ScanError {
    Invalid(String),
    Unsupported(String),
    Unlinkable(String),
    ResourceLimit(String),
}

impl ScanError {
    pub(super) fn into_parts(self) -> (ErrorKind, String) {
        match self {
            ScanError::Invalid(m) => (ErrorKind::Invalid, m),
            ScanError::Unsupported(m) => (ErrorKind::Unsupported, m),
            ScanError::Unlinkable(m) => (ErrorKind::Unlinkable, m),
            ScanError::ResourceLimit(m) => (ErrorKind::ResourceLimit, m),
        }
    }
}

type R<T> = std::result::Result<T, ScanError>;

fn invalid<T>(message: impl Into<String>) -> R<T> {
    Err(ScanError::Invalid(message.into()))
}

fn unsupported<T>(message: impl Into<String>) -> R<T> {
    Err(ScanError::Unsupported(message.into()))
}

/// Result of a scan: the bytes wasm3 will parse, and what `instantiate` needs.
pub(super) struct Scanned {
    pub(super) bytes: Vec<u8>,
    pub(super) start_function: u32,
    pub(super) initial_pages: u32,
}

/// `memory.copy` replacement, type (i32 dst, i32 src, i32 len) -> (): traps (out of
/// bounds access) unless both ranges lie in memory, then copies forwards when
/// dst <= src and backwards otherwise, 8 bytes at a time, then bytewise.
/// Locals declaration included; see the `helpers_match_their_text` test for the text.
/// The bounds check computes the memory size in bytes as an i32, which is exact because
/// wasm3 memories are kept below 65536 pages ([`super::MAX_PAGES`]); the checks are
/// written with locals because wasm3 0.4.7 fails to compile some operand layouts of
/// comparisons ("no operation found for opcode").
pub(super) const COPY_BODY: &[u8] = &[
    0x01, 0x01, 0x7f, 0x3f, 0x00, 0x41, 0x10, 0x74, 0x21, 0x03, 0x20, 0x02, 0x20, 0x03, 0x4b,
    0x20, 0x00, 0x20, 0x03, 0x20, 0x02, 0x6b, 0x4b, 0x20, 0x01, 0x20, 0x03, 0x20, 0x02, 0x6b,
    0x4b, 0x72, 0x72, 0x04, 0x40, 0x41, 0x7f, 0x29, 0x03, 0x00, 0x1a, 0x00, 0x0b, 0x20, 0x00,
    0x20, 0x01, 0x4d, 0x04, 0x40, 0x02, 0x40, 0x03, 0x40, 0x20, 0x02, 0x41, 0x08, 0x49, 0x0d,
    0x01, 0x20, 0x00, 0x20, 0x01, 0x29, 0x03, 0x00, 0x37, 0x03, 0x00, 0x20, 0x00, 0x41, 0x08,
    0x6a, 0x21, 0x00, 0x20, 0x01, 0x41, 0x08, 0x6a, 0x21, 0x01, 0x20, 0x02, 0x41, 0x08, 0x6b,
    0x21, 0x02, 0x0c, 0x00, 0x0b, 0x0b, 0x02, 0x40, 0x03, 0x40, 0x20, 0x02, 0x45, 0x0d, 0x01,
    0x20, 0x00, 0x20, 0x01, 0x2d, 0x00, 0x00, 0x3a, 0x00, 0x00, 0x20, 0x00, 0x41, 0x01, 0x6a,
    0x21, 0x00, 0x20, 0x01, 0x41, 0x01, 0x6a, 0x21, 0x01, 0x20, 0x02, 0x41, 0x01, 0x6b, 0x21,
    0x02, 0x0c, 0x00, 0x0b, 0x0b, 0x05, 0x02, 0x40, 0x03, 0x40, 0x20, 0x02, 0x41, 0x08, 0x49,
    0x0d, 0x01, 0x20, 0x02, 0x41, 0x08, 0x6b, 0x21, 0x02, 0x20, 0x00, 0x20, 0x02, 0x6a, 0x20,
    0x01, 0x20, 0x02, 0x6a, 0x29, 0x03, 0x00, 0x37, 0x03, 0x00, 0x0c, 0x00, 0x0b, 0x0b, 0x02,
    0x40, 0x03, 0x40, 0x20, 0x02, 0x45, 0x0d, 0x01, 0x20, 0x02, 0x41, 0x01, 0x6b, 0x21, 0x02,
    0x20, 0x00, 0x20, 0x02, 0x6a, 0x20, 0x01, 0x20, 0x02, 0x6a, 0x2d, 0x00, 0x00, 0x3a, 0x00,
    0x00, 0x0c, 0x00, 0x0b, 0x0b, 0x0b, 0x0b,
];

/// `memory.fill` replacement, type (i32 dst, i32 value, i32 len) -> (): traps (out of
/// bounds access) unless the range lies in memory, then stores the byte 8 at a time,
/// then bytewise.
pub(super) const FILL_BODY: &[u8] = &[
    0x02, 0x01, 0x7e, 0x01, 0x7f, 0x3f, 0x00, 0x41, 0x10, 0x74, 0x21, 0x04, 0x20, 0x02, 0x20,
    0x04, 0x4b, 0x20, 0x00, 0x20, 0x04, 0x20, 0x02, 0x6b, 0x4b, 0x72, 0x04, 0x40, 0x41, 0x7f,
    0x29, 0x03, 0x00, 0x1a, 0x00, 0x0b, 0x20, 0x01, 0x41, 0xff, 0x01, 0x71, 0xad, 0x42, 0x81,
    0x82, 0x84, 0x88, 0x90, 0xa0, 0xc0, 0x80, 0x01, 0x7e, 0x21, 0x03, 0x02, 0x40, 0x03, 0x40,
    0x20, 0x02, 0x41, 0x08, 0x49, 0x0d, 0x01, 0x20, 0x00, 0x20, 0x03, 0x37, 0x03, 0x00, 0x20,
    0x00, 0x41, 0x08, 0x6a, 0x21, 0x00, 0x20, 0x02, 0x41, 0x08, 0x6b, 0x21, 0x02, 0x0c, 0x00,
    0x0b, 0x0b, 0x02, 0x40, 0x03, 0x40, 0x20, 0x02, 0x45, 0x0d, 0x01, 0x20, 0x00, 0x20, 0x01,
    0x3a, 0x00, 0x00, 0x20, 0x00, 0x41, 0x01, 0x6a, 0x21, 0x00, 0x20, 0x02, 0x41, 0x01, 0x6b,
    0x21, 0x02, 0x0c, 0x00, 0x0b, 0x0b, 0x0b,
];

/// `memory.size` helper, type [] -> [i32].
pub(super) const SIZE_BODY: &[u8] = &[0x00, 0x3f, 0x00, 0x0b];

const SECTION_TYPE: u8 = 1;
const SECTION_IMPORT: u8 = 2;
const SECTION_FUNCTION: u8 = 3;
const SECTION_MEMORY: u8 = 5;
const SECTION_GLOBAL: u8 = 6;
const SECTION_EXPORT: u8 = 7;
const SECTION_ELEMENT: u8 = 9;
const SECTION_CODE: u8 = 10;
const SECTION_DATA: u8 = 11;
const SECTION_DATA_COUNT: u8 = 12;

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    end: usize,
}

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8], pos: usize, end: usize) -> Reader<'a> {
        Reader { bytes, pos, end }
    }

    fn at_end(&self) -> bool {
        self.pos >= self.end
    }

    fn byte(&mut self) -> R<u8> {
        if self.pos >= self.end {
            return invalid(format!("unexpected end of data at offset {}", self.pos));
        }
        let b = self.bytes[self.pos];
        self.pos += 1;
        Ok(b)
    }

    fn take(&mut self, n: usize) -> R<&'a [u8]> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.end);
        let Some(end) = end else {
            return invalid(format!("unexpected end of data at offset {}", self.pos));
        };
        let slice = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(slice)
    }

    /// Unsigned LEB128 of at most `bits` bits.
    fn unsigned(&mut self, bits: u32) -> R<u64> {
        let mut value: u64 = 0;
        let mut shift = 0u32;
        loop {
            let b = self.byte()?;
            let chunk = u64::from(b & 0x7F);
            if shift >= bits || (bits - shift < 7 && chunk >> (bits - shift) != 0) {
                return invalid(format!("integer too large at offset {}", self.pos - 1));
            }
            value |= chunk << shift;
            if b & 0x80 == 0 {
                return Ok(value);
            }
            shift += 7;
        }
    }

    fn u32(&mut self) -> R<u32> {
        // `unsigned(32)` never returns more than 32 bits.
        self.unsigned(32).map(|v| v as u32)
    }

    /// Skip a signed LEB128 of at most `bits` bits.
    fn skip_signed(&mut self, bits: u32) -> R<()> {
        let max_bytes = bits.div_ceil(7);
        for _ in 0..max_bytes {
            if self.byte()? & 0x80 == 0 {
                return Ok(());
            }
        }
        invalid(format!("integer too large at offset {}", self.pos - 1))
    }

    fn name(&mut self) -> R<&'a str> {
        let len = self.u32()? as usize;
        let bytes = self.take(len)?;
        std::str::from_utf8(bytes).or_else(|_| invalid("name is not valid UTF-8"))
    }
}

fn value_type(b: u8) -> R<u8> {
    match b {
        0x7C..=0x7F => Ok(b),
        0x7B => unsupported(format!(
            "SIMD (v128) is not implemented by wasm3 {WASM3_C_VERSION}"
        )),
        0x70 | 0x6F => unsupported(format!(
            "reference-typed values are not implemented by wasm3 {WASM3_C_VERSION}"
        )),
        other => invalid(format!("unknown value type 0x{other:02x}")),
    }
}

fn type_name(t: u8) -> &'static str {
    match t {
        0x7F => "i32",
        0x7E => "i64",
        0x7D => "f32",
        0x7C => "f64",
        _ => "?",
    }
}

fn signature(params: &[u8], results: &[u8]) -> String {
    let list = |ts: &[u8]| {
        ts.iter()
            .map(|&t| type_name(t))
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!("[{}] -> [{}]", list(params), list(results))
}

/// An instruction of the code section replaced by a call to a helper function.
struct Patch {
    offset: usize,
    len: usize,
    helper: Helper,
}

/// Functions appended to the module to stand in for instructions wasm3 0.4.7 lacks or
/// mis-compiles, in the order they are appended.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Helper {
    /// `memory.copy`.
    Copy,
    /// `memory.fill`.
    Fill,
    /// `memory.size`: wasm3 0.4.7 compiles it into its integer register without first
    /// saving a live value held there (`Compile_Memory_Current` lacks the
    /// `PreserveRegisterIfOccupied` every other operator does), which either fails the
    /// compilation ("no operation found for opcode") or silently overwrites that value.
    /// A call saves live registers, and inside the helper the register is free.
    Size,
}

impl Helper {
    const ALL: [Helper; 3] = [Helper::Copy, Helper::Fill, Helper::Size];

    fn body(self) -> &'static [u8] {
        match self {
            Helper::Copy => COPY_BODY,
            Helper::Fill => FILL_BODY,
            Helper::Size => SIZE_BODY,
        }
    }

    /// (params, results)
    fn signature(self) -> (&'static [u8], &'static [u8]) {
        match self {
            Helper::Copy | Helper::Fill => (&[0x7F, 0x7F, 0x7F], &[]),
            Helper::Size => (&[], &[0x7F]),
        }
    }
}

struct Section {
    id: u8,
    /// Offset of the section id byte.
    start: usize,
    end: usize,
}

#[derive(Default)]
struct Info {
    types: Vec<(Vec<u8>, Vec<u8>)>,
    /// Offset just past the type count (where the entries start).
    type_entries: usize,
    function_types: Vec<u32>,
    imported_functions: u32,
    function_entries: usize,
    defined_functions: u32,
    code_entries: usize,
    /// Byte range of each function body (locals and code, after its size).
    bodies: Vec<(usize, usize)>,
    start_export: Option<u32>,
    initial_pages: u32,
    patches: Vec<Patch>,
}

pub(super) fn scan(wasm: &[u8]) -> R<Scanned> {
    if wasm.len() < 8 || wasm[0..4] != *b"\0asm" {
        return invalid("not a WebAssembly module (bad magic number)");
    }
    if wasm[4..8] != [1, 0, 0, 0] {
        return invalid("unsupported WebAssembly binary version");
    }
    let mut info = Info::default();
    let mut sections = Vec::new();
    let mut reader = Reader::new(wasm, 8, wasm.len());
    let mut last_order = 0u32;
    while !reader.at_end() {
        let start = reader.pos;
        let id = reader.byte()?;
        let size = reader.u32()? as usize;
        let body = reader.pos;
        let end = body
            .checked_add(size)
            .filter(|&e| e <= wasm.len())
            .ok_or_else(|| ScanError::Invalid(format!("section {id} extends past the end")))?;
        // Spec order of non-custom sections; data count sits between element and code.
        let order = match id {
            0 => 0,
            1..=9 => u32::from(id) * 2,
            SECTION_DATA_COUNT => 19,
            10 | 11 => u32::from(id) * 2,
            _ => return invalid(format!("unknown section id {id}")),
        };
        if order != 0 {
            if order <= last_order {
                return invalid(format!("section {id} out of order or duplicated"));
            }
            last_order = order;
        }
        let mut r = Reader::new(wasm, body, end);
        match id {
            SECTION_TYPE => scan_types(&mut r, &mut info)?,
            SECTION_IMPORT => scan_imports(&mut r, &mut info)?,
            SECTION_FUNCTION => scan_functions(&mut r, &mut info)?,
            SECTION_MEMORY => scan_memory(&mut r, &mut info)?,
            SECTION_GLOBAL => scan_globals(&mut r)?,
            SECTION_EXPORT => scan_exports(&mut r, &mut info)?,
            SECTION_ELEMENT => scan_elements(&mut r)?,
            SECTION_CODE => scan_code(&mut r, &mut info)?,
            SECTION_DATA => scan_data(&mut r)?,
            _ => r.pos = end,
        }
        if r.pos != end {
            return invalid(format!("section {id} size mismatch"));
        }
        sections.push(Section { id, start, end });
        reader.pos = end;
    }
    if info.defined_functions as usize
        != info.function_types.len() - info.imported_functions as usize
    {
        return invalid("function and code section counts differ");
    }
    let Some(start) = info.start_export else {
        return invalid("module exports no `_start` function (not a WASI command)");
    };
    let start_type = info
        .function_types
        .get(start as usize)
        .and_then(|&t| info.types.get(t as usize));
    match start_type {
        Some((params, results)) if params.is_empty() && results.is_empty() => {}
        _ => return invalid("export `_start` is not a function of type [] -> []"),
    }
    let bytes = rewrite(wasm, &sections, &info)?;
    Ok(Scanned {
        bytes,
        start_function: start,
        initial_pages: info.initial_pages,
    })
}

fn scan_types(r: &mut Reader<'_>, info: &mut Info) -> R<()> {
    let count = r.u32()?;
    info.type_entries = r.pos;
    for _ in 0..count {
        if r.byte()? != 0x60 {
            return unsupported("only function types are supported");
        }
        let mut params = Vec::new();
        for _ in 0..r.u32()? {
            params.push(value_type(r.byte()?)?);
        }
        let mut results = Vec::new();
        for _ in 0..r.u32()? {
            results.push(value_type(r.byte()?)?);
        }
        if results.len() > 1 {
            return unsupported(format!(
                "multi-value function types are not implemented by wasm3 {WASM3_C_VERSION}"
            ));
        }
        info.types.push((params, results));
    }
    Ok(())
}

fn scan_imports(r: &mut Reader<'_>, info: &mut Info) -> R<()> {
    for _ in 0..r.u32()? {
        let module = r.name()?;
        let field = r.name()?;
        match r.byte()? {
            0 => {
                let t = r.u32()?;
                let Some((params, results)) = info.types.get(t as usize) else {
                    return invalid(format!("import `{module}::{field}` has an unknown type"));
                };
                let Some(host) = host_function(module, field) else {
                    return Err(ScanError::Unlinkable(format!(
                        "unknown import `{module}::{field}` (this backend provides WASI \
                         preview1 functions only)"
                    )));
                };
                if host.params != params.as_slice() || host.results != results.as_slice() {
                    return Err(ScanError::Unlinkable(format!(
                        "import `{module}::{field}` has type {}, expected {}",
                        signature(params, results),
                        signature(host.params, host.results)
                    )));
                }
                info.function_types.push(t);
                info.imported_functions += 1;
            }
            kind => {
                let what = match kind {
                    1 => "table",
                    2 => "memory",
                    3 => "global",
                    _ => "unknown kind of",
                };
                return Err(ScanError::Unlinkable(format!(
                    "unknown import `{module}::{field}`: this backend provides no {what} imports"
                )));
            }
        }
    }
    Ok(())
}

fn scan_functions(r: &mut Reader<'_>, info: &mut Info) -> R<()> {
    let count = r.u32()?;
    info.function_entries = r.pos;
    for _ in 0..count {
        let t = r.u32()?;
        if t as usize >= info.types.len() {
            return invalid(format!("function type index {t} out of range"));
        }
        info.function_types.push(t);
    }
    Ok(())
}

fn scan_memory(r: &mut Reader<'_>, info: &mut Info) -> R<()> {
    let count = r.u32()?;
    if count > 1 {
        return unsupported(format!(
            "multiple memories are not implemented by wasm3 {WASM3_C_VERSION}"
        ));
    }
    if count == 1 {
        let flags = r.byte()?;
        let initial = r.u32()?;
        match flags {
            0 => {}
            1 => {
                let max = r.u32()?;
                if max < initial {
                    return invalid("memory maximum below its minimum");
                }
            }
            _ => {
                return unsupported(format!(
                    "shared or 64-bit memories are not implemented by wasm3 {WASM3_C_VERSION}"
                ))
            }
        }
        if initial > 65536 {
            return invalid("memory size must be at most 65536 pages (4 GiB)");
        }
        if initial > super::MAX_PAGES {
            return Err(ScanError::ResourceLimit(format!(
                "initial memory of {initial} pages exceeds what wasm3 {WASM3_C_VERSION} can allocate"
            )));
        }
        info.initial_pages = initial;
    }
    Ok(())
}

fn scan_exports(r: &mut Reader<'_>, info: &mut Info) -> R<()> {
    for _ in 0..r.u32()? {
        let name = r.name()?;
        let kind = r.byte()?;
        let index = r.u32()?;
        if name == "_start" {
            if kind != 0 {
                return invalid("export `_start` is not a function");
            }
            if index as usize >= info.function_types.len() {
                return invalid("export `_start` refers to an unknown function");
            }
            info.start_export = Some(index);
        }
    }
    Ok(())
}

/// A constant expression (global initialiser, segment offset) up to its `end`. wasm3
/// evaluates these with its compiler, so they get the same opcode check as code.
fn const_expr(r: &mut Reader<'_>) -> R<()> {
    loop {
        match r.byte()? {
            0x0B => return Ok(()),
            0x41 => r.skip_signed(32)?,
            0x42 => r.skip_signed(64)?,
            0x43 => {
                r.take(4)?;
            }
            0x44 => {
                r.take(8)?;
            }
            0x23 => {
                r.u32()?;
            }
            op => {
                return unsupported(format!(
                    "opcode 0x{op:02x} in a constant expression is not implemented by wasm3 {WASM3_C_VERSION}"
                ))
            }
        }
    }
}

fn scan_globals(r: &mut Reader<'_>) -> R<()> {
    for _ in 0..r.u32()? {
        value_type(r.byte()?)?;
        if r.byte()? > 1 {
            return invalid("malformed global mutability");
        }
        const_expr(r)?;
    }
    Ok(())
}

fn scan_elements(r: &mut Reader<'_>) -> R<()> {
    for _ in 0..r.u32()? {
        if r.u32()? != 0 {
            return unsupported(format!(
                "element segments other than active ones of table 0 (reference types, bulk \
                 memory) are not implemented by wasm3 {WASM3_C_VERSION}"
            ));
        }
        const_expr(r)?;
        for _ in 0..r.u32()? {
            r.u32()?;
        }
    }
    Ok(())
}

fn scan_data(r: &mut Reader<'_>) -> R<()> {
    for _ in 0..r.u32()? {
        match r.u32()? {
            0 => {}
            _ => {
                return unsupported(format!(
                    "passive data segments (bulk memory) are not implemented by wasm3 {WASM3_C_VERSION}"
                ))
            }
        }
        const_expr(r)?;
        let len = r.u32()? as usize;
        r.take(len)?;
    }
    Ok(())
}

fn scan_code(r: &mut Reader<'_>, info: &mut Info) -> R<()> {
    let count = r.u32()?;
    info.code_entries = r.pos;
    info.defined_functions = count;
    for index in 0..count {
        let size = r.u32()? as usize;
        let body_end = r
            .pos
            .checked_add(size)
            .filter(|&e| e <= r.end)
            .ok_or_else(|| {
                ScanError::Invalid(format!("function body {index} extends past its section"))
            })?;
        let mut body = Reader::new(r.bytes, r.pos, body_end);
        let mut locals: u64 = 0;
        for _ in 0..body.u32()? {
            locals = locals.saturating_add(u64::from(body.u32()?));
            value_type(body.byte()?)?;
        }
        if locals > 50_000 {
            return invalid(format!("function body {index} declares too many locals"));
        }
        scan_instructions(&mut body, &mut info.patches)?;
        if body.pos != body_end {
            return invalid(format!(
                "function body {index} has bytes after its final `end`"
            ));
        }
        info.bodies.push((r.pos, body_end));
        r.pos = body_end;
    }
    Ok(())
}

/// Walk one function body's instructions up to its final `end`.
fn scan_instructions(r: &mut Reader<'_>, patches: &mut Vec<Patch>) -> R<()> {
    let mut depth: u32 = 0;
    loop {
        let at = r.pos;
        let op = r.byte()?;
        match op {
            0x0B => {
                if depth == 0 {
                    return Ok(());
                }
                depth -= 1;
            }
            0x02..=0x04 => {
                block_type(r)?;
                depth += 1;
            }
            0x00 | 0x01 | 0x05 | 0x0F | 0x1A | 0x1B => {}
            0x0C | 0x0D | 0x10 | 0x20..=0x24 => {
                r.u32()?;
            }
            0x0E => {
                let targets = r.u32()?;
                for _ in 0..=targets {
                    r.u32()?;
                }
            }
            0x11 => {
                r.u32()?;
                if r.byte()? != 0 {
                    return unsupported(format!(
                        "call_indirect on a table other than 0 is not implemented by wasm3 {WASM3_C_VERSION}"
                    ));
                }
            }
            0x28..=0x3E => {
                let align = r.u32()?;
                if align >= 32 {
                    return unsupported("memory instruction with an explicit memory index");
                }
                r.u32()?;
            }
            0x3F | 0x40 => {
                if r.byte()? != 0 {
                    return unsupported("memory.size/grow on a memory other than 0");
                }
                if op == 0x3F {
                    patches.push(Patch {
                        offset: at,
                        len: r.pos - at,
                        helper: Helper::Size,
                    });
                }
            }
            0x41 => r.skip_signed(32)?,
            0x42 => r.skip_signed(64)?,
            0x43 => {
                r.take(4)?;
            }
            0x44 => {
                r.take(8)?;
            }
            0x45..=0xC4 => {}
            0xFC => fc_instruction(r, at, patches)?,
            _ => return refused_opcode(op, at),
        }
    }
}

/// The 0xFC-prefixed instruction at `at` (its prefix read): the saturating conversions, and
/// bulk memory's copy and fill on memory 0, which are patched into helper calls.
fn fc_instruction(r: &mut Reader<'_>, at: usize, patches: &mut Vec<Patch>) -> R<()> {
    let sub = r.u32()?;
    match sub {
        0..=7 => {}
        10 | 11 => {
            let memories = if sub == 10 { 2 } else { 1 };
            for _ in 0..memories {
                if r.u32()? != 0 {
                    return unsupported("bulk memory on a memory other than 0");
                }
            }
            let helper = if sub == 10 { Helper::Copy } else { Helper::Fill };
            patches.push(Patch {
                offset: at,
                len: r.pos - at,
                helper,
            });
        }
        8 | 9 => {
            return unsupported(format!(
                "memory.init/data.drop (bulk memory) are not implemented by wasm3 {WASM3_C_VERSION}"
            ))
        }
        12..=17 => {
            return unsupported(format!(
                "table instructions (reference types) are not implemented by wasm3 {WASM3_C_VERSION}"
            ))
        }
        _ => return invalid(format!("unknown instruction 0xfc {sub}")),
    }
    Ok(())
}

/// An opcode wasm3 0.4.7 does not implement (it indexes its tables with the raw opcode, so
/// an unknown one must never reach it), named by the proposal it belongs to.
fn refused_opcode(op: u8, at: usize) -> R<()> {
    match op {
        0xFD => unsupported(format!("SIMD is not implemented by wasm3 {WASM3_C_VERSION}")),
        0x06..=0x0A | 0x18 | 0x19 | 0x1F => {
            unsupported(format!(
                "exception handling is not implemented by wasm3 {WASM3_C_VERSION}"
            ))
        }
        0x12 | 0x13 => {
            unsupported(format!("tail calls are not implemented by wasm3 {WASM3_C_VERSION}"))
        }
        0x1C | 0x25 | 0x26 | 0xD0..=0xD2 => {
            unsupported(format!(
                "reference types are not implemented by wasm3 {WASM3_C_VERSION}"
            ))
        }
        _ => {
            unsupported(format!(
                "opcode 0x{op:02x} at offset {at} is not implemented by wasm3 {WASM3_C_VERSION}"
            ))
        }
    }
}

fn block_type(r: &mut Reader<'_>) -> R<()> {
    match r.byte()? {
        0x40 | 0x7F | 0x7E | 0x7D | 0x7C => Ok(()),
        0x7B | 0x70 | 0x6F => unsupported(format!(
            "block results of type v128 or references are not implemented by wasm3 {WASM3_C_VERSION}"
        )),
        _ => unsupported(format!(
            "blocks with a type index (multi-value) are not implemented by wasm3 {WASM3_C_VERSION}"
        )),
    }
}

fn write_u32(out: &mut Vec<u8>, mut value: u32) {
    loop {
        let byte = (value & 0x7F) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn section(out: &mut Vec<u8>, id: u8, contents: &[u8]) -> R<()> {
    out.push(id);
    write_len(out, contents.len())?;
    out.extend_from_slice(contents);
    Ok(())
}

fn write_len(out: &mut Vec<u8>, len: usize) -> R<()> {
    let len = u32::try_from(len).or_else(|_| unsupported("module too large"))?;
    write_u32(out, len);
    Ok(())
}

/// Build the module wasm3 will parse: patched instructions replaced by calls, helpers
/// appended (with their types if the module lacks them), and no data count section
/// (wasm3 0.4.7 rejects it as out of order). A module needing none of this is copied.
fn rewrite(wasm: &[u8], sections: &[Section], info: &Info) -> R<Vec<u8>> {
    let has_data_count = sections.iter().any(|s| s.id == SECTION_DATA_COUNT);
    if info.patches.is_empty() && !has_data_count {
        return Ok(wasm.to_vec());
    }
    let helpers: Vec<Helper> = Helper::ALL
        .into_iter()
        .filter(|h| info.patches.iter().any(|p| p.helper == *h))
        .collect();
    let total = info.function_types.len() + helpers.len();
    let first_helper = u32::try_from(info.function_types.len())
        .ok()
        .filter(|_| total <= 1_000_000)
        .ok_or_else(|| ScanError::Unsupported("too many functions".into()))?;
    let helper_index = |h: Helper| {
        let position = helpers.iter().position(|x| *x == h).unwrap_or(0);
        first_helper + position as u32
    };

    let (helper_types, new_types) = helper_types(info, &helpers)?;
    let has = |id: u8| sections.iter().any(|s| s.id == id);
    let complete = has(SECTION_TYPE) && has(SECTION_FUNCTION) && has(SECTION_CODE);
    if !helpers.is_empty() && !complete {
        return invalid("code without type, function or code section");
    }

    let mut out = wasm[..8].to_vec();
    for s in sections {
        match s.id {
            SECTION_DATA_COUNT => {}
            SECTION_TYPE if !new_types.is_empty() => {
                section(&mut out, s.id, &type_section(wasm, s, info, &new_types)?)?;
            }
            SECTION_FUNCTION if !helpers.is_empty() => {
                let mut c = Vec::new();
                write_len(&mut c, info.defined_functions as usize + helpers.len())?;
                c.extend_from_slice(&wasm[info.function_entries..s.end]);
                for &t in &helper_types {
                    write_u32(&mut c, t);
                }
                section(&mut out, s.id, &c)?;
            }
            SECTION_CODE if !helpers.is_empty() => {
                section(&mut out, s.id, &code_section(wasm, info, &helpers, &helper_index)?)?;
            }
            _ => out.extend_from_slice(&wasm[s.start..s.end]),
        }
    }
    Ok(out)
}

/// The type index of each helper: an existing type of the module with its signature, or
/// one appended (each new signature once); and the types to append.
fn helper_types(info: &Info, helpers: &[Helper]) -> R<(Vec<u32>, Vec<(&'static [u8], &'static [u8])>)> {
    let mut new_types: Vec<(&[u8], &[u8])> = Vec::new();
    let mut helper_types = Vec::new();
    for h in helpers {
        let (params, results) = h.signature();
        let existing = info
            .types
            .iter()
            .position(|(p, r)| p.as_slice() == params && r.as_slice() == results);
        let index = match existing {
            Some(t) => t,
            None => match new_types.iter().position(|&t| t == (params, results)) {
                Some(t) => info.types.len() + t,
                None => {
                    new_types.push((params, results));
                    info.types.len() + new_types.len() - 1
                }
            },
        };
        helper_types.push(u32::try_from(index).or_else(|_| unsupported("too many types"))?);
    }
    Ok((helper_types, new_types))
}

/// The type section `s` with the helpers' new types appended.
fn type_section(wasm: &[u8], s: &Section, info: &Info, new_types: &[(&[u8], &[u8])]) -> R<Vec<u8>> {
    let mut c = Vec::new();
    write_len(&mut c, info.types.len() + new_types.len())?;
    c.extend_from_slice(&wasm[info.type_entries..s.end]);
    for (params, results) in new_types {
        c.push(0x60);
        write_len(&mut c, params.len())?;
        c.extend_from_slice(params);
        write_len(&mut c, results.len())?;
        c.extend_from_slice(results);
    }
    Ok(c)
}

/// The code section: every body with its patched instructions replaced by calls of the
/// helpers, then the helpers' bodies.
fn code_section(wasm: &[u8], info: &Info, helpers: &[Helper], helper_index: &dyn Fn(Helper) -> u32) -> R<Vec<u8>> {
    let mut c = Vec::new();
    write_len(&mut c, info.defined_functions as usize + helpers.len())?;
    let mut patches = info.patches.iter().peekable();
    let mut body = Vec::new();
    for &(start, end) in &info.bodies {
        body.clear();
        let mut pos = start;
        while let Some(p) = patches.next_if(|p| p.offset < end) {
            body.extend_from_slice(&wasm[pos..p.offset]);
            body.push(0x10); // call
            write_u32(&mut body, helper_index(p.helper));
            pos = p.offset + p.len;
        }
        body.extend_from_slice(&wasm[pos..end]);
        write_len(&mut c, body.len())?;
        c.extend_from_slice(&body);
    }
    for h in helpers {
        write_len(&mut c, h.body().len())?;
        c.extend_from_slice(h.body());
    }
    Ok(c)
}
