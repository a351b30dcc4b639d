"""The per-request (or per-WebSocket-connection) context handed to every resolver."""

from dataclasses import dataclass, field
from typing import Any

from app.principal import Principal
from app.runtime import RequestMeta, Runtime
from loaders import Loaders
from models.auth import AuthSession


@dataclass
class Context:
    rt: Runtime
    principal: Principal
    meta: RequestMeta
    auth_session: AuthSession | None = None
    request: Any = None
    response: Any = None
    # WebSocket connections authenticate in connection_init; the token is kept to re-check each operation.
    connection_params: dict[str, Any] | None = None
    websocket_token: str | None = None
    _loaders: Loaders | None = field(default=None, repr=False)

    def reset_loaders(self) -> None:
        """Forget cached rows (a new principal, or the next operation on a long-lived connection)."""
        self._loaders = None

    @property
    def loaders(self) -> Loaders:
        if self._loaders is None:
            self._loaders = Loaders(self.rt.db, self.principal)
        return self._loaders
