"""The legal record and what is made from it: the hash-chained audit, replay, registers, the annual report, LAPOR! and event-log exports, personal data (export, erasure, access log)."""
