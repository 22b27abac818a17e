-- netrx store, schema version 1.
-- Cases are append-only revisions; the audit trail is append-only. Both are
-- enforced here by triggers, so no code path (API, CLI, a bug) can rewrite history.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE COLLATE NOCASE,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'clinician', 'pharmacist', 'researcher')),
    password_hash TEXT NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
) STRICT;

-- Bearer API tokens: only the SHA-256 of the token is stored.
CREATE TABLE api_tokens (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    revoked_at TEXT
) STRICT;
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- Browser sessions (cookie): only the SHA-256 of the cookie value is stored.
CREATE TABLE sessions (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    token_hash TEXT NOT NULL UNIQUE,
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT
) STRICT;
CREATE INDEX sessions_user ON sessions (user_id);

-- Every version of every case. A tombstone (deleted = 1) has no body.
CREATE TABLE case_revisions (
    case_id     TEXT NOT NULL,
    revision    INTEGER NOT NULL CHECK (revision >= 1),
    created_at  TEXT NOT NULL,
    user        TEXT NOT NULL,
    deleted     INTEGER NOT NULL CHECK (deleted IN (0, 1)),
    body        TEXT,
    body_sha256 TEXT,
    PRIMARY KEY (case_id, revision),
    CHECK ((deleted = 1 AND body IS NULL AND body_sha256 IS NULL)
        OR (deleted = 0 AND body IS NOT NULL AND body_sha256 IS NOT NULL))
) STRICT;

-- The head of each case: a pointer to its latest revision plus the columns the list searches.
CREATE TABLE cases (
    id           TEXT PRIMARY KEY,
    revision     INTEGER NOT NULL,
    deleted      INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    primary_site TEXT,
    grade        TEXT,
    FOREIGN KEY (id, revision) REFERENCES case_revisions (case_id, revision) DEFERRABLE INITIALLY DEFERRED
) STRICT;
CREATE INDEX cases_site ON cases (primary_site);
CREATE INDEX cases_grade ON cases (grade);

CREATE TRIGGER case_revisions_no_update BEFORE UPDATE ON case_revisions
BEGIN SELECT RAISE(ABORT, 'case revisions are immutable'); END;
CREATE TRIGGER case_revisions_no_delete BEFORE DELETE ON case_revisions
BEGIN SELECT RAISE(ABORT, 'case revisions are never deleted'); END;
CREATE TRIGGER case_revisions_consecutive BEFORE INSERT ON case_revisions
WHEN NEW.revision <> COALESCE((SELECT MAX(revision) FROM case_revisions WHERE case_id = NEW.case_id), 0) + 1
BEGIN SELECT RAISE(ABORT, 'case revisions are numbered consecutively from 1'); END;
CREATE TRIGGER case_revisions_after_tombstone BEFORE INSERT ON case_revisions
WHEN EXISTS (SELECT 1 FROM case_revisions WHERE case_id = NEW.case_id AND deleted = 1)
BEGIN SELECT RAISE(ABORT, 'a deleted case takes no new revisions'); END;
CREATE TRIGGER cases_no_delete BEFORE DELETE ON cases
BEGIN SELECT RAISE(ABORT, 'cases are deleted by a tombstone revision, never removed'); END;

-- The audit trail: who, when, what, which case and revision, from where, with what outcome.
CREATE TABLE audit (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    time     TEXT NOT NULL,
    user     TEXT,
    action   TEXT NOT NULL,
    case_id  TEXT,
    revision INTEGER,
    remote   TEXT,
    outcome  TEXT NOT NULL,
    detail   TEXT
) STRICT;
CREATE INDEX audit_case ON audit (case_id);
CREATE INDEX audit_user ON audit (user);

CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
