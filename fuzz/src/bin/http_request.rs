//! Fuzz target: see `aks_certscan_fuzz::http_request`.
fn main() {
    afl::fuzz!(|data: &[u8]| aks_certscan_fuzz::http_request(data));
}
