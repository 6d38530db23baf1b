"""What an import needs from the deployed processes: the versions call activities call, and DMN files.

The engine resolves call activities (app.engine.calls) without reading the database: this module
hands it a lookup over the stored versions. It also reads the DMN files kept beside the BPMN
files in processes/, and orders that folder so a called process is deployed before its callers.
"""
from __future__ import annotations

from pathlib import Path

from app.engine.calls import DeployedProcess, Library, call_graph
from app.persistence.models import ProcessVersion, db


def deployed_process(process_id: str, pin: str | None = None) -> DeployedProcess | None:
    """The newest stored version of a process, or the newest whose content hash begins with `pin`."""
    query = db.select(ProcessVersion).filter_by(process_id=process_id)
    if pin:
        query = query.where(ProcessVersion.content_hash.startswith(pin.lower(), autoescape=True))
    version = db.session.scalar(query.order_by(ProcessVersion.id.desc()).limit(1))
    if version is None:
        return None
    return DeployedProcess(process_id=version.process_id, name=version.name, version_id=version.id,
                           content_hash=version.content_hash, spec_json=version.spec_json,
                           user_tasks=dict(version.user_tasks or {}), forms=dict(version.forms or {}))


def deployed_library() -> Library:
    """The lookup check_import gives the call activities of an imported process."""
    return deployed_process


def folder_decisions(folder: Path) -> dict[str, bytes]:
    """Every DMN file of a folder (processes/ keeps those of the deployed processes), by file name."""
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.dmn"))}


def deploy_order(paths: list[Path]) -> list[Path]:
    """The BPMN files with every file a file calls (by process id) before it; otherwise by name."""
    graphs = {path: call_graph(path.read_bytes()) for path in paths}
    by_process = {process_id: path for path, (process_id, _called) in graphs.items() if process_id}
    ordered: list[Path] = []

    def visit(path: Path, seen: frozenset[Path]) -> None:
        if path in ordered or path in seen:  # a cycle is refused by the import itself
            return
        for process_id in sorted(graphs[path][1]):
            if process_id in by_process:
                visit(by_process[process_id], seen | {path})
        ordered.append(path)

    for path in sorted(paths):
        visit(path, frozenset())
    return ordered
