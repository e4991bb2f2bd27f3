//! The module as wasm3 will see it. wasmparser reads the sections (structure, order,
//! counts, types, imports, exports, segments); this file adds what wasm3 0.4.7 needs on
//! top: imports checked against the WASI host functions, a `_start` export, memory limits,
//! and only instructions wasm3 implements. Function bodies are walked opcode by opcode
//! with wasmparser's `BinaryReader` (wasm3 indexes its opcode tables with the raw bytes).
//! `memory.copy`, `memory.fill` and `memory.size` are then replaced by calls to helper
//! functions appended to the module (see [`Helper`]). Function bodies and untouched
//! sections are copied byte for byte, so wasm3 parses the same instruction encodings
//! (LEB128 padding included) as in the original; the type, function and code sections
//! that change are written with wasm-encoder.

use std::ops::Range;

use wasm_encoder::{CodeSection, FunctionSection, InstructionSink, Section as _, TypeSection};
use wasmparser::{
    BinaryReader, BinaryReaderError, CompositeInnerType, DataSectionReader,
    ElementSectionReader, Encoding, ExportSectionReader, ExternalKind, FunctionBody,
    FunctionSectionReader, GlobalSectionReader, ImportSectionReader, MemorySectionReader,
    Parser, Payload, TypeRef, TypeSectionReader, ValType,
};

use super::host::code;
use super::{host_function, ErrorKind, I32, I64, WASM3_C_VERSION};

/// Why the scan refuses a module: the kind of error and its message.
pub(super) struct ScanError(ErrorKind, String);

impl ScanError {
    pub(super) fn into_parts(self) -> (ErrorKind, String) {
        (self.0, self.1)
    }
}

/// What wasmparser cannot read is malformed.
impl From<BinaryReaderError> for ScanError {
    fn from(e: BinaryReaderError) -> ScanError {
        ScanError(ErrorKind::Invalid, e.to_string())
    }
}

type R<T> = std::result::Result<T, ScanError>;

fn fail<T>(kind: ErrorKind, message: impl Into<String>) -> R<T> {
    Err(ScanError(kind, message.into()))
}

fn invalid<T>(message: impl Into<String>) -> R<T> {
    fail(ErrorKind::Invalid, message)
}

fn unsupported<T>(message: impl Into<String>) -> R<T> {
    fail(ErrorKind::Unsupported, message)
}

/// Refusal of a feature wasm3 lacks: "`what` is/are not implemented by wasm3 0.4.7".
fn lacks<T>(what: &str) -> R<T> {
    unsupported(format!("{what} not implemented by wasm3 {WASM3_C_VERSION}"))
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
            Helper::Copy | Helper::Fill => (&[I32, I32, I32], &[]),
            Helper::Size => (&[], &[I32]),
        }
    }
}

/// Type codes of the value types wasm3 implements (the host functions list theirs with
/// `I32` and `I64`).
const F32: u8 = 0x7D;
const F64: u8 = 0x7C;

fn value_type(t: ValType) -> R<u8> {
    match t {
        ValType::I32 => Ok(I32),
        ValType::I64 => Ok(I64),
        ValType::F32 => Ok(F32),
        ValType::F64 => Ok(F64),
        ValType::V128 => lacks("SIMD (v128) is"),
        ValType::Ref(_) => lacks("reference-typed values are"),
    }
}

fn type_name(t: u8) -> &'static str {
    match t {
        I32 => "i32",
        I64 => "i64",
        F32 => "f32",
        F64 => "f64",
        _ => "?",
    }
}

fn encoder_type(t: u8) -> wasm_encoder::ValType {
    match t {
        I64 => wasm_encoder::ValType::I64,
        F32 => wasm_encoder::ValType::F32,
        F64 => wasm_encoder::ValType::F64,
        _ => wasm_encoder::ValType::I32,
    }
}

/// A function type as (params, results) type codes.
type FuncType = (Vec<u8>, Vec<u8>);

fn signature(params: &[u8], results: &[u8]) -> String {
    let list = |ts: &[u8]| ts.iter().map(|&t| type_name(t)).collect::<Vec<_>>().join(", ");
    format!("[{}] -> [{}]", list(params), list(results))
}

