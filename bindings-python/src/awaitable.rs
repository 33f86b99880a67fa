//! Awaitables resolved from the runtime's threads, and an interpreter exit that never
//! aborts.
//!
//! An `AsyncClient` call returns an asyncio future; the Rust future runs on the shared
//! tokio runtime ([`crate::runtime`]) and, once done, hands its result to the event loop
//! with `loop.call_soon_threadsafe`. That call wakes the loop by writing to its self-pipe
//! with the GIL released. If the loop takes the result and the program ends in that
//! window, the interpreter starts finalizing, and CPython ends a thread that takes the
//! GIL back during finalization with `pthread_exit`, whose forced unwind through the
//! runtime thread's Rust frames aborts the process (SIGABRT after the script's last
//! line, seen under CPU load). The same holds for the events thread calling a
//! `Client.subscribe` callback.
//!
//! So every call into Python from a thread Python did not start goes through
//! [`attach_unless_exiting`], which counts it; the module registers an `atexit` hook
//! ([`register`]) that marks the process as exiting and, with the GIL released, waits
//! (at most [`EXIT_WAIT`]) until no counted call is left. `atexit` hooks run before
//! finalization starts, so a call that is inside Python then gets the GIL back and
//! finishes; a call that starts later does nothing (its event loop is gone with the
//! program).

use crate::convert::ToPy;
use crate::errors::to_py_err;
use pyo3::prelude::*;
use pyo3::{intern, wrap_pyfunction};
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Calls into Python from threads Python did not start, running now.
static IN_PYTHON: AtomicUsize = AtomicUsize::new(0);
/// Set by the `atexit` hook: no new call into Python from those threads.
static EXITING: AtomicBool = AtomicBool::new(false);

/// How long the `atexit` hook waits for calls into Python still running (a subscriber's
/// callback that never returns must not hold the exit up for ever).
pub const EXIT_WAIT: Duration = Duration::from_secs(5);

/// Leaves the count of [`IN_PYTHON`] when dropped (also on a panic in the call).
struct Counted;

