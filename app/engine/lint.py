"""Stage d of an import: the project's own rules (docs/PROCESS_CONVENTIONS.md).

Every rule reports every element that breaks it, with the element's id, name and line.
Scripts, conditions and timer expressions are checked statically (an ast walk and the
sandbox's restricted compiler) and timers are also evaluated once in the sandbox, with the
helpers bound to a fixed sample time and every data name bound to a sample date.
"""
from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable, Iterable

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from lxml import etree
from RestrictedPython import safe_builtins
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from app.domain.roles import ROLE_KEY

from .formschema import schema_problems
from .normalize import LOOKS_ISO, TIMER_KINDS, candidate_group_lanes
from .problems import Problem
from .sandbox import _EXTRA_BUILTINS, HELPER_NAMES, RestrictedEnvironment, SandboxError, compile_expression, compile_script

STAGE = "lint"
NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core",
    "camunda": "http://camunda.org/schema/1.0/bpmn",
}
BPMN = f"{{{NS['bpmn']}}}"
FLOW_NODE_TAGS = frozenset({
    "task", "userTask", "manualTask", "scriptTask", "serviceTask", "sendTask", "receiveTask",
    "businessRuleTask", "callActivity", "subProcess", "transaction", "adHocSubProcess",
    "startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent",
    "exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway", "complexGateway",
})
CONTAINER_TAGS = frozenset({"subProcess", "transaction", "adHocSubProcess"})

ALLOWED_BUILTINS = frozenset(n for n in (*safe_builtins, *_EXTRA_BUILTINS) if not n.startswith("_"))
#: names a model may never use, with the reason given to the process owner
FORBIDDEN = {
    "open": "membaca atau menulis berkas tidak diizinkan",
    "eval": "menjalankan kode yang disusun saat berjalan tidak diizinkan",
    "exec": "menjalankan kode yang disusun saat berjalan tidak diizinkan",
    "compile": "menjalankan kode yang disusun saat berjalan tidak diizinkan",
    "__import__": "impor modul tidak diizinkan",
    "getattr": "akses atribut dinamis tidak diizinkan",
    "setattr": "akses atribut dinamis tidak diizinkan",
    "delattr": "akses atribut dinamis tidak diizinkan",
    "globals": "memeriksa isi interpreter tidak diizinkan",
    "locals": "memeriksa isi interpreter tidak diizinkan",
    "vars": "memeriksa isi interpreter tidak diizinkan",
    "dir": "memeriksa isi interpreter tidak diizinkan",
    "type": "memeriksa isi interpreter tidak diizinkan",
    "object": "memeriksa isi interpreter tidak diizinkan",
    "super": "memeriksa isi interpreter tidak diizinkan",
    "input": "membaca konsol tidak diizinkan",
    "breakpoint": "debugger tidak diizinkan",
    "exit": "menghentikan server tidak diizinkan",
    "quit": "menghentikan server tidak diizinkan",
    "help": "tidak diizinkan",
    "memoryview": "tidak diizinkan",
}
SAMPLE_NOW = datetime(2026, 1, 5, 2, 0, tzinfo=timezone.utc)  # a Monday, 09:00 WIB
SAMPLE_DATE = "2026-01-05T02:00:00+00:00"
_FORM_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*\.json$")


@dataclass
class LintResult:
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    forms: dict[str, dict] = field(default_factory=dict)


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _owner(el: etree._Element) -> etree._Element:
    while el is not None and el.get("id") is None:
        el = el.getparent()
    return el


