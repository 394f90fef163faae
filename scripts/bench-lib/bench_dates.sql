-- The 20 dates of the issue #11 benchmark (half-year ends and odd days,
-- 2017-01-01 … 2026-11-01), for portfolio_sqlite.sql. Run on the same
-- connection, before it: sqlite3 DB_FILE < bench_dates.sql < … or
--   cat bench_dates.sql portfolio_sqlite.sql | sqlite3 -header DB_FILE
-- (run_sqlite.sh builds the same table from dates given on its command line).
CREATE TEMP TABLE bench_dates (as_of TEXT PRIMARY KEY);
INSERT INTO bench_dates (as_of) VALUES
    ('2017-01-01'), ('2017-06-30'), ('2017-12-31'), ('2018-03-17'),
    ('2018-06-30'), ('2018-12-31'), ('2019-06-30'), ('2019-09-05'),
    ('2019-12-31'), ('2020-06-30'), ('2020-11-11'), ('2021-06-30'),
    ('2021-12-31'), ('2022-06-30'), ('2023-02-28'), ('2023-12-31'),
    ('2024-06-30'), ('2024-12-31'), ('2025-07-14'), ('2026-11-01');
