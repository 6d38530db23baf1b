"""Known vulnerabilities in the installed environment (pip-audit), with the project's rule:

- every finding is reported, for every installed package;
- the run FAILS only when a package named in pyproject.toml [project].dependencies (our direct
  runtime dependencies) has a known vulnerability: those we choose and pin, so we fix them
  (raise the lower bound) or, when no fixed version exists, record the decision here;
- findings in indirect or test-only packages are printed as warnings (update them when their
  parent allows);
- when the vulnerability service cannot be reached (no network, a mirror without the JSON API),
  pip-audit cannot audit: a notice is printed and the run goes on.

Usage: python .ci/pip_audit_direct.py   (exit 1 only under the rule above)
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
import tomllib
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: vulnerability ids accepted after review: {"ID": "why"} (none so far)
ACCEPTED: dict[str, str] = {}


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def direct_dependencies() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return {normalize(re.split(r"[\s\[<>=!~;]", spec, maxsplit=1)[0]) for spec in project["dependencies"]}


def judge(audited: list[dict], direct: set[str]) -> list[str]:
    """Print every finding; return those that fail the run (direct dependencies, not accepted)."""
    failing = []
    for package in audited:
        for vuln in package.get("vulns", []):
            name = normalize(package["name"])
            ids = [vuln["id"], *vuln.get("aliases", [])]
            accepted = next((ACCEPTED[i] for i in ids if i in ACCEPTED), None)
            fixes = ", ".join(vuln.get("fix_versions", [])) or "no fixed version"
            kind = "DIRECT" if name in direct else "indirect"
            line = f"{kind:8} {package['name']} {package['version']}: {vuln['id']} (fixed in: {fixes})"
            if accepted:
                print(f"accepted {line} - {accepted}")
            elif name in direct:
                failing.append(line)
                print(f"FAIL     {line}")
            else:
                print(f"WARNING  {line}")
    return failing


PROJECT_JSON = "https://pypi.org/pypi/{name}/json"


def from_project_json(package: dict, fetch=None) -> dict | None:
    """Audit one package that pip-audit skipped from PyPI's project JSON (`/pypi/NAME/json`), whose
    `vulnerabilities` are those of the latest release: usable only when the installed version is the
    latest. Some package mirrors serve this document but not the per-version one pip-audit asks for.
    None when it cannot be audited this way."""
    fetch = fetch or _fetch
    document = fetch(PROJECT_JSON.format(name=normalize(package["name"])))
    if not document or document.get("info", {}).get("version") != package["version"]:
        return None
    vulns = [{"id": v.get("id"), "aliases": v.get("aliases") or [], "fix_versions": v.get("fixed_in") or []}
             for v in document.get("vulnerabilities") or [] if not v.get("withdrawn")]
    return {"name": package["name"], "version": package["version"], "vulns": vulns}


def _installed(name: str) -> str | None:
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _fetch(url: str) -> dict | None:
    try:
        with urllib.request.urlopen(url, timeout=30) as answer:  # noqa: S310 (a fixed https address)
            return json.load(answer)
    except (urllib.error.URLError, OSError, ValueError):
        return None


def main() -> int:
    try:
        import pip_audit  # noqa: F401
    except ImportError:
        print("NOTICE: pip-audit is not installed; dependency audit skipped")
        return 0
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "audit.json"
        try:
            done = subprocess.run([sys.executable, "-m", "pip_audit", "--skip-editable", "--progress-spinner", "off",
                                   "--format", "json", "--output", str(out)],
                                  capture_output=True, text=True, timeout=900)
        except subprocess.TimeoutExpired:
            print("NOTICE: pip-audit did not finish in 15 minutes (vulnerability service unreachable?); skipped")
            return 0
        if not out.exists():
            print("NOTICE: pip-audit could not run (vulnerability service unreachable?); skipped")
            print(done.stderr.strip()[-2000:])
            return 0
        report = json.loads(out.read_text())
    own = normalize(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["name"])
    packages = [p for p in report.get("dependencies", []) if normalize(p["name"]) != own]
    skipped = [p for p in packages if p.get("skip_reason")]
    audited = [p for p in packages if not p.get("skip_reason")]
    if skipped:  # try the project JSON for what the per-version service did not answer
        still = []
        for package in skipped:
            package.setdefault("version", _installed(package["name"]))
            found = from_project_json(package) if package.get("version") else None
            if found is None:
                still.append(package)
            else:
                audited.append(found)
        skipped = still
        not_latest = sorted(f"{p['name']} {p['version']}" for p in skipped if p.get("version"))
        if not_latest:
            print(f"NOTICE: {len(not_latest)} packages could not be audited (no per-version data, and not the "
                  f"latest release): {', '.join(not_latest)}")
    if packages and not audited:
        print(f"NOTICE: the vulnerability service could not be reached: none of {len(packages)} packages could be "
              "audited (pip-audit: 'not found on PyPI'); dependency audit skipped")
        return 0
    failing = judge(audited, direct_dependencies())
    print(f"pip-audit: {len(audited)} packages audited, {len(skipped)} skipped, "
          f"{len(failing)} known vulnerabilities in direct dependencies")
    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main())
