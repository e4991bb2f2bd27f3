//! One deadline thread for the backends whose runtime cannot time itself out: a
//! [`Watchdog`] runs an *action* (interrupt a store, raise a flag, terminate an instance or
//! an isolate) once the deadline of an armed execution has passed.
//!
//! Arming returns an [`Armed`] guard; [`Armed::disarm`] (or dropping the guard) removes the
//! deadline and tells whether the action ran. Actions run on the watchdog thread *while it
//! holds the lock that disarming takes*, so once `disarm` has returned the action is not
//! running and never will again: a backend may free whatever the action points to right
//! after disarming (WAMR instances, V8 isolates rely on this).
//!
//! Compiled into every build (not only with the features of the backends that use it), so
//! that a new runtime family can use it without touching this crate's module list.
#![allow(dead_code)] // unused when no backend that needs a watchdog is compiled in

use std::collections::BTreeMap;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// What a watchdog does at a deadline. It runs on the watchdog thread.
type Action = Box<dyn FnMut() + Send>;

/// A thread that runs the action of each armed deadline when that deadline passes. The
/// thread ends when the `Watchdog` is dropped.
pub(crate) struct Watchdog {
    shared: Arc<Shared>,
}

struct Shared {
    state: Mutex<State>,
    wake: Condvar,
}

#[derive(Default)]
struct State {
    next_ticket: u64,
    armed: BTreeMap<u64, Entry>,
    stop: bool,
}

struct Entry {
    /// When the action runs next; `None` once a one-shot action has run.
    due: Option<Instant>,
    /// For actions that may be lost (a signal sent just before the guest runs): run again
    /// after this long, until disarmed.
    repeat: Option<Duration>,
    action: Action,
    fired: bool,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // The state stays consistent even if an action panicked while it was held.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Watchdog {
    /// Start the watchdog thread, named `name`; `None` (deadlines then not enforced) if it
    /// cannot be spawned, which is reported on stderr.
    pub(crate) fn start(name: &str) -> Option<Watchdog> {
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            wake: Condvar::new(),
        });
        let worker = Arc::clone(&shared);
        match std::thread::Builder::new()
            .name(name.to_string())
            .spawn(move || run(&worker))
        {
            Ok(_) => Some(Watchdog { shared }),
            Err(e) => {
                eprintln!("wasmbench: could not start the {name} thread ({e}); deadlines disabled");
                None
            }
        }
    }

    /// Run `action` once at `deadline`, unless disarmed before.
    pub(crate) fn arm_at(&self, deadline: Instant, action: impl FnMut() + Send + 'static) -> Armed<'_> {
        self.insert(Some(deadline), None, Box::new(action))
    }

    /// Run `action` once `after` from now, unless disarmed before. A deadline too far in
    /// the future to represent never fires.
    pub(crate) fn arm(&self, after: Duration, action: impl FnMut() + Send + 'static) -> Armed<'_> {
        self.insert(Instant::now().checked_add(after), None, Box::new(action))
    }

    /// Run `action` `after` from now and then every `every` until disarmed, for actions that
    /// may not take effect the first time.
    pub(crate) fn arm_repeating(
        &self,
        after: Duration,
        every: Duration,
        action: impl FnMut() + Send + 'static,
    ) -> Armed<'_> {
        self.insert(Instant::now().checked_add(after), Some(every), Box::new(action))
    }

    fn insert(&self, due: Option<Instant>, repeat: Option<Duration>, action: Action) -> Armed<'_> {
        let mut state = self.shared.lock();
        state.next_ticket += 1;
        let ticket = state.next_ticket;
        state.armed.insert(ticket, Entry { due, repeat, action, fired: false });
        drop(state);
        self.shared.wake.notify_one();
        Armed { watchdog: Some(self), ticket }
    }

    /// Remove an entry; whether its action ran.
    fn remove(&self, ticket: u64) -> bool {
        self.shared.lock().armed.remove(&ticket).is_some_and(|e| e.fired)
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.shared.lock().stop = true;
        self.shared.wake.notify_one();
    }
}

