-- Reserved for the missions issue (meetings, statements, adoption); filled in by its change.
SELECT 1;
