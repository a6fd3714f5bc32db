//! Fuzz target: see `aks_certscan_fuzz::nodes`.
fn main() {
    afl::fuzz!(|data: &[u8]| aks_certscan_fuzz::nodes(data));
}
