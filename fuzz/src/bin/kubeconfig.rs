//! Fuzz target: see `aks_certscan_fuzz::kubeconfig`.
fn main() {
    afl::fuzz!(|data: &[u8]| aks_certscan_fuzz::kubeconfig(data));
}
