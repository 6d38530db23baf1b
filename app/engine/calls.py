"""Call activities that call deployed processes: resolved at import, refused when they recurse.

A call activity's `calledElement` names a process: one drawn in the same file, or one already
deployed. A deployed process is taken at its newest version, or at the version its property
`calledVersion` pins (the first 8 or more characters of that version's content hash). The
called version's stored spec (with the processes it calls in turn), user tasks and forms
travel with the caller's definition, so a case runs the called version it was imported with.

The engine does not read the database: the service layer passes a `Library`, a function from
(process id, pin or None) to the deployed version, or None when there is none.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Callable, Mapping

from lxml import etree
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask

from .problems import ImportRefused, Problem
from .types import UserTaskMeta

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core",
}
PIN_PROPERTY = "calledVersion"
_PIN = re.compile(r"^[0-9a-fA-F]{8,64}$")
SUBWORKFLOW_TYPES = frozenset({"CallActivity", "SubWorkflowTask", "TransactionSubprocess"})


@dataclass(frozen=True)
class DeployedProcess:
    """A stored version of a process, as the service layer hands it to the engine."""

    process_id: str
    name: str
    version_id: int
    content_hash: str
    spec_json: str
    user_tasks: Mapping[str, dict] = field(default_factory=dict)  # as stored: id -> UserTaskMeta fields
    forms: Mapping[str, dict] = field(default_factory=dict)


Library = Callable[[str, "str | None"], "DeployedProcess | None"]


@dataclass
class CalledProcesses:
    """What the call activities of one import resolved to."""

    spec_dicts: dict[str, dict] = field(default_factory=dict)  # process id -> serialized spec (deployed ones)
    called: dict[str, dict] = field(default_factory=dict)  # call activity id -> the version it calls
    user_tasks: dict[str, dict] = field(default_factory=dict)
    forms: dict[str, dict] = field(default_factory=dict)

    def hashes(self) -> list[str]:
        """Content hashes of the called versions (part of the caller's content hash)."""
        return sorted({c["content_hash"] for c in self.called.values()})

    def specs(self) -> dict:
        """The called processes' specs, restored (to serialize with the caller's)."""
        from .serialization import restore_specs

        return restore_specs(self.spec_dicts)

    def task_metas(self) -> dict:
        """The called processes' user tasks, as the caller's definition holds them."""
        return {k: UserTaskMeta(**{**v, "exclude_completers_of": tuple(v.get("exclude_completers_of", ()))})
                for k, v in self.user_tasks.items()}


def _pin(process: etree._Element, activity_id: str) -> str | None:
    found = process.xpath(".//bpmn:callActivity[@id=$id]/bpmn:extensionElements/spiffworkflow:properties/"
                          f"spiffworkflow:property[@name='{PIN_PROPERTY}']", namespaces=NS, id=activity_id)
    return (found[0].get("value") or "").strip() or None if found else None


def _node(process: etree._Element, activity_id: str):
    found = process.xpath(".//*[@id=$id]", id=activity_id)
    return found[0] if found else None


def _calls(spec) -> list:
    return [t for t in spec.task_specs.values() if isinstance(t, SubWorkflowTask)]


class _Resolver:
    def __init__(self, parser, process: etree._Element, library: Library | None):
        self.parser, self.process, self.library = parser, process, library
        self.in_file: dict[str, object] = {}
        self.result = CalledProcesses()
        self.sources: dict[str, str] = {}  # process id -> where its spec comes from (for conflicts)
        self.problems: list[Problem] = []
        self.done: set[str] = set()

    def problem(self, activity_id: str | None, message: str) -> None:
        node = _node(self.process, activity_id) if activity_id else None
        self.problems.append(Problem("parse", activity_id, node.get("name") if node is not None else None,
                                     node.sourceline if node is not None else None, message))

    # -- the processes of the imported file, and the deployed ones they call
    def walk_file(self, spec, path: list[str]) -> None:
        for task in _calls(spec):
            name = task.spec
            if name in path:
                self.cycle(task.bpmn_id, path[path.index(name):] + [name])
            elif self.parser.get_process_parser(name) is None:
                self.deployed(task.bpmn_id, name, path)
            elif name not in self.done:
                sub = self.parser.get_spec(name)
                self.in_file[name] = sub
                self.sources[name] = "berkas ini"
                self.walk_file(sub, path + [name])
                self.done.add(name)

    def deployed(self, activity_id: str, name: str, path: list[str]) -> None:
        pin = _pin(self.process, activity_id)
        if pin is not None and not _PIN.match(pin):
            self.problem(activity_id, f"{PIN_PROPERTY} '{pin}' bukan versi: tulis 8 karakter pertama atau "
                                      f"lebih dari hash isi salah satu versi '{name}' (lihat /proses)")
            return
        found = self.library(name, pin) if self.library is not None else None
        if found is None:
            if pin:
                self.problem(activity_id, f"proses '{name}' tidak punya versi yang hash isinya diawali '{pin}' "
                                          f"(versi yang dipatok {PIN_PROPERTY})")
            else:
                self.problem(activity_id, f"proses '{name}' yang dipanggil belum dipasang: impor proses "
                                          f"'{name}' lebih dahulu, baru proses ini")
            return
        self.result.called[activity_id] = {"process_id": found.process_id, "name": found.name,
                                           "version_id": found.version_id, "content_hash": found.content_hash,
                                           "pinned": pin}
        stored = json.loads(found.spec_json)
        specs = {name: stored["spec"], **stored["subprocess_specs"]}
        if not self.walk_stored(activity_id, name, specs, path):
            self.merge(specs, found)

    def walk_stored(self, activity_id: str, name: str, specs: dict[str, dict], path: list[str]) -> bool:
        """Follow a deployed version's own calls (frozen at its import) back to a process on `path`:
        True when a cycle was found (and reported)."""
        chain = path + [name]
        for task in specs[name]["task_specs"].values():
            called = task.get("spec") if task.get("typename") in SUBWORKFLOW_TYPES else None
            if called in chain:
                self.cycle(activity_id, chain[chain.index(called):] + [called])
                return True
            if called in specs and self.walk_stored(activity_id, called, specs, chain):
                return True
        return False

    def cycle(self, activity_id: str | None, chain: list[str]) -> None:
        self.problem(activity_id, f"pemanggilan berulang (rekursi): {' → '.join(chain)}; proses tidak boleh "
                                  "memanggil dirinya sendiri, langsung maupun lewat proses lain (rekursi selalu "
                                  "ditolak, berbatas atau tidak)")

    def merge(self, specs: dict[str, dict], found: DeployedProcess) -> None:
        source = f"proses '{found.process_id}' versi {found.content_hash[:12]}"
        for process_id, dct in specs.items():
            known = self.result.spec_dicts.get(process_id)
            if process_id in self.in_file or (known is not None and known != dct):
                self.problem(None, f"proses '{process_id}' akan dipanggil dalam dua versi berbeda (dari "
                                   f"{self.sources.get(process_id)} dan dari {source}): impor ulang pemanggilnya agar "
                                   f"memanggil versi yang sama, atau patok satu versi dengan {PIN_PROPERTY}")
                continue
            self.result.spec_dicts[process_id] = dct
            self.sources.setdefault(process_id, source)
        for task_id, meta in found.user_tasks.items():
            self.merge_task(task_id, dict(meta), source)
        for form, schema in found.forms.items():
            if form in self.result.forms and self.result.forms[form] != schema:
                self.problem(None, f"formulir {form} berbeda di antara dua proses yang dipanggil ({source} "
                                   "dan yang sebelumnya): impor ulang keduanya dengan formulir yang sama")
            self.result.forms[form] = schema

    def merge_task(self, task_id: str, meta: dict, source: str) -> None:
        own = {el.get("id") for el in self.process.getroottree().getroot().iter(f"{{{NS['bpmn']}}}userTask")}
        if task_id in own or (task_id in self.result.user_tasks and self.result.user_tasks[task_id] != meta):
            self.problem(None, f"id tugas pengguna '{task_id}' dipakai di sini dan di {source}: id tugas pengguna "
                               "harus unik di antara proses dan proses yang dipanggilnya (ganti salah satu di "
                               "editor)")
            return
        self.result.user_tasks[task_id] = meta


def resolve_calls(parser, process: etree._Element, spec, library: Library | None) -> tuple[dict, CalledProcesses]:
    """(in-file subprocess specs, the deployed processes called) for a parsed process; ImportRefused("parse")
    naming the missing process or the cycle."""
    resolver = _Resolver(parser, process, library)
    resolver.walk_file(spec, [process.get("id")])
    if resolver.problems:
        raise ImportRefused("parse", resolver.problems)
    return resolver.in_file, resolver.result


def call_graph(bpmn_xml: bytes) -> tuple[str | None, set[str]]:
    """(the executable process id, the processes its call activities name that the file does not hold), read
    safely; (None, empty) when the file cannot be read (its import says why)."""
    from .safexml import parse_xml_safely

    try:
        root = parse_xml_safely(bpmn_xml)
    except ImportRefused:
        return None, set()
    processes = root.findall("bpmn:process", NS)
    own = {p.get("id") for p in processes}
    executable = [p.get("id") for p in processes if p.get("isExecutable") == "true"] or (
        [processes[0].get("id")] if len(processes) == 1 else [])  # normalization marks a lone process
    called = {c.get("calledElement") for c in root.iter(f"{{{NS['bpmn']}}}callActivity") if c.get("calledElement")}
    return (executable[0] if len(executable) == 1 else None), called - own
