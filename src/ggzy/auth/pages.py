"""Pages of the auth domain."""

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
