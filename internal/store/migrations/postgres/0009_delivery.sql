-- Delivery of HQ's advice to observers (internal/channel, Deliverer).
--
-- A worker claims a waiting message for a short lease (claimed_until) so
-- that no other worker sends it meanwhile, sends it through the channel
-- the observer used and sets delivered_at and delivered_via ("telegram",
-- "sms", or "web" for advice the observer reads on their pages). A failed
-- attempt counts in attempts, keeps last_error and waits until
-- next_attempt_at; after the last attempt given_up_at is set and the
-- message stays undelivered, still shown on the observer's pages.
ALTER TABLE observer_messages ADD COLUMN delivered_via TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE observer_messages ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE observer_messages ADD COLUMN last_error TEXT NOT NULL DEFAULT '';
ALTER TABLE observer_messages ADD COLUMN next_attempt_at TIMESTAMPTZ;
ALTER TABLE observer_messages ADD COLUMN claimed_until TIMESTAMPTZ;
ALTER TABLE observer_messages ADD COLUMN given_up_at TIMESTAMPTZ;
CREATE INDEX observer_messages_waiting ON observer_messages (id) WHERE delivered_at IS NULL AND given_up_at IS NULL;
