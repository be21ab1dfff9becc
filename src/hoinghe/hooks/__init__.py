"""Hooks: listeners told of committed events."""

from hoinghe.hooks.listeners import Dispatcher, Listener

__all__ = ["Dispatcher", "Listener"]