/// A section of the module: its id and its bytes, header included.
struct Section {
    id: u8,
    bytes: Range<usize>,
}

/// What the scan learns about the module.
#[derive(Default)]
struct Info {
    types: Vec<FuncType>,
    /// Type index of every function, imported ones first.
    function_types: Vec<u32>,
    imported_functions: usize,
    start_export: Option<u32>,
    initial_pages: u32,
    sections: Vec<Section>,
    /// Byte range of each function body (locals and code, after its size).
    bodies: Vec<Range<usize>>,
    patches: Vec<Patch>,
}

pub(super) fn scan(wasm: &[u8]) -> R<Scanned> {
    let mut info = Info::default();
    let mut section_start = 0;
    for payload in Parser::new(0).parse_all(wasm) {
        let payload = payload?;
        scan_payload(wasm, &payload, &mut info)?;
        if let Some((id, contents)) = payload.as_section() {
            let end = offset(contents.end);
            info.sections.push(Section {
                id,
                bytes: section_start..end,
            });
            section_start = end;
        } else if let Payload::Version { range, .. } = &payload {
            section_start = offset(range.end);
        }
    }
    let start = start_function(&info)?;
    Ok(Scanned {
        bytes: rewrite(wasm, &info)?,
        start_function: start,
        initial_pages: info.initial_pages,
    })
}

/// A file offset from wasmparser (which reads from memory, so it fits).
fn offset(position: u64) -> usize {
    usize::try_from(position).unwrap_or(usize::MAX)
}

fn scan_payload(wasm: &[u8], payload: &Payload<'_>, info: &mut Info) -> R<()> {
    match payload {
        Payload::Version {
            encoding: Encoding::Module,
            num: 1,
            ..
        } => Ok(()),
        Payload::Version { .. } => invalid("unsupported WebAssembly binary version"),
        Payload::TypeSection(r) => scan_types(wasm, r.clone(), info),
        Payload::ImportSection(r) => scan_imports(r.clone(), info),
        Payload::FunctionSection(r) => scan_functions(r.clone(), info),
        Payload::MemorySection(r) => scan_memory(r.clone(), info),
        Payload::GlobalSection(r) => scan_globals(r.clone()),
        Payload::ExportSection(r) => scan_exports(r.clone(), info),
        Payload::ElementSection(r) => scan_elements(wasm, r.clone()),
        Payload::DataSection(r) => scan_data(wasm, r),
        Payload::CodeSectionEntry(body) => scan_body(body, info),
        Payload::TagSection(_) => invalid("unknown section id 13"),
        Payload::UnknownSection { id, .. } => invalid(format!("unknown section id {id}")),
        // Table, start, data count and custom sections: read by wasm3 only.
        _ => Ok(()),
    }
}

/// The `_start` export, which must be a function of type [] -> [].
fn start_function(info: &Info) -> R<u32> {
    let Some(start) = info.start_export else {
        return invalid("module exports no `_start` function (not a WASI command)");
    };
    let start_type = info
        .function_types
        .get(start as usize)
        .and_then(|&t| info.types.get(t as usize));
    match start_type {
        Some((params, results)) if params.is_empty() && results.is_empty() => Ok(start),
        _ => invalid("export `_start` is not a function of type [] -> []"),
    }
}

fn scan_types(wasm: &[u8], reader: TypeSectionReader<'_>, info: &mut Info) -> R<()> {
    for group in reader.into_iter_with_offsets() {
        let (at, group) = group?;
        let inner = group.into_types().next().map(|t| t.composite_type.inner);
        let (Some(CompositeInnerType::Func(f)), Some(0x60)) = (inner, wasm.get(offset(at))) else {
            return unsupported("only function types are supported");
        };
        let codes = |ts: &[ValType]| ts.iter().map(|&t| value_type(t)).collect::<R<Vec<u8>>>();
        let (params, results) = (codes(f.params())?, codes(f.results())?);
        if results.len() > 1 {
            return lacks("multi-value function types are");
        }
        info.types.push((params, results));
    }
    Ok(())
}

