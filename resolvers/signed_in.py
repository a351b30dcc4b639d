"""After a sign-in mutation, the rest of its payload resolves as the new session."""

from app.services import sessions
from schema.types.base import Info


async def act_as_signed_in(info: Info, token: str) -> None:
    """The rest of this payload (e.g. login { customer { addresses } }) resolves as the new session."""
    authenticated = await sessions.authenticate(info.context.rt, token)
    if authenticated is not None:
        info.context.principal, info.context.auth_session = authenticated.principal, authenticated.session
        info.context.reset_loaders()
