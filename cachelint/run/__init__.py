"""The middle of the pipeline: from the files discovery lists to sorted, suppressed findings.

Each stage is a module of its own, and none imports a module that imports it:

- `lint`: the run's orchestration (scan, pre-filter, cache look-ups, linting, cache writes);
- `prefilter`: reads each file once and tells, from its text, whether it can matter;
- `scan`: the wrapper scan, one implementation for one process or many;
- `check`: one parsed module through the analysis and the rules, deduplicated and suppressed;
- `tracked`: projects that record what a result depends on, and the parsed-module cache;
- `state`: what one run (or one worker of it) holds, created at its start;
- `pool`: a generic pool of worker processes (it knows nothing of linting);
- `tokenserver`: the process that counts tokens for the workers; `pipes`: what both ends of a
  pipe need.
"""