/// An armed deadline; disarmed by [`Armed::disarm`] or when dropped.
#[must_use = "dropping the guard disarms the deadline at once"]
pub(crate) struct Armed<'a> {
    watchdog: Option<&'a Watchdog>,
    ticket: u64,
}

impl Armed<'_> {
    /// A guard for an execution without a watchdog (it could not be started): never fires.
    pub(crate) fn none() -> Armed<'static> {
        Armed { watchdog: None, ticket: 0 }
    }

    /// Disarm; whether the action ran. When this returns the action is not running.
    pub(crate) fn disarm(mut self) -> bool {
        self.watchdog.take().is_some_and(|w| w.remove(self.ticket))
    }
}

impl Drop for Armed<'_> {
    fn drop(&mut self) {
        if let Some(w) = self.watchdog.take() {
            w.remove(self.ticket);
        }
    }
}

/// The watchdog thread: sleeps until the earliest due entry, runs the actions that are due
/// (holding the lock, see the module documentation), repeats.
fn run(shared: &Shared) {
    let mut state = shared.lock();
    while !state.stop {
        let now = Instant::now();
        let mut next: Option<Instant> = None;
        for entry in state.armed.values_mut() {
            let Some(due) = entry.due else { continue };
            if due <= now {
                (entry.action)();
                entry.fired = true;
                entry.due = entry.repeat.map(|every| now + every);
            }
            if let Some(due) = entry.due {
                next = Some(next.map_or(due, |n| n.min(due)));
            }
        }
        state = match next {
            None => shared.wake.wait(state).unwrap_or_else(|e| e.into_inner()),
            Some(at) => {
                let timeout = at.saturating_duration_since(Instant::now());
                shared.wake.wait_timeout(state, timeout).unwrap_or_else(|e| e.into_inner()).0
            }
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    fn counter() -> (Arc<AtomicU32>, impl FnMut() + Send + 'static) {
        let count = Arc::new(AtomicU32::new(0));
        let c = Arc::clone(&count);
        (count, move || {
            c.fetch_add(1, Ordering::SeqCst);
        })
    }

    #[test]
    fn fires_once_at_the_deadline_and_says_so() {
        let dog = Watchdog::start("test-watchdog").expect("thread");
        let (count, action) = counter();
        let started = Instant::now();
        let armed = dog.arm(Duration::from_millis(50), action);
        while count.load(Ordering::SeqCst) == 0 {
            assert!(started.elapsed() < Duration::from_secs(5), "never fired");
            std::thread::sleep(Duration::from_millis(1));
        }
        assert!(started.elapsed() >= Duration::from_millis(50));
        std::thread::sleep(Duration::from_millis(50));
        assert!(armed.disarm());
        assert_eq!(count.load(Ordering::SeqCst), 1, "one-shot");
    }

    #[test]
    fn disarmed_in_time_never_fires() {
        let dog = Watchdog::start("test-watchdog").expect("thread");
        let (count, action) = counter();
        let armed = dog.arm(Duration::from_millis(200), action);
        assert!(!armed.disarm());
        let (count2, action2) = counter();
        drop(dog.arm(Duration::from_millis(10), action2));
        std::thread::sleep(Duration::from_millis(300));
        assert_eq!(count.load(Ordering::SeqCst), 0);
        assert_eq!(count2.load(Ordering::SeqCst), 0);
        assert!(!Armed::none().disarm());
    }

    #[test]
    fn repeating_actions_repeat_until_disarmed_and_deadlines_are_independent() {
        let dog = Watchdog::start("test-watchdog").expect("thread");
        let (repeated, action) = counter();
        let (later, late_action) = counter();
        let armed = dog.arm_repeating(Duration::from_millis(10), Duration::from_millis(5), action);
        let late = dog.arm_at(Instant::now() + Duration::from_secs(60), late_action);
        std::thread::sleep(Duration::from_millis(100));
        assert!(armed.disarm());
        let after_disarm = repeated.load(Ordering::SeqCst);
        assert!(after_disarm >= 3, "{after_disarm}");
        std::thread::sleep(Duration::from_millis(30));
        assert_eq!(repeated.load(Ordering::SeqCst), after_disarm);
        assert!(!late.disarm());
        assert_eq!(later.load(Ordering::SeqCst), 0);
    }
}
