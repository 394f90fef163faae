-- API tokens limited to some modules (comma-separated scope names, see
-- cosinum_domain::token_scope); NULL reaches every module.
ALTER TABLE api_tokens ADD COLUMN scopes TEXT;
