"""Column helpers shared by the models."""

from datetime import datetime
from functools import partial

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app import clock
from app.ids import new_id


def id_column(prefix: str) -> Mapped[str]:
    return mapped_column(String(40), primary_key=True, default=partial(new_id, prefix))


def created_column() -> Mapped[datetime]:
    return mapped_column(default=clock.now)


def updated_column() -> Mapped[datetime]:
    return mapped_column(default=clock.now, onupdate=clock.now)
