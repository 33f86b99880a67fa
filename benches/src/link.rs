//! A network link with a round-trip delay, for benchmarks that put PostgreSQL "across
//! a network" on one machine whose kernel has no `netem` (`pg_compare proxy`).
//!
//! [`delay_proxy`] forwards every TCP connection accepted on one address to another and
//! holds each chunk of bytes for a fixed delay in each direction, so a round trip across
//! it takes twice the delay more. A chunk read at `t` is written at `t + delay`
//! whatever else is queued: bytes that arrive while earlier ones wait are not held
//! longer, as on a real link.
//!
//! The link should cost the machine as little CPU as it can, since in a real deployment
//! the network costs the hosts and the database none: one thread serves every
//! connection from one `epoll` set, and one `timerfd` (absolute, nanoseconds, no timer
//! slack) wakes it when the next chunk is due. A chunk then costs one `read` and one
//! `write`, and a wake-up is shared by every chunk due at once, where a thread per
//! direction sleeping per chunk paid two context switches per chunk.

use std::collections::{BinaryHeap, VecDeque};
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::os::fd::{AsRawFd, RawFd};
use std::time::{Duration, Instant};

const LISTENER: u64 = 0;
const TIMER: u64 = 1;

/// Bytes read from one side, to be written to the other when `due`; `None`: the side
/// it came from ended, so the other's write side is shut when due.
struct Chunk {
    due: Instant,
    data: Option<Vec<u8>>,
}

/// One proxied connection: `socks[0]` the accepted client, `socks[1]` the upstream
/// server; `out[i]` the chunks waiting to be written to `socks[i]`, the front one
/// `written` bytes in.
struct Conn {
    socks: [TcpStream; 2],
    out: [VecDeque<Chunk>; 2],
    written: [usize; 2],
    shut: [bool; 2],
}

/// Forwards every TCP connection accepted on `listen` to `to`, holding each chunk of
/// bytes `delay` in each direction. Runs until the process ends; panics only if
/// `listen` cannot be bound or the `epoll`/`timerfd` set cannot be made. A connection
/// whose upstream cannot be reached is closed; one whose side fails is closed whole.
pub fn delay_proxy(listen: &str, to: &str, delay: Duration) {
    let listener = TcpListener::bind(listen).expect("bind proxy");
    listener
        .set_nonblocking(true)
        .expect("non-blocking listener");
    // SAFETY: plain system calls on descriptors this function owns for its lifetime.
    let (ep, timer) = unsafe {
        let ep = libc::epoll_create1(libc::EPOLL_CLOEXEC);
        let timer = libc::timerfd_create(
            libc::CLOCK_MONOTONIC,
            libc::TFD_NONBLOCK | libc::TFD_CLOEXEC,
        );
        assert!(
            ep >= 0 && timer >= 0,
            "epoll_create1 / timerfd_create failed"
        );
        (ep, timer)
    };
    watch(ep, listener.as_raw_fd(), LISTENER, libc::EPOLLIN as u32);
    watch(ep, timer, TIMER, libc::EPOLLIN as u32);

    let mut conns: Vec<Option<Conn>> = Vec::new();
    // (due, connection, side to write), earliest first; entries may be stale (the
    // chunk already written, the connection gone): a flush checks.
    let mut due: BinaryHeap<std::cmp::Reverse<(Instant, usize, usize)>> = BinaryHeap::new();
    let mut armed: Option<Instant> = None;
    let mut events = vec![libc::epoll_event { events: 0, u64: 0 }; 256];
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let next = due.peek().map(|r| r.0 .0);
        if next != armed {
            arm(timer, next);
            armed = next;
        }
        // SAFETY: `events` outlives the call and holds `len` entries.
        let n = unsafe { libc::epoll_wait(ep, events.as_mut_ptr(), events.len() as i32, -1) };
        if n < 0 {
            continue; // EINTR
        }
        let now = Instant::now();
        for ev in &events[..n as usize] {
            let (flags, token) = (ev.events, ev.u64);
            match token {
                LISTENER => accept_all(&listener, to, ep, &mut conns),
                TIMER => {
                    let mut expirations = [0u8; 8];
                    // SAFETY: reads 8 bytes into a buffer of 8.
                    unsafe { libc::read(timer, expirations.as_mut_ptr().cast(), 8) };
                    armed = None;
                }
                t => {
                    let (id, side) = (((t - 2) / 2) as usize, ((t - 2) % 2) as usize);
                    let readable = flags & (libc::EPOLLIN | libc::EPOLLHUP | libc::EPOLLERR) as u32;
                    if readable != 0 {
                        read_all(&mut conns, id, side, now + delay, &mut buf, &mut due);
                    }
                    if flags & libc::EPOLLOUT as u32 != 0 {
                        flush(&mut conns, id, side, now, &mut due);
                    }
                }
            }
        }
        let now = Instant::now();
        while let Some(std::cmp::Reverse((at, id, side))) = due.peek().copied() {
            if at > now {
                break;
            }
            due.pop();
            flush(&mut conns, id, side, now, &mut due);
        }
    }
}

fn watch(ep: RawFd, fd: RawFd, token: u64, events: u32) {
    let mut ev = libc::epoll_event { events, u64: token };
    // SAFETY: registers a live descriptor with a live epoll set.
    let rc = unsafe { libc::epoll_ctl(ep, libc::EPOLL_CTL_ADD, fd, &mut ev) };
    assert_eq!(rc, 0, "epoll_ctl");
}

