-- Reuse: what a ministry (or the DINUM) made of a candidate the finder
-- proposed for one of its objects: reused, not relevant, or to discuss in
-- committee. One verdict per (object, candidate) pair; its changes are in
-- the audit history. Objects are referred to by kind and id, as in the
-- search index (project, application, funding_application, plan_line).
-- Keep in step with ../postgres/0012_reuse_feedback.sql (a test compares the two schemas).

CREATE TABLE reuse_feedback (
    id INTEGER PRIMARY KEY,
    source_kind TEXT NOT NULL,
    source_id BIGINT NOT NULL,
    candidate_kind TEXT NOT NULL,
    candidate_id BIGINT NOT NULL,
    verdict TEXT NOT NULL,
    note TEXT NOT NULL,
    author_id BIGINT REFERENCES users (id),
    author_label TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL,
    UNIQUE (source_kind, source_id, candidate_kind, candidate_id)
);

CREATE INDEX reuse_feedback_candidate ON reuse_feedback (candidate_kind, candidate_id);
