-- leadrota schema, version 1. Times are integer seconds since the Unix epoch (UTC).

CREATE TABLE stages (
    id       INTEGER PRIMARY KEY,
    name     TEXT NOT NULL UNIQUE COLLATE NOCASE,
    position INTEGER NOT NULL,
    closed   INTEGER NOT NULL DEFAULT 0 CHECK (closed IN (0, 1))
);
INSERT INTO stages (id, name, position, closed) VALUES
    (1, 'New', 1, 0), (2, 'Contacted', 2, 0), (3, 'Qualified', 3, 0),
    (4, 'Proposal', 4, 0), (5, 'Won', 5, 1), (6, 'Lost', 6, 1);

CREATE TABLE users (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE COLLATE NOCASE,
    email      TEXT,
    role       TEXT NOT NULL CHECK (role IN ('admin', 'manager', 'agent')),
    active     INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    on_leave   INTEGER NOT NULL DEFAULT 0 CHECK (on_leave IN (0, 1)),
    can_pickup INTEGER NOT NULL DEFAULT 0 CHECK (can_pickup IN (0, 1)),
    created_at INTEGER NOT NULL
);

CREATE TABLE leads (
    id                INTEGER PRIMARY KEY,
    name              TEXT NOT NULL,
    email             TEXT NOT NULL DEFAULT '',
    phone             TEXT NOT NULL DEFAULT '',
    company           TEXT NOT NULL DEFAULT '',
    source            TEXT NOT NULL DEFAULT '',
    stage_id          INTEGER NOT NULL REFERENCES stages (id),
    owner_id          INTEGER REFERENCES users (id),
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    status_changed_at INTEGER NOT NULL,
    assigned_at       INTEGER,
    -- normalised keys for duplicate detection (R4)
    email_key         TEXT NOT NULL DEFAULT '',
    phone_key         TEXT NOT NULL DEFAULT ''
);
-- Oldest-first triage is the default sort; the unassigned queue gets its own
-- partial index so that "unassigned, oldest first" never scans owned leads.
CREATE INDEX leads_created ON leads (created_at);
CREATE INDEX leads_unassigned ON leads (created_at) WHERE owner_id IS NULL;
CREATE INDEX leads_owner ON leads (owner_id, created_at);
CREATE INDEX leads_stage ON leads (stage_id, created_at);
CREATE INDEX leads_source ON leads (source COLLATE NOCASE, created_at);
CREATE INDEX leads_name ON leads (name COLLATE NOCASE);
CREATE INDEX leads_stage_age ON leads (status_changed_at);
CREATE INDEX leads_email_key ON leads (email_key) WHERE email_key <> '';
CREATE INDEX leads_phone_key ON leads (phone_key) WHERE phone_key <> '';

CREATE TABLE lead_tags (
    lead_id INTEGER NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    tag     TEXT NOT NULL COLLATE NOCASE,
    PRIMARY KEY (lead_id, tag)
) WITHOUT ROWID;
CREATE INDEX lead_tags_tag ON lead_tags (tag, lead_id);

CREATE TABLE user_groups (
    id              INTEGER PRIMARY KEY,
    name            TEXT NOT NULL UNIQUE COLLATE NOCASE,
    method          TEXT NOT NULL DEFAULT 'sequential'
                    CHECK (method IN ('sequential', 'random', 'balanced')),
    daily_limit     INTEGER NOT NULL DEFAULT 0 CHECK (daily_limit >= 0),
    monthly_limit   INTEGER NOT NULL DEFAULT 0 CHECK (monthly_limit >= 0),
    -- position of the last member served; members keep their positions when
    -- another is removed, so the cursor keeps its place (A5)
    cursor_position INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL
);

CREATE TABLE group_pickup_stages (
    group_id INTEGER NOT NULL REFERENCES user_groups (id) ON DELETE CASCADE,
    stage_id INTEGER NOT NULL REFERENCES stages (id),
    PRIMARY KEY (group_id, stage_id)
) WITHOUT ROWID;

