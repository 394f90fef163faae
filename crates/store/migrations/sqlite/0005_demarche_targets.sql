-- Online services: the government's targets (shares of démarches at goal by
-- a deadline), national or for one ministry, editable by the DINUM. Seeded
-- with the targets of shared/reference/demarches.md §1.7 (the same list as
-- cosinum_domain::demarches::targets::default_targets, which a test checks).
-- Keep in step with ../postgres/0005_demarche_targets.sql.

CREATE TABLE demarche_targets (
    id INTEGER PRIMARY KEY,
    label TEXT NOT NULL,
    -- "online" (strict online share) or an indicator slug (its goal share).
    slug TEXT NOT NULL,
    -- Share to reach, 0..1.
    threshold REAL NOT NULL,
    deadline DATE NOT NULL,
    -- NULL: every démarche; else one ministry's.
    organisation_id BIGINT REFERENCES organisations (id),
    archived_at DATETIME,
    version BIGINT NOT NULL DEFAULT 1,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL
);

INSERT INTO demarche_targets (label, slug, threshold, deadline, organisation_id, created_at, updated_at) VALUES
    ('100 % des démarches phares en ligne (engagement 2022)', 'online', 1.0, '2022-05-31', NULL, '2026-11-28 00:00:00+00', '2026-11-28 00:00:00+00'),
    ('Toutes les démarches réalisables en ligne (fin 2026)', 'online', 1.0, '2026-12-31', NULL, '2026-11-28 00:00:00+00', '2026-11-28 00:00:00+00'),
    ('Satisfaction usagers d''au moins 8/10 pour chaque démarche (été 2024)', 'satisfaction', 1.0, '2024-09-22', NULL, '2026-11-28 00:00:00+00', '2026-11-28 00:00:00+00'),
    ('100 % de conformité RGAA (fin 2025)', 'handicap', 1.0, '2025-12-31', NULL, '2026-11-28 00:00:00+00', '2026-11-28 00:00:00+00'),
    ('Clarté du langage d''au moins 8/10 pour chaque démarche (fin 2025)', 'simplicity', 1.0, '2025-12-31', NULL, '2026-11-28 00:00:00+00', '2026-11-28 00:00:00+00'),
    ('Toutes les démarches sur FranceConnect ou FranceConnect+ (fin 2023)', 'auth', 1.0, '2023-12-31', NULL, '2026-11-28 00:00:00+00', '2026-11-28 00:00:00+00'),
    ('Ne plus redemander les données déjà détenues (fin 2026)', 'dlnuf', 1.0, '2026-12-31', NULL, '2026-11-28 00:00:00+00', '2026-11-28 00:00:00+00');
