//! Turning a stream of events into rebuilds: one rebuild per burst.
//!
//! A burst ends when no relevant event has come for `quiet` (the debounce), so ten saves
//! in a row, a `git checkout` or an editor's write-then-rename give one rebuild, started
//! `quiet` after the last of them. A burst that never goes quiet (a generator rewriting
//! files in a loop) is cut after `longest`, so the output still follows.
//!
//! This is the trailing debounce Typst's `watch` uses. notify-debouncer-full was not used:
//! it releases each path's events once they are `quiet` old, on a timer tick, so a burst
//! longer than a tick becomes several rebuilds and every rebuild waits up to a tick more;
//! and what it adds (stitching renames, tracking file ids) names the files that changed,
//! which a rebuild that re-reads the whole project does not need.

use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

/// What a message means to the loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The program may have changed.
    Relevant,
    /// Nothing to do (an event about another file, a watcher error already reported).
    Ignored,
    /// Stop watching (Ctrl-C).
    Stop,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settled {
    Rebuild,
    Stop,
    /// Every sender is gone: no event can come any more.
    Disconnected,
}

/// Waits for a relevant message, then for the burst it starts to end. `classify` sees
/// every message received, in order.
pub fn next_burst<M>(
    messages: &Receiver<M>,
    quiet: Duration,
    longest: Duration,
    classify: &mut dyn FnMut(M) -> Step,
) -> Settled {
    // Wait, without a deadline, for the first relevant message.
    let started = loop {
        match messages.recv() {
            Ok(message) => match classify(message) {
                Step::Relevant => break Instant::now(),
                Step::Ignored => continue,
                Step::Stop => return Settled::Stop,
            },
            Err(_) => return Settled::Disconnected,
        }
    };
    let cut = started + longest;
    let mut deadline = (started + quiet).min(cut);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match messages.recv_timeout(left) {
            Ok(message) => match classify(message) {
                Step::Relevant => deadline = (Instant::now() + quiet).min(cut),
                Step::Ignored => {}
                Step::Stop => return Settled::Stop,
            },
            Err(RecvTimeoutError::Timeout) => return Settled::Rebuild,
            // The burst still deserves its rebuild; the next call reports the disconnection.
            Err(RecvTimeoutError::Disconnected) => return Settled::Rebuild,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    /// Messages are numbers: 0 is ignored, 9 stops, anything else is relevant.
    fn classify(seen: &mut Vec<u32>) -> impl FnMut(u32) -> Step + '_ {
        move |message| {
            seen.push(message);
            match message {
                0 => Step::Ignored,
                9 => Step::Stop,
                _ => Step::Relevant,
            }
        }
    }

    const QUIET: Duration = Duration::from_millis(30);
    const LONGEST: Duration = Duration::from_secs(5);

    #[test]
    fn a_burst_already_queued_is_one_rebuild() {
        let (send, receive) = mpsc::channel();
        for message in [0, 1, 2, 0, 3, 4, 5, 6, 7, 8] {
            send.send(message).expect("receiver alive");
        }
        let mut seen = Vec::new();
        assert_eq!(next_burst(&receive, QUIET, LONGEST, &mut classify(&mut seen)), Settled::Rebuild);
        assert_eq!(seen, [0, 1, 2, 0, 3, 4, 5, 6, 7, 8], "the whole burst is taken in one rebuild");
    }

    #[test]
    fn stop_wins_over_a_pending_burst() {
        let (send, receive) = mpsc::channel();
        for message in [1, 2, 9, 3] {
            send.send(message).expect("receiver alive");
        }
        let mut seen = Vec::new();
        assert_eq!(next_burst(&receive, QUIET, LONGEST, &mut classify(&mut seen)), Settled::Stop);
        assert_eq!(seen, [1, 2, 9]);
    }

    #[test]
    fn ignored_messages_start_no_burst() {
        let (send, receive) = mpsc::channel();
        send.send(0).expect("receiver alive");
        drop(send);
        let mut seen = Vec::new();
        assert_eq!(next_burst(&receive, QUIET, LONGEST, &mut classify(&mut seen)), Settled::Disconnected);
        assert_eq!(seen, [0]);
    }

    #[test]
    fn a_burst_that_never_ends_is_cut() {
        let (send, receive) = mpsc::channel();
        // Relevant messages every 2 ms for up to 10 s: far more often than QUIET, so only
        // `longest` can end the burst.
        let sender = std::thread::spawn(move || {
            for _ in 0..5000 {
                if send.send(1).is_err() {
                    return true;
                }
                std::thread::sleep(Duration::from_millis(2));
            }
            false
        });
        let mut seen = Vec::new();
        let started = Instant::now();
        let settled = next_burst(&receive, QUIET, Duration::from_millis(200), &mut classify(&mut seen));
        assert_eq!(settled, Settled::Rebuild);
        assert!(started.elapsed() < Duration::from_secs(5), "cut after {:?}", started.elapsed());
        drop(receive);
        assert!(sender.join().expect("sender thread"), "the sender was still sending when the burst was cut");
    }
}
