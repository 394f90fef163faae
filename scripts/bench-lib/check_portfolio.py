#!/usr/bin/env python3
"""Checks portfolio_sqlite.sql and portfolio_duckdb.py against cosinum itself.

    scripts/bench-lib/check_portfolio.py DB_FILE COSINUM_BIN DATE... \\
        [--duckdb-python /tmp/benchvenv/bin/python | --no-duckdb] [--verbose]

For every DATE, compares every figure of the whole portfolio and of every
`by_ministry` group printed by
`COSINUM_DATABASE_URL=sqlite://DB_FILE COSINUM_BIN portfolio --as-of DATE --json`
(default method) with the rows of the SQLite query (run through Python's
sqlite3 module) and of the DuckDB statement (on a CSV export made with
export_csv.sh in a temporary directory). Counts must be equal; real numbers
within 1e-9 relative (with a 1e-12 absolute floor, for figures that are zero or
nearly so: a mean of drifts summed in another order can cancel to ~1e-17
instead of 0). A group present on one side only is a mismatch. Prints every
mismatch and exits with 1 if there is any (2 on errors).

DuckDB: imported in this interpreter when it can be, otherwise run through
--duckdb-python (e.g. the venv's python). Plain standard library otherwise.
"""

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))

FIGURES = [
    "projects",
    "interministerial",
    "total_cost_meur",
    "costed_projects",
    "mean_duration_years",
    "mean_calendar_drift",
    "mean_budget_drift",
    "weighted_calendar_drift",
    "weighted_budget_drift",
    "calendar_drift_projects",
    "budget_drift_projects",
]
COLUMNS = ["as_of", "ministry_code"] + FIGURES
COUNTS = {
    "projects",
    "interministerial",
    "costed_projects",
    "calendar_drift_projects",
    "budget_drift_projects",
}
REL_TOL = 1e-9
ABS_FLOOR = 1e-12


def die(message):
    """Stops on a usage or run error: exit 2, so that 1 always means mismatches."""
    print(message, file=sys.stderr)
    sys.exit(2)


def sqlite_rows(db_file, dates):
    """(as_of, ministry_code) → {figure: value}, from portfolio_sqlite.sql."""
    with open(os.path.join(HERE, "portfolio_sqlite.sql"), encoding="utf-8") as f:
        query = f.read()
    con = sqlite3.connect(f"file:{db_file}?mode=ro", uri=True)
    try:
        con.execute("CREATE TEMP TABLE bench_dates (as_of TEXT PRIMARY KEY)")
        con.executemany("INSERT INTO bench_dates (as_of) VALUES (?)", [(d,) for d in dates])
        t0 = time.perf_counter()
        rows = con.execute(query).fetchall()
        elapsed = time.perf_counter() - t0
    finally:
        con.close()
    return index(rows), elapsed


