-- Digital talent: HR returns per organisation, site (job-market region) and
-- period ("2024" or "2024S1"). One return per (organisation, region, period).
-- Keep in step with ../postgres/0009_talent.sql (a test compares the two schemas).

CREATE TABLE hr_returns (
    id INTEGER PRIMARY KEY,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    region TEXT NOT NULL,
    period TEXT NOT NULL,
    headcount_start BIGINT NOT NULL,
    headcount_end BIGINT NOT NULL,
    entries BIGINT NOT NULL,
    exits BIGINT NOT NULL,
    positions_opened BIGINT NOT NULL,
    vacant_end BIGINT NOT NULL,
    external_fte REAL,
    version BIGINT NOT NULL DEFAULT 1,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL,
    UNIQUE (organisation_id, region, period)
);
