"""Contradictory answers are invalid in the form files themselves, with the message on the field."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from app.domain.errors import ValidationFailed
from app.services.forms import clean_submission

FORMS = Path(__file__).resolve().parents[2] / "forms"


def _schema(name: str) -> dict:
    return json.loads((FORMS / f"{name}.schema.json").read_text(encoding="utf-8"))


def _errors(name: str, data: dict) -> dict[str, list[str]]:
    with pytest.raises(ValidationFailed) as caught:
        clean_submission(_schema(name), data, sources={})
    return caught.value.errors


@pytest.mark.parametrize("path", sorted(FORMS.glob("*.schema.json")), ids=lambda p: p.name)
def test_every_form_is_a_valid_2020_12_schema(path: Path) -> None:
    Draft202012Validator.check_schema(json.loads(path.read_text(encoding="utf-8")))


def test_not_held_cannot_be_granted() -> None:
    errors = _errors("jawaban_opd", {"informasi_dikuasai": "tidak", "usulan_keputusan": "diterima_seluruhnya",
                                     "jawaban_opd": "x"})
    assert errors["usulan_keputusan"] == [
        "Informasi yang tidak dikuasai hanya dapat diusulkan 'Informasi tidak dikuasai'."]


def test_held_cannot_be_not_held() -> None:
    errors = _errors("jawaban_opd", {"informasi_dikuasai": "ya", "usulan_keputusan": "tidak_dikuasai",
                                     "jawaban_opd": "x"})
    assert errors["informasi_dikuasai"] == [
        "Usulan 'Informasi tidak dikuasai' hanya dapat dipilih bila informasi tidak dikuasai OPD."]


@pytest.mark.parametrize("held,decision", [("tidak", "tidak_dikuasai"), ("ya", "diterima_seluruhnya"),
                                           ("ya", "perlu_waktu_tambahan")])
def test_consistent_answers_pass(held: str, decision: str) -> None:
    data = {"informasi_dikuasai": held, "usulan_keputusan": decision, "jawaban_opd": "x"}
    assert clean_submission(_schema("jawaban_opd"), data, sources={})["usulan_keputusan"] == decision


def test_nik_pattern_says_sixteen_digits() -> None:
    errors = _errors("permohonan_informasi", {"nik": "12345"})
    assert errors["nik"] == ["NIK harus 16 angka."]
