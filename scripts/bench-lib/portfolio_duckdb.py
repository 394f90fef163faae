#!/usr/bin/env python3
"""Portfolio editions as of several dates in DuckDB (issue #11 benchmark).

The same computation as portfolio_sqlite.sql — the figures of
`cosinum portfolio --as-of DATE` under the default method (dinum-2017), for the
whole portfolio and per ministry — as ONE DuckDB statement over the CSV files
written by export_csv.sh. The statement follows the SQLite one CTE by CTE; the
only differences are dialect (DATE arithmetic instead of julianday, GREATEST,
DOUBLE instead of REAL — REAL is a 4-byte float in DuckDB — and the dates given
as a list parameter instead of a TEMP table).

    python3 -m venv /tmp/benchvenv && /tmp/benchvenv/bin/pip install duckdb
    /tmp/benchvenv/bin/python scripts/bench-lib/portfolio_duckdb.py CSV_DIR DATE... [--json] [--timing]

Prints the rows (tab-separated with a header, or a JSON list of objects with
--json). --timing prints the load and query times on stderr. `run(csv_dir,
dates)` returns them as tuples in the order of COLUMNS.
"""

import argparse
import datetime
import json
import os
import sys
import time

import duckdb

# The output columns, as the checker names them.
from check_portfolio import COLUMNS  # noqa: E402

# Column types of the CSV files: declared, not sniffed, so that an empty file
# (no edition published yet) still has dates where dates are expected.
TABLES = {
    "organisations": {"id": "BIGINT", "code": "VARCHAR"},
    "projects": {
        "id": "BIGINT",
        "organisation_id": "BIGINT",
        "interministerial": "BOOLEAN",
        "phase": "VARCHAR",
        "figures_withheld": "BOOLEAN",
        "entered_on": "DATE",
        "exited_on": "DATE",
        "archived_at": "VARCHAR",
    },
    "project_baselines": {
        "id": "BIGINT",
        "project_id": "BIGINT",
        "approved_on": "DATE",
        "cost_eur": "BIGINT",
        "start_on": "DATE",
        "planned_end_on": "DATE",
    },
    "project_reviews": {
        "id": "BIGINT",
        "project_id": "BIGINT",
        "review_date": "DATE",
        "cost_eur": "BIGINT",
        "start_on": "DATE",
        "forecast_end_on": "DATE",
        "phase": "VARCHAR",
        "figures_withheld": "BOOLEAN",
        "archived_at": "VARCHAR",
    },
    "portfolio_editions": {"id": "BIGINT", "as_of": "DATE"},
    "edition_projects": {"edition_id": "BIGINT", "project_id": "BIGINT"},
}

