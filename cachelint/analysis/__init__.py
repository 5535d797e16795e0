"""Static analysis: find SDK calls and rebuild their prompts without running anything."""
