//! `--exceptions FILE`: waivers with a reason and an end date.
//!
//! ```yaml
//! exceptions:
//!   - rule: CERT004                     # a rule id
//!     cluster: rg-prod/prod             # what it waives: a cluster (rg/name), a resource id or
//!     # resource: 9f86d081884c7d65...   # Kubernetes object (`legacy/Secret/old-tls#tls.crt`), a
//!     # path: certs/legacy/**           # path glob, or a namespace glob of in-cluster objects
//!     # namespace: legacy-*
//!     reason: Rotated in the Q1 maintenance window (CHG-1234)
//!     expires: 2027-01-31               # through that day (UTC), or an RFC 3339 time
//! ```
//!
//! A finding an active exception matches is left out of the gate (`--fail-on`) and out of SARIF
//! `results` (GitHub shows every result as an open alert), and is listed with its reason in the
//! text summary, in JSON (`waived`) and in the SARIF run's properties. An exception past its date
//! waives nothing; it and one that matches no finding are reported by rule SCAN002, so that waivers
//! cannot rot silently. See `docs/exceptions.md`.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::error::TriageError;
use crate::findings::Finding;

/// One entry of the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Exception {
    /// Rule id.
    pub rule: String,
    /// What it waives.
    pub target: Target,
    /// Why.
    pub reason: String,
    /// Until when, as written.
    pub expires: String,
    /// The first second it no longer applies, Unix.
    #[serde(skip)]
    pub ends_unix: i64,
    /// The file it is in, as shown.
    pub file: String,
    /// Its 1-based line.
    pub line: u32,
}

/// What an exception waives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Target {
    /// Findings about this resource id, or about this Kubernetes object (`ns/Kind/name#key`)
    /// wherever they are found.
    Resource(String),
    /// Findings of this cluster (`rg/name`, any case).
    Cluster(String),
    /// Findings with a location matching this glob (`*`, `?`, `**`).
    Path(String),
    /// Findings about Kubernetes objects whose namespace matches this glob, wherever they are
    /// found (a certificate also kept in a file or in another namespace is not waived).
    Namespace(String),
}

impl Target {
    /// `cluster rg/name`, `resource <id>`, `path <glob>`, `namespace <glob>`.
    pub fn describe(&self) -> String {
        match self {
            Target::Resource(id) => format!("resource {id}"),
            Target::Cluster(c) => format!("cluster {c}"),
            Target::Path(p) => format!("path {p}"),
            Target::Namespace(n) => format!("namespace {n}"),
        }
    }

    fn matches(&self, f: &Finding) -> bool {
        match self {
            Target::Resource(id) => {
                f.resource.id == *id
                    || (!f.locations.is_empty() && f.locations.iter().all(|l| l.object.as_deref() == Some(id.as_str())))
            }
            Target::Cluster(key) => f.resource.cluster.as_ref().is_some_and(|c| {
                format!(
                    "{}/{}",
                    c.resource_group.as_deref().unwrap_or(""),
                    c.name.as_deref().unwrap_or("")
                )
                .eq_ignore_ascii_case(key)
            }),
            Target::Path(glob) => {
                !f.locations.is_empty() && f.locations.iter().all(|l| super::glob::matches(glob, &l.path))
            }
            Target::Namespace(glob) => {
                !f.locations.is_empty()
                    && f.locations
                        .iter()
                        .all(|l| l.namespace().is_some_and(|n| super::glob::matches(glob, n)))
            }
        }
    }
}

/// What an exception takes of one finding.
enum Split {
    /// All of it.
    All(Finding),
    /// The places at matching paths (`waived`); the finding stays, at its other places (`kept`).
    Part { waived: Box<Finding>, kept: Box<Finding> },
    /// Nothing.
    Nothing(Finding),
}

impl Target {
    /// What this target takes of `f`. A `path` glob waives the places at matching paths only:
    /// the same certificate elsewhere (`docs/**` waived, `prod/apiserver.pem` not) keeps the
    /// finding in the gate, located where it is not waived. The other targets take all or nothing.
    fn split(&self, f: Finding) -> Split {
        match self {
            Target::Path(glob) => {
                let (at, elsewhere): (Vec<_>, Vec<_>) = f
                    .locations
                    .iter()
                    .cloned()
                    .partition(|l| super::glob::matches(glob, &l.path));
                if at.is_empty() {
                    Split::Nothing(f)
                } else if elsewhere.is_empty() {
                    Split::All(f)
                } else {
                    let mut waived = Box::new(f.clone());
                    waived.locations = at;
                    let mut kept = Box::new(f);
                    kept.locations = elsewhere;
                    Split::Part { waived, kept }
                }
            }
            _ if self.matches(&f) => Split::All(f),
            _ => Split::Nothing(f),
        }
    }
}

