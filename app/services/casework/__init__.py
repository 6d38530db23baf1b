"""A case's life as use cases: starting, steps and tasks, timers, incidents, withdrawal, counter entries, forms, uploads and the limits on them."""
