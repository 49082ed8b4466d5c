"""NG lists: add, change and remove entries one at a time (API, admin forms and actions) or from a CSV file.

Every write goes through here so each one is validated the same way (the API, a file and the admin's
form refuse the same past expiry), attributed (`created_by`, and the history's user or change reason)
and takes effect at the next request (each write changes the serving generation itself).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from curation.models import EXPIRY_MAX_AHEAD, EXPIRY_MAX_YEARS, SLOT_NAMES, NgCategory
from curation.selectors import CSV_COLUMNS, EXPORT_ONLY, KINDS, NgKind, readable_expiry
from curation.services.ng_bulk import ng_rows_copy
from curation.vocabulary import Vocabulary, categories
from recommendations.errors import FieldError, NotFound, ValidationFailed
from recommendations.generation import generation_changed
from recommendations.row_validation import FieldSpec, duplicate_errors, external_id, text, validate_rows, within_range
from recommendations.spreadsheet import cell_in

# Ids looked up per query (SQLite allows 32,766 parameters), and rows written per INSERT or UPDATE.
LOOKUP_CHUNK = 5_000
WRITE_BATCH = 2_000
UPLOAD_KEPT = dt.timedelta(days=1)  # a checked file waits this long for its confirmation


# a date alone, as ISO writes it or as Excel in Japan does: 2026-12-31, 2026/12/31, 2026/1/5
DATE_ONLY = re.compile(r"([0-9]{4})[-/]([0-9]{1,2})[-/]([0-9]{1,2})")


def _expiry(value: Any) -> dt.datetime | None:
    """An ISO 8601 date-time with a zone, or a date (2026-12-31 or 2026/12/31, as Excel writes it) meaning
    the end of that day in the site's time zone (TIME_ZONE); empty: never. Stored in UTC, at most
    EXPIRY_MAX_AHEAD from now."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, str):
        value = value.strip()
        day = DATE_ONLY.fullmatch(value)
        try:
            if day:
                date = dt.date(*(int(part) for part in day.groups()))
                parsed = dt.datetime.combine(date + dt.timedelta(days=1), dt.time(), timezone.get_default_timezone())
            else:
                parsed = dt.datetime.fromisoformat(value)
        except OverflowError:  # the calendar's last day: its end is past the end of the calendar
            raise ValueError(_("'%(value)s' is past the last date recsite accepts") % {"value": value[:40]}) from None
        except ValueError:
            raise ValueError(
                _("'%(value)s' is not a date (2026/12/31) or an ISO 8601 date-time") % {"value": value[:40]}
            ) from None
    else:
        raise ValueError(_("must be a date (2026-12-31) or an ISO 8601 date-time"))
    if parsed.tzinfo is None:
        raise ValueError(_("a date-time needs a time zone, e.g. 2026-12-31T23:59:00+09:00"))
    now = timezone.now()
    try:
        if parsed <= now:
            raise ValueError(_("%(moment)s is already past") % {"moment": parsed.isoformat()})
    except OverflowError:  # the calendar's edge with an offset: not past, but far out of range
        pass
    latest = now + EXPIRY_MAX_AHEAD
    try:
        return within_range(parsed, now, latest)
    except ValueError:
        raise ValueError(
            _("must be within %(years)s years (%(latest)s); leave it empty for an entry that never expires")
            % {"years": EXPIRY_MAX_YEARS, "latest": f"{latest:%Y-%m-%d}"}
        ) from None


def _slots(value: Any) -> list[str]:
    """Slot names as a list, or in a file as 'items|shops'; empty: every slot."""
    if value is None:
        return []
    names = value if isinstance(value, list) else [v.strip() for v in str(value).replace(",", "|").split("|")]
    names = [n for n in names if n]
    unknown = [n for n in names if n not in SLOT_NAMES]
    if unknown:
        raise ValueError(
            _("unknown slot(s) %(unknown)s; use %(known)s or leave empty")
            % {"unknown": ", ".join(map(str, unknown)), "known": ", ".join(SLOT_NAMES)}
        )
    return sorted(set(names))


