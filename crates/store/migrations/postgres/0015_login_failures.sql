-- Failed sign-in attempts per e-mail address as typed (normalised), known
-- or not, for the lockout after repeated failures.
CREATE TABLE login_failures (
    email TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    window_start TIMESTAMPTZ NOT NULL,
    locked_until TIMESTAMPTZ
);
