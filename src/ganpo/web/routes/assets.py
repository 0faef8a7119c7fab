"""Placeholder router: filled in by its owner in this session."""

from fastapi import APIRouter

router = APIRouter()