fn scan_imports(reader: ImportSectionReader<'_>, info: &mut Info) -> R<()> {
    for import in reader.into_imports() {
        let import = import?;
        let (module, field) = (import.module, import.name);
        let what = match import.ty {
            TypeRef::Func(t) => {
                check_import(module, field, info.types.get(t as usize))?;
                info.function_types.push(t);
                info.imported_functions += 1;
                continue;
            }
            TypeRef::Table(_) => "table",
            TypeRef::Memory(_) => "memory",
            TypeRef::Global(_) => "global",
            TypeRef::Tag(_) | TypeRef::FuncExact(_) => "unknown kind of",
        };
        return fail(
            ErrorKind::Unlinkable,
            format!("unknown import `{module}::{field}`: this backend provides no {what} imports"),
        );
    }
    Ok(())
}

/// A function import must be a host function of the same type.
fn check_import(module: &str, field: &str, ty: Option<&FuncType>) -> R<()> {
    let Some((params, results)) = ty else {
        return invalid(format!("import `{module}::{field}` has an unknown type"));
    };
    let Some((_, host)) = host_function(module, field) else {
        return fail(
            ErrorKind::Unlinkable,
            format!(
                "unknown import `{module}::{field}` (this backend provides WASI preview1 \
                 functions only)"
            ),
        );
    };
    let host_params: Vec<u8> = host.params.iter().map(|&t| code(t)).collect();
    let host_results: Vec<u8> = host.results.iter().map(|&t| code(t)).collect();
    if host_params != *params || host_results != *results {
        let expected = signature(&host_params, &host_results);
        let message = format!("import `{module}::{field}` has type {}, expected {expected}", signature(params, results));
        return fail(ErrorKind::Unlinkable, message);
    }
    Ok(())
}

fn scan_functions(reader: FunctionSectionReader<'_>, info: &mut Info) -> R<()> {
    for t in reader {
        let t = t?;
        if t as usize >= info.types.len() {
            return invalid(format!("function type index {t} out of range"));
        }
        info.function_types.push(t);
    }
    Ok(())
}

fn scan_memory(reader: MemorySectionReader<'_>, info: &mut Info) -> R<()> {
    if reader.count() > 1 {
        return lacks("multiple memories are");
    }
    for memory in reader {
        let memory = memory?;
        if memory.memory64 || memory.shared || memory.page_size_log2.is_some() {
            return lacks("shared or 64-bit memories are");
        }
        if memory.maximum.is_some_and(|max| max < memory.initial) {
            return invalid("memory maximum below its minimum");
        }
        let Some(initial) = u32::try_from(memory.initial).ok().filter(|&i| i <= 65536) else {
            return invalid("memory size must be at most 65536 pages (4 GiB)");
        };
        if initial > super::MAX_PAGES {
            let message = format!(
                "initial memory of {initial} pages exceeds what wasm3 {WASM3_C_VERSION} can allocate"
            );
            return fail(ErrorKind::ResourceLimit, message);
        }
        info.initial_pages = initial;
    }
    Ok(())
}

fn scan_exports(reader: ExportSectionReader<'_>, info: &mut Info) -> R<()> {
    for export in reader {
        let export = export?;
        if export.name == "_start" {
            if export.kind != ExternalKind::Func {
                return invalid("export `_start` is not a function");
            }
            if export.index as usize >= info.function_types.len() {
                return invalid("export `_start` refers to an unknown function");
            }
            info.start_export = Some(export.index);
        }
    }
    Ok(())
}

fn scan_globals(reader: GlobalSectionReader<'_>) -> R<()> {
    for global in reader {
        let global = global?;
        value_type(global.ty.content_type)?;
        if global.ty.shared {
            return invalid("malformed global mutability");
        }
        const_expr(&mut global.init_expr.get_binary_reader())?;
    }
    Ok(())
}

