"""(being written)"""

from __future__ import annotations

from fastapi import APIRouter

from allo.service import AlloService


def audit_router(service: AlloService) -> APIRouter:
    return APIRouter()
