"""Placeholder while engineer C builds it."""

from fastapi import APIRouter

router = APIRouter()
