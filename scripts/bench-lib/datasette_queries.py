"""Datasette's side of the read API benchmark (issue #11): canned queries
doing in SQL the work of cosinum's three measured endpoints, on the same
database file.

- projects_of_ministry: the projects of an organisation and its children,
  each with its latest review on or before the date and its original
  baseline, and the cost and calendar drifts from them (GET /api/v1/projects
  ?ministry=…&as_of=…).
- portfolio_edition: the hand-written portfolio query (portfolio_sqlite.sql,
  checked figure by figure against cosinum) for one date (GET
  /api/v1/projects/portfolio?as_of=…; cosinum also computes breakdowns by
  phase, size and zone and the changes since the previous edition).
- demarches_summary: the latest observatory edition, per indicator: how many
  démarches, how many answered « Oui », the mean of the numeric values, and
  how many values changed since the previous edition (GET
  /api/v1/demarches/summary, which classifies every value into levels under
  the edition's method).
"""

import re
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _one_date(sql):
    """portfolio_sqlite.sql for the single date `:as_of`, comments removed
    (Datasette accepts one SELECT statement)."""
    sql = re.sub(r"--[^\n]*", "", sql)
    sql = sql.replace("bench_dates d", "(SELECT :as_of AS as_of) d")
    return sql.strip().rstrip(";")


PROJECTS_OF_MINISTRY = """
WITH RECURSIVE scope(id) AS (
    SELECT id FROM organisations WHERE code = :code
    UNION ALL
    SELECT o.id FROM organisations o JOIN scope s ON o.parent_id = s.id
),
latest AS (
    SELECT r.* FROM project_reviews r
    WHERE r.archived_at IS NULL AND r.review_date <= :as_of
      AND r.id = (SELECT r2.id FROM project_reviews r2
                   WHERE r2.project_id = r.project_id AND r2.archived_at IS NULL
                     AND r2.review_date <= :as_of
                   ORDER BY r2.review_date DESC, r2.id DESC LIMIT 1)
),
original AS (
    SELECT b.* FROM project_baselines b
    WHERE b.id = (SELECT b2.id FROM project_baselines b2
                   WHERE b2.project_id = b.project_id AND b2.approved_on <= :as_of
                   ORDER BY b2.approved_on, b2.id LIMIT 1)
)
SELECT p.id, p.name, o.code AS organisation, COALESCE(l.phase, p.phase) AS phase,
       p.functional_zone, p.interministerial,
       l.cost_eur / 1000000.0 AS cost_meur, l.forecast_end_on AS forecast_end,
       CASE WHEN b.cost_eur > 0 AND l.cost_eur IS NOT NULL
            THEN (CAST(l.cost_eur AS REAL) - b.cost_eur) / b.cost_eur END AS budget_drift,
       CASE WHEN l.forecast_end_on IS NOT NULL
            THEN (julianday(l.forecast_end_on) - julianday(b.planned_end_on))
                 / MAX(1, julianday(b.planned_end_on) - julianday(b.start_on)) END AS calendar_drift
FROM projects p
JOIN organisations o ON o.id = p.organisation_id
LEFT JOIN latest l ON l.project_id = p.id
LEFT JOIN original b ON b.project_id = p.id
WHERE p.archived_at IS NULL AND p.organisation_id IN (SELECT id FROM scope)
ORDER BY p.name
"""

DEMARCHES_SUMMARY = """
WITH editions AS (
    SELECT id, edition_date, ROW_NUMBER() OVER (ORDER BY edition_date DESC) AS age
    FROM demarche_editions
),
cur AS (SELECT id FROM editions WHERE age = 1),
prev AS (SELECT id FROM editions WHERE age = 2)
SELECT v.slug,
       COUNT(*) AS demarches,
       SUM(v.raw = 'Oui') AS yes,
       AVG(CASE WHEN v.raw GLOB '[0-9]*' THEN CAST(REPLACE(v.raw, ',', '.') AS REAL) END) AS mean,
       SUM(p.raw IS NOT NULL AND p.raw <> v.raw) AS changed
FROM demarche_values v
JOIN demarches d ON d.id = v.demarche_id AND d.archived_at IS NULL
LEFT JOIN demarche_values p
       ON p.edition_id = (SELECT id FROM prev) AND p.demarche_id = v.demarche_id AND p.slug = v.slug
WHERE v.edition_id = (SELECT id FROM cur)
GROUP BY v.slug
ORDER BY v.slug
"""

QUERIES = {
    "projects_of_ministry": {"sql": PROJECTS_OF_MINISTRY},
    "portfolio_edition": {"sql": _one_date((HERE / "portfolio_sqlite.sql").read_text())},
    "demarches_summary": {"sql": DEMARCHES_SUMMARY},
}
