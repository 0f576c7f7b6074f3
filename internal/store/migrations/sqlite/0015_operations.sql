-- Reserved for operations (retention, erasure record); filled in by its change.
SELECT 1;