/// The leading LEB128 of an element or data segment: its flags, which wasm3 reads as a
/// table or memory index, so only 0 (active, table or memory 0) can be given to it.
fn segment_flags(wasm: &[u8], segment: &Range<u64>) -> R<u32> {
    let at = offset(segment.start);
    Ok(BinaryReader::new(&wasm[at..offset(segment.end)], segment.start).read_var_u32()?)
}

fn scan_elements(wasm: &[u8], reader: ElementSectionReader<'_>) -> R<()> {
    for element in reader {
        let element = element?;
        if segment_flags(wasm, &element.range)? != 0 {
            return lacks(
                "element segments other than active ones of table 0 (reference types, bulk \
                 memory) are",
            );
        }
        if let wasmparser::ElementKind::Active { offset_expr, .. } = &element.kind {
            const_expr(&mut offset_expr.get_binary_reader())?;
        }
    }
    Ok(())
}

/// Data segments, read on the section's raw bytes: a Go module carries thousands, and
/// wasmparser's `Data` reader would decode each offset expression once more.
fn scan_data(wasm: &[u8], reader: &DataSectionReader<'_>) -> R<()> {
    let (start, end) = (offset(reader.original_position()), offset(reader.range().end));
    let mut r = BinaryReader::new(&wasm[start..end], reader.original_position());
    for _ in 0..reader.count() {
        if r.read_var_u32()? != 0 {
            return lacks("passive data segments (bulk memory) are");
        }
        const_expr(&mut r)?;
        let len = r.read_var_u32()?;
        r.read_bytes(len as usize)?;
    }
    if !r.eof() {
        return invalid("section 11 size mismatch");
    }
    Ok(())
}

/// A constant expression (global initialiser, segment offset) up to its `end`. wasm3
/// evaluates these with its compiler, so they get an opcode check on the raw bytes, as
/// code does in [`instruction`].
fn const_expr(r: &mut BinaryReader<'_>) -> R<()> {
    loop {
        match r.read_u8()? {
            0x0B => return Ok(()),
            0x41 => drop(r.read_var_i32()?),
            0x42 => drop(r.read_var_i64()?),
            0x43 => drop(r.read_bytes(4)?),
            0x44 => drop(r.read_bytes(8)?),
            0x23 => drop(r.read_var_u32()?),
            op => return lacks(&format!("opcode 0x{op:02x} in a constant expression is")),
        }
    }
}

fn scan_body(body: &FunctionBody<'_>, info: &mut Info) -> R<()> {
    let index = info.bodies.len();
    let mut locals: u64 = 0;
    for local in body.get_locals_reader()? {
        let (count, t) = local?;
        locals = locals.saturating_add(u64::from(count));
        value_type(t)?;
    }
    if locals > 50_000 {
        return invalid(format!("function body {index} declares too many locals"));
    }
    let mut code = body.get_binary_reader_for_operators()?;
    scan_instructions(&mut code, &mut info.patches)?;
    if !code.eof() {
        return invalid(format!("function body {index} has bytes after its final `end`"));
    }
    info.bodies.push(offset(body.range().start)..offset(body.range().end));
    Ok(())
}

/// Walk one function body's instructions up to its final `end`. The walk reads raw opcode
/// bytes with wasmparser's `BinaryReader` rather than decoding each instruction into an
/// operator: wasm3 indexes its opcode tables with these bytes, and a full decode made
/// wasm3's `prepare` 60-70% slower.
fn scan_instructions(r: &mut BinaryReader<'_>, patches: &mut Vec<Patch>) -> R<()> {
    let mut depth: u32 = 0;
    loop {
        let at = offset(r.original_position());
        match r.read_u8()? {
            0x0B if depth == 0 => return Ok(()),
            0x0B => depth -= 1,
            0x02..=0x04 => {
                block_type(r.read_u8()?)?;
                depth += 1;
            }
            op => {
                if let Some(helper) = immediates(r, op, at)? {
                    let len = offset(r.original_position()) - at;
                    patches.push(Patch { offset: at, len, helper });
                }
            }
        }
    }
}

