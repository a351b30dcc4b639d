"""exportMyData."""

import strawberry

from app.services import data_export
from app.services.data_export import DataExportError
from resolvers.permissions import IsAuthenticated, requires
from schema.types.base import Info, user_errors
from schema.types.data_export import DataExport, DataExportUserError, ExportMyDataPayload


@strawberry.type
class DataExportMutations:
    @strawberry.mutation(
        description="Ask for a copy of everything held about you: a JSON download, its link sent by email.",
        extensions=requires(IsAuthenticated),
    )
    async def export_my_data(self, info: Info) -> ExportMyDataPayload:
        ctx = info.context
        try:
            row = await data_export.request_export(ctx.rt, ctx.principal, ctx.meta)
        except DataExportError as error:
            return ExportMyDataPayload(user_errors=user_errors(error, DataExportUserError))
        return ExportMyDataPayload(data_export=DataExport.from_row(row))
