"""What every step-up route's answer adds when a backup code was its second factor."""

from __future__ import annotations

import functools
from collections.abc import Callable

from flask import g

from ..errors import ApiError
from ..services.factors import backup
from .common import LINKS, tally
from .inputs import instance_of
from .twofa_replies import BackupCodesLeft


def tells_backup_codes_left(view: Callable) -> Callable:
    """A decorator for a step-up view (under token_required): when the step-up used up a backup
    code, the answer says how many remain and warns when few do, as /2fa/recover does; an
    error answered after the code was used up says it too (the code is spent either way)."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        try:
            body, status = view(*args, **kwargs)
        except ApiError as exc:
            exc.extra = _left()
            raise
        return {**body, **_left()}, status

    return wrapped


def _left() -> dict:
    """remainingBackupCodes (and warning), after a backup code answered the step-up; else {}."""
    if not tally().backup_code_used:
        return {}
    remaining, warning = backup.left(g.user.id, LINKS)
    fields = {"remaining_backup_codes": remaining}
    if warning is not None:
        fields["warning"] = warning
    return instance_of(BackupCodesLeft).dump(fields)
