"""Pages of the supervision domain."""

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
