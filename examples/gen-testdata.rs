//! Regenerates the example estate in `testdata/scenarios/` with a real PKI (rcgen, RSA keys from
//! `testdata/pki/keys/`, made once with `openssl genpkey`).
//!
//!     cargo run --example gen-testdata
//!
//! Dates are fixed, serials are fixed, and RSA PKCS#1 v1.5 signatures are deterministic, so the
//! output is the same on every run. Tests read the committed files and never run this.

use std::fs;
use std::path::{Path, PathBuf};

use data_encoding::BASE64;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose,
    SanType, SerialNumber, PKCS_RSA_SHA256,
};
use serde_json::{json, Value};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

const SUBSCRIPTION: &str = "3f2e8c1a-5b7d-4e90-a1c2-7d8e9f0a1b2c";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata")
}

fn key(name: &str) -> KeyPair {
    let pem = fs::read_to_string(root().join("pki/keys").join(format!("{name}.key"))).expect("test key");
    KeyPair::from_pem_and_sign_algo(&pem, &PKCS_RSA_SHA256).expect("RSA PKCS#8 key")
}

fn key_pem(name: &str) -> String {
    fs::read_to_string(root().join("pki/keys").join(format!("{name}.key"))).expect("test key")
}

/// AKS certificates run their nominal period plus about ten minutes.
const AKS_SLACK: Duration = Duration::minutes(10);

struct Ca {
    params: CertificateParams,
    key: KeyPair,
    pem: String,
}

impl Ca {
    fn issuer(&self) -> Issuer<'_, &KeyPair> {
        Issuer::from_params(&self.params, &self.key)
    }
}

/// A cluster CA as AKS makes them: `CN=ca`, RSA-4096, CA and key usages critical, SKI, no AKI.
fn cluster_ca(key_name: &str, serial: u64, not_before: OffsetDateTime, years: i64) -> Ca {
    let key = key(key_name);
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
    params.distinguished_name.push(DnType::CommonName, "ca");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
        KeyUsagePurpose::KeyCertSign,
    ];
    params.serial_number = Some(SerialNumber::from(serial));
    params.not_before = not_before;
    params.not_after = not_before.replace_year(not_before.year() + years as i32).expect("date") + AKS_SLACK;
    let pem = params.self_signed(&key).expect("self-signed").pem();
    Ca { params, key, pem }
}

/// A leaf certificate; like every AKS non-CA certificate it lives two years plus ten minutes.
struct Leaf<'a> {
    cn: &'a str,
    org: Option<&'a str>,
    dns: &'a [&'a str],
    client: bool,
    server: bool,
    key: &'a str,
    serial: u64,
    not_before: OffsetDateTime,
}

fn leaf(spec: Leaf<'_>, ca: &Ca) -> String {
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
    params.distinguished_name.push(DnType::CommonName, spec.cn);
    if let Some(org) = spec.org {
        params.distinguished_name.push(DnType::OrganizationName, org);
    }
    params.subject_alt_names = spec
        .dns
        .iter()
        .map(|d| SanType::DnsName((*d).try_into().expect("dns")))
        .collect();
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature, KeyUsagePurpose::KeyEncipherment];
    if spec.client {
        params.extended_key_usages.push(ExtendedKeyUsagePurpose::ClientAuth);
    }
    if spec.server {
        params.extended_key_usages.push(ExtendedKeyUsagePurpose::ServerAuth);
    }
    params.use_authority_key_identifier_extension = true;
    params.serial_number = Some(SerialNumber::from(spec.serial));
    params.not_before = spec.not_before;
    params.not_after = spec.not_before.replace_year(spec.not_before.year() + 2).expect("date") + AKS_SLACK;
    params.signed_by(&key(spec.key), &ca.issuer()).expect("signed").pem()
}

/// A two-year client certificate (kubectl or kubelet), as AKS issues them.
fn client_leaf(ca: &Ca, cn: &str, org: &str, key: &str, serial: u64, not_before: OffsetDateTime) -> String {
    let spec = Leaf {
        cn,
        org: Some(org),
        dns: &[],
        client: true,
        server: false,
        key,
        serial,
        not_before,
    };
    leaf(spec, ca)
}

/// A two-year serving certificate for the API server.
fn server_leaf(ca: &Ca, cn: &str, dns: &[&str], key: &str, serial: u64, not_before: OffsetDateTime) -> String {
    let spec = Leaf {
        cn,
        org: None,
        dns,
        client: false,
        server: true,
        key,
        serial,
        not_before,
    };
    leaf(spec, ca)
}

fn b64(text: &str) -> String {
    BASE64.encode(text.as_bytes())
}

fn write(path: &Path, text: &str) {
    fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    fs::write(path, text).expect("write");
}

fn fqdn(prefix: &str, hash: &str, region: &str) -> String {
    format!("{prefix}-{hash}.hcp.{region}.azmk8s.io")
}

/// A kubeconfig exactly as `az aks get-credentials` writes it for a cluster with local accounts.
#[allow(clippy::too_many_arguments)]
fn az_kubeconfig(
    cluster: &str,
    rg: &str,
    server: &str,
    ca_pem: &str,
    client_pem: &str,
    client_key: &str,
    admin: bool,
    token: &str,
) -> String {
    let (user, context) = if admin {
        (format!("clusterAdmin_{rg}_{cluster}"), format!("{cluster}-admin"))
    } else {
        (format!("clusterUser_{rg}_{cluster}"), cluster.to_string())
    };
    format!(
        "apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: {ca}\n    server: https://{server}:443\n  name: {cluster}\ncontexts:\n- context:\n    cluster: {cluster}\n    user: {user}\n  name: {context}\ncurrent-context: {context}\nkind: Config\npreferences: {{}}\nusers:\n- name: {user}\n  user:\n    client-certificate-data: {cert}\n    client-key-data: {key}\n    token: {token}\n",
        ca = b64(ca_pem),
        cert = b64(client_pem),
        key = b64(client_key),
    )
}

/// An Entra ID cluster's kubeconfig: the user runs kubelogin.
fn aad_kubeconfig(cluster: &str, rg: &str, server: &str, ca_pem: &str) -> String {
    format!(
        "apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: {ca}\n    server: https://{server}:443\n  name: {cluster}\ncontexts:\n- context:\n    cluster: {cluster}\n    user: clusterUser_{rg}_{cluster}\n  name: {cluster}\ncurrent-context: {cluster}\nkind: Config\npreferences: {{}}\nusers:\n- name: clusterUser_{rg}_{cluster}\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      args:\n      - get-token\n      - --environment\n      - AzurePublicCloud\n      - --server-id\n      - 6dae42f8-4368-4678-94ff-3960e28e3630\n      - --client-id\n      - 80faf920-1908-4b52-b5ef-a8e7bedfc67a\n      - --tenant-id\n      - 72f988bf-86f1-41af-91ab-2d7cd011db47\n      - --login\n      - devicecode\n      command: kubelogin\n      env: null\n      installHint: |2\n\n        kubelogin is not installed which is required to connect to AAD enabled cluster.\n\n        To learn more, please go to https://aka.ms/aks/kubelogin\n      interactiveMode: IfAvailable\n      provideClusterInfo: false\n",
        ca = b64(ca_pem)
    )
}

struct ClusterSpec<'a> {
    name: &'a str,
    rg: &'a str,
    region: &'a str,
    fqdn: &'a str,
    version: &'a str,
    rbac: bool,
    power: &'a str,
    provisioning: &'a str,
    created: Option<&'a str>,
    node_image: &'a str,
    pool_power: &'a str,
    aad: bool,
}

