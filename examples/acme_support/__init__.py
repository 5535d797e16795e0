"""Acme customer-support assistant: the LLM-facing part of the help-desk service."""
