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

/// A facts document written while its certificates stream past: they go to a private spill
/// file beside the output as they come, in document order, and the document is put together at
/// the end, byte for byte what [`write()`] writes for the same facts.
#[derive(Debug)]
pub struct Sink {
    path: Option<std::path::PathBuf>,
    spill: crate::safe_io::Spill,
    parts: crate::pretty_json::ArrayParts,
}

impl Sink {
    /// A sink for `path` (standard output when `None`).
    pub fn new(path: Option<&Path>) -> std::io::Result<Sink> {
        Ok(Sink {
            path: path.map(Path::to_path_buf),
            spill: crate::safe_io::Spill::new(path)?,
            parts: crate::pretty_json::ArrayParts::new(1),
        })
    }

    /// Writes the next certificates of the document.
    pub fn certificates(&mut self, certificates: &[crate::facts::model::CertificateFact]) -> std::io::Result<()> {
        let out = self.spill.writer()?;
        self.parts.write(out, certificates, crate::pretty_json::itself)
    }

    /// Writes the document: `doc` (whose own certificate list must be empty) with every
    /// certificate written so far.
    pub fn finish(mut self, doc: &FactsDocument) -> std::io::Result<()> {
        if !doc.facts.certificates.is_empty() {
            return Err(std::io::Error::other(
                "the certificates of a streamed document go through the sink",
            ));
        }
        let skeleton = serde_json::to_vec_pretty(doc)?;
        let parts = self.parts;
        let mut inside = self.spill.reader()?;
        crate::safe_io::write_output(self.path.as_deref(), |out| {
            parts.splice(out, &skeleton, "certificates", &mut inside)?;
            writeln!(out)
        })
    }
}
