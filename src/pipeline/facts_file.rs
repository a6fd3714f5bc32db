//! Writing the facts document: pretty JSON with a final newline, the certificates (most of it)
//! serialized in parallel; the bytes are those of `serde_json::to_writer_pretty`.

use std::path::Path;

use crate::facts::model::FactsDocument;

/// Writes `doc` to `path` (standard output when `None`), never through a symbolic link.
pub fn write(path: Option<&Path>, doc: &mut FactsDocument) -> std::io::Result<()> {
    let certificates = std::mem::take(&mut doc.facts.certificates);
    let skeleton = serde_json::to_vec_pretty(&*doc);
    doc.facts.certificates = certificates;
    let skeleton = skeleton?;
    crate::safe_io::write_output(path, |out| {
        crate::pretty_json::write_spliced(
            out,
            &skeleton,
            "certificates",
            1,
            &doc.facts.certificates,
            crate::pretty_json::itself,
        )?;
        writeln!(out)
    })
}
