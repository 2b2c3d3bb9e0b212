"""A Label Studio server: read a project's annotations through the official client, page by page.

``load_annotations("labelstudio://HOST:PORT/projects/ID", token=...)`` (``labelstudio+https://`` for a
server behind TLS) reads every task of the project with ``label-studio-sdk`` (the optional extra
``annotation-qa[labelstudio]``) and hands them to the same reader as a full JSON export
(:mod:`analytics.io._labelstudio_tasks`), so a pull equals reading the project's export: each annotator's
result, cancelled annotations counted in the import report, ground-truth annotations as gold, predictions as
model predictions, the image references.

Tokens: a *personal access token* (a JWT refresh token, Label Studio ≥ 1.17) is exchanged by the client at
``/api/token/refresh`` for short-lived access tokens, renewed as they expire; a *legacy token* (40 hex
characters) is sent as it is, where the organization still allows legacy tokens. Without ``token=`` the
environment variable ``LABEL_STUDIO_API_KEY`` is used. Every failure of the server becomes a
:class:`~analytics.exceptions.LabelStudioError` that says what to fix (address, token, project id, server log).
"""

from __future__ import annotations

import os
import re
import warnings
from dataclasses import dataclass
from typing import Any, Callable, Iterator, TypeVar

from ..exceptions import InvalidParameterError, LabelStudioError
from ._labelstudio_labels import GroundTruth, TaxonomyLabels
from ._raw import RawAnnotations

__all__ = ["ServerAddress", "Connection", "is_server_address", "parse_address", "server_address", "resolve_token",
           "classification_controls", "read_server", "TOKEN_VARIABLE"]

#: The environment variable that holds the API token (the same one label-studio-sdk reads).
TOKEN_VARIABLE = "LABEL_STUDIO_API_KEY"
_ADDRESS = re.compile(r"^labelstudio(?P<tls>\+https)?://(?P<netloc>[^/?#\s]+)(?P<prefix>/[^?#\s]*?)?"
                      r"/projects/(?P<id>\d+)(?:/data)?/?(?:[?#].*)?$", re.IGNORECASE)
_CLASSIFICATION_TAGS = {"choices": "Choices", "taxonomy": "Taxonomy", "rating": "Rating"}
T = TypeVar("T")


@dataclass(frozen=True)
class ServerAddress:
    """A project on a Label Studio server: ``base_url`` (``http://host:port`` plus any path prefix) and id."""

    base_url: str
    project_id: int

    def __str__(self) -> str:
        scheme, rest = self.base_url.split("://", 1)
        return f"labelstudio{'+https' if scheme == 'https' else ''}://{rest}/projects/{self.project_id}"


def is_server_address(source: Any) -> bool:
    """Whether ``source`` is a ``labelstudio://`` (or ``labelstudio+https://``) address rather than a file."""
    return isinstance(source, str) and source.strip().lower().startswith(("labelstudio://", "labelstudio+https://"))


def parse_address(text: str) -> ServerAddress:
    """``labelstudio://HOST:PORT/projects/ID`` → :class:`ServerAddress` (raises with the expected form)."""
    match = _ADDRESS.match(text.strip())
    if match is None:
        raise InvalidParameterError(
            f"'{text}' is not a Label Studio project address. Write labelstudio://HOST:PORT/projects/ID (for "
            "example labelstudio://127.0.0.1:8080/projects/3; labelstudio+https://… for a server behind TLS); the "
            "project id is the number in the project's page address.")
    scheme = "https" if match["tls"] else "http"
    return ServerAddress(f"{scheme}://{match['netloc']}{(match['prefix'] or '').rstrip('/')}", int(match["id"]))


def server_address(url: str, project: int | str) -> ServerAddress:
    """The address of project ``project`` on the server at ``url`` (``http(s)://host:port``)."""
    text = str(url).strip().rstrip("/")
    if not re.match(r"^https?://[^/\s]+", text, re.IGNORECASE):
        raise InvalidParameterError(f"--url '{url}' is not a server address: give it as http://HOST:PORT (or "
                                    "https://…), the address you open Label Studio at.")
    try:
        project_id = int(str(project).strip())
    except ValueError:
        project_id = -1
    if project_id < 1:
        raise InvalidParameterError(f"--project '{project}' is not a project id: give the number in the project's "
                                    "page address (…/projects/3/data → 3).")
    scheme, rest = text.split("://", 1)
    return parse_address(f"labelstudio{'+https' if scheme.lower() == 'https' else ''}://{rest}/projects/{project_id}")


def resolve_token(token: str | None) -> str:
    """``token``, else ``LABEL_STUDIO_API_KEY``; raises saying where to find one when neither is set."""
    value = token if token is not None else os.environ.get(TOKEN_VARIABLE)
    if value is None or not str(value).strip():
        raise LabelStudioError(
            f"No Label Studio API token: set {TOKEN_VARIABLE} (or pass token=). Copy a personal access token from "
            "Label Studio → Account & Settings → Personal Access Token (or a legacy token where the organization "
            "allows them).")
    return str(value).strip()


