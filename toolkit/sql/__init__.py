"""SQL text handling: statement splitting with exact source offsets, parsing, expression analysis."""
