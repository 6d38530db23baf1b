"""Row 6: replay verification, cases per second (app.services.records.replay.replay_case when present,
otherwise the hash-chain and stored-state check app.services.records.audit.verify_all, labelled so)."""
from __future__ import annotations

import importlib

import sqlalchemy as sa

from .stats import Clock, median


def replay_function():
    """(label, callable(registration_number) -> number of problems)."""
    try:
        module = importlib.import_module("app.services.records.replay")
    except ModuleNotFoundError:
        module = None
    if module is not None and hasattr(module, "replay_case"):
        def replay(registration_number: str) -> int:
            report = module.replay_case(registration_number)
            return len(getattr(report, "mismatches", []) or [])

        return "replay_case", replay
    from app.services.records.audit import verify_all

    return "audit.verify_all (replay.py absent)", lambda number: len(verify_all(number)[1])


def measure_replay(app, max_cases: int, repeats: int) -> dict:
    from app.persistence.models import ProcessInstance, db

    label, replay = replay_function()
    with app.app_context():
        numbers = list(db.session.scalars(sa.select(ProcessInstance.registration_number)
                                          .order_by(ProcessInstance.id).limit(max_cases)))
        db.session.remove()
        rates, problems = [], 0
        for _ in range(repeats):
            with Clock() as clock:
                for number in numbers:
                    problems += replay(number)
                    db.session.remove()
            rates.append(len(numbers) / clock.wall if clock.wall else 0.0)
    return {"method": label, "cases": len(numbers), "cases_per_s": median(rates), "repeats": repeats,
            "problems": problems // max(repeats, 1)}
