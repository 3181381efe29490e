//! Rate limits: tokens per minute per client (by address) and for the whole server. Per
//! replica: behind a load balancer with n replicas the overall limit is n times this.

use crate::mint::Refusal;
use axum::http::StatusCode;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::net::IpAddr;
use std::num::NonZeroU32;

pub struct Limits {
    per_client: DefaultKeyedRateLimiter<IpAddr>,
    overall: DefaultDirectRateLimiter,
}

impl Limits {
    pub fn new(per_client_per_minute: u32, overall_per_minute: u32) -> Self {
        let quota = |n: u32| Quota::per_minute(NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN));
        Limits {
            per_client: RateLimiter::keyed(quota(per_client_per_minute)),
            overall: RateLimiter::direct(quota(overall_per_minute)),
        }
    }

    /// One more token for `client`, or a 429 saying when to try again.
    pub fn check(&self, client: IpAddr) -> Result<(), Refusal> {
        let wait = |not_until: governor::NotUntil<_>| {
            not_until
                .wait_time_from(DefaultClock::default().now())
                .as_secs()
                + 1
        };
        if let Err(not_until) = self.per_client.check_key(&client) {
            return Err(Refusal {
                status: StatusCode::TOO_MANY_REQUESTS,
                reason: "Too many tokens asked from this address: wait a minute.".into(),
                retry_after: Some(wait(not_until)),
            });
        }
        if let Err(not_until) = self.overall.check() {
            return Err(Refusal {
                status: StatusCode::TOO_MANY_REQUESTS,
                reason: "This server hands out no more tokens this minute: wait a minute.".into(),
                retry_after: Some(wait(not_until)),
            });
        }
        // Forget clients that have been quiet (memory stays bounded).
        self.per_client.retain_recent();
        Ok(())
    }
}
