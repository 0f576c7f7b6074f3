-- The receipt index leaves the path of each report, as on SQLite (see
-- sqlite/0018_ledger_receipts.sql): ledger_receipts is filled in bulk,
-- sorted, when receipts_indexed falls a few thousand entries behind.
DROP INDEX ledger_entries_receipt;
CREATE TABLE ledger_receipts (
	receipt_key BIGINT NOT NULL,
	idx         BIGINT NOT NULL,
	PRIMARY KEY (receipt_key, idx)
);
ALTER TABLE ledger_head ADD COLUMN receipts_indexed BIGINT NOT NULL DEFAULT 0;
INSERT INTO ledger_receipts (receipt_key, idx) SELECT receipt_key, idx FROM ledger_entries WHERE receipt_key IS NOT NULL;
UPDATE ledger_head SET receipts_indexed = size;
