"""supakit: keep Supabase projects safe — scaffold, lint and audit migrations."""

__version__ = "0.1.0"
