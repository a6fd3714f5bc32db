//! The scan pipeline: the one composition of collect, derive, evaluate and triage.

use crate::facts::model::FactsDocument;
use crate::sources::CollectPlan;

/// How long [`collect_facts`] spent reading sources and deriving.
#[derive(Debug, Clone, Copy, Default)]
pub struct CollectTimings {
    /// Reading and parsing every source, and concatenating the parts.
    pub collect: std::time::Duration,
    /// Deriving.
    pub derive: std::time::Duration,
}

/// Collects every source of `plan` and derives the document: the one way to get facts.
pub fn collect_facts(plan: &CollectPlan) -> (FactsDocument, CollectTimings) {
    let start = std::time::Instant::now();
    let parts = crate::sources::collect(plan);
    crate::sources::live::progress::finish();
    let mut doc = crate::facts::assemble(parts);
    let collected = std::time::Instant::now();
    crate::facts::derive::derive(&mut doc, plan.now);
    let timings = CollectTimings {
        collect: collected - start,
        derive: collected.elapsed(),
    };
    (doc, timings)
}

#[cfg(test)]
mod policy_tests;
