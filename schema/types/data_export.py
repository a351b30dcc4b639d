"""exportMyData: the export record and its payload."""

from collections.abc import Iterable
from datetime import datetime

import strawberry
from strawberry import relay

from app.services import data_export
from app.services.data_export import DataExportErrorCode, DataExportStatus
from models.data_export import DataExport as DataExportRow
from schema.types.base import DisplayableError, Info, load_nodes

DataExportErrorCodeEnum = strawberry.enum(DataExportErrorCode, name="DataExportErrorCode")
DataExportStatusEnum = strawberry.enum(
    DataExportStatus,
    name="DataExportStatus",
    description="READY: the link works; USED_UP: downloaded as often as allowed; EXPIRED: past expiresAt.",
)


@strawberry.type(description="An error from asking for a data export.")
class DataExportUserError(DisplayableError):
    code: DataExportErrorCode


@strawberry.type(description="A copy of everything held about you, as a JSON download built when you download it.")
class DataExport(relay.Node):
    id: relay.NodeID[str]
    created_at: datetime
    expires_at: datetime
    download_count: int
    last_downloaded_at: datetime | None
    row: strawberry.Private[DataExportRow]

    @strawberry.field(description="Whether the download link still works, and if not, why.")
    def status(self, info: Info) -> DataExportStatus:
        return data_export.export_status(info.context.rt, self.row)

    @strawberry.field(
        description="A short-lived signed link (also sent by email); null once expired or used up, and for anyone but the owner."
    )
    def download_url(self, info: Info) -> str | None:
        if info.context.principal.customer_id != self.row.customer_id:
            return None
        if data_export.export_status(info.context.rt, self.row) is not DataExportStatus.READY:
            return None
        return data_export.download_url(info.context.rt, self.row)

    @classmethod
    def from_row(cls, row: DataExportRow) -> "DataExport":
        return cls(
            id=str(row.id),
            created_at=row.created_at,
            expires_at=row.expires_at,
            download_count=row.download_count,
            last_downloaded_at=row.last_downloaded_at,
            row=row,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list["DataExport | None"]:
        rows = await load_nodes(info.context.loaders.data_export, node_ids)
        return [cls.from_row(row) if row else None for row in rows]


@strawberry.type
class ExportMyDataPayload:
    data_export: DataExport | None = None
    user_errors: list[DataExportUserError] = strawberry.field(default_factory=list)
