//! The starts of a batch run one at a time, each a single run ([`crate::run`]), side by side on the cores: how
//! the line-search methods run in batches (their evaluations depend on each start's own trials, so the lanes of a
//! vector would not evaluate together). Always in `f64`.

use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;

use super::{BatchConfig, Control, LaneEnd};
use crate::run::{run, Record, RunError, Termination};
use crate::Function;

/// Starts handed to a worker at a time (progress is reported after each).
const CHUNK: usize = 64;

pub(super) fn run_singles(f: &Function, starts: &[[f64; 2]], config: &BatchConfig, control: &Control) -> Vec<LaneEnd> {
    let done = AtomicUsize::new(0);
    let mut out = vec![LaneEnd::NOT_RUN; starts.len()];
    out.par_chunks_mut(CHUNK)
        .zip(starts.par_chunks(CHUNK))
        .for_each(|(ends, chunk)| {
            for (end, &start) in ends.iter_mut().zip(chunk) {
                *end = if control.cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
                    LaneEnd { end: start, ..*end }
                } else {
                    single(f, start, config)
                };
            }
            let n = done.fetch_add(chunk.len(), Ordering::Relaxed) + chunk.len();
            if let Some(p) = control.progress {
                p(n);
            }
        });
    out
}

fn single(f: &Function, start: [f64; 2], c: &BatchConfig) -> LaneEnd {
    let config = c.single(start, Record::AtMost(1));
    match run(f, &config, &c.spec) {
        Ok(r) => LaneEnd {
            end: r.end,
            epochs_run: r.epochs_run.min(u64::from(u32::MAX)) as u32,
            termination: r.termination,
            gradient_norm: r.gradient[0].hypot(r.gradient[1]),
            value: r.value,
        },
        // Not finite at the start (or a setting the batch's caller checked): diverged where it stands.
        Err(RunError::NotFiniteAtStart(_) | RunError::Config(_)) => LaneEnd {
            end: start,
            epochs_run: 0,
            termination: Termination::Diverged,
            gradient_norm: f64::NAN,
            value: f64::NAN,
        },
    }
}
