"""Workflow specs (one module per workflow) and the generated node classes they import."""
