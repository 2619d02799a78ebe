//! An ordered parallel map: items read on the calling thread, worked on by several threads, and
//! taken back on the calling thread in the order they were read — with the read-ahead bounded by
//! the items' size in bytes, not their number.
//!
//! It knows nothing of outlets: the inventory ([`crate::inventory::Inventory::each_outlet`]) gives
//! it batches of rows, but any reader, work and taker will do (the tests use integers).
//!
//! Kept over a plain loop because the national benchmark shows it pays (bench/README.md): typing
//! and grading rows is most of a run, and spreads over the cores. Work is handed out by a
//! `crossbeam-channel` queue (many threads take from one queue without a lock around it); the
//! results come back by another and wait in a window until those before them are taken.
//!
//! - **Order**: `take` gets the outputs in the order `read` gave the items, whatever the threads.
//! - **Memory**: an item counts, with its bytes, from when it is read until its output has been
//!   taken. No item is read while [`Limits::items`] items or [`Limits::bytes`] bytes or more are
//!   counted: at most `bytes` plus one item (the last read) are ever in flight, whatever the
//!   items' sizes, and one item always may be.
//! - **Panics**: a panic in `work` (a bug) is caught on its thread and returned as
//!   [`Stop::Panic`]; the other threads are let finish their item, and nothing waits forever.
//! - **Early stop**: an error from `read` or `take` stops reading at once; it is returned as
//!   [`Stop::Error`] once the threads have finished the item each has in hand.
//! - The calling thread works too, whenever the queue is full or it has nothing else to do: with
//!   `threads` threads asked for, `threads - 1` are started.

use std::any::Any;
use std::collections::VecDeque;
use std::panic::{AssertUnwindSafe, catch_unwind};

use crossbeam_channel::{TryRecvError, TrySendError};

/// Why a [`map`] stopped before the end.
pub enum Stop<E> {
    /// `read` or `take` failed.
    Error(E),
    /// `work` panicked: the payload, to raise again or report.
    Panic(Box<dyn Any + Send>),
}

impl<E: std::fmt::Debug> std::fmt::Debug for Stop<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Stop::Error(e) => f.debug_tuple("Error").field(e).finish(),
            Stop::Panic(payload) => f
                .debug_tuple("Panic")
                .field(&panic_message(&**payload))
                .finish(),
        }
    }
}

/// What a panic said, when it said it as text.
pub fn panic_message(payload: &(dyn Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("a panic")
}

/// How far [`map`] reads ahead: items read and not yet taken, at most.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Items in flight: enough to keep every thread busy.
    pub items: usize,
    /// Their bytes: at most this much, plus one item.
    pub bytes: usize,
}

/// An item's number in reading order.
type Seq = u64;

/// Maps `work` over the items `read` gives (each with its size in bytes) on `threads` threads,
/// and gives the outputs to `take` in reading order; see the module's documentation. Each thread
/// keeps a state of its own, made by `state` on that thread (a cache, buffers used again).
/// Reading stops at the first `Ok(None)`.
pub fn map<I, O, S, E>(
    threads: usize,
    limits: Limits,
    mut read: impl FnMut() -> Result<Option<(I, usize)>, E>,
    state: impl Fn() -> S + Sync,
    work: impl Fn(&mut S, I) -> O + Sync,
    mut take: impl FnMut(O) -> Result<(), E>,
) -> Result<(), Stop<E>>
where
    I: Send,
    O: Send,
{
    let workers = threads.max(1) - 1;
    // A short queue, two items a thread: enough that a worker finds the next item waiting while
    // the calling thread works on one of its own; when it is full, the calling thread works
    // instead of reading further ahead.
    let (jobs, queue) = crossbeam_channel::bounded::<(Seq, I)>((workers + 1) * 2);
    let (done, finished) = crossbeam_channel::unbounded::<(Seq, std::thread::Result<O>)>();
    let work = &work;
    let run_one = |state: &mut S, item: I| catch_unwind(AssertUnwindSafe(|| work(state, item)));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            let (queue, done, state) = (queue.clone(), done.clone(), &state);
            scope.spawn(move || {
                let mut own = state();
                for (seq, item) in queue.iter() {
                    let output = run_one(&mut own, item);
                    let panicked = output.is_err();
                    if done.send((seq, output)).is_err() || panicked {
                        break;
                    }
                }
            });
        }
        drop(done);
        let mut own = state();
        let mut window = Window::default();
        let mut run = || -> Result<(), Stop<E>> {
            let mut end = false;
            loop {
                // Read while there is room, or nothing in flight.
                let mut here = None;
                while !end && here.is_none() && (window.has_room(limits) || window.is_empty()) {
                    let Some((item, bytes)) = read().map_err(Stop::Error)? else {
                        end = true;
                        break;
                    };
                    let seq = window.push(bytes);
                    if workers == 0 {
                        here = Some((seq, run_one(&mut own, item)));
                        break;
                    }
                    match jobs.try_send((seq, item)) {
                        Ok(()) => {}
                        Err(TrySendError::Full((seq, item))) => {
                            here = Some((seq, run_one(&mut own, item)));
                        }
                        Err(TrySendError::Disconnected(_)) => {
                            return Err(Stop::Panic(Box::new("every worker thread stopped")));
                        }
                    }
                }
                if window.is_empty() {
                    return Ok(());
                }
                // An output made here; else one made by now; else an item still queued, worked
                // on here; else wait for one.
                let next = match here {
                    Some(next) => next,
                    None => match finished.try_recv() {
                        Ok(next) => next,
                        Err(TryRecvError::Empty) => match queue.try_recv() {
                            Ok((seq, item)) => (seq, run_one(&mut own, item)),
                            Err(_) => finished.recv().map_err(|_| {
                                Stop::Panic(Box::new("every worker thread stopped"))
                            })?,
                        },
                        Err(TryRecvError::Disconnected) => {
                            return Err(Stop::Panic(Box::new("every worker thread stopped")));
                        }
                    },
                };
                let (seq, output) = next;
                window.put(seq, output.map_err(Stop::Panic)?);
                while let Some(output) = window.pop() {
                    take(output).map_err(Stop::Error)?;
                }
            }
        };
        let result = run();
        // Stop the workers: no more items, and those still queued are dropped here.
        drop(jobs);
        while queue.try_recv().is_ok() {}
        result
    })
}

