//! Sign-in throttling: after too many failed attempts on one account within
//! a window, the account refuses every attempt — the right password too —
//! until the lockout ends. Keyed by the e-mail as typed (normalised), so an
//! unknown address behaves exactly like a known one (no enumeration).
//!
//! ANSSI's authentication guidance (« Recommandations relatives à
//! l'authentification multifacteur et aux mots de passe », R29) asks for a
//! limit on failed attempts with a growing delay; OWASP's Authentication
//! Cheat Sheet describes the same account lockout with a reset after a
//! period. Defaults: 5 failures within 15 minutes lock for 15 minutes.

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

/// The throttling policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Policy {
    /// Failed attempts allowed within the window before the lockout.
    pub max_failures: u32,
    /// The window the failures are counted in, in minutes.
    pub window_minutes: u32,
    /// How long the account stays locked, in minutes.
    pub lockout_minutes: u32,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            max_failures: 5,
            window_minutes: 15,
            lockout_minutes: 15,
        }
    }
}

/// What is remembered of an address's failed attempts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Failures {
    /// Failures counted in the current window.
    pub count: u32,
    /// When the current window started (the first failure in it).
    pub since: OffsetDateTime,
    /// Locked until then, if locked.
    pub locked_until: Option<OffsetDateTime>,
}

impl Policy {
    /// Whether attempts are refused at `now`; if so, until when.
    pub fn locked(&self, state: Option<&Failures>, now: OffsetDateTime) -> Option<OffsetDateTime> {
        state
            .and_then(|s| s.locked_until)
            .filter(|until| *until > now)
    }

    /// The state after a failed attempt at `now`: a failure outside the
    /// window starts a new one; reaching `max_failures` locks the account
    /// for `lockout_minutes` and starts counting afresh.
    pub fn after_failure(&self, state: Option<&Failures>, now: OffsetDateTime) -> Failures {
        let window = Duration::minutes(i64::from(self.window_minutes));
        let (count, since) = match state {
            Some(s) if now - s.since < window && s.locked_until.is_none_or(|u| u <= now) => {
                (s.count + 1, s.since)
            }
            Some(s) if s.locked_until.is_some_and(|u| u > now) => {
                // Attempts during the lockout do not extend it.
                return *s;
            }
            _ => (1, now),
        };
        if count >= self.max_failures.max(1) {
            Failures {
                count: 0,
                since: now,
                locked_until: Some(now + Duration::minutes(i64::from(self.lockout_minutes))),
            }
        } else {
            Failures {
                count,
                since,
                locked_until: None,
            }
        }
    }
}

/// The minutes left before `until`, rounded up (what the message says).
pub fn minutes_left(until: OffsetDateTime, now: OffsetDateTime) -> i64 {
    let secs = (until - now).whole_seconds().max(0);
    (secs + 59) / 60
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use time::macros::datetime;

    use super::*;

    const T0: OffsetDateTime = datetime!(2026-11-29 08:00 UTC);

    #[test]
    fn five_failures_lock_for_fifteen_minutes() {
        let p = Policy::default();
        let mut s: Option<Failures> = None;
        for i in 0..4 {
            let next = p.after_failure(s.as_ref(), T0 + Duration::minutes(i));
            assert_eq!(next.locked_until, None, "failure {}", i + 1);
            s = Some(next);
        }
        assert_eq!(p.locked(s.as_ref(), T0 + Duration::minutes(4)), None);
        let locked = p.after_failure(s.as_ref(), T0 + Duration::minutes(4));
        let until = T0 + Duration::minutes(19);
        assert_eq!(locked.locked_until, Some(until));
        assert_eq!(
            p.locked(Some(&locked), T0 + Duration::minutes(10)),
            Some(until)
        );
        assert_eq!(minutes_left(until, T0 + Duration::minutes(10)), 9);
        // Trying during the lockout does not extend it; it ends on time.
        let again = p.after_failure(Some(&locked), T0 + Duration::minutes(12));
        assert_eq!(again, locked);
        assert_eq!(p.locked(Some(&again), until), None);
        // After the lockout, counting starts afresh.
        let after = p.after_failure(Some(&again), until + Duration::minutes(1));
        assert_eq!((after.count, after.locked_until), (1, None));
    }

    #[test]
    fn failures_outside_the_window_start_a_new_one() {
        let p = Policy::default();
        let first = p.after_failure(None, T0);
        let later = p.after_failure(Some(&first), T0 + Duration::minutes(16));
        assert_eq!((later.count, later.since), (1, T0 + Duration::minutes(16)));
    }

    proptest! {
        /// However attempts are spaced, a guesser gets at most
        /// `2 × max_failures − 1` tries in any 15 minutes (windows are fixed:
        /// the end of one and the start of the next), then waits.
        #[test]
        fn never_more_than_the_allowed_failures_per_window(gaps in proptest::collection::vec(0i64..600, 1..40)) {
            let p = Policy::default();
            let mut s: Option<Failures> = None;
            let mut now = T0;
            let mut accepted: Vec<OffsetDateTime> = Vec::new();
            for g in gaps {
                now += Duration::seconds(g);
                if p.locked(s.as_ref(), now).is_none() {
                    accepted.push(now);
                }
                s = Some(p.after_failure(s.as_ref(), now));
            }
            let window = Duration::minutes(15);
            for (i, t) in accepted.iter().enumerate() {
                let in_window = accepted[i..].iter().take_while(|u| **u - *t < window).count();
                prop_assert!(in_window < 2 * p.max_failures as usize, "{} attempts within 15 min", in_window);
            }
        }
    }
}
