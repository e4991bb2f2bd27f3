//! The pricing model of the cost section: a serverless price list (a per-request fee and a
//! price per GB-second, billed in steps of time and memory) read from a TOML file, so that
//! its figures live in a config file with their source and date, not in code.
//! [`Pricing::default_embedded`] is `report/pricing/default.toml`, compiled in.

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The default pricing file's text.
pub const DEFAULT_PRICING: &str = include_str!("../pricing/default.toml");

/// How the report names the default model's file.
pub const DEFAULT_PRICING_FILE: &str = "report/pricing/default.toml (built in)";

/// A pricing model: what one request costs, given its duration and memory.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pricing {
    /// Currency of every price, e.g. `USD`.
    pub currency: String,
    pub source: PriceSource,
    pub price: Price,
    pub billing: Billing,
    pub traffic: Traffic,
    /// Where the model was read from (the file's path, or the built-in default's), for
    /// the report to name; not a key of the file.
    #[serde(skip)]
    pub file: String,
}

/// Where the figures come from.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceSource {
    pub name: String,
    pub url: String,
    /// When the figures were taken from the source (or why that is not known).
    pub date: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Price {
    pub per_million_requests: f64,
    pub per_gb_second: f64,
}

/// How duration and memory are rounded before they are priced.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Billing {
    /// Durations are rounded up to a multiple of this many milliseconds.
    pub granularity_ms: f64,
    /// Memory is billed at least this much (MiB, as serverless platforms' "MB").
    pub min_memory_mb: f64,
    /// Memory is rounded up to a multiple of this many MiB.
    pub memory_step_mb: f64,
    /// The most memory a function may have; a cell needing more is not priced.
    pub max_memory_mb: f64,
}

/// The traffic patterns' parameters.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Traffic {
    /// Share of requests that are cold starts in the mixed pattern (0 to 1).
    pub mixed_cold_fraction: f64,
}

#[derive(Debug, thiserror::Error)]
pub enum PricingError {
    #[error("reading the pricing file {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the pricing file {path} is not a pricing model: {message}")]
    Parse { path: String, message: String },
    #[error("the pricing file {path}: {message}")]
    Invalid { path: String, message: String },
}

/// Read a pricing model from a TOML file laid out like `report/pricing/default.toml`.
pub fn load_pricing(path: &Path) -> Result<Pricing, PricingError> {
    let text = std::fs::read_to_string(path).map_err(|source| PricingError::Io { path: path.to_path_buf(), source })?;
    Pricing::parse(&text, &path.display().to_string())
}

impl Pricing {
    /// The default model (`report/pricing/default.toml`, compiled in).
    pub fn default_embedded() -> Self {
        // The embedded file is checked by a test; a broken edit fails it, not a report.
        Self::parse(DEFAULT_PRICING, DEFAULT_PRICING_FILE).expect("the embedded pricing file is valid")
    }

