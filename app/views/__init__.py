"""Blueprints: thin views that parse the request, call one domain function and answer."""
