-- Edge cases for check_portfolio.py, applied to a COPY of the demo database
-- (the demo data has no published edition, no archived row, no same-day tie):
--   cp /tmp/agg/demo.db /tmp/agg/edge.db && sqlite3 /tmp/agg/edge.db < scripts/bench-lib/edge_cases.sql
--   scripts/bench-lib/check_portfolio.py /tmp/agg/edge.db target/debug/cosinum DATE...
-- Every change targets one rule of the snapshot or of the figures; cosinum is
-- the judge, so nothing here states the expected figures.
BEGIN;

-- by_ministry keys on the project's own organisation, directions included.
UPDATE projects SET organisation_id = 10 WHERE id IN (5, 6);      -- MEF-DGFIP
UPDATE projects SET organisation_id = 34 WHERE id = 7;            -- archived organisation

-- Archived projects never count, even when an edition lists them (id 9 below).
UPDATE projects SET archived_at = '2026-01-01T00:00:00Z' WHERE id IN (9, 10);

-- Archived reviews are ignored: the previous one stands.
UPDATE project_reviews SET archived_at = '2026-01-01T00:00:00Z'
 WHERE id IN (SELECT id FROM project_reviews WHERE project_id = 11 ORDER BY review_date DESC LIMIT 3);

-- Withheld figures: counted as projects, not in cost, duration nor drift.
UPDATE project_reviews SET figures_withheld = 1
 WHERE project_id = 12 AND review_date BETWEEN '2019-01-01' AND '2021-12-31';

-- Missing figures: no cost (no budget drift, not costed), no start (falls back
-- to the baseline in force), no forecast end (no duration nor calendar drift).
UPDATE project_reviews SET cost_eur = NULL WHERE project_id = 13 AND review_date >= '2020-01-01';
UPDATE project_reviews SET start_on = NULL WHERE project_id IN (14, 15);
UPDATE project_reviews SET forecast_end_on = NULL WHERE project_id = 16 AND review_date >= '2022-01-01';

-- Cadrage with a cost (out of the total, in the drifts); closed phases (in the drifts).
UPDATE project_reviews SET phase = 'cadrage' WHERE project_id = 17 AND review_date >= '2020-01-01';
UPDATE project_reviews SET phase = 'abandonne' WHERE project_id = 18 AND review_date >= '2023-01-01';

-- Same-day ties: two reviews on one day (different sources) — the last
-- recorded wins; two baselines approved on one day — the first recorded is the
-- original, the last recorded is in force.
INSERT INTO project_reviews (project_id, review_date, source, cost_eur, start_on, forecast_end_on,
                             phase, figures_withheld, narrative, created_at, updated_at)
SELECT project_id, review_date, 'panorama-test', cost_eur * 2, start_on, date(forecast_end_on, '+400 days'),
       phase, 0, '', created_at, updated_at
FROM project_reviews WHERE project_id IN (19, 20) AND archived_at IS NULL;
INSERT INTO project_baselines (project_id, approved_on, cost_eur, start_on, planned_end_on, reason, approved_by, created_at)
SELECT project_id, approved_on, cost_eur + 5000000, date(start_on, '-100 days'), planned_end_on, 'tie', 'test', created_at
FROM project_baselines WHERE project_id IN (19, 20, 14);

-- A re-baseline approved late, with a new start (moves the start fallback and
-- nothing else under the default method); a first baseline approved late (no
-- drift before it).
INSERT INTO project_baselines (project_id, approved_on, cost_eur, start_on, planned_end_on, reason, approved_by, created_at)
VALUES (15, '2021-03-15', 99000000, '2020-07-01', '2024-07-01', 're-baseline', 'test', '2026-01-01T00:00:00Z');
UPDATE project_baselines SET approved_on = '2022-09-09' WHERE project_id = 21;

-- A zero-cost original baseline (no budget drift: reference not > 0) and one
-- ending before it starts (duration counted as one day).
UPDATE project_baselines SET cost_eur = 0
 WHERE id = (SELECT MIN(id) FROM project_baselines WHERE project_id = 23);
UPDATE project_baselines SET planned_end_on = date(start_on, '-10 days')
 WHERE id = (SELECT MIN(id) FROM project_baselines WHERE project_id = 24);

-- A project without baseline (counted, no drift), one without any review
-- (its own phase and withheld flag; no cost, no end).
DELETE FROM project_baselines WHERE project_id = 25;
DELETE FROM review_milestones WHERE review_id IN (SELECT id FROM project_reviews WHERE project_id = 26);
DELETE FROM review_risks WHERE review_id IN (SELECT id FROM project_reviews WHERE project_id = 26);
DELETE FROM project_reviews WHERE project_id = 26;

-- Entry and exit dates falling on benchmark dates (entry day in, exit day out).
UPDATE projects SET entered_on = '2019-06-30' WHERE id = 27;
UPDATE projects SET exited_on = '2021-06-30' WHERE id = 28;

-- Published editions. Members of any edition follow the editions only: 29
-- listed from 2019-12-31 although it entered later; 30 listed then dropped;
-- 31 listed, then given an exit date between two editions (counts as closed
-- from that day); 9 listed but archived; 32 listed only in a future edition
-- (out of the portfolio before it, whatever its entry date). The 2023-06-30
-- edition has no member: cosinum does not see it, the 2022-06-30 one stays the
-- latest.
INSERT INTO portfolio_editions (id, as_of, source, created_at) VALUES
    (901, '2019-12-31', 'test', '2026-01-01T00:00:00Z'),
    (902, '2022-06-30', 'test', '2026-01-01T00:00:00Z'),
    (903, '2023-06-30', 'test', '2026-01-01T00:00:00Z'),
    (904, '2025-12-31', 'test', '2026-01-01T00:00:00Z');
INSERT INTO edition_projects (edition_id, project_id) VALUES
    (901, 1), (901, 2), (901, 29), (901, 30), (901, 31), (901, 9),
    (902, 1), (902, 29), (902, 31), (902, 9),
    (904, 1), (904, 29), (904, 32);
UPDATE projects SET entered_on = '2021-01-01' WHERE id = 29;
UPDATE projects SET exited_on = '2023-02-01' WHERE id = 31;
UPDATE projects SET entered_on = '2017-01-01' WHERE id = 32;

-- The project-level withheld flag, for a project without review at a date.
UPDATE projects SET figures_withheld = 1, phase = 'cadrage' WHERE id = 26;

COMMIT;