fn cluster_id(rg: &str, name: &str) -> String {
    format!(
        "/subscriptions/{SUBSCRIPTION}/resourcegroups/{rg}/providers/Microsoft.ContainerService/managedClusters/{name}"
    )
}

/// `az aks show -o json`: flattened, camelCase, nulls everywhere.
fn az_show(c: &ClusterSpec<'_>) -> Value {
    json!({
        "aadProfile": if c.aad { json!({"adminGroupObjectIDs": ["0f4c1e2a-9b8d-4c7e-8a6f-5d4c3b2a1f0e"], "adminUsers": null, "clientAppId": null, "enableAzureRbac": true, "managed": true, "serverAppId": null, "serverAppSecret": null, "tenantId": "72f988bf-86f1-41af-91ab-2d7cd011db47"}) } else { Value::Null },
        "addonProfiles": null,
        "agentPoolProfiles": [{
            "availabilityZones": null, "count": 3, "currentOrchestratorVersion": c.version, "enableAutoScaling": false,
            "enableNodePublicIp": false, "kubeletDiskType": "OS", "maxPods": 110, "mode": "System", "name": "nodepool1",
            "nodeImageVersion": c.node_image, "orchestratorVersion": c.version, "osDiskSizeGb": 128, "osDiskType": "Managed",
            "osSku": "Ubuntu", "osType": "Linux", "powerState": {"code": c.pool_power}, "provisioningState": c.provisioning,
            "type": "VirtualMachineScaleSets", "vmSize": "Standard_DS2_v2"
        }],
        "apiServerAccessProfile": null,
        "azurePortalFqdn": c.fqdn.replace(".hcp.", ".portal.hcp."),
        "currentKubernetesVersion": c.version,
        "disableLocalAccounts": c.aad,
        "dnsPrefix": c.fqdn.split('-').take(2).collect::<Vec<_>>().join("-"),
        "enableRbac": c.rbac,
        "fqdn": c.fqdn,
        "id": cluster_id(c.rg, c.name),
        "identity": {"principalId": "9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d", "tenantId": "72f988bf-86f1-41af-91ab-2d7cd011db47", "type": "SystemAssigned", "userAssignedIdentities": null},
        "kubernetesVersion": c.version,
        "linuxProfile": null,
        "location": c.region,
        "name": c.name,
        "nodeResourceGroup": format!("MC_{}_{}_{}", c.rg, c.name, c.region),
        "powerState": {"code": c.power},
        "privateFqdn": null,
        "provisioningState": c.provisioning,
        "resourceGroup": c.rg,
        "sku": {"name": "Base", "tier": "Free"},
        "systemData": c.created.map(|t| json!({"createdAt": t, "createdBy": "ops@contoso.com", "createdByType": "User", "lastModifiedAt": t, "lastModifiedBy": "ops@contoso.com", "lastModifiedByType": "User"})),
        "tags": null,
        "type": "Microsoft.ContainerService/ManagedClusters"
    })
}

/// A raw ARM `GET managedClusters/<name>` body.
fn arm_get(c: &ClusterSpec<'_>) -> Value {
    json!({
        "id": cluster_id(c.rg, c.name),
        "location": c.region,
        "name": c.name,
        "type": "Microsoft.ContainerService/ManagedClusters",
        "systemData": c.created.map(|t| json!({"createdAt": t, "createdBy": "ops@contoso.com", "createdByType": "User"})),
        "properties": {
            "provisioningState": c.provisioning,
            "powerState": {"code": c.power},
            "kubernetesVersion": c.version,
            "currentKubernetesVersion": c.version,
            "dnsPrefix": c.fqdn.split('-').take(2).collect::<Vec<_>>().join("-"),
            "fqdn": c.fqdn,
            "azurePortalFQDN": c.fqdn.replace(".hcp.", ".portal.hcp."),
            "agentPoolProfiles": [{
                "name": "agentpool", "count": 2, "vmSize": "Standard_D2s_v3", "osType": "Linux", "osSKU": "Ubuntu",
                "type": "AvailabilitySet", "mode": "System", "orchestratorVersion": c.version,
                "currentOrchestratorVersion": c.version, "nodeImageVersion": c.node_image,
                "provisioningState": c.provisioning, "powerState": {"code": c.pool_power}
            }],
            "nodeResourceGroup": format!("MC_{}_{}_{}", c.rg, c.name, c.region),
            "enableRBAC": c.rbac,
            "networkProfile": {"networkPlugin": "kubenet", "podCidr": "10.244.0.0/16", "serviceCidr": "10.0.0.0/16", "dnsServiceIP": "10.0.0.10"}
        }
    })
}

#[allow(clippy::too_many_arguments)]
fn nodes_list(
    pool: &str,
    cluster: &str,
    rg: &str,
    region: &str,
    created: &str,
    image: &str,
    kubelet: &str,
    count: usize,
) -> Value {
    let items: Vec<Value> = (0..count)
        .map(|i| {
            let name = format!("aks-{pool}-12345678-vmss{i:06}");
            json!({
                "apiVersion": "v1",
                "kind": "Node",
                "metadata": {
                    "annotations": {"node.alpha.kubernetes.io/ttl": "0", "volumes.kubernetes.io/controller-managed-attach-detach": "true"},
                    "creationTimestamp": created,
                    "labels": {
                        "agentpool": pool,
                        "kubernetes.azure.com/agentpool": pool,
                        "kubernetes.azure.com/cluster": format!("MC_{rg}_{cluster}_{region}"),
                        "kubernetes.azure.com/mode": "system",
                        "kubernetes.azure.com/node-image-version": image,
                        "kubernetes.azure.com/os-sku": "Ubuntu",
                        "kubernetes.azure.com/role": "agent",
                        "kubernetes.io/hostname": name,
                        "kubernetes.io/os": "linux",
                        "node.kubernetes.io/instance-type": "Standard_DS2_v2",
                        "topology.kubernetes.io/region": region
                    },
                    "name": name,
                    "resourceVersion": format!("{}", 1000 + i),
                    "uid": format!("5f0c3a7e-1b2d-4c6e-9a8f-00000000000{i}")
                },
                "spec": {"podCIDR": format!("10.244.{i}.0/24"), "providerID": format!("azure:///subscriptions/{SUBSCRIPTION}/resourceGroups/mc_{rg}_{cluster}_{region}/providers/Microsoft.Compute/virtualMachineScaleSets/aks-{pool}-12345678-vmss/virtualMachines/{i}")},
                "status": {
                    "conditions": [
                        {"lastHeartbeatTime": "2026-11-28T23:58:00Z", "lastTransitionTime": created, "message": "kubelet is posting ready status", "reason": "KubeletReady", "status": "True", "type": "Ready"}
                    ],
                    "nodeInfo": {"architecture": "amd64", "containerRuntimeVersion": "containerd://1.7.22-1", "kernelVersion": "5.15.0-1074-azure", "kubeProxyVersion": kubelet, "kubeletVersion": kubelet, "operatingSystem": "linux", "osImage": "Ubuntu 22.04.5 LTS"}
                }
            })
        })
        .collect();
    json!({"apiVersion": "v1", "items": items, "kind": "List", "metadata": {"resourceVersion": ""}})
}

