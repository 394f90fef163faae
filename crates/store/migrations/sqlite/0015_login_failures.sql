-- Failed sign-in attempts per e-mail address as typed (normalised), known
-- or not, for the lockout after repeated failures.
CREATE TABLE login_failures (
    email TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    window_start DATETIME NOT NULL,
    locked_until DATETIME
);
