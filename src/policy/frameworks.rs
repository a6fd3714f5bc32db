//! The compliance frameworks rules map to (`controls` in rule metadata), with the title of each
//! control this tool evidences. A user rule may name other frameworks and controls: they are
//! reported by id, without a title. `docs/compliance.md` lists them all with the rules behind them.

/// A framework: an id for the command line and metadata, a name and version for the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Framework {
    /// `cis-aks`, `mcsb`, `nist-800-53`, `org`.
    pub id: &'static str,
    /// Full name.
    pub name: &'static str,
    /// The version the control ids come from.
    pub version: &'static str,
    /// Where its text is.
    pub url: &'static str,
    /// `(control id, title)` of the controls rules map to.
    pub controls: &'static [(&'static str, &'static str)],
}

/// Every bundled framework.
pub const FRAMEWORKS: &[Framework] = &[
    Framework {
        id: "cis-aks",
        name: "CIS Azure Kubernetes Service (AKS) Benchmark",
        version: "1.7.0 (kube-bench aks-1.7)",
        url: "https://github.com/aquasecurity/kube-bench/blob/main/cfg/aks-1.7/node.yaml",
        controls: &[
            (
                "3.1.1",
                "Ensure that the kubeconfig file permissions are set to 644 or more restrictive",
            ),
            (
                "3.1.2",
                "Ensure that the kubelet kubeconfig file ownership is set to root:root",
            ),
            (
                "3.2.8",
                "Ensure that the --rotate-certificates argument is not set to false",
            ),
            (
                "3.2.9",
                "Ensure that the RotateKubeletServerCertificate argument is set to true",
            ),
        ],
    },
    Framework {
        id: "mcsb",
        name: "Microsoft cloud security benchmark",
        version: "v1",
        url: "https://learn.microsoft.com/security/benchmark/azure/overview",
        controls: &[
            ("DP-7", "Use a secure certificate management process"),
            ("IM-1", "Use centralized identity and authentication system"),
            ("PA-7", "Follow just enough administration (least privilege) principle"),
        ],
    },
    Framework {
        id: "nist-800-53",
        name: "NIST SP 800-53",
        version: "Revision 5",
        url: "https://csrc.nist.gov/pubs/sp/800/53/r5/upd1/final",
        controls: &[
            ("AC-2", "Account Management"),
            ("AC-3", "Access Enforcement"),
            ("AC-6", "Least Privilege"),
            ("CM-6", "Configuration Settings"),
            ("IA-5(2)", "Authenticator Management | Public Key-based Authentication"),
            ("SC-12", "Cryptographic Key Establishment and Management"),
            ("SC-13", "Cryptographic Protection"),
            ("SC-17", "Public Key Infrastructure Certificates"),
        ],
    },
    Framework {
        id: "org",
        name: "Organisation certificate policy (example)",
        version: "the seed's example policy",
        url: "https://github.com/aks-certscan/aks-certscan/blob/main/docs/compliance.md#org",
        controls: &[("rotate-90d", "Rotate all certificates every 90 days")],
    },
];

/// The bundled framework with this id.
pub fn framework(id: &str) -> Option<&'static Framework> {
    FRAMEWORKS.iter().find(|f| f.id == id)
}

/// The title of a control, when the framework is bundled and knows it.
pub fn control_title(framework: &str, control: &str) -> Option<&'static str> {
    self::framework(framework)?
        .controls
        .iter()
        .find(|(id, _)| *id == control)
        .map(|(_, title)| *title)
}

/// Whether a framework id is well formed: lower-case letters, digits and `-`.
pub fn is_framework_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}
