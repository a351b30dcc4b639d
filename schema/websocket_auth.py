"""On a WebSocket, check the session again before every operation: a revoked one stops at once."""

from collections.abc import AsyncIterator

from strawberry.extensions import SchemaExtension

from app.principal import Principal
from app.services.sessions import authenticate


class RecheckWebSocketSession(SchemaExtension):
    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context.context
        token = getattr(context, "websocket_token", None)
        if token:
            authenticated = await authenticate(context.rt, token)
            if authenticated is None:
                context.principal, context.auth_session, context.websocket_token = Principal.anonymous(), None, None
            else:
                context.principal, context.auth_session = authenticated.principal, authenticated.session
            context.reset_loaders()
        yield