/// Read the immediates of instruction `op` (at file offset `at`, neither a block nor an
/// `end`), refusing what wasm3 0.4.7 does not implement; the helper that replaces it, if any.
fn immediates(r: &mut BinaryReader<'_>, op: u8, at: usize) -> R<Option<Helper>> {
    match op {
        0x00 | 0x01 | 0x05 | 0x0F | 0x1A | 0x1B | 0x45..=0xC4 => {}
        0x0C | 0x0D | 0x10 | 0x20..=0x24 => drop(r.read_var_u32()?),
        0x0E => {
            for _ in 0..=r.read_var_u32()? {
                r.read_var_u32()?;
            }
        }
        0x11 => {
            r.read_var_u32()?;
            if r.read_u8()? != 0 {
                return lacks("call_indirect on a table other than 0 is");
            }
        }
        0x28..=0x3E => {
            if r.read_var_u32()? >= 32 {
                return unsupported("memory instruction with an explicit memory index");
            }
            r.read_var_u32()?;
        }
        0x3F | 0x40 => {
            if r.read_u8()? != 0 {
                return unsupported("memory.size/grow on a memory other than 0");
            }
            return Ok((op == 0x3F).then_some(Helper::Size));
        }
        0x41 => drop(r.read_var_i32()?),
        0x42 => drop(r.read_var_i64()?),
        0x43 => drop(r.read_bytes(4)?),
        0x44 => drop(r.read_bytes(8)?),
        0xFC => return fc_instruction(r),
        _ => return refused_opcode(op, at),
    }
    Ok(None)
}

/// The 0xFC-prefixed instructions (prefix read): the saturating conversions, and bulk
/// memory's copy and fill on memory 0, which are replaced by helper calls.
fn fc_instruction(r: &mut BinaryReader<'_>) -> R<Option<Helper>> {
    match r.read_var_u32()? {
        0..=7 => Ok(None),
        sub @ (10 | 11) => {
            let memories = if sub == 10 { 2 } else { 1 };
            for _ in 0..memories {
                if r.read_var_u32()? != 0 {
                    return unsupported("bulk memory on a memory other than 0");
                }
            }
            Ok(Some(if sub == 10 { Helper::Copy } else { Helper::Fill }))
        }
        8 | 9 => lacks("memory.init/data.drop (bulk memory) are"),
        12..=17 => lacks("table instructions (reference types) are"),
        sub => invalid(format!("unknown instruction 0xfc {sub}")),
    }
}

/// An opcode wasm3 0.4.7 does not implement (it indexes its tables with the raw opcode, so
/// an unknown one must never reach it), named by the proposal it belongs to.
fn refused_opcode<T>(op: u8, at: usize) -> R<T> {
    match op {
        0xFD => lacks("SIMD is"),
        0x06..=0x0A | 0x18 | 0x19 | 0x1F => lacks("exception handling is"),
        0x12 | 0x13 => lacks("tail calls are"),
        0x1C | 0x25 | 0x26 | 0xD0..=0xD2 => lacks("reference types are"),
        _ => lacks(&format!("opcode 0x{op:02x} at offset {at} is")),
    }
}

fn block_type(b: u8) -> R<()> {
    match b {
        0x40 | I32 | I64 | F32 | F64 => Ok(()),
        0x7B | 0x70 | 0x6F => lacks("block results of type v128 or references are"),
        _ => lacks("blocks with a type index (multi-value) are"),
    }
}

/// The helpers a module needs, their function indices and their types.
struct Helpers {
    /// In the order they are appended.
    used: Vec<Helper>,
    /// Function index of the first helper (after all functions of the module).
    first: u32,
    /// Type index of each used helper.
    types: Vec<u32>,
    /// Helper types the module lacks, appended to its type section.
    new_types: Vec<FuncType>,
}

