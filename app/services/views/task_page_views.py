"""The task page: a task with its form and the case file (request, earlier answers, attachments), and the
check of a submitted form with its files that writes nothing."""
from __future__ import annotations

from dataclasses import dataclass

from app.domain import roles

from app.services.casework.attachments import Upload, validate_submission
from app.services.views.case_view_parts import AnswerBlock, AttachmentLink, answer_blocks, attachment_links, field_titles, form_pair, \
    is_owner, start_meta
from app.services.casework.cases import get_case
from app.services.infrastructure.context import Actor
from app.services.casework.tasks import TaskDetail, get_task
from app.services.modelling.versions import definition_for

@dataclass(frozen=True)
class TaskPageView:
    detail: TaskDetail
    registration_number: str
    case_status: str
    for_applicant: bool
    request_schema: dict
    request_ui: dict
    request_values: dict
    answers: list[AnswerBlock]
    attachments: list[AttachmentLink]
    claimed_by_other: bool
    claimed_by_me: bool
    on_behalf: bool = False  # an officer records the applicant's step for them


def task_page(actor: Actor, task_id: str, registration_number: str | None = None,
              on_behalf: bool = False) -> TaskPageView:
    """A task with its form and the case file (request, earlier answers, attachments); `on_behalf`: an officer
    records the applicant's step for them (app/services/casework/counter.py)."""
    detail = get_task(actor, task_id, registration_number, on_behalf)
    instance = detail.instance
    view = get_case(actor, instance.registration_number)
    definition = definition_for(instance)
    for_applicant = detail.row.lane == roles.PEMOHON and not on_behalf
    show_names = not is_owner(actor, instance)
    schema, ui = form_pair(definition, start_meta(instance, definition))
    row = detail.row
    return TaskPageView(
        detail=detail, registration_number=instance.registration_number, case_status=instance.status,
        for_applicant=for_applicant, request_schema=schema, request_ui=ui, request_values=view.data,
        answers=answer_blocks(view, definition, show_names, skip_first=True),
        attachments=attachment_links(actor, instance, field_titles(definition)),
        claimed_by_other=row.claimed_by_id is not None and row.claimed_by_id != actor.user_id,
        claimed_by_me=row.claimed_by_id is not None and row.claimed_by_id == actor.user_id,
        on_behalf=on_behalf,
    )


def check_submission(schema: dict, data: dict, uploads: dict[str, Upload]) -> None:
    """Validate a form and its files together, writing nothing: the web layer shows every problem of a form
    whose file it could not even read (over the size limit). The use cases check the same way themselves.

    Raises ValidationFailed with every problem at once: the file checks (content,
    size) next to the upload fields, the schema checks next to the other fields.
    """
    validate_submission(schema, data, uploads)
