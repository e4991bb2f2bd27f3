//! `poll_oneoff`: stdio and files are always ready (stdin and files: the bytes left, with
//! the hang-up flag at their end; stdout/stderr: room left under the cap). Without a
//! ready descriptor it sleeps until the earliest clock subscription; if the execution
//! deadline comes first, it sleeps until the deadline and stops the execution.

use std::io::Seek;
use std::time::{Duration, Instant};

use super::clocks::now;
use super::errno::{Errno, BADF, FAULT, INVAL};
use super::fds::Object;
use super::state::HostState;
use super::{arg32, Memory, Outcome};

const SUBSCRIPTION_SIZE: u32 = 48;
const EVENT_SIZE: usize = 32;
/// `subscription.u.tag` / `event.type`, and the flags used here.
const CLOCK: u8 = 0;
const FD_READ: u8 = 1;
const FD_WRITE: u8 = 2;
const HANGUP: u16 = 1;
const ABSTIME: u16 = 1;

/// An `event`: (userdata, error, type, nbytes, flags).
type Event = (u64, Errno, u8, u64, u16);

fn le<const N: usize>(b: &[u8], at: usize) -> [u8; N] {
    let mut x = [0u8; N];
    x.copy_from_slice(&b[at..at + N]);
    x
}

pub(super) fn poll_oneoff(h: &mut HostState, m: &mut Memory<'_>, a: &[u64]) -> Outcome {
    let (subs_ptr, events_ptr, count, nevents_ptr) = (arg32(a, 0), arg32(a, 1), arg32(a, 2), arg32(a, 3));
    if count == 0 {
        return Outcome::Errno(INVAL);
    }
    let subs = match count
        .checked_mul(SUBSCRIPTION_SIZE)
        .ok_or(FAULT)
        .and_then(|len| m.bytes(subs_ptr, len))
    {
        Ok(bytes) => bytes.to_vec(),
        Err(e) => return Outcome::Errno(e),
    };
    let mut events = fd_events(h, &subs);
    if events.is_empty() {
        events = match clock_events(h, &subs) {
            Ok(events) => events,
            Err(stop) => return stop,
        };
    }
    let mut out = Vec::with_capacity(events.len() * EVENT_SIZE);
    for (userdata, error, kind, nbytes, flags) in &events {
        let mut e = [0u8; EVENT_SIZE];
        e[0..8].copy_from_slice(&userdata.to_le_bytes());
        e[8..10].copy_from_slice(&error.to_le_bytes());
        e[10] = *kind;
        e[16..24].copy_from_slice(&nbytes.to_le_bytes());
        e[24..26].copy_from_slice(&flags.to_le_bytes());
        out.extend_from_slice(&e);
    }
    // At most one event per subscription, so this fits in `count` events.
    m.write(events_ptr, &out)
        .and_then(|()| m.write_u32(nevents_ptr, events.len() as u32))
        .into()
}

/// Bytes left to read in a file, and whether that is none (end of file).
fn file_left(file: &std::fs::File) -> u64 {
    let size = file.metadata().map_or(0, |md| md.len());
    let pos = (&*file).stream_position().unwrap_or(size);
    size.saturating_sub(pos)
}

/// The events of the descriptor subscriptions (always ready) and of unknown types.
fn fd_events(h: &HostState, subs: &[u8]) -> Vec<Event> {
    let mut events = Vec::new();
    for sub in subs.chunks_exact(SUBSCRIPTION_SIZE as usize) {
        let (userdata, tag) = (u64::from_le_bytes(le(sub, 0)), sub[8]);
        if tag == CLOCK {
            continue;
        }
        if tag != FD_READ && tag != FD_WRITE {
            events.push((userdata, INVAL, tag, 0, 0));
            continue;
        }
        let object = h.fds.get(u32::from_le_bytes(le(sub, 16))).map(|d| &d.object);
        let left = match (tag, object) {
            (FD_READ, Ok(Object::Stdin)) => Some(h.stdin.len().saturating_sub(h.stdin_pos) as u64),
            (FD_READ, Ok(Object::File(file))) => Some(file_left(file)),
            (FD_WRITE, Ok(Object::Stdout)) => Some(h.stdout.room() as u64),
            (FD_WRITE, Ok(Object::Stderr)) => Some(h.stderr.room() as u64),
            _ => None,
        };
        events.push(match left {
            Some(n) if tag == FD_READ => (userdata, 0, tag, n, if n == 0 { HANGUP } else { 0 }),
            Some(n) => (userdata, 0, tag, n, 0),
            None => (userdata, BADF, tag, 0, 0),
        });
    }
    events
}

/// With only clock subscriptions: errors for unknown clocks if any, or else sleep until the
/// earliest clock and return its events; `Err` (the deadline outcome) if the execution
/// deadline comes first, after sleeping until it.
fn clock_events(h: &HostState, subs: &[u8]) -> Result<Vec<Event>, Outcome> {
    let mut events = Vec::new();
    let mut waits = Vec::new();
    for sub in subs.chunks_exact(SUBSCRIPTION_SIZE as usize) {
        let userdata = u64::from_le_bytes(le(sub, 0));
        let (id, timeout) = (u32::from_le_bytes(le(sub, 16)), u64::from_le_bytes(le(sub, 24)));
        let flags = u16::from_le_bytes(le(sub, 40));
        let Ok(now) = now(h, id) else {
            events.push((userdata, INVAL, CLOCK, 0, 0));
            continue;
        };
        let wait = if flags & ABSTIME != 0 { timeout.saturating_sub(now) } else { timeout };
        waits.push((userdata, wait));
    }
    if !events.is_empty() {
        return Ok(events);
    }
    let shortest = waits.iter().map(|&(_, w)| w).min().unwrap_or(0);
    let pause = Duration::from_nanos(shortest);
    if let Some(deadline) = h.deadline {
        let left = deadline.saturating_duration_since(Instant::now());
        if pause >= left {
            std::thread::sleep(left);
            return Err(Outcome::Deadline);
        }
    }
    std::thread::sleep(pause);
    Ok(waits
        .into_iter()
        .filter(|&(_, wait)| wait <= shortest)
        .map(|(userdata, _)| (userdata, 0, CLOCK, 0, 0))
        .collect())
}
