-- Reserved for the quick count (samples, estimates); filled in by its change.
SELECT 1;
