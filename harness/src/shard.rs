//! Sharding a run: `--shard K/N` picks a deterministic part of the planned cells, so that
//! N machines (or N pods of a Kubernetes Indexed Job) measure the plan together and
//! `wasmbench merge` puts the parts back together.
//!
//! The unit of a shard is a module, one (workload, language): every backend of a module
//! lands in the same shard, so backends are only ever compared with measurements made on
//! the same machine. Module `j` of the plan (in plan order) goes to shard `j mod N + 1`:
//! the partition depends only on the manifest and the selection, never on what the machine
//! it runs on has installed.

/// The environment variable a Kubernetes Indexed Job gives each pod: its index, from 0.
pub const JOB_INDEX_VAR: &str = "JOB_COMPLETION_INDEX";

/// `--shard` as written: `K/N`, or `auto/N` (K from [`JOB_INDEX_VAR`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShardArg {
    Fixed(ShardSpec),
    Auto { count: u32 },
}

/// Shard `index` (from 1) of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShardSpec {
    pub index: u32,
    pub count: u32,
}

/// A bad `--shard` or job index.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ShardError {
    #[error("bad --shard `{0}`: expected K/N with 1 ≤ K ≤ N (e.g. `2/4`), or `auto/N` to take K from ${JOB_INDEX_VAR}")]
    Syntax(String),
    #[error("--shard auto/{count} needs ${JOB_INDEX_VAR} (set by a Kubernetes Indexed Job), which is not set")]
    NoJobIndex { count: u32 },
    #[error("--shard auto/{count}: ${JOB_INDEX_VAR} is `{value}`, not an index from 0 to {}", count - 1)]
    BadJobIndex { count: u32, value: String },
}

impl std::str::FromStr for ShardArg {
    type Err = ShardError;

    fn from_str(text: &str) -> Result<Self, ShardError> {
        let bad = || ShardError::Syntax(text.to_string());
        let (k, n) = text.trim().split_once('/').ok_or_else(bad)?;
        let count: u32 = n.trim().parse().map_err(|_| bad())?;
        if count == 0 {
            return Err(bad());
        }
        if k.trim() == "auto" {
            return Ok(ShardArg::Auto { count });
        }
        match k.trim().parse::<u32>() {
            Ok(index) if (1..=count).contains(&index) => Ok(ShardArg::Fixed(ShardSpec { index, count })),
            _ => Err(bad()),
        }
    }
}

impl ShardArg {
    /// The shard to run; `job_index` is the value of [`JOB_INDEX_VAR`], if set.
    pub fn resolve(self, job_index: Option<&str>) -> Result<ShardSpec, ShardError> {
        let count = match self {
            ShardArg::Fixed(spec) => return Ok(spec),
            ShardArg::Auto { count } => count,
        };
        let value = job_index.ok_or(ShardError::NoJobIndex { count })?;
        match value.trim().parse::<u32>() {
            Ok(i) if i < count => Ok(ShardSpec { index: i + 1, count }),
            _ => Err(ShardError::BadJobIndex { count, value: value.to_string() }),
        }
    }
}

impl ShardSpec {
    /// Whether the module at position `j` of the plan's modules belongs to this shard.
    pub fn owns(&self, j: usize) -> bool {
        j % self.count as usize == (self.index - 1) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn k_of_n_and_auto_parse_and_bad_values_are_named() {
        assert_eq!("2/4".parse(), Ok(ShardArg::Fixed(ShardSpec { index: 2, count: 4 })));
        assert_eq!(" 1 / 1 ".parse(), Ok(ShardArg::Fixed(ShardSpec { index: 1, count: 1 })));
        assert_eq!("auto/3".parse(), Ok(ShardArg::Auto { count: 3 }));
        for bad in ["0/4", "5/4", "4", "a/4", "1/0", "auto/0", "-1/4", ""] {
            let err = bad.parse::<ShardArg>().expect_err(bad);
            assert!(err.to_string().contains(&format!("`{bad}`")), "{err}");
        }
    }

    #[test]
    fn auto_takes_the_job_index_from_zero() {
        let auto = ShardArg::Auto { count: 4 };
        assert_eq!(auto.resolve(Some("0")), Ok(ShardSpec { index: 1, count: 4 }));
        assert_eq!(auto.resolve(Some("3")), Ok(ShardSpec { index: 4, count: 4 }));
        assert_eq!(auto.resolve(None), Err(ShardError::NoJobIndex { count: 4 }));
        let err = auto.resolve(Some("4")).expect_err("past the count");
        assert!(err.to_string().contains("`4`") && err.to_string().contains("from 0 to 3"), "{err}");
        assert!(auto.resolve(Some("x")).is_err());
        let fixed = ShardArg::Fixed(ShardSpec { index: 2, count: 4 });
        assert_eq!(fixed.resolve(Some("0")), Ok(ShardSpec { index: 2, count: 4 }), "K/N ignores the job index");
    }

    #[test]
    fn every_module_lands_in_exactly_one_shard() {
        for count in 1..6u32 {
            for j in 0..20 {
                let owners = (1..=count).filter(|&index| ShardSpec { index, count }.owns(j)).count();
                assert_eq!(owners, 1, "module {j} of {count} shards");
            }
        }
    }
}
