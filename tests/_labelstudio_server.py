"""A real Label Studio server for tests and benchmarks (label-studio from PyPI, in its own virtual environment).

``AQA_LABEL_STUDIO_BIN`` names the ``label-studio`` executable of that environment (``.ci/setup/50-labelstudio.sh``
builds it). The server runs on SQLite in a fresh data folder, bound to 127.0.0.1 on a free port, with the
first user, its legacy token and legacy tokens allowed given as start flags; more users and a personal access
token are made with ``label-studio shell``.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BIN_VARIABLE = "AQA_LABEL_STUDIO_BIN"
ADMIN = "admin@example.com"
ANNOTATORS = ("ann1@example.com", "ann2@example.com", "ann3@example.com")
IMAGE_CONFIG = """<View>
  <Image name="image" value="$image"/>
  <Choices name="label" toName="image" choice="single">
    <Choice value="cat"/><Choice value="dog"/><Choice value="bird"/>
  </Choices>
</View>"""
TEXT_CONFIG = """<View><Text name="text" value="$text"/><TextArea name="note" toName="text"/></View>"""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LabelStudioServer:
    """A running server: ``url``, the admin's ``legacy_token`` and ``personal_token``, user ids by e-mail."""

    executable: Path
    data_dir: Path
    port: int
    process: subprocess.Popen
    legacy_token: str
    start_seconds: float
    personal_token: str = ""
    users: dict[str, int] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def address(self, project_id: int) -> str:
        return f"labelstudio://127.0.0.1:{self.port}/projects/{project_id}"

    def shell(self, code: str, timeout: float = 180) -> str:
        """Run Python in the server's Django shell (``label-studio shell``); returns what it printed."""
        env = {**os.environ, "LABEL_STUDIO_BASE_DATA_DIR": str(self.data_dir)}
        line = f"exec(compile({code!r}, 'aqa-test', 'exec'))\n"  # one line: the console reads statements one by one
        done = subprocess.run([str(self.executable), "shell"], input=line, env=env, capture_output=True,
                              text=True, timeout=timeout)
        return done.stdout

    def client(self, token: str | None = None) -> Any:
        from label_studio_sdk import LabelStudio

        return LabelStudio(base_url=self.url, api_key=token or self.personal_token)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=20)


def _launch(executable: Path, data_dir: Path, port: int, flags: list[str]) -> subprocess.Popen:
    env = {**os.environ, "LABEL_STUDIO_BASE_DATA_DIR": str(data_dir), "DJANGO_DB": "sqlite"}
    log = open(data_dir / "server.log", "w")
    return subprocess.Popen(
        [str(executable), "start", "--no-browser", "--internal-host", "127.0.0.1", "--host",
         f"http://127.0.0.1:{port}", "--port", str(port), *flags],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def _wait_until_up(server: LabelStudioServer, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if server.process.poll() is not None:
            raise RuntimeError(f"label-studio exited with {server.process.returncode}; see "
                               f"{server.data_dir / 'server.log'}")
        try:
            with urllib.request.urlopen(f"{server.url}/health", timeout=2) as answer:
                if b"UP" in answer.read():
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            server.stop()
            raise RuntimeError(f"label-studio did not answer /health within {timeout:.0f} s; see the server log")
        time.sleep(0.5)


def template_dir(executable: str | Path) -> Path:
    """Where a migrated data folder with the users is kept beside the server's environment (made once)."""
    return Path(executable).resolve().parent.parent / "aqa-test-template"


def start_server(executable: str | Path, data_dir: Path, *, timeout: float = 300,
                 use_template: bool = True) -> LabelStudioServer:
    """Start a server in ``data_dir`` and wait for ``/health``.

    The first start creates the database (migrations: about a minute), the admin with its legacy token (start
    flags), three annotators and the admin's personal access token (``label-studio shell``); a copy of that
    data folder is kept beside the environment (:func:`template_dir`) so later starts begin from it (seconds).
    ``use_template=False`` always starts from nothing.
    """
    executable = Path(executable)
    data_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    template = template_dir(executable)
    started = time.perf_counter()
    if use_template and (template / "credentials.json").exists():
        shutil.copytree(template / "data", data_dir, dirs_exist_ok=True)
        info = json.loads((template / "credentials.json").read_text())
        server = LabelStudioServer(executable, data_dir, port, _launch(executable, data_dir, port, []),
                                   info["legacy_token"], 0.0, info["pat"], info["users"])
        _wait_until_up(server, timeout)
        server.start_seconds = time.perf_counter() - started
        return server
    token = secrets.token_hex(20)
    flags = ["--username", ADMIN, "--password", secrets.token_hex(16), "--user-token", token,
             "--enable-legacy-api-token"]
    server = LabelStudioServer(executable, data_dir, port, _launch(executable, data_dir, port, flags), token, 0.0)
    _wait_until_up(server, timeout)
    server.start_seconds = time.perf_counter() - started
    made = server.shell(_MAKE_USERS % {"admin": ADMIN, "annotators": json.dumps(list(ANNOTATORS))})
    line = next((ln for ln in made.splitlines() if "AQA_USERS=" in ln), None)
    if line is None:
        server.stop()
        raise RuntimeError(f"label-studio shell did not create the users: {made[-2000:]}")
    info = json.loads(line.split("AQA_USERS=", 1)[1])
    server.users, server.personal_token = info["users"], info["pat"]
    if use_template:
        _save_template(server, template)
    return server


def _save_template(server: LabelStudioServer, template: Path) -> None:
    """Copy the fresh data folder (the database through SQLite's backup API, safe while the server runs)."""
    staging = template.parent / f".{template.name}-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(server.data_dir, staging / "data",
                    ignore=shutil.ignore_patterns("*.sqlite3*", "server.log", "media", "export"))
    with sqlite3.connect(server.data_dir / "label_studio.sqlite3") as src, \
            sqlite3.connect(staging / "data" / "label_studio.sqlite3") as dst:
        src.backup(dst)
    (staging / "credentials.json").write_text(json.dumps({"legacy_token": server.legacy_token,
                                                          "pat": server.personal_token, "users": server.users}))
    try:
        os.rename(staging, template)  # atomic; fails when another session made the template first
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)


