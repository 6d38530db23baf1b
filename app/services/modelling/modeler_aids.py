"""What the modeler's properties panel and form editor offer and ask while the owner types
(app/static/modeler_panel.js, app/static/form_editor.js): the roles a lane may take, the forms a user task
may use, the mail templates, a timer in working days with the date it gives a request received now, a
gateway condition checked by the sandbox's compiler, a form checked and previewed. Read only.
"""
from __future__ import annotations

import ast
import json
from datetime import datetime
from pathlib import Path

from lxml import etree

from app.domain.timeutil import format_waktu
from app.domain.errors import ValidationFailed
from app.engine.modeler_checks import (condition_messages, form_messages, parse_working_days, read_working_days,
                                       timer_due)
from app.engine.types import RunContext

from app.services.infrastructure.calendar import current_calendar
from app.services.infrastructure.context import Actor, setting
from app.services.modelling.drafts import draft_detail, draft_form
from app.services.casework.forms import clean_submission, resolve_schema
from app.services.infrastructure.notifications import TEMPLATE_LABELS
from app.services.modelling.processes import latest_version
from app.services.people.roles import NON_LANE_ROLES, ordered_role_keys, role_labels

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
#: where a timer may count from, in the panel's words (any other key the model uses is offered as it is)
SINCE_LABELS = {"tanggal_diterima": "permohonan diterima", "": "langkah ini dimulai"}
SCHEMA_SUFFIX, UI_SUFFIX = ".schema.json", ".uischema.json"


def lane_roles() -> list[dict[str, str]]:
    """The roles a lane may be named after: every role in the database except those that work no lane."""
    labels = role_labels()
    return [{"key": key, "label": labels.get(key, key)} for key in ordered_role_keys() if key not in NON_LANE_ROLES
            or key == "pemohon"]


def form_names(draft_forms: dict[str, str] | None = None) -> dict[str, list[str]]:
    """The form names (without suffix) a user task may use: forms/ and the draft's own; and which have a UI schema."""
    files = {p.name for p in Path(setting("PPID_FORMS_DIR")).glob("*.json")} | set(draft_forms or {})
    names = sorted(f[: -len(SCHEMA_SUFFIX)] for f in files if f.endswith(SCHEMA_SUFFIX))
    with_ui = sorted(f[: -len(UI_SUFFIX)] for f in files if f.endswith(UI_SUFFIX))
    return {"forms": names, "with_ui": with_ui}


def panel_choices(process_id: str, draft_forms: dict[str, str] | None = None) -> dict:
    """Everything the panel offers, for the page's data block."""
    return {"roles": lane_roles(), **form_names(draft_forms),
            "templates": [{"key": k, "label": v} for k, v in sorted(TEMPLATE_LABELS.items())],
            "since": [{"key": k, "label": v} for k, v in SINCE_LABELS.items()], "process_id": process_id}


# -- timers ----------------------------------------------------------------------------------------
def _preview_context(now: datetime) -> RunContext:
    return RunContext(now=now, calendar=current_calendar(), allocate_number=lambda kind: f"{kind}-contoh")


def timer_preview(now: datetime, text: str = "", since: str = "", expression: str = "") -> dict:
    """A timer typed as "5 hari kerja" (counted from `since`), or an expression as it is: the expression to
    write into the BPMN and when it would fire for a request received at `now`."""
    if text.strip():
        timer = parse_working_days(text, since)
        if timer is None:
            return {"ok": False, "message": "Tulis jumlah hari kerja, mis. \u201c5 hari kerja\u201d (1 sampai 365)."}
        expression = timer.expression
    expression = expression.strip()
    if not expression:
        return {"ok": False, "message": "Timer belum berisi waktu."}
    try:
        due = timer_due(expression, _preview_context(now), now)
    except Exception as exc:  # noqa: BLE001 - any failure of the owner's expression is said, not raised
        return {"ok": False, "expression": expression, "message": f"Timer tidak dapat dihitung: {exc}"}
    parsed = read_working_days(expression)
    return {"ok": True, "expression": expression, "due": due.isoformat(), "due_text": format_waktu(due),
            "days": parsed.days if parsed else None, "since": (parsed.since or "") if parsed else None}


