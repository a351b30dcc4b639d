"""The per-request (or per-WebSocket-connection) context handed to every resolver."""

from dataclasses import dataclass, field
from typing import Any

from app.principal import Principal
from app.runtime import RequestMeta, Runtime
from app.services.sessions import authenticate_remembered
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

    async def recheck_websocket_session(self) -> None:
        """On a WebSocket, authenticate the connection's token again: a revoked session becomes anonymous."""
        if not self.websocket_token:
            return
        authenticated = await authenticate_remembered(self.rt, self.websocket_token)
        if authenticated is None:
            self.principal, self.auth_session, self.websocket_token = Principal.anonymous(), None, None
        else:
            self.principal, self.auth_session = authenticated.principal, authenticated.session
        self.reset_loaders()

    def reset_loaders(self) -> None:
        """Forget cached rows (a new principal, or the next operation on a long-lived connection)."""
        self._loaders = None

    @property
    def loaders(self) -> Loaders:
        if self._loaders is None:
            self._loaders = Loaders(self.rt.db, self.principal)
        return self._loaders
