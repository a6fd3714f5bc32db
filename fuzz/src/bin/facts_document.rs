//! Fuzz target: see `aks_certscan_fuzz::facts_document`.
fn main() {
    afl::fuzz!(|data: &[u8]| aks_certscan_fuzz::facts_document(data));
}