# See portfolio_sqlite.sql for the why of each step: the comments are kept
# short here so that the two statements can be read side by side.
QUERY = """
WITH
bench_dates AS (
    SELECT DISTINCT unnest(CAST($dates AS DATE[])) AS as_of
),

-- Archived projects never count.
live AS (
    SELECT id, organisation_id, interministerial, phase, figures_withheld,
           entered_on, exited_on
    FROM projects
    WHERE archived_at IS NULL
),

-- An edition without members does not exist for cosinum.
edition_members AS (
    SELECT e.id AS edition_id, e.as_of AS edition_date, m.project_id
    FROM portfolio_editions e
    JOIN edition_projects m ON m.edition_id = e.id
),

-- Listed in any edition: membership decided by the editions.
published AS (
    SELECT DISTINCT project_id FROM edition_members
),

-- The latest non-empty edition on or before each date.
latest_edition AS (
    SELECT d.as_of,
           (SELECT em.edition_id FROM edition_members em
             WHERE em.edition_date <= d.as_of
             ORDER BY em.edition_date DESC LIMIT 1) AS edition_id,
           (SELECT MAX(em.edition_date) FROM edition_members em
             WHERE em.edition_date <= d.as_of) AS edition_date
    FROM bench_dates d
),

members AS (
    SELECT d.as_of, p.*
    FROM latest_edition d
    CROSS JOIN live p
    WHERE CASE
        WHEN p.id IN (SELECT project_id FROM published) THEN
            -- In the latest edition and not closed since it.
            d.edition_id IS NOT NULL
            AND EXISTS (SELECT 1 FROM edition_projects m
                         WHERE m.edition_id = d.edition_id AND m.project_id = p.id)
            AND NOT (p.exited_on IS NOT NULL
                     AND p.exited_on > d.edition_date AND p.exited_on <= d.as_of)
        ELSE
            -- Entry day included, exit day excluded.
            p.entered_on <= d.as_of AND (p.exited_on IS NULL OR d.as_of < p.exited_on)
        END
),

-- Latest review (ties: highest id), original baseline (first approved, ties:
-- lowest id) and baseline in force (latest approved, ties: highest id).
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

-- The snapshot; the start falls back to the baseline in force.
snap AS (
    SELECT k.as_of, k.project_id, k.interministerial,
           COALESCE(o.code, CAST(k.organisation_id AS VARCHAR)) AS ministry_code,
           COALESCE(r.figures_withheld, k.project_withheld) AS withheld,
           COALESCE(r.phase, k.project_phase) AS phase,
           r.cost_eur AS cost,
           COALESCE(r.start_on, cur.start_on) AS start_on,
           r.forecast_end_on AS forecast_end,
           ob.cost_eur AS base_cost,
           ob.start_on AS base_start,
           GREATEST(ob.planned_end_on - ob.start_on, 1) AS base_days
    FROM picked k
    LEFT JOIN organisations o ON o.id = k.organisation_id
    LEFT JOIN project_reviews r ON r.id = k.review_id
    LEFT JOIN project_baselines ob ON ob.id = k.original_id
    LEFT JOIN project_baselines cur ON cur.id = k.current_id
),

-- Each project's contribution to each figure, NULL when it does not count.
contrib AS (
    SELECT as_of, ministry_code, project_id,
           CASE WHEN interministerial THEN 1 ELSE 0 END AS interministerial,
           CASE WHEN NOT withheld AND phase <> 'cadrage' THEN cost END AS costed,
           CASE WHEN NOT withheld THEN
               CAST(forecast_end - start_on AS DOUBLE) / 365.0
           END AS duration_years,
           CASE WHEN NOT withheld AND base_cost > 0 THEN
               (CAST(cost AS DOUBLE) - base_cost) / CAST(base_cost AS DOUBLE)
           END AS budget_rate,
           CASE WHEN NOT withheld AND base_cost > 0 AND cost IS NOT NULL THEN base_cost END
               AS budget_ref,
           CASE WHEN NOT withheld AND base_cost > 0 THEN cost END AS budget_cur,
           CASE WHEN NOT withheld AND base_start IS NOT NULL THEN
               ((forecast_end - base_start) - base_days) / CAST(base_days AS DOUBLE)
           END AS calendar_rate,
           CASE WHEN NOT withheld AND base_start IS NOT NULL AND forecast_end IS NOT NULL
               THEN base_days END AS calendar_ref,
           CASE WHEN NOT withheld AND base_start IS NOT NULL THEN
               forecast_end - base_start
           END AS calendar_cur
    FROM snap
),

-- Every project twice: whole portfolio (NULL) and its ministry.
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

SELECT strftime(as_of, '%Y-%m-%d') AS as_of,
       ministry_code,
       COUNT(project_id) AS projects,
       COALESCE(SUM(interministerial), 0) AS interministerial,
       CAST(COALESCE(SUM(costed), 0) AS DOUBLE) / 1000000.0 AS total_cost_meur,
       COUNT(costed) AS costed_projects,
       AVG(duration_years) AS mean_duration_years,
       AVG(calendar_rate) AS mean_calendar_drift,
       AVG(budget_rate) AS mean_budget_drift,
       CASE WHEN SUM(calendar_ref) > 0 THEN
           (CAST(SUM(calendar_cur) AS DOUBLE) - CAST(SUM(calendar_ref) AS DOUBLE))
               / CAST(SUM(calendar_ref) AS DOUBLE)
       END AS weighted_calendar_drift,
       CASE WHEN SUM(budget_ref) > 0 THEN
           (CAST(SUM(budget_cur) AS DOUBLE) - CAST(SUM(budget_ref) AS DOUBLE))
               / CAST(SUM(budget_ref) AS DOUBLE)
       END AS weighted_budget_drift,
       COUNT(calendar_rate) AS calendar_drift_projects,
       COUNT(budget_rate) AS budget_drift_projects
FROM scoped
GROUP BY as_of, ministry_code
ORDER BY as_of, ministry_code NULLS FIRST
"""


def load(con, csv_dir):
    """Loads the CSV files into in-memory tables of the same names."""
    for table, columns in TABLES.items():
        path = os.path.join(csv_dir, f"{table}.csv")
        if not os.path.exists(path):
            raise SystemExit(f"{path}: missing (run export_csv.sh DB_FILE {csv_dir})")
        types = ", ".join(f"'{name}': '{kind}'" for name, kind in columns.items())
        con.execute(
            f"CREATE OR REPLACE TABLE {table} AS "
            f"SELECT * FROM read_csv(?, header = true, columns = {{{types}}})",
            [path],
        )


def check_dates(dates):
    for d in dates:
        datetime.date.fromisoformat(d)  # raises on anything but YYYY-MM-DD
    return list(dates)


def run(csv_dir, dates, timings=None):
    """The rows for `dates`, as tuples in the order of COLUMNS."""
    dates = check_dates(dates)
    con = duckdb.connect()
    try:
        t0 = time.perf_counter()
        load(con, csv_dir)
        t1 = time.perf_counter()
        rows = con.execute(QUERY, {"dates": dates}).fetchall()
        t2 = time.perf_counter()
    finally:
        con.close()
    if timings is not None:
        timings["load_seconds"] = t1 - t0
        timings["query_seconds"] = t2 - t1
    return [tuple(r) for r in rows]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("csv_dir", help="directory written by export_csv.sh")
    ap.add_argument("dates", nargs="+", metavar="DATE", help="YYYY-MM-DD")
    ap.add_argument("--json", action="store_true", help="print a JSON list of objects")
    ap.add_argument("--timing", action="store_true", help="print load and query times on stderr")
    args = ap.parse_args()
    timings = {}
    rows = run(args.csv_dir, args.dates, timings)
    if args.json:
        json.dump([dict(zip(COLUMNS, r)) for r in rows], sys.stdout, indent=1)
        print()
    else:
        print("\t".join(COLUMNS))
        for r in rows:
            print("\t".join("" if v is None else repr(v) if isinstance(v, float) else str(v) for v in r))
    if args.timing:
        print(
            f"duckdb {duckdb.__version__}: load {timings['load_seconds']:.3f} s, "
            f"query {timings['query_seconds']:.3f} s, {len(rows)} rows",
            file=sys.stderr,
        )


if __name__ == "__main__":
    main()
