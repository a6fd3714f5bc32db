//! Fuzz target: see `aks_certscan_fuzz::baseline`.
fn main() {
    afl::fuzz!(|data: &[u8]| aks_certscan_fuzz::baseline(data));
}
