#!/usr/bin/env bash
# Exports what the portfolio computation reads from a cosinum SQLite database
# to CSV files with a header line, one per table, for portfolio_duckdb.py:
#   scripts/bench-lib/export_csv.sh DB_FILE OUT_DIR
# Only the columns the computation uses are exported (the reviews' narratives
# would make up most of the bytes otherwise); rows are exported unfiltered, so
# that the archived ones are dropped by the query, as in SQLite.
set -euo pipefail
if [[ $# -ne 2 ]]; then
    echo "usage: $0 DB_FILE OUT_DIR" >&2
    exit 2
fi
db="$1"
out="$2"
[[ -f "$db" ]] || { echo "$db: no such file" >&2; exit 2; }
mkdir -p "$out"

export_query() { # NAME SQL
    sqlite3 -readonly -header -csv "$db" "$2" > "$out/$1.csv"
}

export_query organisations \
    "SELECT id, code FROM organisations ORDER BY id"
export_query projects \
    "SELECT id, organisation_id, interministerial, phase, figures_withheld,
            entered_on, exited_on, archived_at
     FROM projects ORDER BY id"
export_query project_baselines \
    "SELECT id, project_id, approved_on, cost_eur, start_on, planned_end_on
     FROM project_baselines ORDER BY id"
export_query project_reviews \
    "SELECT id, project_id, review_date, cost_eur, start_on, forecast_end_on,
            phase, figures_withheld, archived_at
     FROM project_reviews ORDER BY id"
export_query portfolio_editions \
    "SELECT id, as_of FROM portfolio_editions ORDER BY id"
export_query edition_projects \
    "SELECT edition_id, project_id FROM edition_projects ORDER BY edition_id, project_id"

# sqlite3 prints no header for an empty result: write it ourselves, so that
# every file declares its columns.
write_header_if_empty() { # NAME HEADER
    [[ -s "$out/$1.csv" ]] || echo "$2" > "$out/$1.csv"
}
write_header_if_empty organisations "id,code"
write_header_if_empty projects \
    "id,organisation_id,interministerial,phase,figures_withheld,entered_on,exited_on,archived_at"
write_header_if_empty project_baselines "id,project_id,approved_on,cost_eur,start_on,planned_end_on"
write_header_if_empty project_reviews \
    "id,project_id,review_date,cost_eur,start_on,forecast_end_on,phase,figures_withheld,archived_at"
write_header_if_empty portfolio_editions "id,as_of"
write_header_if_empty edition_projects "edition_id,project_id"