def _category() -> Callable[[Any], str]:
    """A category the catalogue has, in its own spelling (the vocabulary is read once, at the first row)."""
    known: list[Vocabulary] = []
    path = text(300, required=True)

    def parse(value: Any) -> str:
        if not known:
            known.append(categories())
        return known[0].canonical(path(value))

    return parse


def _fields(kind: NgKind) -> dict[str, FieldSpec]:
    target = FieldSpec(external_id if kind.catalog else _category(), required=True)
    return {
        kind.id_field: target,
        "reason": FieldSpec(text(300, required=True), required=True),
        "expires_at": FieldSpec(_expiry),
        "slots": FieldSpec(_slots),
    }


@dataclass
class NgCheck:
    """A checked batch: clean rows with their target resolved, every error, and what it would change."""

    rows: list[dict]
    errors: list[FieldError]
    new: int = 0
    changed: int = 0
    listed: set = field(default_factory=set)  # the targets already on the list (their rows replace entries)

    @property
    def ok(self) -> bool:
        return not self.errors


def ng_entry_check(fields: dict) -> tuple[dict, list[FieldError]]:
    """An entry's reason, expiry, slots and (NG categories) category_path checked by the rules every write
    path shares: the clean values (a category in the catalogue's spelling) and what is wrong."""
    specs = {k: v for k, v in _fields(KINDS["categories"]).items() if k in fields}
    [clean], errors = validate_rows([fields], specs, what="entry")
    return clean, errors


def ng_entry_save(entry: models.Model, *, by: str, user: AbstractBaseUser | None = None) -> models.Model:
    """Save an entry edited in a form; ValidationFailed (nothing saved) when it breaks a rule of the API's."""
    fields = {"reason": entry.reason, "expires_at": entry.expires_at, "slots": entry.slots}
    if isinstance(entry, NgCategory):
        fields["category_path"] = entry.category_path
    clean, errors = ng_entry_check(fields)
    if errors:
        raise ValidationFailed("The NG entry was not saved.", errors)
    if isinstance(entry, NgCategory):
        entry.category_path = clean["category_path"]
    if entry.pk is None:
        entry.created_by = by
    with transaction.atomic():
        _attributed(entry, by, user).save()
        generation_changed()
    return entry


def _attributed(entry: models.Model, by: str, user: AbstractBaseUser | None) -> models.Model:
    """The entry, its next history row naming who changed it (also when an API key did)."""
    entry._change_reason = by
    if user is not None:
        entry._history_user = user
    return entry


def ng_rows_check(kind_name: str, rows: list[dict]) -> NgCheck:
    """Check every row (unknown ids, duplicates, bad dates, unknown slots) without writing anything."""
    kind = KINDS[kind_name]
    clean, errors = validate_rows(rows, _fields(kind), what=kind_name)
    ids = [r.get(kind.id_field) for r in clean]
    errors += duplicate_errors(ids, kind.id_field, "row")
    if kind.catalog is not None:
        known: dict[str, int] = {}
        for chunk in _chunks([i for i in ids if i]):
            known.update(kind.catalog.objects.filter(external_id__in=chunk).values_list("external_id", "pk"))
        for index, row in enumerate(clean):
            value = row.get(kind.id_field)
            if value is not None and value not in known:
                missing = _("no %(target)s with %(field)s '%(value)s'")
                errors.append(
                    FieldError(
                        index,
                        kind.id_field,
                        missing % {"target": kind.target_label(), "field": kind.id_field, "value": value},
                    )
                )
            elif value is not None:
                row["target"] = known[value]
    else:
        for row in clean:
            if row.get(kind.id_field):
                row["target"] = row[kind.id_field]
    existing = ng_listed(kind_name, [r["target"] for r in clean if "target" in r])
    check = NgCheck(rows=clean, errors=sorted(errors, key=lambda e: (e.index or 0, e.field)), listed=existing)
    check.changed = sum(1 for r in clean if r.get("target") in existing)
    check.new = sum(1 for r in clean if "target" in r) - check.changed
    return check


