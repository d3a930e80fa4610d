"""A module whose ``app`` attribute is not callable."""

app = {"this": "is a dict, not a WSGI callable"}
