//! The sentinel's native half: a fixed chain of xorshift steps, the same arithmetic the
//! Wasm half runs, so that the two verify each other.

/// The xorshift64 state after `iterations` steps from `seed`.
pub fn xorshift(seed: u64, iterations: u64) -> u64 {
    let mut x = std::hint::black_box(seed);
    for _ in 0..std::hint::black_box(iterations) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
    }
    std::hint::black_box(x)
}

#[cfg(test)]
mod tests {
    #[test]
    fn known_values() {
        assert_eq!(super::xorshift(1, 0), 1);
        // One step from 1: 1 ^ 1<<13 = 0x2001; ^ >>7 = 0x2041; ^ <<17 = 0x4082_2041.
        assert_eq!(super::xorshift(1, 1), 0x4082_2041);
    }
}
