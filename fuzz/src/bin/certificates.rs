//! Fuzz target: see `aks_certscan_fuzz::certificates`.
fn main() {
    afl::fuzz!(|data: &[u8]| aks_certscan_fuzz::certificates(data));
}