def classification_controls(label_config: str | None, where: str) -> list[str]:
    """Names of the classification controls (``Choices``, ``Taxonomy``, ``Rating``) of a labelling config."""
    from xml.etree.ElementTree import ParseError

    from defusedxml import ElementTree

    try:
        root = ElementTree.fromstring(label_config or "<View/>")
    except (ParseError, ValueError) as exc:
        raise LabelStudioError(f"The labelling config of {where} is not valid XML ({exc}); fix it in the project's "
                               "Settings → Labeling Interface.") from None
    names = [str(el.get("name")) for el in root.iter() if isinstance(el.tag, str)
             and el.tag.lower() in _CLASSIFICATION_TAGS and el.get("name")]
    if not names:
        raise LabelStudioError(
            f"{where} asks no classification question: its labelling config has no <Choices>, <Taxonomy> or "
            "<Rating> control. Annotation QA reads image classification; add one in Settings → Labeling Interface, "
            'e.g. <Choices name="label" toName="image"><Choice value="cat"/><Choice value="dog"/></Choices>, '
            "or pull a classification project.")
    return names


class Connection:
    """One project on a Label Studio server, through ``label_studio_sdk.LabelStudio``; errors made readable.

    Parameters
    ----------
    address : ServerAddress
    token : str, optional
        Personal access token or legacy token; default ``LABEL_STUDIO_API_KEY``.
    timeout : float
        Seconds per request.
    retries : int
        Retries of a request the server answered 5xx, 408, 409 or 429 (with back-off).
    """

    def __init__(self, address: ServerAddress, token: str | None = None, *, timeout: float = 60.0,
                 retries: int = 2) -> None:
        self.address = address
        self._token = resolve_token(token)
        self._timeout, self._retries = timeout, retries
        self._client: Any = None

    def for_project(self, project_id: int) -> "Connection":
        """The same server, token and client, for another project."""
        other = Connection.__new__(Connection)
        other.__dict__.update(self.__dict__)
        other.address = ServerAddress(self.address.base_url, int(project_id))
        return other

    @property
    def where(self) -> str:
        return f"project {self.address.project_id} on {self.address.base_url}"

    @property
    def client(self) -> Any:
        """The SDK client (created on first use)."""
        if self._client is None:
            try:
                from label_studio_sdk import LabelStudio
            except ImportError:
                raise LabelStudioError("Reading a Label Studio server needs label-studio-sdk: pip install "
                                       "'annotation-qa[labelstudio]'.") from None
            self._client = self.call("checking the token", lambda: LabelStudio(
                base_url=self.address.base_url, api_key=self._token, timeout=self._timeout,
                max_retries=self._retries))
        return self._client

    def call(self, doing: str, fn: Callable[[], T], *, missing: str | None = None) -> T:
        """Run one request; any failure becomes a :class:`LabelStudioError` naming what to fix.

        ``missing`` is the message for a 404 (what does not exist); by default the project.
        """
        try:
            with warnings.catch_warnings():  # the SDK's own deprecation notices (pydantic) are not the user's concern
                warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"label_studio_sdk")
                return fn()
        except LabelStudioError:
            raise
        except Exception as exc:  # the SDK raises httpx, pydantic, JSON and its own errors: all mean "failed"
            raise self._explain(exc, doing, missing) from None

    def _explain(self, exc: Exception, doing: str, missing: str | None) -> LabelStudioError:
        base = self.address.base_url
        status = getattr(exc, "status_code", None)
        body = getattr(exc, "body", None)
        detail = body.get("detail") if isinstance(body, dict) else (body if isinstance(body, str) else None)
        detail_text = f" ({str(detail)[:200]})" if detail else ""
        kind = type(exc).__name__
        if status is None and (kind.endswith(("ConnectError", "ConnectTimeout", "ReadTimeout", "TimeoutException",
                                              "RemoteProtocolError", "ReadError", "UnsupportedProtocol"))
                               or isinstance(exc, OSError)):
            return LabelStudioError(f"Cannot reach Label Studio at {base} while {doing} ({kind}: {exc}). Is the "
                                    "server running, and are host and port right (the address you open Label "
                                    "Studio at)?")
        if status == 401:
            legacy = "legacy" in str(detail).lower()
            hint = (" This organization has legacy tokens switched off: use a personal access token (Account & "
                    "Settings → Personal Access Token), or ask an administrator to allow legacy tokens."
                    if legacy else f" Check {TOKEN_VARIABLE}: copy a personal access token from Account & Settings "
                    "→ Personal Access Token (or the legacy token, where the organization allows them).")
            return LabelStudioError(f"Label Studio at {base} refused the token while {doing} (HTTP 401"
                                    f"{detail_text}).{hint}")
        if status == 403:
            return LabelStudioError(f"The token's user may not do this in {self.where} while {doing} (HTTP 403"
                                    f"{detail_text}); use the token of a project member with that right.")
        if status == 404:
            return LabelStudioError(missing or self._missing_project())
        if isinstance(status, int) and status >= 500:
            return LabelStudioError(f"Label Studio at {base} failed with HTTP {status} while {doing}{detail_text}: "
                                    "an error inside the server. Look at the server's log, then try again; nothing "
                                    "was changed by this request.")
        if isinstance(status, int):
            return LabelStudioError(f"Label Studio at {base} answered HTTP {status} while {doing}{detail_text}.")
        return LabelStudioError(f"Label Studio at {base} gave an answer that is not its API while {doing} ({kind}: "
                                f"{str(exc)[:200]}). Check that the address is the Label Studio server itself.")

    def _missing_project(self) -> str:
        msg = f"Label Studio at {self.address.base_url} has no project {self.address.project_id} (HTTP 404)"
        try:
            seen = [(p.id, p.title) for _, p in zip(range(20), self.client.projects.list())]
        except Exception:  # the listing is a courtesy; the 404 is the message
            seen = []
        if seen:
            msg += "; projects this token can see: " + ", ".join(f"{i} '{t}'" for i, t in seen)
        return msg + ". Check the project id (the number in the project's page address)."

    def project(self) -> dict[str, Any]:
        """The project's ``id``, ``title``, ``label_config`` and ``task_number``."""
        p = self.call(f"opening {self.where}", lambda: self.client.projects.get(id=self.address.project_id))
        return {"id": p.id, "title": p.title or "", "label_config": p.label_config,
                "task_number": getattr(p, "task_number", None)}

    def iter_tasks(self, *, page_size: int = 250, fields: str = "all") -> Iterator[dict[str, Any]]:
        """Every task of the project as a JSON object (``id``, ``data``, ``annotations``, ``predictions``,
        ``meta``), page by page; raises when the project changes size while it is read."""
        total: int | None = None
        n_read, page = 0, 1
        while True:
            pager = self.call(f"reading page {page} of the tasks of {self.where}",
                              lambda: self._page(page, page_size, fields))
            items = list(pager.items or []) if pager is not None else []
            if total is None:
                total = int(getattr(pager.response, "total", 0) or 0) if pager is not None else 0
            for task in items:
                yield task_object(task)
            n_read += len(items)
            if not items or n_read >= total:
                break
            page += 1
        if n_read != total:
            raise LabelStudioError(f"{self.where} reported {total:,} tasks but {n_read:,} were read: tasks were added "
                                   "or deleted during the pull. Pull again.")


    def _page(self, page: int, page_size: int, fields: str) -> Any:
        """One page of tasks; ``None`` for the 404 Label Studio answers past the last page."""
        try:
            return self.client.tasks.list(project=self.address.project_id, page=page, page_size=page_size,
                                          fields=fields)
        except Exception as exc:
            if page > 1 and getattr(exc, "status_code", None) == 404:
                return None
            raise


