"""On a WebSocket, check the session again before every operation: a revoked one stops at once.

Subscriptions check it again before each event they deliver (see resolvers/orders.py).
"""

from collections.abc import AsyncIterator

from strawberry.extensions import SchemaExtension


class RecheckWebSocketSession(SchemaExtension):
    async def on_execute(self) -> AsyncIterator[None]:
        await self.execution_context.context.recheck_websocket_session()
        yield
