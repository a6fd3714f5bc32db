//! Fuzz target: see `aks_certscan_fuzz::exception_glob`.
fn main() {
    afl::fuzz!(|data: &[u8]| aks_certscan_fuzz::exception_glob(data));
}
