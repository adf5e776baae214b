-- A15–A19: weights, open-lead caps, working hours and away, fair ties, reclaim.

-- A15: a member's share (1–100); `credit` is smooth weighted round-robin's
-- running balance, so a sequential group's weighted order survives between runs.
ALTER TABLE memberships ADD COLUMN weight INTEGER NOT NULL DEFAULT 1 CHECK (weight BETWEEN 1 AND 100);
ALTER TABLE memberships ADD COLUMN credit INTEGER NOT NULL DEFAULT 0;
-- A16: open leads a member may hold (0 = no cap; a member's NULL = the group's).
ALTER TABLE user_groups ADD COLUMN max_open INTEGER NOT NULL DEFAULT 0 CHECK (max_open >= 0);
ALTER TABLE memberships ADD COLUMN max_open INTEGER CHECK (max_open >= 0);
ALTER TABLE limit_changes ADD COLUMN max_open INTEGER;
-- A19: hand a delivered lead its owner has not touched to the next member.
ALTER TABLE user_groups ADD COLUMN reclaim_after_hours INTEGER NOT NULL DEFAULT 0 CHECK (reclaim_after_hours >= 0);
ALTER TABLE user_groups ADD COLUMN reclaim_max INTEGER NOT NULL DEFAULT 1 CHECK (reclaim_max >= 0);
-- A17: a weekly schedule in office time ('' = always on) and a first day back.
ALTER TABLE users ADD COLUMN schedule TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN away_until TEXT NOT NULL DEFAULT '';
-- Schedules and absences in force at each moment, for doctor (as limit_changes).
CREATE TABLE availability_changes (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    schedule   TEXT NOT NULL,
    away_until TEXT NOT NULL,
    batch_id   INTEGER NOT NULL,
    at         INTEGER NOT NULL
);
CREATE INDEX availability_changes_user ON availability_changes (user_id, batch_id);
-- A16: the open leads the member held when the lead was delivered, and the
-- cap then (NULL: none), so doctor can tell that no delivery went over a cap.
ALTER TABLE deliveries ADD COLUMN open_before INTEGER;
ALTER TABLE deliveries ADD COLUMN cap INTEGER;
-- A4: undo puts a weighted group's balances back with its cursor.
ALTER TABLE batch_cursors ADD COLUMN credits_before TEXT;
