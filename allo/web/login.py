"""(being written)"""

from __future__ import annotations

from fastapi import APIRouter

from allo.service import AlloService


def login_pages(service: AlloService) -> APIRouter:
    return APIRouter()
