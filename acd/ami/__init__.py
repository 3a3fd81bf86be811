"""Asterisk Manager Interface client: typed events, supervised connection, actions."""

from acd.ami.client import AmiClient
from acd.ami.event_types import AmiEvent, AmiResponse
from acd.ami.events import parse_event, parse_response
from acd.ami.supervisor import AmiState

__all__ = ["AmiClient", "AmiEvent", "AmiResponse", "AmiState", "parse_event", "parse_response"]
