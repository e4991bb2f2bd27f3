//! What the report needs besides the results document: the pricing model of the cost
//! section and the workloads' shapes (the manifest's, which results do not record).

use std::collections::BTreeMap;
use std::path::Path;

use crate::pricing::{load_pricing, Pricing, PricingError};

/// Inputs of [`crate::write_report_with`] besides the results.
#[derive(Debug, Clone)]
pub struct ReportInputs {
    /// The pricing model of the cost section ([`Pricing::default_embedded`] by default).
    pub pricing: Pricing,
    /// Workload name → its manifest shape (`compute`, `cold-start`, `io`). The geometric
    /// mean relative to native is over the `compute` workloads; with no shapes, over every
    /// workload (and the report says so).
    pub shapes: BTreeMap<String, String>,
}

impl Default for ReportInputs {
    fn default() -> Self {
        ReportInputs { pricing: Pricing::default_embedded(), shapes: BTreeMap::new() }
    }
}

impl ReportInputs {
    /// The pricing model of the file at `pricing` (the default one when `None`) and the
    /// given workload shapes.
    pub fn load(pricing: Option<&Path>, shapes: BTreeMap<String, String>) -> Result<Self, PricingError> {
        let pricing = match pricing {
            Some(path) => load_pricing(path)?,
            None => Pricing::default_embedded(),
        };
        Ok(ReportInputs { pricing, shapes })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_from_a_pricing_file_or_the_default() {
        let shapes = BTreeMap::from([("fib".to_string(), "compute".to_string())]);
        let default = ReportInputs::load(None, shapes.clone()).expect("default");
        assert_eq!(default.pricing, Pricing::default_embedded());
        assert_eq!(default.shapes, shapes);
        let err = ReportInputs::load(Some(Path::new("/nonexistent/pricing.toml")), BTreeMap::new()).expect_err("absent");
        assert!(err.to_string().contains("/nonexistent/pricing.toml"), "{err}");
    }
}
