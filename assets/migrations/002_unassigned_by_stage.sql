-- The board's "unassigned only" view reads each stage's unassigned leads
-- oldest first; without this a large closed stage is scanned to find a few.
CREATE INDEX leads_unassigned_stage ON leads (stage_id, created_at) WHERE owner_id IS NULL;
