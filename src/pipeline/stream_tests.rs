//! Streaming changes nothing: for the same sources, a scan whose `--certs` certificates stream
//! past in batches gives byte for byte the findings, coverage, metrics series, facts document and
//! lean facts document of a scan that collects everything first.

use std::path::{Path, PathBuf};

use super::{Outcome, Plan, Prepared, Streaming};
use crate::clock::Instant;
use crate::sources::{CollectPlan, Source};

fn testdata(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata").join(path)
}

/// A directory where one certificate repeats across files (at different lines, so that the
/// occurrence first in the document is not the first in Rego's order), next to the corpus.
fn repeated_estate() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let expired = std::fs::read(testdata("corpus/certs/zlint-RSASHA1Good.pem")).expect("cert");
    let ca = std::fs::read(testdata("corpus/certs/aks-cluster-ca-2022-10-24.pem")).expect("ca");
    for i in 0..23 {
        let sub = dir.path().join(format!("d{}", i % 3));
        std::fs::create_dir_all(&sub).expect("mkdir");
        let mut bytes = Vec::new();
        // Some files hold the certificate after another one: it starts on a later line.
        if i % 4 == 1 {
            bytes.extend_from_slice(&ca);
        }
        bytes.extend_from_slice(&expired);
        std::fs::write(sub.join(format!("c{i:02}.pem")), bytes).expect("write");
    }
    std::fs::write(
        dir.path().join("broken.pem"),
        b"-----BEGIN CERTIFICATE-----\nnot base64\n",
    )
    .expect("write");
    dir
}

fn plans(certs: &[&Path]) -> Vec<(String, CollectPlan)> {
    let now = Instant::parse("2026-11-29T00:00:00Z").expect("now");
    let rotated = testdata("scenarios/rotated");
    let mut out = Vec::new();
    let mut with_others: Vec<Source> = vec![
        Source::Kubeconfig(rotated.join("kubeconfig")),
        Source::Kubeconfig(rotated.join("kubeconfig-before-rotation")),
    ];
    with_others.extend(certs.iter().map(|p| Source::Certs(p.to_path_buf())));
    with_others.extend([
        Source::Cluster(rotated.join("cluster.json")),
        Source::NodeRoot(rotated.join("node-recreated")),
        Source::NodeRoot(rotated.join("node-stopped-during-rotation")),
        Source::Certs(testdata("no-such-directory")),
    ]);
    out.push(("with other sources".to_string(), CollectPlan::new(with_others, now)));
    out.push((
        "certs alone".to_string(),
        CollectPlan::new(certs.iter().map(|p| Source::Certs(p.to_path_buf())).collect(), now),
    ));
    // The same files named twice (a directory and a file in it): each occurrence once.
    let mut overlapping: Vec<Source> = certs.iter().map(|p| Source::Certs(p.to_path_buf())).collect();
    overlapping.push(Source::Certs(testdata("corpus/certs/aks-cluster-ca-2022-10-24.pem")));
    overlapping.push(Source::Certs(testdata("corpus/certs")));
    out.push(("overlapping".to_string(), CollectPlan::new(overlapping, now)));
    out
}

/// Everything an outcome says, as text.
fn shown(outcome: &Outcome) -> String {
    let findings: Vec<&crate::findings::Finding> = outcome.findings.iter().map(|r| &r.finding).collect();
    format!(
        "{}\n{:?}\n{:?}\n{}\n{}",
        serde_json::to_string_pretty(&findings).expect("json"),
        outcome.coverage,
        outcome.series,
        outcome.certificate_count,
        outcome.nothing_collected(),
    )
}

fn run(prepared: &Prepared, collect: &CollectPlan, streaming: Streaming, facts_out: &Path) -> (Outcome, Vec<u8>) {
    let plan = Plan {
        collect: collect.clone(),
        coverage: true,
        series: Some(7),
        facts_out: Some(facts_out.to_path_buf()),
        streaming,
        ..Plan::new(collect.clone())
    };
    let outcome = prepared.run(&plan, Default::default()).expect("runs");
    let facts = std::fs::read(facts_out).expect("facts document");
    (outcome, facts)
}

/// Fails at the first line that differs (documents of thousands of lines).
fn same(got: &[u8], expected: &[u8], what: &str) {
    let (got, expected) = (String::from_utf8_lossy(got), String::from_utf8_lossy(expected));
    if let Some((n, (a, b))) = got.lines().zip(expected.lines()).enumerate().find(|(_, (a, b))| a != b) {
        panic!("{what}: line {} differs:\n  got      {a}\n  expected {b}", n + 1);
    }
    assert_eq!(got.lines().count(), expected.lines().count(), "{what}: line counts");
}

#[test]
fn streaming_gives_the_bytes_of_collecting_everything_first() {
    let estate = repeated_estate();
    let corpus = testdata("corpus/certs");
    let bad = testdata("bad/certs");
    let out = tempfile::tempdir().expect("tempdir");
    let prepared = Prepared::load(&Plan::new(CollectPlan::new(Vec::new(), Instant(0)))).expect("policies");
    for (name, collect) in plans(&[estate.path(), &corpus, &bad]) {
        let (mut whole, whole_facts) = run(&prepared, &collect, Streaming::Never, &out.path().join("whole.json"));
        assert!(whole.layout.is_none(), "{name}: collected first");
        for batch in [1, 2, 5, 4096] {
            let facts_out = out.path().join(format!("streamed-{batch}.json"));
            let (mut streamed, streamed_facts) = run(&prepared, &collect, Streaming::Batches(batch), &facts_out);
            assert!(streamed.layout.is_some(), "{name}: streamed");
            assert_eq!(shown(&streamed), shown(&whole), "{name}, batches of {batch}");
            same(
                &streamed_facts,
                &whole_facts,
                &format!("{name}, batches of {batch}: facts document"),
            );
            // The lean document beside SARIF, written afterwards by reading the sources again.
            let lean = |outcome: &mut Outcome, file: &str| {
                let path = out.path().join(file);
                outcome.write_facts(&collect, Some(&path)).expect("lean facts");
                std::fs::read(path).expect("read")
            };
            same(
                &lean(&mut streamed, "lean-streamed.json"),
                &lean(&mut whole, "lean-whole.json"),
                &format!("{name}, batches of {batch}: lean facts document"),
            );
        }
    }
}

