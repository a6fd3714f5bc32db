//! How the live sources run the user's tools: `--subscription`, `--jobs`, `--login`, the
//! programs to run.

use std::path::PathBuf;

/// How `kubelogin convert-kubeconfig -l` makes an Entra ID kubeconfig non-interactive.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum KubeLogin {
    /// The Azure CLI login the user already has (`az login`).
    #[default]
    AzureCli,
    /// Workload identity (`AZURE_CLIENT_ID`, `AZURE_TENANT_ID`, `AZURE_FEDERATED_TOKEN_FILE`).
    WorkloadIdentity,
    /// A managed identity (`--client-id` through `AZURE_CLIENT_ID` when user-assigned).
    Msi,
    /// A service principal (`AAD_SERVICE_PRINCIPAL_CLIENT_ID`, `AAD_SERVICE_PRINCIPAL_CLIENT_SECRET`).
    Spn,
}

impl KubeLogin {
    /// The `-l` value of `kubelogin convert-kubeconfig`.
    pub fn as_str(self) -> &'static str {
        crate::choice::Choice::name(self)
    }
}

impl crate::choice::Choice for KubeLogin {
    const ALL: &'static [KubeLogin] = &[
        KubeLogin::AzureCli,
        KubeLogin::WorkloadIdentity,
        KubeLogin::Msi,
        KubeLogin::Spn,
    ];

    fn name(self) -> &'static str {
        match self {
            KubeLogin::AzureCli => "azurecli",
            KubeLogin::WorkloadIdentity => "workloadidentity",
            KubeLogin::Msi => "msi",
            KubeLogin::Spn => "spn",
        }
    }

    fn help(self) -> &'static str {
        match self {
            KubeLogin::AzureCli => "The Azure CLI login you already have (`az login`)",
            KubeLogin::WorkloadIdentity => {
                "Workload identity (AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_FEDERATED_TOKEN_FILE)"
            }
            KubeLogin::Msi => "A managed identity",
            KubeLogin::Spn => {
                "A service principal (AAD_SERVICE_PRINCIPAL_CLIENT_ID, AAD_SERVICE_PRINCIPAL_CLIENT_SECRET)"
            }
        }
    }
}

/// How `--aks` and `--all-clusters` run the user's tools.
#[derive(Debug, Clone)]
pub struct LiveOptions {
    /// `--subscription` (repeatable): passed to every `az` call of `--aks` (one), and to
    /// Resource Graph to narrow `--all-clusters`.
    pub subscriptions: Vec<String>,
    /// `--management-group` (repeatable): narrows `--all-clusters`.
    pub management_groups: Vec<String>,
    /// `--inventory-only`: `--all-clusters` reads the inventory and runs no per-cluster step.
    pub inventory_only: bool,
    /// `--admin`: `az aks get-credentials --admin`.
    pub admin: bool,
    /// `--node-certs`: read node certificates with `az vmss run-command invoke`.
    pub node_certs: bool,
    /// Read the Kubernetes objects that hold certificates (`kubectl get ... -A -o json`); off
    /// with `--no-k8s-objects`.
    pub k8s_objects: bool,
    /// `--jobs`: clusters scanned at the same time.
    pub jobs: usize,
    /// `--cluster-timeout`: the time all steps of one cluster may take together.
    pub cluster_timeout: std::time::Duration,
    /// `--login`: how Entra ID kubeconfigs are made non-interactive.
    pub login: KubeLogin,
    /// The `az` executable.
    pub az: PathBuf,
    /// The `kubectl` executable.
    pub kubectl: PathBuf,
    /// The `kubelogin` executable.
    pub kubelogin: PathBuf,
    /// Draw a progress indicator on stderr when it is a terminal.
    pub progress: bool,
}

impl Default for LiveOptions {
    fn default() -> Self {
        LiveOptions {
            subscriptions: Vec::new(),
            management_groups: Vec::new(),
            inventory_only: false,
            admin: false,
            node_certs: false,
            k8s_objects: true,
            jobs: 4,
            cluster_timeout: std::time::Duration::from_secs(600),
            login: KubeLogin::AzureCli,
            az: "az".into(),
            kubectl: "kubectl".into(),
            kubelogin: "kubelogin".into(),
            progress: false,
        }
    }
}
