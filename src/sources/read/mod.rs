//! Low-level readers the sources share: nothing here knows which source it serves.
//!
//! - [`input`]: size-capped reads of files and standard input, UTF-8 and JSON, as collection errors;
//! - [`pem`]: certificates out of PEM, DER and base64-PEM text;
//! - [`json_lines`]: the line where each object of a JSON document starts; [`lines`]: the line of
//!   a byte offset;
//! - [`azure`]: field access in ARM and `az` JSON (either spelling).

pub mod azure;
pub mod input;
pub mod json_lines;
pub mod lines;
pub mod pem;
