"""Field permissions: deny by default. Anonymous callers get UNAUTHENTICATED, others FORBIDDEN."""

from typing import Any

from strawberry.extensions.field_extension import FieldExtension
from strawberry.permission import BasePermission, PermissionExtension

from app.principal import Principal
from app.services.errors import NotAuthenticatedError, PermissionDeniedError


class _RequiresPrincipal(BasePermission):
    def allowed(self, principal: Principal) -> bool:
        raise NotImplementedError

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        principal: Principal = info.context.principal
        if not principal.is_authenticated:
            raise NotAuthenticatedError()
        return self.allowed(principal)

    def on_unauthorized(self) -> None:
        raise PermissionDeniedError()


class IsAuthenticated(_RequiresPrincipal):
    def allowed(self, principal: Principal) -> bool:
        return True


class IsStaff(_RequiresPrincipal):
    def allowed(self, principal: Principal) -> bool:
        return principal.is_staff


class IsAdmin(_RequiresPrincipal):
    def allowed(self, principal: Principal) -> bool:
        return principal.is_admin


def requires(permission: type[BasePermission]) -> list[FieldExtension]:
    return [PermissionExtension(permissions=[permission()], use_directives=False)]


class HasScope(BasePermission):
    """A service account whose API key carries the scope (e.g. orders:write)."""

    def __init__(self, scope: str) -> None:
        self.scope = scope

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        principal: Principal = info.context.principal
        if not principal.is_authenticated and principal.service_account_id is None:
            raise NotAuthenticatedError()
        return principal.has_scope(self.scope)

    def on_unauthorized(self) -> None:
        raise PermissionDeniedError()


def requires_scope(scope: str) -> list[FieldExtension]:
    return [PermissionExtension(permissions=[HasScope(scope)], use_directives=False)]


class StaffOrScope(HasScope):
    """Staff signed in, or a service account whose API key carries the scope (the warehouse system)."""

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        principal: Principal = info.context.principal
        if principal.is_authenticated and principal.service_account_id is None:
            return principal.is_staff
        return super().has_permission(source, info, **kwargs)


def requires_staff_or_scope(scope: str) -> list[FieldExtension]:
    return [PermissionExtension(permissions=[StaffOrScope(scope)], use_directives=False)]