class _Linter:
    def __init__(self, process: etree._Element, read_form: Callable[[str], dict], known_roles: Iterable[str],
                 lanes: dict[str, str | None], stage: str = STAGE, also_provided: Iterable[str] = ()):
        self.process = process
        self.also_provided = tuple(also_provided)  # keys the processes it calls write (app/engine/contract_check.py)
        self.stage = stage
        self.root = process.getroottree().getroot()
        self.read_form = read_form
        self.known_roles = frozenset(known_roles)
        self.lanes = lanes
        self.result = LintResult()

    def problem(self, el: etree._Element | None, message: str) -> None:
        el = _owner(el) if el is not None else None
        self.result.problems.append(Problem(
            self.stage, el.get("id") if el is not None else None, el.get("name") if el is not None else None,
            el.sourceline if el is not None else None, message))

    def find(self, path: str) -> list[etree._Element]:
        return self.process.findall(path, NS)

    # -- lanes and roles -------------------------------------------------------------------
    def check_lanes(self) -> None:
        listed: dict[str, list[str]] = {}
        for lane in self.find(".//bpmn:lane"):
            if lane.find("bpmn:childLaneSet", NS) is not None:
                continue
            name = (lane.get("name") or "").strip()
            if not name:
                self.problem(lane, "jalur (lane) tidak bernama: nama jalur harus kunci sebuah peran")
            elif name not in self.known_roles and not ROLE_KEY.match(name):
                # a lane named in words (e.g. "Process Initiator"): say what a role key is, and offer one
                key = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
                key = key if ROLE_KEY.match(key) else "peran_baru"
                self.problem(lane, f"jalur '{name}' bukan kunci peran (2-60 huruf kecil, angka dan _, diawali "
                                   f"huruf): namai jalur dengan sebuah peran, mis. '{key}', lalu tambahkan peran itu "
                                   f"(`ppid role add {key} \"{name}\"`), atau pakai salah satu dari: "
                                   f"{', '.join(sorted(self.known_roles))}")
            elif name not in self.known_roles:
                self.problem(lane, f"jalur '{name}' bukan peran yang dikenal; tambahkan perannya dulu "
                                   f"(`ppid role add {name} \"<nama peran>\"`) atau pakai salah satu dari: "
                                   f"{', '.join(sorted(self.known_roles))}")
            for ref in lane.iterfind("bpmn:flowNodeRef", NS):
                listed.setdefault((ref.text or "").strip(), []).append(name)
        for node_id, names in listed.items():
            if len(names) > 1:
                node = self.process.find(f".//*[@id='{node_id}']")
                self.problem(node if node is not None else self.process,
                             f"'{node_id}' tercantum di {len(names)} jalur ({', '.join(names)}); cantumkan di satu "
                             "jalur saja")
        for task_id, group in candidate_group_lanes(self.root).items():
            task = self.process.find(f".//bpmn:userTask[@id='{task_id}']", NS)
            if task is None:
                continue
            if "," in group or "${" in group:
                self.problem(task, f"camunda:candidateGroups '{group}' harus menyebut tepat satu kunci peran")
            elif group not in self.known_roles:
                self.problem(task, f"camunda:candidateGroups '{group}' bukan peran yang dikenal")

    # -- user tasks and forms --------------------------------------------------------------
    def _properties(self, el: etree._Element) -> dict[str, str]:
        props = el.xpath("./bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", namespaces=NS)
        return {p.get("name"): p.get("value", "") for p in props}

    def _form(self, task: etree._Element, name: str, ui: bool) -> None:
        if name in self.result.forms:
            return
        what = "tampilan formulir" if ui else "formulir"
        if not _FORM_NAME.match(name):
            self.problem(task, f"{what} '{name}': formulir disebut dengan nama berkas biasa yang berakhiran .json")
            return
        try:
            form = self.read_form(name)
        except json.JSONDecodeError as exc:
            self.problem(task, f"{what} '{name}' bukan JSON yang sah: {exc.msg} (baris {exc.lineno})")
            return
        except (OSError, ValueError) as exc:
            self.problem(task, f"{what} '{name}': {exc}")
            return
        if not isinstance(form, dict):
            self.problem(task, f"{what} '{name}' harus berupa objek JSON")
            return
        if not ui:
            try:
                Draft202012Validator.check_schema(form)
            except SchemaError as exc:
                where = "/".join(str(p) for p in exc.path) or "(akar)"
                self.problem(task, f"formulir '{name}' bukan JSON Schema (Draft 2020-12) yang sah di {where}: "
                                   f"{exc.message}")
                return
            if form.get("type", "object") != "object":
                self.problem(task, f"formulir '{name}' harus menggambarkan objek (\"type\": \"object\")")
                return
            unsafe = schema_problems(form)  # non-local $ref, patterns RE2 cannot run (app/engine/formschema.py)
            for message in unsafe:
                self.problem(task, f"formulir '{name}': {message}")
            if unsafe:
                return
        self.result.forms[name] = form

    def check_user_tasks(self) -> None:
        task_ids = {t.get("id") for t in self.find(".//bpmn:userTask")}
        for task in self.find(".//bpmn:userTask"):
            props = self._properties(task)
            form = props.get("formJsonSchemaFilename") or task.get(f"{{{NS['camunda']}}}formKey")
            if not self.lanes.get(task.get("id")):
                self.problem(task, "tugas pengguna tidak berada di jalur (lane) mana pun, sehingga tidak ada yang dapat "
                                   "mengerjakannya: gambar di dalam jalur yang dinamai dengan sebuah peran")
            if not form:
                self.problem(task, "tugas pengguna tidak menyebut formulir (properti spiffworkflow "
                                   "formJsonSchemaFilename atau camunda:formKey)")
            else:
                self._form(task, form, ui=False)
            if props.get("formUiSchemaFilename"):
                self._form(task, props["formUiSchemaFilename"], ui=True)
            for ref in (x.strip() for x in props.get("excludeCompletersOf", "").split(",") if x.strip()):
                if ref not in task_ids:
                    self.problem(task, f"excludeCompletersOf menyebut '{ref}', yang bukan tugas pengguna proses ini")

    # -- code: scripts, conditions, timers -------------------------------------------------
    def code_messages(self, source: str, mode: str, what: str) -> tuple[list[str], set[str]]:
        """Problems of one script/expression and the data names it reads."""
        try:
            tree = ast.parse(source, mode=mode)
        except SyntaxError as exc:
            return [f"{what} tidak dapat dikompilasi: {exc.msg} (baris {exc.lineno} dari {what})"], set()
        defined = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        defined |= {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
        defined |= {a.arg for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.Lambda))
                    for a in n.args.args + n.args.kwonlyargs}
        messages: list[str] = []
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                module = node.module if isinstance(node, ast.ImportFrom) else ", ".join(a.name for a in node.names)
                messages.append(f"{what} mengimpor {module}: impor modul tidak diizinkan")
            elif isinstance(node, ast.Name) and node.id in FORBIDDEN:
                messages.append(f"{what} memakai {node.id}(): {FORBIDDEN[node.id]}")
            elif isinstance(node, ast.Attribute) and node.attr.startswith("__"):
                messages.append(f"{what} membaca atribut dunder '.{node.attr}': atribut dengan garis bawah ganda "
                                "tidak diizinkan")
            elif isinstance(node, ast.Attribute) and node.attr.startswith("_"):
                messages.append(f"{what} membaca atribut privat '.{node.attr}': tidak diizinkan")
            elif isinstance(node, ast.Name) and node.id.startswith("_"):
                messages.append(f"{what} memakai nama '{node.id}': nama yang diawali '_' tidak diizinkan")
            elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                  and node.func.id not in FORBIDDEN and node.func.id not in HELPER_NAMES
                  and node.func.id not in ALLOWED_BUILTINS and node.func.id not in defined):
                messages.append(f"{what} memanggil fungsi yang tidak dikenal '{node.func.id}': hanya fungsi bantu "
                                f"({', '.join(HELPER_NAMES)}) dan fungsi bawaan yang aman yang boleh dipanggil")
        if not messages:
            try:
                compile_expression(source) if mode == "eval" else compile_script(source)
            except SandboxError as exc:
                messages.append(f"{what} ditolak oleh sandbox: {exc}")
        reads = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
        free = reads - defined - set(HELPER_NAMES) - ALLOWED_BUILTINS - set(FORBIDDEN)
        return list(dict.fromkeys(messages)), free

    def check_scripts(self) -> None:
        for task in self.find(".//bpmn:scriptTask"):
            script = task.find("bpmn:script", NS)
            if script is None or not (script.text or "").strip():
                self.problem(task, "tugas skrip tidak berisi skrip")
                continue
            messages = self.code_messages(script.text, "exec", "skrip")[0]
            for message in messages or self.data_flow_messages(script.text, "skrip"):
                self.problem(task, message)
        for tag in ("preScript", "postScript"):
            for node in self.process.iterfind(f".//spiffworkflow:{tag}", NS):
                if (node.text or "").strip():
                    messages = self.code_messages(node.text, "exec", tag)[0]
                    for message in messages or self.data_flow_messages(node.text, tag):
                        self.problem(node, message)

    def personal_fields(self) -> frozenset[str]:
        """The `"x-personal": true` fields of this process's forms (read by check_user_tasks)."""
        names = set()
        for form in self.result.forms.values():
            for name, prop in (form.get("properties") or {}).items() if isinstance(form.get("properties"), dict) else ():
                if isinstance(prop, dict) and prop.get("x-personal") is True:
                    names.add(name)
        return frozenset(names)

    def data_flow_messages(self, source: str, what: str) -> list[str]:
        """Personal data stays where it is (ASVS 8.1.x): a script may not copy an x-personal field into another
        case-data field (`status` shows on the public /cek page, other fields to other lanes), and mails go only
        to the applicant or a lane of this process, named literally."""
        tree = ast.parse(source, mode="exec")
        personal, messages = self.personal_fields(), []
        # a lane of this process, or a known staff role: our processes escalate to kepala_diskominfo, who has no
        # lane of their own in every model (an address, or any text that is not a role, is refused)
        lanes = {(lane.get("name") or "").strip() for lane in self.find(".//bpmn:lane")} | {"pemohon"}
        lanes |= self.known_roles
        for node in ast.walk(tree):
            if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)) and node.value is not None:
                read = sorted({n.id for n in ast.walk(node.value) if isinstance(n, ast.Name) and n.id in personal})
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                names = sorted({n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)} - personal)
                if read and names:
                    messages.append(f"{what} menyalin data pribadi '{', '.join(read)}' (x-personal) ke "
                                    f"'{', '.join(names)}': data pribadi tidak boleh dipindah ke isian lain "
                                    "(status tampil di halaman publik /cek, isian lain tampil bagi jalur lain)")
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "kirim_pemberitahuan":
                first = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "kepada"), None)
                if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
                    messages.append(f"{what}: penerima kirim_pemberitahuan harus ditulis langsung sebagai teks "
                                    "('pemohon' atau kunci peran sebuah jalur proses ini)")
                elif first.value not in lanes:
                    messages.append(f"{what}: kirim_pemberitahuan ke '{first.value}' tidak diizinkan: pemberitahuan "
                                    f"hanya untuk 'pemohon' atau peran jalur proses ini ({', '.join(sorted(lanes))})")
        return list(dict.fromkeys(messages))

    def check_conditions(self) -> None:
        for flow in self.find(".//bpmn:sequenceFlow"):
            cond = flow.find("bpmn:conditionExpression", NS)
            if cond is None:
                continue
            if not (cond.text or "").strip():
                self.problem(flow, "syarat (condition) kosong")
                continue
            for message in self.code_messages(cond.text.strip(), "eval", "syarat")[0]:
                self.problem(flow, message)

    def check_timers(self) -> None:
        from app.domain.calendar import WorkingCalendar

        from .runtime import _helpers
        from .types import RunContext

        ctx = RunContext(now=SAMPLE_NOW, calendar=WorkingCalendar(), allocate_number=lambda kind: f"{kind}-2026-00001")
        env = RestrictedEnvironment(_helpers(ctx))
        for definition in self.find(".//bpmn:timerEventDefinition"):
            kinds = [el for el in definition if _local(el) in TIMER_KINDS]
            event = definition.getparent()
            if self.timer_shape(definition):
                continue
            node = kinds[0]
            kind, text = _local(node), (node.text or "").strip()
            messages, free = self.code_messages(text, "eval", f"timer {kind}")
            if messages:
                self.problem(event, f"'{text}': " + "; ".join(messages))
                continue
            if isinstance(ast.parse(text, mode="eval").body, ast.Name) and LOOKS_ISO.match(text):
                self.problem(event, f"timer {kind} '{text}' bukan teks ISO 8601 yang sah")
                continue
            message = None
            # data names are sampled as dates (tanggal_diterima); failing that, as a number of days
            for sample in (SAMPLE_DATE, 1):
                try:
                    value = env.evaluate(text, {name: sample for name in free})
                except Exception as exc:  # noqa: BLE001 - any failure of the model's expression is reported
                    message = message or f"gagal dihitung dengan data contoh ({type(exc).__name__}: {exc})"
                    continue
                found = _timer_value_problem(kind, value)
                if found is None:
                    message = None
                    break
                message = message or found
                if not free:
                    break
            if message:
                self.problem(event, f"timer {kind} '{text}' {message}")

    def timer_shape(self, definition: etree._Element) -> bool:
        """Report a timer with no or several time kinds, or an empty one (True when reported)."""
        kinds = [el for el in definition if _local(el) in TIMER_KINDS]
        event = definition.getparent()
        if len(kinds) != 1:
            self.problem(event, "timer ini perlu tepat satu dari timeDate (tanggal), timeDuration (lama) atau "
                                f"timeCycle (berulang); ditemukan {len(kinds)}: isi jenis dan waktunya di editor")
            return True
        if not (kinds[0].text or "").strip():
            self.problem(event, f"timer {_local(kinds[0])} kosong: isi waktunya, mis. "
                                "hari_kerja(5, sejak=tanggal_diterima) atau \"P5D\"")
            return True
        return False

    def check_timer_shapes(self) -> None:
        for definition in self.find(".//bpmn:timerEventDefinition"):
            self.timer_shape(definition)

    # -- structure -------------------------------------------------------------------------
    def check_gateways(self) -> None:
        flows = self.find(".//bpmn:sequenceFlow")
        for gateway in (*self.find(".//bpmn:exclusiveGateway"), *self.find(".//bpmn:inclusiveGateway")):
            outgoing = [f for f in flows if f.get("sourceRef") == gateway.get("id")]
            default = gateway.get("default")
            if default and default not in {f.get("id") for f in outgoing}:
                self.problem(gateway, f"alur bawaan (default) '{default}' bukan alur keluar gerbang ini")
            if len(outgoing) < 2:
                continue
            bare = [f.get("id") for f in outgoing if f.get("id") != default
                    and not (f.findtext("bpmn:conditionExpression", "", NS) or "").strip()]
            if bare:
                kind = "eksklusif" if _local(gateway) == "exclusiveGateway" else "inklusif"
                self.problem(gateway, f"gerbang {kind} dengan {len(outgoing)} alur keluar: {', '.join(bare)} "
                                      "tidak bersyarat dan bukan alur bawaan (default); beri setiap alur syarat "
                                      "atau tandai satu sebagai alur bawaan")

    def check_reachable(self) -> None:
        containers = [self.process, *(el for el in self.process.iter() if _local(el) in CONTAINER_TAGS)]
        links: dict[str, list[etree._Element]] = {}
        for catch in self.find(".//bpmn:intermediateCatchEvent"):
            link = catch.find("bpmn:linkEventDefinition", NS)
            if link is not None:
                links.setdefault(link.get("name") or "", []).append(catch)
        for container in containers:
            nodes = {el.get("id"): el for el in container if _local(el) in FLOW_NODE_TAGS}
            successors: dict[str, list[str]] = {}
            for flow in container.iterfind("bpmn:sequenceFlow", NS):
                successors.setdefault(flow.get("sourceRef"), []).append(flow.get("targetRef"))
            boundary: dict[str, list[str]] = {}
            for node in nodes.values():
                if _local(node) == "boundaryEvent":
                    boundary.setdefault(node.get("attachedToRef"), []).append(node.get("id"))
            if _local(container) == "adHocSubProcess":
                roots = [i for i in nodes if not any(i in t for t in successors.values())]
            else:
                roots = [i for i, n in nodes.items() if _local(n) == "startEvent"
                         or (_local(n) == "subProcess" and n.get("triggeredByEvent") == "true")]
            seen, todo = set(), list(roots)
            while todo:
                current = todo.pop()
                if current in seen or current not in nodes:
                    continue
                seen.add(current)
                todo += successors.get(current, []) + boundary.get(current, [])
                link = nodes[current].find("bpmn:linkEventDefinition", NS)
                if _local(nodes[current]) == "intermediateThrowEvent" and link is not None:
                    todo += [c.get("id") for c in links.get(link.get("name") or "", [])]
            for node_id, node in nodes.items():
                if node_id not in seen:
                    where = "" if container is self.process else f" di dalam {container.get('id')}"
                    self.problem(node, f"tidak dapat dicapai dari peristiwa awal{where}: tidak ada alur yang "
                                       "menuju ke sini")

    def check_diagram(self) -> None:
        shapes = {s.get("bpmnElement") for s in self.root.iterfind(".//bpmndi:BPMNShape", NS)}
        edges = {e.get("bpmnElement") for e in self.root.iterfind(".//bpmndi:BPMNEdge", NS)}
        missing = [el.get("id") for el in self.process.iter() if _local(el) in FLOW_NODE_TAGS | {"lane"}
                   and el.get("id") not in shapes]
        missing += [f.get("id") for f in self.find(".//bpmn:sequenceFlow") if f.get("id") not in edges]
        if missing:
            shown = ", ".join(missing[:8]) + (f" dan {len(missing) - 8} lagi" if len(missing) > 8 else "")
            self.result.warnings.append(f"tidak ada gambar (DI) untuk {shown}: gambar proses tidak akan "
                                        "menampilkannya")

    def check_data_contract(self) -> None:
        """The keys the code reads (app/domain/data_contract.py) that this process does not write."""
        from .contract_check import contract_findings

        refusals, warnings = contract_findings(self.process, self.result.forms.values(), self.also_provided)
        for message in refusals:
            self.problem(self.process, message)
        self.result.warnings += warnings

    def run(self) -> LintResult:
        for check in (self.check_lanes, self.check_user_tasks, self.check_timers, self.check_conditions,
                      self.check_scripts, self.check_gateways, self.check_reachable, self.check_diagram,
                      self.check_data_contract):
            check()
        return self.result


