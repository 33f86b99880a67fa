//! Progress of long CLI work (`backup`, `restore`, `migrate`, `verify-ledger`).
//!
//! A bar or spinner drawn with indicatif on stderr, and only when stderr is a terminal:
//! in a pipe, a log file, systemd or CI nothing is drawn, and stdout keeps the summary
//! lines that scripts read either way. A bar counts bytes (a backup file growing, a
//! restore copying); a spinner shows the step and the time it has taken (one long
//! statement such as the ledger audit's snapshot, which reports no progress of its own).

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::future::Future;
use std::path::Path;
use std::time::Duration;

/// How often a spinner turns and a watched file's size is read.
const TICK: Duration = Duration::from_millis(100);

/// One step's progress on stderr; cleared when dropped or finished.
pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    /// The target every command draws to: stderr, hidden when it is not a terminal.
    pub fn stderr() -> ProgressDrawTarget {
        ProgressDrawTarget::stderr()
    }

    /// A spinner showing `step` and the elapsed time, turning on its own.
    pub fn spinner(target: ProgressDrawTarget, step: impl Into<String>) -> Self {
        let bar = ProgressBar::with_draw_target(None, target);
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
                .expect("the spinner template is valid"),
        );
        bar.set_message(step.into());
        bar.enable_steady_tick(TICK);
        Self { bar }
    }

    /// A bar of `total` bytes for `step`, with the bytes done, the total and the time
    /// left.
    pub fn bytes(target: ProgressDrawTarget, step: impl Into<String>, total: u64) -> Self {
        let bar = ProgressBar::with_draw_target(Some(total), target);
        bar.set_style(
            ProgressStyle::with_template(
                "{msg} [{bar:30}] {bytes}/{total_bytes} ({binary_bytes_per_sec}, {eta} left)",
            )
            .expect("the bar template is valid")
            .progress_chars("=> "),
        );
        bar.set_message(step.into());
        Self { bar }
    }

    /// Moves the bar to `done` bytes (kept within the total).
    pub fn set(&self, done: u64) {
        let total = self.bar.length().unwrap_or(u64::MAX);
        self.bar.set_position(done.min(total));
    }

    /// Whether anything is drawn (false when stderr is not a terminal).
    pub fn is_drawn(&self) -> bool {
        !self.bar.is_hidden()
    }

    /// Runs `work` while a task reads the size of `file` into the bar every 100 ms (a
    /// backup written page by page by SQLite's `VACUUM INTO`), and once more at its end.
    pub async fn watch_file<F: Future>(&self, file: &Path, work: F) -> F::Output {
        let bar = self.bar.clone();
        let watched = file.to_path_buf();
        let watcher = tokio::spawn(async move {
            loop {
                if let Ok(meta) = tokio::fs::metadata(&watched).await {
                    let total = bar.length().unwrap_or(u64::MAX);
                    bar.set_position(meta.len().min(total));
                }
                tokio::time::sleep(TICK).await;
            }
        });
        let out = work.await;
        watcher.abort();
        if let Ok(meta) = tokio::fs::metadata(file).await {
            self.set(meta.len());
        }
        out
    }

    /// Clears the drawing (the command then prints its summary line).
    pub fn finish(self) {
        self.bar.finish_and_clear();
    }
}

/// Copies `from` to `to` in 1 MiB chunks, moving `progress` as it goes. Returns the
/// bytes copied.
pub fn copy_with_progress(from: &Path, to: &Path, progress: &Progress) -> std::io::Result<u64> {
    use std::io::{Read, Write};
    let mut src = std::fs::File::open(from)?;
    let mut dst = std::fs::File::create(to)?;
    let mut buf = vec![0u8; 1 << 20];
    let mut done = 0u64;
    loop {
        let n = src.read(&mut buf)?;
        if n == 0 {
            break;
        }
        dst.write_all(&buf[..n])?;
        done += n as u64;
        progress.set(done);
    }
    dst.sync_all()?;
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;
    use indicatif::TermLike;
    use std::sync::{Arc, Mutex};

    /// A terminal that records what is written to it.
    #[derive(Debug, Clone, Default)]
    struct Recorder(Arc<Mutex<String>>);

    impl TermLike for Recorder {
        fn width(&self) -> u16 {
            120
        }
        fn move_cursor_up(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_down(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_right(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_left(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn write_line(&self, s: &str) -> std::io::Result<()> {
            let mut out = self.0.lock().unwrap();
            out.push_str(s);
            out.push('\n');
            Ok(())
        }
        fn write_str(&self, s: &str) -> std::io::Result<()> {
            self.0.lock().unwrap().push_str(s);
            Ok(())
        }
        fn clear_line(&self) -> std::io::Result<()> {
            Ok(())
        }
        fn flush(&self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_byte_bar_shows_the_step_and_the_bytes_done_of_the_total() {
        let term = Recorder::default();
        let p = Progress::bytes(
            ProgressDrawTarget::term_like(Box::new(term.clone())),
            "copying",
            4 * 1024,
        );
        assert!(p.is_drawn());
        p.set(2 * 1024);
        p.bar.tick();
        let shown = term.0.lock().unwrap().clone();
        assert!(shown.contains("copying"), "{shown}");
        assert!(shown.contains("2.00 KiB/4.00 KiB"), "{shown}");
        p.set(10 * 1024);
        assert_eq!(p.bar.position(), 4 * 1024, "kept within the total");
    }

    #[test]
    fn a_spinner_shows_its_step() {
        let term = Recorder::default();
        let p = Progress::spinner(
            ProgressDrawTarget::term_like(Box::new(term.clone())),
            "auditing the ledger",
        );
        p.bar.tick();
        assert!(term.0.lock().unwrap().contains("auditing the ledger"));
        p.finish();
    }

    #[test]
    fn nothing_is_drawn_on_a_hidden_target() {
        let p = Progress::spinner(ProgressDrawTarget::hidden(), "migrating");
        assert!(!p.is_drawn());
    }

    #[test]
    fn a_copy_moves_the_bar_to_the_file_size() {
        let dir = std::env::temp_dir().join(format!("gh-progress-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let from = dir.join("from.bin");
        std::fs::write(&from, vec![7u8; 3 * (1 << 20) + 5]).unwrap();
        let p = Progress::bytes(ProgressDrawTarget::hidden(), "copying", 3 * (1 << 20) + 5);
        let n = copy_with_progress(&from, &dir.join("to.bin"), &p).unwrap();
        assert_eq!(n, 3 * (1 << 20) + 5);
        assert_eq!(p.bar.position(), n);
        assert_eq!(std::fs::read(dir.join("to.bin")).unwrap().len() as u64, n);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn watching_a_file_follows_its_size() {
        let dir = std::env::temp_dir().join(format!("gh-watch-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("growing.bin");
        let p = Progress::bytes(ProgressDrawTarget::hidden(), "backing up", 1 << 20);
        let f2 = file.clone();
        p.watch_file(&file, async move {
            std::fs::write(&f2, vec![1u8; 1 << 19]).unwrap();
        })
        .await;
        assert_eq!(p.bar.position(), 1 << 19);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