CREATE TABLE memberships (
    group_id      INTEGER NOT NULL REFERENCES user_groups (id) ON DELETE CASCADE,
    user_id       INTEGER NOT NULL REFERENCES users (id),
    position      INTEGER NOT NULL,
    daily_limit   INTEGER CHECK (daily_limit >= 0),
    monthly_limit INTEGER CHECK (monthly_limit >= 0),
    PRIMARY KEY (group_id, user_id),
    UNIQUE (group_id, position)
);

CREATE TABLE rules (
    id              INTEGER PRIMARY KEY,
    name            TEXT NOT NULL,
    priority        INTEGER NOT NULL,
    enabled         INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    target_group_id INTEGER REFERENCES user_groups (id),
    target_user_id  INTEGER REFERENCES users (id),
    created_at      INTEGER NOT NULL,
    CHECK ((target_group_id IS NULL) <> (target_user_id IS NULL))
);

CREATE TABLE rule_conditions (
    id      INTEGER PRIMARY KEY,
    rule_id INTEGER NOT NULL REFERENCES rules (id) ON DELETE CASCADE,
    field   TEXT NOT NULL CHECK (field IN ('source', 'status', 'tag', 'company', 'email_domain')),
    op      TEXT NOT NULL CHECK (op IN ('is', 'is_not', 'contains', 'in')),
    value   TEXT NOT NULL
);
CREATE INDEX rule_conditions_rule ON rule_conditions (rule_id);

-- A batch is one user action: everything it changed shares its id (A4 undo).
CREATE TABLE batches (
    id       INTEGER PRIMARY KEY,
    actor_id INTEGER REFERENCES users (id),
    at       INTEGER NOT NULL,
    command  TEXT NOT NULL,
    undone   INTEGER NOT NULL DEFAULT 0 CHECK (undone IN (0, 1))
);
CREATE INDEX batches_actor ON batches (actor_id, id);

-- Only a group's own automatic distribution writes deliveries; limits count nothing else (A10).
CREATE TABLE deliveries (
    id       INTEGER PRIMARY KEY,
    group_id INTEGER NOT NULL REFERENCES user_groups (id) ON DELETE CASCADE,
    user_id  INTEGER NOT NULL REFERENCES users (id),
    lead_id  INTEGER NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    at       INTEGER NOT NULL,
    batch_id INTEGER NOT NULL REFERENCES batches (id)
);
CREATE INDEX deliveries_limits ON deliveries (group_id, user_id, at);
CREATE INDEX deliveries_batch ON deliveries (batch_id);

CREATE TABLE activity (
    id            INTEGER PRIMARY KEY,
    lead_id       INTEGER REFERENCES leads (id) ON DELETE CASCADE,
    at            INTEGER NOT NULL,
    actor_id      INTEGER REFERENCES users (id),
    kind          TEXT NOT NULL,
    from_owner_id INTEGER REFERENCES users (id),
    to_owner_id   INTEGER REFERENCES users (id),
    from_stage_id INTEGER REFERENCES stages (id),
    to_stage_id   INTEGER REFERENCES stages (id),
    via           TEXT NOT NULL,
    batch_id      INTEGER NOT NULL REFERENCES batches (id),
    note          TEXT,
    -- JSON: for assignments, the rule, group and skipped members at that moment (R6)
    detail        TEXT
);
CREATE INDEX activity_lead ON activity (lead_id, id);
CREATE INDEX activity_batch ON activity (batch_id);
CREATE INDEX activity_actor ON activity (actor_id, id);
CREATE INDEX activity_to_owner ON activity (to_owner_id, id);

CREATE TABLE notifications (
    id      INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    lead_id INTEGER REFERENCES leads (id) ON DELETE CASCADE,
    at      INTEGER NOT NULL,
    text    TEXT NOT NULL,
    read    INTEGER NOT NULL DEFAULT 0 CHECK (read IN (0, 1))
);
CREATE INDEX notifications_user ON notifications (user_id, read, id);

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
INSERT INTO settings (key, value) VALUES
    ('auto_assign', 'on'),
    ('duplicate_routing', 'off'),
    ('paused_at', '');
