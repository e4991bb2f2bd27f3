//! The instance after its initialisation, as wasmtime-wizer reads it
//! ([`wasmtime_wizer::InstanceState`]), and the one-poll executor its async API needs.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use wasmtime::{Instance, Store, Val};
use wasmtime_wizer::{InstanceState, SnapshotVal, ValType};

use super::init_host::InitHost;

pub(super) struct Initialized<'a> {
    pub(super) store: &'a mut Store<InitHost>,
    pub(super) instance: Instance,
}

impl InstanceState for Initialized<'_> {
    // wasmtime-wizer asks only for the globals and memories its instrumentation exported,
    // with their types: a missing one is a bug of the instrumentation, hence the panics
    // the trait documents.
    async fn global_get(&mut self, name: &str, _type_hint: ValType) -> SnapshotVal {
        let global = self.instance.get_global(&mut *self.store, name).expect("instrumented global");
        match global.get(&mut *self.store) {
            Val::I32(x) => SnapshotVal::I32(x),
            Val::I64(x) => SnapshotVal::I64(x),
            Val::F32(x) => SnapshotVal::F32(x),
            Val::F64(x) => SnapshotVal::F64(x),
            Val::V128(x) => SnapshotVal::V128(x.as_u128()),
            other => panic!("global `{name}` holds a reference ({other:?}), which Wizer cannot snapshot"),
        }
    }

    async fn memory_contents(&mut self, name: &str, contents: impl FnOnce(&[u8]) + Send) {
        let memory = self.instance.get_memory(&mut *self.store, name).expect("instrumented memory");
        contents(memory.data(&*self.store))
    }
}

/// Drive a future that never waits: wasmtime-wizer's snapshot is `async` only so that
/// async embedders can use it; with [`Initialized`] every step is ready at once.
pub(super) fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        // Not reached with `Initialized`; yielding keeps this correct for any future.
        std::thread::yield_now();
    }
}
