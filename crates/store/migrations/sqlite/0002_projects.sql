-- Major projects: projects, their baselines ledger, periodic reviews (with
-- milestones and risks), Panorama editions, avis conforme with their
-- assessments and recommendations.
-- Keep in step with ../postgres/0002_projects.sql (a test compares the two schemas).

CREATE TABLE projects (
    id INTEGER PRIMARY KEY,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    functional_zone TEXT NOT NULL,
    interministerial BOOLEAN NOT NULL,
    funding_programmes TEXT NOT NULL,
    links TEXT NOT NULL,
    phase TEXT NOT NULL,
    figures_withheld BOOLEAN NOT NULL,
    entered_on DATE NOT NULL,
    exited_on DATE,
    archived_at DATETIME,
    version BIGINT NOT NULL DEFAULT 1,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL,
    UNIQUE (organisation_id, name)
);
CREATE INDEX projects_organisation ON projects (organisation_id);

-- Append-only: a re-baseline adds a row, none is ever updated.
CREATE TABLE project_baselines (
    id INTEGER PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects (id),
    approved_on DATE NOT NULL,
    cost_eur BIGINT NOT NULL,
    start_on DATE NOT NULL,
    planned_end_on DATE NOT NULL,
    reason TEXT NOT NULL,
    approved_by TEXT NOT NULL,
    created_at DATETIME NOT NULL
);
CREATE INDEX project_baselines_project ON project_baselines (project_id, approved_on);

CREATE TABLE project_reviews (
    id INTEGER PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects (id),
    review_date DATE NOT NULL,
    source TEXT NOT NULL,
    cost_eur BIGINT,
    start_on DATE,
    forecast_end_on DATE,
    phase TEXT NOT NULL,
    figures_withheld BOOLEAN NOT NULL,
    ministry_rating TEXT,
    dinum_rating TEXT,
    narrative TEXT NOT NULL,
    archived_at DATETIME,
    version BIGINT NOT NULL DEFAULT 1,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL,
    UNIQUE (project_id, review_date, source)
);
CREATE INDEX project_reviews_date ON project_reviews (review_date);

CREATE TABLE review_milestones (
    id INTEGER PRIMARY KEY,
    review_id BIGINT NOT NULL REFERENCES project_reviews (id),
    position BIGINT NOT NULL,
    label TEXT NOT NULL,
    planned_on DATE NOT NULL,
    actual_on DATE
);
CREATE INDEX review_milestones_review ON review_milestones (review_id);

CREATE TABLE review_risks (
    id INTEGER PRIMARY KEY,
    review_id BIGINT NOT NULL REFERENCES project_reviews (id),
    position BIGINT NOT NULL,
    label TEXT NOT NULL,
    level TEXT NOT NULL
);
CREATE INDEX review_risks_review ON review_risks (review_id);

-- A published edition of the portfolio (an imported Panorama file or a
-- portfolio frozen by the DINUM): the complete list of projects at its date.
CREATE TABLE portfolio_editions (
    id INTEGER PRIMARY KEY,
    as_of DATE NOT NULL UNIQUE,
    source TEXT NOT NULL,
    created_at DATETIME NOT NULL
);

CREATE TABLE edition_projects (
    edition_id BIGINT NOT NULL REFERENCES portfolio_editions (id),
    project_id BIGINT NOT NULL REFERENCES projects (id),
    PRIMARY KEY (edition_id, project_id)
);

CREATE TABLE avis (
    id INTEGER PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects (id),
    kind TEXT NOT NULL CHECK (kind IN ('conforme', 'simple')),
    received_on DATE NOT NULL,
    transmitted_on DATE,
    issued_on DATE,
    verdict TEXT,
    summary TEXT NOT NULL,
    archived_at DATETIME,
    version BIGINT NOT NULL DEFAULT 1,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL
);
CREATE INDEX avis_project ON avis (project_id);

CREATE TABLE avis_info_requests (
    id INTEGER PRIMARY KEY,
    avis_id BIGINT NOT NULL REFERENCES avis (id),
    sent_on DATE NOT NULL,
    answered_on DATE
);

CREATE TABLE avis_assessments (
    avis_id BIGINT NOT NULL REFERENCES avis (id),
    axis TEXT NOT NULL,
    rating TEXT NOT NULL,
    comment TEXT NOT NULL,
    PRIMARY KEY (avis_id, axis)
);

CREATE TABLE avis_recommendations (
    id INTEGER PRIMARY KEY,
    avis_id BIGINT NOT NULL REFERENCES avis (id),
    axis TEXT NOT NULL,
    text TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'in_progress', 'closed')),
    closed_on DATE,
    follow_up TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL
);
CREATE INDEX avis_recommendations_avis ON avis_recommendations (avis_id);
