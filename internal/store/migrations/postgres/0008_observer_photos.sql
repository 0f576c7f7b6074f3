-- Badge photos of observers: the sanitised image (metadata stripped), one
-- per observer.
CREATE TABLE observer_photos (
    observer_id  BIGINT PRIMARY KEY REFERENCES observers(id),
    content_type TEXT NOT NULL,
    data         BYTEA NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);
