"""`cachelint server`: a Language Server that shows cachelint's findings while the code is written.

- `projects`: the projects an editor session lints, each kept parsed between requests (no pygls);
- `hover`: an LLM call's rebuilt prompt as Markdown (no pygls);
- `edits`: code actions as text edits, from the findings and the fixes cachelint knows (no pygls);
- `lsp`: the protocol, with pygls and lsprotocol (the optional extra `cachelint-llm[server]`).
"""