/// The items in flight, in reading order: their sizes, and their outputs once made.
struct Window<O> {
    /// The number of the first item in `slots`.
    first: Seq,
    slots: VecDeque<(usize, Option<O>)>,
    /// The bytes of the items in `slots`.
    bytes: usize,
}

impl<O> Default for Window<O> {
    fn default() -> Self {
        Window {
            first: 0,
            slots: VecDeque::new(),
            bytes: 0,
        }
    }
}

impl<O> Window<O> {
    fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Whether another item may be read.
    fn has_room(&self, limits: Limits) -> bool {
        self.slots.len() < limits.items && self.bytes < limits.bytes
    }

    /// Counts an item just read; its number.
    fn push(&mut self, bytes: usize) -> Seq {
        self.slots.push_back((bytes, None));
        self.bytes += bytes;
        self.first + self.slots.len() as Seq - 1
    }

    /// The output of item `seq`.
    fn put(&mut self, seq: Seq, output: O) {
        let at = usize::try_from(seq - self.first).unwrap_or(usize::MAX);
        if let Some(slot) = self.slots.get_mut(at) {
            slot.1 = Some(output);
        }
    }

    /// The first item's output, if made: it leaves the window, its bytes no longer counted.
    fn pop(&mut self) -> Option<O> {
        // Not yet made: the items after it wait.
        self.slots.front()?.1.as_ref()?;
        let (bytes, output) = self.slots.pop_front()?;
        self.bytes -= bytes;
        self.first += 1;
        output
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Limits of `max` bytes and as many items as that.
    fn bytes(max: usize) -> Limits {
        Limits {
            items: usize::MAX,
            bytes: max,
        }
    }

    /// Squares 0..n on `threads` threads, each item of `size(i)` bytes: the outputs taken, in
    /// order, and the most bytes ever in flight as counted by the test itself (read to taken).
    fn squares(
        n: u64,
        threads: usize,
        max_bytes: usize,
        size: impl Fn(u64) -> usize,
    ) -> (Vec<u64>, usize) {
        let in_flight = AtomicUsize::new(0);
        let most = AtomicUsize::new(0);
        let mut next = 0;
        let mut taken = Vec::new();
        let result: Result<(), Stop<()>> = map(
            threads,
            bytes(max_bytes),
            || {
                if next == n {
                    return Ok(None);
                }
                let bytes = size(next);
                let now = in_flight.fetch_add(bytes, Ordering::SeqCst) + bytes;
                most.fetch_max(now, Ordering::SeqCst);
                next += 1;
                Ok(Some(((next - 1, bytes), bytes)))
            },
            || (),
            |(), (i, bytes): (u64, usize)| {
                // Uneven work, so that threads finish out of order.
                let spins = (i * 7919 % 13) * 200;
                let mut x = i;
                for _ in 0..spins {
                    x = std::hint::black_box(x.wrapping_mul(3) ^ i);
                }
                let _ = x;
                (i * i, bytes)
            },
            |(square, bytes)| {
                in_flight.fetch_sub(bytes, Ordering::SeqCst);
                taken.push(square);
                Ok(())
            },
        );
        assert!(result.is_ok(), "{result:?}");
        (taken, most.load(Ordering::SeqCst))
    }

    #[test]
    fn outputs_come_in_reading_order_on_any_number_of_threads() {
        let expected: Vec<u64> = (0..5000).map(|i| i * i).collect();
        for threads in [0, 1, 2, 3, 8] {
            let (taken, _) = squares(5000, threads, 1 << 20, |_| 10);
            assert_eq!(taken, expected, "{threads} threads");
        }
        let (taken, _) = squares(0, 4, 100, |_| 1);
        assert!(taken.is_empty());
    }

    #[test]
    fn bytes_in_flight_stay_within_the_bound_plus_one_item() {
        for threads in [1, 2, 4, 8] {
            // Items of 1 to 100 bytes under a bound of 1,000.
            let (taken, most) = squares(20_000, threads, 1_000, |i| (i % 100) as usize + 1);
            assert_eq!(taken.len(), 20_000);
            assert!(
                most <= 1_000 + 100,
                "{threads} threads: {most} bytes in flight"
            );
            // An item larger than the bound still goes through, alone or nearly.
            let (taken, most) = squares(
                200,
                threads,
                1_000,
                |i| if i % 10 == 0 { 5_000 } else { 10 },
            );
            assert_eq!(taken.len(), 200);
            assert!(
                most <= 1_000 + 5_000,
                "{threads} threads: {most} bytes in flight"
            );
        }
    }

    #[test]
    fn items_in_flight_stay_within_their_limit_too() {
        let in_flight = AtomicUsize::new(0);
        let most = AtomicUsize::new(0);
        let mut next = 0;
        let result: Result<(), Stop<()>> = map(
            3,
            Limits {
                items: 6,
                bytes: usize::MAX,
            },
            || {
                next += 1;
                let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                Ok((next <= 10_000).then_some(((), 0)))
            },
            || (),
            |(), ()| (),
            |()| {
                in_flight.fetch_sub(1, Ordering::SeqCst);
                Ok(())
            },
        );
        assert!(result.is_ok());
        // (The last call, which found no item, counted one too.)
        assert!(most.load(Ordering::SeqCst) <= 7, "{most:?}");
    }

    #[test]
    fn a_panic_in_work_is_returned_as_an_error_not_a_hang() {
        for threads in [1, 2, 4] {
            let mut next = 0u64;
            let mut taken = Vec::new();
            let result: Result<(), Stop<()>> = map(
                threads,
                bytes(64),
                || {
                    next += 1;
                    Ok((next <= 1000).then_some((next, 1)))
                },
                || (),
                |(), i| {
                    assert!(i != 300, "item three hundred");
                    i
                },
                |i| {
                    taken.push(i);
                    Ok(())
                },
            );
            match result {
                Err(Stop::Panic(payload)) => {
                    assert!(panic_message(&*payload).contains("three hundred"));
                }
                other => panic!("{threads} threads: {other:?}"),
            }
            // Nothing at or after the panic was taken; everything before it was, in order.
            assert!(taken.len() < 300 && taken.iter().copied().eq(1..=taken.len() as u64));
        }
    }

    #[test]
    fn an_error_from_take_or_read_stops_reading_early() {
        for threads in [1, 2, 4] {
            // `take` fails at item 10: reading stops soon after (the bound: 16 items of 1 byte).
            let mut read = 0u64;
            let result = map(
                threads,
                bytes(16),
                || {
                    read += 1;
                    Ok::<_, &str>(Some((read, 1)))
                },
                || (),
                |(), i| i,
                |i| if i == 10 { Err("enough") } else { Ok(()) },
            );
            assert!(matches!(result, Err(Stop::Error("enough"))), "{result:?}");
            assert!(read <= 10 + 16 + 1, "{threads} threads: {read} items read");
            // `read` fails: the error comes back, the items before it were worked on.
            let mut next = 0u64;
            let mut taken = 0;
            let result = map(
                threads,
                bytes(16),
                || {
                    next += 1;
                    if next == 50 {
                        Err("unreadable")
                    } else {
                        Ok(Some((next, 1)))
                    }
                },
                || (),
                |(), i| i,
                |_| {
                    taken += 1;
                    Ok(())
                },
            );
            assert!(
                matches!(result, Err(Stop::Error("unreadable"))),
                "{result:?}"
            );
            assert!(taken < 50);
        }
    }

    #[test]
    fn each_thread_keeps_its_own_state() {
        // The state counts the items a thread worked on: the counts add up to all of them.
        let total = AtomicUsize::new(0);
        let mut next = 0;
        let result: Result<(), Stop<()>> = map(
            4,
            bytes(1 << 10),
            || {
                next += 1;
                Ok((next <= 1000).then_some(((), 1)))
            },
            || Counter(&total, 0),
            |counter, ()| counter.1 += 1,
            |()| Ok(()),
        );
        assert!(result.is_ok());
        assert_eq!(total.load(Ordering::SeqCst), 1000);
    }

    /// Adds what it counted to a total when dropped (at its thread's end).
    struct Counter<'a>(&'a AtomicUsize, usize);

    impl Drop for Counter<'_> {
        fn drop(&mut self) {
            self.0.fetch_add(self.1, Ordering::SeqCst);
        }
    }
}
