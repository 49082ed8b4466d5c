"""Serving: the request-time pipeline behind the recommendations API and the staff preview."""
