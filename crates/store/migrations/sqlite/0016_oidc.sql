-- Sign-in through an OpenID Connect provider (ProConnect).

-- A sign-in started at the provider: the state and nonce we sent, kept
-- server-side under a digest of the browser's pre-session cookie, used once.
CREATE TABLE oidc_flows (
    id_hash TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    nonce TEXT NOT NULL,
    next_path TEXT NOT NULL,
    created_at DATETIME NOT NULL,
    expires_at DATETIME NOT NULL
);

-- The provider's account (issuer, subject) behind a cosinum user.
CREATE TABLE user_identities (
    issuer TEXT NOT NULL,
    subject TEXT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users (id),
    created_at DATETIME NOT NULL,
    PRIMARY KEY (issuer, subject)
);
CREATE INDEX user_identities_user ON user_identities (user_id);

-- Agents the provider vouched for but whom cosinum does not know yet: an
-- administrator approves (creating the account) or rejects them.
CREATE TABLE access_requests (
    id INTEGER PRIMARY KEY,
    issuer TEXT NOT NULL,
    subject TEXT NOT NULL,
    email TEXT NOT NULL,
    display_name TEXT NOT NULL,
    siret TEXT,
    organisation_id BIGINT REFERENCES organisations (id),
    status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    requested_at DATETIME NOT NULL,
    decided_at DATETIME,
    user_id BIGINT REFERENCES users (id),
    version BIGINT NOT NULL DEFAULT 1,
    UNIQUE (issuer, subject)
);

-- The provider's id_token of a session, for RP-initiated logout (id_token_hint).
ALTER TABLE sessions ADD COLUMN id_token TEXT;