fn kubelet_kubeconfig(server: &str, client_cert: &str, client_key: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: localcluster\n  cluster:\n    certificate-authority: /etc/kubernetes/certs/ca.crt\n    server: https://{server}:443\nusers:\n- name: default-auth\n  user:\n    client-certificate: {client_cert}\n    client-key: {client_key}\ncontexts:\n- context:\n    cluster: localcluster\n    user: default-auth\n  name: localclustercontext\ncurrent-context: localclustercontext\n"
    )
}

fn bootstrap_kubeconfig(server: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: localcluster\n  cluster:\n    certificate-authority: /etc/kubernetes/certs/ca.crt\n    server: https://{server}:443\nusers:\n- name: kubelet-bootstrap\n  user:\n    token: 7d2f1c.9a8b7c6d5e4f3a2b\ncontexts:\n- context:\n    cluster: localcluster\n    user: kubelet-bootstrap\n  name: bootstrap-context\ncurrent-context: bootstrap-context\n"
    )
}

/// A Linux node root. `bootstrapped` nodes have the bootstrap kubeconfig and a rotating kubelet
/// client certificate behind `kubelet-client-current.pem`; the others use the static `client.crt`.
#[allow(clippy::too_many_arguments)]
fn linux_node(
    dir: &Path,
    server: &str,
    ca: &Ca,
    apiserver_pem: &str,
    kubelet_client_pem: &str,
    kubelet_key: &str,
    bootstrapped: bool,
    dated: &str,
) {
    let certs = dir.join("etc/kubernetes/certs");
    write(&certs.join("ca.crt"), &ca.pem);
    write(&certs.join("apiserver.crt"), apiserver_pem);
    let pki = dir.join("var/lib/kubelet/pki");
    if bootstrapped {
        let dated_name = format!("kubelet-client-{dated}.pem");
        write(
            &pki.join(&dated_name),
            &format!("{kubelet_client_pem}{}", key_pem(kubelet_key)),
        );
        let link = pki.join("kubelet-client-current.pem");
        let _ = fs::remove_file(&link);
        #[cfg(unix)]
        std::os::unix::fs::symlink(&dated_name, &link).expect("symlink");
        write(
            &dir.join("var/lib/kubelet/bootstrap-kubeconfig"),
            &bootstrap_kubeconfig(server),
        );
        write(
            &dir.join("var/lib/kubelet/kubeconfig"),
            &kubelet_kubeconfig(
                server,
                "/var/lib/kubelet/pki/kubelet-client-current.pem",
                "/var/lib/kubelet/pki/kubelet-client-current.pem",
            ),
        );
    } else {
        write(&certs.join("client.crt"), kubelet_client_pem);
        write(&certs.join("client.key"), &key_pem(kubelet_key));
        write(
            &dir.join("var/lib/kubelet/kubeconfig"),
            &kubelet_kubeconfig(
                server,
                "/etc/kubernetes/certs/client.crt",
                "/etc/kubernetes/certs/client.key",
            ),
        );
    }
}

/// `/etc/default/kubelet` as AgentBaker writes it (one `KUBELET_FLAGS` line of every flag), with
/// the rotation flags given.
fn agentbaker_kubelet_defaults(rotation_flags: &str, node_labels: &str) -> String {
    format!(
        "KUBELET_FLAGS=--address=0.0.0.0 --anonymous-auth=false --authentication-token-webhook=true --authorization-mode=Webhook --azure-container-registry-config=/etc/kubernetes/azure.json --cgroups-per-qos=true --client-ca-file=/etc/kubernetes/certs/ca.crt --cloud-config=/etc/kubernetes/azure.json --cloud-provider=external --cluster-dns=10.0.0.10 --cluster-domain=cluster.local --container-log-max-size=50M --enforce-node-allocatable=pods --event-qps=0 --eviction-hard=memory.available<750Mi,nodefs.available<10%,nodefs.inodesFree<5%,pid.available<2000 --image-gc-high-threshold=85 --image-gc-low-threshold=80 --kube-reserved=cpu=100m,memory=1638Mi,pid=1000 --kubeconfig=/var/lib/kubelet/kubeconfig --max-pods=110 --node-status-update-frequency=10s --pod-infra-container-image=mcr.microsoft.com/oss/kubernetes/pause:3.6 --pod-manifest-path=/etc/kubernetes/manifests --pod-max-pids=-1 --protect-kernel-defaults=true --read-only-port=0 --resolv-conf=/run/systemd/resolve/resolv.conf --streaming-connection-idle-timeout=4h --system-reserved=cpu=0,memory=0,pid=1000 {rotation_flags}\nKUBELET_REGISTER_SCHEDULABLE=true\nNETWORK_POLICY=\nKUBELET_NODE_LABELS={node_labels}\n"
    )
}

/// `/etc/default/kubeletconfig.json` as AgentBaker writes it when the kubelet config file is on.
fn agentbaker_kubelet_config(rotate_certificates: bool, server_tls_bootstrap: bool, gate: bool) -> String {
    format!(
        "{{\n    \"kind\": \"KubeletConfiguration\",\n    \"apiVersion\": \"kubelet.config.k8s.io/v1beta1\",\n    \"staticPodPath\": \"/etc/kubernetes/manifests\",\n    \"address\": \"0.0.0.0\",\n    \"tlsCertFile\": \"/etc/kubernetes/certs/kubeletserver.crt\",\n    \"tlsPrivateKeyFile\": \"/etc/kubernetes/certs/kubeletserver.key\",\n    \"rotateCertificates\": {rotate_certificates},\n    \"serverTLSBootstrap\": {server_tls_bootstrap},\n    \"authentication\": {{\n        \"x509\": {{\n            \"clientCAFile\": \"/etc/kubernetes/certs/ca.crt\"\n        }},\n        \"webhook\": {{\n            \"enabled\": true\n        }},\n        \"anonymous\": {{}}\n    }},\n    \"authorization\": {{\n        \"mode\": \"Webhook\",\n        \"webhook\": {{}}\n    }},\n    \"readOnlyPort\": 0,\n    \"clusterDomain\": \"cluster.local\",\n    \"clusterDNS\": [\n        \"10.0.0.10\"\n    ],\n    \"maxPods\": 110,\n    \"featureGates\": {{\n        \"RotateKubeletServerCertificate\": {gate}\n    }}\n}}\n"
    )
}

/// The kubelet's serving certificate as AgentBaker's CSE makes it on the node: self-signed,
/// `CN=<node name>`, twenty years.
fn self_signed_kubelet_serving(cn: &str, key_name: &str, serial: u64, not_before: OffsetDateTime) -> String {
    let mut params = CertificateParams::new(vec![cn.to_string()]).expect("params");
    params.distinguished_name.push(DnType::CommonName, cn);
    params.serial_number = Some(SerialNumber::from(serial));
    params.not_before = not_before;
    params.not_after = not_before.replace_year(not_before.year() + 20).expect("date");
    params.self_signed(&key(key_name)).expect("self-signed").pem()
}

/// A certificate with its own lifetime (signed by `ca`, or self-signed when `ca` is `None`).
#[allow(clippy::too_many_arguments)]
fn custom_cert(
    ca: Option<&Ca>,
    cn: &str,
    dns: &[&str],
    is_ca: bool,
    key_name: &str,
    serial: u64,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
) -> String {
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
    params.distinguished_name.push(DnType::CommonName, cn);
    params.subject_alt_names = dns
        .iter()
        .map(|d| SanType::DnsName((*d).try_into().expect("dns")))
        .collect();
    if is_ca {
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature, KeyUsagePurpose::KeyCertSign];
    } else {
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature, KeyUsagePurpose::KeyEncipherment];
        params.extended_key_usages.push(ExtendedKeyUsagePurpose::ServerAuth);
        params.use_authority_key_identifier_extension = ca.is_some();
    }
    params.serial_number = Some(SerialNumber::from(serial));
    params.not_before = not_before;
    params.not_after = not_after;
    match ca {
        Some(ca) => params.signed_by(&key(key_name), &ca.issuer()).expect("signed").pem(),
        None => params.self_signed(&key(key_name)).expect("self-signed").pem(),
    }
}