# -- conditions --------------------------------------------------------------------------------------
def _script_names(bpmn: bytes) -> set[str]:
    """Names the scripts of a model set, and its data objects."""
    try:
        root = etree.fromstring(bpmn, etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False))
    except etree.XMLSyntaxError:
        return set()
    names = {el.get("id") for el in root.iter(f"{{{BPMN_NS}}}dataObject") if el.get("id")}
    for script in root.iter(f"{{{BPMN_NS}}}script"):
        try:
            tree = ast.parse(script.text or "", mode="exec")
        except SyntaxError:
            continue
        names |= {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    return names


def _form_fields(forms: dict) -> set[str]:
    names: set[str] = set()
    for form in forms.values():
        if isinstance(form, str):
            try:
                form = json.loads(form)
            except json.JSONDecodeError:
                continue
        if isinstance(form, dict) and isinstance(form.get("properties"), dict):
            names |= set(form["properties"])
    return names


def known_names(actor: Actor, process_id: str, draft_id: int | None = None) -> set[str]:
    """The case data names a condition of this process may read: form fields and script results of the
    newest version and of the draft."""
    version = latest_version(process_id)
    names = _form_fields(version.forms) | _script_names(version.bpmn_xml)
    if draft_id is not None:
        draft = draft_detail(actor, draft_id)
        names |= _form_fields(draft.forms) | _script_names(draft.bpmn_xml.encode("utf-8"))
    return names


def condition_check(actor: Actor, process_id: str, text: str, draft_id: int | None = None) -> dict:
    """A gateway condition as typed: the compiler's problems, and names nothing in the process sets."""
    messages, unknown = condition_messages(text, known_names(actor, process_id, draft_id))
    if unknown and not messages:
        messages_warn = [f"tidak ada isian formulir atau hasil skrip bernama {', '.join(unknown)} di proses ini: "
                         "periksa ejaannya (nilai yang belum diisi membuat langkah gagal)"]
    else:
        messages_warn = []
    return {"ok": not messages, "messages": messages, "warnings": messages_warn, "unknown": unknown}


# -- the form editor ---------------------------------------------------------------------------------
#: what a new form starts as in the form editor
NEW_FORM = {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "", "type": "object",
            "required": [], "properties": {}}


def form_sources(actor: Actor, draft_id: int, name: str) -> tuple[str, str, bool]:
    """(JSON Schema text, UI schema text, new?) of form `name` as the draft holds it, else as forms/ does."""
    schema = draft_form(actor, draft_id, f"{name}{SCHEMA_SUFFIX}")
    ui = draft_form(actor, draft_id, f"{name}{UI_SUFFIX}")
    if schema is None:
        return json.dumps({**NEW_FORM, "title": name.replace("_", " ").capitalize()}, indent=2), ui or "{}", True
    return schema, ui or "{}", False


def form_preview(schema_text: str, ui_text: str, answers: dict | None = None) -> dict:
    """A form as typed: its problems in the import's words, the schema to render (choices from the database
    filled in) and, for sample answers, the messages the server would give on each field."""
    schema, ui, problems = form_messages(schema_text, ui_text)
    if schema is None:
        return {"problems": problems, "schema": None, "ui": ui, "errors": {}}
    errors: dict[str, list[str]] = {}
    if answers is not None:
        try:
            clean_submission(schema, answers)
        except ValidationFailed as failed:
            errors = failed.errors
        except Exception as exc:  # noqa: BLE001 - a schema the validator cannot run is a problem of the form
            problems.append(f"Formulir tidak dapat diperiksa: {exc}")
    return {"problems": problems, "schema": resolve_schema(schema), "ui": ui, "errors": errors}