impl Drop for Counted {
    fn drop(&mut self) {
        IN_PYTHON.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Runs `f` with the GIL from a thread Python did not start (a runtime thread, the
/// events thread), counted so that the interpreter's exit waits for it; `None` (and `f`
/// not run) once the interpreter is exiting.
pub fn attach_unless_exiting<R>(f: impl for<'py> FnOnce(Python<'py>) -> R) -> Option<R> {
    IN_PYTHON.fetch_add(1, Ordering::SeqCst);
    let _counted = Counted;
    if EXITING.load(Ordering::SeqCst) {
        return None;
    }
    Some(Python::attach(f))
}

/// The `atexit` hook: no new call into Python from other threads, then, with the GIL
/// released, waits up to [`EXIT_WAIT`] for the running ones to end.
#[pyfunction]
fn _wait_for_native_threads(py: Python<'_>) {
    EXITING.store(true, Ordering::SeqCst);
    py.detach(|| {
        let deadline = Instant::now() + EXIT_WAIT;
        while IN_PYTHON.load(Ordering::SeqCst) > 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
    });
}

/// Registers the exit hook with `atexit` (module import).
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let hook = wrap_pyfunction!(_wait_for_native_threads, m)?;
    py.import("atexit")?.call_method1("register", (&hook,))?;
    m.add_function(hook)?;
    Ok(())
}

/// Why an awaitable failed: a refusal of the core (raised as its `guildhall` exception
/// class, built once the GIL is held) or a Python exception made without the GIL
/// (`StopAsyncIteration`).
pub enum Failure {
    /// A core error (its stable code picks the exception class).
    Core(guildhall_core::Error),
    /// A Python exception.
    Py(PyErr),
}

impl From<guildhall_core::Error> for Failure {
    fn from(e: guildhall_core::Error) -> Self {
        Failure::Core(e)
    }
}

impl From<PyErr> for Failure {
    fn from(e: PyErr) -> Self {
        Failure::Py(e)
    }
}

/// An asyncio future of the running loop that `fut` resolves, `fut` running on the
/// shared runtime. Cancelling the asyncio future drops `fut` (the core's commit, which
/// runs in a task of its own, still finishes); a panic in `fut` is raised as
/// `RuntimeError`. The result is handed over with `loop.call_soon_threadsafe` from a
/// blocking-pool thread (the runtime's workers never wait for the GIL), counted by
/// [`attach_unless_exiting`]. Errors: no running event loop (`RuntimeError`).
pub fn into_awaitable<'py, T, F>(py: Python<'py>, fut: F) -> PyResult<Bound<'py, PyAny>>
where
    T: ToPy,
    F: Future<Output = Result<T, Failure>> + Send + 'static,
{
    let event_loop = pyo3_async_runtimes::tokio::get_current_loop(py)?;
    let pending = event_loop.call_method0(intern!(py, "create_future"))?;
    let work = crate::runtime().spawn(fut);
    pending.call_method1(
        intern!(py, "add_done_callback"),
        (CancelOnDone {
            task: Some(work.abort_handle()),
        },),
    )?;
    let (event_loop, future) = (event_loop.unbind(), pending.clone().unbind());
    crate::runtime().spawn(async move {
        let outcome: Result<T, Failure> = match work.await {
            Ok(outcome) => outcome,
            Err(e) if e.is_cancelled() => return,
            Err(e) => {
                let panic = e.into_panic();
                let message = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown panic".into());
                Err(Failure::Py(pyo3::exceptions::PyRuntimeError::new_err(
                    format!("a guildhall call panicked: {message}"),
                )))
            }
        };
        let _ = tokio::task::spawn_blocking(move || {
            attach_unless_exiting(|py| {
                if let Err(e) = hand_over(py, &event_loop, &future, outcome) {
                    // The loop closed before the call finished: nobody awaits it.
                    if !e.is_instance_of::<pyo3::exceptions::PyRuntimeError>(py) {
                        e.write_unraisable(py, Some(future.bind(py)));
                    }
                }
            })
        })
        .await;
    });
    Ok(pending)
}

/// Schedules the outcome onto `future` at the loop's next turn (`resolve_ready` skips a
/// future cancelled meanwhile); a result that cannot be converted is raised instead.
fn hand_over<T: ToPy>(
    py: Python<'_>,
    event_loop: &Py<PyAny>,
    future: &Py<PyAny>,
    outcome: Result<T, Failure>,
) -> PyResult<()> {
    let (value, failed) =
        settle(py, outcome).unwrap_or_else(|e| (e.into_value(py).into_any(), true));
    event_loop.bind(py).call_method1(
        intern!(py, "call_soon_threadsafe"),
        (crate::client::resolver(py)?, future, value, failed),
    )?;
    Ok(())
}

/// The Python value an outcome sets on its future and whether it is an exception (a
/// core error as its `guildhall` exception class). Errors: the result's conversion.
pub fn settle<T: ToPy>(py: Python<'_>, outcome: Result<T, Failure>) -> PyResult<(Py<PyAny>, bool)> {
    Ok(match outcome {
        Ok(v) => (v.to_py(py)?, false),
        Err(Failure::Py(e)) => (e.into_value(py).into_any(), true),
        Err(Failure::Core(e)) => (to_py_err(py, e).into_value(py).into_any(), true),
    })
}

/// The done callback of an awaitable's future: a cancelled future drops its Rust task.
#[pyclass]
struct CancelOnDone {
    task: Option<tokio::task::AbortHandle>,
}

#[pymethods]
impl CancelOnDone {
    fn __call__(&mut self, future: &Bound<'_, PyAny>) -> PyResult<()> {
        let py = future.py();
        if future.call_method0(intern!(py, "cancelled"))?.is_truthy()? {
            if let Some(task) = self.task.take() {
                task.abort();
            }
        }
        Ok(())
    }
}
