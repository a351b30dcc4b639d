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
    _loaders: Loaders | None = field(default=None, repr=False)

    @property
    def loaders(self) -> Loaders:
        if self._loaders is None:
            self._loaders = Loaders(self.rt.db, self.principal)
        return self._loaders
