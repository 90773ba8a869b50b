"""Request dependencies shared by the route modules: the store and the settings of the app.

They are ``async`` although they only read an attribute: FastAPI runs a plain ``def``
dependency in its thread pool, so every request using one waited for a free thread, behind the
pages being built there, before its route even started (``/health`` under load).
"""

from typing import Annotated

from fastapi import Depends, Request

from app.settings import Settings
from app.store import Store


async def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


async def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


StoreDep = Annotated[Store, Depends(_store)]
SettingsDep = Annotated[Settings, Depends(_settings)]