/// Sets `timer` to fire at `at`, or disarms it.
fn arm(timer: RawFd, at: Option<Instant>) {
    // SAFETY: an all-zero itimerspec is a valid value (disarmed).
    let mut spec: libc::itimerspec = unsafe { std::mem::zeroed() };
    if let Some(at) = at {
        // Relative to now; zero would disarm, so at least a nanosecond.
        let ahead = at
            .saturating_duration_since(Instant::now())
            .max(Duration::from_nanos(1));
        spec.it_value.tv_sec = ahead.as_secs() as libc::time_t;
        spec.it_value.tv_nsec = libc::c_long::from(ahead.subsec_nanos() as i32);
    }
    // SAFETY: `spec` is a valid itimerspec; the old value is not asked for.
    unsafe { libc::timerfd_settime(timer, 0, &spec, std::ptr::null_mut()) };
}

fn accept_all(listener: &TcpListener, to: &str, ep: RawFd, conns: &mut Vec<Option<Conn>>) {
    while let Ok((client, _)) = listener.accept() {
        let Ok(server) = TcpStream::connect(to) else {
            continue;
        };
        let ok = [&client, &server]
            .iter()
            .all(|s| s.set_nodelay(true).is_ok() && s.set_nonblocking(true).is_ok());
        if !ok {
            continue;
        }
        let id = conns.iter().position(Option::is_none).unwrap_or_else(|| {
            conns.push(None);
            conns.len() - 1
        });
        let edge = (libc::EPOLLIN | libc::EPOLLOUT | libc::EPOLLRDHUP | libc::EPOLLET) as u32;
        watch(ep, client.as_raw_fd(), 2 + 2 * id as u64, edge);
        watch(ep, server.as_raw_fd(), 3 + 2 * id as u64, edge);
        conns[id] = Some(Conn {
            socks: [client, server],
            out: [VecDeque::new(), VecDeque::new()],
            written: [0, 0],
            shut: [false, false],
        });
    }
}

/// Reads everything `side` of connection `id` has (the descriptors are edge-triggered)
/// into the other side's queue, due at `at`.
fn read_all(
    conns: &mut [Option<Conn>],
    id: usize,
    side: usize,
    at: Instant,
    buf: &mut [u8],
    due: &mut BinaryHeap<std::cmp::Reverse<(Instant, usize, usize)>>,
) {
    let Some(Some(conn)) = conns.get_mut(id) else {
        return;
    };
    let other = 1 - side;
    loop {
        let data = match conn.socks[side].read(buf) {
            Ok(0) => None,
            Ok(n) => Some(buf[..n].to_vec()),
            Err(e) if e.kind() == ErrorKind::WouldBlock => return,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(_) => None,
        };
        let end = data.is_none();
        if conn.out[other].back().is_some_and(|c| c.data.is_none()) {
            return; // already ended
        }
        if conn.out[other].is_empty() {
            due.push(std::cmp::Reverse((at, id, other)));
        }
        conn.out[other].push_back(Chunk { due: at, data });
        if end {
            return;
        }
    }
}

/// Writes the chunks of `side`'s queue that are due; shuts its write side at its
/// peer's end, and closes the connection once both directions ended or a write failed.
fn flush(
    conns: &mut [Option<Conn>],
    id: usize,
    side: usize,
    now: Instant,
    due: &mut BinaryHeap<std::cmp::Reverse<(Instant, usize, usize)>>,
) {
    let Some(slot) = conns.get_mut(id) else {
        return;
    };
    let Some(conn) = slot else { return };
    let mut failed = false;
    while let Some(front) = conn.out[side].front() {
        if front.due > now {
            due.push(std::cmp::Reverse((front.due, id, side)));
            break;
        }
        match &front.data {
            None => {
                let _ = conn.socks[side].shutdown(Shutdown::Write);
                conn.shut[side] = true;
                conn.out[side].pop_front();
            }
            Some(data) => match conn.socks[side].write(&data[conn.written[side]..]) {
                Ok(n) => {
                    conn.written[side] += n;
                    if conn.written[side] == data.len() {
                        conn.written[side] = 0;
                        conn.out[side].pop_front();
                    }
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => break, // EPOLLOUT resumes
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(_) => {
                    failed = true;
                    break;
                }
            },
        }
    }
    if failed || conn.shut == [true, true] {
        *slot = None; // dropping the streams closes them and leaves the epoll set
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bytes cross the link both ways, each round trip takes at least twice the delay,
    /// and a side's end reaches the other.
    #[test]
    fn a_round_trip_across_the_link_takes_twice_its_delay() {
        let echo = TcpListener::bind("127.0.0.1:0").unwrap();
        let upstream = echo.local_addr().unwrap().to_string();
        std::thread::spawn(move || {
            let (mut s, _) = echo.accept().unwrap();
            let mut b = [0u8; 1024];
            loop {
                match s.read(&mut b) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => s.write_all(&b[..n]).unwrap(),
                }
            }
        });
        let listen = {
            let l = TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().to_string()
        };
        let l2 = listen.clone();
        std::thread::spawn(move || delay_proxy(&l2, &upstream, Duration::from_millis(5)));
        let mut c = loop {
            if let Ok(c) = TcpStream::connect(&listen) {
                break c;
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        c.set_nodelay(true).unwrap();
        for round in 0..3u8 {
            let t = Instant::now();
            c.write_all(&[round; 100]).unwrap();
            let mut got = [0u8; 100];
            c.read_exact(&mut got).unwrap();
            assert_eq!(got, [round; 100]);
            assert!(
                t.elapsed() >= Duration::from_millis(10),
                "{:?}",
                t.elapsed()
            );
        }
        c.shutdown(Shutdown::Write).unwrap();
        let mut rest = Vec::new();
        c.read_to_end(&mut rest).unwrap();
        assert!(rest.is_empty(), "the echo's end came back across the link");
    }
}
