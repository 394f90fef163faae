-- Funding: funds and their windows ("guichets"), applications ("dossiers")
-- with their decisions and workload, credit movements (AE engaged, CP paid),
-- and each ministry's delivery capacity per semester. Amounts in whole euros.
-- Keep in step with ../postgres/0006_funding.sql (a test compares the two schemas).

CREATE TABLE funds (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    -- LOLF programme carrying the credits ("363", "349").
    programme TEXT NOT NULL,
    -- Envelope of autorisations d'engagement, euros.
    envelope BIGINT NOT NULL,
    start_date DATE NOT NULL,
    end_date DATE NOT NULL,
    rules TEXT NOT NULL,
    decision_target_days BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL
);

CREATE TABLE funding_windows (
    id INTEGER PRIMARY KEY,
    fund_id BIGINT NOT NULL REFERENCES funds (id),
    code TEXT NOT NULL UNIQUE,
    theme TEXT NOT NULL,
    -- Maximum co-funding rate, 0..1.
    max_rate REAL NOT NULL,
    min_size BIGINT,
    max_size BIGINT,
    opens DATE NOT NULL,
    closes DATE NOT NULL,
    delivery_months BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL
);

CREATE TABLE funding_applications (
    id INTEGER PRIMARY KEY,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    window_id BIGINT NOT NULL REFERENCES funding_windows (id),
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    total_cost BIGINT NOT NULL,
    requested BIGINT NOT NULL,
    project_id BIGINT REFERENCES projects (id),
    planned_start DATE NOT NULL,
    planned_end DATE NOT NULL,
    submitted_on DATE NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('submitted', 'under_review', 'granted', 'rejected', 'withdrawn')),
    reviewed_on DATE,
    -- Date of the decision, or of the withdrawal.
    decided_on DATE,
    granted BIGINT,
    motive TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL,
    UNIQUE (window_id, organisation_id, title)
);
CREATE INDEX funding_applications_org ON funding_applications (organisation_id);

-- Internal workload to deliver an application, person-months per semester ("2022S2").
CREATE TABLE funding_workloads (
    application_id BIGINT NOT NULL REFERENCES funding_applications (id),
    semester TEXT NOT NULL,
    person_months REAL NOT NULL,
    PRIMARY KEY (application_id, semester)
);

-- Append-only: a correction is a new movement (negative amount) with its own reference.
CREATE TABLE credit_movements (
    id INTEGER PRIMARY KEY,
    application_id BIGINT NOT NULL REFERENCES funding_applications (id),
    kind TEXT NOT NULL CHECK (kind IN ('commitment', 'payment')),
    movement_date DATE NOT NULL,
    amount BIGINT NOT NULL,
    reference TEXT NOT NULL,
    created_at DATETIME NOT NULL,
    UNIQUE (application_id, kind, reference)
);
CREATE INDEX credit_movements_application ON credit_movements (application_id);

CREATE TABLE delivery_capacities (
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    semester TEXT NOT NULL,
    capacity REAL NOT NULL,
    committed REAL NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    updated_at DATETIME NOT NULL,
    PRIMARY KEY (organisation_id, semester)
);
