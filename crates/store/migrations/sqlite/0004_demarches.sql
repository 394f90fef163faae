-- Online services (démarches): the tracked procedures, quarterly editions of
-- the observatory, and the raw value of every indicator in each edition.
-- Keep in step with ../postgres/0004_demarches.sql (a test compares the two schemas).

CREATE TABLE demarches (
    id INTEGER PRIMARY KEY,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    administration TEXT NOT NULL,
    name TEXT NOT NULL,
    audiences TEXT NOT NULL,
    url TEXT NOT NULL,
    annual_volume BIGINT,
    online_volume BIGINT,
    online_since DATE,
    archived_at DATETIME,
    version BIGINT NOT NULL DEFAULT 1,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL,
    UNIQUE (organisation_id, name)
);

CREATE TABLE demarche_editions (
    id INTEGER PRIMARY KEY,
    edition_date DATE NOT NULL UNIQUE,
    method TEXT NOT NULL,
    source TEXT NOT NULL,
    created_at DATETIME NOT NULL
);

-- The value as published ("Oui", "8,2", "n/a", "À venir"…): levels and goals
-- are derived from it by the edition's method, never stored.
CREATE TABLE demarche_values (
    edition_id BIGINT NOT NULL REFERENCES demarche_editions (id),
    demarche_id BIGINT NOT NULL REFERENCES demarches (id),
    slug TEXT NOT NULL,
    raw TEXT NOT NULL,
    PRIMARY KEY (edition_id, demarche_id, slug)
);
CREATE INDEX demarche_values_demarche ON demarche_values (demarche_id);
