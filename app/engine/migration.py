"""Compare two versions of a process and move running cases from one to the other.

Built on SpiffWorkflow's `bpmn/util/diff.py` (SpecDiff aligns task specs by BPMN id, then
by structure; `migrate_workflow` points a workflow's tasks at the new specs and re-predicts
the ready and waiting ones). What this module adds:

- the reasons a case cannot move, in words (a task it waits at was removed, the form of its
  current task changed incompatibly, a subprocess it is inside was removed, a step it has
  already passed was removed, a changed task type);
- timers the new version did not change keep their due time (migrate_workflow would
  otherwise evaluate them again, from the migration time);
- predicted paths below running subprocesses are predicted again from the new model;
- a dry run: the migrated state must serialize and load again on the new version.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.specs.control import BoundaryEventSplit
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.util.diff import SpecDiff, diff_workflow, migrate_workflow
from SpiffWorkflow.util.task import TaskState

from .clock import put_specs_on_run_clock
from .definition import ProcessDefinition
from .runtime import _helpers
from .sandbox import RestrictedEnvironment
from .serialization import _FULL, StateSerializer, specs_from_json
from .types import RunContext

REGISTRY = _FULL.registry
_LIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED
_PREDICTED = TaskState.PREDICTED_MASK | TaskState.FUTURE

#: serialized attribute -> words used in a diff
_ATTRIBUTES = {
    "bpmn_name": "nama", "lane": "jalur", "event_definition": "peristiwa", "script": "skrip",
    "extensions": "properti (formulir)", "outputs": "alur keluar", "inputs": "alur masuk",
    "cond_task_specs": "syarat", "default_task_spec": "alur bawaan", "documentation": "dokumentasi",
    "cancel_activity": "sifat menghentikan tugas", "typename": "jenis", "prescript": "pra-skrip",
    "postscript": "pasca-skrip",
}
#: task spec classes in the process owner's words (reasons a case cannot move)
_KINDS = {
    "UserTask": "tugas pengguna", "ScriptTask": "tugas skrip", "ManualTask": "tugas manual", "NoneTask": "tugas",
    "SubWorkflowTask": "subproses", "CallActivity": "pemanggilan proses", "ServiceTask": "tugas layanan",
    "BusinessRuleTask": "tugas aturan bisnis", "ExclusiveGateway": "gerbang eksklusif",
    "ParallelGateway": "gerbang paralel", "InclusiveGateway": "gerbang inklusif", "BoundaryEvent": "peristiwa batas",
    "IntermediateCatchEvent": "peristiwa tunggu", "IntermediateThrowEvent": "peristiwa antara",
    "StartEvent": "peristiwa awal", "EndEvent": "peristiwa akhir",
}


@dataclass(frozen=True)
class SpecChange:
    """One element added, removed or changed between two versions."""

    id: str
    name: str
    type: str
    what: str

    def __str__(self) -> str:
        return f"{self.id} ({self.name}) [{self.type}]: {self.what}" if self.what else f"{self.id} ({self.name}) [{self.type}]"


@dataclass(frozen=True)
class DefinitionDiff:
    added: list[SpecChange] = field(default_factory=list)
    removed: list[SpecChange] = field(default_factory=list)
    changed: list[SpecChange] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


@dataclass(frozen=True)
class MigrationCheck:
    can_migrate: bool
    reasons: list[str]


class MigrationRefused(Exception):
    def __init__(self, reasons: list[str]):
        self.reasons = reasons
        super().__init__("; ".join(reasons))


class _Specs:
    def __init__(self, definition: ProcessDefinition):
        self.definition = definition
        self.spec, self.subprocess_specs = specs_from_json(definition.spec_json)
        put_specs_on_run_clock([self.spec, *self.subprocess_specs.values()])  # timers on the migration's time
        self.serializer = StateSerializer(self.spec, self.subprocess_specs)

    def all(self) -> dict[str, object]:
        return {"": self.spec, **self.subprocess_specs}


@functools.lru_cache(maxsize=32)
def _specs_by_hash(content_hash: str, spec_json: str, process_id: str) -> _Specs:
    return _Specs(ProcessDefinition(process_id=process_id, name=process_id, content_hash=content_hash,
                                    bpmn_xml=b"", spec_json=spec_json))


def _specs(definition: ProcessDefinition) -> _Specs:
    found = _specs_by_hash(definition.content_hash, definition.spec_json, definition.process_id)
    found.definition = definition
    return found


# -- comparing definitions ---------------------------------------------------------------
def _label(spec) -> str:
    return spec.bpmn_name or spec.bpmn_id or spec.name


def _kind(spec) -> str:
    return type(spec).__name__


def _names(specs) -> str:
    shown = [s for s in specs if getattr(s, "bpmn_id", None)] or list(specs)
    return ", ".join(f"{_label(s)}" for s in shown) or "-"


def _describe(old_spec, new_spec, keys: list[str]) -> str:
    words = []
    for key in keys:
        if key == "bpmn_name":
            words.append(f"nama '{old_spec.bpmn_name}' → '{new_spec.bpmn_name}'")
        elif key == "lane":
            words.append(f"jalur {old_spec.lane} → {new_spec.lane}")
        elif key == "event_definition":
            old_ed, new_ed = old_spec.event_definition, new_spec.event_definition
            if isinstance(old_ed, TimerEventDefinition) and isinstance(new_ed, TimerEventDefinition):
                words.append(f"timer {old_ed.expression} → {new_ed.expression}")
            else:
                words.append("definisi peristiwa berubah")
        elif key == "outputs":
            words.append(f"menuju {_names(new_spec.outputs)} (sebelumnya {_names(old_spec.outputs)})")
        elif key == "inputs":
            words.append(f"datang dari {_names(new_spec.inputs)} (sebelumnya {_names(old_spec.inputs)})")
        elif key == "extensions":
            old_p = (old_spec.extensions or {}).get("properties", {})
            new_p = (new_spec.extensions or {}).get("properties", {})
            diffs = [f"{k}: {old_p.get(k)} → {new_p.get(k)}" for k in sorted(set(old_p) | set(new_p))
                     if old_p.get(k) != new_p.get(k)]
            words.append("properti " + "; ".join(diffs) if diffs else "ekstensi berubah")
        elif key in ("name", "bpmn_id", "data_input_associations", "data_output_associations", "io_specification"):
            continue
        else:
            words.append(f"{_ATTRIBUTES.get(key, key)} berubah")
    return "; ".join(words)


def _form_changes(old: ProcessDefinition, new: ProcessDefinition) -> dict[str, str]:
    """User task id -> how its form changed (content compared, whatever the file names)."""
    out = {}
    for task_id, old_meta in old.user_tasks.items():
        new_meta = new.user_tasks.get(task_id)
        if new_meta is None:
            continue
        old_form, new_form = old.forms.get(old_meta.form or ""), new.forms.get(new_meta.form or "")
        if old_form != new_form:
            out[task_id] = f"formulir {new_meta.form} berubah ({form_difference(old_form or {}, new_form or {})})"
    return out


def form_difference(old: dict, new: dict) -> str:
    old_props, new_props = old.get("properties", {}), new.get("properties", {})
    parts = []
    added, removed = sorted(set(new_props) - set(old_props)), sorted(set(old_props) - set(new_props))
    if added:
        parts.append("isian ditambah: " + ", ".join(added))
    if removed:
        parts.append("isian dihapus: " + ", ".join(removed))
    retyped = [k for k in set(old_props) & set(new_props) if old_props[k].get("type") != new_props[k].get("type")]
    if retyped:
        parts.append("jenis isian berubah: " + ", ".join(sorted(retyped)))
    newly_required = sorted(set(new.get("required", [])) - set(old.get("required", [])))
    if newly_required:
        parts.append("kini wajib: " + ", ".join(newly_required))
    return "; ".join(parts) or "kata-kata atau aturan"


def incompatible_form_change(old: dict, new: dict) -> str | None:
    """Why data entered on the old form may not fit the new one (None: compatible).

    A field removed, its type changed, or a choice removed from its list is incompatible;
    fields added (required or not) and changed wording are compatible.
    """
    old_props, new_props = old.get("properties", {}), new.get("properties", {})
    removed = sorted(set(old_props) - set(new_props))
    if removed:
        return "isian dihapus: " + ", ".join(removed)
    for key in sorted(old_props):
        before, after = old_props[key], new_props[key]
        if before.get("type") != after.get("type"):
            return f"isian {key} berubah jenis {before.get('type')} → {after.get('type')}"
        lost = [v for v in before.get("enum", []) if "enum" in after and v not in after["enum"]]
        if lost:
            return f"isian {key} kehilangan pilihan {', '.join(map(str, lost))}"
    return None


def compare_definitions(old: ProcessDefinition, new: ProcessDefinition) -> DefinitionDiff:
    """What was added, removed and changed (BPMN elements only; forms compared by content)."""
    old_specs, new_specs = _specs(old), _specs(new)
    added, removed, changed = [], [], []
    forms = _form_changes(old, new)
    old_all, new_all = old_specs.all(), new_specs.all()
    for name, old_spec in old_all.items():
        new_spec = new_all.get(name)
        if new_spec is None:
            continue  # a removed subprocess: reported through its task in the parent
        diff = SpecDiff(REGISTRY, old_spec, new_spec)
        removed += [SpecChange(s.bpmn_id, _label(s), _kind(s), "") for s in diff.removed if s.bpmn_id]
        added += [SpecChange(s.bpmn_id, _label(s), _kind(s), "") for s in diff.added if s.bpmn_id]
        for spec, keys in diff.changed.items():
            if not spec.bpmn_id:
                continue
            what = _describe(spec, diff.alignment[spec], keys)
            if spec.bpmn_id in forms:
                what = "; ".join(filter(None, [what, forms.pop(spec.bpmn_id)]))
            if what:
                changed.append(SpecChange(spec.bpmn_id, _label(diff.alignment[spec]), _kind(spec), what))
    for name, new_spec in new_all.items():
        if name not in old_all:
            added += [SpecChange(s.bpmn_id, _label(s), _kind(s), f"di dalam subproses baru {name}")
                      for s in new_spec.task_specs.values() if s.bpmn_id]
    for task_id, what in forms.items():
        meta = new.user_tasks[task_id]
        changed.append(SpecChange(task_id, meta.name, "UserTask", what))
    key = lambda c: c.id  # noqa: E731
    return DefinitionDiff(sorted(set(added), key=key), sorted(set(removed), key=key), sorted(changed, key=key))


# -- moving a running case ---------------------------------------------------------------
def _task_label(task) -> str:
    spec = task.task_spec
    return f"'{spec.bpmn_name or spec.bpmn_id}' ({spec.bpmn_id})"


def _migrate(old_def: ProcessDefinition, new_def: ProcessDefinition, state: str, ctx: RunContext):
    """Migrate a copy of the state; return (workflow, reasons). The workflow is usable only without reasons."""
    old, new = _specs(old_def), _specs(new_def)
    reasons: list[str] = []
    if old_def.process_id != new_def.process_id:
        return None, [f"versi ini milik proses {new_def.process_id}, sedangkan kasus menjalankan {old_def.process_id}"]
    workflow = old.serializer.loads(state)
    workflow.script_engine = PythonScriptEngine(environment=RestrictedEnvironment(_helpers(ctx)))
    # timers judged on the migration's own time (clock.py), not the system clock: a replay of this migration,
    # run months later, must not find a timer due that was not due when the case moved
    workflow._ppid_clock = lambda: ctx.now
    if workflow.completed:
        return None, ["kasus sudah selesai"]
    top_diff, sub_diffs = diff_workflow(REGISTRY, workflow, new.spec, new.subprocess_specs)
    pairs = [(workflow, top_diff, new.spec)]
    for sub_id, diff in sub_diffs.items():
        sub = workflow.subprocesses[sub_id]
        if diff is None:
            owner = workflow.get_task_from_id(sub_id)
            reasons.append(f"kasus berada di dalam subproses {_task_label(owner)}, yang dihapus pada versi baru")
        else:
            pairs.append((sub, diff, new.subprocess_specs[sub.spec.name]))
    forms = {}
    for task in workflow.get_tasks(state=TaskState.READY, manual=True):
        meta_old = old_def.user_tasks.get(task.task_spec.bpmn_id)
        meta_new = new_def.user_tasks.get(task.task_spec.bpmn_id)
        if meta_old and meta_new:
            why = incompatible_form_change(old_def.forms.get(meta_old.form or "", {}),
                                           new_def.forms.get(meta_new.form or "", {}))
            if why:
                forms[task.task_spec.bpmn_id] = why
    for wf, diff, _spec in pairs:
        for task in diff.removed:
            if not task.task_spec.bpmn_id:
                continue
            if task.has_state(_LIVE):
                reasons.append(f"kasus sedang berada di {_task_label(task)}, yang dihapus pada versi baru")
            elif task.has_state(TaskState.FINISHED_MASK):
                reasons.append(f"kasus sudah melewati {_task_label(task)}, yang dihapus pada versi baru "
                               "(riwayatnya tidak dapat dibawa)")
        for task in diff.changed:
            if task.has_state(_LIVE) and task.task_spec.bpmn_id:
                new_spec = diff.alignment.get(task)
                if new_spec is not None and type(new_spec) is not type(task.task_spec):
                    kind = type(new_spec).__name__
                    reasons.append(f"{_task_label(task)} kini menjadi {_KINDS.get(kind, kind)}")
        for task in diff.alignment:
            new_spec = diff.alignment.get(task)
            if (task.has_state(_LIVE) and task.task_spec.bpmn_id and new_spec is not None
                    and _guarded(new_spec) != _guarded(task.task_spec)):
                change = "mendapat" if _guarded(new_spec) else "kehilangan"
                reasons.append(f"kasus sedang berada di {_task_label(task)}, yang pada versi baru {change} peristiwa "
                               "batas (timer atau pesan): kasus dapat dipindahkan setelah langkah ini selesai")
    for spec_id, why in forms.items():
        reasons.append(f"formulir tugas yang sedang terbuka {spec_id} berubah sehingga data yang sudah diisi "
                       f"tidak cocok: {why}")
    if reasons:
        return None, list(dict.fromkeys(reasons))
    kept_timers = _unchanged_timers(pairs)
    for wf, diff, spec in pairs:
        migrate_workflow(diff, wf, spec)
    workflow.subprocess_specs = new.subprocess_specs
    for wf, _diff, spec in pairs:
        _repredict(wf, spec)
    for task_id, internal in kept_timers.items():
        task = workflow.get_task_from_id(task_id)
        if task is not None and task.has_state(TaskState.WAITING):
            task.internal_data = internal
    try:
        new.serializer.loads(new.serializer.dumps(workflow))
    except Exception as exc:  # noqa: BLE001 - any failure means the case cannot move
        return None, [f"keadaan kasus setelah dipindahkan tidak dapat dimuat pada versi baru "
                      f"({type(exc).__name__}: {exc})"]
    return workflow, []


def _guarded(spec) -> bool:
    """Whether boundary events are attached to the activity (SpiffWorkflow then enters it through a split)."""
    return any(isinstance(i, BoundaryEventSplit) for i in getattr(spec, "inputs", ()))


def _unchanged_timers(pairs) -> dict:
    """Waiting timer tasks whose definition did not change: their computed due time is kept."""
    kept = {}
    for _wf, diff, _spec in pairs:
        changed = set(diff.changed)
        for task in diff.alignment:
            if (task.has_state(TaskState.WAITING) and task not in changed
                    and isinstance(getattr(task.task_spec, "event_definition", None), TimerEventDefinition)):
                kept[task.id] = dict(task.internal_data)
    return kept


def _repredict(workflow, spec) -> None:
    """Predict again below running tasks whose predicted children no longer match the new model."""
    valid = set(spec.task_specs.values())
    for task in list(workflow.get_tasks(state=TaskState.STARTED, skip_subprocesses=True)):
        children = task.children
        if not children or not all(c.has_state(_PREDICTED) for c in children):
            continue
        stale = [t for c in children for t in c if t.task_spec not in valid]
        if not stale and [c.task_spec for c in children] == list(task.task_spec.outputs):
            continue
        task._drop_children(force=True)
        for output in task.task_spec.outputs:
            task._add_child(output, TaskState.FUTURE)
        for child in task.children:
            child.task_spec._predict(child, mask=_PREDICTED)


def check_migration(old_def: ProcessDefinition, new_def: ProcessDefinition, state: str,
                    ctx: RunContext) -> MigrationCheck:
    """Whether a case in `state` (on `old_def`) can move to `new_def`, and if not, why."""
    _workflow, reasons = _migrate(old_def, new_def, state, ctx)
    return MigrationCheck(not reasons, reasons)


def migrate_state(old_def: ProcessDefinition, new_def: ProcessDefinition, state: str, ctx: RunContext) -> str:
    """The case's state moved onto `new_def` (MigrationRefused with the reasons when it cannot move)."""
    workflow, reasons = _migrate(old_def, new_def, state, ctx)
    if reasons:
        raise MigrationRefused(reasons)
    return _specs(new_def).serializer.dumps(workflow)