def _timer_value_problem(kind: str, value) -> str | None:
    """Why an evaluated timer value is not what SpiffWorkflow's parser for that kind needs (None: fine)."""
    if not isinstance(value, str):
        return f"menghasilkan {value!r} ({type(value).__name__}), bukan teks ISO 8601"
    try:
        if kind == "timeDate":
            parsed = TimerEventDefinition.parse_time_or_duration(value)
            if not isinstance(parsed, datetime):
                return (f"menghasilkan lama waktu '{value}', padahal timeDate perlu tanggal dan jam "
                        "(pakai timeDuration)")
        elif kind == "timeDuration":
            TimerEventDefinition.get_timedelta_from_start(TimerEventDefinition.parse_iso_duration(value), SAMPLE_NOW)
        else:
            TimerEventDefinition.parse_iso_recurring_interval(value)
    except Exception:  # noqa: BLE001 - SpiffWorkflow's parsers raise plain exceptions
        wanted = {"timeDate": "tanggal dan jam", "timeDuration": "lama waktu", "timeCycle": "perulangan (R3/PT1H)"}[kind]
        return f"menghasilkan '{value}', yang bukan {wanted} ISO 8601 yang sah"
    return None


def preparse_problems(process: etree._Element, stage: str) -> list[Problem]:
    """The rules SpiffWorkflow's parser would report vaguely (timers without a time, gateways without
    conditions), run on the XML before it (the import's "model" stage)."""
    linter = _Linter(process, lambda name: {}, (), {}, stage=stage)
    linter.check_timer_shapes()
    linter.check_gateways()
    return linter.result.problems


def lint(process: etree._Element, read_form: Callable[[str], dict], known_roles: Iterable[str],
         lanes: dict[str, str | None], also_provided: Iterable[str] = ()) -> LintResult:
    """Check one executable process element against the project's rules; `also_provided`: the case-data keys
    the processes it calls write."""
    return _Linter(process, read_form, known_roles, lanes, also_provided=also_provided).run()
