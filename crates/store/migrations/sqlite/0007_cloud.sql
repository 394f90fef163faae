-- Cloud hosting: the offers catalogue, the application inventory, dated
-- sensitivity assessments, hosting per environment over time (a record dated
-- in the future is a planned migration), and derogations.
-- Keep in step with ../postgres/0007_cloud.sql (a test compares the two schemas).

CREATE TABLE cloud_offers (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    provider TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('internal_cloud', 'commercial', 'on_premise')),
    service_model TEXT NOT NULL,
    -- SecNumCloud qualification: référentiel version and validity.
    snc_version TEXT,
    snc_from DATE,
    snc_to DATE,
    immune BOOLEAN NOT NULL,
    accepts_sensitive BOOLEAN NOT NULL,
    max_classification TEXT NOT NULL CHECK (max_classification IN ('none', 'diffusion_restreinte')),
    version BIGINT NOT NULL DEFAULT 1,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL
);

CREATE TABLE cloud_applications (
    id INTEGER PRIMARY KEY,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('planned', 'in_production', 'being_migrated', 'retired')),
    users BIGINT,
    project_id BIGINT REFERENCES projects (id),
    full_cost BIGINT,
    new_or_major BOOLEAN NOT NULL,
    need_availability BIGINT NOT NULL,
    need_integrity BIGINT NOT NULL,
    need_confidentiality BIGINT NOT NULL,
    need_traceability BIGINT NOT NULL,
    classification TEXT NOT NULL CHECK (classification IN ('none', 'diffusion_restreinte')),
    version BIGINT NOT NULL DEFAULT 1,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL,
    UNIQUE (organisation_id, name)
);

-- Append-only: a new assessment supersedes the previous one from its date.
CREATE TABLE cloud_assessments (
    id INTEGER PRIMARY KEY,
    application_id BIGINT NOT NULL REFERENCES cloud_applications (id),
    assessed_on DATE NOT NULL,
    assessed_by TEXT NOT NULL,
    doctrine TEXT NOT NULL CHECK (doctrine IN ('v2021', 'v2023')),
    -- The questionnaire's answers (JSON).
    answers TEXT NOT NULL,
    created_at DATETIME NOT NULL
);
CREATE INDEX cloud_assessments_application ON cloud_assessments (application_id);

CREATE TABLE cloud_hostings (
    id INTEGER PRIMARY KEY,
    application_id BIGINT NOT NULL REFERENCES cloud_applications (id),
    environment TEXT NOT NULL CHECK (environment IN ('production', 'pre_production', 'development', 'backup')),
    offer_id BIGINT NOT NULL REFERENCES cloud_offers (id),
    since DATE NOT NULL,
    created_at DATETIME NOT NULL,
    UNIQUE (application_id, environment, since)
);
CREATE INDEX cloud_hostings_application ON cloud_hostings (application_id);

CREATE TABLE cloud_derogations (
    id INTEGER PRIMARY KEY,
    application_id BIGINT NOT NULL REFERENCES cloud_applications (id),
    rule TEXT NOT NULL CHECK (rule IN ('R6', 'R9')),
    justification TEXT NOT NULL,
    comparative_study BOOLEAN NOT NULL,
    granted_by TEXT NOT NULL,
    pm_validated BOOLEAN NOT NULL,
    start_date DATE NOT NULL,
    end_date DATE,
    acceptable_offer_since DATE,
    created_at DATETIME NOT NULL
);
CREATE INDEX cloud_derogations_application ON cloud_derogations (application_id);
