-- Chat history (SPEC.md Chat): one row per message, read newest first per channel,
-- pruned by age. `sent_at` is microseconds since the epoch (UTC); `body` the message JSON.
CREATE TABLE chat_messages (
    channel TEXT COLLATE "C" NOT NULL,
    sent_at BIGINT NOT NULL,
    id      TEXT COLLATE "C" NOT NULL,
    body    TEXT NOT NULL,
    PRIMARY KEY (channel, sent_at, id)
);

CREATE INDEX chat_messages_sent_at ON chat_messages (sent_at);
