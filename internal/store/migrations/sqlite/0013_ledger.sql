-- Reserved for the tamper-evident log; filled in by its change.
SELECT 1;
