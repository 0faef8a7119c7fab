"""The unified provincial platform: FastAPI application, API and offline UI."""
