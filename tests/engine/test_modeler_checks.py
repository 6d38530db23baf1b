"""The checks the modeler's panel asks for while the owner types (app/engine/modeler_checks.py)."""
from datetime import datetime, timezone

import pytest

from app.domain.calendar import WorkingCalendar
from app.engine.modeler_checks import (condition_messages, form_messages, parse_working_days, read_working_days,
                                       timer_due)
from app.engine.types import RunContext

MONDAY_9_WIB = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("typed, since, expression", [
    ("5 hari kerja", "tanggal_diterima", "hari_kerja(5, sejak=tanggal_diterima)"),
    ("5", "tanggal_diterima", "hari_kerja(5, sejak=tanggal_diterima)"),
    (" 3 Hari ", "", "hari_kerja(3)"),
])
def test_working_days_as_typed_become_the_timer_expression_and_back(typed, since, expression):
    timer = parse_working_days(typed, since)
    assert timer.expression == expression
    assert read_working_days(expression) == timer


@pytest.mark.parametrize("typed, since", [("lima hari", ""), ("0 hari kerja", ""), ("400", ""), ("5", "x; import os")])
def test_what_is_not_a_number_of_working_days_is_refused(typed, since):
    assert parse_working_days(typed, since) is None


def test_other_timer_expressions_are_not_read_as_working_days():
    assert read_working_days("hari_kerja(4, tanggal_diterima)").since == "tanggal_diterima"
    for other in ("batas_tindak_lanjut_keberatan", '"P4D"', "hari_kerja(n)", "hari_kerja_sebelum(2, tanggal)", "(("):
        assert read_working_days(other) is None


def test_the_due_date_counts_working_days_from_a_request_received_now():
    ctx = RunContext(now=MONDAY_9_WIB, calendar=WorkingCalendar(), allocate_number=lambda kind: kind)
    due = timer_due("hari_kerja(4, sejak=tanggal_diterima)", ctx, MONDAY_9_WIB)
    assert due == datetime(2026, 3, 6, 16, 59, 59, tzinfo=timezone.utc)  # Friday 23:59:59 WIB
    with pytest.raises(ValueError):
        timer_due('open("x")', ctx, MONDAY_9_WIB)


def test_a_condition_is_checked_by_the_sandbox_compiler_and_names_nothing_sets_are_said():
    assert condition_messages('kelengkapan == "lengkap"', ["kelengkapan"]) == ([], [])
    assert condition_messages('kelengkapn == "lengkap"', ["kelengkapan"]) == ([], ["kelengkapn"])
    messages, _ = condition_messages('kelengkapan = "lengkap"')
    assert "penulisan tidak sah" in messages[0] and "==" in messages[-1]
    assert "tidak diizinkan" in condition_messages("__import__('os')")[0][0]
    assert condition_messages("  ")[0]


def test_form_messages_are_in_indonesian_and_name_where():
    schema, ui, problems = form_messages('{"type": "object", "properties": {"a": {"type": "strin"}}}')
    assert schema is None and "properties/a/type" in problems[0] and "tidak dikenal" in problems[0]
    assert "tanda koma (,) diharapkan" in form_messages('{"type": "object" "x": 1}')[2][0]
    assert "RE2" in form_messages('{"type": "object", "properties": {"a": {"type": "string", "pattern": "(a)\\\\1"}}}')[2][0]
    assert "objek" in form_messages('{"type": "string"}')[2][0]
    schema, ui, problems = form_messages('{"type": "object"}', '{"ui:order": []}')
    assert problems == [] and schema == {"type": "object"} and ui == {"ui:order": []}
