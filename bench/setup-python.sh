#!/usr/bin/env bash
# Makes bench/.venv with the Python peers of bench/peers.py: NumPy and JAX on CPU. Safe to run again.
# Pinned because the peers' numbers are quoted against these versions; bump both together.
set -euo pipefail
cd "$(dirname "$0")"
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q numpy==2.4.6 "jax[cpu]==0.10.2"
