-- Balanced rotation and the workload report count each owner's leads by
-- stage; from this index alone, instead of reading every lead of the owner.
CREATE INDEX leads_owner_stage ON leads (owner_id, stage_id);
