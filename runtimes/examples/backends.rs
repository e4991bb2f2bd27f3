//! Lists every backend with whether this build can run it (and why not):
//! `cargo run -p wasmbench-runtimes --example backends`. scripts/check-v8-setup.sh reads it.

use wasmbench_runtimes::BackendId;

fn main() {
    for &id in BackendId::ALL {
        match id.unavailable_reason() {
            None => println!("{id}\tavailable\t{} {}", id.runtime_crate(), id.runtime_version()),
            Some(reason) => println!("{id}\tunavailable\t{reason}"),
        }
    }
}