def task_object(task: Any) -> dict[str, Any]:
    """A task of the SDK as the JSON object a full export holds (predictions included as objects)."""
    def plain(value: Any) -> Any:
        dump = getattr(value, "model_dump", None)
        return dump(mode="json", by_alias=True) if callable(dump) else value

    return {"id": task.id, "data": plain(task.data) or {}, "meta": plain(getattr(task, "meta", None)) or {},
            "annotations": [plain(a) for a in (getattr(task, "annotations", None) or [])],
            "predictions": [plain(p) for p in (getattr(task, "predictions", None) or [])]}


def read_server(source: str, *, token: str | None = None, field: str | None = None,
                taxonomy_labels: TaxonomyLabels = "path", ground_truth: GroundTruth = "gold",
                model_version: str | None = None, page_size: int = 250) -> RawAnnotations:
    """Pull every annotation of a project (see the module doc); the same result as reading its full JSON export.

    Raises
    ------
    LabelStudioError
        No token, server unreachable, token refused, no such project, a server error, or a project whose
        labelling config asks no classification question.
    """
    from ._labelstudio_tasks import read_tasks

    address = parse_address(source)
    conn = Connection(address, token)
    project = conn.project()
    where = f"project {address.project_id} '{project['title']}'"
    controls = classification_controls(project["label_config"], where)
    if project["task_number"] == 0:
        raise LabelStudioError(f"{where} on {address.base_url} has no tasks yet: import the images and annotate "
                               "them in Label Studio, then pull again.")
    if field is not None and field not in controls:
        raise InvalidParameterError(f"field='{field}' is not a classification control of {where}; its controls: "
                                    f"{', '.join(map(repr, controls))}.")
    raw = read_tasks(conn.iter_tasks(page_size=page_size), source=str(address), field=field,
                     taxonomy_labels=taxonomy_labels, ground_truth=ground_truth, model_version=model_version)
    raw.notes.append(f"Pulled from Label Studio: {where} at {address.base_url}.")
    return raw
