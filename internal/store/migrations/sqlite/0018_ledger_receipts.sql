-- The receipt index leaves the path of each report. Receipts are hashes,
-- so ledger_entries_receipt took each new entry to a page of its own:
-- about one more scattered page written per report, the dearest thing
-- ingestion did (docs/benchmarks.md). ledger_receipts is the same index,
-- filled in bulk: when receipts_indexed falls a few thousand entries
-- behind the log's size, the batch that sees it copies the keys of the
-- entries since, sorted, so that many land on each page written. A lookup
-- reads ledger_receipts for the entries before receipts_indexed and scans
-- the few thousand after it by receipt_key (store.LedgerEntryByReceipt).
DROP INDEX ledger_entries_receipt;
CREATE TABLE ledger_receipts (
	receipt_key INTEGER NOT NULL,
	idx         INTEGER NOT NULL,
	PRIMARY KEY (receipt_key, idx)
) STRICT, WITHOUT ROWID;
ALTER TABLE ledger_head ADD COLUMN receipts_indexed INTEGER NOT NULL DEFAULT 0;
INSERT INTO ledger_receipts (receipt_key, idx) SELECT receipt_key, idx FROM ledger_entries WHERE receipt_key IS NOT NULL;
UPDATE ledger_head SET receipts_indexed = size;
