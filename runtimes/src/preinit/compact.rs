//! Wizer keeps each of the original module's data segments as an empty *passive* segment
//! (so that `memory.init` and `data.drop` indices stay valid) and adds the snapshot's
//! memory as new active segments. A module that has no such instruction does not need the
//! empty ones, and engines without bulk-memory segments (wasm3 0.4.7) refuse them: they are
//! dropped here. Every other section is copied byte for byte.

use wasm_encoder::{DataCountSection, DataSection, Module, RawSection};
use wasmparser::{BinaryReaderError, DataKind, Operator, Parser, Payload};

/// The module without its empty passive data segments, or unchanged when an instruction
/// refers to data segments or a passive segment holds data.
pub(super) fn drop_empty_passive_segments(wasm: &[u8]) -> Result<Vec<u8>, BinaryReaderError> {
    let Some(active) = active_if_removable(wasm)? else {
        return Ok(wasm.to_vec());
    };
    let mut module = Module::new();
    for payload in Parser::new(0).parse_all(wasm) {
        match payload? {
            Payload::DataSection(reader) => {
                let mut data = DataSection::new();
                for segment in reader {
                    let segment = segment?;
                    if matches!(segment.kind, DataKind::Active { .. }) {
                        data.raw(&wasm[bytes(&segment.range)]);
                    }
                }
                module.section(&data);
            }
            Payload::DataCountSection { .. } => {
                module.section(&DataCountSection { count: active });
            }
            // Function bodies are inside the code section, copied whole at its start.
            Payload::CodeSectionEntry(_) => {}
            other => {
                if let Some((id, range)) = other.as_section() {
                    module.section(&RawSection { id, data: &wasm[bytes(&range)] });
                }
            }
        }
    }
    Ok(module.finish())
}

/// The number of active segments, when there are passive ones, every passive segment is
/// empty and no instruction names a data segment; `None` otherwise.
fn active_if_removable(wasm: &[u8]) -> Result<Option<u32>, BinaryReaderError> {
    let (mut passive, mut active) = (0, 0);
    for payload in Parser::new(0).parse_all(wasm) {
        match payload? {
            Payload::DataSection(reader) => {
                for segment in reader {
                    let segment = segment?;
                    match segment.kind {
                        DataKind::Passive if !segment.data.is_empty() => return Ok(None),
                        DataKind::Passive => passive += 1,
                        DataKind::Active { .. } => active += 1,
                    }
                }
            }
            Payload::CodeSectionEntry(body) => {
                let mut ops = body.get_operators_reader()?;
                while !ops.eof() {
                    if matches!(ops.read()?, Operator::MemoryInit { .. } | Operator::DataDrop { .. }) {
                        return Ok(None);
                    }
                }
            }
            _ => {}
        }
    }
    Ok((passive > 0).then_some(active))
}

/// A byte range of the module (wasmparser's offsets are u64; the module is in memory).
fn bytes(range: &std::ops::Range<u64>) -> std::ops::Range<usize> {
    range.start as usize..range.end as usize
}
