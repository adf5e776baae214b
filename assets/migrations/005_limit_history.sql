-- Limits change over time; `doctor` judges each delivery by the limit in
-- force when it was made (A8), so every change of a group's limits or of a
-- member's override is kept, in commit order (batch ids are).
CREATE TABLE limit_changes (
    id            INTEGER PRIMARY KEY,
    group_id      INTEGER NOT NULL REFERENCES user_groups (id) ON DELETE CASCADE,
    -- NULL: the group's own limits; a user: that member's override (NULL limits = none)
    user_id       INTEGER REFERENCES users (id),
    daily_limit   INTEGER,
    monthly_limit INTEGER,
    batch_id      INTEGER NOT NULL,
    at            INTEGER NOT NULL,
    -- 0: the value found when this table was created (batch 0); what came before is not known
    known         INTEGER NOT NULL DEFAULT 1 CHECK (known IN (0, 1))
);
CREATE INDEX limit_changes_member ON limit_changes (group_id, user_id, batch_id);
INSERT INTO limit_changes (group_id, user_id, daily_limit, monthly_limit, batch_id, at, known)
    SELECT id, NULL, daily_limit, monthly_limit, 0, created_at, 0 FROM user_groups;
INSERT INTO limit_changes (group_id, user_id, daily_limit, monthly_limit, batch_id, at, known)
    SELECT group_id, user_id, daily_limit, monthly_limit, 0, 0, 0 FROM memberships
    WHERE daily_limit IS NOT NULL OR monthly_limit IS NOT NULL;

-- Where a sequential group's cursor stood before a batch moved it, so that
-- undoing the batch puts it back (A4).
CREATE TABLE batch_cursors (
    batch_id      INTEGER NOT NULL REFERENCES batches (id),
    group_id      INTEGER NOT NULL REFERENCES user_groups (id) ON DELETE CASCADE,
    cursor_before INTEGER NOT NULL,
    PRIMARY KEY (batch_id, group_id)
) WITHOUT ROWID;
