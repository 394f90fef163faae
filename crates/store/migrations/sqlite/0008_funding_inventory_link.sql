-- A funding application may concern an application of the inventory (cloud
-- hosting), as it may concern a major project.
ALTER TABLE funding_applications ADD COLUMN cloud_application_id BIGINT REFERENCES cloud_applications (id);
