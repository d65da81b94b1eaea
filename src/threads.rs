//! Rules checked on several threads of a backend (`database_advisor.rule_threads`). The
//! threads run only the pure rules of `database_advisor_core` over the loaded snapshot:
//! no call into the server, no palloc, no ereport. The backend's own thread keeps every
//! server duty, cancel and statement_timeout among them.

use database_advisor_core::config::Config;
use database_advisor_core::finding::{Finding, Packed};
use database_advisor_core::rules::{self, Checked, Rule};
use database_advisor_core::snapshot::Snapshot;
use pgrx::pg_sys;

/// Run `rules` over `snap`, results in the order of `rules`, each rule's findings as
/// `finish` makes them on the rule's thread (their metadata made jsonb, or packed: see
/// [`encode_ready`], [`pack`]). A cancel or statement timeout stops the run between rules:
/// no new rule starts, the running ones finish, then the interrupt is processed here, on
/// the backend's thread, with no other thread running.
pub fn check<F: Send>(
    rules: &[&Rule],
    snap: &Snapshot,
    config: &Config,
    threads: usize,
    finish: impl Fn(Vec<Finding>) -> Vec<F> + Sync,
) -> Vec<Checked<F>> {
    let mut results: Vec<Option<Checked<F>>> = rules.iter().map(|_| None).collect();
    let mut may_stop = true;
    loop {
        let pending: Vec<usize> = (0..rules.len()).filter(|&i| results[i].is_none()).collect();
        if pending.is_empty() {
            break;
        }
        let round: Vec<&Rule> = pending.iter().map(|&i| rules[i]).collect();
        let checked = rules::run_on_threads(
            &round,
            snap,
            config,
            threads,
            block_signals,
            &finish,
            || may_stop && interrupt_pending(),
        );
        let ran_any = checked.iter().any(Option::is_some);
        for (i, c) in pending.into_iter().zip(checked) {
            results[i] = c;
        }
        // an ERROR for a cancel or a timeout; other interrupts are served and the rest runs
        pgrx::check_for_interrupts!();
        // an interrupt that cannot be served now (held off) must not stop the run forever
        may_stop = ran_any;
    }
    results.into_iter().flatten().collect()
}

/// `work(k, n)` for each k of `0..n` (n: `threads`), on as many threads, the results
/// concatenated in that order: one rule's work split by table (`k` takes the tables with
/// `oid % n == k`). A cancel is served once all are done.
pub fn split<T: Send>(threads: usize, work: impl Fn(usize, usize) -> Vec<T> + Sync) -> Vec<T> {
    let n = threads.max(1);
    let work = &work;
    let parts = scoped((0..n).map(|k| move || work(k, n)).collect());
    pgrx::check_for_interrupts!();
    parts.into_iter().flatten().collect()
}

/// Make the metadata of `findings` jsonb (see [`check`]), split over `threads` threads
/// (what is left after the rules ran: their undo statements are filled in afterwards).
pub fn encode(findings: &mut [Finding], threads: usize) {
    let chunk = findings.len().div_ceil(threads.max(1)).max(1);
    let jobs = findings
        .chunks_mut(chunk)
        .map(|c| move || encode_metadata(c, |_| true))
        .collect();
    scoped(jobs);
}

/// Run the jobs, the first on this thread and each other on a helper thread of its own
/// (signals blocked); their results in order. A job's panic is raised here once all ended.
fn scoped<T: Send>(jobs: Vec<impl FnOnce() -> T + Send>) -> Vec<T> {
    std::thread::scope(|scope| {
        let mut jobs = jobs.into_iter();
        let mine = jobs.next();
        let helpers: Vec<_> = jobs
            .map(|job| {
                scope.spawn(move || {
                    block_signals();
                    job()
                })
            })
            .collect();
        let mut results: Vec<T> = mine.map(|job| job()).into_iter().collect();
        for helper in helpers {
            match helper.join() {
                Ok(result) => results.push(result),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        results
    })
}

/// Findings packed as a run holds them until their rows are made: each finding's texts
/// and jsonb metadata in one allocation, the `Finding` freed at once.
pub fn pack(findings: Vec<Finding>) -> Vec<Packed> {
    let mut jsonb = crate::api::jsonb::Builder::new();
    // pushed into a vector of their number, not collected: `collect` would reuse the
    // rule's vector in place, with its capacity (a rule may reserve one finding an index)
    let mut packed = Vec::with_capacity(findings.len());
    for f in findings {
        packed.push(Packed::new(f, &mut jsonb));
    }
    packed
}

/// `findings` with the metadata of those `ready` says made jsonb (the tree freed at once;
/// the others wait for what the run fills in later).
pub fn encode_ready(mut findings: Vec<Finding>, ready: impl Fn(&Finding) -> bool) -> Vec<Finding> {
    encode_metadata(&mut findings, ready);
    findings
}

fn encode_metadata(findings: &mut [Finding], which: impl Fn(&Finding) -> bool) {
    let mut jsonb = crate::api::jsonb::Builder::new();
    for f in findings
        .iter_mut()
        .filter(|f| f.metadata_encoded.is_none() && which(f))
    {
        f.metadata_encoded = Some(jsonb.encode(&f.metadata).into());
        f.metadata = serde_json::Value::Null;
    }
}

/// Whether the backend has an interrupt to process (what `CHECK_FOR_INTERRUPTS` tests).
fn interrupt_pending() -> bool {
    // SAFETY: a sig_atomic_t the signal handlers set, read on the backend's own thread
    unsafe { std::ptr::read_volatile(std::ptr::addr_of!(pg_sys::InterruptPending)) != 0 }
}

/// First thing on a helper thread: every signal goes to the backend's own thread, whose
/// handlers PostgreSQL wrote for it.
fn block_signals() {
    // SAFETY: plain libc calls on a local set, changing only this thread's mask
    unsafe {
        let mut all: libc::sigset_t = std::mem::zeroed();
        libc::sigfillset(&mut all);
        libc::pthread_sigmask(libc::SIG_BLOCK, &all, std::ptr::null_mut());
    }
}
