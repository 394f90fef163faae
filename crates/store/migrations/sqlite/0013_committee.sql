-- The committee (issue #9): the COSINUM, its members, its sessions with
-- attendance and agenda, the briefing sheets frozen as of each meeting, the
-- decisions and their follow-up notes, and the versions of each session's
-- record of decisions. Links to other modules' objects are stored as JSON
-- lists of {kind, id, label}; decision_objects indexes them so an object's
-- page finds its decisions. Frozen sheets and published records never
-- change: triggers refuse it, whatever the code path.
-- Keep in step with ../postgres/0013_committee.sql (a test compares the two schemas).

CREATE TABLE committees (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    chair_title TEXT NOT NULL,
    chair_user_id BIGINT REFERENCES users (id),
    version BIGINT NOT NULL DEFAULT 1,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL
);

CREATE TABLE committee_members (
    id INTEGER PRIMARY KEY,
    committee_id BIGINT NOT NULL REFERENCES committees (id),
    position BIGINT NOT NULL,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    organisation TEXT NOT NULL
);

CREATE TABLE committee_sessions (
    id INTEGER PRIMARY KEY,
    committee_id BIGINT NOT NULL REFERENCES committees (id),
    title TEXT NOT NULL,
    held_on DATE NOT NULL,
    cut_off DATE NOT NULL,
    format TEXT NOT NULL,
    place TEXT,
    version BIGINT NOT NULL DEFAULT 1,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL
);

CREATE INDEX committee_sessions_held_on ON committee_sessions (held_on);

CREATE TABLE session_attendees (
    id INTEGER PRIMARY KEY,
    session_id BIGINT NOT NULL REFERENCES committee_sessions (id),
    position BIGINT NOT NULL,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    organisation TEXT NOT NULL,
    present BOOLEAN
);

CREATE TABLE agenda_points (
    id INTEGER PRIMARY KEY,
    session_id BIGINT NOT NULL REFERENCES committee_sessions (id),
    -- NULL while the point waits in the session's backlog.
    position BIGINT,
    title TEXT NOT NULL,
    topic TEXT NOT NULL,
    presenter TEXT NOT NULL,
    duration_minutes BIGINT NOT NULL,
    objects TEXT NOT NULL,
    rule TEXT,
    reasons TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL
);

CREATE INDEX agenda_points_session ON agenda_points (session_id);

CREATE TABLE briefing_sheets (
    id INTEGER PRIMARY KEY,
    point_id BIGINT NOT NULL UNIQUE REFERENCES agenda_points (id),
    session_id BIGINT NOT NULL REFERENCES committee_sessions (id),
    topic TEXT NOT NULL,
    as_of DATE NOT NULL,
    content TEXT NOT NULL,
    digest TEXT NOT NULL,
    methods TEXT NOT NULL,
    frozen_by TEXT NOT NULL,
    frozen_at DATETIME NOT NULL
);

CREATE TRIGGER briefing_sheets_immutable BEFORE UPDATE ON briefing_sheets
BEGIN
    SELECT RAISE(ABORT, 'a frozen briefing sheet never changes');
END;

CREATE TRIGGER briefing_sheets_kept BEFORE DELETE ON briefing_sheets
BEGIN
    SELECT RAISE(ABORT, 'a frozen briefing sheet is never deleted');
END;

CREATE TABLE decisions (
    id INTEGER PRIMARY KEY,
    session_id BIGINT NOT NULL REFERENCES committee_sessions (id),
    point_id BIGINT NOT NULL REFERENCES agenda_points (id),
    rank BIGINT NOT NULL,
    text TEXT NOT NULL,
    owner_id BIGINT NOT NULL REFERENCES organisations (id),
    due_on DATE NOT NULL,
    frequency TEXT NOT NULL,
    objects TEXT NOT NULL,
    status TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL
);

CREATE INDEX decisions_session ON decisions (session_id);

CREATE TABLE decision_objects (
    decision_id BIGINT NOT NULL REFERENCES decisions (id),
    kind TEXT NOT NULL,
    object_id BIGINT NOT NULL,
    PRIMARY KEY (decision_id, kind, object_id)
);

CREATE INDEX decision_objects_object ON decision_objects (kind, object_id);

CREATE TABLE decision_notes (
    id INTEGER PRIMARY KEY,
    decision_id BIGINT NOT NULL REFERENCES decisions (id),
    noted_on DATE NOT NULL,
    text TEXT NOT NULL,
    status TEXT NOT NULL,
    author_id BIGINT REFERENCES users (id),
    author_label TEXT NOT NULL,
    created_at DATETIME NOT NULL
);

CREATE INDEX decision_notes_decision ON decision_notes (decision_id);

CREATE TABLE session_records (
    id INTEGER PRIMARY KEY,
    session_id BIGINT NOT NULL REFERENCES committee_sessions (id),
    number BIGINT NOT NULL,
    status TEXT NOT NULL,
    preamble TEXT NOT NULL,
    -- The record as validated (JSON), frozen from validation on.
    content TEXT,
    validated_by TEXT,
    validated_at DATETIME,
    published_at DATETIME,
    version BIGINT NOT NULL DEFAULT 1,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL,
    UNIQUE (session_id, number)
);

CREATE TRIGGER session_records_published BEFORE UPDATE ON session_records
WHEN OLD.status = 'published'
BEGIN
    SELECT RAISE(ABORT, 'a published record never changes');
END;

CREATE TRIGGER session_records_kept BEFORE DELETE ON session_records
WHEN OLD.status = 'published'
BEGIN
    SELECT RAISE(ABORT, 'a published record is never deleted');
END;

-- The committee itself exists from the start; its chair account and
-- members are set by an administrator (or the demo).
INSERT INTO committees (code, name, chair_title, chair_user_id, version, created_at, updated_at)
VALUES ('COSINUM', 'COSINUM', 'Secrétaire générale du Gouvernement', NULL, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP);
