// Rebuild when a policy is added, changed or removed: `include_dir!` alone does not notice new files.
fn main() {
    println!("cargo:rerun-if-changed=policies");
}
