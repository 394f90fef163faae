-- Portfolio editions as of several dates, in one hand-written SQLite query
-- (issue #11 benchmark): the figures of `cosinum portfolio --as-of DATE`
-- under the default method (dinum-2017, drifts against the ORIGINAL
-- baseline), for the whole portfolio and per ministry.
--
-- Input: a table `bench_dates(as_of TEXT 'YYYY-MM-DD')`, created beforehand on
-- the same connection (see bench_dates.sql, or run_sqlite.sh which does both):
--
--   CREATE TEMP TABLE bench_dates (as_of TEXT PRIMARY KEY);
--   INSERT INTO bench_dates VALUES ('2021-06-30'), ('2021-12-31');
--
-- Output: one row per date with ministry_code NULL (the whole portfolio), then
-- one per ministry present that day (cosinum's `by_ministry` groups, keyed by
-- the code of the project's own organisation, not of a ministry ancestor).
--
-- Where each rule comes from (crates/…):
--   membership       store/src/projects/editions.rs  PortfolioData::snapshots
--   project at date  domain/src/projects/portfolio.rs state_as_of
--   ledger, rates    domain/src/projects/drift.rs
--   figures          domain/src/projects/edition.rs   figures(), DINUM_2017
-- Dates are stored by sqlx as 'YYYY-MM-DD' text, so text comparison is date
-- comparison; booleans are stored as 0/1.

WITH
-- The loader drops archived projects before anything else, whatever the
-- editions say (projects::list(db, false)).
live AS (
    SELECT id, organisation_id, interministerial, phase, figures_withheld,
           entered_on, exited_on
    FROM projects
    WHERE archived_at IS NULL
),

-- cosinum builds its editions map from the edition_projects ⋈
-- portfolio_editions rows, so an edition without members does not exist for
-- it: it can neither be "the latest edition" nor empty the portfolio.
edition_members AS (
    SELECT e.id AS edition_id, e.as_of AS edition_date, m.project_id
    FROM portfolio_editions e
    JOIN edition_projects m ON m.edition_id = e.id
),

-- A project listed in ANY edition (even one after the date) has its
-- membership decided by the editions, no longer by its entry/exit dates.
published AS (
    SELECT DISTINCT project_id FROM edition_members
),

-- The latest non-empty edition on or before each date (NULL before the first).
latest_edition AS (
    SELECT d.as_of,
           (SELECT em.edition_id FROM edition_members em
             WHERE em.edition_date <= d.as_of
             ORDER BY em.edition_date DESC LIMIT 1) AS edition_id,
           (SELECT MAX(em.edition_date) FROM edition_members em
             WHERE em.edition_date <= d.as_of) AS edition_date
    FROM bench_dates d
),

-- Who is in the portfolio on each date.
members AS (
    SELECT d.as_of, p.*
    FROM latest_edition d
    CROSS JOIN live p
    WHERE CASE
        WHEN p.id IN (SELECT project_id FROM published) THEN
            -- Listed by the latest edition, and not closed since: an exit
            -- recorded between that edition and the date still counts. The
            -- entry date is not looked at (the edition is the authority).
            d.edition_id IS NOT NULL
            AND EXISTS (SELECT 1 FROM edition_projects m
                         WHERE m.edition_id = d.edition_id AND m.project_id = p.id)
            AND NOT (p.exited_on IS NOT NULL
                     AND p.exited_on > d.edition_date AND p.exited_on <= d.as_of)
        ELSE
            -- Never published: entry day included, exit day excluded.
            p.entered_on <= d.as_of AND (p.exited_on IS NULL OR d.as_of < p.exited_on)
        END
),

-- What was known of each member on the date: the latest non-archived review
-- on or before it (same-day ties: the last recorded, i.e. highest id, as
-- estimate_as_of keeps the last of equal dates in (review_date, id) order);
-- the original baseline = first approved among those approved by the date
-- (ties: lowest id); the baseline in force = latest approved by the date
-- (ties: highest id). Baselines approved after the date do not exist yet.
picked AS (
    SELECT m.as_of, m.id AS project_id, m.organisation_id, m.interministerial,
           m.phase AS project_phase, m.figures_withheld AS project_withheld,
           (SELECT r.id FROM project_reviews r
             WHERE r.project_id = m.id AND r.archived_at IS NULL
               AND r.review_date <= m.as_of
             ORDER BY r.review_date DESC, r.id DESC LIMIT 1) AS review_id,
           (SELECT b.id FROM project_baselines b
             WHERE b.project_id = m.id AND b.approved_on <= m.as_of
             ORDER BY b.approved_on ASC, b.id ASC LIMIT 1) AS original_id,
           (SELECT b.id FROM project_baselines b
             WHERE b.project_id = m.id AND b.approved_on <= m.as_of
             ORDER BY b.approved_on DESC, b.id DESC LIMIT 1) AS current_id
    FROM members m
),

-- The snapshot (ProjectSnapshot). Without any review the project's own phase
-- and withheld flag stand, and it has no cost and no forecast end. The start
-- falls back to the baseline IN FORCE (not the original one) even under the
-- default method: it only feeds the mean duration.
snap AS (
    SELECT k.as_of, k.project_id, k.interministerial,
           COALESCE(o.code, CAST(k.organisation_id AS TEXT)) AS ministry_code,
           COALESCE(r.figures_withheld, k.project_withheld) AS withheld,
           COALESCE(r.phase, k.project_phase) AS phase,
           r.cost_eur AS cost,
           COALESCE(r.start_on, cur.start_on) AS start_on,
           r.forecast_end_on AS forecast_end,
           ob.cost_eur AS base_cost,
           ob.start_on AS base_start,
           -- Baseline::duration_days: never below one day.
           MAX(CAST(julianday(ob.planned_end_on) - julianday(ob.start_on) AS INTEGER), 1)
               AS base_days
    FROM picked k
    LEFT JOIN organisations o ON o.id = k.organisation_id
    LEFT JOIN project_reviews r ON r.id = k.review_id
    LEFT JOIN project_baselines ob ON ob.id = k.original_id
    LEFT JOIN project_baselines cur ON cur.id = k.current_id
),

-- Each project's contribution to each figure, NULL when it does not count.
-- Withheld figures are neither summed nor used for drift; Cadrage only leaves
-- the total cost (it still counts in durations and drifts); closed projects
-- count in drifts under dinum-2017 (include_closed_in_drift).
contrib AS (
    SELECT as_of, ministry_code, project_id,
           CASE WHEN interministerial THEN 1 ELSE 0 END AS interministerial,
           CASE WHEN NOT withheld AND phase <> 'cadrage' THEN cost END AS costed,
           CASE WHEN NOT withheld THEN
               (julianday(forecast_end) - julianday(start_on)) / 365.0
           END AS duration_years,
           -- relative_change refuses a reference that is not > 0, so a zero-cost
           -- baseline gives no budget drift (the project leaves both the mean
           -- and the weighted sums).
           CASE WHEN NOT withheld AND base_cost > 0 THEN
               (CAST(cost AS REAL) - base_cost) / base_cost
           END AS budget_rate,
           CASE WHEN NOT withheld AND base_cost > 0 AND cost IS NOT NULL THEN base_cost END
               AS budget_ref,
           CASE WHEN NOT withheld AND base_cost > 0 THEN cost END AS budget_cur,
           -- Both durations are counted from the baseline's start, so only the
           -- end moves; base_days >= 1 so the rate always exists.
           CASE WHEN NOT withheld AND base_start IS NOT NULL THEN
               (CAST(julianday(forecast_end) - julianday(base_start) AS INTEGER) - base_days)
                   / CAST(base_days AS REAL)
           END AS calendar_rate,
           CASE WHEN NOT withheld AND base_start IS NOT NULL AND forecast_end IS NOT NULL
               THEN base_days END AS calendar_ref,
           CASE WHEN NOT withheld AND base_start IS NOT NULL THEN
               CAST(julianday(forecast_end) - julianday(base_start) AS INTEGER)
           END AS calendar_cur
    FROM snap
),

-- Every project twice: once for the whole portfolio (ministry_code NULL),
-- once for its ministry, so a single GROUP BY yields both levels. The dates
-- are left-joined so that a date with an empty portfolio still gets its
-- (zero) whole-portfolio row, as cosinum prints one.
scoped AS (
    SELECT d.as_of, NULL AS ministry_code, c.project_id, c.interministerial, c.costed,
           c.duration_years, c.budget_rate, c.budget_ref, c.budget_cur,
           c.calendar_rate, c.calendar_ref, c.calendar_cur
    FROM bench_dates d LEFT JOIN contrib c ON c.as_of = d.as_of
    UNION ALL
    SELECT as_of, ministry_code, project_id, interministerial, costed,
           duration_years, budget_rate, budget_ref, budget_cur,
           calendar_rate, calendar_ref, calendar_cur
    FROM contrib
)

SELECT as_of,
       ministry_code,
       COUNT(project_id) AS projects,
       COALESCE(SUM(interministerial), 0) AS interministerial,
       COALESCE(SUM(costed), 0) / 1000000.0 AS total_cost_meur,
       COUNT(costed) AS costed_projects,
       AVG(duration_years) AS mean_duration_years,
       AVG(calendar_rate) AS mean_calendar_drift,
       AVG(budget_rate) AS mean_budget_drift,
       -- Σ(current − reference) / Σ reference over the projects of the mean;
       -- NULL when nobody counts (the reference sum is then not > 0).
       CASE WHEN SUM(calendar_ref) > 0 THEN
           (CAST(SUM(calendar_cur) AS REAL) - SUM(calendar_ref)) / SUM(calendar_ref)
       END AS weighted_calendar_drift,
       CASE WHEN SUM(budget_ref) > 0 THEN
           (CAST(SUM(budget_cur) AS REAL) - SUM(budget_ref)) / SUM(budget_ref)
       END AS weighted_budget_drift,
       COUNT(calendar_rate) AS calendar_drift_projects,
       COUNT(budget_rate) AS budget_drift_projects
FROM scoped
GROUP BY as_of, ministry_code
ORDER BY as_of, ministry_code NULLS FIRST;