#[test]
fn tasks_within_a_batch_give_the_bytes_of_collecting_everything_first() {
    // Each task of a batch reads, evaluates and describes its own files on its own thread; the
    // tasks' findings are merged in document order. Tasks of 1 and 3 files put a repeated
    // certificate's occurrences in many tasks of one batch.
    let estate = repeated_estate();
    let corpus = testdata("corpus/certs");
    let out = tempfile::tempdir().expect("tempdir");
    let prepared = Prepared::load(&Plan::new(CollectPlan::new(Vec::new(), Instant(0)))).expect("policies");
    for (name, collect) in plans(&[estate.path(), &corpus]) {
        let (whole, whole_facts) = run(&prepared, &collect, Streaming::Never, &out.path().join("whole.json"));
        for files_per_task in [1, 3] {
            let small_tasks = Prepared {
                engine: prepared.engine.clone().with_chunk_size(files_per_task),
                skip: prepared.skip.clone(),
                overrides: prepared.overrides.clone(),
                triage: prepared.triage.clone(),
            };
            let facts_out = out.path().join(format!("tasks-{files_per_task}.json"));
            let (streamed, streamed_facts) = run(&small_tasks, &collect, Streaming::Batches(4096), &facts_out);
            assert!(streamed.layout.is_some(), "{name}: streamed");
            assert_eq!(
                shown(&streamed),
                shown(&whole),
                "{name}, tasks of {files_per_task} files"
            );
            same(
                &streamed_facts,
                &whole_facts,
                &format!("{name}, tasks of {files_per_task} files: facts document"),
            );
        }
    }
}

#[test]
fn the_first_occurrence_in_the_document_describes_a_repeated_certificate() {
    let estate = repeated_estate();
    let collect = CollectPlan::new(
        vec![Source::Certs(estate.path().to_path_buf())],
        Instant::parse("2026-11-29T00:00:00Z").expect("now"),
    );
    let prepared = Prepared::load(&Plan::new(collect.clone())).expect("policies");
    let mut plan = Plan::new(collect);
    plan.streaming = Streaming::Batches(2);
    let outcome = prepared.run(&plan, Default::default()).expect("runs");
    let expired = outcome
        .findings
        .iter()
        .map(|r| &r.finding)
        .find(|f| &*f.rule_id == "CERT001" && f.locations.len() > 1)
        .expect("one CERT001 finding for the repeated certificate");
    assert_eq!(expired.locations.len(), 23, "every copy is a location");
    // `d0/c00.pem` comes first in the walk; `d1/c01.pem` holds it on a later line, which Rego's
    // order alone would not put first.
    assert!(expired.message.contains("d0/c00.pem"), "{}", expired.message);
}

#[test]
fn user_rules_that_read_certificates_turn_streaming_off() {
    let collect = CollectPlan::new(
        vec![Source::Certs(testdata("corpus/certs"))],
        Instant::parse("2026-11-29T00:00:00Z").expect("now"),
    );
    let mut plan = Plan::new(collect);
    plan.policies.dirs = vec![testdata("policies/custom")];
    let prepared = Prepared::load(&plan).expect("policies");
    let outcome = prepared.run(&plan, Default::default()).expect("runs");
    assert!(
        outcome.layout.is_none(),
        "user rules of scope certificate see the whole document"
    );
}

#[test]
fn the_ordered_pipeline_hands_results_over_in_order_within_its_window_and_stops_when_asked() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;
    // Later tasks finish first (each sleeps less than the one before), so results arrive out of
    // order; every one must be consumed in index order, and no task may start more than the
    // window ahead of what was consumed.
    let consumed = AtomicUsize::new(0);
    let furthest_ahead = AtomicUsize::new(0);
    let mut seen = Vec::new();
    super::stream::ordered(
        40,
        3,
        |i| {
            let ahead = i - consumed.load(Ordering::SeqCst);
            furthest_ahead.fetch_max(ahead, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis((40 - i as u64) % 7));
            i * 10
        },
        |value| {
            seen.push(value);
            consumed.fetch_add(1, Ordering::SeqCst);
            true
        },
    );
    assert_eq!(seen, (0..40).map(|i| i * 10).collect::<Vec<_>>());
    assert!(
        furthest_ahead.load(Ordering::SeqCst) < 3,
        "a task started {} ahead of the merge (window 3)",
        furthest_ahead.load(Ordering::SeqCst)
    );

    // A consumer that fails at the fifth result: nothing more is consumed, the workers stop
    // (the call returns instead of producing all 10,000), and no worker is left waiting.
    let produced = AtomicUsize::new(0);
    let mut taken = 0;
    super::stream::ordered(
        10_000,
        4,
        |i| {
            produced.fetch_add(1, Ordering::SeqCst);
            i
        },
        |_| {
            taken += 1;
            taken < 5
        },
    );
    assert_eq!(taken, 5, "nothing is consumed after the consumer said stop");
    assert!(
        produced.load(Ordering::SeqCst) < 5 + 4 + rayon::current_num_threads() + 1,
        "{} tasks ran after a stop at the fifth",
        produced.load(Ordering::SeqCst)
    );
}
