-- No query reads activity by actor or by new owner through an index (the
-- user filter of `activity` names three columns and walks the log newest
-- first), users are never deleted, and every owner change paid for both.
DROP INDEX activity_actor;
DROP INDEX activity_to_owner;
