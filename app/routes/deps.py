"""Request dependencies shared by the route modules: the store and the settings of the app."""

from typing import Annotated

from fastapi import Depends, Request

from app.settings import Settings
from app.store import Store


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


StoreDep = Annotated[Store, Depends(_store)]
SettingsDep = Annotated[Settings, Depends(_settings)]
