-- Badge photos of observers: the sanitised image (metadata stripped), one
-- per observer.
CREATE TABLE observer_photos (
    observer_id  INTEGER PRIMARY KEY REFERENCES observers(id),
    content_type TEXT NOT NULL,
    data         BLOB NOT NULL,
    updated_at   TEXT NOT NULL
);
