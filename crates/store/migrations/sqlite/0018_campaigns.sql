-- Collection campaigns (issue #13): what the DINUM asks every ministry for,
-- one expected item per object (project, démarche) with its values as the
-- ministry entered them (JSON text, field → text), the ministry's
-- attestations, the events to notify (each sent once, keyed), the in-app
-- notifications and the e-mail digests as sent.
-- Keep in step with ../postgres/0018_campaigns.sql (a test compares the two schemas).

CREATE TABLE campaigns (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('project_review', 'demarche_indicators', 'hr_return')),
    reference_date DATE NOT NULL,
    opens_on DATE NOT NULL,
    deadline DATE NOT NULL,
    reminder_days TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    created_by TEXT NOT NULL,
    closed_at DATETIME,
    closed_by TEXT,
    version BIGINT NOT NULL DEFAULT 1,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL
);

CREATE TABLE campaign_items (
    id INTEGER PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id),
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    object_id BIGINT NOT NULL,
    label TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('not_started', 'draft', 'submitted', 'returned', 'accepted')),
    previous_values TEXT NOT NULL,
    entered_values TEXT,
    flags TEXT NOT NULL DEFAULT '[]',
    received_at DATETIME,
    received_by TEXT,
    submitted_at DATETIME,
    submitted_by TEXT,
    reviewed_at DATETIME,
    reviewed_by TEXT,
    review_comment TEXT NOT NULL DEFAULT '',
    version BIGINT NOT NULL DEFAULT 1,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL,
    UNIQUE (campaign_id, object_id)
);
CREATE INDEX campaign_items_by_org ON campaign_items (campaign_id, organisation_id);

CREATE TABLE campaign_attestations (
    id INTEGER PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id),
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    user_id BIGINT REFERENCES users (id),
    person_name TEXT NOT NULL,
    person_role TEXT NOT NULL,
    statement TEXT NOT NULL,
    items BIGINT NOT NULL,
    attested_at DATETIME NOT NULL
);

CREATE TABLE campaign_events (
    id INTEGER PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id),
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    audience TEXT NOT NULL CHECK (audience IN ('ministry', 'steering')),
    event_key TEXT NOT NULL,
    text TEXT NOT NULL,
    link TEXT NOT NULL,
    created_at DATETIME NOT NULL,
    UNIQUE (campaign_id, organisation_id, event_key)
);

CREATE TABLE notifications (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    event_id BIGINT NOT NULL REFERENCES campaign_events (id),
    created_at DATETIME NOT NULL,
    read_at DATETIME,
    mailed_at DATETIME,
    UNIQUE (user_id, event_id)
);
CREATE INDEX notifications_unmailed ON notifications (mailed_at, user_id);

CREATE TABLE mail_digests (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    notifications BIGINT NOT NULL,
    outcome TEXT NOT NULL,
    created_at DATETIME NOT NULL
);
