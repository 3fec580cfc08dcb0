"""The worker process's `Resources`: opened when a worker boots, closed when it stops.

Dramatiq's middleware hooks do what a lifespan does for the web process. The actors run on the
AsyncIO middleware's event loop thread, so the resources are closed on that loop too.
"""

from __future__ import annotations

from dramatiq import Broker, Middleware, Worker
from dramatiq.asyncio import get_event_loop_thread

from domain.config import Settings
from domain.resources import Resources

WORKER_POOL_SIZE = 2  # the actors share one event loop: a few connections serve them all


class ResourcesMiddleware(Middleware):
    """Opens the process's Resources after the worker boots and closes them at shutdown;
    actors read them from `.resources`."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._resources: Resources | None = None

    @property
    def resources(self) -> Resources:
        """This worker process's resources (between boot and shutdown)."""
        if self._resources is None:
            raise RuntimeError("the worker's resources are not open: the worker has not booted")
        return self._resources

    def before_worker_boot(self, broker: Broker, worker: Worker) -> None:
        # Before the worker threads take messages (after_worker_boot would race the first one).
        # Connections open on first use, on the actors' event loop.
        self._resources = Resources.open(self.settings, pool_size=WORKER_POOL_SIZE)

    def after_worker_shutdown(self, broker: Broker, worker: Worker) -> None:
        # Runs before AsyncIO's own after_worker_shutdown (Dramatiq calls "after" hooks in
        # reverse order), so the loop the connections live on is still running.
        closing, self._resources = self._resources, None
        thread = get_event_loop_thread()
        if closing is not None and thread is not None:
            thread.run_coroutine(closing.close())
