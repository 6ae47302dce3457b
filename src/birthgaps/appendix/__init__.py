"""appendix."""
