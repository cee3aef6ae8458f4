"""`supakit diff`: declared schemas (or a live database) against the migrations, written as a new
migration by migra and audited on the spot. `run_diff` is the entry point; the differ loads only
when it runs."""
