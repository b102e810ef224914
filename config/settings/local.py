"""Developer and embedded settings: `make run` uses these."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
