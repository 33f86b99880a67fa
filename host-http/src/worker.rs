//! Worker threads for core calls whose futures are not `Send`.
//!
//! The core's mutating calls (`grant`, `spend`, `transfer`, `purchase`, `use_item`,
//! `grant_item`) are built on async closures, and the compiler cannot prove their futures
//! `Send`, which axum handlers and `tokio::spawn` require. They run here instead: each
//! worker is a thread with its own single-threaded tokio runtime and a `LocalSet`, jobs
//! are handed to the workers in turn, and results come back over a oneshot channel. The
//! store and the committer are runtime-independent (channels, pools), so this changes
//! nothing about what a call does.

use guildhall_core::Error;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::sync::{mpsc, oneshot};

type Job = Box<dyn FnOnce() -> Pin<Box<dyn Future<Output = ()>>> + Send>;

/// A fixed set of worker threads running non-`Send` futures.
pub struct Workers {
    senders: Vec<mpsc::UnboundedSender<Job>>,
    next: AtomicUsize,
}

impl std::fmt::Debug for Workers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Workers")
            .field("threads", &self.senders.len())
            .finish()
    }
}

impl Workers {
    /// Starts `n` (at least 1) worker threads. They stop when the `Workers` is dropped,
    /// after their running jobs finish.
    pub fn new(n: usize) -> Self {
        let mut senders = Vec::with_capacity(n.max(1));
        for i in 0..n.max(1) {
            let (tx, rx) = mpsc::unbounded_channel::<Job>();
            std::thread::Builder::new()
                .name(format!("guildhall-worker-{i}"))
                .spawn(move || work(rx))
                .expect("spawn a worker thread");
            senders.push(tx);
        }
        Workers {
            senders,
            next: AtomicUsize::new(0),
        }
    }

    /// Runs the future `make()` returns on the next worker and hands back its output.
    /// Errors: `UNAVAILABLE` when the worker has stopped or dropped the job.
    pub async fn run<F, Fut, R>(&self, make: F) -> Result<R, Error>
    where
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future<Output = R> + 'static,
        R: Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move || {
            Box::pin(async move {
                let _ = tx.send(make().await);
            })
        });
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.senders.len();
        self.senders[i]
            .send(job)
            .map_err(|_| Error::unavailable("the request workers have stopped"))?;
        rx.await
            .map_err(|_| Error::unavailable("a request worker dropped the call"))
    }
}

fn work(mut rx: mpsc::UnboundedReceiver<Job>) {
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            tracing::error!(error = %e, "cannot start a worker runtime");
            return;
        }
    };
    let local = tokio::task::LocalSet::new();
    local.block_on(&rt, async move {
        while let Some(job) = rx.recv().await {
            tokio::task::spawn_local(job());
        }
    });
    // Dropping the LocalSet here would cancel unfinished jobs; let them complete first.
    rt.block_on(local);
}