def _chunks(values: list, size: int = LOOKUP_CHUNK) -> list[list]:
    return [values[i : i + size] for i in range(0, len(values), size)]


def ng_listed(kind_name: str, targets: list) -> set:
    """Which of `targets` (item or shop keys, or category paths) already have an entry."""
    kind = KINDS[kind_name]
    column = kind.column
    found: set = set()
    for chunk in _chunks(targets):
        found.update(kind.model.objects.filter(**{f"{column}__in": chunk}).values_list(column, flat=True))
    return found


def ng_rows_apply(kind_name: str, rows: list[dict], *, by: str, user: AbstractBaseUser | None = None) -> NgCheck:
    """Check, then write every row in one transaction; nothing is written if any row is bad."""
    check = ng_rows_check(kind_name, rows)
    if not check.ok:
        raise ValidationFailed(f"{len(check.errors)} problem(s) in the {kind_name}; nothing was saved.", check.errors)
    kind = KINDS[kind_name]
    column = kind.column
    if connection.vendor == "postgresql":
        with transaction.atomic():
            ng_rows_copy(kind.model, column, check.rows, by, user)
            generation_changed()
        return check
    with transaction.atomic():
        current: dict = {}
        for chunk in _chunks([row["target"] for row in check.rows]):
            current.update(
                (getattr(e, column), e) for e in readable_expiry(kind.model.objects.filter(**{f"{column}__in": chunk}))
            )
        new, changed = [], []
        for row in check.rows:
            entry = current.get(row["target"])
            (changed if entry is not None else new).append(_filled(kind, entry, row, by))
        # one history row per entry, in bulk: a 200,000-row file is saved within a request's time
        history = {"batch_size": WRITE_BATCH, "default_user": user, "default_change_reason": by}
        bulk_create_with_history(new, kind.model, **history)
        bulk_update_with_history(changed, kind.model, ["reason", "expires_at", "slots"], **history)
        generation_changed()
    return check


def _filled(kind: NgKind, entry: models.Model | None, row: dict, by: str) -> models.Model:
    """The entry (a new one, made by `by`, when None) with the checked row's reason, expiry and slots."""
    if entry is None:
        entry = kind.model(**{kind.column: row["target"]}, created_by=by)
    entry.reason, entry.expires_at, entry.slots = row["reason"], row.get("expires_at"), row.get("slots", [])
    return entry


def _put(kind: NgKind, row: dict, *, by: str, user: AbstractBaseUser | None) -> tuple[models.Model, bool]:
    current = kind.model.objects.filter(**{kind.column: row["target"]}).first()
    entry = _filled(kind, current, row, by)
    _attributed(entry, by, user).save()
    return entry, current is None


def ng_put(
    kind_name: str, target_id: str, fields: dict, *, by: str, user: AbstractBaseUser | None = None
) -> tuple[models.Model, bool]:
    """Add or replace one entry (reason required; expires_at and slots optional); returns it and whether new."""
    kind = KINDS[kind_name]
    check = ng_rows_check(kind_name, [{**fields, kind.id_field: target_id}])
    if not check.ok:
        not_found = [e for e in check.errors if e.field == kind.id_field and e.message.startswith("no ")]
        if not_found:
            raise NotFound(not_found[0].message[0].upper() + not_found[0].message[1:] + ".")
        raise ValidationFailed(f"The NG entry for '{target_id}' is invalid.", check.errors)
    with transaction.atomic():
        put = _put(kind, check.rows[0], by=by, user=user)
        generation_changed()
    return put


def ng_delete(kind_name: str, target_id: str, *, by: str, user: AbstractBaseUser | None = None) -> None:
    """Remove one entry; NotFound if it is not on the list."""
    kind = KINDS[kind_name]
    lookup = {f"{kind.target}__external_id": target_id} if kind.catalog else {kind.target: target_id}
    entry = kind.model.objects.filter(**lookup).first()
    if entry is None:
        raise NotFound(f"'{target_id}' is not on the NG list of {kind.label()}.")
    with transaction.atomic():
        _attributed(entry, by, user).delete()
        generation_changed()