impl Helpers {
    fn new(info: &Info) -> R<Helpers> {
        let used: Vec<Helper> = Helper::ALL
            .into_iter()
            .filter(|h| info.patches.iter().any(|p| p.helper == *h))
            .collect();
        let total = info.function_types.len() + used.len();
        let first = u32::try_from(info.function_types.len())
            .ok()
            .filter(|_| total <= 1_000_000)
            .map_or_else(|| unsupported("too many functions"), Ok)?;
        let mut new_types: Vec<FuncType> = Vec::new();
        let mut types = Vec::new();
        for h in &used {
            let (params, results) = h.signature();
            let wanted = (params.to_vec(), results.to_vec());
            let known = info.types.iter().chain(&new_types).position(|t| *t == wanted);
            let index = known.unwrap_or_else(|| {
                new_types.push(wanted);
                info.types.len() + new_types.len() - 1
            });
            types.push(u32::try_from(index).or_else(|_| unsupported("too many types"))?);
        }
        Ok(Helpers {
            used,
            first,
            types,
            new_types,
        })
    }

    fn function_index(&self, helper: Helper) -> u32 {
        let position = self.used.iter().position(|h| *h == helper).unwrap_or(0);
        self.first + position as u32
    }
}

const TYPE_SECTION: u8 = 1;
const FUNCTION_SECTION: u8 = 3;
const CODE_SECTION: u8 = 10;
const DATA_COUNT_SECTION: u8 = 12;

/// Build the module wasm3 will parse: patched instructions replaced by calls, helpers
/// appended (with their types if the module lacks them), and no data count section
/// (wasm3 0.4.7 rejects it as out of order). A module needing none of this is copied.
fn rewrite(wasm: &[u8], info: &Info) -> R<Vec<u8>> {
    let has = |id: u8| info.sections.iter().any(|s| s.id == id);
    if info.patches.is_empty() && !has(DATA_COUNT_SECTION) {
        return Ok(wasm.to_vec());
    }
    let helpers = Helpers::new(info)?;
    let calls = !helpers.used.is_empty();
    if calls && !(has(TYPE_SECTION) && has(FUNCTION_SECTION) && has(CODE_SECTION)) {
        return invalid("code without type, function or code section");
    }
    // A call is at most 4 bytes longer than the instruction it replaces; wasm-encoder
    // panics on sizes past u32.
    let bound = wasm.len() + 4 * info.patches.len() + 4096;
    if u32::try_from(bound).is_err() {
        return unsupported("module too large");
    }
    let mut out = Vec::with_capacity(bound);
    out.extend_from_slice(&wasm[..8]);
    for s in &info.sections {
        match s.id {
            DATA_COUNT_SECTION => {}
            TYPE_SECTION if !helpers.new_types.is_empty() => {
                type_section(info, &helpers).append_to(&mut out);
            }
            FUNCTION_SECTION if calls => function_section(info, &helpers).append_to(&mut out),
            CODE_SECTION if calls => code_section(wasm, info, &helpers).append_to(&mut out),
            _ => out.extend_from_slice(&wasm[s.bytes.clone()]),
        }
    }
    Ok(out)
}

fn type_section(info: &Info, helpers: &Helpers) -> TypeSection {
    let mut section = TypeSection::new();
    for (params, results) in info.types.iter().chain(&helpers.new_types) {
        let params = params.iter().map(|&t| encoder_type(t));
        section.ty().function(params, results.iter().map(|&t| encoder_type(t)));
    }
    section
}

fn function_section(info: &Info, helpers: &Helpers) -> FunctionSection {
    let mut section = FunctionSection::new();
    let defined = &info.function_types[info.imported_functions..];
    for &t in defined.iter().chain(&helpers.types) {
        section.function(t);
    }
    section
}

/// The code section with each patched instruction replaced by a call to its helper
/// (every other byte copied), then the helpers' bodies.
fn code_section(wasm: &[u8], info: &Info, helpers: &Helpers) -> CodeSection {
    let mut section = CodeSection::new();
    let mut patches = info.patches.iter().peekable();
    let mut body = Vec::new();
    for range in &info.bodies {
        body.clear();
        let mut pos = range.start;
        while let Some(p) = patches.next_if(|p| p.offset < range.end) {
            body.extend_from_slice(&wasm[pos..p.offset]);
            InstructionSink::new(&mut body).call(helpers.function_index(p.helper));
            pos = p.offset + p.len;
        }
        body.extend_from_slice(&wasm[pos..range.end]);
        section.raw(&body);
    }
    for h in &helpers.used {
        section.raw(h.body());
    }
    section
}
