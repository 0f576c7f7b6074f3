-- SMS and Telegram (internal/channel).
--
-- An SMS names its sender by phone. Phones are kept as typed; the lookup
-- compares the digits (people.NormalizePhone), so an index on the phone
-- without its usual separators finds the candidates and Go checks them.
-- store/channel.go writes the same expression: keep them equal.
CREATE INDEX observers_phone_digits ON observers (replace(replace(replace(replace(replace(replace(replace(phone, ' ', ''), '-', ''), '(', ''), ')', ''), '+', ''), '.', ''), '/', ''));

-- One-time codes that link a Telegram chat to an observer, stored as
-- SHA-256 hashes, each valid until expires_at.
CREATE TABLE telegram_codes (
	hash        BLOB PRIMARY KEY,
	observer_id INTEGER NOT NULL REFERENCES observers (id) ON DELETE CASCADE,
	expires_at  TEXT NOT NULL
) STRICT;
CREATE INDEX telegram_codes_observer ON telegram_codes (observer_id);

-- A linked chat reports as its observer.
CREATE TABLE telegram_links (
	chat_id     INTEGER PRIMARY KEY,
	observer_id INTEGER NOT NULL REFERENCES observers (id) ON DELETE CASCADE,
	linked_at   TEXT NOT NULL
) STRICT;
CREATE INDEX telegram_links_observer ON telegram_links (observer_id);
