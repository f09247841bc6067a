"""The `nn-backends` command: `bench` (the main job), `demo`, `train`, and the plots they draw."""

from .main import main

__all__ = ["main"]