def ng_upload_keep(content: str) -> str:
    """Keep a checked file until its confirmation (it is not sent back through the browser); returns its token."""
    _uploads_forget_old()
    token = uuid.uuid4().hex
    default_storage.save(_upload_name(token), ContentFile(content.encode()))
    return token


def _uploads_forget_old() -> None:
    """Files checked but never confirmed are deleted after UPLOAD_KEPT."""
    try:
        _folders, names = default_storage.listdir("uploads")
    except FileNotFoundError:
        return
    cutoff = timezone.now() - UPLOAD_KEPT
    for name in names:
        if name.startswith("ng-") and default_storage.get_modified_time(f"uploads/{name}") < cutoff:
            default_storage.delete(f"uploads/{name}")


def ng_upload_take(token: str) -> str:
    """The file kept under `token`, forgotten as it is read; NotFound for an unknown or used token."""
    if not re.fullmatch(r"[0-9a-f]{32}", token or ""):
        raise NotFound("That upload is not known; check the file again.")
    name = _upload_name(token)
    if not default_storage.exists(name):
        raise NotFound("That upload was already saved or has expired; check the file again.")
    with default_storage.open(name, "rb") as kept:
        content = kept.read().decode()
    default_storage.delete(name)
    return content


def _upload_name(token: str) -> str:
    return f"uploads/ng-{token}.csv"


def ng_csv_rows(kind_name: str, content: str) -> list[dict]:
    """The rows of an uploaded CSV (header: id column, reason, expires_at, slots); ValidationFailed if the
    header is wrong. Empty cells count as not given."""
    kind = KINDS[kind_name]
    # newline="": a lone carriage return (old Mac files, a cell pasted from elsewhere) ends a line, as Excel reads it
    reader = csv.DictReader(io.StringIO(content.lstrip("\ufeff"), newline=""))
    expected = (kind.id_field, *CSV_COLUMNS)
    try:
        header = [h.strip() for h in reader.fieldnames or []]
    except csv.Error as exc:
        raise _unreadable(reader.line_num, exc) from None
    missing = [c for c in (kind.id_field, "reason") if c not in header]
    unknown = [c for c in header if c not in expected and c not in EXPORT_ONLY]
    if missing or unknown:
        problems = ([_("missing column(s) %(columns)s") % {"columns": ", ".join(missing)}] if missing else []) + (
            [_("unknown column(s) %(columns)s") % {"columns": ", ".join(unknown)}] if unknown else []
        )
        raise ValidationFailed(
            _("The header must be %(header)s (the last two optional): %(problems)s.")
            % {"header": ",".join(expected), "problems": "; ".join(problems)},
            [FieldError(None, "header", "; ".join(problems))],
        )
    rows = []
    try:
        raws = list(reader)
    except csv.Error as exc:  # what the csv module cannot read at all
        raise _unreadable(reader.line_num, exc) from None
    for raw in raws:
        row = {
            k.strip(): (cell_in(v.strip()) if isinstance(v, str) else v)
            for k, v in raw.items()
            if k and k.strip() not in EXPORT_ONLY
        }
        rows.append({k: v for k, v in row.items() if v not in ("", None)})
    if not rows:
        raise ValidationFailed(_("The file has a header but no rows."), [FieldError(None, "file", _("no rows"))])
    return rows


def _unreadable(line: int, exc: csv.Error) -> ValidationFailed:
    """A file the csv module gives up on, named by its line."""
    return ValidationFailed(
        _("Line %(line)s of the file cannot be read as CSV: %(problem)s.") % {"line": line, "problem": exc},
        [FieldError(None, "file", _("line %(line)s: %(problem)s") % {"line": line, "problem": exc})],
    )
