//! Point reads gathered into one statement while others are in flight (the read-side
//! twin of the service's group committer, ARCHITECTURE.md "PostgreSQL").
//!
//! A [`Gather`] runs at most `slots` read statements at once. A read that finds a slot
//! free goes out alone at once, so a quiet store answers as before; reads that arrive
//! while every slot is busy queue, and the next statement takes all of them (up to
//! `max` keys). Under load a statement then answers many callers, and each pays a share
//! of one round trip, one parse-and-bind and one executor start instead of its own.
//!
//! A gathered read is still a plain read: its statement starts after the call was made
//! and returns what had committed when it started, so a caller whose commit returned
//! before it asked sees that commit.

use guildhall_core::{Error, Result};
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot, Semaphore};

/// One waiting read: its key and where its answer goes.
type Waiting<K, V> = (K, oneshot::Sender<Result<V>>);

/// Gathers concurrent reads of keys `K` into calls of one batch read that returns one
/// `V` per key, in the keys' order.
pub(crate) struct Gather<K, V> {
    tx: mpsc::Sender<Waiting<K, V>>,
    counts: Arc<Counts>,
}

/// Reads asked for and batch reads made, since the start.
#[derive(Default)]
struct Counts {
    reads: AtomicU64,
    batches: AtomicU64,
}

impl<K: Send + 'static, V: Send + 'static> Gather<K, V> {
    /// Starts the gathering task on the current tokio runtime. `read` answers a batch of
    /// keys (never empty, at most `max`) with one value per key in the same order, or
    /// one error for all of them. The task ends when the `Gather` is dropped.
    pub(crate) fn spawn<F, Fut>(slots: usize, max: usize, read: F) -> Self
    where
        F: Fn(Vec<K>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Vec<V>>> + Send + 'static,
    {
        let (tx, mut rx) = mpsc::channel::<Waiting<K, V>>(4096);
        let slots = Arc::new(Semaphore::new(slots.max(1)));
        let max = max.max(1);
        let counts = Arc::new(Counts::default());
        let counted = counts.clone();
        tokio::spawn(async move {
            let mut waiting = Vec::with_capacity(max);
            loop {
                // A slot first, then whatever queued: while every slot is busy the
                // reads pile up and the next statement takes them together.
                let Ok(slot) = slots.clone().acquire_owned().await else {
                    break;
                };
                if rx.recv_many(&mut waiting, max).await == 0 {
                    break;
                }
                let batch = std::mem::replace(&mut waiting, Vec::with_capacity(max));
                counted.batches.fetch_add(1, Ordering::Relaxed);
                counted
                    .reads
                    .fetch_add(batch.len() as u64, Ordering::Relaxed);
                let (keys, replies): (Vec<K>, Vec<oneshot::Sender<Result<V>>>) =
                    batch.into_iter().unzip();
                let answer = read(keys);
                tokio::spawn(async move {
                    match answer.await {
                        Ok(values) if values.len() == replies.len() => {
                            for (reply, v) in replies.into_iter().zip(values) {
                                let _ = reply.send(Ok(v));
                            }
                        }
                        Ok(values) => {
                            let e = Error::unavailable(format!(
                                "a gathered read answered {} of {} keys",
                                values.len(),
                                replies.len()
                            ));
                            for reply in replies {
                                let _ = reply.send(Err(e.clone()));
                            }
                        }
                        Err(e) => {
                            for reply in replies {
                                let _ = reply.send(Err(e.clone()));
                            }
                        }
                    }
                    drop(slot);
                });
            }
        });
        Self { tx, counts }
    }

    /// `(reads, batch reads)` made so far: reads per statement is their ratio.
    pub(crate) fn counts(&self) -> (u64, u64) {
        (
            self.counts.reads.load(Ordering::Relaxed),
            self.counts.batches.load(Ordering::Relaxed),
        )
    }

    /// Reads every key of `keys` with whatever other reads are waiting (all of them
    /// queued before the first answer is awaited, so they can share a statement); one
    /// answer per key, in order. Errors: as [`Gather::get`], per key.
    pub(crate) async fn get_many(&self, keys: Vec<K>) -> Vec<Result<V>> {
        let mut answers = Vec::with_capacity(keys.len());
        for key in keys {
            let (reply, rx) = oneshot::channel();
            match self.tx.send((key, reply)).await {
                Ok(()) => answers.push(Ok(rx)),
                Err(_) => answers.push(Err(Error::unavailable("the batching task has stopped"))),
            }
        }
        let mut out = Vec::with_capacity(answers.len());
        for answer in answers {
            out.push(match answer {
                Ok(rx) => rx.await.unwrap_or_else(|_| {
                    Err(Error::unavailable("the batching task dropped a call"))
                }),
                Err(e) => Err(e),
            });
        }
        out
    }

    /// Reads `key` with whatever other reads are waiting. Errors: those of the batch
    /// read; `UNAVAILABLE` if the gathering task has stopped (its runtime shut down).
    pub(crate) async fn get(&self, key: K) -> Result<V> {
        self.get_many(vec![key])
            .await
            .pop()
            .unwrap_or_else(|| Err(Error::unavailable("the batching task answered nothing")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::time::Duration;

    #[tokio::test]
    async fn reads_waiting_for_a_slot_go_out_together_and_each_gets_its_own_answer() {
        let calls = Arc::new(std::sync::Mutex::new(Vec::<usize>::new()));
        let seen = calls.clone();
        let gather = Arc::new(Gather::spawn(1, 64, move |keys: Vec<u32>| {
            let seen = seen.clone();
            async move {
                seen.lock().unwrap().push(keys.len());
                tokio::time::sleep(Duration::from_millis(20)).await;
                Ok(keys.into_iter().map(|k| k * 10).collect::<Vec<_>>())
            }
        }));
        let mut tasks = tokio::task::JoinSet::new();
        for k in 0..50u32 {
            let g = gather.clone();
            tasks.spawn(async move { (k, g.get(k).await) });
        }
        let mut answered = 0;
        while let Some(done) = tasks.join_next().await {
            let (k, v) = done.unwrap();
            assert_eq!(v.unwrap(), k * 10);
            answered += 1;
        }
        assert_eq!(answered, 50);
        let calls = calls.lock().unwrap().clone();
        assert_eq!(calls.iter().sum::<usize>(), 50);
        // One slot and a slow read: the first goes alone, the rest wait and go together.
        assert!(calls.len() < 50, "reads were not gathered: {calls:?}");
        assert!(calls.iter().all(|&n| n <= 64));
        assert_eq!(gather.counts(), (50, calls.len() as u64));
    }

    #[tokio::test]
    async fn an_error_or_a_short_answer_reaches_every_read_of_the_batch() {
        let n = Arc::new(AtomicUsize::new(0));
        let count = n.clone();
        let gather = Arc::new(Gather::spawn(1, 8, move |keys: Vec<u32>| {
            let call = count.fetch_add(1, Ordering::SeqCst);
            async move {
                tokio::time::sleep(Duration::from_millis(10)).await;
                match call % 2 {
                    0 => Err(Error::unavailable("database down")),
                    _ => Ok(keys.into_iter().skip(1).collect::<Vec<_>>()),
                }
            }
        }));
        let mut tasks = tokio::task::JoinSet::new();
        for k in 0..6u32 {
            let g = gather.clone();
            tasks.spawn(async move { g.get(k).await });
        }
        while let Some(done) = tasks.join_next().await {
            let e = done.unwrap().unwrap_err();
            assert_eq!(e.code, guildhall_core::ErrorCode::Unavailable);
        }
    }
}
