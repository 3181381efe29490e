//! Scheduling what the lookahead allows: each queued block at the running cursor, a turn's
//! first audio after the jitter buffer's wait, and the resumption after an underrun.

use super::{frames, Play, Scheduler, FIRST_GUARD_MS};

impl Scheduler {
    /// The turn's audio ran out at `cursor` (an underrun, counted once): where it resumes,
    /// or `None` to wait for more. Fixed: the prebuffer after `now`. Adaptive: the learnt
    /// wait after the underrun was seen, less the audio already queued `behind` the next
    /// block (a stream that comes back with a burst plays on at once); held while more
    /// arrivals could still bring it in, like a turn's first audio.
    fn resume_at(&mut self, cursor: u64, now: u64, behind: u64) -> Option<u64> {
        let (gap_from, seen) = match self.resume {
            Some(resume) => resume,
            None => {
                self.stats.underruns += 1;
                if let Some(jitter) = &mut self.jitter {
                    jitter.underrun();
                }
                self.resume = Some((cursor, now));
                (cursor, now)
            }
        };
        let start = match &self.jitter {
            None => now + self.prebuffer,
            Some(jitter) => {
                let wait = jitter.prebuffer().saturating_sub(behind);
                let start = (seen + wait).max(now + jitter.least());
                if start > now + frames(FIRST_GUARD_MS, self.rate) {
                    return None;
                }
                start
            }
        };
        self.resume = None;
        self.stats.silence_frames += start.saturating_sub(gap_from);
        Some(start)
    }

    /// Schedules what the lookahead allows at frame `now`. Call it on arrivals and on a
    /// timer (more often than the lookahead minus the prebuffer).
    pub fn pump(&mut self, now: u64) -> Vec<Play> {
        let mut plays = Vec::new();
        while let Some(front) = self.queue.front() {
            let start = if front.first {
                // A new turn: after the wait, and never over the previous turn. The adaptive
                // buffer may hold the decision while more arrivals could bring it in (the
                // pump timer commits it in time).
                let (start, sure) = match &self.jitter {
                    Some(jitter) => jitter.first_start(now),
                    None => (now + self.prebuffer, true),
                };
                let start = start.max(now + self.lead).max(self.cursor.unwrap_or(0));
                if !sure && start > now + frames(FIRST_GUARD_MS, self.rate) {
                    break;
                }
                start
            } else {
                match self.cursor {
                    Some(c) if c >= now + self.lead && self.resume.is_none() => c,
                    Some(c) => {
                        let behind = self.queued_frames() - front.samples.len() as u64;
                        match self.resume_at(c, now, behind) {
                            Some(start) => start,
                            None => break,
                        }
                    }
                    None => now + self.prebuffer_frames(),
                }
            };
            if start > now + self.lookahead_frames() {
                break;
            }
            let Some(block) = self.queue.pop_front() else {
                break;
            };
            self.schedule(block, start, &mut plays);
        }
        self.settle(now);
        plays
    }

    /// Buffers that have finished by frame `now` need no more bookkeeping: their `heard` is
    /// final.
    pub(super) fn settle(&mut self, now: u64) {
        while let Some(&i) = self.live.front() {
            let p = &self.log[i];
            if p.start + p.frames > now {
                break;
            }
            self.live.pop_front();
        }
    }
}