    /// Parse and check a pricing model; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Self, PricingError> {
        let mut pricing: Pricing =
            toml::from_str(text).map_err(|e| PricingError::Parse { path: origin.to_string(), message: e.to_string() })?;
        pricing.check().map_err(|message| PricingError::Invalid { path: origin.to_string(), message })?;
        pricing.file = origin.to_string();
        Ok(pricing)
    }

    fn check(&self) -> Result<(), String> {
        let b = &self.billing;
        let numbers = [
            ("price.per_million_requests", self.price.per_million_requests, false),
            ("price.per_gb_second", self.price.per_gb_second, false),
            ("billing.granularity_ms", b.granularity_ms, true),
            ("billing.min_memory_mb", b.min_memory_mb, true),
            ("billing.memory_step_mb", b.memory_step_mb, true),
            ("billing.max_memory_mb", b.max_memory_mb, true),
        ];
        for (key, v, positive) in numbers {
            if !v.is_finite() || v < 0.0 || (positive && v == 0.0) {
                let what = if positive { "a positive number" } else { "a number of at least 0" };
                return Err(format!("`{key}` is {v}, expected {what}"));
            }
        }
        if b.max_memory_mb < b.min_memory_mb {
            return Err(format!("`billing.max_memory_mb` ({}) is below `billing.min_memory_mb` ({})", b.max_memory_mb, b.min_memory_mb));
        }
        let f = self.traffic.mixed_cold_fraction;
        if !(0.0..=1.0).contains(&f) {
            return Err(format!("`traffic.mixed_cold_fraction` is {f}, expected a share from 0 to 1"));
        }
        Ok(())
    }

    /// The memory billed for a peak resident set of `bytes` (MiB), or `None` above the
    /// maximum.
    pub fn billed_memory_mb(&self, bytes: f64) -> Option<f64> {
        let b = &self.billing;
        let mb = (bytes / 1048576.0 / b.memory_step_mb).ceil() * b.memory_step_mb;
        let mb = mb.max(b.min_memory_mb);
        (mb <= b.max_memory_mb).then_some(mb)
    }

    /// The milliseconds billed for a duration of `ns`.
    pub fn billed_ms(&self, ns: f64) -> f64 {
        let g = self.billing.granularity_ms;
        // Rounding error of the division must not bill a whole extra step.
        let steps = (ns / 1e6 / g * (1.0 - 1e-12)).ceil().max(1.0);
        steps * g
    }

    /// The price of one request lasting `ns` with a peak resident set of `bytes`.
    pub fn per_request(&self, ns: f64, bytes: f64) -> Option<f64> {
        let gb = self.billed_memory_mb(bytes)? / 1024.0;
        let seconds = self.billed_ms(ns) / 1e3;
        Some(self.price.per_million_requests / 1e6 + self.price.per_gb_second * gb * seconds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_default_is_aws_lambda_x86() {
        let p = Pricing::default_embedded();
        assert_eq!(p.currency, "USD");
        assert_eq!((p.price.per_million_requests, p.price.per_gb_second), (0.20, 0.0000166667));
        assert_eq!((p.billing.granularity_ms, p.billing.min_memory_mb, p.billing.memory_step_mb), (1.0, 128.0, 1.0));
        assert_eq!(p.traffic.mixed_cold_fraction, 0.01);
        assert!(p.source.url.starts_with("https://aws.amazon.com/lambda/pricing"));
        assert!(!p.source.date.is_empty());
    }

    #[test]
    fn requests_are_billed_in_steps_of_time_and_memory() {
        let p = Pricing::default_embedded();
        // 2.3 ms at 20 MiB: 3 ms at the 128 MB minimum.
        let cost = p.per_request(2.3e6, 20.0 * 1048576.0).expect("priced");
        let expected = 0.2e-6 + 0.0000166667 * 0.125 * 0.003;
        assert!((cost - expected).abs() < 1e-15, "{cost} vs {expected}");
        // Exactly 3 ms is 3 ms, not 4; a little over is 4; under 1 ms is 1.
        assert_eq!(p.billed_ms(3e6), 3.0);
        assert_eq!(p.billed_ms(3.0001e6), 4.0);
        assert_eq!(p.billed_ms(10.0), 1.0);
        // 200.5 MiB rounds up to 201 MB; above the maximum there is no price.
        assert_eq!(p.billed_memory_mb(200.5 * 1048576.0), Some(201.0));
        assert_eq!(p.billed_memory_mb(20e9), None);
    }

    /// A model unlike the default in every billing figure, to see each rounding at work.
    fn coarse() -> Pricing {
        let text = DEFAULT_PRICING
            .replace("per_million_requests = 0.20", "per_million_requests = 0.50")
            .replace("per_gb_second = 0.0000166667", "per_gb_second = 0.00001")
            .replace("granularity_ms = 1", "granularity_ms = 100")
            .replace("min_memory_mb = 128", "min_memory_mb = 256")
            .replace("memory_step_mb = 1", "memory_step_mb = 64");
        Pricing::parse(&text, "coarse.toml").expect("valid")
    }

    #[test]
    fn a_hand_computed_price_under_coarse_steps() {
        let p = coarse();
        assert_eq!(p.file, "coarse.toml");
        // 250.1 ms at 300 MiB: 300 ms (three steps of 100) at 320 MB (five steps of 64).
        assert_eq!(p.billed_ms(250.1e6), 300.0);
        assert_eq!(p.billed_memory_mb(300.0 * 1048576.0), Some(320.0));
        // $0.50 / 1e6 + $0.00001 × 320/1024 GB × 0.3 s = $0.0000005 + $0.0000009375.
        let cost = p.per_request(250.1e6, 300.0 * 1048576.0).expect("priced");
        assert!((cost - 1.4375e-6).abs() < 1e-18, "{cost}");
        // 20 ms at 10 MiB: one step of 100 ms, at the 256 MB minimum.
        let cost = p.per_request(20e6, 10.0 * 1048576.0).expect("priced");
        assert!((cost - (0.5e-6 + 0.00001 * 0.25 * 0.1)).abs() < 1e-18, "{cost}");
    }

    #[test]
    fn a_bad_pricing_file_names_itself_and_the_key() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("broken.toml");
        let cases = [
            // A key missing from its table.
            (DEFAULT_PRICING.replace("per_gb_second = 0.0000166667", ""), "per_gb_second"),
            // A key of the wrong type.
            (DEFAULT_PRICING.replace("granularity_ms = 1", "granularity_ms = \"1 ms\""), "granularity_ms"),
            // A key that is not part of the model (a typo).
            (DEFAULT_PRICING.replace("memory_step_mb = 1", "memory_stp_mb = 1"), "memory_stp_mb"),
            // A value out of range.
            (DEFAULT_PRICING.replace("min_memory_mb = 128", "min_memory_mb = 20000"), "billing.max_memory_mb"),
            (DEFAULT_PRICING.replace("per_gb_second = 0.0000166667", "per_gb_second = -1"), "price.per_gb_second"),
        ];
        for (text, key) in cases {
            std::fs::write(&path, text).expect("write");
            let err = load_pricing(&path).expect_err(key).to_string();
            assert!(err.contains(&path.display().to_string()) && err.contains(key), "{key}: {err}");
        }
    }

    #[test]
    fn a_pricing_file_is_read_by_path_and_checked() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("cheap.toml");
        std::fs::write(&path, DEFAULT_PRICING.replace("per_million_requests = 0.20", "per_million_requests = 0.40")).expect("write");
        let cheap = load_pricing(&path).expect("valid");
        assert_eq!(cheap.price.per_million_requests, 0.40);
        assert_eq!(cheap.file, path.display().to_string());
        std::fs::write(&path, DEFAULT_PRICING.replace("mixed_cold_fraction = 0.01", "mixed_cold_fraction = 2")).expect("write");
        let err = load_pricing(&path).expect_err("a share above 1").to_string();
        assert!(err.contains("cheap.toml") && err.contains("mixed_cold_fraction"), "{err}");
        std::fs::write(&path, DEFAULT_PRICING.replace("[traffic]", "[trafic]")).expect("write");
        let err = load_pricing(&path).expect_err("unknown table").to_string();
        assert!(err.contains("not a pricing model"), "{err}");
        let err = load_pricing(&dir.path().join("absent.toml")).expect_err("absent").to_string();
        assert!(err.contains("absent.toml"), "{err}");
    }
}
