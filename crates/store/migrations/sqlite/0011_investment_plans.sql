-- Reuse: ministries' investment plans, per year, in revisions (draft →
-- submitted → reviewed). A line keeps its key across revisions; amounts are
-- whole euros per year (AE and CP); the DINUM comments per line.
-- Keep in step with ../postgres/0011_investment_plans.sql (a test compares the two schemas).

CREATE TABLE investment_plans (
    id INTEGER PRIMARY KEY,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    year BIGINT NOT NULL,
    revision BIGINT NOT NULL,
    status TEXT NOT NULL,
    submitted_on DATE,
    reviewed_on DATE,
    version BIGINT NOT NULL DEFAULT 1,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL,
    UNIQUE (organisation_id, year, revision)
);

CREATE TABLE plan_lines (
    id INTEGER PRIMARY KEY,
    plan_id BIGINT NOT NULL REFERENCES investment_plans (id),
    position BIGINT NOT NULL,
    line_key TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    functional_zone TEXT NOT NULL,
    project_id BIGINT REFERENCES projects (id),
    cloud_application_id BIGINT REFERENCES cloud_applications (id),
    expected_start DATE,
    version BIGINT NOT NULL DEFAULT 1,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL,
    UNIQUE (plan_id, line_key)
);

CREATE TABLE plan_line_amounts (
    id INTEGER PRIMARY KEY,
    line_id BIGINT NOT NULL REFERENCES plan_lines (id),
    year BIGINT NOT NULL,
    ae BIGINT NOT NULL,
    cp BIGINT NOT NULL,
    UNIQUE (line_id, year)
);

CREATE TABLE plan_comments (
    id INTEGER PRIMARY KEY,
    line_id BIGINT NOT NULL REFERENCES plan_lines (id),
    author_id BIGINT REFERENCES users (id),
    author_label TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at DATETIME NOT NULL
);
