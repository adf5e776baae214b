-- Free-text search (V1) as the user types: a trigram index over the
-- searched fields finds the few leads holding every three-letter piece of
-- the text, where a LIKE scan read all of them (see src/core/search.rs).
-- Phones are indexed by their digits. Triggers keep it in step with leads.
CREATE VIRTUAL TABLE leads_search USING fts5 (
    name, email, company, phone_key,
    content = 'leads', content_rowid = 'id',
    tokenize = 'trigram', detail = 'none', columnsize = 0
);
INSERT INTO leads_search (leads_search) VALUES ('rebuild');

CREATE TRIGGER leads_search_insert AFTER INSERT ON leads BEGIN
    INSERT INTO leads_search (rowid, name, email, company, phone_key)
    VALUES (new.id, new.name, new.email, new.company, new.phone_key);
END;

CREATE TRIGGER leads_search_delete AFTER DELETE ON leads BEGIN
    INSERT INTO leads_search (leads_search, rowid, name, email, company, phone_key)
    VALUES ('delete', old.id, old.name, old.email, old.company, old.phone_key);
END;

CREATE TRIGGER leads_search_update AFTER UPDATE OF name, email, company, phone_key ON leads BEGIN
    INSERT INTO leads_search (leads_search, rowid, name, email, company, phone_key)
    VALUES ('delete', old.id, old.name, old.email, old.company, old.phone_key);
    INSERT INTO leads_search (rowid, name, email, company, phone_key)
    VALUES (new.id, new.name, new.email, new.company, new.phone_key);
END;
