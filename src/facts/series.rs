//! The certificates a metrics exposition names, chosen as certificates stream past: the soonest
//! to expire, each `(path, object, id)` once, at most a limit, and how many there were in all. Kept small
//! (a few fields each) so that a scan that never holds every certificate can still export them.

use std::collections::{BTreeMap, HashMap};
use std::hash::{Hash, Hasher};

use super::model::{CertificateFact, CertificateRole, SourceKind};

/// A certificate as one metrics series names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateSeries {
    /// SHA-256 of the DER.
    pub id: String,
    /// The file (or URI) it is in.
    pub path: String,
    /// The Kubernetes object and key it is in (`namespace/Kind/name#key`), for in-cluster
    /// certificates.
    pub object: Option<String>,
    /// That object's namespace.
    pub namespace: Option<String>,
    /// Its index in that file.
    pub index: u32,
    /// `rg/name` of its cluster, when known.
    pub cluster_key: Option<String>,
    /// The kind of source it came from.
    pub source: Option<SourceKind>,
    /// Its subject's common name.
    pub subject_cn: Option<String>,
    /// Its role.
    pub role: CertificateRole,
    /// Start of validity, Unix seconds.
    pub not_before_unix: i64,
    /// End of validity, Unix seconds.
    pub not_after_unix: i64,
}

/// The series chosen.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Series {
    /// The soonest to expire, by expiry, then path, id and index.
    pub certificates: Vec<CertificateSeries>,
    /// Distinct `(path, object, id)` offered: how many series there would be without the limit.
    pub distinct: usize,
}

type Key = (i64, String, Option<String>, String, u32);

/// Chooses the series as certificates are offered, in any order.
#[derive(Debug, Default)]
pub struct Soonest {
    limit: usize,
    kept: BTreeMap<Key, CertificateSeries>,
    /// The smallest index seen of each `(path, object, id)`, by a hash of the triple.
    seen: HashMap<u64, u32>,
}

impl Soonest {
    /// Keeps at most `limit` series.
    pub fn new(limit: usize) -> Self {
        Soonest {
            limit,
            ..Default::default()
        }
    }

    /// Offers one certificate.
    pub fn offer(&mut self, cert: &CertificateFact) {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        (&cert.origin.path, &cert.origin.k8s_object, &cert.id).hash(&mut hasher);
        let pair = hasher.finish();
        let index = cert.origin.index;
        match self.seen.get(&pair).copied() {
            Some(earlier) if earlier <= index => return,
            Some(earlier) => {
                // The same certificate earlier in the same file: that occurrence is the series.
                self.kept.remove(&(
                    cert.not_after_unix,
                    cert.origin.path.clone(),
                    cert.origin.k8s_object.clone(),
                    cert.id.clone(),
                    earlier,
                ));
            }
            None => {}
        }
        self.seen.insert(pair, index);
        let key = (
            cert.not_after_unix,
            cert.origin.path.clone(),
            cert.origin.k8s_object.clone(),
            cert.id.clone(),
            index,
        );
        if self.kept.len() >= self.limit {
            match self.kept.last_key_value() {
                Some((last, _)) if *last > key => {
                    self.kept.pop_last();
                }
                _ => return,
            }
        }
        self.kept.insert(
            key,
            CertificateSeries {
                id: cert.id.clone(),
                path: cert.origin.path.clone(),
                object: cert.origin.k8s_object.clone(),
                namespace: cert.origin.namespace.clone(),
                index,
                cluster_key: cert.cluster_key.clone(),
                source: cert.origin.kind,
                subject_cn: cert.subject_cn.clone(),
                role: cert.role,
                not_before_unix: cert.not_before_unix,
                not_after_unix: cert.not_after_unix,
            },
        );
    }

    /// The series chosen.
    pub fn finish(self) -> Series {
        Series {
            distinct: self.seen.len(),
            certificates: self.kept.into_values().collect(),
        }
    }
}

/// The series of `certificates` at most `limit` (every certificate at hand).
pub fn of(certificates: &[CertificateFact], limit: usize) -> Series {
    let mut soonest = Soonest::new(limit);
    for cert in certificates {
        soonest.offer(cert);
    }
    soonest.finish()
}