def duckdb_rows(db_file, dates, python):
    """Same, from portfolio_duckdb.py over a fresh CSV export."""
    with tempfile.TemporaryDirectory(prefix="portfolio-csv-") as csv_dir:
        subprocess.run([os.path.join(HERE, "export_csv.sh"), db_file, csv_dir], check=True)
        t0 = time.perf_counter()
        if python is None:
            sys.dont_write_bytecode = True  # no __pycache__ in the source tree
            sys.path.insert(0, HERE)
            import portfolio_duckdb  # noqa: E402 (optional dependency)

            rows = portfolio_duckdb.run(csv_dir, dates)
        else:
            out = subprocess.run(
                [python, os.path.join(HERE, "portfolio_duckdb.py"), csv_dir, *dates, "--json"],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            rows = [tuple(o[c] for c in COLUMNS) for o in json.loads(out)]
        elapsed = time.perf_counter() - t0
    return index(rows), elapsed


def index(rows):
    out = {}
    for r in rows:
        key = (str(r[0]), r[1])
        if key in out:
            die(f"duplicate row for {key}")
        out[key] = dict(zip(FIGURES, r[2:]))
    return out


def cosinum_rows(db_file, bin_path, dates):
    """The same keys and figures, from `cosinum portfolio --json`."""
    env = dict(os.environ, COSINUM_DATABASE_URL=f"sqlite://{db_file}", RUST_LOG="warn")
    out = {}
    t0 = time.perf_counter()
    for d in dates:
        res = subprocess.run(
            [bin_path, "portfolio", "--as-of", d, "--json"],
            env=env,
            capture_output=True,
            text=True,
        )
        if res.returncode != 0:
            die(f"cosinum portfolio --as-of {d} failed:\n{res.stderr}")
        report = json.loads(res.stdout)
        if report.get("method") != "dinum-2017":
            die(f"cosinum's default method is now {report.get('method')!r}")
        out[(d, None)] = {f: report[f] for f in FIGURES}
        for g in report["by_ministry"]:
            out[(d, g["key"])] = {f: g[f] for f in FIGURES}
    return out, time.perf_counter() - t0


def same(figure, expected, got):
    if expected is None or got is None:
        return expected is None and got is None
    if figure in COUNTS:
        return int(expected) == int(got) and float(got) == int(got)
    e, g = float(expected), float(got)
    return abs(e - g) <= max(REL_TOL * max(abs(e), abs(g)), ABS_FLOOR)


def compare(name, expected, got):
    """Mismatch lines between cosinum's figures and one engine's."""
    lines = []
    label = lambda k: f"{k[0]} {k[1] or '(portfolio)'}"  # noqa: E731
    for k in sorted(expected.keys() - got.keys(), key=sort_key):
        lines.append(f"[{name}] {label(k)}: group missing (cosinum has {expected[k]['projects']} projects)")
    for k in sorted(got.keys() - expected.keys(), key=sort_key):
        lines.append(f"[{name}] {label(k)}: extra group ({got[k]['projects']} projects)")
    for k in sorted(expected.keys() & got.keys(), key=sort_key):
        for f in FIGURES:
            if not same(f, expected[k][f], got[k][f]):
                lines.append(f"[{name}] {label(k)} {f}: cosinum {expected[k][f]!r}, {name} {got[k][f]!r}")
    return lines


def sort_key(k):
    return (k[0], k[1] or "")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("db_file")
    ap.add_argument("cosinum_bin")
    ap.add_argument("dates", nargs="+", metavar="DATE")
    ap.add_argument("--duckdb-python", help="python with the duckdb package, if this one lacks it")
    ap.add_argument("--no-duckdb", action="store_true", help="check the SQLite query only")
    ap.add_argument("--verbose", action="store_true", help="print the timings")
    args = ap.parse_args()
    db_file = os.path.abspath(args.db_file)
    if not os.path.isfile(db_file):
        die(f"{db_file}: no such file")
    dates = sorted(set(args.dates))

    expected, t_cosinum = cosinum_rows(db_file, args.cosinum_bin, dates)
    engines = {}
    got, t = sqlite_rows(db_file, dates)
    engines["sqlite"] = (got, t)
    if not args.no_duckdb:
        python = args.duckdb_python
        if python is None:
            try:
                import duckdb  # noqa: F401
            except ImportError:
                die(
                    "duckdb is not importable here: give --duckdb-python /tmp/benchvenv/bin/python, "
                    "or --no-duckdb"
                )
        got, t = duckdb_rows(db_file, dates, python)
        engines["duckdb"] = (got, t)

    mismatches = []
    for name, (got, _) in engines.items():
        mismatches += compare(name, expected, got)
    for line in mismatches:
        print(line)
    groups = len(expected)
    print(
        f"{os.path.basename(db_file)}: {len(dates)} dates, {groups} rows "
        f"({groups - len(dates)} ministry groups) × {len(FIGURES)} figures, "
        f"engines {', '.join(engines)}: {len(mismatches)} mismatch(es)"
    )
    if args.verbose:
        print(f"  cosinum ({len(dates)} processes) {t_cosinum:.3f} s", end="")
        for name, (_, t) in engines.items():
            print(f", {name} {t:.3f} s", end="")
        print(" (duckdb: load + query, after the CSV export)" if "duckdb" in engines else "")
    sys.exit(1 if mismatches else 0)


if __name__ == "__main__":
    main()
