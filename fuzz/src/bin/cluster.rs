//! Fuzz target: see `aks_certscan_fuzz::cluster`.
fn main() {
    afl::fuzz!(|data: &[u8]| aks_certscan_fuzz::cluster(data));
}
