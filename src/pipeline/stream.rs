//! Bounded memory: the certificates of `--certs` sources stream through collect, derive, the
//! facts document and the rules of scope `certificate`, a batch of files at a time, and only the
//! findings and the other sources' facts stay in memory. The output is byte for byte that of
//! collecting everything first.
//!
//! ```text
//!  other sources ─▶ assemble + derive (small document) ───────────────────────────────────────┐
//!  --certs ─▶ batch of files ─▶ tasks, in parallel: parse ─▶ derive ─▶ certificate rules ─▶ describe
//!                                   │                                  (merged in order) ─▶ findings ─┴─▶ other rules ─▶ Outcome
//!                                   └─▶ facts file (spill, in order)
//! ```
//!
//! Each task ([`FILES_PER_TASK`] files) does all of its work on the worker that read its files,
//! and the calling thread takes the tasks' results in file order as they come (`ordered`):
//! no join between batches (a join waits for the slowest task while the other core idles), and
//! workers stay at most a batch ([`FILES_PER_BATCH`] files) ahead of what was taken, so memory
//! stays bounded.
//!
//! A `--certs` certificate needs nothing from any other source (no relation, no signature check:
//! those are for kubeconfig, node and endpoint certificates), so it is complete once its own
//! time and name are derived. Streaming is used when that holds for everything evaluated:
//! no `--facts` or `--daemonset` source (saved documents can hold `--certs` certificates of their
//! own), and no rule of scope `document` nor a user rule of scope `certificate` (those see
//! certificates in ways only the whole document shows). Otherwise the scan collects everything
//! first, as before.

use std::collections::HashSet;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::facts_file::Sink;
use super::phases::{CollectTimings, Phases};
use crate::facts::model::{CertificateFact, CollectionError, Der, FactsDocument, SourceRecord};
use crate::facts::part::Part;
use crate::facts::series::{Series, Soonest};
use crate::policy::{Engine, LoadedRule, Scope, Session, Skip};
use crate::sources::certs;
use crate::sources::{CollectPlan, Source};

