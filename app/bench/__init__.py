"""`ppid bench`: the whole system measured against the bare engine, with targets.

Modules: `workload` (the cases every row runs), `stats` (medians, percentiles, RSS),
`databases` (throwaway SQLite / PostgreSQL databases and apps on them), `engine_row`,
`service_row`, `http_row` and `server` (rows 1-3 and 7), `fill` (bulk rows), `worklist_row`,
`timer_row`, `replay_row`, `report` (targets, table, JSON) and `runner` (one whole run).
See docs/PERFORMANCE.md for the method.
"""
