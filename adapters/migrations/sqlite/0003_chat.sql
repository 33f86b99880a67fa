-- Chat history (SPEC.md Chat): one row per message, read newest first per channel,
-- pruned by age. `sent_at` is microseconds since the epoch (UTC); `body` the message JSON.
CREATE TABLE chat_messages (
    channel TEXT    NOT NULL,
    sent_at INTEGER NOT NULL,
    id      TEXT    NOT NULL,
    body    TEXT    NOT NULL,
    PRIMARY KEY (channel, sent_at, id)
) WITHOUT ROWID;

CREATE INDEX chat_messages_sent_at ON chat_messages (sent_at);
