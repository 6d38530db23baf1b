"""Read models of the pages: what the portal, the worklist, the audit pages and the case diagram show (read-only use cases)."""