/// Where an exception stands at the evaluation time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// In force and waiving at least one finding.
    Active,
    /// Past its date.
    Expired,
    /// In force, but matching no finding.
    Unmatched,
}

/// An exception with its status, as rule SCAN002 reads it (`input.exceptions`).
#[derive(Debug, Clone, Serialize)]
pub struct StatusEntry {
    /// Rule id.
    pub rule: String,
    /// `cluster rg/name`, `resource <id>`, `path <glob>` or `namespace <glob>`.
    pub target: String,
    /// Why.
    pub reason: String,
    /// Until when.
    pub expires: String,
    /// Status.
    pub status: Status,
    /// File.
    pub file: String,
    /// Line.
    pub line: u32,
}

/// A finding left out of the gate and of SARIF results, with the exception that waived it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Waived {
    /// The finding.
    pub finding: Finding,
    /// The rule of the exception (same as the finding's).
    pub rule: String,
    /// What the exception names.
    pub target: String,
    /// Its reason.
    pub reason: String,
    /// Until when.
    pub expires: String,
    /// Where the exception is.
    pub file: String,
    /// Its line.
    pub line: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    exceptions: Vec<serde_saphyr::Spanned<RawEntry>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    rule: String,
    #[serde(default)]
    resource: Option<String>,
    #[serde(default)]
    cluster: Option<String>,
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    namespace: Option<String>,
    reason: String,
    expires: String,
}

/// `YYYY-MM-DD` (through that day, UTC) or an RFC 3339 time → the first second it no longer holds.
fn end_of(expires: &str) -> Option<i64> {
    let text = expires.trim();
    if text.len() == 10 {
        let start = crate::clock::parse_unix(&format!("{text}T00:00:00Z"))?;
        return Some(start + 86_400);
    }
    crate::clock::parse_unix(text)
}

/// Reads an exceptions file (at most `max` bytes). Every problem is reported with its line.
pub fn load(path: &Path, max: u64) -> Result<Vec<Exception>, TriageError> {
    let shown = crate::sanitize::terminal(&path.display().to_string());
    let text = crate::safe_io::read_regular_text(path, max)
        .map_err(|e| TriageError(format!("--exceptions `{shown}`: {e}")))?;
    parse(&text, &shown)
}

