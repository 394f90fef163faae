-- Digital talent, the rest of an HR return (headcount by status, exits by
-- reason, time to fill, external spend) and the salary reference grid for
-- contract digital staff, versioned (CTR §B.2).
-- Keep in step with ../postgres/0010_talent_details.sql (a test compares the two schemas).

ALTER TABLE hr_returns ADD COLUMN contract_start BIGINT;
ALTER TABLE hr_returns ADD COLUMN contract_end BIGINT;
ALTER TABLE hr_returns ADD COLUMN exits_retirement BIGINT;
ALTER TABLE hr_returns ADD COLUMN exits_resignation BIGINT;
ALTER TABLE hr_returns ADD COLUMN exits_end_of_contract BIGINT;
ALTER TABLE hr_returns ADD COLUMN exits_mobility BIGINT;
ALTER TABLE hr_returns ADD COLUMN median_days_to_fill BIGINT;
-- Whole euros.
ALTER TABLE hr_returns ADD COLUMN external_spend BIGINT;

-- One row per version of the grid ("2021-12", "2024-01"), in force from a date.
CREATE TABLE salary_grids (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    valid_from DATE NOT NULL,
    variable_max REAL,
    -- Where the amounts come from (the text of reference, or "demo").
    source TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL
);

-- Annual gross amounts in whole euros: the threshold (2021) or the top of
-- the range (2024) in high; the bottom of the range in low (2024 only).
CREATE TABLE salary_grid_cells (
    id INTEGER PRIMARY KEY,
    grid_id BIGINT NOT NULL REFERENCES salary_grids (id),
    position BIGINT NOT NULL,
    job TEXT NOT NULL,
    band TEXT NOT NULL,
    low BIGINT,
    high BIGINT NOT NULL,
    UNIQUE (grid_id, job, band)
);
