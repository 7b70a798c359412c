#!/usr/bin/env bash
# Create bench/.venv-whylogs with whylogs, so the benchmark can time a peer in the same run.
# Kept apart from the project's venv: whylogs pins older libraries. Git-ignored.
set -euo pipefail
cd "$(dirname "$0")"
[ -x .venv-whylogs/bin/python ] || python3 -m venv .venv-whylogs
# whylogs 1.6 still uses np.unicode_, removed in NumPy 2: pin NumPy 1 in this venv only
.venv-whylogs/bin/pip install -q --disable-pip-version-check whylogs "numpy<2" "pandas<2.3" "pyarrow<18"
.venv-whylogs/bin/python -c "import whylogs; print('whylogs', whylogs.__version__)"
