"""Small render functions, one concern each; no HTTP calls inside."""
