"""Accounts and who may do what: sign-in and its throttling, sessions, API tokens, account recovery, administration of accounts, roles and OPD staffing."""