/// Why a streamed collection stopped.
#[derive(Debug, thiserror::Error)]
pub enum StreamError {
    /// A rule failed.
    #[error(transparent)]
    Policy(#[from] crate::policy::PolicyError),
    /// The facts document could not be written.
    #[error(transparent)]
    Write(#[from] std::io::Error),
}

/// How far ahead of the merge the workers may read, in files: a few megabytes of certificates.
pub const FILES_PER_BATCH: usize = 4096;

/// Files per task: each task reads, derives and evaluates its own files; its rule evaluation
/// stays large enough that its fixed cost (setting the input, the rules' own set-up) is small.
/// A constant, so that where chunks split never depends on the number of threads.
pub const FILES_PER_TASK: usize = 512;

/// Whether a collection can stream: a `--certs` source, and no saved document merged in.
pub fn can_stream(plan: &CollectPlan) -> bool {
    plan.sources.iter().any(|s| matches!(s, Source::Certs(_)))
        && !plan
            .sources
            .iter()
            .any(|s| matches!(s, Source::Facts(_) | Source::DaemonSet(_)))
}

/// Whether the rules evaluated judge streamed certificates exactly as the whole document: no rule
/// of scope `document`, and every rule of scope `certificate` bundled.
pub fn rules_can_stream(engine: &Engine, skip: &Skip) -> bool {
    engine
        .rules()
        .iter()
        .filter(|r| !skip.contains(&r.meta.id))
        .all(|r: &LoadedRule| match r.meta.scope {
            Scope::Document => false,
            Scope::Certificate => r.bundled,
            Scope::NonCertificate | Scope::Exceptions => true,
        })
}

/// What a streamed collection leaves: the document of every other source (with the streamed
/// sources' records and errors in place), and what is known of the streamed certificates.
pub struct Streamed {
    /// The facts without the streamed certificates.
    pub facts: FactsDocument,
    /// Every certificate, streamed or not.
    pub certificate_count: usize,
    /// The series chosen for metrics, when asked for.
    pub series: Option<Series>,
    /// How to read the certificates again, to write the facts document later.
    pub layout: Layout,
    /// Where the time went.
    pub timings: CollectTimings,
}

/// Where the streamed certificates sit in the document: between runs of the other sources'
/// certificates, read again from these sources.
#[derive(Debug, Clone, Default)]
pub struct Layout {
    /// Certificates of the document before each streamed source (after the one before it): one
    /// more than there are sources, the last for those after every streamed source.
    pub runs: Vec<usize>,
    /// The `--certs` sources, in order.
    pub sources: Vec<PathBuf>,
}

/// What to do with the certificates as they stream past.
pub struct Consumers<'a, 's> {
    /// Write the full facts document (DER included) here.
    pub sink: Option<Sink>,
    /// Run the rules of scope `certificate`.
    pub session: Option<&'a mut Session<'s>>,
    /// Choose series for metrics, at most this many.
    pub series: Option<usize>,
    /// Where the time of evaluation and of writing goes.
    pub phases: &'a mut Phases,
    /// Files read at a time.
    pub batch: usize,
}

/// Runs `produce(0..count)` on the worker threads and hands each result to `consume` on the
/// calling thread in index order, as soon as it and every one before it are done: no join
/// between batches, so no thread waits for another's last task, and the calling thread merges
/// while the workers go on. Workers stay at most `window` tasks ahead of `consume` (bounded
/// memory). `consume` returning `false` stops the work (tasks under way finish, no new one
/// starts).
pub(super) fn ordered<T: Send>(
    count: usize,
    window: usize,
    produce: impl Fn(usize) -> T + Sync,
    mut consume: impl FnMut(T) -> bool,
) {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::{Condvar, Mutex};
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    // How many results `consume` has taken, for the window.
    let taken = (Mutex::new(0usize), Condvar::new());
    let (sender, receiver) = std::sync::mpsc::channel::<(usize, T)>();
    std::thread::scope(|threads| {
        let (next, stop, taken, produce) = (&next, &stop, &taken, &produce);
        // Plain threads, as many as rayon's: a worker blocks while it is ahead of the window,
        // which a rayon job must never do (a thread waiting in a join could pick up another
        // worker's loop and wait for itself). What the work runs in parallel inside (describing
        // a chunk's findings) goes to rayon's pool as usual.
        for _ in 0..rayon::current_num_threads().max(1) {
            let sender = sender.clone();
            threads.spawn(move || loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= count || stop.load(Ordering::SeqCst) {
                    break;
                }
                {
                    let (lock, ready) = taken;
                    let mut done = lock.lock().unwrap_or_else(|e| e.into_inner());
                    while i >= *done + window && !stop.load(Ordering::SeqCst) {
                        done = ready.wait(done).unwrap_or_else(|e| e.into_inner());
                    }
                }
                if stop.load(Ordering::SeqCst) || sender.send((i, produce(i))).is_err() {
                    break;
                }
            });
        }
        drop(sender);
        let mut waiting: std::collections::BTreeMap<usize, T> = std::collections::BTreeMap::new();
        let mut wanted = 0;
        for (i, result) in receiver.iter() {
            waiting.insert(i, result);
            while let Some(result) = waiting.remove(&wanted) {
                wanted += 1;
                let go_on = !stop.load(Ordering::SeqCst) && consume(result);
                if !go_on {
                    stop.store(true, Ordering::SeqCst);
                }
                let (lock, ready) = taken;
                *lock.lock().unwrap_or_else(|e| e.into_inner()) = wanted;
                ready.notify_all();
            }
        }
    });
}

/// What one task of a batch did after reading its files.
struct TaskWork {
    /// Each certificate's [`identity`], in order.
    identities: Vec<u128>,
    /// Time spent deriving.
    derived: Duration,
    /// The certificate rules' findings on the task's certificates, described (when rules run).
    evaluated: Option<Result<crate::policy::ChunkFindings, crate::policy::PolicyError>>,
}

/// A hash of a certificate occurrence's identity (origin and id): the same occurrence read twice
/// (two `--certs` naming the same file) is kept once.
fn identity(cert: &CertificateFact) -> u128 {
    let mut a = std::collections::hash_map::DefaultHasher::new();
    (&cert.origin, &cert.id).hash(&mut a);
    let mut b = std::collections::hash_map::DefaultHasher::new();
    (&cert.id, &cert.origin, 0x5eed_u32).hash(&mut b);
    (u128::from(a.finish()) << 64) | u128::from(b.finish())
}

/// How many of each run of parts' certificates and errors assembling keeps (each occurrence
/// and each error once, the first kept), where `runs` are the parts between streamed sources.
fn kept_per_run(runs: &[&[Part]]) -> (Vec<usize>, Vec<usize>) {
    let mut certificates_seen: HashSet<u128> = HashSet::new();
    let mut errors_seen: HashSet<&CollectionError> = HashSet::new();
    let certificates = runs
        .iter()
        .map(|run| {
            run.iter()
                .flat_map(|p| &p.facts.certificates)
                .filter(|c| certificates_seen.insert(identity(c)))
                .count()
        })
        .collect();
    let errors = runs
        .iter()
        .map(|run| {
            run.iter()
                .flat_map(|p| &p.facts.errors)
                .filter(|e| errors_seen.insert(e))
                .count()
        })
        .collect();
    (certificates, errors)
}

/// Collects `plan` streaming its `--certs` sources through `consumers`. Nothing of a streamed
/// certificate stays in memory but what the consumers keep.
pub fn collect(plan: &CollectPlan, consumers: Consumers<'_, '_>) -> Result<Streamed, StreamError> {
    let Consumers {
        mut sink,
        mut session,
        series,
        phases,
        batch: files_per_batch,
    } = consumers;
    let start = Instant::now();
    let ctx = &plan.context;
    let streamed_paths: Vec<PathBuf> = plan
        .sources
        .iter()
        .filter_map(|s| match s {
            Source::Certs(path) => Some(path.clone()),
            _ => None,
        })
        .collect();
    // Every other source, as usual. Each source that reads files gives one part, in plan order,
    // before the probes and the live sources: the streamed sources' parts go in between, at the
    // places they have in the plan.
    let others = CollectPlan {
        sources: plan
            .sources
            .iter()
            .filter(|s| !matches!(s, Source::Certs(_)))
            .cloned()
            .collect(),
        ..plan.clone()
    };
    let mut rest = crate::sources::collect(&others).into_iter();
    let mut runs: Vec<Vec<Part>> = vec![Vec::new()];
    for source in plan.sources.iter().filter(|s| !s.is_live()) {
        if matches!(source, Source::Certs(_)) {
            runs.push(Vec::new());
        } else if let (Some(part), Some(run)) = (rest.next(), runs.last_mut()) {
            run.push(part);
        }
    }
    if let Some(run) = runs.last_mut() {
        run.extend(rest);
    }
    let run_slices: Vec<&[Part]> = runs.iter().map(Vec::as_slice).collect();
    let (certificate_runs, error_runs) = kept_per_run(&run_slices);
    let mut streams: Vec<certs::Stream> = streamed_paths.iter().map(|p| certs::Stream::open(p, ctx)).collect();
    // Where each streamed source's record is in the document.
    let mut record_at = Vec::with_capacity(streams.len());
    let mut parts: Vec<Part> = Vec::new();
    for (n, run) in runs.into_iter().enumerate() {
        parts.extend(run);
        if let Some(stream) = streams.get(n) {
            record_at.push(parts.len());
            parts.push(Part {
                source: stream.source().clone(),
                ..Part::default()
            });
        }
    }
    let mut doc = crate::facts::assemble(parts);
    let collected_others = Instant::now();
    crate::facts::derive::derive(&mut doc, plan.now);
    let mut derive_time = collected_others.elapsed();
    let mut collect_time = collected_others - start;

    let mut soonest = series.map(Soonest::new);
    let view = session.as_deref().map(|s| s.view(&doc));
    let write = |sink: &mut Option<Sink>, certs: &[CertificateFact], phases: &mut Phases| -> std::io::Result<()> {
        if let Some(sink) = sink {
            phases.time("render", || sink.certificates(certs))?;
        }
        Ok(())
    };
    let mut seen: HashSet<u128> = HashSet::new();
    // Position in the document, and in the other sources' certificates.
    let (mut position, mut taken) = (0, 0);
    let mut stream_errors: Vec<Vec<CollectionError>> = Vec::new();
    let mut records: Vec<SourceRecord> = Vec::new();
    for (n, kept) in certificate_runs.iter().enumerate() {
        // The other sources' certificates of this run.
        let end = (taken + kept).min(doc.facts.certificates.len());
        let run = &doc.facts.certificates[taken..end];
        write(&mut sink, run, phases)?;
        if let (Some(session), Some(view)) = (session.as_deref_mut(), &view) {
            session.certificates(view, &doc, run, position)?;
        }
        position += run.len();
        taken = end;
        // Then the streamed source that follows it.
        let Some(stream) = streams.get_mut(n) else { continue };
        // What was found so far, out of the session while the workers evaluate with it: each
        // task's findings are merged here as they come.
        let mut merger = session.as_deref_mut().map(|s| s.take_merger());
        let evaluating = session.as_deref().zip(view.as_ref());
        let files_per_task = evaluating
            .and_then(|(s, _)| s.fixed_chunk_size())
            .unwrap_or(FILES_PER_TASK)
            .min(files_per_batch)
            .max(1);
        // Tasks run at most a batch ahead of the merge: memory stays bounded.
        let window = (files_per_batch / files_per_task).max(1);
        let (tasks, mut errors) = stream.take_tasks(files_per_task);
        let keep_der = sink.is_some();
        let work = |certificates: &mut Vec<CertificateFact>| {
            let start = Instant::now();
            let mut identities = Vec::with_capacity(certificates.len());
            for cert in certificates.iter_mut() {
                crate::facts::derive::certificate_alone(cert, plan.now);
                identities.push(identity(cert));
                if !keep_der {
                    cert.der = Der::default();
                }
            }
            let derived = start.elapsed();
            TaskWork {
                identities,
                derived,
                evaluated: evaluating.map(|(session, view)| session.evaluate_chunk(view, &doc, certificates)),
            }
        };
        let pipeline_start = Instant::now();
        let (mut read, mut derived, mut rules, mut described) =
            (Duration::ZERO, Duration::ZERO, Duration::ZERO, Duration::ZERO);
        let mut merged = Duration::ZERO;
        let mut failed: Option<StreamError> = None;
        // Counts and digests go back to the stream once the workers no longer read it.
        let mut read_digests = Vec::with_capacity(tasks.len());
        let stream_ref: &certs::Stream = stream;
        ordered(
            tasks.len(),
            window,
            |i| {
                let mut got = stream_ref.read_task(tasks[i].clone(), ctx);
                let output = work(&mut got.facts.certificates);
                (got, output)
            },
            |(got, output)| {
                let mut certificates = got.facts.certificates;
                errors.extend(got.facts.errors);
                read_digests.push((got.files_read, got.files_skipped, got.digests));
                read += got.read;
                derived += output.derived;
                // An occurrence already streamed (two `--certs` naming the same file) is kept once.
                let kept: Vec<bool> = output.identities.iter().map(|id| seen.insert(*id)).collect();
                let all_kept = kept.iter().all(|&k| k);
                if !all_kept {
                    let mut keep = kept.iter();
                    certificates.retain(|_| keep.next().copied().unwrap_or(true));
                }
                if let Err(e) = write(&mut sink, &certificates, phases) {
                    failed = Some(e.into());
                    return false;
                }
                if keep_der {
                    for cert in &mut certificates {
                        cert.der = Der::default();
                    }
                }
                let evaluated = if all_kept {
                    output.evaluated
                } else {
                    // Evaluated again without the repeated occurrences (rare: overlapping sources).
                    evaluating.map(|(session, view)| session.evaluate_chunk(view, &doc, &certificates))
                };
                match evaluated {
                    Some(Ok(chunk)) => {
                        rules += chunk.rules;
                        described += chunk.describe;
                        if let Some(merger) = &mut merger {
                            let start = Instant::now();
                            merger.absorb_chunk(chunk, position);
                            merged += start.elapsed();
                        }
                    }
                    Some(Err(e)) => {
                        failed = Some(e.into());
                        return false;
                    }
                    None => {}
                }
                if let Some(soonest) = &mut soonest {
                    certificates.iter().for_each(|c| soonest.offer(c));
                }
                position += certificates.len();
                true
            },
        );
        if let (Some(session), Some(merger)) = (session.as_deref_mut(), merger) {
            session.put_merger(merger);
        }
        if let Some(e) = failed {
            return Err(e);
        }
        for (files_read, files_skipped, digests) in read_digests {
            stream.absorb_read(files_read, files_skipped, digests);
        }
        // The pipeline's wall time, shared among its steps by their time on the threads;
        // merging (on this thread, while the workers go on) is describing.
        let wall = pipeline_start.elapsed();
        let cpu = (read + derived + rules + described).as_secs_f64();
        let share = |part: Duration| {
            if cpu > 0.0 {
                wall.mul_f64(part.as_secs_f64() / cpu)
            } else {
                Duration::ZERO
            }
        };
        collect_time += if cpu > 0.0 { share(read) } else { wall };
        derive_time += share(derived);
        if let Some(session) = session.as_deref_mut() {
            session.add_timings(share(rules), share(described) + merged);
        }
        stream_errors.push(errors);
    }
    for stream in streams {
        records.push(stream.finish());
    }
    let streamed = position - taken;
    if let Some(soonest) = &mut soonest {
        doc.facts.certificates.iter().for_each(|c| soonest.offer(c));
    }
    drop(view);
    // The streamed sources' records and errors, where they belong.
    for (at, record) in record_at.into_iter().zip(records) {
        if let Some(slot) = doc.sources.get_mut(at) {
            *slot = record;
        }
    }
    let mut errors = std::mem::take(&mut doc.facts.errors).into_iter();
    let mut all = Vec::new();
    for (kept, streamed) in error_runs.iter().zip(
        stream_errors
            .into_iter()
            .map(Some)
            .chain(std::iter::repeat_with(|| None)),
    ) {
        all.extend(errors.by_ref().take(*kept));
        all.extend(streamed.into_iter().flatten());
    }
    all.extend(errors);
    let mut errors_seen = HashSet::new();
    all.retain(|e| errors_seen.insert(e.clone()));
    doc.facts.errors = all;
    if let Some(sink) = sink {
        let certificates = std::mem::take(&mut doc.facts.certificates);
        let written = phases.time("render", || sink.finish(&doc));
        doc.facts.certificates = certificates;
        written?;
    }
    doc.drop_der();
    let certificate_count = doc.facts.certificates.len() + streamed;
    Ok(Streamed {
        facts: doc,
        certificate_count,
        series: soonest.map(Soonest::finish),
        layout: Layout {
            runs: certificate_runs,
            sources: streamed_paths,
        },
        timings: CollectTimings {
            collect: collect_time,
            derive: derive_time,
        },
    })
}

/// Writes the facts document of a streamed collection (`facts` is what [`collect`] left) to
/// `path`, reading the streamed sources again: the lean document beside SARIF (no DER) when a
/// finding came from no file, known only once everything was evaluated.
pub fn write_again(
    plan: &CollectPlan,
    facts: &mut FactsDocument,
    layout: &Layout,
    path: Option<&Path>,
    with_der: bool,
) -> std::io::Result<()> {
    let mut sink = Sink::new(path)?;
    let ctx = &plan.context;
    let mut seen: HashSet<u128> = HashSet::new();
    let mut taken = 0;
    for (n, kept) in layout.runs.iter().enumerate() {
        let end = (taken + kept).min(facts.facts.certificates.len());
        sink.certificates(&facts.facts.certificates[taken..end])?;
        taken = end;
        let Some(source) = layout.sources.get(n) else { continue };
        let mut stream = certs::Stream::open(source, ctx);
        while let Some(batch) = stream.next_batch(ctx, FILES_PER_BATCH) {
            let mut certificates = batch.certificates;
            certificates.retain(|c| seen.insert(identity(c)));
            crate::facts::derive::certificates_alone(&mut certificates, plan.now);
            if !with_der {
                for cert in &mut certificates {
                    cert.der = Der::default();
                }
            }
            sink.certificates(&certificates)?;
        }
    }
    let certificates = std::mem::take(&mut facts.facts.certificates);
    let written = sink.finish(facts);
    facts.facts.certificates = certificates;
    written
}

/// How long streaming took, for phases.
pub fn add_timings(phases: &mut Phases, timings: CollectTimings) {
    let zero = Duration::ZERO;
    phases.add("collect", timings.collect.max(zero));
    phases.add("derive", timings.derive.max(zero));
}
