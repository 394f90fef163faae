//! Demo releases: two published versions of each dataset (so the public
//! pages show a changelog) and the next panorama under embargo.

use std::collections::BTreeSet;

use cosinum_domain::UserId;
use cosinum_domain::authz::{Actor, Role};
use cosinum_domain::publication::{Dataset, ReleaseStatus};
use cosinum_store::AuditCtx;
use cosinum_store::publication as store;
use time::{Date, Month, OffsetDateTime};

use crate::AppState;

/// The last two half-year ends (30 June, 31 December) before `day`.
fn half_years_before(day: Date) -> [Date; 2] {
    let y = day.year();
    let ends = [
        Date::from_calendar_date(y, Month::December, 31),
        Date::from_calendar_date(y, Month::June, 30),
        Date::from_calendar_date(y - 1, Month::December, 31),
        Date::from_calendar_date(y - 1, Month::June, 30),
    ];
    let mut past = ends.into_iter().flatten().filter(|d| *d < day);
    let last = past.next().unwrap_or(day);
    [past.next().unwrap_or(last), last]
}

/// Seeds the demo releases (does nothing if a release exists already).
pub async fn seed(state: &AppState) -> anyhow::Result<()> {
    if !store::releases(&state.db, None).await?.is_empty() {
        return Ok(());
    }
    let admin = Actor {
        user_id: UserId(0),
        role: Role::Admin,
        organisation: None,
        scope: BTreeSet::new(),
        read_only: false,
    };
    let ctx = AuditCtx::system("données de démonstration");
    let today = OffsetDateTime::now_utc().date();
    let editions: Vec<Date> = cosinum_store::demarches::editions(&state.db)
        .await?
        .iter()
        .map(|e| e.edition_date)
        .collect();
    let observatoire: Vec<Date> = editions.iter().rev().take(2).rev().copied().collect();
    let plan = half_years_before(today)
        .into_iter()
        .map(|d| (Dataset::Panorama, d))
        .chain(observatoire.into_iter().map(|d| (Dataset::Observatoire, d)));
    for (dataset, as_of) in plan {
        let r = super::prepare(state, &admin, &ctx, dataset, as_of).await?;
        super::decide(
            state,
            &admin,
            &ctx,
            r.id,
            ReleaseStatus::Published,
            None,
            r.version,
        )
        .await?;
    }
    super::prepare(state, &admin, &ctx, Dataset::Panorama, today).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    #[test]
    fn the_demo_publishes_the_last_two_half_years() {
        assert_eq!(
            super::half_years_before(date!(2026 - 11 - 29)),
            [date!(2025 - 12 - 31), date!(2026 - 06 - 30)]
        );
        assert_eq!(
            super::half_years_before(date!(2026 - 03 - 01)),
            [date!(2025 - 06 - 30), date!(2025 - 12 - 31)]
        );
    }
}
