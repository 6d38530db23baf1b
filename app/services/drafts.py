"""The process modeler's use cases (/proses/<process_id>/ubah): what the modeler opens.

The modeler is a convenience over `ppid process import`: whatever it deploys goes through
app.services.processes.import_process like an import of an editor's export.
"""
from __future__ import annotations

from dataclasses import dataclass

from .process_views import version_number
from .processes import latest_version


@dataclass(frozen=True)
class EditorSource:
    """What the modeler opens: a BPMN text and where it comes from."""

    process_id: str
    name: str
    version_id: int
    version_number: int
    bpmn_xml: str


def latest_source(process_id: str) -> EditorSource:
    """The newest version of a process, as the modeler opens it (NotFound when never deployed)."""
    version = latest_version(process_id)
    return EditorSource(version.process_id, version.name, version.id, version_number(version.id),
                        version.bpmn_xml.decode("utf-8"))