/// Parses the text of an exceptions file shown as `shown`.
pub fn parse(text: &str, shown: &str) -> Result<Vec<Exception>, TriageError> {
    let options = serde_saphyr::options! { with_snippet: false };
    let raw: RawFile = serde_saphyr::from_str_with_options(text, options).map_err(|e| {
        TriageError(format!(
            "--exceptions `{shown}`: {}",
            crate::sanitize::redact(&e.to_string())
        ))
    })?;
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for entry in raw.exceptions {
        let line = u32::try_from(entry.referenced.line()).unwrap_or(0);
        let e = entry.value;
        let targets: Vec<Target> = [
            e.resource.map(Target::Resource),
            e.cluster.map(Target::Cluster),
            e.path.map(Target::Path),
            e.namespace.map(Target::Namespace),
        ]
        .into_iter()
        .flatten()
        .collect();
        let here = format!("{shown}:{line}");
        if e.rule.trim().is_empty() {
            problems.push(format!("{here}: `rule` is empty"));
        }
        if e.reason.trim().is_empty() {
            problems.push(format!("{here}: `reason` is empty: say why the finding is accepted"));
        }
        let ends = end_of(&e.expires);
        if ends.is_none() {
            problems.push(format!(
                "{here}: `expires: {}` is not a date (YYYY-MM-DD) or RFC 3339 time",
                e.expires
            ));
        }
        let target = match targets.as_slice() {
            [one] => Some(one.clone()),
            [] => {
                problems.push(format!(
                    "{here}: name what is waived: `resource`, `cluster` (rg/name), `path` (a glob) or `namespace` (a glob)"
                ));
                None
            }
            _ => {
                problems.push(format!(
                    "{here}: give one of `resource`, `cluster`, `path` and `namespace`, not several"
                ));
                None
            }
        };
        if let (Some(target), Some(ends_unix)) = (target, ends) {
            out.push(Exception {
                rule: e.rule.trim().to_string(),
                target,
                reason: e.reason.trim().to_string(),
                expires: e.expires.trim().to_string(),
                ends_unix,
                file: shown.to_string(),
                line,
            });
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(TriageError(problems.join("\n")))
    }
}

/// Splits findings into those reported and those waived, and says where each exception stands
/// at `now_unix`. An exception applies to findings of its rule whose resource, cluster or
/// location matches; the first matching exception (file order) is the one recorded. A `path`
/// exception waives only the places at matching paths (see `Target::split`); the rest of the
/// finding goes on to the next exceptions, and stays reported if none takes it.
pub fn apply(
    findings: Vec<Finding>,
    exceptions: &[Exception],
    now_unix: i64,
) -> (Vec<Finding>, Vec<Waived>, Vec<StatusEntry>) {
    let active: Vec<bool> = exceptions.iter().map(|e| now_unix < e.ends_unix).collect();
    let mut used = vec![false; exceptions.len()];
    let mut kept = Vec::with_capacity(findings.len());
    let mut waived = Vec::new();
    let waive = |finding: Finding, e: &Exception| Waived {
        finding,
        rule: e.rule.clone(),
        target: e.target.describe(),
        reason: e.reason.clone(),
        expires: e.expires.clone(),
        file: e.file.clone(),
        line: e.line,
    };
    for f in findings {
        let mut rest = Some(f);
        for (i, e) in exceptions.iter().enumerate() {
            let Some(f) = rest.take() else { break };
            if !active[i] || *e.rule != *f.rule_id {
                rest = Some(f);
                continue;
            }
            match e.target.split(f) {
                Split::All(f) => {
                    used[i] = true;
                    waived.push(waive(f, e));
                }
                Split::Part { waived: part, kept } => {
                    used[i] = true;
                    waived.push(waive(*part, e));
                    rest = Some(*kept);
                }
                Split::Nothing(f) => rest = Some(f),
            }
        }
        kept.extend(rest);
    }
    let statuses = exceptions
        .iter()
        .enumerate()
        .map(|(i, e)| StatusEntry {
            rule: e.rule.clone(),
            target: e.target.describe(),
            reason: e.reason.clone(),
            expires: e.expires.clone(),
            status: if !active[i] {
                Status::Expired
            } else if used[i] {
                Status::Active
            } else {
                Status::Unmatched
            },
            file: e.file.clone(),
            line: e.line,
        })
        .collect();
    (kept, waived, statuses)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_need_a_target_a_reason_and_a_date() {
        let text = "exceptions:\n  - rule: CERT004\n    reason: ''\n    expires: soon\n  - rule: CERT001\n    cluster: a/b\n    path: x\n    reason: r\n    expires: 2027-01-31\n";
        let err = parse(text, "x.yaml").expect_err("invalid").to_string();
        assert!(err.contains("x.yaml:2: `reason` is empty"), "{err}");
        assert!(err.contains("`expires: soon` is not a date"), "{err}");
        assert!(err.contains("x.yaml:2: name what is waived"), "{err}");
        assert!(err.contains("x.yaml:5: give one of"), "{err}");
        let unknown = parse(
            "exceptions:\n  - rule: A\n    cluster: a/b\n    reason: r\n    expires: 2027-01-01\n    owner: me\n",
            "y",
        );
        assert!(unknown.expect_err("unknown key").to_string().contains("owner"));
    }

    fn finding_at(locations: &[(&str, Option<&str>)]) -> Finding {
        use crate::findings::*;
        Finding {
            rule_id: "CERT001".into(),
            rule_name: "certificate-expired".into(),
            level: Level::Error,
            message: String::new(),
            resource: Resource {
                kind: "certificate".into(),
                id: "abc".into(),
                name: "certificate".into(),
                cluster: None,
            },
            locations: locations
                .iter()
                .map(|(path, object)| Location {
                    path: path.to_string(),
                    line: Some(3),
                    object: object.map(str::to_string),
                })
                .collect(),
            evidence: Evidence::new(),
            remediation: "".into(),
            warning: None,
            fingerprint: Fingerprint([7; 32]),
        }
    }

    #[test]
    fn a_namespace_glob_waives_findings_only_in_matching_namespaces() {
        let target = Target::Namespace("legacy-*".into());
        assert!(target.matches(&finding_at(&[("objs.json", Some("legacy-a/Secret/old#tls.crt"))])));
        assert!(target.matches(&finding_at(&[
            ("objs.json", Some("legacy-a/Secret/old#tls.crt")),
            ("objs.json", Some("legacy-b/ConfigMap/ca#ca.pem")),
        ])));
        // The same certificate also in prod, or in a file, or in a cluster-scoped object.
        assert!(!target.matches(&finding_at(&[
            ("objs.json", Some("legacy-a/Secret/old#tls.crt")),
            ("objs.json", Some("prod/Secret/web#tls.crt")),
        ])));
        assert!(!target.matches(&finding_at(&[
            ("objs.json", Some("legacy-a/Secret/old#tls.crt")),
            ("certs/web.pem", None),
        ])));
        assert!(!target.matches(&finding_at(&[(
            "objs.json",
            Some("APIService/v1beta1.metrics.k8s.io#spec.caBundle")
        )])));
        assert!(!target.matches(&finding_at(&[])));
    }

    #[test]
    fn a_path_glob_waives_only_the_places_at_matching_paths() {
        let exception = |glob: &str| Exception {
            rule: "CERT001".into(),
            target: Target::Path(glob.into()),
            reason: "r".into(),
            expires: "2027-01-01".into(),
            ends_unix: i64::MAX,
            file: "w.yaml".into(),
            line: 1,
        };
        let both = || finding_at(&[("docs/apiserver.pem", None), ("prod/apiserver.pem", None)]);
        // The copy in docs/ is waived; the finding stays in the gate, located in prod/ only.
        let (kept, waived, statuses) = apply(vec![both()], &[exception("docs/**")], 0);
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].locations.len(), 1);
        assert_eq!(kept[0].locations[0].path, "prod/apiserver.pem");
        assert_eq!(waived.len(), 1);
        assert_eq!(waived[0].finding.locations[0].path, "docs/apiserver.pem");
        assert_eq!(statuses[0].status, Status::Active);
        // Two exceptions covering both places waive all of it.
        let (kept, waived, _) = apply(vec![both()], &[exception("docs/**"), exception("prod/*.pem")], 0);
        assert!(kept.is_empty());
        assert_eq!(waived.len(), 2);
        // One covering every place waives the finding whole.
        let (kept, waived, _) = apply(vec![both()], &[exception("**/apiserver.pem")], 0);
        assert!(kept.is_empty());
        assert_eq!(waived[0].finding.locations.len(), 2);
        // No place matches, or no place at all: nothing is waived.
        let (kept, _, statuses) = apply(vec![both(), finding_at(&[])], &[exception("other/**")], 0);
        assert_eq!(kept.len(), 2);
        assert_eq!(statuses[0].status, Status::Unmatched);
    }

    #[test]
    fn a_resource_names_an_id_or_an_object() {
        let object = Target::Resource("legacy/Secret/old#tls.crt".into());
        assert!(object.matches(&finding_at(&[("objs.json", Some("legacy/Secret/old#tls.crt"))])));
        assert!(!object.matches(&finding_at(&[
            ("objs.json", Some("legacy/Secret/old#tls.crt")),
            ("objs.json", Some("prod/Secret/web#tls.crt")),
        ])));
        assert!(Target::Resource("abc".into()).matches(&finding_at(&[("x.pem", None)])));
        let parsed = parse(
            "exceptions:\n  - rule: CERT001\n    namespace: 'legacy-*'\n    reason: r\n    expires: 2027-01-01\n",
            "w.yaml",
        )
        .expect("valid");
        assert_eq!(parsed[0].target, Target::Namespace("legacy-*".into()));
        assert_eq!(parsed[0].target.describe(), "namespace legacy-*");
    }

    #[test]
    fn a_date_runs_through_its_day() {
        let end = end_of("2027-01-31").expect("date");
        assert_eq!(end, crate::clock::parse_unix("2027-02-01T00:00:00Z").expect("time"));
        assert_eq!(
            end_of("2027-01-31T12:00:00Z"),
            crate::clock::parse_unix("2027-01-31T12:00:00Z")
        );
    }
}
