-- Rows that are rewritten in place under a version guard (documents, balances,
-- inventory stacks, counters, mailboxes) change no indexed column when they are
-- updated, so PostgreSQL can keep the new version on the same page ("HOT" update) and
-- skip every index, if the page has room. Pages filled to 100 % have none, and each
-- update then writes a new entry into every index of the table. Leaving a fifth of each
-- page free keeps most updates HOT (a leaderboard submission rewrites its score
-- document; a purchase, the player's balance and stack). Applies to pages written
-- from now on; `VACUUM FULL <table>` rewrites the existing ones.
ALTER TABLE docs SET (fillfactor = 80);
ALTER TABLE balances SET (fillfactor = 80);
ALTER TABLE items SET (fillfactor = 80);
ALTER TABLE counters SET (fillfactor = 80);
ALTER TABLE mailboxes SET (fillfactor = 80);