/// JSON as kubectl prints it (`-o json`): four-space indentation, a final line break.
fn kubectl_json(value: &Value) -> String {
    use serde::Serialize;
    let mut out = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, formatter);
    value.serialize(&mut serializer).expect("json");
    String::from_utf8(out).expect("utf8") + "\n"
}

/// Object metadata as the API server returns it.
fn meta(namespace: Option<&str>, name: &str, created: &str, uid: u32) -> Value {
    let mut m = json!({
        "creationTimestamp": created,
        "name": name,
        "resourceVersion": format!("{}", 40000 + uid),
        "uid": format!("7c1e9a2b-3d4f-4a5b-8c6d-{uid:012x}")
    });
    if let Some(ns) = namespace {
        m["namespace"] = json!(ns);
    }
    m
}

fn main() {
    let out = root().join("scenarios");
    let _ = fs::remove_dir_all(&out);

    // healthy: a 2024 cluster, 30-year CA, fresh credentials, bootstrapped Linux and Windows nodes.
    {
        let dir = out.join("healthy");
        let server = fqdn("prod-rg-prod-3f2e8c", "8d1e4b7a", "westeurope");
        let ca = cluster_ca("ca-prod", 0x0a01, datetime!(2024-05-10 09:14:02 UTC), 30);
        let client = client_leaf(
            &ca,
            "masterclient",
            "system:masters",
            "leaf-a",
            0x0a02,
            datetime!(2026-10-01 08:00:00 UTC),
        );
        let apiserver = server_leaf(
            &ca,
            "apiserver",
            &[
                &server,
                "kubernetes",
                "kubernetes.default",
                "kubernetes.default.svc",
                "kubernetes.default.svc.cluster.local",
            ],
            "leaf-b",
            0x0a03,
            datetime!(2026-10-01 08:00:00 UTC),
        );
        let kubelet = client_leaf(
            &ca,
            "system:node:aks-nodepool1-12345678-vmss000000",
            "system:nodes",
            "leaf-c",
            0x0a04,
            datetime!(2026-10-15 08:12:31 UTC),
        );
        let win_kubelet = client_leaf(
            &ca,
            "system:node:akswin000000",
            "system:nodes",
            "leaf-d",
            0x0a05,
            datetime!(2026-10-20 06:30:00 UTC),
        );
        let spec = ClusterSpec {
            name: "prod",
            rg: "rg-prod",
            region: "westeurope",
            fqdn: &server,
            version: "1.30.5",
            rbac: true,
            power: "Running",
            provisioning: "Succeeded",
            created: Some("2024-05-10T09:04:11.5Z"),
            node_image: "AKSUbuntu-2204gen2containerd-202410.27.0",
            pool_power: "Running",
            aad: false,
        };
        write(
            &dir.join("cluster.json"),
            &(serde_json::to_string_pretty(&az_show(&spec)).expect("json") + "\n"),
        );
        write(
            &dir.join("kubeconfig"),
            &az_kubeconfig(
                "prod",
                "rg-prod",
                &server,
                &ca.pem,
                &client,
                &key_pem("leaf-a"),
                false,
                "f3a9c2e1b7d84e6a9c0b1d2e3f4a5b6c",
            ),
        );
        write(
            &dir.join("nodes.json"),
            &(serde_json::to_string_pretty(&nodes_list(
                "nodepool1",
                "prod",
                "rg-prod",
                "westeurope",
                "2026-10-15T08:10:02Z",
                "AKSUbuntu-2204gen2containerd-202410.27.0",
                "v1.30.5",
                3,
            ))
            .expect("json")
                + "\n"),
        );
        linux_node(
            &dir.join("node-linux"),
            &server,
            &ca,
            &apiserver,
            &kubelet,
            "leaf-c",
            true,
            "2026-10-15-08-12-31",
        );
        write(
            &dir.join("node-linux/etc/default/kubelet"),
            &agentbaker_kubelet_defaults(
                "--rotate-certificates=true --feature-gates=DisableAcceleratorUsageMetrics=false,RotateKubeletServerCertificate=true --tls-cert-file=/etc/kubernetes/certs/kubeletserver.crt --tls-private-key-file=/etc/kubernetes/certs/kubeletserver.key",
                "agentpool=nodepool1,kubernetes.azure.com/agentpool=nodepool1,kubernetes.azure.com/role=agent",
            ),
        );
        let k = dir.join("node-windows/k");
        write(&k.join("CA.crt"), &ca.pem);
        write(
            &k.join("kubeclusterconfig.json"),
            "{\n    \"Cri\": {\n        \"Name\": \"containerd\"\n    },\n    \"Kubelet\": {\n        \"ClusterDNS\": \"10.0.0.10\",\n        \"ConfigArgs\": [\n            \"--address=0.0.0.0\",\n            \"--anonymous-auth=false\",\n            \"--authorization-mode=Webhook\",\n            \"--client-ca-file=c:\\\\k\\\\ca.crt\",\n            \"--feature-gates=RotateKubeletServerCertificate=true\",\n            \"--rotate-certificates=true\",\n            \"--read-only-port=0\"\n        ]\n    }\n}\n",
        );
        write(&k.join("bootstrap-config"), &bootstrap_kubeconfig(&server));
        write(
            &k.join("config"),
            &kubelet_kubeconfig(
                &server,
                "c:\\k\\pki\\kubelet-client-current.pem",
                "c:\\k\\pki\\kubelet-client-current.pem",
            ),
        );
        write(
            &k.join("pki/kubelet-client-current.pem"),
            &format!("{win_kubelet}{}", key_pem("leaf-d")),
        );
    }

    // legacy-ca: created in 2018 (raw ARM spelling), still on a two-year CA that is near its end.
    {
        let dir = out.join("legacy-ca");
        let server = fqdn("legacy-rg-legacy-3f2e8c", "0c9d8e7f", "eastus");
        let ca = cluster_ca("ca-legacy", 0x0b01, datetime!(2025-01-15 10:20:00 UTC), 2);
        let client = client_leaf(
            &ca,
            "masterclient",
            "system:masters",
            "leaf-a",
            0x0b02,
            datetime!(2025-01-15 10:20:00 UTC),
        );
        let spec = ClusterSpec {
            name: "legacy",
            rg: "rg-legacy",
            region: "eastus",
            fqdn: &server,
            version: "1.29.9",
            rbac: true,
            power: "Running",
            provisioning: "Succeeded",
            created: Some("2018-11-05T10:00:00Z"),
            node_image: "AKSUbuntu-2204gen2containerd-202409.23.0",
            pool_power: "Running",
            aad: false,
        };
        write(
            &dir.join("cluster.json"),
            &(serde_json::to_string_pretty(&arm_get(&spec)).expect("json") + "\n"),
        );
        write(
            &dir.join("kubeconfig"),
            &az_kubeconfig(
                "legacy",
                "rg-legacy",
                &server,
                &ca.pem,
                &client,
                &key_pem("leaf-a"),
                true,
                "0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e",
            ),
        );
    }

    // stopped: the cluster and its pool are stopped; certificates cannot rotate.
    {
        let dir = out.join("stopped");
        let server = fqdn("batch-rg-batch-3f2e8c", "5a6b7c8d", "northeurope");
        let spec = ClusterSpec {
            name: "batch",
            rg: "rg-batch",
            region: "northeurope",
            fqdn: &server,
            version: "1.30.5",
            rbac: true,
            power: "Stopped",
            provisioning: "Succeeded",
            created: Some("2023-06-01T12:00:00Z"),
            node_image: "AKSUbuntu-2204gen2containerd-202410.27.0",
            pool_power: "Stopped",
            aad: true,
        };
        let ca = cluster_ca("ca-oldpool", 0x0c01, datetime!(2023-06-01 12:05:00 UTC), 30);
        write(
            &dir.join("cluster.json"),
            &(serde_json::to_string_pretty(&az_show(&spec)).expect("json") + "\n"),
        );
        write(
            &dir.join("kubeconfig"),
            &aad_kubeconfig("batch", "rg-batch", &server, &ca.pem),
        );
    }

    // rotated: `az aks rotate-certs` ran on 2026-11-20. One kubeconfig is from before it, one
    // node pool was stopped during the rotation and kept the old certificates.
    {
        let dir = out.join("rotated");
        let server = fqdn("payments-rg-payments-3f2e8c", "7e6d5c4b", "westus2");
        let old_ca = cluster_ca("ca-payments-old", 0x0d01, datetime!(2023-02-01 07:00:00 UTC), 30);
        let new_ca = cluster_ca("ca-payments-new", 0x0d02, datetime!(2026-11-20 14:02:00 UTC), 30);
        let old_client = client_leaf(
            &old_ca,
            "masterclient",
            "system:masters",
            "leaf-a",
            0x0d03,
            datetime!(2026-09-01 07:00:00 UTC),
        );
        let new_client = client_leaf(
            &new_ca,
            "masterclient",
            "system:masters",
            "leaf-b",
            0x0d04,
            datetime!(2026-11-20 14:02:00 UTC),
        );
        let new_apiserver = server_leaf(
            &new_ca,
            "apiserver",
            &[&server, "kubernetes"],
            "leaf-b",
            0x0d05,
            datetime!(2026-11-20 14:02:00 UTC),
        );
        let old_apiserver = server_leaf(
            &old_ca,
            "apiserver",
            &[&server, "kubernetes"],
            "leaf-b",
            0x0d06,
            datetime!(2026-09-01 07:00:00 UTC),
        );
        let new_kubelet = client_leaf(
            &new_ca,
            "system:node:aks-nodepool1-87654321-vmss000000",
            "system:nodes",
            "leaf-c",
            0x0d07,
            datetime!(2026-11-20 14:30:00 UTC),
        );
        let old_kubelet = client_leaf(
            &old_ca,
            "system:node:aks-userpool-87654321-vmss000000",
            "system:nodes",
            "leaf-d",
            0x0d08,
            datetime!(2026-09-01 07:30:00 UTC),
        );
        let spec = ClusterSpec {
            name: "payments",
            rg: "rg-payments",
            region: "westus2",
            fqdn: &server,
            version: "1.31.2",
            rbac: true,
            power: "Running",
            provisioning: "Succeeded",
            created: Some("2023-02-01T06:55:00Z"),
            node_image: "AKSUbuntu-2204gen2containerd-202411.12.0",
            pool_power: "Running",
            aad: false,
        };
        write(
            &dir.join("cluster.json"),
            &(serde_json::to_string_pretty(&az_show(&spec)).expect("json") + "\n"),
        );
        write(
            &dir.join("kubeconfig"),
            &az_kubeconfig(
                "payments",
                "rg-payments",
                &server,
                &new_ca.pem,
                &new_client,
                &key_pem("leaf-b"),
                false,
                "9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f",
            ),
        );
        write(
            &dir.join("kubeconfig-before-rotation"),
            &az_kubeconfig(
                "payments",
                "rg-payments",
                &server,
                &old_ca.pem,
                &old_client,
                &key_pem("leaf-a"),
                false,
                "1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d",
            ),
        );
        linux_node(
            &dir.join("node-recreated"),
            &server,
            &new_ca,
            &new_apiserver,
            &new_kubelet,
            "leaf-c",
            true,
            "2026-11-20-14-30-00",
        );
        linux_node(
            &dir.join("node-stopped-during-rotation"),
            &server,
            &old_ca,
            &old_apiserver,
            &old_kubelet,
            "leaf-d",
            true,
            "2026-09-01-07-30-00",
        );
    }

    // old-nodes: a node pool from 2021 that was never upgraded, without TLS bootstrapping.
    {
        let dir = out.join("old-nodes");
        let server = fqdn("ops-rg-ops-3f2e8c", "2b3c4d5e", "uksouth");
        let ca = cluster_ca("ca-oldpool", 0x0e01, datetime!(2021-03-10 09:00:00 UTC), 30);
        let apiserver = server_leaf(
            &ca,
            "apiserver",
            &[&server],
            "leaf-b",
            0x0e02,
            datetime!(2025-07-01 09:00:00 UTC),
        );
        let kubelet = client_leaf(
            &ca,
            "client",
            "system:nodes",
            "leaf-c",
            0x0e03,
            datetime!(2025-07-01 09:00:00 UTC),
        );
        let spec = ClusterSpec {
            name: "ops",
            rg: "rg-ops",
            region: "uksouth",
            fqdn: &server,
            version: "1.21.7",
            rbac: true,
            power: "Running",
            provisioning: "Succeeded",
            created: Some("2021-03-10T08:55:00Z"),
            node_image: "AKSUbuntu-1804gen2containerd-2021.07.03",
            pool_power: "Running",
            aad: false,
        };
        let client = client_leaf(
            &ca,
            "masterclient",
            "system:masters",
            "leaf-a",
            0x0e04,
            datetime!(2025-07-01 09:00:00 UTC),
        );
        write(
            &dir.join("kubeconfig"),
            &az_kubeconfig(
                "ops",
                "rg-ops",
                &server,
                &ca.pem,
                &client,
                &key_pem("leaf-a"),
                false,
                "5d4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a",
            ),
        );
        write(
            &dir.join("cluster.json"),
            &(serde_json::to_string_pretty(&az_show(&spec)).expect("json") + "\n"),
        );
        write(
            &dir.join("nodes.json"),
            &(serde_json::to_string_pretty(&nodes_list(
                "nodepool1",
                "ops",
                "rg-ops",
                "uksouth",
                "2021-07-20T11:02:40Z",
                "AKSUbuntu-1804gen2containerd-2021.07.03",
                "v1.21.7",
                2,
            ))
            .expect("json")
                + "\n"),
        );
        linux_node(
            &dir.join("node"),
            &server,
            &ca,
            &apiserver,
            &kubelet,
            "leaf-c",
            false,
            "",
        );
    }

    // stalled-rotation: an RBAC cluster that should auto-rotate, whose node still has a kubelet
    // client certificate at 93% of its lifetime: rotation has stopped happening.
    {
        let dir = out.join("stalled-rotation");
        let server = fqdn("search-rg-search-3f2e8c", "9f8e7d6c", "francecentral");
        let ca = cluster_ca("ca-prod", 0x0f01, datetime!(2023-04-03 08:00:00 UTC), 30);
        let apiserver = server_leaf(
            &ca,
            "apiserver",
            &[&server],
            "leaf-b",
            0x0f02,
            datetime!(2026-10-20 08:00:00 UTC),
        );
        let kubelet = client_leaf(
            &ca,
            "system:node:aks-nodepool1-55555555-vmss000003",
            "system:nodes",
            "leaf-c",
            0x0f03,
            datetime!(2025-01-20 08:00:00 UTC),
        );
        let spec = ClusterSpec {
            name: "search",
            rg: "rg-search",
            region: "francecentral",
            fqdn: &server,
            version: "1.30.5",
            rbac: true,
            power: "Running",
            provisioning: "Succeeded",
            created: Some("2023-04-03T07:55:00Z"),
            node_image: "AKSUbuntu-2204gen2containerd-202410.27.0",
            pool_power: "Running",
            aad: false,
        };
        write(
            &dir.join("cluster.json"),
            &(serde_json::to_string_pretty(&az_show(&spec)).expect("json") + "\n"),
        );
        linux_node(
            &dir.join("node"),
            &server,
            &ca,
            &apiserver,
            &kubelet,
            "leaf-c",
            true,
            "2025-01-20-08-00-00",
        );
    }

    // fleet: `az aks list -o json` with a cluster mid-rotation, a failed one and one without RBAC.
    {
        let dir = out.join("fleet");
        let specs = [
            ClusterSpec {
                name: "web",
                rg: "rg-fleet",
                region: "westeurope",
                fqdn: "web-rg-fleet-3f2e8c-11aa22bb.hcp.westeurope.azmk8s.io",
                version: "1.30.5",
                rbac: true,
                power: "Running",
                provisioning: "RotatingClusterCertificates",
                created: Some("2024-02-01T10:00:00Z"),
                node_image: "AKSUbuntu-2204gen2containerd-202410.27.0",
                pool_power: "Running",
                aad: false,
            },
            ClusterSpec {
                name: "api",
                rg: "rg-fleet",
                region: "westeurope",
                fqdn: "api-rg-fleet-3f2e8c-33cc44dd.hcp.westeurope.azmk8s.io",
                version: "1.30.5",
                rbac: true,
                power: "Running",
                provisioning: "Failed",
                created: Some("2024-02-01T10:00:00Z"),
                node_image: "AKSUbuntu-2204gen2containerd-202410.27.0",
                pool_power: "Running",
                aad: false,
            },
            ClusterSpec {
                name: "legacy-norbac",
                rg: "rg-fleet",
                region: "westeurope",
                fqdn: "legacy-norbac-rg-fleet-3f2e8c-55ee66ff.hcp.westeurope.azmk8s.io",
                version: "1.29.9",
                rbac: false,
                power: "Running",
                provisioning: "Succeeded",
                created: None,
                node_image: "AKSUbuntu-2204gen2containerd-202410.27.0",
                pool_power: "Running",
                aad: false,
            },
        ];
        let list: Vec<Value> = specs.iter().map(az_show).collect();
        write(
            &dir.join("clusters.json"),
            &(serde_json::to_string_pretty(&list).expect("json") + "\n"),
        );
    }

    // kubelet-settings: a 2024 cluster whose nodes' kubelet configuration decides rotation. One
    // node turned rotation off (flags in /etc/default/kubelet), one sets it through the kubelet
    // config file with a flag overriding it, one has no kubelet configuration file at all.
    {
        let dir = out.join("kubelet-settings");
        let server = fqdn("pay-rg-pay-3f2e8c", "7a6b5c4d", "northeurope");
        let ca = cluster_ca("ca-prod", 0x1001, datetime!(2024-06-03 08:00:00 UTC), 30);
        let apiserver = server_leaf(
            &ca,
            "apiserver",
            &[&server],
            "leaf-b",
            0x1002,
            datetime!(2026-06-03 08:00:00 UTC),
        );
        let spec = ClusterSpec {
            name: "pay",
            rg: "rg-pay",
            region: "northeurope",
            fqdn: &server,
            version: "1.30.5",
            rbac: true,
            power: "Running",
            provisioning: "Succeeded",
            created: Some("2024-06-03T07:55:00Z"),
            node_image: "AKSUbuntu-2204gen2containerd-202410.27.0",
            pool_power: "Running",
            aad: false,
        };
        write(
            &dir.join("cluster.json"),
            &(serde_json::to_string_pretty(&az_show(&spec)).expect("json") + "\n"),
        );
        let nodes = [
            ("node-rotation-off", 0x1010u64, "aks-nodepool1-24682468-vmss000000"),
            ("node-config-file", 0x1020, "aks-nodepool1-24682468-vmss000001"),
            ("node-no-config", 0x1030, "aks-nodepool1-24682468-vmss000002"),
        ];
        for (name, serial, node) in nodes {
            let root = dir.join(name);
            let kubelet = client_leaf(
                &ca,
                &format!("system:node:{node}"),
                "system:nodes",
                "leaf-c",
                serial,
                datetime!(2026-10-01 08:00:00 UTC),
            );
            linux_node(
                &root,
                &server,
                &ca,
                &apiserver,
                &kubelet,
                "leaf-c",
                true,
                "2026-10-01-08-00-00",
            );
            let labels = "agentpool=nodepool1,kubernetes.azure.com/agentpool=nodepool1,kubernetes.azure.com/role=agent";
            match name {
                "node-rotation-off" => {
                    // A serving certificate from the cluster CA, left from when rotation was on.
                    let serving = server_leaf(
                        &ca,
                        node,
                        &[node],
                        "leaf-d",
                        serial + 1,
                        datetime!(2026-10-01 08:00:00 UTC),
                    );
                    write(
                        &root.join("var/lib/kubelet/pki/kubelet-server-current.pem"),
                        &format!("{serving}{}", key_pem("leaf-d")),
                    );
                    write(
                        &root.join("etc/default/kubelet"),
                        &agentbaker_kubelet_defaults(
                            "--rotate-certificates=false --feature-gates=DisableAcceleratorUsageMetrics=false,RotateKubeletServerCertificate=false",
                            labels,
                        ),
                    );
                }
                "node-config-file" => {
                    let serving = server_leaf(
                        &ca,
                        node,
                        &[node],
                        "leaf-d",
                        serial + 1,
                        datetime!(2026-10-01 08:00:00 UTC),
                    );
                    write(
                        &root.join("var/lib/kubelet/pki/kubelet-server-current.pem"),
                        &format!("{serving}{}", key_pem("leaf-d")),
                    );
                    write(
                        &root.join("etc/default/kubelet"),
                        &agentbaker_kubelet_defaults(
                            "--config=/etc/default/kubeletconfig.json --rotate-certificates=true",
                            labels,
                        ),
                    );
                    write(
                        &root.join("etc/default/kubeletconfig.json"),
                        &agentbaker_kubelet_config(false, true, true),
                    );
                    write(
                        &root.join("etc/systemd/system/kubelet.service.d/10-tlsbootstrap.conf"),
                        "[Service]\nEnvironment=\"KUBELET_TLS_BOOTSTRAP_FLAGS=--kubeconfig /var/lib/kubelet/kubeconfig --bootstrap-kubeconfig /var/lib/kubelet/bootstrap-kubeconfig\"\n",
                    );
                }
                _ => {
                    write(
                        &root.join("etc/kubernetes/certs/kubeletserver.crt"),
                        &self_signed_kubelet_serving(node, "leaf-d", serial + 1, datetime!(2024-06-03 08:10:00 UTC)),
                    );
                }
            }
        }
    }
    // in-cluster: what the services on top of a cluster keep in Kubernetes objects, after
    // `az aks rotate-certs` (2026-06-01) and after local accounts were disabled (2026-10-01).
    {
        let dir = out.join("in-cluster");
        let server = fqdn("web-rg-web-3f2e8c", "4c5d6e7f", "northeurope");
        let old_ca = cluster_ca("ca-payments-old", 0x1101, datetime!(2024-03-04 10:00:00 UTC), 30);
        let new_ca = cluster_ca("ca-payments-new", 0x1102, datetime!(2026-06-01 09:00:00 UTC), 30);
        let mut spec_json = az_show(&ClusterSpec {
            name: "web",
            rg: "rg-web",
            region: "northeurope",
            fqdn: &server,
            version: "1.31.2",
            rbac: true,
            power: "Running",
            provisioning: "Succeeded",
            created: Some("2024-03-04T09:55:00Z"),
            node_image: "AKSUbuntu-2204gen2containerd-202605.20.0",
            pool_power: "Running",
            aad: true,
        });
        // The pool opted out of kubelet serving certificate rotation.
        spec_json["agentPoolProfiles"][0]["tags"] = json!({"aks-disable-kubelet-serving-certificate-rotation": "true"});
        write(
            &dir.join("cluster.json"),
            &(serde_json::to_string_pretty(&spec_json).expect("json") + "\n"),
        );
        write(
            &dir.join("kubeconfig"),
            &aad_kubeconfig("web", "rg-web", &server, &new_ca.pem),
        );
        // Fetched with --admin on 2026-07-01, before local accounts were disabled: still valid.
        let admin_client = client_leaf(
            &new_ca,
            "masterclient",
            "system:masters",
            "leaf-a",
            0x1103,
            datetime!(2026-07-01 08:00:00 UTC),
        );
        write(
            &dir.join("kubeconfig-admin"),
            &az_kubeconfig(
                "web",
                "rg-web",
                &server,
                &new_ca.pem,
                &admin_client,
                &key_pem("leaf-a"),
                true,
                "5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b",
            ),
        );

        // `kubectl get secrets,configmaps,validatingwebhookconfigurations,
        // mutatingwebhookconfigurations,apiservices,customresourcedefinitions,
        // certificatesigningrequests,nodes -A -o json`.
        let ingress_ca = custom_cert(
            None,
            "ingress-ca",
            &[],
            true,
            "leaf-b",
            0x1110,
            datetime!(2025-01-01 00:00:00 UTC),
            datetime!(2035-01-01 00:00:00 UTC),
        );
        let ingress_ca = Ca {
            params: {
                let mut p = CertificateParams::new(Vec::<String>::new()).expect("params");
                p.distinguished_name.push(DnType::CommonName, "ingress-ca");
                p
            },
            key: key("leaf-b"),
            pem: ingress_ca,
        };
        let web_tls = custom_cert(
            Some(&ingress_ca),
            "web.contoso.com",
            &["web.contoso.com"],
            false,
            "leaf-c",
            0x1111,
            datetime!(2025-11-01 00:00:00 UTC),
            datetime!(2026-11-01 00:00:00 UTC),
        );
        let webhook_ca = custom_cert(
            None,
            "cert-manager-webhook-ca",
            &[],
            true,
            "leaf-d",
            0x1112,
            datetime!(2025-12-20 00:00:00 UTC),
            datetime!(2026-12-20 00:00:00 UTC),
        );
        let metrics_ca = custom_cert(
            None,
            "metrics-server-ca",
            &[],
            true,
            "leaf-d",
            0x1113,
            datetime!(2025-06-01 00:00:00 UTC),
            datetime!(2035-06-01 00:00:00 UTC),
        );
        let flux_client = client_leaf(
            &old_ca,
            "masterclient",
            "system:masters",
            "leaf-a",
            0x1114,
            datetime!(2025-05-01 08:00:00 UTC),
        );
        let node0 = "aks-nodepool1-13572468-vmss000000";
        let node1 = "aks-nodepool1-13572468-vmss000001";
        let issued_serving = custom_cert(
            Some(&new_ca),
            &format!("system:node:{node1}"),
            &[node1],
            false,
            "leaf-d",
            0x1115,
            datetime!(2026-11-10 06:00:00 UTC),
            datetime!(2027-05-10 06:00:00 UTC),
        );
        let keystore = fs::read(root().join("pki/keystore.p12")).expect("keystore.p12");
        let argocd_config = json!({
            "bearerToken": "eyJhbGciOiJSUzI1NiIsImtpZCI6ImFyZ29jZC10ZXN0In0.e30.c2lnbmF0dXJl",
            "tlsClientConfig": {"insecure": false, "caData": b64(&old_ca.pem)}
        });
        let root_ca = |ns: &str, uid: u32| {
            json!({"apiVersion": "v1", "data": {"ca.crt": new_ca.pem}, "kind": "ConfigMap",
                "metadata": meta(Some(ns), "kube-root-ca.crt", "2024-03-04T10:02:00Z", uid)})
        };
        let kubelet_serving_csr = |name: &str, node: &str, created: &str, uid: u32, status: Value| {
            json!({"apiVersion": "certificates.k8s.io/v1", "kind": "CertificateSigningRequest",
                "metadata": meta(None, name, created, uid),
                "spec": {"groups": ["system:nodes", "system:authenticated"],
                    "request": b64("-----BEGIN CERTIFICATE REQUEST-----\nMIIBDzCBtgIBADAwMRUwEwYDVQQKEwxzeXN0ZW06bm9kZXM=\n-----END CERTIFICATE REQUEST-----\n"),
                    "signerName": "kubernetes.io/kubelet-serving",
                    "usages": ["digital signature", "server auth"],
                    "username": format!("system:node:{node}")},
                "status": status})
        };
        let node_item = |name: &str, uid: u32| {
            let mut list = nodes_list(
                "nodepool1",
                "web",
                "rg-web",
                "northeurope",
                "2026-06-01T09:30:00Z",
                "AKSUbuntu-2204gen2containerd-202605.20.0",
                "v1.31.2",
                1,
            );
            let mut item = list["items"][0].take();
            item["metadata"]["name"] = json!(name);
            item["metadata"]["uid"] = json!(format!("5f0c3a7e-1b2d-4c6e-9a8f-{uid:012x}"));
            item["metadata"]["labels"]["kubernetes.io/hostname"] = json!(name);
            item["metadata"]["labels"]["kubernetes.azure.com/kubelet-serving-ca"] = json!("cluster");
            item
        };
        let items = vec![
            root_ca("default", 1),
            root_ca("kube-system", 2),
            json!({"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls",
                "metadata": meta(Some("ingress-nginx"), "web-tls", "2025-11-01T00:05:00Z", 3),
                "data": {"tls.crt": b64(&format!("{web_tls}{}", ingress_ca.pem)), "tls.key": b64(&key_pem("leaf-c"))}}),
            json!({"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/service-account-token",
                "metadata": {
                    "annotations": {"kubernetes.io/service-account.name": "build-robot", "kubernetes.io/service-account.uid": "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"},
                    "creationTimestamp": "2024-05-02T11:00:00Z", "name": "build-robot-token", "namespace": "ci",
                    "resourceVersion": "40004", "uid": "7c1e9a2b-3d4f-4a5b-8c6d-000000000004"},
                "data": {"ca.crt": b64(&old_ca.pem), "namespace": b64("ci"),
                    "token": b64("eyJhbGciOiJSUzI1NiIsImtpZCI6ImJ1aWxkLXJvYm90In0.e30.c2lnbmF0dXJl")}}),
            json!({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                "metadata": {
                    "creationTimestamp": "2024-04-10T12:00:00Z", "name": "cluster-in-cluster", "namespace": "argocd",
                    "labels": {"argocd.argoproj.io/secret-type": "cluster"},
                    "resourceVersion": "40005", "uid": "7c1e9a2b-3d4f-4a5b-8c6d-000000000005"},
                "data": {"name": b64("in-cluster"), "server": b64("https://kubernetes.default.svc"),
                    "config": b64(&argocd_config.to_string())}}),
            json!({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                "metadata": meta(Some("flux-system"), "web-kubeconfig", "2025-05-01T08:05:00Z", 6),
                "data": {"value": b64(&az_kubeconfig("web", "rg-web", &server, &old_ca.pem, &flux_client,
                    &key_pem("leaf-a"), true, "0f1e2d3c4b5a69788796a5b4c3d2e1f0"))}}),
            json!({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                "metadata": meta(Some("payments"), "signing-material", "2025-02-01T00:00:00Z", 7),
                "data": {"keystore": BASE64.encode(&keystore), "keystore.p12": BASE64.encode(&keystore),
                    "private.pem": b64(&key_pem("leaf-d")), "password": b64("changeit"),
                    "not-base64": "%%% this is not base64 %%%"}}),
            json!({"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingWebhookConfiguration",
                "metadata": meta(None, "cert-manager-webhook", "2025-12-20T00:10:00Z", 8),
                "webhooks": [{"admissionReviewVersions": ["v1"], "name": "webhook.cert-manager.io",
                    "clientConfig": {"caBundle": b64(&webhook_ca), "service": {"name": "cert-manager-webhook", "namespace": "cert-manager", "path": "/validate", "port": 443}},
                    "failurePolicy": "Fail", "sideEffects": "None", "timeoutSeconds": 30}]}),
            json!({"apiVersion": "admissionregistration.k8s.io/v1", "kind": "MutatingWebhookConfiguration",
                "metadata": meta(None, "cert-manager-webhook", "2025-12-20T00:10:00Z", 9),
                "webhooks": [{"admissionReviewVersions": ["v1"], "name": "webhook.cert-manager.io",
                    "clientConfig": {"caBundle": b64(&webhook_ca), "service": {"name": "cert-manager-webhook", "namespace": "cert-manager", "path": "/mutate", "port": 443}},
                    "failurePolicy": "Fail", "sideEffects": "None", "timeoutSeconds": 30}]}),
            json!({"apiVersion": "apiregistration.k8s.io/v1", "kind": "APIService",
                "metadata": meta(None, "v1beta1.metrics.k8s.io", "2025-06-01T00:10:00Z", 10),
                "spec": {"caBundle": b64(&metrics_ca), "group": "metrics.k8s.io", "groupPriorityMinimum": 100,
                    "service": {"name": "metrics-server", "namespace": "kube-system", "port": 443},
                    "version": "v1beta1", "versionPriority": 100}}),
            json!({"apiVersion": "apiregistration.k8s.io/v1", "kind": "APIService",
                "metadata": meta(None, "v1.apps", "2024-03-04T10:01:00Z", 11),
                "spec": {"group": "apps", "groupPriorityMinimum": 17800, "version": "v1", "versionPriority": 15}}),
            json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
                "metadata": meta(None, "certificates.cert-manager.io", "2025-12-20T00:10:00Z", 12),
                "spec": {"conversion": {"strategy": "Webhook", "webhook": {"clientConfig": {"caBundle": b64(&webhook_ca),
                    "service": {"name": "cert-manager-webhook", "namespace": "cert-manager", "path": "/convert", "port": 443}},
                    "conversionReviewVersions": ["v1"]}},
                    "group": "cert-manager.io", "names": {"kind": "Certificate", "plural": "certificates"}, "scope": "Namespaced"}}),
            kubelet_serving_csr("csr-7xk2p", node0, "2026-11-28T20:00:00Z", 13, json!({})),
            kubelet_serving_csr(
                "csr-9qw4d",
                node1,
                "2026-11-10T06:00:00Z",
                14,
                json!({
                "certificate": b64(&issued_serving),
                "conditions": [{"lastTransitionTime": "2026-11-10T06:00:01Z", "lastUpdateTime": "2026-11-10T06:00:01Z",
                    "message": "Auto approving kubelet serving certificate after SubjectAccessReview.", "reason": "AutoApproved",
                    "status": "True", "type": "Approved"}]}),
            ),
            kubelet_serving_csr(
                "csr-4hz8m",
                node1,
                "2026-11-27T03:00:00Z",
                15,
                json!({
                "conditions": [{"lastTransitionTime": "2026-11-27T03:00:02Z", "lastUpdateTime": "2026-11-27T03:00:02Z",
                    "message": "the requested DNS names are not the node's", "reason": "SubjectAccessReviewFailed",
                    "status": "True", "type": "Denied"}]}),
            ),
            node_item(node0, 16),
            node_item(node1, 17),
        ];
        write(
            &dir.join("objects.json"),
            &kubectl_json(
                &json!({"apiVersion": "v1", "items": items, "kind": "List", "metadata": {"resourceVersion": ""}}),
            ),
        );

        // A node root as the kubelet lays it out: `*-current.pem` are absolute links to dated
        // files. Secure TLS bootstrapping cleared the bootstrap kubeconfig. The serving
        // certificate (cluster-signed, issued through a CSR) ends in four days: its renewal,
        // csr-7xk2p, is pending.
        let node = dir.join("node");
        write(&node.join("etc/kubernetes/certs/ca.crt"), &new_ca.pem);
        let kubelet_client = client_leaf(
            &new_ca,
            &format!("system:node:{node0}"),
            "system:nodes",
            "leaf-c",
            0x1120,
            datetime!(2026-06-01 09:40:00 UTC),
        );
        let serving = custom_cert(
            Some(&new_ca),
            &format!("system:node:{node0}"),
            &[node0],
            false,
            "leaf-d",
            0x1121,
            datetime!(2026-06-03 10:00:00 UTC),
            datetime!(2026-12-03 10:00:00 UTC),
        );
        let pki = node.join("var/lib/kubelet/pki");
        for (dated, pem, key_name, current) in [
            (
                "kubelet-client-2026-06-01-09-40-00.pem",
                &kubelet_client,
                "leaf-c",
                "kubelet-client-current.pem",
            ),
            (
                "kubelet-server-2026-06-03-10-00-00.pem",
                &serving,
                "leaf-d",
                "kubelet-server-current.pem",
            ),
        ] {
            write(&pki.join(dated), &format!("{pem}{}", key_pem(key_name)));
            let link = pki.join(current);
            let _ = fs::remove_file(&link);
            #[cfg(unix)]
            std::os::unix::fs::symlink(format!("/var/lib/kubelet/pki/{dated}"), &link).expect("symlink");
        }
        write(
            &node.join("var/lib/kubelet/kubeconfig"),
            &kubelet_kubeconfig(
                &server,
                "/var/lib/kubelet/pki/kubelet-client-current.pem",
                "/var/lib/kubelet/pki/kubelet-client-current.pem",
            ),
        );
        write(
            &node.join("etc/default/kubelet"),
            &agentbaker_kubelet_defaults(
                "--rotate-certificates=true --rotate-server-certificates=true --feature-gates=RotateKubeletServerCertificate=true",
                "agentpool=nodepool1,kubernetes.azure.com/agentpool=nodepool1,kubernetes.azure.com/kubelet-serving-ca=cluster",
            ),
        );
    }
    println!("wrote {}", out.display());
}
