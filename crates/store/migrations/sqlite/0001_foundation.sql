-- Foundation: organisations, users, sessions, API tokens, audit history.
-- Keep in step with ../postgres/0001_foundation.sql (a test compares the two schemas).

CREATE TABLE organisations (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('ministry', 'direction', 'operator')),
    parent_id BIGINT REFERENCES organisations (id),
    valid_from DATE NOT NULL,
    valid_to DATE,
    archived_at DATETIME,
    version BIGINT NOT NULL DEFAULT 1,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL
);
CREATE INDEX organisations_parent ON organisations (parent_id);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT,
    role TEXT NOT NULL CHECK (role IN ('admin', 'steering', 'ministry_editor', 'ministry_reader')),
    organisation_id BIGINT REFERENCES organisations (id),
    disabled_at DATETIME,
    last_login_at DATETIME,
    version BIGINT NOT NULL DEFAULT 1,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL,
    CHECK (role NOT IN ('ministry_editor', 'ministry_reader') OR organisation_id IS NOT NULL)
);

CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    csrf_token TEXT NOT NULL,
    created_at DATETIME NOT NULL,
    expires_at DATETIME NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    prefix TEXT NOT NULL,
    read_only BOOLEAN NOT NULL,
    created_at DATETIME NOT NULL,
    expires_at DATETIME,
    last_used_at DATETIME,
    revoked_at DATETIME
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at DATETIME NOT NULL,
    actor_user_id BIGINT REFERENCES users (id),
    actor_label TEXT NOT NULL,
    via TEXT NOT NULL,
    request_id TEXT,
    object_type TEXT NOT NULL,
    object_id BIGINT NOT NULL,
    object_version BIGINT NOT NULL,
    action TEXT NOT NULL,
    changes TEXT NOT NULL
);
CREATE INDEX audit_log_object ON audit_log (object_type, object_id, id);
CREATE INDEX audit_log_actor ON audit_log (actor_user_id);
