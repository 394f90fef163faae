-- Former names of a project (one per line), kept when renamed projects are
-- merged, so that later imports of older files match them.
ALTER TABLE projects ADD COLUMN aliases TEXT NOT NULL DEFAULT '';
