-- Open-data publication: rules per dataset and field, versioned releases
-- with their files. Published releases and every file are immutable.

CREATE TABLE publication_rules (
    id INTEGER PRIMARY KEY,
    dataset TEXT NOT NULL UNIQUE,
    -- JSON object: rule key -> public | withheld | internal (overrides of the catalog's defaults).
    rules TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    updated_by TEXT NOT NULL,
    updated_at DATETIME NOT NULL
);

CREATE TABLE publication_releases (
    id INTEGER PRIMARY KEY,
    dataset TEXT NOT NULL,
    number BIGINT NOT NULL,
    status TEXT NOT NULL,
    as_of DATE NOT NULL,
    prepared_on DATE NOT NULL,
    methodology TEXT NOT NULL,
    -- Everything the files were built from (internal values included: never served).
    inputs TEXT NOT NULL,
    changelog TEXT NOT NULL,
    row_count BIGINT NOT NULL,
    -- SHA-256 of datapackage.json, which lists every other file's SHA-256.
    digest TEXT NOT NULL,
    prepared_by TEXT NOT NULL,
    prepared_at DATETIME NOT NULL,
    published_by TEXT,
    published_at DATETIME,
    -- Public from this day on (an embargo may run past the validation).
    public_from DATE,
    version BIGINT NOT NULL DEFAULT 1
);

CREATE UNIQUE INDEX publication_releases_number ON publication_releases (dataset, number)
    WHERE status <> 'discarded';
CREATE UNIQUE INDEX publication_releases_one_open ON publication_releases (dataset)
    WHERE status = 'embargoed';

CREATE TRIGGER publication_releases_published BEFORE UPDATE ON publication_releases
WHEN OLD.status <> 'embargoed'
BEGIN
    SELECT RAISE(ABORT, 'a published or discarded release never changes');
END;

CREATE TRIGGER publication_releases_kept BEFORE DELETE ON publication_releases
BEGIN
    SELECT RAISE(ABORT, 'a release is never deleted');
END;

CREATE TABLE publication_files (
    release_id BIGINT NOT NULL REFERENCES publication_releases (id),
    name TEXT NOT NULL,
    position BIGINT NOT NULL,
    media_type TEXT NOT NULL,
    content BLOB NOT NULL,
    sha256 TEXT NOT NULL,
    bytes BIGINT NOT NULL,
    PRIMARY KEY (release_id, name)
);

CREATE TRIGGER publication_files_immutable BEFORE UPDATE ON publication_files
BEGIN
    SELECT RAISE(ABORT, 'a release file never changes');
END;

CREATE TRIGGER publication_files_kept BEFORE DELETE ON publication_files
BEGIN
    SELECT RAISE(ABORT, 'a release file is never deleted');
END;
