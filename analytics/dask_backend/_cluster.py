"""Connecting to a Dask cluster: an existing one by address, the current client, or a local one."""

from __future__ import annotations

from typing import Any

from ..exceptions import InvalidParameterError

__all__ = ["connect"]


def connect(scheduler: Any = None) -> tuple[Any, tuple]:
    """A :class:`distributed.Client` for ``scheduler`` and the resources this call started.

    ``scheduler`` is a ``distributed.Client`` (used as is), a scheduler address such as
    ``"tcp://10.0.0.5:8786"`` (an existing cluster: Kubernetes, YARN, SSH, HPC …), ``"local"`` (a
    ``LocalCluster`` on this machine) or ``None`` (the current default client if there is one, else a
    ``LocalCluster``). Returns ``(client, owned)``: ``owned`` lists what the caller should close when done
    (the client and cluster started here; nothing for a client that was passed in or already current).
    """
    try:
        from distributed import Client, LocalCluster, default_client
    except ImportError:
        raise InvalidParameterError(
            "backend='dask' needs the optional dependencies dask[dataframe] and distributed: "
            "pip install 'annotation-qa[dask]'.") from None
    if isinstance(scheduler, Client):
        return scheduler, ()
    if scheduler is None:
        try:
            return default_client(), ()
        except ValueError:
            scheduler = "local"
    if scheduler == "local":
        cluster = LocalCluster(dashboard_address=":0")
        client = Client(cluster)
        return client, (client, cluster)
    if isinstance(scheduler, str) and scheduler:
        try:
            client = Client(scheduler)
        except OSError as exc:
            raise InvalidParameterError(
                f"Cannot reach a Dask scheduler at {scheduler!r} ({exc}). Give the address the scheduler prints "
                "(e.g. tcp://host:8786), or 'local' for a cluster on this machine.") from None
        return client, (client,)
    raise InvalidParameterError(
        f"scheduler= must be a scheduler address, 'local', a distributed.Client or None; got {scheduler!r}.")
