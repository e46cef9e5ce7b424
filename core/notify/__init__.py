"""Notifications: events, routing, and the channels that deliver them."""
