#!/usr/bin/env bash
# Runs portfolio_sqlite.sql with the sqlite3 CLI on DB_FILE for the given
# dates (default: the 20 dates of bench_dates.sql). Prints '|'-separated rows
# with a header.
#   scripts/bench-lib/run_sqlite.sh DB_FILE [YYYY-MM-DD ...]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [[ $# -lt 1 ]]; then
    echo "usage: $0 DB_FILE [YYYY-MM-DD ...]" >&2
    exit 2
fi
db="$1"
shift
[[ -f "$db" ]] || { echo "$db: no such file" >&2; exit 2; }
{
    if [[ $# -eq 0 ]]; then
        cat "$here/bench_dates.sql"
    else
        echo "CREATE TEMP TABLE bench_dates (as_of TEXT PRIMARY KEY);"
        for d in "$@"; do
            [[ "$d" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}$ ]] || { echo "bad date: $d" >&2; exit 2; }
            echo "INSERT INTO bench_dates (as_of) VALUES ('$d');"
        done
    fi
    cat "$here/portfolio_sqlite.sql"
} | sqlite3 -readonly -header "$db"
