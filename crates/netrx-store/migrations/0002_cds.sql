-- netrx store, schema version 2: the CDS Hooks service (issue 8).
-- Registered CDS clients (the public keys their JWTs are checked with), JWT ids
-- seen (replay protection), the cards netrx issued and the clinicians' feedback
-- on them (accepted / overridden, with the override reason), and an index to
-- find a stored case by the patient's MRN.

CREATE TABLE cds_clients (
    id          INTEGER PRIMARY KEY,
    iss         TEXT NOT NULL UNIQUE,
    jwks        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    disabled_at TEXT
) STRICT;

-- JWT ids already accepted, until their expiry (a replayed token is refused).
CREATE TABLE cds_jti (
    iss TEXT NOT NULL,
    jti TEXT NOT NULL,
    exp INTEGER NOT NULL,
    PRIMARY KEY (iss, jti)
) STRICT;

-- Every card netrx answered with (no patient identifiers: the summary and the case id, a pseudonym).
CREATE TABLE cds_cards (
    uuid          TEXT PRIMARY KEY,
    service       TEXT NOT NULL,
    hook_instance TEXT NOT NULL,
    kind          TEXT NOT NULL,
    indicator     TEXT NOT NULL,
    summary       TEXT NOT NULL,
    case_id       TEXT,
    client        TEXT NOT NULL,
    issued_at     TEXT NOT NULL
) STRICT;
CREATE INDEX cds_cards_kind ON cds_cards (kind);

CREATE TABLE cds_feedback (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    card_uuid            TEXT NOT NULL REFERENCES cds_cards (uuid),
    outcome              TEXT NOT NULL CHECK (outcome IN ('accepted', 'overridden')),
    accepted_suggestions TEXT,
    override_reason      TEXT,
    outcome_timestamp    TEXT NOT NULL,
    client               TEXT NOT NULL,
    received_at          TEXT NOT NULL
) STRICT;
CREATE INDEX cds_feedback_card ON cds_feedback (card_uuid);

CREATE TRIGGER cds_cards_no_update BEFORE UPDATE ON cds_cards
BEGIN SELECT RAISE(ABORT, 'issued cards are append-only'); END;
CREATE TRIGGER cds_cards_no_delete BEFORE DELETE ON cds_cards
BEGIN SELECT RAISE(ABORT, 'issued cards are append-only'); END;
CREATE TRIGGER cds_feedback_no_update BEFORE UPDATE ON cds_feedback
BEGIN SELECT RAISE(ABORT, 'CDS feedback is append-only'); END;
CREATE TRIGGER cds_feedback_no_delete BEFORE DELETE ON cds_feedback
BEGIN SELECT RAISE(ABORT, 'CDS feedback is append-only'); END;

-- Find a stored case by the MRN in its case file.
CREATE INDEX case_revisions_mrn ON case_revisions (json_extract(body, '$.patient.mrn')) WHERE body IS NOT NULL;
