"""The dependency-audit rule of .ci/pip_audit_direct.py: report everything, fail only on our direct
dependencies (pyproject [project].dependencies)."""
from __future__ import annotations

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / ".ci" / "pip_audit_direct.py"


def load():
    spec = importlib.util.spec_from_file_location("pip_audit_direct", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_only_direct_dependencies_fail_the_run(capsys):
    rule = load()
    direct = rule.direct_dependencies()
    assert {"flask", "sqlalchemy", "psycopg", "spiffworkflow", "fpdf2"} <= direct
    assert "pytest" not in direct and "werkzeug" not in direct  # test-only and indirect
    audited = [
        {"name": "Flask", "version": "3.1.0", "vulns": [{"id": "GHSA-x", "fix_versions": ["3.1.1"], "aliases": []}]},
        {"name": "Werkzeug", "version": "3.0.0", "vulns": [{"id": "PYSEC-y", "fix_versions": [], "aliases": []}]},
        {"name": "psycopg_binary", "version": "3.2.0", "vulns": []},
    ]
    failing = rule.judge(audited, direct)
    assert len(failing) == 1 and "Flask 3.1.0: GHSA-x" in failing[0]
    out = capsys.readouterr().out
    assert "WARNING  indirect Werkzeug" in out and "FAIL     DIRECT   Flask" in out


def test_a_package_pip_audit_skipped_is_audited_from_the_project_json_only_at_its_latest_release():
    rule = load()
    document = {"info": {"version": "3.1.3"},
                "vulnerabilities": [{"id": "GHSA-a", "aliases": ["CVE-1"], "fixed_in": ["3.1.4"]},
                                    {"id": "GHSA-old", "aliases": [], "fixed_in": [], "withdrawn": "2026-01-01"}]}
    asked = []

    def fetch(url):
        asked.append(url)
        return document

    found = rule.from_project_json({"name": "Flask", "version": "3.1.3"}, fetch)
    assert asked == ["https://pypi.org/pypi/flask/json"]
    assert found["vulns"] == [{"id": "GHSA-a", "aliases": ["CVE-1"], "fix_versions": ["3.1.4"]}]
    assert rule.from_project_json({"name": "Flask", "version": "3.0.0"}, fetch) is None  # not the latest
    assert rule.from_project_json({"name": "Flask", "version": "3.1.3"}, lambda url: None) is None  # unreachable
