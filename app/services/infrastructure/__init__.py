"""What every use case stands on: the transaction wrapper, the acting context and settings, mail (outbox, digest), the working-day calendar, the timer worker, installation and backups."""
