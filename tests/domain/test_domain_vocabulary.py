"""statuses, roles and errors."""

from __future__ import annotations

import ast
import pathlib

import app.domain as domain
from app.domain import errors, roles, statuses


def test_request_statuses_match_domain_words():
    assert statuses.REQUEST_STATUSES == (
        "Diajukan", "Perlu Dilengkapi", "Diproses", "Diperpanjang", "Diterima Seluruhnya",
        "Diterima Sebagian", "Ditolak", "Informasi Tidak Dikuasai", "Selesai",
        "Melewati Batas Waktu", "Ditarik", "Gugur", "Sengketa di Komisi Informasi",
    )
    assert statuses.OBJECTION_STATUSES == ("Keberatan Diajukan", "Diproses", "Dikabulkan", "Ditolak", "Tidak Ditanggapi")


def test_final_statuses():
    assert set(statuses.FINAL_REQUEST_STATUSES) <= set(statuses.REQUEST_STATUSES)
    assert statuses.is_final("Selesai") and statuses.is_final("Dikabulkan")
    assert statuses.is_final("Ditarik") and statuses.is_final("Gugur")
    for open_status in ("Diajukan", "Perlu Dilengkapi", "Diproses", "Diperpanjang",
                        "Melewati Batas Waktu", "Keberatan Diajukan", None):
        assert not statuses.is_final(open_status), open_status


def test_legal_grounds():
    assert list(statuses.ART17_GROUNDS) == list("abcdefghij")
    assert list(statuses.ART35_REASONS) == list("abcdefg")
    assert "penegakan hukum" in statuses.ART17_GROUNDS["a"]
    assert "rahasia pribadi" in statuses.ART17_GROUNDS["h"]
    assert "biaya" in statuses.ART35_REASONS["f"]
    assert statuses.art17_label("H").startswith("Pasal 17 huruf h: ")
    assert statuses.art35_label("g").startswith("Pasal 35 ayat (1) huruf g: ")


def test_roles():
    assert roles.ROLE_LABELS["opd"] == "Petugas PPID Pelaksana OPD"
    assert roles.role_label("process_owner") == "Pemilik Proses"
    assert roles.role_label("tidak_ada") == "tidak_ada"
    assert roles.LANE_ROLES == {k: k for k in
                                ("pemohon", "diskominfo", "opd", "atasan_ppid", "kepala_diskominfo")}
    assert "pemohon" not in roles.STAFF_ROLES
    assert roles.STAFF_ROLES | {"pemohon"} == set(roles.ROLES)
    assert len(roles.ROLES) == 8


def test_errors_hierarchy_and_payloads():
    for cls in (errors.NotFound, errors.Forbidden, errors.Conflict,
                errors.ValidationFailed, errors.InvalidProcess):
        assert issubclass(cls, errors.DomainError)
        assert cls().message
    e = errors.NotFound("Permohonan tidak ditemukan.")
    assert e.message == str(e) == "Permohonan tidak ditemukan."
    v = errors.ValidationFailed({"nik": "NIK harus 16 digit.", "email": ["Wajib diisi."]})
    assert v.errors == {"nik": ["NIK harus 16 digit."], "email": ["Wajib diisi."]}
    p = errors.InvalidProcess(["lane tanpa nama", "task tanpa form"])
    assert p.problems == ["lane tanpa nama", "task tanpa form"]
    assert "task tanpa form" in p.message
    assert errors.Conflict.http_status == 409


def test_domain_layer_imports_no_framework():
    """app.domain must stay plain Python: no Flask, database or engine imports."""
    forbidden = {"flask", "flask_sqlalchemy", "flask_login", "sqlalchemy", "SpiffWorkflow"}
    for path in pathlib.Path(domain.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        modules = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                modules.add(node.module)
        assert not {m.split(".")[0] for m in modules} & forbidden, path
