#!/usr/bin/env bash
# The shell step of action.yml: install cachelint from the action's own checkout, lint, write SARIF.
#
# Environment (action.yml sets it from the action's inputs):
#   CACHELINT_SOURCE     the cachelint source tree to install (the action's checkout); required
#   CACHELINT_PYTHON     the interpreter to install with (default: python3)
#   CACHELINT_VENV       when set, a virtualenv made there holds cachelint, so the job's own
#                        environment gets none of cachelint's dependencies
#   CACHELINT_PIP_ARGS   extra `pip install` arguments (word-split)
#   CACHELINT_PATHS      what to lint, space-separated (default: .)
#   CACHELINT_ARGS       extra cachelint options, e.g. `--baseline cachelint-baseline.json` (word-split)
#   CACHELINT_SARIF      the SARIF file to write (default: cachelint.sarif)
#
# Exit status: 0 when the SARIF file was written, whatever it finds (cachelint runs with
# --exit-zero so that the upload step runs; a file it cannot check is a toolExecutionNotification
# of the report); cachelint's own status (2) when the run itself fails (a bad option or
# configuration, a path that does not exist), and then nothing is uploaded; 3 when the install
# fails.
set -uo pipefail

source_dir="${CACHELINT_SOURCE:?CACHELINT_SOURCE must name the cachelint source to install}"
python="${CACHELINT_PYTHON:-python3}"
sarif="${CACHELINT_SARIF:-cachelint.sarif}"

if [ -n "${CACHELINT_VENV:-}" ]; then
    "$python" -m venv "$CACHELINT_VENV" || exit 3
    python="$CACHELINT_VENV/bin/python"
fi

# shellcheck disable=SC2086  # CACHELINT_PIP_ARGS is a list of arguments
if ! "$python" -m pip install --quiet --disable-pip-version-check ${CACHELINT_PIP_ARGS:-} "$source_dir"; then
    echo "cachelint action: pip could not install cachelint from $source_dir" >&2
    exit 3
fi

# shellcheck disable=SC2086  # CACHELINT_ARGS and CACHELINT_PATHS are lists of words
"$python" -m cachelint --format sarif --exit-zero ${CACHELINT_ARGS:-} -- ${CACHELINT_PATHS:-.} > "$sarif"
status=$?

if [ -n "${GITHUB_OUTPUT:-}" ]; then
    echo "sarif-file=$sarif" >> "$GITHUB_OUTPUT"
fi
exit "$status"
