-- Searches of one or two characters (V1) through the trigram index, which
-- has no piece that short: every distinct piece of the leads up to
-- search_pieces_state.upto, as the index folds it, so that a short text
-- asks the index for the pieces holding it. Leads after upto, and those in
-- search_pieces_outside, are read by the search itself (see
-- src/core/search/pieces.rs for why no lead is missed). Adding a lead
-- writes nothing here; the pieces are collected when this migration runs,
-- by the demo, and by a short search that finds many leads after upto.
CREATE TABLE search_pieces (
    piece TEXT PRIMARY KEY
) WITHOUT ROWID;

-- Leads whose pieces are not (or no longer) all listed: a field of one or
-- two characters, a field that is not valid text, an edit or a delete since.
CREATE TABLE search_pieces_outside (
    lead_id INTEGER PRIMARY KEY
);

CREATE TABLE search_pieces_state (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    upto INTEGER NOT NULL
);
INSERT INTO search_pieces_state (id, upto) VALUES (1, 0);

-- leadrota never edits these fields, nor deletes or renumbers a lead; a
-- tool that does leaves the lead to be read by the search itself.
CREATE TRIGGER search_pieces_edit AFTER UPDATE OF name, email, company, phone_key ON leads
WHEN new.id <= (SELECT upto FROM search_pieces_state) BEGIN
    INSERT OR IGNORE INTO search_pieces_outside (lead_id) VALUES (new.id);
END;

-- A new lead takes the id after the largest: upto follows the largest id
-- down, so that no new lead takes an id at or below it.
CREATE TRIGGER search_pieces_delete AFTER DELETE ON leads
WHEN old.id <= (SELECT upto FROM search_pieces_state) BEGIN
    INSERT OR IGNORE INTO search_pieces_outside (lead_id) VALUES (old.id);
    UPDATE search_pieces_state SET upto = (SELECT coalesce(max(id), 0) FROM leads)
    WHERE upto > (SELECT coalesce(max(id), 0) FROM leads);
END;

CREATE TRIGGER search_pieces_renumber AFTER UPDATE OF id ON leads BEGIN
    INSERT OR IGNORE INTO search_pieces_outside (lead_id)
    SELECT value FROM (SELECT old.id AS value UNION SELECT new.id)
    WHERE value <= (SELECT upto FROM search_pieces_state);
    UPDATE search_pieces_state SET upto = (SELECT coalesce(max(id), 0) FROM leads)
    WHERE upto > (SELECT coalesce(max(id), 0) FROM leads);
END;
