"""Live features of the websocket hub: the activity stream, the dashboard, presence.

- ``activity``: each org's feed of CRM changes in a Redis Stream, resumable by offset.
- ``dashboard``: pipeline, win rate and today's counts, pushed as coalesced deltas.
- ``presence``: who in an org has a socket open, across every realtime process.
"""
