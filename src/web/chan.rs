//! A channel for the page's one thread: JS callbacks send, one task awaits. A queue behind
//! an `Rc<RefCell<..>>` and the waiting task's waker do what futures-channel's lock-free
//! queues do for threads, in a fraction of the code (the page is single-threaded).
//!
//! [`Receiver::recv`] gives the values in order, then `None` once every [`Sender`] is gone
//! (what was sent before stays readable); a send to a dropped receiver is dropped.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::{poll_fn, Future};
use std::rc::Rc;
use std::task::{Poll, Waker};

struct Shared<T> {
    queue: VecDeque<T>,
    waker: Option<Waker>,
    senders: usize,
    receiving: bool,
}

/// The sending side; clones send into the same channel.
pub struct Sender<T>(Rc<RefCell<Shared<T>>>);

/// The receiving side.
#[must_use = "a channel nobody receives from drops what is sent"]
pub struct Receiver<T>(Rc<RefCell<Shared<T>>>);

/// A new channel.
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let shared = Rc::new(RefCell::new(Shared {
        queue: VecDeque::new(),
        waker: None,
        senders: 1,
        receiving: true,
    }));
    (Sender(Rc::clone(&shared)), Receiver(shared))
}

impl<T> Sender<T> {
    /// Queues `value` and wakes the receiver (dropped if the receiver is gone).
    pub fn send(&self, value: T) {
        let mut shared = self.0.borrow_mut();
        if shared.receiving {
            shared.queue.push_back(value);
            if let Some(waker) = shared.waker.take() {
                waker.wake();
            }
        }
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.0.borrow_mut().senders += 1;
        Sender(Rc::clone(&self.0))
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let mut shared = self.0.borrow_mut();
        shared.senders -= 1;
        if shared.senders == 0 {
            if let Some(waker) = shared.waker.take() {
                waker.wake();
            }
        }
    }
}

impl<T> Receiver<T> {
    /// The next value, or `None` once the queue is empty and no sender is left.
    pub fn recv(&mut self) -> impl Future<Output = Option<T>> + '_ {
        poll_fn(|cx| {
            let mut shared = self.0.borrow_mut();
            if let Some(value) = shared.queue.pop_front() {
                Poll::Ready(Some(value))
            } else if shared.senders == 0 {
                Poll::Ready(None)
            } else {
                shared.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        })
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        let mut shared = self.0.borrow_mut();
        shared.receiving = false;
        shared.queue.clear();
    }
}
