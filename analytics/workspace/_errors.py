"""Errors of the workspace: every one a :class:`~analytics.exceptions.AnnotationQAError` (a ``ValueError``) whose
message names the workspace, the delivery or the decision at fault and what to do about it."""

from __future__ import annotations

from ..exceptions import AnnotationQAError

__all__ = ["WorkspaceError", "WorkspaceNotFoundError", "WorkspaceBusyError", "WorkspaceVersionError",
           "DuplicateDeliveryError", "DeliveryNotFoundError"]


class WorkspaceError(AnnotationQAError):
    """A workspace cannot be opened, read or written as asked."""


class WorkspaceNotFoundError(WorkspaceError):
    """No workspace at the location given (and the command does not create one)."""


class WorkspaceBusyError(WorkspaceError):
    """Another process held the workspace's write lock for longer than the timeout; nothing was written."""


class WorkspaceVersionError(WorkspaceError):
    """The workspace was written by a newer version of annotation-qa (a schema revision this one does not know)."""


class DuplicateDeliveryError(WorkspaceError):
    """The same content (or a delivery of the same name) is already in the workspace.

    Attributes
    ----------
    earlier : str
        Name of the delivery already holding it.
    """

    def __init__(self, message: str, *, earlier: str) -> None:
        super().__init__(message)
        self.earlier = earlier


class DeliveryNotFoundError(WorkspaceError):
    """No delivery of that name in the workspace."""