_MAKE_USERS = """
import json
from jwt_auth.models import LSAPIToken
from organizations.models import Organization
from users.models import User
admin = User.objects.get(email=%(admin)r)
org = admin.active_organization or Organization.objects.first()
users = {admin.email: admin.id}
for email in json.loads(%(annotators)r):
    u = User.objects.filter(email=email).first() or User.objects.create_user(email=email, password=email + 'x9')
    org.add_user(u)
    u.active_organization = org
    u.save()
    users[email] = u.id
print('AQA_USERS=' + json.dumps({'users': users, 'pat': LSAPIToken.for_user(admin).get_full_jwt()}))
"""


def choice(label: str) -> list[dict[str, Any]]:
    return [{"type": "choices", "from_name": "label", "to_name": "image", "value": {"choices": [label]}}]


def pilot_tasks(users: dict[str, int], n_tasks: int = 12, *, seed: int = 0) -> list[dict[str, Any]]:
    """Image-classification tasks with annotations from three annotators, one cancelled annotation, ground truth
    on some tasks, model predictions and tasks without annotation; splits of 3:0, 2:1 and 1:1:1 occur."""
    import random

    rng = random.Random(seed)
    labels = ["cat", "dog", "bird"]
    a1, a2, a3 = (users[e] for e in ANNOTATORS)
    tasks = []
    for i in range(n_tasks):
        truth = labels[i % 3]
        kind = i % 6
        votes = {0: [truth] * 3, 1: [truth, truth, labels[(i + 1) % 3]], 2: labels[:],
                 3: [truth, truth, truth], 4: [truth, labels[(i + 2) % 3], truth], 5: []}[kind]
        anns = [{"completed_by": who, "ground_truth": False, "result": choice(lab), "lead_time": 2.5 + rng.random(),
                 "created_at": f"2025-01-{1 + i % 28:02d}T10:{i % 60:02d}:00.000000Z"}
                for who, lab in zip((a1, a2, a3), votes)]
        if i == 1:  # a cancelled (skipped) annotation
            anns[2] = {"completed_by": a3, "ground_truth": False, "was_cancelled": True, "result": []}
        if kind in (0, 1) and i < n_tasks - 1:  # the reviewer's ground truth
            anns.append({"completed_by": users[ADMIN], "ground_truth": True, "result": choice(truth)})
        preds = [] if kind == 5 else [{"model_version": "resnet-v1", "score": round(0.55 + 0.4 * rng.random(), 3),
                                       "result": choice(truth if kind != 2 else labels[(i + 1) % 3])}]
        tasks.append({"data": {"image": f"https://images.example.com/pilot/img_{i:04d}.png"},
                      "annotations": anns, "predictions": preds})
    return tasks


def create_project(client: Any, title: str, tasks: list[dict[str, Any]], config: str = IMAGE_CONFIG) -> int:
    """A project with ``config`` and ``tasks`` imported (annotations and predictions included); its id."""
    project = client.projects.create(title=title, label_config=config)
    if tasks:
        client.projects.import_tasks(id=project.id, request=tasks)
    return int(project.id)


def export_full_json(client: Any, project_id: int, path: Path) -> Path:
    """The project's full JSON export (a snapshot with predictions as objects, every task) written to ``path``."""
    export = client.projects.exports.create(id=project_id, title="aqa-test",
                                            serialization_options={"predictions": {"only_id": False}},
                                            task_filter_options={"only_with_annotations": False})
    for _ in range(120):
        if client.projects.exports.get(id=project_id, export_pk=export.id).status == "completed":
            break
        time.sleep(0.5)
    path.write_bytes(b"".join(client.projects.exports.download(id=project_id, export_pk=export.id,
                                                               export_type="JSON")))
    return path
