//! Fuzz target: see `aks_certscan_fuzz::k8s_objects`.
fn main() {
    afl::fuzz!(|data: &[u8]| aks_certscan_fuzz::k8s_objects(data));
}
