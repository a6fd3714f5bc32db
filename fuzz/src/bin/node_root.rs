//! Fuzz target: see `aks_certscan_fuzz::node_root`.
fn main() {
    afl::fuzz!(|data: &[u8]| aks_certscan_fuzz::node_root(data));
}
