//! Several indicators over the same bars in one call, shared between two threads.

use super::{check_columns, checked, run_spec, BarSlices, IndicatorSpec};
use crate::error::{Error, Result};
use std::sync::Mutex;

/// Bars below which [`batch_all`] stays on the calling thread: starting a thread costs about what
/// a simple indicator takes over this many bars.
const PARALLEL_BARS: usize = 1 << 15;

/// Runs each of `specs` over `bars` as [`super::batch`] does, writing the outputs of `specs[k]` to
/// `out[k]`. Each indicator runs whole on one thread, so the outputs are bit for bit those of
/// [`super::batch`] (and of streaming the bars).
///
/// With two or more indicators over 32,768 bars or more, a second thread, started for the call and
/// joined before it returns, takes indicators one at a time as the calling thread does; where no
/// thread can be started, the calling thread runs them all.
///
/// # Errors
/// [`Error::Input`] when `out` does not hold one entry per spec, when a column given differs in
/// length from `close` or the session starts are not ascending within `0..=len` (with no spec
/// too), or for the first spec, in order, whose inputs or outputs [`super::batch`] would refuse. Every spec is checked before any runs, so
/// nothing is written then.
pub fn batch_all(
    specs: &[IndicatorSpec],
    bars: BarSlices<'_>,
    out: &mut [Vec<&mut [f64]>],
) -> Result<()> {
    if out.len() != specs.len() {
        return Err(Error::Input {
            message: format!(
                "{} indicators, but outputs for {} were given",
                specs.len(),
                out.len()
            ),
        });
    }
    // The columns are checked even when no indicator reads them.
    check_columns(&bars)?;
    let cols = specs
        .iter()
        .zip(out.iter())
        .map(|(spec, o)| checked(spec, &bars, o))
        .collect::<Result<Vec<_>>>()?;
    let starts = bars.session_starts;
    let jobs: Vec<_> = specs.iter().zip(cols.iter()).zip(out.iter_mut()).collect();
    if specs.len() < 2 || bars.close.len() < PARALLEL_BARS {
        for ((spec, cols), o) in jobs {
            run_spec(spec, cols, starts, o);
        }
        return Ok(());
    }
    // Each thread takes the next indicator not yet taken; 2 to 20 of them make the lock's cost
    // nothing beside an indicator's run.
    let queue = Mutex::new(jobs.into_iter());
    let work = || loop {
        let next = queue.lock().unwrap_or_else(|e| e.into_inner()).next();
        let Some(((spec, cols), o)) = next else {
            return;
        };
        run_spec(spec, cols, starts, o);
    };
    std::thread::scope(|scope| {
        let helper = std::thread::Builder::new()
            .name("barstream-indicators".into())
            .spawn_scoped(scope, work)
            .ok();
        work();
        if let Some(h) = helper {
            h.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
        }
    });
    Ok(())
}
